/*
** h3_client.c — wasi:http/client@0.3.0 send, and an imported
** wasi:http/handler@0.3.0 (a middleware's next hop), which sends the same
** way; the plugin state (grants, max-body).
**
** A request is sent by the one client both plugins share (h_client.c:
** libcurl on a thread per transfer, the `allow-http` policy): denied
** (HTTP-request-denied) unless `--allow-http=HOST[:PORT]` grants its host,
** before any connection is made.  send is an async function: it returns
** WASMPLUG_PENDING and completes from the loop when the transfer's eventfd
** says the response head arrived (ok(response)) or the transfer failed
** (err(error-code): DNS-error, connection-refused, connection-timeout,
** HTTP-response-timeout, ...).  The request body is the guest's stream,
** pumped into the transfer's pipe (h3_body.c) while the guest may still be
** writing it; the response body is the transfer's pipe, pumped into a
** stream when the guest consumes it.  Both pipes are bounded: a guest that
** reads slowly slows the transfer down, a server that reads slowly the
** guest.  The response body is limited by `max-body` (over it:
** HTTP-response-body-size on the trailers future).
**
** A cancelled send abandons its transfer; so does a torn-down instance
** (its pending sends are void).
*/
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "h3.h"

/* ------------------------------------------------------------ plugin */

int wh3_plugin_init(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *config, void **plugin,
                    const char **error) {
  wh3_plugin_t *pl = calloc(1, sizeof *pl);
  if (!pl) {
    *error = "out of memory";
    return 1;
  }
  const char *why = wh_grants_parse(&pl->grants, host->config_get(config, "allow-http"));
  if (why) {
    wh_grants_free(&pl->grants);
    free(pl);
    *error = why;
    return 1;
  }
  const char *mb = host->config_get(config, "max-body");
  pl->max_body = mb ? strtoull(mb, NULL, 10) : 0; /* checked as a u64 by the host */
  *plugin = pl;
  return 0;
}

void wh3_plugin_fini(void *plugin) {
  wh3_plugin_t *pl = plugin;
  if (!pl) return;
  wh_grants_free(&pl->grants);
  free(pl);
}

/* ------------------------------------------------------------- sends */

typedef struct wh3_send {
  struct wh3_send *next, **prevp;
  wh3_inst_t *in;
  wh3_ctx_t cx; /* the pending call's */
  wh3_result_own_response_error_code_t *ret;
  wh_client_t *client;
  uint64_t watch;
} wh3_send_t;

static void send_unlink(wh3_send_t *s) {
  *s->prevp = s->next;
  if (s->next) s->next->prevp = s->prevp;
  if (s->client) wh_client_release(s->client);
  free(s);
}

void wh3_sends_free(wh3_inst_t *in) {
  while (in->sends) send_unlink(in->sends); /* the host forgot their watches */
}

static void fail(wh3_result_own_response_error_code_t *ret, uint8_t tag) {
  ret->is_err = true;
  ret->val.err.tag = tag;
}

/* The transfer's result into the call's `ret`: a response, or its error. */
static int send_result(wh3_send_t *s, int st) {
  wh3_ctx_t *cx = &s->cx;
  wh3_inst_t *in = s->in;
  if (st == 2) {
    char msg[256];
    uint8_t e = wh_client_error(s->client, msg, sizeof msg);
    fail(s->ret, e);
    if (e == WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR && *msg) {
      s->ret->val.err.val.internal_error.is_some = true;
      if (wh3_string_set(cx, &s->ret->val.err.val.internal_error.val, msg, strlen(msg)))
        return wh3_trap(cx, "out of memory");
    }
    return 0;
  }
  uint16_t status;
  wh_fields_list_t h;
  if (!wh_client_head(s->client, &status, &h)) return wh3_trap(cx, "out of memory");
  if (!wh3_budget_take(in, h.bytes)) {
    wh_fields_list_free(&h);
    return wh3_trap(cx, "wasi:http: the guest holds more than %u MiB of header data", WH3_MAX_BYTES >> 20);
  }
  wh3_obj_t *r = wh3_obj_new(in, WH3_RESPONSE, &s->ret->val.ok.rep);
  if (!r) {
    wh3_budget_give(in, h.bytes);
    wh_fields_list_free(&h);
    return wh3_trap(cx, "wasi:http: too many open resources");
  }
  r->u.resp.status = status;
  r->u.resp.headers = h;
  r->u.resp.body.client = s->client; /* the send's hold moves to the response */
  s->client = NULL;
  return 0;
}

static void send_ready(void *arg, int revents) {
  (void)revents;
  wh3_send_t *s = arg;
  int fd;
  int st = wh_client_poll(s->client, &fd);
  if (!st) return; /* not yet: the watch stays */
  s->cx.host->unwatch(s->in->pi, s->watch);
  s->watch = 0;
  int rc = send_result(s, st);
  const wasmplug_host_api_t *host = s->cx.host;
  wasmplug_plugin_call_t *call = s->cx.call;
  send_unlink(s);
  wh3_complete(host, call, rc ? WASMPLUG_TRAP : WASMPLUG_OK);
}

