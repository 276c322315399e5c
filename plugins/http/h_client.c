/*
** h_client.c — the outgoing side of wasi:http: outgoing-request,
** request-options, outgoing-handler#handle, future-incoming-response,
** incoming-response; transfers made by libcurl.
**
** Outgoing requests are denied unless the plugin's `allow-http` grants the
** request's host (and port): `wasmplug serve --allow-http=HOST[:PORT]`.
** A denied request fails with error-code HTTP-request-denied before any
** connection is made.  Only http and https are spoken and redirects are
** not followed (a guest granted one host must not be led to another).
**
** Each handled request runs on a thread of its own (curl_easy_perform).
** The guest and that thread meet in two pipes (h_pipe.c) — the request
** body the guest writes, the response body the guest reads — and in the
** client object, whose response head (status, headers) the transfer
** fills.  curl's callbacks block on a condition variable while a pipe is
** full or empty; the pipes' wake-ups signal it.  A guest that drops
** everything abandons the transfer (curl's progress callback aborts it).
*/
#include <ctype.h>
#include <stdatomic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "h.h"
#include "h_lib.h"
#include "wasmplug/clock.h"

typedef enum { C_BUILDING = 0, C_SENT, C_HEAD, C_FAILED } c_state_t;

struct wh_client {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  unsigned refs;
  /* the request (the guest's, until handle) */
  uint8_t method;     /* WASI_HTTP_TYPES_METHOD_* */
  char *method_other; /* METHOD_OTHER */
  int scheme;         /* -1: none; else WASI_HTTP_TYPES_SCHEME_* */
  char *scheme_other, *authority, *path;
  wh_fields_list_t headers;
  wh_pipe_t *req_body; /* made by body() */
  bool body_taken;
  uint64_t connect_ns, first_byte_ns, between_ns, max_body;
  char *url;
  /* the response */
  c_state_t state;
  uint8_t error; /* C_FAILED: the error-code case */
  char errmsg[CURL_ERROR_SIZE];
  uint16_t status;
  bool in_head; /* between a final status line and the blank line */
  wh_fields_list_t resp_headers;
  wh_fields_list_t resp_trailers; /* header lines after the body (chunked) */
  wh_pipe_t *resp_body;
  bool got, consumed;
  bool abandoned; /* the guest is gone: stop */
  unsigned guest_objs; /* guest objects (and pollables) on this client */
  unsigned wakes; /* counts pipe wake-ups: the transfer waits for a change */
  int efd;        /* the future's readiness, -1 until waited on */
  uint64_t started_ns;
  uint64_t generation; /* stop_generation when begun */
};

/* wh_client_stop_all's count: a transfer begun in an older generation stops. */
static _Atomic uint64_t stop_generation;

void wh_client_stop_all(void) { stop_generation++; }


/* ------------------------------------------------------------ lifetime */

static struct wh_client *client_new(void) {
  struct wh_client *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  pthread_mutex_init(&c->lock, NULL);
  pthread_cond_init(&c->cond, NULL);
  c->refs = 1;
  c->scheme = -1;
  c->efd = -1;
  return c;
}

static void client_ref(struct wh_client *c) {
  pthread_mutex_lock(&c->lock);
  c->refs++;
  pthread_mutex_unlock(&c->lock);
}

static void client_unref(struct wh_client *c) {
  pthread_mutex_lock(&c->lock);
  unsigned left = --c->refs;
  pthread_mutex_unlock(&c->lock);
  if (left) return;
  free(c->method_other);
  free(c->scheme_other);
  free(c->authority);
  free(c->path);
  free(c->url);
  wh_fields_list_free(&c->headers);
  wh_fields_list_free(&c->resp_headers);
  wh_fields_list_free(&c->resp_trailers);
  wh_pipe_unref(c->req_body);
  wh_pipe_unref(c->resp_body);
  if (c->efd >= 0) close(c->efd);
  pthread_cond_destroy(&c->cond);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

/* A guest object (request, future, response, pollable) holds c. */
static void guest_hold(struct wh_client *c) {
  pthread_mutex_lock(&c->lock);
  c->refs++;
  c->guest_objs++;
  pthread_mutex_unlock(&c->lock);
}

/* ...and lets go: with none left, a transfer whose result nobody can see
** any more (no head yet, or a body nobody took) is abandoned.  A body the
** guest took ends the transfer itself when its reader goes. */
static void guest_drop(struct wh_client *c) {
  pthread_mutex_lock(&c->lock);
  if (!--c->guest_objs && (c->state == C_SENT || (c->state == C_HEAD && !c->consumed))) {
    c->abandoned = true;
    pthread_cond_broadcast(&c->cond);
  }
  pthread_mutex_unlock(&c->lock);
  client_unref(c);
}

void wh_client_free(struct wh_client *c, wh_kind_t kind) {
  (void)kind;
  if (c) guest_drop(c);
}

/* The future changed (lock held): wake a guest in poll and the thread. */
static void client_signal(struct wh_client *c) {
  if (c->efd >= 0) {
    uint64_t one = 1;
    ssize_t w = write(c->efd, &one, sizeof one);
    (void)w;
  }
  pthread_cond_broadcast(&c->cond);
}

/* A pipe of the transfer changed: the curl thread may go on. */
static void pipe_wake(void *ctx) {
  struct wh_client *c = ctx;
  pthread_mutex_lock(&c->lock);
  c->wakes++;
  pthread_cond_broadcast(&c->cond);
  pthread_mutex_unlock(&c->lock);
}
static void pipe_ref(void *ctx) { client_ref(ctx); }
static void pipe_unref(void *ctx) { client_unref(ctx); }
static const wh_waker_t client_waker = {pipe_wake, pipe_ref, pipe_unref};

/* ------------------------------------------------------------ grants */

/* "HOST" or "HOST:PORT" ("[v6]:PORT" too); NULL or a static message. */
static const char *add_grant(wh_grants_t *g, const char *s, size_t len) {
  char item[300];
  if (len >= sizeof item) return "allow-http: a host name is too long";
  memcpy(item, s, len);
  item[len] = 0;
  int port = 0;
  char *host = item, *colon = NULL;
  if (*host == '[') { /* [v6] or [v6]:port */
    char *close = strchr(host, ']');
    if (!close) return "allow-http: expected HOST[:PORT], '[' without ']'";
    colon = close[1] == ':' ? close + 1 : NULL;
    if (close[1] && !colon) return "allow-http: expected HOST[:PORT]";
    *close = 0;
    host++;
  } else {
    colon = strrchr(host, ':');
    if (colon && strchr(host, ':') != colon) return "allow-http: an IPv6 address goes in brackets: [ADDR]:PORT";
  }
  if (colon) {
    *colon = 0;
    char *end;
    long v = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || v < 1 || v > 65535) return "allow-http: a port is a number from 1 to 65535";
    port = (int)v;
  }
  if (!*host) return "allow-http: expected HOST[:PORT], the host is empty";
  for (char *c = host; *c; c++) {
    if (!isalnum((unsigned char)*c) && !strchr(".-_:*", *c)) return "allow-http: a host has a character a host name cannot have";
    *c = (char)tolower((unsigned char)*c);
  }
  if (strchr(host, '*') && strcmp(host, "*")) return "allow-http: '*' stands alone (any host)";
  wh_grant_t *n = realloc(g->items, (g->n + 1) * sizeof *n);
  if (!n) return "out of memory";
  g->items = n;
  if (!(n[g->n].host = strdup(host))) return "out of memory";
  n[g->n++].port = port;
  return NULL;
}

