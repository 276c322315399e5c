/*
** rt/fused.c — a guest's synchronous `canon lower` of another instance's
** lifted export (a wasm plugin's, or a sibling's in a composition) called
** through a fused adapter: the arguments go from the caller's core values
** and memory straight into the callee's (cabi/fuse.c), the results straight
** back, with no value tree, no host copy and no per-call allocation.
**
** Everything else is what the value-tree path does, in its order: the
** caller's arguments are checked before the callee is entered (a bad one
** traps in the caller); rt_invoke's checks (deleted, poisoned, may_enter);
** canon_lift's synchronous task and implicit thread; lowering errors and
** traps in the callee poison its store; the results are checked in the
** callee, copied into the caller, then post-return runs; errors storing
** them are the caller's.  Types the adapter cannot fuse (handles, async
** values, maps), async functions and shared memories take the value-tree
** path (canon.c).
*/
#include "component/rt/async.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static wp_cabi_error_t *no_start(rt_caller *c, wp_cabi_val_t *args);
static wp_cabi_error_t *no_resolve(rt_caller *c, wp_cabi_val_t *result, bool cancelled);

int rt_fuse_prepare(rt_lower *L, const rt_opts *o) {
  L->fuse_to = NULL;
  L->fuse = NULL;
  L->fuse_caller = NULL;
  L->fuse_raw = false;
  L->fuse_alone = false;
  rt_func *F = L->F, *T = NULL;
  if (o->is_async || F->is_async || L->async_values) return 0;
  if (F->kind == RT_FUNC_LIFTED) T = F;
  else if (F->kind == RT_FUNC_HOST && F->host && F->host->fuse) T = F->host->fuse;
  if (!T || T->kind != RT_FUNC_LIFTED || T->is_async || T->opts.is_async || !T->core) return 0;
  if (L->guest.encoding != WP_CABI_UTF8 || T->opts.encoding != WP_CABI_UTF8) return 0;
  if (o->memory && o->memory == T->opts.memory) return 0; /* one memory (see also rt_fuse_distinct) */
  wp_cabi_fuse_t *fu = rt_alloc(L->f->store, sizeof *fu);
  if (!fu) return rt_fail(L->f->store, "out of memory");
  if (!wp_cabi_fuse_prepare(L->type, fu)) return 0;
  if (fu->lift.nresults > WP_CABI_MAX_FLAT_RESULTS) return 0;
  /* the callee's task's caller: the same for every call (nothing writes
  ** it; no task_ref, since a sync call cannot be cancelled) */
  rt_caller *c = rt_alloc(L->f->store, sizeof *c);
  if (!c) return rt_fail(L->f->store, "out of memory");
  c->on_start = no_start;
  c->on_resolve = no_resolve;
  c->inst = L->f;
  c->task_ref = NULL;
  L->fuse_caller = c;
  L->fuse = fu;
  L->fuse_to = T;
  /* the entering set (rt_may_enter) is {T->owner} alone: frames' parents
  ** never change, so this is decided once */
  L->fuse_alone = !T->owner->parent && !rt_is_ancestor_or_self(T->owner, L->f);
  /* integers only, no post-return, the callee's core signature the
  ** caller's: the raw core values go across in place */
  if (fu->trivial && T->core->func && !T->opts.post_return) {
    const wasmplug_functype_t *ct = wasmplug_func_type(T->core->func);
    bool same = ct->nparams == L->ctype.nparams && ct->nresults == L->ctype.nresults;
    for (uint32_t i = 0; same && i < ct->nparams; i++) same = ct->params[i] == L->ctype.params[i];
    for (uint32_t i = 0; same && i < ct->nresults; i++) same = ct->results[i] == L->ctype.results[i];
    L->fuse_raw = same;
  }
  return 0;
}

/* rt_core_call for the callee's export: its signature is the lifting's
** (checked when the export was lifted), raw values without the spare
** slots. */
static wasmplug_trap_t *core_call(rt_corefunc *cf, const wp_cabi_flat_t *p, size_t np, wp_cabi_flat_t *r,
                                  size_t nr) {
  if (!cf->func) return rt_core_call(cf, p, np, r, nr);
  const wasmplug_functype_t *ft = wasmplug_func_type(cf->func);
  if (ft->nparams != np || ft->nresults != nr)
    return wasmplug_trap_new(WASMPLUG_TRAP_CANON, "core function signature does not match its canonical type");
  wasmplug_val_raw_t raw[WP_CABI_MAX_FLAT_PARAMS + 1];
  for (size_t i = 0; i < np; i++) {
    switch (ft->params[i]) {
    case WASMPLUG_I32: raw[i].i64 = 0; raw[i].i32 = (int32_t)p[i].i32; break;
    case WASMPLUG_I64: raw[i].i64 = (int64_t)p[i].i64; break;
    case WASMPLUG_F32: raw[i].i64 = 0; raw[i].f32 = p[i].f32; break;
    case WASMPLUG_F64: raw[i].f64 = p[i].f64; break;
    default: return rt_core_call(cf, p, np, r, nr);
    }
  }
  if (nr > np) memset(&raw[np], 0, (nr - np) * sizeof raw[0]);
  wasmplug_trap_t *t = wasmplug_func_call_unchecked(cf->func, raw);
  if (t) return t;
  for (size_t i = 0; i < nr; i++) {
    r[i].i64 = 0;
    switch (ft->results[i]) {
    case WASMPLUG_I32: r[i].i32 = (uint32_t)raw[i].i32; break;
    case WASMPLUG_I64: r[i].i64 = (uint64_t)raw[i].i64; break;
    case WASMPLUG_F32: r[i].f32 = raw[i].f32; break;
    case WASMPLUG_F64: r[i].f64 = raw[i].f64; break;
    default: break;
    }
  }
  return NULL;
}

