/*
** rt/builtins.c — the 🔀 and 📝 canon built-ins of CanonicalABI.md, one
** case each, in the reference's order: context.get/set, backpressure.inc/
** dec, task.return, task.cancel, waitable-set.new/wait/poll/drop,
** waitable.join, subtask.cancel/drop, stream/future.new/read/write/
** cancel-read/cancel-write/drop-readable/drop-writable, thread.yield,
** error-context.new/debug-message/drop.
**
** Each is a core host function of the defining instance.  Every trap_if of
** the reference is a trap here with a message saying what was wrong; the
** values and copies themselves are the cabi layer's (section 9).
*/
#include "component/rt/async.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* rt/subtask.c */
wasmplug_trap_t *rt_subtask_cancel(rt_frame *f, rt_thread *th, bool async, uint32_t i, uint32_t *out);
wasmplug_trap_t *rt_subtask_drop(rt_frame *f, uint32_t i);

typedef struct builtin {
  rt_frame *f;
  const wp_comp_canon *c;
  const wp_cabi_type_t *type;   /* stream/future type; task.return's result */
  rt_opts opts;
  wp_cabi_opts_t guest;        /* memory, realloc, encoding, handle table */
} builtin;


static wasmplug_trap_t *ctrap(builtin *b, wp_cabi_error_t *e) {
  rt_store *s = b->f->store;
  if (s->pending) {
    wasmplug_trap_t *t = s->pending;
    s->pending = NULL;
    wp_cabi_error_delete(e);
    return t;
  }
  return rt_trap_from_cabi(e, NULL);
}

static bool stream_op(uint8_t op) { return op >= WP_COMP_CANON_STREAM_NEW && op <= WP_COMP_CANON_STREAM_DROP_WRITABLE; }

/* ------------------------------------------------------------ waiting */

static void store_event(builtin *b, uint32_t ptr, const wp_cabi_event_t *ev, wasmplug_trap_t **trap) {
  /* unpack_event: p1 and p2 as two u32 at ptr */
  wp_cabi_cx_t cx;
  wp_cabi_cx_init(&cx, &b->guest, NULL);
  wp_cabi_error_t *e = wp_cabi_check_range(&cx, "event", ptr, 8, 4);
  if (!e) {
    memcpy(cx.mem.base + ptr, &ev->p1, 4);
    memcpy(cx.mem.base + ptr + 4, &ev->p2, 4);
  }
  wp_cabi_error_delete(wp_cabi_cx_finish(&cx));
  if (e) *trap = ctrap(b, e);
}

/* A synchronous copy or cancel waits for its end's event. */
static wasmplug_trap_t *wait_for_event(builtin *b, rt_thread *th, wp_cabi_waitable_t *w) {
  w->has_sync_waiter = true;
  int r = rt_thread_wait(th, RT_WAIT_WAITABLE, w, false);
  w->has_sync_waiter = false;
  return r < 0 ? rt_poisoned(b->f->store) : NULL;
}

/* ------------------------------------------------------------ streams and futures */

static wasmplug_trap_t *get_end(builtin *b, uint32_t i, bool writable, const char *what, wp_cabi_end_t **out) {
  *out = NULL; /* set on every path: callers test the trap, gcc -O3 cannot see that */
  bool stream = stream_op(b->c->op);
  wp_cabi_obj_kind_t k = stream ? (writable ? WP_CABI_OBJ_STREAM_WRITABLE : WP_CABI_OBJ_STREAM_READABLE)
                                : (writable ? WP_CABI_OBJ_FUTURE_WRITABLE : WP_CABI_OBJ_FUTURE_READABLE);
  wp_cabi_obj_t *o;
  wp_cabi_error_t *e = wp_cabi_handles_get_obj(b->f->handles, i, k, what, &o);
  if (e) return ctrap(b, e);
  wp_cabi_end_t *end = (wp_cabi_end_t *)o;
  if (!wp_cabi_type_equal(wp_cabi_end_elem(end), b->type->elem))
    return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "%s: handle %u is a %s of another element type", what, i, stream ? "stream" : "future");
  *out = end;
  return NULL;
}

