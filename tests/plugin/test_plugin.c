/*
** test_plugin.c — the native plugin loader, end to end: real .so plugins
** (tests/plugin/plugins), real core-module guests (tests/plugin/wat) run
** by the core engine, calls crossing the canonical ABI both ways.
**
** usage: test_plugin PLUGIN_DIR WASM_DIR CACHE_DIR
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pthread.h>

#include "plugin/plugin.h"
#include "../check.h"

static const char *plugin_dir, *wasm_dir;
static wasmplug_engine_t *engine;

static char *path_of(const char *dir, const char *name) {
  static char buf[4][1024]; /* a few paths alive at once, test-only */
  static int k;
  char *b = buf[k++ & 3];
  snprintf(b, 1024, "%s/%s", dir, name);
  return b;
}

static bool contains(const char *s, const char *sub) { return s && strstr(s, sub); }

/* Loads spec into a fresh set; returns the error message (malloc'd) or NULL. */
static char *load_error(const char *spec) {
  wp_plugin_set_t *set = wp_plugin_set_new();
  wasmplug_error_t *e = wp_plugin_set_load(set, spec);
  char *msg = e ? strdup(wasmplug_error_message(e)) : NULL;
  wasmplug_error_delete(e);
  wp_plugin_set_delete(set);
  return msg;
}

