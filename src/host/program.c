/*
** program.c — programs and their instances (wasmplug/host.h): a core
** module gets WASI preview1 and the native plugins' interfaces on a core
** linker; a component is linked by host_component.c.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/rt/rt.h"
#include "core/error.h"
#include "core/load.h"
#include "host/host_internal.h"
#include "wasi/caps.h"
#include "plugin/plugin.h"
#include "wasi/p2.h"
#include "wasi/p3.h"

/* owned: `bytes` are a malloc'ed buffer the program takes (freed with it,
** or here on failure); else the caller's, copied when they must be kept. */
static wasmplug_error_t *program_new(wasmplug_host_t *h, const uint8_t *bytes, uint8_t *owned, size_t len,
                                     const char *name, wasmplug_program_t **out) {
  *out = NULL;
  if (!name) name = "<program>";
  wasmplug_program_t *p = calloc(1, sizeof *p);
  if (!p || !(p->name = strdup(name))) {
    wasmplug_program_delete(p);
    free(owned);
    return wasmplug_error_new("out of memory");
  }
  p->host = h;
  p->bytes = owned; /* ours from now on, whatever happens */
  p->len = owned ? len : 0;
  wasmplug_error_t *e = NULL;
  bool artifact = wasmplug_bytes_is_component_artifact(bytes, len);
  if (wasmplug_bytes_is_component(bytes, len) || artifact) {
    /* the component runtime keeps pointers into its bytes */
    if (!p->bytes && !(p->bytes = malloc(len ? len : 1))) {
      e = wasmplug_error_new("out of memory");
      goto fail;
    }
    if (!owned) memcpy(p->bytes, bytes, len);
    p->len = len;
    /* WASI 0.2 and 0.3 are plugins like any other: registered unless told
    ** not to, with the same capability object. */
    if (!(h->flags & WASMPLUG_HOST_NO_DEFAULT_PLUGINS) && !h->p2_registered) {
      if ((e = wp_wasi_p2_register(h->plugins, h->wasi))) goto fail;
      if ((e = wp_wasi_p3_register(h->plugins, h->wasi))) goto fail;
      h->p2_registered = true;
    }
    /* Imports are resolved before the guest is compiled: a component
    ** nothing can link fails at once, with the plugins' reasons. */
    if ((e = wp_error_as(wp_host_wasm_prepare(h), WASMPLUG_ERROR_PLUGIN))) goto fail;
    /* Decoded and validated once, checked against the plugins (with
    ** unknown imports allowed, what is missing is the linker's), then
    ** compiled: p->bytes are ours and never change, so the core modules
    ** are used in place, not copied and hashed again (rt_component_decode) */
    bool check = h->unknown == WASMPLUG_UNKNOWN_IMPORTS_REFUSE;
    if ((e = rt_component_decode(h->engine, p->bytes, len, name, true, &p->component))) goto fail;
    if (check && (e = wp_host_component_precheck_loaded(h, p->component, name))) goto fail;
    if ((e = rt_component_compile(p->component))) goto fail;
  } else {
    if (wp_wasm_plugins_count(h->wasm_plugins)) { /* they link to component imports only */
      e = wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID,
                                  "%s: wasm plugins (--plugin X.wasm) need a component guest; this is a core module",
                                  name);
      goto fail;
    }
    /* our own buffer is used in place; the caller's is copied by the core */
    if ((e = owned ? wp_module_new_inplace(h->engine, p->bytes, len, name, NULL, &p->module)
                   : wasmplug_module_new(h->engine, bytes, len, name, &p->module)))
      goto fail;
  }
  /* known to the host: a reload checks the new plugins against it */
  pthread_mutex_lock(&h->lock);
  if (h->nprograms == h->capprograms) {
    size_t cap = h->capprograms ? h->capprograms * 2 : 4;
    wasmplug_program_t **n = realloc(h->programs, cap * sizeof *n);
    if (n) {
      h->programs = n;
      h->capprograms = cap;
    }
  }
  bool listed = h->nprograms < h->capprograms;
  if (listed) h->programs[h->nprograms++] = p;
  pthread_mutex_unlock(&h->lock);
  if (!listed) {
    e = wasmplug_error_new("out of memory");
    goto fail;
  }
  *out = p;
  return NULL;
