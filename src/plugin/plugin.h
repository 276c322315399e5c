/*
** plugin.h — the native plugin loader (the src/plugin layer's one public
** header).
**
** A plugin set holds every native plugin (.so) loaded for one run: each
** plugin's descriptor was validated (magic, ABI version, size), its WIT
** parsed and resolved, its function table checked against the WIT, its
** config checked against its declared options, and its init hook run.
**
** A plugin guest is the plugins' side of ONE guest instance: the plugins'
** per-instance states, the guest's resource handle table, the canonical ABI
** type descriptors of the plugins' WIT (their resource types carry the
** plugins' destructors bound to this instance's state) and a per-call
** arena.  Resources still owned by the guest are destroyed, exactly once,
** when the plugin guest is deleted.
**
** Two ways to use a plugin guest:
**   - core-module guests (the shape wit-bindgen emits before
**     componentization): wp_plugin_guest_define() defines every plugin
**     import of a module on a core linker as host functions that lift the
**     canonical-ABI-lowered arguments, call the plugin and lower the result
**     back through the guest's `cabi_realloc`;
**   - component guests: wp_plugin_guest_bind() resolves one imported
**     function to a binding the component runtime calls with arguments in
**     the native layout (wp_plugin_binding_call), and
**     wp_plugin_guest_resource() gives the resource types to use in the
**     component's handle table.
**
** Interface matching (`ns:pkg/iface@X.Y.Z` requested, `@A.B.C` provided)
** follows Wasmtime's semver buckets: versions match when they fall in the
** same bucket — same major when major >= 1, same 0.minor when major is 0
** and minor >= 1, the exact version for 0.0.z and for pre-releases — and,
** in addition, the provided version is not older than the requested one
** (an older provider may lack what the guest was built against).
** Unversioned names match unversioned names only.
**
** Ownership: _new/_delete pairs; a set must outlive its guests, a guest
** must outlive the linker definitions and instances that use it (deleting
** the guest first is safe: later calls trap).  Not thread-safe: a set is
** built by one thread; one guest is used by one thread at a time.
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
typedef struct wp_plugin_guest wp_plugin_guest_t;

/* ------------------------------------------------------------- loading */

wp_plugin_set_t *wp_plugin_set_new(void); /* NULL on out of memory */
/* Runs every plugin's fini and unloads it.  Guests must be deleted first. */
void wp_plugin_set_delete(wp_plugin_set_t *set);

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

/* `wasmplug wit PLUGIN.so`: loads the plugin (default config) and writes
** what it provides — name, version, ABI, config options, then its WIT — as
** WIT text (the header lines are comments).  Errors are returned. */
wasmplug_error_t *wp_plugin_describe(const char *path, FILE *out);

/* ------------------------------------------------------ one guest instance */

/* Per-instance plugin states are created lazily, the first time a guest
** import or binding needs a plugin (its instance_new hook runs then). */
wasmplug_error_t *wp_plugin_guest_new(wp_plugin_set_t *set, wp_plugin_guest_t **out);
/* Destroys every resource the guest still owns (each destructor exactly
** once), then runs instance_drop for each plugin state. */
void wp_plugin_guest_delete(wp_plugin_guest_t *g);

/* Core-module guests.  For every function import of `module` whose module
** name is an interface ("ns:pkg/iface[@ver]"): finds the plugin providing
** the interface, checks the import's core signature against the one the
** WIT function lowers to, and defines it on `linker`.  Imports with other
** module names are left alone.  Errors name the import, its WIT and the
** expected and found types.  The guest must export "memory" and, when a
** call returns strings or lists, "cabi_realloc".  The plugin guest binds to
** the first instance that calls it; a call from another instance traps
** (use one plugin guest, and one linker, per instance). */
wasmplug_error_t *wp_plugin_guest_define(wp_plugin_guest_t *g, wasmplug_linker_t *linker,
                                         const wasmplug_module_t *module);
/* The guest's handle table (resources the plugins handed to the guest). */
wp_cabi_handles_t *wp_plugin_guest_handles(wp_plugin_guest_t *g);

/* Component guests.  A binding calls one plugin function: arguments and
** result in the native layout of `type` (see include/wasmplug/plugin.h). */
typedef struct wp_plugin_binding {
  const char *plugin;         /* plugin name, for messages */
  const char *name;           /* "ns:pkg/iface@ver#func" */
  wasmplug_plugin_fn fn;
  void *state;                /* the plugin's state for this guest */
  const wp_cabi_func_t *type; /* the WIT function as canonical ABI types */
  wp_cabi_native_args_t args; /* layout of the native params struct */
} wp_plugin_binding_t;

/* Resolves `func` ("f", "[method]r.m", ...) of interface `iface` (as the
** guest imports it, "ns:pkg/iface@ver").  When `expected` is not NULL its
** types must equal the plugin's (resources compared by name); a mismatch
** error prints both in WIT.  The binding's strings and `type` (with every
** type it references, and the resource types in it) live as long as g.
** The caller lifts the arguments: it validates every value and handle,
** lends borrows for the call, and destroys reps of own<> handles it moved
** out of the guest's table when a later argument fails to lift. */
wasmplug_error_t *wp_plugin_guest_bind(wp_plugin_guest_t *g, const char *iface, const char *func,
                                       const wp_cabi_func_t *expected, wp_plugin_binding_t *out);
/* The resource type of resource `name` of interface `iface`: its
** destructor runs the plugin's drop hook with this guest's state.  A
** handle table holding these must be deleted (running the destructors)
** before wp_plugin_guest_delete(g), which frees the types and states. */
wasmplug_error_t *wp_plugin_guest_resource(wp_plugin_guest_t *g, const char *iface, const char *name,
                                           const wp_cabi_resource_t **out);

/* Calls a binding.  `args` is the native params struct (already lifted and
** validated), `result` zeroed storage for the result's native layout (NULL
** when there is none); string/list memory the plugin returns comes from
** `arena`, which the caller resets after lowering.  Returns NULL, or a trap
** (kind WASMPLUG_TRAP_HOST) whose message names the plugin and function. */
wasmplug_trap_t *wp_plugin_binding_call(const wp_plugin_binding_t *b, wp_cabi_arena_t *arena,
                                        const void *args, void *result);

/* --------------------------------------------------------------- helpers */

/* Interface-name matching as described above: true when a guest
** requesting `want` ("ns:pkg/iface@1.2.0") may use `have`. */
bool wp_plugin_iface_match(const char *want, const char *have);
/* Structural equality of canonical ABI types (resources by name). */
bool wp_plugin_type_equal(const wp_cabi_type_t *a, const wp_cabi_type_t *b);

#ifdef __cplusplus
}
#endif

#endif
