/*
** p3_cli.c — wasi:cli@0.3 (environment, exit, stdin/stdout/stderr,
** terminal-*) and the stream pumps every stream<u8> of the plugin uses.
**
** A pump moves bytes between a file descriptor and a stream end, one
** buffer at a time: it reads the fd only after the guest took the whole
** previous buffer, and reads the guest's stream only after the fd took the
** whole previous one — the guest's pace and the kernel's, whichever is
** slower (backpressure).  The fd is touched only when poll(2) says it is
** ready; otherwise the host's event loop watches it (watch_fd), so the
** guest's thread never blocks in the kernel.  When the stream ends (the
** guest dropped its end, end of file, an error) the pump drops its end
** and resolves the call's future with ok or the error.
*/
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "p3.h"

/* ------------------------------------------------------------ pumps */

static void pump_step(wp3_op_t *op);

static void fut_written(void *arg, int result, uint32_t count) {
  (void)result;
  (void)count;
  wp3_op_t *op = arg;
  op->host->stream_drop(op->pi, op->fut);
  wp3_op_free(op);
}

void wp3_pump_finish(wp3_op_t *op, wp_os_err_t err) {
  if (op->watch) op->host->unwatch(op->pi, op->watch);
  op->watch = 0;
  if (op->waker) op->host->waker_delete(op->waker); /* (a wake not yet run is dropped) */
  op->waker = NULL;
  if (op->data) op->host->stream_drop(op->pi, op->data);
  op->data = 0;
  if (op->sock && op->fd >= 0) wp_os_shutdown(op->fd, !op->to_fd, op->to_fd);
  memset(&op->res, 0, sizeof op->res);
  if (err) {
    switch (op->domain) {
    case WP3_CLI:
      op->res.cli.is_err = true;
      op->res.cli.val.err = err == WP_OS_EPIPE ? WASI_CLI_TYPES_ERROR_CODE_PIPE
                            : err == WP_OS_EILSEQ ? WASI_CLI_TYPES_ERROR_CODE_ILLEGAL_BYTE_SEQUENCE
                                                  : WASI_CLI_TYPES_ERROR_CODE_IO;
      break;
    case WP3_FS:
      op->res.fs.is_err = true;
      op->res.fs.val.err = wp3_fs_error(err);
      break;
    case WP3_SOCK:
      op->res.sock.is_err = true;
      op->res.sock.val.err = wp3_sock_error(err);
      break;
    }
  }
  if (!op->fut || op->host->stream_write(op->pi, op->fut, &op->res, 1, fut_written, op)) {
    if (op->fut) op->host->stream_drop(op->pi, op->fut);
    wp3_op_free(op);
  }
}

/* The fd is ready (or was found ready): go on. */
static void fd_ready(void *arg, int revents) {
  (void)revents;
  wp3_op_t *op = arg;
  op->host->unwatch(op->pi, op->watch);
  op->watch = 0;
  pump_step(op);
}

/* True when op->fd can be read or written now without blocking; else the
** loop is asked to call pump_step again when it can. */
static bool ready(wp3_op_t *op, short events) {
  struct pollfd p = {op->fd, events, 0};
  if (poll(&p, 1, 0) == 1) return true;
  if (!(op->watch = op->host->watch_fd(op->pi, op->fd, events, fd_ready, op))) {
    wp3_pump_finish(op, WP_OS_EIO);
  }
  return false;
}

/* The guest took `count` bytes of what we wrote to its stream. */
static void data_written(void *arg, int result, uint32_t count) {
  wp3_op_t *op = arg;
  op->at += count;
  if (result == WASMPLUG_COPY_DROPPED) {
    wp3_pump_finish(op, 0); /* nobody reads any more: that is not an error of ours */
    return;
  }
  if (op->at >= op->len && !op->positioned) op->delivered = true;
  pump_step(op);
}

