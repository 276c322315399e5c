/*
** wit_api.c — wasmplug/wit.h: the WIT layer (printing, JSON), the
** component decoder (worlds), the plugin loader (descriptions) and bindgen
** behind one public header with wasmplug errors.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindgen/bindgen.h"
#include "component/component.h"
#include "component/rt/rt.h"
#include "core/error.h"
#include "plugin/plugin.h"
#include "wasmplug/wit.h"
#include "wit/wit.h"

/* A WIT error: its line, then the source line and caret after it. */
static wasmplug_error_t *wit_error(const wp_wit_error_t *e) {
  if (!e) return wasmplug_error_new("out of memory");
  const char *snip = e->rendered ? strstr(e->rendered, "\n      |\n") : NULL;
  wasmplug_error_kind_t kind = e->io ? WASMPLUG_ERROR_IO : WASMPLUG_ERROR_DECODE;
  return snip ? wasmplug_error_new_kind(kind, "%s\n%s", e->message, snip + 1)
              : wasmplug_error_new_kind(kind, "%s", e->message);
}

wasmplug_error_t *wasmplug_wit_from_path(const char *path, const wasmplug_wit_options_t *o, char **out) {
  *out = NULL;
  uint32_t flags = o && o->size >= offsetof(wasmplug_wit_options_t, flags) + sizeof o->flags ? o->flags : 0;
  const char *features =
      o && o->size >= offsetof(wasmplug_wit_options_t, features) + sizeof o->features ? o->features : NULL;
  wp_wit_resolve_t *r = wp_wit_resolve_new();
  if (!r) return wasmplug_error_new("out of memory");
  r->all_features = (flags & WASMPLUG_WIT_ALL_FEATURES) != 0;
  wasmplug_error_t *err = NULL;
  for (const char *f = features; f && *f && !err;) {
    size_t n = strcspn(f, ", ");
    char *name = strndup(f, n);
    if (!name || (n && wp_wit_resolve_feature(r, name))) err = wasmplug_error_new("out of memory");
    free(name);
    f += n;
    while (*f == ',' || *f == ' ') f++;
  }
  uint32_t pkg;
  wp_wit_error_t *we = NULL;
  if (!err && wp_wit_push_path(r, path, &pkg, &we)) err = wit_error(we);
  wp_wit_error_delete(we);
  if (!err) {
    *out = flags & WASMPLUG_WIT_JSON ? wp_wit_to_json(r) : wp_wit_print(r, pkg);
    if (!*out) err = wasmplug_error_new("out of memory");
  }
  wp_wit_resolve_delete(r);
  return err;
}

wasmplug_error_t *wasmplug_wit_from_component(const uint8_t *bytes, size_t len, const char *name, char **out) {
  *out = NULL;
  if (!wp_comp_is_component(bytes, len))
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "%s: not a component (a core module has no WIT world)",
                                   name);
  wp_comp *c = NULL;
  char why[1024];
  if (wp_comp_load(bytes, len, name, &c, why, sizeof why)) return wasmplug_error_new_kind(WASMPLUG_ERROR_DECODE, "%s", why);
  *out = rt_world_wit(c, name);
  wp_comp_delete(c);
  return *out ? NULL : wasmplug_error_new("out of memory");
}

wasmplug_error_t *wasmplug_wit_from_plugin(const char *path, char **out) {
  *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(out, &len);
  if (!f) return wasmplug_error_new("out of memory");
  wasmplug_error_t *e = wp_error_as(wp_plugin_describe(path, f), WASMPLUG_ERROR_PLUGIN);
  if (fclose(f) && !e) e = wasmplug_error_new("out of memory");
  if (e) {
    free(*out);
    *out = NULL;
  }
  return e;
}

wasmplug_error_t *wasmplug_bindgen_c(const wasmplug_bindgen_options_t *given) {
  /* an older caller's struct may be shorter: what it lacks is zero */
  if (!given || given->size < offsetof(wasmplug_bindgen_options_t, prefix))
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "bindgen: options.size %u is too small",
                                   given ? given->size : 0);
  wasmplug_bindgen_options_t c;
  memset(&c, 0, sizeof c);
  memcpy(&c, given, given->size < sizeof c ? given->size : sizeof c);
  const wasmplug_bindgen_options_t *o = &c;
  wp_bindgen_opts_t b = {0};
  b.side = o->side == WASMPLUG_BINDGEN_GUEST ? WP_BINDGEN_GUEST : WP_BINDGEN_PLUGIN;
  b.wit_path = o->wit_path;
  b.world = o->world;
  b.out_dir = o->out_dir;
  b.prefix = o->prefix;
  b.plugin_name = o->plugin_name;
  b.plugin_version = o->plugin_version;
  b.flags = o->flags;
  wp_bindgen_option_t *opts = o->nplugin_options ? calloc(o->nplugin_options, sizeof *opts) : NULL;
  if (o->nplugin_options && !opts) return wasmplug_error_new("out of memory");
  for (size_t i = 0; i < o->nplugin_options; i++)
    opts[i] = (wp_bindgen_option_t){o->plugin_options[i].name, o->plugin_options[i].type,
                                    o->plugin_options[i].default_value, o->plugin_options[i].doc};
  b.options = opts;
  b.noptions = o->nplugin_options;
  char *why = NULL;
  int kind = wp_bindgen_c(&b, &why);
  wasmplug_error_t *e = kind ? wasmplug_error_new_kind((wasmplug_error_kind_t)kind, "%s", why ? why : "out of memory") : NULL;
  free(why);
  free(opts);
  return e;
}
