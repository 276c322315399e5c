/*
** p2_state.c — the wasi-p2 plugin's lifecycle: plugin init, one state per
** guest instance (args, env and preopens read from the config), and the
** per-instance object table every resource rep indexes.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p2.h"

extern char **environ;

int wp2_plugin_init(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *config, void **plugin,
                    const char **error) {
  *plugin = NULL; /* nothing is shared between instances */
  /* Read the config once now, so a bad one refuses the load with one
  ** message instead of failing every import's binding later. */
  void *trial = NULL;
  if (wp2_instance_new(host, NULL, config, &trial, error)) return 1;
  wp2_instance_drop(NULL, trial);
  return 0;
}

void wp2_plugin_fini(void *plugin) { (void)plugin; }

/* ------------------------------------------------------------ objects */

/* The table holds pointers: an object never moves, so a pointer from
** wp2_obj_get stays valid while later objects are created in the same
** call.  `hint` is the lowest slot that may be free. */
wp2_obj_t *wp2_obj_new(wp2_inst_t *in, wp2_kind_t kind, uint32_t *rep) {
  size_t i = in->hint > 1 ? in->hint : 1; /* rep 0 is never handed out: a zeroed rep is a bug */
  while (i < in->nobjs && in->objs[i] && in->objs[i]->kind != WP2_FREE) i++;
  if (i >= in->nobjs) {
    if (in->nobjs >= WP2_MAX_OBJS) return NULL;
    size_t cap = in->nobjs ? in->nobjs * 2 : 16;
    if (cap > WP2_MAX_OBJS) cap = WP2_MAX_OBJS;
    wp2_obj_t **n = realloc(in->objs, cap * sizeof *n);
    if (!n) return NULL;
    memset(n + in->nobjs, 0, (cap - in->nobjs) * sizeof *n);
    in->objs = n;
    if (i < in->nobjs) i = in->nobjs;
    if (i == 0) i = 1;
    in->nobjs = cap;
  }
  if (!in->objs[i] && !(in->objs[i] = malloc(sizeof(wp2_obj_t)))) return NULL;
  wp2_obj_t *o = in->objs[i];
  memset(o, 0, sizeof *o);
  o->kind = kind;
  in->hint = i + 1;
  *rep = (uint32_t)i;
  return o;
}

wp2_obj_t *wp2_obj_get(wp2_inst_t *in, uint32_t rep, wp2_kind_t kind) {
  if (rep == 0 || rep >= in->nobjs || !in->objs[rep] || in->objs[rep]->kind != kind) return NULL;
  return in->objs[rep];
}

void wp2_obj_free(wp2_inst_t *in, uint32_t rep, wp2_kind_t kind) {
  wp2_obj_t *o = wp2_obj_get(in, rep, kind);
  if (!o) return;
  switch (o->kind) {
  case WP2_INSTREAM:
  case WP2_OUTSTREAM:
  case WP2_UDP_IN:
  case WP2_UDP_OUT:
    /* the peer sees end-of-stream even while the socket itself lives on */
    if (o->u.stream.shut_wr && o->u.stream.fd >= 0) shutdown(o->u.stream.fd, SHUT_WR);
    if (o->u.stream.owned && o->u.stream.fd >= 0) close(o->u.stream.fd);
    if (o->u.stream.ops) o->u.stream.ops->release(o->u.stream.ctx);
    break;
  case WP2_POLLABLE:
    if (o->u.poll.fd >= 0) close(o->u.poll.fd);
    if (o->u.poll.ops) o->u.poll.ops->release(o->u.poll.ctx);
    break;
  case WP2_ERROR: free(o->u.error.msg); break;
  case WP2_TCP:
  case WP2_UDP:
    if (o->u.tcp.fd >= 0) close(o->u.tcp.fd);
    break;
  case WP2_RESOLVE: free(o->u.resolve.addrs); break;
  case WP2_DESCRIPTOR: wp_os_close(&o->u.desc.h); break;
  case WP2_DIRSTREAM:
    if (o->u.dir.fd >= 0) close(o->u.dir.fd);
    break;
  default: break;
  }
  memset(o, 0, sizeof *o); /* WP2_FREE: the slot's memory is reused */
  if (rep < in->hint) in->hint = rep;
}

/* ------------------------------------------------------------- config */

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char *wp2_config_item(const char *s, size_t len) {
  char *out = malloc(len + 1), *o = out;
  if (!out) return NULL;
  for (size_t i = 0; i < len; i++) {
    int h, l;
    if (s[i] == '%' && i + 2 < len && (h = hexval(s[i + 1])) >= 0 && (l = hexval(s[i + 2])) >= 0) {
      *o++ = (char)(h * 16 + l);
      i += 2;
    } else {
      *o++ = s[i];
    }
  }
  *o = 0;
  return out;
}

/* Calls fn for every space-separated item of a list option. */
static const char *each_item(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *cfg, const char *key,
                             const char *(*fn)(wp2_inst_t *, const char *), wp2_inst_t *in) {
  const char *v = host->config_get(cfg, key);
  if (!v) return NULL;
  while (*v) {
    const char *sp = strchr(v, ' ');
    size_t len = sp ? (size_t)(sp - v) : strlen(v);
    if (len) {
      /* a lone "%" is the empty item (p2_caps.c) */
      char *item = len == 1 && *v == '%' ? strdup("") : wp2_config_item(v, len);
      if (!item) return "out of memory";
      const char *why = fn(in, item);
      free(item);
      if (why) return why;
    }
    v += len;
    if (*v) v++;
  }
  return NULL;
}

