/*
** plugin.h — the native plugin loader (the src/plugin layer's one public
** header).
**
** A plugin set holds every native plugin (.so) loaded for one run: each
** plugin's descriptor was validated (magic, ABI version, size), its WIT
** parsed and resolved, its function table checked against the WIT, its
** config checked against its declared options, and its init hook run.
**
** A wp_plugin_instances_t is the plugins' side of ONE guest instance: the plugins'
** per-instance states, the guest's resource handle table, the canonical ABI
** type descriptors of the plugins' WIT (their resource types carry the
** plugins' destructors bound to this instance's state) and a per-call
** arena.  Resources still owned by the guest are destroyed, exactly once,
** when it is deleted.  ("Guest" means one thing in this tree: the Wasm
** program being run, untrusted; the plugins' objects for it are its
** plugin instances.)
**
** Two ways to use a guest's plugin instances:
**   - core-module guests (the shape wit-bindgen emits before
**     componentization): wp_plugin_instances_define() defines every plugin
**     import of a module on a core linker as host functions that lift the
**     canonical-ABI-lowered arguments, call the plugin and lower the result
**     back through the guest's `cabi_realloc`;
**   - component guests: wp_plugin_instances_bind() resolves one imported
**     function to a binding the component runtime calls with arguments in
**     the native layout (wp_plugin_binding_call), and
**     wp_plugin_instances_resource() gives the resource types to use in the
**     component's handle table.
**
** Interface matching (`ns:pkg/iface@X.Y.Z` requested, `@A.B.C` provided)
** is wasmplug's one semver rule (src/wit/wit.h, Wasmtime's): the same
** compatibility track, either side newer; then every function the guest
** imports must exist in the plugin with the same type (a missing one is an
** error naming it).  Unversioned names match unversioned names only.
**
** Ownership: _new/_delete pairs; a set must outlive its plugin instances,
** which must outlive the linker definitions and guest instances that use
** them (deleting them first is safe: later calls trap).  Not thread-safe:
** a set is built by one thread; one guest's plugin instances are used by
** one thread at a time.
*/
#ifndef WASMPLUG_PLUGIN_LOADER_H
#define WASMPLUG_PLUGIN_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cabi/cabi.h"
#include "wasmplug.h"
#include "wasmplug/plugin.h"
#include "wit/wit.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wp_plugin wp_plugin_t;
typedef struct wp_plugin_set wp_plugin_set_t;
typedef struct wp_plugin_instances wp_plugin_instances_t;

/* ------------------------------------------------------------- loading */

wp_plugin_set_t *wp_plugin_set_new(void); /* NULL on out of memory */
/* Drops the caller's reference.  The guests' plugin instances hold references too:
** the last one runs every plugin's fini (a plugin shared with a set a
** reload made lives on in it) and unloads it. */
void wp_plugin_set_delete(wp_plugin_set_t *set);
void wp_plugin_set_ref(wp_plugin_set_t *set);
/* A new set: `set`'s plugins (shared, not reloaded) but the one `name`
** names (its descriptor's name, path or file name), loaded anew from
** --plugin `spec`.  `set` is unchanged; guests' plugin instances made from it keep using it. */
wasmplug_error_t *wp_plugin_set_reload(wp_plugin_set_t *set, const char *name, const char *spec,
                                       wp_plugin_set_t **out);

/* Loads "PATH[,key=value...]" (the --plugin syntax).  Errors name the
** plugin file and say what is wrong; the set is unchanged then. */
wasmplug_error_t *wp_plugin_set_load(wp_plugin_set_t *set, const char *spec);
/* Loads every *.so in DIR (sorted by name, default config). */
wasmplug_error_t *wp_plugin_set_load_dir(wp_plugin_set_t *set, const char *dir);
/* Loads every *.so of every directory in a ':'-separated list (the value
** of WASMPLUG_PLUGIN_PATH; NULL or empty loads nothing).  Directories that
** do not exist are skipped, as $PATH does. */
wasmplug_error_t *wp_plugin_set_load_path(wp_plugin_set_t *set, const char *list);
/* "IFACE=PLUGIN": interface IFACE (e.g. "ns:pkg/iface", no version) is
** taken from plugin PLUGIN when several plugins provide it. */
wasmplug_error_t *wp_plugin_set_use(wp_plugin_set_t *set, const char *spec);

size_t wp_plugin_set_count(const wp_plugin_set_t *set);
const wp_plugin_t *wp_plugin_set_get(const wp_plugin_set_t *set, size_t i);

