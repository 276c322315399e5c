/*
** handler.c — the C wasi:http handler the serve tests (and `make demo`,
** and the benchmarks) run: a wasi:http/proxy component built from C with
** bindings from `wasmplug bindgen c --guest` and jco's preview1 reactor
** adapter.  The path picks what it does:
**   /  /hello       200 "Hello from a wasm component\n"
**   /echo           the request body back, streamed (both ways)
**   /headers        method, path, authority and the x-test header
**   /big?N          N bytes of 'x', streamed
**   /count          a static counter: 1 on every request (a fresh instance)
**   /env            the value of GREETING in the guest's environment
**   /file           the contents of /data/msg.txt (a --dir preopen)
**   /fetch?A/P      GET http://A/P through wasi:http/outgoing-handler
**   /trap           traps (unreachable)
**   /spin           loops forever (the --timeout watchdog stops it)
**   /sleep          sleeps a day (wasi-libc's nanosleep: a clock pollable
**                   and wasi:io/poll; a stop past --grace interrupts it)
**   /no-response    returns without setting a response
**   /half           starts a 10-byte content-length body, writes 5, returns
**   /fields         every fields method, good and bad input: a report line
**   /uri            an outgoing request's scheme, path-with-query and authority and
**                   an outgoing response's status set to good and bad values, each
**                   read back: the rules 0.3 shares (serve_test.sh says which)
**   /trailers       reads the body and its trailers; answers "N bytes x-check=V"
**                   (V: the request trailer X-Check), chunked, with trailers
**                   x-count: N and x-seen: V
**   /fetch-trailers?A/P  POSTs "hello" (chunked) with the trailer X-Check: 42 to
**                   http://A/P; answers "upstream S: BODY" and the response's
**                   x-count and x-seen trailers
*/
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c11 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest.h"

typedef wasi_http_types_own_response_outparam_t outparam_t;

static int counter;

static void header(wasi_http_types_own_fields_t h, const char *name, const char *value) {
  wasi_http_types_field_name_t n;
  guest_string_set(&n, name);
  wasi_http_types_field_value_t v = {(uint8_t *)value, strlen(value)};
  guest_result_void_header_error_t r;
  wasi_http_types_method_fields_append(wasi_http_types_borrow_fields(h), &n, &v, &r);
}

/* Sets a response with `status` and a content-type; returns its body's
** output stream (and the body in *body). */
static wasi_io_streams_own_output_stream_t start(outparam_t out, uint16_t status, const char *type,
                                                 const char *length, wasi_http_types_own_outgoing_body_t *body) {
  wasi_http_types_own_fields_t h = wasi_http_types_constructor_fields();
  header(h, "content-type", type);
  if (length) header(h, "content-length", length);
  wasi_http_types_own_outgoing_response_t resp = wasi_http_types_constructor_outgoing_response(h);
  guest_result_void_void_t ok;
  wasi_http_types_method_outgoing_response_set_status_code(wasi_http_types_borrow_outgoing_response(resp), status, &ok);
  guest_result_own_outgoing_body_void_t b;
  wasi_http_types_method_outgoing_response_body(wasi_http_types_borrow_outgoing_response(resp), &b);
  *body = b.val.ok;
  guest_result_own_output_stream_void_t s;
  wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(b.val.ok), &s);
  guest_result_own_outgoing_response_error_code_t r = {.is_err = false, .val.ok = resp};
  wasi_http_types_static_response_outparam_set(out, &r);
  return s.val.ok;
}

/* Writes all of data, waiting for room (blocking-write-and-flush takes at
** most 4096 bytes at a time).  false when the stream failed. */
static bool write_all(wasi_io_streams_own_output_stream_t s, const uint8_t *data, size_t len) {
  while (len) {
    size_t n = len > 4096 ? 4096 : len;
    guest_list_u8_t l = {(uint8_t *)data, n};
    guest_result_void_stream_error_t r;
    wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream(s), &l, &r);
    if (r.is_err) return false;
    data += n;
    len -= n;
  }
  return true;
}

static void finish(wasi_io_streams_own_output_stream_t s, wasi_http_types_own_outgoing_body_t body) {
  wasi_io_streams_output_stream_drop_own(s);
  guest_option_own_trailers_t none = {0};
  guest_result_void_error_code_t r;
  wasi_http_types_static_outgoing_body_finish(body, &none, &r);
}

