/*
** h_pipe.c — a body in flight between two threads: a locked ring buffer
** of at most `window` unread bytes, a writer that ends it (done, aborted,
** failed) and a reader.  One side is a guest (through wasi:io objects of
** the wasi-p2 plugin, wasmplug/io.h: it waits on an eventfd), the other a
** host thread (the server's network thread or the client's transfer
** thread: it is told through its wake callback).  A full pipe makes the
** writer wait — that is the backpressure.
*/
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "h.h"

struct wh_pipe {
  pthread_mutex_t lock;
  unsigned refs;
  uint8_t *buf;       /* ring of `cap` bytes (grown up to window) */
  size_t cap, head, len;
  size_t window;
  uint64_t total, max_total, expected; /* expected: UINT64_MAX unknown */
  wh_pipe_end_t end;
  bool reader_gone;
  uint32_t code;
  char msg[160];
  int efd; /* -1 until a guest waits */
  const wh_waker_t *waker; /* the host side's, with a reference on wake_ctx */
  void *wake_ctx;
  bool woke; /* a change since the lock was taken: wake after unlocking */
  wh_fields_list_t trailers; /* set by the writer before it ends */
  bool has_trailers;
};

wh_pipe_t *wh_pipe_new(size_t window, uint64_t max_total) {
  wh_pipe_t *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  pthread_mutex_init(&p->lock, NULL);
  p->refs = 1;
  p->window = window ? window : 1;
  p->max_total = max_total;
  p->expected = UINT64_MAX;
  p->efd = -1;
  return p;
}

void wh_pipe_ref(wh_pipe_t *p) {
  pthread_mutex_lock(&p->lock);
  p->refs++;
  pthread_mutex_unlock(&p->lock);
}

void wh_pipe_unref(wh_pipe_t *p) {
  if (!p) return;
  pthread_mutex_lock(&p->lock);
  unsigned left = --p->refs;
  pthread_mutex_unlock(&p->lock);
  if (left) return;
  if (p->waker) p->waker->unref(p->wake_ctx);
  if (p->efd >= 0) close(p->efd);
  wh_fields_list_free(&p->trailers);
  pthread_mutex_destroy(&p->lock);
  free(p->buf);
  free(p);
}

void wh_pipe_set_trailers(wh_pipe_t *p, wh_fields_list_t *t) {
  pthread_mutex_lock(&p->lock);
  if (p->end == WH_PIPE_OPEN && !p->reader_gone) {
    wh_fields_list_free(&p->trailers);
    p->trailers = *t;
    p->has_trailers = true;
    memset(t, 0, sizeof *t);
  }
  pthread_mutex_unlock(&p->lock);
  wh_fields_list_free(t); /* not taken: the body ended already */
}

bool wh_pipe_take_trailers(wh_pipe_t *p, wh_fields_list_t *out) {
  pthread_mutex_lock(&p->lock);
  bool some = p->has_trailers && p->end == WH_PIPE_DONE;
  if (some) {
    *out = p->trailers;
    memset(&p->trailers, 0, sizeof p->trailers);
    p->has_trailers = false;
  }
  pthread_mutex_unlock(&p->lock);
  return some;
}

bool wh_pipe_has_trailers(wh_pipe_t *p) {
  pthread_mutex_lock(&p->lock);
  bool some = p->has_trailers;
  pthread_mutex_unlock(&p->lock);
  return some;
}

void wh_pipe_set_wake(wh_pipe_t *p, const wh_waker_t *waker, void *ctx) {
  if (waker) waker->ref(ctx);
  pthread_mutex_lock(&p->lock);
  const wh_waker_t *old = p->waker;
  void *old_ctx = p->wake_ctx;
  p->waker = waker;
  p->wake_ctx = ctx;
  pthread_mutex_unlock(&p->lock);
  if (old) old->unref(old_ctx);
}

void wh_pipe_expect(wh_pipe_t *p, uint64_t length) {
  pthread_mutex_lock(&p->lock);
  p->expected = length;
  pthread_mutex_unlock(&p->lock);
}

