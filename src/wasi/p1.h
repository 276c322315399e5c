/*
** p1.h — shared by the wasi_snapshot_preview1 functions (p1_*.c).
**
** Every preview1 function is written as a p1_impl_t: it gets the call
** (context, the caller's memory) and the raw arguments, and returns a WASI
** errno, which p1_define.c's trampoline stores as the i32 result.  Guest
** pointers are only ever dereferenced through p1_ptr(), which checks bounds
** (EFAULT) and alignment (EINVAL) of the whole range first.
*/
#ifndef WASMPLUG_WASI_P1_H
#define WASMPLUG_WASI_P1_H

#include <stdint.h>
#include <string.h>

#include "ctx.h"
#include "wasmplug.h"

/* witx `rights` bits */
#define P1_RIGHT_FD_DATASYNC (1ull << 0)
#define P1_RIGHT_FD_READ (1ull << 1)
#define P1_RIGHT_FD_SEEK (1ull << 2)
#define P1_RIGHT_FD_FDSTAT_SET_FLAGS (1ull << 3)
#define P1_RIGHT_FD_SYNC (1ull << 4)
#define P1_RIGHT_FD_TELL (1ull << 5)
#define P1_RIGHT_FD_WRITE (1ull << 6)
#define P1_RIGHT_FD_ADVISE (1ull << 7)
#define P1_RIGHT_FD_ALLOCATE (1ull << 8)
#define P1_RIGHT_PATH_CREATE_DIRECTORY (1ull << 9)
#define P1_RIGHT_PATH_CREATE_FILE (1ull << 10)
#define P1_RIGHT_PATH_LINK_SOURCE (1ull << 11)
#define P1_RIGHT_PATH_LINK_TARGET (1ull << 12)
#define P1_RIGHT_PATH_OPEN (1ull << 13)
#define P1_RIGHT_FD_READDIR (1ull << 14)
#define P1_RIGHT_PATH_READLINK (1ull << 15)
#define P1_RIGHT_PATH_RENAME_SOURCE (1ull << 16)
#define P1_RIGHT_PATH_RENAME_TARGET (1ull << 17)
#define P1_RIGHT_PATH_FILESTAT_GET (1ull << 18)
#define P1_RIGHT_PATH_FILESTAT_SET_SIZE (1ull << 19)
#define P1_RIGHT_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define P1_RIGHT_FD_FILESTAT_GET (1ull << 21)
#define P1_RIGHT_FD_FILESTAT_SET_SIZE (1ull << 22)
#define P1_RIGHT_FD_FILESTAT_SET_TIMES (1ull << 23)
#define P1_RIGHT_PATH_SYMLINK (1ull << 24)
#define P1_RIGHT_PATH_REMOVE_DIRECTORY (1ull << 25)
#define P1_RIGHT_PATH_UNLINK_FILE (1ull << 26)
#define P1_RIGHT_POLL_FD_READWRITE (1ull << 27)
#define P1_RIGHT_SOCK_SHUTDOWN (1ull << 28)
#define P1_RIGHT_SOCK_ACCEPT (1ull << 29)

/* witx fdflags, oflags, lookupflags, fstflags */
#define P1_FDFLAG_APPEND 1u
#define P1_FDFLAG_DSYNC 2u
#define P1_FDFLAG_NONBLOCK 4u
#define P1_FDFLAG_RSYNC 8u
#define P1_FDFLAG_SYNC 16u
#define P1_OFLAG_CREAT 1u
#define P1_OFLAG_DIRECTORY 2u
#define P1_OFLAG_EXCL 4u
#define P1_OFLAG_TRUNC 8u
#define P1_LOOKUP_SYMLINK_FOLLOW 1u
#define P1_FST_ATIM 1u
#define P1_FST_ATIM_NOW 2u
#define P1_FST_MTIM 4u
#define P1_FST_MTIM_NOW 8u

/* The most rights a new fd may have (inheriting ones via *inh), given its
** type, open mode, whether it is beneath a read-only preopen and whether
** the host fd can seek. */
uint64_t wp_p1_rights(wp_wasi_fd_kind_t kind, wp_os_filetype_t type,
                      bool readable, bool writable, bool readonly,
                      bool seekable, uint64_t *inh);

/* One host call in progress. */
typedef struct p1_call {
  wp_wasi_ctx_t *ctx;
  uint8_t *mem;      /* base of the caller's memory, or NULL */
  uint64_t mem_size; /* 0 when the caller has no memory */
  wasmplug_trap_t *trap; /* set to end the guest (proc_exit) */
} p1_call_t;

