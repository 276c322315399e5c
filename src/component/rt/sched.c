/*
** rt/sched.c — threads and the scheduler (CanonicalABI.md "Stack
** Switching", "Threads", "Embedding": Thread.resume/wait_until,
** Store.waiting and Store.tick; ComponentInstance.may_enter_from,
** enter_from and leave_to).  See rt/async.h for the model.
**
** A thread with a fiber blocks by suspending it; whoever resumed it goes
** on.  A waiting thread sits in the scheduler's list with its readiness
** condition (rt_wait + object) and the scheduler resumes one that is ready
** each tick.  Readiness is polled, as the reference's ready_func is: the
** lists stay short (threads that wait), and every condition is O(1) or
** O(members of one waitable set).
*/
#include "component/rt/async.h"
#include "wasmplug/clock.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ the scheduler */

/* One per OS thread (see rt/async.h); freed when the thread exits. */
static pthread_once_t sched_once = PTHREAD_ONCE_INIT;
static pthread_key_t sched_key;
_Thread_local rt_sched *rt_tls_sched __attribute__((tls_model("initial-exec")));
#define tls_sched rt_tls_sched

static void sched_free(void *p) {
  rt_sched *S = p;
  rt_reactor_free(S->reactor);
  free(S->waiting);
  free(S);
}

static void sched_key_init(void) { pthread_key_create(&sched_key, sched_free); }

rt_sched *rt_sched_make(void) {
  if (tls_sched) return tls_sched;
  pthread_once(&sched_once, sched_key_init);
  tls_sched = calloc(1, sizeof *tls_sched);
  if (tls_sched) pthread_setspecific(sched_key, tls_sched);
  return tls_sched;
}

rt_thread *rt_current(void) { return tls_sched ? tls_sched->current : NULL; }

static int start_waiting(rt_sched *S, rt_thread *t) {
  if (S->nwaiting == S->capwaiting) {
    size_t ncap = S->capwaiting ? S->capwaiting * 2 : 16;
    rt_thread **n = realloc(S->waiting, ncap * sizeof *n);
    if (!n) return -1;
    S->waiting = n;
    S->capwaiting = ncap;
  }
  S->waiting[S->nwaiting++] = t;
  t->in_waiting = true;
  return 0;
}

static void stop_waiting(rt_sched *S, rt_thread *t) {
  for (size_t i = 0; i < S->nwaiting; i++)
    if (S->waiting[i] == t) {
      /* keep the order: threads are served first come, first served */
      memmove(&S->waiting[i], &S->waiting[i + 1], (S->nwaiting - i - 1) * sizeof *S->waiting);
      S->nwaiting--;
      if (S->next > i) S->next--;
      break;
    }
  t->in_waiting = false;
}

/* ------------------------------------------------------------ poison */

wasmplug_trap_t *rt_poison(rt_store *s, wasmplug_trap_t *t) {
  if (s->poison) {
    wasmplug_trap_delete(t);
    return wasmplug_trap_copy(s->poison);
  }
  s->poison = t ? t : wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  /* The reference has one store for everything that calls each other; an
  ** instance linked to another top-level instance (a wasm plugin's, an
  ** embedder's define_func_ref) has a store of its own.  A caller in
  ** another store waiting for one of this store's tasks would wait
  ** forever: the trap ends its store too. */
  for (size_t i = 0; i < s->nthreads; i++) {
    rt_task *task = s->threads[i]->task; /* resolved: its caller no longer waits (and may be gone) */
    rt_frame *from = task && task->state != RT_TASK_RESOLVED && task->caller ? task->caller->inst : NULL;
    if (from && from->store != s && !from->store->poison)
      wasmplug_trap_delete(rt_poison(from->store, wasmplug_trap_copy(s->poison)));
  }
  return wasmplug_trap_copy(s->poison);
}

wasmplug_trap_t *rt_poisoned(rt_store *s) { return s->poison ? wasmplug_trap_copy(s->poison) : NULL; }

/* ------------------------------------------------------------ instances */

/* may_enter, enter, leave: inline in rt/async.h */

/* ------------------------------------------------------------ threads */

static void fiber_main(void *arg) {
  rt_thread *t = arg;
  t->main(t);
  t->finished = true;
}