const char *wh_grants_parse(wh_grants_t *g, const char *v) {
  while (v && *v) {
    size_t len = strcspn(v, " ");
    const char *why = len ? add_grant(g, v, len) : NULL;
    if (why) return why;
    v += len;
    while (*v == ' ') v++;
  }
  return NULL;
}

void wh_grants_free(wh_grants_t *g) {
  for (size_t i = 0; i < g->n; i++) free(g->items[i].host);
  free(g->items);
  memset(g, 0, sizeof *g);
}

bool wh_grants_allow(const wh_grants_t *gs, const char *host, int port) {
  for (size_t i = 0; i < gs->n; i++) {
    const wh_grant_t *g = &gs->items[i];
    if ((strcmp(g->host, "*") && strcasecmp(g->host, host)) || (g->port && g->port != port)) continue;
    return true;
  }
  return false;
}

/* Splits an authority "host[:port]" / "[v6][:port]"; false when malformed. */
/* Past a userinfo and its '@' (RFC 3986 3.2.1: "user:pass@host"; as
** Wasmtime accepts it; never sent: the URL is built without it); NULL
** when the userinfo has a byte it cannot have. */
static const char *skip_userinfo(const char *a) {
  const char *at = strchr(a, '@');
  if (!at) return a;
  for (const char *p = a; p < at; p++)
    if (!isalnum((unsigned char)*p) && !strchr("-._~%!$&'()*+,;=:", *p)) return NULL;
  return at + 1;
}

static bool split_authority(const char *a, char *host, size_t cap, int *port, int dflt) {
  if (!(a = skip_userinfo(a))) return false;
  const char *end = a + strlen(a), *colon = NULL;
  if (*a == '[') {
    const char *close = strchr(a, ']');
    if (!close || (close[1] && close[1] != ':')) return false;
    if ((size_t)(close - a - 1) >= cap) return false;
    memcpy(host, a + 1, (size_t)(close - a - 1));
    host[close - a - 1] = 0;
    colon = close[1] ? close + 1 : NULL;
  } else {
    colon = strrchr(a, ':');
    size_t hl = colon ? (size_t)(colon - a) : (size_t)(end - a);
    if (hl >= cap || (colon && memchr(a, ':', hl))) return false;
    memcpy(host, a, hl);
    host[hl] = 0;
  }
  if (!*host || strpbrk(host, "/?#@ \t")) return false;
  *port = dflt;
  if (colon) {
    char *e;
    long v = strtol(colon + 1, &e, 10);
    if (!colon[1] || *e || v < 1 || v > 65535) return false;
    *port = (int)v;
  }
  return true;
}

/* ------------------------------------------------------ outgoing-request */

#define OBJ(o, rep, kind, what)                                          \
  wh_obj_t *o = wh_obj_get(wh_inst(cx), rep, kind);                      \
  if (!o) return wh_trap(cx, "wasi:http/types: unknown %s rep %u", what, rep)

int wasi_http_types_constructor_outgoing_request(wh_ctx_t *cx, wasi_http_types_own_fields_t headers,
                                                 wasi_http_types_own_outgoing_request_t *ret) {
  struct wh_client *c = client_new();
  if (!c) return wh_trap(cx, "out of memory");
  int rc = wh_fields_take(cx, headers.rep, &c->headers);
  if (rc) {
    client_unref(c);
    return rc;
  }
  wh_obj_t *o = wh_obj_new(wh_inst(cx), WH_OUTGOING_REQUEST, &ret->rep);
  if (!o) {
    wh_budget_give(wh_inst(cx), c->headers.bytes);
    client_unref(c);
    return wh_trap(cx, "wasi:http: too many open resources");
  }
  c->guest_objs = 1; /* the creation reference is the object's */
  o->u.client = c;
  return 0;
}

int wasi_http_types_method_outgoing_request_body(wh_ctx_t *cx, wasi_http_types_borrow_outgoing_request_t self,
                                                 wh_result_own_outgoing_body_void_t *ret) {
  OBJ(o, self.rep, WH_OUTGOING_REQUEST, "outgoing-request");
  struct wh_client *c = o->u.client;
  if (c->body_taken) {
    ret->is_err = true;
    return 0;
  }
  wh_pipe_t *p = wh_pipe_new(WH_WINDOW, wh_inst(cx)->plugin->max_body);
  if (!p) return wh_trap(cx, "out of memory");
  wh_obj_t *b = wh_obj_new(wh_inst(cx), WH_OUTGOING_BODY, &ret->val.ok.rep);
  if (!b) {
    wh_pipe_unref(p);
    return wh_trap(cx, "wasi:http: too many open resources");
  }
  b->u.out_body.pipe = p;
  wh_pipe_ref(p);
  c->req_body = p;
  c->body_taken = true;
  return 0;
}

