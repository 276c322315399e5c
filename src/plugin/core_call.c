/*
** core_call.c — what runs when a core-module guest calls a plugin import:
**   1. the flat arguments (and the guest memory behind them) are lifted
**      into the native layout in the guest's per-call arena — every bound,
**      alignment, UTF-8, discriminant and handle is checked and every byte
**      copied before the plugin runs;
**   2. the plugin function runs with the instance state;
**   3. the native result is lowered into the guest through its
**      cabi_realloc;
**   4. the call's borrow scope ends and the arena is reset.
** Any failure becomes a guest trap naming the plugin and the function.
** Integer/handle-only signatures take a fast path (wp_plugin_core_fast_call).
*/
#include "plugin/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Native buffers up to this size live on the C stack. */
#define STACK_BUF 256

/* -------------------------------------------------- the guest, for cabi */

/* The guest's memory view now (it may have grown since the last call). */
static inline wp_cabi_memory_t view_of(const wp_plugin_instances_t *g) {
  wp_cabi_memory_t m = {NULL, 0};
  if (g->memory) {
    m.base = wasmplug_memory_data(g->memory);
    m.size = wasmplug_memory_size(g->memory);
  }
  return m;
}

static void mem_fn(void *ctx, wp_cabi_memory_t *out) { *out = view_of(ctx); }

/* A call's cx: what wp_cabi_cx_init(cx, &g->cguest, g->arena) makes,
** without the memory callback (g is at hand). */
static inline void cx_begin(wp_cabi_cx_t *cx, wp_plugin_instances_t *g) {
  wp_cabi_cx_init_view(cx, &g->cguest, g->arena, view_of(g));
}

static wp_cabi_error_t *realloc_fn(void *ctx, uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size,
                                   uint32_t *out) {
  wp_plugin_instances_t *g = ctx;
  if (!g->realloc)
    return wp_cabi_error_new(WP_CABI_TRAP, "the guest does not export cabi_realloc "
                                           "(func (param i32 i32 i32 i32) (result i32)), needed to return values");
  wasmplug_val_raw_t v[4];
  v[0].i32 = (int32_t)old_ptr;
  v[1].i32 = (int32_t)old_size;
  v[2].i32 = (int32_t)align;
  v[3].i32 = (int32_t)new_size;
  wasmplug_trap_t *t = wasmplug_func_call_unchecked(g->realloc, v);
  if (t) {
    wp_cabi_error_t *e = wp_cabi_error_new(WP_CABI_TRAP, "cabi_realloc trapped: %s", wasmplug_trap_message(t));
    wasmplug_trap_delete(t);
    return e;
  }
  *out = (uint32_t)v[0].i32;
  return NULL;
}

static bool realloc_type_ok(const wasmplug_func_t *f) {
  const wasmplug_functype_t *t = wasmplug_func_type(f);
  if (t->nparams != 4 || t->nresults != 1 || t->results[0] != WASMPLUG_I32) return false;
  for (int i = 0; i < 4; i++)
    if (t->params[i] != WASMPLUG_I32) return false;
  return true;
}

/* ------------------------------------------------------------ calls */


/* Checks that the call may proceed and binds g to its instance. */
static wasmplug_trap_t *enter(wp_plugin_instances_t *g, wasmplug_caller_t *caller, const core_bind_t *b) {
  if (g->dead)
    return wasmplug_trap_newf(WASMPLUG_TRAP_HOST, "plugin %s: %s called after the guest's plugin state was torn down", b->plugin,
                 b->qualified);
  if (g->busy)
    return wasmplug_trap_newf(WASMPLUG_TRAP_HOST, "plugin %s: %s called re-entrantly (from cabi_realloc) during another plugin call",
                 b->plugin, b->qualified);
  wasmplug_instance_t *in = wasmplug_caller_instance(caller);
  if (!g->instance) {
    g->instance = in;
    g->caller = caller;
  }
  if (g->instance != in)
    return wasmplug_trap_newf(WASMPLUG_TRAP_HOST, "plugin %s: %s called from a second guest instance; each instance needs its own "
                 "plugin guest", b->plugin, b->qualified);
  if (!g->memory) {
    /* Looked up on first use, not at bind time: during a start function
    ** the instance's exports may not be reachable yet. */
    g->memory = wasmplug_caller_memory(caller);
    wasmplug_func_t *r = wasmplug_instance_func(in, "cabi_realloc");
    g->realloc = r && realloc_type_ok(r) ? r : NULL;
  }
  return NULL;
}

static wasmplug_trap_t *cabi_trap(const core_bind_t *b, wp_cabi_error_t *e, const char *stage) {
  wasmplug_trap_kind_t kind = wp_cabi_error_kind(e) == WP_CABI_TRAP ? WASMPLUG_TRAP_CANON : WASMPLUG_TRAP_HOST;
  wasmplug_trap_t *t = wasmplug_trap_newf(kind, "plugin %s: %s: %s: %s", b->plugin, b->qualified, stage, wp_cabi_error_message(e));
  wp_cabi_error_delete(e);
  return t;
}

static void to_flat(const wasmplug_val_raw_t *v, const wp_cabi_core_t *kinds, uint32_t n, wp_cabi_flat_t *flat) {
  for (uint32_t i = 0; i < n; i++) {
    flat[i].i64 = 0;
    switch (kinds[i]) {
    case WP_CABI_I32: flat[i].i32 = (uint32_t)v[i].i32; break;
    case WP_CABI_I64: flat[i].i64 = (uint64_t)v[i].i64; break;
    case WP_CABI_CF32: flat[i].f32 = v[i].f32; break;
    case WP_CABI_CF64: flat[i].f64 = v[i].f64; break;
    }
  }
}

