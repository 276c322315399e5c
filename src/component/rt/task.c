/*
** rt/task.c — tasks and `canon lift` (CanonicalABI.md "Tasks", "canon
** lift", Store.lift/invoke): the implicit thread of every call into a
** component, backpressure and the exclusive lock, the stackful and the
** stackless (callback) async ABI, task.return/task.cancel/cancellation,
** and calls made by the host (rt_func_call, which waits for async ones).
*/
#include "component/rt/async.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXP 64

enum { CB_EXIT = 0, CB_YIELD = 1, CB_WAIT = 2, CB_MAX = 2 };



/* ------------------------------------------------------------ tasks */

void rt_task_free_if_done(rt_task *t) {
  if (!t->heap || t->nthreads) return;
  if (t->state != RT_TASK_RESOLVED) {
    /* no thread left to resolve it: its store trapped or is going away */
    if (t->caller->task_ref && *t->caller->task_ref == t) *t->caller->task_ref = NULL;
  }
  wp_cabi_error_delete(wp_cabi_cx_finish(&t->cx));
  free(t);
}

bool rt_task_deliver_pending_cancel(rt_task *t, bool cancellable) {
  if (cancellable && t->state == RT_TASK_PENDING_CANCEL) {
    t->state = RT_TASK_CANCEL_DELIVERED;
    return true;
  }
  return false;
}

wasmplug_trap_t *rt_task_return(rt_task *t, wp_cabi_val_t *result) {
  if (t->state == RT_TASK_RESOLVED) return wasmplug_trap_new(WASMPLUG_TRAP_CANON, "task.return called more than once");
  if (t->cx.num_borrows)
    return wasmplug_trap_new(WASMPLUG_TRAP_CANON, "borrow handles still remain at the end of the call");
  t->state = RT_TASK_RESOLVED;
  wp_cabi_error_t *e = t->caller->on_resolve(t->caller, result, false);
  return e ? rt_take_trap(t->F->owner->store, e, "returning the result") : NULL;
}

wasmplug_trap_t *rt_task_cancel(rt_task *t) {
  if (t->state != RT_TASK_CANCEL_DELIVERED)
    return wasmplug_trap_new(WASMPLUG_TRAP_CANON, "task.cancel called without a delivered cancellation");
  if (t->cx.num_borrows)
    return wasmplug_trap_new(WASMPLUG_TRAP_CANON, "borrow handles still remain at the end of the call");
  t->state = RT_TASK_RESOLVED;
  wp_cabi_error_t *e = t->caller->on_resolve(t->caller, NULL, true);
  return e ? rt_take_trap(t->F->owner->store, e, "cancelling") : NULL;
}

void rt_task_request_cancel(rt_task *t, rt_frame *caller) {
  rt_frame *inst = t->F->owner;
  if (t->state == RT_TASK_INITIAL) {
    /* still waiting to enter (backpressure): cancelled before it starts */
    t->state = RT_TASK_CANCEL_DELIVERED;
    rt_thread_resume(t->implicit, true);
    return;
  }
  rt_thread *c = NULL;
  for (rt_thread *th = t->threads; th && !c; th = th->next_in_task) {
    if (!th->in_waiting || !th->cancellable) continue;
    if (th == t->implicit && t->needs_exclusive && inst->exclusive && inst->exclusive != t->implicit) continue;
    c = th;
  }
  if (c && rt_may_enter(inst, caller)) {
    t->state = RT_TASK_CANCEL_DELIVERED;
    rt_enter(inst, caller);
    rt_thread_resume(c, true);
    rt_leave(inst, caller);
  } else {
    t->state = RT_TASK_PENDING_CANCEL;
  }
}

/* Task.enter_implicit_thread: backpressure and the exclusive lock. */
static bool enter_implicit(rt_task *t, rt_thread *th) {
  rt_frame *inst = t->F->owner;
  if (t->F->is_async) {
    bool bp = inst->backpressure > 0 || (t->needs_exclusive && inst->exclusive);
    if (bp || inst->num_waiting_to_enter > 0) {
      inst->num_waiting_to_enter++;
      int r = rt_thread_wait(th, RT_WAIT_ENTER, NULL, true);
      inst->num_waiting_to_enter--;
      if (r < 0) return false;
      if (r == 1) {
        wasmplug_trap_t *trap = rt_task_cancel(t);
        if (trap) wasmplug_trap_delete(rt_poison(inst->store, trap));
        return false;
      }
    }
    if (t->needs_exclusive) inst->exclusive = th;
  }
  return true;
}

