/*
** test_guest.c — the C guest (jco-componentized, see guest/) through the
** runtime.  Every api export forwards to the host import of the same shape,
** so each check below crosses an export call and an import call: the host
** logs the arguments it received (WAVE) and answers with a transformation
** the test predicts.  Also: host resources through native-flavour functions
** (destructors exactly once, also at teardown), traps inside lifted
** functions, a trapping host function, two instances of one component.
**
** usage: test_guest GUEST.wasm
*/
#include "harness.h"

#include <stdint.h>

#include "wasmplug/plugin.h"

typedef struct host {
  char log[4096];
  int nothing_calls;
  uint32_t counters[4096];
  uint32_t ncounters;
  int drops;
  uint32_t last_drop;
} host;

typedef struct hfn {
  host *h;
  const char *name;
  const wp_cabi_func_t *type;
  wp_cabi_error_t *(*impl)(host *h, const wp_cabi_val_t *args, wp_cabi_val_t *result);
} hfn;

static char *xstrdup(const char *s) {
  char *d = strdup(s);
  if (!d) abort();
  return d;
}

static wp_cabi_val_t vstr(const char *s) {
  wp_cabi_val_t v = {.kind = WP_CABI_STRING};
  v.of.str.ptr = xstrdup(s);
  v.of.str.len = strlen(s);
  return v;
}

static wp_cabi_val_t *vnew(size_t n) {
  wp_cabi_val_t *v = calloc(n ? n : 1, sizeof *v);
  if (!v) abort();
  return v;
}

static void clone(const wp_cabi_val_t *a, wp_cabi_val_t *out) {
  wp_cabi_error_t *e = wp_cabi_val_clone(a, out);
  if (e) abort();
}

/* A host function's failure as the trap it returns (NULL: none). */
static wasmplug_trap_t *trap_of(wp_cabi_error_t *e) {
  if (!e) return NULL;
  wasmplug_trap_t *t = wasmplug_trap_new(WASMPLUG_TRAP_HOST, wp_cabi_error_message(e));
  wp_cabi_error_delete(e);
  return t;
}

/* Logs "name(arg, ...)" in WAVE, then runs the implementation. */
static wasmplug_trap_t *logged(void *env, const wp_cabi_val_t *args, size_t n, wp_cabi_val_t *result) {
  hfn *f = env;
  size_t k = (size_t)snprintf(f->h->log, sizeof f->h->log, "%s(", f->name);
  for (size_t i = 0; i < n; i++) {
    char *text = NULL;
    wp_cabi_error_t *e = wp_cabi_wave_print(f->type->params[i], &args[i], &text);
    if (e) return trap_of(e);
    if (k < sizeof f->h->log) k += (size_t)snprintf(f->h->log + k, sizeof f->h->log - k, "%s%s", i ? ", " : "", text);
    free(text);
  }
  if (k < sizeof f->h->log) snprintf(f->h->log + k, sizeof f->h->log - k, ")");
  return trap_of(f->impl(f->h, args, result));
}

static wp_cabi_error_t *do_scalar(host *h, const wp_cabi_val_t *a, wp_cabi_val_t *r) {
  (void)h;
  clone(&a[0], r);
  return NULL;
}

static wp_cabi_error_t *do_text(host *h, const wp_cabi_val_t *a, wp_cabi_val_t *r) {
  (void)h;
  char buf[2048];
  size_t k = (size_t)snprintf(buf, sizeof buf, "%s", a[0].of.str.ptr);
  for (size_t i = 0; i < a[1].of.list.len && k < sizeof buf; i++)
    k += (size_t)snprintf(buf + k, sizeof buf - k, "|%s", a[1].of.list.items[i].of.str.ptr);
  r->kind = WP_CABI_TUPLE;
  r->of.list.items = vnew(2);
  r->of.list.len = 2;
  r->of.list.items[0] = vstr(buf);
  r->of.list.items[1].kind = WP_CABI_U32;
  r->of.list.items[1].of.u32 = (uint32_t)a[1].of.list.len;
  return NULL;
}

static void reverse(const wp_cabi_val_t *a, wp_cabi_val_t *r) {
  clone(a, r);
  for (size_t i = 0, j = r->of.list.len; i + 1 < j; i++, j--) {
    wp_cabi_val_t t = r->of.list.items[i];
    r->of.list.items[i] = r->of.list.items[j - 1];
    r->of.list.items[j - 1] = t;
  }
}

