/*
** discover.c — `wasmplug plugins`: what a plugin file provides, read
** without loading it into a host (wasmplug/host.h, "discovery").
**
** A native plugin goes through every check a load makes but its init (so
** listing a directory never opens a database or a socket); a wasm
** component plugin is decoded and validated, its exported interfaces are
** what it provides and its options are those every wasm plugin spec takes.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/component.h"
#include "core/error.h"
#include "host/host_internal.h"
#include "host/wasm_internal.h"

/* The info and the strings it owns. */
typedef struct info {
  wasmplug_plugin_info_t pub;
  char **strs;
  size_t nstrs;
  char **ifaces, **imports;
  wasmplug_plugin_option_t *opts;
  bool oom;
} info;

static const char *keep(info *in, const char *s) {
  if (!s) return NULL;
  char **n = realloc(in->strs, (in->nstrs + 1) * sizeof *n);
  char *c = strdup(s);
  if (!n || !c) {
    if (n) in->strs = n;
    free(c);
    in->oom = true;
    return NULL;
  }
  in->strs = n;
  return in->strs[in->nstrs++] = c;
}

static const char *keepn(info *in, const char *s, size_t n) {
  char *t = strndup(s, n);
  const char *k = t ? keep(in, t) : NULL;
  if (!t) in->oom = true;
  free(t);
  return k;
}

void wasmplug_plugin_info_delete(wasmplug_plugin_info_t *pub) {
  info *in = (info *)pub;
  if (!in) return;
  for (size_t i = 0; i < in->nstrs; i++) free(in->strs[i]);
  free(in->strs);
  free(in->ifaces);
  free(in->imports);
  free(in->opts);
  free(in);
}

/* Whether a plugin's WIT has stream or future types: their values cannot
** cross to a helper process (src/isolate/rpc_value.c). */
static bool uses_async(const wp_wit_resolve_t *r) {
  for (uint32_t i = 0; i < r->n_types; i++)
    if (r->types[i].kind == WP_WIT_DEF_FUTURE || r->types[i].kind == WP_WIT_DEF_STREAM) return true;
  return false;
}

static wasmplug_error_t *native_info(info *in, const char *path) {
  wp_plugin_t *p;
  wasmplug_error_t *e = wp_plugin_inspect(path, &p);
  if (e) return e;
  const wasmplug_plugin_t *d = wp_plugin_descriptor(p);
  in->pub.name = keep(in, d->name);
  in->pub.version = keep(in, d->version);
  size_t n = wp_plugin_iface_count(p);
  in->ifaces = calloc(n + 1, sizeof *in->ifaces);
  in->opts = calloc(d->noptions + 1, sizeof *in->opts);
  if (!in->ifaces || !in->opts) in->oom = true;
  for (size_t i = 0; i < n && !in->oom; i++) in->ifaces[i] = (char *)keep(in, wp_plugin_iface_id(p, i));
  in->pub.ninterfaces = n;
  for (uint32_t i = 0; i < d->noptions && !in->oom; i++) {
    const wasmplug_plugin_option_t *o = &d->options[i];
    in->opts[i] = (wasmplug_plugin_option_t){keep(in, o->name), keep(in, o->type), keep(in, o->default_value),
                                             keep(in, o->doc)};
  }
  in->pub.noptions = d->noptions;
  const char *why = NULL;
  if (d->nservices) why = "it offers C services to other plugins, which cannot cross processes";
  else if (uses_async(wp_plugin_wit(p, NULL))) why = "its WIT has streams or futures, which cannot cross processes";
  in->pub.isolatable = !why;
  in->pub.not_isolatable = why;
  wp_plugin_inspect_close(p);
  return NULL;
}

/* The options every wasm plugin spec takes (wasm_spec.c). */
static const wasmplug_plugin_option_t wasm_options[] = {
    {"shared", "bool", "false", "one plugin instance for every guest instance"},
    {"dir", "path", NULL, "HOST[::GUEST]: a directory the plugin (never the guest) may reach; repeatable"},
    {"env", "string", NULL, "NAME=VALUE: an environment variable for the plugin; repeatable"},
    {"allow-dl", "string", NULL, "the wasi:dl policy (docs/wasi-dl.md): which native libraries it may call"},
};