static void from_flat(const wp_cabi_flat_t *flat, const wp_cabi_core_t *kinds, uint32_t n, wasmplug_val_raw_t *v) {
  for (uint32_t i = 0; i < n; i++) {
    switch (kinds[i]) {
    case WP_CABI_I32: v[i].i32 = (int32_t)flat[i].i32; break;
    case WP_CABI_I64: v[i].i64 = (int64_t)flat[i].i64; break;
    case WP_CABI_CF32: v[i].f32 = flat[i].f32; break;
    case WP_CABI_CF64: v[i].f64 = flat[i].f64; break;
    }
  }
}

typedef union {
  max_align_t align;
  uint8_t bytes[STACK_BUF];
} stack_buf_t;

/* memset(p, 0, n) of a params or result struct in a stack_buf_t (n <=
** STACK_BUF): word stores, no call, for sizes up to 64, rounded up to a
** word (inside the buffer; the bytes past n are no one's).  Unrolled by
** hand: gcc turns a loop of word stores of a variable count into `rep
** stos`, whose start-up cost (~30 cycles) was a quarter of a 1 KiB string
** call's time outside the copy. */
static inline void zero_struct(uint8_t *p, size_t n) {
  static const uint64_t z = 0;
  switch ((n + 7) & ~(size_t)7) {
  case 64: memcpy(p + 56, &z, 8); /* fall through */
  case 56: memcpy(p + 48, &z, 8); /* fall through */
  case 48: memcpy(p + 40, &z, 8); /* fall through */
  case 40: memcpy(p + 32, &z, 8); /* fall through */
  case 32: memcpy(p + 24, &z, 8); /* fall through */
  case 24: memcpy(p + 16, &z, 8); /* fall through */
  case 16: memcpy(p + 8, &z, 8);  /* fall through */
  case 8: memcpy(p, &z, 8);       /* fall through */
  case 0: break;
  default: memset(p, 0, n); break;
  }
}


/* Flat params -> the native params struct.  The flat index and native
** offset of every param were computed at link time, so no per-call
** flattening; the spilled form (> 16 flat values) is left to cabi. */
static wp_cabi_error_t *lift_params(const core_bind_t *b, wp_cabi_cx_t *cx, const wp_cabi_flat_t *flat,
                                    uint8_t *args) {
  if (b->sig.params_indirect) return wp_cabi_lift_args_native(cx, b->f, flat, b->sig.nparams, args);
  zero_struct(args, b->args.size); /* padding: no stale bytes reach the plugin */
  for (size_t i = 0; i < b->f->nparams; i++) {
    const wp_cabi_type_t *ty = b->f->params[i];
    const wp_cabi_flat_t *x = flat + b->flat_at[i];
    uint8_t *dst = args + b->args.offsets[i];
    switch (ty->kind) {
    case WP_CABI_BOOL: dst[0] = x->i32 != 0; break;
    case WP_CABI_S8: case WP_CABI_U8: dst[0] = (uint8_t)x->i32; break;
    case WP_CABI_S16: case WP_CABI_U16: { uint16_t h = (uint16_t)x->i32; memcpy(dst, &h, 2); break; }
    case WP_CABI_S32: case WP_CABI_U32: memcpy(dst, &x->i32, 4); break;
    case WP_CABI_S64: case WP_CABI_U64: memcpy(dst, &x->i64, 8); break;
    case WP_CABI_STRING: {
      wp_cabi_error_t *e = wp_cabi_lift_string_native(cx, x[0].i32, x[1].i32, dst);
      if (e) return e;
      break;
    }
    default: {
      wp_cabi_error_t *e = wp_cabi_lift_flat_native(cx, ty, x, ty->nflat, dst);
      if (e) return e;
    }
    }
  }
  return NULL;
}

/* The native result -> flat results, or stored at the return pointer. */
static wp_cabi_error_t *lower_result(const core_bind_t *b, wp_cabi_cx_t *cx, const wp_cabi_flat_t *flat,
                                     const uint8_t *res, wasmplug_val_raw_t *v) {
  const wp_cabi_type_t *ty = b->f->result;
  if (b->sig.results_indirect) return wp_cabi_store_native(cx, ty, res, flat[b->sig.nparams - 1].i32);
  switch (ty->kind) {
  case WP_CABI_BOOL: v[0].i32 = res[0] != 0; return NULL;
  case WP_CABI_S8: v[0].i32 = (int8_t)res[0]; return NULL;
  case WP_CABI_U8: v[0].i32 = res[0]; return NULL;
  case WP_CABI_S16: { int16_t h; memcpy(&h, res, 2); v[0].i32 = h; return NULL; }
  case WP_CABI_U16: { uint16_t h; memcpy(&h, res, 2); v[0].i32 = h; return NULL; }
  case WP_CABI_S32: case WP_CABI_U32: memcpy(&v[0].i32, res, 4); return NULL;
  case WP_CABI_S64: case WP_CABI_U64: memcpy(&v[0].i64, res, 8); return NULL;
  default: {
    wp_cabi_flat_t out[WP_CABI_FLAT_CAP];
    wp_cabi_error_t *e = wp_cabi_lower_flat_native(cx, ty, res, out);
    if (!e) from_flat(out, b->sig.results, b->sig.nresults, v);
    return e;
  }
  }
}