static wasmplug_module_t *load_module(const char *name) {
  char *path = path_of(wasm_dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  static uint8_t buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  wasmplug_module_t *m = NULL;
  wasmplug_error_t *e = wasmplug_module_new(engine, buf, n, name, &m);
  if (e) {
    fprintf(stderr, "%s: %s\n", name, wasmplug_error_message(e));
    exit(2);
  }
  return m;
}

/* ------------------------------------------------------------- fixture */

typedef struct {
  wasmplug_linker_t *linker;
  wp_plugin_instances_t *g;
  wasmplug_instance_t *inst;
  wasmplug_memory_t *mem;
} fx_t;

/* Links and instantiates m against set; returns the link error (malloc'd)
** or NULL. */
static char *fx_new(fx_t *fx, wp_plugin_set_t *set, const wasmplug_module_t *m) {
  memset(fx, 0, sizeof *fx);
  fx->linker = wasmplug_linker_new(engine);
  wasmplug_error_t *e = wp_plugin_instances_new(set, &fx->g);
  if (!e) e = wp_plugin_instances_define(fx->g, fx->linker, m);
  wasmplug_trap_t *t = NULL;
  if (!e) wasmplug_linker_instantiate(fx->linker, m, NULL, &fx->inst, &e, &t);
  if (t) {
    e = wasmplug_error_new("start trapped: %s", wasmplug_trap_message(t));
    wasmplug_trap_delete(t);
  }
  if (e) {
    char *msg = strdup(wasmplug_error_message(e));
    wasmplug_error_delete(e);
    return msg;
  }
  fx->mem = wasmplug_instance_memory(fx->inst, "memory");
  return NULL;
}

static void fx_delete(fx_t *fx) {
  wasmplug_instance_delete(fx->inst);
  wp_plugin_instances_delete(fx->g);
  wasmplug_linker_delete(fx->linker);
}

static wasmplug_val_t I32(uint32_t v) { return (wasmplug_val_t){.kind = WASMPLUG_I32, .of.i32 = (int32_t)v}; }
static wasmplug_val_t I64(uint64_t v) { return (wasmplug_val_t){.kind = WASMPLUG_I64, .of.i64 = (int64_t)v}; }
static wasmplug_val_t F32(float v) { return (wasmplug_val_t){.kind = WASMPLUG_F32, .of.f32 = v}; }
static wasmplug_val_t F64(double v) { return (wasmplug_val_t){.kind = WASMPLUG_F64, .of.f64 = v}; }

/* Calls export `name`; returns the trap (caller deletes) or NULL. */
static wasmplug_trap_t *call(fx_t *fx, const char *name, const wasmplug_val_t *args, size_t n, wasmplug_val_t *res,
                             size_t nr) {
  wasmplug_func_t *f = wasmplug_instance_func(fx->inst, name);
  if (!f) {
    fprintf(stderr, "no export %s\n", name);
    exit(2);
  }
  return wasmplug_func_call(f, args, n, res, nr);
}

/* Calls and expects no trap; returns result 0 as u32 (or 0). */
static uint32_t call_ok(fx_t *fx, const char *name, const wasmplug_val_t *args, size_t n, wasmplug_val_t *res,
                        size_t nr) {
  wasmplug_val_t tmp[1];
  if (!res && nr == 0) res = tmp;
  wasmplug_trap_t *t = call(fx, name, args, n, res, nr);
  CHECK(!t, "%s trapped: %s", name, t ? wasmplug_trap_message(t) : "");
  wasmplug_trap_delete(t);
  return nr ? (uint32_t)res[0].of.i32 : 0;
}

static uint32_t call0(fx_t *fx, const char *name) {
  wasmplug_val_t r[1];
  return call_ok(fx, name, NULL, 0, r, 1);
}

static void put(fx_t *fx, uint32_t at, const void *p, size_t n) { wasmplug_memory_write(fx->mem, at, p, n); }
static uint32_t get32(fx_t *fx, uint32_t at) {
  uint32_t v = 0;
  wasmplug_memory_read(fx->mem, at, &v, 4);
  return v;
}
/* Reads a (ptr, len) string at `at` into buf. */
static const char *getstr(fx_t *fx, uint32_t at, char *buf, size_t cap) {
  uint32_t p = get32(fx, at), n = get32(fx, at + 4);
  if (n >= cap || !wasmplug_memory_read(fx->mem, p, buf, n)) return "<bad string>";
  buf[n] = 0;
  return buf;
}

#define ARGS(...) (wasmplug_val_t[]){__VA_ARGS__}, sizeof((wasmplug_val_t[]){__VA_ARGS__}) / sizeof(wasmplug_val_t)

/* ----------------------------------------------------------------- tests */

static void test_semver(void) {
  CHECK(wp_plugin_iface_match("a:b/c@1.2.0", "a:b/c@1.2.0"), "exact");
  CHECK(wp_plugin_iface_match("a:b/c@1.2.0", "a:b/c@1.3.1"), "newer minor serves older");
  CHECK(wp_plugin_iface_match("a:b/c@1.3.0", "a:b/c@1.2.9"), "older minor: same track (types decide)");
  CHECK(!wp_plugin_iface_match("a:b/c@1.0.0", "a:b/c@2.0.0"), "other major refused");
  CHECK(wp_plugin_iface_match("a:b/c@0.2.1", "a:b/c@0.2.5"), "0.x: newer patch");
  CHECK(wp_plugin_iface_match("a:b/c@0.2.5", "a:b/c@0.2.1"), "0.x: older patch, same track");
  CHECK(!wp_plugin_iface_match("a:b/c@0.2.0", "a:b/c@0.3.0"), "0.x: other minor refused");
  CHECK(!wp_plugin_iface_match("a:b/c@0.0.1", "a:b/c@0.0.2"), "0.0.x: exact only");
  CHECK(!wp_plugin_iface_match("a:b/c@1.0.0-rc1", "a:b/c@1.0.0"), "pre-release exact only");
  CHECK(wp_plugin_iface_match("a:b/c", "a:b/c"), "unversioned");
  CHECK(!wp_plugin_iface_match("a:b/c", "a:b/c@1.0.0"), "unversioned vs versioned");
  CHECK(!wp_plugin_iface_match("a:b/c@1.0.0", "a:b/cd@1.0.0"), "names differ");
}

static void test_abi_negatives(void) {
  /* the versions follow the header's, so a minor bump does not break them */
  char other_major[64], host_is[64], needs[64];
  snprintf(other_major, sizeof other_major, "built for plugin ABI %d.%d", WASMPLUG_PLUGIN_ABI_MAJOR + 1,
           WASMPLUG_PLUGIN_ABI_MINOR);
  snprintf(host_is, sizeof host_is, "implements ABI %d.%d", WASMPLUG_PLUGIN_ABI_MAJOR, WASMPLUG_PLUGIN_ABI_MINOR);
  snprintf(needs, sizeof needs, "needs a host implementing ABI %d.%d or newer", WASMPLUG_PLUGIN_ABI_MAJOR,
           WASMPLUG_PLUGIN_ABI_MINOR + 1);
  struct {
    const char *so;
    const char *want[3];
  } cases[] = {
      {"abi_bad_magic.so", {"bad plugin descriptor magic 0x12345678", "WPLG"}},
      {"abi_other_major.so", {other_major, host_is, "major"}},
      {"abi_short_desc.so", {"shorter than the", "truncated"}},
      {"abi_missing_func.so", {"plugin abi-case", "no entry for exported function 'case:abi/ping@1.2.0#pong'"}},
      {"abi_bad_wit.so", {"plugin abi-case: its WIT does not parse", ".wit:2:"}},
      {"abi_needs_newer_host.so", {needs, host_is}},
      {"abi_extra_func.so", {"'case:abi/ping#pnog' names no function"}},
      {"abi_no_entry.so", {"not a wasmplug plugin", "wasmplug_plugin_entry"}},
      {"abi_null_desc.so", {"returned no descriptor"}},
      {"abi_init_fails.so", {"plugin abi-case: init failed: the database is locked"}},
      {"abi_bad_option.so", {"option 'level' has unknown type 'float'"}},
      {"abi_flat_bad_shape.so", {"plugin abi-case", "flat table entry 'case:abi/ping@1.2.0#ping'", "no flat form"}},
      {"abi_flat_unknown.so", {"flat table entry 'case:abi/ping#pnog' names no function"}},
      {"abi_flat_null_fn.so", {"flat table entry 'case:abi/ping#pong' has a NULL function"}},
      {"abi_flat_no_table.so", {"has 2 flat entries but no flat table"}},
      {"abi_flat_short.so", {"flat_size smaller than an entry"}},
      {"does_not_exist.so", {"cannot load plugin", "does_not_exist.so"}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *msg = load_error(path_of(plugin_dir, cases[i].so));
    CHECK(msg, "%s loaded but must be refused", cases[i].so);
    if (!msg) continue;
    for (int k = 0; k < 3 && cases[i].want[k]; k++)
      CHECK(contains(msg, cases[i].want[k]), "%s: message '%s' lacks '%s'", cases[i].so, msg, cases[i].want[k]);
    free(msg);
  }
  char *msg = load_error(path_of(plugin_dir, "abi_newer_minor_ok.so"));
  CHECK(!msg, "a newer-minor plugin whose additions are optional must load: %s", msg);
  free(msg);
  msg = load_error(path_of(plugin_dir, "abi_ok.so"));
  CHECK(!msg, "abi_ok: %s", msg);
  free(msg);
  msg = load_error(path_of(plugin_dir, "abi_abi_1_0.so"));
  CHECK(!msg, "a plugin built against ABI 1.0 must still load: %s", msg);
  free(msg);
  msg = load_error(path_of(plugin_dir, "abi_abi_1_4.so"));
  CHECK(!msg, "a plugin built against ABI 1.4 (no flat table) must still load: %s", msg);
  free(msg);
  msg = load_error(path_of(plugin_dir, "abi_flat_ok.so"));
  CHECK(!msg, "flat entries larger than 1.5's (flat_size) must load: %s", msg);
  free(msg);
}

static void test_config(const wasmplug_module_t *guest) {
  struct {
    const char *cfg;
    const char *want;
  } bad[] = {
      {",verbose=yes", "bad value 'yes' for config key 'verbose' (bool): expected true or false"},
      {",limit=12x", "bad value '12x' for config key 'limit' (u64): expected a decimal number"},
      {",limit=-1", "config key 'limit' (u64)"},
      {",limit=99999999999999999999", "does not fit in 64 bits"},
      {",root=", "expected a non-empty path"},
      {",colour=red", "plugin test-plugin: unknown config key 'colour' (valid keys: greeting, verbose, limit, root)"},
      {",greeting=a,greeting=b", "config key 'greeting' given twice"},
      {",greeting", "config item 'greeting' is not key=value"},
      {",limit=0", "init failed: limit must be positive"},
      {",,", "empty config item"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char spec[1200];
    snprintf(spec, sizeof spec, "%s%s", path_of(plugin_dir, "test_plugin.so"), bad[i].cfg);
    char *msg = load_error(spec);
    CHECK(contains(msg, bad[i].want), "config '%s': got '%s', want '%s'", bad[i].cfg, msg ? msg : "(loaded)",
          bad[i].want);
    free(msg);
  }
  /* Good values reach the plugin; defaults fill in the rest. */
  char spec[1200];
  snprintf(spec, sizeof spec, "%s,greeting=hi there,verbose=true,root=/tmp", path_of(plugin_dir, "test_plugin.so"));
  wp_plugin_set_t *set = wp_plugin_set_new();
  wasmplug_error_t *e = wp_plugin_set_load(set, spec);
  CHECK(!e, "load with config: %s", e ? wasmplug_error_message(e) : "");
  wasmplug_error_delete(e);
  fx_t fx;
  char *le = fx_new(&fx, set, guest);
  CHECK(!le, "link: %s", le);
  free(le);
  if (!le) {
    struct { const char *key, *want; } q[] = {
        {"greeting", "hi there"}, {"verbose", "true"}, {"limit", "10"}, {"root", "/tmp"}, {"nope", NULL}};
    for (size_t i = 0; i < 5; i++) {
      put(&fx, 0x1000, q[i].key, strlen(q[i].key));
      call_ok(&fx, "get-config", ARGS(I32(0x1000), I32((uint32_t)strlen(q[i].key)), I32(0x2000)), NULL, 0);
      char buf[64];
      uint8_t is_some = 0;
      wasmplug_memory_read(fx.mem, 0x2000, &is_some, 1);
      if (q[i].want)
        CHECK(is_some && !strcmp(getstr(&fx, 0x2004, buf, sizeof buf), q[i].want), "config %s: got %s", q[i].key,
              is_some ? buf : "none");
      else
        CHECK(!is_some, "undeclared key %s must be none", q[i].key);
    }
  }
  fx_delete(&fx);
  wp_plugin_set_delete(set);
}

/* Every WIT type shape, guest -> plugin -> guest. */
static void test_shapes(fx_t *fx) {
  char buf[256];
  call_ok(fx, "nop", NULL, 0, NULL, 0);
  CHECK(call_ok(fx, "add", ARGS(I32(40), I32(2)), (wasmplug_val_t[1]){0}, 1) == 42, "add");

  /* string -> string (retptr) */
  put(fx, 0x1000, "héllo", 6);
  call_ok(fx, "echo", ARGS(I32(0x1000), I32(6), I32(0x2000)), NULL, 0);
  CHECK(!strcmp(getstr(fx, 0x2000, buf, sizeof buf), "héllo"), "echo: %s", buf);
  CHECK(get32(fx, 0x2000) >= 0x10000, "echo result lives in memory from cabi_realloc");
  call_ok(fx, "echo", ARGS(I32(0), I32(0), I32(0x2000)), NULL, 0);
  CHECK(get32(fx, 0x2004) == 0, "empty string");

  /* strings of 1-299 bytes (around the one-pass copy's 64-byte blocks),
  ** through the loader's string paths (echo: the general one; byte-sum,
  ** string -> u32: the direct string entry): a valid one arrives whole
  ** (the test plugin also checks the NUL after it), one bad byte at the
  ** start, middle or end traps before the plugin runs */
  {
    char s[300], back[300];
    int wrong = 0, missed_trap = 0;
    uint32_t calls0 = call0(fx, "call-count");
    uint32_t good = 0;
    for (uint32_t n = 1; n < sizeof s; n++) {
      for (uint32_t i = 0; i < n; i++) s[i] = (char)('a' + (i * 5 + n) % 26);
      put(fx, 0x1000, s, n);
      call_ok(fx, "echo", ARGS(I32(0x1000), I32(n), I32(0x100)), NULL, 0);
      good++;
      if (get32(fx, 0x104) != n || !wasmplug_memory_read(fx->mem, get32(fx, 0x100), back, n) || memcmp(back, s, n))
        wrong++;
      /* string -> u32: the direct string entry */
      uint32_t sum = 0;
      for (uint32_t i = 0; i < n; i++) sum += (uint8_t)s[i];
      if (call_ok(fx, "byte-sum", ARGS(I32(0x1000), I32(n)), (wasmplug_val_t[1]){0}, 1) != sum) wrong++;
      good++;
      uint32_t at[3] = {0, n / 2, n - 1};
      for (int k = 0; k < 3; k++) {
        put(fx, 0x1000 + at[k], "\xff", 1);
        for (int f = 0; f < 2; f++) {
          wasmplug_trap_t *t = f ? call(fx, "byte-sum", ARGS(I32(0x1000), I32(n)), (wasmplug_val_t[1]){0}, 1)
                                 : call(fx, "echo", ARGS(I32(0x1000), I32(n), I32(0x100)), NULL, 0);
          if (!t || wasmplug_trap_kind(t) != WASMPLUG_TRAP_CANON || !contains(wasmplug_trap_message(t), "UTF-8") ||
              !contains(wasmplug_trap_message(t), f ? "byte-sum: arguments" : "echo: arguments"))
            missed_trap++;
          wasmplug_trap_delete(t);
        }
        put(fx, 0x1000 + at[k], s + at[k], 1);
      }
      call_ok(fx, "reset_heap", NULL, 0, NULL, 0);
    }
    CHECK(wrong == 0, "strings of 1-299 bytes: %d echoed or summed wrong", wrong);
    CHECK(missed_trap == 0, "strings of 1-299 bytes: %d bad ones not refused", missed_trap);
    CHECK(call0(fx, "call-count") - calls0 == good, "only the good strings reached the plugin");
    /* out of bounds through the direct string entry: refused before the
    ** plugin, and the entry (its refusals end out of line) serves the
    ** next call: busy cleared, arena reset */
    for (int k = 0; k < 3; k++) {
      wasmplug_trap_t *t = call(fx, "byte-sum", ARGS(I32(-16), I32(64)), (wasmplug_val_t[1]){0}, 1);
      CHECK(t && wasmplug_trap_kind(t) == WASMPLUG_TRAP_CANON && contains(wasmplug_trap_message(t), "byte-sum: arguments"),
            "byte-sum out of bounds: %s", t ? wasmplug_trap_message(t) : "no trap");
      wasmplug_trap_delete(t);
      put(fx, 0x1000, "abc", 3);
      CHECK(call_ok(fx, "byte-sum", ARGS(I32(0x1000), I32(3)), (wasmplug_val_t[1]){0}, 1) == 'a' + 'b' + 'c',
            "byte-sum after a refused call");
    }
    CHECK(call0(fx, "call-count") - calls0 == good + 3, "the refused strings did not reach the plugin");
    /* the plugin traps or fails through the direct string entry: each a
    ** trap naming it, and the next call is served (the binding's one call
    ** handle made fresh again: a stale `trapped` would fail it) */
    for (int k = 0; k < 3; k++) {
      put(fx, 0x1000, k == 1 ? "code!" : "trap!", 5);
      wasmplug_trap_t *t = call(fx, "byte-sum", ARGS(I32(0x1000), I32(5)), (wasmplug_val_t[1]){0}, 1);
      const char *want = k == 1 ? "failed with code 7" : "byte-sum trapping as asked";
      CHECK(t && contains(wasmplug_trap_message(t), want), "byte-sum plugin failure: %s",
            t ? wasmplug_trap_message(t) : "no trap");
      wasmplug_trap_delete(t);
      put(fx, 0x1000, "abc", 3);
      CHECK(call_ok(fx, "byte-sum", ARGS(I32(0x1000), I32(3)), (wasmplug_val_t[1]){0}, 1) == 'a' + 'b' + 'c',
            "byte-sum after the plugin failed");
    }
  }

  /* big results: cabi_realloc grows (and may move) memory mid-call */
  {
    static char big[60000];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (char)('a' + i % 23);
    put(fx, 0x1000, big, sizeof big);
    uint64_t pages_before = wasmplug_memory_size(fx->mem) >> 16;
    bool same = true;
    for (int k = 0; k < 3; k++) {
      call_ok(fx, "echo", ARGS(I32(0x1000), I32(sizeof big), I32(0x100)), NULL, 0);
      static char back[60000];
      same = same && get32(fx, 0x104) == sizeof big &&
             wasmplug_memory_read(fx->mem, get32(fx, 0x100), back, sizeof back) && !memcmp(back, big, sizeof big);
    }
    CHECK(same && (wasmplug_memory_size(fx->mem) >> 16) > pages_before, "60 KB echoes across memory growth");
    call_ok(fx, "reset_heap", NULL, 0, NULL, 0);
  }

  /* record of every primitive, flattened in, returned through memory */
  wasmplug_val_t pa[] = {I32(1),         I32((uint32_t)-5), I32(254), I32((uint32_t)-300), I32(65000),
                         I32((uint32_t)-7), I32(7),          I64((uint64_t)-9), I64(9),          F32(1.5f),
                         F64(2.25),      I32(0x1F600),      I32(0x2000)};
  call_ok(fx, "bump-prims", pa, 13, NULL, 0);
  uint8_t rec[64];
  wasmplug_memory_read(fx->mem, 0x2000, rec, sizeof rec);
  /* guest layout: a@0 b@1 c@2 d@4 e@6 f@8 g@12 h@16 i@24 j@32 k@40 l@48 */
  int16_t d;
  uint16_t ee;
  int32_t f;
  int64_t h;
  uint64_t ii;
  float j;
  double k;
  uint32_t l, g;
  memcpy(&d, rec + 4, 2); memcpy(&ee, rec + 6, 2); memcpy(&f, rec + 8, 4); memcpy(&g, rec + 12, 4);
  memcpy(&h, rec + 16, 8); memcpy(&ii, rec + 24, 8); memcpy(&j, rec + 32, 4); memcpy(&k, rec + 40, 8);
  memcpy(&l, rec + 48, 4);
  CHECK(rec[0] == 0 && (int8_t)rec[1] == -4 && rec[2] == 255 && d == -299 && ee == 65001 && f == -6 && g == 8 &&
            h == -8 && ii == 10 && j == 3.0f && k == 4.5 && l == 0x1F601,
        "bump-prims: a=%u b=%d c=%u d=%d e=%u f=%d g=%u h=%lld i=%llu j=%g k=%g l=%x", rec[0], (int8_t)rec[1], rec[2],
        d, ee, f, g, (long long)h, (unsigned long long)ii, (double)j, k, l);

  /* list<u8> -> u64 */
  uint8_t bytes[1000];
  uint64_t want = 0;
  for (int i = 0; i < 1000; i++) want += bytes[i] = (uint8_t)(i * 7);
  put(fx, 0x1000, bytes, sizeof bytes);
  wasmplug_val_t r64[1];
  call_ok(fx, "sum-bytes", ARGS(I32(0x1000), I32(1000)), r64, 1);
  CHECK((uint64_t)r64[0].of.i64 == want, "sum-bytes %lld", (long long)r64[0].of.i64);

  /* list<u32> -> list<u32> */
  uint32_t nums[] = {1, 2, 3, 4, 5};
  put(fx, 0x1000, nums, sizeof nums);
  call_ok(fx, "reverse", ARGS(I32(0x1000), I32(5), I32(0x2000)), NULL, 0);
  uint32_t rp = get32(fx, 0x2000), rl = get32(fx, 0x2004);
  CHECK(rl == 5 && get32(fx, rp) == 5 && get32(fx, rp + 16) == 1 && rp % 4 == 0, "reverse");

  /* record -> record */
  call_ok(fx, "flip", ARGS(I32(3), I32((uint32_t)-4), I32(0x2000)), NULL, 0);
  CHECK((int32_t)get32(fx, 0x2000) == -4 && get32(fx, 0x2004) == 3, "flip");

  /* variant in (flat, joined f32/i32), variant out (memory) */
  wasmplug_val_t rd[1];
  float two = 2.0f;
  uint32_t twobits;
  memcpy(&twobits, &two, 4);
  call_ok(fx, "area", ARGS(I32(0), I32(twobits), I32(0)), rd, 1);
  CHECK(rd[0].of.f64 == 12.0, "area circle %g", rd[0].of.f64);
  call_ok(fx, "area", ARGS(I32(1), I32(3), I32(5)), rd, 1);
  CHECK(rd[0].of.f64 == 15.0, "area rect %g", rd[0].of.f64);
  call_ok(fx, "area", ARGS(I32(2), I32(0), I32(0)), rd, 1);
  CHECK(rd[0].of.f64 == 0.0, "area empty");
  call_ok(fx, "make-shape", ARGS(I32(1), I32(0x2000)), NULL, 0);
  CHECK((get32(fx, 0x2000) & 0xff) == 1 && get32(fx, 0x2004) == 4 && (int32_t)get32(fx, 0x2008) == -5, "make-shape rect");
  call_ok(fx, "make-shape", ARGS(I32(0), I32(0x2000)), NULL, 0);
  float fl;
  uint32_t flb = get32(fx, 0x2004);
  memcpy(&fl, &flb, 4);
  CHECK((get32(fx, 0x2000) & 0xff) == 0 && fl == 1.5f, "make-shape circle");

  /* enum, flags */
  CHECK(call_ok(fx, "next-color", ARGS(I32(2)), (wasmplug_val_t[1]){0}, 1) == 0, "next-color");
  CHECK(call_ok(fx, "toggle", ARGS(I32(5)), (wasmplug_val_t[1]){0}, 1) == 2, "toggle");
  CHECK(call_ok(fx, "toggle", ARGS(I32(0xF8)), (wasmplug_val_t[1]){0}, 1) == 7, "toggle ignores unknown flag bits");

  /* option in and out */
  put(fx, 0x1000, "four", 4);
  call_ok(fx, "strlen-opt", ARGS(I32(1), I32(0x1000), I32(4), I32(0x2000)), NULL, 0);
  CHECK((get32(fx, 0x2000) & 0xff) == 1 && get32(fx, 0x2004) == 4, "strlen-opt some");
  call_ok(fx, "strlen-opt", ARGS(I32(0), I32(0), I32(0), I32(0x2000)), NULL, 0);
  CHECK((get32(fx, 0x2000) & 0xff) == 0, "strlen-opt none");

  /* result: ok and a WIT error returned normally */
  call_ok(fx, "divide", ARGS(I32(10), I32(3), I32(0x2000)), NULL, 0);
  CHECK((get32(fx, 0x2000) & 0xff) == 0 && get32(fx, 0x2004) == 3, "divide ok");
  call_ok(fx, "divide", ARGS(I32(1), I32(0), I32(0x2000)), NULL, 0);
  CHECK((get32(fx, 0x2000) & 0xff) == 1 && !strcmp(getstr(fx, 0x2004, buf, sizeof buf), "division by zero"),
        "divide err: %s", buf);

  /* tuple */
  put(fx, 0x1000, "xyz", 3);
  call_ok(fx, "swap", ARGS(I32(9), I32(0x1000), I32(3), I32(0x2000)), NULL, 0);
  CHECK(!strcmp(getstr(fx, 0x2000, buf, sizeof buf), "xyz") && (get32(fx, 0x2008) & 0xff) == 9, "swap");

  /* list<string> */
  put(fx, 0x1100, "abcd", 4);
  uint32_t lst[] = {0x1100, 2, 0x1102, 2, 0x1100, 1};
  put(fx, 0x1000, lst, sizeof lst);
  put(fx, 0x1200, ", ", 2);
  call_ok(fx, "join", ARGS(I32(0x1000), I32(3), I32(0x1200), I32(2), I32(0x2000)), NULL, 0);
  CHECK(!strcmp(getstr(fx, 0x2000, buf, sizeof buf), "ab, cd, a"), "join: %s", buf);

  /* 17 params: spilled to memory */
  uint32_t seventeen[17];
  uint32_t wsum = 0;
  for (uint32_t i = 0; i < 17; i++) wsum += (seventeen[i] = i * 3) * (i + 1);
  put(fx, 0x1000, seventeen, sizeof seventeen);
  CHECK(call_ok(fx, "sum17", ARGS(I32(0x1000)), (wasmplug_val_t[1]){0}, 1) == wsum, "sum17");

  /* char */
  CHECK(call_ok(fx, "char-next", ARGS(I32(0xD7FF)), (wasmplug_val_t[1]){0}, 1) == 0xE000, "char-next");

  /* a plugin trap becomes a guest trap with the plugin's message */
  put(fx, 0x1000, "boom", 4);
  wasmplug_trap_t *t = call(fx, "fail", ARGS(I32(0x1000), I32(4)), NULL, 0);
  CHECK(t && wasmplug_trap_kind(t) == WASMPLUG_TRAP_HOST &&
            contains(wasmplug_trap_message(t),
                     "plugin test-plugin: test:plugin/api@0.1.0#fail: failing as asked: boom"),
        "fail: %s", t ? wasmplug_trap_message(t) : "no trap");
  wasmplug_trap_delete(t);
  /* ... and the instance keeps working */
  CHECK(call_ok(fx, "add", ARGS(I32(1), I32(2)), (wasmplug_val_t[1]){0}, 1) == 3, "after a trap");
}

static void test_resources(wp_plugin_set_t *set, const wasmplug_module_t *guest) {
  fx_t fx;
  char *le = fx_new(&fx, set, guest);
  CHECK(!le, "%s", le);
  free(le);
  wasmplug_val_t r[1];
  uint32_t a = call_ok(&fx, "[constructor]counter", ARGS(I32(10)), r, 1);
  uint32_t b = call_ok(&fx, "[constructor]counter", ARGS(I32(1)), r, 1);
  CHECK(a && b && a != b, "handles %u %u", a, b);
  CHECK(call_ok(&fx, "[method]counter.add", ARGS(I32(a), I32(5)), r, 1) == 15, "add");
  CHECK(call_ok(&fx, "[method]counter.get", ARGS(I32(a)), r, 1) == 15, "get");
  CHECK(call0(&fx, "live-counters") == 2, "two live");
  /* merge consumes a (own) and borrows b */
  uint32_t c = call_ok(&fx, "[static]counter.merge", ARGS(I32(a), I32(b)), r, 1);
  CHECK(call_ok(&fx, "[method]counter.get", ARGS(I32(c)), r, 1) == 16, "merged");
  CHECK(call0(&fx, "live-counters") == 2, "a consumed, c created");
  /* a's handle left the guest's table (c may reuse its slot) */
  CHECK(wp_cabi_handles_count(wp_plugin_instances_handles(fx.g)) == 2, "moved handle left the table");
  /* borrow b was only lent: b is still usable and droppable */
  call_ok(&fx, "[resource-drop]counter", ARGS(I32(b)), NULL, 0);
  CHECK(call0(&fx, "live-counters") == 1, "drop ran the destructor");
  uint32_t before = call0(&fx, "destroyed-total");
  /* leave c and two more alive: teardown must destroy all three */
  call_ok(&fx, "[constructor]counter", ARGS(I32(3)), r, 1);
  call_ok(&fx, "[constructor]counter", ARGS(I32(4)), r, 1);
  CHECK(call0(&fx, "live-counters") == 3, "three live at exit");
  CHECK(wp_cabi_handles_count(wp_plugin_instances_handles(fx.g)) == 3, "handle table has three");
  fx_delete(&fx);
  fx_t fx2;
  le = fx_new(&fx2, set, guest);
  free(le);
  CHECK(call0(&fx2, "destroyed-total") == before + 3, "drop-at-exit destroyed %u (before %u)",
        call0(&fx2, "destroyed-total"), before);
  fx_delete(&fx2);
}

/* Calls after the guest's plugin state was torn down (the instance still
** alive) trap, before anything of the freed state is touched: the handle
** table a resource method's direct entry keeps a pointer to is freed
** then (under ASan a read of it would fail this test). */
static void test_torn_down(wp_plugin_set_t *set, const wasmplug_module_t *guest) {
  fx_t fx;
  char *le = fx_new(&fx, set, guest);
  CHECK(!le, "%s", le);
  free(le);
  if (le) return;
  wasmplug_val_t r[1];
  uint32_t h = call_ok(&fx, "[constructor]counter", ARGS(I32(5)), r, 1);
  CHECK(call_ok(&fx, "[method]counter.get", ARGS(I32(h)), r, 1) == 5, "get before teardown");
  wp_plugin_instances_delete(fx.g); /* the linker's definitions keep it (dead) */
  const char *fns[] = {"[method]counter.get", "[method]counter.add", "[resource-drop]counter"};
  const size_t nargs[] = {1, 2, 1};
  for (size_t i = 0; i < 3; i++) {
    wasmplug_trap_t *t = call(&fx, fns[i], (wasmplug_val_t[]){I32(h), I32(1)}, nargs[i], r, i < 2 ? 1 : 0);
    CHECK(t && contains(wasmplug_trap_message(t), "called after the guest's plugin state was torn down"),
          "%s after teardown: %s", fns[i], t ? wasmplug_trap_message(t) : "no trap");
    wasmplug_trap_delete(t);
  }
  wasmplug_instance_delete(fx.inst);
  wasmplug_linker_delete(fx.linker);
}

static void test_isolation(wp_plugin_set_t *set, const wasmplug_module_t *guest) {
  fx_t a, b;
  char *e1 = fx_new(&a, set, guest), *e2 = fx_new(&b, set, guest);
  CHECK(!e1 && !e2, "link");
  free(e1);
  free(e2);
  call0(&a, "incr");
  call0(&a, "incr");
  CHECK(call0(&a, "incr") == 3, "a counts alone");
  CHECK(call0(&b, "incr") == 1, "b has its own state");
  wasmplug_val_t r[1];
  uint32_t h = call_ok(&a, "[constructor]counter", ARGS(I32(1)), r, 1);
  /* the same handle number is not valid in b's table */
  wasmplug_trap_t *t = call(&b, "[method]counter.get", ARGS(I32(h)), r, 1);
  CHECK(t && contains(wasmplug_trap_message(t), "unknown handle"), "cross-instance handle");
  wasmplug_trap_delete(t);
  fx_delete(&a);
  fx_delete(&b);
}

/* Guest instances on different threads at once: each has its own plugin
** state and handle table; the plugin state shared between them (the
** destroyed-total counter) is the plugin's to protect. */
typedef struct {
  wp_plugin_set_t *set;
  const wasmplug_module_t *guest;
  uint32_t last, live_end;
  bool ok;
} thread_job_t;

/* Runs on its own thread: no CHECK here (its counters are not atomic). */
static void *thread_main(void *arg) {
  thread_job_t *j = arg;
  fx_t fx;
  char *le = fx_new(&fx, j->set, j->guest);
  j->ok = !le;
  free(le);
  wasmplug_val_t r[1];
  for (int i = 0; j->ok && i < 2000; i++) {
    wasmplug_trap_t *t = call(&fx, "incr", NULL, 0, r, 1);
    j->last = (uint32_t)r[0].of.i32;
    if (!t) t = call(&fx, "[constructor]counter", ARGS(I32(1)), r, 1);
    if (!t && i < 1990) t = call(&fx, "[resource-drop]counter", ARGS(r[0]), NULL, 0);
    j->ok = !t;
    wasmplug_trap_delete(t);
  }
  if (j->ok) {
    wasmplug_trap_t *t = call(&fx, "live-counters", NULL, 0, r, 1);
    j->live_end = t ? 0 : (uint32_t)r[0].of.i32;
    wasmplug_trap_delete(t);
  }
  fx_delete(&fx);
  return NULL;
}

static void test_threads(wp_plugin_set_t *set, const wasmplug_module_t *guest) {
  enum { N = 4 };
  pthread_t th[N];
  thread_job_t jobs[N];
  fx_t probe;
  char *le = fx_new(&probe, set, guest);
  free(le);
  uint32_t before = call0(&probe, "destroyed-total");
  for (int i = 0; i < N; i++) {
    jobs[i] = (thread_job_t){set, guest, 0, 0, false};
    pthread_create(&th[i], NULL, thread_main, &jobs[i]);
  }
  for (int i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    CHECK(jobs[i].ok && jobs[i].last == 2000 && jobs[i].live_end == 10,
          "thread %d: incr reached %u, %u live", i, jobs[i].last, jobs[i].live_end);
  }
  /* 1990 dropped + 10 destroyed at teardown, per thread */
  CHECK(call0(&probe, "destroyed-total") == before + N * 2000, "destroyed across threads: %u",
        call0(&probe, "destroyed-total") - before);
  fx_delete(&probe);
}

static void test_hostile(wp_plugin_set_t *set);

/* Plugin ABI 1.5's flat entries (test_plugin_flat.so, flat.wasm): the
** guest's calls of nop, add, incr and the counter's methods reach them, not
** the functions of funcs[] (flat-calls counts), with every check of the
** word path: a bad handle, a dropped one, another resource's, a call after
** teardown each trap before the plugin; a plugin's trap and arena work. */
static void test_flat(void) {
  wp_plugin_set_t *set = wp_plugin_set_new();
  wasmplug_error_t *e = wp_plugin_set_load(set, path_of(plugin_dir, "test_plugin_flat.so"));
  CHECK(!e, "load test_plugin_flat.so: %s", e ? wasmplug_error_message(e) : "");
  wasmplug_error_delete(e);
  wasmplug_module_t *m = load_module("flat.wasm");
  fx_t fx;
  char *le = fx_new(&fx, set, m);
  CHECK(!le, "link flat.wasm: %s", le);
  free(le);
  if (le) {
    wasmplug_module_delete(m);
    wp_plugin_set_delete(set);
    return;
  }
  wasmplug_val_t r[1];
  call_ok(&fx, "nop", NULL, 0, NULL, 0);
  CHECK(call_ok(&fx, "add", ARGS(I32(2), I32(40)), r, 1) == 42, "add");
  CHECK(call_ok(&fx, "incr", NULL, 0, r, 1) == 1 && call_ok(&fx, "incr", NULL, 0, r, 1) == 2, "incr");
  CHECK(call0(&fx, "flat-calls") == 4, "nop, add, incr x2 through their flat entries: %u", call0(&fx, "flat-calls"));
  uint32_t h = call_ok(&fx, "new", ARGS(I32(10)), r, 1);
  uint32_t h2 = call_ok(&fx, "new", ARGS(I32(1)), r, 1);
  CHECK(call_ok(&fx, "get", ARGS(I32(h)), r, 1) == 10, "get");
  CHECK(call_ok(&fx, "plus", ARGS(I32(h), I32(5)), r, 1) == 15, "counter.add");
  CHECK(call_ok(&fx, "get_loop", ARGS(I32(h2), I32(1000)), r, 1) == 1000, "get in a loop");
  CHECK(call0(&fx, "flat-calls") == 4 + 2 + 1000, "the methods through their flat entries: %u",
        call0(&fx, "flat-calls"));
  /* a plugin's trap through its flat entry, then the instance keeps working */
  wasmplug_trap_t *t = call(&fx, "add", ARGS(I32(0xFFFFFFFFu), I32(2)), r, 1);
  CHECK(t && wasmplug_trap_kind(t) == WASMPLUG_TRAP_HOST &&
            contains(wasmplug_trap_message(t), "plugin test-plugin: test:plugin/api@0.1.0#add: add overflows"),
        "flat trap: %s", t ? wasmplug_trap_message(t) : "no trap");
  wasmplug_trap_delete(t);
  CHECK(call_ok(&fx, "add", ARGS(I32(1), I32(2)), r, 1) == 3, "after a flat trap");
  /* the same on the word path (counter-sub has no flat entry): the call
  ** handle both keep per binding is fresh again after a trap */
  t = call(&fx, "minus", ARGS(I32(h), I32(100)), r, 1);
  CHECK(t && contains(wasmplug_trap_message(t), "#counter-sub: counter underflows"), "word trap: %s",
        t ? wasmplug_trap_message(t) : "no trap");
  wasmplug_trap_delete(t);
  CHECK(call_ok(&fx, "minus", ARGS(I32(h), I32(5)), r, 1) == 10, "after a word trap");
  CHECK(call_ok(&fx, "plus", ARGS(I32(h), I32(5)), r, 1) == 15, "back to 15");
  /* host->alloc in a word entry's and a flat entry's call (counter-sub,
  ** incr; one after the other, as the arena is the plugin state's): each
  ** call's arena is reset after it, so calls of 16 (4) bytes each go on
  ** well past a budget of 4 KiB */
  wasmplug_store_limits_t lim;
  wasmplug_store_limits_default(&lim);
  lim.host_memory_bytes = 4096;
  wp_plugin_instances_limits_set(fx.g, &lim);
  uint32_t ok = 0, incr0 = call_ok(&fx, "incr", NULL, 0, r, 1);
  for (uint32_t i = 0; i < 1000; i++) ok += call_ok(&fx, "minus", ARGS(I32(h), I32(0)), r, 1) == 15;
  for (uint32_t i = 0; i < 1000; i++) ok += call_ok(&fx, "incr", NULL, 0, r, 1) == incr0 + 1 + i;
  CHECK(ok == 2000, "word and flat calls that allocate, past the budget: %u of 2000", ok);
  wasmplug_store_limits_default(&lim);
  wp_plugin_instances_limits_set(fx.g, &lim);
  /* handles the flat entries must refuse, before the plugin runs */
  uint32_t tag = call_ok(&fx, "tag", NULL, 0, r, 1);
  call_ok(&fx, "drop", ARGS(I32(h2)), NULL, 0);
  struct {
    const char *fn;
    uint32_t handle;
    const char *want;
  } bad[] = {
      {"get", 0, "unknown handle 0"},
      {"get", 12345, "unknown handle 12345"},
      {"get", tag, "#tag, expected a test:plugin/api@0.1.0#counter"}, /* another resource's */
      {"get", h2, "unknown handle"},        /* dropped */
      {"plus", tag, "#tag, expected a test:plugin/api@0.1.0#counter"},
      {"plus", h2, "unknown handle"},
      {"plus", 0xFFFFFFFFu, "unknown handle 4294967295"},
      /* the word path (counter-sub: a borrow and a u32) */
      {"minus", tag, "#tag, expected a test:plugin/api@0.1.0#counter"},
      {"minus", 0, "unknown handle 0"},
      {"minus", 12345, "unknown handle 12345"},
      {"minus", h2, "unknown handle"},
      {"minus", 0xFFFFFFFFu, "unknown handle 4294967295"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint32_t calls = call0(&fx, "count");
    t = call(&fx, bad[i].fn, (wasmplug_val_t[]){I32(bad[i].handle), I32(1)}, strcmp(bad[i].fn, "get") ? 2 : 1, r, 1);
    CHECK(t && wasmplug_trap_kind(t) == WASMPLUG_TRAP_CANON && contains(wasmplug_trap_message(t), bad[i].want) &&
              contains(wasmplug_trap_message(t), "plugin test-plugin"),
          "flat %s(%u): %s", bad[i].fn, bad[i].handle, t ? wasmplug_trap_message(t) : "no trap");
    wasmplug_trap_delete(t);
    CHECK(call0(&fx, "count") == calls, "flat %s(%u) reached the plugin", bad[i].fn, bad[i].handle);
  }
  CHECK(call_ok(&fx, "get", ARGS(I32(h)), r, 1) == 15, "the good handle still works");
  /* the plugin state torn down: the flat entries trap before touching it */
  wp_plugin_instances_delete(fx.g);
  for (int i = 0; i < 2; i++) {
    t = call(&fx, i ? "add" : "get", (wasmplug_val_t[]){I32(h), I32(1)}, i ? 2 : 1, r, 1);
    CHECK(t && contains(wasmplug_trap_message(t), "called after the guest's plugin state was torn down"),
          "flat call after teardown: %s", t ? wasmplug_trap_message(t) : "no trap");
    wasmplug_trap_delete(t);
  }
  wasmplug_instance_delete(fx.inst);
  wasmplug_linker_delete(fx.linker);
  wasmplug_module_delete(m);
  /* the generic suites, with the flat entries in place */
  wasmplug_module_t *guest = load_module("guest.wasm");
  test_resources(set, guest);
  test_torn_down(set, guest);
  test_hostile(set);
  wasmplug_module_delete(guest);
  wp_plugin_set_delete(set);
}

/* Every attack traps with CANON before the plugin sees anything. */
static void test_hostile(wp_plugin_set_t *set) {
  wasmplug_module_t *m = load_module("hostile.wasm");
  struct {
    const char *fn, *want;
  } cases[] = {
      {"oob_pointer", "out of bounds"},
      {"oob_end", "out of bounds"},
      {"huge_length", "string"},
      {"bad_utf8_continuation", "UTF-8"},
      {"bad_utf8_overlong", "UTF-8"},
      {"bad_utf8_surrogate", "UTF-8"},
      {"bad_retptr", "return pointer"},
      {"misaligned_retptr", "not aligned"},
      {"bad_variant", "invalid variant discriminant 3"},
      {"bad_enum", "invalid enum discriminant 3"},
      {"bad_option", "invalid option discriminant 2"},
      {"list_overflow", "list"},
      {"list_oob", "out of bounds"},
      {"misaligned_list", "not aligned"},
      {"bad_nested_string", "out of bounds"},
      {"bad_spill", "params pointer"},
      {"bad_char_surrogate", "invalid char 0xd800"},
      {"bad_char_range", "invalid char 0x110000"},
      {"forged_handle", "unknown handle 12345"},
      {"zero_handle", "unknown handle 0"},
      {"forged_drop", "unknown handle 777"},
      {"double_drop", "unknown handle"},
      {"use_after_drop", "unknown handle"},
      {"past_end_handle", "unknown handle 2"},
      {"own_then_forged", "unknown handle 999"},
      {"own_and_borrow_same", "unknown handle"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fx_t fx;
    char *le = fx_new(&fx, set, m);
    CHECK(!le, "hostile link: %s", le);
    free(le);
    if (le) continue;
    uint32_t calls_before = call0(&fx, "count");
    wasmplug_trap_t *t = call(&fx, cases[i].fn, NULL, 0, NULL, 0);
    CHECK(t && wasmplug_trap_kind(t) == WASMPLUG_TRAP_CANON, "%s: expected a canonical ABI trap, got %s", cases[i].fn,
          t ? wasmplug_trap_message(t) : "none");
    CHECK(t && contains(wasmplug_trap_message(t), cases[i].want) &&
              contains(wasmplug_trap_message(t), "plugin test-plugin"),
          "%s: message '%s' lacks '%s'", cases[i].fn, t ? wasmplug_trap_message(t) : "", cases[i].want);
    wasmplug_trap_delete(t);
    /* the plugin never ran with bad data: only the good calls of the
    ** export (constructors) reached it */
    uint32_t calls = call0(&fx, "count") - calls_before;
    bool makes = !strcmp(cases[i].fn, "double_drop") || !strcmp(cases[i].fn, "use_after_drop") ||
                 !strcmp(cases[i].fn, "past_end_handle") ||
                 strstr(cases[i].fn, "own_");
    CHECK(calls == (makes ? 1u : 0u), "%s: %u plugin calls", cases[i].fn, calls);
    /* the counter a failed call moved out was destroyed, not leaked */
    CHECK(call0(&fx, "live") == 0, "%s: %u counters leaked", cases[i].fn, call0(&fx, "live"));
    fx_delete(&fx);
  }
  wasmplug_module_delete(m);
}

/* Random arguments to every import, from a fixed seed: each call either
** returns or traps; none crashes, and no bad value reaches the plugin (the
** test plugin traps with "reached the plugin" when one does). */
static uint64_t rnd_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
  rnd_state ^= rnd_state << 13;
  rnd_state ^= rnd_state >> 7;
  rnd_state ^= rnd_state << 17;
  return rnd_state;
}

static uint32_t rnd_i32(void) {
  switch (rnd() % 6) {
  case 0: return (uint32_t)rnd();                 /* anything */
  case 1: return (uint32_t)(rnd() % 16);          /* small: lengths, tags, handles */
  case 2: return 0x1000 + (uint32_t)(rnd() % 0x1000) * 4; /* plausible pointers */
  case 3: return 0xffffffffu - (uint32_t)(rnd() % 64);    /* near the top */
  case 4: return (uint32_t)(rnd() % 0x30000);     /* around the end of memory */
  default: return 0;
  }
}

static void test_random_calls(wp_plugin_set_t *set, const wasmplug_module_t *guest) {
  static const char *const names[] = {
      "nop", "add", "echo", "bump-prims", "sum-bytes", "reverse", "flip", "area", "make-shape", "next-color",
      "toggle", "strlen-opt", "divide", "swap", "join", "sum17", "char-next", "incr", "get-config",
      "[constructor]counter", "[method]counter.add", "[method]counter.get", "[static]counter.merge",
      "[resource-drop]counter"};
  const size_t nnames = sizeof names / sizeof names[0];
  fx_t fx;
  char *le = fx_new(&fx, set, guest);
  CHECK(!le, "%s", le);
  free(le);
  if (le) return;
  /* some garbage in memory for pointers to land on */
  for (uint32_t a = 0x1000; a < 0x3000; a += 4) put(&fx, a, &(uint32_t){(uint32_t)rnd_i32()}, 4);
  int calls = 0, traps = 0, bad = 0;
  for (int i = 0; i < 6000; i++) {
    const char *name = names[rnd() % nnames];
    wasmplug_func_t *f = wasmplug_instance_func(fx.inst, name);
    const wasmplug_functype_t *ft = wasmplug_func_type(f);
    wasmplug_val_t args[20], res[2];
    for (uint32_t k = 0; k < ft->nparams; k++) {
      args[k].kind = ft->params[k];
      if (ft->params[k] == WASMPLUG_I64) args[k].of.i64 = (int64_t)rnd();
      else if (ft->params[k] == WASMPLUG_F32) args[k].of.f32 = (float)(int32_t)rnd() / 7.0f;
      else if (ft->params[k] == WASMPLUG_F64) args[k].of.f64 = (double)(int64_t)rnd() / 3.0;
      else args[k].of.i32 = (int32_t)rnd_i32();
    }
    wasmplug_trap_t *t = wasmplug_func_call(f, args, ft->nparams, res, ft->nresults);
    calls++;
    if (t) {
      traps++;
      const char *m = wasmplug_trap_message(t);
      bool plugin_saw_bad = contains(m, "reached the plugin") || contains(m, "dead counter rep");
      bool expected = wasmplug_trap_kind(t) == WASMPLUG_TRAP_CANON ||
                      (wasmplug_trap_kind(t) == WASMPLUG_TRAP_HOST && contains(m, "too many counters"));
      if (plugin_saw_bad || !expected) {
        if (bad++ < 5) fprintf(stderr, "random call %s: %s\n", name, m);
      }
      wasmplug_trap_delete(t);
    }
    if (i % 100 == 0) wasmplug_trap_delete(call(&fx, "reset_heap", NULL, 0, NULL, 0));
  }
  printf("random calls: %d, %d trapped\n", calls, traps);
  CHECK(bad == 0, "%d of %d random calls trapped unexpectedly", bad, calls);
  CHECK(traps > calls / 4 && traps < calls, "random calls: %d traps of %d (both outcomes must occur)", traps, calls);
  fx_delete(&fx);
}

/* cabi_realloc that lies, traps or re-enters. */
static void test_bad_realloc(wp_plugin_set_t *set, const wasmplug_module_t *guest) {
  struct {
    int mode;
    wasmplug_trap_kind_t kind;
    const char *want;
  } cases[] = {
      {1, WASMPLUG_TRAP_CANON, "realloc returned pointer 0xfffffff0"},
      {2, WASMPLUG_TRAP_CANON, "misaligned"},
      {3, WASMPLUG_TRAP_CANON, "cabi_realloc trapped"},
      {4, WASMPLUG_TRAP_CANON, "called re-entrantly"},
  };
  for (size_t i = 0; i < 4; i++) {
    fx_t fx;
    char *le = fx_new(&fx, set, guest);
    free(le);
    call_ok(&fx, "set_mode", ARGS(I32((uint32_t)cases[i].mode)), NULL, 0);
    put(&fx, 0x1000, "abc", 3);
    /* reverse's list<u32> needs alignment 4, so mode 2 shows */
    uint32_t nums[] = {1, 2};
    put(&fx, 0x1100, nums, 8);
    wasmplug_trap_t *t = i == 1 ? call(&fx, "reverse", ARGS(I32(0x1100), I32(2), I32(0x2000)), NULL, 0)
                                : call(&fx, "echo", ARGS(I32(0x1000), I32(3), I32(0x2000)), NULL, 0);
    CHECK(t && wasmplug_trap_kind(t) == cases[i].kind && contains(wasmplug_trap_message(t), cases[i].want),
          "realloc mode %d: %s", cases[i].mode, t ? wasmplug_trap_message(t) : "no trap");
    wasmplug_trap_delete(t);
    call_ok(&fx, "set_mode", ARGS(I32(0)), NULL, 0);
    char buf[16];
    call_ok(&fx, "echo", ARGS(I32(0x1000), I32(3), I32(0x2000)), NULL, 0);
    CHECK(!strcmp(getstr(&fx, 0x2000, buf, sizeof buf), "abc"), "recovers after realloc mode %d", cases[i].mode);
    fx_delete(&fx);
  }
  /* no memory at all / no cabi_realloc */
  const char *mods[] = {"nomem.wasm", "norealloc.wasm"};
  const char *want[] = {"out of bounds", "does not export cabi_realloc"};
  for (int i = 0; i < 2; i++) {
    wasmplug_module_t *m = load_module(mods[i]);
    fx_t fx;
    char *le = fx_new(&fx, set, m);
    CHECK(!le, "%s", le);
    free(le);
    wasmplug_trap_t *t = le ? NULL : call(&fx, "run", NULL, 0, NULL, 0);
    CHECK(t && contains(wasmplug_trap_message(t), want[i]), "%s: %s", mods[i], t ? wasmplug_trap_message(t) : "none");
    wasmplug_trap_delete(t);
    fx_delete(&fx);
    wasmplug_module_delete(m);
  }
}

static void test_link_errors(wp_plugin_set_t *set) {
  struct {
    const char *mod;
    const char *want[3];
  } cases[] = {
      {"badsig.wasm",
       {"import \"test:plugin/api@0.1.0\" \"echo\": type mismatch", "`echo: func(s: string) -> string`",
        "(func (param i32 i32 i32)), but the import has type (func (param i32) (result i32))"}},
      {"unprovided.wasm",
       {"import \"test:plugin/other@0.1.0\" \"frob\" (func (param i32)): no loaded plugin provides interface"}},
      {"nofunc.wasm", {"has no function 'frobnicate'"}},
      {"newer.wasm", {"no plugin provides a version of test:plugin/api@0.2.0 compatible", "test:plugin/api@0.1.0"}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    wasmplug_module_t *m = load_module(cases[i].mod);
    fx_t fx;
    char *le = fx_new(&fx, set, m);
    CHECK(le, "%s linked but must not", cases[i].mod);
    if (!le) { fx_delete(&fx); continue; }
    for (int k = 0; k < 3 && cases[i].want[k]; k++)
      CHECK(contains(le, cases[i].want[k]), "%s: '%s' lacks '%s'", cases[i].mod, le, cases[i].want[k]);
    free(le);
    fx_delete(&fx);
    wasmplug_module_delete(m);
  }
}

static void test_semver_link(void) {
  wp_plugin_set_t *set = wp_plugin_set_new();
  wasmplug_error_t *e = wp_plugin_set_load(set, path_of(plugin_dir, "abi_ok.so"));
  CHECK(!e, "abi_ok");
  wasmplug_error_delete(e);
  wasmplug_module_t *m = load_module("semver.wasm");
  fx_t fx;
  char *le = fx_new(&fx, set, m);
  CHECK(!le, "semver: 1.1.0 import served by 1.2.0: %s", le);
  free(le);
  if (!le) CHECK(call0(&fx, "run") == 42, "ping");
  fx_delete(&fx);
  wasmplug_module_delete(m);
  wp_plugin_set_delete(set);
}

static void test_conflict(const wasmplug_module_t *guest) {
  wp_plugin_set_t *set = wp_plugin_set_new();
  wasmplug_error_t *e = wp_plugin_set_load(set, path_of(plugin_dir, "test_plugin.so"));
  if (!e) e = wp_plugin_set_load(set, path_of(plugin_dir, "test_plugin_b.so"));
  CHECK(!e, "two providers load");
  wasmplug_error_delete(e);
  fx_t fx;
  char *le = fx_new(&fx, set, guest);
  CHECK(contains(le, "provided by two plugins, test-plugin") && contains(le, "test-plugin-b") &&
            contains(le, "--plugin-use test:plugin/api=NAME"),
        "conflict: %s", le);
  free(le);
  fx_delete(&fx);
  e = wp_plugin_set_use(set, "test:plugin/api=test-plugin-b");
  wasmplug_error_delete(e);
  le = fx_new(&fx, set, guest);
  CHECK(!le, "with a choice: %s", le);
  free(le);
  if (!le) CHECK(call0(&fx, "incr") == 101, "plugin b was picked");
  fx_delete(&fx);
  wp_plugin_set_delete(set);
  /* loading the same plugin twice is refused */
  set = wp_plugin_set_new();
  e = wp_plugin_set_load(set, path_of(plugin_dir, "test_plugin.so"));
  wasmplug_error_delete(e);
  e = wp_plugin_set_load(set, path_of(plugin_dir, "test_plugin.so"));
  CHECK(e && contains(wasmplug_error_message(e), "loaded twice"), "twice");
  wasmplug_error_delete(e);
  wp_plugin_set_delete(set);
}

/* The component-runtime entry points. */
static void test_bindings(wp_plugin_set_t *set) {
  wp_plugin_instances_t *g;
  wasmplug_error_t *e = wp_plugin_instances_new(set, &g);
  wp_plugin_binding_t b;
  e = wp_plugin_instances_bind(g, "test:plugin/api@0.1.0", "add", NULL, &b);
  CHECK(!e, "bind add: %s", e ? wasmplug_error_message(e) : "");
  wasmplug_error_delete(e);
  if (!e) {
    uint32_t args[2] = {20, 22}, res = 0;
    wp_cabi_arena_t *arena = wp_cabi_arena_new(0);
    wasmplug_trap_t *t = wp_plugin_binding_call(&b, arena, args, &res);
    CHECK(!t && res == 42, "binding call: %u", res);
    CHECK(b.args.size == 8 && b.type->nparams == 2 && !strcmp(b.name, "test:plugin/api@0.1.0#add"), "binding info");
    wasmplug_trap_delete(t);
    /* a type mismatch is reported in WIT */
    wp_cabi_types_t *ty = wp_cabi_types_new();
    const wp_cabi_type_t *s = wp_cabi_type_prim(ty, WP_CABI_STRING);
    const wp_cabi_type_t *ps[1] = {s};
    const char *names[1] = {"s"};
    wp_cabi_func_t want = {1, names, ps, s};
    e = wp_plugin_instances_bind(g, "test:plugin/api@0.1.0", "add", &want, &b);
    CHECK(e && contains(wasmplug_error_message(e), "guest expects func(s: string) -> string") &&
              contains(wasmplug_error_message(e), "provides func(a: u32, b: u32) -> u32"),
          "mismatch: %s", e ? wasmplug_error_message(e) : "none");
    wasmplug_error_delete(e);
    e = wp_plugin_instances_bind(g, "test:plugin/api@0.1.0", "echo", &want, &b);
    CHECK(!e, "matching expected type: %s", e ? wasmplug_error_message(e) : "");
    wasmplug_error_delete(e);
    wp_cabi_types_delete(ty);
    wp_cabi_arena_delete(arena);
  }
  const wp_cabi_resource_t *r = NULL;
  e = wp_plugin_instances_resource(g, "test:plugin/api@0.1.0", "counter", &r);
  CHECK(!e && r && !strcmp(wp_cabi_resource_name(r), "test:plugin/api@0.1.0#counter"), "resource");
  wasmplug_error_delete(e);
  wp_plugin_instances_delete(g);
}

static void test_describe_and_dirs(void) {
  char tmpl[] = "/tmp/wp-plugin-test-XXXXXX";
  char *dir = mkdtemp(tmpl);
  CHECK(dir, "mkdtemp");
  if (!dir) return;
  char out[1100];
  snprintf(out, sizeof out, "%s/describe.txt", dir);
  FILE *f = fopen(out, "w+");
  wasmplug_error_t *e = wp_plugin_describe(path_of(plugin_dir, "test_plugin.so"), f);
  CHECK(!e, "describe");
  wasmplug_error_delete(e);
  static char text[65536];
  rewind(f);
  size_t n = fread(text, 1, sizeof text - 1, f);
  text[n] = 0;
  fclose(f);
  CHECK(contains(text, "// plugin test-plugin 0.1.0") && contains(text, "//   test:plugin/api@0.1.0") &&
            contains(text, "//   greeting: string = hello  -- what to say") &&
            contains(text, "//   root: path (no default)") && contains(text, "interface api") &&
            contains(text, "echo: func(s: string) -> string;"),
        "describe output:\n%s", text);
  /* --plugin-dir and WASMPLUG_PLUGIN_PATH */
  char link[2400], dir2[1100];
  snprintf(link, sizeof link, "%s/test_plugin.so", dir);
  CHECK(!symlink(path_of(plugin_dir, "test_plugin.so"), link), "symlink");
  snprintf(dir2, sizeof dir2, "%s/more", dir);
  mkdir(dir2, 0700);
  snprintf(link, sizeof link, "%s/abi_ok.so", dir2);
  CHECK(!symlink(path_of(plugin_dir, "abi_ok.so"), link), "symlink");
  wp_plugin_set_t *set = wp_plugin_set_new();
  e = wp_plugin_set_load_dir(set, dir);
  CHECK(!e && wp_plugin_set_count(set) == 1, "load_dir");
  wasmplug_error_delete(e);
  wp_plugin_set_delete(set);
  char list[2400];
  snprintf(list, sizeof list, "%s::%s", dir, dir2);
  set = wp_plugin_set_new();
  e = wp_plugin_set_load_path(set, list);
  CHECK(!e && wp_plugin_set_count(set) == 2, "load_path: %s", e ? wasmplug_error_message(e) : "");
  wasmplug_error_delete(e);
  wp_plugin_set_delete(set);
  set = wp_plugin_set_new();
  e = wp_plugin_set_load_dir(set, "/nonexistent-plugin-dir");
  CHECK(e && contains(wasmplug_error_message(e), "cannot open plugin directory /nonexistent-plugin-dir"), "bad dir");
  wasmplug_error_delete(e);
  wp_plugin_set_delete(set);
  unlink(link);
  snprintf(link, sizeof link, "%s/test_plugin.so", dir);
  unlink(link);
  unlink(out);
  rmdir(dir2);
  rmdir(dir);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s PLUGIN_DIR WASM_DIR CACHE_DIR\n", argv[0]);
    return 2;
  }
  plugin_dir = argv[1];
  wasm_dir = argv[2];
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_BASELINE);
  wasmplug_config_cache_dir_set(cfg, argv[3]);
  wasmplug_error_t *e = wasmplug_engine_new(cfg, &engine);
  wasmplug_config_delete(cfg);
  if (e) {
    fprintf(stderr, "engine: %s\n", wasmplug_error_message(e));
    return 2;
  }
  test_semver();
  test_abi_negatives();
  wasmplug_module_t *guest = load_module("guest.wasm");
  test_config(guest);

  wp_plugin_set_t *set = wp_plugin_set_new();
  e = wp_plugin_set_load(set, path_of(plugin_dir, "test_plugin.so"));
  if (e) {
    fprintf(stderr, "load: %s\n", wasmplug_error_message(e));
    return 1;
  }
  fx_t fx;
  char *le = fx_new(&fx, set, guest);
  CHECK(!le, "link guest: %s", le);
  free(le);
  if (!le) test_shapes(&fx);
  fx_delete(&fx);
  test_resources(set, guest);
  test_isolation(set, guest);
  test_torn_down(set, guest);
  test_threads(set, guest);
  test_hostile(set);
  test_bad_realloc(set, guest);
  test_random_calls(set, guest);
  test_link_errors(set);
  test_bindings(set);
  wp_plugin_set_delete(set);
  test_flat();
  test_semver_link();
  test_conflict(guest);
  test_describe_and_dirs();
  wasmplug_module_delete(guest);
  wasmplug_engine_delete(engine);
  printf("plugin tests: %d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
