/*
** test_basic.c — hand-made WAT components through the runtime: lifted
** exports, lowered host functions (value-tree and native flavours), link
** errors, unknown imports, string encodings, post-return, traps, several
** instances of one component.
**
** usage: test_basic WASM_DIR baseline|optimized
*/
#include "harness.h"

#include <pthread.h>
#include <stdint.h>

/* ---- host functions ---- */

static wasmplug_trap_t *host_double(void *env, const wp_cabi_val_t *args, size_t n, wp_cabi_val_t *result) {
  (void)env;
  (void)n;
  result->kind = WP_CABI_U32;
  result->of.u32 = args[0].of.u32 * 2;
  return NULL;
}

static wasmplug_trap_t *host_tick(void *env, const wp_cabi_val_t *args, size_t n, wp_cabi_val_t *result) {
  (void)args;
  (void)n;
  uint64_t *count = env;
  result->kind = WP_CABI_U64;
  result->of.u64 = ++*count;
  return NULL;
}

/* A host function calling back into the instance that called it. */
typedef struct reenter {
  wasmplug_component_instance_t *in;
  char msg[512];
} reenter;

static wasmplug_trap_t *host_double_reenter(void *env, const wp_cabi_val_t *args, size_t n, wp_cabi_val_t *result) {
  (void)n;
  reenter *r = env;
  wp_cabi_val_t a[2] = {{.kind = WP_CABI_S32, .of.s32 = 1}, {.kind = WP_CABI_S32, .of.s32 = 2}}, res;
  wasmplug_trap_t *t = wasmplug_component_func_call(wasmplug_component_instance_func(r->in, "add"), a, 2, &res);
  snprintf(r->msg, sizeof r->msg, "%s", t ? wasmplug_trap_message(t) : "no trap");
  wasmplug_trap_delete(t);
  result->kind = WP_CABI_U32;
  result->of.u32 = args[0].of.u32 * 2;
  return NULL;
}

static wasmplug_trap_t *host_exit(void *env, const wp_cabi_val_t *args, size_t n, wp_cabi_val_t *result) {
  (void)env;
  (void)n;
  (void)result;
  return wasmplug_trap_new_exit((int)args[0].of.u32);
}

/* Native layout, the plugin ABI's shape. */
typedef struct { uint8_t *ptr; size_t len; } nstring;
typedef struct { nstring a, b; } concat_args;

static int host_concat(void *state, struct wasmplug_plugin_call *call, const void *params, void *result) {
  const concat_args *a = params;
  nstring *r = result;
  int *calls = state;
  ++*calls;
  if (a->a.len == 4 && !memcmp(a->a.ptr, "trap", 4)) return wasmplug_component_call_trap(call, "concat refuses 'trap'");
  r->ptr = wasmplug_component_call_alloc(call, a->a.len + a->b.len, 1);
  if (!r->ptr) return wasmplug_component_call_trap(call, "out of memory");
  memcpy(r->ptr, a->a.ptr, a->a.len);
  memcpy(r->ptr + a->a.len, a->b.ptr, a->b.len);
  r->len = a->a.len + a->b.len;
  return 0;
}

typedef struct types {
  wp_cabi_types_t *t;
  wp_cabi_func_t f_double, f_tick, f_concat, f_bad_double, f_exit;
  const wp_cabi_type_t *u32, *s32, *u64, *str;
  const wp_cabi_type_t *two_str[2], *one_u32[1], *one_s32[1];
} types;

static void make_types(types *ty) {
  ty->t = wp_cabi_types_new();
  ty->u32 = wp_cabi_type_prim(ty->t, WP_CABI_U32);
  ty->s32 = wp_cabi_type_prim(ty->t, WP_CABI_S32);
  ty->u64 = wp_cabi_type_prim(ty->t, WP_CABI_U64);
  ty->str = wp_cabi_type_prim(ty->t, WP_CABI_STRING);
  ty->one_u32[0] = ty->u32;
  ty->one_s32[0] = ty->s32;
  ty->two_str[0] = ty->two_str[1] = ty->str;
  static const char *const xn[] = {"x"}, *const abn[] = {"a", "b"};
  ty->f_double = (wp_cabi_func_t){1, xn, ty->one_u32, ty->u32};
  ty->f_bad_double = (wp_cabi_func_t){1, xn, ty->one_s32, ty->u32};
  ty->f_tick = (wp_cabi_func_t){0, NULL, NULL, ty->u64};
  static const char *const cn[] = {"code"};
  ty->f_exit = (wp_cabi_func_t){1, cn, ty->one_u32, NULL};
  ty->f_concat = (wp_cabi_func_t){2, abn, ty->two_str, ty->str};
}

