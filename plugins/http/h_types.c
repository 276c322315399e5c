/*
** h_types.c — wasi:http/types for the serving side: incoming-request,
** response-outparam, outgoing-response, outgoing-body, incoming-body,
** future-trailers, http-error-code; and the exchange the server hands in.
**
** The rules the WIT states and a guest may break are enforced here, not
** assumed: consume/body/stream/write succeed once; a response is set
** once (the outparam is owned and gone after set); an outgoing-body
** dropped without finish cuts the response short instead of looking
** complete; a body that disagrees with its content-length fails.
*/
#include <stdlib.h>
#include <string.h>

#include "h.h"

/* ----------------------------------------------------------- exchanges */

wh_exchange_t *wh_exchange_new(void) {
  wh_exchange_t *ex = calloc(1, sizeof *ex);
  if (!ex) return NULL;
  pthread_mutex_init(&ex->lock, NULL);
  ex->refs = 1;
  return ex;
}

/* The count is atomic, not under `lock`: pipes take references from their
** wake-ups while the server holds `lock`. */
void wh_exchange_ref(wh_exchange_t *ex) { ex->refs++; }

void wh_exchange_unref(wh_exchange_t *ex) {
  if (!ex || --ex->refs) return;
  free(ex->method);
  free(ex->path_with_query);
  free(ex->authority);
  wh_fields_list_free(&ex->headers);
  wh_fields_list_free(&ex->resp_headers);
  wh_pipe_unref(ex->req_body);
  wh_pipe_unref(ex->resp_body);
  pthread_mutex_destroy(&ex->lock);
  free(ex);
}

static void ex_wake(void *ctx) {
  wh_exchange_t *ex = ctx;
  if (ex->on_wake) ex->on_wake(ex);
}
static void ex_ref(void *ctx) { wh_exchange_ref(ctx); }
static void ex_unref(void *ctx) { wh_exchange_unref(ctx); }
const wh_waker_t wh_exchange_waker = {ex_wake, ex_ref, ex_unref};

int wh_serve_bind(void *state, wh_exchange_t *ex, uint32_t *request, uint32_t *response_out) {
  wh_inst_t *in = wh_instance_user(state);
  if (!in) return 1;
  wh_obj_t *r = wh_obj_new(in, WH_INCOMING_REQUEST, request);
  if (!r) return 1;
  wh_obj_t *o = wh_obj_new(in, WH_RESPONSE_OUTPARAM, response_out);
  if (!o) {
    wh_obj_free(in, *request, WH_INCOMING_REQUEST);
    return 1;
  }
  wh_exchange_ref(ex);
  r->u.in_req.ex = ex;
  wh_exchange_ref(ex);
  o->u.outparam.ex = ex;
  return 0;
}

/* ---------------------------------------------------- incoming-request */

#define OBJ(o, rep, kind, what)                                          \
  wh_obj_t *o = wh_obj_get(wh_inst(cx), rep, kind);                      \
  if (!o) return wh_trap(cx, "wasi:http/types: unknown %s rep %u", what, rep)

