/*
** p3handler.c — a wasi:http@0.3.0 service (it exports wasi:http/handler)
** written against the canonical ABI by hand, as tests/wasi_p3/p3guest.c
** is: no C toolchain emits WASI 0.3 yet.  `handle` is an async stackful
** export: it returns the response first (task.return) and writes the body
** after, so every body streams.  The path picks what it does
** (serve_p3_test.sh checks each):
**   /hello          a greeting, content-type and a content-length
**   /headers        method, path, authority and X-Test as the guest sees them
**   /echo           the request body back, read and written in pieces
**   /big?N          N bytes of body ('x'), written 64 KiB at a time
**   /trap           traps before answering (500)
**   /trap-mid?N     traps after writing N bytes (the body is cut short)
**   /error          returns err(HTTP-request-denied) (500)
**   /loop           never answers (the --timeout watchdog: 500)
**   /count          a counter in linear memory: 1 when every request has a fresh instance
**   /trailers       reads the body and its trailers; answers "N bytes x-check=V" (V: the
**                   request trailer X-Check) with trailers x-count: N and x-seen: V
**   /forward?A/P    this request itself sent on to http://A/P (the host relays its body)
**                   and the upstream response returned as this one (its body relayed)
**   /cancel?A/P     a GET to http://A/P cancelled while pending: "state 4"
**   /proxy?A/P      an outgoing request (wasi:http/client.send) to http://A/P with the
**                   method and body of this request, the body copied in pieces while
**                   send is pending; answers the upstream status, headers and body, or 502 and
**                   "error N" (N: the error-code case); an upstream body that fails
**                   fails this body (its trailers future gets the error)
**   /fields         every fields method, good and bad input: a report line
**   /status?N       a response with status N (a 1xx one the server answers with 500)
**   /scheme         an outgoing request's scheme set as other("https"), other("HTTP"),
**                   other("Https") and other("ftp"), each read back: "https http https other:ftp";
**                   then its path-with-query, authority and a response's status set to
**                   good and bad values (the rules of wasi-testsuite's http-request and
**                   http-response, as Wasmtime): " path:... auth:... status:..."
** and, for `wasmplug run --invoke` (wasi:http/client outside a server), the
** export fetch("A/P"): a GET to http://A/P, "STATUS BODY" or "error N".
*/
#include "../wasi_p3/p3abi.h"

#define TYPES "wasi:http/types@0.3.0"
#define HANDLER "wasi:http/handler@0.3.0"
#define CLIENT "wasi:http/client@0.3.0"

#define ERR_HTTP_REQUEST_DENIED 15

static bool prefix(const uint8_t *s, size_t n, const char *p) {
  size_t k = slen(p);
  if (n < k) return false;
  for (size_t i = 0; i < k; i++)
    if (s[i] != (uint8_t)p[i]) return false;
  return n == k || s[k] == '?';
}
static uint64_t num_after_q(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n && s[i] != '?') i++;
  uint64_t v = 0;
  for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) v = v * 10 + (uint64_t)(s[i] - '0');
  return v;
}

IMPORT("$root", "[subtask-drop]") void subtask_drop(uint32_t s);
IMPORT("$root", "[subtask-cancel]") uint32_t subtask_cancel(uint32_t s);
/* An async-lowered call's subtask, waited for until it returned. */
static void subtask_wait(uint32_t r) {
  uint32_t st = r & 0xf, sub = r >> 4;
  while (st != 2 /* returned */) st = wait_on(sub);
  if (sub) subtask_drop(sub);
}

/* the export's task.return: result<own<response>, error-code>, flattened */
IMPORT("[export]" HANDLER, "[task-return]handle")
void task_return(uint32_t is_err, uint32_t a, uint32_t b, uint64_t c, uint32_t d, uint32_t e, uint32_t f, uint32_t g);

/* ------------------------------------------------------------ types */

typedef struct {
  uint8_t *ptr;
  size_t len;
} bytes_t;