static wasmplug_trap_t *do_call(core_bind_t *b, wasmplug_val_raw_t *v) {
  wp_plugin_instances_t *g = b->g;
  wp_cabi_flat_t flat[WP_CABI_MAX_FLAT_PARAMS + 1];
  if (b->i32s) /* what to_flat does when every param is an i32 */
    for (uint32_t i = 0; i < b->sig.nparams; i++) flat[i].i64 = (uint32_t)v[i].i32;
  else
    to_flat(v, b->sig.params, b->sig.nparams, flat);
  wp_cabi_cx_t cx;
  if (b->scalar) {
    /* Scalars never touch guest memory or handles: skip the view. */
    memset(&cx, 0, sizeof cx);
    cx.guest = &g->cguest;
    cx.arena = g->arena;
  } else {
    cx_begin(&cx, g);
  }
  stack_buf_t abuf, rbuf;
  wasmplug_trap_t *t = NULL;
  wp_cabi_error_t *e = NULL;
  uint8_t *args = b->args.size <= STACK_BUF ? abuf.bytes : wp_cabi_arena_alloc(g->arena, b->args.size, b->args.align);
  uint8_t *res = !b->f->result ? NULL
                 : b->res_size <= STACK_BUF ? rbuf.bytes
                                            : wp_cabi_arena_alloc(g->arena, b->res_size, b->res_align);
  if (!args || (b->f->result && !res)) {
    t = wasmplug_trap_newf(WASMPLUG_TRAP_HOST, "plugin %s: %s: host allocation budget exceeded", b->plugin, b->qualified);
    goto done;
  }
  if (b->sig.results_indirect) {
    /* Check where the result goes before the plugin runs: a call whose
    ** result cannot be delivered must not have side effects. */
    const wp_cabi_type_t *rt = b->f->result;
    uint32_t rp = flat[b->sig.nparams - 1].i32;
    if (((rp & (rt->guest.align - 1)) || rp > cx.mem.size || rt->guest.size > cx.mem.size - rp) &&
        (e = wp_cabi_check_range(&cx, "return", rp, rt->guest.size, rt->guest.align))) { /* its message */
      t = cabi_trap(b, e, "result");
      goto done;
    }
  }
  uint32_t own_rep[WP_CABI_MAX_FLAT_PARAMS];
  bool own_live[WP_CABI_MAX_FLAT_PARAMS];
  for (uint32_t i = 0; i < b->nown; i++) {
    wp_cabi_error_t *re = wp_cabi_resource_rep(g->handles, b->own_res[i], flat[b->own_flat[i]].i32, &own_rep[i]);
    own_live[i] = !re;
    wp_cabi_error_delete(re);
  }
  if ((e = lift_params(b, &cx, flat, args))) {
    /* Owns already moved out of the guest's table belong to nobody now:
    ** destroy them so every rep's destructor still runs exactly once. */
    for (uint32_t i = 0; i < b->nown; i++) {
      uint32_t rep;
      wp_cabi_error_t *re = own_live[i] ? wp_cabi_resource_rep(g->handles, b->own_res[i], flat[b->own_flat[i]].i32, &rep)
                                        : NULL;
      if (re) wp_plugin_inst_destroy(b->inst, b->own_res[i], own_rep[i]);
      wp_cabi_error_delete(re);
    }
    t = cabi_trap(b, e, "arguments");
    goto done;
  }
  if (res) zero_struct(res, b->res_size);
  /* wp_cabi_native_run, inline (args is never NULL here) */
  struct wasmplug_plugin_call call;
  wp_cabi_native_call_start(&call, &b->call);
  int rc = b->native.fn(b->native.state, &call, args, res);
  if (__builtin_expect(rc != WASMPLUG_OK || call.trapped, 0)) {
    t = wp_cabi_native_outcome(&b->native, &call, rc);
    goto done;
  }
  if (b->f->result && (e = lower_result(b, &cx, flat, res, v))) {
    t = cabi_trap(b, e, "result");
    goto done;
  }
done:
  if (!b->scalar && (e = wp_cabi_cx_finish(&cx))) {
    if (!t) t = cabi_trap(b, e, "end of call");
    else wp_cabi_error_delete(e);
  }
  if (wp_cabi_arena_used(g->arena)) wp_cabi_arena_reset(g->arena);
  return t;
}

wasmplug_trap_t *wp_plugin_core_call(void *env, wasmplug_caller_t *caller, wasmplug_val_raw_t *v, size_t nv) {
  (void)nv;
  core_bind_t *b = env;
  wasmplug_trap_t *t = enter(b->g, caller, b);
  if (t) return t;
  b->g->busy = true;
  t = do_call(b, v);
  b->g->busy = false;
  return t;
}

