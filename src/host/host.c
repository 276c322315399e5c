/*
** host.c — the host object: capabilities, plugins, limits (wasmplug/host.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "host/host_internal.h"
#include "wasi/caps.h"

wasmplug_error_t *wasmplug_host_new(wasmplug_engine_t *engine, const wasmplug_host_options_t *options,
                                    wasmplug_host_t **out) {
  *out = NULL;
  if (!engine) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "wasmplug_host_new: no engine");
  wasmplug_host_options_t o = {sizeof o, 0};
  if (options) {
    if (options->size < offsetof(wasmplug_host_options_t, flags) + sizeof o.flags)
      return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "wasmplug_host_new: options.size %u is too small",
                                     options->size);
    o.flags = options->flags;
  }
  if (o.flags & ~WASMPLUG_HOST_NO_DEFAULT_PLUGINS)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "wasmplug_host_new: unknown flags 0x%x", o.flags);
  wasmplug_host_t *h = calloc(1, sizeof *h);
  if (!h || !(h->wasi = wp_wasi_caps_new()) || !(h->plugins = wp_plugin_set_new()) ||
      !(h->wasm_plugins = wp_wasm_plugins_new())) {
    wasmplug_host_delete(h);
    return wasmplug_error_new("out of memory");
  }
  h->engine = engine;
  h->flags = o.flags;
  pthread_mutex_init(&h->lock, NULL);
  h->limits.size = sizeof h->limits;
  h->store = *wasmplug_engine_limits(engine);
  *out = h;
  return NULL;
}

void wp_host_plugins_unload(wasmplug_host_t *h) {
  /* wasm plugins' shared instances call into native plugins: first */
  wp_wasm_plugins_delete(h->wasm_plugins);
  wp_plugin_set_delete(h->plugins);
  h->wasm_plugins = NULL;
  h->plugins = NULL;
}

void wasmplug_host_delete(wasmplug_host_t *h) {
  if (!h) return;
  wp_host_plugins_unload(h);
  wp_wasi_caps_delete(h->wasi); /* the built-in wasi-p2 read it until now */
  free(h->programs);
  if (h->engine) pthread_mutex_destroy(&h->lock);
  free(h);
}

wasmplug_engine_t *wasmplug_host_engine(const wasmplug_host_t *h) { return h->engine; }

wasmplug_error_t *wasmplug_host_wasi_set(wasmplug_host_t *h, const wasmplug_wasi_config_t *c) {
  if (!c) return wasmplug_error_new("wasmplug_host_wasi_set: no config");
  return wp_wasi_caps_assign(h->wasi, c) ? NULL : wasmplug_error_new("out of memory");
}

wasmplug_error_t *wasmplug_host_limits_set(wasmplug_host_t *h, const wasmplug_host_limits_t *l) {
  wasmplug_host_limits_t n;
  memset(&n, 0, sizeof n);
  if (!l || l->size < sizeof(uint32_t)) return wasmplug_error_new("wasmplug_host_limits_set: no limits");
  /* Read only the fields the caller's struct has (it may be older). */
  memcpy(&n, l, l->size < sizeof n ? l->size : sizeof n);
  n.size = sizeof n;
  wasmplug_store_limits_t st;
  memset(&st, 0, sizeof st);
  st.size = sizeof st;
  st.memory_bytes = n.memory_bytes;
  st.table_elements = n.table_elements;
  st.instances = n.core_instances;
  st.handles = n.handles;
  st.host_memory_bytes = n.host_memory_bytes;
  h->store = *wasmplug_engine_limits(h->engine);
  wasmplug_store_limits_merge(&h->store, &st);
  h->limits = n;
  return NULL;
}

wasmplug_error_t *wasmplug_host_unknown_imports_set(wasmplug_host_t *h, wasmplug_unknown_imports_t mode) {
  if (mode != WASMPLUG_UNKNOWN_IMPORTS_REFUSE && mode != WASMPLUG_UNKNOWN_IMPORTS_TRAP &&
      mode != WASMPLUG_UNKNOWN_IMPORTS_DEFAULT)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "wasmplug_host_unknown_imports_set: unknown mode %d",
                                   (int)mode);
  h->unknown = mode;
  return NULL;
}

/* ----------------------------------------------------------------- plugins */

