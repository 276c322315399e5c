/*
 * test_layout.c -- type construction, guest (wasm32) layout, native C
 * layout checked against real C structs shaped like wit-bindgen's C output,
 * flattening and function signatures.
 */
#include "harness.h"

#include <stdalign.h>
#include <stddef.h>

static wp_cabi_types_t *T;
#define P(k) wp_cabi_type_prim(T, WP_CABI_##k)

static void check_layout(const wp_cabi_type_t *ty, uint32_t gs, uint32_t ga, uint32_t ns, uint32_t na) {
  CHECK(ty != NULL);
  if (!ty) return;
  CHECK_EQ(ty->guest.size, gs);
  CHECK_EQ(ty->guest.align, ga);
  CHECK_EQ(ty->native.size, ns);
  CHECK_EQ(ty->native.align, na);
}

static void check_flat(const wp_cabi_type_t *ty, uint32_t n, const wp_cabi_core_t *want) {
  CHECK_EQ(ty->nflat, n);
  for (uint32_t i = 0; i < n && i < WP_CABI_FLAT_CAP; i++) CHECK_EQ(ty->flat[i], want[i]);
}

static void test_prims(void) {
  static const struct { wp_cabi_kind_t k; uint32_t size; wp_cabi_core_t flat; } tab[] = {
      {WP_CABI_BOOL, 1, WP_CABI_I32}, {WP_CABI_S8, 1, WP_CABI_I32}, {WP_CABI_U8, 1, WP_CABI_I32},
      {WP_CABI_S16, 2, WP_CABI_I32}, {WP_CABI_U16, 2, WP_CABI_I32}, {WP_CABI_S32, 4, WP_CABI_I32},
      {WP_CABI_U32, 4, WP_CABI_I32}, {WP_CABI_S64, 8, WP_CABI_I64}, {WP_CABI_U64, 8, WP_CABI_I64},
      {WP_CABI_F32, 4, WP_CABI_CF32}, {WP_CABI_F64, 8, WP_CABI_CF64}, {WP_CABI_CHAR, 4, WP_CABI_I32}};
  for (size_t i = 0; i < sizeof tab / sizeof *tab; i++) {
    const wp_cabi_type_t *ty = wp_cabi_type_prim(T, tab[i].k);
    check_layout(ty, tab[i].size, tab[i].size, tab[i].size, tab[i].size);
    check_flat(ty, 1, &tab[i].flat);
    CHECK(wp_cabi_type_prim(T, tab[i].k) == ty); /* primitives are interned */
  }
  check_layout(P(STRING), 8, 4, 16, 8);
  wp_cabi_core_t ii[] = {WP_CABI_I32, WP_CABI_I32};
  check_flat(P(STRING), 2, ii);
  const wp_cabi_type_t *l = wp_cabi_type_list(T, P(U64));
  check_layout(l, 8, 4, 16, 8);
  check_flat(l, 2, ii);
  CHECK(P(U32)->plain && !P(BOOL)->plain && !P(CHAR)->plain && !P(F32)->plain);
  CHECK(wp_cabi_type_prim(T, WP_CABI_LIST) == NULL);
}

