/*
** harness.c — see harness.h.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

char h_trap[1024];
char h_last_log[1024];

struct wasmplug_plugin_config {
  const char *allow;
};

typedef struct blk { struct blk *next; max_align_t data[]; } blk_t;

struct wasmplug_plugin_call {
  void *state;
  blk_t *blocks;
};

static void *h_alloc_fn(wasmplug_plugin_call_t *call, size_t size, size_t align) {
  if (align > sizeof(max_align_t)) return NULL;
  blk_t *b = malloc(sizeof *b + (size ? size : 1));
  if (!b) return NULL;
  b->next = call->blocks;
  call->blocks = b;
  return b->data;
}

static int h_trap_fn(wasmplug_plugin_call_t *call, const char *fmt, ...) {
  (void)call;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(h_trap, sizeof h_trap, fmt, ap);
  va_end(ap);
  return WASMPLUG_TRAP;
}

static void h_log_fn(const wasmplug_plugin_config_t *c, wasmplug_log_level_t level, const char *fmt, ...) {
  (void)c, (void)level;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(h_last_log, sizeof h_last_log, fmt, ap);
  va_end(ap);
}

static const char *h_config_get(const wasmplug_plugin_config_t *c, const char *name) {
  return !strcmp(name, "allow") ? c->allow : NULL;
}

static void *h_state_fn(wasmplug_plugin_call_t *call) { return call->state; }

static const wasmplug_host_api_t host = {
    sizeof(wasmplug_host_api_t), WASMPLUG_PLUGIN_ABI_MAJOR, WASMPLUG_PLUGIN_ABI_MINOR, "dl-test",
    h_alloc_fn, h_trap_fn, h_log_fn, h_config_get, h_state_fn,
    NULL, NULL, NULL, /* 1.1: exit, call_func, deadline (this test host has none) */
    NULL,             /* 1.2: service (no other plugins to serve) */
    /* 1.3: async (none either) */
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, /* 1.4: interrupted */
};

static const wasmplug_plugin_t *desc;
static wasmplug_plugin_config_t config;
static void *plugin_state, *inst;
/* Call memory lives until the next h_call (results may point into it). */
static wasmplug_plugin_call_t last_call;

bool h_start(const char *allow) {
  desc = wp_dl_plugin_entry(&host);
  if (!desc || desc->magic != WASMPLUG_PLUGIN_MAGIC || desc->abi_major != WASMPLUG_PLUGIN_ABI_MAJOR) return false;
  /* default: the declared default of `allow` */
  config.allow = allow;
  if (!allow)
    for (uint32_t i = 0; i < desc->noptions; i++)
      if (!strcmp(desc->options[i].name, "allow")) config.allow = desc->options[i].default_value;
  const char *err = NULL;
  if (desc->init(&host, &config, &plugin_state, &err)) return false;
  if (desc->instance_new(plugin_state, &config, &inst, &err)) {
    desc->fini(plugin_state);
    return false;
  }
  return true;
}

static void free_call(void) {
  for (blk_t *b = last_call.blocks, *n; b; b = n) n = b->next, free(b);
  last_call.blocks = NULL;
}

void h_stop(void) {
  free_call();
  desc->instance_drop(inst);
  desc->fini(plugin_state);
}

int h_call(const char *iface, const char *func, const void *params, void *result, size_t rsize) {
  char name[256];
  snprintf(name, sizeof name, "wasi:dl/%s@0.2.0-draft#%s", iface, func);
  free_call();
  h_trap[0] = 0;
  if (result) memset(result, 0, rsize);
  for (uint32_t i = 0; i < desc->nfuncs; i++)
    if (!strcmp(desc->funcs[i].name, name)) {
      last_call.state = inst;
      return desc->funcs[i].fn(inst, &last_call, params, result);
    }
  fprintf(stderr, "no function %s\n", name);
  abort();
}

void h_drop(const char *iface, const char *resource, uint32_t rep) {
  char name[256];
  snprintf(name, sizeof name, "wasi:dl/%s@0.2.0-draft#%s", iface, resource);
  for (uint32_t i = 0; i < desc->nresources; i++)
    if (!strcmp(desc->resources[i].name, name)) {
      desc->resources[i].drop(inst, rep);
      return;
    }
  fprintf(stderr, "no resource %s\n", name);
  abort();
}

h_ffi_type_t h_prim(uint8_t p) {
  h_ffi_type_t t;
  memset(&t, 0, sizeof t);
  t.tag = 0;
  t.val.prim = p;
  return t;
}

h_ffi_type_t h_struct(uint32_t rep) {
  h_ffi_type_t t;
  memset(&t, 0, sizeof t);
  t.tag = 1;
  t.val.rep = rep;
  return t;
}

uint32_t h_struct_type(const h_ffi_type_t *fields, size_t n) {
  h_types_t p = {(h_ffi_type_t *)fields, n};
  uint32_t rep;
  return h_call("ffi", "[constructor]struct-type", &p, &rep, sizeof rep) ? 0 : rep;
}

uint32_t h_out(uint8_t prim) {
  uint8_t p = prim;
  uint32_t rep;
  return h_call("ffi", "[constructor]outgoing-primitive", &p, &rep, sizeof rep) ? 0 : rep;
}