int wasi_http_types_method_incoming_request_method(wh_ctx_t *cx, wasi_http_types_borrow_incoming_request_t self,
                                                   wasi_http_types_method_t *ret) {
  OBJ(o, self.rep, WH_INCOMING_REQUEST, "incoming-request");
  static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  const char *m = o->u.in_req.ex->method;
  for (uint8_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (!strcmp(m, known[i])) {
      ret->tag = i;
      return 0;
    }
  ret->tag = WASI_HTTP_TYPES_METHOD_OTHER;
  if (wh_string_set(cx, &ret->val.other, m, strlen(m))) return wh_trap(cx, "out of memory");
  return 0;
}

static int opt_string(wh_ctx_t *cx, const char *s, wh_option_string_t *ret) {
  if (!s) return 0;
  ret->is_some = true;
  if (wh_string_set(cx, &ret->val, s, strlen(s))) return wh_trap(cx, "out of memory");
  return 0;
}

int wasi_http_types_method_incoming_request_path_with_query(wh_ctx_t *cx,
                                                            wasi_http_types_borrow_incoming_request_t self,
                                                            wh_option_string_t *ret) {
  OBJ(o, self.rep, WH_INCOMING_REQUEST, "incoming-request");
  return opt_string(cx, o->u.in_req.ex->path_with_query, ret);
}

int wasi_http_types_method_incoming_request_scheme(wh_ctx_t *cx, wasi_http_types_borrow_incoming_request_t self,
                                                   wh_option_scheme_t *ret) {
  OBJ(o, self.rep, WH_INCOMING_REQUEST, "incoming-request");
  ret->is_some = true;
  ret->val.tag = o->u.in_req.ex->https ? WASI_HTTP_TYPES_SCHEME_HTTPS : WASI_HTTP_TYPES_SCHEME_HTTP;
  return 0;
}

int wasi_http_types_method_incoming_request_authority(wh_ctx_t *cx, wasi_http_types_borrow_incoming_request_t self,
                                                      wh_option_string_t *ret) {
  OBJ(o, self.rep, WH_INCOMING_REQUEST, "incoming-request");
  return opt_string(cx, o->u.in_req.ex->authority, ret);
}

/* headers() hands out an immutable copy: the WIT's child resource, which
** may not change, behaves the same as a copy. */
static int immutable_copy(wh_ctx_t *cx, const wh_fields_list_t *src, uint32_t *rep) {
  wh_fields_list_t copy;
  if (!wh_fields_list_copy(&copy, src)) return wh_trap(cx, "out of memory");
  return wh_fields_make(cx, &copy, true, rep);
}

int wasi_http_types_method_incoming_request_headers(wh_ctx_t *cx, wasi_http_types_borrow_incoming_request_t self,
                                                    wasi_http_types_own_fields_t *ret) {
  OBJ(o, self.rep, WH_INCOMING_REQUEST, "incoming-request");
  return immutable_copy(cx, &o->u.in_req.ex->headers, &ret->rep);
}

static int new_incoming_body(wh_ctx_t *cx, wh_pipe_t *pipe, uint32_t *rep) {
  wh_obj_t *b = wh_obj_new(wh_inst(cx), WH_INCOMING_BODY, rep);
  if (!b) return wh_trap(cx, "wasi:http: too many open resources");
  wh_pipe_ref(pipe);
  b->u.in_body.pipe = pipe;
  return 0;
}

int wasi_http_types_method_incoming_request_consume(wh_ctx_t *cx, wasi_http_types_borrow_incoming_request_t self,
                                                    wh_result_own_incoming_body_void_t *ret) {
  OBJ(o, self.rep, WH_INCOMING_REQUEST, "incoming-request");
  if (o->u.in_req.consumed || !o->u.in_req.ex->req_body) {
    ret->is_err = true;
    return 0;
  }
  o->u.in_req.consumed = true;
  return new_incoming_body(cx, o->u.in_req.ex->req_body, &ret->val.ok.rep);
}

void wasi_http_types_incoming_request_destructor(wh_ctx_t *cx, uint32_t rep) {
  wh_obj_free(wh_inst(cx), rep, WH_INCOMING_REQUEST);
}

/* ---------------------------------------------------- response-outparam */

int wasi_http_types_static_response_outparam_set(wh_ctx_t *cx, wasi_http_types_own_response_outparam_t param,
                                                 const wh_result_own_outgoing_response_error_code_t *response) {
  wh_inst_t *in = wh_inst(cx);
  wh_obj_t *o = wh_obj_get(in, param.rep, WH_RESPONSE_OUTPARAM);
  if (!o) return wh_trap(cx, "wasi:http/types: unknown response-outparam rep %u", param.rep);
  wh_exchange_t *ex = o->u.outparam.ex;
  o->u.outparam.ex = NULL;
  wh_obj_free(in, param.rep, WH_RESPONSE_OUTPARAM);
  if (!ex) return 0;
  wh_fields_list_t headers = {0};
  wh_pipe_t *body = NULL;
  uint16_t status = 0;
  if (!response->is_err) {
    wh_obj_t *r = wh_obj_get(in, response->val.ok.rep, WH_OUTGOING_RESPONSE);
    if (!r) {
      wh_exchange_unref(ex);
      return wh_trap(cx, "wasi:http/types: unknown outgoing-response rep %u", response->val.ok.rep);
    }
    status = r->u.out_resp.status;
    headers = r->u.out_resp.headers;
    wh_budget_give(in, headers.bytes);
    memset(&r->u.out_resp.headers, 0, sizeof r->u.out_resp.headers);
    body = r->u.out_resp.body; /* the reference moves to the exchange */
    r->u.out_resp.body = NULL;
    wh_obj_free(in, response->val.ok.rep, WH_OUTGOING_RESPONSE);
    if (!body) { /* body() never called: an empty body */
      if (!(body = wh_pipe_new(1, 0))) {
        wh_fields_list_free(&headers);
        wh_exchange_unref(ex);
        return wh_trap(cx, "out of memory");
      }
      wh_pipe_end(body, WH_PIPE_DONE, 0, NULL);
    }
  }
  pthread_mutex_lock(&ex->lock);
  if (response->is_err) {
    ex->resp = WH_RESP_ERROR;
    ex->resp_error = response->val.err.tag;
  } else {
    ex->resp = WH_RESP_SET;
    ex->status = status;
    ex->resp_headers = headers;
    ex->resp_body = body;
  }
  void (*tell)(wh_exchange_t *) = ex->on_response;
  pthread_mutex_unlock(&ex->lock);
  if (tell) tell(ex);
  wh_exchange_unref(ex);
  return 0;
}

void wasi_http_types_response_outparam_destructor(wh_ctx_t *cx, uint32_t rep) {
  wh_obj_free(wh_inst(cx), rep, WH_RESPONSE_OUTPARAM);
}

/* ---------------------------------------------------- outgoing-response */

int wasi_http_types_constructor_outgoing_response(wh_ctx_t *cx, wasi_http_types_own_fields_t headers,
                                                  wasi_http_types_own_outgoing_response_t *ret) {
  wh_fields_list_t l;
  int rc = wh_fields_take(cx, headers.rep, &l);
  if (rc) return rc;
  wh_obj_t *o = wh_obj_new(wh_inst(cx), WH_OUTGOING_RESPONSE, &ret->rep);
  if (!o) {
    wh_budget_give(wh_inst(cx), l.bytes);
    wh_fields_list_free(&l);
    return wh_trap(cx, "wasi:http: too many open resources");
  }
  o->u.out_resp.status = 200;
  o->u.out_resp.headers = l;
  return 0;
}

int wasi_http_types_method_outgoing_response_status_code(wh_ctx_t *cx, wasi_http_types_borrow_outgoing_response_t self,
                                                         wasi_http_types_status_code_t *ret) {
  OBJ(o, self.rep, WH_OUTGOING_RESPONSE, "outgoing-response");
  *ret = o->u.out_resp.status;
  return 0;
}

int wasi_http_types_method_outgoing_response_set_status_code(wh_ctx_t *cx,
                                                             wasi_http_types_borrow_outgoing_response_t self,
                                                             wasi_http_types_status_code_t status_code,
                                                             wh_result_void_void_t *ret) {
  OBJ(o, self.rep, WH_OUTGOING_RESPONSE, "outgoing-response");
  /* the rule 0.3 uses (wh_status_ok: 100-599, as Wasmtime) */
  if (!wh_status_ok(status_code)) ret->is_err = true;
  else o->u.out_resp.status = status_code;
  return 0;
}

int wasi_http_types_method_outgoing_response_headers(wh_ctx_t *cx, wasi_http_types_borrow_outgoing_response_t self,
                                                     wasi_http_types_own_fields_t *ret) {
  OBJ(o, self.rep, WH_OUTGOING_RESPONSE, "outgoing-response");
  return immutable_copy(cx, &o->u.out_resp.headers, &ret->rep);
}

/* The declared content-length of a header list: true and *n when there
** is exactly one, made of digits only. */
static bool content_length(const wh_fields_list_t *l, uint64_t *n) {
  const wh_field_t *f = wh_fields_list_get(l, "content-length");
  if (!f || !f->vlen || f->vlen > 19) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < f->vlen; i++) {
    if (f->value[i] < '0' || f->value[i] > '9') return false;
    v = v * 10 + (uint64_t)(f->value[i] - '0');
  }
  *n = v;
  return true;
}

