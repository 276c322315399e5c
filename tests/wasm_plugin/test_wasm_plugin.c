/*
** test_wasm_plugin.c — wasm component plugins composed at run time with a
** guest (src/host/wasm_*.c), through the plugin layer's API: value
** shapes and resources across the guest -> plugin boundary, traps naming
** the plugin, per-guest vs shared plugin instances, stacked plugins,
** cycles, wasi:dl refused to the guest, type mismatches, UTF-16 guests,
** semver-matched names, bad specs, and wp_wasm_compose (the composition
** written as one component, decoded and run).
**
** usage: test_wasm_plugin WASM_DIR   (the components built by CMakeLists.txt)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cabi/cabi.h"
#include "plugin/plugin.h"
#include "wasmplug.h"
#include "../fixture.h"

static int fails, checks;
static const char *dir;
static wasmplug_engine_t *engine;

#define CHECK(c) check((c), __LINE__, #c)
static void check(int ok, int line, const char *what) {
  checks++;
  if (!ok) {
    fails++;
    fprintf(stderr, "test_wasm_plugin.c:%d: check failed: %s\n", line, what);
  }
}

#define CHECK_STR(got, want) check_str((got), (want), __LINE__)
static void check_str(const char *got, const char *want, int line) {
  checks++;
  if (!got || strcmp(got, want)) {
    fails++;
    fprintf(stderr, "test_wasm_plugin.c:%d: expected \"%s\", got \"%s\"\n", line, want, got ? got : "(null)");
  }
}

#define CHECK_HAS(got, part) check_has((got), (part), __LINE__)
static void check_has(const char *got, const char *part, int line) {
  checks++;
  if (!got || !strstr(got, part)) {
    fails++;
    fprintf(stderr, "test_wasm_plugin.c:%d: expected a message containing \"%s\", got \"%s\"\n", line, part,
            got ? got : "(null)");
  }
}

static const char *at(const char *name) {
  static char buf[4][1024];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
  return buf[k];
}

/* ------------------------------------------------------------ guests */

typedef struct comp {
  unsigned char *bytes;
  wasmplug_component_t *c;
} comp;

static comp load(const char *name) {
  comp g = {0};
  size_t n;
  g.bytes = read_fixture(NULL, at(name), &n);
  wasmplug_error_t *e = wasmplug_component_new(engine, g.bytes, n, name, &g.c);
  if (e) {
    fprintf(stderr, "%s: %s\n", name, wasmplug_error_message(e));
    exit(1);
  }
  return g;
}

static void unload(comp *g) {
  wasmplug_component_delete(g->c);
  free(g->bytes);
}

/* Plugins from a NULL-terminated list of specs ("kv.wasm,shared"); the
** error message (static) when adding or preparing fails. */
static wp_wasm_plugins_t *plugins(const char **specs, char *err, size_t cap) {
  wp_wasm_plugins_t *set = wp_wasm_plugins_new();
  wasmplug_error_t *e = NULL;
  for (size_t i = 0; !e && specs[i]; i++) e = wp_wasm_plugins_add(set, at(specs[i]));
  if (!e) e = wp_wasm_plugins_prepare(set, engine, NULL, NULL, NULL);
  *err = 0;
  if (e) {
    snprintf(err, cap, "%s", wasmplug_error_message(e));
    wasmplug_error_delete(e);
  }
  return set;
}

typedef struct inst {
  wp_wasm_instances_t *g;
  wasmplug_component_linker_t *l;
  wasmplug_component_instance_t *in;
  char err[2048];
  char out[4096];
} inst;

/* Instantiates guest c with the set's plugins; false with x->err set. */
static int start(inst *x, wp_wasm_plugins_t *set, comp *c, const char *name) {
  memset(x, 0, sizeof *x);
  x->l = wasmplug_component_linker_new(engine);
  wasmplug_error_t *e = wp_wasm_instances_new(set, &x->g);
  if (!e) e = wp_wasm_instances_link(x->g, x->l, c->c, name);
  wasmplug_trap_t *t = NULL;
  if (!e) wasmplug_component_linker_instantiate(x->l, c->c, &x->in, &e, &t);
  if (t) {
    snprintf(x->err, sizeof x->err, "trap: %s", wasmplug_trap_message(t));
    wasmplug_trap_delete(t);
  }
  if (e) {
    snprintf(x->err, sizeof x->err, "%s", wasmplug_error_message(e));
    wasmplug_error_delete(e);
  }
  return x->in != NULL;
}