/* The fast path for functions whose params are integers (bool, s8..u64)
** or borrowed handles and whose result is an integer or an own handle — the
** shape of scalar calls, constructors and most resource methods: no cabi
** context, no flattening, no arena unless the plugin allocates.
** A borrow is validated (type, liveness) but not lent: lending only stops
** the guest from dropping the handle during the call, and the guest cannot
** call any plugin import, drops included, while a plugin call is running
** (g->busy) — and on this path the guest does not run at all. */
/* The body of the fast path, shared by the callback (below) and the direct
** entries: v holds the flat params on entry and the flat result on return;
** n is b->f->nparams (a constant in the direct entries: the loop unrolls). */
static inline __attribute__((always_inline)) wasmplug_trap_t *fast_body(core_bind_t *b, wasmplug_val_raw_t *v,
                                                                         size_t n) {
  wp_plugin_instances_t *g = b->g;
  uint64_t args[8], res = 0; /* ints: at most 8 bytes each, <= 8 params */
  memset(args, 0, n * 8);    /* padding too: no stale bytes reach the plugin */
  uint8_t *a = (uint8_t *)args;
  for (size_t i = 0; i < n; i++) {
    uint8_t *dst = a + b->args.offsets[i];
    switch (b->pkind[i]) {
    case WP_CABI_BOOL: dst[0] = v[i].i32 != 0; break;
    case WP_CABI_S8: case WP_CABI_U8: dst[0] = (uint8_t)v[i].i32; break;
    case WP_CABI_S16: case WP_CABI_U16: { uint16_t h = (uint16_t)v[i].i32; memcpy(dst, &h, 2); break; }
    case WP_CABI_S32: case WP_CABI_U32: memcpy(dst, &v[i].i32, 4); break;
    case WP_CABI_BORROW: {
      uint32_t rep;
      wp_cabi_error_t *e = wp_cabi_resource_rep(g->handles, b->f->params[i]->resource, (uint32_t)v[i].i32, &rep);
      if (e) return cabi_trap(b, e, "arguments");
      memcpy(dst, &rep, 4);
      break;
    }
    default: memcpy(dst, &v[i].i64, 8); break;
    }
  }
  struct wasmplug_plugin_call call;
  wp_cabi_native_call_start(&call, &b->call);
  int rc = b->native.fn(b->native.state, &call, args, b->rkind ? &res : NULL);
  wasmplug_trap_t *t = rc == WASMPLUG_OK && !call.trapped ? NULL : wp_cabi_native_outcome(&b->native, &call, rc);
  if (wp_cabi_arena_used(g->arena)) wp_cabi_arena_reset(g->arena);
  if (t) return t;
  if (b->rkind) {
    uint8_t *r = (uint8_t *)&res;
    switch (b->rkind) {
    case WP_CABI_BOOL: v[0].i32 = r[0] != 0; break;
    case WP_CABI_S8: v[0].i32 = (int8_t)r[0]; break;
    case WP_CABI_U8: v[0].i32 = r[0]; break;
    case WP_CABI_S16: { int16_t h; memcpy(&h, r, 2); v[0].i32 = h; break; }
    case WP_CABI_U16: { uint16_t h; memcpy(&h, r, 2); v[0].i32 = h; break; }
    case WP_CABI_S32: case WP_CABI_U32: memcpy(&v[0].i32, r, 4); break;
    case WP_CABI_OWN: {
      wp_cabi_cx_t cx;
      memset(&cx, 0, sizeof cx);
      cx.guest = &g->cguest;
      uint32_t rep, h;
      memcpy(&rep, r, 4);
      wp_cabi_error_t *e = wp_cabi_lower_own(&cx, b->f->result->resource, rep, &h);
      if (e) {
        /* The guest never got it: destroy it so the destructor still runs once. */
        wp_plugin_inst_destroy(b->inst, b->f->result->resource, rep);
        return cabi_trap(b, e, "result");
      }
      v[0].i32 = (int32_t)h;
      break;
    }
    default: memcpy(&v[0].i64, r, 8); break;
    }
  }
  return NULL;
}

/* The fast path for functions whose params are integers (bool, s8..u64)
** or borrowed handles and whose result is an integer or an own handle — the
** shape of scalar calls, constructors and most resource methods: no cabi
** context, no flattening, no arena unless the plugin allocates.
** A borrow is validated (type, liveness) but not lent: lending only stops
** the guest from dropping the handle during the call, and the guest cannot
** call any plugin import, drops included, while a plugin call is running
** (g->busy) — and on this path the guest does not run at all. */
wasmplug_trap_t *wp_plugin_core_fast_call(void *env, wasmplug_caller_t *caller, wasmplug_val_raw_t *v, size_t nv) {
  (void)nv;
  core_bind_t *b = env;
  wp_plugin_instances_t *g = b->g;
  if (g->dead || g->busy || g->caller != caller) {
    wasmplug_trap_t *t = enter(g, caller, b); /* first call binds; else the reason to refuse */
    if (t) return t;
  }
  return fast_body(b, v, b->f->nparams);
}

/* ------------------------------------------- direct entries (issue 18)
** The same fast path without the runtime's value array and host-call
** dispatch: the guest's code calls one of these as a C function of the
** import's core signature (wasmplug_linker_define_func_direct), one per
** signature shape: N i32 params, no result or one i32.  Everything from
** the checks to the result runs between wasmplug_direct_enter and
** _leave, as host code (time limits and faults do not unwind it). */
static inline __attribute__((always_inline)) void direct_run(wasmplug_direct_call_t *d, wasmplug_val_raw_t *v,
                                                             size_t n) {
  core_bind_t *b = d->env;
  wp_plugin_instances_t *g = b->g;
  wasmplug_direct_enter();
  wasmplug_trap_t *t = NULL;
  if (__builtin_expect(g->dead || g->busy || g->caller != d->caller, 0)) t = enter(g, d->caller, b);
  if (!t) t = fast_body(b, v, n);
  wasmplug_direct_leave(t); /* with a trap: does not return */
}