/* Task.exit_implicit_thread (+ unregister_thread's check). */
static wasmplug_trap_t *exit_implicit(rt_task *t, rt_thread *th) {
  rt_frame *inst = t->F->owner;
  if (t->F->is_async && t->needs_exclusive && inst->exclusive == th) inst->exclusive = NULL;
  if (t->state != RT_TASK_RESOLVED && t->nthreads <= 1)
    return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "`%s` finished without returning a value (task.return was not called)",
                 t->F->name);
  return NULL;
}

/* ------------------------------------------------------------ canon lift */

static wasmplug_trap_t *core(rt_func *F, rt_corefunc *cf, const wp_cabi_flat_t *p, size_t np, wp_cabi_flat_t *r,
                             size_t nr) {
  (void)F;
  return rt_core_call(cf, p, np, r, nr);
}

static wasmplug_trap_t *export_trap(rt_store *s, wp_cabi_error_t *e, const rt_func *F) {
  char where[300];
  snprintf(where, sizeof where, "in export `%s`", F->name);
  return rt_take_trap(s, e, where);
}

/* The thread function of canon_lift (its thread_func). */
static wasmplug_trap_t *lift_main(rt_thread *th) {
  rt_task *t = th->task;
  rt_func *F = t->F;
  rt_frame *inst = F->owner;
  rt_store *s = inst->store;
  if (th->aborted) return NULL;
  if (!enter_implicit(t, th)) return NULL;

  /* Task.start: the caller lifts the arguments, we lower them into the
  ** callee's memory (MAX_FLAT_PARAMS, realloc beyond). */
  size_t np = F->type->nparams;
  wp_cabi_val_t args[MAXP];
  wp_cabi_flat_t flat[WP_CABI_MAX_FLAT_PARAMS + 1];
  size_t nflat = 0;
  if (np > MAXP) return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "`%s` has too many parameters", F->name);
  t->state = RT_TASK_STARTED;
  memset(args, 0, sizeof args);
  wp_cabi_error_t *e = t->caller->on_start(t->caller, args);
  if (e) return rt_take_trap(s, e, "lifting the arguments");
  wp_cabi_cx_refresh(&t->cx);
  e = wp_cabi_lower_values(&t->cx, np, F->type->params, WP_CABI_MAX_FLAT_PARAMS, false, args, NULL, flat, &nflat);
  for (size_t i = 0; i < np; i++) wp_cabi_val_drop(&args[i]);
  if (e) return export_trap(s, e, F);

  wasmplug_trap_t *trap;
  if (!F->opts.is_async) {
    /* sync ABI: results come back from the core function */
    wp_cabi_core_sig_t sig;
    wp_cabi_func_flatten(F->type, WP_CABI_LIFT, &sig);
    wp_cabi_flat_t res[WP_CABI_MAX_FLAT_RESULTS];
    memset(res, 0, sizeof res);
    if ((trap = core(F, F->core, flat, nflat, res, sig.nresults))) return trap;
    wp_cabi_val_t result;
    if ((e = wp_cabi_lift_results(&t->cx, F->type, res, sig.nresults, &result))) return export_trap(s, e, F);
    if ((trap = rt_task_return(t, F->type->result ? &result : NULL))) {
      wp_cabi_val_drop(&result);
      return trap;
    }
    if (F->opts.post_return) {
      inst->no_leave++;
      e = wp_cabi_post_return(&t->cx, res, sig.nresults);
      inst->no_leave--;
      if (e) return export_trap(s, e, F);
    }
    return exit_implicit(t, th);
  }
  if (!F->opts.callback) {
    /* stackful: the core function runs to its end on this thread */
    if ((trap = core(F, F->core, flat, nflat, NULL, 0))) return trap;
    return exit_implicit(t, th);
  }
  /* stackless: the core function and then the callback return codes */
  wp_cabi_flat_t packed;
  if ((trap = core(F, F->core, flat, nflat, &packed, 1))) return trap;
  for (;;) {
    uint32_t code = packed.i32 & 0xf, si = packed.i32 >> 4;
    if (code > CB_MAX) {
      char msg[64];
      snprintf(msg, sizeof msg, "unsupported callback code: %u", code);
      return wasmplug_trap_new(WASMPLUG_TRAP_CANON, msg);
    }
    if (code == CB_EXIT) break;
    inst->exclusive = NULL;
    wp_cabi_event_t ev = {WP_CABI_EVENT_NONE, 0, 0};
    int r;
    if (code == CB_YIELD) {
      r = rt_thread_wait(th, RT_WAIT_NOT_EXCLUSIVE, NULL, true);
    } else {
      wp_cabi_obj_t *o;
      if ((e = wp_cabi_handles_get_obj(inst->handles, si, WP_CABI_OBJ_WAITABLE_SET, "callback WAIT", &o)))
        return rt_take_trap(s, e, NULL);
      wp_cabi_wset_t *ws = (wp_cabi_wset_t *)o;
      ws->num_waiting++;
      r = rt_thread_wait(th, RT_WAIT_WSET_EXCLUSIVE, ws, true);
      if (r == 0) wp_cabi_wset_take_event(ws, &ev);
      ws->num_waiting--;
    }
    if (r < 0) return NULL; /* poisoned or aborted: the trap is elsewhere */
    if (r == 1) ev.code = WP_CABI_EVENT_TASK_CANCELLED, ev.p1 = ev.p2 = 0;
    inst->exclusive = th;
    wp_cabi_flat_t cb[3];
    cb[0].i64 = cb[1].i64 = cb[2].i64 = 0;
    cb[0].i32 = ev.code;
    cb[1].i32 = ev.p1;
    cb[2].i32 = ev.p2;
    if ((trap = core(F, F->opts.callback, cb, 3, &packed, 1))) return trap;
  }
  return exit_implicit(t, th);
}

