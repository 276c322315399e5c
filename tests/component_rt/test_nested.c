/*
** test_nested.c — nested components (wat/nested.wat): a guest-defined
** resource with a destructor, own/borrow handles crossing between component
** instances and the host, handle misuse trapping, destructors exactly once
** (also for handles left at teardown), two instances of one nested
** component and of the whole component; a nested component importing
** `(sub resource)` instantiated with a concrete resource.
**
** usage: test_nested WASM_DIR
*/
#include "harness.h"

#include <stdint.h>

typedef struct logbook {
  uint32_t v[64];
  int n;
} logbook;

static wasmplug_trap_t *host_log(void *env, const wp_cabi_val_t *args, size_t n, wp_cabi_val_t *result) {
  (void)n;
  (void)result;
  logbook *lb = env;
  if (lb->n < 64) lb->v[lb->n++] = args[0].of.u32;
  return NULL;
}

static wasmplug_trap_t *call1(wasmplug_component_instance_t *in, const char *name, wp_cabi_val_t arg,
                              wp_cabi_val_t *res) {
  wasmplug_component_func_t *f = wasmplug_component_instance_func(in, name);
  if (!f) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "no such function");
  return wasmplug_component_func_call(f, &arg, 1, res);
}

static void test_instance(wasmplug_component_instance_t *in, logbook *lb) {
  /* The outer core module: make (own handle in the outer table), get
  ** through a borrow (arrives at $a as the rep), take (own moves to $a,
  ** whose resource.drop runs the destructor, which calls the host). */
  int n0 = lb->n;
  CHECK_INVOKE(in, "use(3)", "60");
  CHECK(lb->n == n0 + 1 && lb->v[n0] == 30);

  /* The host holds own/borrow values as reps. */
  wp_cabi_val_t res;
  wasmplug_trap_t *t = call1(in, "test:rt/things#make", (wp_cabi_val_t){.kind = WP_CABI_U32, .of.u32 = 5}, &res);
  CHECK(!t && res.kind == WP_CABI_OWN && res.of.rep == 50);
  wasmplug_trap_delete(t);
  t = call1(in, "test:rt/things#get", (wp_cabi_val_t){.kind = WP_CABI_BORROW, .of.rep = 50}, &res);
  CHECK(!t && res.of.u32 == 50);
  wasmplug_trap_delete(t);
  n0 = lb->n;
  t = call1(in, "test:rt/things#take", (wp_cabi_val_t){.kind = WP_CABI_OWN, .of.rep = 50}, &res);
  CHECK(!t && res.of.u32 == 50);
  CHECK(lb->n == n0 + 1 && lb->v[n0] == 50);
  wasmplug_trap_delete(t);

  /* An own value the host drops itself runs the guest's destructor. */
  wasmplug_component_func_t *make = wasmplug_component_instance_func(in, "test:rt/things#make");
  CHECK(make);
  if (make) {
    const wp_cabi_func_t *ft = wasmplug_component_func_type(make);
    CHECK(ft->result && ft->result->kind == WP_CABI_OWN);
    wp_cabi_val_t arg = {.kind = WP_CABI_U32, .of.u32 = 7};
    t = wasmplug_component_func_call(make, &arg, 1, &res);
    CHECK(!t && res.of.rep == 70);
    wasmplug_trap_delete(t);
    n0 = lb->n;
    t = wasmplug_component_resource_drop(in, ft->result->resource, 70);
    CHECK(!t && lb->n == n0 + 1 && lb->v[n0] == 70);
    wasmplug_trap_delete(t);
  }

  /* The second instance of $a has its own table. */
  t = call1(in, "other#make", (wp_cabi_val_t){.kind = WP_CABI_U32, .of.u32 = 2}, &res);
  CHECK(!t && res.of.rep == 20);
  wasmplug_trap_delete(t);
  n0 = lb->n;
  t = call1(in, "other#take", (wp_cabi_val_t){.kind = WP_CABI_OWN, .of.rep = 20}, &res);
  CHECK(!t && res.of.u32 == 20 && lb->n == n0 + 1 && lb->v[n0] == 20);
  wasmplug_trap_delete(t);
}

/* Two instances of one component share the canonical ABI types that do
** not depend on an instance (the component's cache, rt/types.c), and have
** their own where an own/borrow makes them the instance's. */
static const wp_cabi_func_t *ftype(wasmplug_component_instance_t *in, const char *name) {
  wasmplug_component_func_t *f = wasmplug_component_instance_func(in, name);
  CHECK(f);
  return f ? wasmplug_component_func_type(f) : NULL;
}