static int new_outgoing_body(wh_ctx_t *cx, const wh_fields_list_t *headers, wh_pipe_t **keep, uint32_t *rep) {
  wh_pipe_t *p = wh_pipe_new(WH_WINDOW, 0);
  if (!p) return wh_trap(cx, "out of memory");
  uint64_t len;
  if (content_length(headers, &len)) wh_pipe_expect(p, len);
  wh_obj_t *b = wh_obj_new(wh_inst(cx), WH_OUTGOING_BODY, rep);
  if (!b) {
    wh_pipe_unref(p);
    return wh_trap(cx, "wasi:http: too many open resources");
  }
  b->u.out_body.pipe = p;
  wh_pipe_ref(p);
  *keep = p;
  return 0;
}

int wasi_http_types_method_outgoing_response_body(wh_ctx_t *cx, wasi_http_types_borrow_outgoing_response_t self,
                                                  wh_result_own_outgoing_body_void_t *ret) {
  OBJ(o, self.rep, WH_OUTGOING_RESPONSE, "outgoing-response");
  if (o->u.out_resp.body_taken) {
    ret->is_err = true;
    return 0;
  }
  int rc = new_outgoing_body(cx, &o->u.out_resp.headers, &o->u.out_resp.body, &ret->val.ok.rep);
  if (!rc) o->u.out_resp.body_taken = true;
  return rc;
}