static void stop(inst *x) {
  wasmplug_component_instance_delete(x->in);
  wp_wasm_instances_delete(x->g);
  wasmplug_component_linker_delete(x->l);
  x->in = NULL;
  x->g = NULL;
  x->l = NULL;
}

/* Calls "name(wave args)": the WAVE result, "trap: ..." or "error: ...". */
static const char *call(inst *x, const char *wave) {
  if (!x->in) return "not instantiated";
  char *text = NULL;
  wasmplug_error_t *e = NULL;
  wasmplug_trap_t *t = wasmplug_component_invoke_wave(x->in, wave, &text, &e);
  if (t) snprintf(x->out, sizeof x->out, "trap: %s", wasmplug_trap_message(t));
  else if (e) snprintf(x->out, sizeof x->out, "error: %s", wasmplug_error_message(e));
  else snprintf(x->out, sizeof x->out, "%s", text);
  free(text);
  wasmplug_trap_delete(t);
  wasmplug_error_delete(e);
  return x->out;
}

/* The kv plugin's checksum of text(s). */
static unsigned checksum(const char *s, size_t n) {
  unsigned h = (unsigned)n;
  for (size_t i = 0; i < n; i++) h = h * 31 + (unsigned char)s[i];
  return h;
}

/* ------------------------------------------------------------ tests */

static void test_values(comp *app) {
  const char *specs[] = {"plugin.wasm", "res_plugin.wasm", NULL};
  char err[2048], want[64];
  wp_wasm_plugins_t *set = plugins(specs, err, sizeof err);
  CHECK_STR(err, "");
  inst x;
  CHECK(start(&x, set, app, "app.wasm"));
  CHECK_STR(x.err, "");
  CHECK_STR(call(&x, "test:kv/api#put({key: \"a\", value: [1, 2, 3]})"), "1");
  CHECK_STR(call(&x, "test:kv/api#put({key: \"h\u00e9llo\u2603\", value: []})"), "2");
  CHECK_STR(call(&x, "test:kv/api#put({key: \"a\", value: [9, 255]})"), "2");
  CHECK_STR(call(&x, "test:kv/api#get(\"a\")"), "found([9, 255])");
  CHECK_STR(call(&x, "test:kv/api#get(\"h\u00e9llo\u2603\")"), "found([])");
  CHECK_STR(call(&x, "test:kv/api#get(\"zz\")"), "missing");
  CHECK_STR(call(&x, "test:kv/api#all()"),
            "many([{key: \"a\", value: [9, 255]}, {key: \"h\u00e9llo\u2603\", value: []}])");
  CHECK_STR(call(&x, "test:kv/api#scalar({b: true, s8v: -5, u16v: 65535, s64v: -4611686018427387904, f: 1.5, "
                     "d: 3.0, c: '\u2603'})"),
            "{b: false, s8v: 5, u16v: 0, s64v: -9223372036854775808, f: 3, d: 1.5, c: '\u2604'}");
  CHECK_STR(call(&x, "test:kv/api#pick(safe, {read, write}, some(\"abc\"))"), "ok((paranoid, {write, admin}, \"cba\"))");
  CHECK_STR(call(&x, "test:kv/api#pick(paranoid, {}, none)"), "err(\"no name\")");
  CHECK_STR(call(&x, "test:kv/api#text(\"\")"), "0");
  /* 1 KiB of printable ASCII (no quote or backslash: WAVE would escape them) */
  char big[1030], wave[1100];
  for (int i = 0; i < 1024; i++) {
    char c = (char)('!' + i % 90);
    big[i] = c == '"' || c == '\\' ? 'x' : c;
  }
  big[1024] = 0;
  snprintf(wave, sizeof wave, "test:kv/api#text(\"%s\")", big);
  snprintf(want, sizeof want, "%u", checksum(big, 1024));
  CHECK_STR(call(&x, wave), want);
  CHECK_STR(call(&x, "test:kv/api#bump(2)"), "2");
  CHECK_STR(call(&x, "test:kv/api#bump(3)"), "5");
  CHECK_STR(call(&x, "test:kv/api#nop()"), "");
  /* resources: 10 + 1 + 2 + 3 + 4 read through a borrow and handed back */
  CHECK_STR(call(&x, "test:kv/api#tally(10, 4)"), "20020");
  CHECK_STR(call(&x, "test:kv/api#drops()"), "2"); /* consumed by the plugin + dropped by the guest */
  CHECK_STR(call(&x, "test:kv/api#tally(0, 0)"), "0");
  CHECK_STR(call(&x, "test:kv/api#drops()"), "4");
  /* traps in the plugin reach the guest naming the plugin */
  const char *t = call(&x, "test:kv/api#crash(1)");
  CHECK_HAS(t, "trap: ");
  CHECK_HAS(t, "plugin.wasm");
  CHECK_HAS(t, "unreachable");
  stop(&x);
  CHECK(start(&x, set, app, "app.wasm"));
  t = call(&x, "test:kv/api#crash(2)");
  CHECK_HAS(t, "plugin.wasm: test:kv/counter@0.1.0#crash");
  CHECK_HAS(t, "out of bounds");
  stop(&x);
  wp_wasm_plugins_delete(set);
}

