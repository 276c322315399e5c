/*
** os.h — the WASI layer's OS layer (internal to src/wasi).
**
** Everything WASI needs from the host operating system, once, for both the
** preview1 ABI (p1_*.c) and the WASI 0.2 plugins: sandboxed path resolution
** beneath a directory handle, file and directory operations, clocks and
** random bytes.  Nothing here knows about guest memory: callers copy guest
** data in and out and pass host buffers.
**
** Errors are wp_os_err_t values numbered like WASI preview1's errno (0 is
** success).  That numbering is a superset of what both ABIs need: preview1
** uses it as is, WASI 0.2 maps it onto its `error-code` variant.
**
** Sandbox rule: a path handed to any *_at function is relative to a handle
** and may never name anything outside the directory tree of that handle.
** Absolute paths, ".." above the handle and symlinks whose target leaves
** the tree (absolute targets, too many ".." components) fail with
** WP_OS_ENOTCAPABLE.  Symlinks that stay inside are followed.
*/
#ifndef WASMPLUG_WASI_OS_H
#define WASMPLUG_WASI_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

typedef uint16_t wp_os_err_t;

/* WASI preview1 errno numbering (witx `errno`). */
enum {
  WP_OS_ESUCCESS = 0, WP_OS_E2BIG, WP_OS_EACCES, WP_OS_EADDRINUSE,
  WP_OS_EADDRNOTAVAIL, WP_OS_EAFNOSUPPORT, WP_OS_EAGAIN, WP_OS_EALREADY,
  WP_OS_EBADF, WP_OS_EBADMSG, WP_OS_EBUSY, WP_OS_ECANCELED, WP_OS_ECHILD,
  WP_OS_ECONNABORTED, WP_OS_ECONNREFUSED, WP_OS_ECONNRESET, WP_OS_EDEADLK,
  WP_OS_EDESTADDRREQ, WP_OS_EDOM, WP_OS_EDQUOT, WP_OS_EEXIST, WP_OS_EFAULT,
  WP_OS_EFBIG, WP_OS_EHOSTUNREACH, WP_OS_EIDRM, WP_OS_EILSEQ,
  WP_OS_EINPROGRESS, WP_OS_EINTR, WP_OS_EINVAL, WP_OS_EIO, WP_OS_EISCONN,
  WP_OS_EISDIR, WP_OS_ELOOP, WP_OS_EMFILE, WP_OS_EMLINK, WP_OS_EMSGSIZE,
  WP_OS_EMULTIHOP, WP_OS_ENAMETOOLONG, WP_OS_ENETDOWN, WP_OS_ENETRESET,
  WP_OS_ENETUNREACH, WP_OS_ENFILE, WP_OS_ENOBUFS, WP_OS_ENODEV, WP_OS_ENOENT,
  WP_OS_ENOEXEC, WP_OS_ENOLCK, WP_OS_ENOLINK, WP_OS_ENOMEM, WP_OS_ENOMSG,
  WP_OS_ENOPROTOOPT, WP_OS_ENOSPC, WP_OS_ENOSYS, WP_OS_ENOTCONN,
  WP_OS_ENOTDIR, WP_OS_ENOTEMPTY, WP_OS_ENOTRECOVERABLE, WP_OS_ENOTSOCK,
  WP_OS_ENOTSUP, WP_OS_ENOTTY, WP_OS_ENXIO, WP_OS_EOVERFLOW,
  WP_OS_EOWNERDEAD, WP_OS_EPERM, WP_OS_EPIPE, WP_OS_EPROTO,
  WP_OS_EPROTONOSUPPORT, WP_OS_EPROTOTYPE, WP_OS_ERANGE, WP_OS_EROFS,
  WP_OS_ESPIPE, WP_OS_ESRCH, WP_OS_ESTALE, WP_OS_ETIMEDOUT, WP_OS_ETXTBSY,
  WP_OS_EXDEV, WP_OS_ENOTCAPABLE
};

/* Maps a host errno value (as left in `errno`) to the numbering above. */
wp_os_err_t wp_os_err_from_errno(int host_errno);
/* A short name ("ENOENT"...) for messages and tests. */
const char *wp_os_err_name(wp_os_err_t err);

/* ----------------------------------------------------------------- handles */

/* A host fd plus what the guest may do through it.  `readonly` comes from a
** read-only preopen and is inherited by everything opened beneath it. */
typedef struct wp_os_handle {
  int fd;
  bool readonly;
} wp_os_handle_t;

