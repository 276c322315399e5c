/*
** bench_plugin.c — guest->plugin call cost against a native C loop calling
** the same plugin function through a function pointer, in the same run.
**
** usage: bench_plugin [PLUGIN.so BENCH.wasm]   (defaults: the build's)
** Prints "plugin <case>: X ns/call, native Y ns/call, ratio Z".
** Cases: nop(), inc(u32)->u32, len(string)->u32 and echo(string)->string
** with 1 KiB, sum(list<u8>) of 64 KiB, a resource method (borrow<obj>) ->
** u32.  The string cases are compared with what any host must do for an
** untrusted 1 KiB string: copy it and validate its UTF-8 (memcpy+validate),
** plus the plugin call (len); for echo, plus copying the result back.
** Times are thread CPU time: guest and native bursts interleaved round by
** round, medians of many rounds, with the spread of the per-round ratios
** (see time_both).
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugin/plugin.h"

#include "../bench_util.h"

/* Thread CPU time, not wall time: the bench machine may be shared, and a
** burst that lost its core would otherwise look slow. */
static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static wasmplug_instance_t *inst;

static void die(const char *what, const char *msg) {
  fprintf(stderr, "bench_plugin: %s: %s\n", what, msg);
  exit(1);
}

/* Calls guest export `name` with args; traps are fatal. */
static void guest(const char *name, wasmplug_val_t *args, size_t n, wasmplug_val_t *res, size_t nr) {
  wasmplug_func_t *f = wasmplug_instance_func(inst, name);
  if (!f) die(name, "no such export");
  wasmplug_trap_t *t = wasmplug_func_call(f, args, n, res, nr);
  if (t) die(name, wasmplug_trap_message(t));
}

typedef struct {
  wp_plugin_binding_t b;
  wp_cabi_arena_t *arena;
  const void *args;
  void *res;
  int kind; /* 0: raw fn pointer, 1: through wp_plugin_binding_call, 2: memcpy+validate+call (with the copy),
               3: memcpy+validate+call, then the result string copied out (to back),
               4: the flat entry's raw pointer (one u32 param and result) */
  const uint8_t *src;
  uint8_t *dst, *back;
  size_t len;
} native_t;

static volatile uint32_t sink;

/* An empty host function: the engine's own guest->host call cost, the
** floor under every plugin call (printed for context). */
static wasmplug_trap_t *empty_host(void *env, wasmplug_caller_t *caller, wasmplug_val_raw_t *v, size_t n) {
  (void)env; (void)caller; (void)v; (void)n;
  return NULL;
}

/* One burst of the native reference.  Each kind has its own loop, so the
** raw calls' reference is the loop and the call alone (no test of the
** kind per call). */
static double time_native(native_t *n, int iters) {
  double t0 = now_ns();
  if (n->kind == 0) {
    for (int i = 0; i < iters; i++) n->b.fn(n->b.state, NULL, n->args, n->res);
  } else if (n->kind == 4) { /* as the generic call: its param read, its result stored, per call */
    uint32_t (*fn)(void *, wasmplug_plugin_call_t *, uint32_t) = (uint32_t(*)(void *, wasmplug_plugin_call_t *, uint32_t))n->b.flat;
    for (int i = 0; i < iters; i++) *(uint32_t *)n->res = fn(n->b.state, NULL, *(const uint32_t *)n->args);
  } else {
    for (int i = 0; i < iters; i++) {
      if (n->kind >= 2) {
        memcpy(n->dst, n->src, n->len);
        sink += wp_cabi_utf8_valid(n->dst, n->len);
      }
      wasmplug_trap_t *t = wp_plugin_binding_call(&n->b, n->arena, n->args, n->res);
      if (t) die("native", wasmplug_trap_message(t));
      if (n->kind == 3) { /* the result where the caller can use it after the call, as the guest gets it */
        const struct { const uint8_t *ptr; size_t len; } *r = n->res;
        memcpy(n->back, r->ptr, r->len);
        sink += n->back[r->len - 1];
      }
      wp_cabi_arena_reset(n->arena);
    }
  }
  return now_ns() - t0;
}