static void test_instances(comp *app) {
  char err[2048];
  /* default: one plugin instance per guest instance */
  const char *own[] = {"plugin.wasm", "res_plugin.wasm", NULL};
  wp_wasm_plugins_t *set = plugins(own, err, sizeof err);
  inst a, b;
  CHECK(start(&a, set, app, "a"));
  CHECK(start(&b, set, app, "b"));
  CHECK(wp_wasm_instances_get(a.g, 0) != wp_wasm_instances_get(b.g, 0));
  CHECK_STR(call(&a, "test:kv/api#bump(1)"), "1");
  CHECK_STR(call(&b, "test:kv/api#bump(1)"), "1");
  CHECK_STR(call(&a, "test:kv/api#bump(1)"), "2");
  CHECK_STR(call(&a, "test:kv/api#put({key: \"x\", value: [1]})"), "1");
  CHECK_STR(call(&b, "test:kv/api#get(\"x\")"), "missing");
  stop(&a);
  stop(&b);
  wp_wasm_plugins_delete(set);
  /* ,shared: one instance for every guest */
  const char *shared[] = {"plugin.wasm,shared", "res_plugin.wasm", NULL};
  set = plugins(shared, err, sizeof err);
  CHECK_STR(err, "");
  CHECK(start(&a, set, app, "a"));
  CHECK(start(&b, set, app, "b"));
  CHECK(wp_wasm_instances_get(a.g, 0) == wp_wasm_instances_get(b.g, 0));
  CHECK(wp_wasm_instances_get(a.g, 1) != wp_wasm_instances_get(b.g, 1));
  CHECK_STR(call(&a, "test:kv/api#bump(1)"), "1");
  CHECK_STR(call(&b, "test:kv/api#bump(1)"), "2");
  CHECK_STR(call(&a, "test:kv/api#put({key: \"x\", value: [1]})"), "1");
  CHECK_STR(call(&b, "test:kv/api#get(\"x\")"), "found([1])");
  stop(&a);
  /* the shared instance outlives a guest */
  CHECK_STR(call(&b, "test:kv/api#bump(1)"), "3");
  stop(&b);
  wp_wasm_plugins_delete(set);
}

