/*
** rt/subtask.c — `canon lower ... async` and subtasks (CanonicalABI.md
** "Subtask State", "canon lower", "canon subtask.cancel", "canon
** subtask.drop").
**
** An async lower calls the callee at once.  If the callee resolves before
** it returns (it never blocked), the caller gets RETURNED and no handle.
** Otherwise the subtask goes into the caller's handle table and each later
** progress of the callee (started, returned, cancelled) leaves an event on
** it.  Arguments are lifted out of the caller's memory when the callee
** starts (after its backpressure), with at most MAX_FLAT_ASYNC_PARAMS flat
** values; the result is stored through the caller's result pointer when
** the callee returns.  Borrowed arguments stay lent until the caller has
** seen the resolution (deliver_resolve).
*/
#include "component/rt/async.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool resolved(const rt_subtask *st) { return st->state >= RT_SUBTASK_RETURNED; }

/* Subtask.deliver_resolve: the caller's lends end. */
static void deliver_resolve(rt_subtask *st) {
  if (st->resolve_delivered) return;
  st->resolve_delivered = true;
  wp_cabi_error_delete(wp_cabi_cx_finish(&st->cx));
}

/* The pending event (subtask_event). */
void rt_subtask_deliver(wp_cabi_waitable_t *w, wp_cabi_event_t *out) {
  rt_subtask *st = (rt_subtask *)w;
  if (resolved(st)) deliver_resolve(st);
  out->code = WP_CABI_EVENT_SUBTASK;
  out->p1 = w->index;
  out->p2 = st->state;
}

/* maybe_on_progress: once the caller holds a handle, progress is an event. */
static void progress(rt_subtask *st) {
  if (st->in_table) st->w.pending = rt_subtask_deliver;
}

static wp_cabi_error_t *sub_start(rt_caller *c, wp_cabi_val_t *args) {
  rt_subtask *st = (rt_subtask *)((char *)c - offsetof(rt_subtask, caller));
  rt_lower *L = st->L;
  progress(st);
  st->state = RT_SUBTASK_STARTED;
  wp_cabi_cx_refresh(&st->cx);
  return wp_cabi_lift_values(&st->cx, L->type->nparams, L->type->params, WP_CABI_MAX_FLAT_ASYNC_PARAMS, st->args,
                             st->nargs, false, args);
}

static wp_cabi_error_t *sub_resolve(rt_caller *c, wp_cabi_val_t *result, bool cancelled) {
  rt_subtask *st = (rt_subtask *)((char *)c - offsetof(rt_subtask, caller));
  rt_lower *L = st->L;
  progress(st);
  if (cancelled) {
    st->state = st->state == RT_SUBTASK_STARTING ? RT_SUBTASK_CANCELLED_BEFORE_STARTED
                                                 : RT_SUBTASK_CANCELLED_BEFORE_RETURNED;
    return NULL;
  }
  wp_cabi_error_t *e = NULL;
  if (L->type->result) {
    wp_cabi_flat_t flat[1];
    size_t n = 0;
    wp_cabi_cx_refresh(&st->cx);
    e = wp_cabi_lower_values(&st->cx, 1, &L->type->result, 0, false, result, &st->retptr, flat, &n);
    wp_cabi_val_drop(result);
  }
  st->state = RT_SUBTASK_RETURNED;
  return e;
}

static void subtask_free(rt_subtask *st) {
  if (!st->resolve_delivered) wp_cabi_error_delete(wp_cabi_cx_finish(&st->cx));
  if (st->w.wset) wp_cabi_waitable_join(&st->w, NULL);
  free(st);
}

/* A caller that went away while its callee still runs: the callee's
** result is dropped (the caller's memory is gone). */
static wp_cabi_error_t *orphan_start(rt_caller *c, wp_cabi_val_t *args) {
  (void)c;
  (void)args;
  return wp_cabi_error_new(WP_CABI_TRAP, "the caller's component instance was deleted");
}
static wp_cabi_error_t *orphan_resolve(rt_caller *c, wp_cabi_val_t *result, bool cancelled) {
  (void)c;
  (void)cancelled;
  wp_cabi_val_drop(result);
  return NULL;
}
static rt_caller orphan = {orphan_start, orphan_resolve, NULL, NULL};

void rt_subtask_reap(rt_subtask *st) {
  if (!resolved(st) && st->callee.task && st->callee.task->caller == &st->caller) st->callee.task->caller = &orphan;
  if (st->native) rt_native_orphan(st->native);
  subtask_free(st);
}