const char *wp_plugin_name(const wp_plugin_t *p);
const char *wp_plugin_path(const wp_plugin_t *p);
const wasmplug_plugin_t *wp_plugin_descriptor(const wp_plugin_t *p);
/* The plugin's resolved WIT and its main package. */
const wp_wit_resolve_t *wp_plugin_wit(const wp_plugin_t *p, uint32_t *pkg);

/* Loads plugin file PATH and checks it (descriptor, options, WIT,
** functions) without running its init: what `wasmplug plugins` shows.
** Close it with wp_plugin_inspect_close (no fini runs). */
wasmplug_error_t *wp_plugin_inspect(const char *path, wp_plugin_t **out);
void wp_plugin_inspect_close(wp_plugin_t *p);
/* The interfaces the plugin provides ("ns:pkg/iface@ver"). */
size_t wp_plugin_iface_count(const wp_plugin_t *p);
const char *wp_plugin_iface_id(const wp_plugin_t *p, size_t i);

/* `wasmplug wit PLUGIN.so`: loads the plugin (default config) and writes
** what it provides — name, version, ABI, config options, then its WIT — as
** WIT text (the header lines are comments).  Errors are returned. */
wasmplug_error_t *wp_plugin_describe(const char *path, FILE *out);

/* ------------------------------------------------------ one guest instance */

/* Per-instance plugin states are created lazily, the first time a guest
** import or binding needs a plugin (its instance_new hook runs then). */
wasmplug_error_t *wp_plugin_instances_new(wp_plugin_set_t *set, wp_plugin_instances_t **out);
/* Destroys every resource the guest still owns (each destructor exactly
** once), then runs instance_drop for each plugin state. */
void wp_plugin_instances_delete(wp_plugin_instances_t *g);

/* Core-module guests.  For every function import of `module` whose module
** name is an interface ("ns:pkg/iface[@ver]"): finds the plugin providing
** the interface, checks the import's core signature against the one the
** WIT function lowers to, and defines it on `linker`.  Imports with other
** module names are left alone.  Errors name the import, its WIT and the
** expected and found types.  The guest must export "memory" and, when a
** call returns strings or lists, "cabi_realloc".  The plugin instances bind to
** the first instance that calls it; a call from another instance traps
** (use one wp_plugin_instances_t, and one linker, per instance). */
wasmplug_error_t *wp_plugin_instances_define(wp_plugin_instances_t *g, wasmplug_linker_t *linker,
                                         const wasmplug_module_t *module);
/* Makes wp_plugin_instances_define leave the imports of interfaces no plugin
** provides undefined instead of failing (for a linker that defines unknown
** imports itself: --trap-unknown-imports). */
void wp_plugin_instances_skip_unprovided(wp_plugin_instances_t *g, bool yes);
/* A guest only for checking what wp_plugin_instances_define would link (a
** reload's check): no plugin's instance_new runs for it, so it must never
** call a plugin. */
void wp_plugin_instances_check_only(wp_plugin_instances_t *g);
/* The guest's handle table (resources the plugins handed to the guest). */
wp_cabi_handles_t *wp_plugin_instances_handles(wp_plugin_instances_t *g);
/* Holds the guest's plugin calls to `limits` (handles per table, host
** memory per call); the defaults are wasmplug_store_limits_default's. */
void wp_plugin_instances_limits_set(wp_plugin_instances_t *g, const wasmplug_store_limits_t *limits);

/* Component guests.  A binding calls one plugin function: arguments and
** result in the native layout of `type` (see include/wasmplug/plugin.h). */
typedef struct wp_plugin_binding {
  const char *plugin;         /* plugin name, for messages */
  const char *name;           /* "ns:pkg/iface@ver#func" */
  wasmplug_plugin_fn fn;
  void *state;                /* the plugin's state for this guest */
  wp_cabi_native_fn_t native; /* fn, state, its funcs[] index, who: for wp_cabi_native_run */
  const wp_cabi_func_t *type; /* the WIT function as canonical ABI types */
  wp_cabi_native_args_t args; /* layout of the native params struct */
  wasmplug_plugin_flat_fn flat; /* fn's flat entry (plugin ABI 1.5), or NULL */
} wp_plugin_binding_t;