void wh3_cancel(wh3_ctx_t *cx) {
  wh3_inst_t *in = cx->instance;
  for (wh3_send_t *s = in->sends; s; s = s->next) {
    if (s->cx.call != cx->call) continue;
    if (s->watch) cx->host->unwatch(in->pi, s->watch);
    send_unlink(s); /* the transfer is abandoned */
    wh3_complete(cx->host, cx->call, WASMPLUG_CANCELLED);
    return;
  }
}

static const char *scheme_of(const char *s, int *scheme) {
  *scheme = !s ? -1 : !strcmp(s, "HTTP") ? 0 : !strcmp(s, "HTTPS") ? 1 : 2;
  return s;
}

/* Whether a request the server received came with a body. */
static bool received_body(const wh_exchange_t *ex) {
  const wh_field_t *cl = wh_fields_list_get(&ex->headers, "content-length");
  if (cl) return !(cl->vlen == 1 && cl->value[0] == '0');
  return wh_fields_list_get(&ex->headers, "transfer-encoding") != NULL;
}

static int send(wh3_ctx_t *cx, uint32_t rep, wh3_result_own_response_error_code_t *ret) {
  wh3_inst_t *in = wh3_inst(cx);
  wh3_obj_t *o = wh3_obj_get(in, rep, WH3_REQUEST);
  if (!o) return wh3_trap(cx, "wasi:http/types: unknown request rep %u", rep);
  if (!in->pi) return wh3_trap(cx, "wasi:http/client: the host has no async plugin ABI");
  wh3_plugin_t *pl = in->plugin;
  wh_client_req_t r;
  memset(&r, 0, sizeof r);
  r.method = o->u.req.method;
  scheme_of(o->u.req.scheme, &r.scheme);
  r.authority = o->u.req.authority;
  r.path = o->u.req.path;
  r.headers = o->u.req.headers; /* moved: the budget gets the bytes back */
  wh3_budget_give(in, o->u.req.headers.bytes);
  memset(&o->u.req.headers, 0, sizeof o->u.req.headers);
  const wh3_opts_t *op = &o->u.req.options;
  if (o->u.req.has_options) {
    uint64_t *dst[3] = {&r.connect_ns, &r.first_byte_ns, &r.between_ns};
    for (int k = 0; k < 3; k++)
      if (op->set[k]) *dst[k] = op->v[k] ? op->v[k] : 1;
  }
  /* the body: the guest's stream, or a body received (a request forwarded
  ** as it came), pumped into a pipe the transfer reads */
  wh3_body_t *b = &o->u.req.body;
  wh_pipe_t *pipe = NULL;
  if (b->ex || b->contents || b->trailers || b->sent) {
    if (!(pipe = wh_pipe_new(WH_WINDOW, pl ? pl->max_body : 0))) return wh3_trap(cx, "out of memory");
    bool has_body = b->ex ? received_body(b->ex) : b->contents != 0;
    if (wh3_pump_to_pipe(in, b, pipe, NULL)) {
      wh_pipe_unref(pipe);
      return wh3_trap(cx, "out of memory");
    }
    if (!has_body) { /* no contents: no body is sent (the pump resolves the futures) */
      wh_pipe_unref(pipe);
      pipe = NULL;
    }
  }
  r.body = pipe;
  wh_client_t *c = NULL;
  uint8_t err = WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR;
  bool started = pl && wh_client_open(&pl->grants, pl->max_body, &r, &c, &err);
  if (pipe) wh_pipe_unref(pipe); /* the transfer holds it (or closed its reader) */
  wh_fields_list_free(&r.headers); /* when not moved in */
  wh3_obj_free(in, rep, WH3_REQUEST); /* own: the request is gone */
  if (!started) {
    fail(ret, err);
    return 0;
  }
  wh3_send_t *s = calloc(1, sizeof *s);
  if (!s) {
    wh_client_release(c);
    return wh3_trap(cx, "out of memory");
  }
  s->in = in;
  s->cx = *cx;
  s->ret = ret;
  s->client = c;
  int fd;
  int st = wh_client_poll(c, &fd);
  if (st) { /* already over (a thread could not be started) */
    int rc = send_result(s, st);
    if (s->client) wh_client_release(s->client);
    free(s);
    return rc;
  }
  if (fd < 0 || !(s->watch = cx->host->watch_fd(in->pi, fd, POLLIN, send_ready, s))) {
    wh_client_release(c);
    free(s);
    return wh3_trap(cx, "wasi:http/client: cannot wait for the response");
  }
  s->next = in->sends;
  if (in->sends) in->sends->prevp = &s->next;
  s->prevp = &in->sends;
  in->sends = s;
  return WASMPLUG_PENDING;
}

int wasi_http_client_send(wh3_ctx_t *cx, wasi_http_types_own_request_t request,
                          wh3_result_own_response_error_code_t *ret) {
  return send(cx, request.rep, ret);
}

int wasi_http_handler_handle(wh3_ctx_t *cx, wasi_http_types_own_request_t request,
                             wh3_result_own_response_error_code_t *ret) {
  return send(cx, request.rep, ret);
}
