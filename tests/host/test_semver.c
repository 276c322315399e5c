/*
** test_semver.c — one semver rule on every linking path.
**
** The rule (src/wit/version.c, wit.h): an import "prefix@X.Y.Z" is linked
** to a definition on the same compatibility track whichever side is newer,
** then types decide.  The same guest, importing test:sv/api at 1.0.0
** (older than the provider's 1.2.0), 1.5.0 (newer), 2.0.0 (another track)
** and 1.5.0 with a function the provider lacks, is linked through:
**   - the component linker (an embedder's value-tree definition),
**   - a native plugin, for a component guest and for a core-module guest,
**   - a wasm component plugin,
**   - `wasmplug compose` of that plugin and the guest (then run alone).
** The matching functions of the component and plugin layers answer like
** the rule's one implementation, case by case.
**
** usage: test_semver SEMVER_WASM_DIR
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cabi/cabi.h"
#include "component/component.h"
#include "plugin/plugin.h"
#include "wasmplug.h"
#include "wasmplug/host.h"
#include "wit/wit.h"
#include "host_test.h"

static const char *dir;
static wasmplug_engine_t *engine;


static const char *msg(const wasmplug_error_t *e) { return e ? wasmplug_error_message(e) : "(none)"; }


/* ------------------------------------------------------------ the rule */

static void test_rule(void) {
  static const struct {
    const char *a, *b;
    int want;
  } cases[] = {
      {"a:b/c@1.2.0", "a:b/c@1.2.0", 2},
      {"a:b/c@1.5.0", "a:b/c@1.2.0", 1}, /* import newer than the definition */
      {"a:b/c@1.0.0", "a:b/c@1.2.0", 1}, /* import older */
      {"a:b/c@1.0.0", "a:b/c@2.0.0", 0},
      {"a:b/c@0.2.12", "a:b/c@0.2.6", 1},
      {"a:b/c@0.2.6", "a:b/c@0.2.12", 1},
      {"a:b/c@0.2.0", "a:b/c@0.3.0", 0},
      {"a:b/c@0.0.1", "a:b/c@0.0.2", 0},
      {"a:b/c@0.0.1", "a:b/c@0.0.1", 2},
      {"a:b/c@1.0.0-rc.1", "a:b/c@1.0.0", 0},
      {"a:b/c@1.0.0+build", "a:b/c@1.0.3", 1},
      {"a:b/c@1.0.0", "a:b/d@1.0.0", 0},
      {"a:b/c", "a:b/c", 2},
      {"a:b/c", "a:b/c@1.0.0", 0},
      {"a:b/c@01.0.0", "a:b/c@1.0.0", 0}, /* not semver: exact only */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *a = cases[i].a, *b = cases[i].b;
    int w = wp_wit_semver_name_match(a, strlen(a), b, strlen(b));
    CHECK(w == cases[i].want, "rule(%s, %s) = %d, want %d", a, b, w, cases[i].want);
    CHECK(wp_comp_name_matches(a, strlen(a), b, strlen(b)) == w, "component layer differs on %s %s", a, b);
    CHECK(wp_plugin_iface_match(a, b) == (w != 0), "plugin layer differs on %s %s", a, b);
  }
  /* among several on one track the newest wins */
  wp_comp_str names[] = {{"a:b/c@1.1.0", 11}, {"a:b/c@1.10.0", 12}, {"a:b/c@1.9.9", 11}, {"a:b/c@2.0.0", 11}};
  CHECK(wp_comp_name_best("a:b/c@1.0.0", 11, names, 4) == 1, "newest on the track");
}

/* ------------------------------------------------------ the five paths */

typedef struct outcome {
  wasmplug_error_t *err;
  unsigned answer;
} outcome;