int wasi_http_types_method_outgoing_request_method(wh_ctx_t *cx, wasi_http_types_borrow_outgoing_request_t self,
                                                   wasi_http_types_method_t *ret) {
  OBJ(o, self.rep, WH_OUTGOING_REQUEST, "outgoing-request");
  struct wh_client *c = o->u.client;
  ret->tag = c->method;
  if (c->method == WASI_HTTP_TYPES_METHOD_OTHER &&
      wh_string_set(cx, &ret->val.other, c->method_other, strlen(c->method_other)))
    return wh_trap(cx, "out of memory");
  return 0;
}

int wasi_http_types_method_outgoing_request_set_method(wh_ctx_t *cx, wasi_http_types_borrow_outgoing_request_t self,
                                                       const wasi_http_types_method_t *method,
                                                       wh_result_void_void_t *ret) {
  OBJ(o, self.rep, WH_OUTGOING_REQUEST, "outgoing-request");
  struct wh_client *c = o->u.client;
  char *other = NULL;
  if (method->tag == WASI_HTTP_TYPES_METHOD_OTHER) {
    if (!wh_field_name_ok((const char *)method->val.other.ptr, method->val.other.len)) { /* a token */
      ret->is_err = true;
      return 0;
    }
    if (!(other = strndup((const char *)method->val.other.ptr, method->val.other.len)))
      return wh_trap(cx, "out of memory");
  }
  free(c->method_other);
  c->method_other = other;
  c->method = method->tag;
  return 0;
}

static int get_opt(wh_ctx_t *cx, const char *s, wh_option_string_t *ret) {
  if (!s) return 0;
  ret->is_some = true;
  return wh_string_set(cx, &ret->val, s, strlen(s)) ? wh_trap(cx, "out of memory") : 0;
}

/* Replaces *dst with a copy of an option<string> (checked by `ok`). */
static int set_opt(wh_ctx_t *cx, char **dst, const wh_option_string_t *v, bool (*ok)(const char *, size_t),
                   wh_result_void_void_t *ret) {
  char *n = NULL;
  if (v->is_some) {
    if (!ok((const char *)v->val.ptr, v->val.len)) {
      ret->is_err = true;
      return 0;
    }
    if (!(n = strndup((const char *)v->val.ptr, v->val.len))) return wh_trap(cx, "out of memory");
  }
  free(*dst);
  *dst = n;
  return 0;
}

/* The rule 0.3 uses (wh_path_ok); "" is stored as "/" by the setter. */
static bool path_ok(const char *s, size_t n) { return wh_path_ok(s, n, true); }

bool wh_authority_ok(const char *s, size_t n) {
  char host[256];
  int port;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f) return false;
  char *tmp = strndup(s, n);
  bool ok = tmp && strlen(tmp) == n && split_authority(tmp, host, sizeof host, &port, 80);
  free(tmp);
  return ok;
}

int wasi_http_types_method_outgoing_request_path_with_query(wh_ctx_t *cx,
                                                            wasi_http_types_borrow_outgoing_request_t self,
                                                            wh_option_string_t *ret) {
  OBJ(o, self.rep, WH_OUTGOING_REQUEST, "outgoing-request");
  return get_opt(cx, o->u.client->path, ret);
}

int wasi_http_types_method_outgoing_request_set_path_with_query(wh_ctx_t *cx,
                                                                wasi_http_types_borrow_outgoing_request_t self,
                                                                const wh_option_string_t *path_with_query,
                                                                wh_result_void_void_t *ret) {
  OBJ(o, self.rep, WH_OUTGOING_REQUEST, "outgoing-request");
  if (path_with_query->is_some && !path_with_query->val.len) { /* "" reads back as "/" (as 0.3, Wasmtime) */
    wh_option_string_t slash = {.is_some = true, .val = {(uint8_t *)"/", 1}};
    return set_opt(cx, &o->u.client->path, &slash, path_ok, ret);
  }
  return set_opt(cx, &o->u.client->path, path_with_query, path_ok, ret);
}

int wasi_http_types_method_outgoing_request_scheme(wh_ctx_t *cx, wasi_http_types_borrow_outgoing_request_t self,
                                                   wh_option_scheme_t *ret) {
  OBJ(o, self.rep, WH_OUTGOING_REQUEST, "outgoing-request");
  struct wh_client *c = o->u.client;
  if (c->scheme < 0) return 0;
  ret->is_some = true;
  ret->val.tag = (uint8_t)c->scheme;
  if (c->scheme == WASI_HTTP_TYPES_SCHEME_OTHER &&
      wh_string_set(cx, &ret->val.val.other, c->scheme_other, strlen(c->scheme_other)))
    return wh_trap(cx, "out of memory");
  return 0;
}

int wasi_http_types_method_outgoing_request_set_scheme(wh_ctx_t *cx, wasi_http_types_borrow_outgoing_request_t self,
                                                       const wh_option_scheme_t *scheme, wh_result_void_void_t *ret) {
  OBJ(o, self.rep, WH_OUTGOING_REQUEST, "outgoing-request");
  struct wh_client *c = o->u.client;
  char *other = NULL;
  int tag = scheme->is_some ? scheme->val.tag : -1;
  if (tag == WASI_HTTP_TYPES_SCHEME_OTHER) {
    const wh_string_t *s = &scheme->val.val.other;
    /* the rule 0.3's set-scheme uses: RFC 3986 syntax; other("https") in
    ** any case is the https case (wasi-http issue 194) */
    tag = wh_scheme_check((const char *)s->ptr, s->len);
    if (tag < 0) {
      ret->is_err = true;
      return 0;
    }
    if (tag == WASI_HTTP_TYPES_SCHEME_OTHER && !(other = strndup((const char *)s->ptr, s->len)))
      return wh_trap(cx, "out of memory");
  }
  free(c->scheme_other);
  c->scheme_other = other;
  c->scheme = tag;
  return 0;
}