fail:
  wasmplug_program_delete(p);
  return e;
}

wasmplug_error_t *wasmplug_program_new(wasmplug_host_t *h, const uint8_t *bytes, size_t len, const char *name,
                                       wasmplug_program_t **out) {
  return program_new(h, bytes, NULL, len, name, out);
}

wasmplug_error_t *wasmplug_program_new_owned(wasmplug_host_t *h, uint8_t *bytes, size_t len, const char *name,
                                             wasmplug_program_t **out) {
  return program_new(h, bytes, bytes, len, name, out);
}

void wasmplug_program_delete(wasmplug_program_t *p) {
  if (!p) return;
  wasmplug_host_t *h = p->host;
  pthread_mutex_lock(&h->lock);
  for (size_t i = 0; i < h->nprograms; i++)
    if (h->programs[i] == p) {
      h->programs[i] = h->programs[--h->nprograms];
      break;
    }
  pthread_mutex_unlock(&h->lock);
  wasmplug_module_delete(p->module);
  wasmplug_component_delete(p->component);
  free(p->bytes);
  free(p->name);
  free(p);
}

bool wasmplug_program_is_component(const wasmplug_program_t *p) { return p->component != NULL; }

/* A core module: preview1 from the host's capabilities, the plugins'
** interfaces ("ns:pkg/iface@ver" import modules), then instantiation and
** a reactor's _initialize. */
static void core_instantiate(wasmplug_program_instance_t *pi, wasmplug_error_t **error, wasmplug_trap_t **trap) {
  wasmplug_program_t *p = pi->program;
  wasmplug_host_t *h = p->host;
  if ((*error = wp_wasi_ctx_new_config(h->wasi, &pi->wasi))) return;
  if (!(pi->linker = wasmplug_linker_new(h->engine))) {
    *error = wasmplug_error_new("out of memory");
    return;
  }
  wasmplug_linker_limits_set(pi->linker, &h->store);
  wasmplug_linker_allow_unknown_imports(pi->linker, h->unknown == WASMPLUG_UNKNOWN_IMPORTS_TRAP);
  wasmplug_linker_default_unknown_imports(pi->linker, h->unknown == WASMPLUG_UNKNOWN_IMPORTS_DEFAULT);
  if ((*error = wp_wasi_p1_define(pi->linker, pi->wasi))) return;
  wp_plugin_set_t *natives;
  wp_wasm_plugins_t *wasms;
  wp_host_sets(h, &natives, &wasms);
  *error = wp_plugin_instances_new(natives, &pi->plugin_guest);
  wp_plugin_set_delete(natives);
  wp_wasm_plugins_delete(wasms);
  if (*error ||
      (wp_plugin_instances_limits_set(pi->plugin_guest, &h->store), false) ||
      (wp_plugin_instances_skip_unprovided(pi->plugin_guest, h->unknown != WASMPLUG_UNKNOWN_IMPORTS_REFUSE), false) ||
      (*error = wp_plugin_instances_define(pi->plugin_guest, pi->linker, p->module))) {
    wasmplug_error_t *e = wasmplug_error_new("%s: %s", p->name, wasmplug_error_message(*error));
    wasmplug_error_delete(*error);
    *error = e;
    return;
  }
  wasmplug_linker_instantiate(pi->linker, p->module, NULL, &pi->core, error, trap);
  if (*error || *trap) return;
  wasmplug_func_t *init = wasmplug_instance_func(pi->core, "_initialize");
  if (init && !wasmplug_instance_func(pi->core, "_start")) *trap = wasmplug_func_call(init, NULL, 0, NULL, 0);
}