static void lift_thread(rt_thread *th) {
  rt_store *s = th->task->F->owner->store;
  wasmplug_trap_t *t = lift_main(th);
  if (t && !th->aborted) wasmplug_trap_delete(rt_poison(s, t));
  else wasmplug_trap_delete(t);
}

/* canon_lift: a new task and implicit thread; returns when the task
** resolved (sync-typed: always) or its thread blocked. */
static wasmplug_trap_t *canon_lift(rt_func *F, rt_caller *caller, rt_callee *callee) {
  rt_frame *inst = F->owner;
  rt_store *s = inst->store;
  rt_sched *S = rt_sched_get();
  if (!S) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  callee->task = NULL;
  if (!F->is_async) {
    /* sync-typed: the implicit thread runs right here (see rt/async.h) */
    rt_task task;
    rt_thread th;
    memset(&task, 0, sizeof task);
    memset(&th, 0, sizeof th);
    task.F = F;
    task.caller = caller;
    task.state = RT_TASK_INITIAL;
    task.implicit = &th;
    task.threads = &th;
    task.nthreads = 1;
    wp_cabi_cx_init(&task.cx, &F->guest, NULL);
    th.task = &task;
    rt_thread *prev = S->current;
    S->current = &th;
    wasmplug_trap_t *t = lift_main(&th);
    S->current = prev;
    if (th.index && th.index < inst->thread_len) inst->thread_tab[th.index] = NULL;
    wp_cabi_error_t *fe = wp_cabi_cx_finish(&task.cx);
    if (!t && fe) t = rt_trap_from_cabi(fe, F->name);
    else wp_cabi_error_delete(fe);
    if (!t && task.state != RT_TASK_RESOLVED)
      t = wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "`%s` finished without returning a value", F->name);
    /* A trap unwinds through every instance on the way (the spec's
    ** may_enter is never set back), so it poisons them: later calls into
    ** the store trap with "cannot enter component instance" (rt_invoke). */
    if (t) return rt_poison(s, t);
    return s->poison ? rt_poisoned(s) : NULL;
  }
  rt_task *task = rt_zalloc(sizeof *task);
  if (!task) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  task->heap = true;
  task->F = F;
  task->caller = caller;
  task->state = RT_TASK_INITIAL;
  task->needs_exclusive = !F->opts.is_async || F->opts.callback;
  wp_cabi_cx_init(&task->cx, &F->guest, NULL);
  rt_thread *th = rt_thread_new(task, lift_thread);
  if (!th) {
    free(task);
    return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  }
  task->implicit = th;
  callee->task = task; /* valid while the caller's call is unresolved */
  rt_thread_resume(th, false);
  return s->poison ? rt_poisoned(s) : NULL;
}

