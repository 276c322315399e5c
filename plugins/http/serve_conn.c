/*
** serve_conn.c — one request on an event loop (libmicrohttpd's callbacks,
** run by the loop's leader: serve_pool.c): the head becomes an exchange,
** queued for the leader to run after the loop's turn once the request is
** complete (at once without a body; a body is pushed into the request pipe
** as it comes), or handed to a follower when a body fills the pipe first
** (its guest reads while the rest arrives); the guest's response is queued
** when it is set, its body pulled from the response pipe as the socket
** takes it.
**
** Waiting never blocks a loop: a connection whose request pipe is full,
** or that waits for the guest's response or body bytes, is suspended; the
** pipe's wake-up or the response resumes it.  (A request queued for the
** leader is not suspended while it waits for its guest to start: the
** loop's next turn asks again, by when the leader has run it.)  The suspend
** decision is taken under the exchange's lock after re-checking the pipe,
** and a wake-up resumes only a connection marked suspended under the same
** lock, so no wake-up is lost and a connection is resumed once.
*/
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_internal.h"
#include "wasmplug/clock.h"

/* ------------------------------------------------------------ replies */

/* A small text response of the server's own (not the guest's). */
static enum MHD_Result answer(sv_conn_t *c, unsigned status, const char *text) {
  struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, "Content-Type", "text/plain");
  enum MHD_Result ok = MHD_queue_response(c->mc, status, r);
  MHD_destroy_response(r);
  c->answered = true;
  c->status = status;
  c->sent = strlen(text);
  return ok;
}

/* 503 and a close: the server is stopping (a new request while it drains,
** or one its guest has not answered when the grace is over). */
static enum MHD_Result answer_stopping(sv_conn_t *c) {
  static const char text[] = "server stopping\n";
  struct MHD_Response *r = MHD_create_response_from_buffer(sizeof text - 1, (void *)text, MHD_RESPMEM_PERSISTENT);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, "Content-Type", "text/plain");
  MHD_add_response_header(r, "Connection", "close");
  enum MHD_Result ok = MHD_queue_response(c->mc, 503, r);
  MHD_destroy_response(r);
  c->answered = true;
  c->status = 503;
  c->sent = sizeof text - 1;
  return ok;
}

/* Whether the client takes the body too slowly (--min-send-rate): its
** bytes so far against the time the body waited for it (since it was
** queued, less the waits for the guest), once that time is past the
** idle timeout.  Asked each time the socket has taken what was given. */
static bool too_slow(wh_exchange_t *ex) {
  pthread_mutex_lock(&ex->lock);
  sv_conn_t *c = ex->server;
  bool slow = false;
  if (c && c->s->min_send_rate && c->resp_ns) {
    uint64_t now = wasmplug_monotonic_ns(), waited = now - c->resp_ns - c->guest_wait_ns;
    slow = waited > c->s->min_rate_after_ns && (double)c->sent < (double)c->s->min_send_rate * ((double)waited / 1e9);
    c->too_slow = slow;
  }
  pthread_mutex_unlock(&ex->lock);
  return slow;
}

