/*
** os_clock.c — the four WASI clocks, their resolutions, and sleeping.
*/
#include <errno.h>
#include <sys/stat.h> /* UTIME_OMIT, UTIME_NOW */
#include <time.h>

#include "os.h"
#include "wasmplug/clock.h"

static int host_clock(wp_os_clock_t c, clockid_t *out) {
  switch (c) {
  case WP_OS_CLOCK_REALTIME: *out = CLOCK_REALTIME; return 0;
  case WP_OS_CLOCK_MONOTONIC: *out = CLOCK_MONOTONIC; return 0;
  case WP_OS_CLOCK_PROCESS_CPUTIME: *out = CLOCK_PROCESS_CPUTIME_ID; return 0;
  case WP_OS_CLOCK_THREAD_CPUTIME: *out = CLOCK_THREAD_CPUTIME_ID; return 0;
  }
  return -1;
}

uint64_t wp_os_ns_from_timespec(const struct timespec *ts) {
  if (ts->tv_sec < 0) return 0; /* before 1970: WASI timestamps are unsigned */
  if ((uint64_t)ts->tv_sec > (UINT64_MAX - 999999999u) / 1000000000u)
    return UINT64_MAX;
  return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

void wp_os_time_to_timespec(wp_os_time_t t, struct timespec *out) {
  out->tv_sec = 0;
  out->tv_nsec = UTIME_OMIT;
  if (t.how == WP_OS_TIME_NOW) out->tv_nsec = UTIME_NOW;
  if (t.how == WP_OS_TIME_SET) {
    out->tv_sec = (time_t)(t.ns / 1000000000u);
    out->tv_nsec = (long)(t.ns % 1000000000u);
  }
}

wp_os_err_t wp_os_clock_time(wp_os_clock_t clock, uint64_t *ns) {
  clockid_t id;
  struct timespec ts;
  if (host_clock(clock, &id) < 0) return WP_OS_EINVAL;
  if (clock_gettime(id, &ts) < 0) return wp_os_err_from_errno(errno);
  *ns = wp_os_ns_from_timespec(&ts);
  return 0;
}

wp_os_err_t wp_os_clock_res(wp_os_clock_t clock, uint64_t *ns) {
  clockid_t id;
  struct timespec ts;
  if (host_clock(clock, &id) < 0) return WP_OS_EINVAL;
  if (clock_getres(id, &ts) < 0) return wp_os_err_from_errno(errno);
  *ns = wp_os_ns_from_timespec(&ts);
  if (*ns == 0) *ns = 1; /* a resolution of 0 would make no sense to guests */
  return 0;
}

wp_os_err_t wp_os_sleep(wp_os_clock_t clock, uint64_t ns, bool absolute, const wp_os_stop_t *stop) {
  uint64_t deadline_ns = stop ? stop->deadline_ns : 0;
  clockid_t id;
  if (clock != WP_OS_CLOCK_REALTIME && clock != WP_OS_CLOCK_MONOTONIC)
    return WP_OS_ENOTSUP;
  host_clock(clock, &id);
  struct timespec ts;
  /* ns / 1e9 is below 2^35: it always fits a 64-bit time_t. */
  ts.tv_sec = (time_t)(ns / 1000000000u);
  ts.tv_nsec = (long)(ns % 1000000000u);
  /* Sleep on the absolute time, so a signal that is not the watchdog's
  ** just resumes the same sleep. */
  if (!absolute) {
    struct timespec now;
    clock_gettime(id, &now);
    ts.tv_sec += now.tv_sec;
    ts.tv_nsec += now.tv_nsec;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
  }
  int r;
  for (;;) {
    struct timespec until = ts;
    bool capped = false;
    if (deadline_ns) {
      /* The guest call's deadline, on the sleep's clock. */
      struct timespec cur;
      uint64_t m = wasmplug_monotonic_ns();
      clock_gettime(id, &cur);
      if (m >= deadline_ns) return WP_OS_EINTR;
      uint64_t left = deadline_ns - m, c = wp_os_ns_from_timespec(&cur) + left,
               want = wp_os_ns_from_timespec(&ts);
      if (c < want) {
        until.tv_sec = (time_t)(c / 1000000000u);
        until.tv_nsec = (long)(c % 1000000000u);
        capped = true;
      }
    }
    r = clock_nanosleep(id, TIMER_ABSTIME, &until, NULL);
    if (r == 0 && capped) return WP_OS_EINTR; /* woke at the deadline */
    if (r != EINTR) break;
    if (wp_os_stopped(stop)) return WP_OS_EINTR;
  }
  return r ? wp_os_err_from_errno(r) : 0;
}
