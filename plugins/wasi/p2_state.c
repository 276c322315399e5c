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

/* The plugin state: the capability object every instance is made from.
** The built-in copy gets the host's (wasmplug/host.h, seeded into
** *plugin by the host: borrowed, read at each instance_new so the host's
** later changes apply to later instances); wasi-p2.so reads its
** configuration into one of its own once, here. */
typedef struct wp2_plugin {
  wasmplug_wasi_config_t *caps;
  bool owned;
} wp2_plugin_t;

static const char *caps_from_config(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *cfg,
                                    wasmplug_wasi_config_t *c);

int wp2_plugin_init(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *config, void **plugin,
                    const char **error) {
  wp2_plugin_t *p = calloc(1, sizeof *p);
  if (!p) {
    *error = "out of memory";
    return 1;
  }
  p->caps = *plugin;
  if (!p->caps) {
    p->owned = true;
    const char *why = (p->caps = wp_wasi_caps_new()) ? caps_from_config(host, config, p->caps) : "out of memory";
    if (why) {
      wp2_plugin_fini(p);
      *error = why;
      return 1;
    }
  }
  *plugin = p;
  /* Make one instance now, so a bad configuration (a directory that does
  ** not open) refuses the load with one message instead of failing every
  ** import's binding later. */
  void *trial = NULL;
  if (wp2_instance_new(host, p, config, &trial, error)) {
    wp2_plugin_fini(p);
    *plugin = NULL;
    return 1;
  }
  wp2_instance_drop(p, trial);
  return 0;
}

void wp2_plugin_fini(void *plugin) {
  wp2_plugin_t *p = plugin;
  if (!p) return;
  if (p->owned) wp_wasi_caps_delete(p->caps);
  free(p);
}

/* ------------------------------------------------------------ objects */

/* The table is plugins/common/slots.h's: objects never move, reps carry
** a generation. */
wp2_obj_t *wp2_obj_new(wp2_inst_t *in, wp2_kind_t kind, uint32_t *rep) {
  wp2_obj_t *o = wp_slots_new(&in->objs, rep);
  if (o) o->kind = kind;
  return o;
}

wp2_obj_t *wp2_obj_get(wp2_inst_t *in, uint32_t rep, wp2_kind_t kind) {
  wp2_obj_t *o = wp_slots_get(&in->objs, rep);
  return o && o->kind == kind ? o : NULL;
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
  o->kind = WP2_FREE;
  wp_slots_free(&in->objs, rep);
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
                             const char *(*fn)(wasmplug_wasi_config_t *, const char *), wasmplug_wasi_config_t *c) {
  const char *v = host->config_get(cfg, key);
  if (!v) return NULL;
  while (*v) {
    const char *sp = strchr(v, ' ');
    size_t len = sp ? (size_t)(sp - v) : strlen(v);
    if (len) {
      /* a lone "%" is the empty item (p2_caps.c) */
      char *item = len == 1 && *v == '%' ? strdup("") : wp2_config_item(v, len);
      if (!item) return "out of memory";
      const char *why = fn(c, item);
      free(item);
      if (why) return why;
    }
    v += len;
    if (*v) v++;
  }
  return NULL;
}

static const char *add_env(wasmplug_wasi_config_t *c, const char *s) {
  const char *why = wp_wasi_caps_env_spec(c, s);
  return why ? "env: empty variable name" : NULL;
}
static const char *add_dir_rw(wasmplug_wasi_config_t *c, const char *s) {
  return wp_wasi_caps_dir_spec(c, s, false) ? "dir: expected HOST[::GUEST]" : NULL;
}
static const char *add_dir_ro(wasmplug_wasi_config_t *c, const char *s) {
  return wp_wasi_caps_dir_spec(c, s, true) ? "dir: expected HOST[::GUEST]" : NULL;
}

static const char *caps_from_config(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *cfg,
                                    wasmplug_wasi_config_t *c) {
  const char *v = host->config_get(cfg, "inherit-env");
  c->inherit_env = v && !strcmp(v, "true");
  v = host->config_get(cfg, "allow-network");
  c->allow_network = v && !strcmp(v, "true");
  const char *why = each_item(host, cfg, "env", add_env, c);
  if (!why) why = each_item(host, cfg, "args", wp_wasi_caps_arg, c);
  if (!why) why = each_item(host, cfg, "dir", add_dir_rw, c);
  if (!why) why = each_item(host, cfg, "dir-ro", add_dir_ro, c);
  return why;
}

/* Opens one preopen of the capability object for an instance. */
static const char *open_dir(wp2_inst_t *in, const wp_wasi_dir_t *d) {
  wp2_preopen_t p = {{-1, d->readonly}, NULL};
  wp_os_err_t e = wp_os_open_root(d->host, d->readonly, &p.h);
  /* the error text must be static: the path goes to the host's log */
  if (e && in->host) in->host->log(in->config, WASMPLUG_LOG_ERROR, "dir %s: cannot open it as a directory (%s)",
                                   d->host, wp_os_err_name(e));
  if (e) return "dir: a directory to preopen cannot be opened (see the message before)";
  p.guest = strdup(d->guest);
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

void wp2_instance_drop(void *plugin, void *instance) {
  (void)plugin;
  wp2_inst_t *in = instance;
  if (!in) return;
  uint32_t rep = 0;
  for (wp2_obj_t *o; (o = wp_slots_next(&in->objs, &rep));) wp2_obj_free(in, rep, o->kind);
  wp_slots_fini(&in->objs);
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
  const wasmplug_wasi_config_t *c = ((wp2_plugin_t *)plugin)->caps;
  wp2_inst_t *in = calloc(1, sizeof *in);
  if (!in) {
    *error = "out of memory";
    return 1;
  }
  in->host = host;
  in->config = config;
  wp_slots_init(&in->objs, sizeof(wp2_obj_t), WP2_MAX_OBJS);
  for (int i = 0; i < 3; i++) in->stdio[i] = c->stdio[i];
  in->allow_network = c->allow_network;
  const char *why = wp_wasi_caps_env_list(c, &in->env, &in->nenv) ? NULL : "out of memory";
  for (size_t i = 0; !why && i < c->nargs; i++) {
    char *a = strdup(c->args[i]);
    char **na = a ? realloc(in->args, (in->nargs + 1) * sizeof *na) : NULL;
    if (!na) {
      free(a);
      why = "out of memory";
    } else {
      na[in->nargs++] = a;
      in->args = na;
    }
  }
  for (size_t i = 0; !why && i < c->ndirs; i++) why = open_dir(in, &c->dirs[i]);
  if (why) {
    wp2_instance_drop(plugin, in);
    *error = why;
    return 1;
  }
  *instance = in;
  return 0;
}
