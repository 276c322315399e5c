/*
** core_test.h — what the engine's C tests share (core/test_engine.c,
** core/test_fuel.c, security/test_api.c, ...): CHECK (tests/check.h),
** their test modules read and compiled, and a wrapper for the optimized
** tier's compiler.
*/
#ifndef WASMPLUG_CORE_TEST_H
#define WASMPLUG_CORE_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../fixture.h" /* read_fixture */
#include "wasmplug.h"
#include "../check.h"

/* A new engine made with `cfg`, which it deletes; exits when the engine
** cannot be made (every test that builds its own engine needs one). */
static inline wasmplug_engine_t *core_test_engine(wasmplug_config_t *cfg) {
  wasmplug_engine_t *engine = NULL;
  wasmplug_error_t *e = wasmplug_engine_new(cfg, &engine);
  wasmplug_config_delete(cfg);
  if (e) {
    fprintf(stderr, "engine: %s\n", wasmplug_error_message(e));
    wasmplug_error_delete(e);
    exit(2);
  }
  return engine;
}

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

/* An instance of `module` from `linker`; exits when instantiation fails or
** traps (a fixture that does not instantiate is not what a test checks). */
static inline wasmplug_instance_t *core_test_instance(wasmplug_linker_t *linker, wasmplug_module_t *module) {
  wasmplug_instance_t *in = NULL;
  wasmplug_error_t *e = NULL;
  wasmplug_trap_t *t = NULL;
  wasmplug_linker_instantiate(linker, module, NULL, &in, &e, &t);
  if (e || t) {
    fprintf(stderr, "instantiate: %s\n", e ? wasmplug_error_message(e) : wasmplug_trap_message(t));
    exit(2);
  }
  return in;
}

/* Writes v as unsigned LEB128 at p; its length in bytes (the tests that
** build modules byte by byte). */
static inline size_t core_test_uleb(uint8_t *p, uint32_t v) {
  size_t n = 0;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    p[n++] = b | (v ? 0x80 : 0);
  } while (v);
  return n;
}

/* Makes `script` a shell script that runs the shell line `before` and then
** cc with the same arguments, and points WASMPLUG_CC at it: the tests see
** or disturb what the optimized tier's compiler is given.  Exits when the
** script cannot be written. */
static inline void core_test_cc_wrapper(const char *script, const char *before) {
  FILE *f = fopen(script, "w");
  if (!f) {
    fprintf(stderr, "cannot write %s\n", script);
    exit(2);
  }
  fprintf(f, "#!/bin/sh\n%s\nexec cc \"$@\"\n", before);
  fclose(f);
  chmod(script, 0755);
  setenv("WASMPLUG_CC", script, 1);
}

/* The wrapper of core.tier_up and core.tier_up.hot, in `dir`: its first
** link (once: mkdir is atomic; `dir`/linked-once marks it) kills the
** builder's whole process group, as `kill -9 -PGID` of a user would, so a
** build dies midway (units compiled, no module linked). */
static inline void core_test_killing_cc(const char *dir) {
  char script[4200], line[4400];
  snprintf(script, sizeof script, "%s/kill-cc.sh", dir);
  snprintf(line, sizeof line,
           "case \" $* \" in *\" -shared \"*) mkdir \"%s/linked-once\" 2>/dev/null && kill -KILL 0 ;; esac", dir);
  core_test_cc_wrapper(script, line);
}

#endif