/* Words: every param an s32, u32 or borrow<> at offset 4*i of the native
** params and the result none, s32 or u32 (most scalar calls and resource
** methods): the params are the native params, as they come, no switch per
** kind; a borrow's handle (bit i of b->borrows) becomes its rep.  What is
** rare (the first call, a refused one, a trap, an arena to reset) is out
** of line, so that little stays live across the plugin's call. */
static __attribute__((noinline)) wasmplug_trap_t *word_enter(wasmplug_direct_call_t *d) {
  core_bind_t *b = d->env;
  return enter(b->g, d->caller, b);
}

/* Borrow param i's handle (*a) is not a live handle of its resource: the
** full lookup, for its error (a trap naming the call; NULL, and *a its
** rep, only if the two lookups disagreed). */
static __attribute__((noinline)) wasmplug_trap_t *word_refused(const core_bind_t *b, size_t i, uint32_t *a) {
  wp_cabi_error_t *e = wp_cabi_resource_rep(b->handles, b->bres[i], *a, a);
  return e ? cabi_trap(b, e, "arguments") : NULL;
}

/* The call b->live ended other than plainly (a failure code, a trap, an
** arena to reset): made fresh again here, for the binding's next call.
** It takes the binding alone, so that nothing but b stays live across
** the plugin's call in the entries (the call handle's address is b's). */
static __attribute__((noinline)) void word_end(core_bind_t *b, int rc) {
  struct wasmplug_plugin_call *call = &b->live;
  wasmplug_trap_t *t = rc == WASMPLUG_OK && !call->trapped ? NULL : wp_cabi_native_outcome(&b->native, call, rc);
  wp_cabi_native_call_start(call, &b->call);
  if (wp_cabi_arena_used(call->arena)) wp_cabi_arena_reset(call->arena);
  wasmplug_direct_leave(t); /* with a trap: does not return */
}

/* Borrow param i's handle h is not a live handle of its resource: leaves
** with word_refused's trap (its rep only if the two lookups disagreed). */
static __attribute__((noinline)) uint32_t flat_refused(const core_bind_t *b, size_t i, uint32_t h) {
  wasmplug_trap_t *t = word_refused(b, i, &h);
  if (t) wasmplug_direct_leave(t); /* does not return */
  return h;
}

/* Param i (of n) as the plugin gets it: a borrow's rep, else as it came. */
static inline __attribute__((always_inline)) uint32_t flat_arg(const core_bind_t *b, size_t i, size_t n, bool borrows,
                                                               uint32_t a) {
  if (!borrows || (n != 1 && !(b->borrows & (1u << i)))) return a; /* <b>1: its one param is the borrow */
  uint32_t rep;
  if (__builtin_expect(wp_cabi_handles_rep_live(b->handles, b->bres[i], a, &rep), 1)) return rep;
  return flat_refused(b, i, a);
}

/* Whether the plugin allocated in the call's arena (host->alloc): the
** binding's call handle always has one (the guest's plugin state's,
** which lives as long as the state: checked when the entry is chosen,
** and no call gets here once the state is dead). */
static inline __attribute__((always_inline)) bool live_arena_used(const core_bind_t *b) {
  return b->live.arena->charged != 0;
}

static inline __attribute__((always_inline)) uint32_t word_run(wasmplug_direct_call_t *d, uint32_t *a, size_t n,
                                                               bool has_result, bool borrows) {
  core_bind_t *b = d->env;
  wp_plugin_instances_t *g = b->g;
  wasmplug_direct_enter();
  uint32_t res = 0;
  if (__builtin_expect(g->dead || g->busy || g->caller != d->caller, 0)) {
    wasmplug_trap_t *t = word_enter(d);
    if (t) wasmplug_direct_leave(t); /* does not return */
  }
  /* (the expected case laid out straight: a live borrow of the right
  ** type; a refused one leaves with its trap) */
  for (size_t i = 0; borrows && i < n; i++) a[i] = flat_arg(b, i, n, borrows, a[i]);
  struct wasmplug_plugin_call *call = &b->live; /* fresh: every call leaves it so */
  int rc = b->native.fn(b->native.state, call, a, has_result ? &res : NULL);
  if (__builtin_expect(rc != WASMPLUG_OK || call->trapped || live_arena_used(b), 0)) {
    word_end(b, rc);
    return res;
  }
  wasmplug_direct_leave(NULL);
  return res;
}

/* Flat entries (plugin ABI 1.5, wasmplug_plugin_flat_t): word_run for a
** plugin function that has one -- the same checks in the same order (the
** call's state, then each borrow: index against the table's length, the
** entry's resource) -- with the params handed to the plugin in registers
** and its result returned in one: no params array or result slot stored
** and read back around the plugin's call.  The plugin says it failed
** through host->trap or host->exit only (call->trapped). */
typedef uint32_t (*flat0_fn)(void *, struct wasmplug_plugin_call *);
typedef uint32_t (*flat1_fn)(void *, struct wasmplug_plugin_call *, uint32_t);
typedef uint32_t (*flat2_fn)(void *, struct wasmplug_plugin_call *, uint32_t, uint32_t);
typedef uint32_t (*flat3_fn)(void *, struct wasmplug_plugin_call *, uint32_t, uint32_t, uint32_t);
typedef uint32_t (*flat4_fn)(void *, struct wasmplug_plugin_call *, uint32_t, uint32_t, uint32_t, uint32_t);