static void text(outparam_t out, uint16_t status, const char *msg) {
  wasi_http_types_own_outgoing_body_t body;
  char len[24];
  snprintf(len, sizeof len, "%zu", strlen(msg));
  wasi_io_streams_own_output_stream_t s = start(out, status, "text/plain", len, &body);
  write_all(s, (const uint8_t *)msg, strlen(msg));
  finish(s, body);
}

static void echo(wasi_http_types_own_incoming_request_t req, outparam_t out) {
  guest_result_own_incoming_body_void_t in;
  wasi_http_types_method_incoming_request_consume(wasi_http_types_borrow_incoming_request(req), &in);
  guest_result_own_input_stream_void_t is;
  wasi_http_types_method_incoming_body_stream(wasi_http_types_borrow_incoming_body(in.val.ok), &is);
  wasi_http_types_own_outgoing_body_t body;
  wasi_io_streams_own_output_stream_t os = start(out, 200, "application/octet-stream", NULL, &body);
  for (;;) {
    guest_result_list_u8_stream_error_t r;
    wasi_io_streams_method_input_stream_blocking_read(wasi_io_streams_borrow_input_stream(is.val.ok), 65536, &r);
    if (r.is_err) {
      if (r.val.err.tag == WASI_IO_STREAMS_STREAM_ERROR_CLOSED) break; /* the end of the body */
      /* the client went away, or the body was too large: cut the response */
      wasi_io_streams_input_stream_drop_own(is.val.ok);
      wasi_io_streams_output_stream_drop_own(os);
      wasi_http_types_outgoing_body_drop_own(body);
      return;
    }
    bool ok = write_all(os, r.val.ok.ptr, r.val.ok.len);
    guest_list_u8_free(&r.val.ok);
    if (!ok) break;
  }
  wasi_io_streams_input_stream_drop_own(is.val.ok);
  finish(os, body);
}

static void big(outparam_t out, const char *n) {
  size_t total = (size_t)strtoull(n, NULL, 10);
  static uint8_t chunk[4096];
  memset(chunk, 'x', sizeof chunk);
  wasi_http_types_own_outgoing_body_t body;
  wasi_io_streams_own_output_stream_t s = start(out, 200, "application/octet-stream", n, &body);
  while (total) {
    size_t k = total > sizeof chunk ? sizeof chunk : total;
    if (!write_all(s, chunk, k)) break;
    total -= k;
  }
  finish(s, body);
}

static void fetch(outparam_t out, const char *target) {
  const char *slash = strchr(target, '/');
  char authority[256];
  size_t al = slash ? (size_t)(slash - target) : strlen(target);
  if (al >= sizeof authority) al = sizeof authority - 1;
  memcpy(authority, target, al);
  authority[al] = 0;
  wasi_http_types_own_outgoing_request_t req = wasi_http_types_constructor_outgoing_request(wasi_http_types_constructor_fields());
  guest_option_string_t a = {.is_some = true}, p = {.is_some = true};
  guest_string_set(&a.val, authority);
  guest_string_set(&p.val, slash ? slash : "/");
  guest_result_void_void_t ok;
  wasi_http_types_method_outgoing_request_set_authority(wasi_http_types_borrow_outgoing_request(req), &a, &ok);
  wasi_http_types_method_outgoing_request_set_path_with_query(wasi_http_types_borrow_outgoing_request(req), &p, &ok);
  guest_option_own_request_options_t none = {0};
  guest_result_own_future_incoming_response_error_code_t f;
  wasi_http_outgoing_handler_handle(req, &none, &f);
  char msg[512];
  if (f.is_err) {
    snprintf(msg, sizeof msg, "outgoing request refused: error-code %u\n", f.val.err.tag);
    text(out, 403, msg);
    return;
  }
  wasi_io_poll_own_pollable_t pl =
      wasi_http_types_method_future_incoming_response_subscribe(wasi_http_types_borrow_future_incoming_response(f.val.ok));
  wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(pl));
  wasi_io_poll_pollable_drop_own(pl);
  guest_option_result_result_own_incoming_response_error_code_void_t g;
  wasi_http_types_method_future_incoming_response_get(wasi_http_types_borrow_future_incoming_response(f.val.ok), &g);
  if (!g.is_some || g.val.is_err || g.val.val.ok.is_err) {
    snprintf(msg, sizeof msg, "outgoing request failed: error-code %u\n",
             g.is_some && !g.val.is_err ? g.val.val.ok.val.err.tag : 999u);
    text(out, 502, msg);
    return;
  }
  wasi_http_types_own_incoming_response_t resp = g.val.val.ok.val.ok;
  uint16_t status = wasi_http_types_method_incoming_response_status(wasi_http_types_borrow_incoming_response(resp));
  guest_result_own_incoming_body_void_t b;
  wasi_http_types_method_incoming_response_consume(wasi_http_types_borrow_incoming_response(resp), &b);
  guest_result_own_input_stream_void_t is;
  wasi_http_types_method_incoming_body_stream(wasi_http_types_borrow_incoming_body(b.val.ok), &is);
  size_t n = (size_t)snprintf(msg, sizeof msg, "upstream %u: ", status);
  for (;;) {
    guest_result_list_u8_stream_error_t r;
    wasi_io_streams_method_input_stream_blocking_read(wasi_io_streams_borrow_input_stream(is.val.ok), 256, &r);
    if (r.is_err) break;
    size_t k = r.val.ok.len < sizeof msg - 1 - n ? r.val.ok.len : sizeof msg - 1 - n;
    memcpy(msg + n, r.val.ok.ptr, k);
    n += k;
    guest_list_u8_free(&r.val.ok);
  }
  msg[n] = 0;
  text(out, 200, msg);
}

