/*
** test_fiber_limits.c — fibers with limits of their own
** (wasmplug_fiber_new_limited): the guest calls of several fibers
** interleaved on one thread, each held to its own fuel, time limit and
** interrupt, on one tier (argv[2]: baseline or optimized).  argv[1] is the
** folder of test modules, argv[3] a scratch cache directory.
**
** The host function `tick` suspends the fiber it is called on, so
** ticks(n) (wat/fuel.wat) is a call that switches out n times in the
** middle of its guest frames.  Checked: fuel — two fibers each spend the
** whole engine's fuel, interleaved, and a third needing one unit more
** runs out, at the same boundary as on the thread's stack, which keeps
** its own fuel meanwhile; time — each fiber's deadline is its own call's
** (seen by host code, kept across switches), an endless loop on a fiber
** ends at its deadline, a fiber's deadline ends it and not one started
** later, and the thread's calls afterwards run without one; interrupt
** handles — a fiber's call is ended by the thread's handle while it runs,
** and the calls of fibers switched out when the interrupt comes end as
** soon as they run again (the interrupt is not lost), while a fiber
** started after it and the thread's next call run to their ends.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasmplug.h"
#include "core_test.h" /* CHECK, core_test_engine, core_test_module, core_test_instance */

#define FUEL 1000
#define TIMEOUT_MS 2000

static wasmplug_instance_t *instance;

/* One guest call on a fiber. */
typedef struct task {
  const char *fn;
  int32_t arg, result;
  int kind;         /* the trap's kind; 0: none */
  bool done;
  int64_t fuel_left; /* wasmplug_call_fuel() after the call, on the fiber */
  uint64_t deadline; /* wasmplug_call_deadline() in its last tick */
  char msg[256];
  wasmplug_fiber_t *fiber;
} task_t;

static task_t *running; /* the task whose fiber runs (set by resume) */

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static wasmplug_trap_t *reenter_fn(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n) {
  (void)env, (void)c, (void)v, (void)n;
  return NULL;
}

/* On a fiber: notes the call's deadline and switches back to the driver. */
static wasmplug_trap_t *tick_fn(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n) {
  (void)env, (void)c, (void)v, (void)n;
  if (wasmplug_fiber_current()) {
    if (running) running->deadline = wasmplug_call_deadline();
    wasmplug_fiber_suspend();
  }
  return NULL;
}

static void task_main(void *p) {
  task_t *t = p;
  wasmplug_func_t *f = wasmplug_instance_func(instance, t->fn);
  const wasmplug_functype_t *ft = wasmplug_func_type(f);
  wasmplug_val_t a = {WASMPLUG_I32, {.i32 = t->arg}}, r = {WASMPLUG_I32, {.i32 = 0}};
  wasmplug_trap_t *trap = wasmplug_func_call(f, &a, ft->nparams, &r, ft->nresults);
  if (trap) {
    t->kind = (int)wasmplug_trap_kind(trap);
    snprintf(t->msg, sizeof t->msg, "%s", wasmplug_trap_message(trap));
    wasmplug_trap_delete(trap);
  }
  t->result = r.of.i32;
  t->fuel_left = wasmplug_call_fuel();
}

static void start(task_t *t, const char *fn, int32_t arg) {
  memset(t, 0, sizeof *t);
  t->fn = fn;
  t->arg = arg;
  t->fiber = wasmplug_fiber_new_limited(0, task_main, t);
  if (!t->fiber) {
    fprintf(stderr, "no fiber\n");
    exit(2);
  }
}

/* Runs t until its next tick (or its end); true once it has ended. */
static bool resume(task_t *t) {
  if (t->done) return true;
  running = t;
  t->done = wasmplug_fiber_resume(t->fiber);
  running = NULL;
  if (t->done) {
    wasmplug_fiber_delete(t->fiber);
    t->fiber = NULL;
  }
  return t->done;
}

/* Calls NAME(arg) on this thread's own stack: the trap kind (0: none). */
static int call(const char *name, int32_t arg, int32_t *result) {
  task_t t;
  memset(&t, 0, sizeof t);
  t.fn = name;
  t.arg = arg;
  task_main(&t);
  if (result) *result = t.result;
  return t.kind;
}

static wasmplug_engine_t *engine;
static wasmplug_module_t *module;
static wasmplug_linker_t *linker;

static void setup(wasmplug_tier_t tier, const char *dir, const char *cache, uint64_t fuel, uint64_t timeout_ms) {
  wasmplug_config_t *c = wasmplug_config_new();
  wasmplug_config_cache_dir_set(c, cache);
  wasmplug_config_tier_set(c, tier);
  wasmplug_config_fuel_set(c, fuel);
  wasmplug_config_timeout_set(c, timeout_ms);
  engine = core_test_engine(c);
  module = core_test_module(engine, dir, "fuel.wasm");
  linker = wasmplug_linker_new(engine);
  wasmplug_valkind_t i32 = WASMPLUG_I32;
  wasmplug_functype_t t1 = {1, 1, &i32, &i32}, t0 = {0, 0, NULL, NULL};
  wasmplug_error_t *e = wasmplug_linker_define_func(linker, "host", "reenter", &t1, reenter_fn, NULL, NULL);
  if (!e) e = wasmplug_linker_define_func(linker, "host", "tick", &t0, tick_fn, NULL, NULL);
  if (e) {
    fprintf(stderr, "setup: %s\n", wasmplug_error_message(e));
    exit(2);
  }
  instance = core_test_instance(linker, module);
}