static inline __attribute__((always_inline)) uint32_t flat_run(wasmplug_direct_call_t *d, size_t n, bool borrows,
                                                               uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3) {
  core_bind_t *b = d->env;
  wp_plugin_instances_t *g = b->g;
  wasmplug_direct_enter();
  if (__builtin_expect(g->dead || g->busy || g->caller != d->caller, 0)) {
    wasmplug_trap_t *t = word_enter(d);
    if (t) wasmplug_direct_leave(t); /* does not return */
  }
  if (n > 0) a0 = flat_arg(b, 0, n, borrows, a0);
  if (n > 1) a1 = flat_arg(b, 1, n, borrows, a1);
  if (n > 2) a2 = flat_arg(b, 2, n, borrows, a2);
  if (n > 3) a3 = flat_arg(b, 3, n, borrows, a3);
  struct wasmplug_plugin_call *call = &b->live; /* fresh: every call leaves it so */
  void *s = b->native.state;
  uint32_t r;
  switch (n) {
  case 0: r = ((flat0_fn)b->flat)(s, call); break;
  case 1: r = ((flat1_fn)b->flat)(s, call, a0); break;
  case 2: r = ((flat2_fn)b->flat)(s, call, a0, a1); break;
  case 3: r = ((flat3_fn)b->flat)(s, call, a0, a1, a2); break;
  default: r = ((flat4_fn)b->flat)(s, call, a0, a1, a2, a3); break;
  }
  if (__builtin_expect(call->trapped || live_arena_used(b), 0)) {
    word_end(b, WASMPLUG_OK); /* with a trap: does not return */
    return r;
  }
  wasmplug_direct_leave(NULL);
  return r;
}

/* Any other import of these shapes (strings, lists, records, results by
** return pointer...): the general path (do_call), entered directly. */
static inline __attribute__((always_inline)) void call_run(wasmplug_direct_call_t *d, wasmplug_val_raw_t *v) {
  core_bind_t *b = d->env;
  wp_plugin_instances_t *g = b->g;
  wasmplug_direct_enter();
  wasmplug_trap_t *t = NULL;
  if (__builtin_expect(g->dead || g->busy || g->caller != d->caller, 0)) t = enter(g, d->caller, b);
  if (!t) {
    g->busy = true;
    t = do_call(b, v);
    g->busy = false;
  }
  wasmplug_direct_leave(t); /* with a trap: does not return */
}

/* One string param and no result or an s32/u32 (log(msg), set(key),
** len(s)...): do_call's steps for that shape only -- the string lifted
** into the arena with every check (bounds, UTF-8, the budget), the plugin
** run, its result as it comes -- without the flat values, the loop over
** params, the result buffer and the dispatch on the result's type. */
/* str_run's ends other than the expected one, out of line so that little
** stays live across the plugin's call: t is the call's trap so far (NULL
** when the string lifted), call the plugin's outcome (NULL: it did not
** run; else b->live, made fresh again here for the binding's next call).
** The cx finished, the arena reset, the guest not busy any more; leaves
** with the call's trap (with one: does not return). */
static __attribute__((noinline)) void str_end(core_bind_t *b, wp_cabi_cx_t *cx, wasmplug_trap_t *t,
                                             struct wasmplug_plugin_call *call, int rc) {
  wp_plugin_instances_t *g = b->g;
  if (call && (rc != WASMPLUG_OK || call->trapped)) t = wp_cabi_native_outcome(&b->native, call, rc);
  if (call) wp_cabi_native_call_start(call, &b->call);
  wp_cabi_error_t *e = wp_cabi_cx_finish(cx);
  if (e) {
    if (!t) t = cabi_trap(b, e, "end of call");
    else wp_cabi_error_delete(e);
  }
  if (wp_cabi_arena_used(g->arena)) wp_cabi_arena_reset(g->arena);
  g->busy = false;
  wasmplug_direct_leave(t); /* with a trap: does not return */
}

static inline __attribute__((always_inline)) uint32_t str_run(wasmplug_direct_call_t *d, uint32_t sp, uint32_t sl,
                                                              bool has_result) {
  core_bind_t *b = d->env;
  wp_plugin_instances_t *g = b->g;
  wasmplug_direct_enter();
  uint32_t res = 0;
  if (__builtin_expect(g->dead || g->busy || g->caller != d->caller, 0)) {
    wasmplug_trap_t *t = word_enter(d); /* first call binds; else the reason to refuse */
    if (t) {
      wasmplug_direct_leave(t); /* does not return */
      return res;
    }
  }
  g->busy = true;
  wp_cabi_cx_t cx;
  cx_begin(&cx, g);
  struct { const uint8_t *ptr; size_t len; } arg; /* the native string */
  wp_cabi_error_t *e = wp_cabi_lift_string_native(&cx, sp, sl, &arg);
  if (__builtin_expect(e != NULL, 0)) {
    str_end(b, &cx, cabi_trap(b, e, "arguments"), NULL, 0); /* does not return */
    return res;
  }
  /* the binding's one call handle, fresh: every call leaves it so (as
  ** word_run; a call that trapped or failed is made fresh by str_end) */
  struct wasmplug_plugin_call *call = &b->live;
  int rc = b->native.fn(b->native.state, call, &arg, has_result ? &res : NULL);
  if (__builtin_expect(rc != WASMPLUG_OK || call->trapped || wp_cabi_cx_lent(&cx), 0)) {
    str_end(b, &cx, NULL, call, rc);
    return res;
  }
  if (wp_cabi_arena_used(g->arena)) wp_cabi_arena_reset(g->arena); /* the string's copy */
  g->busy = false;
  wasmplug_direct_leave(NULL);
  return res;
}

