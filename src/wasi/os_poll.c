/*
** os_poll.c — waiting for fds and timeouts.
*/
#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "os.h"
#include "wasmplug/clock.h"


bool wp_os_stopped(const wp_os_stop_t *stop) {
  if (!stop) return false;
  if (stop->deadline_ns && wasmplug_monotonic_ns() >= stop->deadline_ns) return true;
  return stop->interrupted && stop->interrupted(stop->arg);
}

wp_os_err_t wp_os_poll(struct pollfd *fds, size_t n, int64_t timeout_ns,
                       const wp_os_stop_t *stop, int *ready) {
  uint64_t deadline_ns = stop ? stop->deadline_ns : 0;
  uint64_t start = wasmplug_monotonic_ns();
  uint64_t until = timeout_ns >= 0 ? start + (uint64_t)timeout_ns : UINT64_MAX;
  /* The guest call's deadline caps the wait: waking at it is an
  ** interruption (EINTR), not a timeout the caller asked for. */
  bool capped = deadline_ns && deadline_ns < until;
  if (capped) until = deadline_ns;
  for (;;) {
    struct timespec ts, *tsp = NULL;
    if (until != UINT64_MAX) {
      uint64_t now = wasmplug_monotonic_ns();
      uint64_t left = now >= until ? 0 : until - now;
      ts.tv_sec = (time_t)(left / 1000000000u);
      ts.tv_nsec = (long)(left % 1000000000u);
      tsp = &ts;
    }
    int r = ppoll(fds, (nfds_t)n, tsp, NULL);
    if (r > 0 || (r == 0 && !capped)) {
      *ready = r;
      return 0;
    }
    if (r == 0) return WP_OS_EINTR; /* the deadline came first */
    if (errno != EINTR) return wp_os_err_from_errno(errno);
    /* Another signal: wait on, unless the deadline passed or the call was
    ** interrupted (the watchdog's signal: see wasmplug_call_deadline and
    ** wasmplug_interrupt_handle_new in wasmplug.h). */
    if (wp_os_stopped(stop)) return WP_OS_EINTR;
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