/* Opens a host directory as the root of a sandbox (a preopen). */
wp_os_err_t wp_os_open_root(const char *host_path, bool readonly,
                            wp_os_handle_t *out);
void wp_os_close(wp_os_handle_t *h); /* closes h->fd (if >= 0), sets it -1 */

/* --------------------------------------------------------- path resolution */

/* Opens `path` beneath dir->fd with open(2) `flags` (O_CLOEXEC is added) and
** `mode`.  When `follow` is false a symlink as the last component is not
** followed (O_NOFOLLOW semantics).  Tries openat2(RESOLVE_BENEATH |
** RESOLVE_NO_MAGICLINKS) and falls back to wp_os_openat_walk() where the
** kernel lacks it.  Read-only handles refuse write access, O_CREAT and
** O_TRUNC with WP_OS_EROFS. */
wp_os_err_t wp_os_openat(const wp_os_handle_t *dir, const char *path,
                         int flags, unsigned mode, bool follow, int *out_fd);
/* The portable fallback, exposed so tests can exercise it on kernels that
** have openat2: a component-by-component walk that opens each directory with
** O_NOFOLLOW, expands symlinks itself (at most 40) and keeps a stack of the
** directories it walked through, so ".." can never climb above `dirfd`. */
wp_os_err_t wp_os_openat_walk(int dirfd, const char *path, int flags,
                              unsigned mode, bool follow, int *out_fd);

/* Resolves every component of `path` but the last beneath `dir` (following
** symlinks inside the sandbox) and returns the parent directory's fd (owned
** by the caller) and the last component in `leaf` (at most NAME_MAX bytes;
** "." when path names the directory itself, e.g. "a/.." or "."). */
#define WP_OS_LEAF_MAX 256
wp_os_err_t wp_os_resolve_parent(const wp_os_handle_t *dir, const char *path,
                                 int *parent_fd, char leaf[WP_OS_LEAF_MAX],
                                 bool *trailing_slash);

/* Fails with WP_OS_ENOTCAPABLE for paths that are absolute, and with
** WP_OS_EILSEQ / WP_OS_EINVAL for bytes that are not UTF-8 or contain NUL.
** `path` is a guest-supplied (ptr, len) that the caller has copied out. */
wp_os_err_t wp_os_check_path(const char *path, size_t len);

/* ------------------------------------------------------------- file types */

typedef enum wp_os_filetype {
  WP_OS_FT_UNKNOWN = 0,
  WP_OS_FT_BLOCK_DEVICE,
  WP_OS_FT_CHARACTER_DEVICE,
  WP_OS_FT_DIRECTORY,
  WP_OS_FT_REGULAR_FILE,
  WP_OS_FT_SOCKET_DGRAM,
  WP_OS_FT_SOCKET_STREAM,
  WP_OS_FT_SYMBOLIC_LINK,
  WP_OS_FT_FIFO, /* preview1 has no fifo type: it reports "unknown" */
} wp_os_filetype_t;

typedef struct wp_os_stat {
  uint64_t dev, ino;
  wp_os_filetype_t type;
  uint64_t nlink, size;
  uint64_t atim, mtim, ctim; /* nanoseconds since the Unix epoch */
} wp_os_stat_t;

/* A time to set: leave it, set it to "now", or to `ns`. */
typedef enum { WP_OS_TIME_OMIT = 0, WP_OS_TIME_NOW, WP_OS_TIME_SET } wp_os_time_how_t;
typedef struct wp_os_time {
  wp_os_time_how_t how;
  uint64_t ns;
} wp_os_time_t;

/* The file's identity (device and inode), mixed so the raw inode number
** does not show through: wasi:filesystem's metadata-hash, the same in WASI
** 0.2 and 0.3.  As in the reference it does not change when the file is
** written: the preview1 adapter reports it as the inode number, so it must
** stay the same for as long as the file exists. */
void wp_os_stat_identity(const wp_os_stat_t *st, uint64_t *lower, uint64_t *upper);

struct stat;
struct timespec;
/* Converts a host stat (used by the OS layer's own files). */
void wp_os_stat_from_host(const struct stat *st, wp_os_stat_t *out);
/* A host time as unsigned nanoseconds since the epoch: before 1970 is 0,
** past 64 bits saturates (the reference's answers; nothing wraps). */
uint64_t wp_os_ns_from_timespec(const struct timespec *ts);
/* A time to set as utimensat(2)/futimens(2) take it (UTIME_OMIT/NOW). */
void wp_os_time_to_timespec(wp_os_time_t t, struct timespec *out);