static void test_records(void) {
  const char *n3[] = {"a", "b", "c"};
  const wp_cabi_type_t *r = wp_cabi_type_record(T, 3, n3, (const wp_cabi_type_t *[]){P(U8), P(U32), P(U8)});
  check_layout(r, 12, 4, 12, 4);
  CHECK_EQ(r->fields[1].guest_offset, 4);
  CHECK_EQ(r->fields[2].guest_offset, 8);
  CHECK(r->plain);
  const wp_cabi_type_t *r2 = wp_cabi_type_record(T, 2, n3, (const wp_cabi_type_t *[]){P(U8), P(U64)});
  check_layout(r2, 16, 8, 16, 8);
  const wp_cabi_type_t *r3 = wp_cabi_type_record(T, 3, n3, (const wp_cabi_type_t *[]){P(U8), P(STRING), P(U16)});
  check_layout(r3, 16, 4, 32, 8);
  CHECK_EQ(r3->fields[1].guest_offset, 4);
  CHECK_EQ(r3->fields[1].native_offset, 8);
  CHECK_EQ(r3->fields[2].guest_offset, 12);
  CHECK_EQ(r3->fields[2].native_offset, 24);
  CHECK(!r3->plain && r3->has_pointers);
  wp_cabi_core_t f3[] = {WP_CABI_I32, WP_CABI_I32, WP_CABI_I32, WP_CABI_I32};
  check_flat(r3, 4, f3);
  const wp_cabi_type_t *tu = wp_cabi_type_tuple(T, 2, (const wp_cabi_type_t *[]){P(U8), P(U64)});
  check_layout(tu, 16, 8, 16, 8);
  CHECK(!strcmp(tu->fields[1].name, "1"));
  /* errors */
  CHECK(wp_cabi_type_record(T, 0, n3, NULL) == NULL);
  CHECK(strstr(wp_cabi_types_error(T), "at least one field") != NULL);
  const char *dup[] = {"a", "a"};
  CHECK(wp_cabi_type_record(T, 2, dup, (const wp_cabi_type_t *[]){P(U8), P(U8)}) == NULL);
  CHECK(strstr(wp_cabi_types_error(T), "duplicate label 'a'") != NULL);
  const char *bad[] = {"Not_kebab"};
  CHECK(wp_cabi_type_record(T, 1, bad, (const wp_cabi_type_t *[]){P(U8)}) == NULL);
  CHECK(strstr(wp_cabi_types_error(T), "invalid label") != NULL);
  CHECK(wp_cabi_type_tuple(T, 0, NULL) == NULL);
}

static void test_variants(void) {
  /* discriminant sizes */
  static char names[70000][8];
  static const char *np[70000];
  for (int i = 0; i < 70000; i++) {
    snprintf(names[i], sizeof names[i], "c%d", i);
    np[i] = names[i];
  }
  const wp_cabi_type_t *e256 = wp_cabi_type_enum(T, 256, np), *e257 = wp_cabi_type_enum(T, 257, np);
  check_layout(e256, 1, 1, 1, 1);
  check_layout(e257, 2, 2, 2, 2);
  const wp_cabi_type_t *e65536 = wp_cabi_type_enum(T, 65536, np), *e65537 = wp_cabi_type_enum(T, 65537, np);
  check_layout(e65536, 2, 2, 2, 2);
  check_layout(e65537, 4, 4, 4, 4);
  CHECK_EQ(e65537->disc_size, 4);
  /* option / result despecialise to variants */
  const wp_cabi_type_t *o64 = wp_cabi_type_option(T, P(U64));
  check_layout(o64, 16, 8, 16, 8);
  CHECK_EQ(o64->guest_payload_offset, 8);
  wp_cabi_core_t fo[] = {WP_CABI_I32, WP_CABI_I64};
  check_flat(o64, 2, fo);
  const wp_cabi_type_t *os = wp_cabi_type_option(T, P(STRING));
  check_layout(os, 12, 4, 24, 8);
  const wp_cabi_type_t *ruf = wp_cabi_type_result(T, P(U32), P(F32));
  wp_cabi_core_t fr[] = {WP_CABI_I32, WP_CABI_I32};
  check_flat(ruf, 2, fr); /* join(i32, f32) = i32 */
  const wp_cabi_type_t *rff = wp_cabi_type_result(T, P(F32), P(F64));
  wp_cabi_core_t fr2[] = {WP_CABI_I32, WP_CABI_I64};
  check_flat(rff, 2, fr2); /* join(f32, f64) = i64 */
  const wp_cabi_type_t *r00 = wp_cabi_type_result(T, NULL, NULL);
  check_layout(r00, 1, 1, 1, 1);
  check_flat(r00, 1, fr);
  const char *vn[] = {"a", "b", "c"};
  const wp_cabi_type_t *tup = wp_cabi_type_tuple(T, 2, (const wp_cabi_type_t *[]){P(F32), P(U32)});
  const wp_cabi_type_t *v = wp_cabi_type_variant(T, 3, vn, (const wp_cabi_type_t *[]){P(F64), tup, NULL});
  wp_cabi_core_t fv[] = {WP_CABI_I32, WP_CABI_I64, WP_CABI_I32};
  check_flat(v, 3, fv);
  check_layout(v, 16, 8, 16, 8);
  /* flags */
  check_layout(wp_cabi_type_flags(T, 8, np), 1, 1, 1, 1);
  check_layout(wp_cabi_type_flags(T, 9, np), 2, 2, 2, 2);
  check_layout(wp_cabi_type_flags(T, 17, np), 4, 4, 4, 4);
  check_layout(wp_cabi_type_flags(T, 32, np), 4, 4, 4, 4);
  CHECK(wp_cabi_type_flags(T, 33, np) == NULL);
  CHECK(wp_cabi_type_variant(T, 0, vn, NULL) == NULL);
  CHECK(wp_cabi_type_enum(T, 0, vn) == NULL);
}

