/*
** dx_ver.c — a native plugin built in versions (-DVER=N) for the reload
** test (issue 19, item 2): test:ver/api's `get` answers N; its hooks write
** "init N", "new N", "drop N", "fini N" lines to the file of option `log`.
** -DBAD: a version whose WIT no longer has `get` (the guests' import).
*/
#include <stdio.h>
#include <stdlib.h>

#include "wasmplug/plugin.h"

#ifndef VER
#define VER 1
#endif

static const wasmplug_host_api_t *host;

static void note(const wasmplug_plugin_config_t *c, const char *what) {
  const char *path = host->config_get(c, "log");
  FILE *f = path ? fopen(path, "a") : NULL;
  if (!f) return;
  fprintf(f, "%s %d\n", what, VER);
  fclose(f);
}

typedef struct { const wasmplug_plugin_config_t *config; } state_t;

static int init(const wasmplug_host_api_t *h, const wasmplug_plugin_config_t *c, void **ps, const char **err) {
  (void)h;
  state_t *s = malloc(sizeof *s);
  if (!s) {
    *err = "out of memory";
    return 1;
  }
  s->config = c;
  *ps = s;
  note(c, "init");
  return 0;
}

static void fini(void *ps) {
  note(((state_t *)ps)->config, "fini");
  free(ps);
}

static int inst_new(void *ps, const wasmplug_plugin_config_t *c, void **is, const char **err) {
  (void)err;
  *is = ps;
  note(c, "new");
  return 0;
}

static void inst_drop(void *is) { note(((state_t *)is)->config, "drop"); }

static int get(void *st, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)st, (void)call, (void)params;
  *(uint32_t *)result = VER;
  return WASMPLUG_OK;
}

#ifdef BAD
static const char wit[] = "package test:ver@1.0.0;\ninterface api {\n  other: func() -> u32;\n}\n";
static const wasmplug_plugin_func_t funcs[] = {{"test:ver/api#other", get}};
#else
static const char wit[] = "package test:ver@1.0.0;\ninterface api {\n  get: func() -> u32;\n}\n";
static const wasmplug_plugin_func_t funcs[] = {{"test:ver/api#get", get}};
#endif
static const wasmplug_plugin_option_t options[] = {{"log", "path", NULL, "where the hooks write"}};

static const wasmplug_plugin_t desc = {
    .magic = WASMPLUG_PLUGIN_MAGIC,
    .abi_major = WASMPLUG_PLUGIN_ABI_MAJOR,
    .abi_minor = WASMPLUG_PLUGIN_ABI_MINOR,
    .size = sizeof(wasmplug_plugin_t),
    .name = "dx-ver",
    .version = "1.0.0",
    .wit = wit,
    .funcs = funcs,
    .nfuncs = 1,
    .options = options,
    .noptions = 1,
    .init = init,
    .fini = fini,
    .instance_new = inst_new,
    .instance_drop = inst_drop,
};

WASMPLUG_PLUGIN_ENTRY(h) {
  host = h;
  return &desc;
}
