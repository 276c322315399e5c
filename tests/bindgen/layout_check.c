/*
** layout_check.c — the generated C types have exactly the layout the rules
** say, checked at compile time.  Compiled twice from tests/bindgen/wit/
** all-types.wit bindings:
**   natively (LP64) against the plugin header: cabi.h's "Native layout";
**   for wasm32 against the guest header: the canonical ABI's memory layout
**   (CanonicalABI.md: elem_size/alignment), which the guest hands over as is.
** Every expected number below was worked out by hand from those rules (the
** comments show the arithmetic), not read back from the generator.
** The native build also compares with the cabi layer's own layout at run
** time, i.e. with what the loader really passes.
*/
#include <stddef.h>

#ifdef __wasm32__
#include "all.h"
#define ANON(x) all_##x
#define W(wasm, native) (wasm)
#else
#include "test_all.h"
#define ANON(x) test_all_##x
#define W(wasm, native) (native)
#endif

#define SIZE(T, n) _Static_assert(sizeof(T) == (n), "sizeof " #T)
#define ALIGN(T, n) _Static_assert(_Alignof(T) == (n), "alignof " #T)
#define OFF(T, f, n) _Static_assert(offsetof(T, f) == (n), "offsetof " #T "." #f)

/* string/list: {ptr, len}: wasm 4+4, LP64 8+8 */
SIZE(ANON(string_t), W(8, 16));
ALIGN(ANON(string_t), W(4, 8));
OFF(ANON(string_t), len, W(4, 8));

/* record point { x: s32, y: s32 } */
SIZE(test_all_types_point_t, 8);
OFF(test_all_types_point_t, y, 4);

/* record mixed: a u8 @0 | b u64 @8 | c f32 @16 | d string @20 (wasm) / @24 |
** e list @28 / @40 | default bool @36 / @56 | char u32 @40 / @60 |
** for s16 @44 / @64 | int f64 @48 / @72 | end 56 / 80, align 8 */
OFF(test_all_types_mixed_t, a, 0);
OFF(test_all_types_mixed_t, b, 8);
OFF(test_all_types_mixed_t, c, 16);
OFF(test_all_types_mixed_t, d, W(20, 24));
OFF(test_all_types_mixed_t, e, W(28, 40));
OFF(test_all_types_mixed_t, default_, W(36, 56));
OFF(test_all_types_mixed_t, char_, W(40, 60));
OFF(test_all_types_mixed_t, for_, W(44, 64));
OFF(test_all_types_mixed_t, int_, W(48, 72));
SIZE(test_all_types_mixed_t, W(56, 80));
ALIGN(test_all_types_mixed_t, 8);

/* flags: 3 labels -> 1 byte, 9 -> 2, 17 -> 4; enum of 3 -> 1 */
SIZE(test_all_types_small_t, 1);
SIZE(test_all_types_medium_t, 2);
SIZE(test_all_types_large_t, 4);
SIZE(test_all_types_color_t, 1);
_Static_assert(TEST_ALL_TYPES_LARGE_L16 == (1u << 16), "flag bit 16");
_Static_assert(TEST_ALL_TYPES_COLOR_BLUE == 2, "enum case index");

/* variant shape: 6 cases -> u8 tag; payloads f32 (4,4), tuple<f64,f64>
** (16,8), string (8,4 / 16,8), u64 (8,8), bool (1,1): max size 16, max
** align 8 -> payload @8, size 8+16 = 24 on both sides */
OFF(test_all_types_shape_t, tag, 0);
OFF(test_all_types_shape_t, val, 8);
SIZE(test_all_types_shape_t, 24);
_Static_assert(TEST_ALL_TYPES_SHAPE_FLAG == 5, "variant case index");

/* variant joined: f32, u32, s64, f64, s8 -> payload @8, size 16 */
OFF(test_all_types_joined_t, val, 8);
SIZE(test_all_types_joined_t, 16);