/* Resolves `func` ("f", "[method]r.m", ...) of interface `iface` (as the
** guest imports it, "ns:pkg/iface@ver").  When `expected` is not NULL its
** types must equal the plugin's (resources compared by name); a mismatch
** error prints both in WIT.  The binding's strings and `type` (with every
** type it references, and the resource types in it) live as long as g.
** The caller lifts the arguments: it validates every value and handle,
** lends borrows for the call, and destroys reps of own<> handles it moved
** out of the guest's table when a later argument fails to lift. */
wasmplug_error_t *wp_plugin_instances_bind(wp_plugin_instances_t *g, const char *iface, const char *func,
                                       const wp_cabi_func_t *expected, wp_plugin_binding_t *out);
/* The resource type of resource `name` of interface `iface`: its
** destructor runs the plugin's drop hook with this guest's state.  A
** handle table holding these must be deleted (running the destructors)
** before wp_plugin_instances_delete(g), which frees the types and states. */
wasmplug_error_t *wp_plugin_instances_resource(wp_plugin_instances_t *g, const char *iface, const char *name,
                                           const wp_cabi_resource_t **out);

/* The instance state of the plugin named `name` for this guest (made now
** when needed: its instance_new runs), as its functions receive it; NULL
** when no plugin of that name is loaded or instance_new failed.  How a
** host hands a guest's plugin what only the host has (the server gives
** the wasi-http plugin its incoming requests). */
void *wp_plugin_instances_state(wp_plugin_instances_t *g, const char *name);

/* The name of a plugin that has a per-instance state for this guest
** (instance_new ran) and is not one of `names`; NULL when there is none.
** (A guest reused for a new request may keep only plugins whose per-guest
** state is nothing but the resources the guest holds.) */
const char *wp_plugin_instances_other_state(const wp_plugin_instances_t *g, const char *const *names, size_t n);

/* Calls a binding.  `args` is the native params struct (already lifted and
** validated), `result` zeroed storage for the result's native layout (NULL
** when there is none); string/list memory the plugin returns comes from
** `arena`, which the caller resets after lowering.  Returns NULL, or a trap
** (wp_cabi_native_run: an exit, or WASMPLUG_TRAP_HOST naming the plugin
** and function). */
wasmplug_trap_t *wp_plugin_binding_call(const wp_plugin_binding_t *b, wp_cabi_arena_t *arena,
                                        const void *args, void *result);

/* --------------------------------------------------------------- helpers */

/* Whether the loaded plugins provide `item` (a function, or a resource type
** when `resource`) of interface `iface` as a guest imports it, without
** making any plugin state: NULL, or a link error saying which plugin to
** load, which version was found, or what the plugin lacks. */
wasmplug_error_t *wp_plugin_set_check(const wp_plugin_set_t *set, const char *iface, const char *item, bool resource);

/* Interface-name matching as described above: true when a guest
** requesting `want` ("ns:pkg/iface@1.2.0") may use `have`. */
bool wp_plugin_iface_match(const char *want, const char *have);

/* Adds a plugin linked into the host (e.g. the built-in WASI 0.2 plugins):
** `entry` is its wasmplug_plugin_entry, `name` names it in messages, and
** `config_spec` ("key=value,...", may be NULL) is its configuration, as
** after the path in --plugin.  Checked exactly like a loaded .so. */
wasmplug_error_t *wp_plugin_set_add_builtin(wp_plugin_set_t *set, wasmplug_plugin_entry_fn entry, const char *name,
                                            const char *config_spec);
/* The same, with `data` as the value *plugin_state holds when the
** plugin's init runs (a loaded .so always finds NULL there): how a host
** hands a plugin linked into it something of its own (the built-in
** wasi-p2 gets the host's capability object so). */
wasmplug_error_t *wp_plugin_set_add_builtin_data(wp_plugin_set_t *set, wasmplug_plugin_entry_fn entry,
                                                 const char *name, const char *config_spec, void *data);

/* --------------------------------------- wasm component plugins (issue 8) */

/* A trusted plugin may also be a component: it imports the host (WASI,
** wasi:dl when granted, native plugins) and exports interfaces; the runtime
** composes it at run time with the untrusted guest, whose imports of those
** interfaces are linked to the plugin instance's exports (semver-matched,
** type-checked).  Calls between them are component-to-component calls:
** values are lifted out of one instance's memory (validated) and lowered
** into the other's, strings transcoded, own handles moved, borrows scoped
** to the call; a trap in the plugin reaches the guest as a trap naming the
** plugin.  Plugins may stack (a plugin's imports are satisfied by other
** plugins: the nearest one listed before it, else the first after it;
** cycles are refused) and the guest's by the last plugin listed that
** exports the interface.  Each guest instance gets its own plugin
** instances unless the plugin is `shared` (one instance for every guest).
** The guest can never import wasi:dl, directly or re-exported.
**
** Ownership: the set owns the components and the shared instances and must
** outlive every wp_wasm_instances_t made from it; a wp_wasm_instances_t
** owns one guest's plugin instances and must outlive the guest instance
** linked through it. */
typedef struct wp_wasm_plugins wp_wasm_plugins_t;
typedef struct wp_wasm_instances wp_wasm_instances_t;