static void test_stacked(comp *app) {
  char err[2048], want[64];
  const char *specs[] = {"plugin.wasm", "logger.wasm", "res_plugin.wasm", NULL};
  wp_wasm_plugins_t *set = plugins(specs, err, sizeof err);
  CHECK_STR(err, "");
  inst a, b;
  CHECK(start(&a, set, app, "a"));
  CHECK_STR(a.err, "");
  /* counter goes through the logger (+1000000) to the kv plugin */
  CHECK_STR(call(&a, "test:kv/api#bump(3)"), "1000003");
  CHECK_STR(call(&a, "test:kv/api#bump(1)"), "1000004");
  snprintf(want, sizeof want, "%u", checksum("stack", 5));
  CHECK_STR(call(&a, "test:kv/api#text(\"stack\")"), want);
  /* store comes from the kv plugin directly: the logger does not export it */
  CHECK_STR(call(&a, "test:kv/api#put({key: \"k\", value: []})"), "1");
  /* per guest: the second guest has its own logger and kv instances */
  CHECK(start(&b, set, app, "b"));
  CHECK_STR(call(&b, "test:kv/api#bump(1)"), "1000001");
  const char *t = call(&b, "test:kv/api#crash(1)");
  CHECK_HAS(t, "logger.wasm");
  CHECK_HAS(t, "plugin.wasm");
  CHECK_HAS(t, "unreachable");
  stop(&a);
  stop(&b);
  wp_wasm_plugins_delete(set);
  /* listed first, the logger wraps the plugin after it, but the guest
  ** takes counter from the last plugin listed that exports it */
  const char *rev[] = {"logger.wasm", "plugin.wasm", "res_plugin.wasm", NULL};
  set = plugins(rev, err, sizeof err);
  CHECK_STR(err, "");
  CHECK(start(&a, set, app, "a"));
  CHECK_STR(call(&a, "test:kv/api#bump(3)"), "3");
  stop(&a);
  wp_wasm_plugins_delete(set);
}

static void test_refusals(comp *app) {
  char err[2048];
  /* cycles */
  const char *cyc[] = {"cyc_a.wasm", "cyc_b.wasm", NULL};
  wp_wasm_plugins_t *set = plugins(cyc, err, sizeof err);
  CHECK_HAS(err, "wasm plugins form a cycle: cyc_a.wasm imports test:cyc/b from cyc_b.wasm, "
                 "cyc_b.wasm imports test:cyc/a from cyc_a.wasm");
  wp_wasm_plugins_delete(set);

  /* a guest importing wasi:dl, with or without plugins */
  comp dl = load("dl_guest.wasm");
  wasmplug_component_linker_t *l = wasmplug_component_linker_new(engine);
  wasmplug_error_t *e = wp_wasm_instances_link(NULL, l, dl.c, "dl_guest.wasm");
  CHECK_HAS(e ? wasmplug_error_message(e) : NULL,
            "dl_guest.wasm: import `wasi:dl/dll@0.2.0-draft` refused: wasi:dl reaches native code");
  CHECK_HAS(e ? wasmplug_error_message(e) : NULL, "allow-dl");
  wasmplug_error_delete(e);
  wasmplug_component_linker_delete(l);
  const char *kv[] = {"plugin.wasm", NULL};
  set = plugins(kv, err, sizeof err);
  inst x;
  CHECK(!start(&x, set, &dl, "dl_guest.wasm"));
  CHECK_HAS(x.err, "refused");
  stop(&x);
  wp_wasm_plugins_delete(set);
  unload(&dl);

  /* a plugin importing wasi:dl without allow-dl */
  const char *dlp[] = {"dl_plugin.wasm", NULL};
  set = plugins(dlp, err, sizeof err);
  CHECK_STR(err, "");
  CHECK(!start(&x, set, app, "app.wasm"));
  CHECK_HAS(x.err, "wasm plugin dl_plugin.wasm imports wasi:dl/dll@0.2.0-draft but was not granted it");
  stop(&x);
  wp_wasm_plugins_delete(set);

  /* a guest whose import has another type than the plugin's export */
  comp bad = load("bad_guest.wasm");
  set = plugins(kv, err, sizeof err);
  CHECK(!start(&x, set, &bad, "bad_guest.wasm"));
  CHECK_HAS(x.err, "bad_guest.wasm: import `test:kv/counter@0.1.0` (from wasm plugin plugin.wasm)");
  CHECK_HAS(x.err, "expected `func(by: string) -> u32`, found `func(by: u32) -> u32`");
  stop(&x);
  wp_wasm_plugins_delete(set);
  unload(&bad);

  /* the same with resources in the interface: refused at link time by
  ** the component type checker, which binds the plugin's resource */
  comp badr = load("bad_res_guest.wasm");
  const char *res[] = {"res_plugin.wasm", NULL};
  set = plugins(res, err, sizeof err);
  CHECK(!start(&x, set, &badr, "bad_res_guest.wasm"));
  CHECK_HAS(x.err, "import `test:kv/pool@0.1.0` (from wasm plugin res_plugin.wasm)");
  CHECK_HAS(x.err, "`peek`: expected `func(t: borrow<tally>) -> u64`");
  CHECK_HAS(x.err, "found `func(t: borrow<tally>) -> u32`");
  stop(&x);
  wp_wasm_plugins_delete(set);
  unload(&badr);

  /* an import no plugin provides stays undefined: the link names it */
  set = plugins(kv, err, sizeof err);
  CHECK(!start(&x, set, app, "app.wasm"));
  CHECK_HAS(x.err, "test:kv/pool@0.1.0");
  stop(&x);
  wp_wasm_plugins_delete(set);

  /* bad specs */
  set = wp_wasm_plugins_new();
  char spec[1200];
  snprintf(spec, sizeof spec, "%s,bogus", at("plugin.wasm"));
  e = wp_wasm_plugins_add(set, spec);
  CHECK_HAS(e ? wasmplug_error_message(e) : NULL, "unknown option 'bogus'");
  wasmplug_error_delete(e);
  e = wp_wasm_plugins_add(set, at("no-such.wasm"));
  CHECK_HAS(e ? wasmplug_error_message(e) : NULL, "no-such.wasm");
  wasmplug_error_delete(e);
  CHECK(wp_wasm_plugins_count(set) == 0);
  CHECK(wp_wasm_plugin_spec_is_component(at("plugin.wasm")));
  CHECK(!wp_wasm_plugin_spec_is_component(at("no-such.wasm,shared")));
  wp_wasm_plugins_delete(set);
}

