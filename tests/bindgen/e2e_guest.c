/*
** e2e_guest.c — a wasm32-wasi guest (world e2e of tests/bindgen/wit/
** all-types.wit) calling every function of the e2e plugin through the
** bindings `wasmplug bindgen c --guest` generates, and checking each answer
** against what e2e_plugin.c computes.  Run by ctest as
**   wasmplug run --plugin e2e-plugin.so e2e-guest.wasm
** Exit status 0 only if every check passed.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

static int checks, failures;
#define CHECK(c)                                                    \
  do {                                                              \
    checks++;                                                       \
    if (!(c)) {                                                     \
      failures++;                                                   \
      printf("e2e_guest.c:%d: check failed: %s\n", __LINE__, #c);   \
    }                                                               \
  } while (0)

static bool streq(const e2e_string_t *s, const char *c) {
  return s->len == strlen(c) && !memcmp(s->ptr, c, s->len);
}

static void test_records(void) {
  test_all_types_point_t pts[] = {{1, 2}, {3, 4}, {-5, 6}};
  test_all_api_mixed_t m = {200, 1ull << 40, 1.25f, {NULL, 0}, {pts, 3}, true, 0x1F600, -300, 2.5};
  e2e_string_set(&m.d, "Hello, wasm");
  test_all_api_mixed_t r;
  test_all_api_roundtrip(&m, &r);
  CHECK(r.a == 201 && r.b == (1ull << 41) && r.c == 1.75f);
  CHECK(streq(&r.d, "HELLO, WASM"));
  CHECK(r.e.len == 3 && r.e.ptr[0].x == -5 && r.e.ptr[0].y == 6 && r.e.ptr[2].x == 1 && r.e.ptr[2].y == 2);
  CHECK(r.default_ == false && r.char_ == 0x1F601 && r.for_ == 300 && r.int_ == 5.0);
  test_all_api_mixed_free(&r);
  CHECK(r.d.ptr == NULL && r.e.ptr == NULL);

  test_all_api_point_t p;
  test_all_api_pair(&p);
  CHECK(p.x == -7 && p.y == 9);
  test_all_api_wrapped_t w = {1.5f}, w2;
  test_all_api_one_field(&w, &w2);
  CHECK(w2.v == 3.0f);
}

static void test_many(void) {
  e2e_string_t s;
  e2e_string_set(&s, "seventeen");
  uint64_t got = test_all_api_many(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0xffffffffu, &s);
  uint64_t w = 0;
  for (uint64_t i = 1; i <= 15; i++) w += i * i;
  w += 0xffffffffull * 16;
  CHECK(got == w * 1000 + 9);
}

static void test_options_results(void) {
  e2e_option_option_u8_t o = {false, {false, 0}};
  e2e_option_string_t r;
  test_all_api_opt(&o, &r);
  CHECK(!r.is_some);
  o.is_some = true;
  test_all_api_opt(&o, &r);
  CHECK(r.is_some && streq(&r.val, "none"));
  e2e_option_string_free(&r);
  o.val.is_some = true;
  o.val.val = 255;
  test_all_api_opt(&o, &r);
  CHECK(r.is_some && streq(&r.val, "255"));
  e2e_option_string_free(&r);

  e2e_result_u16_string_t in = {false, {.ok = 4}};
  e2e_result_void_color_t out;
  test_all_api_res(&in, &out);
  CHECK(!out.is_err);
  in.val.ok = 65535;
  test_all_api_res(&in, &out);
  CHECK(out.is_err && out.val.err == TEST_ALL_TYPES_COLOR_GREEN);
  in.is_err = true;
  e2e_string_set(&in.val.err, "blue");
  test_all_api_res(&in, &out);
  CHECK(out.is_err && out.val.err == TEST_ALL_TYPES_COLOR_BLUE);

  e2e_result_string_shape_t rs = {false, {{0}}};
  e2e_string_set(&rs.val.ok, "AZ");
  e2e_result_list_point_string_t rl;
  test_all_api_results(&rs, &rl);
  CHECK(!rl.is_err && rl.val.ok.len == 2 && rl.val.ok.ptr[1].x == 1 && rl.val.ok.ptr[1].y == 'Z');
  e2e_result_list_point_string_free(&rl);
  rs.is_err = true;
  rs.val.err.tag = TEST_ALL_TYPES_SHAPE_ID;
  rs.val.err.val.id = 1;
  test_all_api_results(&rs, &rl);
  CHECK(rl.is_err && streq(&rl.val.err, "shape tag 4"));
  e2e_result_list_point_string_free(&rl);
}

static void test_variants(void) {
  test_all_api_shape_t s = {TEST_ALL_TYPES_SHAPE_NOTHING, {0}}, r;
  test_all_api_shape_of(&s, &r);
  CHECK(r.tag == TEST_ALL_TYPES_SHAPE_LABEL && streq(&r.val.label, "nothing"));
  test_all_api_shape_free(&r);
  s.tag = TEST_ALL_TYPES_SHAPE_CIRCLE;
  s.val.circle = 2.5f;
  test_all_api_shape_of(&s, &r);
  CHECK(r.tag == TEST_ALL_TYPES_SHAPE_RECT && r.val.rect.f0 == 2.5 && r.val.rect.f1 == -2.5);
  s = r;
  test_all_api_shape_of(&s, &r);
  CHECK(r.tag == TEST_ALL_TYPES_SHAPE_CIRCLE && r.val.circle == -6.25f);
  s.tag = TEST_ALL_TYPES_SHAPE_LABEL;
  e2e_string_set(&s.val.label, "abc");
  test_all_api_shape_of(&s, &r);
  CHECK(r.tag == TEST_ALL_TYPES_SHAPE_ID && r.val.id == 0x100000003ull);
  s = r;
  test_all_api_shape_of(&s, &r);
  CHECK(r.tag == TEST_ALL_TYPES_SHAPE_FLAG && r.val.flag == true);

  /* joined payloads: f32 / u32 / s64 / f64 / s8 share one i64 slot */
  test_all_api_joined_t j = {TEST_ALL_TYPES_JOINED_A, {.a = -1.5f}}, k;
  test_all_api_joins(&j, &k);
  CHECK(k.tag == TEST_ALL_TYPES_JOINED_D && k.val.d == -6.0);
  j.tag = TEST_ALL_TYPES_JOINED_B;
  j.val.b = 0xfffffff0u;
  test_all_api_joins(&j, &k);
  CHECK(k.tag == TEST_ALL_TYPES_JOINED_C && k.val.c == -(int64_t)0xfffffff0u);
  j.tag = TEST_ALL_TYPES_JOINED_C;
  j.val.c = -100000;
  test_all_api_joins(&j, &k);
  CHECK(k.tag == TEST_ALL_TYPES_JOINED_E && k.val.e == -100);
  j.tag = TEST_ALL_TYPES_JOINED_D;
  j.val.d = 1e300;
  test_all_api_joins(&j, &k);
  CHECK(k.tag == TEST_ALL_TYPES_JOINED_A && isinf(k.val.a));
  j.tag = TEST_ALL_TYPES_JOINED_E;
  j.val.e = -3;
  test_all_api_joins(&j, &k);
  CHECK(k.tag == TEST_ALL_TYPES_JOINED_B && k.val.b == 997);
}