/* option<option<u8>>: inner {bool, u8} = 2 (align 1); outer {bool, inner@1} = 3 */
SIZE(ANON(option_option_u8_t), 3);
OFF(ANON(option_option_u8_t), val, 1);

/* result<u16, string>: payload align 4 / 8 -> @4 / @8; size 4+8 = 12 / 8+16 = 24 */
OFF(ANON(result_u16_string_t), val, W(4, 8));
SIZE(ANON(result_u16_string_t), W(12, 24));

/* result<_, color>: {bool, u8 @1} = 2 */
SIZE(ANON(result_void_color_t), 2);
OFF(ANON(result_void_color_t), val, 1);

/* tuple<u8, string, option<point>>: u8 @0 | string @4 / @8 |
** option<point> {bool, point@4} = 12 (align 4) @12 / @24 | end 24 / 36 -> 40 */
OFF(ANON(tuple3_u8_string_option_alias_point_t), f1, W(4, 8));
OFF(ANON(tuple3_u8_string_option_alias_point_t), f2, W(12, 24));
SIZE(ANON(tuple3_u8_string_option_alias_point_t), W(24, 40));

/* result<list<point>, string>: payload @4 / @8, size 12 / 24 */
SIZE(ANON(result_list_point_string_t), W(12, 24));

/* own<counter>, borrow<counter>: one 32-bit handle / rep */
SIZE(test_all_res_own_counter_t, 4);
SIZE(test_all_res_borrow_counter_t, 4);

/* record wrapped { v: f32 }: one f32 */
SIZE(test_all_types_wrapped_t, 4);

/* map<string, u32>: a list of {string key, u32 value} entries: entry
** 8+4 = 12 (align 4) / 16+4 -> 24 (align 8); the map itself is {ptr, len} */
SIZE(test_all_types_scores_entry_t, W(12, 24));
OFF(test_all_types_scores_entry_t, value, W(8, 16));
SIZE(test_all_types_scores_t, W(8, 16));
/* record grid { cells: list<u16, 3>, names: list<string, 2> }: cells 3*2 = 6
** @0 | names 2*8 = 16 (align 4) @8 / 2*16 = 32 (align 8) @8 | 24 / 40 */
OFF(test_all_types_grid_t, names, 8);
SIZE(test_all_types_grid_t, W(24, 40));
SIZE(ANON(list_u8_4_t), 4);
ALIGN(ANON(list_u8_4_t), 1);

#ifndef __wasm32__
/* ---- run time: the cabi layer's native layout (what the loader passes) ---- */
#include <stdio.h>

#include "cabi/cabi.h"

static int failures;
static void expect(const char *what, size_t got, size_t want) {
  if (got != want) {
    fprintf(stderr, "layout_check: %s: generated %zu, cabi layer %zu\n", what, got, want);
    failures++;
  }
}