static void teardown(void) {
  wasmplug_instance_delete(instance);
  wasmplug_linker_delete(linker);
  wasmplug_module_delete(module);
  wasmplug_engine_delete(engine);
}

static void test_fuel(void) {
  int32_t r = 0;
  /* ticks(n) takes n + 2 units (its entry, n + 1 loop headers): the
  ** boundary on the thread's own stack, where tick does not suspend */
  CHECK(call("ticks", FUEL - 2, &r) == 0 && r == FUEL - 2, "ticks(%d) with %d units on the thread", FUEL - 2, FUEL);
  CHECK(call("ticks", FUEL - 1, &r) == WASMPLUG_TRAP_OUT_OF_FUEL, "ticks(%d) needs one unit more", FUEL - 1);
  CHECK(call("count", 10, &r) == 0 && wasmplug_call_fuel() == FUEL - 11, "the thread's call left %lld",
        (long long)wasmplug_call_fuel());
  /* three fibers interleaved, a switch at every tick: each has the whole
  ** fuel; sharing one meter, the first two would need twice as much */
  task_t a, b, over;
  start(&a, "ticks", FUEL - 2);
  start(&b, "ticks", FUEL - 2);
  start(&over, "ticks", FUEL - 1);
  unsigned switches = 0;
  while (!(resume(&a) & resume(&b) & resume(&over))) switches++;
  CHECK(switches >= FUEL - 2, "the calls switched at every tick (%u)", switches);
  CHECK(a.kind == 0 && a.result == FUEL - 2 && a.fuel_left == 0, "fiber a: all its fuel (kind %d, %d, left %lld)",
        a.kind, a.result, (long long)a.fuel_left);
  CHECK(b.kind == 0 && b.result == FUEL - 2 && b.fuel_left == 0, "fiber b: all its fuel (kind %d, %d, left %lld)",
        b.kind, b.result, (long long)b.fuel_left);
  CHECK(over.kind == WASMPLUG_TRAP_OUT_OF_FUEL, "one unit more runs out on a fiber too (kind %d)", over.kind);
  /* the thread's meter was not touched by theirs */
  CHECK(wasmplug_call_fuel() == FUEL - 11, "the thread's fuel kept: %lld", (long long)wasmplug_call_fuel());
  CHECK(call("count", FUEL - 1, &r) == 0 && r == FUEL - 1, "the thread's next call has all its fuel");
}

static void test_deadline(void) {
  int32_t r = 0;
  /* an endless loop on a fiber ends at its time limit (nothing else on
  ** the thread runs a call: without a limit of its own it spun forever) */
  task_t spin;
  start(&spin, "spin", 0);
  uint64_t t0 = now_ns();
  CHECK(resume(&spin) && spin.kind == WASMPLUG_TRAP_INTERRUPT, "spin on a fiber: time limit (kind %d: %s)",
        spin.kind, spin.msg);
  CHECK(now_ns() - t0 >= (uint64_t)TIMEOUT_MS * 1000000u, "not before its deadline");
  CHECK(strstr(spin.msg, "time limit") != NULL, "the message says so: %s", spin.msg);

  /* two calls interleaved, the second started half a limit later: each
  ** has its own deadline, seen by host code and kept across switches */
  task_t a, b;
  start(&a, "ticks", 0x7fffffff);
  resume(&a);
  uint64_t a_start = now_ns();
  CHECK(a.deadline > a_start && a.deadline <= a_start + (uint64_t)TIMEOUT_MS * 1000000u, "a's deadline is its call's");
  CHECK(wasmplug_call_deadline() == 0, "no deadline on the thread while a is switched out");
  while (now_ns() - a_start < (uint64_t)TIMEOUT_MS * 500000u) {
    CHECK(!resume(&a), "a runs on");
    sleep_ms(2);
  }
  start(&b, "ticks", 0x7fffffff);
  resume(&b);
  CHECK(b.deadline >= a.deadline + (uint64_t)TIMEOUT_MS * 500000u, "b's deadline is later: its own call's");
  uint64_t a_deadline = a.deadline;
  resume(&a);
  CHECK(a.done || a.deadline == a_deadline, "a's deadline again once it runs again");
  /* a reaches its deadline; b, started later, runs on */
  while (!resume(&a)) {
    CHECK(!resume(&b), "b runs on while a has time");
    sleep_ms(2);
  }
  CHECK(a.kind == WASMPLUG_TRAP_INTERRUPT, "a: its time limit (kind %d: %s)", a.kind, a.msg);
  CHECK(!b.done, "b was not ended by a's deadline (kind %d: %s)", b.kind, b.msg);
  for (int k = 0; k < 20; k++) CHECK(!resume(&b), "b runs on after a's end");
  while (!resume(&b)) sleep_ms(2);
  CHECK(b.kind == WASMPLUG_TRAP_INTERRUPT, "b: its own time limit (kind %d: %s)", b.kind, b.msg);
  CHECK(now_ns() >= b.deadline, "b ended no earlier than its deadline");
  /* the thread's own calls: the time limit of each, no stray signal */
  CHECK(wasmplug_call_deadline() == 0, "no deadline on the thread");
  CHECK(call("count", 20000000, &r) == 0 && r == 20000000, "a call on the thread runs to its end (%d)", r);
}

