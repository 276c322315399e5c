/*
** h3_types.c — wasi:http/types@0.3.0: fields, request, request-options,
** response; and the server's way in (wh3_serve_bind/_respond).
**
** As the 0.2 plugin's (h_fields.c): names are RFC 9110 tokens, values have
** no CR, LF or NUL, hop-by-hop fields the host manages are refused, and the
** headers a request or response hands out are immutable copies.  A guest
** cannot grow host memory without bound: header data it holds is counted
** against WH3_MAX_BYTES.  Misuse the types make possible is an error the
** guest sees (consume-body twice: the request is gone, so the handle is
** invalid — the runtime refuses it before we are called).
*/
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "h3.h"

#define OBJ(o, rep, kind, what)                                        \
  wh3_obj_t *o = wh3_obj_get(wh3_inst(cx), rep, kind);                 \
  if (!o) return wh3_trap(cx, "wasi:http/types: unknown %s rep %u", what, rep)

/* ------------------------------------------------------------- fields */

int wh3_fields_make(wh3_ctx_t *cx, wh_fields_list_t *list, bool immutable, uint32_t *rep) {
  wh3_inst_t *in = wh3_inst(cx);
  if (!wh3_budget_take(in, list->bytes)) {
    wh_fields_list_free(list);
    return wh3_trap(cx, "wasi:http: the guest holds more than %u MiB of header data", WH3_MAX_BYTES >> 20);
  }
  wh3_obj_t *o = wh3_obj_new(in, WH3_FIELDS, rep);
  if (!o) {
    wh3_budget_give(in, list->bytes);
    wh_fields_list_free(list);
    return wh3_trap(cx, "wasi:http: too many open resources");
  }
  o->u.fields.list = *list;
  o->u.fields.immutable = immutable;
  memset(list, 0, sizeof *list);
  return 0;
}

int wh3_fields_take(wh3_ctx_t *cx, uint32_t rep, wh_fields_list_t *out) {
  wh3_inst_t *in = wh3_inst(cx);
  wh3_obj_t *o = wh3_obj_get(in, rep, WH3_FIELDS);
  if (!o) return wh3_trap(cx, "wasi:http: unknown fields rep %u", rep);
  *out = o->u.fields.list;
  memset(&o->u.fields.list, 0, sizeof o->u.fields.list);
  wh3_obj_free(in, rep, WH3_FIELDS); /* the bytes stay charged: the holder has them */
  return 0;
}

static int immutable_copy(wh3_ctx_t *cx, const wh_fields_list_t *l, uint32_t *rep) {
  wh_fields_list_t copy;
  if (!wh_fields_list_copy(&copy, l)) return wh3_trap(cx, "out of memory");
  return wh3_fields_make(cx, &copy, true, rep);
}

/* The generated types are bindgen's strings and lists (h.h's wh_bytes_t). */
_Static_assert(sizeof(wasi_http_types_field_value_t) == sizeof(wh_bytes_t) &&
                   offsetof(wasi_http_types_field_value_t, ptr) == offsetof(wh_bytes_t, ptr) &&
                   offsetof(wasi_http_types_field_value_t, len) == offsetof(wh_bytes_t, len) &&
                   sizeof(wasi_http_types_field_name_t) == sizeof(wh_bytes_t) &&
                   offsetof(wasi_http_types_field_name_t, ptr) == offsetof(wh_bytes_t, ptr) &&
                   offsetof(wasi_http_types_field_name_t, len) == offsetof(wh_bytes_t, len) &&
                   sizeof(wh3_tuple2_field_name_field_value_t) == sizeof(wh_entry_t) &&
                   offsetof(wh3_tuple2_field_name_field_value_t, f1) == offsetof(wh_entry_t, value),
               "bindgen's list<u8> and string are {ptr, len}");

/* The methods are h_fields.c's; 0.3 has header-error.size-exceeded. */
static wh_fields_env_t env(wh3_ctx_t *cx) {
  wh3_inst_t *in = wh3_inst(cx);
  return (wh_fields_env_t){cx->host, cx->call, &in->bytes, WH3_MAX_BYTES, true};
}

