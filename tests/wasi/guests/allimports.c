/* allimports.wasm: imports every wasi_snapshot_preview1 function (the
** whole witx list: wasi-libc's header plus proc_raise), so it only runs if
** the runtime defines them all with the right types.  The calls are never
** made; they are there to force the imports. */
#include <stdint.h>
#include <stdio.h>
#include <wasi/api.h>

/* proc_raise is in the witx but not in wasi-libc's header. */
__attribute__((import_module("wasi_snapshot_preview1"),
               import_name("proc_raise"))) extern uint16_t
raw_proc_raise(uint32_t sig);

volatile int never;

int main(void) {
  if (never) {
    (void)__wasi_args_get(0,0);
    (void)__wasi_args_sizes_get(0,0);
    (void)__wasi_environ_get(0,0);
    (void)__wasi_environ_sizes_get(0,0);
    (void)__wasi_clock_res_get(0,0);
    (void)__wasi_clock_time_get(0,0,0);
    (void)__wasi_fd_advise(0,0,0,0);
    (void)__wasi_fd_allocate(0,0,0);
    (void)__wasi_fd_close(0);
    (void)__wasi_fd_datasync(0);
    (void)__wasi_fd_fdstat_get(0,0);
    (void)__wasi_fd_fdstat_set_flags(0,0);
    (void)__wasi_fd_fdstat_set_rights(0,0,0);
    (void)__wasi_fd_filestat_get(0,0);
    (void)__wasi_fd_filestat_set_size(0,0);
    (void)__wasi_fd_filestat_set_times(0,0,0,0);
    (void)__wasi_fd_pread(0,0,0,0,0);
    (void)__wasi_fd_prestat_get(0,0);
    (void)__wasi_fd_prestat_dir_name(0,0,0);
    (void)__wasi_fd_pwrite(0,0,0,0,0);
    (void)__wasi_fd_read(0,0,0,0);
    (void)__wasi_fd_readdir(0,0,0,0,0);
    (void)__wasi_fd_renumber(0,0);
    (void)__wasi_fd_seek(0,0,0,0);
    (void)__wasi_fd_sync(0);
    (void)__wasi_fd_tell(0,0);
    (void)__wasi_fd_write(0,0,0,0);
    (void)__wasi_path_create_directory(0,0);
    (void)__wasi_path_filestat_get(0,0,0,0);
    (void)__wasi_path_filestat_set_times(0,0,0,0,0,0);
    (void)__wasi_path_link(0,0,0,0,0);
    (void)__wasi_path_open(0,0,0,0,0,0,0,0);
    (void)__wasi_path_readlink(0,0,0,0,0);
    (void)__wasi_path_remove_directory(0,0);
    (void)__wasi_path_rename(0,0,0,0);
    (void)__wasi_path_symlink(0,0,0);
    (void)__wasi_path_unlink_file(0,0);
    (void)__wasi_poll_oneoff(0,0,0,0);
    (void)__wasi_sched_yield();
    (void)__wasi_random_get(0,0);
    (void)__wasi_sock_accept(0,0,0);
    (void)__wasi_sock_recv(0,0,0,0,0,0);
    (void)__wasi_sock_send(0,0,0,0,0);
    (void)__wasi_sock_shutdown(0,0);
    (void)raw_proc_raise(0);
    (void)__wasi_proc_exit(0);
  }
  printf("all 46 preview1 imports linked\n");
  return 0;
}
