/*
** test_progress.c — the compile progress callback names the tier the code
** is compiled for: a module with more than a MiB of code compiles in units
** on the baseline tier too, and its progress said "(optimized tier)" there
** (the CLI printed the tier itself).  Then the cache of those units: a
** later start links them without compiling (handed to libtcc as sealed
** memfds, src/core/build.c), a corrupt object or a FIFO in its place is
** refused and rebuilt, never loaded or waited on.  argv[1]: a scratch
** cache directory.
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasmplug.h"
#include "core_test.h" /* CHECK, core_test_engine */

typedef struct {
  int calls, baseline, optimized, done;
  int pidfds; /* pidfds this process held at a progress call, summed */
  char first[256];
} seen_t;

/* The pidfds open in this process now (the build's, one per running job). */
static int open_pidfds(void) {
  DIR *d = opendir("/proc/self/fd");
  int n = 0;
  struct dirent *de;
  while (d && (de = readdir(d))) {
    char path[300], link[64];
    snprintf(path, sizeof path, "/proc/self/fd/%s", de->d_name);
    ssize_t k = readlink(path, link, sizeof link - 1);
    if (k > 0) {
      link[k] = 0;
      n += strstr(link, "[pidfd]") != NULL;
    }
  }
  if (d) closedir(d);
  return n;
}

static void progress(void *data, const char *what, int done) {
  seen_t *s = data;
  s->pidfds += open_pidfds();
  if (done) {
    s->done++;
    return;
  }
  if (!s->calls++) snprintf(s->first, sizeof s->first, "%s", what);
  s->baseline += strstr(what, "(baseline tier)") != NULL;
  s->optimized += strstr(what, "(optimized tier)") != NULL;
}

/* NF functions () -> i32, each summing K constants: about NF * K * 3 bytes
** of code; "f" is exported. */
static uint8_t *big_module(uint32_t nf, uint32_t k, size_t *len) {
  uint32_t body = 1 + 2 + k * 3 + 1 + 1; /* locals, i32.const 0, K x (i32.const 1, i32.add), end */
  size_t cap = 64 + (size_t)nf * (body + 8);
  uint8_t *m = malloc(cap), *p = m;
  static const uint8_t head[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f}; /* type () -> i32 */
  memcpy(p, head, sizeof head);
  p += sizeof head;
  uint8_t tmp[16];
  size_t fsz = core_test_uleb(tmp, nf) + nf;
  *p++ = 0x03; /* functions */
  p += core_test_uleb(p, (uint32_t)fsz);
  p += core_test_uleb(p, nf);
  memset(p, 0, nf);
  p += nf;
  static const uint8_t exp[] = {0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x00};
  memcpy(p, exp, sizeof exp);
  p += sizeof exp;
  size_t bsz = (size_t)k * 3 + 4; /* 0 locals, i32.const 0, k x (i32.const 1; i32.add), end */
  size_t csz = core_test_uleb(tmp, nf) + (size_t)nf * (core_test_uleb(tmp, (uint32_t)bsz) + bsz);
  *p++ = 0x0a; /* code */
  p += core_test_uleb(p, (uint32_t)csz);
  p += core_test_uleb(p, nf);
  for (uint32_t f = 0; f < nf; f++) {
    p += core_test_uleb(p, (uint32_t)bsz);
    *p++ = 0x00;
    *p++ = 0x41;
    *p++ = 0x00;
    for (uint32_t i = 0; i < k; i++) {
      *p++ = 0x41;
      *p++ = 0x01;
      *p++ = 0x6a;
    }
    *p++ = 0x0b;
  }
  *len = (size_t)(p - m);
  return m;
}

/* Loads wasm on the baseline tier with cache `cache`; f()'s result, or -1. */
static int load_call(const char *cache, const uint8_t *wasm, size_t len, seen_t *s) {
  memset(s, 0, sizeof *s);
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_BASELINE);
  wasmplug_config_cache_dir_set(cfg, cache);
  wasmplug_config_progress_set(cfg, progress, s);
  wasmplug_engine_t *engine = core_test_engine(cfg);
  wasmplug_module_t *m = NULL;
  wasmplug_instance_t *inst = NULL;
  wasmplug_trap_t *trap = NULL;
  int got = -1;
  wasmplug_error_t *e = wasmplug_module_new(engine, wasm, len, "big.wasm", &m);
  if (!e) {
    wasmplug_linker_t *l = wasmplug_linker_new(engine);
    wasmplug_linker_instantiate(l, m, NULL, &inst, &e, &trap);
    wasmplug_linker_delete(l);
  }
  wasmplug_val_t r;
  if (inst && !(trap = wasmplug_func_call(wasmplug_instance_func(inst, "f"), NULL, 0, &r, 1))) got = r.of.i32;
  if (e) fprintf(stderr, "big.wasm: %s\n", wasmplug_error_message(e));
  wasmplug_instance_delete(inst);
  wasmplug_trap_delete(trap);
  wasmplug_error_delete(e);
  wasmplug_module_delete(m);
  wasmplug_engine_delete(engine);
  return got;
}

/* The path of the largest cached unit object (the cache's units/ folder). */
static char *largest_unit(const char *cache) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/units", cache);
  DIR *d = opendir(dir);
  char *best = NULL;
  long long size = -1;
  struct dirent *de;
  while (d && (de = readdir(d))) {
    size_t n = strlen(de->d_name);
    if (n < 3 || strcmp(de->d_name + n - 2, ".o")) continue;
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    struct stat st;
    if (stat(path, &st) == 0 && st.st_size > size) {
      size = st.st_size;
      free(best);
      best = strdup(path);
    }
  }
  if (d) closedir(d);
  return best;
}