rt_thread *rt_thread_new(rt_task *task, void (*main)(rt_thread *t)) {
  rt_store *s = task->F->owner->store;
  rt_thread *t = rt_zalloc(sizeof *t);
  if (!t) return NULL;
  if (s->nthreads == s->capthreads) {
    size_t ncap = s->capthreads ? s->capthreads * 2 : 16;
    rt_thread **n = realloc(s->threads, ncap * sizeof *n);
    if (!n) {
      free(t);
      return NULL;
    }
    s->threads = n;
    s->capthreads = ncap;
  }
  if (!(t->fiber = wasmplug_fiber_new(0, fiber_main, t))) {
    free(t);
    return NULL;
  }
  t->task = task;
  t->main = main;
  t->next_in_task = task->threads;
  task->threads = t;
  task->nthreads++;
  s->threads[s->nthreads++] = t;
  return t;
}

void rt_task_free_if_done(rt_task *task);

void rt_thread_free(rt_thread *t) {
  rt_task *task = t->task;
  rt_frame *inst = task->F->owner;
  rt_store *s = inst->store;
  rt_sched *S = rt_sched_get();
  if (t->in_waiting && S) stop_waiting(S, t);
  for (rt_thread **p = &task->threads; *p; p = &(*p)->next_in_task)
    if (*p == t) {
      *p = t->next_in_task;
      task->nthreads--;
      break;
    }
  for (size_t i = 0; i < s->nthreads; i++)
    if (s->threads[i] == t) {
      s->threads[i] = s->threads[--s->nthreads];
      break;
    }
  if (t->index && t->index < inst->thread_len) inst->thread_tab[t->index] = NULL;
  if (inst->exclusive == t) inst->exclusive = NULL;
  wasmplug_fiber_delete(t->fiber);
  free(t);
  rt_task_free_if_done(task);
}

static bool cond(const rt_thread *t) {
  rt_frame *inst = t->task->F->owner;
  switch (t->wait) {
  case RT_WAIT_NONE: return false;
  case RT_WAIT_READY: return true;
  case RT_WAIT_NOT_EXCLUSIVE: return !inst->exclusive;
  case RT_WAIT_WSET: return wp_cabi_wset_has_event(t->wait_on);
  case RT_WAIT_WSET_EXCLUSIVE: return !inst->exclusive && wp_cabi_wset_has_event(t->wait_on);
  case RT_WAIT_WAITABLE: return wp_cabi_waitable_has_event(t->wait_on);
  case RT_WAIT_SUBTASK: {
    const rt_subtask_state *st = t->wait_on; /* the subtask's first field */
    return *st >= RT_SUBTASK_RETURNED;
  }
  case RT_WAIT_ENTER:
    return !(inst->backpressure > 0 || (t->task->needs_exclusive && inst->exclusive != NULL));
  case RT_WAIT_FLAG: return *(const bool *)t->wait_on;
  }
  return false;
}

bool rt_thread_ready(const rt_thread *t) { return t->in_waiting && cond(t); }

void rt_thread_resume(rt_thread *t, bool cancelled) {
  rt_sched *S = rt_sched_get();
  if (t->in_waiting) stop_waiting(S, t);
  while (t) {
    t->cancelled = cancelled;
    t->wait = RT_WAIT_NONE;
    rt_thread *prev = S->current;
    S->current = t;
    bool done = wasmplug_fiber_resume(t->fiber);
    S->current = prev;
    rt_thread *next = t->switch_to;
    t->switch_to = NULL;
    if (done) rt_thread_free(t);
    t = next;
    cancelled = false;
  }
}

/* A thread on its caller's stack (a sync-typed task) cannot suspend: it
** runs the ready threads of its own instance until its condition holds,
** as the reference's canon_lift loop does, and traps when none is ready. */
static int wait_inline(rt_thread *t) {
  rt_sched *S = rt_sched_get();
  rt_frame *inst = t->task->F->owner;
  rt_store *s = inst->store;
  for (;;) {
    if (s->poison) return -1;
    if (cond(t)) return 0;
    rt_thread *c = NULL;
    for (size_t i = 0; i < S->nwaiting && !c; i++) {
      rt_thread *w = S->waiting[i];
      if (w->task->F->owner == inst && w != inst->exclusive && cond(w)) c = w;
    }
    /* a host function the task called synchronously may complete through
    ** the host's events: the host, not a guest, decides what blocks */
    if (!c && t->wait == RT_WAIT_FLAG && (rt_reactor_run_deferred(S->reactor) || rt_reactor_poll(S->reactor, true)))
      continue;
    if (!c) {
      wasmplug_trap_delete(
          rt_poison(s, wasmplug_trap_new(WASMPLUG_TRAP_CANON, "cannot block a synchronous task before returning")));
      return -1;
    }
    rt_thread_resume(c, false);
  }
}