/* ------------------------------------------------------------ FuncInst */

/* The arguments of a call into the host side (a host function, an unknown
** import giving defaults), lifted and checked into args[MAXP]. */
static wasmplug_trap_t *host_args(rt_func *F, rt_caller *caller, wp_cabi_val_t *args, wp_cabi_val_t *result) {
  if (F->type->nparams > MAXP) return wasmplug_trap_newf(WASMPLUG_TRAP_HOST, "`%s` has too many parameters", F->name);
  memset(args, 0, MAXP * sizeof *args);
  memset(result, 0, sizeof *result);
  wp_cabi_error_t *e = caller->on_start(caller, args);
  return e ? rt_trap_from_cabi(e, "lifting the arguments") : NULL;
}

/* Hands the host side's result (checked) back to the caller. */
static wasmplug_trap_t *host_return(rt_func *F, rt_caller *caller, wp_cabi_val_t *result) {
  wp_cabi_error_t *e = caller->on_resolve(caller, F->type->result ? result : NULL, false);
  return e ? rt_trap_from_cabi(e, "returning the result") : NULL;
}

wasmplug_trap_t *rt_host_trap(const rt_func *F, wasmplug_trap_t *t) {
  int status;
  if (wasmplug_trap_exit_status(t, &status)) return t; /* an exit is no failure to name */
  /* "wasm trap: host error: WHY" -> "host function `F`: WHY" */
  wasmplug_trap_kind_t kind = wasmplug_trap_kind(t);
  char head[64], msg[900];
  const char *why = wasmplug_trap_message(t);
  snprintf(head, sizeof head, "wasm trap: %s: ", wasmplug_trap_kind_name(kind));
  if (!strncmp(why, head, strlen(head))) why += strlen(head);
  snprintf(msg, sizeof msg, "host function `%s`: %s", F->name, why);
  wasmplug_trap_delete(t);
  return wasmplug_trap_new(kind, msg);
}

wasmplug_trap_t *rt_invoke(rt_func *F, rt_caller *caller, rt_callee *callee) {
  callee->task = NULL;
  char what[300];
  switch (F->kind) {
  case RT_FUNC_LIFTED: {
    rt_frame *inst = F->owner;
    rt_store *s = inst->store;
    if (s->dead) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "the component instance was deleted");
    if (s->poison) return wasmplug_trap_newf(WASMPLUG_TRAP_CANON, "cannot enter component instance to call `%s`: it trapped earlier",
                                F->name);
    if (!F->guest.memory) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
    /* Store.lift: the Component Model forbids re-entering an instance
    ** (with its ancestors) unless it blocked. */
    if (!rt_may_enter(inst, caller->inst)) {
      snprintf(what, sizeof what, "cannot enter component instance to call `%s`: it is already running", F->name);
      return wasmplug_trap_new(WASMPLUG_TRAP_CANON, what);
    }
    rt_enter(inst, caller->inst);
    wasmplug_trap_t *t = canon_lift(F, caller, callee);
    rt_leave(inst, caller->inst);
    return t;
  }
  case RT_FUNC_HOST: {
    wp_cabi_val_t args[MAXP], result;
    size_t np = F->type->nparams;
    wasmplug_trap_t *t = host_args(F, caller, args, &result);
    if (t) return t;
    t = F->host->cb(F->host->env, args, np, F->type->result ? &result : NULL);
    for (size_t i = 0; i < np; i++) wp_cabi_val_drop(&args[i]);
    if (t) {
      wp_cabi_val_drop(&result);
      return rt_host_trap(F, t);
    }
    wp_cabi_error_t *e = NULL;
    if (F->type->result && (e = wp_cabi_val_check(F->type->result, &result))) wp_cabi_val_drop(&result);
    if (e) {
      char msg[900];
      snprintf(msg, sizeof msg, "host function `%s`: %s", F->name, wp_cabi_error_message(e));
      wp_cabi_error_delete(e);
      return wasmplug_trap_new(WASMPLUG_TRAP_HOST, msg);
    }
    return host_return(F, caller, &result);
  }
  case RT_FUNC_NATIVE:
    snprintf(what, sizeof what, "native host function `%s` can only be called by a guest (it was re-exported)",
             F->name);
    return wasmplug_trap_new(WASMPLUG_TRAP_HOST, what);
  default: {
    if (F->default_result) {
      /* --default-values-unknown-imports: the arguments are lifted (and
      ** checked) as for any call, the result is its type's default. */
      wp_cabi_val_t args[MAXP], result;
      size_t np = F->type->nparams;
      wasmplug_trap_t *t = host_args(F, caller, args, &result);
      if (t) return t;
      for (size_t i = 0; i < np; i++) wp_cabi_val_drop(&args[i]);
      wp_cabi_error_t *e = NULL;
      if (F->type->result && (e = wp_cabi_val_default(F->type->result, &result))) {
        snprintf(what, sizeof what, "unknown import `%s` was called and returns no default value: %s", F->name,
                 wp_cabi_error_message(e));
        wp_cabi_error_delete(e);
        return wasmplug_trap_new(WASMPLUG_TRAP_HOST, what);
      }
      return host_return(F, caller, &result);
    }
    snprintf(what, sizeof what, "unknown import `%s` was called", F->name);
    return wasmplug_trap_new(WASMPLUG_TRAP_HOST, what);
  }
  }
}