/* ------------------------------------------------------------ trailers */

/* The first value of `name` in h ("" when none), into out. */
static void first_value(char *out, size_t cap, wasi_http_types_borrow_fields_t h, const char *name) {
  wasi_http_types_field_name_t n;
  guest_string_set(&n, name);
  guest_list_field_value_t vals;
  wasi_http_types_method_fields_get(h, &n, &vals);
  snprintf(out, cap, "%.*s", vals.len ? (int)vals.ptr[0].len : 0, vals.len ? (const char *)vals.ptr[0].ptr : "");
  guest_list_field_value_free(&vals);
}

/* Reads an incoming body to its end (up to cap - 1 bytes kept in buf, the
** count returned), then its trailers: into *trailers, or 0 when none. */
static size_t read_body(wasi_http_types_own_incoming_body_t in, char *buf, size_t cap,
                        wasi_http_types_own_fields_t *trailers, bool *has_trailers) {
  guest_result_own_input_stream_void_t is;
  wasi_http_types_method_incoming_body_stream(wasi_http_types_borrow_incoming_body(in), &is);
  size_t n = 0, kept = 0;
  for (;;) {
    guest_result_list_u8_stream_error_t r;
    wasi_io_streams_method_input_stream_blocking_read(wasi_io_streams_borrow_input_stream(is.val.ok), 65536, &r);
    if (r.is_err) break;
    size_t k = r.val.ok.len < cap - 1 - kept ? r.val.ok.len : cap - 1 - kept;
    memcpy(buf + kept, r.val.ok.ptr, k);
    kept += k;
    n += r.val.ok.len;
    guest_list_u8_free(&r.val.ok);
  }
  buf[kept] = 0;
  wasi_io_streams_input_stream_drop_own(is.val.ok);
  /* the trailers come once the body was read: a future */
  wasi_http_types_own_future_trailers_t ft = wasi_http_types_static_incoming_body_finish(in);
  wasi_io_poll_own_pollable_t pl =
      wasi_http_types_method_future_trailers_subscribe(wasi_http_types_borrow_future_trailers(ft));
  wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(pl));
  wasi_io_poll_pollable_drop_own(pl);
  guest_option_result_result_option_own_trailers_error_code_void_t g;
  wasi_http_types_method_future_trailers_get(wasi_http_types_borrow_future_trailers(ft), &g);
  *has_trailers = g.is_some && !g.val.is_err && !g.val.val.ok.is_err && g.val.val.ok.val.ok.is_some;
  if (*has_trailers) *trailers = g.val.val.ok.val.ok.val;
  wasi_http_types_future_trailers_drop_own(ft);
  return n;
}

