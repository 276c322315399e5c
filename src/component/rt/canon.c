/*
** rt/canon.c — the canonical built-ins at run time: calling a lifted export
** (canon lift), the core host function that `canon lower` makes, and
** resource.new/rep/drop.
**
** Values cross as canonical ABI value trees (correctness first): a lowered
** call lifts the arguments out of the calling instance's memory, calls the
** target — a host callback, a native (plugin-ABI) function, or another
** instance's lifted export, which lowers them into *its* memory — and lowers
** the result back.  A sync lower of another instance's lifted export whose
** type allows it copies memory to memory instead (rt/fused.c).
*/
#include "component/rt/async.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ traps */


wasmplug_trap_t *rt_trap_from_cabi(wp_cabi_error_t *e, const char *where) {
  wasmplug_trap_kind_t kind =
      wp_cabi_error_kind(e) == WP_CABI_TRAP ? WASMPLUG_TRAP_CANON : WASMPLUG_TRAP_HOST;
  char msg[768];
  snprintf(msg, sizeof msg, "%s%s%s", where ? where : "", where ? ": " : "", wp_cabi_error_message(e));
  wp_cabi_error_delete(e);
  return wasmplug_trap_new(kind, msg);
}

wasmplug_trap_t *rt_take_trap(rt_store *s, wp_cabi_error_t *e, const char *where) {
  if (s->pending) {
    wasmplug_trap_t *t = s->pending;
    s->pending = NULL;
    wp_cabi_error_delete(e);
    return t;
  }
  return rt_trap_from_cabi(e, where);
}

/* Parks a trap in the store and returns a cabi error standing for it. */
static wp_cabi_error_t *park(rt_store *s, wasmplug_trap_t *t) {
  wp_cabi_error_t *e = wp_cabi_error_new(WP_CABI_TRAP, "%s", wasmplug_trap_message(t));
  if (s->pending) wasmplug_trap_delete(s->pending);
  s->pending = t;
  return e;
}

/* ------------------------------------------------------------ core calls */

static void flat_to_raw(wasmplug_valkind_t k, const wp_cabi_flat_t *f, wasmplug_val_raw_t *r) {
  switch (k) {
  case WASMPLUG_I32: r->i32 = (int32_t)f->i32; break;
  case WASMPLUG_I64: r->i64 = (int64_t)f->i64; break;
  case WASMPLUG_F32: r->f32 = f->f32; break;
  case WASMPLUG_F64: r->f64 = f->f64; break;
  default: r->ref = NULL; break;
  }
}

static void raw_to_flat(wasmplug_valkind_t k, const wasmplug_val_raw_t *r, wp_cabi_flat_t *f) {
  f->i64 = 0;
  switch (k) {
  case WASMPLUG_I32: f->i32 = (uint32_t)r->i32; break;
  case WASMPLUG_I64: f->i64 = (uint64_t)r->i64; break;
  case WASMPLUG_F32: f->f32 = r->f32; break;
  case WASMPLUG_F64: f->f64 = r->f64; break;
  default: break;
  }
}

wasmplug_trap_t *rt_core_call(rt_corefunc *cf, const wp_cabi_flat_t *params, size_t np, wp_cabi_flat_t *results,
                              size_t nr) {
  const wasmplug_functype_t *ft = cf->func ? wasmplug_func_type(cf->func) : &cf->type;
  if (ft->nparams != np || ft->nresults != nr)
    return wasmplug_trap_new(WASMPLUG_TRAP_CANON, "core function signature does not match its canonical type");
  wasmplug_val_raw_t raw[WP_CABI_MAX_FLAT_PARAMS + 2];
  if (np > WP_CABI_MAX_FLAT_PARAMS + 1 || nr > WP_CABI_MAX_FLAT_PARAMS + 1)
    return wasmplug_trap_new(WASMPLUG_TRAP_CANON, "too many core values");
  memset(raw, 0, sizeof raw);
  for (size_t i = 0; i < np; i++) flat_to_raw(ft->params[i], &params[i], &raw[i]);
  wasmplug_trap_t *t = cf->func ? wasmplug_func_call_unchecked(cf->func, raw) : cf->cb(cf->env, NULL, raw, np > nr ? np : nr);
  if (t) return t;
  for (size_t i = 0; i < nr; i++) raw_to_flat(ft->results[i], &raw[i], &results[i]);
  return NULL;
}