static void test_shared_types(wasmplug_component_instance_t *in, wasmplug_component_instance_t *in2) {
  const wp_cabi_func_t *u1 = ftype(in, "use"), *u2 = ftype(in2, "use");
  const wp_cabi_func_t *m1 = ftype(in, "test:rt/things#make"), *m2 = ftype(in2, "test:rt/things#make");
  if (!u1 || !u2 || !m1 || !m2) return;
  CHECK(u1 == u2); /* func(v: u32) -> u32: one descriptor */
  CHECK(u1->nparams == 1 && u1->params[0]->kind == WP_CABI_U32 && u1->result->kind == WP_CABI_U32);
  /* func(v: u32) -> own<thing>: each instance's resource */
  CHECK(m1 != m2);
  CHECK(m1->result->kind == WP_CABI_OWN && m2->result->kind == WP_CABI_OWN);
  CHECK(m1->result->resource != m2->result->resource);
  CHECK(m1->params[0] == m2->params[0] && m1->params[0] == u1->params[0]); /* its u32 is shared */
}

/* Handle misuse traps with a canonical ABI message, and poisons the
** instance: later calls trap with "cannot enter component instance". */
static void test_traps(wasmplug_component_linker_t *l, wasmplug_component_t *c, logbook *lb) {
  wasmplug_component_instance_t *in = h_instantiate(l, c, NULL);
  CHECK(in);
  if (!in) return;
  char *got = h_invoke(in, "bad()");
  CHECK(!strncmp(got, "trap:", 5) && strstr(got, "99"));
  free(got);
  got = h_invoke(in, "use(3)");
  CHECK(!strncmp(got, "trap:", 5) && strstr(got, "cannot enter component instance"));
  free(got);
  wasmplug_component_instance_delete(in);
  in = h_instantiate(l, c, NULL);
  CHECK(in);
  if (!in) return;
  int n0 = lb->n;
  got = h_invoke(in, "twice(4)");
  CHECK(!strncmp(got, "trap:", 5));
  free(got);
  CHECK(lb->n == n0 + 1 && lb->v[n0] == 40); /* the first take went through */
  got = h_invoke(in, "test:rt/things#make(1)");
  CHECK(!strncmp(got, "trap:", 5) && strstr(got, "cannot enter component instance"));
  free(got);
  wasmplug_component_instance_delete(in);
}

/* Composition: user.wat imports test:rt/things, implemented by another
** instance's exports (calls go guest to guest, resources shared). */
static void test_compose(wasmplug_engine_t *eng, const char *dir, wasmplug_component_instance_t *provider,
                         logbook *lb) {
  char path[4096];
  snprintf(path, sizeof path, "%s/user.wasm", dir);
  unsigned char *bytes;
  wasmplug_component_t *c = h_component(eng, path, &bytes);
  wasmplug_component_linker_t *l = wasmplug_component_linker_new(eng);
  const wasmplug_cresource_t *thing = wasmplug_component_instance_resource(provider, "test:rt/things#thing");
  CHECK(thing);
  CHECK(!wasmplug_component_instance_resource(provider, "test:rt/things#nope"));
  CHECK(!wasmplug_component_linker_define_resource(l, "test:rt/things#thing", thing));
  static const char *const fns[] = {"make", "get", "take"};
  for (int i = 0; i < 3; i++) {
    char name[64];
    snprintf(name, sizeof name, "test:rt/things#%s", fns[i]);
    wasmplug_component_func_t *f = wasmplug_component_instance_func(provider, name);
    CHECK(f && !wasmplug_component_linker_define_func_ref(l, name, f));
  }
  wasmplug_component_instance_t *user = h_instantiate(l, c, NULL);
  CHECK(user);
  if (user) {
    int n0 = lb->n;
    CHECK_INVOKE(user, "use(6)", "120");
    CHECK(lb->n == n0 + 1 && lb->v[n0] == 60);
    CHECK_INVOKE(user, "keep(11)", "*");
    n0 = lb->n;
    /* the user's table owned a thing implemented by the provider */
    wasmplug_component_instance_delete(user);
    CHECK(lb->n == n0 + 1 && lb->v[n0] == 110);
  }
  /* a resource the provider does not share is a link error */
  wasmplug_component_linker_t *l2 = wasmplug_component_linker_new(eng);
  char *msg = NULL;
  CHECK(!h_instantiate(l2, c, &msg));
  CHECK(msg && strstr(msg, "test:rt/things#thing"));
  free(msg);
  wasmplug_component_linker_delete(l2);
  wasmplug_component_linker_delete(l);
  wasmplug_component_delete(c);
  free(bytes);
}

