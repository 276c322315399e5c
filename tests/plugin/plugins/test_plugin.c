/*
** test_plugin.c — the plugin the loader tests drive: one function per WIT
** type shape, a resource, per-instance state, config options.
**
** Built twice: as test_plugin.so (name "test-plugin") and, with
** -DPLUGIN_B, as test_plugin_b.so ("test-plugin-b", `incr` counts from
** 100) to test two plugins exporting the same interface; and, with
** -DPLUGIN_FLAT, as test_plugin_flat.so (also "test-plugin"), which gives
** flat entries (plugin ABI 1.5) for nop, add, incr and the counter's
** methods, counts the calls that came through them (flat-calls), and has a
** second resource (tag) whose handles a counter method must refuse.
** It includes only wasmplug/plugin.h, as every plugin must.
*/
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmplug/plugin.h"

#ifdef PLUGIN_B
#define PLUGIN_NAME "test-plugin-b"
#define INCR_BASE 100
#else
#define PLUGIN_NAME "test-plugin"
#define INCR_BASE 0
#endif

static const char wit[] =
    "package test:plugin@0.1.0;\n"
    "\n"
    "interface api {\n"
    "  record point { x: s32, y: s32 }\n"
    "  variant shape { circle(f32), rect(point), empty }\n"
    "  enum color { red, green, blue }\n"
    "  flags perms { read, write, exec }\n"
    "  record prims { a: bool, b: s8, c: u8, d: s16, e: u16, f: s32, g: u32, h: s64, i: u64, j: f32, k: f64, l: char }\n"
    "\n"
    "  resource counter {\n"
    "    constructor(start: u32);\n"
    "    add: func(n: u32) -> u32;\n"
    "    get: func() -> u32;\n"
    "    merge: static func(a: own<counter>, b: borrow<counter>) -> counter;\n"
    "  }\n"
    "\n"
    "  nop: func();\n"
    "  add: func(a: u32, b: u32) -> u32;\n"
    "  echo: func(s: string) -> string;\n"
    "  bump-prims: func(p: prims) -> prims;\n"
    "  sum-bytes: func(l: list<u8>) -> u64;\n"
    "  reverse: func(l: list<u32>) -> list<u32>;\n"
    "  flip: func(p: point) -> point;\n"
    "  area: func(s: shape) -> f64;\n"
    "  make-shape: func(kind: u8) -> shape;\n"
    "  next-color: func(c: color) -> color;\n"
    "  toggle: func(p: perms) -> perms;\n"
    "  strlen-opt: func(o: option<string>) -> option<u32>;\n"
    "  divide: func(a: u32, b: u32) -> result<u32, string>;\n"
    "  fail: func(msg: string);\n"
    "  swap: func(t: tuple<u8, string>) -> tuple<string, u8>;\n"
    "  join: func(l: list<string>, sep: string) -> string;\n"
    "  sum17: func(a1: u32, a2: u32, a3: u32, a4: u32, a5: u32, a6: u32, a7: u32, a8: u32, a9: u32,\n"
    "              a10: u32, a11: u32, a12: u32, a13: u32, a14: u32, a15: u32, a16: u32, a17: u32) -> u32;\n"
    "  char-next: func(c: char) -> char;\n"
    "  incr: func() -> u32;\n"
    "  call-count: func() -> u32;\n"
    "  live-counters: func() -> u32;\n"
    "  destroyed-total: func() -> u32;\n"
    "  get-config: func(key: string) -> option<string>;\n"
    "  byte-sum: func(s: string) -> u32;\n"
#ifdef PLUGIN_FLAT
    "  counter-sub: func(c: borrow<counter>, n: u32) -> u32;\n"
    "  resource tag {\n"
    "    constructor();\n"
    "  }\n"
    "  flat-calls: func() -> u32;\n"
#endif
    "}\n"
    "\n"
    "world provider {\n"
    "  export api;\n"
    "}\n";

/* ----------------------------------------------------- native layouts */