/* A path made absolute and free of symlinks, "..", "." (realpath), also
** when its last components do not exist yet (the cache directory may be
** created later: a guest must not get to create it either). */
static char *canonical(const char *path) {
  char *r = realpath(path, NULL);
  if (r) return r;
  const char *slash = strrchr(path, '/');
  if (!slash || slash == path) return slash ? strdup(path) : NULL;
  char *parent = strndup(path, (size_t)(slash - path));
  char *cp = parent ? canonical(parent) : NULL;
  free(parent);
  if (!cp) return NULL;
  size_t n = strlen(cp) + strlen(slash) + 1;
  char *out = malloc(n);
  if (out) snprintf(out, n, "%s%s", strcmp(cp, "/") ? cp : "", slash);
  free(cp);
  return out;
}

/* True when `a` is `b` or lies beneath it. */
static bool beneath(const char *a, const char *b) {
  size_t n = strlen(b);
  return !strncmp(a, b, n) && (a[n] == 0 || a[n] == '/' || !strcmp(b, "/"));
}

/* The optimized tier's cache must never be a way in (docs/security.md).
** When its entries are sealed by the kernel keyring, a guest that writes
** there only gets its files rejected.  When they are not (no keyring: the
** secret is a file in the cache), a guest given a directory covering the
** cache could read that secret and plant code the next run would load:
** such a preopen is refused. */
static wasmplug_error_t *check_cache_exposure(wasmplug_program_t *p) {
  wasmplug_host_t *h = p->host;
  if (!h->wasi->ndirs || wasmplug_engine_cache_sealed(h->engine)) return NULL;
  char *cache = canonical(wasmplug_engine_cache_dir(h->engine));
  if (!cache) return wasmplug_error_new("out of memory");
  wasmplug_error_t *e = NULL;
  for (size_t i = 0; i < h->wasi->ndirs && !e; i++) {
    char *d = canonical(h->wasi->dirs[i].host);
    if (d && (beneath(cache, d) || beneath(d, cache)))
      e = wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "%s: --dir %s would give the guest wasmplug's code cache (%s), whose entries are not "
                             "sealed here (the kernel keyring is unavailable): give a directory that does not "
                             "contain it, or move the cache (WASMPLUG_CACHE_DIR)",
                             p->name, h->wasi->dirs[i].host, cache);
    free(d);
  }
  free(cache);
  return e;
}

void wasmplug_program_instantiate(wasmplug_program_t *p, wasmplug_program_instance_t **out, wasmplug_error_t **error,
                                  wasmplug_trap_t **trap) {
  *out = NULL;
  *error = NULL;
  *trap = NULL;
  wasmplug_program_instance_t *pi = calloc(1, sizeof *pi);
  if (!pi) {
    *error = wasmplug_error_new("out of memory");
    return;
  }
  pi->program = p;
  if ((*error = check_cache_exposure(p))) {
    free(pi);
    return;
  }
  if (p->host->limits.instances && p->host->live >= p->host->limits.instances) {
    *error = wasmplug_error_new_kind(WASMPLUG_ERROR_LIMIT,
                                     "%s: the host already has %llu live program instances, the limit (instances)",
                                p->name, (unsigned long long)p->host->limits.instances);
    free(pi);
    return;
  }
  p->host->live++;
  if (p->component) wp_host_component_instantiate(pi, error, trap);
  else core_instantiate(pi, error, trap);
  int code;
  if (*trap && wp_host_exit_status(*trap, &code) && wasmplug_trap_kind(*trap) != WASMPLUG_TRAP_EXIT) {
    /* one shape for every exit request */
    wasmplug_trap_delete(*trap);
    *trap = wasmplug_trap_new_exit(code);
  }
  if (*error || *trap) {
    wasmplug_program_instance_delete(pi);
    return;
  }
  *out = pi;
}