/* ------------------------------------------------------- path operations */

wp_os_err_t wp_os_stat_at(const wp_os_handle_t *dir, const char *path,
                          bool follow, wp_os_stat_t *out);
wp_os_err_t wp_os_utimes_at(const wp_os_handle_t *dir, const char *path,
                            bool follow, wp_os_time_t atim, wp_os_time_t mtim);
wp_os_err_t wp_os_mkdir_at(const wp_os_handle_t *dir, const char *path);
wp_os_err_t wp_os_rmdir_at(const wp_os_handle_t *dir, const char *path);
wp_os_err_t wp_os_unlink_at(const wp_os_handle_t *dir, const char *path);
wp_os_err_t wp_os_rename_at(const wp_os_handle_t *from_dir,
                            const char *from_path,
                            const wp_os_handle_t *to_dir, const char *to_path);
/* Creates a hard link; `follow` follows a symlink as from_path's last
** component. */
wp_os_err_t wp_os_link_at(const wp_os_handle_t *from_dir, const char *from_path,
                          bool follow, const wp_os_handle_t *to_dir,
                          const char *to_path);
/* Absolute targets are refused (WP_OS_ENOTCAPABLE): they could never be
** followed inside the sandbox anyway. */
wp_os_err_t wp_os_symlink_at(const char *target, const wp_os_handle_t *dir,
                             const char *path);
/* Copies at most `cap` bytes of the link's target (not NUL-terminated);
** *len receives how many. */
wp_os_err_t wp_os_readlink_at(const wp_os_handle_t *dir, const char *path,
                              char *buf, size_t cap, size_t *len);

/* ------------------------------------------------------ fd operations */

wp_os_err_t wp_os_readv(int fd, const struct iovec *iov, int n, size_t *done);
/* `type` is the fd's type as fstat gave it when it was opened (an open
** file never changes type): a write to a pipe or socket can raise SIGPIPE
** and is guarded against it; to a file or device it cannot, so it is not
** (3 system calls fewer per write).  WP_OS_FT_UNKNOWN: guarded. */
wp_os_err_t wp_os_writev(int fd, wp_os_filetype_t type, const struct iovec *iov, int n, size_t *done);
wp_os_err_t wp_os_preadv(int fd, const struct iovec *iov, int n,
                         uint64_t offset, size_t *done);
wp_os_err_t wp_os_pwritev(int fd, const struct iovec *iov, int n,
                          uint64_t offset, size_t *done);
/* whence: SEEK_SET, SEEK_CUR or SEEK_END. */
wp_os_err_t wp_os_seek(int fd, int64_t offset, int whence, uint64_t *pos);
wp_os_err_t wp_os_fstat(int fd, wp_os_stat_t *out);
wp_os_err_t wp_os_ftruncate(const wp_os_handle_t *h, uint64_t size);
wp_os_err_t wp_os_fallocate(const wp_os_handle_t *h, uint64_t off,
                            uint64_t len);
wp_os_err_t wp_os_futimes(const wp_os_handle_t *h, wp_os_time_t atim,
                          wp_os_time_t mtim);
wp_os_err_t wp_os_fdatasync(int fd);
wp_os_err_t wp_os_fsync(int fd);
/* advice: POSIX_FADV_* */
wp_os_err_t wp_os_fadvise(int fd, uint64_t off, uint64_t len, int advice);
/* The O_APPEND / O_NONBLOCK / O_SYNC / O_DSYNC bits of the open file. */
wp_os_err_t wp_os_get_flags(int fd, int *flags);
/* The same bits and whether the open file can be read and written (its
** access mode), from one fcntl. */
wp_os_err_t wp_os_get_status(int fd, int *flags, bool *readable, bool *writable);
/* Only O_APPEND and O_NONBLOCK can change once a file is open. */
wp_os_err_t wp_os_set_flags(int fd, int flags);