/* The loop came round after a delivery (the waker): go on. */
static void after_delivery(void *arg) { pump_step(arg); }

/* The zero-length write before reading the fd completed: the guest reads
** its stream (or dropped it: then nothing is read from the fd any more,
** as a shutdown of the read half). */
static void reader_waits(void *arg, int result, uint32_t count) {
  (void)count;
  wp3_op_t *op = arg;
  if (result == WASMPLUG_COPY_DROPPED) {
    wp3_pump_finish(op, 0);
    return;
  }
  op->reader_waits = true;
  pump_step(op);
}

/* The guest gave `count` bytes of its stream. */
static void data_read(void *arg, int result, uint32_t count) {
  wp3_op_t *op = arg;
  op->len = count;
  op->at = 0;
  if (result == WASMPLUG_COPY_DROPPED) op->eof = true;
  pump_step(op);
}

/* Writes what is buffered to the fd; 0 when all of it went, 1 when the fd
** is not ready (a watch is set), -1 when the op finished. */
static int flush(wp3_op_t *op) {
  while (op->at < op->len) {
    if (!op->positioned && !ready(op, POLLOUT)) return 1;
    size_t n = op->len - op->at;
    if (op->limit_chunk && n > PIPE_BUF) n = PIPE_BUF; /* what POLLOUT promises a pipe takes at once */
    ssize_t w;
    if (op->sock) w = send(op->fd, op->buf + op->at, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    else if (op->positioned) w = pwrite(op->fd, op->buf + op->at, n, (off_t)op->offset);
    else w = write(op->fd, op->buf + op->at, n);
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue; /* poll again */
    if (w <= 0) {
      wp3_pump_finish(op, w < 0 ? wp_os_err_from_errno(errno) : WP_OS_EIO);
      return -1;
    }
    op->at += (size_t)w;
    op->offset += (uint64_t)w;
  }
  return 0;
}

static void pump_step(wp3_op_t *op) {
  if (op->to_fd) {
    int f = flush(op);
    if (f) return;
    if (op->eof) {
      wp3_pump_finish(op, 0);
      return;
    }
    op->len = op->at = 0;
    if (op->append) { /* each write goes to the end as it is then */
      struct stat st;
      if (fstat(op->fd, &st)) {
        wp3_pump_finish(op, wp_os_err_from_errno(errno));
        return;
      }
      op->offset = (uint64_t)st.st_size;
    }
    if (op->host->stream_read(op->pi, op->data, op->buf, WP3_BUF, data_read, op)) wp3_pump_finish(op, WP_OS_EIO);
    return;
  }
  /* from the fd to the guest */
  if (op->at < op->len) {
    if (op->host->stream_write(op->pi, op->data, op->buf + op->at, (uint32_t)(op->len - op->at), data_written, op))
      wp3_pump_finish(op, WP_OS_EIO);
    return;
  }
  /* Nothing is read from the fd before the guest reads its stream: a
  ** zero-length write waits for that (or for the end's drop, which a wait
  ** on the fd alone would never see). */
  if (!op->reader_waits) {
    /* Right after bytes reached the guest its read is still pending (the
    ** Component Model keeps a reader pending until it takes its copy
    ** event), so a zero-length write now would complete at once, and if
    ** the pipe or socket then has nothing, the pump would wait on the fd
    ** alone: a guest that drops its stream then awaits the future would
    ** wait for the peer's next byte or EOF (wasi-testsuite's sockets-echo
    ** hung so: its client waits for the echo).  The write waits for the
    ** loop to come round (the guest has run), once per delivery.  Files
    ** (positioned) always have bytes or EOF: no wait. */
    if (op->delivered) {
      op->delivered = false;
      if (!op->waker) op->waker = op->host->waker_new(op->pi, after_delivery, op);
      if (op->waker) {
        op->host->wake(op->waker);
        return;
      }
    }
    if (op->host->stream_write(op->pi, op->data, op->buf, 0, reader_waits, op)) wp3_pump_finish(op, WP_OS_EIO);
    return;
  }
  if (!op->positioned && !ready(op, POLLIN)) return;
  ssize_t r;
  do {
    if (op->sock) r = recv(op->fd, op->buf, WP3_BUF, MSG_DONTWAIT);
    else if (op->positioned) r = pread(op->fd, op->buf, WP3_BUF, (off_t)op->offset);
    else r = read(op->fd, op->buf, WP3_BUF);
  } while (r < 0 && errno == EINTR);
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    if (!(op->watch = op->host->watch_fd(op->pi, op->fd, POLLIN, fd_ready, op))) wp3_pump_finish(op, WP_OS_EIO);
    return;
  }
  if (r <= 0) {
    wp3_pump_finish(op, r < 0 ? wp_os_err_from_errno(errno) : 0);
    return;
  }
  op->len = (size_t)r;
  op->at = 0;
  op->offset += (uint64_t)r;
  op->reader_waits = false;
  pump_step(op);
}