/* A method's end: a trap, or the header-error case (if any) in ret. */
static int done(wh3_ctx_t *cx, const char *why, int err, wh3_result_void_header_error_t *ret) {
  if (why) return wh3_trap(cx, "%s", why);
  if (err != WH_HEADER_OK) {
    ret->is_err = true;
    ret->val.err.tag = (uint8_t)err;
  }
  return 0;
}

int wasi_http_types_constructor_fields(wh3_ctx_t *cx, wasi_http_types_own_fields_t *ret) {
  wh_fields_list_t l = {0};
  return wh3_fields_make(cx, &l, false, &ret->rep);
}

int wasi_http_types_static_fields_from_list(wh3_ctx_t *cx, const wh3_list_tuple2_field_name_field_value_t *entries,
                                            wh3_result_own_fields_header_error_t *ret) {
  wh_fields_env_t e = env(cx);
  wh_fields_list_t l;
  int err;
  const char *why = wh_fields_from_list(&e, (const wh_entry_t *)(const void *)entries->ptr, entries->len, &l, &err);
  if (why) return wh3_trap(cx, "%s", why);
  if (err != WH_HEADER_OK) {
    ret->is_err = true;
    ret->val.err.tag = (uint8_t)err;
    return 0;
  }
  return wh3_fields_make(cx, &l, false, &ret->val.ok.rep);
}

int wasi_http_types_method_fields_get(wh3_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                      const wasi_http_types_field_name_t *name, wh3_list_field_value_t *ret) {
  OBJ(o, self.rep, WH3_FIELDS, "fields");
  wh_fields_env_t e = env(cx);
  wh_bytes_t *p;
  const char *why = wh_fields_get(&e, &o->u.fields, wh_as_bytes(name), &p, &ret->len);
  ret->ptr = (wasi_http_types_field_value_t *)(void *)p;
  return why ? wh3_trap(cx, "%s", why) : 0;
}

int wasi_http_types_method_fields_has(wh3_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                      const wasi_http_types_field_name_t *name, bool *ret) {
  OBJ(o, self.rep, WH3_FIELDS, "fields");
  *ret = wh_fields_has(&o->u.fields, wh_as_bytes(name));
  return 0;
}

int wasi_http_types_method_fields_set(wh3_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                      const wasi_http_types_field_name_t *name, const wh3_list_field_value_t *value,
                                      wh3_result_void_header_error_t *ret) {
  OBJ(o, self.rep, WH3_FIELDS, "fields");
  wh_fields_env_t e = env(cx);
  int err;
  const char *why = wh_fields_set(&e, &o->u.fields, wh_as_bytes(name), wh_as_bytes(value->ptr),
                                  value->len, true, &err);
  return done(cx, why, err, ret);
}

int wasi_http_types_method_fields_delete(wh3_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                         const wasi_http_types_field_name_t *name,
                                         wh3_result_void_header_error_t *ret) {
  OBJ(o, self.rep, WH3_FIELDS, "fields");
  wh_fields_env_t e = env(cx);
  int err;
  const char *why = wh_fields_delete(&e, &o->u.fields, wh_as_bytes(name), NULL, NULL, &err);
  return done(cx, why, err, ret);
}

int wasi_http_types_method_fields_get_and_delete(wh3_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                                 const wasi_http_types_field_name_t *name,
                                                 wh3_result_list_field_value_header_error_t *ret) {
  OBJ(o, self.rep, WH3_FIELDS, "fields");
  wh_fields_env_t e = env(cx);
  wh_bytes_t *p;
  int err;
  const char *why = wh_fields_delete(&e, &o->u.fields, wh_as_bytes(name), &p, &ret->val.ok.len, &err);
  if (why) return wh3_trap(cx, "%s", why);
  if (err != WH_HEADER_OK) {
    ret->is_err = true;
    ret->val.err.tag = (uint8_t)err;
  } else {
    ret->val.ok.ptr = (wasi_http_types_field_value_t *)(void *)p;
  }
  return 0;
}

