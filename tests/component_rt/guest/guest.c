/*
** guest.c — the component runtime tests' C guest (world `guest` of
** rt.wit), built on bindings from `wasmplug bindgen c --guest`.  Every api
** export forwards its arguments to the host import of the same shape, so
** each value type crosses an export call and an import call; the bindings
** free what the guest owns.
*/
#include <stdint.h>
#include <stdlib.h>

#include "guest.h"

void exports_test_rt_api_scalar(test_rt_api_scalars_t *s, test_rt_api_scalars_t *ret) { test_rt_host_scalar(s, ret); }

void exports_test_rt_api_text(guest_string_t *s, guest_list_string_t *l, guest_tuple2_string_u32_t *ret) {
  test_rt_host_text(s, l, ret);
  guest_string_free(s);
  guest_list_string_free(l);
}

void exports_test_rt_api_bytes(guest_list_u8_t *b, guest_list_u8_t *ret) {
  test_rt_host_bytes(b, ret);
  guest_list_u8_free(b);
}

void exports_test_rt_api_points(guest_list_point_t *p, guest_list_point_t *ret) {
  test_rt_host_points(p, ret);
  guest_list_point_free(p);
}

void exports_test_rt_api_opts(guest_option_option_u32_t *o, guest_result_string_color_t *r,
                              guest_result_option_string_shape_t *ret) {
  test_rt_host_opts(o, r, ret);
  guest_result_string_color_free(r);
}

void exports_test_rt_api_flagged(test_rt_api_perms_t p, test_rt_api_wide_t w, guest_tuple2_perms_wide_t *ret) {
  test_rt_host_flagged(p, w, ret);
}

void exports_test_rt_api_shapes(guest_list_shape_t *s, guest_list_shape_t *ret) {
  test_rt_host_shapes(s, ret);
  guest_list_shape_free(s);
}

void exports_test_rt_api_many(uint32_t a1, uint64_t a2, float a3, double a4, uint8_t a5, int16_t a6, uint32_t a7,
                              uint32_t a8, uint32_t a9, uint32_t a10, uint32_t a11, uint32_t a12, uint32_t a13,
                              uint32_t a14, uint32_t a15, uint32_t a16, guest_string_t *a17, guest_string_t *ret) {
  test_rt_host_many(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, ret);
  guest_string_free(a17);
}

void exports_test_rt_api_nothing(void) { test_rt_host_nothing(); }

uint32_t exports_test_rt_api_count(uint32_t start, uint32_t n) {
  test_rt_host_own_counter_t c = test_rt_host_constructor_counter(start);
  for (uint32_t i = 0; i < n; i++) test_rt_host_method_counter_inc(test_rt_host_borrow_counter(c), 1);
  uint32_t t = test_rt_host_total(test_rt_host_borrow_counter(c));
  /* n > 1000 leaks the handle on purpose: the instance's teardown must
  ** run the host destructor. */
  if (n <= 1000) test_rt_host_counter_drop_own(c);
  return t;
}

static volatile uint32_t zero;

uint32_t exports_test_rt_api_crash(uint32_t how) {
  switch (how) {
  case 0: __builtin_trap();
  case 1: return (how * 12345u + 7u) / zero; /* not foldable: a real i32.div_u */
  case 2: return *(volatile uint32_t *)(uintptr_t)0xfffffff0u;
  default: return how;
  }
}
