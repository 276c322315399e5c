/*
** abi_case.c — deliberately broken (or unusually versioned) plugins for
** the ABI-negative tests.  Built once per case with -DCASE_<NAME>:
**   BAD_MAGIC, OTHER_MAJOR, SHORT_DESC, MISSING_FUNC, BAD_WIT, NEEDS_NEWER_HOST,
**   NEWER_MINOR_OK, EXTRA_FUNC, NO_ENTRY, NULL_DESC, INIT_FAILS, BAD_OPTION,
**   ABI_1_0 (a plugin as built against ABI 1.0: it still loads),
**   ABI_1_4 (a descriptor as ABI 1.4 had it, before the flat table: loads),
**   FLAT_OK (flat entries of entries larger than 1.5's: loads),
**   FLAT_BAD_SHAPE, FLAT_UNKNOWN, FLAT_NULL_FN, FLAT_NO_TABLE, FLAT_SHORT
*/
#include <stddef.h>
#include <stdint.h>

#include "wasmplug/plugin.h"

static int f_ping(void *state, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)state; (void)call; (void)params;
  *(uint32_t *)result = 42;
  return WASMPLUG_OK;
}

__attribute__((unused)) static int f_pong(void *state, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)state; (void)call; (void)params; (void)result;
  return WASMPLUG_OK;
}

#ifdef CASE_BAD_WIT
static const char wit[] = "package case:abi;\ninterface ping { ping: func( -> u32; }\n";
#elif defined(CASE_FLAT_BAD_SHAPE) /* a u64 result has no flat form */
static const char wit[] = "package case:abi@1.2.0;\ninterface ping { ping: func() -> u64; pong: func(); }\n";
#else
static const char wit[] = "package case:abi@1.2.0;\ninterface ping { ping: func() -> u32; pong: func(); }\n";
#endif

static const wasmplug_plugin_func_t funcs[] = {
    {"case:abi/ping#ping", f_ping},
#ifndef CASE_MISSING_FUNC
    {"case:abi/ping#pong", f_pong},
#endif
#ifdef CASE_EXTRA_FUNC
    {"case:abi/ping#pnog", f_pong},
#endif
};

/* 1.5: flat entries, in entries with a field a later minor might add
** (flat_size says how far apart they are). */
__attribute__((unused)) static uint32_t x_ping(void *state, wasmplug_plugin_call_t *call) {
  (void)state; (void)call;
  return 42;
}
__attribute__((unused)) static uint32_t x_pong(void *state, wasmplug_plugin_call_t *call) {
  (void)state; (void)call;
  return 0;
}
typedef struct {
  wasmplug_plugin_flat_t e;
  void *added_later;
} flat_entry_t;
__attribute__((unused)) static const flat_entry_t flat[] = {
#ifdef CASE_FLAT_UNKNOWN
    {{"case:abi/ping#pnog", (wasmplug_plugin_flat_fn)x_pong}, NULL},
#elif defined(CASE_FLAT_NULL_FN)
    {{"case:abi/ping#pong", NULL}, NULL},
#else
    {{"case:abi/ping#pong", (wasmplug_plugin_flat_fn)x_pong}, NULL},
#endif
    {{"case:abi/ping@1.2.0#ping", (wasmplug_plugin_flat_fn)x_ping}, NULL},
};
#if defined(CASE_FLAT_OK) || defined(CASE_FLAT_BAD_SHAPE) || defined(CASE_FLAT_UNKNOWN) || \
    defined(CASE_FLAT_NULL_FN) || defined(CASE_FLAT_SHORT)
#define FLAT &flat[0].e
#define NFLAT 2
#elif defined(CASE_FLAT_NO_TABLE)
#define FLAT NULL
#define NFLAT 2
#else
#define FLAT NULL
#define NFLAT 0
#endif
#ifdef CASE_FLAT_SHORT
#define FLAT_SIZE 8 /* less than 1.5's entry */
#else
#define FLAT_SIZE sizeof(flat_entry_t)
#endif

#ifdef CASE_INIT_FAILS
static int init_fn(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *config, void **state,
                const char **error) {
  (void)host; (void)config; (void)state;
  *error = "the database is locked";
  return 1;
}
#else
#define init_fn NULL
#endif

static const wasmplug_plugin_option_t options[] = {
#ifdef CASE_BAD_OPTION
    {"level", "float", "1.5", "not a type we know"},
#else
    {"level", "u64", "1", "a number"},
#endif
};

/* A descriptor as a plugin built against ABI 1.1 would have it: 1.0's
** fields and one more at the end. */
typedef struct {
  wasmplug_plugin_t v10;
  void *added_in_1_1;
} desc_1_1_t;

#ifdef CASE_BAD_MAGIC
#define MAGIC 0x12345678u
#else
#define MAGIC WASMPLUG_PLUGIN_MAGIC
#endif
#ifdef CASE_OTHER_MAJOR
#define MAJOR (WASMPLUG_PLUGIN_ABI_MAJOR + 1)
#else
#define MAJOR WASMPLUG_PLUGIN_ABI_MAJOR
#endif
#if defined(CASE_NEEDS_NEWER_HOST) || defined(CASE_NEWER_MINOR_OK)
#define MINOR (WASMPLUG_PLUGIN_ABI_MINOR + 1)
#define SIZE sizeof(desc_1_1_t)
#elif defined(CASE_ABI_1_0)
#define MINOR 0
#define SIZE sizeof(wasmplug_plugin_t)
#elif defined(CASE_ABI_1_4)
#define MINOR 4
#define SIZE offsetof(wasmplug_plugin_t, flat)
#elif defined(CASE_SHORT_DESC)
#define MINOR WASMPLUG_PLUGIN_ABI_MINOR
#define SIZE offsetof(wasmplug_plugin_t, funcs)
#else
#define MINOR WASMPLUG_PLUGIN_ABI_MINOR
#define SIZE sizeof(wasmplug_plugin_t)
#endif
#ifdef CASE_NEEDS_NEWER_HOST
#define MIN_HOST_MINOR (WASMPLUG_PLUGIN_ABI_MINOR + 1)
#else
#define MIN_HOST_MINOR 0
#endif

__attribute__((unused)) static const desc_1_1_t descriptor = {
    .v10 = {
        .magic = MAGIC,
        .abi_major = MAJOR,
        .abi_minor = MINOR,
        .size = SIZE,
        .min_host_minor = MIN_HOST_MINOR,
        .name = "abi-case",
        .version = "1.0.0",
        .wit = wit,
        .world = NULL,
        .funcs = funcs,
        .nfuncs = sizeof funcs / sizeof funcs[0],
        .options = options,
        .noptions = 1,
        .init = init_fn,
        .flat = FLAT,
        .nflat = NFLAT,
        .flat_size = FLAT_SIZE,
    },
    .added_in_1_1 = NULL,
};

#ifndef CASE_NO_ENTRY
WASMPLUG_PLUGIN_ENTRY(host) {
  (void)host;
#ifdef CASE_NULL_DESC
  return NULL;
#else
  return &descriptor.v10;
#endif
}
#endif
