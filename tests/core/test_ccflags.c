/*
** test_ccflags.c — the optimized tier's cache keys cover its compiler flags.
**
** usage: test_ccflags DIR MODULE.wasm SIMD_MODULE.wasm
**
** Compiles MODULE on the optimized tier through a compiler wrapper that
** logs its arguments, then checks that every flag the compiler was given
** (all but the files: -c, -o and its object, -I, the sources, -shared,
** -nostartfiles, -lm) is named in the engine's tool_id, which every
** optimized cache key (whole module and unit) hashes: so a flag changed in
** build.c never reuses code compiled with the old one.  (tool_id once held
** a literal "-O2 -fno-optimize-sibling-calls": the other flags, and a
** changed optimization level, were in no key.)  Also: the compiler's
** identity is in tool_id, and the level is -O1 for a module without SIMD
** (with -O1's pass trims), -O2 for one with SIMD (without them).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core_test.h"
#include "../../src/core/internal.h"

/* Whether `word` is one of tool_id's space-separated words. */
static int has_word(const char *s, const char *word) {
  size_t n = strlen(word);
  for (const char *p = s; (p = strstr(p, word)); p++)
    if ((p == s || p[-1] == ' ') && (p[n] == ' ' || p[n] == ';' || p[n] == 0)) return 1;
  return 0;
}

static int is_file_arg(const char *a, int after_o) {
  static const char *const fixed[] = {"-c", "-o", "-shared", "-nostartfiles", "-lm", NULL};
  if (after_o || !strncmp(a, "-I", 2) || a[0] != '-') return 1;
  for (const char *const *f = fixed; *f; f++)
    if (!strcmp(a, *f)) return 1;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: test_ccflags DIR MODULE.wasm SIMD_MODULE.wasm\n");
    return 2;
  }
  char cache[4096], cc[4200], log[4200], line[4400];
  snprintf(cache, sizeof cache, "%s/cache", argv[1]);
  snprintf(cc, sizeof cc, "%s/log-cc.sh", argv[1]);
  snprintf(log, sizeof log, "%s/args.log", argv[1]);
  mkdir(argv[1], 0700);
  snprintf(line, sizeof line, "for a; do printf '%%s\\n' \"$a\" >>\"%s\"; done", log);
  core_test_cc_wrapper(cc, line);

  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_OPTIMIZED);
  wasmplug_config_cache_dir_set(cfg, cache);
  wasmplug_engine_t *e = core_test_engine(cfg);
  CHECK(strstr(e->tool_id, "log-cc.sh") != NULL, "tool_id names $WASMPLUG_CC: %s", e->tool_id);
  /* a module without SIMD at -O1, one with SIMD at -O2 (its lane loops
  ** need the vectorizer) */
  for (int k = 0; k < 2; k++) {
    const char *path = argv[2 + k], *want = k ? "-O2" : "-O1";
    remove(log);
    size_t len;
    uint8_t *bytes = read_fixture(NULL, path, &len);
    wasmplug_module_t *m = NULL;
    wasmplug_error_t *err = wasmplug_module_new(e, bytes, len, path, &m);
    free(bytes);
    CHECK(!err, "compile %s: %s", path, wasmplug_error_message(err));
    wasmplug_error_delete(err);
    CHECK(m && wasmplug_module_tier(m) == WASMPLUG_TIER_OPTIMIZED, "%s on the optimized tier", path);
    wasmplug_module_delete(m);
    FILE *l = fopen(log, "r");
    CHECK(l != NULL, "the compiler ran for %s (no %s)", path, log);
    char line[4096];
    int flags = 0, after_o = 0, levels = 0, right_level = 0, trims = 0;
    while (l && fgets(line, sizeof line, l)) {
      line[strcspn(line, "\n")] = 0;
      int file = is_file_arg(line, after_o);
      after_o = !strcmp(line, "-o");
      if (file) continue;
      flags++;
      if (!strncmp(line, "-O", 2)) {
        levels++;
        right_level += !strcmp(line, want);
      }
      CHECK(has_word(e->tool_id, line), "flag %s is not in tool_id (%s)", line, e->tool_id);
      trims += !strcmp(line, "-fno-tree-pta") || !strcmp(line, "-fno-ipa-modref");
    }
    /* -O1's pass trims (build.c: o1_trims) with -O1 only, on every unit and
    ** the glue: the SIMD module's -O2 keeps every pass */
    CHECK(k ? trims == 0 : trims > 0 && trims % 2 == 0, "%s: %d of -O1's trims given", path, trims);
    if (l) fclose(l);
    CHECK(flags >= 5 && levels > 0 && levels == right_level, "%s: %d flags, %d -O levels, %d of them %s", path,
          flags, levels, right_level, want);
  }
  wasmplug_engine_delete(e);
  printf("%d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
