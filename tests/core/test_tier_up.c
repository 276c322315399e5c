/*
** test_tier_up.c — background tier-up (wasmplug_config_tier_up_set):
**   1. a builder killed midway (its C compiler kills the builder's process
**      group at the link) leaves no cache entry, though its units were
**      compiled and cached: the next start is on the baseline tier and
**      runs correctly;
**   2. the next tier-up builds and stores the entry, and the module's next
**      start with tier-up loads the optimized code (wasmplug_module_tier)
**      and starts no other build;
**   3. no tier-up where the tier was chosen (baseline) or found optimized.
** argv[1]: a scratch directory (emptied by the ctest command).
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core_test.h"

/* (module (func (export "f") (result i32) (local i32) <sum 1..5 in a loop>)) */
static const uint8_t wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
    0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x00,
    0x0a, 0x1f, 0x01, 0x1d, 0x01, 0x02, 0x7f,       /* 2 locals: i (0), sum (1) */
    0x41, 0x05, 0x21, 0x00,                         /* i = 5 */
    0x03, 0x40,                                     /* loop */
    0x20, 0x01, 0x20, 0x00, 0x6a, 0x21, 0x01,       /*   sum += i */
    0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00,       /*   i = i - 1 (tee) */
    0x0d, 0x00,                                     /*   br_if 0 */
    0x0b,                                           /* end */
    0x20, 0x01, 0x0b};                              /* sum */

typedef struct started {
  wasmplug_engine_t *engine;
  wasmplug_module_t *module;
} started_t;

/* A module on a new engine; checks f() == 15 on an instance. */
static started_t start(const char *cache, wasmplug_tier_t tier, bool tier_up) {
  started_t s = {NULL, NULL};
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, tier);
  wasmplug_config_cache_dir_set(cfg, cache);
  wasmplug_config_tier_up_set(cfg, tier_up);
  s.engine = core_test_engine(cfg);
  wasmplug_error_t *e = wasmplug_module_new(s.engine, wasm, sizeof wasm, "sum.wasm", &s.module);
  CHECK(!e, "sum.wasm: %s", e ? wasmplug_error_message(e) : "");
  wasmplug_instance_t *inst = NULL;
  wasmplug_trap_t *trap = NULL;
  if (!e) {
    wasmplug_linker_t *l = wasmplug_linker_new(s.engine);
    wasmplug_linker_instantiate(l, s.module, NULL, &inst, &e, &trap);
    wasmplug_linker_delete(l);
  }
  CHECK(!e && !trap && inst, "instantiate: %s", e ? wasmplug_error_message(e) : trap ? wasmplug_trap_message(trap) : "");
  if (inst) {
    wasmplug_val_t r = {0};
    trap = wasmplug_func_call(wasmplug_instance_func(inst, "f"), NULL, 0, &r, 1);
    CHECK(!trap && r.of.i32 == 15, "f() = %d", (int)r.of.i32);
    wasmplug_instance_delete(inst);
  }
  wasmplug_trap_delete(trap);
  wasmplug_error_delete(e);
  return s;
}

static void stop(started_t *s) {
  wasmplug_module_delete(s->module);
  wasmplug_engine_delete(s->engine);
}

/* What a directory holds: entries (.so, .meta), objects (.o) and rename
** temporaries (.tmp.PID). */
typedef struct listing {
  int so, meta, objects, tmpfiles;
} listing_t;

static listing_t list(const char *dir) {
  listing_t l = {0, 0, 0, 0};
  DIR *d = opendir(dir);
  if (!d) return l;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n > 3 && !strcmp(e->d_name + n - 3, ".so")) l.so++;
    else if (n > 5 && !strcmp(e->d_name + n - 5, ".meta")) l.meta++;
    else if (n > 2 && !strcmp(e->d_name + n - 2, ".o")) l.objects++;
    else if (strstr(e->d_name, ".tmp.")) l.tmpfiles++;
  }
  closedir(d);
  return l;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_tier_up DIR\n");
    return 2;
  }
  char cache[4096];
  snprintf(cache, sizeof cache, "%s/cache", argv[1]);
  mkdir(argv[1], 0700);
  /* The compiler: cc, except that its first link kills the builder's
  ** whole process group: the build dies midway. */
  core_test_killing_cc(argv[1]);
  /* what the killed build leaves in $TMPDIR stays in the scratch directory */
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s/tmp", argv[1]);
  mkdir(tmp, 0700);
  setenv("TMPDIR", tmp, 1);
  unsetenv("WASMPLUG_TIER_UP");
  unsetenv("WASMPLUG_TIER");

  /* 1. killed midway */
  started_t a = start(cache, WASMPLUG_TIER_AUTO, true);
  CHECK(a.module && wasmplug_module_tier(a.module) == WASMPLUG_TIER_BASELINE, "first start not on the baseline tier");
  CHECK(!wasmplug_module_tier_up_wait(a.module), "the killed build says it stored the code");
  stop(&a);
  listing_t l = list(cache);
  CHECK(l.so == 0 && l.meta == 0, "a killed build left %d .so and %d .meta in the cache", l.so, l.meta);
  char units[4200];
  snprintf(units, sizeof units, "%s/units", cache);
  listing_t u = list(units);
  CHECK(u.objects >= 1, "the build was not killed midway (no unit compiled before it)");
  started_t b = start(cache, WASMPLUG_TIER_AUTO, false); /* no tier-up: loads what is there */
  CHECK(b.module && wasmplug_module_tier(b.module) == WASMPLUG_TIER_BASELINE,
        "a start after the killed build is not on the baseline tier");
  CHECK(!wasmplug_module_tier_up_wait(b.module), "a build started without tier-up");
  stop(&b);

  /* 2. built and stored; the next start with tier-up is optimized */
  started_t c = start(cache, WASMPLUG_TIER_AUTO, true);
  CHECK(c.module && wasmplug_module_tier(c.module) == WASMPLUG_TIER_BASELINE, "second start not on the baseline tier");
  CHECK(wasmplug_module_tier_up_wait(c.module), "the background build did not store the optimized code");
  CHECK(!wasmplug_module_tier_up_wait(c.module), "waited twice for one build");
  stop(&c);
  l = list(cache);
  CHECK(l.so == 1 && l.meta == 1 && l.tmpfiles == 0, "after the build: %d .so, %d .meta, %d temporaries", l.so,
        l.meta, l.tmpfiles);
  started_t d = start(cache, WASMPLUG_TIER_AUTO, true);
  CHECK(d.module && wasmplug_module_tier(d.module) == WASMPLUG_TIER_OPTIMIZED,
        "the run after the background build did not use its optimized code");
  CHECK(!wasmplug_module_tier_up_wait(d.module), "a build started though the code was cached");
  stop(&d);

  /* 3. the baseline tier asked for: no tier-up */
  started_t e = start(cache, WASMPLUG_TIER_BASELINE, true);
  CHECK(!wasmplug_module_tier_up_wait(e.module), "a build started on a chosen baseline tier");
  stop(&e);
  if (!failures) printf("tier-up: ok\n");
  return failures ? 1 : 0;
}
