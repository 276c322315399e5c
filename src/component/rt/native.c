/*
** rt/native.c — async native functions and the plugin side of async
** values (plugin ABI 1.3, include/wasmplug/plugin.h section "1.3").
**
** A plugin instance (struct wasmplug_plugin_instance) is the plugin's side
** of one guest instance: a handle table of its own holding the stream and
** future ends and error contexts it was given or made (in the native
** layout these values are handles in this table), the copies it started,
** and the events it watches.  There is one per plugin state per store,
** made on first use.
**
** A native function typed `async` may return WASMPLUG_PENDING and complete
** later (host->call_complete).  Called with the async ABI it is a subtask
** of the caller (rt/subtask.c) whose arguments were lifted at the call and
** whose result is lowered at completion; called with the sync ABI the
** calling thread waits.  Until completion the call owns its arena (the
** params the plugin reads, the result storage it fills).
**
** Copies the plugin starts on its ends report through callbacks that the
** reactor runs from the scheduler's loop, never from inside the copy.
*/
#include "component/rt/async.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXP 64

/* One copy on a host-held end: the plugin's callback, and the arena of
** what it read (valid until its next read on the end or its drop). */
typedef struct host_copy {
  struct wasmplug_plugin_instance *in;
  wp_cabi_end_t *end;
  wasmplug_copy_done_fn done;
  void *arg;
  wp_cabi_arena_t *arena;
  bool queued;
  struct host_copy *next;
} host_copy;

struct wasmplug_plugin_instance {
  wp_native_async_base_t base; /* first: how the plugin loader reaches us */
  rt_store *s;
  void *state;
  wp_cabi_handles_t *handles;
  host_copy *copies;
  struct wasmplug_plugin_instance *next;
};

struct wasmplug_plugin_waker {
  wp_native_async_base_t base;
  rt_waker *w;
};

typedef struct rt_ncall {
  struct wasmplug_plugin_call call; /* what the plugin holds; call.async is this */
  rt_lower *L;
  struct wasmplug_plugin_instance *in;
  wp_cabi_native_fn_t fn;
  wp_cabi_arena_t *arena;
  void *args, *res;
  rt_subtask *st;           /* async lower: the caller's subtask (NULL: orphaned or sync) */
  bool sync;                /* sync lower: a thread waits on `done` */
  bool pending;             /* the function returned WASMPLUG_PENDING */
  bool done;
  int status;
  struct rt_ncall *next;    /* the store's pending calls */
} rt_ncall;

/* The host memory one call or one read may take (the store's limit). */
static size_t budget(const rt_store *s) {
  uint64_t b = s->limits.host_memory_bytes;
  return b > SIZE_MAX ? SIZE_MAX : (size_t)b;
}

/* ------------------------------------------------------------ plugin instances */

static struct wasmplug_plugin_instance *inst_get(rt_store *s, void *state) {
  for (struct wasmplug_plugin_instance *in = s->natives; in; in = in->next)
    if (in->state == state) return in;
  struct wasmplug_plugin_instance *in = calloc(1, sizeof *in);
  if (!in) return NULL;
  if (!(in->handles = wp_cabi_handles_new())) {
    free(in);
    return NULL;
  }
  wp_cabi_handles_limit_set(in->handles, s->limits.handles);
  in->base.ops = &rt_native_ops;
  in->s = s;
  in->state = state;
  in->next = s->natives;
  s->natives = in;
  return in;
}

void rt_native_insts_delete(rt_store *s) {
  rt_sched *S = rt_sched_get();
  rt_reactor *r = S ? S->reactor : NULL;
  while (s->ncalls) {
    rt_ncall *nc = s->ncalls;
    s->ncalls = nc->next;
    if (nc->st) nc->st->native = NULL;
    wp_cabi_arena_delete(nc->arena);
    free(nc);
  }
  while (s->natives) {
    struct wasmplug_plugin_instance *in = s->natives;
    s->natives = in->next;
    rt_reactor_forget(r, in);
    for (host_copy *c = in->copies; c; c = c->next) {
      rt_reactor_forget(r, c);
      c->end->notify = NULL;
    }
    wp_cabi_handles_delete(in->handles);
    while (in->copies) {
      host_copy *c = in->copies;
      in->copies = c->next;
      wp_cabi_arena_delete(c->arena);
      free(c);
    }
    free(in);
  }
}