int wasi_http_types_method_outgoing_request_authority(wh_ctx_t *cx, wasi_http_types_borrow_outgoing_request_t self,
                                                      wh_option_string_t *ret) {
  OBJ(o, self.rep, WH_OUTGOING_REQUEST, "outgoing-request");
  return get_opt(cx, o->u.client->authority, ret);
}

int wasi_http_types_method_outgoing_request_set_authority(wh_ctx_t *cx, wasi_http_types_borrow_outgoing_request_t self,
                                                          const wh_option_string_t *authority,
                                                          wh_result_void_void_t *ret) {
  OBJ(o, self.rep, WH_OUTGOING_REQUEST, "outgoing-request");
  return set_opt(cx, &o->u.client->authority, authority, wh_authority_ok, ret);
}

int wasi_http_types_method_outgoing_request_headers(wh_ctx_t *cx, wasi_http_types_borrow_outgoing_request_t self,
                                                    wasi_http_types_own_fields_t *ret) {
  OBJ(o, self.rep, WH_OUTGOING_REQUEST, "outgoing-request");
  wh_fields_list_t copy;
  if (!wh_fields_list_copy(&copy, &o->u.client->headers)) return wh_trap(cx, "out of memory");
  return wh_fields_make(cx, &copy, true, &ret->rep);
}

void wasi_http_types_outgoing_request_destructor(wh_ctx_t *cx, uint32_t rep) {
  wh_obj_t *o = wh_obj_get(wh_inst(cx), rep, WH_OUTGOING_REQUEST);
  if (o) wh_budget_give(wh_inst(cx), o->u.client->headers.bytes);
  wh_obj_free(wh_inst(cx), rep, WH_OUTGOING_REQUEST);
}

/* ------------------------------------------------------ request-options */

int wasi_http_types_constructor_request_options(wh_ctx_t *cx, wasi_http_types_own_request_options_t *ret) {
  if (!wh_obj_new(wh_inst(cx), WH_REQUEST_OPTIONS, &ret->rep)) return wh_trap(cx, "wasi:http: too many open resources");
  return 0;
}

static int opt_get(wh_ctx_t *cx, uint32_t rep, size_t which, wh_option_duration_t *ret) {
  OBJ(o, rep, WH_REQUEST_OPTIONS, "request-options");
  uint64_t v = which == 0 ? o->u.options.connect : which == 1 ? o->u.options.first_byte : o->u.options.between_bytes;
  ret->is_some = v != 0;
  ret->val = v;
  return 0;
}

static int opt_set(wh_ctx_t *cx, uint32_t rep, size_t which, const wh_option_duration_t *d) {
  OBJ(o, rep, WH_REQUEST_OPTIONS, "request-options");
  uint64_t v = d->is_some ? (d->val ? d->val : 1) : 0;
  if (which == 0) o->u.options.connect = v;
  else if (which == 1) o->u.options.first_byte = v;
  else o->u.options.between_bytes = v;
  return 0;
}

int wasi_http_types_method_request_options_connect_timeout(wh_ctx_t *cx, wasi_http_types_borrow_request_options_t self,
                                                           wh_option_duration_t *ret) {
  return opt_get(cx, self.rep, 0, ret);
}
int wasi_http_types_method_request_options_set_connect_timeout(wh_ctx_t *cx,
                                                               wasi_http_types_borrow_request_options_t self,
                                                               const wh_option_duration_t *duration,
                                                               wh_result_void_void_t *ret) {
  (void)ret;
  return opt_set(cx, self.rep, 0, duration);
}
int wasi_http_types_method_request_options_first_byte_timeout(wh_ctx_t *cx,
                                                              wasi_http_types_borrow_request_options_t self,
                                                              wh_option_duration_t *ret) {
  return opt_get(cx, self.rep, 1, ret);
}
int wasi_http_types_method_request_options_set_first_byte_timeout(wh_ctx_t *cx,
                                                                  wasi_http_types_borrow_request_options_t self,
                                                                  const wh_option_duration_t *duration,
                                                                  wh_result_void_void_t *ret) {
  (void)ret;
  return opt_set(cx, self.rep, 1, duration);
}
int wasi_http_types_method_request_options_between_bytes_timeout(wh_ctx_t *cx,
                                                                 wasi_http_types_borrow_request_options_t self,
                                                                 wh_option_duration_t *ret) {
  return opt_get(cx, self.rep, 2, ret);
}
int wasi_http_types_method_request_options_set_between_bytes_timeout(wh_ctx_t *cx,
                                                                     wasi_http_types_borrow_request_options_t self,
                                                                     const wh_option_duration_t *duration,
                                                                     wh_result_void_void_t *ret) {
  (void)ret;
  return opt_set(cx, self.rep, 2, duration);
}

void wasi_http_types_request_options_destructor(wh_ctx_t *cx, uint32_t rep) {
  wh_obj_free(wh_inst(cx), rep, WH_REQUEST_OPTIONS);
}

/* ------------------------------------------------------------ transfer */

