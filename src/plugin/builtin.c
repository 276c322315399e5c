/*
** builtin.c — plugins linked into the host instead of dlopen'd.
**
** A built-in plugin goes through exactly the checks a .so does (descriptor,
** WIT, function table, config, init: wp_plugin_setup); only the way its
** entry point is found differs.  That keeps the plugin ABI honest: the
** WASI 0.2 plugins are built both ways from the same sources.
*/
#include "plugin/internal.h"

#include <stdlib.h>
#include <string.h>

wasmplug_error_t *wp_plugin_set_add_builtin(wp_plugin_set_t *set, wasmplug_plugin_entry_fn entry, const char *name,
                                            const char *config_spec) {
  return wp_plugin_set_add_builtin_data(set, entry, name, config_spec, NULL);
}

wasmplug_error_t *wp_plugin_set_add_builtin_data(wp_plugin_set_t *set, wasmplug_plugin_entry_fn entry,
                                                 const char *name, const char *config_spec, void *data) {
  if (!entry || !name || !*name) return wasmplug_error_new("built-in plugin: no entry point or name");
  wp_plugin_t *p = calloc(1, sizeof *p);
  if (!p) return wasmplug_error_new("out of memory");
  p->config.plugin = p;
  p->host_data = data;
  /* The "path" only names the plugin in messages and `wasmplug wit`. */
  p->path = wp_format("<built-in %s>", name);
  wasmplug_error_t *e = p->path ? wp_plugin_setup(p, p->path, entry, config_spec && *config_spec ? config_spec : NULL)
                                : wasmplug_error_new("out of memory");
  for (size_t i = 0; !e && i < set->n; i++)
    if (!strcmp(set->plugins[i]->desc.name, p->desc.name))
      e = wasmplug_error_new("plugin %s is loaded twice (%s and %s)", p->desc.name, set->plugins[i]->path, p->path);
  if (!e && set->n == set->cap) {
    size_t cap = set->cap ? set->cap * 2 : 4;
    wp_plugin_t **n = realloc(set->plugins, cap * sizeof *n);
    if (!n) e = wasmplug_error_new("out of memory");
    else {
      set->plugins = n;
      set->cap = cap;
    }
  }
  if (e) {
    wp_plugin_close(p);
    return e;
  }
  p->refs = 1; /* the set's (set.c) */
  set->plugins[set->n++] = p;
  return NULL;
}