/* Native layout against C structs written the way wit-bindgen's C
 * generator writes them. */
typedef struct { uint8_t *ptr; size_t len; } c_string_t;
typedef struct { uint32_t *ptr; size_t len; } c_list_u32_t;
typedef struct { bool is_some; uint64_t val; } c_option_u64_t;
typedef struct { bool is_some; c_string_t val; } c_option_string_t;
typedef struct { bool is_err; union { c_string_t ok; uint8_t err; } val; } c_result_string_u8_t;
typedef struct { bool is_err; } c_result_void_t;
typedef struct { uint8_t tag; union { uint16_t a; c_string_t b; double c; } val; } c_variant_t;
typedef struct { uint8_t a; c_string_t b; bool c; c_option_u64_t d; uint16_t e; c_list_u32_t f; } c_record_t;
typedef struct { uint8_t f0; double f1; } c_tuple_t;
typedef struct { int32_t __handle; } c_own_t;

static void test_native_vs_c(void) {
  const wp_cabi_type_t *s = P(STRING);
  check_layout(s, 8, 4, sizeof(c_string_t), alignof(c_string_t));
  const wp_cabi_type_t *l = wp_cabi_type_list(T, P(U32));
  check_layout(l, 8, 4, sizeof(c_list_u32_t), alignof(c_list_u32_t));
  const wp_cabi_type_t *o = wp_cabi_type_option(T, P(U64));
  CHECK_EQ(o->native.size, sizeof(c_option_u64_t));
  CHECK_EQ(o->native_payload_offset, offsetof(c_option_u64_t, val));
  const wp_cabi_type_t *os = wp_cabi_type_option(T, s);
  CHECK_EQ(os->native.size, sizeof(c_option_string_t));
  CHECK_EQ(os->native_payload_offset, offsetof(c_option_string_t, val));
  const wp_cabi_type_t *r = wp_cabi_type_result(T, s, P(U8));
  CHECK_EQ(r->native.size, sizeof(c_result_string_u8_t));
  CHECK_EQ(r->native.align, alignof(c_result_string_u8_t));
  CHECK_EQ(r->native_payload_offset, offsetof(c_result_string_u8_t, val));
  CHECK_EQ(wp_cabi_type_result(T, NULL, NULL)->native.size, sizeof(c_result_void_t));
  const char *vn[] = {"a", "b", "c", "d"};
  const wp_cabi_type_t *v = wp_cabi_type_variant(T, 4, vn, (const wp_cabi_type_t *[]){P(U16), s, P(F64), NULL});
  CHECK_EQ(v->native.size, sizeof(c_variant_t));
  CHECK_EQ(v->native.align, alignof(c_variant_t));
  CHECK_EQ(v->native_payload_offset, offsetof(c_variant_t, val));
  const char *rn[] = {"a", "b", "c", "d", "e", "f"};
  const wp_cabi_type_t *rec = wp_cabi_type_record(T, 6, rn, (const wp_cabi_type_t *[]){P(U8), s, P(BOOL), o, P(U16), l});
  CHECK_EQ(rec->native.size, sizeof(c_record_t));
  CHECK_EQ(rec->fields[1].native_offset, offsetof(c_record_t, b));
  CHECK_EQ(rec->fields[2].native_offset, offsetof(c_record_t, c));
  CHECK_EQ(rec->fields[3].native_offset, offsetof(c_record_t, d));
  CHECK_EQ(rec->fields[4].native_offset, offsetof(c_record_t, e));
  CHECK_EQ(rec->fields[5].native_offset, offsetof(c_record_t, f));
  const wp_cabi_type_t *tu = wp_cabi_type_tuple(T, 2, (const wp_cabi_type_t *[]){P(U8), P(F64)});
  CHECK_EQ(tu->native.size, sizeof(c_tuple_t));
  CHECK_EQ(tu->fields[1].native_offset, offsetof(c_tuple_t, f1));
  const wp_cabi_resource_t *res = wp_cabi_resource_type(T, "file", NULL, NULL, NULL);
  CHECK_EQ(wp_cabi_type_own(T, res)->native.size, sizeof(c_own_t));
  CHECK_EQ(wp_cabi_type_borrow(T, res)->guest.size, 4);
}