/* ------------------------------------------------------------ calls */

static void ncall_unlink(rt_ncall *nc) {
  rt_store *s = nc->L->f->store;
  for (rt_ncall **p = &s->ncalls; *p; p = &(*p)->next)
    if (*p == nc) {
      *p = nc->next;
      return;
    }
}

static void ncall_free(rt_ncall *nc) {
  ncall_unlink(nc);
  rt_arena_give(nc->L->f->store, nc->arena);
  free(nc);
}

static rt_ncall *ncall_new(rt_lower *L) {
  const rt_host_def *h = L->F->host;
  rt_store *s = L->f->store;
  rt_ncall *nc = rt_zalloc(sizeof *nc);
  if (!nc) return NULL;
  nc->L = L;
  nc->fn = h->native;
  if (!nc->fn.who) nc->fn.who = L->F->name;
  nc->in = inst_get(s, nc->fn.state);
  nc->arena = rt_arena_take(s, L->guest.budget);
  const wp_cabi_type_t *rt = L->type->result;
  if (nc->in && nc->arena) {
    nc->args = wp_cabi_arena_alloc(nc->arena, h->native_args.size ? h->native_args.size : 1,
                                   h->native_args.align ? h->native_args.align : 1);
    nc->res = rt ? wp_cabi_arena_alloc(nc->arena, rt->native.size ? rt->native.size : 1, rt->native.align) : NULL;
  }
  if (!nc->in || !nc->arena || !nc->args || (rt && !nc->res)) {
    wp_cabi_arena_delete(nc->arena);
    free(nc);
    return NULL;
  }
  memset(nc->args, 0, h->native_args.size);
  if (nc->res) memset(nc->res, 0, rt->native.size);
  nc->call.arena = nc->arena;
  nc->call.state = nc->fn.state;
  nc->call.func = nc->fn.func;
  nc->call.async = nc;
  nc->call.ops = &rt_native_ops;
  nc->next = s->ncalls;
  s->ncalls = nc;
  return nc;
}

/* The trap a finished call ends in (NULL: it returned normally). */
static wasmplug_trap_t *outcome(rt_ncall *nc, int status) {
  if (status == WASMPLUG_OK && !nc->call.trapped) return NULL;
  if (nc->call.exited) return wasmplug_trap_new_exit(nc->call.exit_status);
  char msg[800];
  if (status == WASMPLUG_CANCELLED && !nc->call.trapped)
    snprintf(msg, sizeof msg, "%s: the call was cancelled", nc->fn.who);
  else if (!nc->call.trapped)
    snprintf(msg, sizeof msg, "%s: failed with code %d", nc->fn.who, status);
  else
    snprintf(msg, sizeof msg, "%s: %s", nc->fn.who, nc->call.msg);
  return wasmplug_trap_new(WASMPLUG_TRAP_HOST, msg);
}


wasmplug_trap_t *rt_native_call_sync(rt_lower *L, const wp_cabi_flat_t *flat, size_t nflat, wp_cabi_flat_t *out,
                                     size_t *nout) {
  rt_store *s = L->f->store;
  rt_ncall *nc = ncall_new(L);
  if (!nc) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  nc->sync = true;
  wp_cabi_cx_t cx;
  wp_cabi_cx_init(&cx, &L->guest, nc->arena);
  cx.native_handles = nc->in->handles;
  wasmplug_trap_t *t = NULL;
  wp_cabi_error_t *e = wp_cabi_lift_args_native(&cx, L->type, flat, nflat, nc->args);
  if (!e) {
    int rc = nc->fn.fn(nc->fn.state, &nc->call, nc->args, nc->res);
    if (rc == WASMPLUG_PENDING && !nc->done) {
      nc->pending = true;
      rt_thread *th = rt_current();
      int r = th ? rt_thread_wait(th, RT_WAIT_FLAG, &nc->done, false) : -1;
      if (r < 0) {
        /* unwinding: the plugin may still complete it; it stays listed */
        wp_cabi_error_delete(wp_cabi_cx_finish(&cx));
        nc->sync = false;
        return s->poison ? rt_poisoned(s) : wasmplug_trap_new(WASMPLUG_TRAP_CANON, "the call was aborted");
      }
    }
    int status = nc->done ? nc->status : rc;
    if (!(t = outcome(nc, status))) e = wp_cabi_lower_results_native(&cx, L->type, nc->res, flat, nflat, out, nout);
  }
  wp_cabi_error_t *fe = wp_cabi_cx_finish(&cx);
  if (!e && !t) e = fe;
  else wp_cabi_error_delete(fe);
  if (e && !t) t = rt_take_trap(s, e, L->F->name);
  else if (e) wp_cabi_error_delete(e);
  ncall_free(nc);
  return t;
}

