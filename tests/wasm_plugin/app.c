/*
** app.c — the guest (world `app` of kv.wit): every api function forwards
** to the plugin import of the same shape, so `wasmplug run --invoke`
** drives a value across the guest -> plugin boundary and back.
*/
#include <stdint.h>
#include <stdlib.h>

#include "app.h"

uint32_t exports_test_kv_api_put(test_kv_api_entry_t *e) {
  uint32_t n = test_kv_store_put(e);
  test_kv_store_entry_free(e);
  return n;
}

void exports_test_kv_api_get(app_string_t *key, test_kv_api_outcome_t *ret) {
  test_kv_store_get(key, ret);
  app_string_free(key);
}

void exports_test_kv_api_all(test_kv_api_outcome_t *ret) { test_kv_store_all(ret); }

void exports_test_kv_api_scalar(test_kv_api_scalars_t *s, test_kv_api_scalars_t *ret) { test_kv_store_scalar(s, ret); }

void exports_test_kv_api_pick(test_kv_api_mode_t m, test_kv_api_perms_t p, app_option_string_t *o,
                              app_result_tuple3_mode_perms_string_string_t *ret) {
  test_kv_store_pick(m, p, o, ret);
  app_option_string_free(o);
}

uint32_t exports_test_kv_api_bump(uint32_t by) { return test_kv_counter_bump(by); }
void exports_test_kv_api_nop(void) { test_kv_counter_nop(); }

uint32_t exports_test_kv_api_text(app_string_t *s) {
  uint32_t r = test_kv_counter_text(s);
  app_string_free(s);
  return r;
}

uint32_t exports_test_kv_api_crash(uint32_t how) { return test_kv_counter_crash(how); }

uint32_t exports_test_kv_api_tally(uint32_t start, uint32_t n) {
  test_kv_pool_own_tally_t t = test_kv_pool_constructor_tally(start);
  for (uint32_t i = 1; i <= n; i++) test_kv_pool_method_tally_add(test_kv_pool_borrow_tally(t), i);
  uint32_t peek = test_kv_pool_peek(test_kv_pool_borrow_tally(t));
  uint32_t consumed = test_kv_pool_consume(t); /* t moves into the plugin */
  test_kv_pool_own_tally_t u = test_kv_pool_constructor_tally(7);
  test_kv_pool_tally_drop_own(u); /* the plugin's destructor runs */
  return peek * 1000 + consumed;
}

uint32_t exports_test_kv_api_drops(void) { return test_kv_pool_drops(); }

void exports_test_kv_api_nop_loop(uint32_t n) {
  for (uint32_t i = 0; i < n; i++) test_kv_counter_nop();
}

uint32_t exports_test_kv_api_text_loop(app_string_t *s, uint32_t n) {
  uint32_t sum = 0;
  for (uint32_t i = 0; i < n; i++) sum += test_kv_counter_text(s);
  app_string_free(s);
  return sum;
}