IMPORT(TYPES, "[constructor]fields") uint32_t fields_new(void);
IMPORT(TYPES, "[method]fields.append")
void fields_append(uint32_t self, const char *n, size_t nl, const void *v, size_t vl, void *ret);
IMPORT(TYPES, "[method]fields.get") void fields_get(uint32_t self, const char *n, size_t nl, void *ret);
IMPORT(TYPES, "[resource-drop]fields") void fields_drop(uint32_t self);
IMPORT(TYPES, "[static]fields.from-list") void fields_from_list(const void *entries, size_t n, void *ret);
IMPORT(TYPES, "[method]fields.has") uint32_t fields_has(uint32_t self, const char *n, size_t nl);
IMPORT(TYPES, "[method]fields.set")
void fields_set(uint32_t self, const char *n, size_t nl, const void *vals, size_t nv, void *ret);
IMPORT(TYPES, "[method]fields.delete") void fields_delete(uint32_t self, const char *n, size_t nl, void *ret);
IMPORT(TYPES, "[method]fields.get-and-delete")
void fields_get_and_delete(uint32_t self, const char *n, size_t nl, void *ret);
IMPORT(TYPES, "[method]fields.copy-all") void fields_copy_all(uint32_t self, void *ret);
IMPORT(TYPES, "[method]fields.clone") uint32_t fields_clone(uint32_t self);
IMPORT(TYPES, "[method]request.get-method") void request_method(uint32_t self, void *ret);
IMPORT(TYPES, "[method]request.get-path-with-query") void request_path(uint32_t self, void *ret);
IMPORT(TYPES, "[method]request.get-authority") void request_authority(uint32_t self, void *ret);
IMPORT(TYPES, "[method]request.get-headers") uint32_t request_headers(uint32_t self);
IMPORT(TYPES, "[resource-drop]request") void request_drop(uint32_t self);
IMPORT(TYPES, "[static]request.consume-body") void request_consume(uint32_t self, uint32_t res, uint32_t ret[2]);
IMPORT(TYPES, "[future-new-0][static]request.consume-body") uint64_t cb_res_new(void);
IMPORT(TYPES, "[async-lower][future-write-0][static]request.consume-body") uint32_t cb_res_write(uint32_t w, const void *p);
IMPORT(TYPES, "[future-drop-writable-0][static]request.consume-body") void cb_res_drop(uint32_t w);
IMPORT(TYPES, "[async-lower][stream-read-1][static]request.consume-body")
uint32_t cb_read(uint32_t r, void *p, uint32_t n);
IMPORT(TYPES, "[stream-drop-readable-1][static]request.consume-body") void cb_stream_drop(uint32_t r);
IMPORT(TYPES, "[async-lower][future-read-2][static]request.consume-body") uint32_t cb_trailers_read(uint32_t r, void *p);
IMPORT(TYPES, "[future-drop-readable-2][static]request.consume-body") void cb_trailers_drop(uint32_t r);

IMPORT(TYPES, "[static]response.new")
void response_new(uint32_t headers, uint32_t has_body, uint32_t body, uint32_t trailers, uint32_t ret[2]);
IMPORT(TYPES, "[method]response.set-status-code") uint32_t response_set_status(uint32_t self, uint32_t status);
IMPORT(TYPES, "[stream-new-0][static]response.new") uint64_t body_new(void);
IMPORT(TYPES, "[async-lower][stream-write-0][static]response.new") uint32_t body_write(uint32_t w, const void *p, uint32_t n);
IMPORT(TYPES, "[stream-drop-writable-0][static]response.new") void body_drop(uint32_t w);
IMPORT(TYPES, "[future-new-1][static]response.new") uint64_t trailers_new(void);
IMPORT(TYPES, "[async-lower][future-write-1][static]response.new") uint32_t trailers_write(uint32_t w, const void *p);
IMPORT(TYPES, "[future-drop-writable-1][static]response.new") void trailers_drop(uint32_t w);
IMPORT(TYPES, "[async-lower][future-read-2][static]response.new") uint32_t sent_read(uint32_t r, void *p);
IMPORT(TYPES, "[future-drop-readable-2][static]response.new") void sent_drop(uint32_t r);

/* outgoing requests */
IMPORT(TYPES, "[static]request.new")
void request_new(uint32_t headers, uint32_t has_body, uint32_t body, uint32_t trailers, uint32_t has_opts,
                 uint32_t opts, uint32_t ret[2]);
IMPORT(TYPES, "[stream-new-0][static]request.new") uint64_t rq_body_new(void);
IMPORT(TYPES, "[async-lower][stream-write-0][static]request.new") uint32_t rq_body_write(uint32_t w, const void *p, uint32_t n);
IMPORT(TYPES, "[stream-drop-writable-0][static]request.new") void rq_body_drop(uint32_t w);
IMPORT(TYPES, "[future-new-1][static]request.new") uint64_t rq_trailers_new(void);
IMPORT(TYPES, "[async-lower][future-write-1][static]request.new") uint32_t rq_trailers_write(uint32_t w, const void *p);
IMPORT(TYPES, "[future-drop-writable-1][static]request.new") void rq_trailers_drop(uint32_t w);
IMPORT(TYPES, "[future-drop-readable-2][static]request.new") void rq_sent_drop(uint32_t r);
IMPORT(TYPES, "[method]request.set-method") uint32_t request_set_method(uint32_t self, uint32_t tag, const void *p, size_t n);
IMPORT(TYPES, "[method]request.set-authority")
uint32_t request_set_authority(uint32_t self, uint32_t some, const void *p, size_t n);
IMPORT(TYPES, "[method]request.set-path-with-query")
uint32_t request_set_path(uint32_t self, uint32_t some, const void *p, size_t n);
IMPORT(CLIENT, "[async-lower]send") uint32_t client_send(uint32_t req, void *ret);
IMPORT(TYPES, "[method]response.get-status-code") uint32_t response_status(uint32_t self);
IMPORT(TYPES, "[method]response.get-headers") uint32_t response_headers(uint32_t self);
IMPORT(TYPES, "[static]response.consume-body") void response_consume(uint32_t self, uint32_t res, uint32_t ret[2]);
IMPORT(TYPES, "[future-new-0][static]response.consume-body") uint64_t rc_res_new(void);
IMPORT(TYPES, "[async-lower][future-write-0][static]response.consume-body") uint32_t rc_res_write(uint32_t w, const void *p);
IMPORT(TYPES, "[future-drop-writable-0][static]response.consume-body") void rc_res_drop(uint32_t w);
IMPORT(TYPES, "[async-lower][stream-read-1][static]response.consume-body")
uint32_t rc_read(uint32_t r, void *p, uint32_t n);
IMPORT(TYPES, "[stream-drop-readable-1][static]response.consume-body") void rc_stream_drop(uint32_t r);
IMPORT(TYPES, "[async-lower][future-read-2][static]response.consume-body") uint32_t rc_trailers_read(uint32_t r, void *p);
IMPORT(TYPES, "[future-drop-readable-2][static]response.consume-body") void rc_trailers_drop(uint32_t r);

