/*
** host_component.c — a component program's instance: its imports linked
** to the wasm plugins (whose definitions win), then to the native plugins,
** then instantiated.  Also what the host gives each wasm plugin.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/component.h"
#include "component/rt/rt.h"
#include "dl/dl.h"
#include "core/error.h"
#include "host/host_internal.h"
#include "host/wasm_internal.h"
#include "wasi/caps.h"
#include "wasi/p2.h"
#include "wasi/p3.h"

/* Defines every function and resource type of the component's imported
** interfaces that a loaded plugin provides.  What no plugin provides is
** left undefined: instantiation then names the first such import and its
** WIT type. */
static void bind_plugins(wasmplug_component_linker_t *l, wp_plugin_instances_t *g, const wp_comp *c) {
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
        if (!(err = wp_plugin_instances_resource(g, iface, item, &r)))
          err = wasmplug_component_linker_define_resource(l, name, r);
      } else if (e->sort == WP_COMP_SORT_FUNC) {
        wp_plugin_binding_t b;
        if (!(err = wp_plugin_instances_bind(g, iface, item, NULL, &b)))
          err = rt_linker_define_native(l, name, b.type, &b.native, NULL);
      }
      wasmplug_error_delete(err);
    }
  }
}

/* What the host gives a wasm plugin (the wp_wasm_host_fn of plugin.h):
** only what its --plugin spec granted.  Its WASI comes from a wasi-p2
** built-in of its own with a capability object made of its dir=/env=
** (never the guest's capabilities), wasi:dl from a wasi-dl built-in with
** its allow-dl= policy; then the host's native plugins fill what is left
** (a WASI or wasi:dl interface is already defined by then, so the
** guest's copies are never reached). */
typedef struct wasm_host {
  wasmplug_wasi_config_t *caps; /* read by `own`'s wasi-p2: outlives it */
  wp_plugin_set_t *own;         /* wasi-p2 (+ wasi-dl) for this plugin */
  wp_plugin_instances_t *own_g, *g;
} wasm_host;

static void wasm_plugin_release(void *ctx, void *state) {
  (void)ctx;
  wasm_host *h = state;
  if (!h) return;
  wp_plugin_instances_delete(h->own_g);
  wp_plugin_instances_delete(h->g);
  wp_plugin_set_delete(h->own);
  wp_wasi_caps_delete(h->caps);
  free(h);
}

static wasmplug_error_t *wasm_plugin_host(void *ctx, const char *name, const wp_wasm_grants_t *grants,
                                          wasmplug_component_t *c, wasmplug_component_linker_t *l, void **state) {
  wasmplug_host_t *host = ctx;
  wasm_host *h = calloc(1, sizeof *h);
  *state = h;
  if (!h) return wasmplug_error_new("out of memory");
  const char *why = (h->caps = wp_wasi_caps_new()) && (h->own = wp_plugin_set_new()) ? NULL : "out of memory";
  if (!why) why = wp_wasi_caps_arg(h->caps, name);
  for (size_t i = 0; !why && i < grants->ndirs; i++) why = wp_wasi_caps_dir_spec(h->caps, grants->dirs[i], false);
  for (size_t i = 0; !why && i < grants->nenvs; i++) why = wp_wasi_caps_env_spec(h->caps, grants->envs[i]);
  wasmplug_error_t *err = why ? wasmplug_error_new("%s", why) : wp_wasi_p2_register(h->own, h->caps);
  if (!err) err = wp_wasi_p3_register(h->own, h->caps);
  if (!err && grants->allow_dl) {
    size_t n = strlen(grants->allow_dl) + 8;
    char *spec = malloc(n);
    if (!spec) return wasmplug_error_new("out of memory");
    snprintf(spec, n, "allow=%s", grants->allow_dl);
    err = wp_plugin_set_add_builtin(h->own, wp_dl_plugin_entry, "wasi-dl", spec);
    free(spec);
  }
  if (!err) err = wp_plugin_instances_new(h->own, &h->own_g);
  if (!err) { /* the native plugins of now: a reload may have replaced those of the start */
    wp_plugin_set_t *natives;
    wp_wasm_plugins_t *wasms;
    wp_host_sets(host, &natives, &wasms);
    err = wp_plugin_instances_new(natives, &h->g);
    wp_plugin_set_delete(natives);
    wp_wasm_plugins_delete(wasms);
  }
  if (err) {
    wasmplug_error_t *e2 = wasmplug_error_new("wasm plugin %s: %s", name, wasmplug_error_message(err));
    wasmplug_error_delete(err);
    return e2;
  }
  bind_plugins(l, h->own_g, rt_component_def(c));
  bind_plugins(l, h->g, rt_component_def(c));
  return NULL;
}

static wasmplug_error_t *precheck(wp_plugin_set_t *natives, wp_wasm_plugins_t *wasms, const wp_comp *c,
                                  const char *name);