/* stream_copy / future_copy */
static wasmplug_trap_t *copy(builtin *b, rt_thread *th, bool write, uint32_t i, uint32_t ptr, uint32_t n,
                             uint32_t *out) {
  bool stream = stream_op(b->c->op);
  const char *what = wp_comp_canon_name(b->c->op);
  wp_cabi_end_t *e;
  wasmplug_trap_t *t = get_end(b, i, write, what, &e);
  if (t) return t;
  if (e->state == WP_CABI_COPY_DONE) {
    if (stream)
      return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, write ? "cannot write to stream after being notified that the readable end dropped"
                              : "cannot read from stream after being notified that the writable end dropped");
    return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, write ? "cannot write to future after previous write succeeded or readable end dropped"
                            : "cannot read from future after previous read succeeded");
  }
  if (e->state != WP_CABI_COPY_IDLE) return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "%s: a copy is already in progress on handle %u", what, i);
  if (e->w.wset && !b->opts.is_async)
    return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "waitable cannot be used synchronously while added to a waitable set");
  wp_cabi_error_t *err = wp_cabi_buffer_guest(&e->buf, b->type->elem, &b->guest, ptr, stream ? n : 1);
  if (err) return ctrap(b, err);
  if ((err = wp_cabi_end_copy(e))) return ctrap(b, err);
  if (!wp_cabi_waitable_has_event(&e->w)) {
    if (b->opts.is_async) {
      *out = WP_CABI_BLOCKED;
      return NULL;
    }
    if ((t = wait_for_event(b, th, &e->w))) return t;
  }
  wp_cabi_event_t ev;
  wp_cabi_waitable_take_event(&e->w, &ev);
  *out = ev.p2;
  return NULL;
}

/* cancel_copy */
static wasmplug_trap_t *cancel(builtin *b, rt_thread *th, bool write, uint32_t i, uint32_t *out) {
  const char *what = wp_comp_canon_name(b->c->op);
  bool async = b->c->flag != 0;
  wp_cabi_end_t *e;
  wasmplug_trap_t *t = get_end(b, i, write, what, &e);
  if (t) return t;
  if (e->state != WP_CABI_COPY_COPYING || e->w.has_sync_waiter)
    return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "%s: no copy in progress on handle %u to cancel", what, i);
  if (e->w.wset && !async) return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "waitable cannot be used synchronously while added to a waitable set");
  wp_cabi_end_cancel(e);
  if (!wp_cabi_waitable_has_event(&e->w)) {
    if (async) {
      *out = WP_CABI_BLOCKED;
      return NULL;
    }
    if ((t = wait_for_event(b, th, &e->w))) return t;
  }
  wp_cabi_event_t ev;
  wp_cabi_waitable_take_event(&e->w, &ev);
  *out = ev.p2;
  return NULL;
}

static wasmplug_trap_t *drop_end(builtin *b, bool write, uint32_t i) {
  const char *what = wp_comp_canon_name(b->c->op);
  wp_cabi_end_t *e;
  wasmplug_trap_t *t = get_end(b, i, write, what, &e);
  if (t) return t;
  wp_cabi_error_t *err = wp_cabi_end_drop_check(e);
  if (err) return ctrap(b, err);
  wp_cabi_obj_t *o;
  wp_cabi_handles_remove_obj(b->f->handles, i, 0, what, &o);
  wp_cabi_end_free(e);
  return NULL;
}

/* ------------------------------------------------------------ dispatch */

