/*
** host.c — the host object: capabilities, plugins, limits (wasmplug/host.h).
*/
#include <stdlib.h>
#include <string.h>

#include "host/host_internal.h"
#include "wasi/caps.h"

wasmplug_error_t *wasmplug_host_new(wasmplug_engine_t *engine, const wasmplug_host_options_t *options,
                                    wasmplug_host_t **out) {
  *out = NULL;
  if (!engine) return wasmplug_error_new("wasmplug_host_new: no engine");
  wasmplug_host_options_t o = {sizeof o, 0};
  if (options) {
    if (options->size < offsetof(wasmplug_host_options_t, flags) + sizeof o.flags)
      return wasmplug_error_new("wasmplug_host_new: options.size %u is too small", options->size);
    o.flags = options->flags;
  }
  if (o.flags & ~WASMPLUG_HOST_NO_DEFAULT_PLUGINS)
    return wasmplug_error_new("wasmplug_host_new: unknown flags 0x%x", o.flags);
  wasmplug_host_t *h = calloc(1, sizeof *h);
  if (!h || !(h->wasi = wp_wasi_caps_new()) || !(h->plugins = wp_plugin_set_new()) ||
      !(h->wasm_plugins = wp_wasm_plugins_new())) {
    wasmplug_host_delete(h);
    return wasmplug_error_new("out of memory");
  }
  h->engine = engine;
  h->flags = o.flags;
  h->limits.size = sizeof h->limits;
  *out = h;
  return NULL;
}

void wasmplug_host_delete(wasmplug_host_t *h) {
  if (!h) return;
  /* wasm plugins' shared instances call into native plugins: first */
  wp_wasm_plugins_delete(h->wasm_plugins);
  wp_plugin_set_delete(h->plugins);
  wp_wasi_caps_delete(h->wasi); /* the built-in wasi-p2 read it until now */
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
  static const struct {
    size_t off;
    const char *name;
  } fields[] = {
      {offsetof(wasmplug_host_limits_t, memory_bytes), "memory_bytes"},
      {offsetof(wasmplug_host_limits_t, table_elements), "table_elements"},
      {offsetof(wasmplug_host_limits_t, instances), "instances"},
      {offsetof(wasmplug_host_limits_t, handles), "handles"},
  };
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    uint64_t v;
    memcpy(&v, (const char *)&n + fields[i].off, sizeof v);
    if (v) return wasmplug_error_new("limit %s is not enforced by this version of wasmplug", fields[i].name);
  }
  h->limits = n;
  return NULL;
}

/* ----------------------------------------------------------------- plugins */

wasmplug_error_t *wasmplug_host_plugin_load(wasmplug_host_t *h, const char *spec) {
  if (!spec) return wasmplug_error_new("--plugin: no plugin given");
  if (wp_wasm_plugin_spec_is_component(spec)) {
    if (h->wasm_prepared)
      return wasmplug_error_new("--plugin %s: wasm plugins must be loaded before the first program", spec);
    return wp_wasm_plugins_add(h->wasm_plugins, spec);
  }
  return wp_plugin_set_load(h->plugins, spec);
}

wasmplug_error_t *wasmplug_host_plugin_load_dir(wasmplug_host_t *h, const char *dir) {
  return wp_plugin_set_load_dir(h->plugins, dir);
}

wasmplug_error_t *wasmplug_host_plugin_load_path(wasmplug_host_t *h, const char *list) {
  return wp_plugin_set_load_path(h->plugins, list);
}

wasmplug_error_t *wasmplug_host_plugin_use(wasmplug_host_t *h, const char *spec) {
  return wp_plugin_set_use(h->plugins, spec ? spec : "");
}

wasmplug_error_t *wasmplug_host_plugin_add(wasmplug_host_t *h, wasmplug_plugin_entry_fn entry, const char *name,
                                           const char *config, void *data) {
  return wp_plugin_set_add_builtin_data(h->plugins, entry, name, config, data);
}
