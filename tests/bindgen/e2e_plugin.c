/*
** e2e_plugin.c — a test plugin for every interface of tests/bindgen/wit/
** all-types.wit, written against the bindings `wasmplug bindgen c --plugin`
** generates for it.  Each function computes something from every part of
** its input, so a value the loader or the guest bindings got wrong shows up
** in the guest's checks (e2e_guest.c).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_all.h"

typedef test_all_ctx_t ctx_t;

/* ---- hooks ---- */

typedef struct {
  uint32_t *value; /* counters by rep - 1 */
  bool *live;
  uint32_t n;
} inst_t;

int test_all_plugin_init(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *config,
                         void **plugin, const char **error) {
  (void)host;
  (void)config;
  (void)error;
  *plugin = NULL;
  return 0;
}

void test_all_plugin_fini(void *plugin) { (void)plugin; }

int test_all_instance_new(const wasmplug_host_api_t *host, void *plugin, const wasmplug_plugin_config_t *config,
                          void **instance, const char **error) {
  (void)host;
  (void)plugin;
  (void)config;
  inst_t *in = calloc(1, sizeof *in);
  if (!in) {
    *error = "out of memory";
    return 1;
  }
  *instance = in;
  return 0;
}

void test_all_instance_drop(void *plugin, void *instance) {
  (void)plugin;
  inst_t *in = instance;
  free(in->value);
  free(in->live);
  free(in);
}

/* ---- res ---- */

static int new_counter(ctx_t *cx, uint32_t start, test_all_res_own_counter_t *ret) {
  inst_t *in = cx->instance;
  uint32_t *v = realloc(in->value, (in->n + 1) * sizeof *v);
  if (v) in->value = v;
  bool *l = realloc(in->live, (in->n + 1) * sizeof *l);
  if (l) in->live = l;
  if (!v || !l) return test_all_trap(cx, "out of memory");
  in->value[in->n] = start;
  in->live[in->n] = true;
  ret->rep = ++in->n;
  return 0;
}

static uint32_t *counter(ctx_t *cx, uint32_t rep) {
  inst_t *in = cx->instance;
  return rep >= 1 && rep <= in->n && in->live[rep - 1] ? &in->value[rep - 1] : NULL;
}

int test_all_res_constructor_counter(ctx_t *cx, uint32_t start, test_all_res_own_counter_t *ret) {
  return new_counter(cx, start, ret);
}

int test_all_res_method_counter_inc(ctx_t *cx, test_all_res_borrow_counter_t self, uint32_t by, uint32_t *ret) {
  if (by == 0xdead) return 42; /* a bare failure code, no trap (bindgen_flat: both entries say so alike) */
  uint32_t *v = counter(cx, self.rep);
  if (!v) return test_all_trap(cx, "inc: dead counter %u", self.rep);
  *ret = *v += by;
  return 0;
}

int test_all_res_static_counter_make(ctx_t *cx, uint32_t start, test_all_res_own_counter_t *ret) {
  return new_counter(cx, start * 10, ret);
}

int test_all_res_total(ctx_t *cx, test_all_res_borrow_counter_t a, test_all_res_borrow_counter_t b, uint64_t *ret) {
  uint32_t *x = counter(cx, a.rep), *y = counter(cx, b.rep);
  if (!x || !y) return test_all_trap(cx, "total: dead counter");
  *ret = (uint64_t)*x + *y;
  return 0;
}

void test_all_res_counter_destructor(ctx_t *cx, uint32_t rep) {
  inst_t *in = cx->instance;
  if (rep >= 1 && rep <= in->n) in->live[rep - 1] = false;
}

int test_all_res_consume(ctx_t *cx, test_all_res_own_counter_t c, test_all_result_u32_string_t *ret) {
  uint32_t *v = counter(cx, c.rep);
  if (!v) {
    ret->is_err = true;
    return test_all_string_set(cx, &ret->val.err, "dead", 4) ? test_all_trap(cx, "oom") : 0;
  }
  ret->val.ok = *v;
  test_all_res_counter_destructor(cx, c.rep); /* ownership came to us */
  return 0;
}

