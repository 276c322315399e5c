/*
** fuzz_wit_parser.c — libFuzzer target: parse and resolve any bytes as
** one WIT document (nested packages included).  Errors must come back as
** values with a location inside the input; never a crash, hang or leak.
*/
#include <stdint.h>
#include <stdlib.h>

#include "wit/wit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wp_wit_resolve_t *r = wp_wit_resolve_new();
  if (!r) return 0;
  wp_wit_error_t *err = NULL;
  uint32_t pkg;
  if (wp_wit_push_str(r, "fuzz.wit", (const char *)data, size, &pkg, &err)) {
    if (err && (!err->message || !err->rendered)) abort();
    if (err && err->file && (err->line == 0 || err->col == 0)) abort();
    wp_wit_error_delete(err);
  }
  wp_wit_resolve_delete(r);
  return 0;
}
