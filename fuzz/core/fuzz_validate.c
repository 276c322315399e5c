/*
** fuzz_validate.c — libFuzzer target: the core validator (decode.c,
** validate.c, validate_code.c) on any bytes, and the own translator on
** whatever validates.
**
** Any input must be accepted or refused with one line naming the module
** and an offset inside it; nothing may read out of bounds, leak or crash.
** A module that validates is translated to C in both shapes (baseline and
** optimized) unless it uses a proposal the translator refuses up front:
** the translator must not fail on a valid module.  (Compiling the C is
** left out: far too slow for fuzzing.)  Seeds: generated modules
** (tests/core/diff/gen.mjs), the engine's test modules and the rule cases
** (see fuzz/README.md).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/internal.h"
#include "../../src/core/translate.h"

static void check_message(const char *err, size_t size) {
  /* "fuzz.wasm: invalid module at offset 0xOFF: what", one line */
  const char *head = "fuzz.wasm: ";
  if (strncmp(err, head, strlen(head)) || strchr(err, '\n')) {
    fprintf(stderr, "bad message: %s\n", err);
    abort();
  }
  const char *at = strstr(err, "at offset 0x");
  if (at) {
    unsigned long off = strtoul(at + strlen("at offset 0x"), NULL, 16);
    if (off > size) {
      fprintf(stderr, "offset 0x%lx past the end (%zu bytes): %s\n", off, size, err);
      abort();
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wasmplug_module_t m;
  memset(&m, 0, sizeof m);
  m.name = "fuzz.wasm";
  m.bytes = (uint8_t *)data;
  m.len = size;
  char *err = wp_modinfo_decode(data, size, m.name, &m.info);
  if (!err) err = wp_modinfo_validate(data, size, m.name, &m.info);
  if (err) {
    check_message(err, size);
    free(err);
    wp_modinfo_free(&m.info);
    return 0;
  }
  if (!(m.info.features & wp_translate_unsupported())) {
    for (int baseline = 0; baseline < 2; baseline++) {
      wp_xlate_opts_t o = {baseline != 0, baseline ? 0 : 4096, false, false, NULL};
      wp_xlate_t x;
      char *terr = wp_translate(&m, &o, &x);
      if (terr) {
        fprintf(stderr, "a valid module does not translate: %s\n", terr);
        abort();
      }
      wp_xlate_free(&x);
    }
  }
  wp_modinfo_free(&m.info);
  return 0;
}