/* ------------------------------------------------------------ calls by the host */

typedef struct host_call {
  rt_caller c;
  const wp_cabi_val_t *args;
  size_t nargs;
  wp_cabi_val_t *result;
  bool has_result;
  bool done, cancelled;
} host_call;

static wp_cabi_error_t *host_start(rt_caller *c, wp_cabi_val_t *args) {
  host_call *h = (host_call *)c;
  for (size_t i = 0; i < h->nargs; i++) {
    wp_cabi_error_t *e = wp_cabi_val_clone(&h->args[i], &args[i]);
    if (e) {
      for (size_t j = 0; j < i; j++) wp_cabi_val_drop(&args[j]);
      return e;
    }
  }
  return NULL;
}

static wp_cabi_error_t *host_resolve(rt_caller *c, wp_cabi_val_t *result, bool cancelled) {
  host_call *h = (host_call *)c;
  if (result) {
    *h->result = *result;
    memset(result, 0, sizeof *result);
  }
  h->cancelled = cancelled;
  h->done = true;
  return NULL;
}

/* A host caller that went away: the callee's result is dropped. */
static wp_cabi_error_t *gone_start(rt_caller *c, wp_cabi_val_t *args) {
  (void)c;
  (void)args;
  return wp_cabi_error_new(WP_CABI_TRAP, "the host gave up on the call before it started");
}
static wp_cabi_error_t *gone_resolve(rt_caller *c, wp_cabi_val_t *result, bool cancelled) {
  (void)c;
  (void)cancelled;
  wp_cabi_val_drop(result);
  return NULL;
}
static rt_caller gone = {gone_start, gone_resolve, NULL, NULL};

static wasmplug_trap_t *call_from(rt_func *F, rt_frame *from, const wp_cabi_val_t *args, size_t nargs,
                                  wp_cabi_val_t *result);

typedef struct top_call {
  rt_func *F;
  rt_frame *from;
  const wp_cabi_val_t *args;
  size_t nargs;
  wp_cabi_val_t *result;
  wasmplug_trap_t *trap;
} top_call;

static void top_call_run(void *p) {
  top_call *c = p;
  c->trap = call_from(c->F, c->from, c->args, c->nargs, c->result);
}