typedef struct interrupter {
  wasmplug_interrupt_handle_t *h;
  atomic_int hit;
} interrupter_t;

static void *interrupt_soon(void *p) {
  interrupter_t *i = p;
  sleep_ms(100);
  /* the call may not have begun yet on a loaded machine (at most 20 s) */
  for (int k = 0; k < 1000 && !atomic_load(&i->hit); k++) {
    if (wasmplug_interrupt_handle_interrupt(i->h)) atomic_store(&i->hit, 1);
    else sleep_ms(20);
  }
  return NULL;
}

static void test_interrupt(void) {
  wasmplug_interrupt_handle_t *h = NULL;
  wasmplug_error_t *e = wasmplug_interrupt_handle_new(&h);
  CHECK(!e && h, "a handle for this thread");
  if (e) return;
  /* nothing begun: nothing to end */
  CHECK(!wasmplug_interrupt_handle_interrupt(h), "no call open, nothing to interrupt");
  /* fibers switched out mid-call: the interrupt sticks to their calls,
  ** which end when they run again; a fiber started after it does not */
  task_t t, u, later;
  start(&t, "ticks", 3);
  CHECK(!resume(&t), "ticks switched out");
  start(&u, "ticks", 3);
  CHECK(!resume(&u), "a second ticks switched out");
  CHECK(wasmplug_interrupt_handle_interrupt(h), "the switched-out calls are open: an interrupt for them");
  start(&later, "ticks", 3);
  CHECK(!resume(&later), "a fiber started after the interrupt runs");
  for (int k = 0; k < 100 && !resume(&t); k++) {
  }
  CHECK(t.done && t.kind == WASMPLUG_TRAP_INTERRUPT && strstr(t.msg, "interrupted by its embedder"),
        "the switched-out call ended when it ran again (kind %d: %s)", t.kind, t.msg);
  for (int k = 0; k < 100 && !resume(&u); k++) {
  }
  CHECK(u.done && u.kind == WASMPLUG_TRAP_INTERRUPT, "so did the other (kind %d: %s)", u.kind, u.msg);
  while (!resume(&later)) {
  }
  CHECK(later.kind == 0 && later.result == 3, "the fiber started after the interrupt ran to its end (kind %d: %s)",
        later.kind, later.msg);
  CHECK(!wasmplug_interrupt_handle_interrupt(h), "every call over: nothing to interrupt");
  /* a fiber abandoned mid-call (deleted switched out) leaves nothing open */
  task_t gone;
  start(&gone, "ticks", 3);
  CHECK(!resume(&gone), "ticks switched out, to be abandoned");
  wasmplug_fiber_delete(gone.fiber);
  CHECK(!wasmplug_interrupt_handle_interrupt(h), "an abandoned fiber's call is not open");
  /* an endless loop on a fiber, no limits configured: the handle ends it */
  interrupter_t i = {h, 0};
  pthread_t th;
  if (pthread_create(&th, NULL, interrupt_soon, &i)) {
    fprintf(stderr, "cannot start a thread\n");
    exit(2);
  }
  task_t spin;
  start(&spin, "spin", 0);
  resume(&spin);
  pthread_join(th, NULL);
  CHECK(atomic_load(&i.hit), "the fiber's call was running to interrupt");
  CHECK(spin.done && spin.kind == WASMPLUG_TRAP_INTERRUPT && strstr(spin.msg, "interrupted by its embedder"),
        "spin on a fiber: interrupted (kind %d: %s)", spin.kind, spin.msg);
  sleep_ms(50); /* past the watchdog's 10 ms repeat */
  int32_t r = 0;
  CHECK(call("count", 20000000, &r) == 0 && r == 20000000, "the thread's next call is not affected (%d)", r);
  wasmplug_interrupt_handle_delete(h);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: test_fiber_limits WASM_DIR baseline|optimized CACHE_DIR\n");
    return 2;
  }
  wasmplug_tier_t tier = !strcmp(argv[2], "optimized") ? WASMPLUG_TIER_OPTIMIZED : WASMPLUG_TIER_BASELINE;
  setup(tier, argv[1], argv[3], FUEL, 0);
  test_fuel();
  teardown();
  setup(tier, argv[1], argv[3], 0, TIMEOUT_MS);
  test_deadline();
  teardown();
  setup(tier, argv[1], argv[3], 0, 0);
  test_interrupt();
  teardown();
  printf("%s fiber_limits: %d passed, %d failed\n", argv[2], checks - failures, failures);
  return failures ? 1 : 0;
}
