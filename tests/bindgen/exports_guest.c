/*
** exports_guest.c — a wasm32-wasi reactor implementing the api interface of
** tests/bindgen/wit/all-types.wit as guest exports (world exports-api), with
** the bindings `wasmplug bindgen c --guest` generates.  exports_test.c calls
** every export through the canonical ABI layer and checks the answers.
** The functions compute the same things as e2e_plugin.c; as exports they
** own their string/list params and free them.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exports_api.h"

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) abort();
  return p;
}

void exports_test_all_api_roundtrip(test_all_api_mixed_t *m, test_all_api_mixed_t *ret) {
  *ret = *m;
  ret->a = (uint8_t)(m->a + 1);
  ret->b = m->b * 2;
  ret->c = m->c + 0.5f;
  ret->d.ptr = xmalloc(m->d.len);
  for (size_t i = 0; i < m->d.len; i++) {
    uint8_t c = m->d.ptr[i];
    ret->d.ptr[i] = c >= 'a' && c <= 'z' ? (uint8_t)(c - 32) : c;
  }
  ret->e.ptr = xmalloc(m->e.len * sizeof *m->e.ptr);
  for (size_t i = 0; i < m->e.len; i++) ret->e.ptr[i] = m->e.ptr[m->e.len - 1 - i];
  ret->default_ = !m->default_;
  ret->char_ = m->char_ + 1;
  ret->for_ = (int16_t)-m->for_;
  ret->int_ = m->int_ * 2;
  test_all_api_mixed_free(m);
}

uint64_t exports_test_all_api_many(uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5, uint32_t a6,
                                   uint32_t a7, uint32_t a8, uint32_t a9, uint32_t a10, uint32_t a11, uint32_t a12,
                                   uint32_t a13, uint32_t a14, uint32_t a15, uint32_t a16, exports_api_string_t *a17) {
  uint64_t w = 0, a[] = {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16};
  for (int i = 0; i < 16; i++) w += a[i] * (uint64_t)(i + 1);
  w = w * 1000 + a17->len;
  exports_api_string_free(a17);
  return w;
}

void exports_test_all_api_opt(exports_api_option_option_u8_t *o, exports_api_option_string_t *ret) {
  if (!o->is_some) return;
  char buf[8];
  if (o->val.is_some) snprintf(buf, sizeof buf, "%u", o->val.val);
  else snprintf(buf, sizeof buf, "none");
  ret->is_some = true;
  exports_api_string_dup(&ret->val, buf);
}

void exports_test_all_api_res(exports_api_result_u16_string_t *r, exports_api_result_void_color_t *ret) {
  if (!r->is_err) {
    ret->is_err = r->val.ok % 2 != 0;
    ret->val.err = TEST_ALL_TYPES_COLOR_GREEN;
    return;
  }
  ret->is_err = true;
  const exports_api_string_t *s = &r->val.err;
  ret->val.err = s->len == 3 && !memcmp(s->ptr, "red", 3)    ? TEST_ALL_TYPES_COLOR_RED
                 : s->len == 4 && !memcmp(s->ptr, "blue", 4) ? TEST_ALL_TYPES_COLOR_BLUE
                                                             : TEST_ALL_TYPES_COLOR_GREEN;
  exports_api_result_u16_string_free(r);
}

void exports_test_all_api_pair(test_all_api_point_t *ret) {
  ret->x = -7;
  ret->y = 9;
}

void exports_test_all_api_one_field(test_all_api_wrapped_t *w, test_all_api_wrapped_t *ret) { ret->v = w->v * 2; }

void exports_test_all_api_shape_of(test_all_api_shape_t *s, test_all_api_shape_t *ret) {
  switch (s->tag) {
  case TEST_ALL_TYPES_SHAPE_NOTHING:
    ret->tag = TEST_ALL_TYPES_SHAPE_LABEL;
    exports_api_string_dup(&ret->val.label, "nothing");
    break;
  case TEST_ALL_TYPES_SHAPE_CIRCLE:
    ret->tag = TEST_ALL_TYPES_SHAPE_RECT;
    ret->val.rect.f0 = s->val.circle;
    ret->val.rect.f1 = -(double)s->val.circle;
    break;
  case TEST_ALL_TYPES_SHAPE_RECT:
    ret->tag = TEST_ALL_TYPES_SHAPE_CIRCLE;
    ret->val.circle = (float)(s->val.rect.f0 * s->val.rect.f1);
    break;
  case TEST_ALL_TYPES_SHAPE_LABEL:
    ret->tag = TEST_ALL_TYPES_SHAPE_ID;
    ret->val.id = s->val.label.len + 0x100000000ull;
    break;
  case TEST_ALL_TYPES_SHAPE_ID:
    ret->tag = TEST_ALL_TYPES_SHAPE_FLAG;
    ret->val.flag = s->val.id % 2;
    break;
  default:
    ret->tag = TEST_ALL_TYPES_SHAPE_NOTHING;
    break;
  }
  test_all_api_shape_free(s);
}

void exports_test_all_api_joins(test_all_api_joined_t *j, test_all_api_joined_t *ret) {
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
}

test_all_api_large_t exports_test_all_api_all_flags(test_all_api_small_t s, test_all_api_medium_t m,
                                                    test_all_api_large_t l) {
  return (l ^ s) | ((uint32_t)m << 3);
}

test_all_api_color_t exports_test_all_api_pick(test_all_api_color_t c) { return (test_all_api_color_t)((c + 1) % 3); }

void exports_test_all_api_nested(exports_api_list_list_string_t *x, exports_api_tuple3_u8_string_option_alias_point_t *ret) {
  size_t total = 0, nstr = 0;
  for (size_t i = 0; i < x->len; i++)
    for (size_t k = 0; k < x->ptr[i].len; k++) total += x->ptr[i].ptr[k].len + 1, nstr++;
  uint8_t *buf = xmalloc(total);
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
  exports_api_list_list_string_free(x);
}

uint32_t exports_test_all_api_chars(uint32_t c) { return c + 1; }
double exports_test_all_api_floats(float a, double b) { return (double)a * 1000 + b; }
bool exports_test_all_api_bools(bool b) { return !b; }
int16_t exports_test_all_api_small_ints(int8_t a, uint8_t b, int16_t c, uint16_t d) {
  return (int16_t)(a * 1000 + b * 100 + c * 10 + d);
}

void exports_test_all_api_blob(test_all_api_bytes_t *b, test_all_api_bytes_t *ret) {
  ret->ptr = xmalloc(b->len);
  for (size_t i = 0; i < b->len; i++) ret->ptr[i] = b->ptr[b->len - 1 - i];
  ret->len = b->len;
  test_all_api_bytes_free(b);
}

void exports_test_all_api_results(exports_api_result_string_shape_t *r, exports_api_result_list_point_string_t *ret) {
  if (r->is_err) {
    char buf[32];
    snprintf(buf, sizeof buf, "shape tag %u", r->val.err.tag);
    ret->is_err = true;
    exports_api_string_dup(&ret->val.err, buf);
  } else {
    size_t n = r->val.ok.len;
    test_all_types_point_t *p = xmalloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++) {
      p[i].x = (int32_t)i;
      p[i].y = r->val.ok.ptr[i];
    }
    ret->val.ok.ptr = p;
    ret->val.ok.len = n;
  }
  exports_api_result_string_shape_free(r);
}

void exports_test_all_api_nothing(void) {}

/* maps and fixed-length lists (the guest owns its params: frees them) */
void exports_test_all_api_lookup(test_all_api_scores_t *m, exports_api_string_t *key, exports_api_option_u32_t *ret) {
  ret->is_some = false;
  for (size_t i = 0; i < m->len; i++)
    if (m->ptr[i].key.len == key->len && !memcmp(m->ptr[i].key.ptr, key->ptr, key->len)) {
      ret->is_some = true;
      ret->val = m->ptr[i].value;
    }
  test_all_api_scores_free(m);
  exports_api_string_free(key);
}

void exports_test_all_api_invert(exports_api_map_u32_string_t *m, exports_api_map_string_u32_t *ret) {
  ret->ptr = xmalloc(m->len * sizeof *ret->ptr);
  ret->len = m->len;
  for (size_t i = 0; i < m->len; i++) {
    ret->ptr[i].key = m->ptr[i].value; /* the string moves to the result */
    ret->ptr[i].value = m->ptr[i].key;
  }
  if (m->len) free(m->ptr);
}

void exports_test_all_api_fixed(test_all_api_grid_t *g, exports_api_list_u8_2_t *salt, exports_api_list_u8_4_t *ret) {
  ret->items[0] = (uint8_t)(g->cells.items[0] + salt->items[0]);
  ret->items[1] = (uint8_t)(g->cells.items[2] + salt->items[1]);
  ret->items[2] = (uint8_t)(g->names.items[0].len + salt->items[0]);
  ret->items[3] = (uint8_t)(g->names.items[1].len + salt->items[1]);
  test_all_api_grid_free(g);
}
