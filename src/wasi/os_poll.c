/*
** os_poll.c — waiting for fds and timeouts.
*/
#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "os.h"

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

wp_os_err_t wp_os_poll(struct pollfd *fds, size_t n, int64_t timeout_ns,
                       int *ready) {
  uint64_t deadline = timeout_ns >= 0 ? mono_ns() + (uint64_t)timeout_ns : 0;
  for (;;) {
    struct timespec ts, *tsp = NULL;
    if (timeout_ns >= 0) {
      uint64_t now = mono_ns();
      uint64_t left = now >= deadline ? 0 : deadline - now;
      ts.tv_sec = (time_t)(left / 1000000000u);
      ts.tv_nsec = (long)(left % 1000000000u);
      tsp = &ts;
    }
    int r = ppoll(fds, (nfds_t)n, tsp, NULL);
    if (r >= 0) {
      *ready = r;
      return 0;
    }
    if (errno != EINTR) return wp_os_err_from_errno(errno);
  }
}

wp_os_err_t wp_os_readable_bytes(int fd, uint64_t *n) {
  struct stat st;
  if (fstat(fd, &st) < 0) return wp_os_err_from_errno(errno);
  if (S_ISREG(st.st_mode)) {
    off_t pos = lseek(fd, 0, SEEK_CUR);
    if (pos < 0) return wp_os_err_from_errno(errno);
    *n = st.st_size > pos ? (uint64_t)(st.st_size - pos) : 0;
    return 0;
  }
  int avail = 0;
  if (ioctl(fd, FIONREAD, &avail) < 0 || avail < 0) avail = 0;
  *n = (uint64_t)avail;
  return 0;
}