typedef wp_os_err_t (*p1_impl_t)(p1_call_t *call, const wasmplug_val_raw_t *a);

/* Argument i as an unsigned 32/64-bit value. */
static inline uint32_t p1_u32(const wasmplug_val_raw_t *a, int i) {
  return (uint32_t)a[i].i32;
}
static inline uint64_t p1_u64(const wasmplug_val_raw_t *a, int i) {
  return (uint64_t)a[i].i64;
}

/* Host address of guest range [ptr, ptr+len), or NULL with *err set to
** EFAULT (out of bounds) or EINVAL (ptr not a multiple of `align`). */
uint8_t *p1_ptr(p1_call_t *c, uint32_t ptr, uint64_t len, uint32_t align,
                wp_os_err_t *err);

/* Little-endian stores/loads into checked host addresses (wasm memory is
** little-endian whatever the host is). */
static inline void p1_st16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
}
static inline void p1_st32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void p1_st64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t p1_ld16(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t p1_ld32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static inline uint64_t p1_ld64(const uint8_t *p) {
  return (uint64_t)p1_ld32(p) | (uint64_t)p1_ld32(p + 4) << 32;
}

/* Stores a u32/u64 result at a guest pointer (checked). */
wp_os_err_t p1_out32(p1_call_t *c, uint32_t ptr, uint32_t v);
wp_os_err_t p1_out64(p1_call_t *c, uint32_t ptr, uint64_t v);

/* Copies a guest path (ptr, len) into a fresh NUL-terminated host string,
** checked with wp_os_check_path().  Free with free(). */
wp_os_err_t p1_path(p1_call_t *c, uint32_t ptr, uint32_t len, char **out);

/* Gathers up to P1_MAX_IOVS guest iovecs (8 bytes each: buf, len) into
** `out` (room for min(n, P1_MAX_IOVS)), after checking the whole array and
** every buffer against the memory's bounds; empty buffers are dropped. */
#define P1_MAX_IOVS 1024
wp_os_err_t p1_iovecs(p1_call_t *c, uint32_t iovs, uint32_t n,
                      struct iovec *out, int *nout);

/* The fd entry, or NULL with *err = EBADF. */
wp_wasi_fd_t *p1_fd(p1_call_t *c, uint32_t fd, wp_os_err_t *err);
/* The same, when the fd also holds every right in `need`; otherwise NULL
** with *err = ENOTCAPABLE (EROFS when a read-only preopen is why). */
wp_wasi_fd_t *p1_fd_right(p1_call_t *c, uint32_t fd, uint64_t need,
                          wp_os_err_t *err);

/* Decodes a preview1 (atim, mtim, fst_flags) triple; EINVAL for bad flags. */
wp_os_err_t p1_times(uint64_t atim, uint64_t mtim, uint32_t flags,
                     wp_os_time_t *a, wp_os_time_t *m);

/* The preview1 filetype byte for an OS-layer type. */
uint8_t p1_filetype(wp_os_filetype_t t);
/* Writes a 64-byte `filestat` at a checked host address. */
void p1_store_filestat(uint8_t *p, const wp_os_stat_t *st);

/* The functions, by area (p1_args.c, p1_fd.c, p1_path.c, p1_poll.c,
** p1_proc.c); p1_define.c lists them with their wasm types. */
wp_os_err_t wp_p1_args_get(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_args_sizes_get(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_environ_get(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_environ_sizes_get(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_clock_res_get(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_clock_time_get(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_advise(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_allocate(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_close(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_datasync(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_fdstat_get(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_fdstat_set_flags(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_fdstat_set_rights(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_filestat_get(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_filestat_set_size(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_filestat_set_times(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_pread(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_prestat_get(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_prestat_dir_name(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_pwrite(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_read(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_readdir(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_renumber(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_seek(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_sync(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_tell(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_fd_write(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_path_create_directory(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_path_filestat_get(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_path_filestat_set_times(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_path_link(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_path_open(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_path_readlink(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_path_remove_directory(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_path_rename(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_path_symlink(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_path_unlink_file(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_poll_oneoff(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_proc_exit(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_proc_raise(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_sched_yield(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_random_get(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_sock_accept(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_sock_recv(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_sock_send(p1_call_t *c, const wasmplug_val_raw_t *a);
wp_os_err_t wp_p1_sock_shutdown(p1_call_t *c, const wasmplug_val_raw_t *a);

#endif
