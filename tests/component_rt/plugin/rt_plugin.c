/*
** rt_plugin.c — a native plugin bound to a *component* guest by the CLI
** (wat/plug.wat): strings through host->alloc, a trap through host->trap,
** a resource whose drop hook must run exactly once per rep.
** It includes only wasmplug/plugin.h, as every plugin must.
*/
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wasmplug/plugin.h"

static const wasmplug_host_api_t *host;

static const char wit[] =
    "package test:rtplug@1.0.0;\n"
    "interface greet {\n"
    "  resource tally {\n"
    "    constructor();\n"
    "    add: func(n: u32) -> u32;\n"
    "  }\n"
    "  hello: func(name: string) -> string;\n"
    "  fail: func() -> u32;\n"
    "  quit: func(code: u32);\n"
    "}\n";

typedef struct { uint8_t *ptr; size_t len; } str_t;

static uint32_t tallies[256], ntallies;

static int f_hello(void *state, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)state;
  const str_t *name = params;
  str_t *r = result;
  r->ptr = host->alloc(call, name->len + 7, 1);
  if (!r->ptr) return host->trap(call, "out of memory");
  memcpy(r->ptr, "hello, ", 7);
  memcpy(r->ptr + 7, name->ptr, name->len);
  r->len = name->len + 7;
  return WASMPLUG_OK;
}

static int f_fail(void *state, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)state; (void)params; (void)result;
  return host->trap(call, "plugin says no (%d)", 7);
}

/* ABI 1.1: the guest exits with the given status. */
static int f_quit(void *state, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)state; (void)result;
  if (!WASMPLUG_HOST_HAS(host, exit)) return host->trap(call, "this host has no exit (ABI 1.0)");
  return host->exit(call, (int)*(const uint32_t *)params);
}

static int f_tally_new(void *state, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)state; (void)params;
  if (ntallies + 1 >= 256) return host->trap(call, "too many tallies");
  *(uint32_t *)result = ++ntallies;
  return WASMPLUG_OK;
}

static int f_tally_add(void *state, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)state; (void)call;
  const struct { uint32_t self, n; } *p = params;
  tallies[p->self] += p->n;
  *(uint32_t *)result = tallies[p->self];
  return WASMPLUG_OK;
}

static void tally_drop(void *state, uint32_t rep) {
  (void)state;
  fprintf(stderr, "rt-plugin: tally %u dropped at %u\n", rep, tallies[rep]);
}

static const wasmplug_plugin_func_t funcs[] = {
    {"test:rtplug/greet#hello", f_hello},
    {"test:rtplug/greet#fail", f_fail},
    {"test:rtplug/greet#quit", f_quit},
    {"test:rtplug/greet#[constructor]tally", f_tally_new},
    {"test:rtplug/greet#[method]tally.add", f_tally_add},
};
static const wasmplug_plugin_resource_t resources[] = {{"test:rtplug/greet#tally", tally_drop}};

static const wasmplug_plugin_t desc = {
    .magic = WASMPLUG_PLUGIN_MAGIC,
    .abi_major = WASMPLUG_PLUGIN_ABI_MAJOR,
    .abi_minor = WASMPLUG_PLUGIN_ABI_MINOR,
    .size = sizeof(wasmplug_plugin_t),
    .name = "rt-plugin",
    .version = "1.0.0",
    .wit = wit,
    .funcs = funcs,
    .nfuncs = 5,
    .resources = resources,
    .nresources = 1,
};

WASMPLUG_PLUGIN_ENTRY(h) {
  host = h;
  return &desc;
}