/* Lowers a finished async call's outcome into the caller: the result
** through the caller's result pointer, and the subtask's new state. */
static void finish_async(rt_ncall *nc) {
  rt_subtask *st = nc->st;
  rt_lower *L = nc->L;
  rt_store *s = L->f->store;
  wasmplug_trap_t *t = outcome(nc, nc->status);
  if (!t && nc->status == WASMPLUG_OK && L->type->result) {
    wp_cabi_flat_t flat[1];
    size_t n = 0;
    wp_cabi_cx_refresh(&st->cx);
    wp_cabi_error_t *e = wp_cabi_lower_values(&st->cx, 1, &L->type->result, 0, true, nc->res, &st->retptr, flat, &n);
    if (e) t = rt_take_trap(s, e, L->F->name);
  }
  if (t && nc->status == WASMPLUG_CANCELLED && !nc->call.trapped) {
    wasmplug_trap_delete(t);
    t = NULL;
    st->state = RT_SUBTASK_CANCELLED_BEFORE_RETURNED;
  } else if (t) {
    wasmplug_trap_delete(rt_poison(s, t));
  } else {
    st->state = RT_SUBTASK_RETURNED;
  }
  st->cx.arena = NULL; /* the call's arena goes now; the lends stay until delivered */
  st->native = NULL;
  if (st->in_table) st->w.pending = rt_subtask_deliver;
}

wasmplug_trap_t *rt_native_lower_async(rt_lower *L, rt_subtask *st, wasmplug_val_raw_t *raw) {
  rt_store *s = L->f->store;
  rt_ncall *nc = ncall_new(L);
  if (!nc) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  nc->st = st;
  st->native = nc;
  st->cx.arena = nc->arena;
  st->cx.native_handles = nc->in->handles;
  /* on_start at once: a native callee has no backpressure */
  st->state = RT_SUBTASK_STARTED;
  wp_cabi_error_t *e = wp_cabi_lift_values(&st->cx, L->type->nparams, L->type->params, WP_CABI_MAX_FLAT_ASYNC_PARAMS,
                                           st->args, st->nargs, true, nc->args);
  if (e) {
    st->native = NULL;
    st->cx.arena = NULL;
    ncall_free(nc);
    return rt_take_trap(s, e, L->F->name);
  }
  int rc = nc->fn.fn(nc->fn.state, &nc->call, nc->args, nc->res);
  if (rc != WASMPLUG_PENDING || nc->done) {
    if (!nc->done) {
      nc->done = true;
      nc->status = rc;
    }
    finish_async(nc);
    ncall_free(nc);
    if (s->poison) return rt_poisoned(s);
    if (st->state == RT_SUBTASK_CANCELLED_BEFORE_RETURNED) {
      /* cancelled before anyone could ask: report it as a subtask event */
      raw[0].i32 = st->state;
      return NULL;
    }
    raw[0].i32 = RT_SUBTASK_RETURNED;
    return NULL;
  }
  nc->pending = true;
  raw[0].i32 = RT_SUBTASK_STARTED; /* rt_lower_async puts it in the table */
  return NULL;
}

