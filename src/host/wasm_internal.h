/*
** wasm_internal.h — wasm component plugins (issue 8), internal to
** src/host/wasm_*.c.  The public face is the "wasm component plugins"
** section of plugin.h.
*/
#ifndef WASMPLUG_PLUGIN_WASM_INTERNAL_H
#define WASMPLUG_PLUGIN_WASM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "component/component.h"
#include "plugin/plugin.h"

/* One plugin component and what its spec granted. */
typedef struct wp_wasm_plugin {
  char *spec;                /* as given, for messages */
  char *path;
  const char *name;          /* the file name part of path */
  bool shared;
  char **dirs, **envs;
  size_t ndirs, nenvs;
  char *allow_dl;
  uint8_t *bytes;            /* outlives comp */
  size_t len;
  wasmplug_component_t *comp;
  const wp_comp *def;
  wp_comp *decoded;          /* compose only: decoded without compiling (def points here) */
  long *provider;            /* per import of def: the plugin satisfying it, or -1 (the host) */
} wp_wasm_plugin;

struct wp_wasm_plugins {
  unsigned refs;             /* its owner and its guests (a reload leaves the old set to them) */
  wp_wasm_plugin **p;
  size_t n, cap;
  wasmplug_engine_t *engine;
  wp_wasm_host_fn host;
  wp_wasm_release_fn release;
  void *ctx;
  wp_wasm_instances_t *shared;   /* the instances of `shared` plugins, made lazily */
  uint64_t next_guest;       /* the last guest id given to a lifecycle hook */
};

/* wasm_spec.c */
wasmplug_error_t *wp_wasm_spec_parse(const char *spec, wp_wasm_plugin **out);
void wp_wasm_plugin_free(wp_wasm_plugin *p);
/* True when `name` is a wasi:dl interface ("wasi:dl/...").  */
bool wp_wasm_is_dl(const char *name, size_t len);

/* wasm_order.c: fills every plugin's provider table and refuses cycles. */
wasmplug_error_t *wp_wasm_resolve(wp_wasm_plugins_t *set);
/* The plugin exporting an interface matching `name`, preferring the last
** listed before `before` (SIZE_MAX: any), else the first after; -1 if none. */
long wp_wasm_provider(const wp_wasm_plugins_t *set, const char *name, size_t len, size_t self);

/* wasm_link.c: defines import `imp` of a consumer on `l` from the exports
** of provider plugin `p`'s instance `in`, type-checked through tc. */
wasmplug_error_t *wp_wasm_link_import(wasmplug_component_linker_t *l, wp_comp_typecheck *tc,
                                      const wp_comp_extern *imp, const char *consumer, const wp_wasm_plugin *p,
                                      wasmplug_component_instance_t *in);

#endif