void wp3_pump_start(wp3_op_t *op) {
  struct stat st;
  if (!op->sock && !op->positioned && op->fd >= 0 && !fstat(op->fd, &st) && !S_ISREG(st.st_mode))
    op->limit_chunk = true;
  if (!(op->buf = malloc(WP3_BUF))) {
    wp3_pump_finish(op, WP_OS_ENOMEM);
    return;
  }
  pump_step(op);
}

/* ------------------------------------------------------------ environment */

int wasi_cli_environment_get_environment(wp3_ctx_t *cx, wp3_list_tuple2_string_string_t *ret) {
  wp3_inst_t *in = wp3_inst(cx);
  ret->ptr = wp3_alloc(cx, in->nenv * sizeof *ret->ptr, _Alignof(wp3_tuple2_string_string_t));
  if (!ret->ptr) return wp3_trap(cx, "out of memory");
  for (size_t i = 0; i < in->nenv; i++) {
    const char *kv = in->env[i], *eq = strchr(kv, '=');
    size_t nl = eq ? (size_t)(eq - kv) : strlen(kv);
    const char *v = eq ? eq + 1 : "";
    if (wp3_string_set(cx, &ret->ptr[i].f0, kv, nl) || wp3_string_set(cx, &ret->ptr[i].f1, v, strlen(v)))
      return wp3_trap(cx, "out of memory");
  }
  ret->len = in->nenv;
  return 0;
}

int wasi_cli_environment_get_arguments(wp3_ctx_t *cx, wp3_list_string_t *ret) {
  wp3_inst_t *in = wp3_inst(cx);
  ret->ptr = wp3_alloc(cx, in->nargs * sizeof *ret->ptr, _Alignof(wp3_string_t));
  if (!ret->ptr) return wp3_trap(cx, "out of memory");
  for (size_t i = 0; i < in->nargs; i++)
    if (wp3_string_set(cx, &ret->ptr[i], in->args[i], strlen(in->args[i]))) return wp3_trap(cx, "out of memory");
  ret->len = in->nargs;
  return 0;
}

/* The guest has no working directory of its own: paths are relative to
** preopens. */
int wasi_cli_environment_get_initial_cwd(wp3_ctx_t *cx, wp3_option_string_t *ret) {
  (void)cx;
  ret->is_some = false;
  return 0;
}

/* ------------------------------------------------------------ exit */

int wasi_cli_exit_exit(wp3_ctx_t *cx, const wp3_result_void_void_t *status) {
  return cx->host->exit(cx->call, status->is_err ? 1 : 0);
}

int wasi_cli_exit_exit_with_code(wp3_ctx_t *cx, uint8_t status_code) { return cx->host->exit(cx->call, status_code); }

/* ------------------------------------------------------------ stdio */