/* ---- api ---- */

int test_all_api_roundtrip(ctx_t *cx, const test_all_api_mixed_t *m, test_all_api_mixed_t *ret) {
  *ret = *m;
  ret->a = (uint8_t)(m->a + 1);
  ret->b = m->b * 2;
  ret->c = m->c + 0.5f;
  if (test_all_string_set(cx, &ret->d, m->d.ptr, m->d.len)) return test_all_trap(cx, "oom");
  for (size_t i = 0; i < ret->d.len; i++)
    if (ret->d.ptr[i] >= 'a' && ret->d.ptr[i] <= 'z') ret->d.ptr[i] = (uint8_t)(ret->d.ptr[i] - 32);
  ret->e.ptr = test_all_alloc(cx, m->e.len * sizeof *m->e.ptr + 1, _Alignof(test_all_types_point_t));
  if (!ret->e.ptr) return test_all_trap(cx, "oom");
  for (size_t i = 0; i < m->e.len; i++) ret->e.ptr[i] = m->e.ptr[m->e.len - 1 - i];
  ret->default_ = !m->default_;
  ret->char_ = m->char_ + 1;
  ret->for_ = (int16_t)-m->for_;
  ret->int_ = m->int_ * 2;
  return 0;
}

int test_all_api_many(ctx_t *cx, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5, uint32_t a6,
                      uint32_t a7, uint32_t a8, uint32_t a9, uint32_t a10, uint32_t a11, uint32_t a12,
                      uint32_t a13, uint32_t a14, uint32_t a15, uint32_t a16, const test_all_string_t *a17,
                      uint64_t *ret) {
  (void)cx;
  /* weights make a swapped pair visible */
  uint64_t w = 0, a[] = {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16};
  for (int i = 0; i < 16; i++) w += a[i] * (uint64_t)(i + 1);
  *ret = w * 1000 + a17->len;
  return 0;
}

int test_all_api_opt(ctx_t *cx, const test_all_option_option_u8_t *o, test_all_option_string_t *ret) {
  if (!o->is_some) return 0;
  char buf[8];
  int n = o->val.is_some ? snprintf(buf, sizeof buf, "%u", o->val.val) : snprintf(buf, sizeof buf, "none");
  ret->is_some = true;
  return test_all_string_set(cx, &ret->val, buf, (size_t)n) ? test_all_trap(cx, "oom") : 0;
}

int test_all_api_res(ctx_t *cx, const test_all_result_u16_string_t *r, test_all_result_void_color_t *ret) {
  (void)cx;
  if (!r->is_err) {
    ret->is_err = r->val.ok % 2 != 0;
    ret->val.err = TEST_ALL_TYPES_COLOR_GREEN;
    return 0;
  }
  ret->is_err = true;
  const char *s = (const char *)r->val.err.ptr;
  ret->val.err = !strcmp(s, "red") ? TEST_ALL_TYPES_COLOR_RED
               : !strcmp(s, "blue") ? TEST_ALL_TYPES_COLOR_BLUE : TEST_ALL_TYPES_COLOR_GREEN;
  return 0;
}

int test_all_api_pair(ctx_t *cx, test_all_api_point_t *ret) {
  (void)cx;
  ret->x = -7;
  ret->y = 9;
  return 0;
}

int test_all_api_one_field(ctx_t *cx, const test_all_api_wrapped_t *w, test_all_api_wrapped_t *ret) {
  (void)cx;
  ret->v = w->v * 2;
  return 0;
}

