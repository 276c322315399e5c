/*
** bench_async.c — the async canonical ABI's costs against the synchronous
** paths, in the same run (issue 16).
**
** usage: bench_async [DIR [baseline|optimized]]   (default: the build's
**        components and plugin, the optimized tier)
**
** guest->host (calls.wasm and the native plugin bench_async_plugin.so):
**   sync lower      run-sync(n): n calls of the sync function nop;
**   async lower     run-async(n): n async-lowered calls of nop-async, an
**                   async function the plugin finishes at once (RETURNED);
**   async, pending  run-pend(n): n async-lowered calls of pend, which the
**                   plugin finishes later from the event loop: each call is
**                   STARTED, the guest waits on a waitable set for the
**                   subtask's event, drops the subtask.
** host->guest (the same component, from C through wasmplug.h):
**   sync            wasmplug_component_func_call on id (sync lift);
**   async callback  wasmplug_component_call_start + _wait + _delete on
**                   id-callback (async lift with a callback);
**   async stackful  the same on id-stackful (async lift, own fiber);
**   func_call       wasmplug_component_func_call on id-callback.
** guest->guest (stream.wasm: two components composed): $Q calls $P's id,
**   lowered sync (sync lift), or async-lowered id-callback.
** stream: $Q reads a 64 MiB stream<u8> that $P writes from its 64 KiB
**   buffer into $Q's 64 KiB buffer, against memcpy in the same pattern
**   (64 KiB between two buffers, 1024 times) and one 64 MiB memcpy.
**
** Times are thread CPU time (the bench machine is shared), best of 5
** bursts, variants interleaved round by round.  Prints ns per call (and
** ratios to the sync path), MiB/s for the stream.
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../bench_util.h"

#include "wasmplug.h"
#include "wasmplug/host.h"

#ifndef BENCH_DIR
#define BENCH_DIR "."
#endif

static void die(const char *what, const char *msg) {
  fprintf(stderr, "bench_async: %s: %s\n", what, msg);
  exit(1);
}

static wasmplug_component_instance_t *load(wasmplug_host_t *host, const char *dir, const char *name,
                                           wasmplug_program_t **prog, wasmplug_program_instance_t **pi) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  size_t len;
  unsigned char *bytes = bench_read_file(path, &len);
  if (!bytes) die(path, "cannot read");
  wasmplug_trap_t *trap = NULL;
  wasmplug_error_t *e = wasmplug_program_new(host, bytes, len, name, prog);
  if (!e) wasmplug_program_instantiate(*prog, pi, &e, &trap);
  if (e) die(name, wasmplug_error_message(e));
  if (trap) die(name, wasmplug_trap_message(trap));
  free(bytes);
  return wasmplug_program_instance_component(*pi);
}

static wasmplug_component_func_t *func(wasmplug_component_instance_t *ci, const char *name) {
  wasmplug_component_func_t *f = wasmplug_component_instance_func(ci, name);
  if (!f) die(name, "no such export");
  return f;
}

static wasmplug_cval_t u32v(uint32_t x) {
  wasmplug_cval_t v;
  memset(&v, 0, sizeof v);
  v.kind = WASMPLUG_C_U32;
  v.of.u32 = x;
  return v;
}

/* f(x) through wasmplug_component_func_call: its u32 or u64 result. */
static uint64_t call1(wasmplug_component_func_t *f, uint32_t x, const char *what) {
  wasmplug_cval_t arg = u32v(x), res;
  wasmplug_trap_t *t = wasmplug_component_func_call(f, &arg, 1, &res);
  if (t) die(what, wasmplug_trap_message(t));
  uint64_t r = res.kind == WASMPLUG_C_U64 ? res.of.u64 : res.of.u32;
  wasmplug_cval_drop(&res);
  return r;
}

/* ------------------------------------------------------------ variants */

typedef struct variant {
  const char *name;
  double (*run)(struct variant *v, int n); /* ns for n operations */
  wasmplug_component_func_t *f;
  double best;
} variant;