/* /trailers: the request's trailers in, trailers of ours out (chunked). */
static void trailers_route(wasi_http_types_own_incoming_request_t req, outparam_t out) {
  guest_result_own_incoming_body_void_t in;
  wasi_http_types_method_incoming_request_consume(wasi_http_types_borrow_incoming_request(req), &in);
  char body[256], seen[128] = "";
  wasi_http_types_own_fields_t t;
  bool has = false;
  size_t n = read_body(in.val.ok, body, sizeof body, &t, &has);
  if (has) {
    first_value(seen, sizeof seen, wasi_http_types_borrow_fields(t), "x-check");
    wasi_http_types_fields_drop_own(t);
  }
  char msg[256], count[24];
  snprintf(msg, sizeof msg, "%zu bytes x-check=%s", n, seen);
  snprintf(count, sizeof count, "%zu", n);
  wasi_http_types_own_outgoing_body_t ob;
  wasi_io_streams_own_output_stream_t os = start(out, 200, "text/plain", NULL, &ob); /* no length: chunked */
  write_all(os, (const uint8_t *)msg, strlen(msg));
  wasi_io_streams_output_stream_drop_own(os);
  wasi_http_types_own_fields_t tr = wasi_http_types_constructor_fields();
  header(tr, "x-count", count);
  header(tr, "x-seen", seen);
  guest_option_own_trailers_t some = {.is_some = true, .val = tr};
  guest_result_void_error_code_t r;
  wasi_http_types_static_outgoing_body_finish(ob, &some, &r);
}

/* /fetch-trailers?A/P: a chunked POST with trailers; the response's read back. */
static void fetch_trailers(outparam_t out, const char *target) {
  const char *slash = strchr(target, '/');
  char authority[256];
  snprintf(authority, sizeof authority, "%.*s", slash ? (int)(slash - target) : (int)strlen(target), target);
  wasi_http_types_own_outgoing_request_t req = wasi_http_types_constructor_outgoing_request(wasi_http_types_constructor_fields());
  wasi_http_types_borrow_outgoing_request_t b = wasi_http_types_borrow_outgoing_request(req);
  guest_option_string_t a = {.is_some = true}, p = {.is_some = true};
  guest_string_set(&a.val, authority);
  guest_string_set(&p.val, slash ? slash : "/");
  guest_result_void_void_t ok;
  wasi_http_types_method_t post = {.tag = WASI_HTTP_TYPES_METHOD_POST};
  wasi_http_types_method_outgoing_request_set_method(b, &post, &ok);
  wasi_http_types_method_outgoing_request_set_authority(b, &a, &ok);
  wasi_http_types_method_outgoing_request_set_path_with_query(b, &p, &ok);
  guest_result_own_outgoing_body_void_t ob; /* no content-length: chunked */
  wasi_http_types_method_outgoing_request_body(b, &ob);
  guest_result_own_output_stream_void_t os;
  wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(ob.val.ok), &os);
  guest_option_own_request_options_t none = {0};
  guest_result_own_future_incoming_response_error_code_t f;
  wasi_http_outgoing_handler_handle(req, &none, &f);
  char msg[512];
  if (f.is_err) {
    snprintf(msg, sizeof msg, "outgoing request refused: error-code %u\n", f.val.err.tag);
    text(out, 403, msg);
    return;
  }
  write_all(os.val.ok, (const uint8_t *)"hello", 5);
  wasi_io_streams_output_stream_drop_own(os.val.ok);
  wasi_http_types_own_fields_t tr = wasi_http_types_constructor_fields();
  header(tr, "x-check", "42");
  guest_option_own_trailers_t some = {.is_some = true, .val = tr};
  guest_result_void_error_code_t fin;
  wasi_http_types_static_outgoing_body_finish(ob.val.ok, &some, &fin);
  wasi_io_poll_own_pollable_t pl =
      wasi_http_types_method_future_incoming_response_subscribe(wasi_http_types_borrow_future_incoming_response(f.val.ok));
  wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(pl));
  wasi_io_poll_pollable_drop_own(pl);
  guest_option_result_result_own_incoming_response_error_code_void_t g;
  wasi_http_types_method_future_incoming_response_get(wasi_http_types_borrow_future_incoming_response(f.val.ok), &g);
  if (!g.is_some || g.val.is_err || g.val.val.ok.is_err) {
    snprintf(msg, sizeof msg, "outgoing request failed: error-code %u\n",
             g.is_some && !g.val.is_err ? g.val.val.ok.val.err.tag : 999u);
    text(out, 502, msg);
    return;
  }
  wasi_http_types_own_incoming_response_t resp = g.val.val.ok.val.ok;
  uint16_t status = wasi_http_types_method_incoming_response_status(wasi_http_types_borrow_incoming_response(resp));
  guest_result_own_incoming_body_void_t ib;
  wasi_http_types_method_incoming_response_consume(wasi_http_types_borrow_incoming_response(resp), &ib);
  char body[256], count[64] = "", seen[64] = "";
  wasi_http_types_own_fields_t t;
  bool has = false;
  read_body(ib.val.ok, body, sizeof body, &t, &has);
  if (has) {
    first_value(count, sizeof count, wasi_http_types_borrow_fields(t), "x-count");
    first_value(seen, sizeof seen, wasi_http_types_borrow_fields(t), "x-seen");
    wasi_http_types_fields_drop_own(t);
  }
  wasi_http_types_incoming_response_drop_own(resp);
  wasi_http_types_future_incoming_response_drop_own(f.val.ok);
  snprintf(msg, sizeof msg, "upstream %u: %s; trailers:%s x-count=%s x-seen=%s\n", status, body, has ? "" : " none",
           count, seen);
  text(out, 200, msg);
}

