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

/* Socket calls are unsupported on any open fd; a closed one is EBADF. */
static wp_os_err_t not_a_socket(p1_call_t *c, uint32_t fd) {
  wp_os_err_t err;
  return p1_fd(c, fd, &err) ? WP_OS_ENOTSUP : err;
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