static wasmplug_trap_t *run(builtin *b, wasmplug_val_raw_t *raw) {
  rt_frame *f = b->f;
  const wp_comp_canon *c = b->c;
  rt_thread *th = rt_current();
  const char *name = wp_comp_canon_name(c->op);
  if (!th) return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "canon %s called outside of any task", name);
  rt_task *task = th->task;
  wp_cabi_error_t *e;
  wasmplug_trap_t *t;
  /* may_leave: no built-in but context.* and backpressure.* may run during
  ** realloc or post-return */
  if (f->no_leave && c->op != WP_COMP_CANON_CONTEXT_GET && c->op != WP_COMP_CANON_CONTEXT_SET &&
      c->op != WP_COMP_CANON_BACKPRESSURE_INC && c->op != WP_COMP_CANON_BACKPRESSURE_DEC)
    return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "cannot leave component instance (canon %s during realloc or post-return)", name);
  uint32_t a0 = (uint32_t)raw[0].i32, a1 = (uint32_t)raw[1].i32, a2 = (uint32_t)raw[2].i32, out = 0;
  switch (c->op) {
  case WP_COMP_CANON_CONTEXT_GET: raw[0].i32 = (int32_t)th->storage[c->slot]; return NULL;
  case WP_COMP_CANON_CONTEXT_SET: th->storage[c->slot] = a0; return NULL;

  case WP_COMP_CANON_BACKPRESSURE_INC:
    if (++f->backpressure >= 1u << 16) return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "backpressure counter overflow");
    return NULL;
  case WP_COMP_CANON_BACKPRESSURE_DEC:
    if (f->backpressure == 0) return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "backpressure counter underflow");
    f->backpressure--;
    return NULL;

  case WP_COMP_CANON_TASK_RETURN: {
    rt_func *F = task->F;
    if (!F->opts.is_async) return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "task.return called by a task that was not lifted with `async`");
    if (!wp_cabi_type_equal(b->type, F->type->result) || (!b->type) != (!F->type->result))
      return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "task.return's result type differs from the result type of `%s`", F->name);
    if (b->opts.encoding != F->opts.encoding || b->opts.memory != F->opts.memory)
      return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "task.return's options differ from those `%s` was lifted with", F->name);
    wp_cabi_val_t result;
    memset(&result, 0, sizeof result);
    if (b->type) {
      wp_cabi_flat_t flat[WP_CABI_MAX_FLAT_PARAMS];
      size_t n = b->type->nflat > WP_CABI_MAX_FLAT_PARAMS ? 1 : b->type->nflat;
      for (size_t i = 0; i < n; i++) {
        flat[i].i64 = 0;
        switch (b->type->flat[i]) {
        case WP_CABI_I64: flat[i].i64 = (uint64_t)raw[i].i64; break;
        case WP_CABI_CF32: flat[i].f32 = raw[i].f32; break;
        case WP_CABI_CF64: flat[i].f64 = raw[i].f64; break;
        default: flat[i].i32 = (uint32_t)raw[i].i32; break;
        }
      }
      wp_cabi_cx_t cx;
      wp_cabi_cx_init(&cx, &b->guest, NULL);
      e = wp_cabi_lift_values(&cx, 1, &b->type, WP_CABI_MAX_FLAT_PARAMS, flat, n, false, &result);
      wp_cabi_error_t *fe = wp_cabi_cx_finish(&cx);
      if (!e) e = fe;
      else wp_cabi_error_delete(fe);
      if (e) return ctrap(b, e);
    }
    t = rt_task_return(task, b->type ? &result : NULL);
    wp_cabi_val_drop(&result);
    return t;
  }
  case WP_COMP_CANON_TASK_CANCEL:
    if (!task->F->opts.is_async) return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "task.cancel called by a task that was not lifted with `async`");
    return rt_task_cancel(task);

  case WP_COMP_CANON_THREAD_YIELD: {
    int r = rt_thread_wait(th, RT_WAIT_READY, NULL, c->flag != 0);
    if (r < 0) return rt_poisoned(f->store);
    raw[0].i32 = r;
    return NULL;
  }

  case WP_COMP_CANON_WAITABLE_SET_NEW: {
    wp_cabi_wset_t *ws = wp_cabi_wset_new();
    if (!ws) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
    if ((e = wp_cabi_handles_add_obj(f->handles, &ws->obj, &out))) {
      wp_cabi_error_delete(wp_cabi_wset_drop(ws));
      return ctrap(b, e);
    }
    raw[0].i32 = (int32_t)out;
    return NULL;
  }
  case WP_COMP_CANON_WAITABLE_SET_WAIT:
  case WP_COMP_CANON_WAITABLE_SET_POLL: {
    wp_cabi_obj_t *o;
    if ((e = wp_cabi_handles_get_obj(f->handles, a0, WP_CABI_OBJ_WAITABLE_SET, name, &o))) return ctrap(b, e);
    wp_cabi_wset_t *ws = (wp_cabi_wset_t *)o;
    bool cancellable = c->flag != 0;
    wp_cabi_event_t ev = {WP_CABI_EVENT_NONE, 0, 0};
    if (c->op == WP_COMP_CANON_WAITABLE_SET_WAIT) {
      ws->num_waiting++;
      int r = rt_thread_wait(th, RT_WAIT_WSET, ws, cancellable);
      ws->num_waiting--;
      if (r < 0) return rt_poisoned(f->store);
      if (r == 1) ev.code = WP_CABI_EVENT_TASK_CANCELLED;
      else wp_cabi_wset_take_event(ws, &ev);
    } else if (rt_task_deliver_pending_cancel(task, cancellable)) {
      ev.code = WP_CABI_EVENT_TASK_CANCELLED;
    } else if (wp_cabi_wset_has_event(ws)) {
      wp_cabi_wset_take_event(ws, &ev);
    }
    t = NULL;
    store_event(b, a1, &ev, &t);
    if (t) return t;
    raw[0].i32 = (int32_t)ev.code;
    return NULL;
  }
  case WP_COMP_CANON_WAITABLE_SET_DROP: {
    wp_cabi_obj_t *o;
    if ((e = wp_cabi_handles_get_obj(f->handles, a0, WP_CABI_OBJ_WAITABLE_SET, name, &o))) return ctrap(b, e);
    wp_cabi_wset_t *ws = (wp_cabi_wset_t *)o;
    if (ws->n) return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "cannot drop waitable set %u: %u waitable(s) still in it", a0, ws->n);
    if (ws->num_waiting) return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "cannot drop waitable set with waiters");
    wp_cabi_handles_remove_obj(f->handles, a0, WP_CABI_OBJ_WAITABLE_SET, name, &o);
    wp_cabi_error_delete(wp_cabi_wset_drop(ws));
    return NULL;
  }
  case WP_COMP_CANON_WAITABLE_JOIN: {
    wp_cabi_obj_t *o;
    if ((e = wp_cabi_handles_get_obj(f->handles, a0, 0, name, &o))) return ctrap(b, e);
    if (o->kind == WP_CABI_OBJ_WAITABLE_SET || o->kind == WP_CABI_OBJ_ERROR_CONTEXT)
      return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "waitable.join: handle %u is not a waitable", a0);
    wp_cabi_waitable_t *w = (wp_cabi_waitable_t *)o;
    if (w->has_sync_waiter) return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "waitable.join: handle %u is being waited on synchronously", a0);
    wp_cabi_wset_t *ws = NULL;
    if (a1) {
      if ((e = wp_cabi_handles_get_obj(f->handles, a1, WP_CABI_OBJ_WAITABLE_SET, name, &o))) return ctrap(b, e);
      ws = (wp_cabi_wset_t *)o;
    }
    if ((e = wp_cabi_waitable_join(w, ws))) return ctrap(b, e);
    return NULL;
  }

  case WP_COMP_CANON_SUBTASK_CANCEL:
    if ((t = rt_subtask_cancel(f, th, c->flag != 0, a0, &out))) return t;
    raw[0].i32 = (int32_t)out;
    return NULL;
  case WP_COMP_CANON_SUBTASK_DROP: return rt_subtask_drop(f, a0);

  case WP_COMP_CANON_STREAM_NEW:
  case WP_COMP_CANON_FUTURE_NEW: {
    wp_cabi_end_t *r, *w;
    uint32_t ri = 0, wi = 0;
    if ((e = wp_cabi_stream_new(b->type->elem, c->op == WP_COMP_CANON_FUTURE_NEW, &r, &w))) return ctrap(b, e);
    if ((e = wp_cabi_async_put_end(f->handles, false, r, &ri))) {
      wp_cabi_end_free(r);
      wp_cabi_end_free(w);
      return ctrap(b, e);
    }
    if ((e = wp_cabi_async_put_end(f->handles, false, w, &wi))) {
      wp_cabi_end_free(w);
      return ctrap(b, e);
    }
    raw[0].i64 = (int64_t)((uint64_t)ri | ((uint64_t)wi << 32));
    return NULL;
  }
  case WP_COMP_CANON_STREAM_READ:
  case WP_COMP_CANON_STREAM_WRITE:
    if ((t = copy(b, th, c->op == WP_COMP_CANON_STREAM_WRITE, a0, a1, a2, &out))) return t;
    raw[0].i32 = (int32_t)out;
    return NULL;
  case WP_COMP_CANON_FUTURE_READ:
  case WP_COMP_CANON_FUTURE_WRITE:
    if ((t = copy(b, th, c->op == WP_COMP_CANON_FUTURE_WRITE, a0, a1, 1, &out))) return t;
    raw[0].i32 = (int32_t)out;
    return NULL;
  case WP_COMP_CANON_STREAM_CANCEL_READ:
  case WP_COMP_CANON_STREAM_CANCEL_WRITE:
  case WP_COMP_CANON_FUTURE_CANCEL_READ:
  case WP_COMP_CANON_FUTURE_CANCEL_WRITE: {
    bool write = c->op == WP_COMP_CANON_STREAM_CANCEL_WRITE || c->op == WP_COMP_CANON_FUTURE_CANCEL_WRITE;
    if ((t = cancel(b, th, write, a0, &out))) return t;
    raw[0].i32 = (int32_t)out;
    return NULL;
  }
  case WP_COMP_CANON_STREAM_DROP_READABLE:
  case WP_COMP_CANON_FUTURE_DROP_READABLE: return drop_end(b, false, a0);
  case WP_COMP_CANON_STREAM_DROP_WRITABLE:
  case WP_COMP_CANON_FUTURE_DROP_WRITABLE: return drop_end(b, true, a0);

  case WP_COMP_CANON_ERROR_CONTEXT_NEW: {
    /* load_string_from_range: the message, validated in its encoding */
    wp_cabi_cx_t cx;
    wp_cabi_cx_init(&cx, &b->guest, NULL);
    wp_cabi_flat_t flat[2];
    flat[0].i64 = flat[1].i64 = 0;
    flat[0].i32 = a0;
    flat[1].i32 = a1;
    wp_cabi_val_t v;
    e = wp_cabi_lift_flat(&cx, b->type, flat, 2, &v);
    wp_cabi_error_delete(wp_cabi_cx_finish(&cx));
    if (e) return ctrap(b, e);
    wp_cabi_errctx_t *ec = wp_cabi_errctx_new(v.of.str.ptr, v.of.str.len);
    wp_cabi_val_drop(&v);
    if (!ec) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
    if ((e = wp_cabi_handles_add_obj(f->handles, &ec->obj, &out))) {
      wp_cabi_errctx_unref(ec);
      return ctrap(b, e);
    }
    raw[0].i32 = (int32_t)out;
    return NULL;
  }
  case WP_COMP_CANON_ERROR_CONTEXT_DEBUG_MESSAGE: {
    wp_cabi_obj_t *o;
    if ((e = wp_cabi_handles_get_obj(f->handles, a0, WP_CABI_OBJ_ERROR_CONTEXT, name, &o))) return ctrap(b, e);
    wp_cabi_errctx_t *ec = (wp_cabi_errctx_t *)o;
    wp_cabi_val_t v;
    memset(&v, 0, sizeof v);
    v.kind = WP_CABI_STRING;
    v.of.str.ptr = ec->msg;
    v.of.str.len = ec->len;
    wp_cabi_cx_t cx;
    wp_cabi_cx_init(&cx, &b->guest, NULL);
    e = wp_cabi_store(&cx, b->type, &v, a1);
    wp_cabi_error_t *fe = wp_cabi_cx_finish(&cx);
    if (!e) e = fe;
    else wp_cabi_error_delete(fe);
    return e ? ctrap(b, e) : NULL;
  }
  case WP_COMP_CANON_ERROR_CONTEXT_DROP: {
    wp_cabi_obj_t *o;
    if ((e = wp_cabi_handles_remove_obj(f->handles, a0, WP_CABI_OBJ_ERROR_CONTEXT, name, &o))) return ctrap(b, e);
    wp_cabi_errctx_unref((wp_cabi_errctx_t *)o);
    return NULL;
  }
  case WP_COMP_CANON_THREAD_INDEX: case WP_COMP_CANON_THREAD_NEW_INDIRECT:
  case WP_COMP_CANON_THREAD_RESUME_LATER: case WP_COMP_CANON_THREAD_SUSPEND:
  case WP_COMP_CANON_THREAD_SUSPEND_THEN_RESUME: case WP_COMP_CANON_THREAD_YIELD_THEN_RESUME:
  case WP_COMP_CANON_THREAD_SUSPEND_THEN_PROMOTE: case WP_COMP_CANON_THREAD_YIELD_THEN_PROMOTE:
  case WP_COMP_CANON_THREAD_SPAWN_REF: case WP_COMP_CANON_THREAD_SPAWN_INDIRECT:
  case WP_COMP_CANON_THREAD_AVAILABLE_PARALLELISM:
    return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "canon %s (cooperative threads) is not supported by the runtime yet", name);
  default: return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "canon %s is not supported", name);
  }
}