static wp_cabi_error_t *do_bytes(host *h, const wp_cabi_val_t *a, wp_cabi_val_t *r) {
  (void)h;
  if (a[0].of.list.len >= 2 && a[0].of.list.items[0].of.u8 == 0xde && a[0].of.list.items[1].of.u8 == 0xad)
    return wp_cabi_error_new(WP_CABI_INVALID, "the host refuses dead bytes");
  reverse(&a[0], r);
  return NULL;
}

static wp_cabi_error_t *do_points(host *h, const wp_cabi_val_t *a, wp_cabi_val_t *r) {
  (void)h;
  clone(&a[0], r);
  for (size_t i = 0; i < r->of.list.len; i++) {
    wp_cabi_val_t *xy = r->of.list.items[i].of.list.items;
    int32_t t = xy[0].of.s32;
    xy[0].of.s32 = xy[1].of.s32;
    xy[1].of.s32 = t;
  }
  return NULL;
}

/* opts(o, r): ok(s) -> ok(some(s)); err(color) -> err(big(color index)). */
static wp_cabi_error_t *do_opts(host *h, const wp_cabi_val_t *a, wp_cabi_val_t *r) {
  (void)h;
  r->kind = WP_CABI_RESULT;
  r->of.var.payload = vnew(1);
  if (a[1].of.var.disc == 0) {
    r->of.var.disc = 0;
    r->of.var.payload->kind = WP_CABI_OPTION;
    r->of.var.payload->of.var.disc = 1;
    r->of.var.payload->of.var.payload = vnew(1);
    clone(a[1].of.var.payload, r->of.var.payload->of.var.payload);
  } else {
    r->of.var.disc = 1;
    r->of.var.payload->kind = WP_CABI_VARIANT;
    r->of.var.payload->of.var.disc = 4; /* big */
    r->of.var.payload->of.var.payload = vnew(1);
    r->of.var.payload->of.var.payload->kind = WP_CABI_U64;
    r->of.var.payload->of.var.payload->of.u64 = a[1].of.var.payload->of.var.disc;
  }
  return NULL;
}

static wp_cabi_error_t *do_flagged(host *h, const wp_cabi_val_t *a, wp_cabi_val_t *r) {
  (void)h;
  r->kind = WP_CABI_TUPLE;
  r->of.list.items = vnew(2);
  r->of.list.len = 2;
  clone(&a[0], &r->of.list.items[0]);
  clone(&a[1], &r->of.list.items[1]);
  return NULL;
}

static wp_cabi_error_t *do_shapes(host *h, const wp_cabi_val_t *a, wp_cabi_val_t *r) {
  (void)h;
  reverse(&a[0], r);
  return NULL;
}

/* many(...): answers with what it received (the log line). */
static wp_cabi_error_t *do_many(host *h, const wp_cabi_val_t *a, wp_cabi_val_t *r) {
  (void)a;
  *r = vstr(h->log);
  return NULL;
}

static wp_cabi_error_t *do_nothing(host *h, const wp_cabi_val_t *a, wp_cabi_val_t *r) {
  (void)a;
  (void)r;
  h->nothing_calls++;
  return NULL;
}

/* ---- the counter resource, native flavour (the plugin ABI's shape) ---- */

static int counter_new(void *state, struct wasmplug_plugin_call *call, const void *params, void *result) {
  host *h = state;
  const uint32_t *start = params;
  if (h->ncounters + 1 >= 4096) return wasmplug_component_call_trap(call, "too many counters");
  uint32_t rep = ++h->ncounters;
  h->counters[rep] = *start;
  *(int32_t *)result = (int32_t)rep;
  return WASMPLUG_OK;
}

static int counter_inc(void *state, struct wasmplug_plugin_call *call, const void *params, void *result) {
  (void)call;
  host *h = state;
  const struct { int32_t self; uint32_t by; } *p = params;
  h->counters[p->self] += p->by;
  *(uint32_t *)result = h->counters[p->self];
  return WASMPLUG_OK;
}