/* ------------------------------------------------- /fields: the methods */

static wasi_http_types_field_name_t fname(const char *s) {
  wasi_http_types_field_name_t n = {(uint8_t *)s, strlen(s)};
  return n;
}

/* A header-error as text: "ok", or its case number. */
static const char *herr(const guest_result_void_header_error_t *r) {
  static char buf[4][8];
  static int k;
  if (!r->is_err) return "ok";
  char *b = buf[k++ % 4];
  snprintf(b, sizeof buf[0], "e%u", r->val.err.tag);
  return b;
}

/* from-list of one entry: "ok" or the error's case. */
static const char *from_list1(const char *name, const char *value) {
  guest_tuple2_field_name_field_value_t e = {fname(name), {(uint8_t *)value, strlen(value)}};
  guest_list_tuple2_field_name_field_value_t l = {&e, 1};
  guest_result_own_fields_header_error_t r;
  wasi_http_types_static_fields_from_list(&l, &r);
  if (!r.is_err) {
    wasi_http_types_fields_drop_own(r.val.ok);
    return "ok";
  }
  return r.val.err.tag == WASI_HTTP_TYPES_HEADER_ERROR_INVALID_SYNTAX ? "syntax"
         : r.val.err.tag == WASI_HTTP_TYPES_HEADER_ERROR_FORBIDDEN   ? "forbidden"
                                                                       : "other";
}

/* set-scheme(other(S)), read back: "http", "https", "other:S" or "err". */
static void uri_scheme(char *out, size_t cap, wasi_http_types_borrow_outgoing_request_t b, const char *other) {
  guest_option_scheme_t sc = {.is_some = true, .val = {.tag = WASI_HTTP_TYPES_SCHEME_OTHER}}, got;
  guest_string_set(&sc.val.val.other, other);
  guest_result_void_void_t ok;
  wasi_http_types_method_outgoing_request_set_scheme(b, &sc, &ok);
  if (ok.is_err) {
    snprintf(out, cap, "err");
    return;
  }
  wasi_http_types_method_outgoing_request_scheme(b, &got);
  if (!got.is_some) snprintf(out, cap, "none");
  else if (got.val.tag == WASI_HTTP_TYPES_SCHEME_HTTP) snprintf(out, cap, "http");
  else if (got.val.tag == WASI_HTTP_TYPES_SCHEME_HTTPS) snprintf(out, cap, "https");
  else snprintf(out, cap, "other:%.*s", (int)got.val.val.other.len, (const char *)got.val.val.other.ptr);
  guest_option_scheme_free(&got);
}

/* set-path-with-query(S), read back: "ok=P" or "err". */
static void uri_path(char *out, size_t cap, wasi_http_types_borrow_outgoing_request_t b, const char *path) {
  guest_option_string_t p = {.is_some = true}, got;
  guest_string_set(&p.val, path);
  guest_result_void_void_t ok;
  wasi_http_types_method_outgoing_request_set_path_with_query(b, &p, &ok);
  if (ok.is_err) {
    snprintf(out, cap, "err");
    return;
  }
  wasi_http_types_method_outgoing_request_path_with_query(b, &got);
  snprintf(out, cap, "ok=%.*s", got.is_some ? (int)got.val.len : 0, got.is_some ? (const char *)got.val.ptr : "");
  guest_option_string_free(&got);
}

