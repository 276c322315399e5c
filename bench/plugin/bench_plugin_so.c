/*
** bench_plugin_so.c — the plugin the benchmark calls: the same functions
** are called by a guest (through the loader) and by a native C loop.
*/
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "wasmplug/plugin.h"

static const wasmplug_host_api_t *host;

static const char wit[] =
    "package bench:plugin@1.0.0;\n"
    "interface api {\n"
    "  resource obj {\n"
    "    constructor(v: u32);\n"
    "    get: func() -> u32;\n"
    "    get-flat: func() -> u32;\n"
    "  }\n"
    "  nop: func();\n"
    "  inc: func(x: u32) -> u32;\n"
    "  inc-flat: func(x: u32) -> u32;\n"
    "  echo: func(s: string) -> string;\n"
    "  len: func(s: string) -> u32;\n"
    "  sum: func(l: list<u8>) -> u32;\n"
    "}\n";

typedef struct { uint8_t *ptr; size_t len; } bytes_t;

static int f_nop(void *s, wasmplug_plugin_call_t *c, const void *p, void *r) {
  (void)s; (void)c; (void)p; (void)r;
  return WASMPLUG_OK;
}

static int f_inc(void *s, wasmplug_plugin_call_t *c, const void *p, void *r) {
  (void)s; (void)c;
  *(uint32_t *)r = *(const uint32_t *)p + 1;
  return WASMPLUG_OK;
}

static int f_echo(void *s, wasmplug_plugin_call_t *c, const void *p, void *r) {
  (void)s;
  const bytes_t *in = p;
  bytes_t *out = r;
  out->ptr = host->alloc(c, in->len ? in->len : 1, 1);
  if (!out->ptr) return host->trap(c, "out of memory");
  memcpy(out->ptr, in->ptr, in->len);
  out->len = in->len;
  return WASMPLUG_OK;
}

/* A string in, a scalar out: what "memcpy + validate + call" describes. */
static int f_len(void *s, wasmplug_plugin_call_t *c, const void *p, void *r) {
  (void)s; (void)c;
  const bytes_t *in = p;
  *(uint32_t *)r = (uint32_t)in->len;
  return WASMPLUG_OK;
}

static int f_sum(void *s, wasmplug_plugin_call_t *c, const void *p, void *r) {
  (void)s; (void)c;
  const bytes_t *in = p;
  uint32_t sum = 0;
  for (size_t i = 0; i < in->len; i++) sum += in->ptr[i];
  *(uint32_t *)r = sum;
  return WASMPLUG_OK;
}

/* reps are the values themselves: no state needed */
static int f_obj_new(void *s, wasmplug_plugin_call_t *c, const void *p, void *r) {
  (void)s; (void)c;
  *(uint32_t *)r = *(const uint32_t *)p;
  return WASMPLUG_OK;
}

static int f_obj_get(void *s, wasmplug_plugin_call_t *c, const void *p, void *r) {
  (void)s; (void)c;
  *(uint32_t *)r = *(const uint32_t *)p;
  return WASMPLUG_OK;
}

static void obj_drop(void *s, uint32_t rep) { (void)s; (void)rep; }

/* inc-flat and get-flat: inc and get again, with flat entries (plugin ABI
** 1.5: params and result in registers), so that a guest's calls of them
** take the flat path and the calls of inc and get the word path. */
static uint32_t x_inc(void *s, wasmplug_plugin_call_t *c, uint32_t x) {
  (void)s; (void)c;
  return x + 1;
}

static uint32_t x_obj_get(void *s, wasmplug_plugin_call_t *c, uint32_t self) {
  (void)s; (void)c;
  return self;
}

static const wasmplug_plugin_func_t funcs[] = {
    {"bench:plugin/api#nop", f_nop},
    {"bench:plugin/api#inc", f_inc},
    {"bench:plugin/api#echo", f_echo},
    {"bench:plugin/api#len", f_len},
    {"bench:plugin/api#sum", f_sum},
    {"bench:plugin/api#[constructor]obj", f_obj_new},
    {"bench:plugin/api#[method]obj.get", f_obj_get},
    {"bench:plugin/api#inc-flat", f_inc},
    {"bench:plugin/api#[method]obj.get-flat", f_obj_get},
};
static const wasmplug_plugin_flat_t flat[] = {
    {"bench:plugin/api#inc-flat", (wasmplug_plugin_flat_fn)x_inc},
    {"bench:plugin/api#[method]obj.get-flat", (wasmplug_plugin_flat_fn)x_obj_get},
};
static const wasmplug_plugin_resource_t resources[] = {{"bench:plugin/api#obj", obj_drop}};

static const wasmplug_plugin_t descriptor = {
    .magic = WASMPLUG_PLUGIN_MAGIC,
    .abi_major = WASMPLUG_PLUGIN_ABI_MAJOR,
    .abi_minor = WASMPLUG_PLUGIN_ABI_MINOR,
    .size = sizeof(wasmplug_plugin_t),
    .name = "bench",
    .version = "1.0.0",
    .wit = wit,
    .funcs = funcs,
    .nfuncs = sizeof funcs / sizeof funcs[0],
    .resources = resources,
    .nresources = 1,
    .flat = flat,
    .nflat = 2,
    .flat_size = sizeof(wasmplug_plugin_flat_t),
};

WASMPLUG_PLUGIN_ENTRY(h) {
  host = h;
  return &descriptor;
}
