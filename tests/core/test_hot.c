/*
** test_hot.c — hot-first tier-up (docs/engine.md), on hot.wasm
** (wat/hot.wat) with WASMPLUG_TIER_UP_HOT=only (the builder stores the hot
** object and stops: no whole-module entry to load instead):
**   1. reference: every export's result, trap message and backtrace on
**      the baseline tier alone;
**   2. a builder killed at its link leaves no hot entry; the next start
**      runs on the baseline alone, correctly;
**   3. a run with tier-up that calls only "work" and "mid" stores a hot
**      object (wasmplug_module_tier_up_wait);
**   4. the next start loads it: wasmplug_module_hot_functions names
**      exactly the functions the run called (1 2 5 6 7), and every export
**      gives the reference's results, traps and backtraces, including a
**      cold function reached only now (through the baseline, directly and
**      through the table), a trap in a hot function called from the
**      baseline and a trap in a cold one called from a hot one;
**   5. a corrupted, then a truncated hot object is refused with a note
**      naming it, and the module runs on the baseline, correctly.
** argv[1]: the wasm directory; argv[2]: a scratch directory (emptied by
** the ctest command).
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core_test.h"

static uint8_t *wasm;
static size_t wasm_len;

static wasmplug_trap_t *add_fn(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n) {
  (void)env;
  (void)c;
  (void)n;
  v[0].i32 = v[0].i32 + v[1].i32;
  return NULL;
}

/* What one call of an export gave: its result, or its trap's message and
** backtrace. */
typedef struct outcome {
  int32_t r;
  char msg[200];
  char bt[600];
} outcome_t;

typedef struct call {
  const char *name;
  int32_t arg; /* INT32_MIN: no argument */
} call_t;

/* Every export, in an order that makes "count" depend on "work". */
static const call_t calls[] = {{"work", 50}, {"mid", 5},         {"mid", 2000}, {"cold", 7},
                               {"mid", -1},  {"trap_hot", 0}, {"count", INT32_MIN}};
#define NCALLS (sizeof calls / sizeof calls[0])

typedef struct run {
  wasmplug_engine_t *engine;
  wasmplug_module_t *module;
  wasmplug_instance_t *inst;
  wasmplug_linker_t *linker;
} run_t;

static run_t start(const char *cache, wasmplug_tier_t tier, bool tier_up) {
  run_t s = {0};
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, tier);
  wasmplug_config_cache_dir_set(cfg, cache);
  wasmplug_config_tier_up_set(cfg, tier_up);
  s.engine = core_test_engine(cfg);
  wasmplug_error_t *e = wasmplug_module_new(s.engine, wasm, wasm_len, "hot.wasm", &s.module);
  wasmplug_trap_t *trap = NULL;
  if (!e) {
    s.linker = wasmplug_linker_new(s.engine);
    wasmplug_valkind_t p[2] = {WASMPLUG_I32, WASMPLUG_I32}, r = WASMPLUG_I32;
    wasmplug_functype_t ft = {2, 1, p, &r};
    e = wasmplug_linker_define_func(s.linker, "env", "add", &ft, add_fn, NULL, NULL);
    if (!e) wasmplug_linker_instantiate(s.linker, s.module, NULL, &s.inst, &e, &trap);
  }
  if (e || trap || !s.inst) {
    fprintf(stderr, "hot.wasm: %s\n", e ? wasmplug_error_message(e) : trap ? wasmplug_trap_message(trap) : "?");
    exit(2);
  }
  return s;
}

static void stop(run_t *s) {
  wasmplug_instance_delete(s->inst);
  wasmplug_linker_delete(s->linker);
  wasmplug_module_delete(s->module);
  wasmplug_engine_delete(s->engine);
}