/* Something changed: wake the guest now, the host side once the lock is
** released (its wake-up takes locks of its own: the server's). */
static void signal_change(wh_pipe_t *p) {
  if (p->efd >= 0) {
    uint64_t one = 1;
    ssize_t w = write(p->efd, &one, sizeof one);
    (void)w; /* a full counter still wakes the waiter */
  }
  p->woke = true;
}

/* Releases the lock, then runs the host side's wake-up if needed, holding
** a reference on its context so that it cannot go away meanwhile. */
static void unlock(wh_pipe_t *p) {
  const wh_waker_t *w = p->woke ? p->waker : NULL;
  void *ctx = p->wake_ctx;
  p->woke = false;
  if (w) w->ref(ctx);
  pthread_mutex_unlock(&p->lock);
  if (w) {
    w->wake(ctx);
    w->unref(ctx);
  }
}

void wh_pipe_set_window(wh_pipe_t *p, size_t window) {
  pthread_mutex_lock(&p->lock);
  bool wider = window > p->window;
  p->window = window ? window : 1;
  if (wider) signal_change(p); /* a writer waiting for room has some */
  unlock(p);
}

static void end_locked(wh_pipe_t *p, wh_pipe_end_t how, uint32_t code, const char *msg) {
  if (p->end != WH_PIPE_OPEN) return;
  /* A writer that finishes short of (or past) its declared length did not
  ** send the body it promised. */
  if (how == WH_PIPE_DONE && p->expected != UINT64_MAX && p->total != p->expected) {
    how = WH_PIPE_FAILED;
    code = p->total < p->expected ? WH_ERR_RESPONSE_INCOMPLETE : WH_ERR_RESPONSE_BODY_SIZE;
    msg = "the body does not have the length its content-length declared";
  }
  p->end = how;
  p->code = code;
  snprintf(p->msg, sizeof p->msg, "%s", msg ? msg : "");
  signal_change(p);
}

void wh_pipe_end(wh_pipe_t *p, wh_pipe_end_t how, uint32_t code, const char *msg) {
  pthread_mutex_lock(&p->lock);
  end_locked(p, how, code, msg);
  unlock(p);
}

void wh_pipe_close_reader(wh_pipe_t *p) {
  pthread_mutex_lock(&p->lock);
  if (!p->reader_gone) {
    p->reader_gone = true;
    p->len = 0; /* nobody will read it */
    signal_change(p);
  }
  unlock(p);
}

/* Appends up to n bytes within the window (lock held); how many. */
/* Room for the writer (lock held): the window may have shrunk below what
** is buffered (set_window), then there is none. */
static size_t room_of(const wh_pipe_t *p) { return p->len >= p->window ? 0 : p->window - p->len; }

static size_t append(wh_pipe_t *p, const uint8_t *data, size_t n) {
  size_t room = room_of(p);
  if (n > room) n = room;
  if (!n) return 0;
  if (p->len + n > p->cap) { /* grow: unwrap into a bigger buffer */
    size_t cap = p->cap ? p->cap : 4096;
    while (cap < p->len + n) cap *= 2;
    if (cap > p->window && p->window >= p->len + n) cap = p->window;
    uint8_t *nb = malloc(cap);
    if (!nb) return 0;
    for (size_t i = 0; i < p->len; i++) nb[i] = p->buf[(p->head + i) % p->cap];
    free(p->buf);
    p->buf = nb;
    p->cap = cap;
    p->head = 0;
  }
  size_t tail = (p->head + p->len) % p->cap;
  size_t first = p->cap - tail < n ? p->cap - tail : n;
  memcpy(p->buf + tail, data, first);
  memcpy(p->buf, data + first, n - first);
  p->len += n;
  p->total += n;
  return n;
}

static size_t take(wh_pipe_t *p, uint8_t *buf, size_t n) {
  if (n > p->len) n = p->len;
  size_t first = p->cap - p->head < n ? p->cap - p->head : n;
  if (buf) {
    memcpy(buf, p->buf + p->head, first);
    memcpy(buf + first, p->buf, n - first);
  }
  p->head = p->len == n ? 0 : (p->head + n) % p->cap;
  p->len -= n;
  return n;
}