void wasi_http_types_outgoing_response_destructor(wh_ctx_t *cx, uint32_t rep) {
  wh_obj_free(wh_inst(cx), rep, WH_OUTGOING_RESPONSE);
}

/* ------------------------------------------------------- outgoing-body */

int wasi_http_types_method_outgoing_body_write(wh_ctx_t *cx, wasi_http_types_borrow_outgoing_body_t self,
                                               wh_result_own_output_stream_void_t *ret) {
  OBJ(o, self.rep, WH_OUTGOING_BODY, "outgoing-body");
  if (o->u.out_body.write_taken) {
    ret->is_err = true;
    return 0;
  }
  const wasmplug_io_t *io;
  void *st;
  int rc = wh_io(cx, &io, &st);
  if (rc) return rc;
  if (io->output_stream(st, &wh_pipe_writer_ops, o->u.out_body.pipe, &ret->val.ok.rep))
    return wh_trap(cx, "wasi:http: too many open resources");
  wh_pipe_ref(o->u.out_body.pipe);
  o->u.out_body.write_taken = true;
  return 0;
}

int wasi_http_types_static_outgoing_body_finish(wh_ctx_t *cx, wasi_http_types_own_outgoing_body_t this,
                                                const wh_option_own_trailers_t *trailers,
                                                wh_result_void_error_code_t *ret) {
  wh_inst_t *in = wh_inst(cx);
  wh_obj_t *o = wh_obj_get(in, this.rep, WH_OUTGOING_BODY);
  if (!o) return wh_trap(cx, "wasi:http/types: unknown outgoing-body rep %u", this.rep);
  if (trailers->is_some) {
    /* sent after the body by the server or the client (chunked coding;
    ** a body of a declared length has none) */
    wh_fields_list_t l;
    int rc = wh_fields_take(cx, trailers->val.rep, &l);
    if (rc) return rc;
    wh_budget_give(in, l.bytes);
    wh_pipe_set_trailers(o->u.out_body.pipe, &l);
  }
  wh_pipe_t *p = o->u.out_body.pipe;
  wh_pipe_end(p, WH_PIPE_DONE, 0, NULL);
  o->u.out_body.finished = true;
  uint32_t code = 0;
  if (wh_pipe_state(p, &code) == WH_PIPE_FAILED) {
    ret->is_err = true;
    ret->val.err.tag = wh_error_case(code);
  }
  wh_obj_free(in, this.rep, WH_OUTGOING_BODY);
  return 0;
}

void wasi_http_types_outgoing_body_destructor(wh_ctx_t *cx, uint32_t rep) {
  wh_obj_free(wh_inst(cx), rep, WH_OUTGOING_BODY);
}

/* ------------------------------------------------------- incoming-body */

int wasi_http_types_method_incoming_body_stream(wh_ctx_t *cx, wasi_http_types_borrow_incoming_body_t self,
                                                wh_result_own_input_stream_void_t *ret) {
  OBJ(o, self.rep, WH_INCOMING_BODY, "incoming-body");
  if (o->u.in_body.stream_taken) {
    ret->is_err = true;
    return 0;
  }
  const wasmplug_io_t *io;
  void *st;
  int rc = wh_io(cx, &io, &st);
  if (rc) return rc;
  if (io->input_stream(st, &wh_pipe_reader_ops, o->u.in_body.pipe, &ret->val.ok.rep))
    return wh_trap(cx, "wasi:http: too many open resources");
  wh_pipe_ref(o->u.in_body.pipe);
  o->u.in_body.stream_taken = true;
  return 0;
}