void wasmplug_program_instance_delete(wasmplug_program_instance_t *pi) {
  if (!pi) return;
  pi->program->host->live--;
  wasmplug_instance_delete(pi->core);
  wasmplug_component_instance_delete(pi->comp);
  wp_wasm_instances_delete(pi->wasm_instances);     /* after the guest: its handles' destructors call into the plugins */
  wp_plugin_instances_delete(pi->plugin_guest); /* plugin resources die with the instance */
  wasmplug_linker_delete(pi->linker);
  wasmplug_component_linker_delete(pi->clinker);
  wp_wasi_ctx_delete(pi->wasi);
  free(pi);
}

const char *wasmplug_program_name(const wasmplug_program_t *p) { return p ? p->name : NULL; }
wasmplug_host_t *wasmplug_program_host(const wasmplug_program_t *p) { return p ? p->host : NULL; }

/* The built-in plugins whose per-instance state is only the resources
** the guest holds: dropping its handles makes them as new. */
static const char *const resettable[] = {"wasi-p2", "wasi-http", "wasi-http-p3"};

wasmplug_error_t *wasmplug_program_instance_snapshot(wasmplug_program_instance_t *pi) {
  if (!pi) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "no instance");
  const char *name = pi->program->name;
  if (!pi->comp)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID,
                                   "%s: only components can be reset (a core module's WASI state cannot)", name);
  if (pi->wasm_instances)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "%s: instances with wasm plugins cannot be reset", name);
  const char *other = wp_plugin_instances_other_state(pi->plugin_guest, resettable, 3);
  if (other)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID,
                                   "%s: plugin %s keeps a state of its own for the instance: it cannot be reset",
                                   name, other);
  return wasmplug_component_instance_snapshot(pi->comp);
}

wasmplug_error_t *wasmplug_program_instance_reset(wasmplug_program_instance_t *pi) {
  if (!pi || !pi->comp) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "no component instance to reset");
  /* a plugin state made since the snapshot (a plugin first used by this
  ** request) would survive the reset */
  const char *other = wp_plugin_instances_other_state(pi->plugin_guest, resettable, 3);
  if (other) return wasmplug_error_new("plugin %s keeps a state of its own for the instance", other);
  return wasmplug_component_instance_reset(pi->comp);
}

void *wasmplug_program_instance_plugin_state(wasmplug_program_instance_t *pi, const char *plugin) {
  return pi && pi->plugin_guest && plugin ? wp_plugin_instances_state(pi->plugin_guest, plugin) : NULL;
}

wasmplug_instance_t *wasmplug_program_instance_core(wasmplug_program_instance_t *pi) { return pi->core; }
wasmplug_component_instance_t *wasmplug_program_instance_component(wasmplug_program_instance_t *pi) {
  return pi->comp;
}

/* ------------------------------------------------------------ run, invoke */

/* Sorts a trap: an exit request becomes *status (and the trap goes),
** anything else stays in *trap for the caller. */
static void settle(wasmplug_trap_t *t, int *status, wasmplug_trap_t **trap) {
  if (!t) return;
  if (wp_host_exit_status(t, status)) {
    wasmplug_trap_delete(t);
    return;
  }
  *trap = t;
}

/* Appends one core value as `wasmtime run --invoke` prints it. */
static void print_val(char *buf, size_t cap, const wasmplug_val_t *v) {
  size_t n = strlen(buf);
  const char *sep = n ? "\n" : "";
  switch (v->kind) {
  case WASMPLUG_I32: snprintf(buf + n, cap - n, "%s%" PRId32, sep, v->of.i32); break;
  case WASMPLUG_I64: snprintf(buf + n, cap - n, "%s%" PRId64, sep, v->of.i64); break;
  case WASMPLUG_F32: snprintf(buf + n, cap - n, "%s%.9g", sep, (double)v->of.f32); break;
  case WASMPLUG_F64: snprintf(buf + n, cap - n, "%s%.17g", sep, v->of.f64); break;
  default: snprintf(buf + n, cap - n, "%s<ref>", sep); break;
  }
}