static size_t on_header(char *data, size_t size, size_t n, void *ud) {
  struct wh_client *c = ud;
  size_t len = size * n;
  pthread_mutex_lock(&c->lock);
  if (len >= 5 && !memcmp(data, "HTTP/", 5)) {
    /* a status line; 1xx interim responses come before the final one */
    const char *sp = memchr(data, ' ', len);
    int st = sp && sp + 4 <= data + len ? atoi(sp + 1) : 0;
    wh_fields_list_free(&c->resp_headers);
    c->status = (uint16_t)(st > 0 && st < 1000 ? st : 0);
    c->in_head = st >= 200;
  } else if (len <= 2) { /* the blank line: the head (or the trailers) complete */
    if (c->in_head) {
      c->in_head = false;
      c->state = C_HEAD;
      client_signal(c);
    }
  } else if (c->in_head || c->state == C_HEAD) { /* a header, or after the body a trailer */
    wh_fields_list_t *l = c->in_head ? &c->resp_headers : &c->resp_trailers;
    const char *colon = memchr(data, ':', len);
    size_t end = len;
    while (end && (data[end - 1] == '\r' || data[end - 1] == '\n')) end--;
    if (colon && wh_field_name_ok(data, (size_t)(colon - data))) {
      const char *v = colon + 1;
      while (v < data + end && (*v == ' ' || *v == '\t')) v++;
      size_t vl = (size_t)(data + end - v);
      /* the response's framing is curl's business; the guest gets the body */
      bool hop = wh_field_forbidden(data, (size_t)(colon - data));
      if (!hop && wh_field_value_ok((const uint8_t *)v, vl) && l->bytes < (1u << 20))
        wh_fields_list_add(l, data, (size_t)(colon - data), (const uint8_t *)v, vl);
    }
  }
  pthread_mutex_unlock(&c->lock);
  return len;
}

/* The pipe-wake count now, to wait for a change after it. */
static unsigned wakes(struct wh_client *c) {
  pthread_mutex_lock(&c->lock);
  unsigned w = c->wakes;
  pthread_mutex_unlock(&c->lock);
  return w;
}

/* Sleeps until a pipe changed since `seen` or the guest left; false then. */
static bool wait_change(struct wh_client *c, unsigned seen) {
  pthread_mutex_lock(&c->lock);
  while (!c->abandoned && c->wakes == seen) pthread_cond_wait(&c->cond, &c->lock);
  bool gone = c->abandoned;
  pthread_mutex_unlock(&c->lock);
  return !gone;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  struct wh_client *c = ud;
  size_t len = size * n, done = 0;
  while (done < len) {
    unsigned seen = wakes(c);
    int64_t k = wh_pipe_push(c->resp_body, (const uint8_t *)data + done, len - done);
    if (k < 0) return 0; /* the guest stopped reading, or the body is over the limit: abort */
    done += (size_t)k;
    if (done < len && !k && !wait_change(c, seen)) return 0; /* full: wait for the guest to read */
  }
  return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *ud) {
  struct wh_client *c = ud;
  for (;;) {
    unsigned seen = wakes(c);
    wh_pipe_end_t how = WH_PIPE_OPEN;
    int64_t k = wh_pipe_pull(c->req_body, (uint8_t *)buf, size * n, &how);
    if (k > 0) return (size_t)k;
    if (k < 0) return how == WH_PIPE_DONE ? 0 : CURL_READFUNC_ABORT;
    if (!wait_change(c, seen)) return CURL_READFUNC_ABORT; /* empty: wait for the guest to write */
  }
}

/* The end of a chunked upload: the request's trailers, if the guest set any. */
static int on_trailers(struct curl_slist **list, void *ud) {
  struct wh_client *c = ud;
  wh_fields_list_t t;
  if (!c->req_body || !wh_pipe_take_trailers(c->req_body, &t)) return CURL_TRAILERFUNC_OK;
  int rc = CURL_TRAILERFUNC_OK;
  for (size_t i = 0; i < t.n && rc == CURL_TRAILERFUNC_OK; i++) {
    size_t nl = strlen(t.items[i].name);
    char *line = malloc(nl + t.items[i].vlen + 3);
    struct curl_slist *n = NULL;
    if (line) {
      memcpy(line, t.items[i].name, nl);
      memcpy(line + nl, ": ", 2);
      memcpy(line + nl + 2, t.items[i].value, t.items[i].vlen);
      line[nl + 2 + t.items[i].vlen] = 0;
      n = curl_slist_append(*list, line);
      free(line);
    }
    if (n) *list = n;
    else rc = CURL_TRAILERFUNC_ABORT;
  }
  wh_fields_list_free(&t);
  return rc;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
  (void)dt, (void)dn, (void)ut, (void)un;
  struct wh_client *c = ud;
  pthread_mutex_lock(&c->lock);
  bool stop = c->abandoned;
  if (!stop && c->generation != stop_generation) { /* wh_client_stop_all */
    if (c->state == C_SENT) c->error = WASI_HTTP_TYPES_ERROR_CODE_CONNECTION_TERMINATED;
    stop = true;
  }
  if (!stop && c->state == C_SENT && c->first_byte_ns && wasmplug_monotonic_ns() - c->started_ns > c->first_byte_ns) {
    c->error = WASI_HTTP_TYPES_ERROR_CODE_HTTP_RESPONSE_TIMEOUT;
    stop = true;
  }
  pthread_mutex_unlock(&c->lock);
  return stop;
}

static uint8_t curl_error_case(CURLcode rc) {
  switch (rc) {
  case CURLE_COULDNT_RESOLVE_HOST: return WASI_HTTP_TYPES_ERROR_CODE_DNS_ERROR;
  case CURLE_COULDNT_CONNECT: return WASI_HTTP_TYPES_ERROR_CODE_CONNECTION_REFUSED;
  case CURLE_OPERATION_TIMEDOUT: return WASI_HTTP_TYPES_ERROR_CODE_CONNECTION_TIMEOUT;
  case CURLE_PEER_FAILED_VERIFICATION: return WASI_HTTP_TYPES_ERROR_CODE_TLS_CERTIFICATE_ERROR;
  case CURLE_SSL_CONNECT_ERROR: return WASI_HTTP_TYPES_ERROR_CODE_TLS_PROTOCOL_ERROR;
  case CURLE_GOT_NOTHING:
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
  case CURLE_PARTIAL_FILE: return WASI_HTTP_TYPES_ERROR_CODE_CONNECTION_TERMINATED;
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_UNSUPPORTED_PROTOCOL: return WASI_HTTP_TYPES_ERROR_CODE_HTTP_PROTOCOL_ERROR;
  case CURLE_FILESIZE_EXCEEDED: return WASI_HTTP_TYPES_ERROR_CODE_HTTP_RESPONSE_BODY_SIZE;
  default: return WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR;
  }
}