/* The provider: answer() = 42 as a native plugin (linked in). */
static int answer_fn(void *state, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)state; (void)call; (void)params;
  *(uint32_t *)result = 42;
  return WASMPLUG_OK;
}
static const wasmplug_plugin_func_t sv_funcs[] = {{"test:sv/api#answer", answer_fn}};
static const wasmplug_plugin_t sv_desc = {
    .magic = WASMPLUG_PLUGIN_MAGIC,
    .abi_major = WASMPLUG_PLUGIN_ABI_MAJOR,
    .abi_minor = WASMPLUG_PLUGIN_ABI_MINOR,
    .size = sizeof(wasmplug_plugin_t),
    .name = "sv",
    .version = "1.2.0",
    .wit = "package test:sv@1.2.0;\ninterface api { answer: func() -> u32; }\n",
    .funcs = sv_funcs,
    .nfuncs = 1,
};
static const wasmplug_plugin_t *sv_entry(const wasmplug_host_api_t *host) {
  (void)host;
  return &sv_desc;
}

/* Through the host: `provider` is "native" or the wasm plugin's file. */
static outcome via_host(const char *provider, const char *guest) {
  outcome o = {NULL, 0};
  wasmplug_host_t *h = NULL;
  wasmplug_program_t *p = NULL;
  wasmplug_program_instance_t *in = NULL;
  wasmplug_trap_t *t = NULL;
  char *res = NULL;
  int status = 0;
  size_t len;
  uint8_t *bytes = read_fixture(dir, guest, &len);
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, provider);
  if (!(o.err = wasmplug_host_new(engine, NULL, &h)) &&
      !(o.err = strcmp(provider, "native") ? wasmplug_host_plugin_load(h, path)
                                           : wasmplug_host_plugin_add(h, sv_entry, "sv", NULL, NULL)) &&
      !(o.err = wasmplug_program_new(h, bytes, len, guest, &p))) {
    wasmplug_program_instantiate(p, &in, &o.err, &t);
    if (in && !(o.err = wasmplug_program_instance_invoke(in, wasmplug_program_is_component(p) ? "run()" : "run", &res,
                                                         &status, &t)))
      o.answer = res ? (unsigned)strtoul(res, NULL, 10) : 0;
  }
  if (t) {
    o.err = wasmplug_error_new("trap: %s", wasmplug_trap_message(t));
    wasmplug_trap_delete(t);
  }
  free(res);
  wasmplug_program_instance_delete(in);
  wasmplug_program_delete(p);
  wasmplug_host_delete(h);
  free(bytes);
  return o;
}

/* `wasmplug compose` of the wasm plugin and the guest, then the result run
** with no plugin: the composition links by the same rule as run time. */
static outcome via_compose(const char *guest) {
  outcome o = {NULL, 0};
  size_t len, clen = 0;
  uint8_t *bytes = read_fixture(dir, guest, &len), *composed = NULL;
  char spec[1024];
  snprintf(spec, sizeof spec, "%s/plugin.wasm", dir);
  const char *specs[] = {spec};
  wasmplug_host_t *h = NULL;
  wasmplug_program_t *p = NULL;
  wasmplug_program_instance_t *in = NULL;
  wasmplug_trap_t *t = NULL;
  char *res = NULL;
  int status = 0;
  if (!(o.err = wasmplug_compose(specs, 1, bytes, len, guest, &composed, &clen)) &&
      !(o.err = wasmplug_host_new(engine, NULL, &h)) &&
      !(o.err = wasmplug_program_new(h, composed, clen, guest, &p))) {
    wasmplug_program_instantiate(p, &in, &o.err, &t);
    if (in && !(o.err = wasmplug_program_instance_invoke(in, "run()", &res, &status, &t)))
      o.answer = res ? (unsigned)strtoul(res, NULL, 10) : 0;
  }
  if (t) {
    o.err = wasmplug_error_new("trap: %s", wasmplug_trap_message(t));
    wasmplug_trap_delete(t);
  }
  free(res);
  wasmplug_program_instance_delete(in);
  wasmplug_program_delete(p);
  wasmplug_host_delete(h);
  free(composed);
  free(bytes);
  return o;
}