/* Zeroes n bytes (a multiple of 8, p 8-aligned) with straight 16-byte
** stores: gcc inlines a known-size memset of these structs as `rep stos`,
** whose start-up costs more than a fifth of a nop call, and the library's
** memset is a call, its dispatch and its size tests (~35 instructions for
** the task and thread); this is 15 stores.  The empty asm keeps the loop
** from being recognised as a memset again. */
static inline __attribute__((always_inline)) void zero(void *p, size_t n) {
  typedef uint64_t w2 __attribute__((vector_size(16), aligned(8), may_alias));
  typedef uint64_t w1 __attribute__((aligned(8), may_alias));
  char *c = p;
  size_t i = 0;
#pragma GCC unroll 32
  for (; i + 16 <= n; i += 16) {
    *(w2 *)(c + i) = (w2){0, 0};
    __asm__("" : "+r"(c));
  }
  if (i < n) *(w1 *)(c + i) = 0;
}

bool rt_fuse_distinct(rt_lower *L) {
  const wp_cabi_fuse_t *fu = L->fuse;
  if (!fu->pmem && !fu->rmem) return true;
  const wp_cabi_opts_t *a = &L->guest, *b = &L->fuse_to->guest;
  wp_cabi_memory_t ma = {NULL, 0}, mb = {NULL, 0};
  if (a->memory) a->memory(a->ctx, &ma);
  if (b->memory) b->memory(b->ctx, &mb);
  return !ma.base || ma.base != mb.base;
}

static wp_cabi_error_t *no_start(rt_caller *c, wp_cabi_val_t *args) {
  (void)c;
  (void)args;
  return wp_cabi_error_new(WP_CABI_INVALID, "a fused call has no value tree to start with");
}

static wp_cabi_error_t *no_resolve(rt_caller *c, wp_cabi_val_t *result, bool cancelled) {
  (void)c;
  (void)result;
  (void)cancelled;
  return wp_cabi_error_new(WP_CABI_INVALID, "a fused call has no value tree to resolve");
}

static wasmplug_trap_t *export_trap(rt_store *s, wp_cabi_error_t *e, const rt_func *F) {
  char where[300];
  snprintf(where, sizeof where, "in export `%s`", F->name);
  return rt_take_trap(s, e, where);
}

/* canon_lift's synchronous body with the fused copies; *caller_err: an
** error storing the results, the caller's. */
static wasmplug_trap_t *lift_fused(rt_lower *L, rt_task *task, wp_cabi_cx_t *from, const wp_cabi_flat_t *flat,
                                   size_t nflat, wp_cabi_flat_t *out, size_t *nout, wp_cabi_error_t **caller_err) {
  rt_func *F = L->fuse_to;
  rt_frame *inst = F->owner;
  rt_store *s = inst->store;
  const wp_cabi_fuse_t *fu = L->fuse;
  task->state = RT_TASK_STARTED;
  wp_cabi_flat_t args[WP_CABI_MAX_FLAT_PARAMS + 1], res[WP_CABI_MAX_FLAT_RESULTS];
  size_t nargs = 0, n = 0;
  if (fu->pmem) wp_cabi_cx_refresh(&task->cx);
  wp_cabi_error_t *e = wp_cabi_fuse_args(fu, from, &task->cx, true, flat, nflat, args, &nargs);
  if (e) return export_trap(s, e, F);
  memset(res, 0, sizeof res);
  wasmplug_trap_t *trap = core_call(F->core, args, nargs, res, fu->lift.nresults);
  if (trap) return trap;
  /* the results: checked in the callee (its trap), then stored in the
  ** caller (the caller's error), before post-return may free them */
  if ((e = wp_cabi_fuse_results(fu, &task->cx, from, false, res, fu->lift.nresults, flat, nflat, out, &n)))
    return export_trap(s, e, F);
  if (task->cx.num_borrows)
    return wasmplug_trap_new(WASMPLUG_TRAP_CANON, "borrow handles still remain at the end of the call");
  task->state = RT_TASK_RESOLVED;
  *caller_err = wp_cabi_fuse_results(fu, &task->cx, from, true, res, fu->lift.nresults, flat, nflat, out, nout);
  if (F->opts.post_return) {
    inst->no_leave++;
    e = wp_cabi_post_return(&task->cx, res, fu->lift.nresults);
    inst->no_leave--;
    if (e) return export_trap(s, e, F);
  }
  return NULL;
}

