/*
** wasm_spec.c — the --plugin spec of a wasm component plugin:
** "PATH[,shared][,dir=HOST[::GUEST]][,env=NAME=VALUE][,allow-dl=POLICY]".
** What a spec grants is the plugin's only: the guest's capabilities come
** from its own options.
*/
#include "host/wasm_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool wp_wasm_is_dl(const char *name, size_t len) { return len >= 8 && !memcmp(name, "wasi:dl/", 8); }

/* The path part of a spec; malloc'ed. */
static char *spec_path(const char *spec) {
  const char *comma = strchr(spec, ',');
  return comma ? strndup(spec, (size_t)(comma - spec)) : strdup(spec);
}

bool wp_wasm_plugin_spec_is_component(const char *spec) {
  if (!spec) return false;
  char *path = spec_path(spec);
  if (!path) return false;
  FILE *f = fopen(path, "rb");
  free(path);
  if (!f) return false;
  uint8_t head[8];
  size_t n = fread(head, 1, sizeof head, f);
  fclose(f);
  return wp_comp_is_component(head, n) != 0;
}

void wp_wasm_plugin_free(wp_wasm_plugin *p) {
  if (!p) return;
  wasmplug_component_delete(p->comp);
  wp_comp_delete(p->decoded);
  for (size_t i = 0; i < p->ndirs; i++) free(p->dirs[i]);
  for (size_t i = 0; i < p->nenvs; i++) free(p->envs[i]);
  free(p->dirs);
  free(p->envs);
  free(p->allow_dl);
  free(p->provider);
  free(p->bytes);
  free(p->path);
  free(p->spec);
  free(p);
}

static bool push(char ***arr, size_t *n, const char *s, size_t len) {
  char **a = realloc(*arr, (*n + 1) * sizeof *a);
  if (!a) return false;
  *arr = a;
  if (!(a[*n] = strndup(s, len))) return false;
  (*n)++;
  return true;
}

static uint8_t *read_all(const char *path, size_t *len, wasmplug_error_t **err) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    *err = wasmplug_error_new("--plugin %s: %s", path, strerror(errno));
    return NULL;
  }
  uint8_t *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 65536;
      uint8_t *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        fclose(f);
        *err = wasmplug_error_new("out of memory");
        return NULL;
      }
      buf = nb;
    }
    size_t k = fread(buf + n, 1, cap - n, f);
    n += k;
    if (k == 0) break;
  }
  bool bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    *err = wasmplug_error_new("--plugin %s: read error", path);
    return NULL;
  }
  *len = n;
  return buf;
}

wasmplug_error_t *wp_wasm_spec_parse(const char *spec, wp_wasm_plugin **out) {
  *out = NULL;
  if (!spec || !*spec || *spec == ',') return wasmplug_error_new("--plugin: empty plugin path in '%s'", spec ? spec : "");
  wp_wasm_plugin *p = calloc(1, sizeof *p);
  if (!p || !(p->spec = strdup(spec)) || !(p->path = spec_path(spec))) {
    wp_wasm_plugin_free(p);
    return wasmplug_error_new("out of memory");
  }
  const char *slash = strrchr(p->path, '/');
  p->name = slash ? slash + 1 : p->path;
  wasmplug_error_t *e = NULL;
  const char *s = strchr(spec, ',');
  while (s && !e) {
    s++;
    const char *end = strchr(s, ',');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    bool ok = true;
    if (len == 6 && !memcmp(s, "shared", 6)) p->shared = true;
    else if (len > 4 && !memcmp(s, "dir=", 4)) ok = push(&p->dirs, &p->ndirs, s + 4, len - 4);
    else if (len > 4 && !memcmp(s, "env=", 4) && memchr(s + 4, '=', len - 4) && s[4] != '=')
      ok = push(&p->envs, &p->nenvs, s + 4, len - 4);
    else if (len > 9 && !memcmp(s, "allow-dl=", 9)) {
      free(p->allow_dl);
      ok = (p->allow_dl = strndup(s + 9, len - 9)) != NULL;
    } else
      e = wasmplug_error_new("--plugin %s: unknown option '%.*s' (a wasm plugin takes shared, dir=HOST[::GUEST], "
                             "env=NAME=VALUE, allow-dl=POLICY)", p->path, (int)len, s);
    if (!ok && !e) e = wasmplug_error_new("out of memory");
    s = end;
  }
  if (!e && (p->bytes = read_all(p->path, &p->len, &e)) && !wp_comp_is_component(p->bytes, p->len))
    e = wasmplug_error_new("--plugin %s: not a component", p->path);
  if (e) {
    wp_wasm_plugin_free(p);
    return e;
  }
  *out = p;
  return NULL;
}