static int counter_total(void *state, struct wasmplug_plugin_call *call, const void *params, void *result) {
  (void)call;
  host *h = state;
  *(uint32_t *)result = h->counters[*(const int32_t *)params];
  return WASMPLUG_OK;
}

static wp_cabi_error_t *counter_drop(void *ctx, uint32_t rep) {
  host *h = ctx;
  h->drops++;
  h->last_drop = rep;
  return NULL;
}

typedef struct setup {
  wasmplug_component_instance_t *probe; /* owns the api types reused below */
  wp_cabi_types_t *types;
  wp_cabi_func_t f_new, f_inc, f_total;
  const wp_cabi_type_t *u32, *own, *borrow, *p_new[1], *p_inc[2], *p_total[1];
  hfn fns[9];
} setup;

static void define_host(wasmplug_engine_t *eng, wasmplug_component_t *c, setup *s, host *h,
                        wasmplug_component_linker_t *l) {
  /* The api exports have the host imports' shapes: take their types from
  ** an instance linked with unknown imports. */
  wasmplug_component_linker_t *probe_l = wasmplug_component_linker_new(eng);
  wasmplug_component_linker_allow_unknown_imports(probe_l, true);
  s->probe = h_instantiate(probe_l, c, NULL);
  wasmplug_component_linker_delete(probe_l);
  CHECK(s->probe);
  if (!s->probe) exit(1);
  static const char *const names[] = {"scalar", "text", "bytes", "points", "opts", "flagged", "shapes", "many", "nothing"};
  wp_cabi_error_t *(*impls[])(host *, const wp_cabi_val_t *, wp_cabi_val_t *) = {
      do_scalar, do_text, do_bytes, do_points, do_opts, do_flagged, do_shapes, do_many, do_nothing};
  for (int i = 0; i < 9; i++) {
    char api[128], imp[128];
    snprintf(api, sizeof api, "test:rt/api#%s", names[i]);
    snprintf(imp, sizeof imp, "test:rt/host@0.1.0#%s", names[i]);
    wasmplug_component_func_t *f = wasmplug_component_instance_func(s->probe, api);
    CHECK(f);
    if (!f) exit(1);
    s->fns[i] = (hfn){h, names[i], wasmplug_component_func_type(f), impls[i]};
    wasmplug_error_t *e = wasmplug_component_linker_define_func(l, imp, s->fns[i].type, logged, &s->fns[i], NULL);
    CHECK(!e);
  }
  s->types = wp_cabi_types_new();
  const wp_cabi_resource_t *r = wp_cabi_resource_type(s->types, "counter", NULL, counter_drop, h);
  s->u32 = wp_cabi_type_prim(s->types, WP_CABI_U32);
  s->own = wp_cabi_type_own(s->types, r);
  s->borrow = wp_cabi_type_borrow(s->types, r);
  static const char *const n_new[] = {"start"}, *const n_inc[] = {"self", "by"}, *const n_total[] = {"c"};
  s->p_new[0] = s->u32;
  s->p_inc[0] = s->borrow;
  s->p_inc[1] = s->u32;
  s->p_total[0] = s->borrow;
  s->f_new = (wp_cabi_func_t){1, n_new, s->p_new, s->own};
  s->f_inc = (wp_cabi_func_t){2, n_inc, s->p_inc, s->u32};
  s->f_total = (wp_cabi_func_t){1, n_total, s->p_total, s->u32};
  CHECK(!wasmplug_component_linker_define_resource(l, "test:rt/host@0.1.0#counter", r));
  CHECK(!wasmplug_component_linker_define_native(l, "test:rt/host@0.1.0#[constructor]counter", &s->f_new,
                                                 counter_new, h, NULL));
  CHECK(!wasmplug_component_linker_define_native(l, "test:rt/host@0.1.0#[method]counter.inc", &s->f_inc,
                                                 counter_inc, h, NULL));
  CHECK(!wasmplug_component_linker_define_native(l, "test:rt/host@0.1.0#total", &s->f_total, counter_total, h,
                                                 NULL));
}

#define SCALARS                                                                                          \
  "{b: true, a1: -128, a2: 255, a3: -32768, a4: 65535, a5: -2147483648, a6: 4294967295, "                \
  "a7: -9223372036854775808, a8: 18446744073709551615, f: 1.5, d: -0.25, c: 'x'}"