/* rt_may_enter / rt_enter / rt_leave of the callee's instance from the
** caller's, without walking the two frames' ancestors when there is one
** frame to mark (L->fuse_alone). */
static inline bool may_enter(const rt_lower *L) {
  rt_frame *inst = L->fuse_to->owner;
  return L->fuse_alone ? !inst->busy : rt_may_enter(inst, L->f);
}
static inline void enter(const rt_lower *L) {
  rt_frame *inst = L->fuse_to->owner;
  if (L->fuse_alone) inst->busy = true;
  else rt_enter(inst, L->f);
}
static inline void leave(const rt_lower *L) {
  rt_frame *inst = L->fuse_to->owner;
  if (L->fuse_alone) inst->busy = false;
  else rt_leave(inst, L->f);
}

/* rt_invoke's checks of the callee (RT_FUNC_LIFTED): why it may not be
** entered now, or NULL. */
static inline wasmplug_trap_t *callee_refuses(const rt_lower *L) {
  rt_func *F = L->fuse_to;
  rt_frame *inst = F->owner;
  rt_store *s = inst->store;
  if (s->dead) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "the component instance was deleted");
  if (s->poison)
    return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "cannot enter component instance to call `%s`: it trapped earlier",
                              F->name);
  if (!F->guest.memory) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  if (!may_enter(L))
    return wasmplug_trap_newf(WASMPLUG_TRAP_CANON,
                              "cannot enter component instance to call `%s`: it is already running", F->name);
  return NULL;
}

/* canon_lift's synchronous task and its implicit thread, on the C stack
** of the call (a zeroed scope: no handle crosses in a fused call, so no
** borrow is scoped to it). */
typedef struct fused_frame {
  rt_task task;
  rt_thread th;
  rt_thread *prev; /* the scheduler's current thread before the call */
} fused_frame;

/* Makes the task and thread, enters the callee's instance and makes the
** thread current; `cx`: the callee's memory view and realloc are used. */
static inline __attribute__((always_inline)) void frame_begin(fused_frame *fr, const rt_lower *L, rt_sched *S,
                                                              bool cx) {
  rt_func *F = L->fuse_to;
  zero(&fr->task, sizeof fr->task + sizeof fr->th);
  rt_task *task = &fr->task;
  task->F = F;
  task->caller = L->fuse_caller;
  task->state = RT_TASK_INITIAL;
  task->implicit = &fr->th;
  task->threads = &fr->th;
  task->nthreads = 1;
  if (cx) wp_cabi_cx_init(&task->cx, &F->guest, NULL);
  fr->th.task = task;
  enter(L);
  fr->prev = S->current;
  S->current = &fr->th;
  S->nesting++;
}

/* The end of the call begun by frame_begin (with the same `cx`), t its
** trap (or NULL): the thread is no longer current, the callee's instance
** is left, a trap poisons the callee's store.  Returns the call's trap. */
static inline __attribute__((always_inline)) wasmplug_trap_t *frame_end(fused_frame *fr, const rt_lower *L,
                                                                        rt_sched *S, bool cx, wasmplug_trap_t *t) {
  rt_func *F = L->fuse_to;
  rt_frame *inst = F->owner;
  rt_store *s = inst->store;
  rt_task *task = &fr->task;
  S->nesting--;
  S->current = fr->prev;
  if (fr->th.index && fr->th.index < inst->thread_len) inst->thread_tab[fr->th.index] = NULL;
  wp_cabi_error_t *fe = cx && task->cx.guest ? wp_cabi_cx_finish(&task->cx) : NULL;
  if (!t && fe) t = rt_trap_from_cabi(fe, F->name);
  else if (fe) wp_cabi_error_delete(fe);
  if (!t && task->state != RT_TASK_RESOLVED)
    t = wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "`%s` finished without returning a value", F->name);
  if (t) t = rt_poison(s, t);
  else if (s->poison) t = rt_poisoned(s);
  leave(L);
  return t;
}

/* A host function forwarding to the callee names a trap as it would. */
static wasmplug_trap_t *named_trap(const rt_lower *L, wasmplug_trap_t *t) {
  if (L->F != L->fuse_to) t = rt_host_trap(L->F, L->F->host->fuse_trap(L->F->host->env, t));
  return t;
}