static void rt_native_call_complete(struct wasmplug_plugin_call *call, int status) {
  rt_ncall *nc = call ? call->async : NULL;
  if (!nc || nc->done) return; /* not an async call, or completed twice */
  nc->done = true;
  nc->status = status;
  if (!nc->pending) return; /* inside the function: its caller finishes it */
  if (nc->sync) return;     /* the waiting thread finishes it */
  if (nc->st) finish_async(nc);
  ncall_free(nc);
}

void rt_native_cancel(rt_ncall *nc) {
  if (nc->fn.cancel && !nc->done) nc->fn.cancel(nc->fn.state, &nc->call);
}

void rt_native_orphan(rt_ncall *nc) { nc->st = NULL; }

static struct wasmplug_plugin_instance *rt_native_call_instance(struct wasmplug_plugin_call *call) {
  rt_ncall *nc = call ? call->async : NULL;
  return nc ? nc->in : NULL;
}

/* ------------------------------------------------------------ streams and futures */

/* The index-th stream or future type in ty, depth-first (see plugin.h). */
static const wp_cabi_type_t *nth_async(const wp_cabi_type_t *ty, uint32_t *index) {
  if (!ty) return NULL;
  if (ty->kind == WP_CABI_STREAM || ty->kind == WP_CABI_FUTURE) {
    if ((*index)-- == 0) return ty;
    return nth_async(ty->elem, index);
  }
  const wp_cabi_type_t *r = NULL;
  switch (ty->kind) {
  case WP_CABI_RECORD: case WP_CABI_TUPLE: case WP_CABI_VARIANT:
    for (uint32_t i = 0; i < ty->nfields && !r; i++) r = nth_async(ty->fields[i].type, index);
    return r;
  case WP_CABI_RESULT:
    if ((r = nth_async(ty->elem, index))) return r;
    return nth_async(ty->err, index);
  default: return ty->elem && ty->kind != WP_CABI_OWN && ty->kind != WP_CABI_BORROW ? nth_async(ty->elem, index)
                                                                                    : NULL;
  }
}

static int rt_native_stream_new(struct wasmplug_plugin_call *call, uint32_t which, uint32_t *readable, uint32_t *writable) {
  rt_ncall *nc = call ? call->async : NULL;
  if (!nc) return -1;
  const wp_cabi_func_t *f = nc->L->type;
  const wp_cabi_type_t *t = NULL;
  uint32_t k = which;
  for (size_t i = 0; i < f->nparams && !t; i++) t = nth_async(f->params[i], &k);
  if (!t) t = nth_async(f->result, &k);
  if (!t) return -1;
  wp_cabi_end_t *r, *w;
  wp_cabi_error_t *e = wp_cabi_stream_new(t->elem, t->kind == WP_CABI_FUTURE, &r, &w);
  if (e) {
    wp_cabi_error_delete(e);
    return -1;
  }
  if ((e = wp_cabi_async_put_end(nc->in->handles, true, r, readable))) {
    wp_cabi_end_free(r);
    wp_cabi_end_free(w);
    wp_cabi_error_delete(e);
    return -1;
  }
  if ((e = wp_cabi_async_put_end(nc->in->handles, true, w, writable))) {
    wp_cabi_end_free(w);
    wp_cabi_error_delete(e);
    return -1;
  }
  return 0;
}

static void deliver_copy(void *arg) {
  host_copy *c = arg;
  c->queued = false;
  wp_cabi_end_t *e = c->end;
  if (!wp_cabi_waitable_has_event(&e->w) || !c->done) return;
  wp_cabi_event_t ev;
  wp_cabi_waitable_take_event(&e->w, &ev);
  bool future = ev.code == WP_CABI_EVENT_FUTURE_READ || ev.code == WP_CABI_EVENT_FUTURE_WRITE;
  int result = future ? (int)ev.p2 : (int)(ev.p2 & 0xf);
  uint32_t count = future ? (ev.p2 == WP_CABI_COPY_COMPLETED) : ev.p2 >> 4;
  wasmplug_copy_done_fn done = c->done;
  c->done = NULL;
  done(c->arg, result, count);
}

