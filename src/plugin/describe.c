/*
** describe.c — `wasmplug wit PLUGIN.so`: what a plugin provides.
**
** The output is WIT: a comment header (name, version, ABI, provided
** interfaces, config options) followed by the plugin's package, so it can
** be saved and used as the WIT a guest is generated from.
*/
#include "plugin/internal.h"

#include <stdlib.h>
#include <string.h>

wasmplug_error_t *wp_plugin_describe(const char *path, FILE *out) {
  wp_plugin_t *p;
  wasmplug_error_t *e = wp_plugin_open(path, NULL, &p);
  if (e) return e;
  const wasmplug_plugin_t *d = &p->desc;
  fprintf(out, "// plugin %s %s (plugin ABI %u.%u, needs host ABI %u.%u+)\n", d->name, d->version, d->abi_major,
          d->abi_minor, WASMPLUG_PLUGIN_ABI_MAJOR, d->min_host_minor);
  fprintf(out, "// file: %s\n", path);
  fprintf(out, "// provides:\n");
  for (size_t i = 0; i < p->nifaces; i++) {
    const wp_wit_interface_t *in = &p->wit->interfaces[p->ifaces[i].index];
    fprintf(out, "//   %s (%u function%s)\n", p->ifaces[i].id, in->n_funcs, in->n_funcs == 1 ? "" : "s");
  }
  if (d->noptions) {
    fprintf(out, "// config options (--plugin %s,KEY=VALUE,...):\n", path);
    for (uint32_t i = 0; i < d->noptions; i++) {
      const wasmplug_plugin_option_t *o = &d->options[i];
      fprintf(out, "//   %s: %s", o->name, o->type);
      if (o->default_value) fprintf(out, " = %s", o->default_value);
      else fprintf(out, " (no default)");
      if (o->doc) fprintf(out, "  -- %s", o->doc);
      fputc('\n', out);
    }
  } else {
    fprintf(out, "// config options: none\n");
  }
  fputc('\n', out);
  char *text = wp_wit_print(p->wit, p->pkg);
  if (!text) {
    wp_plugin_close(p);
    return wasmplug_error_new("out of memory");
  }
  fputs(text, out);
  free(text);
  wp_plugin_close(p);
  return NULL;
}