static bool set(const char *m, const void *params) {
  h_res_void_t r;
  return !h_call("ffi", m, params, &r, sizeof r) && !r.is_err;
}
bool h_set_s64(uint32_t o, int64_t v) {
  struct { uint32_t self; int64_t v; } p = {o, v};
  return set("[method]outgoing-primitive.set-s64", &p);
}
bool h_set_u64(uint32_t o, uint64_t v) {
  struct { uint32_t self; uint64_t v; } p = {o, v};
  return set("[method]outgoing-primitive.set-u64", &p);
}
bool h_set_f64(uint32_t o, double v) {
  struct { uint32_t self; double v; } p = {o, v};
  return set("[method]outgoing-primitive.set-f64", &p);
}
bool h_set_f32(uint32_t o, float v) {
  struct { uint32_t self; float v; } p = {o, v};
  return set("[method]outgoing-primitive.set-f32", &p);
}
bool h_set_addr(uint32_t o, uint32_t alloc) {
  h_self_rep_t p = {o, alloc};
  return set("[method]outgoing-primitive.set-addr", &p);
}

h_value_t h_vprim(uint32_t rep) {
  h_value_t v;
  memset(&v, 0, sizeof v);
  v.val.rep = rep;
  return v;
}
h_value_t h_vstruct(uint32_t rep) {
  h_value_t v = h_vprim(rep);
  v.tag = 1;
  return v;
}

uint32_t h_out_struct(h_value_t *fields, size_t n) {
  h_values_t p = {fields, n};
  uint32_t rep;
  return h_call("ffi", "[constructor]outgoing-struct", &p, &rep, sizeof rep) ? 0 : rep;
}

uint32_t h_alloc(h_ffi_type_t ty) {
  h_res_rep_t r;
  if (h_call("ffi", "[static]alloc.new", &ty, &r, sizeof r) || r.is_err) return 0;
  return r.val.ok;
}

static void copy_err(const h_res_rep_string_t *r, char *err, size_t cap) {
  snprintf(err, cap, "%.*s", (int)r->val.err.len, (const char *)r->val.err.ptr);
}

uint32_t h_lib(const char *name, uint8_t flags, char *err, size_t cap) {
  h_open_t p;
  memset(&p, 0, sizeof p);
  if (name) {
    p.name.is_some = true;
    p.name.val.ptr = (uint8_t *)name;
    p.name.val.len = strlen(name);
  }
  p.flags = flags;
  h_res_rep_string_t r;
  if (err && cap) err[0] = 0;
  if (h_call("dll", "[static]library.open", &p, &r, sizeof r)) {
    snprintf(err, cap, "trap: %s", h_trap);
    return 0;
  }
  if (r.is_err) return copy_err(&r, err, cap), 0;
  return r.val.ok;
}

uint32_t h_sym(uint32_t lib, const char *name, char *err, size_t cap) {
  h_self_string_t p = {lib, {(uint8_t *)name, strlen(name)}};
  h_res_rep_string_t r;
  if (err && cap) err[0] = 0;
  if (h_call("dll", "[method]library.get", &p, &r, sizeof r)) {
    snprintf(err, cap, "trap: %s", h_trap);
    return 0;
  }
  if (r.is_err) return copy_err(&r, err, cap), 0;
  return r.val.ok;
}

uint32_t h_func(uint32_t sym, const h_ffi_type_t *args, size_t n, const h_ffi_type_t *ret) {
  h_sig_t p;
  memset(&p, 0, sizeof p);
  p.self = sym;
  p.args.ptr = (h_ffi_type_t *)args;
  p.args.len = n;
  if (ret) p.ret.is_some = true, p.ret.val = *ret;
  uint32_t rep;
  return h_call("dll", "[method]symbol.get-function", &p, &rep, sizeof rep) ? 0 : rep;
}

int h_invoke(uint32_t fn, h_value_t *args, size_t n, h_value_t *out) {
  h_call_t p = {fn, {args, n}};
  h_res_opt_value_t r;
  if (h_call("dll", "[method]function.call", &p, &r, sizeof r)) return 2;
  if (r.is_err) return 1;
  if (out) {
    *out = r.val.ok.val;
    if (!r.val.ok.is_some) out->tag = 0xff;
  }
  return 0;
}

#define GET(NAME, T, M)                                                                               \
  bool h_get_##NAME(uint32_t in, T *v) {                                                              \
    h_self_t p = {in};                                                                                \
    struct { bool is_err; T ok; } r;                                                                  \
    if (h_call("ffi", "[method]incoming-primitive.get-" M, &p, &r, sizeof r) || r.is_err) return false; \
    *v = r.ok;                                                                                        \
    return true;                                                                                      \
  }
GET(s64, int64_t, "s64")
GET(u64, uint64_t, "u64")
GET(f64, double, "f64")
GET(f32, float, "f32")

size_t h_fields(uint32_t in, h_value_t *out, size_t cap) {
  h_self_t p = {in};
  h_values_t r;
  if (h_call("ffi", "[method]incoming-struct.fields", &p, &r, sizeof r)) return 0;
  size_t n = r.len < cap ? r.len : cap;
  memcpy(out, r.ptr, n * sizeof *out);
  return r.len;
}
