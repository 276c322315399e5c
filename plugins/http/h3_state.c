/*
** h3_state.c — the wasi-http-p3 plugin's lifecycle: one state per guest
** instance with its object table, byte budget and pumps.
*/
#include <stdlib.h>
#include <string.h>

#include "h3.h"

int wh3_instance_new(const wasmplug_host_api_t *host, void *plugin, const wasmplug_plugin_config_t *config,
                     void **instance, const char **error) {
  (void)plugin;
  (void)config;
  wh3_inst_t *in = calloc(1, sizeof *in);
  if (!in) {
    *error = "out of memory";
    return 1;
  }
  in->host = host;
  wp_slots_init(&in->objs, sizeof(wh3_obj_t), WH3_MAX_OBJS);
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
  uint32_t rep = 0;
  for (wh3_obj_t *o; (o = wp_slots_next(&in->objs, &rep));) wh3_obj_free(in, rep, o->kind);
  wp_slots_fini(&in->objs);
  free(in);
}

/* ------------------------------------------------------------ objects */

wh3_obj_t *wh3_obj_new(wh3_inst_t *in, wh3_kind_t kind, uint32_t *rep) {
  wh3_obj_t *o = wp_slots_new(&in->objs, rep);
  if (o) o->kind = kind;
  return o;
}

wh3_obj_t *wh3_obj_get(wh3_inst_t *in, uint32_t rep, wh3_kind_t kind) {
  wh3_obj_t *o = wp_slots_get(&in->objs, rep);
  return o && o->kind == kind ? o : NULL;
}

bool wh3_budget_take(wh3_inst_t *in, size_t n) { return wh_bytes_take(&in->bytes, WH3_MAX_BYTES, n); }

void wh3_budget_give(wh3_inst_t *in, size_t n) { wh_bytes_give(&in->bytes, n); }

void wh3_body_free(wh3_inst_t *in, wh3_body_t *b) {
  const wasmplug_host_api_t *h = in->host;
  if (in->pi) {
    if (b->contents) h->stream_drop(in->pi, b->contents);
    if (b->trailers) h->stream_drop(in->pi, b->trailers);
    if (b->sent) h->stream_drop(in->pi, b->sent);
  }
  if (b->ex) wh_exchange_unref(b->ex);
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
  o->kind = WH3_FREE;
  wp_slots_free(&in->objs, rep);
}

/* No function of this plugin returns WASMPLUG_PENDING (bodies move through
** streams and futures, never through pending calls): nothing to cancel. */
void wh3_cancel(wh3_ctx_t *cx) { (void)cx; }