/* ------------------------------------------------------------ lifted exports */

static void guest_memory(void *ctx, wp_cabi_memory_t *out) {
  const rt_opts *o = ctx;
  out->base = o->memory ? wasmplug_memory_data(o->memory) : NULL;
  out->size = o->memory ? wasmplug_memory_size(o->memory) : 0;
}

/* The guest callbacks get the rt_opts; the store travels next to them. */
typedef struct opts_ctx {
  rt_opts o;
  rt_store *s;
  rt_frame *f;
} opts_ctx;

static wp_cabi_error_t *guest_realloc(void *ctx, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                                      uint32_t new_size, uint32_t *out) {
  opts_ctx *c = ctx;
  if (!c->o.realloc) return wp_cabi_error_new(WP_CABI_INVALID, "the guest has no realloc option");
  wp_cabi_flat_t p[4], r[1];
  p[0].i64 = p[1].i64 = p[2].i64 = p[3].i64 = 0;
  p[0].i32 = old_ptr;
  p[1].i32 = old_size;
  p[2].i32 = align;
  p[3].i32 = new_size;
  /* The reference makes realloc "may not leave" too; C guests linked as
  ** commands run __wasm_call_dtors after every export, cabi_realloc
  ** included, and flush stdio through their imports there, so only
  ** post-return (and the async built-ins' own rules) enforce it. */
  wasmplug_trap_t *t = rt_core_call(c->o.realloc, p, 4, r, 1);
  if (t) return park(c->s, t);
  *out = r[0].i32;
  return NULL;
}

static wp_cabi_error_t *guest_post_return(void *ctx, const wp_cabi_flat_t *results, size_t n) {
  opts_ctx *c = ctx;
  if (!c->o.post_return) return NULL;
  if (c->f) c->f->no_leave++;
  wasmplug_trap_t *t = rt_core_call(c->o.post_return, results, n, NULL, 0);
  if (c->f) c->f->no_leave--;
  return t ? park(c->s, t) : NULL;
}

/* The host memory one call may take on the guest's behalf (max-host-memory). */
static size_t budget_of(const rt_store *s) {
  uint64_t b = s->limits.host_memory_bytes;
  return b > SIZE_MAX ? SIZE_MAX : (size_t)b;
}

wp_cabi_arena_t *rt_arena_take(rt_store *s, size_t budget) {
  wp_cabi_arena_t *a = s->spare_arena;
  if (!a) return wp_cabi_arena_new(budget);
  s->spare_arena = NULL;
  wp_cabi_arena_budget_set(a, budget);
  return a;
}

void rt_arena_give(rt_store *s, wp_cabi_arena_t *a) {
  if (!a) return;
  if (s->spare_arena) {
    wp_cabi_arena_delete(a);
    return;
  }
  wp_cabi_arena_reset(a);
  s->spare_arena = a;
}

static void make_guest(rt_frame *f, const rt_opts *o, wp_cabi_opts_t *g, opts_ctx **ctxp) {
  opts_ctx *c = rt_alloc(f->store, sizeof *c);
  memset(g, 0, sizeof *g);
  if (!c) return;
  c->o = *o;
  c->s = f->store;
  c->f = f;
  g->ctx = c;
  g->memory = guest_memory;
  g->realloc = guest_realloc;
  g->post_return = o->post_return ? guest_post_return : NULL;
  g->encoding = o->encoding;
  g->handles = f->handles;
  g->budget = budget_of(f->store);
  if (ctxp) *ctxp = c;
}

void rt_lifted_init(rt_func *F) { make_guest(F->owner, &F->opts, &F->guest, NULL); }

void rt_make_opts(rt_frame *f, const rt_opts *o, wp_cabi_opts_t *g) { make_guest(f, o, g, NULL); }

/* ------------------------------------------------------------ canon lower */