int main(void) {
  wp_cabi_types_t *t = wp_cabi_types_new();
  const wp_cabi_type_t *u8 = wp_cabi_type_prim(t, WP_CABI_U8), *u64 = wp_cabi_type_prim(t, WP_CABI_U64),
                       *f32 = wp_cabi_type_prim(t, WP_CABI_F32), *f64 = wp_cabi_type_prim(t, WP_CABI_F64),
                       *s16 = wp_cabi_type_prim(t, WP_CABI_S16), *s32 = wp_cabi_type_prim(t, WP_CABI_S32),
                       *u16 = wp_cabi_type_prim(t, WP_CABI_U16), *str = wp_cabi_type_prim(t, WP_CABI_STRING),
                       *bo = wp_cabi_type_prim(t, WP_CABI_BOOL), *ch = wp_cabi_type_prim(t, WP_CABI_CHAR);
  const char *pn[] = {"x", "y"};
  const wp_cabi_type_t *pt[] = {s32, s32};
  const wp_cabi_type_t *point = wp_cabi_type_record(t, 2, pn, pt);
  const char *mn[] = {"a", "b", "c", "d", "e", "default", "char", "for", "int"};
  const wp_cabi_type_t *mt[] = {u8, u64, f32, str, wp_cabi_type_list(t, point), bo, ch, s16, f64};
  const wp_cabi_type_t *mixed = wp_cabi_type_record(t, 9, mn, mt);
  expect("sizeof mixed", sizeof(test_all_types_mixed_t), mixed->native.size);
  size_t offs[] = {offsetof(test_all_types_mixed_t, a), offsetof(test_all_types_mixed_t, b),
                   offsetof(test_all_types_mixed_t, c), offsetof(test_all_types_mixed_t, d),
                   offsetof(test_all_types_mixed_t, e), offsetof(test_all_types_mixed_t, default_),
                   offsetof(test_all_types_mixed_t, char_), offsetof(test_all_types_mixed_t, for_),
                   offsetof(test_all_types_mixed_t, int_)};
  for (int i = 0; i < 9; i++) expect(mn[i], offs[i], mixed->fields[i].native_offset);
  const char *sn[] = {"nothing", "circle", "rect", "label", "id", "flag"};
  const wp_cabi_type_t *rect_f[] = {f64, f64};
  const wp_cabi_type_t *st[] = {NULL, f32, wp_cabi_type_tuple(t, 2, rect_f), str, u64, bo};
  const wp_cabi_type_t *shape = wp_cabi_type_variant(t, 6, sn, st);
  expect("sizeof shape", sizeof(test_all_types_shape_t), shape->native.size);
  const wp_cabi_type_t *scores = wp_cabi_type_map(t, str, wp_cabi_type_prim(t, WP_CABI_U32));
  expect("sizeof scores", sizeof(test_all_types_scores_t), scores->native.size);
  expect("sizeof scores entry", sizeof(test_all_types_scores_entry_t), scores->elem->native.size);
  expect("scores value", offsetof(test_all_types_scores_entry_t, value), scores->elem->fields[1].native_offset);
  const char *gn[] = {"cells", "names"};
  const wp_cabi_type_t *gt[] = {wp_cabi_type_fixed_list(t, u16, 3), wp_cabi_type_fixed_list(t, str, 2)};
  const wp_cabi_type_t *grid = wp_cabi_type_record(t, 2, gn, gt);
  expect("sizeof grid", sizeof(test_all_types_grid_t), grid->native.size);
  expect("grid names", offsetof(test_all_types_grid_t, names), grid->fields[1].native_offset);
  expect("shape payload", offsetof(test_all_types_shape_t, val), shape->native_payload_offset);
  const wp_cabi_type_t *oou8 = wp_cabi_type_option(t, wp_cabi_type_option(t, u8));
  expect("sizeof option<option<u8>>", sizeof(ANON(option_option_u8_t)), oou8->native.size);
  const wp_cabi_type_t *r16 = wp_cabi_type_result(t, u16, str);
  expect("sizeof result<u16,string>", sizeof(ANON(result_u16_string_t)), r16->native.size);
  expect("result<u16,string> payload", offsetof(ANON(result_u16_string_t), val), r16->native_payload_offset);
  const wp_cabi_type_t *tt[] = {u8, str, wp_cabi_type_option(t, point)};
  const wp_cabi_type_t *tup = wp_cabi_type_tuple(t, 3, tt);
  expect("sizeof tuple3", sizeof(ANON(tuple3_u8_string_option_alias_point_t)), tup->native.size);
  expect("tuple3.f2", offsetof(ANON(tuple3_u8_string_option_alias_point_t), f2), tup->fields[2].native_offset);
  const char *ln[17] = {"l0", "l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8", "l9", "l10", "l11", "l12", "l13",
                        "l14", "l15", "l16"};
  expect("sizeof large", sizeof(test_all_types_large_t), wp_cabi_type_flags(t, 17, ln)->native.size);
  wp_cabi_types_delete(t);
  printf("layout_check: static layout asserts compiled; %d run-time mismatches with the cabi layer\n", failures);
  return failures ? 1 : 0;
}
#endif