int wasi_http_types_method_fields_append(wh3_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                         const wasi_http_types_field_name_t *name,
                                         const wasi_http_types_field_value_t *value,
                                         wh3_result_void_header_error_t *ret) {
  OBJ(o, self.rep, WH3_FIELDS, "fields");
  wh_fields_env_t e = env(cx);
  int err;
  const char *why = wh_fields_set(&e, &o->u.fields, wh_as_bytes(name), wh_as_bytes(value), 1, false, &err);
  return done(cx, why, err, ret);
}

int wasi_http_types_method_fields_copy_all(wh3_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                           wh3_list_tuple2_field_name_field_value_t *ret) {
  OBJ(o, self.rep, WH3_FIELDS, "fields");
  wh_fields_env_t e = env(cx);
  wh_entry_t *p;
  const char *why = wh_fields_entries(&e, &o->u.fields, &p, &ret->len);
  ret->ptr = (wh3_tuple2_field_name_field_value_t *)(void *)p;
  return why ? wh3_trap(cx, "%s", why) : 0;
}

int wasi_http_types_method_fields_clone(wh3_ctx_t *cx, wasi_http_types_borrow_fields_t self,
                                        wasi_http_types_own_fields_t *ret) {
  OBJ(o, self.rep, WH3_FIELDS, "fields");
  wh_fields_list_t copy;
  if (!wh_fields_list_copy(&copy, &o->u.fields.list)) return wh3_trap(cx, "out of memory");
  return wh3_fields_make(cx, &copy, false, &ret->rep); /* a clone is mutable */
}

void wasi_http_types_fields_destructor(wh3_ctx_t *cx, uint32_t rep) { wh3_obj_free(wh3_inst(cx), rep, WH3_FIELDS); }

/* ------------------------------------------------------------- bodies */

/* A body from new(): the guest's stream and trailers future (readable
** ends, now ours) and a new future for the result of sending it. */
static int body_from_guest(wh3_ctx_t *cx, wh3_body_t *b, const wh3_option_stream_u8_t *contents, uint32_t trailers,
                           uint32_t which_sent, uint32_t *sent_readable) {
  b->contents = contents->is_some ? contents->val : 0;
  b->trailers = trailers;
  if (cx->host->stream_new(cx->call, which_sent, sent_readable, &b->sent))
    return wh3_trap(cx, "wasi:http: cannot make a future");
  return 0;
}

/* consume-body: the body's stream and trailers future for the guest. */
static int consume(wh3_ctx_t *cx, wh3_body_t *b, uint32_t res, wh3_tuple2_stream_u8_future_result_option_own_trailers_error_code_t *ret) {
  wh3_inst_t *in = wh3_inst(cx);
  const wasmplug_host_api_t *h = cx->host;
  int rc = 0;
  if (b->ex || b->client) { /* from the network: a pump from the request's or response's pipe */
    uint32_t data_w = 0, tr_w = 0;
    wh_pipe_t *pipe = b->ex ? b->ex->req_body : wh_client_take_body(b->client);
    if (!pipe) {
      rc = wh3_trap(cx, "wasi:http: the body was consumed already");
    } else if (h->stream_new(cx->call, 1, &ret->f0, &data_w) || h->stream_new(cx->call, 2, &ret->f1, &tr_w)) {
      rc = wh3_trap(cx, "wasi:http: cannot make a stream");
    } else if (wh3_pump_from_pipe(in, pipe, data_w, tr_w)) {
      rc = wh3_trap(cx, "out of memory");
    }
    if (pipe && b->client) wh_pipe_unref(pipe);
    if (b->ex && !rc) { /* the pump reads the pipe now */
      wh_exchange_unref(b->ex);
      b->ex = NULL;
    }
    h->stream_drop(in->pi, res); /* nothing of ours to report to */
  } else {
    /* the guest's own body, handed back as it was given: its result, when
    ** the consumer reports one through `res`, goes to new()'s future */
    uint32_t data_w = 0;
    if (b->contents) {
      ret->f0 = b->contents;
      b->contents = 0;
    } else if (!h->stream_new(cx->call, 1, &ret->f0, &data_w)) {
      h->stream_drop(in->pi, data_w); /* an empty body: the stream ends at once */
    } else {
      rc = wh3_trap(cx, "wasi:http: cannot make a stream");
    }
    ret->f1 = b->trailers;
    b->trailers = 0;
    if (b->sent) {
      if (wh3_forward_future(in, res, b->sent, sizeof(wh3_result_void_error_code_t))) {
        h->stream_drop(in->pi, res);
        h->stream_drop(in->pi, b->sent);
      }
      b->sent = 0;
    } else {
      h->stream_drop(in->pi, res);
    }
  }
  wh3_body_free(in, b);
  return rc;
}