static const char *uri_auth(wasi_http_types_borrow_outgoing_request_t b, const char *auth) {
  guest_option_string_t a = {.is_some = true};
  guest_string_set(&a.val, auth);
  guest_result_void_void_t ok;
  wasi_http_types_method_outgoing_request_set_authority(b, &a, &ok);
  return ok.is_err ? "err" : "ok";
}

/* The request and response parts 0.2 and 0.3 check by the same rules
** (h_fields.c, h_client.c): schemes (other("https") is https, any case),
** relative paths and "" (read back "/"), a userinfo, 1xx statuses. */
static void uri(outparam_t out) {
  wasi_http_types_own_outgoing_request_t req = wasi_http_types_constructor_outgoing_request(wasi_http_types_constructor_fields());
  wasi_http_types_borrow_outgoing_request_t b = wasi_http_types_borrow_outgoing_request(req);
  char s[4][32], p[5][32];
  uri_scheme(s[0], sizeof s[0], b, "https");
  uri_scheme(s[1], sizeof s[1], b, "HTTP");
  uri_scheme(s[2], sizeof s[2], b, "ftp");
  uri_scheme(s[3], sizeof s[3], b, "1x");
  uri_path(p[0], sizeof p[0], b, "a/b/c");
  uri_path(p[1], sizeof p[1], b, "");
  uri_path(p[2], sizeof p[2], b, "?q");
  uri_path(p[3], sizeof p[3], b, "/<");
  uri_path(p[4], sizeof p[4], b, "/x y");
  const char *a0 = uri_auth(b, "user:pass%20@localhost:80"), *a1 = uri_auth(b, "localhost:what"),
             *a2 = uri_auth(b, "@@"), *a3 = uri_auth(b, "");
  /* a relative path makes no URL: sending it is HTTP-request-URI-invalid */
  char sent[32];
  uri_scheme(sent, sizeof sent, b, "http");
  uri_path(sent, sizeof sent, b, "a/b/c");
  uri_auth(b, "localhost:1");
  guest_option_own_request_options_t none = {0};
  guest_result_own_future_incoming_response_error_code_t f;
  wasi_http_outgoing_handler_handle(req, &none, &f); /* takes req */
  if (f.is_err) snprintf(sent, sizeof sent, "e%u", f.val.err.tag);
  else {
    snprintf(sent, sizeof sent, "sent");
    wasi_http_types_future_incoming_response_drop_own(f.val.ok);
  }
  wasi_http_types_own_outgoing_response_t resp = wasi_http_types_constructor_outgoing_response(wasi_http_types_constructor_fields());
  static const uint16_t codes[] = {100, 101, 599, 99, 600};
  char st[64] = "";
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    guest_result_void_void_t ok;
    wasi_http_types_method_outgoing_response_set_status_code(wasi_http_types_borrow_outgoing_response(resp), codes[i], &ok);
    strcat(st, i ? "," : "");
    strcat(st, ok.is_err ? "err" : "ok");
  }
  wasi_http_types_outgoing_response_drop_own(resp);
  char msg[512];
  snprintf(msg, sizeof msg, "scheme:%s,%s,%s,%s path:%s,%s,%s,%s,%s auth:%s,%s,%s,%s send:%s status:%s\n", s[0], s[1],
           s[2], s[3], p[0], p[1], p[2], p[3], p[4], a0, a1, a2, a3, sent, st);
  text(out, 200, msg);
}

/* The values of name joined with ',' after "n:" (the count). */
static void values(char *out, size_t cap, wasi_http_types_own_fields_t h, const char *name) {
  wasi_http_types_field_name_t n = fname(name);
  guest_list_field_value_t vals;
  wasi_http_types_method_fields_get(wasi_http_types_borrow_fields(h), &n, &vals);
  int k = snprintf(out, cap, "%zu:", vals.len);
  for (size_t i = 0; i < vals.len && k > 0 && (size_t)k < cap; i++)
    k += snprintf(out + k, cap - (size_t)k, "%s%.*s", i ? "," : "", (int)vals.ptr[i].len, (const char *)vals.ptr[i].ptr);
  guest_list_field_value_free(&vals);
}