static void define_all(wasmplug_component_linker_t *l, types *ty, uint64_t *ticks, int *concats,
                       const char *version) {
  char name[128];
  snprintf(name, sizeof name, "test:rt/host@%s#double", version);
  wasmplug_error_t *e = wasmplug_component_linker_define_func(l, name, &ty->f_double, host_double, NULL, NULL);
  CHECK(!e);
  snprintf(name, sizeof name, "test:rt/host@%s#concat", version);
  e = wasmplug_component_linker_define_native(l, name, &ty->f_concat, host_concat, concats, NULL);
  CHECK(!e);
  e = wasmplug_component_linker_define_func(l, "tick", &ty->f_tick, host_tick, ticks, NULL);
  CHECK(!e);
  e = wasmplug_component_linker_define_func(l, "exit", &ty->f_exit, host_exit, NULL, NULL);
  CHECK(!e);
}

static void test_link_errors(wasmplug_engine_t *eng, wasmplug_component_t *c, types *ty) {
  char *msg = NULL;
  /* Nothing defined: the first import is named with its WIT type. */
  wasmplug_component_linker_t *l = wasmplug_component_linker_new(eng);
  CHECK(!h_instantiate(l, c, &msg));
  CHECK(msg && strstr(msg, "unknown import `test:rt/host@0.1.0#double`"));
  CHECK(msg && strstr(msg, "func(x: u32) -> u32"));
  free(msg);
  /* Wrong type: both types are printed. */
  wasmplug_error_t *e = wasmplug_component_linker_define_func(l, "test:rt/host@0.1.0#double", &ty->f_bad_double,
                                                              host_double, NULL, NULL);
  CHECK(!e);
  CHECK(!h_instantiate(l, c, &msg));
  CHECK(msg && strstr(msg, "type mismatch"));
  CHECK(msg && strstr(msg, "func(x: s32) -> u32"));
  free(msg);
  /* Defining a name twice is refused. */
  e = wasmplug_component_linker_define_func(l, "test:rt/host@0.1.0#double", &ty->f_double, host_double, NULL, NULL);
  CHECK(e && strstr(wasmplug_error_message(e), "already defined"));
  wasmplug_error_delete(e);
  wasmplug_component_linker_delete(l);

  /* Unknown imports allowed: they trap when called, the rest works. */
  l = wasmplug_component_linker_new(eng);
  wasmplug_component_linker_allow_unknown_imports(l, true);
  wasmplug_component_instance_t *in = h_instantiate(l, c, NULL);
  CHECK(in);
  if (in) {
    CHECK_INVOKE(in, "add(1, 2)", "3");
    char *t = h_invoke(in, "quad(1)");
    CHECK(strstr(t, "trap: ") && strstr(t, "unknown import `test:rt/host@0.1.0#double` was called"));
    free(t);
    wasmplug_component_instance_delete(in);
  }
  wasmplug_component_linker_delete(l);
}

/* A trap poisons the instance (the Component Model's rule: the trap may
** have left its state half-updated): the next call into it traps with
** "cannot enter component instance".  Checks that, then replaces it. */
static wasmplug_component_instance_t *poisoned(wasmplug_component_linker_t *l, wasmplug_component_t *c,
                                               wasmplug_component_instance_t *in) {
  char *t = h_invoke(in, "add(1, 2)");
  CHECK(strstr(t, "trap: ") && strstr(t, "cannot enter component instance"));
  free(t);
  wasmplug_component_instance_delete(in);
  in = h_instantiate(l, c, NULL);
  CHECK(in);
  return in;
}