/* One directory entry.  `next` is the cookie that resumes after it. */
typedef struct wp_os_dirent {
  uint64_t next, ino;
  wp_os_filetype_t type;
  const char *name;
  size_t namelen;
} wp_os_dirent_t;
/* Return false to stop the iteration. */
typedef bool (*wp_os_dirent_cb)(void *data, const wp_os_dirent_t *ent);
/* Lists directory `fd` starting at `cookie` (0 = the beginning; otherwise a
** `next` from an earlier entry), "." and ".." included. */
wp_os_err_t wp_os_readdir(int fd, uint64_t cookie, wp_os_dirent_cb cb,
                          void *data);

/* ------------------------------------------------------------ sockets */

/* recvmsg(2); *truncated when a datagram did not fit. */
wp_os_err_t wp_os_recv(int fd, const struct iovec *iov, int n, bool peek,
                       bool waitall, size_t *done, bool *truncated);
/* sendmsg(2) without SIGPIPE. */
wp_os_err_t wp_os_send(int fd, const struct iovec *iov, int n, size_t *done);
/* shutdown(2) of the receiving side, the sending side, or both. */
wp_os_err_t wp_os_shutdown(int fd, bool rd, bool wr);
/* accept4(2): a new connection's fd (close-on-exec). */
wp_os_err_t wp_os_accept(int fd, bool nonblock, int *out);

/* ----------------------------------------------------------- deadlines
** A guest call with a time limit has a deadline (CLOCK_MONOTONIC ns; 0:
** none): wasmplug_call_deadline() for host code, host->deadline(call) for
** plugins (include/wasmplug.h explains the mechanism).  Functions that
** wait take it: they never wait past it, and return WP_OS_EINTR when they
** stop because of it.  Reads, writes and opens that block (pipes, ttys,
** FIFOs) are woken at the deadline by the watchdog's signal and return
** WP_OS_EINTR instead of retrying: no other signal interrupts them, as
** wasmplug installs no other handler without SA_RESTART.  The same signal
** ends a call interrupted from another thread (wasmplug_interrupt_handle_
** interrupt), with no deadline: after an EINTR the waits ask
** `interrupted` and return WP_OS_EINTR when it is true.  Who asks says
** how to know: preview1 (in libwasmplug) wasmplug_call_interrupted(),
** the WASI 0.2 plugin host->interrupted(call) (plugin ABI 1.4), which
** works in wasi-p2.so too, where nothing of libwasmplug is linked. */
typedef struct wp_os_stop {
  uint64_t deadline_ns;           /* 0: no time limit */
  bool (*interrupted)(void *arg); /* NULL: never interrupted */
  void *arg;
} wp_os_stop_t;

/* True once the call `stop` describes must end: its deadline passed or
** it was interrupted (stop NULL: never). */
bool wp_os_stopped(const wp_os_stop_t *stop);

/* ------------------------------------------------------------ clocks */

typedef enum wp_os_clock {
  WP_OS_CLOCK_REALTIME = 0,
  WP_OS_CLOCK_MONOTONIC,
  WP_OS_CLOCK_PROCESS_CPUTIME,
  WP_OS_CLOCK_THREAD_CPUTIME,
} wp_os_clock_t;

wp_os_err_t wp_os_clock_time(wp_os_clock_t clock, uint64_t *ns);
wp_os_err_t wp_os_clock_res(wp_os_clock_t clock, uint64_t *ns);
/* Sleeps until `clock` reads at least `ns` (absolute) or, when not
** absolute, for `ns`.  Only realtime and monotonic can be slept on.
** `stop` says when the guest call must end (see "Deadlines" above). */
wp_os_err_t wp_os_sleep(wp_os_clock_t clock, uint64_t ns, bool absolute,
                        const wp_os_stop_t *stop);

/* ------------------------------------------------------------ polling */

struct pollfd;
/* poll(2) with a nanosecond timeout (-1: none), retrying on EINTR with
** what is left of the timeout, and waiting no longer than `stop` allows
** (see "Deadlines" above). */
wp_os_err_t wp_os_poll(struct pollfd *fds, size_t n, int64_t timeout_ns,
                       const wp_os_stop_t *stop, int *ready);
/* How many bytes a read would return now, where the host can tell
** (files: size minus position; pipes, ttys and sockets: FIONREAD). */
wp_os_err_t wp_os_readable_bytes(int fd, uint64_t *n);

/* ------------------------------------------------------------ random */

/* Fills buf with cryptographically secure random bytes (getrandom). */
wp_os_err_t wp_os_random(void *buf, size_t len);

#endif /* WASMPLUG_WASI_OS_H */
