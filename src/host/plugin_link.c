/*
** plugin_link.c — a component guest's imports linked to native plugins:
** every function and resource type of an imported interface that a loaded
** plugin provides is defined on the component linker (`wasmplug run`,
** `wasmplug serve` and wasm plugins' hosts all link this way).
*/
#include <stdio.h>

#include "component/component.h"
#include "component/rt/rt.h"
#include "plugin/plugin.h"

void wp_plugin_guest_link_component(wp_plugin_guest_t *g, wasmplug_component_linker_t *l,
                                    const wasmplug_component_t *component) {
  const wp_comp *c = rt_component_def(component);
  for (uint32_t i = 0; i < c->nimports; i++) {
    const wp_comp_extern *imp = &c->imports[i];
    if (imp->sort != WP_COMP_SORT_INSTANCE || !imp->type) continue;
    char iface[512], name[1024];
    snprintf(iface, sizeof iface, "%.*s", (int)imp->name.len, imp->name.ptr);
    for (uint32_t k = 0; k < imp->type->nexports; k++) {
      const wp_comp_extern *e = &imp->type->exports[k];
      char item[512];
      snprintf(item, sizeof item, "%.*s", (int)e->name.len, e->name.ptr);
      snprintf(name, sizeof name, "%s#%s", iface, item);
      wasmplug_error_t *err = NULL;
      if (e->sort == WP_COMP_SORT_TYPE && e->type && e->type->kind == WP_COMP_T_RESOURCE) {
        const wp_cabi_resource_t *r = NULL;
        if (!(err = wp_plugin_guest_resource(g, iface, item, &r)))
          err = wasmplug_component_linker_define_resource(l, name, r);
      } else if (e->sort == WP_COMP_SORT_FUNC) {
        wp_plugin_binding_t b;
        if (!(err = wp_plugin_guest_bind(g, iface, item, NULL, &b)))
          err = wasmplug_component_linker_define_native(l, name, b.type, b.fn, b.state, NULL);
      }
      /* not provided: left undefined, so instantiation names the import */
      wasmplug_error_delete(err);
    }
  }
}