static wasmplug_error_t *plugin_load(wasmplug_host_t *h, const char *spec);

char *wp_host_spec_resolve(const char *given) {
  /* A bare file name not found here: the plugin search path (search.c). */
  size_t plen = strcspn(given, ",");
  char *name = strndup(given, plen), *found = name ? wp_host_plugin_find(name) : NULL, *spec = NULL;
  free(name);
  if (!found) return strdup(given);
  size_t n = strlen(found) + strlen(given + plen) + 1;
  if ((spec = malloc(n))) snprintf(spec, n, "%s%s", found, given + plen);
  free(found);
  return spec;
}

void wp_host_sets(wasmplug_host_t *h, wp_plugin_set_t **natives, wp_wasm_plugins_t **wasms) {
  pthread_mutex_lock(&h->lock);
  wp_plugin_set_ref(*natives = h->plugins);
  wp_wasm_plugins_ref(*wasms = h->wasm_plugins);
  pthread_mutex_unlock(&h->lock);
}

wasmplug_error_t *wasmplug_host_plugin_load(wasmplug_host_t *h, const char *given) {
  if (!given) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "--plugin: no plugin given");
  char *spec = wp_host_spec_resolve(given);
  if (!spec) return wasmplug_error_new("out of memory");
  wasmplug_error_t *e = plugin_load(h, spec);
  free(spec);
  return e;
}

static wasmplug_error_t *plugin_load(wasmplug_host_t *h, const char *spec) {
  if (wp_wasm_plugin_spec_is_component(spec)) {
    if (h->wasm_prepared)
      return wasmplug_error_new("--plugin %s: wasm plugins must be loaded before the first program", spec);
    return wp_error_as(wp_wasm_plugins_add(h->wasm_plugins, spec), WASMPLUG_ERROR_PLUGIN);
  }
  return wp_error_as(wp_plugin_set_load(h->plugins, spec), WASMPLUG_ERROR_PLUGIN);
}

wasmplug_error_t *wasmplug_host_plugin_load_dir(wasmplug_host_t *h, const char *dir) {
  return wp_error_as(wp_plugin_set_load_dir(h->plugins, dir), WASMPLUG_ERROR_PLUGIN);
}

wasmplug_error_t *wasmplug_host_plugin_load_path(wasmplug_host_t *h, const char *list) {
  return wp_error_as(wp_plugin_set_load_path(h->plugins, list), WASMPLUG_ERROR_PLUGIN);
}

wasmplug_error_t *wasmplug_host_plugin_use(wasmplug_host_t *h, const char *spec) {
  return wp_error_as(wp_plugin_set_use(h->plugins, spec ? spec : ""), WASMPLUG_ERROR_INVALID);
}

bool wasmplug_host_plugin_loaded(wasmplug_host_t *h, const char *name) {
  bool found = false;
  pthread_mutex_lock(&h->lock);
  for (size_t i = 0; name && i < wp_plugin_set_count(h->plugins) && !found; i++)
    found = !strcmp(wp_plugin_name(wp_plugin_set_get(h->plugins, i)), name);
  pthread_mutex_unlock(&h->lock);
  return found;
}

wasmplug_error_t *wasmplug_host_plugin_add(wasmplug_host_t *h, wasmplug_plugin_entry_fn entry, const char *name,
                                           const char *config, void *data) {
  return wp_error_as(wp_plugin_set_add_builtin_data(h->plugins, entry, name, config, data), WASMPLUG_ERROR_PLUGIN);
}

/* ------------------------------------------------------------- compose */

wasmplug_error_t *wasmplug_compose(const char *const *specs, size_t n, const uint8_t *app, size_t app_len,
                                   const char *app_name, uint8_t **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  wp_wasm_plugins_t *set = wp_wasm_plugins_new();
  if (!set) return wasmplug_error_new("out of memory");
  wasmplug_error_t *e = NULL;
  for (size_t i = 0; i < n && !e; i++) e = wp_error_as(wp_wasm_plugins_add(set, specs[i]), WASMPLUG_ERROR_PLUGIN);
  if (!e) e = wp_wasm_compose(set, app, app_len, app_name ? app_name : "<app>", out, out_len);
  wp_wasm_plugins_delete(set);
  return wp_error_as(e, WASMPLUG_ERROR_LINK);
}
