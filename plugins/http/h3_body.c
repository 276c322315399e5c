/*
** h3_body.c — bodies in flight: pumps between the guest's stream<u8>
** ends and the exchange's pipes (h_pipe.c), on the guest's thread.
**
** From a pipe to the guest (a request body the network thread writes):
** what the pipe holds is written to the guest's stream; the next piece is
** taken from the pipe only when the guest took all of the last (its pace
** or the client's, whichever is slower).  An empty pipe is waited for on
** its eventfd (host->watch_fd).  When the pipe ends the stream is dropped
** and the trailers future resolved: ok(none), or the pipe's error (a
** client gone mid-body: connection-terminated; over --max-body:
** HTTP-request-body-size).
**
** From the guest to a pipe (a response body the network thread sends):
** the guest's stream is read only when the pipe has room for what was
** read before; a full pipe is waited for the same way.  When the guest
** drops its end, its trailers future is read, the pipe ended (done, or
** failed on an error), and new()'s future resolved with how it went.  A
** client that went away makes the pump drop the guest's stream (its
** writes see the end) and resolve that future with connection-terminated.
*/
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "h3.h"

typedef enum { FROM_PIPE, TO_PIPE, FORWARD, RELAY } pump_kind;

typedef struct wh3_pump {
  struct wh3_pump *next, **prevp;
  pump_kind kind;
  wh3_inst_t *in;
  const wasmplug_host_api_t *host;
  wh_pipe_t *pipe;
  wh_pipe_t *src;    /* RELAY: the pipe read (`pipe` is written) */
  uint32_t data;     /* the stream end we hold */
  uint32_t fut;      /* trailers future: writable (FROM_PIPE), readable (TO_PIPE); FORWARD: from */
  uint32_t sent;     /* TO_PIPE: new()'s future (writable); FORWARD: to */
  bool *done;
  bool eof, ended;
  uint64_t watch;
  uint8_t *buf;
  size_t len, at;
  wh3_result_option_own_trailers_error_code_t trailers;
  wh3_result_void_error_code_t result;
} wh3_pump_t;

static wh3_pump_t *pump_new(wh3_inst_t *in, pump_kind kind, bool buffer) {
  if (!in->pi) return NULL;
  wh3_pump_t *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  if (buffer && !(p->buf = malloc(WH3_CHUNK))) {
    free(p);
    return NULL;
  }
  p->kind = kind;
  p->in = in;
  p->host = in->host;
  p->next = in->pumps;
  if (in->pumps) in->pumps->prevp = &p->next;
  p->prevp = &in->pumps;
  in->pumps = p;
  return p;
}

/* Unlinks and frees; a pipe it fed and did not end is cut short. */
static void pump_free(wh3_pump_t *p) {
  *p->prevp = p->next;
  if (p->next) p->next->prevp = p->prevp;
  if (p->watch) p->host->unwatch(p->in->pi, p->watch);
  if (p->src) {
    wh_pipe_close_reader(p->src);
    wh_pipe_unref(p->src);
  }
  if (p->pipe) {
    if ((p->kind == TO_PIPE || p->kind == RELAY) && !p->ended)
      wh_pipe_end(p->pipe, WH_PIPE_ABORTED, WH_ERR_RESPONSE_INCOMPLETE, "the guest went away");
    if (p->kind == FROM_PIPE) wh_pipe_close_reader(p->pipe);
    wh_pipe_unref(p->pipe);
  }
  if (p->done) *p->done = true;
  free(p->buf);
  free(p);
}

void wh3_pumps_free(wh3_inst_t *in) {
  while (in->pumps) {
    wh3_pump_t *p = in->pumps;
    p->watch = 0; /* the host forgot the instance's watches */
    pump_free(p);
  }
}

uint8_t wh3_error_case(uint32_t code) {
  switch (code) {
  case WH_ERR_CONNECTION_TERMINATED: return WASI_HTTP_TYPES_ERROR_CODE_CONNECTION_TERMINATED;
  case WH_ERR_REQUEST_BODY_SIZE: return WASI_HTTP_TYPES_ERROR_CODE_HTTP_REQUEST_BODY_SIZE;
  case WH_ERR_RESPONSE_BODY_SIZE: return WASI_HTTP_TYPES_ERROR_CODE_HTTP_RESPONSE_BODY_SIZE;
  case WH_ERR_RESPONSE_INCOMPLETE: return WASI_HTTP_TYPES_ERROR_CODE_HTTP_RESPONSE_INCOMPLETE;
  default: return WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR;
  }
}

/* The pipe's eventfd fired (or was found ready): go on. */
static void step(wh3_pump_t *p);
static void pipe_ready(void *arg, int revents) {
  (void)revents;
  wh3_pump_t *p = arg;
  p->host->unwatch(p->in->pi, p->watch);
  p->watch = 0;
  step(p);
}