static void test_scalars(void) {
  CHECK(test_all_api_all_flags(TEST_ALL_TYPES_SMALL_C, TEST_ALL_TYPES_MEDIUM_F8,
                               TEST_ALL_TYPES_LARGE_L16 | TEST_ALL_TYPES_LARGE_L2) ==
        (((TEST_ALL_TYPES_LARGE_L16 | TEST_ALL_TYPES_LARGE_L2) ^ 4u) | (256u << 3)));
  CHECK(test_all_api_pick(TEST_ALL_TYPES_COLOR_BLUE) == TEST_ALL_TYPES_COLOR_RED);
  CHECK(test_all_api_chars('A') == 'B');
  CHECK(test_all_api_chars(0x1F600) == 0x1F601);
  CHECK(test_all_api_floats(0.5f, 0.25) == 500.25);
  CHECK(test_all_api_bools(false) == true && test_all_api_bools(true) == false);
  CHECK(test_all_api_small_ints(-3, 200, -7, 9) == (int16_t)(-3000 + 20000 - 70 + 9));
  test_all_api_nothing();
}

static void test_lists(void) {
  uint8_t bytes[] = {1, 2, 3, 250};
  test_all_api_bytes_t b = {bytes, 4}, rb;
  test_all_api_blob(&b, &rb);
  CHECK(rb.len == 4 && rb.ptr[0] == 250 && rb.ptr[3] == 1);
  test_all_api_bytes_free(&rb);
  b.len = 0;
  test_all_api_blob(&b, &rb);
  CHECK(rb.len == 0);
  test_all_api_bytes_free(&rb);

  e2e_string_t s1[2], s2[1];
  e2e_string_set(&s1[0], "a");
  e2e_string_set(&s1[1], "bc");
  e2e_string_set(&s2[0], "def");
  e2e_list_string_t inner[3] = {{s1, 2}, {NULL, 0}, {s2, 1}};
  e2e_list_list_string_t outer = {inner, 3};
  e2e_tuple3_u8_string_option_alias_point_t t;
  test_all_api_nested(&outer, &t);
  CHECK(t.f0 == 3 && streq(&t.f1, "a,bc,def") && t.f2.is_some && t.f2.val.x == 3 && t.f2.val.y == 8);
  e2e_tuple3_u8_string_option_alias_point_free(&t);
}