/* Called from inside a copy whenever an event becomes pending on a
** host-held end: only queue the plugin's callback. */
static void host_notify(void *ctx, wp_cabi_end_t *e) {
  (void)e;
  host_copy *c = ctx;
  if (c->queued) return;
  rt_sched *S = rt_sched_get();
  rt_reactor *r = S ? rt_reactor_get(S) : NULL;
  if (r && !rt_reactor_defer(r, c, deliver_copy, c)) c->queued = true;
}

static wp_cabi_end_t *host_end(struct wasmplug_plugin_instance *in, uint32_t end) {
  wp_cabi_obj_t *o;
  wp_cabi_error_t *e = wp_cabi_handles_get_obj(in->handles, end, 0, "stream", &o);
  if (e) {
    wp_cabi_error_delete(e);
    return NULL;
  }
  if (o->kind < WP_CABI_OBJ_STREAM_READABLE || o->kind > WP_CABI_OBJ_FUTURE_WRITABLE) return NULL;
  return (wp_cabi_end_t *)o;
}

static host_copy *copy_of(struct wasmplug_plugin_instance *in, wp_cabi_end_t *e) {
  for (host_copy *c = in->copies; c; c = c->next)
    if (c->end == e) return c;
  host_copy *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->in = in;
  c->end = e;
  c->next = in->copies;
  in->copies = c;
  return c;
}

static int rt_native_stream_copy(struct wasmplug_plugin_instance *in, uint32_t end, bool write, void *buf, uint32_t n,
                          wasmplug_copy_done_fn done, void *arg) {
  wp_cabi_end_t *e = in ? host_end(in, end) : NULL;
  if (!e || !done) return -1;
  bool writable = e->w.obj.kind == WP_CABI_OBJ_STREAM_WRITABLE || e->w.obj.kind == WP_CABI_OBJ_FUTURE_WRITABLE;
  bool future = e->w.obj.kind == WP_CABI_OBJ_FUTURE_READABLE || e->w.obj.kind == WP_CABI_OBJ_FUTURE_WRITABLE;
  if (writable != write || e->state != WP_CABI_COPY_IDLE || (future && n != 1) || (!buf && n && wp_cabi_end_elem(e)))
    return -1;
  host_copy *c = copy_of(in, e);
  if (!c) return -1;
  if (!write) {
    /* what the previous read gave out goes now */
    wp_cabi_arena_delete(c->arena);
    c->arena = NULL;
    const wp_cabi_type_t *t = wp_cabi_end_elem(e);
    if (t && !t->plain && !(c->arena = wp_cabi_arena_new(budget(in->s)))) return -1;
  }
  c->done = done;
  c->arg = arg;
  e->notify = host_notify;
  e->notify_ctx = c;
  wp_cabi_buffer_host(&e->buf, wp_cabi_end_elem(e), buf, n, c->arena, in->handles);
  wp_cabi_error_t *err = wp_cabi_end_copy(e);
  if (err) {
    /* the guest on the other side gave values that do not lift */
    wasmplug_trap_delete(rt_poison(in->s, rt_trap_from_cabi(err, "stream copy")));
  }
  return 0;
}

static int rt_native_stream_cancel(struct wasmplug_plugin_instance *in, uint32_t end) {
  wp_cabi_end_t *e = in ? host_end(in, end) : NULL;
  if (!e || e->state != WP_CABI_COPY_COPYING) return -1;
  wp_cabi_end_cancel(e);
  return 0;
}

static int rt_native_stream_drop(struct wasmplug_plugin_instance *in, uint32_t end) {
  wp_cabi_end_t *e = in ? host_end(in, end) : NULL;
  if (!e) return -1;
  wp_cabi_error_t *err = wp_cabi_end_drop_check(e);
  if (err) {
    wp_cabi_error_delete(err);
    return -1;
  }
  wp_cabi_obj_t *o;
  wp_cabi_handles_remove_obj(in->handles, end, 0, "stream", &o);
  for (host_copy **p = &in->copies; *p; p = &(*p)->next)
    if ((*p)->end == e) {
      host_copy *c = *p;
      *p = c->next;
      rt_sched *S = rt_sched_get();
      rt_reactor_forget(S ? S->reactor : NULL, c); /* a queued callback of a copy that is over */
      wp_cabi_arena_delete(c->arena);
      free(c);
      break;
    }
  e->notify = NULL;
  wp_cabi_end_free(e);
  return 0;
}