typedef struct { uint8_t *ptr; size_t len; } str_t;
typedef struct { int32_t x, y; } point_t;
typedef struct { uint8_t tag; union { float circle; point_t rect; } val; } shape_t;
typedef struct {
  bool a; int8_t b; uint8_t c; int16_t d; uint16_t e; int32_t f; uint32_t g; int64_t h; uint64_t i;
  float j; double k; uint32_t l;
} prims_t;
typedef struct { uint8_t *ptr; size_t len; } list_u8_t;
typedef struct { uint32_t *ptr; size_t len; } list_u32_t;
typedef struct { str_t *ptr; size_t len; } list_str_t;
typedef struct { bool is_some; str_t val; } opt_str_t;
typedef struct { bool is_some; uint32_t val; } opt_u32_t;
typedef struct { bool is_err; union { uint32_t ok; str_t err; } val; } res_u32_str_t;
typedef struct { uint8_t f0; str_t f1; } tup_u8_str_t;
typedef struct { str_t f0; uint8_t f1; } tup_str_u8_t;

/* ------------------------------------------------------------ state */

static const wasmplug_host_api_t *host; /* set once by the entry point */

typedef struct {
  atomic_uint destroyed; /* across instances: the plugin state is shared */
  const wasmplug_plugin_config_t *config;
} plugin_state_t;

#define MAX_COUNTERS 64
typedef struct {
  plugin_state_t *ps;
  uint32_t incr, calls, live, flat_calls;
  uint32_t value[MAX_COUNTERS + 1];
  bool alive[MAX_COUNTERS + 1];
} inst_t;

static int p_init(const wasmplug_host_api_t *h, const wasmplug_plugin_config_t *config, void **state,
                  const char **error) {
  const char *limit = h->config_get(config, "limit");
  if (limit && !strcmp(limit, "0")) {
    *error = "limit must be positive";
    return 1;
  }
  plugin_state_t *ps = calloc(1, sizeof *ps);
  if (!ps) return 1;
  ps->config = config;
  *state = ps;
  return 0;
}

/* $TEST_PLUGIN_LOG names a file each teardown hook appends a line to
** (a counter's drop, instance_drop, fini): what a plugin's finalizers do
** outside the process, which every way a run ends must let happen
** (tests/host/lean_exit_test.sh). */
static void log_line(const char *what) {
  const char *path = getenv("TEST_PLUGIN_LOG");
  FILE *f = path && *path ? fopen(path, "a") : NULL;
  if (!f) return;
  fprintf(f, "%s %s\n", PLUGIN_NAME, what);
  fclose(f);
}

static void p_fini(void *state) {
  log_line("fini");
  free(state);
}

static int p_instance_new(void *plugin_state, const wasmplug_plugin_config_t *config, void **instance_state,
                          const char **error) {
  (void)config;
  (void)error;
  inst_t *in = calloc(1, sizeof *in);
  if (!in) return 1;
  in->ps = plugin_state;
  in->incr = INCR_BASE;
  *instance_state = in;
  return 0;
}

static void p_instance_drop(void *instance_state) {
  inst_t *in = instance_state;
  if (in->live) {
    /* The host promised every resource was dropped first. */
    fprintf(stderr, "test-plugin: instance_drop with %u live counters\n", in->live);
    abort();
  }
  log_line("instance_drop");
  free(in);
}

static void counter_drop(void *state, uint32_t rep) {
  inst_t *in = state;
  if (rep == 0 || rep > MAX_COUNTERS || !in->alive[rep]) {
    fprintf(stderr, "test-plugin: destructor ran twice or for a bad rep %u\n", rep);
    abort(); /* "exactly once" is the contract: fail loudly */
  }
  in->alive[rep] = false;
  in->live--;
  atomic_fetch_add(&in->ps->destroyed, 1);
  log_line("counter_drop");
}

/* ------------------------------------------------------------ helpers */

static bool dup_str(wasmplug_plugin_call_t *call, const uint8_t *p, size_t n, str_t *out) {
  out->ptr = host->alloc(call, n ? n : 1, 1);
  if (!out->ptr) return false;
  memcpy(out->ptr, p, n);
  out->len = n;
  return true;
}

#define P(T) const T *p = params
#define R(T) T *r = result
#define COUNT(state) (((inst_t *)(state))->calls++)