static void header(uint32_t h, const char *name, const void *v, size_t vl) {
  uint8_t ret[16];
  fields_append(h, name, slen(name), v, vl, ret);
  if (ret[0]) __builtin_trap();
}

/* ------------------------------------------------------------ a response */

typedef struct {
  uint32_t resp, body_w, trailers_w, sent_r;
} out_t;

static out_t respond(uint32_t h, uint16_t status) {
  out_t o;
  uint64_t s = body_new(), t = trailers_new();
  o.body_w = (uint32_t)(s >> 32);
  o.trailers_w = (uint32_t)(t >> 32);
  uint32_t ret[2];
  response_new(h, 1, (uint32_t)s, (uint32_t)t, ret);
  o.resp = ret[0];
  o.sent_r = ret[1];
  if (status != 200 && response_set_status(o.resp, status)) __builtin_trap();
  task_return(0, o.resp, 0, 0, 0, 0, 0, 0);
  return o;
}

/* Writes all of p (false: the reader went away). */
static bool put(out_t *o, const void *p, size_t n) {
  const uint8_t *b = p;
  while (n) {
    uint32_t r = copied(o->body_w, body_write(o->body_w, b, (uint32_t)n));
    uint32_t k = r >> 4;
    if ((r & 0xf) == COPY_DROPPED && n > k) return false;
    b += k;
    n -= k;
  }
  return true;
}

/* Ends the body: the stream, trailers ok(none), then how it went. */
static void finish(out_t *o) {
  body_drop(o->body_w);
  uint8_t tr[64];
  memset(tr, 0, sizeof tr);
  copied(o->trailers_w, trailers_write(o->trailers_w, tr));
  trailers_drop(o->trailers_w);
  uint8_t sent[64];
  copied(o->sent_r, sent_read(o->sent_r, sent));
  sent_drop(o->sent_r);
}

static void text(out_t *o, const char *s) { put(o, s, slen(s)); }

static void number(out_t *o, uint64_t v) {
  char d[24];
  int k = 23;
  do d[--k] = (char)('0' + v % 10);
  while (v /= 10);
  put(o, d + k, (size_t)(23 - k));
}

/* /trailers: the request's trailers read, the response's sent. */
static void trailers_route(uint32_t req, uint32_t h) {
  uint64_t rf = cb_res_new();
  uint32_t in[2];
  request_consume(req, (uint32_t)rf, in);
  uint8_t handled[64];
  memset(handled, 0, sizeof handled);
  copied((uint32_t)(rf >> 32), cb_res_write((uint32_t)(rf >> 32), handled));
  cb_res_drop((uint32_t)(rf >> 32));
  static uint8_t buf[16384];
  uint64_t n = 0;
  for (;;) {
    uint32_t r = copied(in[0], cb_read(in[0], buf, sizeof buf));
    n += r >> 4;
    if ((r & 0xf) == COPY_DROPPED) break;
  }
  cb_stream_drop(in[0]);
  uint8_t tr[64] __attribute__((aligned(8)));
  memset(tr, 0, sizeof tr);
  copied(in[1], cb_trailers_read(in[1], tr));
  cb_trailers_drop(in[1]);
  char seen[64];
  size_t sn = 0;
  if (!tr[0] && tr[8]) { /* ok(some(trailers)) */
    uint32_t t = *(uint32_t *)(tr + 12);
    struct {
      bytes_t *ptr;
      size_t len;
    } vals;
    fields_get(t, "x-check", 7, &vals);
    if (vals.len) {
      sn = vals.ptr[0].len < sizeof seen ? vals.ptr[0].len : sizeof seen;
      memcpy(seen, vals.ptr[0].ptr, sn);
    }
    fields_drop(t);
  } else if (tr[0]) {
    memcpy(seen, "error", 5);
    sn = 5;
  }
  out_t o = respond(h, 200);
  char count[24];
  int k = 23;
  uint64_t v = n;
  do count[--k] = (char)('0' + v % 10);
  while (v /= 10);
  char line[128]; /* one write: one chunk */
  size_t ln = (size_t)(23 - k);
  memcpy(line, count + k, ln);
  memcpy(line + ln, " bytes x-check=", 15);
  memcpy(line + ln + 15, seen, sn);
  put(&o, line, ln + 15 + sn);
  body_drop(o.body_w);
  uint32_t t = fields_new();
  header(t, "x-count", count + k, (size_t)(23 - k));
  header(t, "x-seen", seen, sn);
  uint8_t val[64] __attribute__((aligned(8)));
  memset(val, 0, sizeof val);
  val[8] = 1; /* ok(some(t)) */
  *(uint32_t *)(val + 12) = t;
  copied(o.trailers_w, trailers_write(o.trailers_w, val));
  trailers_drop(o.trailers_w);
  uint8_t sent[64];
  copied(o.sent_r, sent_read(o.sent_r, sent));
  sent_drop(o.sent_r);
}

/* "?AUTHORITY/PATH" after a route's name: where a request is sent on. */
typedef struct {
  const uint8_t *auth, *path;
  size_t an, plen;
} target_t;