static void test_utf16(void) {
  char err[2048], want[64];
  const char *kv[] = {"plugin.wasm", NULL};
  wp_wasm_plugins_t *set = plugins(kv, err, sizeof err);
  comp g = load("utf16_guest.wasm");
  inst x;
  CHECK(start(&x, set, &g, "utf16_guest.wasm"));
  CHECK_STR(x.err, "");
  /* "héllo☃" in UTF-8, as the plugin sees it */
  const char *utf8 = "h\xc3\xa9llo\xe2\x98\x83";
  snprintf(want, sizeof want, "%u", checksum(utf8, strlen(utf8)));
  CHECK_STR(call(&x, "run()"), want);
  const char *t = call(&x, "bad()");
  CHECK_HAS(t, "trap: ");
  CHECK_HAS(t, "out of bounds");
  stop(&x);
  wp_wasm_plugins_delete(set);
  unload(&g);
}

/* The fused adapter (component/rt/fused.c) with one plugin instance shared
** by guests one after another: a guest's bad argument traps that guest
** and leaves the plugin as it was; a trap in the plugin poisons it. */
static void test_fused(void) {
  char err[2048], want[64];
  const char *kv[] = {"plugin.wasm,shared", NULL};
  wp_wasm_plugins_t *set = plugins(kv, err, sizeof err);
  CHECK_STR(err, "");
  comp g = load("fused_guest.wasm");
  inst x;
  CHECK(start(&x, set, &g, "fused_guest.wasm"));
  CHECK_STR(x.err, "");
  snprintf(want, sizeof want, "%u", checksum("hello", 5));
  CHECK_STR(call(&x, "run()"), want);
  CHECK_STR(call(&x, "bump(5)"), "5");
  CHECK_HAS(call(&x, "bad-utf8()"), "invalid UTF-8 in string at 0x20 (byte 2 of 3)");
  stop(&x);
  /* an integer import (fused in place: rt_fused_call_raw, entered
  ** directly) called from a post-return: refused, the plugin untouched */
  CHECK(start(&x, set, &g, "fused_guest.wasm"));
  const char *pr = call(&x, "bump-then-post(2)");
  CHECK_HAS(pr, "cannot leave component instance to call `");
  CHECK_HAS(pr, "bump` (during realloc or post-return)");
  stop(&x);
  CHECK(start(&x, set, &g, "fused_guest.wasm"));
  CHECK_STR(call(&x, "bump(0)"), "7"); /* 5, then the lifted bump's 2; not the post-return's 1 */
  stop(&x);
  CHECK(start(&x, set, &g, "fused_guest.wasm"));
  CHECK_HAS(call(&x, "oob()"), "string pointer 0xfffa + length 100 is out of bounds of memory (65536 bytes)");
  stop(&x);
  CHECK(start(&x, set, &g, "fused_guest.wasm"));
  CHECK_STR(call(&x, "bump(1)"), "8"); /* the plugin went on */
  const char *t = call(&x, "crash()");
  CHECK_HAS(t, "trap in wasm plugin plugin.wasm: test:kv/counter@0.1.0#crash");
  CHECK_HAS(t, "unreachable");
  stop(&x);
  CHECK(start(&x, set, &g, "fused_guest.wasm"));
  CHECK_HAS(call(&x, "bump(1)"), "it trapped earlier");
  stop(&x);
  wp_wasm_plugins_delete(set);
  /* traps in the plugin through the nested entry (wp_rt_call_entry: the
  ** callee's own jump buffer inside the guest's call), one instance of
  ** the plugin per guest: a memory fault (the signal handler's unwind,
  ** the signals unblocked after it, so a second fault is caught too) and
  ** `unreachable`, each reported naming the plugin's export, poisoning
  ** the plugin and the guest (whose call trapped), and leaving the
  ** thread's guarded calls as they were: a fresh guest and plugin work */
  const char *own[] = {"plugin.wasm", NULL};
  set = plugins(own, err, sizeof err);
  CHECK_STR(err, "");
  static const char *const how[] = {"crash-oob()", "crash-oob()", "crash()", "crash-oob()"};
  for (int k = 0; k < 4; k++) {
    CHECK(start(&x, set, &g, "fused_guest.wasm"));
    CHECK_STR(call(&x, "bump(3)"), "3");
    t = call(&x, how[k]);
    CHECK_HAS(t, "trap in wasm plugin plugin.wasm: test:kv/counter@0.1.0#crash");
    CHECK_HAS(t, strcmp(how[k], "crash()") ? "memory out of bounds" : "unreachable");
    CHECK_HAS(call(&x, "bump(1)"), "trapped earlier");
    CHECK_HAS(call(&x, "run()"), "trapped earlier");
    stop(&x);
  }
  CHECK(start(&x, set, &g, "fused_guest.wasm"));
  CHECK_STR(call(&x, "bump(2)"), "2");
  CHECK_STR(call(&x, "bump(2)"), "4");
  snprintf(want, sizeof want, "%u", checksum("hello", 5));
  CHECK_STR(call(&x, "run()"), want);
  stop(&x);
  wp_wasm_plugins_delete(set);
  unload(&g);
  /* the guest's time limit ends a plugin computing forever (the timer's
  ** signal unwinds the plugin's nested call), twice: the guest's call
  ** traps with the time limit (an import returning past the deadline is
  ** the call's interrupt, whatever it answered), plugin and guest are
  ** poisoned, a fresh pair works */
  wasmplug_engine_t *outer = engine;
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_BASELINE);
  wasmplug_config_timeout_set(cfg, 200);
  wasmplug_error_t *e = wasmplug_engine_new(cfg, &engine);
  CHECK(!e);
  if (e) {
    wasmplug_error_delete(e);
    engine = outer;
    wasmplug_config_delete(cfg);
    return;
  }
  g = load("fused_guest.wasm");
  set = plugins(own, err, sizeof err);
  CHECK_STR(err, "");
  for (int k = 0; k < 2; k++) {
    CHECK(start(&x, set, &g, "fused_guest.wasm"));
    CHECK_STR(call(&x, "bump(3)"), "3");
    CHECK_HAS(call(&x, "crash-loop()"), "interrupt: the call exceeded its time limit");
    CHECK_HAS(call(&x, "bump(1)"), "trapped earlier");
    stop(&x);
  }
  CHECK(start(&x, set, &g, "fused_guest.wasm"));
  CHECK_STR(call(&x, "bump(5)"), "5");
  stop(&x);
  wp_wasm_plugins_delete(set);
  unload(&g);
  wasmplug_engine_delete(engine);
  wasmplug_config_delete(cfg);
  engine = outer;
}

