/*
** test_interrupt.c — interrupt handles (wasmplug_interrupt_handle_*): one
** thread ends the guest call another thread runs, with no time limit and
** no fuel configured (what `wasmplug serve` does past its --grace), on one
** tier (argv[2]: baseline or optimized).  argv[1] is the folder of test
** modules, argv[3] a scratch cache directory.
**
** Checked: with no call running, interrupting does nothing and the next
** call runs to its end; an endless loop on another thread traps with
** WASMPLUG_TRAP_INTERRUPT, saying it was interrupted; a call that thread
** starts afterwards (after the watchdog's repeat period has passed) runs
** to its end; a host function blocked in a sleep is woken and sees
** wasmplug_call_interrupted(), and the call traps; so are WASI's own
** waits (wp_os_poll, wp_os_sleep); once the thread has exited,
** interrupting does nothing.
**
** Late signals: the watchdog's signal only makes the handler look.  A
** call with a long time limit runs to its end although a signal meant
** for an earlier call reaches it: one an interrupter sent while the
** thread blocked signals (kernels before 6.13 keep it queued past the
** timer's re-arming; later ones drop it), and one sent to the thread
** explicitly (what a late timer signal looks like on any kernel).  A call
** whose deadline passes still ends at it.
*/
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasmplug.h"
#include "wasi/os.h" /* wp_os_poll, wp_os_sleep: WASI's waits */
#include "core_test.h" /* CHECK, core_test_engine, core_test_module */

static wasmplug_instance_t *instance;
static atomic_int in_host;     /* the host function `tick` is sleeping */
static atomic_int host_saw;    /* it saw wasmplug_call_interrupted() */

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static wasmplug_trap_t *reenter_fn(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n) {
  (void)env;
  (void)c;
  (void)v;
  (void)n;
  return NULL;
}

/* Blocks as host code that waits on something that never comes: a long
** sleep, retried on EINTR until the call is interrupted (at most 30 s);
** with os_wait, WASI's own waits (src/wasi/os.h), which retry EINTR
** unless the call is interrupted: a poll on nothing without a timeout,
** then a sleep of a day. */
static bool os_wait;
static wp_os_err_t os_poll_err = -1, os_sleep_err = -1;

/* The late-signal cases (see the top): what `tick` does instead. */
enum { LATE_NONE, LATE_BLOCK, LATE_DELIVER };
static atomic_int late_mode;
static atomic_int late_blocked, late_sent; /* LATE_BLOCK's handshake with the interrupter */
static sigset_t late_saved;                /* the mask before LATE_BLOCK */
static int late_seen = -1;                 /* wasmplug_call_interrupted() after the late signals */
/* The watchdog's signal (src/core/rt.c); main checks the runtime's handler
** is installed on it, so that renumbering it fails here loudly. */
#define WATCHDOG_SIGNAL (SIGRTMIN + 3)

static void late_tick(void) {
  if (atomic_load(&late_mode) == LATE_BLOCK) {
    /* call N: block every signal (faults excepted), let the interrupter
    ** name this call, and return before the signal can be taken */
    sigset_t all;
    sigfillset(&all);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    pthread_sigmask(SIG_BLOCK, &all, &late_saved);
    atomic_store(&late_blocked, 1);
    while (!atomic_load(&late_sent)) sleep_ms(1);
    return;
  }
  /* call N+1: what is pending arrives now, then one more sent directly */
  pthread_sigmask(SIG_SETMASK, &late_saved, NULL);
  pthread_kill(pthread_self(), WATCHDOG_SIGNAL);
  late_seen = wasmplug_call_interrupted();
}

static bool call_interrupted(void *arg) {
  (void)arg;
  return wasmplug_call_interrupted();
}