static const char *push(char ***arr, size_t *n, const char *s) {
  char *c = strdup(s);
  char **na = c ? realloc(*arr, (*n + 1) * sizeof *na) : NULL;
  if (!na) {
    free(c);
    return "out of memory";
  }
  na[(*n)++] = c;
  *arr = na;
  return NULL;
}

static const char *add_arg(wp2_inst_t *in, const char *s) { return push(&in->args, &in->nargs, s); }

/* NAME=VALUE, or NAME for the host's value; a later NAME replaces. */
static const char *add_env(wp2_inst_t *in, const char *s) {
  const char *eq = strchr(s, '=');
  char *full = NULL;
  if (!eq) {
    const char *v = getenv(s);
    if (!*s) return "env: empty variable name";
    if (!v) return NULL;
    size_t n = strlen(s) + strlen(v) + 2;
    if (!(full = malloc(n))) return "out of memory";
    snprintf(full, n, "%s=%s", s, v);
    s = full;
    eq = strchr(s, '=');
  }
  if (eq == s) {
    free(full);
    return "env: empty variable name";
  }
  size_t nl = (size_t)(eq - s) + 1;
  for (size_t i = 0; i < in->nenv; i++)
    if (!strncmp(in->env[i], s, nl)) {
      char *c = strdup(s);
      free(full);
      if (!c) return "out of memory";
      free(in->env[i]);
      in->env[i] = c;
      return NULL;
    }
  const char *why = push(&in->env, &in->nenv, s);
  free(full);
  return why;
}

static const char *add_dir(wp2_inst_t *in, const char *spec, bool ro) {
  const char *sep = strstr(spec, "::");
  size_t hl = sep ? (size_t)(sep - spec) : strlen(spec);
  const char *guest = sep ? sep + 2 : spec;
  if (!hl || !*guest) return "dir: expected HOST[::GUEST]";
  char *host = strndup(spec, hl);
  if (!host) return "out of memory";
  wp2_preopen_t p = {{-1, ro}, NULL};
  wp_os_err_t e = wp_os_open_root(host, ro, &p.h);
  /* the error text must be static: the path goes to the host's log */
  if (e && in->host) in->host->log(in->config, WASMPLUG_LOG_ERROR, "dir %s: cannot open it as a directory (%s)", host,
                                   wp_os_err_name(e));
  free(host);
  if (e) return "dir: a directory to preopen cannot be opened (see the message before)";
  p.guest = strdup(guest);
  wp2_preopen_t *np = p.guest ? realloc(in->preopens, (in->npreopens + 1) * sizeof *np) : NULL;
  if (!np) {
    free(p.guest);
    wp_os_close(&p.h);
    return "out of memory";
  }
  np[in->npreopens++] = p;
  in->preopens = np;
  return NULL;
}
static const char *add_dir_rw(wp2_inst_t *in, const char *s) { return add_dir(in, s, false); }
static const char *add_dir_ro(wp2_inst_t *in, const char *s) { return add_dir(in, s, true); }

void wp2_instance_drop(void *plugin, void *instance) {
  (void)plugin;
  wp2_inst_t *in = instance;
  if (!in) return;
  for (size_t i = 1; i < in->nobjs; i++)
    if (in->objs[i]) {
      if (in->objs[i]->kind != WP2_FREE) wp2_obj_free(in, (uint32_t)i, in->objs[i]->kind);
      free(in->objs[i]);
    }
  free(in->objs);
  for (size_t i = 0; i < in->nargs; i++) free(in->args[i]);
  free(in->args);
  for (size_t i = 0; i < in->nenv; i++) free(in->env[i]);
  free(in->env);
  for (size_t i = 0; i < in->npreopens; i++) {
    wp_os_close(&in->preopens[i].h);
    free(in->preopens[i].guest);
  }
  free(in->preopens);
  free(in);
}

int wp2_instance_new(const wasmplug_host_api_t *host, void *plugin, const wasmplug_plugin_config_t *config,
                     void **instance, const char **error) {
  (void)plugin;
  wp2_inst_t *in = calloc(1, sizeof *in);
  if (!in) {
    *error = "out of memory";
    return 1;
  }
  in->host = host;
  in->config = config;
  in->stdio[0] = 0;
  in->stdio[1] = 1;
  in->stdio[2] = 2;
  const char *why = NULL;
  const char *inherit = host->config_get(config, "inherit-env");
  if (inherit && !strcmp(inherit, "true"))
    for (char **e = environ; e && *e && !why; e++)
      if (strchr(*e, '=') && **e != '=') why = add_env(in, *e);
  if (!why) why = each_item(host, config, "env", add_env, in);
  if (!why) why = each_item(host, config, "args", add_arg, in);
  if (!why) why = each_item(host, config, "dir", add_dir_rw, in);
  if (!why) why = each_item(host, config, "dir-ro", add_dir_ro, in);
  const char *net = host->config_get(config, "allow-network");
  in->allow_network = net && !strcmp(net, "true");
  if (why) {
    wp2_instance_drop(NULL, in);
    *error = why;
    return 1;
  }
  *instance = in;
  return 0;
}
