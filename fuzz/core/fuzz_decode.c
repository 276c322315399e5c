/*
** fuzz_decode.c — libFuzzer target: the core module decoder on any bytes.
** It must never crash, read out of bounds, leak or allocate more than the
** input justifies.  (Decoding only: compiling runs wasm2c, too slow here.)
*/
#include <stdint.h>
#include <stdlib.h>

#include "../../src/core/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wp_modinfo_t info;
  char *err = wp_modinfo_decode(data, size, "fuzz.wasm", &info);
  if (err) {
    free(err);
    return 0;
  }
  /* Walk what was decoded, as the linker would. */
  for (uint32_t i = 0; i < info.nimports; i++) {
    wasmplug_externtype_t t;
    wp_modinfo_import_type(&info, i, &t);
  }
  for (uint32_t i = 0; i < info.nexports; i++) {
    wasmplug_externtype_t t;
    wp_modinfo_export_type(&info, i, &t);
  }
  wp_modinfo_free(&info);
  return 0;
}