int rt_thread_wait(rt_thread *t, rt_wait wait, const void *on, bool cancellable) {
  rt_store *s = t->task->F->owner->store;
  if (t->aborted || s->poison) return -1;
  if (rt_task_deliver_pending_cancel(t->task, cancellable)) return 1;
  t->wait = wait;
  t->wait_on = on;
  t->cancellable = cancellable;
  if (!t->fiber) {
    int r = wait_inline(t);
    t->wait = RT_WAIT_NONE;
    return r;
  }
  /* Already ready: go on at once, except when yielding (a yield is for
  ** letting the others run). */
  if (wait != RT_WAIT_READY && wait != RT_WAIT_NOT_EXCLUSIVE && cond(t)) {
    t->wait = RT_WAIT_NONE;
    return 0;
  }
  rt_sched *S = rt_sched_get();
  if (start_waiting(S, t)) {
    t->wait = RT_WAIT_NONE;
    wasmplug_trap_delete(rt_poison(s, wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory")));
    return -1;
  }
  wasmplug_fiber_suspend();
  /* resumed: ready, cancelled (cancellable) or aborted */
  if (t->aborted || s->poison) return -1;
  return t->cancelled ? 1 : 0;
}

/* ------------------------------------------------------------ the loop */

/* Store.tick: resumes one ready thread; false when none is ready. */
static bool tick(rt_sched *S) {
  size_t n = S->nwaiting;
  for (size_t k = 0; k < n; k++) {
    size_t i = (S->next + k) % n;
    rt_thread *t = S->waiting[i];
    rt_frame *inst = t->task->F->owner;
    if (!cond(t) || !rt_may_enter(inst, NULL)) continue;
    S->next = i; /* stop_waiting moves the rest up: the next one is at i */
    S->nesting++;
    rt_enter(inst, NULL);
    rt_thread_resume(t, false);
    rt_leave(inst, NULL);
    S->nesting--;
    return true;
  }
  return false;
}

wasmplug_trap_t *rt_sched_run_until(rt_store *s, const bool *done) {
  rt_sched *S = rt_sched_get();
  if (!S) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  unsigned turn = 0;
  while (!*done) {
    if (s->poison) return rt_poisoned(s);
    if (S->current || S->nesting)
      return wasmplug_trap_new(WASMPLUG_TRAP_CANON,
                               "cannot wait for an async call to finish while guest code is running");
    /* host callbacks first, and now and then the host's file descriptors
    ** and timers even while guest threads keep being ready */
    if (rt_reactor_run_deferred(S->reactor)) continue;
    if (++turn % 32 == 0 && rt_reactor_poll(S->reactor, false)) continue;
    if (tick(S)) continue;
    if (rt_reactor_poll(S->reactor, true)) continue;
    /* the wait was cut by the time limit or by the embedder's interrupt
    ** (the host's call is a guest call: rt_func_call_from) */
    if (wasmplug_call_interrupted()) {
      uint64_t now = wasmplug_monotonic_ns(), d = wasmplug_call_deadline();
      return rt_poison(s, wasmplug_trap_new(WASMPLUG_TRAP_INTERRUPT, d && now >= d
                                                                        ? "the time limit passed while waiting"
                                                                        : "the call was interrupted by its embedder "
                                                                          "while waiting"));
    }
    return rt_poison(s, wasmplug_trap_new(WASMPLUG_TRAP_CANON,
                                          "deadlock detected: event loop cannot make further progress"));
  }
  return s->poison ? rt_poisoned(s) : NULL;
}

void rt_store_abort_threads(rt_store *s) {
  /* Every thread still alive is suspended (nothing runs while the store
  ** is deleted): resume each once, aborted, so it unwinds through the
  ** host frames it blocked in (freeing what they hold) and ends. */
  while (s->nthreads) {
    rt_thread *t = s->threads[s->nthreads - 1];
    t->aborted = true;
    if (!t->task || !wasmplug_fiber_current()) {
      /* a thread never started has nothing to unwind */
    }
    size_t before = s->nthreads;
    rt_thread_resume(t, true);
    if (s->nthreads == before) rt_thread_free(t); /* resumed and still there: never started */
  }
}