static target_t target_of(const uint8_t *p, size_t pn) {
  target_t t;
  size_t q = 0;
  while (q < pn && p[q] != '?') q++;
  t.auth = p + q + 1;
  t.an = 0;
  while (q + 1 + t.an < pn && t.auth[t.an] != '/') t.an++;
  t.path = t.auth + t.an;
  t.plen = pn - (q + 1 + t.an);
  if (!t.plen) t.path = (const uint8_t *)"/", t.plen = 1;
  return t;
}

static void error_response(uint32_t h, const uint8_t *res) {
  out_t o = respond(h, 502);
  text(&o, "error ");
  number(&o, res[8]);
  finish(&o);
}

/* /forward?AUTHORITY/PATH: this very request sent on (its received body
** relayed by the host), the upstream's response returned as ours. */
static void forward(uint32_t req, uint32_t h, const uint8_t *p, size_t pn) {
  target_t t = target_of(p, pn);
  if (request_set_authority(req, 1, t.auth, t.an) || request_set_path(req, 1, t.path, t.plen)) __builtin_trap();
  static uint8_t res[64] __attribute__((aligned(8)));
  subtask_wait(client_send(req, res));
  if (res[0]) {
    error_response(h, res);
    return;
  }
  fields_drop(h);
  task_return(0, *(uint32_t *)(res + 8), 0, 0, 0, 0, 0, 0);
}

/* /cancel?AUTHORITY/PATH: a GET sent, then cancelled while pending;
** answers the subtask's state after the cancel (4: cancelled before it
** returned) or, when it returned first, 2. */
static void cancel(uint32_t req, uint32_t h, const uint8_t *p, size_t pn) {
  target_t t = target_of(p, pn);
  request_drop(req);
  uint64_t ts = rq_trailers_new();
  uint32_t made[2];
  request_new(fields_new(), 0, 0, (uint32_t)ts, 0, 0, made);
  rq_sent_drop(made[1]);
  if (request_set_authority(made[0], 1, t.auth, t.an) || request_set_path(made[0], 1, t.path, t.plen))
    __builtin_trap();
  static uint8_t res[64] __attribute__((aligned(8)));
  uint32_t r = client_send(made[0], res);
  uint32_t st = r & 0xf, sub = r >> 4;
  uint8_t none[64];
  memset(none, 0, sizeof none);
  copied((uint32_t)(ts >> 32), rq_trailers_write((uint32_t)(ts >> 32), none));
  rq_trailers_drop((uint32_t)(ts >> 32));
  if (st == 1 /* started */) st = subtask_cancel(sub);
  if (sub) subtask_drop(sub);
  out_t o = respond(h, 200);
  text(&o, "state ");
  number(&o, st);
  finish(&o);
}

/* /proxy?AUTHORITY/PATH: this request sent on through wasi:http/client. */
static void proxy(uint32_t req, uint32_t h, const uint8_t *p, size_t pn) {
  target_t t = target_of(p, pn);
  const uint8_t *auth = t.auth, *path = t.path;
  size_t an = t.an, plen = t.plen;
  struct {
    uint8_t tag;
    uint8_t *ptr;
    size_t len;
  } m;
  request_method(req, &m);
  bool body = m.tag == 2 /* POST */ || m.tag == 3 /* PUT */;
  uint32_t in[2] = {0, 0};
  if (body) { /* this request's body, to be copied into the outgoing one */
    uint64_t rf = cb_res_new();
    request_consume(req, (uint32_t)rf, in);
    uint8_t handled[64];
    memset(handled, 0, sizeof handled);
    copied((uint32_t)(rf >> 32), cb_res_write((uint32_t)(rf >> 32), handled));
    cb_res_drop((uint32_t)(rf >> 32));
  } else {
    request_drop(req);
  }
  uint64_t bs = body ? rq_body_new() : 0, ts = rq_trailers_new();
  uint32_t made[2];
  request_new(fields_new(), body, (uint32_t)bs, (uint32_t)ts, 0, 0, made);
  uint32_t out = made[0];
  rq_sent_drop(made[1]);
  if (request_set_method(out, m.tag, m.ptr, m.len) || request_set_authority(out, 1, auth, an) ||
      request_set_path(out, 1, path, plen))
    __builtin_trap();
  static uint8_t res[64] __attribute__((aligned(8)));
  uint32_t sub = client_send(out, res); /* pending while the body is copied */
  if (body) {
    static uint8_t buf[40000];
    uint32_t w = (uint32_t)(bs >> 32);
    bool open = true;
    for (;;) {
      uint32_t r = copied(in[0], cb_read(in[0], buf, sizeof buf));
      for (uint32_t at = 0, k = r >> 4; open && at < k;) {
        uint32_t wr = copied(w, rq_body_write(w, buf + at, k - at));
        at += wr >> 4;
        if ((wr & 0xf) == COPY_DROPPED && at < k) open = false; /* the transfer stopped reading */
      }
      if ((r & 0xf) == COPY_DROPPED) break;
    }
    cb_stream_drop(in[0]);
    rq_body_drop(w);
  }
  /* this request's trailers (ok(none) without a body) are the outgoing one's */
  uint8_t rtr[64] __attribute__((aligned(8)));
  memset(rtr, 0, sizeof rtr);
  if (body) {
    copied(in[1], cb_trailers_read(in[1], rtr));
    cb_trailers_drop(in[1]);
  }
  copied((uint32_t)(ts >> 32), rq_trailers_write((uint32_t)(ts >> 32), rtr));
  rq_trailers_drop((uint32_t)(ts >> 32));
  subtask_wait(sub);
  if (res[0]) { /* err(error-code) */
    error_response(h, res);
    return;
  }
  uint32_t resp = *(uint32_t *)(res + 8);
  uint32_t status = response_status(resp);
  fields_drop(h);
  h = response_headers(resp); /* the upstream's headers (content-length...) are ours */
  uint64_t rf = rc_res_new();
  uint32_t up[2];
  response_consume(resp, (uint32_t)rf, up);
  uint8_t handled[64]; /* ok: nothing went wrong on our side */
  memset(handled, 0, sizeof handled);
  copied((uint32_t)(rf >> 32), rc_res_write((uint32_t)(rf >> 32), handled));
  rc_res_drop((uint32_t)(rf >> 32));
  out_t o = respond(h, (uint16_t)status);
  static uint8_t chunk[50000];
  for (;;) {
    uint32_t r = copied(up[0], rc_read(up[0], chunk, sizeof chunk));
    if ((r >> 4) && !put(&o, chunk, r >> 4)) break;
    if ((r & 0xf) == COPY_DROPPED) break;
  }
  rc_stream_drop(up[0]);
  uint8_t tr[64] __attribute__((aligned(8)));
  copied(up[1], rc_trailers_read(up[1], tr));
  rc_trailers_drop(up[1]);
  body_drop(o.body_w);
  /* the upstream body's end is this body's: its error fails ours */
  copied(o.trailers_w, trailers_write(o.trailers_w, tr));
  trailers_drop(o.trailers_w);
  uint8_t sent[64];
  copied(o.sent_r, sent_read(o.sent_r, sent));
  sent_drop(o.sent_r);
}