/* Not ready now: wait for the pipe (false: cannot wait, the pump ends). */
static bool wait_on(wh3_pump_t *p, wh_pipe_t *pipe, bool (*ready)(void *, int *, short *, uint64_t *), bool *now) {
  int fd = -1;
  short ev = 0;
  uint64_t dl = 0;
  *now = ready(pipe, &fd, &ev, &dl);
  if (*now) return true;
  return fd >= 0 && (p->watch = p->host->watch_fd(p->in->pi, fd, ev, pipe_ready, p)) != 0;
}

static bool wait_pipe(wh3_pump_t *p, bool (*ready)(void *, int *, short *, uint64_t *), bool *now) {
  return wait_on(p, p->pipe, ready, now);
}

static void future_written(void *arg, int result, uint32_t count) {
  (void)result;
  (void)count;
  wh3_pump_t *p = arg;
  uint32_t end = p->kind == FROM_PIPE ? p->fut : p->sent;
  p->host->stream_drop(p->in->pi, end);
  if (p->kind == FROM_PIPE) p->fut = 0;
  else p->sent = 0;
  pump_free(p);
}

/* ------------------------------------------------- from a pipe (requests) */

static void from_finish(wh3_pump_t *p, uint32_t code) {
  if (p->data) p->host->stream_drop(p->in->pi, p->data);
  p->data = 0;
  memset(&p->trailers, 0, sizeof p->trailers);
  wh_fields_list_t t;
  if (code) {
    p->trailers.is_err = true;
    p->trailers.val.err.tag = wh3_error_case(code);
  } else if (wh_pipe_take_trailers(p->pipe, &t)) { /* ok(some(trailers)): immutable fields */
    uint32_t rep = 0;
    bool charged = wh3_budget_take(p->in, t.bytes);
    wh3_obj_t *o = charged ? wh3_obj_new(p->in, WH3_FIELDS, &rep) : NULL;
    if (o) {
      o->u.fields.list = t;
      o->u.fields.immutable = true;
      p->trailers.val.ok.is_some = true;
      p->trailers.val.ok.val.rep = rep;
    } else { /* over the budget, or the table full */
      if (charged) wh3_budget_give(p->in, t.bytes);
      wh_fields_list_free(&t);
      p->trailers.is_err = true;
      p->trailers.val.err.tag = wh3_error_case(WH_ERR_INTERNAL);
    }
  }
  if (p->host->stream_write(p->in->pi, p->fut, &p->trailers, 1, future_written, p)) {
    p->host->stream_drop(p->in->pi, p->fut);
    p->fut = 0;
    pump_free(p);
  }
}

static void from_written(void *arg, int result, uint32_t count) {
  wh3_pump_t *p = arg;
  p->at += count;
  if (result == WASMPLUG_COPY_DROPPED) { /* the guest stopped reading: so do we */
    if (p->data) p->host->stream_drop(p->in->pi, p->data);
    p->data = 0;
    wh_pipe_close_reader(p->pipe);
    from_finish(p, 0);
    return;
  }
  step(p);
}

static void from_step(wh3_pump_t *p) {
  for (;;) {
    if (p->at < p->len) {
      if (p->host->stream_write(p->in->pi, p->data, p->buf + p->at, (uint32_t)(p->len - p->at), from_written, p))
        from_finish(p, WH_ERR_INTERNAL);
      return;
    }
    int64_t n = wh_pipe_reader_ops.read(p->pipe, p->buf, WH3_CHUNK);
    if (n > 0) {
      p->len = (size_t)n;
      p->at = 0;
      continue;
    }
    if (n == WASMPLUG_IO_CLOSED) {
      from_finish(p, 0);
      return;
    }
    if (n < 0) {
      char msg[8];
      uint32_t code = wh_pipe_reader_ops.error(p->pipe, msg, sizeof msg);
      from_finish(p, code ? code : WH_ERR_INTERNAL);
      return;
    }
    bool now;
    if (!wait_pipe(p, wh_pipe_reader_ops.ready, &now)) {
      from_finish(p, WH_ERR_INTERNAL);
      return;
    }
    if (!now) return;
  }
}

int wh3_pump_from_pipe(wh3_inst_t *in, wh_pipe_t *pipe, uint32_t data, uint32_t trailers) {
  wh3_pump_t *p = pump_new(in, FROM_PIPE, true);
  if (!p) {
    if (in->pi) {
      in->host->stream_drop(in->pi, data);
      in->host->stream_drop(in->pi, trailers);
    }
    return 1;
  }
  wh_pipe_ref(pipe);
  p->pipe = pipe;
  p->data = data;
  p->fut = trailers;
  from_step(p);
  return 0;
}