static inline __attribute__((always_inline)) wasmplug_trap_t *fused_call_raw(rt_lower *L,
                                                                             wasmplug_val_raw_t *raw) {
  wasmplug_trap_t *t = callee_refuses(L);
  rt_sched *S = t ? NULL : rt_sched_get();
  if (!t && !S) t = wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  if (t) return named_trap(L, t);
  fused_frame fr;
  frame_begin(&fr, L, S, false);
  fr.task.state = RT_TASK_STARTED;
  t = wasmplug_func_call_unchecked(L->fuse_to->core->func, raw);
  if (__builtin_expect(!t, 1)) fr.task.state = RT_TASK_RESOLVED;
  t = frame_end(&fr, L, S, false, t);
  return t ? named_trap(L, t) : NULL;
}

wasmplug_trap_t *rt_fused_call_raw(rt_lower *L, wasmplug_val_raw_t *raw) { return fused_call_raw(L, raw); }

/* The direct entries of raw fused lowerings: the caller's checks
** (rt_lower_may_call, as lower_cb makes them) and the call in one
** function, bracketed as rt/canon.c's lower_direct entries are. */
#define FUSED_DIRECT(N)                                                        \
  static void fused_direct##N(wasmplug_direct_call_t *d LD_PARAMS##N) {        \
    wasmplug_val_raw_t v[N + 1];                                               \
    rt_lower *L = d->env;                                                      \
    LD_SET##N wasmplug_direct_enter();                                         \
    wasmplug_direct_leave(rt_lower_may_call(L) ? fused_call_raw(L, v) : rt_lower_refused(L)); \
  }                                                                            \
  static int32_t fused_direct##N##_i32(wasmplug_direct_call_t *d LD_PARAMS##N) { \
    wasmplug_val_raw_t v[N + 1];                                               \
    rt_lower *L = d->env;                                                      \
    v[N].i64 = 0;                                                              \
    LD_SET##N wasmplug_direct_enter();                                         \
    wasmplug_direct_leave(rt_lower_may_call(L) ? fused_call_raw(L, v) : rt_lower_refused(L)); \
    return v[0].i32;                                                           \
  }
FUSED_DIRECT(0)
FUSED_DIRECT(1)
FUSED_DIRECT(2)
FUSED_DIRECT(3)
FUSED_DIRECT(4)

void *rt_fused_direct(const wasmplug_functype_t *t) {
  static void *const fnone[] = {(void *)fused_direct0, (void *)fused_direct1, (void *)fused_direct2,
                                (void *)fused_direct3, (void *)fused_direct4};
  static void *const fi32[] = {(void *)fused_direct0_i32, (void *)fused_direct1_i32, (void *)fused_direct2_i32,
                               (void *)fused_direct3_i32, (void *)fused_direct4_i32};
  return t->nresults ? fi32[t->nparams] : fnone[t->nparams];
}

wasmplug_trap_t *rt_fused_call(rt_lower *L, const wp_cabi_flat_t *flat, size_t nflat, wp_cabi_flat_t *out,
                               size_t *nout) {
  rt_func *F = L->fuse_to;
  rt_store *cs = L->f->store;
  const wp_cabi_fuse_t *fu = L->fuse;
  bool mem = fu->pmem || fu->rmem;
  *nout = 0;
  /* the caller's arguments first: a bad one is the caller's trap (the
  ** check touches nothing of the callee's) */
  wp_cabi_cx_t fromcx, *from = NULL; /* scalars only: no memory, no cx */
  if (mem) wp_cabi_cx_init(from = &fromcx, &L->guest, NULL);
  if (fu->checks) {
    size_t nunused = 0;
    wp_cabi_error_t *e = wp_cabi_fuse_args(fu, from, NULL, false, flat, nflat, NULL, &nunused);
    if (e) {
      if (from) wp_cabi_error_delete(wp_cabi_cx_finish(from));
      return rt_take_trap(cs, e, L->F->name);
    }
  }
  wasmplug_trap_t *t = callee_refuses(L);
  rt_sched *S = t ? NULL : rt_sched_get();
  if (!t && !S) t = wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  wp_cabi_error_t *caller_err = NULL;
  if (!t) {
    fused_frame fr;
    bool cx = mem || F->opts.post_return;
    frame_begin(&fr, L, S, cx);
    t = lift_fused(L, &fr.task, from, flat, nflat, out, nout, &caller_err);
    t = frame_end(&fr, L, S, cx, t);
  }
  if (from) wp_cabi_error_delete(wp_cabi_cx_finish(from));
  if (t) {
    if (caller_err) wp_cabi_error_delete(caller_err);
    return named_trap(L, t);
  }
  if (caller_err) return rt_take_trap(cs, caller_err, L->F->name);
  return NULL;
}