int test_all_api_shape_of(ctx_t *cx, const test_all_api_shape_t *s, test_all_api_shape_t *ret) {
  switch (s->tag) {
  case TEST_ALL_TYPES_SHAPE_NOTHING:
    ret->tag = TEST_ALL_TYPES_SHAPE_LABEL;
    return test_all_string_set(cx, &ret->val.label, "nothing", 7) ? test_all_trap(cx, "oom") : 0;
  case TEST_ALL_TYPES_SHAPE_CIRCLE:
    ret->tag = TEST_ALL_TYPES_SHAPE_RECT;
    ret->val.rect.f0 = s->val.circle;
    ret->val.rect.f1 = -(double)s->val.circle;
    return 0;
  case TEST_ALL_TYPES_SHAPE_RECT:
    ret->tag = TEST_ALL_TYPES_SHAPE_CIRCLE;
    ret->val.circle = (float)(s->val.rect.f0 * s->val.rect.f1);
    return 0;
  case TEST_ALL_TYPES_SHAPE_LABEL:
    ret->tag = TEST_ALL_TYPES_SHAPE_ID;
    ret->val.id = s->val.label.len + 0x100000000ull; /* uses the high half */
    return 0;
  case TEST_ALL_TYPES_SHAPE_ID:
    ret->tag = TEST_ALL_TYPES_SHAPE_FLAG;
    ret->val.flag = s->val.id % 2;
    return 0;
  default:
    ret->tag = TEST_ALL_TYPES_SHAPE_NOTHING;
    return 0;
  }
}

int test_all_api_joins(ctx_t *cx, const test_all_api_joined_t *j, test_all_api_joined_t *ret) {
  (void)cx;
  switch (j->tag) {
  case TEST_ALL_TYPES_JOINED_A:
    ret->tag = TEST_ALL_TYPES_JOINED_D;
    ret->val.d = (double)j->val.a * 4;
    break;
  case TEST_ALL_TYPES_JOINED_B:
    ret->tag = TEST_ALL_TYPES_JOINED_C;
    ret->val.c = -(int64_t)j->val.b;
    break;
  case TEST_ALL_TYPES_JOINED_C:
    ret->tag = TEST_ALL_TYPES_JOINED_E;
    ret->val.e = (int8_t)(j->val.c / 1000);
    break;
  case TEST_ALL_TYPES_JOINED_D:
    ret->tag = TEST_ALL_TYPES_JOINED_A;
    ret->val.a = (float)(j->val.d / 2);
    break;
  default:
    ret->tag = TEST_ALL_TYPES_JOINED_B;
    ret->val.b = (uint32_t)(int32_t)j->val.e + 1000u;
    break;
  }
  return 0;
}

int test_all_api_all_flags(ctx_t *cx, test_all_api_small_t s, test_all_api_medium_t m, test_all_api_large_t l,
                           test_all_api_large_t *ret) {
  (void)cx;
  *ret = (l ^ s) | ((uint32_t)m << 3);
  return 0;
}

int test_all_api_pick(ctx_t *cx, test_all_api_color_t c, test_all_api_color_t *ret) {
  (void)cx;
  *ret = (test_all_api_color_t)((c + 1) % 3);
  return 0;
}

int test_all_api_nested(ctx_t *cx, const test_all_list_list_string_t *x,
                        test_all_tuple3_u8_string_option_alias_point_t *ret) {
  size_t total = 0, nstr = 0;
  for (size_t i = 0; i < x->len; i++)
    for (size_t k = 0; k < x->ptr[i].len; k++) total += x->ptr[i].ptr[k].len + 1, nstr++;
  uint8_t *buf = test_all_alloc(cx, total + 1, 1);
  if (!buf) return test_all_trap(cx, "oom");
  size_t at = 0;
  for (size_t i = 0; i < x->len; i++)
    for (size_t k = 0; k < x->ptr[i].len; k++) {
      if (at) buf[at++] = ',';
      memcpy(buf + at, x->ptr[i].ptr[k].ptr, x->ptr[i].ptr[k].len);
      at += x->ptr[i].ptr[k].len;
    }
  ret->f0 = (uint8_t)x->len;
  ret->f1.ptr = buf;
  ret->f1.len = at;
  if (nstr) {
    ret->f2.is_some = true;
    ret->f2.val.x = (int32_t)nstr;
    ret->f2.val.y = (int32_t)at;
  }
  return 0;
}

