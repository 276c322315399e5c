/*
** p1_poll.c — clocks, random bytes, sched_yield and poll_oneoff.
**
** poll_oneoff supports clock subscriptions (relative or absolute, on the
** realtime and monotonic clocks) and fd_read/fd_write subscriptions on any
** open fd but a directory.  Regular files are always ready, as POSIX has
** it; everything else waits in ppoll() together with the earliest clock
** deadline.  As in the reference, a subscription that can never be
** waited on (a closed fd, a directory, a CPU-time clock, an unknown tag)
** fails the whole call instead of becoming an event.
*/
#include <poll.h>
#include <sched.h>
#include <stdlib.h>

#include "p1.h"

#define SUB_SIZE 48
#define EVENT_SIZE 32
#define EV_CLOCK 0
#define EV_FD_READ 1
#define EV_FD_WRITE 2
#define SUBCLOCK_ABSTIME 1u
#define EVENT_FD_HANGUP 1u
/* More subscriptions than this in one call are refused (EINVAL): the
** host allocates per subscription, and no real program needs so many. */
#define MAX_SUBS 4096

wp_os_err_t wp_p1_clock_res_get(p1_call_t *c, const wasmplug_val_raw_t *a) {
  uint32_t id = p1_u32(a, 0);
  if (id > WP_OS_CLOCK_THREAD_CPUTIME) return WP_OS_EINVAL;
  uint64_t ns;
  wp_os_err_t err = wp_os_clock_res((wp_os_clock_t)id, &ns);
  if (!err) err = p1_out64(c, p1_u32(a, 1), ns);
  return err;
}

wp_os_err_t wp_p1_clock_time_get(p1_call_t *c, const wasmplug_val_raw_t *a) {
  uint32_t id = p1_u32(a, 0);
  if (id > WP_OS_CLOCK_THREAD_CPUTIME) return WP_OS_EINVAL;
  uint64_t ns;
  wp_os_err_t err = wp_os_clock_time((wp_os_clock_t)id, &ns);
  if (!err) err = p1_out64(c, p1_u32(a, 2), ns);
  return err;
}

wp_os_err_t wp_p1_random_get(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  uint32_t len = p1_u32(a, 1);
  uint8_t *p = p1_ptr(c, p1_u32(a, 0), len, 1, &err);
  if (!p) return err;
  return wp_os_random(p, len);
}

wp_os_err_t wp_p1_sched_yield(p1_call_t *c, const wasmplug_val_raw_t *a) {
  (void)c;
  (void)a;
  sched_yield();
  return 0;
}

/* One subscription, decoded. */
typedef struct sub {
  uint64_t userdata;
  uint8_t tag;
  wp_os_err_t error;   /* set: report at once with this error */
  bool ready;          /* set: report at once */
  uint64_t deadline;   /* clock: monotonic ns */
  int pfd;             /* fd: index into the pollfd array, or -1 */
  uint64_t nbytes;
  uint16_t flags;
} sub_t;

static void put_event(uint8_t *ev, const sub_t *s) {
  memset(ev, 0, EVENT_SIZE);
  p1_st64(ev, s->userdata);
  p1_st16(ev + 8, s->error);
  ev[10] = s->tag;
  if (s->tag != EV_CLOCK) {
    p1_st64(ev + 16, s->nbytes);
    p1_st16(ev + 24, s->flags);
  }
}

static wp_os_err_t decode_clock(const uint8_t *in, sub_t *s,
                                uint64_t now_mono) {
  uint32_t id = p1_ld32(in + 16);
  uint64_t timeout = p1_ld64(in + 24);
  uint16_t flags = p1_ld16(in + 40);
  uint64_t now;
  /* CPU-time clocks cannot be waited on. */
  if (id != WP_OS_CLOCK_REALTIME && id != WP_OS_CLOCK_MONOTONIC)
    return WP_OS_EINVAL;
  if (!(flags & SUBCLOCK_ABSTIME)) {
    s->deadline = timeout > UINT64_MAX - now_mono ? UINT64_MAX
                                                  : now_mono + timeout;
    return 0;
  }
  /* Absolute: convert to a monotonic deadline by the distance from now. */
  if (wp_os_clock_time((wp_os_clock_t)id, &now)) return WP_OS_EINVAL;
  uint64_t left = timeout > now ? timeout - now : 0;
  s->deadline = left > UINT64_MAX - now_mono ? UINT64_MAX : now_mono + left;
  return 0;
}