/* wp_wasm_compose: the composition as one component, loaded by our own
** decoder (wasmplug_component_new validates it) and run with the import
** it leaves (test:kv/pool) given by a wasm plugin at run time. */
static void test_compose(comp *app) {
  char err[2048];
  const char *specs[] = {"plugin.wasm", "logger.wasm", NULL};
  wp_wasm_plugins_t *set = wp_wasm_plugins_new();
  for (size_t i = 0; specs[i]; i++) wasmplug_error_delete(wp_wasm_plugins_add(set, at(specs[i])));
  uint8_t *out = NULL;
  size_t out_len = 0;
  wasmplug_error_t *e = wp_wasm_compose(set, app->bytes, 0, "app.wasm", &out, &out_len);
  CHECK_HAS(e ? wasmplug_error_message(e) : NULL, "app.wasm"); /* an empty app does not decode */
  wasmplug_error_delete(e);
  FILE *f = fopen(at("app.wasm"), "rb");
  fseek(f, 0, SEEK_END);
  size_t alen = (size_t)ftell(f);
  fclose(f);
  e = wp_wasm_compose(set, app->bytes, alen, "app.wasm", &out, &out_len);
  CHECK(!e);
  if (e) {
    fprintf(stderr, "compose: %s\n", wasmplug_error_message(e));
    wasmplug_error_delete(e);
    wp_wasm_plugins_delete(set);
    return;
  }
  wp_wasm_plugins_delete(set);
  comp c = {out, NULL};
  e = wasmplug_component_new(engine, out, out_len, "composed", &c.c);
  CHECK(!e);
  wasmplug_error_delete(e);
  if (c.c) {
    char *world = wasmplug_component_world_wit(c.c);
    CHECK_HAS(world, "import test:kv/pool@0.1.0;");
    CHECK_HAS(world, "export test:kv/api@0.1.0;");
    CHECK(world && !strstr(world, "import test:kv/counter"));
    free(world);
    const char *res[] = {"res_plugin.wasm", NULL};
    wp_wasm_plugins_t *rs = plugins(res, err, sizeof err);
    inst x;
    CHECK(start(&x, rs, &c, "composed"));
    CHECK_STR(x.err, "");
    CHECK_STR(call(&x, "test:kv/api#bump(4)"), "1000004");
    CHECK_STR(call(&x, "test:kv/api#bump(1)"), "1000005");
    CHECK_STR(call(&x, "test:kv/api#put({key: \"k\", value: [7]})"), "1");
    CHECK_STR(call(&x, "test:kv/api#get(\"k\")"), "found([7])");
    CHECK_STR(call(&x, "test:kv/api#tally(10, 4)"), "20020");
    CHECK_HAS(call(&x, "test:kv/api#crash(1)"), "unreachable");
    stop(&x);
    wp_wasm_plugins_delete(rs);
  }
  unload(&c);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_wasm_plugin WASM_DIR\n");
    return 2;
  }
  dir = argv[1];
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_BASELINE);
  wasmplug_error_t *e = wasmplug_engine_new(cfg, &engine);
  if (e) {
    fprintf(stderr, "%s\n", wasmplug_error_message(e));
    return 1;
  }
  comp app = load("app.wasm");
  test_values(&app);
  test_instances(&app);
  test_stacked(&app);
  test_refusals(&app);
  test_utf16();
  test_fused();
  test_compose(&app);
  unload(&app);
  wasmplug_engine_delete(engine);
  wasmplug_config_delete(cfg);
  printf("test_wasm_plugin: %d checks, %d failures\n", checks, fails);
  return fails ? 1 : 0;
}
