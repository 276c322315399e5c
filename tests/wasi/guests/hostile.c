/* hostile.wasm: calls preview1 functions with bad pointers, lengths, fds
** and strings.  Each must come back as the proper errno — the host must
** neither crash nor touch memory it was not given. */
#include <stdint.h>
#include <wasi/api.h>

#include "check.h"

/* proc_raise is in the witx but not in wasi-libc's header. */
__attribute__((import_module("wasi_snapshot_preview1"),
               import_name("proc_raise"))) extern uint16_t
raw_proc_raise(uint32_t sig);
/* Raw path_open taking (ptr, len), so lengths can lie. */
__attribute__((import_module("wasi_snapshot_preview1"),
               import_name("path_open"))) extern uint16_t
raw_path_open(uint32_t fd, uint32_t dirflags, uint32_t path, uint32_t len,
              uint32_t oflags, uint64_t rb, uint64_t ri, uint32_t fdflags,
              uint32_t out);
__attribute__((import_module("wasi_snapshot_preview1"),
               import_name("fd_write"))) extern uint16_t
raw_fd_write(uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out);

#define BAD ((void *)0xFFFFFFF0u) /* far beyond the guest's memory */

static int failures;
static void expect(const char *what, int got, int want) {
  printf("%s: %d\n", what, got);
  if (got != want) {
    printf("  MISMATCH: expected %d\n", want);
    failures++;
  }
}

