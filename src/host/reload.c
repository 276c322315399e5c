/*
** reload.c — replacing a plugin without restarting the host
** (wasmplug_host_plugin_reload, wasmplug/host.h).
**
** The host's plugin sets are never changed in place once instances use
** them: a reload builds a new set (the other plugins shared with the old
** one for native plugins, loaded anew for wasm plugins, whose instances
** are per set), checks it against every loaded program as loading them
** would, and swaps it in.  Instances made afterwards take the new set;
** those alive hold references on the old one, which goes — and with it the
** replaced plugin: fini, dlclose; a wasm plugin's shared instance, its
** lifecycle shutdown — when the last of them is deleted.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "host/host_internal.h"
#include "host/wasm_internal.h"

/* The programs alive now, as a copy (programs are not deleted while the
** reload runs: the caller owns them and is the one reloading). */
static wasmplug_program_t **programs(wasmplug_host_t *h, size_t *n) {
  pthread_mutex_lock(&h->lock);
  *n = h->nprograms;
  wasmplug_program_t **v = malloc((*n + 1) * sizeof *v);
  if (v && *n) memcpy(v, h->programs, *n * sizeof *v);
  pthread_mutex_unlock(&h->lock);
  return v;
}

/* A core module program against native set `natives`: its plugin imports
** defined on a scratch linker, as instantiation defines them. */
static wasmplug_error_t *check_core(wasmplug_host_t *h, wasmplug_program_t *p, wp_plugin_set_t *natives) {
  wp_plugin_instances_t *g = NULL;
  wasmplug_linker_t *l = wasmplug_linker_new(h->engine);
  wasmplug_error_t *e = l ? wp_plugin_instances_new(natives, &g) : wasmplug_error_new("out of memory");
  if (!e) {
    wp_plugin_instances_check_only(g);
    wp_plugin_instances_skip_unprovided(g, h->unknown != WASMPLUG_UNKNOWN_IMPORTS_REFUSE);
    if ((e = wp_plugin_instances_define(g, l, p->module))) e = wasmplug_error_prefix(e, "%s: ", p->name);
  }
  wasmplug_linker_delete(l);
  wp_plugin_instances_delete(g);
  return e;
}

/* A component program against the wasm plugins of `wasms`: the plugins
** instantiated (no lifecycle hooks) and the program's imports linked to
** them on a scratch linker, as instantiation does. */
static wasmplug_error_t *check_wasm(wasmplug_host_t *h, wasmplug_program_t *p, wp_wasm_plugins_t *wasms) {
  wp_wasm_instances_t *g = NULL;
  wasmplug_component_linker_t *l = wasmplug_component_linker_new(h->engine);
  wasmplug_error_t *e = l ? wp_wasm_instances_trial(wasms, &g) : wasmplug_error_new("out of memory");
  if (!e) e = wp_error_as(wp_wasm_instances_link(g, l, p->component, p->name), WASMPLUG_ERROR_LINK);
  wasmplug_component_linker_delete(l);
  wp_wasm_instances_delete(g);
  return e;
}

static wasmplug_error_t *check_all(wasmplug_host_t *h, wp_plugin_set_t *natives, wp_wasm_plugins_t *wasms) {
  size_t n;
  wasmplug_program_t **v = programs(h, &n);
  if (!v) return wasmplug_error_new("out of memory");
  wasmplug_error_t *e = NULL;
  bool refuse = h->unknown == WASMPLUG_UNKNOWN_IMPORTS_REFUSE;
  for (size_t i = 0; i < n && !e; i++) {
    wasmplug_program_t *p = v[i];
    if (p->module) e = check_core(h, p, natives);
    else if (refuse && (e = wp_host_component_precheck_sets(natives, wasms, p->component, p->name))) {
    } else if (wp_wasm_plugins_count(wasms)) e = check_wasm(h, p, wasms);
  }
  free(v);
  return wp_error_as(e, WASMPLUG_ERROR_LINK); /* the program no longer links */
}

/* The wasm plugin `name` names (its file name, path or spec), or -1. */
static long wasm_index(const wp_wasm_plugins_t *set, const char *name) {
  for (size_t i = 0; i < set->n; i++)
    if (!strcmp(set->p[i]->name, name) || !strcmp(set->p[i]->path, name) || !strcmp(set->p[i]->spec, name))
      return (long)i;
  return -1;
}

static wasmplug_error_t *reload_wasm(wasmplug_host_t *h, long at, const char *spec) {
  wp_wasm_plugins_t *old = h->wasm_plugins, *n = wp_wasm_plugins_new();
  wasmplug_error_t *e = n ? NULL : wasmplug_error_new("out of memory");
  /* every plugin loaded anew: their instances (shared ones too) belong
  ** to one set, and the old set's stay with the instances using them */
  for (size_t i = 0; i < old->n && !e; i++) e = wp_wasm_plugins_add(n, (long)i == at ? spec : old->p[i]->spec);
  if (!e) e = wp_host_wasm_prepare_set(h, n);
  if (!e) e = check_all(h, h->plugins, n);
  if (e) {
    wp_wasm_plugins_delete(n);
    return e;
  }
  pthread_mutex_lock(&h->lock);
  h->wasm_plugins = n;
  pthread_mutex_unlock(&h->lock);
  wp_wasm_plugins_delete(old);
  return NULL;
}

static wasmplug_error_t *reload_native(wasmplug_host_t *h, const char *name, const char *spec) {
  wp_plugin_set_t *n = NULL;
  wasmplug_error_t *e = wp_plugin_set_reload(h->plugins, name, spec, &n);
  if (!e) e = check_all(h, n, h->wasm_plugins);
  if (e) {
    wp_plugin_set_delete(n);
    return e;
  }
  pthread_mutex_lock(&h->lock);
  wp_plugin_set_t *old = h->plugins;
  h->plugins = n;
  pthread_mutex_unlock(&h->lock);
  wp_plugin_set_delete(old);
  return NULL;
}

wasmplug_error_t *wasmplug_host_plugin_reload(wasmplug_host_t *h, const char *name, const char *given) {
  if (!name || !given)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "wasmplug_host_plugin_reload: no plugin name or spec");
  char *spec = wp_host_spec_resolve(given);
  if (!spec) return wasmplug_error_new("out of memory");
  long at = wasm_index(h->wasm_plugins, name);
  wasmplug_error_t *e;
  if (at >= 0) {
    e = wp_wasm_plugin_spec_is_component(spec)
            ? reload_wasm(h, at, spec)
            : wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "reload %s: %s is not a component (a wasm plugin is "
                                      "replaced by a wasm plugin)", name, spec);
  } else if (wp_wasm_plugin_spec_is_component(spec)) {
    e = wasmplug_error_new_kind(WASMPLUG_ERROR_NOT_FOUND, "reload: no loaded wasm plugin is named %s", name);
  } else {
    e = reload_native(h, name, spec);
  }
  free(spec);
  return e ? wp_error_as(e, WASMPLUG_ERROR_PLUGIN) : NULL;
}
