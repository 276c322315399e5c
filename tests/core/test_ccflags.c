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
** (with -O1's pass trims, the dominator pass among them, and -free), -O2
** for one with SIMD (without them); -fira-region=one, no static branch
** guessing, no RTL forward propagation, no block reordering with -Og only
** (cold code: build.c, og_trims); -fira-region=one also with -O1 for a
** unit holding no huge function nearly all in loops (none in MODULE), not
** for the glue.  Then
** huge functions (src/core/translate.h: WP_OPT_HUGE_BYTES): one mostly
** outside loops is compiled in a unit of its own at -Og, with a function
** only it calls, outside its loop; one as large that is nearly all one
** loop, a small exported one and one the first calls in a loop at -O1;
** and the module's functions give the right results.  Last, the order of
** the compiles: a unit's starts as soon as the translator has made it.
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

/* -Og's trims besides the allocation region (build.c: og_trims). */
static int og_trim(const char *a) {
  return !strcmp(a, "-fno-guess-branch-probability") || !strcmp(a, "-fno-forward-propagate") ||
         !strcmp(a, "-fno-reorder-blocks");
}

static int is_file_arg(const char *a, int after_o) {
  static const char *const fixed[] = {"-c", "-o", "-shared", "-nostartfiles", "-lm", NULL};
  if (after_o || !strncmp(a, "-I", 2) || a[0] != '-') return 1;
  for (const char *const *f = fixed; *f; f++)
    if (!strcmp(a, *f)) return 1;
  return 0;
}

/* Five functions () -> i32, the first three exported as "f", "g" and "h":
** f calls c (outside any loop) and d (inside a loop it runs once), adds
** their results and sums K ones in straight code (3 K + 10 bytes, 3 of them
** in the loop); g sums KG ones inside a loop it runs once (3 KG + 9 bytes,
** nearly all in the loop); h returns 7, c 1, d 2. */
static uint8_t *huge_module(uint32_t k, uint32_t kg, size_t *len) {
  size_t cap = 128 + (size_t)(k + kg) * 3 + 64;
  uint8_t *m = malloc(cap), *p = m;
  static const uint8_t head[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,       /* type () -> i32 */
                                 0x03, 0x06, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, /* five of it */
                                 0x07, 0x0d, 0x03, 0x01, 'f', 0x00, 0x00, 0x01, 'g', 0x00, 0x01,
                                 0x01, 'h', 0x00, 0x02};
  memcpy(p, head, sizeof head);
  p += sizeof head;
  uint8_t tmp[8];
  uint32_t bf = 3 * k + 10, bg = 3 * kg + 9, bsmall = 4;
  uint32_t csz = 1 + (uint32_t)core_test_uleb(tmp, bf) + bf + (uint32_t)core_test_uleb(tmp, bg) + bg + 3 * (1 + bsmall);
  *p++ = 0x0a;
  p += core_test_uleb(p, csz);
  *p++ = 5;
  for (int g = 0; g < 2; g++) {
    p += core_test_uleb(p, g ? bg : bf);
    *p++ = 0x00; /* no locals */
    if (g) {
      *p++ = 0x03; /* loop (result i32) */
      *p++ = 0x7f;
      *p++ = 0x41;
      *p++ = 0x00;
    } else {
      static const uint8_t calls[] = {0x10, 0x03,             /* call c */
                                      0x03, 0x7f, 0x10, 0x04, 0x0b, /* loop (result i32) call d end */
                                      0x6a};
      memcpy(p, calls, sizeof calls);
      p += sizeof calls;
    }
    for (uint32_t i = 0; i < (g ? kg : k); i++) {
      *p++ = 0x41;
      *p++ = 0x01;
      *p++ = 0x6a;
    }
    if (g) {
      *p++ = 0x0b; /* end of the loop: falls through, runs once */
      *p++ = 0x01; /* nop */
      *p++ = 0x01;
    }
    *p++ = 0x0b;
  }
  static const uint8_t small[] = {0x04, 0x00, 0x41, 0x07, 0x0b, 0x04, 0x00, 0x41, 0x01, 0x0b,
                                  0x04, 0x00, 0x41, 0x02, 0x0b};
  memcpy(p, small, sizeof small);
  p += sizeof small;
  *len = (size_t)(p - m);
  return m;
}

/* Whether the C in `path` defines function F<n> () -> i32. */
static int defines(const char *path, unsigned n) {
  size_t len;
  char *c = (char *)try_read_file(path, &len), want[32];
  snprintf(want, sizeof want, "u32 F%u(", n);
  int r = c && strstr(c, want) != NULL;
  free(c);
  return r;
}

static int32_t call_i32(wasmplug_instance_t *inst, const char *name) {
  wasmplug_val_t r;
  wasmplug_trap_t *trap = wasmplug_func_call(wasmplug_instance_func(inst, name), NULL, 0, &r, 1);
  if (trap) {
    wasmplug_trap_delete(trap);
    return -1;
  }
  return r.of.i32;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: test_ccflags DIR MODULE.wasm SIMD_MODULE.wasm\n");
    return 2;
  }
  char cache[4096], cc[4200], log[4200], ogsrc[4200], flatsrc[4200], line[13000];
  snprintf(cache, sizeof cache, "%s/cache", argv[1]);
  snprintf(cc, sizeof cc, "%s/log-cc.sh", argv[1]);
  snprintf(log, sizeof log, "%s/args.log", argv[1]);
  snprintf(ogsrc, sizeof ogsrc, "%s/og.c", argv[1]);
  snprintf(flatsrc, sizeof flatsrc, "%s/flat.c", argv[1]);
  mkdir(argv[1], 0700);
  /* every argument to args.log, one compile's together (units compile in
  ** parallel: arguments appended one by one interleave, and an "-o" of
  ** one compile before an "-O1" of another hides that level from the
  ** count below), by one append of a file of its own; the C of the -Og
  ** units to og.c, that of the -O1 units in one allocation region to
  ** flat.c */
  snprintf(line, sizeof line,
           "t=$(mktemp) || exit 1; for a; do printf '%%s\\n' \"$a\" >>\"$t\"; done; "
           "cat \"$t\" >>\"%s\"; rm -f \"$t\"\n"
           "case \" $* \" in *\" -Og \"*) for a; do case \"$a\" in *.c) cat \"$a\" >>\"%s\";; esac; done;; "
           "*\" -O1 \"*\" -fira-region=one \"*) for a; do case \"$a\" in *.c) cat \"$a\" >>\"%s\";; esac; done;; "
           "esac",
           log, ogsrc, flatsrc);
  core_test_cc_wrapper(cc, line);

  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_OPTIMIZED);
  wasmplug_config_cache_dir_set(cfg, cache);
  wasmplug_engine_t *e = core_test_engine(cfg);
  CHECK(strstr(e->tool_id, "log-cc.sh") != NULL, "tool_id names $WASMPLUG_CC: %s", e->tool_id);
  /* an absolute $WASMPLUG_CC is described by its own file (not looked for
  ** on $PATH, "missing"): another compiler at that path is another id */
  {
    char same[4300];
    snprintf(same, sizeof same, "%s:", cc);
    CHECK(strstr(e->tool_id, same) && !strstr(e->tool_id, "log-cc.sh:missing"),
          "tool_id describes %s by its file: %s", cc, e->tool_id);
    char *before = strdup(e->tool_id);
    FILE *w = fopen(cc, "a"); /* the same path, another file (size, mtime) */
    if (w) {
      fputs("# another compiler\n", w);
      fclose(w);
    }
    wasmplug_config_t *c2 = wasmplug_config_new();
    wasmplug_config_tier_set(c2, WASMPLUG_TIER_OPTIMIZED);
    wasmplug_config_cache_dir_set(c2, cache);
    wasmplug_engine_t *e2 = core_test_engine(c2);
    CHECK(before && strcmp(before, e2->tool_id), "a changed $WASMPLUG_CC at one path changes tool_id: %s", e2->tool_id);
    wasmplug_engine_delete(e2);
    free(before);
  }
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
    int flags = 0, after_o = 0, levels = 0, right_level = 0, trims = 0, adds = 0, nodom = 0, og = 0, region = 0,
        ogt = 0, lvl = 0, unit = 0, one = 0, bad_region = 0;
    while (l) {
      int more = fgets(line, sizeof line, l) != NULL;
      if (!more) line[0] = 0;
      line[strcspn(line, "\n")] = 0;
      /* a compile's arguments start with its level: the one before ends */
      if (!more || !strncmp(line, "-O", 2)) {
        /* one region: every -Og compile and every -O1 unit (MODULE's are
        ** flat), never the glue, the link or -O2 */
        if (lvl && (lvl == 'g' || (lvl == '1' && unit)) != one) bad_region++;
        lvl = more ? line[2] : 0;
        unit = one = 0;
      }
      if (!more) break;
      const char *base = strrchr(line, '/');
      base = base ? base + 1 : line;
      unit |= base[0] == 'u' && strlen(base) > 2 && !strcmp(base + strlen(base) - 2, ".c");
      one |= !strcmp(line, "-fira-region=one");
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
      adds += !strcmp(line, "-free");
      nodom += !strcmp(line, "-fno-tree-dominator-opts");
      og += !strcmp(line, "-Og");
      region += !strcmp(line, "-fira-region=one");
      ogt += og_trim(line);
    }
    /* one register allocation region with -Og (build.c: og_trims) and
    ** with -O1 in the units without a huge loop (FLAT_REGION: all of
    ** MODULE's), never in the glue, the link or with -O2 */
    CHECK(bad_region == 0 && (k || region > og), "%s: -fira-region=one wrong in %d compiles (%d given)", path,
          bad_region, region);
    CHECK(ogt == 3 * og, "%s: -Og's three trims given %d times in %d -Og compiles", path, ogt, og);
    /* -O1's pass trims (build.c: o1_trims) with -O1 only, on every unit and
    ** the glue: the SIMD module's -O2 keeps every pass */
    CHECK(k ? trims == 0 : trims > 0 && trims % 2 == 0, "%s: %d of -O1's trims given", path, trims);
    /* -O2's -free (build.c: o1_adds) on every -O1 compile: without it each
    ** widened wasm address or narrow load costs an extension instruction */
    CHECK(k ? adds == 0 : adds == levels, "%s: -free given %d times in %d compiles", path, adds, levels);
    /* the dominator pass off with every -O1 (bench/README.md, "fifth pass") */
    CHECK(k ? nodom == 0 : nodom == levels, "%s: -fno-tree-dominator-opts %d times for %d levels", path, nodom,
          levels);
    if (l) fclose(l);
    CHECK(flags >= 5 && levels > 0 && levels == right_level, "%s: %d flags, %d -O levels, %d of them %s", path,
          flags, levels, right_level, want);
  }

  /* huge functions: f at -Og in a unit of its own with c, which only f
  ** calls, outside its loop; g (all loop), h and d (which f calls in its
  ** loop) at -O1, g (a huge loop) in a unit of its own, which keeps the
  ** allocator's loop regions, h and d in one that takes one region */
  enum { K = 2000 }; /* 6 KB of code each */
  size_t len;
  uint8_t *bytes = huge_module(K, K, &len);
  remove(log);
  remove(ogsrc);
  remove(flatsrc);
  wasmplug_module_t *m = NULL;
  wasmplug_error_t *err = wasmplug_module_new(e, bytes, len, "huge.wasm", &m);
  free(bytes);
  CHECK(!err, "compile huge.wasm: %s", wasmplug_error_message(err));
  wasmplug_error_delete(err);
  FILE *l = fopen(log, "r");
  int og = 0, o1 = 0, other = 0, region = 0, ogt = 0;
  while (l && fgets(line, sizeof line, l)) {
    line[strcspn(line, "\n")] = 0;
    og += !strcmp(line, "-Og");
    o1 += !strcmp(line, "-O1");
    region += !strcmp(line, "-fira-region=one");
    ogt += og_trim(line);
    other += !strncmp(line, "-O", 2) && strcmp(line, "-Og") && strcmp(line, "-O1");
    if (!strncmp(line, "-O", 2) || !strncmp(line, "-fno-", 5))
      CHECK(has_word(e->tool_id, line), "flag %s is not in tool_id (%s)", line, e->tool_id);
  }
  if (l) fclose(l);
  /* -Og: f's unit; -O1: g's unit, that of h and d, the glue and the link */
  CHECK(og == 1 && o1 == 4 && other == 0, "huge.wasm: %d -Og, %d -O1, %d other levels (want 1, 4, 0)", og, o1,
        other);
  /* the register allocator in one region in the -Og unit and in h and d's
  ** (FLAT_REGION), not in g's, a huge loop (translate.c: find_cold) */
  CHECK(region == 2, "huge.wasm: -fira-region=one given %d times (want 2: the -Og unit, h and d's)", region);
  CHECK(defines(flatsrc, 2) && defines(flatsrc, 4) && !defines(flatsrc, 1),
        "huge.wasm: h and d at -O1 in one region, g (a huge loop) not");
  /* and no branch guessing, RTL forward propagation or block reordering
  ** there alone: the -O1 units' hot code keeps them */
  CHECK(ogt == 3, "huge.wasm: -Og's three trims given %d times (want 3: the -Og unit)", ogt);
  CHECK(defines(ogsrc, 0) && defines(ogsrc, 3), "huge.wasm: f and c (called by f only, outside its loop) at -Og");
  CHECK(!defines(ogsrc, 1) && !defines(ogsrc, 2) && !defines(ogsrc, 4),
        "huge.wasm: g, h and d (called in f's loop) not at -Og");
  wasmplug_instance_t *inst = NULL;
  wasmplug_trap_t *trap = NULL;
  if (m) {
    wasmplug_linker_t *lk = wasmplug_linker_new(e);
    wasmplug_linker_instantiate(lk, m, NULL, &inst, &err, &trap);
    wasmplug_linker_delete(lk);
  }
  CHECK(inst != NULL, "instantiate huge.wasm");
  if (inst) {
    CHECK(call_i32(inst, "f") == K + 3 && call_i32(inst, "g") == K && call_i32(inst, "h") == 7,
          "huge.wasm: f() %d, g() %d, h() %d (want %d, %d, 7)", call_i32(inst, "f"), call_i32(inst, "g"),
          call_i32(inst, "h"), K + 3, K);
  }
  wasmplug_instance_delete(inst);
  wasmplug_trap_delete(trap);
  wasmplug_error_delete(err);
  wasmplug_module_delete(m);

  /* The build starts a unit's compile as soon as the translator has made
  ** it (build.c: unit_ready), the rest of the units largest first once all
  ** are made.  One compile at a time, a module whose first unit (g, h, d)
  ** is far smaller than its second (f and c, cold): unit 0 is compiled
  ** first, started before unit 1 was translated; sorted by size from the
  ** start (the build before), unit 1 would be.  Then the glue. */
  setenv("WASMPLUG_JOBS", "1", 1);
  bytes = huge_module(K + 1, 10, &len); /* K + 1: not the cold unit huge.wasm cached */
  remove(log);
  m = NULL;
  err = wasmplug_module_new(e, bytes, len, "first.wasm", &m);
  free(bytes);
  CHECK(!err, "compile first.wasm: %s", wasmplug_error_message(err));
  wasmplug_error_delete(err);
  err = NULL;
  wasmplug_module_delete(m);
  unsetenv("WASMPLUG_JOBS");
  char order[3][16] = {"", "", ""};
  int nsrc = 0;
  l = fopen(log, "r");
  while (l && fgets(line, sizeof line, l)) {
    line[strcspn(line, "\n")] = 0;
    const char *base = strrchr(line, '/');
    base = base ? base + 1 : line;
    size_t n = strlen(base);
    if (n > 2 && n < 16 && !strcmp(base + n - 2, ".c") && nsrc < 3) snprintf(order[nsrc++], sizeof order[0], "%s", base);
  }
  if (l) fclose(l);
  CHECK(nsrc == 3 && !strcmp(order[0], "u0.c") && !strcmp(order[1], "u1.c") && !strcmp(order[2], "glue.c"),
        "first.wasm: compiled %s, %s, %s (want u0.c, then u1.c, the larger, then glue.c)", order[0], order[1],
        order[2]);

  wasmplug_engine_delete(e);
  printf("%d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