/* Calls core export `entry` without arguments; its results as text. */
static wasmplug_error_t *core_call(wasmplug_program_instance_t *pi, const char *entry, bool invoked, char **result,
                                   int *status, wasmplug_trap_t **trap) {
  const char *file = pi->program->name;
  wasmplug_func_t *f = wasmplug_instance_func(pi->core, entry);
  if (!f) {
    if (invoked) {
      char *q = wp_cabi_wave_quote(entry);
      wasmplug_error_t *err = wasmplug_error_new_kind(WASMPLUG_ERROR_NOT_FOUND, "%s: no exported function named '%s'",
                                                      file, q ? q : "?");
      free(q);
      return err;
    }
    return wasmplug_error_new_kind(WASMPLUG_ERROR_NOT_FOUND,
                                   "%s: no _start export (not a command module); use --invoke NAME", file);
  }
  const wasmplug_functype_t *ft = wasmplug_func_type(f);
  if (ft->nparams)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID,
                                   "%s: export '%s' takes %u parameters; --invoke calls only functions "
                                   "without parameters",
                                   file, entry, ft->nparams);
  wasmplug_val_t results[16];
  if (ft->nresults > 16) return wasmplug_error_new("%s: export '%s' has too many results", file, entry);
  wasmplug_trap_t *t = wasmplug_func_call(f, NULL, 0, results, ft->nresults);
  if (t) {
    settle(t, status, trap);
    return NULL;
  }
  if (result) {
    size_t cap = 32 * (size_t)ft->nresults + 1;
    if (!(*result = calloc(1, cap))) return wasmplug_error_new("out of memory");
    for (uint32_t r = 0; r < ft->nresults; r++) print_val(*result, cap, &results[r]);
  }
  return NULL;
}

wasmplug_error_t *wasmplug_program_instance_run(wasmplug_program_instance_t *pi, int *status,
                                                wasmplug_trap_t **trap) {
  *status = 0;
  *trap = NULL;
  if (pi->core) return core_call(pi, "_start", false, NULL, status, trap);
  const char *file = pi->program->name;
  /* A command built for WASI 0.3 may export wasi:cli/run at 0.2.x too
  ** (Rust's wasm32-wasip3 does): like Wasmtime, run the 0.3 one (an async
  ** function: the call waits for its task). */
  static const char *const runs[] = {"wasi:cli/run@0.3.0#run", "wasi:cli/run@0.3.0-rc-2026-03-15#run",
                                     "wasi:cli/run#run"};
  wasmplug_component_func_t *run = NULL;
  for (size_t i = 0; !run && i < sizeof runs / sizeof runs[0]; i++)
    run = wasmplug_component_instance_func(pi->comp, runs[i]);
  if (!run)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_NOT_FOUND,
                                   "%s: no wasi:cli/run export (not a command component); use --invoke 'NAME(ARGS)'",
                                   file);
  const wp_cabi_func_t *ft = wasmplug_component_func_type(run);
  if (ft->nparams || !ft->result || ft->result->kind != WP_CABI_RESULT)
    return wasmplug_error_new("%s: wasi:cli/run#run has an unexpected type", file);
  wp_cabi_val_t res;
  wasmplug_trap_t *t = wasmplug_component_func_call(run, NULL, 0, &res);
  if (t) {
    settle(t, status, trap);
    return NULL;
  }
  /* result<_, _>: case 0 is ok */
  *status = res.of.var.disc == 0 ? 0 : 1;
  wp_cabi_val_drop(&res);
  return NULL;
}

wasmplug_error_t *wasmplug_program_instance_invoke(wasmplug_program_instance_t *pi, const char *call,
                                                   char **result, int *status, wasmplug_trap_t **trap) {
  *result = NULL;
  *status = 0;
  *trap = NULL;
  if (pi->core) return core_call(pi, call, true, result, status, trap);
  wasmplug_error_t *err = NULL;
  wasmplug_trap_t *t = wasmplug_component_invoke_wave(pi->comp, call, result, &err);
  if (err) {
    free(*result);
    *result = NULL;
    return wasmplug_error_prefix(err, "%s: ", pi->program->name);
  }
  if (t) {
    free(*result);
    *result = NULL;
    settle(t, status, trap);
  }
  return NULL;
}