int main(void) {
  static char buf[64];
  static __wasi_size_t out;
  __wasi_ciovec_t iov = {(const uint8_t *)"x\n", 2};
  __wasi_ciovec_t bad_iov = {BAD, 16};
  /* iovec array / buffers / result out of bounds */
  expect("fd_write iovs out of bounds", __wasi_fd_write(2, BAD, 1, &out),
         __WASI_ERRNO_FAULT);
  expect("fd_write buffer out of bounds", __wasi_fd_write(2, &bad_iov, 1, &out),
         __WASI_ERRNO_FAULT);
  expect("fd_write result out of bounds", __wasi_fd_write(2, &iov, 1, BAD),
         __WASI_ERRNO_FAULT);
  expect("fd_write iovs straddle the end",
         raw_fd_write(2, (uint32_t)__builtin_wasm_memory_size(0) * 65536 - 4,
                      1, (uint32_t)(uintptr_t)&out),
         __WASI_ERRNO_FAULT);
  expect("fd_write huge iovec count", __wasi_fd_write(2, &iov, 0x7FFFFFFF, &out),
         __WASI_ERRNO_FAULT);
  expect("fd_write misaligned result",
         raw_fd_write(2, (uint32_t)(uintptr_t)&iov, 1,
                      (uint32_t)(uintptr_t)buf + 1),
         __WASI_ERRNO_INVAL);
  expect("fd_read bad fd", __wasi_fd_read(77, (const __wasi_iovec_t *)&iov, 1, &out),
         __WASI_ERRNO_BADF);
  expect("fd_read huge fd", __wasi_fd_read(0xFFFFFFFFu, (const __wasi_iovec_t *)&iov, 1, &out),
         __WASI_ERRNO_BADF);
  expect("args_sizes_get out of bounds", __wasi_args_sizes_get(BAD, &out),
         __WASI_ERRNO_FAULT);
  expect("args_get out of bounds", __wasi_args_get(BAD, BAD),
         __WASI_ERRNO_FAULT);
  expect("environ_get out of bounds", __wasi_environ_get(BAD, BAD),
         __WASI_ERRNO_FAULT);
  expect("clock_time_get out of bounds",
         __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, BAD),
         __WASI_ERRNO_FAULT);
  __wasi_timestamp_t t;
  expect("clock_time_get bad clock", __wasi_clock_time_get(99, 1, &t),
         __WASI_ERRNO_INVAL);
  expect("random_get out of bounds", __wasi_random_get(BAD, 64),
         __WASI_ERRNO_FAULT);
  expect("random_get too long", __wasi_random_get((uint8_t *)buf, 0xFFFFFFFFu),
         __WASI_ERRNO_FAULT);
  expect("poll_oneoff out of bounds", __wasi_poll_oneoff(BAD, BAD, 1, &out),
         __WASI_ERRNO_FAULT);
  /* paths: out of bounds, invalid UTF-8, embedded NUL, too long */
  uint32_t fdout = (uint32_t)(uintptr_t)&out;
  expect("path_open path out of bounds",
         raw_path_open(3, 0, 0xFFFFFFF0u, 100, 0, 0, 0, 0, fdout),
         __WASI_ERRNO_FAULT);
  expect("path_open invalid UTF-8",
         raw_path_open(3, 0, (uint32_t)(uintptr_t)"a\xff", 2, 0, 0, 0, 0, fdout),
         __WASI_ERRNO_ILSEQ);
  expect("path_open overlong UTF-8",
         raw_path_open(3, 0, (uint32_t)(uintptr_t)"\xc0\xaf", 2, 0, 0, 0, 0, fdout),
         __WASI_ERRNO_ILSEQ);
  expect("path_open embedded NUL",
         raw_path_open(3, 0, (uint32_t)(uintptr_t)"a\0b", 3, 0, 0, 0, 0, fdout),
         __WASI_ERRNO_INVAL);
  expect("path_open empty path",
         raw_path_open(3, 0, (uint32_t)(uintptr_t)"", 0, 0, 0, 0, 0, fdout),
         __WASI_ERRNO_NOENT);
  expect("path_open bad oflags",
         raw_path_open(3, 0, (uint32_t)(uintptr_t)"x", 1, 0x100, 0, 0, 0, fdout),
         __WASI_ERRNO_INVAL);
  expect("path_open result out of bounds",
         raw_path_open(3, 0, (uint32_t)(uintptr_t)"x", 1, 0, 0, 0, 0, 0xFFFFFFF0u),
         __WASI_ERRNO_FAULT);
  expect("path_open on a non-directory fd",
         raw_path_open(1, 0, (uint32_t)(uintptr_t)"x", 1, 0, 0, 0, 0, fdout),
         __WASI_ERRNO_NOTDIR);
  __wasi_fd_t nfd;
  expect("path_open on a bad fd",
         __wasi_path_open(99, 0, "x", 0, 0, 0, 0, &nfd), __WASI_ERRNO_BADF);
  static char longpath[5000];
  memset(longpath, 'a', sizeof longpath - 1);
  expect("path_open path too long",
         __wasi_path_open(3, 0, longpath, 0, 0, 0, 0, &nfd),
         __WASI_ERRNO_NAMETOOLONG);
  expect("readlink buffer out of bounds",
         __wasi_path_readlink(3, "x", BAD, 10, &out), __WASI_ERRNO_FAULT);
  expect("readdir buffer out of bounds",
         __wasi_fd_readdir(3, BAD, 100, 0, &out), __WASI_ERRNO_FAULT);
  expect("readdir on a non-directory",
         __wasi_fd_readdir(1, (uint8_t *)buf, sizeof buf, 0, &out),
         __WASI_ERRNO_NOTDIR);
  __wasi_prestat_t ps;
  expect("prestat_get on stdout", __wasi_fd_prestat_get(1, &ps), __WASI_ERRNO_BADF);
  expect("prestat_dir_name too short",
         __wasi_fd_prestat_dir_name(3, (uint8_t *)buf, 1), __WASI_ERRNO_NAMETOOLONG);
  expect("fd_seek bad whence",
         __wasi_fd_seek(1, 0, 7, (__wasi_filesize_t *)buf), __WASI_ERRNO_INVAL);
  expect("fd_filestat_set_times bad flags",
         __wasi_fd_filestat_set_times(3, 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW),
         __WASI_ERRNO_INVAL);
  expect("fd_fdstat_set_rights grow", __wasi_fd_fdstat_set_rights(1, ~0ull, ~0ull),
         __WASI_ERRNO_NOTCAPABLE);
  /* unsupported functions answer, they don't trap */
  expect("proc_raise", raw_proc_raise(9), __WASI_ERRNO_NOSYS);
  expect("sock_accept on a non-socket", __wasi_sock_accept(1, 0, &nfd),
         __WASI_ERRNO_NOTSOCK);
  expect("sock_shutdown bad fd", __wasi_sock_shutdown(99, __WASI_SDFLAGS_RD),
         __WASI_ERRNO_BADF);
  /* closing, renumbering */
  expect("fd_close bad fd", __wasi_fd_close(1234), __WASI_ERRNO_BADF);
  expect("fd_renumber bad fd", __wasi_fd_renumber(1234, 1), __WASI_ERRNO_BADF);
  /* after all that, stdout still works */
  expect("fd_write ok", __wasi_fd_write(2, &iov, 1, &out), 0);
  printf("%d mismatches\n", failures);
  return failures ? 1 : 0;
}
