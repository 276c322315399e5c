/*
** rt/reactor.c — the host's event sources, for native plugins' async
** functions and stream copies (plugin ABI 1.3; rt/async.h): deferred
** callbacks, file descriptors and timers through poll(2), and wakers for
** other threads through an eventfd.  One per scheduler (per OS thread);
** every callback runs on that thread, from the scheduler's loop.
*/
#include "component/rt/async.h"
#include "wasmplug/clock.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

typedef struct deferred {
  const void *owner;
  void (*fn)(void *arg);
  void *arg;
} deferred;

typedef struct watch {
  uint64_t id;
  const void *owner;
  int fd;               /* -1: a timer */
  int events;
  uint64_t deadline;
  void (*fd_cb)(void *arg, int revents);
  void (*time_cb)(void *arg);
  void *arg;
} watch;

struct rt_waker {
  rt_reactor *r;
  const void *owner;
  void (*cb)(void *arg);
  void *arg;
  atomic_int woken;
  rt_waker *next;
};

struct rt_reactor {
  deferred *q;
  size_t nq, capq;
  watch *w;
  size_t nw, capw;
  uint64_t next_id;
  rt_waker *wakers;
  int efd; /* -1 until the first waker */
};

rt_reactor *rt_reactor_get(rt_sched *S) {
  if (!S->reactor && (S->reactor = calloc(1, sizeof *S->reactor))) S->reactor->efd = -1;
  return S->reactor;
}

void rt_reactor_free(rt_reactor *r) {
  if (!r) return;
  while (r->wakers) {
    rt_waker *n = r->wakers->next;
    free(r->wakers);
    r->wakers = n;
  }
  if (r->efd >= 0) close(r->efd);
  free(r->q);
  free(r->w);
  free(r);
}

int rt_reactor_defer(rt_reactor *r, const void *owner, void (*fn)(void *arg), void *arg) {
  if (r->nq == r->capq) {
    size_t ncap = r->capq ? r->capq * 2 : 16;
    deferred *n = realloc(r->q, ncap * sizeof *n);
    if (!n) return -1;
    r->q = n;
    r->capq = ncap;
  }
  r->q[r->nq++] = (deferred){owner, fn, arg};
  return 0;
}

static uint64_t add_watch(rt_reactor *r, watch w) {
  if (r->nw == r->capw) {
    size_t ncap = r->capw ? r->capw * 2 : 8;
    watch *n = realloc(r->w, ncap * sizeof *n);
    if (!n) return 0;
    r->w = n;
    r->capw = ncap;
  }
  w.id = ++r->next_id;
  r->w[r->nw++] = w;
  return w.id;
}

uint64_t rt_reactor_watch_fd(rt_reactor *r, const void *owner, int fd, int events, void (*cb)(void *arg, int revents),
                             void *arg) {
  if (fd < 0 || !cb) return 0;
  return add_watch(r, (watch){0, owner, fd, events, 0, cb, NULL, arg});
}

uint64_t rt_reactor_watch_time(rt_reactor *r, const void *owner, uint64_t deadline_ns, void (*cb)(void *arg),
                               void *arg) {
  if (!cb) return 0;
  return add_watch(r, (watch){0, owner, -1, 0, deadline_ns, NULL, cb, arg});
}

void rt_reactor_unwatch(rt_reactor *r, uint64_t id) {
  for (size_t i = 0; i < r->nw; i++)
    if (r->w[i].id == id) {
      r->w[i] = r->w[--r->nw];
      return;
    }
}