/* ------------------------------------------------------------ functions */

static int f_nop(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c; (void)params; (void)result;
  COUNT(s);
  return WASMPLUG_OK;
}

static int f_add(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c;
  struct { uint32_t a, b; } const *p = params;
  COUNT(s);
#ifdef PLUGIN_FLAT /* a plugin trap through the flat entry (x_add): the same here */
  if (p->a + p->b < p->a) return host->trap(c, "add overflows");
#endif
  *(uint32_t *)result = p->a + p->b;
  return WASMPLUG_OK;
}

static int f_echo(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  P(str_t);
  R(str_t);
  COUNT(s);
  /* Lifted strings are NUL-terminated: check the promise. */
  if (p->ptr[p->len] != 0) return host->trap(c, "string not NUL-terminated");
  return dup_str(c, p->ptr, p->len, r) ? WASMPLUG_OK : host->trap(c, "out of memory");
}

static int f_bump_prims(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c;
  P(prims_t);
  R(prims_t);
  COUNT(s);
  r->a = !p->a; r->b = (int8_t)(p->b + 1); r->c = (uint8_t)(p->c + 1); r->d = (int16_t)(p->d + 1);
  r->e = (uint16_t)(p->e + 1); r->f = p->f + 1; r->g = p->g + 1; r->h = p->h + 1; r->i = p->i + 1;
  r->j = p->j * 2; r->k = p->k * 2; r->l = p->l + 1;
  return WASMPLUG_OK;
}

static int f_sum_bytes(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c;
  P(list_u8_t);
  COUNT(s);
  uint64_t sum = 0;
  for (size_t i = 0; i < p->len; i++) sum += p->ptr[i];
  *(uint64_t *)result = sum;
  return WASMPLUG_OK;
}

static int f_reverse(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  P(list_u32_t);
  R(list_u32_t);
  COUNT(s);
  r->ptr = host->alloc(c, p->len * 4 + 4, 4);
  if (!r->ptr) return host->trap(c, "out of memory");
  for (size_t i = 0; i < p->len; i++) r->ptr[i] = p->ptr[p->len - 1 - i];
  r->len = p->len;
  return WASMPLUG_OK;
}

static int f_flip(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c;
  P(point_t);
  R(point_t);
  COUNT(s);
  r->x = p->y;
  r->y = p->x;
  return WASMPLUG_OK;
}

static int f_area(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  P(shape_t);
  COUNT(s);
  double a;
  switch (p->tag) {
  case 0: a = 3.0 * p->val.circle * p->val.circle; break;
  case 1: a = (double)p->val.rect.x * p->val.rect.y; break;
  case 2: a = 0; break;
  default: return host->trap(c, "bad shape tag %u reached the plugin", p->tag);
  }
  *(double *)result = a;
  return WASMPLUG_OK;
}

static int f_make_shape(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c;
  P(uint8_t);
  R(shape_t);
  COUNT(s);
  r->tag = *p % 3;
  if (r->tag == 0) r->val.circle = 1.5f;
  if (r->tag == 1) r->val.rect = (point_t){4, -5};
  return WASMPLUG_OK;
}

static int f_next_color(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  P(uint8_t);
  COUNT(s);
  if (*p > 2) return host->trap(c, "bad enum %u reached the plugin", *p);
  *(uint8_t *)result = (uint8_t)((*p + 1) % 3);
  return WASMPLUG_OK;
}

static int f_toggle(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c;
  P(uint8_t);
  COUNT(s);
  *(uint8_t *)result = (uint8_t)(*p ^ 0x7);
  return WASMPLUG_OK;
}

static int f_strlen_opt(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c;
  P(opt_str_t);
  R(opt_u32_t);
  COUNT(s);
  r->is_some = p->is_some;
  if (p->is_some) r->val = (uint32_t)p->val.len;
  return WASMPLUG_OK;
}