/* wat/nested_sub_resource.wat: a nested component importing `(sub resource)`
** instantiated with $a's concrete resource; its borrow<thing> parameter
** must match after the substitution, and the call goes through it. */
static void test_sub_resource(wasmplug_engine_t *eng, const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/nested_sub_resource.wasm", dir);
  unsigned char *bytes;
  wasmplug_component_t *c = h_component(eng, path, &bytes);
  wasmplug_component_linker_t *l = wasmplug_component_linker_new(eng);
  char *msg = NULL;
  wasmplug_component_instance_t *in = h_instantiate(l, c, &msg);
  CHECK(in);
  if (!in) fprintf(stderr, "nested_sub_resource: %s\n", msg ? msg : "?");
  free(msg);
  if (in) {
    /* $b makes a thing in its table, lends it to $a's get (the rep) */
    CHECK_INVOKE(in, "use(4)", "40");
    CHECK_INVOKE(in, "use(9)", "90");
    /* the host lends $a1's resource through the re-exported instance */
    wp_cabi_val_t res;
    wasmplug_trap_t *t = call1(in, "a#make", (wp_cabi_val_t){.kind = WP_CABI_U32, .of.u32 = 3}, &res);
    CHECK(!t && res.kind == WP_CABI_OWN && res.of.rep == 30);
    wasmplug_trap_delete(t);
    t = call1(in, "a#get", (wp_cabi_val_t){.kind = WP_CABI_BORROW, .of.rep = 30}, &res);
    CHECK(!t && res.of.u32 == 30);
    wasmplug_trap_delete(t);
    wasmplug_component_instance_delete(in);
  }
  wasmplug_component_linker_delete(l);
  wasmplug_component_delete(c);
  free(bytes);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_nested WASM_DIR\n");
    return 2;
  }
  wasmplug_engine_t *eng = h_engine(WASMPLUG_TIER_BASELINE);
  char path[4096];
  snprintf(path, sizeof path, "%s/nested.wasm", argv[1]);
  unsigned char *bytes;
  wasmplug_component_t *c = h_component(eng, path, &bytes);
  logbook lb;
  memset(&lb, 0, sizeof lb);
  wasmplug_component_linker_t *l = wasmplug_component_linker_new(eng);
  wp_cabi_types_t *ty = wp_cabi_types_new();
  const wp_cabi_type_t *u32 = wp_cabi_type_prim(ty, WP_CABI_U32);
  static const char *const nn[] = {"n"};
  wp_cabi_func_t f_log = {1, nn, &u32, NULL};
  CHECK(!wasmplug_component_linker_define_func(l, "log", &f_log, host_log, &lb, NULL));

  wasmplug_component_instance_t *in = h_instantiate(l, c, NULL);
  wasmplug_component_instance_t *in2 = h_instantiate(l, c, NULL);
  CHECK(in && in2);
  if (in && in2) {
    test_shared_types(in, in2);
    test_instance(in, &lb);
    test_compose(eng, argv[1], in, &lb);
    CHECK_INVOKE(in, "leak(8)", "*"); /* the handle stays in the outer table */
    CHECK_INVOKE(in2, "use(1)", "20");
    CHECK_INVOKE(in2, "leak(9)", "*");
    int n0 = lb.n;
    wasmplug_component_instance_delete(in2);
    CHECK(lb.n == n0 + 1 && lb.v[n0] == 90);
    n0 = lb.n;
    wasmplug_component_instance_delete(in);
    /* Exactly one destructor call for the one leaked handle. */
    CHECK(lb.n == n0 + 1 && lb.v[n0] == 80);
  }
  test_traps(l, c, &lb);
  test_sub_resource(eng, argv[1]);
  wasmplug_component_linker_delete(l);
  wp_cabi_types_delete(ty);
  wasmplug_component_delete(c);
  free(bytes);
  wasmplug_engine_delete(eng);
  printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
