/*
** os_file.c — operations on an open host fd: read/write (plain and
** positioned), seek, stat, truncate, allocate, times, sync, advice and the
** append/non-blocking flags.
**
** Operations that change a file check the handle's read-only bit as well:
** a file opened read-only already refuses writes, but futimens() or
** ftruncate() on a writable inode would not.
*/
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os.h"


static wp_os_err_t done_or_err(ssize_t n, size_t *done) {
  if (n < 0) return wp_os_err_from_errno(errno);
  *done = (size_t)n;
  return 0;
}

/* readv and writev do not retry EINTR: on a pipe, tty or socket they
** block, and only the watchdog interrupts them (see os.h, "Deadlines"). */
wp_os_err_t wp_os_readv(int fd, const struct iovec *iov, int n, size_t *done) {
  return done_or_err(readv(fd, iov, n), done);
}

wp_os_err_t wp_os_writev(int fd, wp_os_filetype_t type, const struct iovec *iov, int n,
                         size_t *done) {
  /* The kernel raises SIGPIPE only for pipes (FIFOs) and sockets: a write
  ** to a regular file or a device needs none of the masking below, whose
  ** three system calls were most of a small write's cost. */
  if (type == WP_OS_FT_REGULAR_FILE || type == WP_OS_FT_CHARACTER_DEVICE || type == WP_OS_FT_BLOCK_DEVICE)
    return done_or_err(writev(fd, iov, n), done);
  /* A write to a pipe nobody reads raises SIGPIPE, whose default action
  ** kills the whole host.  The guest must get EPIPE instead, without
  ** touching the process-wide disposition (the embedder's): block SIGPIPE
  ** in this thread for the write and consume the one it generated. */
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  bool was_pending = false;
  if (!sigismember(&old, SIGPIPE)) {
    sigset_t pending;
    sigpending(&pending);
    was_pending = sigismember(&pending, SIGPIPE);
  }
  ssize_t r = writev(fd, iov, n);
  int e = errno;
  if (r < 0 && e == EPIPE && !was_pending && !sigismember(&old, SIGPIPE)) {
    const struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  errno = e;
  return done_or_err(r, done);
}

wp_os_err_t wp_os_preadv(int fd, const struct iovec *iov, int n,
                         uint64_t offset, size_t *done) {
  if (offset > INT64_MAX) return WP_OS_EINVAL;
  ssize_t r;
  do r = preadv(fd, iov, n, (off_t)offset); while (r < 0 && errno == EINTR);
  return done_or_err(r, done);
}

wp_os_err_t wp_os_pwritev(int fd, const struct iovec *iov, int n,
                          uint64_t offset, size_t *done) {
  if (offset > INT64_MAX) return WP_OS_EINVAL;
  ssize_t r;
  do r = pwritev(fd, iov, n, (off_t)offset); while (r < 0 && errno == EINTR);
  return done_or_err(r, done);
}

wp_os_err_t wp_os_seek(int fd, int64_t offset, int whence, uint64_t *pos) {
  off_t r = lseek(fd, (off_t)offset, whence);
  if (r < 0) return wp_os_err_from_errno(errno);
  *pos = (uint64_t)r;
  return 0;
}

static uint64_t mix64(uint64_t x) {
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9u;
  x ^= x >> 29;
  x *= 0x94d049bb133111ebu;
  x ^= x >> 32;
  return x;
}

void wp_os_stat_identity(const wp_os_stat_t *st, uint64_t *lower, uint64_t *upper) {
  *lower = mix64(st->dev * 0x9e3779b97f4a7c15u ^ st->ino);
  *upper = mix64(*lower ^ 0x5851f42d4c957f2du);
}

wp_os_err_t wp_os_fstat(int fd, wp_os_stat_t *out) {
  struct stat st;
  if (fstat(fd, &st) < 0) return wp_os_err_from_errno(errno);
  wp_os_stat_from_host(&st, out);
  /* The mode says "socket"; only the socket knows whether it is a
  ** datagram one. */
  int type;
  socklen_t len = sizeof type;
  if (out->type == WP_OS_FT_SOCKET_STREAM &&
      getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
      type == SOCK_DGRAM)
    out->type = WP_OS_FT_SOCKET_DGRAM;
  return 0;
}

wp_os_err_t wp_os_ftruncate(const wp_os_handle_t *h, uint64_t size) {
  if (h->readonly) return WP_OS_EROFS;
  if (size > INT64_MAX) return WP_OS_EFBIG;
  int r;
  do r = ftruncate(h->fd, (off_t)size); while (r < 0 && errno == EINTR);
  return r < 0 ? wp_os_err_from_errno(errno) : 0;
}

wp_os_err_t wp_os_fallocate(const wp_os_handle_t *h, uint64_t off,
                            uint64_t len) {
  if (h->readonly) return WP_OS_EROFS;
  if (off > INT64_MAX || len > INT64_MAX || off + len > INT64_MAX)
    return WP_OS_EFBIG;
  int r = posix_fallocate(h->fd, (off_t)off, (off_t)len);
  return r ? wp_os_err_from_errno(r) : 0;
}

wp_os_err_t wp_os_futimes(const wp_os_handle_t *h, wp_os_time_t atim,
                          wp_os_time_t mtim) {
  if (h->readonly) return WP_OS_EROFS;
  struct timespec ts[2];
  wp_os_time_to_timespec(atim, &ts[0]);
  wp_os_time_to_timespec(mtim, &ts[1]);
  return futimens(h->fd, ts) < 0 ? wp_os_err_from_errno(errno) : 0;
}

wp_os_err_t wp_os_fdatasync(int fd) {
  return fdatasync(fd) < 0 ? wp_os_err_from_errno(errno) : 0;
}

wp_os_err_t wp_os_fsync(int fd) {
  return fsync(fd) < 0 ? wp_os_err_from_errno(errno) : 0;
}

wp_os_err_t wp_os_fadvise(int fd, uint64_t off, uint64_t len, int advice) {
  if (off > INT64_MAX || len > INT64_MAX) return WP_OS_EINVAL;
  int r = posix_fadvise(fd, (off_t)off, (off_t)len, advice);
  return r ? wp_os_err_from_errno(r) : 0;
}

wp_os_err_t wp_os_get_status(int fd, int *flags, bool *readable, bool *writable) {
  int f = fcntl(fd, F_GETFL);
  if (f < 0) return wp_os_err_from_errno(errno);
  *flags = f & (O_APPEND | O_NONBLOCK | O_SYNC | O_DSYNC);
  *readable = (f & O_ACCMODE) != O_WRONLY;
  *writable = (f & O_ACCMODE) != O_RDONLY;
  return 0;
}

wp_os_err_t wp_os_get_flags(int fd, int *flags) {
  bool rd, wr;
  return wp_os_get_status(fd, flags, &rd, &wr);
}

wp_os_err_t wp_os_set_flags(int fd, int flags) {
  int f = fcntl(fd, F_GETFL);
  if (f < 0) return wp_os_err_from_errno(errno);
  f = (f & ~(O_APPEND | O_NONBLOCK)) | (flags & (O_APPEND | O_NONBLOCK));
  return fcntl(fd, F_SETFL, f) < 0 ? wp_os_err_from_errno(errno) : 0;
}
