/*
** p1_proc.c — proc_exit, and proc_raise, which wasmplug does not provide
** (signals have no meaning for a sandboxed guest): it answers ENOSYS,
** never a trap, so programs that merely import it still link and run.
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