/* How the wait learns that the guest call was interrupted (an embedder's
** interrupt handle, or the deadline): the engine's own state. */
static bool call_interrupted(void *arg) {
  (void)arg;
  return wasmplug_call_interrupted();
}

wp_os_err_t wp_p1_poll_oneoff(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  uint32_t n = p1_u32(a, 2), nout = p1_u32(a, 3);
  if (n == 0 || n > MAX_SUBS) return WP_OS_EINVAL;
  const uint8_t *in = p1_ptr(c, p1_u32(a, 0), (uint64_t)n * SUB_SIZE, 8, &err);
  if (!in) return err;
  uint8_t *out = p1_ptr(c, p1_u32(a, 1), (uint64_t)n * EVENT_SIZE, 8, &err);
  if (!out) return err;
  if (!p1_ptr(c, nout, 4, 4, &err)) return err;

  sub_t *subs = calloc(n, sizeof *subs);
  struct pollfd *pfds = calloc(n, sizeof *pfds);
  if (!subs || !pfds) {
    free(subs);
    free(pfds);
    return WP_OS_ENOMEM;
  }
  uint64_t now;
  wp_os_clock_time(WP_OS_CLOCK_MONOTONIC, &now);
  size_t npfd = 0;
  bool immediate = false;
  uint64_t earliest = UINT64_MAX;
  /* Decode everything first (the guest's input is read exactly once). */
  err = 0;
  for (uint32_t i = 0; i < n && !err; i++) {
    const uint8_t *s = in + (size_t)i * SUB_SIZE;
    sub_t *sb = &subs[i];
    sb->userdata = p1_ld64(s);
    sb->tag = s[8];
    sb->pfd = -1;
    if (sb->tag == EV_CLOCK) {
      err = decode_clock(s, sb, now);
      if (!err && sb->deadline < earliest) earliest = sb->deadline;
    } else if (sb->tag == EV_FD_READ || sb->tag == EV_FD_WRITE) {
      uint32_t fd = p1_ld32(s + 16);
      wp_wasi_fd_t *e = wp_wasi_fd_get(c->ctx, fd);
      if (!e || e->type == WP_OS_FT_DIRECTORY) {
        err = WP_OS_EBADF;
      } else if (!(e->rights_base & P1_RIGHT_POLL_FD_READWRITE)) {
        sb->error = WP_OS_ENOTCAPABLE;
      } else if (e->type == WP_OS_FT_REGULAR_FILE) {
        sb->ready = true;
        if (sb->tag == EV_FD_READ) wp_os_readable_bytes(e->h.fd, &sb->nbytes);
      } else {
        sb->pfd = (int)npfd;
        pfds[npfd].fd = e->h.fd;
        pfds[npfd].events = sb->tag == EV_FD_READ ? POLLIN : POLLOUT;
        npfd++;
      }
    } else {
      err = WP_OS_EINVAL;
    }
    if (sb->error || sb->ready) immediate = true;
  }
  if (err) {
    free(subs);
    free(pfds);
    return err;
  }

  int64_t timeout_ns = -1;
  if (immediate) timeout_ns = 0;
  else if (earliest != UINT64_MAX)
    timeout_ns = earliest <= now ? 0
                 : earliest - now > INT64_MAX ? INT64_MAX
                                              : (int64_t)(earliest - now);
  int ready = 0;
  wp_os_stop_t stop = {wasmplug_call_deadline(), call_interrupted, NULL};
  if (npfd > 0 || timeout_ns != 0) err = wp_os_poll(pfds, npfd, timeout_ns, &stop, &ready);

  uint32_t nev = 0;
  if (!err) {
    wp_os_clock_time(WP_OS_CLOCK_MONOTONIC, &now);
    for (uint32_t i = 0; i < n; i++) {
      sub_t *sb = &subs[i];
      if (sb->pfd >= 0) {
        short re = pfds[sb->pfd].revents;
        if (re & POLLNVAL) sb->error = WP_OS_EBADF;
        else if (re & (POLLIN | POLLOUT | POLLHUP | POLLERR)) {
          sb->ready = true;
          if (re & POLLHUP) sb->flags = EVENT_FD_HANGUP;
          if (sb->tag == EV_FD_READ)
            wp_os_readable_bytes(pfds[sb->pfd].fd, &sb->nbytes);
        }
      } else if (sb->tag == EV_CLOCK && !sb->error && sb->deadline <= now) {
        sb->ready = true;
      }
      if (sb->ready || sb->error)
        put_event(out + (size_t)nev++ * EVENT_SIZE, sb);
    }
    err = p1_out32(c, nout, nev);
  }
  free(subs);
  free(pfds);
  return err;
}