static int f_divide(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  struct { uint32_t a, b; } const *p = params;
  R(res_u32_str_t);
  COUNT(s);
  if (p->b == 0) {
    static const char msg[] = "division by zero";
    r->is_err = true;
    r->val.err.ptr = (uint8_t *)msg; /* static memory may be returned */
    r->val.err.len = sizeof msg - 1;
    return WASMPLUG_OK;
  }
  (void)c;
  r->val.ok = p->a / p->b;
  return WASMPLUG_OK;
}

static int f_fail(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)result;
  P(str_t);
  COUNT(s);
  return host->trap(c, "failing as asked: %s", (const char *)p->ptr);
}

/* One string in, a u32 out (the loader's direct string entry): the sum of
** its bytes, after checking the NUL promised after them. */
static int f_byte_sum(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  P(str_t);
  COUNT(s);
  if (p->ptr[p->len] != 0) return host->trap(c, "string not NUL-terminated");
  if (p->len == 5 && !memcmp(p->ptr, "trap!", 5)) return host->trap(c, "byte-sum trapping as asked");
  if (p->len == 5 && !memcmp(p->ptr, "code!", 5)) return 7; /* a bare failure code */
  uint32_t sum = 0;
  for (size_t i = 0; i < p->len; i++) sum += p->ptr[i];
  *(uint32_t *)result = sum;
  return WASMPLUG_OK;
}

static int f_swap(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  P(tup_u8_str_t);
  R(tup_str_u8_t);
  COUNT(s);
  r->f1 = p->f0;
  return dup_str(c, p->f1.ptr, p->f1.len, &r->f0) ? WASMPLUG_OK : host->trap(c, "out of memory");
}

static int f_join(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  struct { list_str_t l; str_t sep; } const *p = params;
  R(str_t);
  COUNT(s);
  size_t n = 0;
  for (size_t i = 0; i < p->l.len; i++) n += p->l.ptr[i].len + (i ? p->sep.len : 0);
  uint8_t *out = host->alloc(c, n + 1, 1);
  if (!out) return host->trap(c, "out of memory");
  size_t k = 0;
  for (size_t i = 0; i < p->l.len; i++) {
    if (i) {
      memcpy(out + k, p->sep.ptr, p->sep.len);
      k += p->sep.len;
    }
    memcpy(out + k, p->l.ptr[i].ptr, p->l.ptr[i].len);
    k += p->l.ptr[i].len;
  }
  r->ptr = out;
  r->len = n;
  return WASMPLUG_OK;
}

static int f_sum17(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c;
  const uint32_t *p = params;
  COUNT(s);
  uint32_t sum = 0;
  for (int i = 0; i < 17; i++) sum += p[i] * (uint32_t)(i + 1);
  *(uint32_t *)result = sum;
  return WASMPLUG_OK;
}

static int f_char_next(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c;
  P(uint32_t);
  COUNT(s);
  *(uint32_t *)result = *p == 0xD7FF ? 0xE000 : *p + 1;
  return WASMPLUG_OK;
}

static int f_incr(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)params;
  inst_t *in = s;
  COUNT(s);
  if (host->call_state(c) != s) return host->trap(c, "call_state differs from the state argument");
  *(uint32_t *)result = ++in->incr;
  return WASMPLUG_OK;
}

static int f_call_count(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c; (void)params;
  *(uint32_t *)result = ((inst_t *)s)->calls;
  return WASMPLUG_OK;
}

static int f_live_counters(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c; (void)params;
  *(uint32_t *)result = ((inst_t *)s)->live;
  return WASMPLUG_OK;
}

static int f_destroyed_total(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c; (void)params;
  *(uint32_t *)result = atomic_load(&((inst_t *)s)->ps->destroyed);
  return WASMPLUG_OK;
}

static int f_get_config(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c;
  P(str_t);
  R(opt_str_t);
  COUNT(s);
  const char *v = host->config_get(((inst_t *)s)->ps->config, (const char *)p->ptr);
  if (!v) return WASMPLUG_OK;
  r->is_some = true;
  r->val.ptr = (uint8_t *)v; /* lives as long as the plugin: fine to return */
  r->val.len = strlen(v);
  return WASMPLUG_OK;
}

