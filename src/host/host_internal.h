/*
** host_internal.h — the host object of wasmplug/host.h, internal to
** src/host/host*.c and program*.c.
**
** A host holds the guest's capability object, the native plugin set (the
** built-in wasi-p2 is registered on it when the first component is
** loaded), the wasm component plugins and the limits.  A program is the
** compiled guest; a program instance everything one guest instance needs:
** for a core module its preview1 context, its linker and its plugin guest;
** for a component its linker, plugin guest and wasm plugin instances.
*/
#ifndef WASMPLUG_HOST_INTERNAL_H
#define WASMPLUG_HOST_INTERNAL_H

#include <pthread.h>

#include "plugin/plugin.h"
#include "wasi/wasi.h"
#include "wasmplug/host.h"

struct wasmplug_host {
  wasmplug_engine_t *engine;
  uint32_t flags;
  wasmplug_wasi_config_t *wasi;     /* owned; its address never changes */
  wasmplug_host_limits_t limits;
  wasmplug_store_limits_t store;    /* the engine's, with `limits` applied */
  uint64_t live;                    /* program instances not yet deleted */
  /* The current plugin sets.  A reload (reload.c) swaps in new ones under
  ** `lock`; instances made before keep references on the old ones. */
  pthread_mutex_t lock;
  wp_plugin_set_t *plugins;
  wp_wasm_plugins_t *wasm_plugins;
  wasmplug_program_t **programs;    /* live programs: a reload checks them */
  size_t nprograms, capprograms;
  bool p2_registered;               /* the built-in wasi-p2 is on `plugins` */
  bool wasm_prepared;               /* wp_wasm_plugins_prepare ran */
  wasmplug_unknown_imports_t unknown; /* what unprovided imports become */
};

struct wasmplug_program {
  wasmplug_host_t *host;
  char *name;
  uint8_t *bytes;                   /* a component's outlive it */
  size_t len;
  wasmplug_module_t *module;        /* one of these two */
  wasmplug_component_t *component;
};

struct wasmplug_program_instance {
  wasmplug_program_t *program;
  wp_plugin_instances_t *plugin_guest;
  /* core module */
  wp_wasi_ctx_t *wasi;
  wasmplug_linker_t *linker;
  wasmplug_instance_t *core;
  /* component */
  wasmplug_component_linker_t *clinker;
  wp_wasm_instances_t *wasm_instances;
  wasmplug_component_instance_t *comp;
};

/* host_component.c: links a component instance's imports (wasm plugins,
** then native plugins) and instantiates it. */
void wp_host_component_instantiate(wasmplug_program_instance_t *pi, wasmplug_error_t **error,
                                   wasmplug_trap_t **trap);
/* Checks, on the decoded component (rt_component_decode) and before
** anything is compiled, that every item of every imported interface is
** provided by a wasm plugin or a loaded native plugin; the first that is
** not is a link error naming the import and saying which plugin to load,
** which version was found or what the plugin lacks. */
wasmplug_error_t *wp_host_component_precheck_loaded(wasmplug_host_t *host, const wasmplug_component_t *comp,
                                                    const char *name);
/* The wasm plugins' host hooks (what each plugin gets from the host). */
wasmplug_error_t *wp_host_wasm_prepare(wasmplug_host_t *host);

/* The current plugin sets with a reference each (drop them with
** wp_plugin_set_delete, wp_wasm_plugins_delete): what one new instance
** uses, even if a reload replaces them meanwhile. */
void wp_host_sets(wasmplug_host_t *host, wp_plugin_set_t **natives, wp_wasm_plugins_t **wasms);
/* A --plugin spec with its bare file name looked up on the search path
** (malloc'ed; NULL when out of memory). */
char *wp_host_spec_resolve(const char *given);
/* The component check of wp_host_component_precheck_loaded against given sets. */
wasmplug_error_t *wp_host_component_precheck_sets(wp_plugin_set_t *natives, wp_wasm_plugins_t *wasms,
                                                  const wasmplug_component_t *comp, const char *name);
/* The wasm plugins' host hooks (the wp_wasm_host_fn of plugin.h), for a
** set prepared anew by a reload; ctx is the host. */
wasmplug_error_t *wp_host_wasm_prepare_set(wasmplug_host_t *host, wp_wasm_plugins_t *set);

/* Drops the host's references on its plugin sets (wasm plugins first):
** the plugins whose last user this was are unloaded (native plugins' fini,
** wasm plugins' shared instances deleted, isolated helpers stopped).
** wasmplug_host_delete and the lean exit (exit.c). */
void wp_host_plugins_unload(wasmplug_host_t *host);

/* search.c: the installed plugins' directory (malloc'ed; NULL when
** unknown), and where a bare plugin file name is found (malloc'ed path,
** NULL when NAME is a path, exists here, or is found nowhere). */
char *wp_host_plugin_dir(void);
char *wp_host_plugin_find(const char *name);

/* A trap's exit status, when it is an exit request (the guest's
** proc_exit or wasi:cli/exit). */
bool wp_host_exit_status(const wasmplug_trap_t *trap, int *status);

#endif