static double guest_loop(variant *v, int n) {
  double t0 = bench_ns(CLOCK_THREAD_CPUTIME_ID);
  uint64_t r = call1(v->f, (uint32_t)n, v->name);
  double t = bench_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
  if (r != (uint64_t)n) {
    char msg[100];
    snprintf(msg, sizeof msg, "returned %llu, expected %llu", (unsigned long long)r, (unsigned long long)n);
    die(v->name, msg);
  }
  return t;
}

static double host_sync(variant *v, int n) {
  double t0 = bench_ns(CLOCK_THREAD_CPUTIME_ID);
  for (int i = 0; i < n; i++)
    if (call1(v->f, (uint32_t)i, v->name) != (uint32_t)i) die(v->name, "wrong result");
  return bench_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
}

static double host_async(variant *v, int n) {
  double t0 = bench_ns(CLOCK_THREAD_CPUTIME_ID);
  for (int i = 0; i < n; i++) {
    wasmplug_cval_t arg = u32v((uint32_t)i), res;
    wasmplug_component_call_t *c = NULL;
    wasmplug_trap_t *t = wasmplug_component_call_start(v->f, &arg, 1, &c);
    if (!t) t = wasmplug_component_call_wait(c, &res);
    if (t) die(v->name, wasmplug_trap_message(t));
    if (res.of.u32 != (uint32_t)i) die(v->name, "wrong result");
    wasmplug_component_call_delete(c);
  }
  return bench_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
}

/* best-of bursts, variants interleaved; returns ns per operation */
static void measure(variant *vs, size_t nv, int n, int rounds) {
  for (size_t i = 0; i < nv; i++) {
    vs[i].best = 1e300;
    vs[i].run(&vs[i], n / 10 + 1); /* warm up */
  }
  for (int r = 0; r < rounds; r++)
    for (size_t i = 0; i < nv; i++) {
      double t = vs[i].run(&vs[i], n) / n;
      if (t < vs[i].best) vs[i].best = t;
    }
}

static void print_calls(const char *group, variant *vs, size_t nv) {
  for (size_t i = 0; i < nv; i++)
    printf("async %-13s %-32s %9.1f ns/call   (%.2fx the first)\n", group, vs[i].name, vs[i].best,
           vs[i].best / vs[0].best);
}

/* ------------------------------------------------------------ stream */

#define CHUNK 65536u
#define TOTAL (64u << 20)

static double memcpy_chunks(uint8_t *a, uint8_t *b) {
  double t0 = bench_ns(CLOCK_THREAD_CPUTIME_ID);
  for (unsigned i = 0; i < TOTAL / CHUNK; i++) {
    memcpy(b, a, CHUNK);
    __asm__ volatile("" : : "r"(b) : "memory");
    a[i & (CHUNK - 1)]++;
  }
  return bench_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
}

