/*
** test_fuel.c — fuel metering (wasmplug_config_fuel_set) and epoch
** interruption (wasmplug_config_epoch_deadline_set): interruption checked
** at function entries and loop headers, on one tier
** (argv[2]: baseline or optimized).  argv[1] is the folder of test modules,
** argv[3] a scratch cache directory.
**
** Every export of wat/fuel.wat needs a known number of units (one per
** function entry, one per loop iteration), so the test checks the exact
** boundary: with F units a call needing F runs, one needing F + 1 traps
** with WASMPLUG_TRAP_OUT_OF_FUEL.  Also: every outermost call starts with
** the full amount, a guest call made back from a host function shares it
** (wasmplug_call_fuel there), unbounded recursion and loops stop, the
** watchdog's time limit still works with fuel set, code compiled
** without fuel checks (same cache) is not taken for code with them, the
** trap's backtrace names the function that ran out, a host function reads
** and sets the fuel left.  Epochs: a deadline of N ticks lets a call see
** N - 1 increments and stops it at the first check after the N-th; a host
** function may move the deadline; another thread's increments stop an
** endless loop.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmplug.h"
#include "core_test.h" /* CHECK, read_fixture, core_test_module */

#define FUEL 1000

static const char *dir, *cache;
static wasmplug_tier_t tier;
static int64_t seen_fuel; /* wasmplug_call_fuel in the host function */
static int64_t refuel = -1; /* >= 0: the host function sets the fuel left to it */
static wasmplug_engine_t *tick_engine; /* the engine whose epoch `tick` advances */
static int extend_at = -1; /* the tick that moves the deadline 10 ticks on */
static int ticks_seen;

static wasmplug_trap_t *reenter_fn(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n) {
  (void)env;
  (void)n;
  seen_fuel = wasmplug_call_fuel();
  if (refuel >= 0) CHECK(wasmplug_call_fuel_set((uint64_t)refuel), "wasmplug_call_fuel_set in a call");
  wasmplug_instance_t *in = wasmplug_caller_instance(c);
  return wasmplug_func_call_unchecked(wasmplug_instance_func(in, "count"), v);
}

static wasmplug_trap_t *tick_fn(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n) {
  (void)env;
  (void)c;
  (void)v;
  (void)n;
  wasmplug_engine_increment_epoch(tick_engine);
  if (++ticks_seen == extend_at) CHECK(wasmplug_call_epoch_deadline_set(10), "deadline moved");
  return NULL;
}

typedef struct {
  wasmplug_engine_t *engine;
  wasmplug_module_t *module;
  wasmplug_linker_t *linker;
  wasmplug_instance_t *instance;
} setup_t;

static void setup(setup_t *s, uint64_t fuel, uint64_t timeout_ms, uint64_t epoch_ticks) {
  wasmplug_config_t *c = wasmplug_config_new();
  wasmplug_config_cache_dir_set(c, cache);
  wasmplug_config_tier_set(c, tier);
  wasmplug_config_fuel_set(c, fuel);
  wasmplug_config_timeout_set(c, timeout_ms);
  wasmplug_config_epoch_deadline_set(c, epoch_ticks);
  s->engine = core_test_engine(c);
  s->module = core_test_module(s->engine, dir, "fuel.wasm");
  wasmplug_error_t *e = NULL;
  wasmplug_valkind_t i32 = WASMPLUG_I32;
  wasmplug_functype_t t = {1, 1, &i32, &i32}, t0 = {0, 0, NULL, NULL};
  if (!e) {
    s->linker = wasmplug_linker_new(s->engine);
    e = wasmplug_linker_define_func(s->linker, "host", "reenter", &t, reenter_fn, NULL, NULL);
  }
  if (!e) e = wasmplug_linker_define_func(s->linker, "host", "tick", &t0, tick_fn, NULL, NULL);
  tick_engine = s->engine;
  wasmplug_trap_t *trap = NULL;
  if (!e) wasmplug_linker_instantiate(s->linker, s->module, NULL, &s->instance, &e, &trap);
  if (e || trap) {
    fprintf(stderr, "setup: %s\n", e ? wasmplug_error_message(e) : wasmplug_trap_message(trap));
    exit(2);
  }
}