static void fields_report(outparam_t out) {
  char msg[1024], v1[128], v2[128], v3[128], v4[128], v5[16];
  guest_tuple2_field_name_field_value_t es[3] = {{fname("A-One"), {(uint8_t *)"1", 1}},
                                                 {fname("b"), {(uint8_t *)"x", 1}},
                                                 {fname("a-one"), {(uint8_t *)"2", 1}}};
  guest_list_tuple2_field_name_field_value_t l = {es, 3};
  guest_result_own_fields_header_error_t fl;
  wasi_http_types_static_fields_from_list(&l, &fl);
  wasi_http_types_own_fields_t h = fl.val.ok;
  wasi_http_types_borrow_fields_t b = wasi_http_types_borrow_fields(h);
  values(v1, sizeof v1, h, "A-ONE"); /* case-insensitive, in order */
  wasi_http_types_field_name_t a = fname("a-one"), c = fname("c"), bad = fname("bad name"), conn = fname("Connection");
  wasi_http_types_field_value_t sv[2] = {{(uint8_t *)"p", 1}, {(uint8_t *)"q", 1}}, crlf = {(uint8_t *)"x\r\ny: 1", 7};
  guest_list_field_value_t setv = {sv, 2}, badv = {&crlf, 1};
  guest_result_void_header_error_t r1, r2, r3, r4, r5, r6, r7;
  wasi_http_types_method_fields_set(b, &a, &setv, &r1); /* replaces both */
  values(v2, sizeof v2, h, "a-one");
  wasi_http_types_method_fields_append(b, &c, &sv[0], &r2);
  wasi_http_types_method_fields_append(b, &bad, &sv[0], &r3);
  wasi_http_types_method_fields_set(b, &conn, &setv, &r4);
  wasi_http_types_method_fields_set(b, &c, &badv, &r5);
  bool had_b = wasi_http_types_method_fields_has(b, &(wasi_http_types_field_name_t){(uint8_t *)"B", 1});
  wasi_http_types_method_fields_delete(b, &(wasi_http_types_field_name_t){(uint8_t *)"B", 1}, &r6);
  bool has_b = wasi_http_types_method_fields_has(b, &(wasi_http_types_field_name_t){(uint8_t *)"b", 1});
  guest_list_tuple2_field_name_field_value_t ents;
  wasi_http_types_method_fields_entries(b, &ents);
  int k = snprintf(v3, sizeof v3, "%zu", ents.len);
  for (size_t i = 0; i < ents.len && k > 0 && (size_t)k < sizeof v3; i++)
    k += snprintf(v3 + k, sizeof v3 - (size_t)k, " %.*s=%.*s", (int)ents.ptr[i].f0.len, (const char *)ents.ptr[i].f0.ptr,
                  (int)ents.ptr[i].f1.len, (const char *)ents.ptr[i].f1.ptr);
  guest_list_tuple2_field_name_field_value_free(&ents);
  wasi_http_types_own_fields_t cl = wasi_http_types_method_fields_clone(b);
  wasi_http_types_method_fields_append(wasi_http_types_borrow_fields(cl), &c, &sv[1], &r7); /* a clone is mutable */
  values(v4, sizeof v4, cl, "c");
  values(v5, sizeof v5, h, "nothing");
  snprintf(msg, sizeof msg,
           "get=%s set=%s then=%s append=%s badname=%s forbidden=%s crlf=%s has=%d delete=%s has=%d entries=%s "
           "clone=%s:%s none=%s from-list:%s,%s,%s,%s,%s,%s,%s,%s\n",
           v1, herr(&r1), v2, herr(&r2), herr(&r3), herr(&r4), herr(&r5), had_b, herr(&r6), has_b, v3, herr(&r7), v4, v5,
           from_list1("ok-name", "v"), from_list1("bad name", "v"), from_list1("host", "v"), from_list1("x", "a\nb"),
           from_list1("te", "v"), from_list1("trailer", "x-a"), from_list1("x", "a\x01b"), from_list1("x", " \ta\t "));
  wasi_http_types_fields_drop_own(cl);
  wasi_http_types_fields_drop_own(h);
  text(out, 200, msg);
}

