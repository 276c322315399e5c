/*
** fuzz_component_run.c — libFuzzer target that instantiates AND calls
** components (issue 12, item 3): the decoder fuzzer only loads them, but
** the walks that crashed (type conversion, instantiation, lifting what a
** guest returns) run later.  Each input is a component; it is compiled
** (baseline tier), linked with every import left unknown (calling one
** traps: the guest gets no WASI, no file system, no output), instantiated
** under small limits and a time limit, and every exported function —
** top-level and in exported instances — is called with arguments made up
** from its type (values derived from a hash of the input).  Anything may
** fail or trap; nothing may crash, hang or leak.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cabi/cabi.h"
#include "component/component.h"
#include "component/rt/rt.h"
#include "wasmplug.h"

static wasmplug_engine_t *engine;

typedef struct {
  char *p;
  size_t len, cap;
  bool oom;
} sbuf;

static void put(sbuf *b, const char *s) {
  size_t n = strlen(s);
  if (b->oom) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->len + n + 1) * 2;
    char *q = realloc(b->p, cap);
    if (!q) { b->oom = true; return; }
    b->p = q;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n + 1);
  b->len += n;
}

static uint64_t rng;
static uint32_t next(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (uint32_t)rng;
}

/* A WAVE value of type t; false when the type cannot be made up (handles,
** async values). */
static bool value(sbuf *b, const wp_cabi_type_t *t, int depth) {
  char num[64];
  if (depth > 8) return false;
  switch (t->kind) {
  case WP_CABI_BOOL: put(b, next() & 1 ? "true" : "false"); return true;
  case WP_CABI_S8: case WP_CABI_S16: case WP_CABI_S32: case WP_CABI_S64:
    snprintf(num, sizeof num, "%d", (int)(int8_t)next()); put(b, num); return true;
  case WP_CABI_U8: case WP_CABI_U16: case WP_CABI_U32: case WP_CABI_U64:
    snprintf(num, sizeof num, "%u", next() & (next() & 1 ? 0xff : 0x7)); put(b, num); return true;
  case WP_CABI_F32: case WP_CABI_F64: put(b, next() & 1 ? "1.5" : "-0.0"); return true;
  case WP_CABI_CHAR: put(b, next() & 1 ? "'a'" : "'\\u{1f600}'"); return true;
  case WP_CABI_STRING: put(b, next() & 1 ? "\"\"" : "\"fuzz \\u{e9}\""); return true;
  case WP_CABI_LIST:
  case WP_CABI_FIXED_LIST: {
    if (t->map) return false;
    uint32_t n = t->kind == WP_CABI_FIXED_LIST ? t->length : next() % 4;
    if (n > 64) return false;
    put(b, "[");
    for (uint32_t i = 0; i < n; i++) {
      if (i) put(b, ", ");
      if (!value(b, t->elem, depth + 1)) return false;
    }
    put(b, "]");
    return true;
  }
  case WP_CABI_RECORD:
    put(b, "{");
    for (uint32_t i = 0; i < t->nfields; i++) {
      if (i) put(b, ", ");
      put(b, t->fields[i].name);
      put(b, ": ");
      if (!value(b, t->fields[i].type, depth + 1)) return false;
    }
    put(b, "}");
    return true;
  case WP_CABI_TUPLE:
    put(b, "(");
    for (uint32_t i = 0; i < t->nfields; i++) {
      if (i) put(b, ", ");
      if (!value(b, t->fields[i].type, depth + 1)) return false;
    }
    put(b, ")");
    return true;
  case WP_CABI_VARIANT: {
    if (!t->nfields) return false;
    const wp_cabi_field_t *c = &t->fields[next() % t->nfields];
    put(b, c->name);
    if (c->type) {
      put(b, "(");
      if (!value(b, c->type, depth + 1)) return false;
      put(b, ")");
    }
    return true;
  }
  case WP_CABI_ENUM:
    if (!t->nfields) return false;
    put(b, t->fields[next() % t->nfields].name);
    return true;
  case WP_CABI_FLAGS:
    put(b, "{");
    for (uint32_t i = 0, k = 0; i < t->nfields; i++)
      if (next() & 1) {
        if (k++) put(b, ", ");
        put(b, t->fields[i].name);
      }
    put(b, "}");
    return true;
  case WP_CABI_OPTION:
    if (next() & 1) { put(b, "none"); return true; }
    put(b, "some(");
    if (!value(b, t->elem, depth + 1)) return false;
    put(b, ")");
    return true;
  case WP_CABI_RESULT: {
    bool ok = next() & 1;
    const wp_cabi_type_t *p = ok ? t->elem : t->err;
    put(b, ok ? "ok" : "err");
    if (p) {
      put(b, "(");
      if (!value(b, p, depth + 1)) return false;
      put(b, ")");
    }
    return true;
  }
  default:
    return false; /* own, borrow, stream, future, error-context */
  }
}