/* Whether n more bytes are allowed (lock held); ends the pipe when not. */
static bool within_limits(wh_pipe_t *p, size_t n, uint32_t over_code) {
  if (p->max_total && p->total + n > p->max_total) {
    end_locked(p, WH_PIPE_FAILED, over_code, "the body is larger than the limit");
    return false;
  }
  if (p->expected != UINT64_MAX && p->total + n > p->expected) {
    end_locked(p, WH_PIPE_FAILED, WH_ERR_RESPONSE_BODY_SIZE, "the body is longer than its content-length");
    return false;
  }
  return true;
}

int64_t wh_pipe_push(wh_pipe_t *p, const uint8_t *data, size_t len) {
  pthread_mutex_lock(&p->lock);
  int64_t r = -1;
  if (p->reader_gone) {
    r = (int64_t)len; /* nobody reads: swallow it */
  } else if (p->end == WH_PIPE_OPEN && within_limits(p, len < room_of(p) ? len : room_of(p), WH_ERR_REQUEST_BODY_SIZE)) {
    r = (int64_t)append(p, data, len);
    if (r) signal_change(p);
  }
  unlock(p);
  return r;
}

int64_t wh_pipe_pull(wh_pipe_t *p, uint8_t *buf, size_t cap, wh_pipe_end_t *how) {
  pthread_mutex_lock(&p->lock);
  int64_t r;
  if (p->len) {
    r = (int64_t)take(p, buf, cap);
    signal_change(p); /* room for the writer */
  } else if (p->end != WH_PIPE_OPEN) {
    r = -1;
    if (how) *how = p->end;
  } else {
    r = 0;
  }
  unlock(p);
  return r;
}

const uint8_t *wh_pipe_complete(wh_pipe_t *p, size_t *len) {
  pthread_mutex_lock(&p->lock);
  const uint8_t *r = NULL;
  if (p->end == WH_PIPE_DONE && p->total == p->len && !p->has_trailers) { /* trailers: chunked */
    /* make it contiguous */
    if (p->len && p->head + p->len > p->cap) {
      uint8_t *nb = malloc(p->len);
      if (nb) {
        take(p, nb, p->len);
        free(p->buf);
        p->buf = nb;
        p->cap = p->len = p->total;
        p->head = 0;
      }
    }
    if (p->head + p->len <= p->cap || !p->len) {
      r = p->len ? p->buf + p->head : (const uint8_t *)"";
      *len = p->len;
    }
  }
  pthread_mutex_unlock(&p->lock);
  return r;
}

int64_t wh_pipe_room(wh_pipe_t *p) {
  pthread_mutex_lock(&p->lock);
  int64_t r = p->reader_gone || p->end != WH_PIPE_OPEN ? -1 : (int64_t)room_of(p);
  pthread_mutex_unlock(&p->lock);
  return r;
}

bool wh_pipe_readable(wh_pipe_t *p) {
  pthread_mutex_lock(&p->lock);
  bool r = p->len || p->end != WH_PIPE_OPEN;
  pthread_mutex_unlock(&p->lock);
  return r;
}

uint64_t wh_pipe_total(wh_pipe_t *p) {
  pthread_mutex_lock(&p->lock);
  uint64_t t = p->total;
  pthread_mutex_unlock(&p->lock);
  return t;
}

wh_pipe_end_t wh_pipe_state(wh_pipe_t *p, uint32_t *code) {
  pthread_mutex_lock(&p->lock);
  wh_pipe_end_t e = p->end;
  if (code) *code = p->code;
  pthread_mutex_unlock(&p->lock);
  return e;
}

/* ------------------------------------------------- the guest's ends */

static void op_retain(void *ctx) { wh_pipe_ref(ctx); }
static void op_release(void *ctx) { wh_pipe_unref(ctx); }

static uint32_t op_error(void *ctx, char *msg, size_t cap) {
  wh_pipe_t *p = ctx;
  pthread_mutex_lock(&p->lock);
  snprintf(msg, cap, "%s", *p->msg ? p->msg : "the transfer failed");
  uint32_t code = p->code;
  pthread_mutex_unlock(&p->lock);
  return code;
}

/* Not ready: hand out the eventfd (made now), drained so the next change
** wakes the waiter (lock held, as every signal is sent under it). */
static bool wait_on(wh_pipe_t *p, int *fd, short *events) {
  if (p->efd < 0) p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (p->efd >= 0) {
    uint64_t v;
    ssize_t r = read(p->efd, &v, sizeof v);
    (void)r;
  }
  *fd = p->efd;
  *events = POLLIN;
  return false;
}