/* What the user granted one plugin on its --plugin spec, separate from the
** guest's own capabilities. */
typedef struct wp_wasm_grants {
  const char *const *dirs;   /* "HOST[::GUEST]" preopens */
  size_t ndirs;
  const char *const *envs;   /* "NAME=VALUE" */
  size_t nenvs;
  const char *allow_dl;      /* the wasi:dl policy, NULL when not granted */
} wp_wasm_grants_t;

/* Defines what the host gives plugin `name` (WASI per `grants`, native
** plugins) on `l`, after the imports other plugins satisfy were defined
** (a definition that already exists is to be skipped, not an error).
** *state (may stay NULL) is released after the plugin instance is gone. */
typedef wasmplug_error_t *(*wp_wasm_host_fn)(void *ctx, const char *name, const wp_wasm_grants_t *grants,
                                             wasmplug_component_t *component, wasmplug_component_linker_t *l,
                                             void **state);
typedef void (*wp_wasm_release_fn)(void *ctx, void *state);

/* True when the path of a --plugin spec ("PATH[,opts]") names a component
** (its bytes start with the component preamble). */
bool wp_wasm_plugin_spec_is_component(const char *spec);

wp_wasm_plugins_t *wp_wasm_plugins_new(void); /* NULL on out of memory */
/* Drops the caller's reference; every wp_wasm_instances_t made from it holds one.  The last
** deletes the shared instances, then the components. */
void wp_wasm_plugins_delete(wp_wasm_plugins_t *set);
void wp_wasm_plugins_ref(wp_wasm_plugins_t *set);
/* "PATH[,shared][,dir=HOST[::GUEST]][,env=NAME=VALUE][,allow-dl=POLICY]":
** reads the component (compiled by _prepare).  Errors name the spec. */
wasmplug_error_t *wp_wasm_plugins_add(wp_wasm_plugins_t *set, const char *spec);
size_t wp_wasm_plugins_count(const wp_wasm_plugins_t *set);
/* Compiles every plugin, resolves which plugin satisfies which import
** (a cycle is an error naming it) and remembers the host hooks. */
wasmplug_error_t *wp_wasm_plugins_prepare(wp_wasm_plugins_t *set, wasmplug_engine_t *engine,
                                          wp_wasm_host_fn host, wp_wasm_release_fn release, void *ctx);

/* Instantiates the plugins for one guest instance (shared ones once per
** set), in dependency order.  A trap while instantiating is an error
** naming the plugin. */
wasmplug_error_t *wp_wasm_instances_new(wp_wasm_plugins_t *set, wp_wasm_instances_t **out);
/* The same without lifecycle hooks: what a reload tries before it takes
** the set (nothing is bound, nothing shut down). */
wasmplug_error_t *wp_wasm_instances_trial(wp_wasm_plugins_t *set, wp_wasm_instances_t **out);
void wp_wasm_instances_delete(wp_wasm_instances_t *g);
/* Refuses a guest importing wasi:dl, then defines every import of
** `guest` that a plugin exports on `l` (errors name the import and show
** the expected and found types in WIT).  `g` may be NULL: only the
** wasi:dl check runs. */
wasmplug_error_t *wp_wasm_instances_link(wp_wasm_instances_t *g, wasmplug_component_linker_t *l,
                                     const wasmplug_component_t *guest, const char *guest_name);
/* The instance of plugin `i` (in --plugin order) for this guest. */
wasmplug_component_instance_t *wp_wasm_instances_get(wp_wasm_instances_t *g, size_t i);


/* `wasmplug compose`: the composition the runtime would make of the app
** (`app`, named `app_name` in messages) and the set's plugins, written as
** one standalone component (malloc'ed into *out): the plugins the app
** reaches and the app are embedded, the imports no plugin satisfies become
** the result's imports (wasi:dl among them for a plugin granted
** allow-dl=), the app's exports are the result's.  Checked by decoding the
** result.  dir=/env= grants are refused: a component cannot carry them. */
wasmplug_error_t *wp_wasm_compose(wp_wasm_plugins_t *set, const uint8_t *app, size_t app_len, const char *app_name,
                                  uint8_t **out, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif
