/*
** rt/async.h — the Component Model's concurrency at run time, after
** CanonicalABI.md ("Concurrency", "Tasks", "Embedding", "Subtask State",
** the 🔀 canon definitions) and definitions.py, whose objects it mirrors:
**
**   reference              here
**   Store.waiting/tick     rt_sched          (the scheduler of one OS thread)
**   Thread                 rt_thread         (a fiber, or inline on its caller's stack)
**   Task                   rt_task
**   Subtask                rt_subtask        (a wp_cabi_waitable_t)
**   OnStart/OnResolve      rt_caller
**   FuncInst               rt_invoke()
**   ComponentInstance      rt_frame          (may_enter = !busy, may_leave, backpressure,
**                                             num_waiting_to_enter, exclusive_thread)
**   Waitable, WaitableSet, streams, futures, error contexts: src/cabi (section 9).
**
** Execution model.  A task of an async-typed function runs on its own
** fiber, so it can block (wait for an event, a subtask, backpressure) and
** let others run.  A task of a sync-typed function runs on its caller's
** stack, as the reference permits ("can be implemented as a normal
** synchronous native function call"): if it must wait, it runs the other
** ready threads of its own instance until it can go on, and traps when
** there are none, which is what the reference's canon_lift loop does for
** sync-typed functions.
**
** The scheduler belongs to the OS thread (one per thread, made on first
** use): every instance that interacts with another (composition, wasm
** plugins) runs on the thread that called it, so one waiting list serves
** them all.  A trap in any thread poisons its store: every later entry
** traps, and the top-level call returns the original trap.
*/
#ifndef WASMPLUG_COMPONENT_RT_ASYNC_H
#define WASMPLUG_COMPONENT_RT_ASYNC_H

#include "component/rt/rt.h"
#include <stdlib.h>
#include <string.h>

typedef struct rt_thread rt_thread;
typedef struct rt_task rt_task;
typedef struct rt_subtask rt_subtask;
/* Zeroed heap memory for the per-call objects (tasks, threads, subtasks,
** native calls): malloc + memset, because glibc's calloc bypasses the
** thread cache (which then fills with blocks calloc never takes back, and
** every later free of that size consolidates the heap).  The empty asm
** keeps the compiler from turning the pair back into calloc. */
static inline void *rt_zalloc(size_t n) {
  void *p = malloc(n);
#if defined(__GNUC__)
  __asm__ volatile("" : "+r"(p));
#endif
  if (p) memset(p, 0, n);
  return p;
}

typedef struct rt_caller rt_caller;

/* ------------------------------------------------------------ callers */

/* The caller's side of one call (OnStart and OnResolve). */
struct rt_caller {
  /* Lifts the arguments into args[nparams] (called once, when the callee
  ** starts, after backpressure).  An error is a trap. */
  wp_cabi_error_t *(*on_start)(rt_caller *c, wp_cabi_val_t *args);
  /* The result (moved: the caller owns it), or cancelled (result NULL).
  ** Called once.  An error is a trap. */
  wp_cabi_error_t *(*on_resolve)(rt_caller *c, wp_cabi_val_t *result, bool cancelled);
  rt_frame *inst; /* the calling instance, NULL for the host */
  /* Where the caller keeps the callee's task for cancelling (or NULL):
  ** cleared if the task goes away unresolved (its store trapped). */
  rt_task **task_ref;
};

/* What the caller may cancel (OnCancel): a task, or nothing (the callee
** resolved before returning, or cannot be cancelled). */
typedef struct rt_callee {
  rt_task *task;
} rt_callee;

/* FuncInst: starts F for `caller`.  Returns when F resolved or blocked;
** *callee says what to cancel.  Traps (can't enter, poisoned store...)
** come back as the return value. */
wasmplug_trap_t *rt_invoke(rt_func *F, rt_caller *caller, rt_callee *callee);

/* ------------------------------------------------------------ threads */

typedef enum rt_wait {
  RT_WAIT_NONE = 0,      /* not waiting */
  RT_WAIT_READY,         /* ready now (resume-later, yield) */
  RT_WAIT_NOT_EXCLUSIVE, /* the instance's exclusive lock is free (callback YIELD) */
  RT_WAIT_WSET,          /* a member of wset has an event (waitable-set.wait) */
  RT_WAIT_WSET_EXCLUSIVE,/* the same, and the lock is free (callback WAIT) */
  RT_WAIT_WAITABLE,      /* one waitable has an event (synchronous copies, cancels) */
  RT_WAIT_SUBTASK,       /* a subtask resolved (synchronous lower) */
  RT_WAIT_ENTER,         /* no backpressure on the instance (entering a task) */
  RT_WAIT_FLAG           /* *flag became true (the host completes something) */
} rt_wait;