static wp_cabi_error_t *dispatch(void *ctx, const wp_cabi_val_t *params, size_t n, wp_cabi_val_t *result) {
  rt_lower *L = ctx;
  wasmplug_trap_t *t = rt_func_call_from(L->F, L->f, params, n, result);
  return t ? park(L->f->store, t) : NULL;
}

/* The native flavour: lift into the plugin ABI's layout, call, lower. */
static wasmplug_trap_t *call_native(rt_lower *L, const wp_cabi_flat_t *flat, size_t nflat, wp_cabi_flat_t *out,
                                    size_t *nout) {
  /* an `async func` may complete later, and stream/future/error-context
  ** values live in the plugin instance's table: such calls go through
  ** rt/native.c */
  if (L->F->is_async || L->async_values) return rt_native_call_sync(L, flat, nflat, out, nout);
  const rt_host_def *h = L->F->host;
  wp_cabi_arena_t *arena = rt_arena_take(L->f->store, budget_of(L->f->store));
  if (!arena) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  wp_cabi_cx_t cx;
  wp_cabi_cx_init(&cx, &L->guest, arena);
  void *args = wp_cabi_arena_alloc(arena, h->native_args.size ? h->native_args.size : 1,
                                   h->native_args.align ? h->native_args.align : 1);
  const wp_cabi_type_t *rt = L->type->result;
  void *res = rt ? wp_cabi_arena_alloc(arena, rt->native.size ? rt->native.size : 1, rt->native.align) : NULL;
  wasmplug_trap_t *t = NULL;
  wp_cabi_error_t *e = NULL;
  if (!args || (rt && !res)) e = wp_cabi_error_new(WP_CABI_LIMIT, "out of memory");
  if (!e) {
    memset(args, 0, h->native_args.size);
    if (res) memset(res, 0, rt->native.size);
    e = wp_cabi_lift_args_native(&cx, L->type, flat, nflat, args);
  }
  wp_cabi_native_fn_t fn = h->native;
  if (!fn.who) fn.who = L->F->name;
  if (!e && !(t = wp_cabi_native_run(&fn, arena, args, res, NULL)))
    e = wp_cabi_lower_results_native(&cx, L->type, res, flat, nflat, out, nout);
  wp_cabi_error_t *fe = wp_cabi_cx_finish(&cx);
  if (!e && !t) e = fe;
  else wp_cabi_error_delete(fe);
  if (e && !t) t = rt_take_trap(L->f->store, e, L->F->name);
  else if (e) wp_cabi_error_delete(e);
  rt_arena_give(L->f->store, arena);
  return t;
}

/* Why the calling instance may not make this call now, or NULL. */
wasmplug_trap_t *rt_lower_refused(const rt_lower *L) {
  if (L->f->store->dead) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "the component instance was deleted");
  char msg[400];
  snprintf(msg, sizeof msg, "cannot leave component instance to call `%s` (during realloc or post-return)",
           L->F->name);
  return wasmplug_trap_new(WASMPLUG_TRAP_CANON, msg);
}

static wasmplug_trap_t *lower_cb(void *env, wasmplug_caller_t *caller, wasmplug_val_raw_t *raw, size_t n) {
  (void)caller;
  (void)n;
  rt_lower *L = env;
  rt_store *s = L->f->store;
  if (!rt_lower_may_call(L)) return rt_lower_refused(L);
  if (L->is_async) return rt_lower_async(L, raw);
  if (L->fuse_raw) return rt_fused_call_raw(L, raw);
  wp_cabi_flat_t flat[WP_CABI_MAX_FLAT_PARAMS + 2], out[WP_CABI_MAX_FLAT_RESULTS + 1];
  for (uint32_t i = 0; i < L->ctype.nparams; i++) raw_to_flat(L->ctype.params[i], &raw[i], &flat[i]);
  size_t nout = 0;
  if (L->fuse_to && rt_fuse_distinct(L)) {
    wasmplug_trap_t *t = rt_fused_call(L, flat, L->ctype.nparams, out, &nout);
    if (t) return t;
  } else if (L->F->kind == RT_FUNC_NATIVE) {
    wasmplug_trap_t *t = call_native(L, flat, L->ctype.nparams, out, &nout);
    if (t) return t;
  } else {
    wp_cabi_error_t *e =
        wp_cabi_call_import(&L->guest, NULL, L->type, dispatch, L, flat, L->ctype.nparams, out, &nout);
    if (e) return rt_take_trap(s, e, L->F->name);
  }
  if (nout != L->ctype.nresults)
    return wasmplug_trap_new(WASMPLUG_TRAP_CANON, "lowered function returned the wrong number of core values");
  for (uint32_t i = 0; i < L->ctype.nresults; i++) flat_to_raw(L->ctype.results[i], &out[i], &raw[i]);
  return NULL;
}

