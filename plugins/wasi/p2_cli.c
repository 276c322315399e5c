/*
** p2_cli.c — wasi:cli (environment, exit, stdin/stdout/stderr, terminal-*).
**
** Stdio streams borrow the configured host fds (never closed).  exit and
** exit-with-code end the guest with host->exit (plugin ABI 1.1); on an
** older host, which has no way to end a guest but a trap, they trap.
*/
#include <string.h>
#include <unistd.h>

#include "p2.h"

int wasi_cli_environment_get_environment(wp2_ctx_t *cx, wp2_list_tuple2_string_string_t *ret) {
  wp2_inst_t *in = wp2_inst(cx);
  ret->ptr = wp2_alloc(cx, in->nenv * sizeof *ret->ptr, _Alignof(wp2_tuple2_string_string_t));
  if (!ret->ptr) return wp2_trap(cx, "out of memory");
  for (size_t i = 0; i < in->nenv; i++) {
    const char *kv = in->env[i], *eq = strchr(kv, '=');
    size_t nl = eq ? (size_t)(eq - kv) : strlen(kv);
    const char *v = eq ? eq + 1 : "";
    if (wp2_string_set(cx, &ret->ptr[i].f0, kv, nl) || wp2_string_set(cx, &ret->ptr[i].f1, v, strlen(v)))
      return wp2_trap(cx, "out of memory");
  }
  ret->len = in->nenv;
  return 0;
}

int wasi_cli_environment_get_arguments(wp2_ctx_t *cx, wp2_list_string_t *ret) {
  wp2_inst_t *in = wp2_inst(cx);
  ret->ptr = wp2_alloc(cx, in->nargs * sizeof *ret->ptr, _Alignof(wp2_string_t));
  if (!ret->ptr) return wp2_trap(cx, "out of memory");
  for (size_t i = 0; i < in->nargs; i++)
    if (wp2_string_set(cx, &ret->ptr[i], in->args[i], strlen(in->args[i]))) return wp2_trap(cx, "out of memory");
  ret->len = in->nargs;
  return 0;
}

/* The guest has no working directory of its own: paths are relative to
** preopens. */
int wasi_cli_environment_initial_cwd(wp2_ctx_t *cx, wp2_option_string_t *ret) {
  (void)cx;
  ret->is_some = false;
  return 0;
}

static int leave(wp2_ctx_t *cx, int status) {
  if (WASMPLUG_HOST_HAS(cx->host, exit)) return cx->host->exit(cx->call, status);
  return wp2_trap(cx, "wasi:cli/exit: exit status %d (this host cannot end a guest otherwise)", status);
}

int wasi_cli_exit_exit(wp2_ctx_t *cx, const wp2_result_void_void_t *status) { return leave(cx, status->is_err ? 1 : 0); }

int wasi_cli_exit_exit_with_code(wp2_ctx_t *cx, uint8_t status_code) { return leave(cx, status_code); }

static int stdio(wp2_ctx_t *cx, int which, wp2_kind_t kind, uint32_t *rep) {
  wp2_inst_t *in = wp2_inst(cx);
  if (!wp2_stream_new(in, kind, in->stdio[which], false, rep))
    return wp2_trap(cx, "wasi:cli: too many open resources");
  return 0;
}

int wasi_cli_stdin_get_stdin(wp2_ctx_t *cx, wasi_io_streams_own_input_stream_t *ret) {
  return stdio(cx, 0, WP2_INSTREAM, &ret->rep);
}
int wasi_cli_stdout_get_stdout(wp2_ctx_t *cx, wasi_io_streams_own_output_stream_t *ret) {
  return stdio(cx, 1, WP2_OUTSTREAM, &ret->rep);
}
int wasi_cli_stderr_get_stderr(wp2_ctx_t *cx, wasi_io_streams_own_output_stream_t *ret) {
  return stdio(cx, 2, WP2_OUTSTREAM, &ret->rep);
}

/* some(terminal) exactly when the host fd is a terminal. */
static int terminal(wp2_ctx_t *cx, int which, bool *is_some, uint32_t *rep) {
  wp2_inst_t *in = wp2_inst(cx);
  *is_some = false;
  if (!isatty(in->stdio[which])) return 0;
  if (!wp2_obj_new(in, WP2_TERMINAL, rep)) return wp2_trap(cx, "wasi:cli: too many open resources");
  *is_some = true;
  return 0;
}

int wasi_cli_terminal_stdin_get_terminal_stdin(wp2_ctx_t *cx, wp2_option_own_terminal_input_t *ret) {
  return terminal(cx, 0, &ret->is_some, &ret->val.rep);
}
int wasi_cli_terminal_stdout_get_terminal_stdout(wp2_ctx_t *cx, wp2_option_own_terminal_output_t *ret) {
  return terminal(cx, 1, &ret->is_some, &ret->val.rep);
}
int wasi_cli_terminal_stderr_get_terminal_stderr(wp2_ctx_t *cx, wp2_option_own_terminal_output_t *ret) {
  return terminal(cx, 2, &ret->is_some, &ret->val.rep);
}

void wasi_cli_terminal_input_terminal_input_destructor(wp2_ctx_t *cx, uint32_t rep) {
  wp2_obj_free(wp2_inst(cx), rep, WP2_TERMINAL);
}
void wasi_cli_terminal_output_terminal_output_destructor(wp2_ctx_t *cx, uint32_t rep) {
  wp2_obj_free(wp2_inst(cx), rep, WP2_TERMINAL);
}