static void test_values(wasmplug_component_instance_t *in, host *h) {
  CHECK_INVOKE(in, "test:rt/api#scalar(" SCALARS ")", SCALARS);
  CHECK_STR(h->log, "scalar(" SCALARS ")");
  CHECK_INVOKE(in, "test:rt/api#scalar({b: false, a1: 0, a2: 0, a3: 0, a4: 0, a5: 0, a6: 0, a7: 0, a8: 0, "
                   "f: nan, d: -inf, c: '\\u{10ffff}'})",
               "{b: false, a1: 0, a2: 0, a3: 0, a4: 0, a5: 0, a6: 0, a7: 0, a8: 0, f: nan, d: -inf, c: '\U0010ffff'}");
  CHECK_INVOKE(in, "test:rt/api#text(\"h\\u{e9}llo\", [\"a\", \"\", \"\\u{1f600}\"])",
               "(\"h\u00e9llo|a||\U0001f600\", 3)");
  CHECK_STR(h->log, "text(\"h\u00e9llo\", [\"a\", \"\", \"\U0001f600\"])");
  CHECK_INVOKE(in, "test:rt/api#text(\"\", [])", "(\"\", 0)");
  CHECK_INVOKE(in, "test:rt/api#bytes([1, 2, 3])", "[3, 2, 1]");
  CHECK_INVOKE(in, "test:rt/api#bytes([])", "[]");
  CHECK_INVOKE(in, "test:rt/api#points([{x: 1, y: -2}, {x: 2147483647, y: 0}])",
               "[{x: -2, y: 1}, {x: 0, y: 2147483647}]");
  CHECK_INVOKE(in, "test:rt/api#opts(some(some(7)), ok(\"s\"))", "ok(some(\"s\"))");
  CHECK_STR(h->log, "opts(some(some(7)), ok(\"s\"))");
  CHECK_INVOKE(in, "test:rt/api#opts(some(none), err(blue))", "err(big(2))");
  CHECK_STR(h->log, "opts(some(none), err(blue))");
  CHECK_INVOKE(in, "test:rt/api#opts(none, err(red))", "err(big(0))");
  CHECK_STR(h->log, "opts(none, err(red))");
  CHECK_INVOKE(in, "test:rt/api#flagged({read, exec}, {f0, f9, f17})", "({read, exec}, {f0, f9, f17})");
  CHECK_INVOKE(in, "test:rt/api#flagged({}, {})", "({}, {})");
  CHECK_INVOKE(in, "test:rt/api#shapes([none, circle(1.5), rect({x: 1, y: 2}), label(\"l\"), big(9)])",
               "[big(9), label(\"l\"), rect({x: 1, y: 2}), circle(1.5), %none]" /* %: none is a keyword */);
  /* 17 parameters: spilled to memory on both sides */
  CHECK_INVOKE(in,
               "test:rt/api#many(1, 18446744073709551615, 3.5, -4.25, 255, -32768, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, "
               "\"seventeen\")",
               "\"many(1, 18446744073709551615, 3.5, -4.25, 255, -32768, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, "
               "\\\"seventeen\\\")\"");
  int before = h->nothing_calls;
  CHECK_INVOKE(in, "test:rt/api#nothing()", "");
  CHECK(h->nothing_calls == before + 1);

  /* A big list through the value-tree API (no WAVE). */
  wasmplug_component_func_t *bytes = wasmplug_component_instance_func(in, "test:rt/api@0.1.0#bytes");
  CHECK(bytes);
  if (bytes) {
    size_t n = 200000;
    wp_cabi_val_t arg = {.kind = WP_CABI_LIST}, res;
    arg.of.list.items = vnew(n);
    arg.of.list.len = n;
    for (size_t i = 0; i < n; i++) {
      arg.of.list.items[i].kind = WP_CABI_U8;
      arg.of.list.items[i].of.u8 = (uint8_t)(i * 7);
    }
    wasmplug_trap_t *t = wasmplug_component_func_call(bytes, &arg, 1, &res);
    CHECK(!t);
    if (!t) {
      int ok = res.of.list.len == n;
      for (size_t i = 0; ok && i < n; i++) ok = res.of.list.items[i].of.u8 == (uint8_t)((n - 1 - i) * 7);
      CHECK(ok);
      wp_cabi_val_drop(&res);
    }
    wasmplug_trap_delete(t);
    /* A host function that fails traps the guest's call, naming itself. */
    arg.of.list.items[0].of.u8 = 0xde;
    arg.of.list.items[1].of.u8 = 0xad;
    t = wasmplug_component_func_call(bytes, &arg, 1, &res);
    CHECK(t && strstr(wasmplug_trap_message(t), "test:rt/host@0.1.0#bytes") &&
          strstr(wasmplug_trap_message(t), "the host refuses dead bytes"));
    wasmplug_trap_delete(t);
    wp_cabi_val_drop(&arg);
  }
}