wasmplug_error_t *wp_host_component_precheck_loaded(wasmplug_host_t *h, const wasmplug_component_t *comp,
                                                    const char *name) {
  return precheck(h->plugins, h->wasm_plugins, rt_component_def(comp), name);
}

wasmplug_error_t *wp_host_component_precheck_sets(wp_plugin_set_t *natives, wp_wasm_plugins_t *wasms,
                                                  const wasmplug_component_t *comp, const char *name) {
  return precheck(natives, wasms, rt_component_def(comp), name);
}

static wasmplug_error_t *precheck(wp_plugin_set_t *natives, wp_wasm_plugins_t *wasms, const wp_comp *c,
                                  const char *name) {
  wasmplug_error_t *e = NULL;
  for (uint32_t i = 0; i < c->nimports && !e; i++) {
    const wp_comp_extern *imp = &c->imports[i];
    if (imp->sort != WP_COMP_SORT_INSTANCE || !imp->type) continue;
    /* wasi:dl is refused at link time with its own message; a wasm
    ** plugin's export is checked (with types) when it is linked */
    if (wp_wasm_is_dl(imp->name.ptr, imp->name.len) ||
        (wp_wasm_plugins_count(wasms) && wp_wasm_provider(wasms, imp->name.ptr, imp->name.len,
                                                                    SIZE_MAX) >= 0))
      continue;
    char iface[512], item[512];
    snprintf(iface, sizeof iface, "%.*s", (int)imp->name.len, imp->name.ptr);
    for (uint32_t k = 0; k < imp->type->nexports && !e; k++) {
      const wp_comp_extern *x = &imp->type->exports[k];
      bool res = x->sort == WP_COMP_SORT_TYPE && x->type && x->type->kind == WP_COMP_T_RESOURCE;
      if (!res && x->sort != WP_COMP_SORT_FUNC) continue;
      snprintf(item, sizeof item, "%.*s", (int)x->name.len, x->name.ptr);
      if ((e = wp_plugin_set_check(natives, iface, item, res))) {
        char wit[512] = "resource";
        if (!res && x->type) wp_comp_type_wit(x->type, wit, sizeof wit);
        e = wasmplug_error_prefix(wp_error_as(e, WASMPLUG_ERROR_LINK), "%s: unknown import `%s#%s`: `%s`: ", name,
                                  iface, item, wit);
      }
    }
  }
  return e;
}

wasmplug_error_t *wp_host_wasm_prepare_set(wasmplug_host_t *h, wp_wasm_plugins_t *set) {
  return wp_wasm_plugins_prepare(set, h->engine, wasm_plugin_host, wasm_plugin_release, h);
}

wasmplug_error_t *wp_host_wasm_prepare(wasmplug_host_t *h) {
  if (h->wasm_prepared || !wp_wasm_plugins_count(h->wasm_plugins)) return NULL;
  wasmplug_error_t *e = wp_host_wasm_prepare_set(h, h->wasm_plugins);
  if (!e) h->wasm_prepared = true;
  return e;
}

void wp_host_component_instantiate(wasmplug_program_instance_t *pi, wasmplug_error_t **error,
                                   wasmplug_trap_t **trap) {
  wasmplug_program_t *p = pi->program;
  wasmplug_host_t *h = p->host;
  if (!(pi->clinker = wasmplug_component_linker_new(h->engine))) {
    *error = wasmplug_error_new("out of memory");
    return;
  }
  wasmplug_component_linker_limits_set(pi->clinker, &h->store);
  wasmplug_component_linker_allow_unknown_imports(pi->clinker, h->unknown == WASMPLUG_UNKNOWN_IMPORTS_TRAP);
  wasmplug_component_linker_default_unknown_imports(pi->clinker, h->unknown == WASMPLUG_UNKNOWN_IMPORTS_DEFAULT);
  wp_plugin_set_t *natives;
  wp_wasm_plugins_t *wasms;
  wp_host_sets(h, &natives, &wasms); /* the guests below keep them as long as they need */
  *error = wp_plugin_instances_new(natives, &pi->plugin_guest);
  if (!*error) wp_plugin_instances_limits_set(pi->plugin_guest, &h->store);
  /* Wasm plugins first (their definitions win), then native plugins. */
  if (!*error && wp_wasm_plugins_count(wasms)) *error = wp_wasm_instances_new(wasms, &pi->wasm_instances);
  wp_plugin_set_delete(natives);
  wp_wasm_plugins_delete(wasms);
  if (*error) return;
  if ((*error = wp_error_as(wp_wasm_instances_link(pi->wasm_instances, pi->clinker, p->component, p->name),
                            WASMPLUG_ERROR_LINK)))
    return;
  bind_plugins(pi->clinker, pi->plugin_guest, rt_component_def(p->component));
  wasmplug_component_linker_instantiate(pi->clinker, p->component, &pi->comp, error, trap);
}

bool wp_host_exit_status(const wasmplug_trap_t *t, int *status) { return wasmplug_trap_exit_status(t, status); }