static double memcpy_whole(uint8_t *a, uint8_t *b) {
  double t0 = bench_ns(CLOCK_THREAD_CPUTIME_ID);
  memcpy(b, a, TOTAL);
  __asm__ volatile("" : : "r"(b) : "memory");
  return bench_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : BENCH_DIR;
  const char *tier = argc > 2 ? argv[2] : "optimized";
  char path[4096];
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, strcmp(tier, "baseline") ? WASMPLUG_TIER_OPTIMIZED : WASMPLUG_TIER_BASELINE);
  snprintf(path, sizeof path, "%s/cache", dir);
  wasmplug_config_cache_dir_set(cfg, path);
  wasmplug_engine_t *engine = NULL;
  wasmplug_host_t *host = NULL;
  wasmplug_error_t *e = wasmplug_engine_new(cfg, &engine);
  wasmplug_config_delete(cfg);
  snprintf(path, sizeof path, "%s/bench_async_plugin.so", dir);
  if (!e) e = wasmplug_host_new(engine, NULL, &host);
  if (!e) e = wasmplug_host_plugin_load(host, path);
  if (e) die("setup", wasmplug_error_message(e));

  wasmplug_program_t *cprog, *sprog;
  wasmplug_program_instance_t *cpi, *spi;
  wasmplug_component_instance_t *calls = load(host, dir, "calls.wasm", &cprog, &cpi);
  wasmplug_component_instance_t *stream = load(host, dir, "stream.wasm", &sprog, &spi);
  printf("async: %s tier\n", tier);

  /* guest -> host: the plugin's nop adds 1, so n calls return n */
  const int N = 1000000;
  variant g2h[] = {
      {"sync lower (nop)", guest_loop, func(calls, "run-sync"), 0},
      {"async lower, returns at once", guest_loop, func(calls, "run-async"), 0},
      {"async lower, pending + wait", guest_loop, func(calls, "run-pend"), 0},
  };
  measure(g2h, 2, N, 5);
  measure(g2h + 2, 1, N / 10, 5);
  print_calls("guest->host", g2h, 3);

  /* host -> guest */
  variant h2g[] = {
      {"sync (func_call, sync lift)", host_sync, func(calls, "id"), 0},
      {"async callback (call_start+wait)", host_async, func(calls, "id-callback"), 0},
      {"async stackful (call_start+wait)", host_async, func(calls, "id-stackful"), 0},
      {"async callback (func_call)", host_sync, func(calls, "id-callback"), 0},
  };
  measure(h2g, 4, 200000, 5);
  print_calls("host->guest", h2g, 4);

  /* guest -> guest: run-* return n (each call adds 1) */
  variant g2g[] = {
      {"sync lower, sync lift", guest_loop, func(stream, "run-sync"), 0},
      {"async lower, callback lift", guest_loop, func(stream, "run-async"), 0},
  };
  measure(g2g, 2, N, 5);
  print_calls("guest->guest", g2g, 2);

  /* the stream: consume returns count << 32 | sum of first bytes (0) */
  wasmplug_component_func_t *consume = func(stream, "consume");
  uint8_t *a = malloc(TOTAL), *b = malloc(TOTAL);
  if (!a || !b) die("stream", "out of memory");
  memset(a, 1, TOTAL);
  memset(b, 2, TOTAL);
  double best_s = 1e300, best_c = 1e300, best_w = 1e300;
  call1(consume, TOTAL, "consume"); /* warm up */
  for (int r = 0; r < 5; r++) {
    double t0 = bench_ns(CLOCK_THREAD_CPUTIME_ID);
    uint64_t got = call1(consume, TOTAL, "consume");
    double t = bench_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
    if (got >> 32 != TOTAL) die("consume", "wrong byte count");
    if (t < best_s) best_s = t;
    t = memcpy_chunks(a, b);
    if (t < best_c) best_c = t;
    t = memcpy_whole(a, b);
    if (t < best_w) best_w = t;
  }
  double mib = (double)TOTAL / (1 << 20);
  printf("async stream        64 MiB stream<u8>, component to component %8.0f MiB/s   (%.2f ms)\n",
         mib / (best_s / 1e9), best_s / 1e6);
  printf("async stream        memcpy, 64 KiB x 1024 (same pattern)      %8.0f MiB/s   (%.2f ms; stream at %.2fx its time)\n",
         mib / (best_c / 1e9), best_c / 1e6, best_s / best_c);
  printf("async stream        memcpy, one 64 MiB copy                   %8.0f MiB/s   (%.2f ms; stream at %.2fx its time)\n",
         mib / (best_w / 1e9), best_w / 1e6, best_s / best_w);
  free(a);
  free(b);

  wasmplug_program_instance_delete(cpi);
  wasmplug_program_instance_delete(spi);
  wasmplug_program_delete(cprog);
  wasmplug_program_delete(sprog);
  wasmplug_host_delete(host);
  wasmplug_engine_delete(engine);
  return 0;
}