/* A call from outside any task (the host), or from host code that a
** guest called (a value-tree host function calling another instance):
** the latter waits on the calling thread, the former runs the scheduler
** until the result is there.  The host's call is one guest call for the
** engine's time limit and the thread's interrupt handle, its waits in the
** scheduler included (an async export waiting for a day's timer or a
** silent stdin ends at its deadline, or when interrupted); inside a call
** of the host's own (wasmplug_engine_call_limited) it is part of that. */
wasmplug_trap_t *rt_func_call_from(rt_func *F, rt_frame *from, const wp_cabi_val_t *args, size_t nargs,
                                   wp_cabi_val_t *result) {
  rt_sched *S = rt_sched_get();
  const wasmplug_engine_t *engine = F->owner && F->owner->store ? F->owner->store->engine : NULL;
  if (!S || S->current || S->nesting || !engine) return call_from(F, from, args, nargs, result);
  top_call c = {F, from, args, nargs, result, NULL};
  wasmplug_trap_t *t = wasmplug_engine_call_limited(engine, top_call_run, &c);
  if (t) { /* (host code is never unwound: not expected) */
    wasmplug_trap_delete(c.trap);
    return t;
  }
  return c.trap;
}

static wasmplug_trap_t *call_from(rt_func *F, rt_frame *from, const wp_cabi_val_t *args, size_t nargs,
                                  wp_cabi_val_t *result) {
  memset(result, 0, sizeof *result);
  if (nargs != F->type->nparams) {
    char what[300];
    snprintf(what, sizeof what, "function `%s` takes %zu argument(s), %zu given", F->name, F->type->nparams, nargs);
    return wasmplug_trap_new(WASMPLUG_TRAP_HOST, what);
  }
  rt_sched *S = rt_sched_get();
  if (!S) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  host_call h;
  memset(&h, 0, sizeof h);
  h.c.on_start = host_start;
  h.c.on_resolve = host_resolve;
  h.args = args;
  h.nargs = nargs;
  h.result = result;
  rt_callee callee = {NULL};
  rt_thread *cur = S->current;
  h.c.inst = from;
  h.c.task_ref = &callee.task;
  S->nesting++;
  wasmplug_trap_t *t = rt_invoke(F, &h.c, &callee);
  S->nesting--;
  if (!t && !h.done) {
    rt_store *s = F->owner->store;
    if (cur) {
      /* a synchronous call from inside a task: that task's thread waits */
      int r = rt_thread_wait(cur, RT_WAIT_FLAG, &h.done, false);
      if (r < 0) t = rt_poisoned(cur->task->F->owner->store);
      if (!t && r < 0) t = wasmplug_trap_new(WASMPLUG_TRAP_CANON, "the call was aborted");
    } else {
      t = rt_sched_run_until(s, &h.done);
    }
  }
  if (t) {
    /* h lives on this stack: a callee left unresolved (its store trapped,
    ** or this thread was aborted) must not resolve into it later */
    if (!h.done && callee.task) callee.task->caller = &gone;
    wp_cabi_val_drop(result);
    return t;
  }
  if (h.cancelled) return wasmplug_trap_newf(WASMPLUG_TRAP_HOST, "`%s` was cancelled", F->name);
  return NULL;
}

wasmplug_trap_t *rt_func_call(rt_func *F, const wp_cabi_val_t *args, size_t nargs, wp_cabi_val_t *result) {
  return rt_func_call_from(F, NULL, args, nargs, result);
}

/* ------------------------------------------------------------ async calls from C */

struct wasmplug_component_call {
  host_call h;
  rt_func *F;
  rt_callee callee;
  wp_cabi_val_t *args;
  wp_cabi_val_t result;
  wasmplug_trap_t *trap;
};