/* Resource functions: reps are slot numbers in the instance. */
static int new_counter(inst_t *in, wasmplug_plugin_call_t *c, uint32_t start, uint32_t *rep) {
  for (uint32_t i = 1; i <= MAX_COUNTERS; i++)
    if (!in->alive[i]) {
      in->alive[i] = true;
      in->value[i] = start;
      in->live++;
      *rep = i;
      return WASMPLUG_OK;
    }
  return host->trap(c, "too many counters");
}

static int check_rep(inst_t *in, wasmplug_plugin_call_t *c, uint32_t rep) {
  if (rep == 0 || rep > MAX_COUNTERS || !in->alive[rep]) return host->trap(c, "dead counter rep %u reached the plugin", rep);
  return WASMPLUG_OK;
}

static int f_counter_new(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  COUNT(s);
  return new_counter(s, c, *(const uint32_t *)params, result);
}

static int f_counter_add(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  struct { uint32_t self, n; } const *p = params;
  inst_t *in = s;
  COUNT(s);
  if (check_rep(in, c, p->self)) return WASMPLUG_TRAP;
  *(uint32_t *)result = in->value[p->self] += p->n;
  return WASMPLUG_OK;
}

static int f_counter_get(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  const uint32_t *self = params;
  inst_t *in = s;
  COUNT(s);
  if (check_rep(in, c, *self)) return WASMPLUG_TRAP;
  *(uint32_t *)result = in->value[*self];
  return WASMPLUG_OK;
}

/* merge(a: own<counter>, b: borrow<counter>) -> counter: consumes a (the
** plugin now owns it, so it releases it itself), returns a new counter. */
static int f_counter_merge(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  struct { uint32_t a, b; } const *p = params;
  inst_t *in = s;
  COUNT(s);
  if (check_rep(in, c, p->a) || check_rep(in, c, p->b)) return WASMPLUG_TRAP;
  uint32_t sum = in->value[p->a] + in->value[p->b];
  counter_drop(in, p->a);
  return new_counter(in, c, sum, result);
}

#ifdef PLUGIN_FLAT
/* Flat entries (ABI 1.5): the same functions with params and result in
** registers; each also counts itself in flat_calls, so a test can tell
** which entry the host called. */
#define FLAT_COUNT(state) (COUNT(state), ((inst_t *)(state))->flat_calls++)

static uint32_t x_nop(void *s, wasmplug_plugin_call_t *c) {
  (void)c;
  FLAT_COUNT(s);
  return 0;
}

static uint32_t x_add(void *s, wasmplug_plugin_call_t *c, uint32_t a, uint32_t b) {
  FLAT_COUNT(s);
  if (a + b < a) return (uint32_t)host->trap(c, "add overflows");
  return a + b;
}

/* incr also allocates from the call's arena (host->alloc works in a flat
** entry; the host resets the arena after the call). */
static uint32_t x_incr(void *s, wasmplug_plugin_call_t *c) {
  inst_t *in = s;
  FLAT_COUNT(s);
  if (host->call_state(c) != s) return (uint32_t)host->trap(c, "call_state differs from the state argument");
  uint32_t *tmp = host->alloc(c, sizeof *tmp, sizeof *tmp);
  if (!tmp) return (uint32_t)host->trap(c, "out of memory");
  *tmp = ++in->incr;
  return *tmp;
}

static uint32_t x_counter_get(void *s, wasmplug_plugin_call_t *c, uint32_t self) {
  inst_t *in = s;
  FLAT_COUNT(s);
  if (check_rep(in, c, self)) return 0;
  return in->value[self];
}

static uint32_t x_counter_add(void *s, wasmplug_plugin_call_t *c, uint32_t self, uint32_t n) {
  inst_t *in = s;
  FLAT_COUNT(s);
  if (check_rep(in, c, self)) return 0;
  return in->value[self] += n;
}

/* counter-sub has no flat entry (the word path, with a borrow): it traps
** when the counter would go below 0.  It also allocates from the call's
** arena (the host resets it after a word entry's call too). */
static int f_counter_sub(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  struct { uint32_t self, n; } const *p = params;
  inst_t *in = s;
  COUNT(s);
  if (check_rep(in, c, p->self)) return WASMPLUG_TRAP;
  if (!host->alloc(c, 16, 8)) return host->trap(c, "out of memory");
  if (in->value[p->self] < p->n) return host->trap(c, "counter underflows");
  *(uint32_t *)result = in->value[p->self] -= p->n;
  return WASMPLUG_OK;
}

