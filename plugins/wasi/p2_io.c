/*
** p2_io.c — wasi:io (error, poll, streams).
**
** Streams wrap a host fd, or another plugin's callbacks (wasmplug/io.h,
** made through p2_service.c: wasi:http's bodies), which every operation
** below checks first.  File streams (from a descriptor) read and write
** at their own offset with pread/pwrite, so they never disturb another
** stream over the same file; stdio and other unseekable fds use read/write
** and are polled for readiness.  Nothing here busy-waits: `blocking-*`
** and wasi:io/poll sleep in poll(2) until an fd is ready or the earliest
** clock deadline passes.
*/
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p2.h"

/* One read or write moves at most this much: results live in the call's
** arena, whose budget is finite. */
#define WP2_IO_CHUNK (1u << 20)
/* What check-write promises when the fd can take data. */
#define WP2_WRITE_BUDGET 65536u

/* ------------------------------------------------------- the call's end */

static bool call_interrupted(void *arg) {
  wp2_ctx_t *cx = arg;
  return WASMPLUG_HOST_HAS(cx->host, interrupted) && cx->host->interrupted(cx->call);
}

wp_os_stop_t wp2_stop(wp2_ctx_t *cx) {
  uint64_t d = WASMPLUG_HOST_HAS(cx->host, deadline) ? cx->host->deadline(cx->call) : 0;
  return (wp_os_stop_t){d, call_interrupted, cx};
}

/* ------------------------------------------------------------- errors */

static void stream_failed(wp2_ctx_t *cx, wasi_io_streams_stream_error_t *err, wp_os_err_t code) {
  uint32_t rep;
  wp2_obj_t *o = wp2_obj_new(wp2_inst(cx), WP2_ERROR, &rep);
  if (!o) { /* no room for the error object: report the stream closed */
    err->tag = WASI_IO_STREAMS_STREAM_ERROR_CLOSED;
    return;
  }
  o->u.error.code = code;
  err->tag = WASI_IO_STREAMS_STREAM_ERROR_LAST_OPERATION_FAILED;
  err->val.last_operation_failed.rep = rep;
}

static void stream_closed(wasi_io_streams_stream_error_t *err) { err->tag = WASI_IO_STREAMS_STREAM_ERROR_CLOSED; }

/* The error of another plugin's stream: its message and code. */
static void custom_failed(wp2_ctx_t *cx, wasi_io_streams_stream_error_t *err, const wasmplug_io_ops_t *ops,
                          void *ctx) {
  char msg[256] = "";
  uint32_t code = ops->error ? ops->error(ctx, msg, sizeof msg) : 0;
  msg[sizeof msg - 1] = 0;
  uint32_t rep;
  char *m = strdup(*msg ? msg : "the operation failed");
  wp2_obj_t *o = m ? wp2_obj_new(wp2_inst(cx), WP2_ERROR, &rep) : NULL;
  if (!o) {
    free(m);
    err->tag = WASI_IO_STREAMS_STREAM_ERROR_CLOSED;
    return;
  }
  o->u.error.ops = ops;
  o->u.error.ops_code = code;
  o->u.error.msg = m;
  err->tag = WASI_IO_STREAMS_STREAM_ERROR_LAST_OPERATION_FAILED;
  err->val.last_operation_failed.rep = rep;
}

int wasi_io_error_method_error_to_debug_string(wp2_ctx_t *cx, wasi_io_error_borrow_error_t self, wp2_string_t *ret) {
  wp2_obj_t *o = wp2_obj_get(wp2_inst(cx), self.rep, WP2_ERROR);
  if (!o) return wp2_trap(cx, "wasi:io/error: unknown error rep %u", self.rep);
  const char *s = o->u.error.msg ? o->u.error.msg : wp_os_err_name(o->u.error.code);
  if (wp2_string_set(cx, ret, s, strlen(s))) return wp2_trap(cx, "out of memory");
  return 0;
}