static wasmplug_trap_t *tick_fn(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n) {
  (void)env;
  (void)c;
  (void)v;
  (void)n;
  if (atomic_load(&late_mode) != LATE_NONE) {
    late_tick();
    return NULL;
  }
  atomic_store(&in_host, 1);
  if (os_wait) {
    int ready = 0;
    wp_os_stop_t stop = {wasmplug_call_deadline(), call_interrupted, NULL}; /* what preview1 gives */
    os_poll_err = wp_os_poll(NULL, 0, -1, &stop, &ready);
    os_sleep_err = wp_os_sleep(WP_OS_CLOCK_MONOTONIC, 86400ull * 1000000000u, false, &stop);
    return NULL;
  }
  for (int k = 0; k < 30; k++) {
    struct timespec ts = {1, 0};
    if (nanosleep(&ts, NULL) != 0 && errno == EINTR && wasmplug_call_interrupted()) {
      atomic_store(&host_saw, 1);
      break;
    }
  }
  return NULL;
}

/* Calls NAME(arg) of instance `in`: the trap kind (0: none); the message
** into msg. */
static int call_in(wasmplug_instance_t *in, const char *name, int32_t arg, int32_t *result, char *msg,
                   size_t msglen) {
  wasmplug_func_t *f = wasmplug_instance_func(in, name);
  if (!f) {
    fprintf(stderr, "no export %s\n", name);
    exit(2);
  }
  const wasmplug_functype_t *ft = wasmplug_func_type(f);
  wasmplug_val_t a = {WASMPLUG_I32, {.i32 = arg}}, r = {WASMPLUG_I32, {.i32 = 0}};
  wasmplug_trap_t *t = wasmplug_func_call(f, &a, ft->nparams, &r, ft->nresults);
  int kind = 0;
  if (msg) msg[0] = 0;
  if (t) {
    kind = (int)wasmplug_trap_kind(t);
    if (msg) snprintf(msg, msglen, "%s", wasmplug_trap_message(t));
    wasmplug_trap_delete(t);
  }
  if (result) *result = r.of.i32;
  return kind;
}

static int call(const char *name, int32_t arg, int32_t *result, char *msg, size_t msglen) {
  return call_in(instance, name, arg, result, msg, msglen);
}

/* What the other thread does: NAME(arg) with a handle, then (after) a
** call of count(after) that must run to its end. */
typedef struct job {
  const char *name;
  int32_t arg, after;
  wasmplug_interrupt_handle_t *handle;
  atomic_int ready;
  int kind, after_kind;
  int32_t after_result;
  char msg[256];
} job_t;

static void *runner(void *p) {
  job_t *j = p;
  wasmplug_error_t *e = wasmplug_interrupt_handle_new(&j->handle);
  if (e) {
    fprintf(stderr, "handle: %s\n", wasmplug_error_message(e));
    exit(2);
  }
  atomic_store(&j->ready, 1);
  j->kind = call(j->name, j->arg, NULL, j->msg, sizeof j->msg);
  if (j->after) {
    sleep_ms(50); /* past the watchdog's 10 ms repeat */
    j->after_kind = call("count", j->after, &j->after_result, NULL, 0);
  }
  return NULL;
}

/* Starts NAME(arg) on another thread and interrupts it once it runs
** (and, with `wait_for`, once that is set), 100 ms later. */
static void interrupt_on_thread(job_t *j, atomic_int *wait_for) {
  pthread_t th;
  if (pthread_create(&th, NULL, runner, j)) {
    fprintf(stderr, "cannot start a thread\n");
    exit(2);
  }
  while (!atomic_load(&j->ready) || (wait_for && !atomic_load(wait_for))) sleep_ms(1);
  sleep_ms(100);
  /* the call may not have begun yet on a loaded machine: until it has,
  ** there is nothing to interrupt (at most 20 s) */
  bool hit = false;
  for (int k = 0; k < 1000 && !(hit = wasmplug_interrupt_handle_interrupt(j->handle)); k++) sleep_ms(20);
  CHECK(hit, "%s: a call was running to interrupt", j->name);
  if (!hit) exit(1);
  pthread_join(th, NULL);
  /* the thread is gone: nothing to end, no timer to use */
  CHECK(!wasmplug_interrupt_handle_interrupt(j->handle), "%s: nothing once its thread exited", j->name);
  wasmplug_interrupt_handle_delete(j->handle);
}

/* fuel.wasm instantiated on an engine of the tier with a time limit of
** `timeout_ms` (0: none). */
typedef struct timed {
  wasmplug_engine_t *engine;
  wasmplug_module_t *module;
  wasmplug_linker_t *linker;
  wasmplug_instance_t *instance;
} timed_t;