/* ------------------------------------------------------------ request */

static char *dup_n(const void *p, size_t n) {
  char *s = malloc(n + 1);
  if (s) {
    memcpy(s, p, n);
    s[n] = 0;
  }
  return s;
}

int wasi_http_types_static_request_new(wh3_ctx_t *cx, wasi_http_types_own_fields_t headers,
                                       const wh3_option_stream_u8_t *contents,
                                       wh3_future_result_option_own_trailers_error_code_t trailers,
                                       const wh3_option_own_request_options_t *options,
                                       wh3_tuple2_own_request_future_result_void_error_code_t *ret) {
  wh3_inst_t *in = wh3_inst(cx);
  wh3_opts_t opts = {0};
  if (options->is_some) {
    wh3_obj_t *op = wh3_obj_get(in, options->val.rep, WH3_OPTIONS);
    if (!op) return wh3_trap(cx, "wasi:http/types: unknown request-options rep %u", options->val.rep);
    opts = op->u.opts.o;
    wh3_obj_free(in, options->val.rep, WH3_OPTIONS);
  }
  wh_fields_list_t l;
  int rc = wh3_fields_take(cx, headers.rep, &l);
  if (rc) return rc;
  wh3_obj_t *o = wh3_obj_new(in, WH3_REQUEST, &ret->f0.rep);
  if (!o || !(o->u.req.method = strdup("GET"))) {
    if (o) wh3_obj_free(in, ret->f0.rep, WH3_REQUEST);
    wh3_budget_give(in, l.bytes);
    wh_fields_list_free(&l);
    return wh3_trap(cx, "wasi:http: too many open resources");
  }
  o->u.req.headers = l;
  o->u.req.has_options = options->is_some;
  o->u.req.options = opts;
  return body_from_guest(cx, &o->u.req.body, contents, trailers, 2, &ret->f1);
}

static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};