static const char *method_name(const struct wh_client *c) {
  static const char *const names[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  return c->method == WASI_HTTP_TYPES_METHOD_OTHER ? c->method_other : names[c->method];
}

static void *transfer(void *arg) {
  struct wh_client *c = arg;
  CURL *h = curl_easy_init();
  struct curl_slist *hdrs = NULL;
  CURLcode rc = CURLE_OUT_OF_MEMORY;
  if (h) {
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errmsg);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
    if (c->connect_ns) curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)((c->connect_ns + 999999) / 1000000));
    if (c->between_ns) {
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)((c->between_ns + 999999999) / 1000000000));
    }
    if (c->max_body) curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_body);
    const char *m = method_name(c);
    int64_t length = -1;
    for (size_t i = 0; i < c->headers.n; i++) {
      const wh_field_t *f = &c->headers.items[i];
      if (!strcasecmp(f->name, "content-length")) { /* curl frames the body itself */
        char num[24];
        size_t k = f->vlen < sizeof num - 1 ? f->vlen : sizeof num - 1;
        memcpy(num, f->value, k);
        num[k] = 0;
        length = strtoll(num, NULL, 10);
        continue;
      }
      /* framing and the connection are curl's; the host is the authority's
      ** (a request received and sent on carries the first hop's) */
      if (wh_field_forbidden(f->name, strlen(f->name)) || !strcasecmp(f->name, "host")) continue;
      char *line = malloc(strlen(f->name) + f->vlen + 3);
      if (!line) continue;
      sprintf(line, "%s: ", f->name);
      memcpy(line + strlen(line), f->value, f->vlen);
      line[strlen(f->name) + 2 + f->vlen] = 0;
      struct curl_slist *n = curl_slist_append(hdrs, line);
      free(line);
      if (n) hdrs = n;
    }
    struct curl_slist *n = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
    if (n) hdrs = n;
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    if (c->req_body) {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt(h, CURLOPT_READDATA, c);
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)length);
      if (length < 0) { /* chunked: trailers may follow the body */
        curl_easy_setopt(h, CURLOPT_TRAILERFUNCTION, on_trailers);
        curl_easy_setopt(h, CURLOPT_TRAILERDATA, c);
      }
      if (strcmp(m, "POST")) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
    } else if (!strcmp(m, "HEAD")) {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(m, "GET")) {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
    }
    rc = curl_easy_perform(h);
  }
  pthread_mutex_lock(&c->lock);
  if (c->state == C_SENT) { /* never got a head */
    c->state = C_FAILED;
    if (!c->error) c->error = rc == CURLE_OK ? WASI_HTTP_TYPES_ERROR_CODE_HTTP_PROTOCOL_ERROR : curl_error_case(rc);
    if (!*c->errmsg) snprintf(c->errmsg, sizeof c->errmsg, "%s", curl_easy_strerror(rc));
    client_signal(c);
  }
  pthread_mutex_unlock(&c->lock);
  if (rc == CURLE_OK) {
    pthread_mutex_lock(&c->lock);
    wh_fields_list_t t = c->resp_trailers;
    memset(&c->resp_trailers, 0, sizeof t);
    pthread_mutex_unlock(&c->lock);
    if (t.n) wh_pipe_set_trailers(c->resp_body, &t);
    wh_fields_list_free(&t);
    wh_pipe_end(c->resp_body, WH_PIPE_DONE, 0, NULL);
  }
  else wh_pipe_end(c->resp_body, WH_PIPE_FAILED, rc == CURLE_FILESIZE_EXCEEDED ? WH_ERR_RESPONSE_BODY_SIZE
                                                                                : WH_ERR_CONNECTION_TERMINATED,
                   curl_easy_strerror(rc));
  /* the request body is not read any more: a guest still writing sees it closed */
  if (c->req_body) {
    wh_pipe_close_reader(c->req_body);
    wh_pipe_set_wake(c->req_body, NULL, NULL);
  }
  wh_pipe_set_wake(c->resp_body, NULL, NULL); /* the pipes no longer hold c */
  curl_slist_free_all(hdrs);
  if (h) curl_easy_cleanup(h);
  client_unref(c);
  return NULL;
}

/* ------------------------------------------------------------- sending */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static const char *curl_why;

static void curl_init_once(void) {
  curl_why = wh_curl_load();
  if (!curl_why && curl_global_init(CURL_GLOBAL_DEFAULT)) curl_why = "libcurl cannot be initialised";
}