static void str1(wasmplug_direct_call_t *d, int32_t a0, int32_t a1) { (void)str_run(d, (uint32_t)a0, (uint32_t)a1, false); }
static int32_t str1_i32(wasmplug_direct_call_t *d, int32_t a0, int32_t a1) {
  return (int32_t)str_run(d, (uint32_t)a0, (uint32_t)a1, true);
}

#define DIRECT_PARAMS0
#define DIRECT_PARAMS1 , int32_t a0
#define DIRECT_PARAMS2 DIRECT_PARAMS1, int32_t a1
#define DIRECT_PARAMS3 DIRECT_PARAMS2, int32_t a2
#define DIRECT_PARAMS4 DIRECT_PARAMS3, int32_t a3
#define DIRECT_SET0
#define DIRECT_SET1 v[0].i32 = a0;
#define DIRECT_SET2 DIRECT_SET1 v[1].i32 = a1;
#define DIRECT_SET3 DIRECT_SET2 v[2].i32 = a2;
#define DIRECT_SET4 DIRECT_SET3 v[3].i32 = a3;
#define FLAT0 0, 0, 0, 0
#define FLAT1 (uint32_t)a0, 0, 0, 0
#define FLAT2 (uint32_t)a0, (uint32_t)a1, 0, 0
#define FLAT3 (uint32_t)a0, (uint32_t)a1, (uint32_t)a2, 0
#define FLAT4 (uint32_t)a0, (uint32_t)a1, (uint32_t)a2, (uint32_t)a3
#define WORDS0 uint32_t w[1] = {0};
#define WORDS1 uint32_t w[1] = {(uint32_t)a0};
#define WORDS2 uint32_t w[2] = {(uint32_t)a0, (uint32_t)a1};
#define WORDS3 uint32_t w[3] = {(uint32_t)a0, (uint32_t)a1, (uint32_t)a2};
#define WORDS4 uint32_t w[4] = {(uint32_t)a0, (uint32_t)a1, (uint32_t)a2, (uint32_t)a3};
#define DIRECT(N)                                                                  \
  static void direct##N(wasmplug_direct_call_t *d DIRECT_PARAMS##N) {              \
    wasmplug_val_raw_t v[N + 1];                                                   \
    DIRECT_SET##N direct_run(d, v, N);                                             \
  }                                                                                \
  static int32_t direct##N##_i32(wasmplug_direct_call_t *d DIRECT_PARAMS##N) {     \
    wasmplug_val_raw_t v[N + 1];                                                   \
    DIRECT_SET##N direct_run(d, v, N);                                             \
    return v[0].i32;                                                               \
  }                                                                                \
  static void word##N(wasmplug_direct_call_t *d DIRECT_PARAMS##N) {                \
    WORDS##N (void)word_run(d, w, N, false, false);                                \
  }                                                                                \
  static int32_t word##N##_i32(wasmplug_direct_call_t *d DIRECT_PARAMS##N) {       \
    WORDS##N return (int32_t)word_run(d, w, N, true, false);                       \
  }                                                                                \
  static void wordb##N(wasmplug_direct_call_t *d DIRECT_PARAMS##N) {               \
    WORDS##N (void)word_run(d, w, N, false, true);                                 \
  }                                                                                \
  static int32_t wordb##N##_i32(wasmplug_direct_call_t *d DIRECT_PARAMS##N) {      \
    WORDS##N return (int32_t)word_run(d, w, N, true, true);                        \
  }                                                                                \
  static void flat##N(wasmplug_direct_call_t *d DIRECT_PARAMS##N) {                \
    (void)flat_run(d, N, false, FLAT##N);                                          \
  }                                                                                \
  static int32_t flat##N##_i32(wasmplug_direct_call_t *d DIRECT_PARAMS##N) {       \
    return (int32_t)flat_run(d, N, false, FLAT##N);                                \
  }                                                                                \
  static void flatb##N(wasmplug_direct_call_t *d DIRECT_PARAMS##N) {               \
    (void)flat_run(d, N, true, FLAT##N);                                           \
  }                                                                                \
  static int32_t flatb##N##_i32(wasmplug_direct_call_t *d DIRECT_PARAMS##N) {      \
    return (int32_t)flat_run(d, N, true, FLAT##N);                                 \
  }                                                                                \
  static void call##N(wasmplug_direct_call_t *d DIRECT_PARAMS##N) {                \
    wasmplug_val_raw_t v[N + 1];                                                   \
    DIRECT_SET##N call_run(d, v);                                                  \
  }                                                                                \
  static int32_t call##N##_i32(wasmplug_direct_call_t *d DIRECT_PARAMS##N) {       \
    wasmplug_val_raw_t v[N + 1];                                                   \
    DIRECT_SET##N call_run(d, v);                                                  \
    return v[0].i32;                                                               \
  }
DIRECT(0)
DIRECT(1)
DIRECT(2)
DIRECT(3)
DIRECT(4)

