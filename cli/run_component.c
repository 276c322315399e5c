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
#include "component/rt/rt.h"
#include "dl/dl.h"
#include "wasi/p2.h"

/* What the host gives a wasm plugin (the wp_wasm_host_fn of plugin.h):
** only what its --plugin spec granted.  Its WASI comes from a wasi-p2
** built-in of its own configured with its dir=/env= (never the guest's
** capabilities), wasi:dl from a wasi-dl built-in with its allow-dl=
** policy; then the user's native plugins fill what is left (a WASI or
** wasi:dl interface is already defined by then, so the guest's copies are
** never reached). */
typedef struct wasm_host {
  wp_plugin_set_t *own;      /* wasi-p2 (+ wasi-dl) for this plugin */
  wp_plugin_guest_t *own_g, *g;
} wasm_host;

static void wasm_plugin_release(void *ctx, void *state) {
  (void)ctx;
  wasm_host *h = state;
  if (!h) return;
  wp_plugin_guest_delete(h->own_g);
  wp_plugin_guest_delete(h->g);
  wp_plugin_set_delete(h->own);
  free(h);
}

static wasmplug_error_t *wasm_plugin_host(void *ctx, const char *name, const wp_wasm_grants_t *grants,
                                          wasmplug_component_t *c, wasmplug_component_linker_t *l, void **state) {
  wasm_host *h = calloc(1, sizeof *h);
  wp_wasi_p2_caps_t *caps = wp_wasi_p2_caps_new();
  wasmplug_error_t *err = NULL;
  bool ok = h && caps && (h->own = wp_plugin_set_new()) && wp_wasi_p2_caps_add(caps, "args", name);
  for (size_t i = 0; ok && i < grants->ndirs; i++) ok = wp_wasi_p2_caps_add(caps, "dir", grants->dirs[i]);
  for (size_t i = 0; ok && i < grants->nenvs; i++) ok = wp_wasi_p2_caps_add(caps, "env", grants->envs[i]);
  *state = h;
  if (!ok) err = wasmplug_error_new("out of memory");
  if (!err) err = wp_wasi_p2_register(h->own, caps);
  wp_wasi_p2_caps_delete(caps);
  if (!err && grants->allow_dl) {
    char *spec = malloc(strlen(grants->allow_dl) + 8);
    if (!spec) return wasmplug_error_new("out of memory");
    sprintf(spec, "allow=%s", grants->allow_dl);
    err = wp_plugin_set_add_builtin(h->own, wp_dl_plugin_entry, "wasi-dl", spec);
    free(spec);
  }
  if (!err) err = wp_plugin_guest_new(h->own, &h->own_g);
  if (!err) err = wp_plugin_guest_new(ctx, &h->g);
  if (err) {
    wasmplug_error_t *e2 = wasmplug_error_new("wasm plugin %s: %s", name, wasmplug_error_message(err));
    wasmplug_error_delete(err);
    return e2;
  }
  wp_plugin_guest_link_component(h->own_g, l, c);
  wp_plugin_guest_link_component(h->g, l, c);
  return NULL;
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

int wp_run_component(wasmplug_engine_t *engine, wp_plugin_set_t *plugins, wp_wasm_plugins_t *wasm_plugins,
                     const char *file, const uint8_t *bytes, size_t len, const char *invoke) {
  int status = 1;
  wasmplug_component_t *c = NULL;
  wasmplug_component_linker_t *l = NULL;
  wasmplug_component_instance_t *in = NULL;
  wp_plugin_guest_t *g = NULL;
  wp_wasm_guest_t *wg = NULL;
  wasmplug_error_t *err = NULL;
  wasmplug_trap_t *trap = NULL;
  char *text = NULL;

  if ((err = wasmplug_component_new(engine, bytes, len, file, &c))) goto out;
  if (!(l = wasmplug_component_linker_new(engine))) {
    err = wasmplug_error_new("out of memory");
    goto out;
  }
  if ((err = wp_plugin_guest_new(plugins, &g))) goto out;
  /* Wasm plugins first (their definitions win), then native plugins. */
  if (wp_wasm_plugins_count(wasm_plugins) &&
      ((err = wp_wasm_plugins_prepare(wasm_plugins, engine, wasm_plugin_host, wasm_plugin_release, plugins)) ||
       (err = wp_wasm_guest_new(wasm_plugins, &wg))))
    goto out;
  if ((err = wp_wasm_guest_link(wg, l, c, file))) goto out;
  wp_plugin_guest_link_component(g, l, c);
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
  wp_wasm_guest_delete(wg); /* after the guest: its handles' destructors call into the plugins */
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