static int64_t r_read(void *ctx, uint8_t *buf, uint64_t len) {
  wh_pipe_t *p = ctx;
  pthread_mutex_lock(&p->lock);
  int64_t r;
  if (p->len) {
    r = (int64_t)take(p, buf, len > SIZE_MAX ? SIZE_MAX : (size_t)len);
    signal_change(p);
  } else if (p->end == WH_PIPE_DONE) {
    r = WASMPLUG_IO_CLOSED;
  } else if (p->end != WH_PIPE_OPEN) {
    if (p->end == WH_PIPE_ABORTED && !p->code) p->code = WH_ERR_CONNECTION_TERMINATED;
    r = WASMPLUG_IO_FAILED;
  } else {
    r = 0;
  }
  unlock(p);
  return r;
}

static bool r_ready(void *ctx, int *fd, short *events, uint64_t *deadline) {
  wh_pipe_t *p = ctx;
  *deadline = 0;
  pthread_mutex_lock(&p->lock);
  bool ready = p->len || p->end != WH_PIPE_OPEN || wait_on(p, fd, events);
  pthread_mutex_unlock(&p->lock);
  return ready;
}

static int64_t w_check(void *ctx) {
  wh_pipe_t *p = ctx;
  pthread_mutex_lock(&p->lock);
  int64_t r;
  if (p->reader_gone) r = WASMPLUG_IO_CLOSED;
  else if (p->end == WH_PIPE_FAILED) r = WASMPLUG_IO_FAILED;
  else if (p->end != WH_PIPE_OPEN) r = WASMPLUG_IO_CLOSED;
  else r = (int64_t)room_of(p);
  pthread_mutex_unlock(&p->lock);
  return r;
}

static int64_t w_write(void *ctx, const uint8_t *buf, uint64_t len) {
  wh_pipe_t *p = ctx;
  pthread_mutex_lock(&p->lock);
  int64_t r = 0;
  if (p->reader_gone) r = WASMPLUG_IO_CLOSED;
  else if (p->end == WH_PIPE_FAILED) r = WASMPLUG_IO_FAILED;
  else if (p->end != WH_PIPE_OPEN) r = WASMPLUG_IO_CLOSED;
  else if (len > room_of(p)) r = WASMPLUG_IO_FAILED; /* past check-write: the io provider never does this */
  else if (!within_limits(p, (size_t)len, WH_ERR_RESPONSE_BODY_SIZE)) r = WASMPLUG_IO_FAILED;
  else if (append(p, buf, (size_t)len) != len) r = WASMPLUG_IO_FAILED;
  if (r == 0 && len) signal_change(p);
  unlock(p);
  return r;
}

static bool w_ready(void *ctx, int *fd, short *events, uint64_t *deadline) {
  wh_pipe_t *p = ctx;
  *deadline = 0;
  pthread_mutex_lock(&p->lock);
  bool ready = p->reader_gone || p->end != WH_PIPE_OPEN || room_of(p) || wait_on(p, fd, events);
  pthread_mutex_unlock(&p->lock);
  return ready;
}

/* future-trailers' pollable: ready when the writer ended. */
static bool e_ready(void *ctx, int *fd, short *events, uint64_t *deadline) {
  wh_pipe_t *p = ctx;
  *deadline = 0;
  pthread_mutex_lock(&p->lock);
  bool ready = p->end != WH_PIPE_OPEN || wait_on(p, fd, events);
  pthread_mutex_unlock(&p->lock);
  return ready;
}

const wasmplug_io_ops_t wh_pipe_end_ops = {
    sizeof(wasmplug_io_ops_t), NULL, NULL, NULL, NULL, e_ready, op_error, op_retain, op_release,
};

const wasmplug_io_ops_t wh_pipe_reader_ops = {
    sizeof(wasmplug_io_ops_t), r_read, NULL, NULL, NULL, r_ready, op_error, op_retain, op_release,
};

const wasmplug_io_ops_t wh_pipe_writer_ops = {
    sizeof(wasmplug_io_ops_t), NULL, w_check, w_write, NULL, w_ready, op_error, op_retain, op_release,
};