/* ------------------------------------------------------------ error contexts */

static uint32_t rt_native_errctx_new(struct wasmplug_plugin_instance *in, const char *msg, size_t len) {
  if (!in) return 0;
  wp_cabi_errctx_t *ec = wp_cabi_errctx_new(msg ? msg : "", msg ? len : 0);
  uint32_t h = 0;
  if (!ec) return 0;
  wp_cabi_error_t *e = wp_cabi_handles_add_obj(in->handles, &ec->obj, &h);
  if (e) {
    wp_cabi_error_delete(e);
    wp_cabi_errctx_unref(ec);
    return 0;
  }
  return h;
}

static const char *rt_native_errctx_message(struct wasmplug_plugin_instance *in, uint32_t h, size_t *len) {
  wp_cabi_obj_t *o;
  wp_cabi_error_t *e = in ? wp_cabi_handles_get_obj(in->handles, h, WP_CABI_OBJ_ERROR_CONTEXT, "error-context", &o)
                          : NULL;
  if (!in || e) {
    wp_cabi_error_delete(e);
    if (len) *len = 0;
    return NULL;
  }
  wp_cabi_errctx_t *ec = (wp_cabi_errctx_t *)o;
  if (len) *len = ec->len;
  return ec->msg;
}

static void rt_native_errctx_drop(struct wasmplug_plugin_instance *in, uint32_t h) {
  wp_cabi_obj_t *o;
  wp_cabi_error_t *e = in ? wp_cabi_handles_remove_obj(in->handles, h, WP_CABI_OBJ_ERROR_CONTEXT, "error-context", &o)
                          : NULL;
  if (in && !e) wp_cabi_errctx_unref((wp_cabi_errctx_t *)o);
  wp_cabi_error_delete(e);
}

/* ------------------------------------------------------------ events */

static rt_reactor *reactor(void) {
  rt_sched *S = rt_sched_get();
  return S ? rt_reactor_get(S) : NULL;
}

static uint64_t rt_native_watch_fd(struct wasmplug_plugin_instance *in, int fd, int events,
                            void (*cb)(void *arg, int revents), void *arg) {
  rt_reactor *r = reactor();
  return in && r ? rt_reactor_watch_fd(r, in, fd, events, cb, arg) : 0;
}

static uint64_t rt_native_watch_time(struct wasmplug_plugin_instance *in, uint64_t deadline_ns, void (*cb)(void *arg),
                              void *arg) {
  rt_reactor *r = reactor();
  return in && r ? rt_reactor_watch_time(r, in, deadline_ns, cb, arg) : 0;
}

static void rt_native_unwatch(struct wasmplug_plugin_instance *in, uint64_t id) {
  rt_reactor *r = reactor();
  if (in && r) rt_reactor_unwatch(r, id);
}

static struct wasmplug_plugin_waker *rt_native_waker_new(struct wasmplug_plugin_instance *in, void (*cb)(void *arg),
                                                  void *arg) {
  rt_reactor *r = reactor();
  if (!in || !r) return NULL;
  struct wasmplug_plugin_waker *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  if (!(w->w = rt_reactor_waker_new(r, in, cb, arg))) {
    free(w);
    return NULL;
  }
  w->base.ops = &rt_native_ops;
  return w;
}

static void rt_native_wake(struct wasmplug_plugin_waker *w) {
  if (w) rt_reactor_wake(w->w);
}

static void rt_native_waker_delete(struct wasmplug_plugin_waker *w) {
  if (!w) return;
  rt_reactor_waker_delete(w->w);
  free(w);
}

const wp_native_async_ops_t rt_native_ops = {
    rt_native_call_instance, rt_native_call_complete, rt_native_stream_new, rt_native_stream_copy,
    rt_native_stream_cancel, rt_native_stream_drop, rt_native_errctx_new, rt_native_errctx_message,
    rt_native_errctx_drop, rt_native_watch_fd, rt_native_watch_time, rt_native_unwatch,
    rt_native_waker_new, rt_native_wake, rt_native_waker_delete,
};