/* --------------------------------------------------- to a pipe (responses) */

/* The body ended (`how`): the pipe is ended and new()'s future told. */
static void to_finish(wh3_pump_t *p, wh_pipe_end_t how, uint32_t code) {
  if (p->data) p->host->stream_drop(p->in->pi, p->data);
  p->data = 0;
  if (p->fut) p->host->stream_drop(p->in->pi, p->fut);
  p->fut = 0;
  if (!p->ended) wh_pipe_end(p->pipe, how, code, how == WH_PIPE_DONE ? NULL : "the guest's body failed");
  p->ended = true;
  uint32_t why = 0;
  wh_pipe_end_t st = wh_pipe_state(p->pipe, &why);
  if (p->done) *p->done = true; /* the network side has all it will get */
  p->done = NULL;
  memset(&p->result, 0, sizeof p->result);
  if (st != WH_PIPE_DONE || code) {
    p->result.is_err = true;
    p->result.val.err.tag = wh3_error_case(code ? code : why);
  }
  if (!p->sent || p->host->stream_write(p->in->pi, p->sent, &p->result, 1, future_written, p)) {
    if (p->sent) p->host->stream_drop(p->in->pi, p->sent);
    p->sent = 0;
    pump_free(p);
  }
}

static void to_trailers(void *arg, int result, uint32_t count) {
  wh3_pump_t *p = arg;
  if (result == WASMPLUG_COPY_COMPLETED && count == 1) {
    if (p->trailers.is_err) {
      to_finish(p, WH_PIPE_FAILED, WH_ERR_INTERNAL);
      return;
    }
    /* trailers go with the pipe: the network side sends them after the body
    ** (chunked coding; a body of a declared length has none) */
    if (p->trailers.val.ok.is_some) {
      uint32_t rep = p->trailers.val.ok.val.rep;
      wh3_obj_t *o = wh3_obj_get(p->in, rep, WH3_FIELDS);
      if (o) {
        wh_fields_list_t t = o->u.fields.list;
        memset(&o->u.fields.list, 0, sizeof o->u.fields.list);
        wh3_budget_give(p->in, t.bytes);
        wh3_obj_free(p->in, rep, WH3_FIELDS);
        wh_pipe_set_trailers(p->pipe, &t);
      }
    }
  }
  /* a future dropped unwritten: the body ended with the stream */
  to_finish(p, WH_PIPE_DONE, 0);
}

static void to_read(void *arg, int result, uint32_t count) {
  wh3_pump_t *p = arg;
  p->len = count;
  p->at = 0;
  if (result == WASMPLUG_COPY_DROPPED) p->eof = true;
  step(p);
}

/* Writes the buffered p->buf[at, len) into p->pipe: true when all of it
** is written; false when the pump waits for room (its step runs again) or
** has ended through `finish`. */
typedef void wh3_finish_fn(wh3_pump_t *p, wh_pipe_end_t how, uint32_t code);
static bool drain(wh3_pump_t *p, wh3_finish_fn *finish) {
  while (p->at < p->len) {
    int64_t room = wh_pipe_writer_ops.check_write(p->pipe);
    if (room < 0) { /* the client is gone, or the body went past its length */
      finish(p, WH_PIPE_ABORTED, room == WASMPLUG_IO_CLOSED ? WH_ERR_CONNECTION_TERMINATED : WH_ERR_RESPONSE_BODY_SIZE);
      return false;
    }
    if (room == 0) {
      bool now;
      if (!wait_pipe(p, wh_pipe_writer_ops.ready, &now)) {
        finish(p, WH_PIPE_ABORTED, WH_ERR_INTERNAL);
        return false;
      }
      if (!now) return false;
      continue;
    }
    size_t n = p->len - p->at < (uint64_t)room ? p->len - p->at : (size_t)room;
    int64_t w = wh_pipe_writer_ops.write(p->pipe, p->buf + p->at, n);
    if (w < 0) {
      finish(p, WH_PIPE_ABORTED, w == WASMPLUG_IO_CLOSED ? WH_ERR_CONNECTION_TERMINATED : WH_ERR_RESPONSE_BODY_SIZE);
      return false;
    }
    p->at += n;
  }
  return true;
}

static void to_step(wh3_pump_t *p) {
  for (;;) {
    if (!drain(p, to_finish)) return;
    if (p->eof) {
      if (p->data) p->host->stream_drop(p->in->pi, p->data);
      p->data = 0;
      if (!p->fut || p->host->stream_read(p->in->pi, p->fut, &p->trailers, 1, to_trailers, p))
        to_finish(p, WH_PIPE_DONE, 0);
      return;
    }
    if (p->host->stream_read(p->in->pi, p->data, p->buf, WH3_CHUNK, to_read, p))
      to_finish(p, WH_PIPE_ABORTED, WH_ERR_INTERNAL);
    return;
  }
}