/* A pump over the host's stdio fd `which` (borrowed). */
static wp3_op_t *stdio_op(wp3_ctx_t *cx, int which) {
  wp3_op_t *op = wp3_op_new(cx);
  if (!op) return NULL;
  op->fd = wp3_inst(cx)->stdio[which];
  op->domain = WP3_CLI;
  op->to_fd = which != 0;
  return op;
}

int wasi_cli_stdin_read_via_stream(wp3_ctx_t *cx, wp3_tuple2_stream_u8_future_result_void_error_code_3_t *ret) {
  wp3_op_t *op = stdio_op(cx, 0);
  if (!op) return wp3_trap(cx, "wasi:cli/stdin: too many operations in flight");
  /* 0: the stream<u8>, 1: the future */
  if (cx->host->stream_new(cx->call, 0, &ret->f0, &op->data) ||
      cx->host->stream_new(cx->call, 1, &ret->f1, &op->fut)) {
    wp3_op_free(op);
    return wp3_trap(cx, "wasi:cli/stdin: cannot make a stream");
  }
  wp3_pump_start(op);
  return 0;
}

static int write_via_stream(wp3_ctx_t *cx, int which, wp3_stream_u8_t data, uint32_t *ret) {
  wp3_op_t *op = stdio_op(cx, which);
  if (!op) {
    cx->host->stream_drop(wp3_instance(cx), data);
    return wp3_trap(cx, "wasi:cli: too many operations in flight");
  }
  op->data = data;
  /* 0 is the stream<u8> parameter, 1 the future */
  if (cx->host->stream_new(cx->call, 1, ret, &op->fut)) {
    op->fut = 0;
    wp3_pump_finish(op, WP_OS_EIO);
    return wp3_trap(cx, "wasi:cli: cannot make a future");
  }
  wp3_pump_start(op);
  return 0;
}

int wasi_cli_stdout_write_via_stream(wp3_ctx_t *cx, wp3_stream_u8_t data, wp3_future_result_void_error_code_3_t *ret) {
  return write_via_stream(cx, 1, data, ret);
}

int wasi_cli_stderr_write_via_stream(wp3_ctx_t *cx, wp3_stream_u8_t data, wp3_future_result_void_error_code_3_t *ret) {
  return write_via_stream(cx, 2, data, ret);
}

/* ------------------------------------------------------------ terminals */

/* some(terminal) exactly when the host fd is a terminal. */
static int terminal(wp3_ctx_t *cx, int which, bool *is_some, uint32_t *rep) {
  wp3_inst_t *in = wp3_inst(cx);
  *is_some = false;
  if (!isatty(in->stdio[which])) return 0;
  if (!wp3_obj_new(in, WP3_TERMINAL, rep)) return wp3_trap(cx, "wasi:cli: too many open resources");
  *is_some = true;
  return 0;
}

int wasi_cli_terminal_stdin_get_terminal_stdin(wp3_ctx_t *cx, wp3_option_own_terminal_input_t *ret) {
  return terminal(cx, 0, &ret->is_some, &ret->val.rep);
}
int wasi_cli_terminal_stdout_get_terminal_stdout(wp3_ctx_t *cx, wp3_option_own_terminal_output_t *ret) {
  return terminal(cx, 1, &ret->is_some, &ret->val.rep);
}
int wasi_cli_terminal_stderr_get_terminal_stderr(wp3_ctx_t *cx, wp3_option_own_terminal_output_t *ret) {
  return terminal(cx, 2, &ret->is_some, &ret->val.rep);
}

void wasi_cli_terminal_input_terminal_input_destructor(wp3_ctx_t *cx, uint32_t rep) {
  wp3_obj_free(wp3_inst(cx), rep, WP3_TERMINAL);
}
void wasi_cli_terminal_output_terminal_output_destructor(wp3_ctx_t *cx, uint32_t rep) {
  wp3_obj_free(wp3_inst(cx), rep, WP3_TERMINAL);
}