/* ------------------------------------------------- /scheme */

IMPORT(TYPES, "[method]request.set-scheme")
uint32_t request_set_scheme(uint32_t self, uint32_t some, uint32_t tag, const void *p, size_t n);
IMPORT(TYPES, "[method]request.get-scheme") void request_get_scheme(uint32_t self, void *ret);
IMPORT(TYPES, "[resource-drop]response") void response_drop(uint32_t self);

static char rep[1024];
static size_t rep_n;
static void addn(const void *p, size_t n);
static void add(const char *s);

/* Schemes are case-insensitive (RFC 3986 3.1): other("https") is the https
** case (wasi-http issue 194; wasi-testsuite's http-request). */
static const char *scheme_report(void) {
  static const char *const names[] = {"https", "HTTP", "Https", "ftp"};
  uint64_t ts = rq_trailers_new();
  uint32_t made[2];
  request_new(fields_new(), 0, 0, (uint32_t)ts, 0, 0, made);
  rq_sent_drop(made[1]);
  rep_n = 0;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    struct {
      uint8_t some, pad[3], tag, pad2[3];
      const uint8_t *ptr;
      size_t len;
    } r;
    if (i) add(" ");
    if (request_set_scheme(made[0], 1, 2, names[i], slen(names[i]))) {
      add("err");
      continue;
    }
    request_get_scheme(made[0], &r);
    if (!r.some) add("none");
    else if (r.tag == 0) add("http");
    else if (r.tag == 1) add("https");
    else {
      add("other:");
      addn(r.ptr, r.len);
    }
  }
  /* path-with-query: relative ones too (wasi-http #178), "" reads back as
  ** "/", '<' is no pchar */
  static const char *const paths[] = {"a/b/c", "", "?q", "/<", "/x y"};
  add(" path:");
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    struct {
      uint8_t some, pad[3];
      const uint8_t *ptr;
      size_t len;
    } r;
    if (i) add(",");
    if (request_set_path(made[0], 1, paths[i], slen(paths[i]))) {
      add("err");
      continue;
    }
    request_path(made[0], &r);
    add("ok=");
    if (r.some) addn(r.ptr, r.len);
  }
  /* authority: a userinfo is allowed; an empty host, a bad port, two '@' not */
  static const char *const auths[] = {"user:pass%20@localhost:80", "localhost:what", "@@", ":@", "[", ""};
  add(" auth:");
  for (size_t i = 0; i < sizeof auths / sizeof auths[0]; i++) {
    if (i) add(",");
    add(request_set_authority(made[0], 1, auths[i], slen(auths[i])) ? "err" : "ok");
  }
  request_drop(made[0]);
  /* status: 100-599 (1xx too, as Wasmtime) */
  static const uint32_t codes[] = {100, 101, 599, 99, 600};
  uint64_t rt = trailers_new();
  uint32_t resp[2];
  response_new(fields_new(), 0, 0, (uint32_t)rt, resp);
  sent_drop(resp[1]);
  add(" status:");
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    if (i) add(",");
    add(response_set_status(resp[0], codes[i]) ? "err" : "ok");
  }
  response_drop(resp[0]);
  uint8_t none[64]; /* no trailers (the request is gone: the write finds no reader) */
  memset(none, 0, sizeof none);
  rq_trailers_write((uint32_t)(ts >> 32), none);
  rq_trailers_drop((uint32_t)(ts >> 32));
  trailers_write((uint32_t)(rt >> 32), none);
  trailers_drop((uint32_t)(rt >> 32));
  add("\n");
  rep[rep_n < sizeof rep ? rep_n : sizeof rep - 1] = 0;
  return rep;
}