static void test_calls(wasmplug_engine_t *eng, wasmplug_component_t *c, types *ty) {
  uint64_t ticks = 0;
  int concats = 0;
  wasmplug_component_linker_t *l = wasmplug_component_linker_new(eng);
  /* The host provides a newer patch version: semver-compatible. */
  define_all(l, ty, &ticks, &concats, "0.1.5");
  wasmplug_component_instance_t *in = h_instantiate(l, c, NULL);
  CHECK(in);
  if (!in) return;
  CHECK_INVOKE(in, "add(1, 2)", "3");
  CHECK_INVOKE(in, "add(-2147483648, -1)", "2147483647");
  CHECK_INVOKE(in, "quad(5)", "20");
  CHECK_INVOKE(in, "div(7, 2)", "3");
  CHECK_INVOKE(in, "ticks()", "3");
  CHECK(ticks == 2);
  CHECK_INVOKE(in, "test:rt/api#posts()", "0");
  CHECK_INVOKE(in, "echo(\"h\\u{e9}llo \\u{1f600}\")", "\"h\u00e9llo \U0001f600\"");
  CHECK_INVOKE(in, "echo(\"\")", "\"\"");
  /* post-return ran once per echo call */
  CHECK_INVOKE(in, "test:rt/api@1.2.0#posts()", "2");
  CHECK_INVOKE(in, "test:rt/api/posts()", "2");
  CHECK_INVOKE(in, "test:rt/api#add(40, 2)", "42");
  /* utf16 and latin1+utf16 guests: the host transcodes both ways */
  CHECK_INVOKE(in, "echo16(\"h\\u{e9}llo \\u{1f600}\")", "\"h\u00e9llo \U0001f600\"");
  CHECK_INVOKE(in, "echo-latin1(\"caf\\u{e9}\")", "\"caf\u00e9\"");
  CHECK_INVOKE(in, "echo-latin1(\"\\u{20ac}5\")", "\"\u20ac5\"");
  /* what the guest received, in code units of its encoding */
  CHECK_INVOKE(in, "units8(\"h\\u{e9}llo \\u{1f600}\")", "11");
  CHECK_INVOKE(in, "units16(\"h\\u{e9}llo \\u{1f600}\")", "8");
  CHECK_INVOKE(in, "units-latin1(\"caf\\u{e9}\")", "4");
  CHECK_INVOKE(in, "units-latin1(\"\\u{20ac}5\")", "2147483650"); /* UTF-16 tag bit */
  /* a lifted export calling a native host function with strings */
  CHECK_INVOKE(in, "greet(\"wasm\", \"plug\")", "\"wasmplug\"");
  CHECK(concats == 1);
  CHECK_INVOKE(in, "greet(\"a\", \"b\")", "\"ab\"");
  /* UTF-16 and latin1+UTF-16 guests calling the host (which sees UTF-8) */
  CHECK_INVOKE(in, "greet16(\"\\u{e9}t\\u{e9} \", \"\\u{1f600}\")", "\"\u00e9t\u00e9 \U0001f600\"");
  CHECK_INVOKE(in, "greet-latin1(\"caf\\u{e9} \", \"cr\\u{e8}me\")", "\"caf\u00e9 cr\u00e8me\"");
  CHECK_INVOKE(in, "greet-latin1(\"\\u{20ac} \", \"\\u{1f600}\")", "\"\u20ac \U0001f600\"");
  /* lookups */
  CHECK(wasmplug_component_instance_func(in, "add"));
  CHECK(!wasmplug_component_instance_func(in, "nope"));
  CHECK(!wasmplug_component_instance_func(in, "test:rt/api#nope"));
  CHECK_INVOKE(in, "nope()", "error: no exported function named 'nope'");
  CHECK_INVOKE(in, "add(1)", "error: *");
  CHECK_INVOKE(in, "add(\"x\", 1)", "error: *");
  /* the value-tree API: argument checking (refused before entering: the
  ** instance stays usable) */
  wasmplug_component_func_t *add = wasmplug_component_instance_func(in, "add");
  wp_cabi_val_t args[2] = {{.kind = WP_CABI_S32, .of.s32 = 20}, {.kind = WP_CABI_S32, .of.s32 = 22}}, res;
  wasmplug_trap_t *tr = wasmplug_component_func_call(add, args, 2, &res);
  CHECK(!tr && res.kind == WP_CABI_S32 && res.of.s32 == 42);
  args[1].kind = WP_CABI_STRING;
  tr = wasmplug_component_func_call(add, args, 2, &res);
  CHECK(tr && strstr(wasmplug_trap_message(tr), "argument 2"));
  wasmplug_trap_delete(tr);
  CHECK_INVOKE(in, "add(2, 3)", "5");

  /* A second instance of the same component has its own state. */
  wasmplug_component_instance_t *in2 = h_instantiate(l, c, NULL);
  CHECK(in2);
  if (in2) {
    CHECK_INVOKE(in2, "test:rt/api#posts()", "0");
    CHECK_INVOKE(in2, "echo(\"x\")", "\"x\"");
    CHECK_INVOKE(in2, "test:rt/api#posts()", "1");
    wasmplug_component_instance_delete(in2);
  }
  CHECK_INVOKE(in, "test:rt/api#posts()", "2");

  /* Traps, each poisoning its instance. */
  CHECK_INVOKE(in, "div(1, 0)", "trap: wasm trap: integer divide by zero*");
  in = poisoned(l, c, in);
  if (!in) return;
  CHECK_INVOKE(in, "div(9, 3)", "3"); /* a new instance works */
  CHECK_INVOKE(in, "greet(\"trap\", \"x\")",
               "trap: wasm trap: host error: test:rt/host@0.1.0#concat: concat refuses 'trap'");
  in = poisoned(l, c, in);
  if (!in) return;
  /* a hostile pointer traps with a canonical ABI message */
  char *t = h_invoke(in, "bad()");
  CHECK(strstr(t, "trap:") && strstr(t, "out of bounds"));
  free(t);
  in = poisoned(l, c, in);
  if (!in) return;
  /* a host function ending the guest with an exit status */
  wasmplug_component_func_t *quit = wasmplug_component_instance_func(in, "quit");
  CHECK(quit);
  if (quit) {
    wp_cabi_val_t code = {.kind = WP_CABI_U32, .of.u32 = 3}, none;
    wasmplug_trap_t *tq = wasmplug_component_func_call(quit, &code, 1, &none);
    int status = -1;
    CHECK(tq && wasmplug_trap_exit_status(tq, &status) && status == 3);
    wasmplug_trap_delete(tq);
  }
  wasmplug_component_instance_delete(in);
  wasmplug_component_linker_delete(l);
}