struct rt_thread {
  wasmplug_fiber_t *fiber;   /* NULL: inline, on the stack of whoever called */
  rt_task *task;
  rt_wait wait;              /* the readiness condition while waiting */
  const void *wait_on;       /* its object (wset, waitable, subtask, flag) */
  bool in_waiting;           /* in the scheduler's waiting list */
  bool cancellable;
  bool cancelled;            /* what resume() passed (Cancelled) */
  bool aborted;              /* the store is going away: unwind */
  bool finished;
  uint32_t index;            /* in the instance's thread table, 0: none yet */
  uint32_t storage[2];       /* context.get/set */
  rt_thread *switch_to;      /* suspend-then-resume: resume that one next */
  void (*main)(rt_thread *t);/* the thread's function */
  int32_t arg;               /* thread.new-indirect's argument */
  rt_corefunc *start;        /* thread.new-indirect's function */
  rt_thread *next_in_task;   /* the task's threads */
};

/* ------------------------------------------------------------ tasks */

typedef enum rt_task_state {
  RT_TASK_INITIAL = 1,
  RT_TASK_STARTED,
  RT_TASK_PENDING_CANCEL,
  RT_TASK_CANCEL_DELIVERED,
  RT_TASK_RESOLVED
} rt_task_state;

struct rt_task {
  rt_func *F;                /* ft, opts, inst = F->owner */
  rt_caller *caller;
  rt_task_state state;
  wp_cabi_cx_t cx;           /* the borrow scope: borrows lent into the callee */
  rt_thread *implicit;
  rt_thread *threads;        /* every live thread of the task */
  uint32_t nthreads;
  bool needs_exclusive;
  bool heap;                 /* allocated (async), else on the C stack (sync) */
};

/* ------------------------------------------------------------ subtasks */

typedef enum rt_subtask_state {
  RT_SUBTASK_STARTING = 0,
  RT_SUBTASK_STARTED = 1,
  RT_SUBTASK_RETURNED = 2,
  RT_SUBTASK_CANCELLED_BEFORE_STARTED = 3,
  RT_SUBTASK_CANCELLED_BEFORE_RETURNED = 4
} rt_subtask_state;

struct rt_subtask {
  wp_cabi_waitable_t w;      /* kind SUBTASK: its pending event, set, sync waiter */
  rt_subtask_state state;
  rt_caller caller;          /* what the callee calls back */
  rt_callee callee;          /* what subtask.cancel cancels */
  bool cancellation_requested;
  bool resolve_delivered;    /* the lends of its arguments ended */
  bool in_table;             /* the caller holds a handle to it */
  bool dropped;              /* freed once the callee lets go of it */
  wp_cabi_cx_t cx;           /* the caller's lends (borrowed arguments) */
  struct rt_lower *L;        /* the lowering: caller frame, options, types */
  wp_cabi_flat_t args[WP_CABI_MAX_FLAT_ASYNC_PARAMS + 1];
  uint32_t nargs;
  uint32_t retptr;
  wasmplug_trap_t *trap;     /* a trap of on_start/on_resolve, for the callee to raise */
  struct rt_ncall *native;   /* the callee is a native function still running (rt/native.c) */
};

/* The pending event of a subtask (subtask_event). */
void rt_subtask_deliver(wp_cabi_waitable_t *w, wp_cabi_event_t *out);

/* ------------------------------------------------------------ scheduler */

typedef struct rt_sched {
  rt_thread **waiting;       /* Store.waiting */
  size_t nwaiting, capwaiting;
  size_t next;               /* round-robin position */
  rt_thread *current;        /* the thread running guest code, NULL: the host */
  uint32_t nesting;          /* host calls into guests in progress (Store.nesting_depth) */
  struct rt_reactor *reactor;/* the host's event sources (rt/reactor.c), made on first use */
} rt_sched;

/* ------------------------------------------------------------ the reactor (rt/reactor.c) */

/* Host work that completes asynchronously (native plugins, plugin ABI
** 1.3), run by the scheduler's loop on the guest's thread: callbacks
** deferred out of places where they may not run (a copy in progress),
** file descriptors and timers (poll(2)), and wakers (an eventfd that any
** thread may write).  Every entry has an owner; rt_reactor_forget drops
** an owner's entries when it goes away. */
typedef struct rt_reactor rt_reactor;
rt_reactor *rt_reactor_get(rt_sched *S);
void rt_reactor_free(rt_reactor *r);
/* Runs fn(arg) from the loop, soon (never from inside this call). */
int rt_reactor_defer(rt_reactor *r, const void *owner, void (*fn)(void *arg), void *arg);
uint64_t rt_reactor_watch_fd(rt_reactor *r, const void *owner, int fd, int events, void (*cb)(void *arg, int revents),
                             void *arg);
uint64_t rt_reactor_watch_time(rt_reactor *r, const void *owner, uint64_t deadline_ns, void (*cb)(void *arg),
                               void *arg);
void rt_reactor_unwatch(rt_reactor *r, uint64_t id);
typedef struct rt_waker rt_waker;
rt_waker *rt_reactor_waker_new(rt_reactor *r, const void *owner, void (*cb)(void *arg), void *arg);
void rt_reactor_wake(rt_waker *w); /* any thread */
void rt_reactor_waker_delete(rt_waker *w);
void rt_reactor_forget(rt_reactor *r, const void *owner);
/* Runs what is ready; with `block`, first waits (poll) for something when
** nothing is.  True when a callback ran; false when there was nothing to
** run and nothing to wait for. */
bool rt_reactor_poll(rt_reactor *r, bool block);
/* Only the deferred callbacks (no system call). */
bool rt_reactor_run_deferred(rt_reactor *r);