/* One burst of the guest's loop export f (iters calls of the import);
** the export was looked up once, so only the loop and one guarded call
** per burst are timed. */
static double time_guest(wasmplug_func_t *f, wasmplug_val_t *args, size_t nargs, size_t nres, int iters) {
  args[0] = (wasmplug_val_t){.kind = WASMPLUG_I32, .of.i32 = iters};
  wasmplug_val_t res[1];
  double t0 = now_ns();
  wasmplug_trap_t *t = wasmplug_func_call(f, args, nargs, res, nres);
  double t1 = now_ns();
  if (t) die("guest loop", wasmplug_trap_message(t));
  return t1 - t0;
}

/* One burst of either side, for bench_pair_rounds: side 0 the guest's
** loop export, side 1 the native reference. */
typedef struct {
  native_t *n;
  wasmplug_func_t *f;
  wasmplug_val_t *args;
  size_t nargs, nres;
  int burst;
} both_t;

static double burst_of(void *ctx, int side) {
  both_t *b = ctx;
  return side ? time_native(b->n, b->burst) : time_guest(b->f, b->args, b->nargs, b->nres, b->burst);
}

/* The guest loop and the native reference per call, measured alike.  This
** machine's speed drifts (a shared PVM guest: a thread's CPU time runs up
** to 1.7x slower for a while, and the clock jumps now and then); best-of
** bursts per side, or windows of summed bursts, let one slow spell decide
** a row (the same binary gave the resource method 2.84x and 3.65x in two
** full runs).  So: rounds of one burst of each side (`burst` calls, 0.2-1
** ms), interleaved, until both used >= 0.6 s of CPU (>= 31 rounds); the
** medians of each side and of the per-round ratios, and the ratios' 10th
** to 90th percentile (bench_pair_rounds). */
static void time_both(native_t *n, const char *loop, wasmplug_val_t *args, size_t nargs, size_t nres, int burst,
                      bench_pair_t *out) {
  wasmplug_func_t *f = wasmplug_instance_func(inst, loop);
  if (!f) die(loop, "no such export");
  both_t b = {n, f, args, nargs, nres, burst};
  bench_pair_rounds(burst_of, &b, burst, burst, 31, 0.6e9, out);
}

/* BENCH_PLUGIN_ONLY=case runs one case (for profiling). */
static bool wanted(const char *name) {
  const char *only = getenv("BENCH_PLUGIN_ONLY");
  return !only || !strcmp(only, name);
}

/* Issue 18's goals, as ratios to the native reference measured in the same
 * run (0: no goal).  Benchmarks, not tests: a miss is reported. */