static outcome_t call(run_t *s, const call_t *c) {
  outcome_t o;
  memset(&o, 0, sizeof o);
  wasmplug_val_t a = {WASMPLUG_I32, {.i32 = c->arg}}, r = {0};
  wasmplug_func_t *f = wasmplug_instance_func(s->inst, c->name);
  if (!f) {
    snprintf(o.msg, sizeof o.msg, "no export %s", c->name);
    return o;
  }
  wasmplug_trap_t *t = wasmplug_func_call(f, &a, c->arg == INT32_MIN ? 0 : 1, &r, 1);
  if (t) {
    snprintf(o.msg, sizeof o.msg, "%s", wasmplug_trap_message(t));
    char *bt = wasmplug_trap_backtrace(t);
    snprintf(o.bt, sizeof o.bt, "%s", bt ? bt : "(none)");
    free(bt);
    wasmplug_trap_delete(t);
  } else {
    o.r = r.of.i32;
  }
  return o;
}

static void same_as(run_t *s, const outcome_t *ref, const char *when) {
  for (size_t i = 0; i < NCALLS; i++) {
    outcome_t o = call(s, &calls[i]);
    CHECK(o.r == ref[i].r && !strcmp(o.msg, ref[i].msg) && !strcmp(o.bt, ref[i].bt),
          "%s: %s(%d): %d '%s' %s, the baseline alone: %d '%s' %s", when, calls[i].name, calls[i].arg, o.r, o.msg,
          o.bt, ref[i].r, ref[i].msg, ref[i].bt);
  }
}

/* The one .so in the cache directory (the hot object: no whole-module
** entry is built with WASMPLUG_TIER_UP_HOT=only), or "". */
static int find_so(const char *cache, char *out, size_t cap) {
  int n = 0;
  out[0] = 0;
  DIR *d = opendir(cache);
  if (!d) return 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t l = strlen(e->d_name);
    if (l > 3 && !strcmp(e->d_name + l - 3, ".so")) {
      snprintf(out, cap, "%s/%s", cache, e->d_name);
      n++;
    }
  }
  closedir(d);
  return n;
}