static void timed_delete(timed_t *t) {
  wasmplug_instance_delete(t->instance);
  wasmplug_linker_delete(t->linker);
  wasmplug_module_delete(t->module);
  wasmplug_engine_delete(t->engine);
}

static timed_t timed_new(char **argv, uint64_t timeout_ms) {
  wasmplug_config_t *c = wasmplug_config_new();
  wasmplug_config_cache_dir_set(c, argv[3]);
  wasmplug_config_tier_set(c, !strcmp(argv[2], "optimized") ? WASMPLUG_TIER_OPTIMIZED : WASMPLUG_TIER_BASELINE);
  wasmplug_config_timeout_set(c, timeout_ms);
  wasmplug_engine_t *engine = core_test_engine(c);
  wasmplug_module_t *module = core_test_module(engine, argv[1], "fuel.wasm");
  wasmplug_linker_t *linker = wasmplug_linker_new(engine);
  wasmplug_valkind_t i32 = WASMPLUG_I32;
  wasmplug_functype_t t1 = {1, 1, &i32, &i32}, t0 = {0, 0, NULL, NULL};
  wasmplug_error_t *e = wasmplug_linker_define_func(linker, "host", "reenter", &t1, reenter_fn, NULL, NULL);
  if (!e) e = wasmplug_linker_define_func(linker, "host", "tick", &t0, tick_fn, NULL, NULL);
  if (e) {
    fprintf(stderr, "setup: %s\n", wasmplug_error_message(e));
    exit(2);
  }
  return (timed_t){engine, module, linker, core_test_instance(linker, module)};
}

/* The late-signal thread: call N (no time limit) blocks signals in `tick`
** while main interrupts it, and returns; call N+1 (a minute's limit)
** unblocks them in `tick` and is sent one more. */
typedef struct late_job {
  wasmplug_instance_t *timed;
  wasmplug_interrupt_handle_t *handle;
  atomic_int ready;
  int kind_n, kind_n1;
  int32_t result_n1;
  char msg[256];
} late_job_t;

