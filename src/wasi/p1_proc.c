/*
** p1_proc.c — proc_exit, and the preview1 functions wasmplug does not
** provide: proc_raise (signals have no meaning for a sandboxed guest) and
** the sock_* family (preview1 sockets only work on fds a host pre-opened,
** and wasmplug pre-opens none).  These answer ENOSYS / ENOTSUP (EBADF for
** a closed fd) — never a trap — so programs that merely import them still
** link and run.
*/
#include "p1.h"

wp_os_err_t wp_p1_proc_exit(p1_call_t *c, const wasmplug_val_raw_t *a) {
  /* The status is a u32 in preview1; hosts pass it on as an int, and the
  ** shell sees its low 8 bits. */
  c->trap = wasmplug_trap_new_exit((int)p1_u32(a, 0));
  return 0;
}

wp_os_err_t wp_p1_proc_raise(p1_call_t *c, const wasmplug_val_raw_t *a) {
  (void)c;
  (void)a;
  return WP_OS_ENOSYS;
}

/* A closed fd is EBADF; anything that is not a socket is ENOTSOCK, as
** POSIX and the reference have it (programs probe fds this way). */
static wp_os_err_t not_a_socket(p1_call_t *c, uint32_t fd) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd(c, fd, &err);
  if (!e) return err;
  if (e->type != WP_OS_FT_SOCKET_STREAM && e->type != WP_OS_FT_SOCKET_DGRAM)
    return WP_OS_ENOTSOCK;
  return WP_OS_ENOTSUP;
}

wp_os_err_t wp_p1_sock_accept(p1_call_t *c, const wasmplug_val_raw_t *a) {
  return not_a_socket(c, p1_u32(a, 0));
}

wp_os_err_t wp_p1_sock_recv(p1_call_t *c, const wasmplug_val_raw_t *a) {
  return not_a_socket(c, p1_u32(a, 0));
}

wp_os_err_t wp_p1_sock_send(p1_call_t *c, const wasmplug_val_raw_t *a) {
  return not_a_socket(c, p1_u32(a, 0));
}

wp_os_err_t wp_p1_sock_shutdown(p1_call_t *c, const wasmplug_val_raw_t *a) {
  return not_a_socket(c, p1_u32(a, 0));
}
