/*
** bench_async_plugin.c — the native plugin bench_async's component calls:
** nop (a synchronous function), nop-async (an async function that returns
** at once) and pend (an async function that returns WASMPLUG_PENDING and
** completes its call from the event loop, as an I/O function would).
*/
#include <stdlib.h>

#include "wasmplug/plugin.h"

static const wasmplug_host_api_t *host;

static const char wit[] =
    "package bench:aio@0.1.0;\n"
    "interface api {\n"
    "  nop: func(x: u32) -> u32;\n"
    "  nop-async: async func(x: u32) -> u32;\n"
    "  pend: async func(x: u32) -> u32;\n"
    "}\n";

typedef struct {
  wasmplug_plugin_call_t *call;
  uint32_t *result, x;
} pend_t;

static int instance_new(void *ps, const wasmplug_plugin_config_t *c, void **out, const char **err) {
  (void)ps;
  (void)c;
  if (!WASMPLUG_HOST_HAS(host, call_complete)) {
    *err = "the host has no async plugin ABI (1.3)";
    return 1;
  }
  *out = calloc(1, sizeof(pend_t)); /* one pend call at a time */
  return *out ? 0 : 1;
}

static void instance_drop(void *st) { free(st); }

static int nop(void *st, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)st;
  (void)call;
  *(uint32_t *)result = *(const uint32_t *)params + 1;
  return WASMPLUG_OK;
}

static void pend_done(void *arg) {
  pend_t *p = arg;
  *p->result = p->x + 1;
  host->call_complete(p->call, WASMPLUG_OK);
}

static int pend(void *st, wasmplug_plugin_call_t *call, const void *params, void *result) {
  pend_t *p = st;
  p->call = call;
  p->result = result;
  p->x = *(const uint32_t *)params;
  /* a deadline already passed: the next turn of the event loop */
  if (!host->watch_time(host->call_instance(call), 0, pend_done, p)) return host->trap(call, "watch_time failed");
  return WASMPLUG_PENDING;
}

static const wasmplug_plugin_func_t funcs[] = {
    {"bench:aio/api#nop", nop},
    {"bench:aio/api#nop-async", nop},
    {"bench:aio/api#pend", pend},
};

static const wasmplug_plugin_t descriptor = {
    .magic = WASMPLUG_PLUGIN_MAGIC,
    .abi_major = WASMPLUG_PLUGIN_ABI_MAJOR,
    .abi_minor = WASMPLUG_PLUGIN_ABI_MINOR,
    .size = sizeof(wasmplug_plugin_t),
    .min_host_minor = 3,
    .name = "bench-async",
    .version = "0.1.0",
    .wit = wit,
    .funcs = funcs,
    .nfuncs = sizeof funcs / sizeof funcs[0],
    .instance_new = instance_new,
    .instance_drop = instance_drop,
};

WASMPLUG_PLUGIN_ENTRY(h) {
  host = h;
  return &descriptor;
}