static ssize_t body_reader(void *cls, uint64_t pos, char *buf, size_t max) {
  (void)pos;
  wh_exchange_t *ex = cls;
  wh_pipe_t *p = ex->resp_body;
  /* a client too slow is cut (the connection closes, the guest's next
  ** write fails and its worker is free) */
  if (too_slow(ex)) return MHD_CONTENT_READER_END_WITH_ERROR;
  for (;;) {
    wh_pipe_end_t how = WH_PIPE_OPEN;
    int64_t n = wh_pipe_pull(p, (uint8_t *)buf, max, &how);
    if (n > 0) {
      pthread_mutex_lock(&ex->lock);
      sv_conn_t *c = ex->server;
      if (c) c->sent += (uint64_t)n;
      pthread_mutex_unlock(&ex->lock);
      return (ssize_t)n;
    }
    /* an aborted or failed body closes the connection: the client sees a
    ** cut response, never a complete-looking one */
    if (n < 0 && how == WH_PIPE_DONE) {
      /* the guest's trailers: sent after the last chunk (libmicrohttpd
      ** writes a response's footers once its reader says the end) */
      wh_fields_list_t t;
      if (ex->net_resp && wh_pipe_take_trailers(p, &t)) {
        for (size_t i = 0; i < t.n; i++) {
          char *v = strndup((const char *)t.items[i].value, t.items[i].vlen);
          if (v) MHD_add_response_footer(ex->net_resp, t.items[i].name, v); /* checked when set */
          free(v);
        }
        wh_fields_list_free(&t);
      }
      return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (n < 0) return MHD_CONTENT_READER_END_WITH_ERROR;
    pthread_mutex_lock(&ex->lock);
    sv_conn_t *c = ex->server;
    if (!c || wh_pipe_readable(p)) {
      pthread_mutex_unlock(&ex->lock);
      if (!c) return MHD_CONTENT_READER_END_WITH_ERROR;
      continue;
    }
    if (c->s->phase == SV_CLOSING) { /* no more waiting: the body is cut */
      pthread_mutex_unlock(&ex->lock);
      return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    c->suspended = true; /* until the guest writes (sv_on_wake) */
    c->susp_ns = wasmplug_monotonic_ns(); /* (not the client's time: resume counts it out) */
    MHD_suspend_connection(c->mc);
    pthread_mutex_unlock(&ex->lock);
    return 0;
  }
}

static void body_free(void *cls) { wh_exchange_unref(cls); }

/* The fields the server frames itself, never taken from the guest. */
static bool server_field(const char *name) {
  return !strcasecmp(name, "content-length") || !strcasecmp(name, "transfer-encoding") ||
         !strcasecmp(name, "connection") || !strcasecmp(name, "date");
}

/* Queues the response the guest set (its status, headers and body). */
static enum MHD_Result send_guest_response(sv_conn_t *c) {
  wh_exchange_t *ex = c->ex;
  if (ex->resp == WH_RESP_ERROR) {
    if (ex->resp_error == WASI_HTTP_TYPES_ERROR_CODE_HTTP_REQUEST_BODY_SIZE)
      return answer(c, 413, "request body too large\n");
    return answer(c, 500, "internal server error\n");
  }
  if (ex->status < 200) /* a guest may set 1xx (as Wasmtime); no final response has it (hyper: 500 too) */
    return answer(c, 500, "internal server error (the guest's response has an informational status)\n");
  wh_pipe_t *p = ex->resp_body;
  size_t len = 0;
  const uint8_t *whole = wh_pipe_complete(p, &len);
  struct MHD_Response *r;
  if (whole) { /* the guest is done already: one buffer, a content-length */
    r = MHD_create_response_from_buffer(len, (void *)whole, MHD_RESPMEM_MUST_COPY);
    c->sent = len;
  } else {
    uint64_t size = MHD_SIZE_UNKNOWN; /* chunked, unless the guest declared a length */
    const wh_field_t *cl = wh_fields_list_get(&ex->resp_headers, "content-length");
    if (cl && cl->vlen && cl->vlen < 20) {
      char num[24];
      memcpy(num, cl->value, cl->vlen);
      num[cl->vlen] = 0;
      char *end;
      unsigned long long v = strtoull(num, &end, 10);
      if (!*end && num[0] >= '0' && num[0] <= '9') size = v;
    }
    wh_exchange_ref(ex);
    r = MHD_create_response_from_callback(size, 32 * 1024, body_reader, ex, body_free);
    if (!r) wh_exchange_unref(ex);
    else wh_pipe_set_wake(p, &wh_exchange_waker, ex);
    /* the clock of --min-send-rate (no other thread knows c's fields yet
    ** that it reads: body_reader runs on this loop, after this) */
    c->resp_ns = wasmplug_monotonic_ns();
    /* trailers need chunked coding: none after a declared length */
    ex->net_resp = size == MHD_SIZE_UNKNOWN ? r : NULL;
  }
  if (!r) return MHD_NO;
  for (size_t i = 0; i < ex->resp_headers.n; i++) {
    const wh_field_t *f = &ex->resp_headers.items[i];
    if (server_field(f->name)) continue;
    char *v = malloc(f->vlen + 1);
    if (!v) continue;
    memcpy(v, f->value, f->vlen);
    v[f->vlen] = 0;
    MHD_add_response_header(r, f->name, v); /* values were checked (no CR/LF/NUL) when set */
    free(v);
  }
  enum MHD_Result ok = MHD_queue_response(c->mc, ex->status, r);
  MHD_destroy_response(r);
  c->answered = true;
  c->status = ex->status;
  return ok;
}

/* ------------------------------------------------------------ the head */

static bool utf8_ok(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    unsigned c = *p, n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 9;
    if (n == 9 || (n && c < 0xc2) || c == 0x7f || c < 0x20) return false;
    uint32_t cp = n == 0 ? c : c & (0x3f >> n);
    for (unsigned k = 1; k <= n; k++) {
      if ((p[k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[k] & 0x3f);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
      return false;
    p += n + 1;
  }
  return true;
}

typedef struct collect {
  wh_fields_list_t *list;
  bool bad;
} collect_t;

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
  (void)kind;
  collect_t *col = cls;
  size_t kl = strlen(key), vl = value ? strlen(value) : 0;
  if (!wh_field_name_ok(key, kl) || !wh_field_value_ok((const uint8_t *)value, vl)) {
    col->bad = true;
    return MHD_NO;
  }
  if (!wh_fields_list_add(col->list, key, kl, (const uint8_t *)(value ? value : ""), vl)) col->bad = true;
  return col->bad ? MHD_NO : MHD_YES;
}

/* A request the stop does not wait for (it is answered at once): out of
** s->inflight. */
static void uncount(sv_conn_t *c) {
  sv_server_t *s = c->s;
  pthread_mutex_lock(&s->lock);
  if (c->counted && !--s->inflight) pthread_cond_broadcast(&s->idle);
  c->counted = false;
  pthread_mutex_unlock(&s->lock);
}

/* Queues the request of c for its guest: `deferred`, for the loop's own
** thread after this turn (serve_pool.c), else for a follower.  False when
** the queue is full or the server stops.  (Before it is queued no other
** thread knows the exchange: c->deferrable needs no lock here.) */
static bool queue(sv_conn_t *c, bool deferred) {
  wh_exchange_t *ex = c->ex;
  wh_exchange_ref(ex); /* the queue's */
  c->held = false;
  c->deferrable = deferred;
  if (sv_enqueue(c->s, ex, c->group, deferred)) return true;
  c->deferrable = false;
  wh_exchange_unref(ex);
  return false;
}

/* The head arrived: build the exchange and start the guest (or hold it
** until the body is complete). */
static enum MHD_Result begin(sv_conn_t *c, const char *method) {
  sv_server_t *s = c->s;
  c->started = true;
  if (s->phase != SV_RUNNING) {
    /* a new request while the server stops: 503 at once, and the stop
    ** does not wait for it (a client sending more would hold the grace) */
    uncount(c);
    return answer_stopping(c);
  }
  wh_exchange_t *ex = wh_exchange_new();
  if (!ex) return answer(c, 503, "out of memory\n");
  c->ex = ex;
  ex->server = c;
  ex->on_response = sv_on_response;
  ex->on_wake = sv_on_wake;
  if (!wh_field_name_ok(method, strlen(method)) || !c->uri) return answer(c, 400, "bad request\n");
  ex->method = strdup(method);
  /* origin-form "/p?q", absolute-form "http://host/p?q", or "*" */
  const char *target = c->uri;
  if (!strncasecmp(target, "http://", 7) || !strncasecmp(target, "https://", 8)) {
    const char *a = strstr(target, "//") + 2, *slash = strchr(a, '/');
    size_t al = slash ? (size_t)(slash - a) : strlen(a);
    ex->authority = strndup(a, al);
    target = slash ? slash : "/";
  } else if (target[0] != '/' && strcmp(target, "*")) {
    return answer(c, 400, "bad request target\n");
  }
  ex->path_with_query = strdup(target);
  collect_t col = {&ex->headers, false};
  MHD_get_connection_values(c->mc, MHD_HEADER_KIND, collect_header, &col);
  if (col.bad || !ex->method || !ex->path_with_query || !utf8_ok(ex->path_with_query))
    return answer(c, 400, "bad request\n");
  if (!ex->authority) {
    const wh_field_t *h = wh_fields_list_get(&ex->headers, "host");
    if (h && !(ex->authority = strndup((const char *)h->value, h->vlen))) return answer(c, 503, "out of memory\n");
  }
  if (ex->authority && !utf8_ok(ex->authority)) return answer(c, 400, "bad host\n");
  /* a declared body too large is refused before the guest sees it */
  const char *cl = MHD_lookup_connection_value(c->mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (cl && strtoull(cl, NULL, 10) > s->max_body) return answer(c, 413, "request body too large\n");
  if (!(ex->req_body = wh_pipe_new(WH_WINDOW, s->max_body))) return answer(c, 503, "out of memory\n");
  wh_pipe_set_wake(ex->req_body, &wh_exchange_waker, ex);
  /* a request without a body is run by this loop's thread once the loop's
  ** turn is over (serve_pool.c).  One with a body is held while the loop
  ** reads the body into the request pipe: complete, it is run the same
  ** way; should the pipe fill first (a body past its window), a follower
  ** runs it at once, its guest reading while the loop pushes (upload) */
  bool bodyless = !MHD_lookup_connection_value(c->mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) &&
                  (!cl || !strtoull(cl, NULL, 10));
  if (!bodyless) {
    c->held = true;
    return MHD_YES;
  }
  if (!queue(c, true)) return answer(c, 503, "server busy\n");
  return MHD_YES;
}

/* ------------------------------------------------------------ the body */

static enum MHD_Result upload(sv_conn_t *c, const char *data, size_t *size) {
  wh_exchange_t *ex = c->ex;
  if (c->answered || !ex || !ex->req_body) { /* answered early: the rest is not read by anyone */
    *size = 0;
    return MHD_YES;
  }
  if (c->too_large || c->busy) {
    /* libmicrohttpd answers only once a request is read: read the rest into
    ** the void, but not forever */
    c->discarded += *size;
    *size = 0;
    return c->discarded > c->s->max_body ? MHD_NO : MHD_YES;
  }
  size_t done = 0;
  for (;;) {
    int64_t n = wh_pipe_push(ex->req_body, (const uint8_t *)data + done, *size - done);
    if (n < 0) {
      uint32_t code = 0;
      wh_pipe_state(ex->req_body, &code);
      *size = 0;
      /* over the limit (a chunked body has no length to refuse up front):
      ** the guest's read fails, the client gets 413 */
      if (code == WH_ERR_REQUEST_BODY_SIZE) c->too_large = true;
      return MHD_YES; /* else the guest stopped reading: drop the rest */
    }
    done += (size_t)n;
    if (done == *size) {
      *size = 0;
      return MHD_YES;
    }
    /* the pipe is full */
    if (c->held && !queue(c, false)) { /* a held request's guest must read now */
      c->busy = true;
      c->discarded = *size - done;
      *size = 0;
      return MHD_YES;
    }
    pthread_mutex_lock(&ex->lock);
    bool closing = c->s->phase == SV_CLOSING;
    bool full = !closing && wh_pipe_room(ex->req_body) == 0;
    if (full) { /* wait for the guest to read */
      c->suspended = true;
      MHD_suspend_connection(c->mc);
    }
    pthread_mutex_unlock(&ex->lock);
    *size -= done;
    if (closing) return MHD_NO; /* no more waiting: the rest is dropped with the connection */
    if (full) return MHD_YES;
    /* The guest read meanwhile: push the rest now.  Returned with bytes
    ** left and not suspended, the connection would be called again only
    ** when more bytes arrive (libmicrohttpd warns of a hung connection):
    ** never, for a body the client has sent in full. */
    data += done;
    done = 0;
  }
}

enum MHD_Result sv_access(void *cls, struct MHD_Connection *mc, const char *url, const char *method,
                          const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls) {
  (void)cls, (void)url, (void)version, (void)mc;
  sv_conn_t *c = *con_cls;
  if (!c) return MHD_NO; /* out of memory when the request began */
  if (!c->started) return begin(c, method);
  if (*upload_data_size) return upload(c, upload_data, upload_data_size);
  if (c->answered) return MHD_YES;
  if (c->too_large) return answer(c, 413, "request body too large\n");
  if (c->busy) return answer(c, 503, "server busy\n");
  wh_exchange_t *ex = c->ex;
  if (!c->upload_done) { /* the request is complete */
    pthread_mutex_lock(&ex->lock);
    c->upload_done = true;
    wh_pipe_t *early = ex->resp_body;
    pthread_mutex_unlock(&ex->lock);
    if (early) wh_pipe_set_window(early, WH_WINDOW); /* backpressure again (see sv_on_response) */
    /* a chunked request's trailers (libmicrohttpd parsed them as footers) */
    wh_fields_list_t t = {0};
    collect_t col = {&t, false};
    MHD_get_connection_values(mc, MHD_FOOTER_KIND, collect_header, &col);
    if (t.n && !col.bad) wh_pipe_set_trailers(ex->req_body, &t);
    wh_fields_list_free(&t);
    wh_pipe_end(ex->req_body, WH_PIPE_DONE, 0, NULL);
  }
  /* a held request's body is all in the pipe: run as one without a body
  ** (past the grace it is not run: answered 503 below) */
  if (c->held && c->s->phase != SV_CLOSING && !queue(c, true)) return answer(c, 503, "server busy\n");
  pthread_mutex_lock(&ex->lock);
  if (ex->resp == WH_RESP_NONE) { /* wait for the guest (sv_on_response) */
    if (c->s->phase == SV_CLOSING) { /* no more waiting */
      pthread_mutex_unlock(&ex->lock);
      return answer_stopping(c);
    }
    if (c->deferrable) {
      /* the loop's leader runs the guest after this turn, and the next
      ** turn calls again (a connection neither answered nor suspended
      ** is): no suspend and resume.  Once its guest has started (or it
      ** went to a follower: serve_pool.c), the connection waits
      ** suspended as any other. */
      pthread_mutex_unlock(&ex->lock);
      return MHD_YES;
    }
    c->suspended = true;
    MHD_suspend_connection(mc);
    pthread_mutex_unlock(&ex->lock);
    return MHD_YES;
  }
  pthread_mutex_unlock(&ex->lock);
  return send_guest_response(c);
}

/* ---------------------------------------------------- the guest's side */

/* Resumes the exchange's connection if it waits (any thread), and wakes
** its loop: libmicrohttpd takes a resume up only at its loop's next turn,
** which nothing else may bring (serve_pool.c, next_job). */
static void resume(wh_exchange_t *ex) {
  pthread_mutex_lock(&ex->lock);
  sv_conn_t *c = ex->server;
  struct MHD_Connection *mc = c && c->suspended ? c->mc : NULL;
  sv_group_t *q = mc ? &c->s->groups[c->group] : NULL; /* (c may be gone once resumed) */
  if (mc) c->suspended = false;
  if (mc && c->susp_ns) { /* a body's wait for the guest ends: not the client's time */
    c->guest_wait_ns += wasmplug_monotonic_ns() - c->susp_ns;
    c->susp_ns = 0;
  }
  pthread_mutex_unlock(&ex->lock);
  /* a suspended connection cannot complete, so mc is alive until this
  ** resume is processed; only one thread gets to resume it */
  if (mc) {
    MHD_resume_connection(mc);
    sv_group_wake(q);
  }
}

void sv_on_response(wh_exchange_t *ex) {
  pthread_mutex_lock(&ex->lock);
  sv_conn_t *c = ex->server;
  wh_pipe_t *orphan = !c ? ex->resp_body : NULL;
  /* HTTP/1.1 through libmicrohttpd is half-duplex: a response starts once
  ** the request is complete.  A guest answering while the request body
  ** still arrives (an echo) would wait for room in its response while the
  ** request waits for it to read: until the request is complete, its
  ** response may run ahead by up to the request-body limit. */
  wh_pipe_t *early = c && !c->upload_done ? ex->resp_body : NULL;
  size_t ahead = c ? (size_t)c->s->max_body : 0;
  pthread_mutex_unlock(&ex->lock);
  /* the client is gone: nobody will read the body the guest writes (the
  ** pipe's wake-up takes ex->lock: call it unlocked) */
  if (orphan) wh_pipe_close_reader(orphan);
  /* (should the request complete right now, before this, the window stays
  ** wide for this response: bounded all the same) */
  if (early) wh_pipe_set_window(early, ahead);
  resume(ex);
}

void sv_on_wake(wh_exchange_t *ex) { resume(ex); }

void sv_resume_all(sv_server_t *s) {
  pthread_mutex_lock(&s->lock);
  for (sv_conn_t *c = s->conns; c; c = c->next)
    if (c->ex) resume(c->ex);
  pthread_mutex_unlock(&s->lock);
}

/* ------------------------------------------------------- begin and end */

void *sv_uri_log(void *cls, const char *uri, struct MHD_Connection *mc) {
  sv_group_t *g = cls;
  sv_server_t *s = g->s;
  sv_conn_t *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->s = s;
  c->group = g->index;
  c->mc = mc;
  c->uri = uri ? strdup(uri) : NULL;
  c->t0_ns = wasmplug_monotonic_ns();
  pthread_mutex_lock(&s->lock);
  c->next = s->conns;
  if (s->conns) s->conns->prev = c;
  s->conns = c;
  /* a request that begins while the server stops is answered 503 at once
  ** (begin): the stop does not wait for it, nor for a client that never
  ** sends the rest of its head */
  c->counted = atomic_load(&s->phase) == SV_RUNNING;
  if (c->counted) s->inflight++;
  pthread_mutex_unlock(&s->lock);
  return c;
}

static void access_log(sv_server_t *s, sv_conn_t *c, enum MHD_RequestTerminationCode why) {
  char peer[INET6_ADDRSTRLEN + 8] = "-";
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c->mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (ci && ci->client_addr) {
    const struct sockaddr *sa = ci->client_addr;
    char a[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->sa_family == AF_INET) {
      inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, a, sizeof a);
      port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
    } else if (sa->sa_family == AF_INET6) {
      inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, a, sizeof a);
      port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    }
    snprintf(peer, sizeof peer, "%s:%d", a, port);
  }
  double ms = (double)(wasmplug_monotonic_ns() - c->t0_ns) / 1e6;
  static const char *const whys[] = {"", " (error)", " (timed out)", " (server stopped)", " (read error)",
                                     " (client aborted)"};
  char status[16] = "-";
  if (c->status) snprintf(status, sizeof status, "%u", c->status);
  pthread_mutex_lock(&s->log_lock);
  fprintf(stderr, "%s \"%s %s\" %s %" PRIu64 " %.3fms%s%s\n", peer, c->ex && c->ex->method ? c->ex->method : "-",
          c->uri ? c->uri : "-", status, c->sent, ms, (unsigned)why < 6 ? whys[why] : " (?)",
          c->too_slow ? " (client slower than --min-send-rate)" : "");
  pthread_mutex_unlock(&s->log_lock);
}

void sv_completed(void *cls, struct MHD_Connection *mc, void **con_cls, enum MHD_RequestTerminationCode why) {
  sv_server_t *s = ((sv_group_t *)cls)->s;
  sv_conn_t *c = *con_cls;
  if (!c) return;
  *con_cls = NULL;
  wh_exchange_t *ex = c->ex;
  if (s->o->verbose) access_log(s, c, why);
  if (ex) {
    pthread_mutex_lock(&ex->lock);
    ex->server = NULL;
    bool was_suspended = c->suspended;
    c->suspended = false;
    wh_pipe_t *resp = ex->resp_body;
    pthread_mutex_unlock(&ex->lock);
    /* libmicrohttpd ended a connection we had suspended (it should not:
    ** suspended connections do not time out): resume it, so that it does
    ** not stay on the daemon's suspended list, which MHD_stop_daemon
    ** refuses with a fatal error */
    if (was_suspended) MHD_resume_connection(mc);
    if (resp) wh_pipe_close_reader(resp); /* a guest still writing sees the stream closed */
    if (ex->req_body) {
      /* the client went away mid-body: the guest's read fails */
      if (!c->upload_done) wh_pipe_end(ex->req_body, WH_PIPE_ABORTED, WH_ERR_CONNECTION_TERMINATED,
                                       "the client closed the connection before the end of the body");
      wh_pipe_set_wake(ex->req_body, NULL, NULL);
    }
    if (resp) wh_pipe_set_wake(resp, NULL, NULL);
    wh_exchange_unref(ex);
  }
  pthread_mutex_lock(&s->lock);
  if (c->prev) c->prev->next = c->next;
  else if (s->conns == c) s->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  if (c->counted && !--s->inflight) pthread_cond_broadcast(&s->idle);
  pthread_mutex_unlock(&s->lock);
  free(c->uri);
  free(c);
}
