/*
** logger.c — the logger wasm plugin (world `logger` of kv.wit): imports
** test:kv/counter from the plugin listed before it and exports it again,
** marking each answer (+1000000 on bump) and counting the calls it saw,
** so a test can tell the stacked path from the direct one.
*/
#include <stdint.h>

#include "logger.h"

static uint32_t seen;

uint32_t exports_test_kv_counter_bump(uint32_t by) {
  seen++;
  return test_kv_counter_bump(by) + 1000000u;
}

void exports_test_kv_counter_nop(void) { test_kv_counter_nop(); }

uint32_t exports_test_kv_counter_text(logger_string_t *s) {
  uint32_t r = test_kv_counter_text(s);
  logger_string_free(s);
  return r;
}

uint32_t exports_test_kv_counter_crash(uint32_t how) { return test_kv_counter_crash(how) + seen * 0; }