static void *late_runner(void *p) {
  late_job_t *j = p;
  if (wasmplug_interrupt_handle_new(&j->handle)) exit(2);
  atomic_store(&j->ready, 1);
  atomic_store(&late_mode, LATE_BLOCK);
  j->kind_n = call("ticks", 1, NULL, NULL, 0);
  atomic_store(&late_mode, LATE_DELIVER);
  j->kind_n1 = call_in(j->timed, "ticks", 1, &j->result_n1, j->msg, sizeof j->msg);
  atomic_store(&late_mode, LATE_NONE);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: test_interrupt WASM_DIR baseline|optimized CACHE_DIR\n");
    return 2;
  }
  timed_t base = timed_new(argv, 0); /* no time limit, no fuel */
  instance = base.instance;
  wasmplug_error_t *e;
  int32_t r = 0;

  /* no call running: no effect, now or on the next call */
  wasmplug_interrupt_handle_t *mine = NULL;
  e = wasmplug_interrupt_handle_new(&mine);
  CHECK(!e && mine, "a handle for this thread");
  wasmplug_interrupt_handle_t *again = NULL;
  e = wasmplug_interrupt_handle_new(&again);
  CHECK(!e && again == mine, "the same thread's handle again");
  wasmplug_interrupt_handle_delete(again);
  CHECK(!wasmplug_interrupt_handle_interrupt(mine), "no call to interrupt");
  sleep_ms(30);
  CHECK(call("count", 20000000, &r, NULL, 0) == 0 && r == 20000000, "the next call runs to its end (%d)", r);
  CHECK(!wasmplug_call_interrupted(), "nothing interrupted outside a call");

  /* an endless loop on another thread ends; that thread's next call runs */
  job_t j1 = {.name = "spin", .arg = 0, .after = 20000000};
  interrupt_on_thread(&j1, NULL);
  CHECK(j1.kind == WASMPLUG_TRAP_INTERRUPT, "spin: interrupted (trap kind %d)", j1.kind);
  CHECK(strstr(j1.msg, "interrupted by its embedder") != NULL, "spin: the message says so: %s", j1.msg);
  CHECK(j1.after_kind == 0 && j1.after_result == 20000000, "a call started after is not affected (%d, %d)",
        j1.after_kind, (int)j1.after_result);

  /* host code blocked in a sleep is woken, sees the interrupt, returns;
  ** the call traps */
  job_t j2 = {.name = "ticks", .arg = 1};
  interrupt_on_thread(&j2, &in_host);
  CHECK(atomic_load(&in_host), "ticks: the host function ran");
  CHECK(atomic_load(&host_saw), "ticks: host code saw wasmplug_call_interrupted()");
  CHECK(j2.kind == WASMPLUG_TRAP_INTERRUPT, "ticks: interrupted in host code (trap kind %d)", j2.kind);

  /* WASI's waits (what a guest sleeping in wasi:clocks or poll_oneoff
  ** blocks in) end too: without a time limit they used to retry EINTR
  ** forever */
  os_wait = true;
  atomic_store(&in_host, 0);
  job_t j3 = {.name = "ticks", .arg = 1};
  interrupt_on_thread(&j3, &in_host);
  CHECK(os_poll_err == WP_OS_EINTR, "wp_os_poll ended by the interrupt (%d)", (int)os_poll_err);
  CHECK(os_sleep_err == WP_OS_EINTR, "wp_os_sleep ended by the interrupt (%d)", (int)os_sleep_err);
  CHECK(j3.kind == WASMPLUG_TRAP_INTERRUPT, "WASI waits: interrupted (trap kind %d)", j3.kind);

  /* late signals: a call with a minute's time limit runs to its end */
  struct sigaction wd;
  CHECK(sigaction(WATCHDOG_SIGNAL, NULL, &wd) == 0 && (wd.sa_flags & SA_SIGINFO) && !(wd.sa_flags & SA_RESTART),
        "the watchdog's handler is on SIGRTMIN+3");
  timed_t minute = timed_new(argv, 60000);
  late_job_t lj = {.timed = minute.instance};
  pthread_t lt;
  if (pthread_create(&lt, NULL, late_runner, &lj)) return 2;
  while (!atomic_load(&late_blocked)) sleep_ms(1);
  CHECK(wasmplug_interrupt_handle_interrupt(lj.handle), "late: call N was running to interrupt");
  sleep_ms(30); /* the watchdog fired (and repeated) while it was blocked */
  atomic_store(&late_sent, 1);
  pthread_join(lt, NULL);
  wasmplug_interrupt_handle_delete(lj.handle);
  CHECK(lj.kind_n == 0, "late: call N, its signal blocked, returned (trap kind %d)", lj.kind_n);
  CHECK(lj.kind_n1 == 0 && lj.result_n1 == 1, "late: call N+1 ran to its end (trap kind %d: %s; %d)", lj.kind_n1,
        lj.msg, (int)lj.result_n1);
  CHECK(late_seen == 0, "late: host code in call N+1 was not told it was interrupted (%d)", late_seen);
  /* and a deadline still ends a call, on the same thread as late signals */
  timed_t quick = timed_new(argv, 200);
  char qmsg[256];
  CHECK(call_in(quick.instance, "spin", 0, NULL, qmsg, sizeof qmsg) == WASMPLUG_TRAP_INTERRUPT,
        "a 200 ms limit ends spin");
  CHECK(strstr(qmsg, "time limit") != NULL, "the message names the time limit: %s", qmsg);
  int32_t tr = 0;
  CHECK(call_in(lj.timed, "count", 1000, &tr, NULL, 0) == 0 && tr == 1000, "the minute's call after it (%d)", tr);
  timed_delete(&quick);
  timed_delete(&minute);

  /* this thread's calls were never touched */
  CHECK(call("count", 1000, &r, NULL, 0) == 0 && r == 1000, "this thread's call (%d)", r);
  wasmplug_interrupt_handle_delete(mine);
  CHECK(call("count", 1000, &r, NULL, 0) == 0 && r == 1000, "after the handle is gone (%d)", r);

  timed_delete(&base);
  printf("%s interrupt: %d passed, %d failed\n", argv[2], checks - failures, failures);
  return failures ? 1 : 0;
}
