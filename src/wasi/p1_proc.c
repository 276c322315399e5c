/*
** p1_proc.c — proc_exit, and proc_raise, which wasmplug does not provide
** (signals have no meaning for a sandboxed guest): it answers ENOSYS,
** never a trap, so programs that merely import it still link and run.
*/
#include "p1.h"

wp_os_err_t wp_p1_proc_exit(p1_call_t *c, const wasmplug_val_raw_t *a) {
  /* The status is a u32 in preview1; hosts pass it on as an int, and the
  ** shell sees its low 8 bits. */
  uint32_t status = p1_u32(a, 0);
  /* A status the process exit cannot carry (the shell would see its low
  ** 8 bits: 256 as success) is refused, as Wasmtime refuses those outside
  ** its range, instead of being truncated. */
  if (status > 255)
    c->trap = wasmplug_trap_new(WASMPLUG_TRAP_HOST, "proc_exit: invalid exit status outside of [0..256)");
  else
    c->trap = wasmplug_trap_new_exit((int)status);
  return 0;
}

wp_os_err_t wp_p1_proc_raise(p1_call_t *c, const wasmplug_val_raw_t *a) {
  (void)c;
  (void)a;
  return WP_OS_ENOSYS;
}
