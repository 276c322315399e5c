/*
** caps.c — the WASI capability object (see caps.h): plain data, libc only.
*/
#include "caps.h"

#include <stdlib.h>
#include <string.h>

extern char **environ;

wasmplug_wasi_config_t *wp_wasi_caps_new(void) {
  wasmplug_wasi_config_t *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->stdio[0] = 0;
  c->stdio[1] = 1;
  c->stdio[2] = 2;
  return c;
}

void wp_wasi_caps_free_list(char **list, size_t n) {
  for (size_t i = 0; i < n; i++) free(list[i]);
  free(list);
}

static void clear(wasmplug_wasi_config_t *c) {
  wp_wasi_caps_free_list(c->args, c->nargs);
  wp_wasi_caps_free_list(c->env, c->nenv);
  for (size_t i = 0; i < c->ndirs; i++) {
    free(c->dirs[i].host);
    free(c->dirs[i].guest);
  }
  free(c->dirs);
}

void wp_wasi_caps_delete(wasmplug_wasi_config_t *c) {
  if (!c) return;
  clear(c);
  free(c);
}

static bool copy_list(char ***dst, size_t *dn, char *const *src, size_t n) {
  *dst = NULL;
  *dn = 0;
  if (!n) return true;
  char **l = calloc(n, sizeof *l);
  if (!l) return false;
  for (size_t i = 0; i < n; i++)
    if (!(l[i] = strdup(src[i]))) {
      wp_wasi_caps_free_list(l, i);
      return false;
    }
  *dst = l;
  *dn = n;
  return true;
}

bool wp_wasi_caps_assign(wasmplug_wasi_config_t *dst, const wasmplug_wasi_config_t *src) {
  wasmplug_wasi_config_t t = *src;
  bool ok = copy_list(&t.args, &t.nargs, src->args, src->nargs);
  ok = copy_list(&t.env, &t.nenv, src->env, src->nenv) && ok;
  t.dirs = src->ndirs ? calloc(src->ndirs, sizeof *t.dirs) : NULL;
  t.ndirs = 0;
  ok = ok && (t.dirs || !src->ndirs);
  /* ndirs counts the entry being made, so a half-made one is freed too */
  for (size_t i = 0; ok && i < src->ndirs; i++, t.ndirs++) {
    t.dirs[i].readonly = src->dirs[i].readonly;
    t.dirs[i].host = strdup(src->dirs[i].host);
    t.dirs[i].guest = strdup(src->dirs[i].guest);
    ok = t.dirs[i].host && t.dirs[i].guest;
  }
  if (!ok) {
    clear(&t);
    return false;
  }
  clear(dst);
  *dst = t;
  return true;
}

wasmplug_wasi_config_t *wp_wasi_caps_copy(const wasmplug_wasi_config_t *c) {
  wasmplug_wasi_config_t *n = wp_wasi_caps_new();
  if (n && !wp_wasi_caps_assign(n, c)) {
    wp_wasi_caps_delete(n);
    return NULL;
  }
  return n;
}

static const char *push(char ***arr, size_t *n, char *s) {
  char **na = s ? realloc(*arr, (*n + 1) * sizeof *na) : NULL;
  if (!na) {
    free(s);
    return "out of memory";
  }
  na[(*n)++] = s;
  *arr = na;
  return NULL;
}

const char *wp_wasi_caps_arg(wasmplug_wasi_config_t *c, const char *arg) { return push(&c->args, &c->nargs, strdup(arg)); }

/* Sets "NAME=VALUE" in a list, replacing an entry of the same NAME. */
static const char *set_var(char ***list, size_t *n, const char *name, size_t nl, const char *value) {
  size_t vl = strlen(value);
  char *s = malloc(nl + vl + 2);
  if (!s) return "out of memory";
  memcpy(s, name, nl);
  s[nl] = '=';
  memcpy(s + nl + 1, value, vl + 1);
  for (size_t i = 0; i < *n; i++)
    if (!strncmp((*list)[i], s, nl + 1)) {
      free((*list)[i]);
      (*list)[i] = s;
      return NULL;
    }
  return push(list, n, s);
}

const char *wp_wasi_caps_env(wasmplug_wasi_config_t *c, const char *name, size_t nl, const char *value) {
  if (!nl || memchr(name, '=', nl)) return "invalid environment variable name (empty or containing '=')";
  return set_var(&c->env, &c->nenv, name, nl, value);
}

const char *wp_wasi_caps_env_spec(wasmplug_wasi_config_t *c, const char *spec) {
  const char *eq = strchr(spec, '=');
  if (eq) return wp_wasi_caps_env(c, spec, (size_t)(eq - spec), eq + 1);
  if (!*spec) return "empty environment variable name";
  const char *v = getenv(spec);
  return v ? wp_wasi_caps_env(c, spec, strlen(spec), v) : NULL;
}

const char *wp_wasi_caps_dir(wasmplug_wasi_config_t *c, const char *host, const char *guest, bool readonly) {
  if (!*host) return "empty host path";
  if (!*guest) return "empty guest path";
  wp_wasi_dir_t *nd = realloc(c->dirs, (c->ndirs + 1) * sizeof *nd);
  if (!nd) return "out of memory";
  c->dirs = nd;
  wp_wasi_dir_t d = {strdup(host), strdup(guest), readonly};
  if (!d.host || !d.guest) {
    free(d.host);
    free(d.guest);
    return "out of memory";
  }
  c->dirs[c->ndirs++] = d;
  return NULL;
}

const char *wp_wasi_caps_dir_spec(wasmplug_wasi_config_t *c, const char *spec, bool readonly) {
  const char *sep = strstr(spec, "::");
  if (!sep) return wp_wasi_caps_dir(c, spec, spec, readonly);
  char *host = strndup(spec, (size_t)(sep - spec));
  if (!host) return "out of memory";
  const char *why = wp_wasi_caps_dir(c, host, sep + 2, readonly);
  free(host);
  return why;
}

bool wp_wasi_caps_env_list(const wasmplug_wasi_config_t *c, char ***out, size_t *n) {
  char **l = NULL;
  size_t k = 0;
  const char *why = NULL;
  for (char **e = c->inherit_env ? environ : NULL; e && *e && !why; e++) {
    const char *eq = strchr(*e, '=');
    if (eq && eq != *e) why = set_var(&l, &k, *e, (size_t)(eq - *e), eq + 1);
  }
  for (size_t i = 0; i < c->nenv && !why; i++) {
    const char *eq = strchr(c->env[i], '=');
    why = set_var(&l, &k, c->env[i], (size_t)(eq - c->env[i]), eq + 1);
  }
  if (why) {
    wp_wasi_caps_free_list(l, k);
    *out = NULL;
    *n = 0;
    return false;
  }
  *out = l;
  *n = k;
  return true;
}
