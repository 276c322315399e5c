/*
** run_component.c — `wasmplug run` for components: bind the loaded native
** plugins to the component's imported interfaces, instantiate, then call
** the --invoke function (WAVE in, WAVE out) or the wasi:cli/run export.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli/component.h"
#include "component/component.h"
#include "component/rt.h"
#include "wasi/p2.h"

/* Defines every function and resource type of the component's imported
** interfaces that a loaded plugin provides.  What no plugin provides is
** left undefined: instantiation then names the first such import and its
** WIT type. */
static void bind_plugins(wasmplug_component_linker_t *l, wp_plugin_guest_t *g, const wp_comp *c) {
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
      wasmplug_error_delete(err);
    }
  }
}

/* The trap's exit status: the guest's own, else 134 after the message. */
static int trap_status(wasmplug_trap_t *t) {
  int code;
  fflush(stdout);
  /* a wasi:cli/exit from a WASI plugin (see plugins/wasi/p2.h) */
  if (wasmplug_trap_exit_status(t, &code) || wp_wasi_p2_exit_status(wasmplug_trap_message(t), &code)) return code;
  wp_cli_error("%s", wasmplug_trap_message(t));
  return 134;
}

int wp_run_component(wasmplug_engine_t *engine, wp_plugin_set_t *plugins, const char *file, const uint8_t *bytes,
                     size_t len, const char *invoke) {
  int status = 1;
  wasmplug_component_t *c = NULL;
  wasmplug_component_linker_t *l = NULL;
  wasmplug_component_instance_t *in = NULL;
  wp_plugin_guest_t *g = NULL;
  wasmplug_error_t *err = NULL;
  wasmplug_trap_t *trap = NULL;
  char *text = NULL;

  if ((err = wasmplug_component_new(engine, bytes, len, file, &c))) goto out;
  if (!(l = wasmplug_component_linker_new(engine))) {
    err = wasmplug_error_new("out of memory");
    goto out;
  }
  if ((err = wp_plugin_guest_new(plugins, &g))) goto out;
  bind_plugins(l, g, rt_component_def(c));
  wasmplug_component_linker_instantiate(l, c, &in, &err, &trap);
  if (err || trap) goto out;

  if (invoke) {
    trap = wasmplug_component_invoke_wave(in, invoke, &text, &err);
    if (err) {
      wasmplug_error_t *e2 = wasmplug_error_new("%s: %s", file, wasmplug_error_message(err));
      wasmplug_error_delete(err);
      err = e2;
    }
    if (!trap && !err) {
      if (*text) printf("%s\n", text);
      status = 0;
    }
    goto out;
  }
  wasmplug_component_func_t *run = wasmplug_component_instance_func(in, "wasi:cli/run#run");
  if (!run) {
    err = wasmplug_error_new("%s: no wasi:cli/run export (not a command component); use --invoke 'NAME(ARGS)'",
                             file);
    goto out;
  }
  const wp_cabi_func_t *ft = wasmplug_component_func_type(run);
  if (ft->nparams || !ft->result || ft->result->kind != WP_CABI_RESULT) {
    err = wasmplug_error_new("%s: wasi:cli/run#run has an unexpected type", file);
    goto out;
  }
  wp_cabi_val_t res;
  trap = wasmplug_component_func_call(run, NULL, 0, &res);
  if (!trap) {
    /* result<_, _>: case 0 is ok */
    status = res.of.var.disc == 0 ? 0 : 1;
    wp_cabi_val_drop(&res);
  }
out:
  if (trap) status = trap_status(trap);
  if (err) {
    wp_cli_error("%s", wasmplug_error_message(err));
    status = 1;
  }
  fflush(stdout);
  free(text);
  wasmplug_trap_delete(trap);
  wasmplug_error_delete(err);
  wasmplug_component_instance_delete(in);
  wp_plugin_guest_delete(g); /* plugin resources die with the instance */
  wasmplug_component_linker_delete(l);
  wasmplug_component_delete(c);
  return status;
}

int wp_wit_component(const char *path) {
  size_t len;
  uint8_t *bytes = wp_cli_read_file(path, &len);
  if (!bytes) return 1;
  int status = 1;
  wp_comp *c = NULL;
  char err[1024];
  if (!wp_comp_is_component(bytes, len)) {
    wp_cli_error("%s: not a component (a core module has no WIT world)", path);
  } else if (wp_comp_load(bytes, len, path, &c, err, sizeof err)) {
    wp_cli_error("%s", err);
  } else {
    char *wit = rt_world_wit(c, path);
    if (!wit) {
      wp_cli_error("out of memory");
    } else {
      fputs(wit, stdout);
      free(wit);
      status = fflush(stdout) ? 1 : 0;
    }
    wp_comp_delete(c);
  }
  free(bytes);
  return status;
}