static void teardown(setup_t *s) {
  wasmplug_instance_delete(s->instance);
  wasmplug_linker_delete(s->linker);
  wasmplug_module_delete(s->module);
  wasmplug_engine_delete(s->engine);
}

static char *last_message; /* the last trap's message, when set */

/* Calls NAME(arg); returns the trap kind (0: none) and the result. */
static int call(setup_t *s, const char *name, int32_t arg, int32_t *result) {
  wasmplug_func_t *f = wasmplug_instance_func(s->instance, name);
  if (!f) {
    fprintf(stderr, "no export %s\n", name);
    exit(2);
  }
  const wasmplug_functype_t *ft = wasmplug_func_type(f);
  wasmplug_val_t a = {WASMPLUG_I32, {.i32 = arg}}, r = {WASMPLUG_I32, {.i32 = 0}};
  wasmplug_trap_t *t = wasmplug_func_call(f, &a, ft->nparams, &r, ft->nresults);
  int kind = 0;
  if (t) {
    kind = (int)wasmplug_trap_kind(t);
    if (kind == WASMPLUG_TRAP_OUT_OF_FUEL) {
      CHECK(strstr(wasmplug_trap_message(t), "all fuel consumed by WebAssembly") != NULL, "message: %s",
            wasmplug_trap_message(t));
      /* the message and the backtrace name the function that ran out
      ** (fuel.wasm has a name section) */
      char want[64];
      snprintf(want, sizeof want, "fuel.wasm!%s", !strcmp(name, "via_host") ? "count" : name);
      CHECK(strstr(wasmplug_trap_message(t), want) != NULL, "message names %s: %s", want,
            wasmplug_trap_message(t));
      char *bt = wasmplug_trap_backtrace(t);
      CHECK(bt && strstr(bt, want), "backtrace names %s: %s", want, bt ? bt : "(none)");
      free(bt);
    }
    if (last_message) snprintf(last_message, 256, "%s", wasmplug_trap_message(t));
    wasmplug_trap_delete(t);
  }
  if (result) *result = r.of.i32;
  return kind;
}

typedef struct {
  wasmplug_engine_t *engine;
  atomic_int *stop;
} ticker_arg_t;

/* Two threads metering at once (each its own instance): compiled code
** finds its thread's meter at one offset from the thread pointer, read
** once when the code was loaded (on the main thread), so each thread's
** calls must spend their own fuel only, exactly as on one thread. */
typedef struct {
  setup_t *s;
  int bad; /* the first round that went wrong, or -1 */
} meter_thread_t;

static int32_t call_quiet(setup_t *s, const char *name, int32_t arg, int *kind) {
  wasmplug_func_t *f = wasmplug_instance_func(s->instance, name);
  wasmplug_val_t a = {WASMPLUG_I32, {.i32 = arg}}, r = {WASMPLUG_I32, {.i32 = -1}};
  wasmplug_trap_t *t = f ? wasmplug_func_call(f, &a, 1, &r, 1) : NULL;
  *kind = f ? (t ? (int)wasmplug_trap_kind(t) : 0) : -1;
  wasmplug_trap_delete(t);
  return r.of.i32;
}

static void *meter_thread(void *p) {
  meter_thread_t *m = p;
  m->bad = -1;
  for (int i = 0; i < 300 && m->bad < 0; i++) {
    int k1, k2, k3;
    int32_t r1 = call_quiet(m->s, "count", FUEL - 1, &k1);
    call_quiet(m->s, "count", FUEL, &k2);
    int32_t r3 = call_quiet(m->s, "rec", 10 + i % 7, &k3);
    int64_t left = wasmplug_call_fuel();
    if (k1 || r1 != FUEL - 1 || k2 != WASMPLUG_TRAP_OUT_OF_FUEL || k3 || r3 != 10 + i % 7 ||
        left != FUEL - (11 + i % 7))
      m->bad = i;
  }
  return NULL;
}

