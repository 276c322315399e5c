/*
** rpc_open.c — `--plugin x.so,isolate[,...]`, `--plugin unix:PATH` and
** `--plugin tcp:HOST:PORT`: starting or reaching the plugin's process and
** building the proxy plugin the loader then checks like any .so.
**
** Isolation options (taken out of the config; the rest is the plugin's):
**   isolate                  run the plugin in a sandboxed helper process
**   timeout=MS               per-call timeout (default 30000; 0: none)
**   isolate-restarts=N       helper restarts allowed after failures (3)
**   isolate-allow=A:B:...    extra syscalls (or the group "files")
**   isolate-dir=D:E:...      directories the plugin may read and write
**                            (its root holds nothing else of the host's)
**   rlimit-as=BYTES          address-space limit of the helper
**   chroot=DIR               the same as isolate-dir=DIR (the helper's
**                            root is always an empty one now)
** Remote plugins take only timeout= and isolate-restarts=: the plugin's
** own config is given to its server.
*/
#include "isolate/rpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_RESTARTS 3

static bool is_remote(const char *path) { return !strncmp(path, "unix:", 5) || !strncmp(path, "tcp:", 4); }

/* True when comma-separated `config` has the item `word`. */
static bool has_item(const char *config, const char *word) {
  size_t wl = strlen(word);
  for (const char *s = config; s && *s;) {
    const char *c = strchr(s, ',');
    size_t l = c ? (size_t)(c - s) : strlen(s);
    if (l == wl && !memcmp(s, word, wl)) return true;
    s = c ? c + 1 : NULL;
  }
  return false;
}

bool wp_rpc_wants(const char *path, const char *config) { return is_remote(path) || has_item(config, "isolate"); }

typedef struct opts {
  int timeout_ms;
  unsigned restarts;
  const char *allow, *rlimit_as;             /* point into `items` */
  wp_buf_t dirs;                              /* isolate-dir= and chroot=, ':'-joined */
  wp_buf_t rest;                              /* the plugin's own config */
} opts_t;

/* True when the key s[0..kl) is `k`. */
static bool key_is(const char *s, size_t kl, const char *k) { return kl == strlen(k) && !memcmp(s, k, kl); }

static bool digits(const char *s) {
  if (!*s || strlen(s) > 12) return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return false;
  return true;
}

/* Splits `items` (a writable copy of the config) in place. */
static wasmplug_error_t *parse_opts(const char *path, char *items, bool remote, opts_t *o) {
  o->timeout_ms = DEFAULT_TIMEOUT_MS;
  o->restarts = DEFAULT_RESTARTS;
  for (char *s = items; s && *s;) {
    char *c = strchr(s, ',');
    if (c) *c = 0;
    char *eq = strchr(s, '=');
    const char *val = eq ? eq + 1 : "";
    size_t kl = eq ? (size_t)(eq - s) : strlen(s);
    if (key_is(s, kl, "isolate") && !eq) {
      if (remote) return wasmplug_error_new("--plugin %s: 'isolate' is for .so files; a server address is already "
                                            "out of process", path);
    } else if (key_is(s, kl, "timeout") || key_is(s, kl, "isolate-restarts")) {
      if (!digits(val)) return wasmplug_error_new("--plugin %s: %s wants a decimal number, got '%s'", path, s, val);
      long v = strtol(val, NULL, 10);
      if (key_is(s, kl, "timeout")) o->timeout_ms = v > 0 ? (int)(v > 86400000 ? 86400000 : v) : -1;
      else o->restarts = (unsigned)(v > 1000 ? 1000 : v);
    } else if (key_is(s, kl, "isolate-allow") || key_is(s, kl, "rlimit-as") || key_is(s, kl, "chroot") ||
               key_is(s, kl, "isolate-dir")) {
      if (remote) return wasmplug_error_new("--plugin %s: %.*s is set on the server (wasmplug plugin-serve)", path,
                                            (int)kl, s);
      if (!*val) return wasmplug_error_new("--plugin %s: %.*s= needs a value", path, (int)kl, s);
      if (key_is(s, kl, "rlimit-as") && !digits(val))
        return wasmplug_error_new("--plugin %s: rlimit-as wants a number of bytes, got '%s'", path, val);
      if (key_is(s, kl, "isolate-allow")) o->allow = val;
      else if (key_is(s, kl, "rlimit-as")) o->rlimit_as = val;
      else wp_buf_printf(&o->dirs, "%s%s", o->dirs.len ? ":" : "", val);
    } else if (remote) {
      return wasmplug_error_new("--plugin %s: unknown option '%s' (a remote plugin takes timeout= and "
                                "isolate-restarts=; its own config is given to its server)", path, s);
    } else {
      wp_buf_printf(&o->rest, "%s%s", o->rest.len ? "," : "", s);
    }
    s = c ? c + 1 : NULL;
  }
  return o->rest.oom || o->dirs.oom ? wasmplug_error_new("out of memory") : NULL;
}