static void test_reenter(wasmplug_engine_t *eng, wasmplug_component_t *c, types *ty) {
  reenter r = {0};
  wasmplug_component_linker_t *l = wasmplug_component_linker_new(eng);
  wasmplug_component_linker_allow_unknown_imports(l, true);
  CHECK(!wasmplug_component_linker_define_func(l, "test:rt/host@0.1.0#double", &ty->f_double, host_double_reenter,
                                               &r, NULL));
  r.in = h_instantiate(l, c, NULL);
  CHECK(r.in);
  if (r.in) {
    /* quad -> double (host) -> add on the same instance: refused */
    CHECK_INVOKE(r.in, "quad(3)", "12");
    CHECK(strstr(r.msg, "cannot enter component instance"));
    if (!strstr(r.msg, "cannot enter component instance")) fprintf(stderr, "re-entry: %s\n", r.msg);
    /* and the instance is usable afterwards */
    CHECK_INVOKE(r.in, "add(2, 2)", "4");
    wasmplug_component_instance_delete(r.in);
  }
  wasmplug_component_linker_delete(l);
}

/* Instances of one component made, called and deleted on several threads
** at once: they share the component's type cache (rt/types.c), filled by
** whichever gets there first; every call still gets its own answer. */
typedef struct tjob {
  wasmplug_engine_t *eng;
  wasmplug_component_t *c;
  types *ty;
  int id, bad;
} tjob;

static void *thread_main(void *arg) {
  tjob *j = arg;
  uint64_t ticks = 0;
  int concats = 0;
  wasmplug_component_linker_t *l = wasmplug_component_linker_new(j->eng);
  define_all(l, j->ty, &ticks, &concats, "0.1.0");
  for (int i = 0; i < 20; i++) {
    wasmplug_component_instance_t *in = h_instantiate(l, j->c, NULL);
    if (!in) {
      j->bad++;
      continue;
    }
    char call[64], want[64];
    snprintf(call, sizeof call, "echo(\"t%d-%d\")", j->id, i);
    snprintf(want, sizeof want, "\"t%d-%d\"", j->id, i);
    char *got = h_invoke(in, call);
    if (strcmp(got, want)) j->bad++;
    free(got);
    snprintf(call, sizeof call, "greet(\"%d\", \"%d\")", j->id, i);
    snprintf(want, sizeof want, "\"%d%d\"", j->id, i);
    got = h_invoke(in, call);
    if (strcmp(got, want)) j->bad++;
    free(got);
    wasmplug_component_instance_delete(in);
  }
  wasmplug_component_linker_delete(l);
  return NULL;
}

static void test_threads(wasmplug_engine_t *eng, const char *path, types *ty) {
  unsigned char *bytes;
  wasmplug_component_t *c = h_component(eng, path, &bytes); /* fresh: its cache empty */
  tjob jobs[4];
  pthread_t th[4];
  for (int k = 0; k < 4; k++) {
    jobs[k] = (tjob){eng, c, ty, k, 0};
    CHECK(!pthread_create(&th[k], NULL, thread_main, &jobs[k]));
  }
  for (int k = 0; k < 4; k++) {
    pthread_join(th[k], NULL);
    CHECK(jobs[k].bad == 0);
  }
  wasmplug_component_delete(c);
  free(bytes);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: test_basic WASM_DIR baseline|optimized\n");
    return 2;
  }
  wasmplug_engine_t *eng =
      h_engine(!strcmp(argv[2], "optimized") ? WASMPLUG_TIER_OPTIMIZED : WASMPLUG_TIER_BASELINE);
  char path[4096];
  snprintf(path, sizeof path, "%s/basic.wasm", argv[1]);
  unsigned char *bytes;
  wasmplug_component_t *c = h_component(eng, path, &bytes);
  types ty;
  make_types(&ty);
  test_link_errors(eng, c, &ty);
  test_calls(eng, c, &ty);
  test_reenter(eng, c, &ty);
  test_threads(eng, path, &ty);
  char *wit = wasmplug_component_world_wit(c);
  CHECK(wit && strstr(wit, "import test:rt/host@0.1.0") && strstr(wit, "export add: func(a: s32, b: s32) -> s32;"));
  free(wit);
  wasmplug_component_delete(c);
  free(bytes);
  wp_cabi_types_delete(ty.t);
  wasmplug_engine_delete(eng);
  printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