/* The policy and the start of a transfer for a filled-in client (the
** request fields, the body pipe): false and *err when it is refused. */
static bool client_start(struct wh_client *c, const wh_grants_t *grants, uint64_t max_body, uint8_t *err) {
  int scheme = c->scheme < 0 ? WASI_HTTP_TYPES_SCHEME_HTTP : c->scheme;
  char host[256];
  int port;
  *err = WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR;
  if (scheme == WASI_HTTP_TYPES_SCHEME_OTHER) *err = WASI_HTTP_TYPES_ERROR_CODE_HTTP_PROTOCOL_ERROR;
  else if (!c->authority || !split_authority(c->authority, host, sizeof host, &port,
                                              scheme == WASI_HTTP_TYPES_SCHEME_HTTPS ? 443 : 80))
    *err = WASI_HTTP_TYPES_ERROR_CODE_HTTP_REQUEST_URI_INVALID;
  else if (c->path && c->path[0] != '/') /* a relative path (or "*") makes no URL with the authority */
    *err = WASI_HTTP_TYPES_ERROR_CODE_HTTP_REQUEST_URI_INVALID;
  else if (!wh_grants_allow(grants, host, port)) *err = WASI_HTTP_TYPES_ERROR_CODE_HTTP_REQUEST_DENIED;
  else if (pthread_once(&curl_once, curl_init_once) || curl_why) {
    snprintf(c->errmsg, sizeof c->errmsg, "%s", curl_why ? curl_why : "libcurl cannot be loaded");
  } else {
    const char *path = c->path ? c->path : "/", *auth = skip_userinfo(c->authority);
    size_t ul = strlen(auth) + strlen(path) + 16;
    c->url = malloc(ul);
    c->resp_body = wh_pipe_new(WH_WINDOW, max_body);
    if (c->url && c->resp_body) {
      snprintf(c->url, ul, "%s://%s%s", scheme == WASI_HTTP_TYPES_SCHEME_HTTPS ? "https" : "http", auth,
               path);
      *err = 0;
    }
  }
  if (*err) {
    if (c->req_body) wh_pipe_close_reader(c->req_body); /* a guest writing the body sees it closed */
    return false;
  }
  c->max_body = max_body;
  wh_pipe_set_wake(c->resp_body, &client_waker, c);
  if (c->req_body) wh_pipe_set_wake(c->req_body, &client_waker, c);
  c->state = C_SENT;
  c->started_ns = wasmplug_monotonic_ns();
  c->generation = stop_generation;
  client_ref(c); /* the transfer's */
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int e = pthread_create(&t, &attr, transfer, c);
  pthread_attr_destroy(&attr);
  if (e) {
    pthread_mutex_lock(&c->lock);
    c->state = C_FAILED;
    c->error = WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR;
    snprintf(c->errmsg, sizeof c->errmsg, "cannot start a thread for the transfer");
    pthread_mutex_unlock(&c->lock);
    if (c->req_body) wh_pipe_close_reader(c->req_body);
    client_unref(c);
  }
  return true;
}

int wasi_http_outgoing_handler_handle(wh_ctx_t *cx, wasi_http_types_own_outgoing_request_t request,
                                      const wh_option_own_request_options_t *options,
                                      wh_result_own_future_incoming_response_error_code_t *ret) {
  wh_inst_t *in = wh_inst(cx);
  wh_obj_t *o = wh_obj_get(in, request.rep, WH_OUTGOING_REQUEST);
  if (!o) return wh_trap(cx, "wasi:http/types: unknown outgoing-request rep %u", request.rep);
  struct wh_client *c = o->u.client;
  guest_hold(c); /* for the future made below */
  wasi_http_types_outgoing_request_destructor(cx, request.rep); /* own: the request is ours now */
  if (options->is_some) {
    wh_obj_t *op = wh_obj_get(in, options->val.rep, WH_REQUEST_OPTIONS);
    if (!op) {
      guest_drop(c);
      return wh_trap(cx, "wasi:http/types: unknown request-options rep %u", options->val.rep);
    }
    c->connect_ns = op->u.options.connect;
    c->first_byte_ns = op->u.options.first_byte;
    c->between_ns = op->u.options.between_bytes;
    wh_obj_free(in, options->val.rep, WH_REQUEST_OPTIONS);
  }
  uint8_t err;
  if (!client_start(c, &in->plugin->grants, in->plugin->max_body, &err)) {
    ret->is_err = true;
    ret->val.err.tag = err;
    guest_drop(c);
    return 0;
  }
  wh_obj_t *f = wh_obj_new(in, WH_FUTURE_INCOMING_RESPONSE, &ret->val.ok.rep);
  if (!f) {
    guest_drop(c);
    return wh_trap(cx, "wasi:http: too many open resources");
  }
  f->u.client = c; /* the hold taken above */
  return 0;
}

/* ------------------------------------------- the neutral API (wasi-http-p3) */

bool wh_client_open(const wh_grants_t *g, uint64_t max_body, wh_client_req_t *r, wh_client_t **out, uint8_t *err) {
  *out = NULL;
  struct wh_client *c = client_new();
  if (!c) {
    wh_fields_list_free(&r->headers);
    *err = WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR;
    if (r->body) wh_pipe_close_reader(r->body);
    return false;
  }
  c->guest_objs = 1; /* the caller's hold */
  c->headers = r->headers;
  memset(&r->headers, 0, sizeof r->headers);
  c->method = WASI_HTTP_TYPES_METHOD_OTHER;
  c->scheme = r->scheme;
  c->connect_ns = r->connect_ns;
  c->first_byte_ns = r->first_byte_ns;
  c->between_ns = r->between_ns;
  if (r->body) {
    wh_pipe_ref(r->body);
    c->req_body = r->body;
  }
  bool ok = (c->method_other = strdup(r->method ? r->method : "GET")) != NULL &&
            (!r->authority || (c->authority = strdup(r->authority)) != NULL) &&
            (!r->path || (c->path = strdup(r->path)) != NULL);
  if (!ok) {
    *err = WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR;
    if (c->req_body) wh_pipe_close_reader(c->req_body);
  }
  if (!ok || !client_start(c, g, max_body, err)) {
    guest_drop(c);
    return false;
  }
  *out = c;
  return true;
}

void wh_client_hold(wh_client_t *c) { guest_hold(c); }
void wh_client_release(wh_client_t *c) { guest_drop(c); }

int wh_client_poll(wh_client_t *c, int *fd) {
  pthread_mutex_lock(&c->lock);
  int st = c->state == C_HEAD ? 1 : c->state == C_FAILED ? 2 : 0;
  if (!st) {
    if (c->efd < 0) c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    uint64_t v;
    if (c->efd >= 0) {
      ssize_t n = read(c->efd, &v, sizeof v);
      (void)n;
    }
  }
  *fd = c->efd;
  pthread_mutex_unlock(&c->lock);
  return st;
}

bool wh_client_head(wh_client_t *c, uint16_t *status, wh_fields_list_t *headers) {
  pthread_mutex_lock(&c->lock);
  *status = c->status;
  bool ok = wh_fields_list_copy(headers, &c->resp_headers);
  pthread_mutex_unlock(&c->lock);
  return ok;
}

uint8_t wh_client_error(wh_client_t *c, char *msg, size_t cap) {
  pthread_mutex_lock(&c->lock);
  uint8_t e = c->error;
  if (cap) snprintf(msg, cap, "%s", c->errmsg);
  pthread_mutex_unlock(&c->lock);
  return e;
}