/* The embedder's timer thread: one tick every millisecond. */
static void *ticker(void *p) {
  ticker_arg_t *a = p;
  struct timespec ms = {0, 1000000};
  while (!atomic_load(a->stop)) {
    wasmplug_engine_increment_epoch(a->engine);
    nanosleep(&ms, NULL);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: test_fuel WASM_DIR baseline|optimized CACHE_DIR\n");
    return 2;
  }
  dir = argv[1];
  tier = !strcmp(argv[2], "optimized") ? WASMPLUG_TIER_OPTIMIZED : WASMPLUG_TIER_BASELINE;
  cache = argv[3];
  int32_t r;

  /* Without fuel first: with the optimized tier this puts code without
  ** checks into the cache, which the engine with fuel must not pick up. */
  setup_t s;
  setup(&s, 0, 300, 0);
  CHECK(call(&s, "count", 5000000, &r) == 0 && r == 5000000, "no fuel: no limit (%d)", r);
  CHECK(call(&s, "spin", 0, NULL) == WASMPLUG_TRAP_INTERRUPT, "no fuel: the watchdog stops a loop");
  teardown(&s);

  setup(&s, FUEL, 0, 0);
  /* loops: 1 + n units */
  CHECK(call(&s, "count", FUEL - 1, &r) == 0 && r == FUEL - 1, "count(%d) with %d units", FUEL - 1, FUEL);
  CHECK(call(&s, "count", FUEL, &r) == WASMPLUG_TRAP_OUT_OF_FUEL, "count(%d) needs one unit more", FUEL);
  /* every outermost call starts over, and a trap leaves the instance usable */
  CHECK(call(&s, "count", FUEL - 1, &r) == 0 && r == FUEL - 1, "fuel refilled for the next call");
  /* calls: n + 1 entries */
  CHECK(call(&s, "rec", FUEL - 1, &r) == 0 && r == FUEL - 1, "rec(%d)", FUEL - 1);
  CHECK(call(&s, "rec", FUEL, &r) == WASMPLUG_TRAP_OUT_OF_FUEL, "rec(%d) needs one unit more", FUEL);
  /* no end */
  CHECK(call(&s, "spin", 0, NULL) == WASMPLUG_TRAP_OUT_OF_FUEL, "an endless loop stops");
  CHECK(call(&s, "deep", 0, NULL) == WASMPLUG_TRAP_OUT_OF_FUEL, "endless recursion stops before the stack");
  /* a host function's call back into the guest shares the call's fuel:
  ** via_host's entry took one unit, count(n) takes 1 + n more */
  seen_fuel = -1;
  CHECK(call(&s, "via_host", FUEL - 2, &r) == 0 && r == FUEL - 2, "via_host(%d)", FUEL - 2);
  CHECK(seen_fuel == FUEL - 1, "wasmplug_call_fuel in the host function: %lld", (long long)seen_fuel);
  CHECK(call(&s, "via_host", FUEL - 1, &r) == WASMPLUG_TRAP_OUT_OF_FUEL, "the inner call shares the fuel");
  CHECK(wasmplug_call_fuel() == 0, "what the last call left: none (%lld)", (long long)wasmplug_call_fuel());
  CHECK(!wasmplug_call_fuel_set(5), "no fuel to set outside calls");
  /* what a call leaves is readable after it */
  CHECK(call(&s, "count", 10, &r) == 0 && wasmplug_call_fuel() == FUEL - 11, "left after count(10): %lld",
        (long long)wasmplug_call_fuel());
  /* tail calls are entries: tail(n) is n + 1 of them */
  CHECK(call(&s, "tail", FUEL - 1, &r) == 0 && r == 7, "tail(%d)", FUEL - 1);
  CHECK(call(&s, "tail", FUEL, &r) == WASMPLUG_TRAP_OUT_OF_FUEL, "tail(%d) needs one unit more", FUEL);
  /* a host function refuels the call: count(n) inside via_host gets n + 1 */
  refuel = 5000;
  CHECK(call(&s, "via_host", 4999, &r) == 0 && r == 4999, "refuelled by the host: %d", r);
  refuel = 0; /* and stops it at the next check */
  CHECK(call(&s, "via_host", 1, &r) == WASMPLUG_TRAP_OUT_OF_FUEL, "emptied by the host");
  refuel = -1;
  teardown(&s);

  /* without fuel: unlimited, and the setters refuse */
  setup(&s, 0, 0, 0);
  seen_fuel = 0;
  CHECK(call(&s, "via_host", 3, &r) == 0 && seen_fuel == INT64_MAX, "no limit: %lld", (long long)seen_fuel);
  CHECK(wasmplug_call_fuel() == INT64_MAX, "no limit after the call");
  teardown(&s);

  /* epochs: a deadline 3 ticks on lets the call see ticks 1 and 2 and
  ** stops it at the first check after the 3rd (the loop's header) */
  char msg[256];
  last_message = msg;
  setup(&s, 0, 0, 3);
  ticks_seen = 0;
  CHECK(call(&s, "ticks", 2, &r) == 0 && r == 2, "2 ticks of 3");
  CHECK(call(&s, "ticks", 2, &r) == 0 && r == 2, "each call has its own deadline");
  ticks_seen = 0;
  msg[0] = 0;
  CHECK(call(&s, "ticks", 100, &r) == WASMPLUG_TRAP_INTERRUPT && ticks_seen == 3, "stopped after 3 ticks (%d)",
        ticks_seen);
  CHECK(strstr(msg, "epoch deadline in fuel.wasm!ticks") != NULL, "epoch message: %s", msg);
  /* a host function moves the deadline: 10 ticks after the 2nd */
  ticks_seen = 0;
  extend_at = 2;
  CHECK(call(&s, "ticks", 100, &r) == WASMPLUG_TRAP_INTERRUPT && ticks_seen == 12, "deadline moved (%d)",
        ticks_seen);
  extend_at = -1;
  CHECK(!wasmplug_call_epoch_deadline_set(1), "no deadline to move outside calls");
  CHECK(call(&s, "count", 100000, &r) == 0 && r == 100000, "no ticks: runs");
  teardown(&s);
  last_message = NULL;

  /* another thread advancing the epoch stops an endless loop (no
  ** watchdog here) */
  setup(&s, 0, 0, 2);
  atomic_int stop = 0;
  pthread_t th;
  ticker_arg_t ta = {s.engine, &stop};
  pthread_create(&th, NULL, ticker, &ta);
  CHECK(call(&s, "spin", 0, NULL) == WASMPLUG_TRAP_INTERRUPT, "an endless loop stops at the epoch deadline");
  atomic_store(&stop, 1);
  pthread_join(th, NULL);
  teardown(&s);

  /* the watchdog is kept: a time limit still stops a loop fuel would let
  ** run (one that calls the host: gcc turns `spin`, whose only effect is
  ** on the fuel, into its closed form, which traps at once -- the same
  ** point the loop would reach) */
  setup(&s, (uint64_t)1 << 62, 200, 0);
  CHECK(call(&s, "ticks", 0x7fffffff, NULL) == WASMPLUG_TRAP_INTERRUPT, "time limit with fuel set");
  CHECK(call(&s, "count", 10, &r) == 0 && r == 10, "usable after the interrupt");
  teardown(&s);

  /* two threads at once, each with its own fuel */
  setup_t s1, s2;
  setup(&s1, FUEL, 0, 0);
  setup(&s2, FUEL, 0, 0);
  meter_thread_t m1 = {&s1, -1}, m2 = {&s2, -1};
  pthread_t t1, t2;
  pthread_create(&t1, NULL, meter_thread, &m1);
  pthread_create(&t2, NULL, meter_thread, &m2);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  CHECK(m1.bad < 0 && m2.bad < 0, "two threads metering at once: exact fuel on each (first bad round %d, %d)",
        m1.bad, m2.bad);
  teardown(&s2);
  teardown(&s1);

  printf("%s fuel: %d passed, %d failed\n", argv[2], checks - failures, failures);
  return failures ? 1 : 0;
}