static void cached_units(const char *cache, const uint8_t *wasm, size_t len) {
  seen_t s;
  CHECK(load_call(cache, wasm, len, &s) == 2500 && s.calls == 0,
        "a second start links the cached units: f() right, nothing compiled (%d progress calls)", s.calls);
  char *o = largest_unit(cache);
  CHECK(o != NULL, "a unit object in the cache");
  if (!o) return;
  /* corrupt in place, in the middle (code): refused, compiled again */
  FILE *f = fopen(o, "r+b");
  long n = 0;
  if (f && !fseek(f, 0, SEEK_END) && (n = ftell(f)) > 64 && !fseek(f, n / 2, SEEK_SET)) {
    for (int i = 0; i < 32; i++) fputc(0xcc, f);
  }
  if (f) fclose(f);
  CHECK(n > 64, "corrupt %s", o);
  CHECK(load_call(cache, wasm, len, &s) == 2500 && s.calls > 0,
        "a corrupt unit object is not linked but compiled again (%d progress calls)", s.calls);
  CHECK(load_call(cache, wasm, len, &s) == 2500 && s.calls == 0, "and the rebuilt one used (%d calls)", s.calls);
  /* a FIFO in its place: not opened in a way that waits for a writer (the
  ** alarm fails the test rather than hang it) */
  CHECK(!unlink(o) && !mkfifo(o, 0600), "plant a FIFO as %s", o);
  alarm(120);
  CHECK(load_call(cache, wasm, len, &s) == 2500 && s.calls > 0, "a FIFO as a unit object is ignored (%d calls)",
        s.calls);
  alarm(0);
  free(o);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_progress CACHE_DIR\n");
    return 2;
  }
  size_t len;
  uint8_t *wasm = big_module(160, 2500, &len); /* 1.2 MB of code */
  seen_t s = {0};
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_BASELINE);
  wasmplug_config_cache_dir_set(cfg, argv[1]);
  wasmplug_config_progress_set(cfg, progress, &s);
  wasmplug_engine_t *engine = core_test_engine(cfg);
  wasmplug_module_t *m = NULL;
  wasmplug_error_t *e = wasmplug_module_new(engine, wasm, len, "big.wasm", &m);
  CHECK(!e, "big.wasm: %s", e ? wasmplug_error_message(e) : "");
  wasmplug_instance_t *inst = NULL;
  wasmplug_trap_t *trap = NULL;
  if (!e) {
    wasmplug_linker_t *l = wasmplug_linker_new(engine);
    wasmplug_linker_instantiate(l, m, NULL, &inst, &e, &trap);
    wasmplug_linker_delete(l);
  }
  CHECK(!e && !trap && inst, "instantiate: %s", e ? wasmplug_error_message(e) : trap ? wasmplug_trap_message(trap) : "");
  if (inst) {
    wasmplug_val_t r;
    trap = wasmplug_func_call(wasmplug_instance_func(inst, "f"), NULL, 0, &r, 1);
    CHECK(!trap && r.of.i32 == 2500, "f() = %d", (int)r.of.i32);
    wasmplug_instance_delete(inst);
  }
  /* compiled in units on the baseline tier: progress, naming that tier */
  CHECK(s.calls > 0, "no progress for a baseline compile in units");
  CHECK(s.baseline == s.calls && s.optimized == 0, "%d of %d calls name the baseline tier, %d the optimized; first: %s",
        s.baseline, s.calls, s.optimized, s.first);
  CHECK(s.done == 1, "done %d times", s.done);
  wasmplug_trap_delete(trap);
  wasmplug_error_delete(e);
  wasmplug_module_delete(m);
  wasmplug_engine_delete(engine);
  cached_units(argv[1], wasm, len);
  /* The runner's fallback where pidfd_open is missing or refused (20 ms
  ** naps), forced by $WASMPLUG_NO_PIDFD=1 through the engine's config: the
  ** compile in units works, and no pidfd is ever open during it.  A value
  ** other than 0 or 1 is refused, naming the variable. */
  char nocache[1100];
  snprintf(nocache, sizeof nocache, "%s/no-pidfd", argv[1]);
  setenv("WASMPLUG_JOBS", "2", 1);
  setenv("WASMPLUG_NO_PIDFD", "1", 1);
  CHECK(load_call(nocache, wasm, len, &s) == 2500 && s.calls > 0 && s.done == 1,
        "a compile in units without pidfds: f() right (%d progress calls)", s.calls);
  CHECK(s.pidfds == 0, "WASMPLUG_NO_PIDFD=1: no pidfd open during the compile (%d seen)", s.pidfds);
  setenv("WASMPLUG_NO_PIDFD", "yes", 1);
  wasmplug_engine_t *bad = NULL;
  e = wasmplug_engine_new(NULL, &bad);
  CHECK(e && strstr(wasmplug_error_message(e), "WASMPLUG_NO_PIDFD=yes: expected 0 or 1"), "bad value: %s",
        e ? wasmplug_error_message(e) : "accepted");
  wasmplug_error_delete(e);
  wasmplug_engine_delete(bad);
  unsetenv("WASMPLUG_NO_PIDFD");
  free(wasm);
  if (!failures) printf("progress: ok (%s)\n", s.first);
  return failures ? 1 : 0;
}