void exports_wasi_http_incoming_handler_handle(wasi_http_types_own_incoming_request_t req, outparam_t out) {
  guest_option_string_t pq;
  wasi_http_types_method_incoming_request_path_with_query(wasi_http_types_borrow_incoming_request(req), &pq);
  char path[1024] = "/";
  if (pq.is_some) {
    size_t n = pq.val.len < sizeof path - 1 ? pq.val.len : sizeof path - 1;
    memcpy(path, pq.val.ptr, n);
    path[n] = 0;
    guest_string_free(&pq.val);
  }
  char *query = strchr(path, '?');
  if (query) *query++ = 0;
  counter++;
  char msg[1024];
  if (!strcmp(path, "/") || !strcmp(path, "/hello")) {
    text(out, 200, "Hello from a wasm component\n");
  } else if (!strcmp(path, "/echo")) {
    echo(req, out);
  } else if (!strcmp(path, "/headers")) {
    wasi_http_types_method_t m;
    wasi_http_types_method_incoming_request_method(wasi_http_types_borrow_incoming_request(req), &m);
    guest_option_string_t auth;
    wasi_http_types_method_incoming_request_authority(wasi_http_types_borrow_incoming_request(req), &auth);
    wasi_http_types_own_fields_t h = wasi_http_types_method_incoming_request_headers(wasi_http_types_borrow_incoming_request(req));
    wasi_http_types_field_name_t name;
    guest_string_set(&name, "X-Test");
    guest_list_field_value_t vals;
    wasi_http_types_method_fields_get(wasi_http_types_borrow_fields(h), &name, &vals);
    /* headers() is immutable: changing it must fail */
    guest_result_void_header_error_t r;
    wasi_http_types_field_value_t v = {(uint8_t *)"1", 1};
    wasi_http_types_method_fields_append(wasi_http_types_borrow_fields(h), &name, &v, &r);
    snprintf(msg, sizeof msg, "method=%u path=%s authority=%.*s x-test=%.*s immutable=%s\n", m.tag, path,
             auth.is_some ? (int)auth.val.len : 0, auth.is_some ? (const char *)auth.val.ptr : "",
             vals.len ? (int)vals.ptr[0].len : 0, vals.len ? (const char *)vals.ptr[0].ptr : "",
             r.is_err && r.val.err.tag == WASI_HTTP_TYPES_HEADER_ERROR_IMMUTABLE ? "yes" : "no");
    wasi_http_types_fields_drop_own(h);
    text(out, 200, msg);
  } else if (!strcmp(path, "/big")) {
    big(out, query ? query : "0");
  } else if (!strcmp(path, "/count")) {
    snprintf(msg, sizeof msg, "%d\n", counter);
    text(out, 200, msg);
  } else if (!strcmp(path, "/env")) {
    const char *g = getenv("GREETING");
    snprintf(msg, sizeof msg, "GREETING=%s\n", g ? g : "(unset)");
    text(out, 200, msg);
  } else if (!strcmp(path, "/file")) {
    FILE *f = fopen("/data/msg.txt", "r");
    size_t n = f ? fread(msg, 1, sizeof msg - 1, f) : 0;
    msg[n] = 0;
    if (f) fclose(f);
    text(out, f ? 200 : 404, f ? msg : "no /data/msg.txt\n");
  } else if (!strcmp(path, "/fetch")) {
    fetch(out, query ? query : "");
  } else if (!strcmp(path, "/trap")) {
    __builtin_trap();
  } else if (!strcmp(path, "/spin")) {
    for (volatile unsigned i = 0;; i++) {
    }
  } else if (!strcmp(path, "/sleep")) {
    struct timespec day = {86400, 0};
    nanosleep(&day, NULL);
    text(out, 200, "slept a day\n");
  } else if (!strcmp(path, "/no-response")) {
    wasi_http_types_response_outparam_drop_own(out);
  } else if (!strcmp(path, "/uri")) {
    uri(out);
  } else if (!strcmp(path, "/fields")) {
    fields_report(out);
  } else if (!strcmp(path, "/trailers")) {
    trailers_route(req, out);
  } else if (!strcmp(path, "/fetch-trailers")) {
    fetch_trailers(out, query ? query : "");
  } else if (!strcmp(path, "/half")) {
    wasi_http_types_own_outgoing_body_t body;
    wasi_io_streams_own_output_stream_t s = start(out, 200, "text/plain", "10", &body);
    write_all(s, (const uint8_t *)"12345", 5);
    wasi_io_streams_output_stream_drop_own(s);
    wasi_http_types_outgoing_body_drop_own(body); /* no finish: the body is cut short */
  } else {
    snprintf(msg, sizeof msg, "no route for %s\n", path);
    text(out, 404, msg);
  }
  wasi_http_types_incoming_request_drop_own(req);
}