void *wp_plugin_core_direct(core_bind_t *b, const wasmplug_functype_t *t, bool fast) {
  static void *const none[] = {(void *)direct0, (void *)direct1, (void *)direct2, (void *)direct3, (void *)direct4};
  static void *const i32[] = {(void *)direct0_i32, (void *)direct1_i32, (void *)direct2_i32, (void *)direct3_i32,
                              (void *)direct4_i32};
  static void *const wnone[] = {(void *)word0, (void *)word1, (void *)word2, (void *)word3, (void *)word4};
  static void *const wi32[] = {(void *)word0_i32, (void *)word1_i32, (void *)word2_i32, (void *)word3_i32,
                               (void *)word4_i32};
  static void *const wbnone[] = {(void *)wordb0, (void *)wordb1, (void *)wordb2, (void *)wordb3, (void *)wordb4};
  static void *const wbi32[] = {(void *)wordb0_i32, (void *)wordb1_i32, (void *)wordb2_i32, (void *)wordb3_i32,
                                (void *)wordb4_i32};
  static void *const fnone[] = {(void *)flat0, (void *)flat1, (void *)flat2, (void *)flat3, (void *)flat4};
  static void *const fi32[] = {(void *)flat0_i32, (void *)flat1_i32, (void *)flat2_i32, (void *)flat3_i32,
                               (void *)flat4_i32};
  static void *const fbnone[] = {(void *)flatb0, (void *)flatb1, (void *)flatb2, (void *)flatb3, (void *)flatb4};
  static void *const fbi32[] = {(void *)flatb0_i32, (void *)flatb1_i32, (void *)flatb2_i32, (void *)flatb3_i32,
                                (void *)flatb4_i32};
  static void *const cnone[] = {(void *)call0, (void *)call1, (void *)call2, (void *)call3, (void *)call4};
  static void *const ci32[] = {(void *)call0_i32, (void *)call1_i32, (void *)call2_i32, (void *)call3_i32,
                               (void *)call4_i32};
  if (t->nparams > 4 || t->nresults > 1 || (t->nresults && t->results[0] != WASMPLUG_I32)) return NULL;
  for (uint32_t i = 0; i < t->nparams; i++)
    if (t->params[i] != WASMPLUG_I32) return NULL;
  if (!fast) {
    const wp_cabi_type_t *rt = b->f->result;
    if (b->f->nparams == 1 && b->f->params[0]->kind == WP_CABI_STRING && t->nparams == 2 && !b->sig.params_indirect &&
        !b->sig.results_indirect && (!rt || rt->kind == WP_CABI_S32 || rt->kind == WP_CABI_U32) &&
        t->nresults == (rt ? 1u : 0u))
      return rt ? (void *)str1_i32 : (void *)str1;
    return t->nresults ? ci32[t->nparams] : cnone[t->nparams];
  }
  /* one flat param per WIT param here (n <= 4 i32s, all integers or borrows) */
  bool words = b->f->nparams == t->nparams && (!b->rkind || b->rkind == WP_CABI_S32 || b->rkind == WP_CABI_U32);
  b->borrows = 0;
  for (uint32_t i = 0; words && i < b->f->nparams; i++) {
    uint8_t k = b->pkind[i];
    words = (k == WP_CABI_S32 || k == WP_CABI_U32 || k == WP_CABI_BORROW) && b->args.offsets[i] == 4 * i;
    if (k == WP_CABI_BORROW) {
      b->borrows |= 1u << i;
      b->bres[i] = b->f->params[i]->resource;
    }
  }
  for (uint32_t i = 0; words && b->borrows && i < b->f->nparams; i++) /* what word_run's lookup assumes */
    words = !(b->borrows & (1u << i)) || (b->handles && b->bres[i]);
  words = words && b->live.arena; /* what live_arena_used assumes */
  /* (load.c let a flat entry only onto functions of these shapes) */
  if (words && b->flat && b->borrows) return t->nresults ? fbi32[t->nparams] : fbnone[t->nparams];
  if (words && b->flat) return t->nresults ? fi32[t->nparams] : fnone[t->nparams];
  if (words && b->borrows) return t->nresults ? wbi32[t->nparams] : wbnone[t->nparams];
  if (words) return t->nresults ? wi32[t->nparams] : wnone[t->nparams];
  return t->nresults ? i32[t->nparams] : none[t->nparams];
}

wasmplug_trap_t *wp_plugin_core_drop(void *env, wasmplug_caller_t *caller, wasmplug_val_raw_t *v, size_t nv) {
  (void)nv;
  core_bind_t *b = env;
  wasmplug_trap_t *t = enter(b->g, caller, b);
  if (t) return t;
  b->g->busy = true;
  wp_cabi_error_t *e = wp_cabi_resource_drop(b->g->handles, b->res, (uint32_t)v[0].i32);
  b->g->busy = false;
  return e ? cabi_trap(b, e, "drop") : NULL;
}

void wp_plugin_core_bind_free(void *env) {
  core_bind_t *b = env;
  wp_plugin_instances_unref(b->g);
  free(b->name);
  free(b);
}

void wp_plugin_core_instances_init(wp_plugin_instances_t *g) {
  g->cguest.ctx = g;
  g->cguest.memory = mem_fn;
  g->cguest.realloc = realloc_fn;
  g->cguest.encoding = WP_CABI_UTF8;
  g->cguest.handles = g->handles;
}