/* ------------------------------------------------- /fields: the methods */

static void addn(const void *p, size_t n) {
  for (size_t i = 0; i < n && rep_n < sizeof rep; i++) rep[rep_n++] = ((const char *)p)[i];
}
static void add(const char *s) { addn(s, slen(s)); }
static void addu(uint32_t v) {
  char d[12];
  int k = 12;
  do d[--k] = (char)('0' + v % 10);
  while (v /= 10);
  addn(d + k, (size_t)(12 - k));
}

/* result<_, header-error> (20 bytes: is-err, then the case at 4) */
typedef struct {
  uint8_t is_err, pad[3], tag, rest[15];
} herr_t;
static void add_herr(const herr_t *r) {
  if (!r->is_err) {
    add("ok");
    return;
  }
  add("e");
  addu(r->tag);
}

typedef struct {
  bytes_t *ptr;
  size_t len;
} values_t;
/* "n:" and the values joined with ',' */
static void add_values(const values_t *v) {
  addu((uint32_t)v->len);
  add(":");
  for (size_t i = 0; i < v->len; i++) {
    if (i) add(",");
    addn(v->ptr[i].ptr, v->ptr[i].len);
  }
}
static void add_get(uint32_t h, const char *name) {
  values_t v;
  fields_get(h, name, slen(name), &v);
  add_values(&v);
}

typedef struct {
  bytes_t name, value;
} entry_t;
/* result<own<fields>, header-error> of a one-entry from-list */
static void add_from_list1(const char *name, const char *value) {
  entry_t e = {{(uint8_t *)name, slen(name)}, {(uint8_t *)value, slen(value)}};
  struct {
    uint8_t is_err, pad[3];
    uint32_t val;
    uint8_t rest[12];
  } r;
  fields_from_list(&e, 1, &r);
  if (!r.is_err) {
    fields_drop(r.val);
    add("ok");
  } else {
    add(r.val == 0 ? "syntax" : r.val == 1 ? "forbidden" : "other");
  }
}

static const char *fields_report(uint32_t req) {
  entry_t es[3] = {{{(uint8_t *)"A-One", 5}, {(uint8_t *)"1", 1}},
                   {{(uint8_t *)"b", 1}, {(uint8_t *)"x", 1}},
                   {{(uint8_t *)"a-one", 5}, {(uint8_t *)"2", 1}}};
  struct {
    uint8_t is_err, pad[3];
    uint32_t val;
    uint8_t rest[12];
  } fl;
  fields_from_list(es, 3, &fl);
  uint32_t h = fl.val;
  bytes_t sv[2] = {{(uint8_t *)"p", 1}, {(uint8_t *)"q", 1}}, crlf = {(uint8_t *)"x\r\ny: 1", 7};
  herr_t r;
  rep_n = 0;
  add("get=");
  add_get(h, "A-ONE"); /* case-insensitive, in order */
  fields_set(h, "a-one", 5, sv, 2, &r); /* replaces both */
  add(" set=");
  add_herr(&r);
  add(" then=");
  add_get(h, "a-one");
  fields_append(h, "c", 1, "p", 1, &r);
  add(" append=");
  add_herr(&r);
  fields_append(h, "bad name", 8, "p", 1, &r);
  add(" badname=");
  add_herr(&r);
  fields_set(h, "Connection", 10, sv, 2, &r);
  add(" forbidden=");
  add_herr(&r);
  fields_set(h, "c", 1, &crlf, 1, &r);
  add(" crlf=");
  add_herr(&r);
  add(" has=");
  addu(fields_has(h, "B", 1));
  fields_delete(h, "B", 1, &r);
  add(" delete=");
  add_herr(&r);
  add(" has=");
  addu(fields_has(h, "b", 1));
  struct {
    entry_t *ptr;
    size_t len;
  } all;
  fields_copy_all(h, &all);
  add(" entries=");
  addu((uint32_t)all.len);
  for (size_t i = 0; i < all.len; i++) {
    add(" ");
    addn(all.ptr[i].name.ptr, all.ptr[i].name.len);
    add("=");
    addn(all.ptr[i].value.ptr, all.ptr[i].value.len);
  }
  uint32_t cl = fields_clone(h);
  fields_append(cl, "c", 1, "q", 1, &r); /* a clone is mutable */
  add(" clone=");
  add_herr(&r);
  add(":");
  add_get(cl, "c");
  fields_drop(cl);
  add(" none=");
  add_get(h, "nothing");
  struct {
    uint8_t is_err, pad[3];
    values_t ok;
    uint8_t rest[8];
  } gd;
  fields_get_and_delete(h, "A-ONE", 5, &gd);
  add(" getdel=");
  if (gd.is_err) add("err");
  else add_values(&gd.ok);
  fields_copy_all(h, &all);
  add(" left=");
  addu((uint32_t)all.len);
  add(" from-list:");
  add_from_list1("ok-name", "v");
  add(",");
  add_from_list1("bad name", "v");
  add(",");
  add_from_list1("te", "v"); /* Wasmtime's forbidden list: "host" is in it, "te" and "trailer" not */
  add(",");
  add_from_list1("host", "v");
  add(",");
  add_from_list1("trailer", "x-a");
  add(",");
  add_from_list1("x", "a\nb");
  add(",");
  add_from_list1("x", "a\x01b"); /* a control byte: not a field-vchar */
  add(",");
  add_from_list1("x", "a\x7f");
  add(",");
  add_from_list1("x", " \ta\t "); /* SP and HTAB are */
  /* a name appended to a field that exists takes its spelling */
  uint32_t sp = fields_new();
  fields_append(sp, "foo", 3, "1", 1, &r);
  fields_append(sp, "FOO", 3, "2", 1, &r);
  fields_copy_all(sp, &all);
  add(" spelling=");
  for (size_t i = 0; i < all.len; i++) {
    if (i) add(",");
    addn(all.ptr[i].name.ptr, all.ptr[i].name.len);
  }
  fields_drop(sp);
  /* headers() of a request are immutable */
  uint32_t rh = request_headers(req);
  fields_delete(rh, "x-test", 6, &r);
  add(" immutable=");
  add_herr(&r);
  fields_get_and_delete(rh, "x-test", 6, &gd);
  add(gd.is_err && ((uint8_t *)&gd)[4] == 2 ? ",e2" : ",no");
  fields_drop(rh);
  /* the header bytes a guest holds are bounded: size-exceeded, not a trap */
  static uint8_t big[256 << 10];
  memset(big, 'v', sizeof big);
  uint32_t n = 0;
  do fields_append(h, "z", 1, big, sizeof big, &r);
  while (!r.is_err && ++n < 1000);
  add(" size=");
  add_herr(&r);
  fields_drop(h);
  add("\n");
  rep[rep_n < sizeof rep ? rep_n : sizeof rep - 1] = 0;
  return rep;
}