wasmplug_trap_t *wasmplug_component_call_start(wasmplug_component_func_t *func, const wasmplug_cval_t *args,
                                               size_t nargs, wasmplug_component_call_t **out) {
  rt_func *F = (rt_func *)func;
  *out = NULL;
  if (nargs != F->type->nparams) {
    char msg[300];
    snprintf(msg, sizeof msg, "`%s` takes %zu argument(s), %zu given", F->name, F->type->nparams, nargs);
    return wasmplug_trap_new(WASMPLUG_TRAP_HOST, msg);
  }
  rt_sched *S = rt_sched_get();
  struct wasmplug_component_call *c = rt_zalloc(sizeof *c);
  if (c) c->args = rt_zalloc((nargs + 1) * sizeof *c->args);
  if (!S || !c || !c->args) {
    if (c) free(c->args);
    free(c);
    return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  }
  for (size_t i = 0; i < nargs; i++) {
    wp_cabi_error_t *e = wp_cabi_val_check(F->type->params[i], &args[i]);
    if (!e) e = wp_cabi_val_clone(&args[i], &c->args[i]);
    if (e) {
      char msg[700];
      snprintf(msg, sizeof msg, "`%s` argument %zu: %s", F->name, i + 1, wp_cabi_error_message(e));
      wp_cabi_error_delete(e);
      for (size_t j = 0; j < i; j++) wp_cabi_val_drop(&c->args[j]);
      free(c->args);
      free(c);
      return wasmplug_trap_new(WASMPLUG_TRAP_HOST, msg);
    }
  }
  c->F = F;
  c->h.c.on_start = host_start;
  c->h.c.on_resolve = host_resolve;
  c->h.c.task_ref = &c->callee.task;
  c->h.args = c->args;
  c->h.nargs = nargs;
  c->h.result = &c->result;
  S->nesting++;
  wasmplug_trap_t *t = rt_invoke(F, &c->h.c, &c->callee);
  S->nesting--;
  if (t) {
    wasmplug_component_call_delete(c);
    return t;
  }
  *out = c;
  return NULL;
}

bool wasmplug_component_call_done(const wasmplug_component_call_t *c) {
  return c->h.done || c->trap || (c->F->kind == RT_FUNC_LIFTED && c->F->owner->store->poison);
}

bool wasmplug_component_poll(void) {
  rt_sched *S = rt_sched_get();
  if (!S || S->current || S->nesting) return false;
  bool ran = rt_reactor_poll(S->reactor, false);
  /* one round of the ready threads */
  size_t n = S->nwaiting;
  for (size_t i = 0; i < n && S->nwaiting; i++) {
    rt_thread *t = NULL;
    for (size_t k = 0; k < S->nwaiting && !t; k++)
      if (rt_thread_ready(S->waiting[k]) && !S->waiting[k]->task->F->owner->store->poison &&
          rt_may_enter(S->waiting[k]->task->F->owner, NULL))
        t = S->waiting[k];
    if (!t) break;
    rt_frame *inst = t->task->F->owner;
    S->nesting++;
    rt_enter(inst, NULL);
    rt_thread_resume(t, false);
    rt_leave(inst, NULL);
    S->nesting--;
    ran = true;
  }
  return ran;
}

wasmplug_trap_t *wasmplug_component_call_wait(wasmplug_component_call_t *c, wasmplug_cval_t *result) {
  if (result) memset(result, 0, sizeof *result);
  if (!c->trap && !c->h.done) {
    rt_store *s = c->F->kind == RT_FUNC_LIFTED ? c->F->owner->store : NULL;
    if (s) c->trap = rt_sched_run_until(s, &c->h.done);
  }
  if (c->trap) {
    wasmplug_trap_t *t = c->trap;
    c->trap = NULL;
    /* The task was not resolved (its store trapped: a time limit, an
    ** interrupt) and may outlive the call, until the instance goes and
    ** its threads are aborted: it must not point back at the call, which
    ** the caller may delete first (wasmplug serve's 0.3 path did, and
    ** the abort read the freed call). */
    if (!c->h.done && c->callee.task && c->callee.task->caller == &c->h.c) c->callee.task->caller = &gone;
    c->h.done = true;
    return t;
  }
  if (c->h.cancelled) return wasmplug_trap_newf(WASMPLUG_TRAP_HOST, "`%s` was cancelled", c->F->name);
  if (result) {
    *result = c->result;
    memset(&c->result, 0, sizeof c->result);
  }
  return NULL;
}

void wasmplug_component_call_cancel(wasmplug_component_call_t *c) {
  if (!c->h.done && c->callee.task) rt_task_request_cancel(c->callee.task, NULL);
}

void wasmplug_component_call_delete(wasmplug_component_call_t *c) {
  if (!c) return;
  if (!c->h.done && c->callee.task && c->callee.task->caller == &c->h.c) {
    c->callee.task->caller = &gone;
    if (c->callee.task->state == RT_TASK_INITIAL) rt_task_request_cancel(c->callee.task, NULL);
  }
  for (size_t i = 0; i < c->h.nargs; i++) wp_cabi_val_drop(&c->args[i]);
  free(c->args);
  wp_cabi_val_drop(&c->result);
  wasmplug_trap_delete(c->trap);
  free(c);
}