/* The scheduler of this OS thread (made on first use; NULL when out of
** memory).  Inline: asked on every call between instances. */
extern _Thread_local rt_sched *rt_tls_sched __attribute__((tls_model("initial-exec")));
rt_sched *rt_sched_make(void);
static inline rt_sched *rt_sched_get(void) { return rt_tls_sched ? rt_tls_sched : rt_sched_make(); }
/* Runs ready threads until *done (or the store is poisoned); traps with
** "deadlock detected" when nothing can make progress.  Called by the host
** (nesting 0). */
wasmplug_trap_t *rt_sched_run_until(rt_store *s, const bool *done);

/* The thread running now, with its task (NULL on the host). */
rt_thread *rt_current(void);
/* Thread.wait_until: blocks t until its condition holds or, when
** cancellable, a cancellation arrives. */
int rt_thread_wait(rt_thread *t, rt_wait wait, const void *on, bool cancellable);
/* (returns 0 when the condition holds, 1 when cancelled, -1 when the
** thread must unwind: the store is poisoned or going away) */
/* Thread.resume (with Cancelled) */
void rt_thread_resume(rt_thread *t, bool cancelled);
/* A ready check of one thread (Thread.ready). */
bool rt_thread_ready(const rt_thread *t);
/* New thread of task `task` running main on a fiber (not started). */
rt_thread *rt_thread_new(rt_task *task, void (*main)(rt_thread *t));
/* Removes a finished or never-started thread from its task and frees it. */
void rt_thread_free(rt_thread *t);

/* ComponentInstance.may_enter_from / enter_from / leave_to (inline: every
** call between instances makes all three; mostly a loop of one). */
static inline bool rt_is_ancestor_or_self(const rt_frame *a, const rt_frame *of) {
  for (const rt_frame *g = of; g; g = g->parent)
    if (g == a) return true;
  return false;
}
/* entering_set(caller): inst and its ancestors, minus those of the caller
** (a child calling its parent's lifted functions stays inside it). */
static inline bool rt_may_enter(rt_frame *inst, rt_frame *caller) {
  for (rt_frame *g = inst; g; g = g->parent)
    if (!(caller && rt_is_ancestor_or_self(g, caller)) && g->busy) return false;
  return true;
}
static inline void rt_enter(rt_frame *inst, rt_frame *caller) {
  for (rt_frame *g = inst; g; g = g->parent)
    if (!(caller && rt_is_ancestor_or_self(g, caller))) g->busy = true;
}
static inline void rt_leave(rt_frame *inst, rt_frame *caller) {
  for (rt_frame *g = inst; g; g = g->parent)
    if (!(caller && rt_is_ancestor_or_self(g, caller))) g->busy = false;
}

/* Records a trap that ends the store (the first one wins; t is consumed)
** and returns a copy for the caller to raise. */
wasmplug_trap_t *rt_poison(rt_store *s, wasmplug_trap_t *t);
/* A copy of the store's poison trap, or NULL. */
wasmplug_trap_t *rt_poisoned(rt_store *s);

/* ------------------------------------------------------------ tasks (rt/task.c) */

/* Task.request_cancellation */
void rt_task_request_cancel(rt_task *t, rt_frame *caller);
/* Task.return_ / Task.cancel: traps as the reference does. */
wasmplug_trap_t *rt_task_return(rt_task *t, wp_cabi_val_t *result);
wasmplug_trap_t *rt_task_cancel(rt_task *t);
/* Task.deliver_pending_cancel */
bool rt_task_deliver_pending_cancel(rt_task *t, bool cancellable);

/* Unwinds every suspended thread of the store (teardown). */
void rt_store_abort_threads(rt_store *s);

/* ------------------------------------------------------------ native functions (rt/native.c) */

/* An async native function (plugin ABI 1.3) called with the async ABI:
** the subtask protocol of rt/subtask.c with the native layout. */
wasmplug_trap_t *rt_native_lower_async(rt_lower *L, rt_subtask *st, wasmplug_val_raw_t *raw);
/* The same with the sync ABI: the calling thread waits for completion. */
wasmplug_trap_t *rt_native_call_sync(rt_lower *L, const wp_cabi_flat_t *flat, size_t nflat, wp_cabi_flat_t *out,
                                     size_t *nout);
/* subtask.cancel of a native call: the plugin's cancel hook. */
void rt_native_cancel(struct rt_ncall *nc);
/* The subtask of a pending native call goes away (teardown). */
void rt_native_orphan(struct rt_ncall *nc);
/* Frees a store's plugin instances (their ends, error contexts, events). */
void rt_native_insts_delete(rt_store *s);

/* ------------------------------------------------------------ built-ins (rt/builtins.c) */

/* The core function of an async built-in (task.return, waitable-set.*,
** stream.*, ...) for canon definition c in frame f. */
int rt_canon_builtin(rt_frame *f, const wp_comp_canon *c, const wp_comp_core_functype *ctype,
                     rt_corefunc **out);

#endif
