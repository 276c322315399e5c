/*
** h3_state.c — the wasi-http-p3 plugin's lifecycle: one state per guest
** instance with its object table, byte budget and pumps.
*/
#include <stdlib.h>
#include <string.h>

#include "h3.h"

int wh3_instance_new(const wasmplug_host_api_t *host, void *plugin, const wasmplug_plugin_config_t *config,
                     void **instance, const char **error) {
  (void)config;
  wh3_inst_t *in = calloc(1, sizeof *in);
  if (!in) {
    *error = "out of memory";
    return 1;
  }
  in->host = host;
  in->plugin = plugin;
  *instance = in;
  return 0;
}

void wh3_instance_drop(void *plugin, void *instance) {
  (void)plugin;
  wh3_inst_t *in = instance;
  if (!in) return;
  /* the host forgot the instance's watches and copies: no pump callback
  ** runs any more; bodies still pumping are cut short */
  wh3_pumps_free(in);
  wh3_sends_free(in);
  for (size_t i = 1; i < in->nobjs; i++) {
    if (in->objs[i] && in->objs[i]->kind != WH3_FREE) wh3_obj_free(in, (uint32_t)i, in->objs[i]->kind);
    free(in->objs[i]);
  }
  free(in->objs);
  free(in);
}

/* ------------------------------------------------------------ objects */

wh3_obj_t *wh3_obj_new(wh3_inst_t *in, wh3_kind_t kind, uint32_t *rep) {
  size_t i = in->hint > 1 ? in->hint : 1; /* rep 0 is never handed out */
  while (i < in->nobjs && in->objs[i] && in->objs[i]->kind != WH3_FREE) i++;
  if (i >= in->nobjs) {
    if (in->nobjs >= WH3_MAX_OBJS) return NULL;
    size_t cap = in->nobjs ? in->nobjs * 2 : 16;
    if (cap > WH3_MAX_OBJS) cap = WH3_MAX_OBJS;
    wh3_obj_t **n = realloc(in->objs, cap * sizeof *n);
    if (!n) return NULL;
    memset(n + in->nobjs, 0, (cap - in->nobjs) * sizeof *n);
    in->objs = n;
    if (i < in->nobjs) i = in->nobjs;
    if (i == 0) i = 1;
    in->nobjs = cap;
  }
  if (!in->objs[i] && !(in->objs[i] = malloc(sizeof(wh3_obj_t)))) return NULL;
  wh3_obj_t *o = in->objs[i];
  memset(o, 0, sizeof *o);
  o->kind = kind;
  in->hint = i + 1;
  *rep = (uint32_t)i;
  return o;
}

wh3_obj_t *wh3_obj_get(wh3_inst_t *in, uint32_t rep, wh3_kind_t kind) {
  if (rep == 0 || rep >= in->nobjs || !in->objs[rep] || in->objs[rep]->kind != kind) return NULL;
  return in->objs[rep];
}

bool wh3_budget_take(wh3_inst_t *in, size_t n) {
  if (n > WH3_MAX_BYTES - in->bytes) return false;
  in->bytes += n;
  return true;
}

void wh3_budget_give(wh3_inst_t *in, size_t n) { in->bytes -= n < in->bytes ? n : in->bytes; }

void wh3_body_free(wh3_inst_t *in, wh3_body_t *b) {
  const wasmplug_host_api_t *h = in->host;
  if (in->pi) {
    if (b->contents) h->stream_drop(in->pi, b->contents);
    if (b->trailers) h->stream_drop(in->pi, b->trailers);
    if (b->sent) h->stream_drop(in->pi, b->sent);
  }
  if (b->ex) { /* a request body nobody will read now: the server drops the rest */
    if (b->ex->req_body) wh_pipe_close_reader(b->ex->req_body);
    wh_exchange_unref(b->ex);
  }
  if (b->client) wh_client_release(b->client);
  memset(b, 0, sizeof *b);
}

void wh3_obj_free(wh3_inst_t *in, uint32_t rep, wh3_kind_t kind) {
  wh3_obj_t *o = wh3_obj_get(in, rep, kind);
  if (!o) return;
  switch (o->kind) {
  case WH3_FIELDS:
    wh3_budget_give(in, o->u.fields.list.bytes);
    wh_fields_list_free(&o->u.fields.list);
    break;
  case WH3_REQUEST:
    free(o->u.req.method);
    free(o->u.req.path);
    free(o->u.req.authority);
    free(o->u.req.scheme);
    wh3_budget_give(in, o->u.req.headers.bytes);
    wh_fields_list_free(&o->u.req.headers);
    wh3_body_free(in, &o->u.req.body);
    break;
  case WH3_RESPONSE:
    wh3_budget_give(in, o->u.resp.headers.bytes);
    wh_fields_list_free(&o->u.resp.headers);
    wh3_body_free(in, &o->u.resp.body);
    break;
  default: break;
  }
  memset(o, 0, sizeof *o);
  if (rep < in->hint) in->hint = rep;
}