static wasmplug_trap_t *builtin_cb(void *env, wasmplug_caller_t *caller, wasmplug_val_raw_t *raw, size_t n) {
  (void)caller;
  (void)n;
  builtin *b = env;
  if (b->f->store->dead) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "the component instance was deleted");
  return run(b, raw);
}

static const wp_comp_type *type_at(rt_frame *f, uint32_t idx) {
  const wp_comp_space *ts = &f->comp->space[WP_COMP_SORT_TYPE];
  return idx < ts->len ? ts->items[idx].type : NULL;
}

int rt_canon_builtin(rt_frame *f, const wp_comp_canon *c, const wp_comp_core_functype *ctype, rt_corefunc **out) {
  rt_store *s = f->store;
  /* The cooperative-thread built-ins are made like the others and trap
  ** when called (run()): a component that merely has them runs, and the
  ** rules checked before any built-in runs (may_leave) still hold. */
  if (!ctype) return rt_fail(s, "canon %s: unknown core type", wp_comp_canon_name(c->op));
  builtin *b = rt_alloc(s, sizeof *b);
  rt_corefunc *cf = rt_alloc(s, sizeof *cf);
  if (!b || !cf) return rt_fail(s, "out of memory");
  b->f = f;
  b->c = c;
  if (rt_resolve_opts(f, &c->opts, &b->opts)) return -1;
  if (c->op >= WP_COMP_CANON_STREAM_NEW && c->op <= WP_COMP_CANON_FUTURE_DROP_WRITABLE) {
    if (!(b->type = rt_type(f, type_at(f, c->type)))) return -1;
  } else if (c->op == WP_COMP_CANON_TASK_RETURN) {
    if (c->result && !(b->type = rt_type(f, c->result))) return -1;
  } else if (c->op == WP_COMP_CANON_ERROR_CONTEXT_NEW || c->op == WP_COMP_CANON_ERROR_CONTEXT_DEBUG_MESSAGE) {
    b->type = wp_cabi_type_prim(s->types, WP_CABI_STRING);
  }
  rt_make_opts(f, &b->opts, &b->guest);
  if (rt_core_functype(s, ctype, &cf->type)) return -1;
  cf->cb = builtin_cb;
  cf->env = b;
  *out = cf;
  return 0;
}
