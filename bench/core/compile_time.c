/*
** compile_time.c — how long wasmplug_module_new takes on each tier.
**
** usage: compile_time CACHE_DIR FILE.wasm...
**
** For every FILE it prints one line
**   FILE BYTES baseline S C optimized-miss S C optimized-hit S C
** where each S is seconds of wall time spent in wasmplug_module_new (decode,
** validate, wasm2c, then libtcc or cc -O2 / cache lookup) and C the CPU
** seconds (user + system) of this process and the tools it ran (wasm2c, cc)
** meanwhile; on a busy machine C says what the compile costs, S what it took.  The optimized
** miss is measured with a cache directory that is emptied first, so the C
** compiler always runs; the hit reuses what the miss just stored.  Nothing
** is instantiated: only compilation is timed.
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../bench_util.h"
#include "wasmplug.h"

/* Empties the cache directory, subdirectories included (a large module's
** units are cached under units/: left there, the "miss" would link them
** instead of compiling).  Symbolic links are removed, never followed. */
static void empty_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char path[4096];
  struct stat st;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
      empty_dir(path);
      rmdir(path);
    } else {
      unlink(path);
    }
  }
  closedir(d);
}

/* Seconds spent in wasmplug_module_new on `tier` (*cpu: CPU seconds), or -1
** on error. */
static double time_tier(const char *cache, wasmplug_tier_t tier, const uint8_t *bytes,
                        size_t len, const char *name, double *cpu) {
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_engine_t *engine = NULL;
  wasmplug_module_t *m = NULL;
  double secs = -1;
  if (!cfg) return -1;
  wasmplug_config_tier_set(cfg, tier);
  wasmplug_config_cache_dir_set(cfg, cache);
  wasmplug_error_t *err = wasmplug_engine_new(cfg, &engine);
  if (!err) {
    double t0 = bench_clock(CLOCK_MONOTONIC), c0 = bench_cpu_with_children();
    err = wasmplug_module_new(engine, bytes, len, name, &m);
    secs = bench_clock(CLOCK_MONOTONIC) - t0;
    *cpu = bench_cpu_with_children() - c0;
    if (!err && wasmplug_module_tier(m) != tier) {
      fprintf(stderr, "compile_time: %s: asked for tier %d, got %d\n", name, (int)tier,
              (int)wasmplug_module_tier(m));
      secs = -1;
    }
  }
  if (err) {
    fprintf(stderr, "compile_time: %s\n", wasmplug_error_message(err));
    wasmplug_error_delete(err);
    secs = -1;
  }
  wasmplug_module_delete(m);
  wasmplug_engine_delete(engine);
  wasmplug_config_delete(cfg);
  return secs;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: compile_time CACHE_DIR FILE.wasm...\n");
    return 2;
  }
  const char *cache = argv[1];
  mkdir(cache, 0700);
  int status = 0;
  for (int i = 2; i < argc; i++) {
    size_t len;
    uint8_t *bytes = bench_read_file(argv[i], &len);
    if (!bytes) {
      fprintf(stderr, "compile_time: cannot read %s\n", argv[i]);
      status = 1;
      continue;
    }
    const char *base = strrchr(argv[i], '/');
    base = base ? base + 1 : argv[i];
    double cb = 0, cmiss = 0, chit = 0;
    double b = time_tier(cache, WASMPLUG_TIER_BASELINE, bytes, len, base, &cb);
    empty_dir(cache);
    double miss = time_tier(cache, WASMPLUG_TIER_OPTIMIZED, bytes, len, base, &cmiss);
    double hit = time_tier(cache, WASMPLUG_TIER_OPTIMIZED, bytes, len, base, &chit);
    free(bytes);
    if (b < 0 || miss < 0 || hit < 0) {
      status = 1;
      continue;
    }
    printf("%s %zu baseline %.3f %.3f optimized-miss %.3f %.3f optimized-hit %.4f %.4f\n", base,
           len, b, cb, miss, cmiss, hit, chit);
  }
  return status;
}