int wasi_http_types_method_request_get_method(wh3_ctx_t *cx, wasi_http_types_borrow_request_t self,
                                              wasi_http_types_method_t *ret) {
  OBJ(o, self.rep, WH3_REQUEST, "request");
  const char *m = o->u.req.method;
  for (uint8_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
    if (!strcmp(m, methods[i])) {
      ret->tag = i;
      return 0;
    }
  ret->tag = WASI_HTTP_TYPES_METHOD_OTHER;
  if (wh3_string_set(cx, &ret->val.other, m, strlen(m))) return wh3_trap(cx, "out of memory");
  return 0;
}

/* Replaces *slot with a copy of s[0..n) (NULL: none); false on no memory. */
static bool set_str(char **slot, const void *s, size_t n, bool some) {
  char *v = NULL;
  if (some && !(v = dup_n(s, n))) return false;
  free(*slot);
  *slot = v;
  return true;
}

int wasi_http_types_method_request_set_method(wh3_ctx_t *cx, wasi_http_types_borrow_request_t self,
                                              const wasi_http_types_method_t *method, wh3_result_void_void_t *ret) {
  OBJ(o, self.rep, WH3_REQUEST, "request");
  if (method->tag == WASI_HTTP_TYPES_METHOD_OTHER) {
    if (!wh_field_name_ok((const char *)method->val.other.ptr, method->val.other.len)) { /* a method is a token */
      ret->is_err = true;
      return 0;
    }
    if (!set_str(&o->u.req.method, method->val.other.ptr, method->val.other.len, true))
      return wh3_trap(cx, "out of memory");
  } else if (!set_str(&o->u.req.method, methods[method->tag], strlen(methods[method->tag]), true)) {
    return wh3_trap(cx, "out of memory");
  }
  return 0;
}

static int get_opt_str(wh3_ctx_t *cx, const char *s, wh3_option_string_t *ret) {
  if (!s) return 0;
  ret->is_some = true;
  if (wh3_string_set(cx, &ret->val, s, strlen(s))) return wh3_trap(cx, "out of memory");
  return 0;
}

/* A path-with-query or authority, by the rules 0.2 uses too (h.h:
** wh_path_ok, wh_authority_ok). */
static bool target_ok(const wh3_option_string_t *s, bool authority) {
  if (!s->is_some) return true;
  const char *p = (const char *)s->val.ptr;
  return authority ? wh_authority_ok(p, s->val.len) : wh_path_ok(p, s->val.len, true);
}

int wasi_http_types_method_request_get_path_with_query(wh3_ctx_t *cx, wasi_http_types_borrow_request_t self,
                                                       wh3_option_string_t *ret) {
  OBJ(o, self.rep, WH3_REQUEST, "request");
  return get_opt_str(cx, o->u.req.path, ret);
}

int wasi_http_types_method_request_set_path_with_query(wh3_ctx_t *cx, wasi_http_types_borrow_request_t self,
                                                       const wh3_option_string_t *path_with_query,
                                                       wh3_result_void_void_t *ret) {
  OBJ(o, self.rep, WH3_REQUEST, "request");
  bool empty = path_with_query->is_some && !path_with_query->val.len; /* "" is "/" (as Wasmtime) */
  if (!target_ok(path_with_query, false)) ret->is_err = true;
  else if (!set_str(&o->u.req.path, empty ? (const uint8_t *)"/" : path_with_query->val.ptr,
                    empty ? 1 : path_with_query->val.len, path_with_query->is_some))
    return wh3_trap(cx, "out of memory");
  return 0;
}

int wasi_http_types_method_request_get_scheme(wh3_ctx_t *cx, wasi_http_types_borrow_request_t self,
                                              wh3_option_scheme_t *ret) {
  OBJ(o, self.rep, WH3_REQUEST, "request");
  const char *s = o->u.req.scheme;
  if (!s) return 0;
  ret->is_some = true;
  if (!strcmp(s, "HTTP")) ret->val.tag = WASI_HTTP_TYPES_SCHEME_HTTP;
  else if (!strcmp(s, "HTTPS")) ret->val.tag = WASI_HTTP_TYPES_SCHEME_HTTPS;
  else {
    ret->val.tag = WASI_HTTP_TYPES_SCHEME_OTHER;
    if (wh3_string_set(cx, &ret->val.val.other, s, strlen(s))) return wh3_trap(cx, "out of memory");
  }
  return 0;
}

int wasi_http_types_method_request_set_scheme(wh3_ctx_t *cx, wasi_http_types_borrow_request_t self,
                                              const wh3_option_scheme_t *scheme, wh3_result_void_void_t *ret) {
  OBJ(o, self.rep, WH3_REQUEST, "request");
  const char *s = NULL;
  size_t n = 0;
  if (scheme->is_some) {
    if (scheme->val.tag == WASI_HTTP_TYPES_SCHEME_HTTP) s = "HTTP";
    else if (scheme->val.tag == WASI_HTTP_TYPES_SCHEME_HTTPS) s = "HTTPS";
    s = s ? s : (const char *)scheme->val.val.other.ptr;
    n = s == (const char *)scheme->val.val.other.ptr ? scheme->val.val.other.len : strlen(s);
    int kind = wh_scheme_check(s, n); /* the rule 0.2's set-scheme uses too */
    if (kind < 0) {
      ret->is_err = true;
      return 0;
    }
    if (kind != WH_SCHEME_OTHER) {
      s = kind == WH_SCHEME_HTTP ? "HTTP" : "HTTPS";
      n = strlen(s);
    }
  }
  if (!set_str(&o->u.req.scheme, s, n, scheme->is_some)) return wh3_trap(cx, "out of memory");
  return 0;
}

int wasi_http_types_method_request_get_authority(wh3_ctx_t *cx, wasi_http_types_borrow_request_t self,
                                                 wh3_option_string_t *ret) {
  OBJ(o, self.rep, WH3_REQUEST, "request");
  return get_opt_str(cx, o->u.req.authority, ret);
}

int wasi_http_types_method_request_set_authority(wh3_ctx_t *cx, wasi_http_types_borrow_request_t self,
                                                 const wh3_option_string_t *authority, wh3_result_void_void_t *ret) {
  OBJ(o, self.rep, WH3_REQUEST, "request");
  if (!target_ok(authority, true)) ret->is_err = true;
  else if (!set_str(&o->u.req.authority, authority->val.ptr, authority->val.len, authority->is_some))
    return wh3_trap(cx, "out of memory");
  return 0;
}

static int options_make(wh3_ctx_t *cx, const wh3_opts_t *o, bool immutable, uint32_t *rep) {
  wh3_obj_t *n = wh3_obj_new(wh3_inst(cx), WH3_OPTIONS, rep);
  if (!n) return wh3_trap(cx, "wasi:http: too many open resources");
  n->u.opts.o = *o;
  n->u.opts.immutable = immutable;
  return 0;
}

int wasi_http_types_method_request_get_options(wh3_ctx_t *cx, wasi_http_types_borrow_request_t self,
                                               wh3_option_own_request_options_t *ret) {
  OBJ(o, self.rep, WH3_REQUEST, "request");
  if (!o->u.req.has_options) return 0;
  ret->is_some = true;
  return options_make(cx, &o->u.req.options, true, &ret->val.rep);
}

int wasi_http_types_method_request_get_headers(wh3_ctx_t *cx, wasi_http_types_borrow_request_t self,
                                               wasi_http_types_own_fields_t *ret) {
  OBJ(o, self.rep, WH3_REQUEST, "request");
  return immutable_copy(cx, &o->u.req.headers, &ret->rep);
}

int wasi_http_types_static_request_consume_body(
    wh3_ctx_t *cx, wasi_http_types_own_request_t this, wh3_future_result_void_error_code_t res,
    wh3_tuple2_stream_u8_future_result_option_own_trailers_error_code_t *ret) {
  OBJ(o, this.rep, WH3_REQUEST, "request");
  int rc = consume(cx, &o->u.req.body, res, ret);
  wh3_obj_free(wh3_inst(cx), this.rep, WH3_REQUEST);
  return rc;
}

void wasi_http_types_request_destructor(wh3_ctx_t *cx, uint32_t rep) { wh3_obj_free(wh3_inst(cx), rep, WH3_REQUEST); }

/* ---------------------------------------------------- request-options */

int wasi_http_types_constructor_request_options(wh3_ctx_t *cx, wasi_http_types_own_request_options_t *ret) {
  wh3_opts_t none = {0};
  return options_make(cx, &none, false, &ret->rep);
}

static int opt_get(wh3_ctx_t *cx, uint32_t rep, int k, wh3_option_duration_t *ret) {
  OBJ(o, rep, WH3_OPTIONS, "request-options");
  ret->is_some = o->u.opts.o.set[k];
  ret->val = o->u.opts.o.v[k];
  return 0;
}

static int opt_set(wh3_ctx_t *cx, uint32_t rep, int k, const wh3_option_duration_t *d,
                   wh3_result_void_request_options_error_t *ret) {
  OBJ(o, rep, WH3_OPTIONS, "request-options");
  if (o->u.opts.immutable) {
    ret->is_err = true;
    ret->val.err.tag = WASI_HTTP_TYPES_REQUEST_OPTIONS_ERROR_IMMUTABLE;
    return 0;
  }
  o->u.opts.o.set[k] = d->is_some;
  o->u.opts.o.v[k] = d->is_some ? d->val : 0;
  return 0;
}

int wasi_http_types_method_request_options_get_connect_timeout(wh3_ctx_t *cx,
                                                               wasi_http_types_borrow_request_options_t self,
                                                               wh3_option_duration_t *ret) {
  return opt_get(cx, self.rep, 0, ret);
}
int wasi_http_types_method_request_options_set_connect_timeout(wh3_ctx_t *cx,
                                                               wasi_http_types_borrow_request_options_t self,
                                                               const wh3_option_duration_t *duration,
                                                               wh3_result_void_request_options_error_t *ret) {
  return opt_set(cx, self.rep, 0, duration, ret);
}
int wasi_http_types_method_request_options_get_first_byte_timeout(wh3_ctx_t *cx,
                                                                  wasi_http_types_borrow_request_options_t self,
                                                                  wh3_option_duration_t *ret) {
  return opt_get(cx, self.rep, 1, ret);
}
int wasi_http_types_method_request_options_set_first_byte_timeout(wh3_ctx_t *cx,
                                                                  wasi_http_types_borrow_request_options_t self,
                                                                  const wh3_option_duration_t *duration,
                                                                  wh3_result_void_request_options_error_t *ret) {
  return opt_set(cx, self.rep, 1, duration, ret);
}
int wasi_http_types_method_request_options_get_between_bytes_timeout(wh3_ctx_t *cx,
                                                                     wasi_http_types_borrow_request_options_t self,
                                                                     wh3_option_duration_t *ret) {
  return opt_get(cx, self.rep, 2, ret);
}
int wasi_http_types_method_request_options_set_between_bytes_timeout(wh3_ctx_t *cx,
                                                                     wasi_http_types_borrow_request_options_t self,
                                                                     const wh3_option_duration_t *duration,
                                                                     wh3_result_void_request_options_error_t *ret) {
  return opt_set(cx, self.rep, 2, duration, ret);
}

int wasi_http_types_method_request_options_clone(wh3_ctx_t *cx, wasi_http_types_borrow_request_options_t self,
                                                 wasi_http_types_own_request_options_t *ret) {
  OBJ(o, self.rep, WH3_OPTIONS, "request-options");
  return options_make(cx, &o->u.opts.o, false, &ret->rep);
}

void wasi_http_types_request_options_destructor(wh3_ctx_t *cx, uint32_t rep) {
  wh3_obj_free(wh3_inst(cx), rep, WH3_OPTIONS);
}

/* ----------------------------------------------------------- response */

int wasi_http_types_static_response_new(wh3_ctx_t *cx, wasi_http_types_own_fields_t headers,
                                        const wh3_option_stream_u8_t *contents,
                                        wh3_future_result_option_own_trailers_error_code_t trailers,
                                        wh3_tuple2_own_response_future_result_void_error_code_t *ret) {
  wh3_inst_t *in = wh3_inst(cx);
  wh_fields_list_t l;
  int rc = wh3_fields_take(cx, headers.rep, &l);
  if (rc) return rc;
  wh3_obj_t *o = wh3_obj_new(in, WH3_RESPONSE, &ret->f0.rep);
  if (!o) {
    wh3_budget_give(in, l.bytes);
    wh_fields_list_free(&l);
    return wh3_trap(cx, "wasi:http: too many open resources");
  }
  o->u.resp.status = 200;
  o->u.resp.headers = l;
  return body_from_guest(cx, &o->u.resp.body, contents, trailers, 2, &ret->f1);
}

int wasi_http_types_method_response_get_status_code(wh3_ctx_t *cx, wasi_http_types_borrow_response_t self,
                                                    wasi_http_types_status_code_t *ret) {
  OBJ(o, self.rep, WH3_RESPONSE, "response");
  *ret = o->u.resp.status;
  return 0;
}

int wasi_http_types_method_response_set_status_code(wh3_ctx_t *cx, wasi_http_types_borrow_response_t self,
                                                    wasi_http_types_status_code_t status_code,
                                                    wh3_result_void_void_t *ret) {
  OBJ(o, self.rep, WH3_RESPONSE, "response");
  /* 100-599, as Wasmtime (wasi-testsuite's http-response sets 100 and
  ** 101); the server answers a 1xx it is handed as final with a 500 */
  if (!wh_status_ok(status_code)) ret->is_err = true;
  else o->u.resp.status = status_code;
  return 0;
}

int wasi_http_types_method_response_get_headers(wh3_ctx_t *cx, wasi_http_types_borrow_response_t self,
                                                wasi_http_types_own_fields_t *ret) {
  OBJ(o, self.rep, WH3_RESPONSE, "response");
  return immutable_copy(cx, &o->u.resp.headers, &ret->rep);
}

int wasi_http_types_static_response_consume_body(
    wh3_ctx_t *cx, wasi_http_types_own_response_t this, wh3_future_result_void_error_code_t res,
    wh3_tuple2_stream_u8_future_result_option_own_trailers_error_code_t *ret) {
  OBJ(o, this.rep, WH3_RESPONSE, "response");
  int rc = consume(cx, &o->u.resp.body, res, ret);
  wh3_obj_free(wh3_inst(cx), this.rep, WH3_RESPONSE);
  return rc;
}

void wasi_http_types_response_destructor(wh3_ctx_t *cx, uint32_t rep) {
  wh3_obj_free(wh3_inst(cx), rep, WH3_RESPONSE);
}

/* --------------------------------------------------------- the server */

int wh3_serve_bind(void *state, wh_exchange_t *ex, uint32_t *request) {
  wh3_inst_t *in = wh3_instance_user(state);
  if (!in) return 1;
  wh3_obj_t *r = wh3_obj_new(in, WH3_REQUEST, request);
  if (!r) return 1;
  bool ok = (r->u.req.method = strdup(ex->method ? ex->method : "GET")) != NULL &&
            (r->u.req.path = strdup(ex->path_with_query ? ex->path_with_query : "/")) != NULL &&
            (r->u.req.scheme = strdup(ex->https ? "HTTPS" : "HTTP")) != NULL &&
            (!ex->authority || (r->u.req.authority = strdup(ex->authority)) != NULL) &&
            wh_fields_list_copy(&r->u.req.headers, &ex->headers);
  if (!ok) {
    wh3_obj_free(in, *request, WH3_REQUEST);
    return 1;
  }
  in->bytes += r->u.req.headers.bytes; /* counted, not refused: the server bounded them */
  wh_exchange_ref(ex);
  r->u.req.body.ex = ex;
  return 0;
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

int wh3_serve_respond(void *state, uint32_t response, wh_exchange_t *ex, bool *done) {
  wh3_inst_t *in = wh3_instance_user(state);
  wh3_obj_t *r = in ? wh3_obj_get(in, response, WH3_RESPONSE) : NULL;
  if (!r) return 1;
  wh_pipe_t *p = wh_pipe_new(WH_WINDOW, 0);
  if (!p) return 1;
  uint64_t len;
  if (content_length(&r->u.resp.headers, &len)) wh_pipe_expect(p, len);
  wh3_body_t body = r->u.resp.body;
  memset(&r->u.resp.body, 0, sizeof body);
  pthread_mutex_lock(&ex->lock);
  ex->resp = WH_RESP_SET;
  ex->status = r->u.resp.status;
  ex->resp_headers = r->u.resp.headers;
  ex->resp_body = p; /* our reference moves to the exchange */
  void (*tell)(wh_exchange_t *) = ex->on_response;
  pthread_mutex_unlock(&ex->lock);
  wh3_budget_give(in, r->u.resp.headers.bytes);
  memset(&r->u.resp.headers, 0, sizeof r->u.resp.headers);
  wh3_obj_free(in, response, WH3_RESPONSE);
  int rc = wh3_pump_to_pipe(in, &body, p, done);
  if (rc) { /* out of memory: the body is cut */
    wh_pipe_end(p, WH_PIPE_ABORTED, WH_ERR_INTERNAL, "out of memory");
    wh3_body_free(in, &body);
    *done = true;
  }
  if (tell) tell(ex);
  return 0;
}