static size_t hot_count(run_t *s, const uint32_t **idx, const char **note) {
  return wasmplug_module_hot_functions(s->module, idx, note);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: test_hot WASM_DIR SCRATCH\n");
    return 2;
  }
  wasm = read_fixture(argv[1], "hot.wasm", &wasm_len);
  char cache[4096], tmp[4200], so[4400];
  snprintf(cache, sizeof cache, "%s/cache", argv[2]);
  snprintf(tmp, sizeof tmp, "%s/tmp", argv[2]);
  mkdir(argv[2], 0700);
  mkdir(tmp, 0700);
  setenv("TMPDIR", tmp, 1);
  /* the compiler: cc, but its first link kills the builder's process
  ** group (as in core.tier_up) */
  core_test_killing_cc(argv[2]);
  setenv("WASMPLUG_TIER_UP_HOT", "only", 1);
  unsetenv("WASMPLUG_TIER_UP");
  unsetenv("WASMPLUG_TIER");
  setenv("WASMPLUG_LOG", "error", 1); /* the refusals below are expected: checked by their note */

  /* 1. the reference */
  outcome_t ref[NCALLS];
  run_t b = start(cache, WASMPLUG_TIER_BASELINE, false);
  for (size_t i = 0; i < NCALLS; i++) ref[i] = call(&b, &calls[i]);
  stop(&b);
  CHECK(ref[0].r > 0 && !ref[0].msg[0], "work(50) = %d (%s)", ref[0].r, ref[0].msg);
  CHECK(ref[2].r == 200000 && ref[3].r == 700, "mid(2000) = %d, cold(7) = %d", ref[2].r, ref[3].r);
  CHECK(strstr(ref[4].msg, "out of bounds") && strstr(ref[4].bt, "ctrap") && strstr(ref[4].bt, "mid"),
        "mid(-1): '%s' %s", ref[4].msg, ref[4].bt);
  CHECK(strstr(ref[5].msg, "unreachable") && strstr(ref[5].bt, "check") && strstr(ref[5].bt, "trap_hot"),
        "trap_hot: '%s' %s", ref[5].msg, ref[5].bt);

  /* 2. a builder killed at its link: no hot entry, nothing broken */
  run_t k = start(cache, WASMPLUG_TIER_AUTO, true);
  outcome_t w = call(&k, &calls[0]);
  CHECK(w.r == ref[0].r, "work on the first run: %d", w.r);
  CHECK(!wasmplug_module_tier_up_wait(k.module), "the killed build says it stored the hot code");
  stop(&k);
  CHECK(find_so(cache, so, sizeof so) == 0, "a killed build left %s", so);
  run_t n = start(cache, WASMPLUG_TIER_AUTO, false);
  const char *note = NULL;
  CHECK(hot_count(&n, NULL, &note) == 0 && !note, "hot code after a killed build (%s)", note ? note : "");
  same_as(&n, ref, "after a killed build");
  stop(&n);

  /* 3. a run with tier-up calling only work and mid: the hot object */
  run_t a = start(cache, WASMPLUG_TIER_AUTO, true);
  CHECK(wasmplug_module_tier(a.module) == WASMPLUG_TIER_BASELINE, "the first run is not on the baseline tier");
  outcome_t o = call(&a, &calls[0]);
  CHECK(o.r == ref[0].r, "work(50) on the profiling run: %d, want %d", o.r, ref[0].r);
  o = call(&a, &calls[1]);
  CHECK(o.r == ref[1].r, "mid(5) on the profiling run: %d, want %d", o.r, ref[1].r);
  CHECK(wasmplug_module_tier_up_wait(a.module), "the builder did not store the hot code");
  stop(&a);
  CHECK(find_so(cache, so, sizeof so) == 1, "the cache holds no hot object");

  /* 4. the next start runs it */
  run_t h = start(cache, WASMPLUG_TIER_AUTO, false);
  const uint32_t *idx = NULL;
  size_t nh = hot_count(&h, &idx, &note);
  static const uint32_t want[] = {1, 2, 5, 6, 7}; /* leaf check twice mid work */
  CHECK(nh == 5 && idx && !memcmp(idx, want, sizeof want), "hot functions: %zu (%u %u %u %u %u)", nh,
        nh > 0 ? idx[0] : 0, nh > 1 ? idx[1] : 0, nh > 2 ? idx[2] : 0, nh > 3 ? idx[3] : 0, nh > 4 ? idx[4] : 0);
  CHECK(!note, "a note with hot code: %s", note ? note : "");
  CHECK(wasmplug_module_tier(h.module) == WASMPLUG_TIER_BASELINE, "hot code is beside the baseline");
  same_as(&h, ref, "with hot code");
  stop(&h);

  /* 5. a damaged hot object is refused, never run */
  for (int damage = 0; damage < 2 && so[0]; damage++) {
    FILE *g = fopen(so, "r+b");
    CHECK(g != NULL, "open %s", so);
    if (!g) break;
    if (damage == 0) { /* one byte of its code flipped */
      fseek(g, 600, SEEK_SET);
      int c = fgetc(g);
      fseek(g, 600, SEEK_SET);
      fputc(c ^ 0x55, g);
      fclose(g);
    } else { /* cut in half */
      fseek(g, 0, SEEK_END);
      long len = ftell(g);
      fclose(g);
      CHECK(truncate(so, len / 2) == 0, "truncate %s", so);
    }
    run_t c = start(cache, WASMPLUG_TIER_AUTO, false);
    nh = hot_count(&c, NULL, &note);
    CHECK(nh == 0 && note && strstr(note, "refused") && strstr(note, ".so"),
          "damaged hot code (%s): %zu functions, note %s", damage ? "truncated" : "a byte flipped", nh,
          note ? note : "none");
    same_as(&c, ref, damage ? "truncated hot code" : "corrupted hot code");
    stop(&c);
  }
  free(wasm);
  printf("hot-first tier-up: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