/* lower_cb as a direct host function (wasmplug_linker_define_func_direct)
** for the core signatures most lowerings have, up to 4 i32 params and none
** or one i32 result: the guest's code calls these without the runtime's
** value array and host-call dispatch.  The brackets are rt_call_host's
** (in_host set around the callback; a trap or an expired time limit
** unwinds the guest from _leave), so a lowering behaves the same called
** either way. */
#define LOWER_DIRECT(N)                                                        \
  static void lower_direct##N(wasmplug_direct_call_t *d LD_PARAMS##N) {        \
    wasmplug_val_raw_t v[N + 1];                                               \
    LD_SET##N wasmplug_direct_enter();                                         \
    wasmplug_direct_leave(lower_cb(d->env, d->caller, v, N));                  \
  }                                                                            \
  static int32_t lower_direct##N##_i32(wasmplug_direct_call_t *d LD_PARAMS##N) { \
    wasmplug_val_raw_t v[N + 1];                                               \
    v[N].i64 = 0;                                                              \
    LD_SET##N wasmplug_direct_enter();                                         \
    wasmplug_direct_leave(lower_cb(d->env, d->caller, v, N + 1));              \
    return v[0].i32;                                                           \
  }
LOWER_DIRECT(0)
LOWER_DIRECT(1)
LOWER_DIRECT(2)
LOWER_DIRECT(3)
LOWER_DIRECT(4)

static void *lower_direct(const rt_lower *L, const wasmplug_functype_t *t) {
  static void *const none[] = {(void *)lower_direct0, (void *)lower_direct1, (void *)lower_direct2,
                               (void *)lower_direct3, (void *)lower_direct4};
  static void *const i32[] = {(void *)lower_direct0_i32, (void *)lower_direct1_i32, (void *)lower_direct2_i32,
                              (void *)lower_direct3_i32, (void *)lower_direct4_i32};
  if (t->nparams > 4 || t->nresults > 1 || (t->nresults && t->results[0] != WASMPLUG_I32)) return NULL;
  for (uint32_t i = 0; i < t->nparams; i++)
    if (t->params[i] != WASMPLUG_I32) return NULL;
  if (L->fuse_raw) return rt_fused_direct(t);
  return t->nresults ? i32[t->nparams] : none[t->nparams];
}

static bool has_async_values(const wp_cabi_type_t *t) {
  if (!t) return false;
  switch (t->kind) {
  case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT: return true;
  case WP_CABI_OWN: case WP_CABI_BORROW: return false;
  case WP_CABI_RECORD: case WP_CABI_TUPLE: case WP_CABI_VARIANT:
    for (uint32_t i = 0; i < t->nfields; i++)
      if (has_async_values(t->fields[i].type)) return true;
    return false;
  default: return has_async_values(t->elem) || has_async_values(t->err);
  }
}