/* The embedder's component linker: answer() = 5, defined at 1.2.0. */
static wasmplug_trap_t *answer_cb(void *env, const wp_cabi_val_t *args, size_t n, wp_cabi_val_t *result) {
  (void)env; (void)args; (void)n;
  result->kind = WP_CABI_U32;
  result->of.u32 = 5;
  return NULL;
}

static outcome via_linker(const char *guest) {
  outcome o = {NULL, 0};
  wp_cabi_types_t *types = wp_cabi_types_new();
  wp_cabi_func_t ft = {0, NULL, NULL, wp_cabi_type_prim(types, WP_CABI_U32)};
  size_t len;
  uint8_t *bytes = read_fixture(dir, guest, &len);
  wasmplug_component_t *c = NULL;
  wasmplug_component_linker_t *l = wasmplug_component_linker_new(engine);
  wasmplug_component_instance_t *in = NULL;
  wasmplug_trap_t *t = NULL;
  if (!(o.err = wasmplug_component_new(engine, bytes, len, guest, &c)) &&
      !(o.err = wasmplug_component_linker_define_func(l, "test:sv/api@1.2.0#answer", &ft, answer_cb, NULL, NULL))) {
    wasmplug_component_linker_instantiate(l, c, &in, &o.err, &t);
    wp_cabi_val_t r;
    if (in && !(t = wasmplug_component_func_call(wasmplug_component_instance_func(in, "run"), NULL, 0, &r)))
      o.answer = r.of.u32;
  }
  if (t) {
    o.err = wasmplug_error_new("trap: %s", wasmplug_trap_message(t));
    wasmplug_trap_delete(t);
  }
  wasmplug_component_instance_delete(in);
  wasmplug_component_linker_delete(l);
  wasmplug_component_delete(c);
  wp_cabi_types_delete(types);
  free(bytes);
  return o;
}

static void expect(const char *path, const char *variant, outcome o, unsigned want) {
  if (!strcmp(variant, "1.0.0") || !strcmp(variant, "1.5.0")) {
    CHECK(!o.err && o.answer == want, "%s, import @%s: %s (answer %u)", path, variant, msg(o.err), o.answer);
  } else if (!strcmp(variant, "2.0.0")) {
    CHECK(o.err && strstr(msg(o.err), "test:sv/api@2.0.0"), "%s, import @2.0.0 must be refused naming it: %s", path,
          msg(o.err));
  } else { /* 1.5.0-extra: linked by name, refused by what it needs */
    if (getenv("SEMVER_VERBOSE")) fprintf(stderr, "%s: %s\n", path, msg(o.err));
    /* after the file name, which has "extra" in it too */
    const char *m = msg(o.err), *after = strstr(m, ".wasm");
    CHECK(o.err && after && strstr(after, "extra"), "%s, import @1.5.0 with `extra` must be refused naming it: %s", path,
          msg(o.err));
  }
  wasmplug_error_delete(o.err);
}

static void test_paths(void) {
  static const char *const variants[] = {"1.0.0", "1.5.0", "2.0.0", "1.5.0-extra"};
  for (size_t i = 0; i < 4; i++) {
    char guest[64], core[64];
    snprintf(guest, sizeof guest, "guest-%s.wasm", variants[i]);
    snprintf(core, sizeof core, "core-%s.wasm", variants[i]);
    expect("component linker", variants[i], via_linker(guest), 5);
    expect("native plugin, component guest", variants[i], via_host("native", guest), 42);
    expect("native plugin, core-module guest", variants[i], via_host("native", core), 42);
    expect("wasm plugin", variants[i], via_host("plugin.wasm", guest), 7);
    expect("compose", variants[i], via_compose(guest), 7);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_semver SEMVER_WASM_DIR\n");
    return 2;
  }
  dir = argv[1];
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_BASELINE);
  wasmplug_error_t *e = wasmplug_engine_new(cfg, &engine);
  wasmplug_config_delete(cfg);
  if (e) return 1;
  test_rule();
  test_paths();
  wasmplug_engine_delete(engine);
  if (failures) fprintf(stderr, "%d failure(s)\n", failures);
  else printf("semver on every path: ok\n");
  return failures ? 1 : 0;
}
