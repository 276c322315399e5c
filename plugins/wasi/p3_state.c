/*
** p3_state.c — the wasi-p3 plugin's lifecycle: plugin init (the host's
** capability object), one state per guest instance (args, env, preopens),
** the object table every resource rep indexes, and operations in flight.
*/
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p3.h"
#include "plugin/plugin.h"

/* The plugin state is the host's capability object (borrowed; read at each
** instance_new so the host's later changes apply to later instances). */
int wp3_plugin_init(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *config, void **plugin,
                    const char **error) {
  (void)host;
  (void)config;
  if (!*plugin) {
    *error = "wasi-p3 is built in: it takes the host's WASI capabilities (wasmplug run --dir/--env/...)";
    return 1;
  }
  return 0;
}

void wp3_plugin_fini(void *plugin) { (void)plugin; }

/* ------------------------------------------------------------ objects */

wp3_obj_t *wp3_obj_new(wp3_inst_t *in, wp3_kind_t kind, uint32_t *rep) {
  wp3_obj_t *o = wp_slots_new(&in->objs, rep);
  if (o) o->kind = kind;
  return o;
}

wp3_obj_t *wp3_obj_get(wp3_inst_t *in, uint32_t rep, wp3_kind_t kind) {
  wp3_obj_t *o = wp_slots_get(&in->objs, rep);
  return o && o->kind == kind ? o : NULL;
}

void wp3_obj_free(wp3_inst_t *in, uint32_t rep, wp3_kind_t kind) {
  wp3_obj_t *o = wp3_obj_get(in, rep, kind);
  if (!o) return;
  switch (o->kind) {
  case WP3_DESCRIPTOR: wp_os_close(&o->u.desc.h); break;
  case WP3_TCP:
  case WP3_UDP:
    if (o->u.sock.accept) wp3_accept_stop(o->u.sock.accept);
    if (o->u.sock.fd >= 0) close(o->u.sock.fd);
    break;
  default: break;
  }
  o->kind = WP3_FREE;
  wp_slots_free(&in->objs, rep);
}

/* ---------------------------------------------------------- operations */

wp3_op_t *wp3_op_new(wp3_ctx_t *cx) {
  wp3_inst_t *in = wp3_inst(cx);
  wasmplug_plugin_instance_t *pi = wp3_instance(cx);
  if (!pi || in->nops >= WP3_MAX_OBJS) return NULL;
  wp3_op_t *op = calloc(1, sizeof *op);
  if (!op) return NULL;
  op->in = in;
  op->host = cx->host;
  op->pi = pi;
  op->fd = -1;
  op->next = in->ops;
  if (in->ops) in->ops->prevp = &op->next;
  op->prevp = &in->ops;
  in->ops = op;
  in->nops++;
  return op;
}

void wp3_op_free(wp3_op_t *op) {
  if (!op) return;
  *op->prevp = op->next;
  if (op->next) op->next->prevp = op->prevp;
  op->in->nops--;
  if (op->own_fd && op->fd >= 0) close(op->fd);
  if (op->extra_free) op->extra_free(op->extra);
  free(op->buf);
  free(op);
}

/* ------------------------------------------------------------ instances */

void wp3_instance_drop(void *plugin, void *instance) {
  (void)plugin;
  wp3_inst_t *in = instance;
  if (!in) return;
  /* the host forgot the instance's watches and copies already: no
  ** callback of these can run any more */
  while (in->ops) wp3_op_free(in->ops);
  uint32_t rep = 0;
  for (wp3_obj_t *o; (o = wp_slots_next(&in->objs, &rep));) wp3_obj_free(in, rep, o->kind);
  wp_slots_fini(&in->objs);
  wp_wasi_caps_free_list(in->args, in->nargs);
  wp_wasi_caps_free_list(in->env, in->nenv);
  for (size_t i = 0; i < in->npreopens; i++) {
    wp_os_close(&in->preopens[i].h);
    free(in->preopens[i].guest);
  }
  free(in->preopens);
  free(in);
}

int wp3_instance_new(const wasmplug_host_api_t *host, void *plugin, const wasmplug_plugin_config_t *config,
                     void **instance, const char **error) {
  (void)config;
  const wasmplug_wasi_config_t *c = plugin;
  wp3_inst_t *in = calloc(1, sizeof *in);
  if (!in) {
    *error = "out of memory";
    return 1;
  }
  in->host = host;
  wp_slots_init(&in->objs, sizeof(wp3_obj_t), WP3_MAX_OBJS);
  for (int i = 0; i < 3; i++) in->stdio[i] = c->stdio[i];
  in->allow_network = c->allow_network;
  const char *why = wp_wasi_caps_env_list(c, &in->env, &in->nenv) ? NULL : "out of memory";
  if (!why && c->nargs && !(in->args = calloc(c->nargs, sizeof *in->args))) why = "out of memory";
  for (size_t i = 0; !why && i < c->nargs; i++)
    if ((in->args[in->nargs] = strdup(c->args[i]))) in->nargs++;
    else why = "out of memory";
  if (!why && c->ndirs && !(in->preopens = calloc(c->ndirs, sizeof *in->preopens))) why = "out of memory";
  for (size_t i = 0; !why && i < c->ndirs; i++) {
    wp3_preopen_t *p = &in->preopens[in->npreopens];
    /* wasi-p2 opened the same directories for this guest: a failure was
    ** reported there already */
    if (wp_os_open_root(c->dirs[i].host, c->dirs[i].readonly, &p->h)) why = "dir: a directory to preopen cannot be opened";
    else if (!(p->guest = strdup(c->dirs[i].guest))) {
      wp_os_close(&p->h);
      why = "out of memory";
    } else in->npreopens++;
  }
  if (why) {
    wp3_instance_drop(plugin, in);
    *error = why;
    return 1;
  }
  *instance = in;
  return 0;
}

/* ----------------------------------------------------------- the host */

wasmplug_error_t *wp_wasi_p3_register(struct wp_plugin_set *set, const wasmplug_wasi_config_t *caps) {
  wasmplug_error_t *e = wp_plugin_set_add_builtin_data(set, wp_wasi_p3_entry, "wasi-p3", NULL, (void *)caps);
  if (!e) e = wp_plugin_set_add_builtin_data(set, wp3_rc_entry, "wasi-p3-rc", NULL, (void *)caps);
  return e;
}