int rt_canon_lower(rt_frame *f, rt_func *F, const wp_cabi_func_t *type, const rt_opts *o,
                   const wp_comp_core_functype *ctype, rt_corefunc **out) {
  rt_lower *L = rt_alloc(f->store, sizeof *L);
  rt_corefunc *cf = rt_alloc(f->store, sizeof *cf);
  if (!L || !cf) return rt_fail(f->store, "out of memory");
  L->f = f;
  L->F = F;
  L->type = type;
  L->is_async = o->is_async;
  L->async_values = has_async_values(type->result);
  for (size_t i = 0; i < type->nparams; i++) L->async_values |= has_async_values(type->params[i]);
  opts_ctx *c = NULL;
  make_guest(f, o, &L->guest, &c);
  if (!c) return rt_fail(f->store, "out of memory");
  if (!ctype) return rt_fail(f->store, "canon lower of `%s`: unknown core type", F->name);
  if (rt_core_functype(f->store, ctype, &L->ctype)) return -1;
  /* The flattening must agree with the core type the decoder computed. */
  if (!o->is_async) {
    wp_cabi_core_sig_t sig;
    wp_cabi_func_flatten(type, WP_CABI_LOWER, &sig);
    if (sig.nparams != ctype->nparams || sig.nresults != ctype->nresults)
      return rt_fail(f->store, "canon lower of `%s`: core signature mismatch (%u/%u vs %u/%u)", F->name,
                     sig.nparams, sig.nresults, ctype->nparams, ctype->nresults);
  }
  if (rt_fuse_prepare(L, o)) return -1;
  cf->cb = lower_cb;
  cf->env = L;
  cf->type = L->ctype;
  cf->direct = lower_direct(L, &cf->type);
  *out = cf;
  return 0;
}

/* ------------------------------------------------------------ resources */

typedef struct res_env {
  rt_frame *f;
  uint8_t op;
  const wp_cabi_resource_t *r;
} res_env;

static wasmplug_trap_t *resource_cb(void *env, wasmplug_caller_t *caller, wasmplug_val_raw_t *raw, size_t n) {
  (void)caller;
  (void)n;
  res_env *R = env;
  rt_store *s = R->f->store;
  uint32_t in = (uint32_t)raw[0].i32, out = 0;
  wp_cabi_error_t *e = NULL;
  /* CanonicalABI.md canon_resource_new/drop: trap_if(not inst.may_leave);
  ** resource.rep may run in a post-return */
  if (R->op != WP_COMP_CANON_RESOURCE_REP && R->f->no_leave) {
    char msg[160];
    snprintf(msg, sizeof msg, "cannot leave component instance (canon %s during realloc or post-return)",
             wp_comp_canon_name(R->op));
    return wasmplug_trap_new(WASMPLUG_TRAP_CANON, msg);
  }
  switch (R->op) {
  case WP_COMP_CANON_RESOURCE_NEW: e = wp_cabi_resource_new(R->f->handles, R->r, in, &out); break;
  case WP_COMP_CANON_RESOURCE_REP: e = wp_cabi_resource_rep(R->f->handles, R->r, in, &out); break;
  default: e = wp_cabi_resource_drop(R->f->handles, R->r, in); break;
  }
  if (e) return rt_take_trap(s, e, wp_comp_canon_name(R->op));
  if (R->op != WP_COMP_CANON_RESOURCE_DROP) raw[0].i32 = (int32_t)out;
  return NULL;
}

int rt_canon_resource(rt_frame *f, uint8_t op, const wp_cabi_resource_t *r, const wp_comp_core_functype *ctype,
                      rt_corefunc **out) {
  res_env *R = rt_alloc(f->store, sizeof *R);
  rt_corefunc *cf = rt_alloc(f->store, sizeof *cf);
  if (!R || !cf) return rt_fail(f->store, "out of memory");
  R->f = f;
  R->op = op;
  R->r = r;
  static const wp_comp_core_functype i32_i32 = {1, 1, (const uint8_t *)"\x7f", (const uint8_t *)"\x7f"};
  static const wp_comp_core_functype i32_ = {1, 0, (const uint8_t *)"\x7f", NULL};
  const wp_comp_core_functype *want = op == WP_COMP_CANON_RESOURCE_DROP ? &i32_ : &i32_i32;
  if (ctype && (ctype->nparams != want->nparams || ctype->nresults != want->nresults))
    return rt_fail(f->store, "canon %s: unexpected core type", wp_comp_canon_name(op));
  if (rt_core_functype(f->store, want, &cf->type)) return -1;
  cf->cb = resource_cb;
  cf->env = R;
  *out = cf;
  return 0;
}
