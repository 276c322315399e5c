/*
** h_state.c — the wasi-http plugin's lifecycle: the plugin state (the
** outgoing grants from its config), one state per guest instance with its
** object table and byte budget, and the way to the wasi:io provider.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h.h"
#include "h_lib.h"

/* ------------------------------------------------------------ plugin */

static void plugin_free(wh_plugin_t *pl) {
  if (!pl) return;
  wh_grants_free(&pl->grants);
  free(pl);
}

int wh_plugin_init(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *config, void **plugin,
                   const char **error) {
  wh_plugin_t *pl = calloc(1, sizeof *pl);
  if (!pl) {
    *error = "out of memory";
    return 1;
  }
  const char *why = wh_grants_parse(&pl->grants, host->config_get(config, "allow-http"));
  if (why) {
    plugin_free(pl);
    *error = why;
    return 1;
  }
  /* libcurl is loaded and initialised by the first request that is sent
  ** (h_client.c, once per process): a component that imports wasi:http
  ** and sends nothing, or only denied requests, costs no dlopen */
  const char *mb = host->config_get(config, "max-body");
  pl->max_body = mb ? strtoull(mb, NULL, 10) : 0; /* checked as a u64 by the host */
  *plugin = pl;
  return 0;
}

void wh_plugin_fini(void *plugin) {
  plugin_free(plugin);
}

/* ------------------------------------------------------------ instances */

int wh_instance_new(const wasmplug_host_api_t *host, void *plugin, const wasmplug_plugin_config_t *config,
                    void **instance, const char **error) {
  wh_inst_t *in = calloc(1, sizeof *in);
  if (!in) {
    *error = "out of memory";
    return 1;
  }
  in->host = host;
  in->config = config;
  in->plugin = plugin;
  wp_slots_init(&in->objs, sizeof(wh_obj_t), WH_MAX_OBJS);
  *instance = in;
  return 0;
}

void wh_instance_drop(void *plugin, void *instance) {
  (void)plugin;
  wh_inst_t *in = instance;
  if (!in) return;
  uint32_t rep = 0;
  for (wh_obj_t *o; (o = wp_slots_next(&in->objs, &rep));) wh_obj_free(in, rep, o->kind);
  wp_slots_fini(&in->objs);
  free(in);
}

/* ------------------------------------------------------------ objects */

/* Objects are pointers in the table, so a pointer stays valid while
** other objects are made in the same call; `hint` is the lowest slot
** that may be free; rep 0 is never handed out. */
wh_obj_t *wh_obj_new(wh_inst_t *in, wh_kind_t kind, uint32_t *rep) {
  wh_obj_t *o = wp_slots_new(&in->objs, rep);
  if (o) o->kind = kind;
  return o;
}

wh_obj_t *wh_obj_get(wh_inst_t *in, uint32_t rep, wh_kind_t kind) {
  wh_obj_t *o = wp_slots_get(&in->objs, rep);
  return o && o->kind == kind ? o : NULL;
}

void wh_obj_free(wh_inst_t *in, uint32_t rep, wh_kind_t kind) {
  wh_obj_t *o = wh_obj_get(in, rep, kind);
  if (!o) return;
  switch (kind) {
  case WH_FIELDS:
    wh_budget_give(in, o->u.fields.list.bytes);
    wh_fields_list_free(&o->u.fields.list);
    break;
  case WH_INCOMING_REQUEST: wh_exchange_unref(o->u.in_req.ex); break;
  case WH_RESPONSE_OUTPARAM:
    if (o->u.outparam.ex) { /* dropped without a response: the server answers 500 */
      wh_exchange_unref(o->u.outparam.ex);
    }
    break;
  case WH_OUTGOING_RESPONSE:
    wh_budget_give(in, o->u.out_resp.headers.bytes);
    wh_fields_list_free(&o->u.out_resp.headers);
    if (o->u.out_resp.body) {
      /* the body was taken but the response never sent: nobody reads it */
      wh_pipe_close_reader(o->u.out_resp.body);
      wh_pipe_unref(o->u.out_resp.body);
    }
    break;
  case WH_OUTGOING_BODY:
    /* dropped without finish: the body is cut short (the reader sees an
    ** error, never a complete-looking body) */
    if (!o->u.out_body.finished) wh_pipe_end(o->u.out_body.pipe, WH_PIPE_ABORTED, WH_ERR_RESPONSE_INCOMPLETE,
                                             "the outgoing-body was dropped without finish");
    wh_pipe_unref(o->u.out_body.pipe);
    break;
  case WH_INCOMING_BODY:
    if (o->u.in_body.pipe) {
      wh_pipe_close_reader(o->u.in_body.pipe);
      wh_pipe_unref(o->u.in_body.pipe);
    }
    break;
  case WH_FUTURE_TRAILERS: wh_pipe_unref(o->u.trailers.pipe); break;
  case WH_OUTGOING_REQUEST:
  case WH_FUTURE_INCOMING_RESPONSE:
  case WH_INCOMING_RESPONSE: wh_client_free(o->u.client, kind); break;
  default: break;
  }
  o->kind = WH_FREE;
  wp_slots_free(&in->objs, rep);
}

bool wh_budget_take(wh_inst_t *in, size_t n) { return wh_bytes_take(&in->bytes, WH_MAX_BYTES, n); }

void wh_budget_give(wh_inst_t *in, size_t n) { wh_bytes_give(&in->bytes, n); }

int wh_io(wh_ctx_t *cx, const wasmplug_io_t **io, void **io_state) {
  wh_inst_t *in = wh_inst(cx);
  if (!in->io) {
    if (!WASMPLUG_HOST_HAS(cx->host, service))
      return wh_trap(cx, "wasi:http: this host (plugin ABI %u.%u) cannot share wasi:io streams between plugins",
                     cx->host->abi_major, cx->host->abi_minor);
    void *st = NULL;
    const wasmplug_io_t *t =
        cx->host->service(in->config, cx->host->call_state(cx->call), "wasi:io/streams@0.2.0", WASMPLUG_IO_SERVICE, &st);
    if (!t || t->size < sizeof(wasmplug_io_t))
      return wh_trap(cx, "wasi:http: bodies are wasi:io streams, and the plugin providing wasi:io/streams to this "
                         "guest offers no %s service (load wasi-p2 with wasi-http)", WASMPLUG_IO_SERVICE);
    in->io = t;
    in->io_state = st;
  }
  *io = in->io;
  *io_state = in->io_state;
  return 0;
}