static void call(wasmplug_component_instance_t *in, const char *name) {
  wasmplug_component_func_t *f = wasmplug_component_instance_func(in, name);
  if (!f) return;
  const wp_cabi_func_t *ft = wasmplug_component_func_type(f);
  if (ft->nparams > 16) return;
  for (int round = 0; round < 2; round++) {
    sbuf b = {0};
    bool ok = true;
    for (size_t i = 0; i < ft->nparams && ok; i++) {
      if (i) put(&b, ", ");
      ok = value(&b, ft->params[i], 0);
    }
    put(&b, "");
    if (!ok || b.oom) { free(b.p); return; }
    wp_cabi_val_t args[16], result;
    wp_cabi_error_t *e = wp_cabi_wave_parse_args(ft, b.p, b.len, 0, args);
    free(b.p);
    if (e) { wp_cabi_error_delete(e); return; }
    wasmplug_trap_t *t = wasmplug_component_func_call(f, args, ft->nparams, &result);
    for (size_t i = 0; i < ft->nparams; i++) wp_cabi_val_drop(&args[i]);
    if (!t && ft->result) {
      char *text = NULL;
      wp_cabi_error_t *pe = wp_cabi_wave_print(ft->result, &result, &text); /* what the guest returned */
      wp_cabi_error_delete(pe);
      free(text);
      wp_cabi_val_drop(&result);
    }
    wasmplug_trap_delete(t);
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  wasmplug_config_t *c = wasmplug_config_new();
  wasmplug_config_tier_set(c, WASMPLUG_TIER_BASELINE);
  wasmplug_config_timeout_set(c, 1000); /* a guest loop traps, not hangs */
  wasmplug_store_limits_t l = {sizeof l, 0, 64u << 20, 100000, 200, 10000, 16u << 20};
  wasmplug_config_limits_set(c, &l);
  wasmplug_error_t *e = wasmplug_engine_new(c, &engine);
  wasmplug_config_delete(c);
  if (e) {
    fprintf(stderr, "engine: %s\n", wasmplug_error_message(e));
    abort();
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!wasmplug_bytes_is_component(data, size)) return 0;
  rng = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < size; i += 61) rng = (rng ^ data[i]) * 0x100000001b3ull;
  if (!rng) rng = 1;
  wasmplug_component_t *comp = NULL;
  wasmplug_error_t *e = wasmplug_component_new(engine, data, size, "fuzz.wasm", &comp);
  if (e) {
    if (strchr(wasmplug_error_message(e), '\n')) abort(); /* one line */
    wasmplug_error_delete(e);
    return 0;
  }
  wasmplug_component_linker_t *l = wasmplug_component_linker_new(engine);
  wasmplug_component_linker_allow_unknown_imports(l, true);
  wasmplug_component_instance_t *in = NULL;
  wasmplug_trap_t *t = NULL;
  wasmplug_component_linker_instantiate(l, comp, &in, &e, &t);
  wasmplug_error_delete(e);
  wasmplug_trap_delete(t);
  if (in) {
    const wp_comp *c = rt_component_def(comp);
    char name[600];
    for (uint32_t i = 0; i < c->nexports && i < 64; i++) {
      const wp_comp_export *x = &c->exports[i];
      if (x->ext.sort == WP_COMP_SORT_FUNC) {
        snprintf(name, sizeof name, "%.*s", (int)x->ext.name.len, x->ext.name.ptr);
        call(in, name);
      } else if (x->ext.sort == WP_COMP_SORT_INSTANCE && x->ext.type) {
        const wp_comp_type *it = x->ext.type;
        for (uint32_t k = 0; k < it->nexports && k < 64; k++)
          if (it->exports[k].sort == WP_COMP_SORT_FUNC) {
            snprintf(name, sizeof name, "%.*s#%.*s", (int)x->ext.name.len, x->ext.name.ptr,
                     (int)it->exports[k].name.len, it->exports[k].name.ptr);
            call(in, name);
          }
      }
    }
    wasmplug_component_instance_delete(in);
  }
  wasmplug_component_linker_delete(l);
  wasmplug_component_delete(comp);
  return 0;
}