static void test_maps_and_fixed(void) {
  test_all_types_scores_entry_t se[3];
  e2e_string_set(&se[0].key, "ant");
  se[0].value = 6;
  e2e_string_set(&se[1].key, "bee");
  se[1].value = 4;
  e2e_string_set(&se[2].key, "ant");
  se[2].value = 7;
  test_all_api_scores_t scores = {se, 3};
  e2e_string_t key;
  e2e_option_u32_t found;
  e2e_string_set(&key, "ant");
  test_all_api_lookup(&scores, &key, &found);
  CHECK(found.is_some && found.val == 7);
  e2e_string_set(&key, "cat");
  test_all_api_lookup(&scores, &key, &found);
  CHECK(!found.is_some);

  e2e_map_u32_string_entry_t ie[2];
  ie[0].key = 1;
  e2e_string_set(&ie[0].value, "one");
  ie[1].key = 2;
  e2e_string_set(&ie[1].value, "two");
  e2e_map_u32_string_t in = {ie, 2};
  e2e_map_string_u32_t out;
  test_all_api_invert(&in, &out);
  CHECK(out.len == 2 && streq(&out.ptr[0].key, "one") && out.ptr[0].value == 1 && streq(&out.ptr[1].key, "two") &&
        out.ptr[1].value == 2);
  e2e_map_string_u32_free(&out);

  test_all_api_grid_t g = {{{10, 20, 30}}, {{{0}, {0}}}};
  e2e_string_set(&g.names.items[0], "abc");
  e2e_string_set(&g.names.items[1], "");
  e2e_list_u8_2_t salt = {{1, 2}};
  e2e_list_u8_4_t r;
  test_all_api_fixed(&g, &salt, &r);
  CHECK(r.items[0] == 11 && r.items[1] == 32 && r.items[2] == 4 && r.items[3] == 2);
}

static void test_resources(void) {
  test_all_res_own_counter_t a = test_all_res_constructor_counter(5);
  test_all_res_own_counter_t b = test_all_res_static_counter_make(4);
  CHECK(test_all_res_method_counter_inc(test_all_res_borrow_counter(a), 2) == 7);
  CHECK(test_all_res_method_counter_inc(test_all_res_borrow_counter(b), 1) == 41);
  CHECK(test_all_res_total(test_all_res_borrow_counter(a), test_all_res_borrow_counter(b)) == 48);
  e2e_result_u32_string_t r;
  test_all_res_consume(a, &r); /* a's ownership goes to the plugin */
  CHECK(!r.is_err && r.val.ok == 7);
  test_all_res_counter_drop_own(b);
}

int main(void) {
  test_records();
  test_many();
  test_options_results();
  test_variants();
  test_scalars();
  test_lists();
  test_maps_and_fixed();
  test_resources();
  printf("e2e: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