/* ------------------------------------------------------------ fetch */

/* The component as a library under `wasmplug run --invoke 'fetch("A/P")'`
** (not served): a GET to http://A/P through wasi:http/client; returns
** "STATUS BODY", or "error N" (N: the error-code case). */
IMPORT("[export]$root", "[task-return]fetch") void fetch_return(const uint8_t *p, size_t n);

static uint8_t got[4096];
static size_t got_n;
static void got_num(uint32_t v) {
  char d[10];
  int k = 0;
  do d[k++] = (char)('0' + v % 10);
  while (v /= 10);
  while (k && got_n < sizeof got) got[got_n++] = (uint8_t)d[--k];
}

EXPORT("[async-lift-stackful]fetch") void fetch(const uint8_t *p, size_t pn) {
  ws = waitable_set_new();
  got_n = 0;
  size_t an = 0;
  while (an < pn && p[an] != '/') an++;
  uint64_t ts = rq_trailers_new();
  uint32_t made[2];
  request_new(fields_new(), 0, 0, (uint32_t)ts, 0, 0, made);
  rq_sent_drop(made[1]);
  if (request_set_authority(made[0], 1, p, an) ||
      request_set_path(made[0], 1, an < pn ? p + an : (const uint8_t *)"/", an < pn ? pn - an : 1))
    __builtin_trap();
  static uint8_t res[64] __attribute__((aligned(8)));
  uint32_t sub = client_send(made[0], res);
  uint8_t none[64]; /* no trailers: ok(none) */
  memset(none, 0, sizeof none);
  copied((uint32_t)(ts >> 32), rq_trailers_write((uint32_t)(ts >> 32), none));
  rq_trailers_drop((uint32_t)(ts >> 32));
  subtask_wait(sub);
  if (res[0]) { /* err(error-code) */
    memcpy(got, "error ", 6);
    got_n = 6;
    got_num(res[8]);
  } else {
    uint32_t resp = *(uint32_t *)(res + 8);
    got_num(response_status(resp));
    got[got_n++] = ' ';
    uint64_t rf = rc_res_new();
    uint32_t up[2];
    response_consume(resp, (uint32_t)rf, up);
    uint8_t handled[64]; /* ok: nothing went wrong on our side */
    memset(handled, 0, sizeof handled);
    copied((uint32_t)(rf >> 32), rc_res_write((uint32_t)(rf >> 32), handled));
    rc_res_drop((uint32_t)(rf >> 32));
    static uint8_t chunk[4096];
    for (;;) {
      uint32_t r = copied(up[0], rc_read(up[0], chunk, sizeof chunk));
      for (uint32_t i = 0; i < (r >> 4) && got_n < sizeof got; i++) got[got_n++] = chunk[i];
      if ((r & 0xf) == COPY_DROPPED) break;
    }
    rc_stream_drop(up[0]);
    uint8_t tr[64] __attribute__((aligned(8)));
    copied(up[1], rc_trailers_read(up[1], tr));
    rc_trailers_drop(up[1]);
  }
  fetch_return(got, got_n);
  waitable_set_drop(ws);
}

/* ------------------------------------------------------------ handle */

static uint32_t counter;