wasmplug_trap_t *rt_lower_async(rt_lower *L, wasmplug_val_raw_t *raw) {
  rt_frame *f = L->f;
  rt_store *s = f->store;
  rt_subtask *st = calloc(1, sizeof *st);
  if (!st) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  wp_cabi_waitable_init(&st->w, WP_CABI_OBJ_SUBTASK);
  st->state = RT_SUBTASK_STARTING;
  st->L = L;
  st->caller.on_start = sub_start;
  st->caller.on_resolve = sub_resolve;
  st->caller.inst = f;
  st->caller.task_ref = &st->callee.task;
  /* flat params (at most 4, or a pointer), then the result pointer */
  uint32_t np = L->ctype.nparams;
  if (L->type->result) np--;
  for (uint32_t i = 0; i < np && i <= WP_CABI_MAX_FLAT_ASYNC_PARAMS; i++) {
    st->args[i].i64 = 0;
    switch (L->ctype.params[i]) {
    case WASMPLUG_I64: st->args[i].i64 = (uint64_t)raw[i].i64; break;
    case WASMPLUG_F32: st->args[i].f32 = raw[i].f32; break;
    case WASMPLUG_F64: st->args[i].f64 = raw[i].f64; break;
    default: st->args[i].i32 = (uint32_t)raw[i].i32; break;
    }
  }
  st->nargs = np;
  if (L->type->result) st->retptr = (uint32_t)raw[np].i32;
  wp_cabi_cx_init(&st->cx, &L->guest, NULL);
  wasmplug_trap_t *t = L->F->kind == RT_FUNC_NATIVE ? rt_native_lower_async(L, st, raw)
                                                     : rt_invoke(L->F, &st->caller, &st->callee);
  if (t) {
    /* can't enter, or the store is poisoned: nothing will call back */
    subtask_free(st);
    return t;
  }
  if (resolved(st)) {
    deliver_resolve(st);
    subtask_free(st);
    raw[0].i32 = RT_SUBTASK_RETURNED;
    return NULL;
  }
  uint32_t i = 0;
  wp_cabi_error_t *e = wp_cabi_handles_add_obj(f->handles, &st->w.obj, &i);
  if (e) {
    /* the callee holds st: keep it, orphaned, rather than free it */
    if (st->callee.task) st->callee.task->caller = &orphan;
    if (st->native) rt_native_orphan(st->native);
    return rt_trap_from_cabi(e, "async call");
  }
  st->in_table = true;
  raw[0].i32 = (int32_t)((uint32_t)st->state | (i << 4));
  (void)s;
  return NULL;
}

/* ------------------------------------------------------------ built-ins */

static wasmplug_trap_t *ctrap(wp_cabi_error_t *e) { return rt_trap_from_cabi(e, NULL); }

wasmplug_trap_t *rt_subtask_cancel(rt_frame *f, rt_thread *th, bool async, uint32_t i, uint32_t *out) {
  wp_cabi_obj_t *o;
  wp_cabi_error_t *e = wp_cabi_handles_get_obj(f->handles, i, WP_CABI_OBJ_SUBTASK, "subtask.cancel", &o);
  if (e) return ctrap(e);
  rt_subtask *st = (rt_subtask *)o;
  if (st->resolve_delivered)
    return wasmplug_trap_new(WASMPLUG_TRAP_CANON, "cannot cancel a subtask whose resolution was already delivered");
  if (st->cancellation_requested)
    return wasmplug_trap_new(WASMPLUG_TRAP_CANON, "subtask.cancel called twice on the same subtask");
  if (st->w.wset && !async)
    return wasmplug_trap_new(WASMPLUG_TRAP_CANON, "waitable cannot be used synchronously while added to a waitable set");
  if (!resolved(st)) {
    st->cancellation_requested = true;
    if (st->callee.task) rt_task_request_cancel(st->callee.task, f);
    else if (st->native) rt_native_cancel(st->native);
    if (f->store->poison) return rt_poisoned(f->store);
    if (!resolved(st)) {
      if (async) {
        *out = WP_CABI_BLOCKED;
        return NULL;
      }
      st->w.has_sync_waiter = true;
      int r = rt_thread_wait(th, RT_WAIT_WAITABLE, &st->w, false);
      st->w.has_sync_waiter = false;
      if (r < 0) return rt_poisoned(f->store);
    }
  }
  wp_cabi_event_t ev;
  wp_cabi_waitable_take_event(&st->w, &ev);
  *out = st->state;
  return NULL;
}

wasmplug_trap_t *rt_subtask_drop(rt_frame *f, uint32_t i) {
  wp_cabi_obj_t *o;
  wp_cabi_error_t *e = wp_cabi_handles_get_obj(f->handles, i, WP_CABI_OBJ_SUBTASK, "subtask.drop", &o);
  if (e) return ctrap(e);
  rt_subtask *st = (rt_subtask *)o;
  if (!st->resolve_delivered)
    return wasmplug_trap_new(WASMPLUG_TRAP_CANON, "cannot drop a subtask which has not yet resolved");
  wp_cabi_handles_remove_obj(f->handles, i, WP_CABI_OBJ_SUBTASK, "subtask.drop", &o);
  subtask_free(st);
  return NULL;
}