static wasmplug_error_t *wasm_info(info *in, const char *path, const uint8_t *bytes, size_t len) {
  wp_comp *c = NULL;
  char why[1024];
  if (wp_comp_load(bytes, len, path, &c, why, sizeof why))
    return wasmplug_error_new_kind(WASMPLUG_ERROR_DECODE, "%s", why);
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  size_t blen = strlen(base);
  if (blen > 5 && !strcmp(base + blen - 5, ".wasm")) blen -= 5;
  in->pub.name = keepn(in, base, blen);
  in->ifaces = calloc(c->nexports + 1, sizeof *in->ifaces);
  in->imports = calloc(c->nimports + 1, sizeof *in->imports);
  if (!in->ifaces || !in->imports) in->oom = true;
  for (uint32_t i = 0; i < c->nexports && !in->oom; i++)
    if (c->exports[i].ext.sort == WP_COMP_SORT_INSTANCE)
      in->ifaces[in->pub.ninterfaces++] = (char *)keepn(in, c->exports[i].ext.name.ptr, c->exports[i].ext.name.len);
  bool dl = false;
  for (uint32_t i = 0; i < c->nimports && !in->oom; i++)
    if (c->imports[i].sort == WP_COMP_SORT_INSTANCE) {
      in->imports[in->pub.nimports++] = (char *)keepn(in, c->imports[i].name.ptr, c->imports[i].name.len);
      dl |= wp_wasm_is_dl(c->imports[i].name.ptr, c->imports[i].name.len);
    }
  wp_comp_delete(c);
  in->opts = malloc(sizeof wasm_options);
  if (!in->opts) return wasmplug_error_new("out of memory");
  memcpy(in->opts, wasm_options, sizeof wasm_options);
  in->pub.noptions = sizeof wasm_options / sizeof wasm_options[0];
  if (dl) in->opts[3].doc = "the wasi:dl policy (docs/wasi-dl.md); needed: it imports wasi:dl";
  in->pub.wasm = true;
  in->pub.not_isolatable = "a wasm plugin runs in the host's sandbox; ,isolate is for native plugins";
  return NULL;
}

wasmplug_error_t *wasmplug_plugin_info_new(const char *path, wasmplug_plugin_info_t **out) {
  *out = NULL;
  if (!path) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "wasmplug_plugin_info_new: no path");
  info *in = calloc(1, sizeof *in);
  if (!in) return wasmplug_error_new("out of memory");
  in->pub.size = sizeof in->pub;
  in->pub.path = keep(in, path);
  wasmplug_error_t *e = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) {
    e = wasmplug_error_new_kind(WASMPLUG_ERROR_IO, "%s: %s", path, strerror(errno));
  } else {
    uint8_t head[8];
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    if (wasmplug_bytes_is_component(head, n)) {
      wp_wasm_plugin *wp = NULL; /* reads the file as a --plugin spec would */
      if (!(e = wp_wasm_spec_parse(path, &wp))) e = wasm_info(in, path, wp->bytes, wp->len);
      wp_wasm_plugin_free(wp);
    } else if (wasmplug_bytes_is_core_module(head, n)) {
      e = wasmplug_error_new_kind(WASMPLUG_ERROR_PLUGIN, "%s: a core module, not a plugin (a wasm plugin is a component)",
                                  path);
    } else {
      e = wp_error_as(native_info(in, path), WASMPLUG_ERROR_PLUGIN);
    }
  }
  in->pub.interfaces = (const char *const *)in->ifaces;
  in->pub.imports = (const char *const *)in->imports;
  in->pub.options = in->opts;
  if (!e && in->oom) e = wasmplug_error_new_kind(WASMPLUG_ERROR_OUT_OF_MEMORY, "out of memory");
  if (e) {
    wasmplug_plugin_info_delete(&in->pub);
    return e;
  }
  *out = &in->pub;
  return NULL;
}

char *wasmplug_plugin_search_path(void) {
  const char *env = getenv("WASMPLUG_PLUGIN_PATH");
  char *dir = wp_host_plugin_dir();
  size_t n = (env ? strlen(env) : 0) + (dir ? strlen(dir) : 0) + 2;
  char *out = malloc(n);
  if (out) snprintf(out, n, "%s%s%s", env && *env ? env : "", env && *env && dir ? ":" : "", dir ? dir : "");
  free(dir);
  return out;
}