void wasi_io_error_error_destructor(wp2_ctx_t *cx, uint32_t rep) { wp2_obj_free(wp2_inst(cx), rep, WP2_ERROR); }

int wasi_filesystem_types_filesystem_error_code(wp2_ctx_t *cx, wasi_io_error_borrow_error_t err,
                                                 wp2_option_error_code_t *ret) {
  wp2_obj_t *o = wp2_obj_get(wp2_inst(cx), err.rep, WP2_ERROR);
  if (!o) return wp2_trap(cx, "wasi:io/error: unknown error rep %u", err.rep);
  if (o->u.error.ops) return 0; /* another plugin's error: not a filesystem one */
  ret->is_some = true;
  ret->val = wp2_fs_error(o->u.error.code);
  return 0;
}

/* -------------------------------------------------------------- poll */

int wp2_pollable_new(wp2_ctx_t *cx, wp2_poll_kind_t kind, int fd, uint64_t deadline, uint32_t *rep) {
  /* A pollable owns a dup of its fd: a guest that drops the stream first
  ** (WASI forbids it, nothing enforces it) cannot make us poll an fd
  ** number that was closed and reused for something else. */
  if (kind == WP2_POLL_READ || kind == WP2_POLL_WRITE) {
    if ((fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) return wp2_trap(cx, "wasi:io/poll: out of file descriptors");
  } else {
    fd = -1;
  }
  wp2_obj_t *o = wp2_obj_new(wp2_inst(cx), WP2_POLLABLE, rep);
  if (!o) {
    if (fd >= 0) close(fd);
    return wp2_trap(cx, "wasi:io/poll: too many open resources");
  }
  o->u.poll.kind = kind;
  o->u.poll.fd = fd;
  o->u.poll.deadline = deadline;
  return 0;
}

/* A pollable of another plugin's object (takes a reference on ctx). */
static int custom_pollable(wp2_ctx_t *cx, const wasmplug_io_ops_t *ops, void *ctx, uint32_t *rep) {
  wp2_obj_t *o = wp2_obj_new(wp2_inst(cx), WP2_POLLABLE, rep);
  if (!o) return wp2_trap(cx, "wasi:io/poll: too many open resources");
  o->u.poll.kind = WP2_POLL_CUSTOM;
  o->u.poll.fd = -1;
  o->u.poll.ops = ops;
  o->u.poll.ctx = ctx;
  if (ops->retain) ops->retain(ctx);
  return 0;
}

static uint64_t mono_now(void) {
  uint64_t t = 0;
  wp_os_clock_time(WP_OS_CLOCK_MONOTONIC, &t);
  return t;
}

/* Waits until at least one of `ps` is ready (or just checks, when !block);
** sets ready[i].  Returns 0, or an OS error from poll(2). */
static wp_os_err_t wait_ready(wp2_obj_t **ps, size_t n, bool *ready, bool block, const wp_os_stop_t *stop) {
  struct pollfd stack[16];
  struct pollfd *fds = n <= 16 ? stack : calloc(n, sizeof *fds);
  if (!fds) return WP_OS_ENOMEM;
  /* where each pollable's fd sits in fds (-1: none) */
  int sstack[16];
  int *slot = n <= 16 ? sstack : calloc(n, sizeof *slot);
  if (!slot) {
    if (fds != stack) free(fds);
    return WP_OS_ENOMEM;
  }
  wp_os_err_t err = 0;
  for (;;) {
    size_t nfds = 0;
    bool any = false;
    uint64_t now = mono_now(), earliest = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
      ready[i] = false;
      slot[i] = -1;
      switch (ps[i]->u.poll.kind) {
      case WP2_POLL_READY: ready[i] = any = true; break;
      case WP2_POLL_CLOCK:
        if (ps[i]->u.poll.deadline <= now) ready[i] = any = true;
        else if (ps[i]->u.poll.deadline < earliest) earliest = ps[i]->u.poll.deadline;
        break;
      case WP2_POLL_CUSTOM: {
        int fd = -1;
        short ev = 0;
        uint64_t dl = 0;
        if (ps[i]->u.poll.ops->ready(ps[i]->u.poll.ctx, &fd, &ev, &dl)) {
          ready[i] = any = true;
          break;
        }
        if (dl && dl < earliest) earliest = dl;
        if (fd >= 0) {
          slot[i] = (int)nfds;
          fds[nfds].fd = fd;
          fds[nfds].events = ev ? ev : POLLIN;
          fds[nfds].revents = 0;
          nfds++;
        }
        break;
      }
      default:
        slot[i] = (int)nfds;
        fds[nfds].fd = ps[i]->u.poll.fd;
        fds[nfds].events = ps[i]->u.poll.kind == WP2_POLL_READ ? POLLIN : POLLOUT;
        fds[nfds].revents = 0;
        nfds++;
        break;
      }
    }
    int64_t timeout = -1;
    if (any || !block) timeout = 0;
    else if (earliest != UINT64_MAX) timeout = (int64_t)(earliest - now);
    int nready = 0;
    if (nfds || timeout != 0) err = wp_os_poll(fds, nfds, timeout, stop, &nready);
    if (err) break;
    for (size_t i = 0; i < n; i++) {
      if (slot[i] < 0 || !fds[slot[i]].revents) continue;
      /* errors and hang-ups count as ready: the next read/write reports
      ** them; another plugin's fd only says "ask again" */
      if (ps[i]->u.poll.kind != WP2_POLL_CUSTOM) ready[i] = any = true;
    }
    now = mono_now();
    for (size_t i = 0; i < n; i++) {
      if (ps[i]->u.poll.kind == WP2_POLL_CLOCK && ps[i]->u.poll.deadline <= now) ready[i] = any = true;
      if (ps[i]->u.poll.kind == WP2_POLL_CUSTOM && !ready[i]) {
        int fd;
        short ev;
        uint64_t dl;
        if (ps[i]->u.poll.ops->ready(ps[i]->u.poll.ctx, &fd, &ev, &dl)) ready[i] = any = true;
      }
    }
    if (any || !block) break;
  }
  if (slot != sstack) free(slot);
  if (fds != stack) free(fds);
  return err;
}