static int missed;
static void report(const char *name, const bench_pair_t *p, double goal) {
  printf("plugin %s: %.1f ns/call, native %.1f ns/call, ratio %.2f", name, p->a, p->b, p->ratio);
  if (goal > 0) {
    printf("   [%s] <= %.1fx", p->ratio <= goal ? " met  " : "MISSED", goal);
    if (p->ratio > goal) missed++;
  }
  printf("   (medians of %d interleaved rounds; ratio p10-p90 %.2f-%.2f)\n", p->rounds, p->p10, p->p90);
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *so = argc > 2 ? argv[1] : BENCH_PLUGIN_SO;
  const char *wasm = argc > 2 ? argv[2] : BENCH_WASM;
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_OPTIMIZED);
  wasmplug_engine_t *engine;
  wasmplug_error_t *e = wasmplug_engine_new(cfg, &engine);
  wasmplug_config_delete(cfg);
  if (e) die("engine", wasmplug_error_message(e));
  FILE *f = fopen(wasm, "rb");
  if (!f) die(wasm, "cannot open");
  static uint8_t bytes[1 << 16];
  size_t len = fread(bytes, 1, sizeof bytes, f);
  fclose(f);
  wasmplug_module_t *module;
  if ((e = wasmplug_module_new(engine, bytes, len, "bench.wasm", &module))) die("module", wasmplug_error_message(e));

  wp_plugin_set_t *set = wp_plugin_set_new();
  if ((e = wp_plugin_set_load(set, so))) die("plugin", wasmplug_error_message(e));
  wp_plugin_instances_t *pg, *native_g;
  wasmplug_linker_t *linker = wasmplug_linker_new(engine);
  if ((e = wp_plugin_instances_new(set, &pg)) || (e = wp_plugin_instances_define(pg, linker, module)))
    die("link", wasmplug_error_message(e));
  wasmplug_trap_t *trap = NULL;
  wasmplug_linker_instantiate(linker, module, NULL, &inst, &e, &trap);
  if (e || trap) die("instantiate", e ? wasmplug_error_message(e) : wasmplug_trap_message(trap));
  if ((e = wp_plugin_instances_new(set, &native_g))) die("guest", wasmplug_error_message(e));

  native_t n = {0};
  n.arena = wp_cabi_arena_new(0);
  const char *iface = "bench:plugin/api@1.0.0";
  wasmplug_val_t args[3];
  const int scalar_iters = 100000; /* calls per burst (time_both) */

  uint32_t in32 = 0, out32 = 0;
  bench_pair_t row;
  /* nop */
  if (wanted("nop")) {
  if ((e = wp_plugin_instances_bind(native_g, iface, "nop", NULL, &n.b))) die("bind", wasmplug_error_message(e));
  n.kind = 0;
  n.args = &in32;
  n.res = NULL;
  time_both(&n, "loop_nop", args, 1, 0, scalar_iters, &row);
  report("nop", &row, 3.0);
  }

  /* inc: (u32) -> u32 */
  if (wanted("u32->u32")) {
  if ((e = wp_plugin_instances_bind(native_g, iface, "inc", NULL, &n.b))) die("bind", wasmplug_error_message(e));
  n.kind = 0;
  n.args = &in32;
  n.res = &out32;
  time_both(&n, "loop_inc", args, 1, 1, scalar_iters, &row);
  report("u32->u32", &row, 3.0);
  }

  /* resource method: [method]obj.get(self: borrow<obj>) -> u32 */
  if (wanted("resource-method")) {
  if ((e = wp_plugin_instances_bind(native_g, iface, "[method]obj.get", NULL, &n.b))) die("bind", wasmplug_error_message(e));
  wasmplug_val_t h[1];
  guest("new_obj", NULL, 0, h, 1);
  in32 = 7;
  n.kind = 0;
  n.args = &in32;
  n.res = &out32;
  args[1] = h[0];
  time_both(&n, "loop_get", args, 2, 1, scalar_iters, &row);
  report("resource-method", &row, 3.0);
  }

  /* The same two through their flat entries (plugin ABI 1.5), against the
  ** same native call of the flat entry through a function pointer. */
  if (wanted("u32->u32-flat")) {
  if ((e = wp_plugin_instances_bind(native_g, iface, "inc-flat", NULL, &n.b))) die("bind", wasmplug_error_message(e));
  if (!n.b.flat) die("inc-flat", "no flat entry");
  n.kind = 4;
  n.args = &in32;
  n.res = &out32;
  time_both(&n, "loop_inc_flat", args, 1, 1, scalar_iters, &row);
  report("u32->u32-flat", &row, 3.0);
  }
  if (wanted("resource-method-flat")) {
  if ((e = wp_plugin_instances_bind(native_g, iface, "[method]obj.get-flat", NULL, &n.b))) die("bind", wasmplug_error_message(e));
  if (!n.b.flat) die("[method]obj.get-flat", "no flat entry");
  wasmplug_val_t h[1];
  guest("new_obj", NULL, 0, h, 1);
  in32 = 7;
  n.kind = 4;
  n.args = &in32;
  n.res = &out32;
  args[1] = h[0];
  time_both(&n, "loop_get_flat", args, 2, 1, scalar_iters, &row);
  report("resource-method-flat", &row, 3.0);
  }

  /* 1 KiB strings */
  wasmplug_memory_t *mem = wasmplug_instance_memory(inst, "memory");
  static uint8_t text[65536], copy[65536];
  for (size_t i = 0; i < sizeof text; i++) text[i] = (uint8_t)('a' + i % 26);
  struct { const uint8_t *ptr; size_t len; } sin = {text, 1024}, sout, scopy = {copy, 1024};
  const uint32_t at = 0x1000;
  const int str_iters = 10000;
  if (wanted("string-1KiB") || wanted("string-1KiB-param")) {
    wasmplug_memory_write(mem, at, text, 1024);
    args[1] = (wasmplug_val_t){.kind = WASMPLUG_I32, .of.i32 = at};
    args[2] = (wasmplug_val_t){.kind = WASMPLUG_I32, .of.i32 = 1024};
  }
  /* len: (string) -> u32 -- a string in, a scalar out.  The reference does
  ** the same work natively: copy the 1 KiB out of "guest" memory, validate
  ** its UTF-8, call the plugin with the copy (wp_plugin_binding_call). */
  if (wanted("string-1KiB-param")) {
    if ((e = wp_plugin_instances_bind(native_g, iface, "len", NULL, &n.b))) die("bind", wasmplug_error_message(e));
    n.kind = 2;
    n.args = &scopy;
    n.res = &out32;
    n.src = text;
    n.dst = copy;
    n.len = 1024;
    time_both(&n, "loop_len", args, 3, 1, str_iters, &row);
    report("string-1KiB-param-vs-memcpy+validate+call", &row, 1.3);
  }
  /* echo: (string) -> string, 1 KiB: the string in and back out */
  if (wanted("string-1KiB")) {
  if ((e = wp_plugin_instances_bind(native_g, iface, "echo", NULL, &n.b))) die("bind", wasmplug_error_message(e));
  n.kind = 1;
  n.args = &sin;
  n.res = &sout;
  time_both(&n, "loop_echo", args, 3, 0, str_iters, &row);
  report("string-1KiB-echo", &row, 0);
  /* Informational: the echo against a reference that also copies the
  ** result string to where its caller can use it (the guest path further
  ** runs the guest's cabi_realloc for it, which no native reference can). */
  static uint8_t back[65536];
  n.kind = 3;
  n.args = &scopy;
  n.src = text;
  n.dst = copy;
  n.len = 1024;
  n.back = back;
  time_both(&n, "loop_echo", args, 3, 0, str_iters, &row);
  report("string-1KiB-echo-vs-memcpy+validate+call+copy-back", &row, 0);
  }

  /* sum: (list<u8>) -> u32, 64 KiB */
  if (wanted("list<u8>-64KiB")) {
  const uint32_t lat = 0x10000;
  wasmplug_memory_write(mem, lat, text, 65536);
  if ((e = wp_plugin_instances_bind(native_g, iface, "sum", NULL, &n.b))) die("bind", wasmplug_error_message(e));
  sin.len = 65536;
  n.args = &sin;
  n.kind = 1;
  n.res = &out32;
  const int list_iters = 10;
  args[1] = (wasmplug_val_t){.kind = WASMPLUG_I32, .of.i32 = lat};
  args[2] = (wasmplug_val_t){.kind = WASMPLUG_I32, .of.i32 = 65536};
  time_both(&n, "loop_sum", args, 3, 1, list_iters, &row);
  report("list<u8>-64KiB", &row, 0);
  }

  if (wanted("floor")) {
    /* The same guest loop against an empty host function. */
    wasmplug_linker_t *l2 = wasmplug_linker_new(engine);
    wasmplug_linker_allow_unknown_imports(l2, true);
    wasmplug_functype_t t0 = {0, 0, NULL, NULL};
    wasmplug_instance_t *plugin_inst = inst;
    if ((e = wasmplug_linker_define_func(l2, iface, "nop", &t0, empty_host, NULL, NULL)))
      die("floor", wasmplug_error_message(e));
    wasmplug_linker_instantiate(l2, module, NULL, &inst, &e, &trap);
    if (e || trap) die("floor", e ? wasmplug_error_message(e) : wasmplug_trap_message(trap));
    wasmplug_func_t *nop_loop = wasmplug_instance_func(inst, "loop_nop");
    if (!nop_loop) die("loop_nop", "no such export");
    double ft = 1e300;
    for (int rep = 0; rep < 7; rep++) {
      double x = time_guest(nop_loop, args, 1, 0, 1000000) / 1e6;
      if (x < ft) ft = x;
    }
    printf("(engine floor: a guest call of an empty host function takes %.1f ns)\n", ft);
    wasmplug_instance_delete(inst);
    wasmplug_linker_delete(l2);
    inst = plugin_inst;
  }

  wp_cabi_arena_delete(n.arena);
  wasmplug_instance_delete(inst);
  wp_plugin_instances_delete(pg);
  wp_plugin_instances_delete(native_g);
  wasmplug_linker_delete(linker);
  wp_plugin_set_delete(set);
  wasmplug_module_delete(module);
  wasmplug_engine_delete(engine);
  if (missed) printf("plugin bench: %d target(s) missed\n", missed);
  return 0;
}