rt_waker *rt_reactor_waker_new(rt_reactor *r, const void *owner, void (*cb)(void *arg), void *arg) {
  if (!cb) return NULL;
  if (r->efd < 0 && (r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) return NULL;
  rt_waker *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->r = r;
  w->owner = owner;
  w->cb = cb;
  w->arg = arg;
  atomic_init(&w->woken, 0);
  w->next = r->wakers;
  r->wakers = w;
  return w;
}

void rt_reactor_wake(rt_waker *w) {
  if (!w) return;
  atomic_store(&w->woken, 1);
  uint64_t one = 1;
  ssize_t n = write(w->r->efd, &one, sizeof one);
  (void)n; /* a full counter already wakes the loop */
}

void rt_reactor_waker_delete(rt_waker *w) {
  if (!w) return;
  for (rt_waker **p = &w->r->wakers; *p; p = &(*p)->next)
    if (*p == w) {
      *p = w->next;
      break;
    }
  free(w);
}

void rt_reactor_forget(rt_reactor *r, const void *owner) {
  if (!r) return;
  size_t k = 0;
  for (size_t i = 0; i < r->nq; i++)
    if (r->q[i].owner != owner) r->q[k++] = r->q[i];
  r->nq = k;
  k = 0;
  for (size_t i = 0; i < r->nw; i++)
    if (r->w[i].owner != owner) r->w[k++] = r->w[i];
  r->nw = k;
  for (rt_waker **p = &r->wakers; *p;) {
    if ((*p)->owner == owner) {
      rt_waker *d = *p;
      *p = d->next;
      free(d);
    } else {
      p = &(*p)->next;
    }
  }
}

/* Runs the deferred callbacks queued so far (not those they queue). */
static bool run_deferred(rt_reactor *r) {
  size_t n = r->nq;
  if (!n) return false;
  deferred *batch = malloc(n * sizeof *batch);
  if (!batch) return false;
  memcpy(batch, r->q, n * sizeof *batch);
  memmove(r->q, r->q + n, (r->nq - n) * sizeof *r->q);
  r->nq -= n;
  for (size_t i = 0; i < n; i++) batch[i].fn(batch[i].arg);
  free(batch);
  return true;
}

bool rt_reactor_run_deferred(rt_reactor *r) { return r && run_deferred(r); }

bool rt_reactor_poll(rt_reactor *r, bool block) {
  if (!r) return false;
again:;
  bool ran = run_deferred(r);
  if (ran) block = false;
  if (!r->nw && !r->wakers) return ran;
  /* the nearest timer bounds the wait */
  uint64_t now = wasmplug_monotonic_ns(), soonest = UINT64_MAX;
  size_t nfd = 0;
  for (size_t i = 0; i < r->nw; i++) {
    if (r->w[i].fd < 0) {
      if (r->w[i].deadline < soonest) soonest = r->w[i].deadline;
    } else {
      nfd++;
    }
  }
  int timeout = 0;
  if (block) {
    if (soonest == UINT64_MAX) timeout = -1;
    else if (soonest > now) timeout = (int)((soonest - now + 999999) / 1000000 > 60000 ? 60000 : (soonest - now + 999999) / 1000000);
  }
  /* only timers due now: no system call */
  if (!nfd && !r->wakers && timeout == 0) goto timers;
  struct pollfd fds_small[8];
  uint64_t ids_small[8];
  struct pollfd *fds = nfd < 8 ? fds_small : calloc(nfd + 1, sizeof *fds);
  uint64_t *ids = nfd < 8 ? ids_small : calloc(nfd + 1, sizeof *ids);
  if (!fds || !ids) {
    if (fds != fds_small) free(fds);
    if (ids != ids_small) free(ids);
    return ran;
  }
  memset(fds, 0, (nfd + 1) * sizeof *fds);
  size_t k = 0;
  for (size_t i = 0; i < r->nw; i++)
    if (r->w[i].fd >= 0) {
      fds[k].fd = r->w[i].fd;
      fds[k].events = (short)r->w[i].events;
      ids[k++] = r->w[i].id;
    }
  if (r->wakers) {
    fds[k].fd = r->efd;
    fds[k].events = POLLIN;
    ids[k++] = 0;
  }
  int rc = poll(fds, k, timeout);
  if (rc < 0 && errno != EINTR) rc = 0;
  /* callbacks may unwatch or add: look each up by id when it is its turn */
  for (size_t i = 0; rc > 0 && i < k; i++) {
    if (!fds[i].revents) continue;
    if (!ids[i]) {
      uint64_t v;
      ssize_t n = read(r->efd, &v, sizeof v);
      (void)n;
      for (rt_waker *w = r->wakers, *next; w; w = next) {
        next = w->next;
        if (atomic_exchange(&w->woken, 0)) {
          w->cb(w->arg);
          ran = true;
        }
      }
      continue;
    }
    for (size_t j = 0; j < r->nw; j++)
      if (r->w[j].id == ids[i]) {
        watch w = r->w[j];
        w.fd_cb(w.arg, fds[i].revents);
        ran = true;
        break;
      }
  }
  if (fds != fds_small) free(fds);
  if (ids != ids_small) free(ids);
  now = wasmplug_monotonic_ns();
timers:
  for (size_t j = 0; j < r->nw;) {
    if (r->w[j].fd < 0 && r->w[j].deadline <= now) {
      watch w = r->w[j];
      r->w[j] = r->w[--r->nw];
      w.time_cb(w.arg);
      ran = true;
      j = 0; /* the callback may have changed the list */
      continue;
    }
    j++;
  }
  /* A blocking wait that ran nothing but has watches left is not the end
  ** of progress (the caller's "deadlock"): its timer is further off than
  ** the 60 s cap, or a signal cut it.  It waits on, unless the guest call
  ** must end (its deadline, an interrupt), which the caller reports. */
  if (!ran && block && (r->nw || r->wakers) && !wasmplug_call_interrupted()) goto again;
  return ran;
}