/* plugin-host --fd 3 --ring 4 [--allow L] [--dir D] [--rlimit-as N] PATH [CONFIG] */
static char **helper_argv(const char *exe, const char *path, const opts_t *o) {
  const char *v[14];
  size_t n = 0;
  v[n++] = exe;
  v[n++] = "plugin-host";
  v[n++] = "--fd";
  v[n++] = "3";
  v[n++] = "--ring"; /* wp_rpc_spawn puts the ring there */
  v[n++] = "4";
  if (o->allow) v[n++] = "--allow", v[n++] = o->allow;
  if (o->rlimit_as) v[n++] = "--rlimit-as", v[n++] = o->rlimit_as;
  if (o->dirs.len) v[n++] = "--dir", v[n++] = o->dirs.s;
  v[n++] = path;
  if (o->rest.len) v[n++] = o->rest.s;
  char **argv = calloc(n + 1, sizeof *argv);
  for (size_t i = 0; argv && i < n; i++)
    if (!(argv[i] = wp_plugin_strdup(v[i]))) {
      for (size_t k = 0; k < i; k++) free(argv[k]);
      free(argv);
      return NULL;
    }
  return argv;
}

/* The descriptor the loader checks: the server's data, proxy functions. */
static wasmplug_error_t *build_desc(wp_rpc_proxy_t *px, wasmplug_plugin_t *d) {
  *d = px->desc.d;
  /* One proxy function for every entry: host->call_func tells which. */
  for (uint32_t k = 0; k < d->nfuncs; k++) px->desc.funcs[k].fn = wp_rpc_proxy_call;
  for (uint32_t k = 0; k < d->nresources; k++) px->desc.resources[k].drop = NULL; /* drop_at: wp_rpc_open */
  d->init = NULL; /* init ran in the server; p->state is set to the proxy */
  d->fini = wp_rpc_proxy_fini;
  d->instance_new = wp_rpc_proxy_inst_new;
  d->instance_drop = wp_rpc_proxy_inst_drop;
  return NULL;
}

wasmplug_error_t *wp_rpc_open(const char *path, const char *config, wp_plugin_t **out) {
  *out = NULL;
  bool remote = is_remote(path);
  char *items = config ? wp_plugin_strdup(config) : NULL;
  opts_t o;
  memset(&o, 0, sizeof o);
  wasmplug_error_t *e = config && !items ? wasmplug_error_new("out of memory") : parse_opts(path, items, remote, &o);
  wp_rpc_proxy_t *px = e ? NULL : calloc(1, sizeof *px);
  if (!e && !px) e = wasmplug_error_new("out of memory");
  char *exe = NULL;
  if (!e) {
    pthread_mutex_init(&px->mu, NULL);
    px->conn.fd = -1;
    px->remote = remote;
    px->timeout_ms = o.timeout_ms;
    px->max_restarts = o.restarts;
    px->spec_path = wp_plugin_strdup(path);
    if (!remote) {
      exe = wp_rpc_helper_exe();
      if (!exe)
        e = wasmplug_error_new("plugin %s: cannot isolate it: no wasmplug executable to run as its helper (set "
                               "WASMPLUG_EXE or put wasmplug on PATH)", path);
      else if (!(px->argv = helper_argv(exe, path, &o)))
        e = wasmplug_error_new("out of memory");
    }
  }
  if (!e) e = wp_rpc_proxy_up(px);
  if (!e) e = wp_rpc_desc_decode(px->hello, px->hello_len, &px->desc);
  wasmplug_plugin_t d;
  if (!e) e = build_desc(px, &d);
  wp_plugin_t *p = NULL;
  if (!e && !(p = calloc(1, sizeof *p))) e = wasmplug_error_new("out of memory");
  if (!e) {
    p->config.plugin = p;
    p->path = wp_plugin_strdup(path);
    /* The parent checks the plugin's config too (the options came in the
    ** handshake): a typo is reported the same way in and out of process. */
    e = wp_plugin_setup_desc(p, path, &d, o.rest.len ? o.rest.s : NULL);
    if (!e) {
      p->state = px;
      p->drop_at = wp_rpc_proxy_drop;
      p->drop_has = px->desc.res_has_drop;
      px->p = p;
      e = wp_rpc_types_new(p, &px->types);
      if (e) {
        wp_plugin_close(p); /* runs fini: frees px */
        px = NULL;
        p = NULL;
      }
    } else {
      wp_plugin_close(p); /* not inited: fini does not run */
      p = NULL;
    }
  }
  free(exe);
  free(items);
  free(o.rest.s);
  free(o.dirs.s);
  if (e) {
    wp_rpc_proxy_free(px);
    return e;
  }
  *out = p;
  return NULL;
}
