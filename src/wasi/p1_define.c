/*
** p1_define.c — puts every wasi_snapshot_preview1 function on a linker.
**
** The table below is the full witx list with each function's core wasm
** type ('i' = i32, 'I' = i64; every function but proc_exit returns an i32
** errno).  One trampoline serves them all: it fetches the caller's memory
** once, runs the function and stores its errno.
*/
#include <stdlib.h>

#include "p1.h"

typedef struct p1_entry {
  const char *name;
  const char *params;
  bool returns_errno;
  p1_impl_t impl;
} p1_entry_t;

static const p1_entry_t p1_table[] = {
  {"args_get", "ii", true, wp_p1_args_get},
  {"args_sizes_get", "ii", true, wp_p1_args_sizes_get},
  {"environ_get", "ii", true, wp_p1_environ_get},
  {"environ_sizes_get", "ii", true, wp_p1_environ_sizes_get},
  {"clock_res_get", "ii", true, wp_p1_clock_res_get},
  {"clock_time_get", "iIi", true, wp_p1_clock_time_get},
  {"fd_advise", "iIIi", true, wp_p1_fd_advise},
  {"fd_allocate", "iII", true, wp_p1_fd_allocate},
  {"fd_close", "i", true, wp_p1_fd_close},
  {"fd_datasync", "i", true, wp_p1_fd_datasync},
  {"fd_fdstat_get", "ii", true, wp_p1_fd_fdstat_get},
  {"fd_fdstat_set_flags", "ii", true, wp_p1_fd_fdstat_set_flags},
  {"fd_fdstat_set_rights", "iII", true, wp_p1_fd_fdstat_set_rights},
  {"fd_filestat_get", "ii", true, wp_p1_fd_filestat_get},
  {"fd_filestat_set_size", "iI", true, wp_p1_fd_filestat_set_size},
  {"fd_filestat_set_times", "iIIi", true, wp_p1_fd_filestat_set_times},
  {"fd_pread", "iiiIi", true, wp_p1_fd_pread},
  {"fd_prestat_get", "ii", true, wp_p1_fd_prestat_get},
  {"fd_prestat_dir_name", "iii", true, wp_p1_fd_prestat_dir_name},
  {"fd_pwrite", "iiiIi", true, wp_p1_fd_pwrite},
  {"fd_read", "iiii", true, wp_p1_fd_read},
  {"fd_readdir", "iiiIi", true, wp_p1_fd_readdir},
  {"fd_renumber", "ii", true, wp_p1_fd_renumber},
  {"fd_seek", "iIii", true, wp_p1_fd_seek},
  {"fd_sync", "i", true, wp_p1_fd_sync},
  {"fd_tell", "ii", true, wp_p1_fd_tell},
  {"fd_write", "iiii", true, wp_p1_fd_write},
  {"path_create_directory", "iii", true, wp_p1_path_create_directory},
  {"path_filestat_get", "iiiii", true, wp_p1_path_filestat_get},
  {"path_filestat_set_times", "iiiiIIi", true,
   wp_p1_path_filestat_set_times},
  {"path_link", "iiiiiii", true, wp_p1_path_link},
  {"path_open", "iiiiiIIii", true, wp_p1_path_open},
  {"path_readlink", "iiiiii", true, wp_p1_path_readlink},
  {"path_remove_directory", "iii", true, wp_p1_path_remove_directory},
  {"path_rename", "iiiiii", true, wp_p1_path_rename},
  {"path_symlink", "iiiii", true, wp_p1_path_symlink},
  {"path_unlink_file", "iii", true, wp_p1_path_unlink_file},
  {"poll_oneoff", "iiii", true, wp_p1_poll_oneoff},
  {"proc_exit", "i", false, wp_p1_proc_exit},
  {"proc_raise", "i", true, wp_p1_proc_raise},
  {"sched_yield", "", true, wp_p1_sched_yield},
  {"random_get", "ii", true, wp_p1_random_get},
  {"sock_accept", "iii", true, wp_p1_sock_accept},
  {"sock_recv", "iiiiii", true, wp_p1_sock_recv},
  {"sock_send", "iiiii", true, wp_p1_sock_send},
  {"sock_shutdown", "ii", true, wp_p1_sock_shutdown},
};

/* What each defined function's env points at (freed by the linker). */
typedef struct p1_binding {
  wp_wasi_ctx_t *ctx;
  p1_impl_t impl;
} p1_binding_t;

static wasmplug_trap_t *p1_trampoline(void *env, wasmplug_caller_t *caller,
                                      wasmplug_val_raw_t *args,
                                      size_t nargs) {
  (void)nargs;
  const p1_binding_t *b = env;
  p1_call_t call = {b->ctx, NULL, 0, NULL};
  wasmplug_memory_t *mem = wasmplug_caller_memory(caller);
  if (mem) {
    call.mem = wasmplug_memory_data(mem);
    call.mem_size = wasmplug_memory_size(mem);
    if (!call.mem) call.mem_size = 0;
  }
  wp_os_err_t err = b->impl(&call, args);
  if (call.trap) return call.trap;
  args[0].i32 = (int32_t)err;
  return NULL;
}

wasmplug_error_t *wp_wasi_p1_define(wasmplug_linker_t *linker,
                                    wp_wasi_ctx_t *ctx) {
  static const wasmplug_valkind_t result[1] = {WASMPLUG_I32};
  for (size_t i = 0; i < sizeof p1_table / sizeof p1_table[0]; i++) {
    const p1_entry_t *f = &p1_table[i];
    wasmplug_valkind_t params[16];
    uint32_t np = 0;
    for (const char *s = f->params; *s; s++)
      params[np++] = *s == 'I' ? WASMPLUG_I64 : WASMPLUG_I32;
    wasmplug_functype_t type = {np, f->returns_errno ? 1 : 0, params, result};
    p1_binding_t *b = malloc(sizeof *b);
    if (!b) return wasmplug_error_new("wasi: out of memory");
    b->ctx = ctx;
    b->impl = f->impl;
    wasmplug_error_t *err = wasmplug_linker_define_func(
        linker, "wasi_snapshot_preview1", f->name, &type, p1_trampoline, b,
        free);
    if (err) {
      free(b); /* the linker owns env only once the definition succeeded */
      return err;
    }
  }
  return NULL;
}