int wasi_io_poll_method_pollable_ready(wp2_ctx_t *cx, wasi_io_poll_borrow_pollable_t self, bool *ret) {
  wp2_obj_t *o = wp2_obj_get(wp2_inst(cx), self.rep, WP2_POLLABLE);
  if (!o) return wp2_trap(cx, "wasi:io/poll: unknown pollable rep %u", self.rep);
  wait_ready(&o, 1, ret, false, NULL);
  return 0;
}

int wasi_io_poll_method_pollable_block(wp2_ctx_t *cx, wasi_io_poll_borrow_pollable_t self) {
  wp2_obj_t *o = wp2_obj_get(wp2_inst(cx), self.rep, WP2_POLLABLE);
  if (!o) return wp2_trap(cx, "wasi:io/poll: unknown pollable rep %u", self.rep);
  bool r;
  wp_os_stop_t stop = wp2_stop(cx);
  wp_os_err_t e = wait_ready(&o, 1, &r, true, &stop);
  if (e) return wp2_trap(cx, "wasi:io/poll: poll failed: %s", wp_os_err_name(e));
  return 0;
}

int wasi_io_poll_poll(wp2_ctx_t *cx, const wp2_list_borrow_pollable_t *in, wp2_list_u32_t *ret) {
  if (in->len == 0) return wp2_trap(cx, "wasi:io/poll#poll: empty list of pollables");
  if (in->len > WP2_MAX_OBJS) return wp2_trap(cx, "wasi:io/poll#poll: too many pollables");
  wp2_obj_t **ps = calloc(in->len, sizeof *ps);
  bool *ready = calloc(in->len, sizeof *ready);
  int rc = 0;
  if (!ps || !ready) {
    rc = wp2_trap(cx, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < in->len; i++)
    if (!(ps[i] = wp2_obj_get(wp2_inst(cx), in->ptr[i].rep, WP2_POLLABLE))) {
      rc = wp2_trap(cx, "wasi:io/poll#poll: unknown pollable rep %u", in->ptr[i].rep);
      goto out;
    }
  wp_os_stop_t stop = wp2_stop(cx);
  wp_os_err_t e = wait_ready(ps, in->len, ready, true, &stop);
  if (e) {
    rc = wp2_trap(cx, "wasi:io/poll#poll: poll failed: %s", wp_os_err_name(e));
    goto out;
  }
  size_t n = 0;
  for (size_t i = 0; i < in->len; i++) n += ready[i];
  ret->ptr = wp2_alloc(cx, n * sizeof(uint32_t), _Alignof(uint32_t));
  if (!ret->ptr) {
    rc = wp2_trap(cx, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < in->len; i++)
    if (ready[i]) ret->ptr[ret->len++] = (uint32_t)i;
out:
  free(ps);
  free(ready);
  return rc;
}

void wasi_io_poll_pollable_destructor(wp2_ctx_t *cx, uint32_t rep) { wp2_obj_free(wp2_inst(cx), rep, WP2_POLLABLE); }

/* ------------------------------------------------------------ streams */

wp2_obj_t *wp2_stream_new(wp2_inst_t *in, wp2_kind_t kind, int fd, bool owned, uint32_t *rep) {
  wp2_obj_t *o = wp2_obj_new(in, kind, rep);
  if (!o) return NULL;
  o->u.stream.fd = fd;
  o->u.stream.owned = owned;
  return o;
}

/* Waits until another plugin's object says it is ready. */
static wp_os_err_t custom_wait(const wasmplug_io_ops_t *ops, void *ctx, const wp_os_stop_t *stop) {
  for (;;) {
    int fd = -1;
    short ev = 0;
    uint64_t dl = 0;
    if (ops->ready(ctx, &fd, &ev, &dl)) return 0;
    struct pollfd p = {fd, ev ? ev : POLLIN, 0};
    int64_t timeout = -1;
    if (dl) {
      uint64_t now = mono_now();
      timeout = dl > now ? (int64_t)(dl - now) : 0;
    }
    if (fd < 0 && timeout < 0) return WP_OS_EINVAL; /* nothing would ever wake us */
    int nready = 0;
    wp_os_err_t e = wp_os_poll(&p, fd >= 0 ? 1 : 0, timeout, stop, &nready);
    if (e) return e;
  }
}

static int custom_read(wp2_ctx_t *cx, wp2_obj_t *o, uint64_t len, bool block, bool discard, wp2_list_u8_t *out,
                       uint64_t *count, wasi_io_streams_stream_error_t *err, bool *is_err) {
  uint8_t *buf = discard ? malloc(len) : wp2_alloc(cx, len, 1);
  if (!buf) return wp2_trap(cx, "out of memory");
  int64_t n;
  wp_os_stop_t stop = wp2_stop(cx);
  for (;;) {
    n = o->u.stream.ops->read(o->u.stream.ctx, buf, len);
    if (n != 0 || !block) break;
    wp_os_err_t e = custom_wait(o->u.stream.ops, o->u.stream.ctx, &stop);
    if (e) {
      if (discard) free(buf);
      stream_failed(cx, err, e);
      *is_err = true;
      return 0;
    }
  }
  if (discard) free(buf);
  if (n == WASMPLUG_IO_CLOSED || (n < 0 && n != WASMPLUG_IO_FAILED) || (uint64_t)n > len) {
    o->u.stream.closed = true;
    stream_closed(err);
    *is_err = true;
    return 0;
  }
  if (n == WASMPLUG_IO_FAILED) {
    o->u.stream.closed = true;
    custom_failed(cx, err, o->u.stream.ops, o->u.stream.ctx);
    *is_err = true;
    return 0;
  }
  *count = (uint64_t)n;
  if (out && n) {
    out->ptr = buf;
    out->len = (size_t)n;
  }
  return 0;
}

/* Reads at most len bytes; waits for data first when `block`.  Unseekable
** streams that have nothing yet return an empty list (not an error). */
static int do_read(wp2_ctx_t *cx, uint32_t rep, uint64_t len, bool block, bool discard, wp2_list_u8_t *out,
                   uint64_t *count, wasi_io_streams_stream_error_t *err, bool *is_err) {
  wp2_obj_t *o = wp2_obj_get(wp2_inst(cx), rep, WP2_INSTREAM);
  if (!o) return wp2_trap(cx, "wasi:io/streams: unknown input-stream rep %u", rep);
  *count = 0;
  if (o->u.stream.closed) {
    stream_closed(err);
    *is_err = true;
    return 0;
  }
  if (len > WP2_IO_CHUNK) len = WP2_IO_CHUNK;
  if (len == 0) return 0;
  if (o->u.stream.ops) return custom_read(cx, o, len, block, discard, out, count, err, is_err);
  if (!o->u.stream.positioned) {
    struct pollfd p = {o->u.stream.fd, POLLIN, 0};
    int nready = 0;
    wp_os_stop_t stop = wp2_stop(cx);
    wp_os_err_t e = wp_os_poll(&p, 1, block ? -1 : 0, &stop, &nready);
    if (e) {
      stream_failed(cx, err, e);
      *is_err = true;
      return 0;
    }
    if (!nready) return 0; /* nothing yet */
  }
  uint8_t *buf = discard ? malloc(len) : wp2_alloc(cx, len, 1);
  if (!buf) return wp2_trap(cx, "out of memory");
  struct iovec iov = {buf, len};
  size_t done = 0;
  wp_os_err_t e = o->u.stream.positioned ? wp_os_preadv(o->u.stream.fd, &iov, 1, o->u.stream.offset, &done)
                                         : wp_os_readv(o->u.stream.fd, &iov, 1, &done);
  if (discard) free(buf);
  if (e == WP_OS_EAGAIN) return 0;
  if (e) {
    stream_failed(cx, err, e);
    *is_err = true;
    return 0;
  }
  if (done == 0) { /* end of file / the writer closed the pipe */
    o->u.stream.closed = true;
    stream_closed(err);
    *is_err = true;
    return 0;
  }
  o->u.stream.offset += done;
  *count = done;
  if (out) {
    out->ptr = buf;
    out->len = done;
  }
  return 0;
}

int wasi_io_streams_method_input_stream_read(wp2_ctx_t *cx, wasi_io_streams_borrow_input_stream_t self, uint64_t len,
                                             wp2_result_list_u8_stream_error_t *ret) {
  uint64_t n;
  return do_read(cx, self.rep, len, false, false, &ret->val.ok, &n, &ret->val.err, &ret->is_err);
}

int wasi_io_streams_method_input_stream_blocking_read(wp2_ctx_t *cx, wasi_io_streams_borrow_input_stream_t self,
                                                      uint64_t len, wp2_result_list_u8_stream_error_t *ret) {
  uint64_t n;
  return do_read(cx, self.rep, len, true, false, &ret->val.ok, &n, &ret->val.err, &ret->is_err);
}

int wasi_io_streams_method_input_stream_skip(wp2_ctx_t *cx, wasi_io_streams_borrow_input_stream_t self, uint64_t len,
                                             wp2_result_u64_stream_error_t *ret) {
  return do_read(cx, self.rep, len, false, true, NULL, &ret->val.ok, &ret->val.err, &ret->is_err);
}

int wasi_io_streams_method_input_stream_blocking_skip(wp2_ctx_t *cx, wasi_io_streams_borrow_input_stream_t self,
                                                      uint64_t len, wp2_result_u64_stream_error_t *ret) {
  return do_read(cx, self.rep, len, true, true, NULL, &ret->val.ok, &ret->val.err, &ret->is_err);
}

int wasi_io_streams_method_input_stream_subscribe(wp2_ctx_t *cx, wasi_io_streams_borrow_input_stream_t self,
                                                  wasi_io_poll_own_pollable_t *ret) {
  wp2_obj_t *o = wp2_obj_get(wp2_inst(cx), self.rep, WP2_INSTREAM);
  if (!o) return wp2_trap(cx, "wasi:io/streams: unknown input-stream rep %u", self.rep);
  if (o->u.stream.ops && !o->u.stream.closed) return custom_pollable(cx, o->u.stream.ops, o->u.stream.ctx, &ret->rep);
  bool always = o->u.stream.positioned || o->u.stream.closed;
  return wp2_pollable_new(cx, always ? WP2_POLL_READY : WP2_POLL_READ, o->u.stream.fd, 0, &ret->rep);
}

void wasi_io_streams_input_stream_destructor(wp2_ctx_t *cx, uint32_t rep) {
  wp2_obj_free(wp2_inst(cx), rep, WP2_INSTREAM);
}

static wp2_obj_t *out_stream(wp2_ctx_t *cx, uint32_t rep) { return wp2_obj_get(wp2_inst(cx), rep, WP2_OUTSTREAM); }

/* Writes all of buf (waiting in poll(2) while a non-blocking fd is full). */
static wp_os_err_t write_all(wp2_obj_t *o, const uint8_t *buf, size_t len, const wp_os_stop_t *stop) {
  while (len) {
    struct iovec iov = {(void *)buf, len};
    size_t done = 0;
    wp_os_err_t e;
    if (o->u.stream.append) {
      wp_os_stat_t st;
      if ((e = wp_os_fstat(o->u.stream.fd, &st))) return e;
      o->u.stream.offset = st.size;
    }
    if (o->u.stream.positioned || o->u.stream.append)
      e = wp_os_pwritev(o->u.stream.fd, &iov, 1, o->u.stream.offset, &done);
    else
      e = wp_os_writev(o->u.stream.fd, WP_OS_FT_UNKNOWN, &iov, 1, &done); /* any stream: guarded */
    if (e == WP_OS_EAGAIN) {
      struct pollfd p = {o->u.stream.fd, POLLOUT, 0};
      int nready;
      if ((e = wp_os_poll(&p, 1, -1, stop, &nready))) return e;
      continue;
    }
    if (e) return e;
    o->u.stream.offset += done;
    buf += done;
    len -= done;
  }
  return 0;
}

/* Another plugin's output stream: WASI lets a guest write at most what
** check-write allowed, so a write it cannot take now fails the stream
** (never a silent drop); a flush (len 0) waits for it to drain. */
static int custom_write(wp2_ctx_t *cx, wp2_obj_t *o, const uint8_t *buf, size_t len,
                        wp2_result_void_stream_error_t *ret) {
  const wasmplug_io_ops_t *ops = o->u.stream.ops;
  int64_t r = 0;
  wp_os_stop_t stop = wp2_stop(cx);
  while (len) {
    int64_t room = ops->check_write(o->u.stream.ctx);
    if (room < 0) {
      r = room;
      break;
    }
    if (room == 0) { /* a blocking write, or a guest ignoring check-write: wait */
      wp_os_err_t e = custom_wait(ops, o->u.stream.ctx, &stop);
      if (e) {
        o->u.stream.closed = true;
        ret->is_err = true;
        stream_failed(cx, &ret->val.err, e);
        return 0;
      }
      continue;
    }
    size_t n = (uint64_t)room < len ? (size_t)room : len;
    if ((r = ops->write(o->u.stream.ctx, buf, n)) < 0) break;
    buf += n;
    len -= n;
  }
  if (r >= 0 && ops->flush) r = ops->flush(o->u.stream.ctx);
  if (r >= 0) return 0;
  o->u.stream.closed = true;
  ret->is_err = true;
  if (r == WASMPLUG_IO_FAILED) custom_failed(cx, &ret->val.err, ops, o->u.stream.ctx);
  else stream_closed(&ret->val.err);
  return 0;
}

static int do_write(wp2_ctx_t *cx, uint32_t rep, const uint8_t *buf, size_t len, wp2_result_void_stream_error_t *ret) {
  wp2_obj_t *o = out_stream(cx, rep);
  if (!o) return wp2_trap(cx, "wasi:io/streams: unknown output-stream rep %u", rep);
  if (o->u.stream.closed) {
    ret->is_err = true;
    stream_closed(&ret->val.err);
    return 0;
  }
  if (o->u.stream.ops) return custom_write(cx, o, buf, len, ret);
  wp_os_stop_t stop = wp2_stop(cx);
  wp_os_err_t e = write_all(o, buf, len, &stop);
  if (e) {
    /* a failed write closes the stream: later writes report `closed`.  A
    ** reader that went away (EPIPE) is the stream's end, not a failure:
    ** `closed` at once, as in the reference. */
    o->u.stream.closed = true;
    ret->is_err = true;
    if (e == WP_OS_EPIPE) stream_closed(&ret->val.err);
    else stream_failed(cx, &ret->val.err, e);
  }
  return 0;
}

int wasi_io_streams_method_output_stream_check_write(wp2_ctx_t *cx, wasi_io_streams_borrow_output_stream_t self,
                                                     wp2_result_u64_stream_error_t *ret) {
  wp2_obj_t *o = out_stream(cx, self.rep);
  if (!o) return wp2_trap(cx, "wasi:io/streams: unknown output-stream rep %u", self.rep);
  if (o->u.stream.closed) {
    ret->is_err = true;
    stream_closed(&ret->val.err);
    return 0;
  }
  if (o->u.stream.ops) {
    int64_t room = o->u.stream.ops->check_write(o->u.stream.ctx);
    if (room >= 0) {
      ret->val.ok = (uint64_t)room;
    } else {
      o->u.stream.closed = true;
      ret->is_err = true;
      if (room == WASMPLUG_IO_FAILED) custom_failed(cx, &ret->val.err, o->u.stream.ops, o->u.stream.ctx);
      else stream_closed(&ret->val.err);
    }
    return 0;
  }
  ret->val.ok = WP2_WRITE_BUDGET;
  if (!o->u.stream.positioned && !o->u.stream.append) {
    struct pollfd p = {o->u.stream.fd, POLLOUT, 0};
    int nready = 0;
    if (wp_os_poll(&p, 1, 0, NULL, &nready) == 0 && !nready) ret->val.ok = 0;
  }
  return 0;
}

int wasi_io_streams_method_output_stream_write(wp2_ctx_t *cx, wasi_io_streams_borrow_output_stream_t self,
                                               const wp2_list_u8_t *contents, wp2_result_void_stream_error_t *ret) {
  return do_write(cx, self.rep, contents->ptr, contents->len, ret);
}

int wasi_io_streams_method_output_stream_blocking_write_and_flush(wp2_ctx_t *cx,
                                                                  wasi_io_streams_borrow_output_stream_t self,
                                                                  const wp2_list_u8_t *contents,
                                                                  wp2_result_void_stream_error_t *ret) {
  if (contents->len > 4096) return wp2_trap(cx, "wasi:io/streams: blocking-write-and-flush of more than 4096 bytes");
  return do_write(cx, self.rep, contents->ptr, contents->len, ret);
}

/* Writes go straight to the fd: there is never anything to flush. */
int wasi_io_streams_method_output_stream_flush(wp2_ctx_t *cx, wasi_io_streams_borrow_output_stream_t self,
                                               wp2_result_void_stream_error_t *ret) {
  return do_write(cx, self.rep, NULL, 0, ret);
}

int wasi_io_streams_method_output_stream_blocking_flush(wp2_ctx_t *cx, wasi_io_streams_borrow_output_stream_t self,
                                                        wp2_result_void_stream_error_t *ret) {
  return do_write(cx, self.rep, NULL, 0, ret);
}

int wasi_io_streams_method_output_stream_subscribe(wp2_ctx_t *cx, wasi_io_streams_borrow_output_stream_t self,
                                                   wasi_io_poll_own_pollable_t *ret) {
  wp2_obj_t *o = out_stream(cx, self.rep);
  if (!o) return wp2_trap(cx, "wasi:io/streams: unknown output-stream rep %u", self.rep);
  if (o->u.stream.ops && !o->u.stream.closed) return custom_pollable(cx, o->u.stream.ops, o->u.stream.ctx, &ret->rep);
  bool always = o->u.stream.positioned || o->u.stream.append || o->u.stream.closed;
  return wp2_pollable_new(cx, always ? WP2_POLL_READY : WP2_POLL_WRITE, o->u.stream.fd, 0, &ret->rep);
}

static int write_zeroes(wp2_ctx_t *cx, uint32_t rep, uint64_t len, wp2_result_void_stream_error_t *ret) {
  static const uint8_t zeroes[4096];
  if (len > WP2_IO_CHUNK) return wp2_trap(cx, "wasi:io/streams: write-zeroes of more than check-write allowed");
  do {
    size_t n = len > sizeof zeroes ? sizeof zeroes : (size_t)len;
    int rc = do_write(cx, rep, zeroes, n, ret);
    if (rc || ret->is_err) return rc;
    len -= n;
  } while (len);
  return 0;
}

int wasi_io_streams_method_output_stream_write_zeroes(wp2_ctx_t *cx, wasi_io_streams_borrow_output_stream_t self,
                                                      uint64_t len, wp2_result_void_stream_error_t *ret) {
  return write_zeroes(cx, self.rep, len, ret);
}

int wasi_io_streams_method_output_stream_blocking_write_zeroes_and_flush(wp2_ctx_t *cx,
                                                                         wasi_io_streams_borrow_output_stream_t self,
                                                                         uint64_t len,
                                                                         wp2_result_void_stream_error_t *ret) {
  return write_zeroes(cx, self.rep, len, ret);
}

static int do_splice(wp2_ctx_t *cx, uint32_t dst, uint32_t src, uint64_t len, bool block,
                  wp2_result_u64_stream_error_t *ret) {
  if (!out_stream(cx, dst)) return wp2_trap(cx, "wasi:io/streams: unknown output-stream rep %u", dst);
  wp2_list_u8_t data = {0};
  uint64_t n = 0;
  int rc = do_read(cx, src, len, block, false, &data, &n, &ret->val.err, &ret->is_err);
  if (rc || ret->is_err || !n) return rc;
  wp2_result_void_stream_error_t w = {0};
  if ((rc = do_write(cx, dst, data.ptr, data.len, &w))) return rc;
  if (w.is_err) {
    ret->is_err = true;
    ret->val.err = w.val.err;
    return 0;
  }
  ret->val.ok = n;
  return 0;
}

int wasi_io_streams_method_output_stream_splice(wp2_ctx_t *cx, wasi_io_streams_borrow_output_stream_t self,
                                                wasi_io_streams_borrow_input_stream_t src, uint64_t len,
                                                wp2_result_u64_stream_error_t *ret) {
  return do_splice(cx, self.rep, src.rep, len, false, ret);
}

int wasi_io_streams_method_output_stream_blocking_splice(wp2_ctx_t *cx, wasi_io_streams_borrow_output_stream_t self,
                                                         wasi_io_streams_borrow_input_stream_t src, uint64_t len,
                                                         wp2_result_u64_stream_error_t *ret) {
  return do_splice(cx, self.rep, src.rep, len, true, ret);
}

void wasi_io_streams_output_stream_destructor(wp2_ctx_t *cx, uint32_t rep) {
  wp2_obj_free(wp2_inst(cx), rep, WP2_OUTSTREAM);
}