wh_pipe_t *wh_client_take_body(wh_client_t *c) {
  pthread_mutex_lock(&c->lock);
  wh_pipe_t *p = c->consumed ? NULL : c->resp_body;
  c->consumed = true;
  pthread_mutex_unlock(&c->lock);
  /* not under c->lock: the pipe takes its lock, then (waking the transfer)
  ** ours; c's own reference keeps the pipe alive meanwhile */
  if (p) wh_pipe_ref(p);
  return p;
}

/* --------------------------------------------- future-incoming-response */

static bool f_ready(void *ctx, int *fd, short *events, uint64_t *deadline) {
  struct wh_client *c = ctx;
  *deadline = 0;
  pthread_mutex_lock(&c->lock);
  bool ready = c->state == C_HEAD || c->state == C_FAILED;
  if (!ready) {
    if (c->efd < 0) c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    uint64_t v;
    if (c->efd >= 0) {
      ssize_t r = read(c->efd, &v, sizeof v);
      (void)r;
    }
    *fd = c->efd;
    *events = POLLIN;
  }
  pthread_mutex_unlock(&c->lock);
  return ready;
}

static void f_retain(void *ctx) { guest_hold(ctx); }
static void f_release(void *ctx) { guest_drop(ctx); }

static const wasmplug_io_ops_t future_ops = {
    sizeof(wasmplug_io_ops_t), NULL, NULL, NULL, NULL, f_ready, NULL, f_retain, f_release,
};

int wasi_http_types_method_future_incoming_response_subscribe(wh_ctx_t *cx,
                                                              wasi_http_types_borrow_future_incoming_response_t self,
                                                              wasi_io_poll_own_pollable_t *ret) {
  OBJ(o, self.rep, WH_FUTURE_INCOMING_RESPONSE, "future-incoming-response");
  const wasmplug_io_t *io;
  void *st;
  int rc = wh_io(cx, &io, &st);
  if (rc) return rc;
  if (io->pollable(st, &future_ops, o->u.client, &ret->rep)) return wh_trap(cx, "wasi:http: too many open resources");
  guest_hold(o->u.client);
  return 0;
}

int wasi_http_types_method_future_incoming_response_get(
    wh_ctx_t *cx, wasi_http_types_borrow_future_incoming_response_t self,
    wh_option_result_result_own_incoming_response_error_code_void_t *ret) {
  OBJ(o, self.rep, WH_FUTURE_INCOMING_RESPONSE, "future-incoming-response");
  struct wh_client *c = o->u.client;
  pthread_mutex_lock(&c->lock);
  c_state_t st = c->state;
  bool got = c->got;
  if (st == C_HEAD || st == C_FAILED) c->got = true;
  pthread_mutex_unlock(&c->lock);
  if (st != C_HEAD && st != C_FAILED) return 0;
  ret->is_some = true;
  if (got) {
    ret->val.is_err = true;
    return 0;
  }
  if (st == C_FAILED) {
    ret->val.val.ok.is_err = true;
    ret->val.val.ok.val.err.tag = c->error;
    if (c->error == WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR && *c->errmsg) {
      ret->val.val.ok.val.err.val.internal_error.is_some = true;
      if (wh_string_set(cx, &ret->val.val.ok.val.err.val.internal_error.val, c->errmsg, strlen(c->errmsg)))
        return wh_trap(cx, "out of memory");
    }
    return 0;
  }
  wh_obj_t *r = wh_obj_new(wh_inst(cx), WH_INCOMING_RESPONSE, &ret->val.val.ok.val.ok.rep);
  if (!r) return wh_trap(cx, "wasi:http: too many open resources");
  guest_hold(c);
  r->u.client = c;
  return 0;
}

void wasi_http_types_future_incoming_response_destructor(wh_ctx_t *cx, uint32_t rep) {
  wh_obj_free(wh_inst(cx), rep, WH_FUTURE_INCOMING_RESPONSE);
}

/* ---------------------------------------------------- incoming-response */

int wasi_http_types_method_incoming_response_status(wh_ctx_t *cx, wasi_http_types_borrow_incoming_response_t self,
                                                    wasi_http_types_status_code_t *ret) {
  OBJ(o, self.rep, WH_INCOMING_RESPONSE, "incoming-response");
  *ret = o->u.client->status;
  return 0;
}

int wasi_http_types_method_incoming_response_headers(wh_ctx_t *cx, wasi_http_types_borrow_incoming_response_t self,
                                                     wasi_http_types_own_fields_t *ret) {
  OBJ(o, self.rep, WH_INCOMING_RESPONSE, "incoming-response");
  struct wh_client *c = o->u.client;
  wh_fields_list_t copy;
  pthread_mutex_lock(&c->lock);
  bool ok = wh_fields_list_copy(&copy, &c->resp_headers);
  pthread_mutex_unlock(&c->lock);
  if (!ok) return wh_trap(cx, "out of memory");
  return wh_fields_make(cx, &copy, true, &ret->rep);
}

int wasi_http_types_method_incoming_response_consume(wh_ctx_t *cx, wasi_http_types_borrow_incoming_response_t self,
                                                     wh_result_own_incoming_body_void_t *ret) {
  OBJ(o, self.rep, WH_INCOMING_RESPONSE, "incoming-response");
  struct wh_client *c = o->u.client;
  if (c->consumed) {
    ret->is_err = true;
    return 0;
  }
  wh_obj_t *b = wh_obj_new(wh_inst(cx), WH_INCOMING_BODY, &ret->val.ok.rep);
  if (!b) return wh_trap(cx, "wasi:http: too many open resources");
  c->consumed = true;
  wh_pipe_ref(c->resp_body);
  b->u.in_body.pipe = c->resp_body;
  return 0;
}

void wasi_http_types_incoming_response_destructor(wh_ctx_t *cx, uint32_t rep) {
  wh_obj_free(wh_inst(cx), rep, WH_INCOMING_RESPONSE);
}