/* ---------------------------------------- pipe to pipe (received bodies) */

/* The source ended (`how`): so does the pipe written, with its trailers. */
static void relay_finish(wh3_pump_t *p, wh_pipe_end_t how, uint32_t code) {
  wh_fields_list_t t;
  if (how == WH_PIPE_DONE && wh_pipe_take_trailers(p->src, &t)) wh_pipe_set_trailers(p->pipe, &t);
  wh_pipe_end(p->pipe, how, code, how == WH_PIPE_DONE ? NULL : "the body sent on failed");
  p->ended = true;
  pump_free(p);
}

static void relay_step(wh3_pump_t *p) {
  for (;;) {
    if (!drain(p, relay_finish)) return;
    int64_t n = wh_pipe_reader_ops.read(p->src, p->buf, WH3_CHUNK);
    if (n > 0) {
      p->len = (size_t)n;
      p->at = 0;
      continue;
    }
    if (n == WASMPLUG_IO_CLOSED) {
      relay_finish(p, WH_PIPE_DONE, 0);
      return;
    }
    if (n < 0) {
      char msg[8];
      uint32_t code = wh_pipe_reader_ops.error(p->src, msg, sizeof msg);
      relay_finish(p, WH_PIPE_FAILED, code ? code : WH_ERR_INTERNAL);
      return;
    }
    bool now;
    if (!wait_on(p, p->src, wh_pipe_reader_ops.ready, &now)) {
      relay_finish(p, WH_PIPE_ABORTED, WH_ERR_INTERNAL);
      return;
    }
    if (!now) return;
  }
}

int wh3_pump_to_pipe(wh3_inst_t *in, wh3_body_t *b, wh_pipe_t *pipe, bool *done) {
  if (b->ex || b->client) { /* a body received, sent on: from its pipe to this one */
    wh_pipe_t *src = b->ex ? b->ex->req_body : wh_client_take_body(b->client);
    if (!src) return 1;
    if (b->ex) wh_pipe_ref(src);
    wh3_pump_t *p = pump_new(in, RELAY, true);
    if (!p) {
      wh_pipe_unref(src);
      return 1;
    }
    p->src = src;
    wh_pipe_ref(pipe);
    p->pipe = pipe;
    p->done = done;
    if (done) *done = false;
    if (b->ex) wh_exchange_unref(b->ex); /* the pump reads its pipe now */
    b->ex = NULL;
    wh3_body_free(in, b); /* the guest's ends, if any; the client's hold */
    relay_step(p);
    return 0;
  }
  wh3_pump_t *p = pump_new(in, TO_PIPE, true);
  if (!p) return 1;
  wh_pipe_ref(pipe);
  p->pipe = pipe;
  p->data = b->contents;
  p->fut = b->trailers;
  p->sent = b->sent;
  p->eof = !b->contents;
  p->done = done;
  memset(b, 0, sizeof *b);
  if (done) *done = false;
  to_step(p);
  return 0;
}

/* ---------------------------------------------------- forwarded futures */

static void fwd_read(void *arg, int result, uint32_t count) {
  wh3_pump_t *p = arg;
  p->host->stream_drop(p->in->pi, p->fut);
  p->fut = 0;
  if (result != WASMPLUG_COPY_COMPLETED || count != 1) { /* dropped unwritten: so is the other */
    p->host->stream_drop(p->in->pi, p->sent);
    p->sent = 0;
    pump_free(p);
    return;
  }
  if (p->host->stream_write(p->in->pi, p->sent, p->buf, 1, future_written, p)) {
    p->host->stream_drop(p->in->pi, p->sent);
    p->sent = 0;
    pump_free(p);
  }
}

int wh3_forward_future(wh3_inst_t *in, uint32_t from, uint32_t to, size_t size) {
  wh3_pump_t *p = pump_new(in, FORWARD, false);
  if (!p || !(p->buf = calloc(1, size))) {
    if (p) pump_free(p);
    return 1;
  }
  p->fut = from;
  p->sent = to;
  if (in->host->stream_read(in->pi, from, p->buf, 1, fwd_read, p)) {
    p->fut = p->sent = 0;
    pump_free(p);
    return 1;
  }
  return 0;
}

static void step(wh3_pump_t *p) {
  if (p->kind == FROM_PIPE) from_step(p);
  else if (p->kind == RELAY) relay_step(p);
  else to_step(p);
}
