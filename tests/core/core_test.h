/*
** core_test.h — what the engine's C tests share (core/test_engine.c,
** core/test_fuel.c, security/test_api.c, ...): CHECK (tests/check.h) and
** their test modules read and compiled.
*/
#ifndef WASMPLUG_CORE_TEST_H
#define WASMPLUG_CORE_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../fixture.h" /* read_fixture */
#include "wasmplug.h"
#include "../check.h"

/* Module `name` of folder `dir` compiled by `engine`; exits when it
** cannot be (a fixture that does not load is not what a test checks). */
static inline wasmplug_module_t *core_test_module(wasmplug_engine_t *engine, const char *dir, const char *name) {
  size_t len;
  uint8_t *b = read_fixture(dir, name, &len);
  wasmplug_module_t *m = NULL;
  wasmplug_error_t *e = wasmplug_module_new(engine, b, len, name, &m);
  free(b);
  if (e) {
    fprintf(stderr, "load %s: %s\n", name, wasmplug_error_message(e));
    wasmplug_error_delete(e);
    exit(2);
  }
  return m;
}

#endif