int test_all_api_chars(ctx_t *cx, uint32_t c, uint32_t *ret) {
  (void)cx;
  *ret = c + 1;
  return 0;
}

int test_all_api_floats(ctx_t *cx, float a, double b, double *ret) {
  (void)cx;
  *ret = (double)a * 1000 + b;
  return 0;
}

int test_all_api_bools(ctx_t *cx, bool b, bool *ret) {
  (void)cx;
  *ret = !b;
  return 0;
}

int test_all_api_small_ints(ctx_t *cx, int8_t a, uint8_t b, int16_t c, uint16_t d, int16_t *ret) {
  (void)cx;
  *ret = (int16_t)(a * 1000 + b * 100 + c * 10 + d);
  return 0;
}

int test_all_api_blob(ctx_t *cx, const test_all_api_bytes_t *b, test_all_api_bytes_t *ret) {
  ret->ptr = test_all_alloc(cx, b->len + 1, 1);
  if (!ret->ptr) return test_all_trap(cx, "oom");
  for (size_t i = 0; i < b->len; i++) ret->ptr[i] = b->ptr[b->len - 1 - i];
  ret->len = b->len;
  return 0;
}

int test_all_api_results(ctx_t *cx, const test_all_result_string_shape_t *r, test_all_result_list_point_string_t *ret) {
  if (r->is_err) {
    char buf[32];
    int n = snprintf(buf, sizeof buf, "shape tag %u", r->val.err.tag);
    ret->is_err = true;
    return test_all_string_set(cx, &ret->val.err, buf, (size_t)n) ? test_all_trap(cx, "oom") : 0;
  }
  size_t n = r->val.ok.len;
  test_all_types_point_t *p = test_all_alloc(cx, n * sizeof *p + 1, _Alignof(test_all_types_point_t));
  if (!p) return test_all_trap(cx, "oom");
  for (size_t i = 0; i < n; i++) {
    p[i].x = (int32_t)i;
    p[i].y = r->val.ok.ptr[i];
  }
  ret->val.ok.ptr = p;
  ret->val.ok.len = n;
  return 0;
}

int test_all_api_nothing(ctx_t *cx) {
  (void)cx;
  return 0;
}

/* maps and fixed-length lists */
int test_all_api_lookup(ctx_t *cx, const test_all_api_scores_t *m, const test_all_string_t *key,
                        test_all_option_u32_t *ret) {
  (void)cx;
  ret->is_some = false;
  for (size_t i = 0; i < m->len; i++)
    if (m->ptr[i].key.len == key->len && !memcmp(m->ptr[i].key.ptr, key->ptr, key->len)) {
      ret->is_some = true;
      ret->val = m->ptr[i].value; /* the last entry of a key wins */
    }
  return 0;
}

int test_all_api_invert(ctx_t *cx, const test_all_map_u32_string_t *m, test_all_map_string_u32_t *ret) {
  test_all_map_string_u32_entry_t *e = test_all_alloc(cx, m->len * sizeof *e + 1, _Alignof(test_all_map_string_u32_entry_t));
  if (!e) return test_all_trap(cx, "oom");
  for (size_t i = 0; i < m->len; i++) {
    e[i].key = m->ptr[i].value;
    e[i].value = m->ptr[i].key;
  }
  ret->ptr = e;
  ret->len = m->len;
  return 0;
}

int test_all_api_fixed(ctx_t *cx, const test_all_api_grid_t *g, const test_all_list_u8_2_t *salt,
                       test_all_list_u8_4_t *ret) {
  (void)cx;
  /* the cells, then the names' lengths, each plus the salt */
  ret->items[0] = (uint8_t)(g->cells.items[0] + salt->items[0]);
  ret->items[1] = (uint8_t)(g->cells.items[2] + salt->items[1]);
  ret->items[2] = (uint8_t)(g->names.items[0].len + salt->items[0]);
  ret->items[3] = (uint8_t)(g->names.items[1].len + salt->items[1]);
  return 0;
}