EXPORT("[async-lift-stackful]" HANDLER "#handle") void handle(uint32_t req) {
  ws = waitable_set_new();
  struct {
    uint8_t some;
    uint8_t *ptr;
    size_t len;
  } path;
  request_path(req, &path);
  const uint8_t *p = path.some ? path.ptr : (const uint8_t *)"/";
  size_t pn = path.some ? path.len : 1;
  uint32_t h = fields_new();
  if (prefix(p, pn, "/hello")) {
    const char *msg = "Hello from a wasi:http 0.3 component\n";
    header(h, "content-type", "text/plain", 10);
    char len[8] = {(char)('0' + slen(msg) / 10), (char)('0' + slen(msg) % 10)};
    header(h, "content-length", len, 2);
    request_drop(req);
    out_t o = respond(h, 200);
    text(&o, msg);
    finish(&o);
  } else if (prefix(p, pn, "/headers")) {
    struct {
      uint8_t tag;
      uint8_t *ptr;
      size_t len;
    } m;
    request_method(req, &m);
    struct {
      uint8_t some;
      uint8_t *ptr;
      size_t len;
    } auth;
    request_authority(req, &auth);
    uint32_t rh = request_headers(req);
    struct {
      bytes_t *ptr;
      size_t len;
    } vals;
    fields_get(rh, "x-test", 6, &vals);
    uint8_t imm[16];
    fields_append(rh, "x-more", 6, "1", 1, imm); /* request headers are immutable */
    request_drop(req);
    out_t o = respond(h, 200);
    char tag[2] = {(char)('0' + m.tag), 0};
    text(&o, "method=");
    text(&o, tag);
    text(&o, " path=");
    put(&o, p, pn);
    text(&o, " authority=");
    if (auth.some) put(&o, auth.ptr, auth.len);
    text(&o, " x-test=");
    if (vals.len) put(&o, vals.ptr[0].ptr, vals.ptr[0].len);
    text(&o, imm[0] == 1 && imm[4] == 2 ? " immutable=yes" : " immutable=no");
    fields_drop(rh);
    finish(&o);
  } else if (prefix(p, pn, "/echo")) {
    uint64_t rf = cb_res_new();
    uint32_t in[2];
    request_consume(req, (uint32_t)rf, in);
    uint8_t handled[64]; /* ok: nothing went wrong on our side */
    memset(handled, 0, sizeof handled);
    copied((uint32_t)(rf >> 32), cb_res_write((uint32_t)(rf >> 32), handled));
    cb_res_drop((uint32_t)(rf >> 32));
    out_t o = respond(h, 200);
    static uint8_t buf[24576]; /* not a multiple of the pumps' pieces */
    bool ok = true;
    for (;;) {
      uint32_t r = copied(in[0], cb_read(in[0], buf, sizeof buf));
      uint32_t k = r >> 4;
      if (k && !put(&o, buf, k)) {
        ok = false;
        break;
      }
      if ((r & 0xf) == COPY_DROPPED) break;
    }
    cb_stream_drop(in[0]);
    uint8_t tr[64];
    copied(in[1], cb_trailers_read(in[1], tr));
    cb_trailers_drop(in[1]);
    if (ok && tr[0]) text(&o, "[the request body failed]");
    finish(&o);
  } else if (prefix(p, pn, "/big") || prefix(p, pn, "/trap-mid")) {
    uint64_t n = num_after_q(p, pn);
    bool trap = prefix(p, pn, "/trap-mid");
    if (!trap) { /* a declared length: checked against what is written */
      char len[24];
      int k = 23;
      uint64_t v = n;
      do len[--k] = (char)('0' + v % 10);
      while (v /= 10);
      header(h, "content-length", len + k, (size_t)(23 - k));
    }
    request_drop(req);
    out_t o = respond(h, 200);
    static uint8_t chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    while (n) {
      uint32_t k = n < sizeof chunk ? (uint32_t)n : (uint32_t)sizeof chunk;
      if (!put(&o, chunk, k)) break;
      n -= k;
    }
    if (trap) __builtin_trap();
    finish(&o);
  } else if (prefix(p, pn, "/trailers")) {
    trailers_route(req, h);
  } else if (prefix(p, pn, "/cancel")) {
    cancel(req, h, p, pn);
  } else if (prefix(p, pn, "/forward")) {
    forward(req, h, p, pn);
  } else if (prefix(p, pn, "/proxy")) {
    proxy(req, h, p, pn);
  } else if (prefix(p, pn, "/count")) {
    counter++;
    request_drop(req);
    out_t o = respond(h, 200);
    char c[3] = {(char)('0' + counter % 10), '\n', 0};
    text(&o, c);
    finish(&o);
  } else if (prefix(p, pn, "/status")) {
    request_drop(req);
    out_t o = respond(h, (uint16_t)num_after_q(p, pn));
    text(&o, "status\n");
    finish(&o);
  } else if (prefix(p, pn, "/scheme")) {
    const char *msg = scheme_report();
    request_drop(req);
    out_t o = respond(h, 200);
    text(&o, msg);
    finish(&o);
  } else if (prefix(p, pn, "/fields")) {
    const char *msg = fields_report(req);
    request_drop(req);
    out_t o = respond(h, 200);
    text(&o, msg);
    finish(&o);
  } else if (prefix(p, pn, "/trap")) {
    __builtin_trap();
  } else if (prefix(p, pn, "/error")) {
    fields_drop(h);
    request_drop(req);
    task_return(1, ERR_HTTP_REQUEST_DENIED, 0, 0, 0, 0, 0, 0);
  } else if (prefix(p, pn, "/loop")) {
    for (volatile int spin = 1; spin;) {
    }
  } else {
    request_drop(req);
    out_t o = respond(h, 404);
    text(&o, "not found");
    finish(&o);
  }
  waitable_set_drop(ws);
}