/* list<T, N> is T[N] inline; map<K, V> is list<tuple<K, V>>. */
typedef struct { uint8_t a; uint16_t arr[3]; c_string_t s[2]; bool b[5]; } c_fixed_t;
typedef struct { c_string_t f0; uint32_t f1; } c_pair_t;
typedef struct { c_pair_t *ptr; size_t len; } c_map_t;

static void test_fixed_and_map(void) {
  const wp_cabi_type_t *a3 = wp_cabi_type_fixed_list(T, P(U16), 3);
  check_layout(a3, 6, 2, 6, 2);
  CHECK(a3->plain);
  wp_cabi_core_t i3[] = {WP_CABI_I32, WP_CABI_I32, WP_CABI_I32};
  check_flat(a3, 3, i3);
  const wp_cabi_type_t *s2 = wp_cabi_type_fixed_list(T, P(STRING), 2);
  check_layout(s2, 16, 4, 2 * sizeof(c_string_t), alignof(c_string_t));
  CHECK(!s2->plain && s2->has_pointers);
  const wp_cabi_type_t *b5 = wp_cabi_type_fixed_list(T, P(BOOL), 5);
  const char *n[] = {"a", "arr", "s", "b"};
  const wp_cabi_type_t *rec = wp_cabi_type_record(T, 4, n, (const wp_cabi_type_t *[]){P(U8), a3, s2, b5});
  CHECK_EQ(rec->native.size, sizeof(c_fixed_t));
  CHECK_EQ(rec->fields[1].native_offset, offsetof(c_fixed_t, arr));
  CHECK_EQ(rec->fields[2].native_offset, offsetof(c_fixed_t, s));
  CHECK_EQ(rec->fields[3].native_offset, offsetof(c_fixed_t, b));
  CHECK_EQ(rec->fields[2].guest_offset, 8);
  CHECK_EQ(rec->guest.size, 32);
  /* more than 16 flat values: the count says so, the params go to memory */
  const wp_cabi_type_t *big = wp_cabi_type_fixed_list(T, P(U64), 100);
  CHECK(big->nflat == 100);
  CHECK(wp_cabi_type_fixed_list(T, P(U8), 0) == NULL);
  CHECK(strstr(wp_cabi_types_error(T), "length") != NULL);
  CHECK(wp_cabi_type_fixed_list(T, P(U8), 1u << 28) == NULL);
  const wp_cabi_type_t *m = wp_cabi_type_map(T, P(STRING), P(U32));
  CHECK(m && m->kind == WP_CABI_LIST && m->map);
  check_layout(m, 8, 4, sizeof(c_map_t), alignof(c_map_t));
  CHECK_EQ(m->elem->native.size, sizeof(c_pair_t));
  CHECK_EQ(m->elem->fields[1].native_offset, offsetof(c_pair_t, f1));
  CHECK(wp_cabi_type_map(T, P(F64), P(U8)) == NULL);
  CHECK(strstr(wp_cabi_types_error(T), "key") != NULL);
  /* a map and a list of pairs are different types */
  const wp_cabi_type_t *kv[] = {P(STRING), P(U32)};
  CHECK(!wp_cabi_type_equal(m, wp_cabi_type_list(T, wp_cabi_type_tuple(T, 2, kv))));
  CHECK(wp_cabi_type_equal(m, wp_cabi_type_map(T, P(STRING), P(U32))));
  CHECK(!wp_cabi_type_equal(a3, wp_cabi_type_fixed_list(T, P(U16), 4)));
  /* one equality: resources by identity, or by name for two views of one
  ** WIT (a guest's import and the plugin providing it) */
  const wp_cabi_resource_t *r1 = wp_cabi_resource_type(T, "a:b/c#r", NULL, NULL, NULL);
  const wp_cabi_resource_t *r2 = wp_cabi_resource_type(T, "a:b/c#r", NULL, NULL, NULL);
  const wp_cabi_resource_t *r3 = wp_cabi_resource_type(T, "a:b/c#s", NULL, NULL, NULL);
  const wp_cabi_type_t *o1 = wp_cabi_type_list(T, wp_cabi_type_own(T, r1));
  const wp_cabi_type_t *o2 = wp_cabi_type_list(T, wp_cabi_type_own(T, r2));
  const wp_cabi_type_t *o3 = wp_cabi_type_list(T, wp_cabi_type_own(T, r3));
  CHECK(!wp_cabi_type_equal(o1, o2) && wp_cabi_type_equal_named(o1, o2) && !wp_cabi_type_equal_named(o1, o3));
  wp_cabi_func_t f1 = {1, NULL, &o1, P(U8)}, f2 = {1, NULL, &o2, P(U8)}, f3 = {1, NULL, &o2, P(U16)};
  CHECK(!wp_cabi_func_equal(&f1, &f2, false) && wp_cabi_func_equal(&f1, &f2, true) && !wp_cabi_func_equal(&f1, &f3, true));
  char buf[128];
  wp_cabi_type_print(wp_cabi_type_record(T, 2, n, (const wp_cabi_type_t *[]){m, a3}), buf, sizeof buf);
  CHECK(!strcmp(buf, "record { a: map<string, u32>, arr: list<u16, 3> }"));
}