int wasi_http_types_static_incoming_body_finish(wh_ctx_t *cx, wasi_http_types_own_incoming_body_t this,
                                                wasi_http_types_own_future_trailers_t *ret) {
  wh_inst_t *in = wh_inst(cx);
  wh_obj_t *o = wh_obj_get(in, this.rep, WH_INCOMING_BODY);
  if (!o) return wh_trap(cx, "wasi:http/types: unknown incoming-body rep %u", this.rep);
  wh_pipe_t *p = o->u.in_body.pipe;
  wh_obj_t *t = wh_obj_new(in, WH_FUTURE_TRAILERS, &ret->rep);
  if (!t) return wh_trap(cx, "wasi:http: too many open resources");
  wh_pipe_ref(p);
  t->u.trailers.pipe = p;
  wh_obj_free(in, this.rep, WH_INCOMING_BODY); /* the rest of the body is not read: discarded */
  return 0;
}

void wasi_http_types_incoming_body_destructor(wh_ctx_t *cx, uint32_t rep) {
  wh_obj_free(wh_inst(cx), rep, WH_INCOMING_BODY);
}

/* ----------------------------------------------------- future-trailers */

int wasi_http_types_method_future_trailers_subscribe(wh_ctx_t *cx, wasi_http_types_borrow_future_trailers_t self,
                                                     wasi_io_poll_own_pollable_t *ret) {
  OBJ(o, self.rep, WH_FUTURE_TRAILERS, "future-trailers");
  const wasmplug_io_t *io;
  void *st;
  int rc = wh_io(cx, &io, &st);
  if (rc) return rc;
  if (io->pollable(st, &wh_pipe_end_ops, o->u.trailers.pipe, &ret->rep))
    return wh_trap(cx, "wasi:http: too many open resources");
  wh_pipe_ref(o->u.trailers.pipe);
  return 0;
}

int wasi_http_types_method_future_trailers_get(wh_ctx_t *cx, wasi_http_types_borrow_future_trailers_t self,
                                               wh_option_result_result_option_own_trailers_error_code_void_t *ret) {
  OBJ(o, self.rep, WH_FUTURE_TRAILERS, "future-trailers");
  uint32_t code = 0;
  wh_pipe_end_t end = wh_pipe_state(o->u.trailers.pipe, &code);
  if (end == WH_PIPE_OPEN) return 0; /* none: not yet */
  ret->is_some = true;
  if (o->u.trailers.got) { /* the value was taken already */
    ret->val.is_err = true;
    return 0;
  }
  o->u.trailers.got = true;
  wh_fields_list_t t;
  if (end == WH_PIPE_DONE && wh_pipe_take_trailers(o->u.trailers.pipe, &t)) { /* ok(ok(some)) */
    ret->val.val.ok.val.ok.is_some = true;
    return wh_fields_make(cx, &t, true, &ret->val.val.ok.val.ok.val.rep);
  }
  if (end == WH_PIPE_DONE) return 0; /* ok(ok(none)): a body without trailers */
  ret->val.val.ok.is_err = true;
  ret->val.val.ok.val.err.tag = wh_error_case(code ? code : WH_ERR_CONNECTION_TERMINATED);
  return 0;
}

void wasi_http_types_future_trailers_destructor(wh_ctx_t *cx, uint32_t rep) {
  wh_obj_free(wh_inst(cx), rep, WH_FUTURE_TRAILERS);
}

/* ------------------------------------------------------ http-error-code */

uint8_t wh_error_case(uint32_t code) {
  switch (code) {
  case WH_ERR_CONNECTION_TERMINATED: return WASI_HTTP_TYPES_ERROR_CODE_CONNECTION_TERMINATED;
  case WH_ERR_REQUEST_BODY_SIZE: return WASI_HTTP_TYPES_ERROR_CODE_HTTP_REQUEST_BODY_SIZE;
  case WH_ERR_RESPONSE_BODY_SIZE: return WASI_HTTP_TYPES_ERROR_CODE_HTTP_RESPONSE_BODY_SIZE;
  case WH_ERR_RESPONSE_INCOMPLETE: return WASI_HTTP_TYPES_ERROR_CODE_HTTP_RESPONSE_INCOMPLETE;
  default: return WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR;
  }
}

int wasi_http_types_http_error_code(wh_ctx_t *cx, wasi_io_error_borrow_io_error_t err, wh_option_error_code_t *ret) {
  const wasmplug_io_t *io;
  void *st;
  int rc = wh_io(cx, &io, &st);
  if (rc) return rc;
  uint32_t code;
  if (io->error_source(st, err.rep, &wh_pipe_reader_ops, &code) ||
      io->error_source(st, err.rep, &wh_pipe_writer_ops, &code)) {
    ret->is_some = true;
    ret->val.tag = wh_error_case(code);
  }
  return 0;
}