/* ------------------------------------------------------------ async calls */

struct wasmplug_program_call {
  wasmplug_program_instance_t *pi;
  wasmplug_component_call_t *c;
  const wp_cabi_type_t *result_type;
};

wasmplug_error_t *wasmplug_program_instance_call_start(wasmplug_program_instance_t *pi, const char *call,
                                                       wasmplug_program_call_t **out, wasmplug_trap_t **trap) {
  *out = NULL;
  *trap = NULL;
  const char *file = pi->program->name;
  if (!pi->comp) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "%s: a core module has no async calls", file);
  size_t name_len = 0, args_len = 0;
  const char *args = NULL;
  wp_cabi_error_t *e = wp_cabi_wave_split_call(call, strlen(call), &name_len, &args, &args_len);
  if (e) {
    char *q = wp_cabi_wave_quote(call);
    wasmplug_error_t *err = wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "%s: '%s': %s", file, q ? q : "?",
                                                    wp_cabi_error_message(e));
    free(q);
    wp_cabi_error_delete(e);
    return err;
  }
  char *name = strndup(call, name_len);
  wasmplug_component_func_t *f = name ? wasmplug_component_instance_func(pi->comp, name) : NULL;
  free(name);
  if (!f)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_NOT_FOUND, "%s: no exported function named '%.*s'", file,
                                   (int)name_len, call);
  const wp_cabi_func_t *ft = wasmplug_component_func_type(f);
  wp_cabi_val_t *params = calloc(ft->nparams + 1, sizeof *params);
  wasmplug_program_call_t *pc = calloc(1, sizeof *pc);
  if (!params || !pc) {
    free(params);
    free(pc);
    return wasmplug_error_new("out of memory");
  }
  if ((e = wp_cabi_wave_parse_args(ft, args, args_len, (size_t)(args - call), params))) {
    char *q = wp_cabi_wave_quote(call);
    wasmplug_error_t *err = wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "%s: '%s': %s", file, q ? q : "?",
                                                    wp_cabi_error_message(e));
    free(q);
    wp_cabi_error_delete(e);
    free(params);
    free(pc);
    return err;
  }
  wasmplug_trap_t *t = wasmplug_component_call_start(f, params, ft->nparams, &pc->c);
  for (size_t i = 0; i < ft->nparams; i++) wp_cabi_val_drop(&params[i]);
  free(params);
  if (t) {
    free(pc);
    *trap = t;
    return NULL;
  }
  pc->pi = pi;
  pc->result_type = ft->result;
  *out = pc;
  return NULL;
}

bool wasmplug_program_call_done(const wasmplug_program_call_t *call) { return wasmplug_component_call_done(call->c); }

bool wasmplug_program_poll(void) { return wasmplug_component_poll(); }

void wasmplug_program_call_cancel(wasmplug_program_call_t *call) { wasmplug_component_call_cancel(call->c); }

wasmplug_error_t *wasmplug_program_call_wait(wasmplug_program_call_t *call, char **result, int *status,
                                             wasmplug_trap_t **trap) {
  *result = NULL;
  *status = 0;
  *trap = NULL;
  wp_cabi_val_t res;
  wasmplug_trap_t *t = wasmplug_component_call_wait(call->c, &res);
  if (t) {
    settle(t, status, trap);
    return NULL;
  }
  if (!call->result_type) {
    *result = strdup("");
    return *result ? NULL : wasmplug_error_new("out of memory");
  }
  wp_cabi_error_t *e = wp_cabi_wave_print(call->result_type, &res, result);
  wp_cabi_val_drop(&res);
  if (!e) return NULL;
  wasmplug_error_t *err = wasmplug_error_new("%s: printing the result: %s", call->pi->program->name,
                                             wp_cabi_error_message(e));
  wp_cabi_error_delete(e);
  return err;
}

void wasmplug_program_call_delete(wasmplug_program_call_t *call) {
  if (!call) return;
  wasmplug_component_call_delete(call->c);
  free(call);
}