static void test_funcs(void) {
  const wp_cabi_type_t *ps[17];
  for (int i = 0; i < 17; i++) ps[i] = P(U32);
  wp_cabi_func_t f16 = {16, NULL, ps, P(U32)}, f17 = {17, NULL, ps, P(STRING)};
  wp_cabi_core_sig_t sig;
  wp_cabi_func_flatten(&f16, WP_CABI_LIFT, &sig);
  CHECK_EQ(sig.nparams, 16);
  CHECK_EQ(sig.nresults, 1);
  CHECK(!sig.params_indirect && !sig.results_indirect);
  wp_cabi_func_flatten(&f17, WP_CABI_LIFT, &sig);
  CHECK_EQ(sig.nparams, 1);
  CHECK(sig.params_indirect && sig.results_indirect);
  CHECK_EQ(sig.nresults, 1); /* the returned pointer */
  wp_cabi_func_flatten(&f17, WP_CABI_LOWER, &sig);
  CHECK_EQ(sig.nparams, 2); /* params pointer + retptr */
  CHECK_EQ(sig.nresults, 0);
  const wp_cabi_type_t *sp[2] = {P(STRING), P(F64)};
  wp_cabi_func_t fs = {2, NULL, sp, P(F32)};
  wp_cabi_func_flatten(&fs, WP_CABI_LOWER, &sig);
  CHECK_EQ(sig.nparams, 3);
  CHECK_EQ(sig.params[2], WP_CABI_CF64);
  CHECK_EQ(sig.results[0], WP_CABI_CF32);
  wp_cabi_native_args_t na;
  OK(wp_cabi_func_native_args(&fs, &na));
  CHECK_EQ(na.size, 24);
  CHECK_EQ(na.offsets[1], 16);
}

static void test_depth_and_print(void) {
  const wp_cabi_type_t *t = P(U8);
  int i;
  for (i = 0; i < 200 && t; i++) t = wp_cabi_type_list(T, t);
  CHECK(t == NULL);
  CHECK_EQ(i, WP_CABI_MAX_DEPTH);
  CHECK(strstr(wp_cabi_types_error(T), "deeper than") != NULL);
  char buf[128];
  const char *n[] = {"x", "y"};
  const wp_cabi_type_t *r = wp_cabi_type_record(T, 2, n, (const wp_cabi_type_t *[]){
                                                           wp_cabi_type_list(T, P(STRING)),
                                                           wp_cabi_type_result(T, NULL, P(U8))});
  wp_cabi_type_print(r, buf, sizeof buf);
  CHECK(!strcmp(buf, "record { x: list<string>, y: result<_, u8> }"));
}

int main(void) {
  T = wp_cabi_types_new();
  test_prims();
  test_records();
  test_variants();
  test_native_vs_c();
  test_fixed_and_map();
  test_funcs();
  test_depth_and_print();
  wp_cabi_types_delete(T);
  return t_done("cabi_layout");
}