static int f_flat_calls(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c; (void)params;
  *(uint32_t *)result = ((inst_t *)s)->flat_calls;
  return WASMPLUG_OK;
}

/* A tag's rep is never used: tags exist to be the wrong type. */
static int f_tag_new(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s; (void)c; (void)params;
  *(uint32_t *)result = 1;
  return WASMPLUG_OK;
}

#define X(n, f) {"test:plugin/api@0.1.0#" n, (wasmplug_plugin_flat_fn)f}
static const wasmplug_plugin_flat_t flat[] = {
    X("nop", x_nop),
    X("add", x_add),
    X("incr", x_incr),
    X("[method]counter.get", x_counter_get),
    /* the unversioned spelling, as in funcs[] */
    {"test:plugin/api#[method]counter.add", (wasmplug_plugin_flat_fn)x_counter_add},
};
#endif

/* ------------------------------------------------------------ descriptor */

#define F(n, f) {"test:plugin/api@0.1.0#" n, f}
static const wasmplug_plugin_func_t funcs[] = {
    F("nop", f_nop),
    F("add", f_add),
    F("echo", f_echo),
    F("bump-prims", f_bump_prims),
    F("sum-bytes", f_sum_bytes),
    F("reverse", f_reverse),
    F("flip", f_flip),
    F("area", f_area),
    F("make-shape", f_make_shape),
    F("next-color", f_next_color),
    F("toggle", f_toggle),
    F("strlen-opt", f_strlen_opt),
    F("divide", f_divide),
    F("fail", f_fail),
    F("byte-sum", f_byte_sum),
    F("swap", f_swap),
    F("join", f_join),
    F("sum17", f_sum17),
    F("char-next", f_char_next),
    F("incr", f_incr),
    F("call-count", f_call_count),
    F("live-counters", f_live_counters),
    F("destroyed-total", f_destroyed_total),
    F("get-config", f_get_config),
    /* the unversioned spelling is accepted too */
    {"test:plugin/api#[constructor]counter", f_counter_new},
    F("[method]counter.add", f_counter_add),
    F("[method]counter.get", f_counter_get),
    F("[static]counter.merge", f_counter_merge),
#ifdef PLUGIN_FLAT
    F("flat-calls", f_flat_calls),
    F("counter-sub", f_counter_sub),
    F("[constructor]tag", f_tag_new),
#endif
};

static const wasmplug_plugin_resource_t resources[] = {
    {"test:plugin/api@0.1.0#counter", counter_drop},
};

static const wasmplug_plugin_option_t options[] = {
    {"greeting", "string", "hello", "what to say"},
    {"verbose", "bool", "false", "log more"},
    {"limit", "u64", "10", "a positive number"},
    {"root", "path", NULL, "a directory"},
};

static const wasmplug_plugin_t descriptor = {
    .magic = WASMPLUG_PLUGIN_MAGIC,
    .abi_major = WASMPLUG_PLUGIN_ABI_MAJOR,
    .abi_minor = WASMPLUG_PLUGIN_ABI_MINOR,
    .size = sizeof(wasmplug_plugin_t),
    .min_host_minor = 0,
    .name = PLUGIN_NAME,
    .version = "0.1.0",
    .wit = wit,
    .world = "provider",
    .funcs = funcs,
    .nfuncs = sizeof funcs / sizeof funcs[0],
    .resources = resources,
    .nresources = 1,
    .options = options,
    .noptions = 4,
    .init = p_init,
    .fini = p_fini,
    .instance_new = p_instance_new,
    .instance_drop = p_instance_drop,
#ifdef PLUGIN_FLAT
    .flat = flat,
    .nflat = sizeof flat / sizeof flat[0],
    .flat_size = sizeof(wasmplug_plugin_flat_t),
#endif
};

WASMPLUG_PLUGIN_ENTRY(h) {
  host = h;
  return &descriptor;
}