/* After a trap the instance is poisoned (later calls trap with "cannot
** enter component instance"); it is deleted. */
static void check_poisoned(wasmplug_component_instance_t *in) {
  char *got = h_invoke(in, "test:rt/api#crash(7)");
  CHECK(!strncmp(got, "trap:", 5) && strstr(got, "cannot enter component instance"));
  free(got);
  wasmplug_component_instance_delete(in);
}

static void test_resources_and_traps(wasmplug_component_linker_t *l, wasmplug_component_t *c,
                                     wasmplug_component_instance_t *in, host *h) {
  int drops = h->drops;
  CHECK_INVOKE(in, "test:rt/api#count(5, 3)", "8");
  CHECK(h->drops == drops + 1); /* the guest dropped its own handle */
  CHECK_INVOKE(in, "test:rt/api#count(100, 0)", "100");
  CHECK(h->drops == drops + 2);
  CHECK_INVOKE(in, "test:rt/api#count(1, 1001)", "1002"); /* leaks the handle */
  CHECK(h->drops == drops + 2);
  CHECK_INVOKE(in, "test:rt/api#crash(7)", "7");

  /* each trap on an instance of its own */
  static const char *const crashes[][2] = {{"test:rt/api#crash(0)", "trap: wasm trap: unreachable*"},
                                           {"test:rt/api#crash(1)", "trap: wasm trap: integer divide by zero*"},
                                           {"test:rt/api#crash(2)", "trap: wasm trap: memory out of bounds*"}};
  for (int i = 0; i < 3; i++) {
    wasmplug_component_instance_t *t = h_instantiate(l, c, NULL);
    CHECK(t);
    if (!t) continue;
    CHECK_INVOKE(t, crashes[i][0], crashes[i][1]);
    check_poisoned(t);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_guest GUEST.wasm\n");
    return 2;
  }
  wasmplug_engine_t *eng = h_engine(WASMPLUG_TIER_BASELINE);
  unsigned char *bytes;
  wasmplug_component_t *c = h_component(eng, argv[1], &bytes);
  host h;
  memset(&h, 0, sizeof h);
  setup s;
  memset(&s, 0, sizeof s);
  wasmplug_component_linker_t *l = wasmplug_component_linker_new(eng);
  define_host(eng, c, &s, &h, l);

  wasmplug_component_instance_t *in = h_instantiate(l, c, NULL);
  CHECK(in);
  if (in) {
    test_values(in, &h); /* ends with a trapping call */
    check_poisoned(in);
    in = h_instantiate(l, c, NULL);
    CHECK(in);
  }
  if (in) {
    test_resources_and_traps(l, c, in, &h);
    /* A second instance: its own memory and handle table. */
    wasmplug_component_instance_t *in2 = h_instantiate(l, c, NULL);
    CHECK(in2);
    if (in2) {
      CHECK_INVOKE(in2, "test:rt/api#count(2, 2)", "4");
      CHECK_INVOKE(in2, "test:rt/api#text(\"x\", [\"y\"])", "(\"x|y\", 1)");
      wasmplug_component_instance_delete(in2);
    }
    int drops = h.drops;
    uint32_t leaked = h.ncounters - 1; /* count(1, 1001) of the first instance */
    (void)leaked;
    wasmplug_component_instance_delete(in);
    /* Teardown destroyed the one leaked counter, exactly once. */
    CHECK(h.drops == drops + 1);
  }
  wasmplug_component_instance_delete(s.probe);
  wasmplug_component_linker_delete(l);
  wp_cabi_types_delete(s.types);
  wasmplug_component_delete(c);
  free(bytes);
  wasmplug_engine_delete(eng);
  printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
