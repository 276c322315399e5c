/*
** serve_pool.c — the guest side of the server: instances and the workers
** that run them.
**
** Every request gets a fresh instance: memories, globals and tables as
** right after instantiation, no resource handle of an earlier request, no
** state of one in the plugins; nothing a request does is seen by the next.
** Each worker keeps one instance.  Instantiating costs hundreds of
** microseconds (linking, type conversions, data segments), so the worker
** takes a snapshot of its instance once (wasmplug_program_instance_snapshot:
** copy-on-write memory images) and resets it after each request instead
** (wasmplug_program_instance_reset: the pages the guest wrote go back, its
** handles are dropped); it makes a new instance only after a trap, or when
** the program cannot be reset (plugins with state of their own, wasm
** plugins: then each request instantiates, ahead of its arrival when the
** worker is idle) or with --no-reuse.  Both are timed (sv_server).
*/
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cabi/cabi.h" /* value trees: the two own handles handle() takes */
#include "serve_internal.h"
#include "wasmplug/clock.h"

void sv_inst_delete(sv_inst_t *i) {
  if (!i) return;
  wasmplug_program_instance_delete(i->pi);
  free(i);
}

wasmplug_error_t *sv_inst_new(sv_server_t *s, sv_inst_t **out) {
  *out = NULL;
  uint64_t t0 = wasmplug_monotonic_ns();
  sv_inst_t *i = calloc(1, sizeof *i);
  if (!i) return wasmplug_error_new("out of memory");
  wasmplug_error_t *err = NULL;
  wasmplug_trap_t *trap = NULL;
  wasmplug_program_instantiate(s->program, &i->pi, &err, &trap);
  if (!err && trap) {
    err = wasmplug_error_new("%s: trapped while instantiating: %s", s->name, wasmplug_trap_message(trap));
    wasmplug_trap_delete(trap);
  }
  wasmplug_component_instance_t *ci = err ? NULL : wasmplug_program_instance_component(i->pi);
  i->ci = ci;
  if (!err && !(i->handle = wasmplug_component_instance_func(ci, "wasi:http/incoming-handler#handle"))) {
    /* a WASI 0.3 service (wasi:http/service) */
    if ((i->handle = wasmplug_component_instance_func(ci, "wasi:http/handler@0.3.0#handle"))) i->p3 = true;
    else
      err = wasmplug_error_new("%s: not a wasi:http/proxy component (no wasi:http/incoming-handler export) "
                               "nor a wasi:http/service one (no wasi:http/handler@0.3.0 export)",
                               s->name);
  }
  const char *plugin = i->p3 ? "wasi-http-p3" : "wasi-http";
  if (!err && !(i->http = wasmplug_program_instance_plugin_state(i->pi, plugin)))
    err = wasmplug_error_new("%s: the %s plugin is not loaded", s->name, plugin);
  if (err) {
    sv_inst_delete(i);
    return err;
  }
  s->inst_ns += wasmplug_monotonic_ns() - t0;
  s->inst_count++;
  if (s->reuse) {
    wasmplug_error_t *e = wasmplug_program_instance_snapshot(i->pi);
    if (e) { /* this program cannot be reset: every request instantiates */
      s->reuse = false;
      if (s->o->verbose) {
        pthread_mutex_lock(&s->log_lock);
        fprintf(stderr, "wasmplug: serve: instances are not reused: %s\n", wasmplug_error_message(e));
        pthread_mutex_unlock(&s->log_lock);
      }
      wasmplug_error_delete(e);
    }
  }
  *out = i;
  return NULL;
}

/* wasi:http@0.3: handle(request) -> result<response, error-code> is an
** async call: started, waited for (the instance's tasks and the plugins'
** events run meanwhile), and then, as the guest may write the response
** body after returning it, the event loop runs until the body was pumped
** into the exchange's pipe (wh3_serve_respond's *done). */
static wasmplug_trap_t *run_p3(sv_inst_t *i, wh_exchange_t *ex) {
  uint32_t req = 0;
  if (wh3_serve_bind(i->http, ex, &req))
    return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "cannot hand the request to the guest (out of memory)");
  wasmplug_cval_t arg, result;
  memset(&arg, 0, sizeof arg);
  memset(&result, 0, sizeof result);
  arg.kind = WASMPLUG_C_OWN;
  arg.of.rep = req;
  wasmplug_component_call_t *call = NULL;
  wasmplug_trap_t *trap = wasmplug_component_call_start(i->handle, &arg, 1, &call);
  if (!trap) trap = wasmplug_component_call_wait(call, &result);
  if (!trap && result.kind == WASMPLUG_C_RESULT && result.of.var.payload) {
    const wasmplug_cval_t *v = result.of.var.payload;
    if (result.of.var.disc == 0) {
      bool done = true;
      if (wh3_serve_respond(i->http, v->of.rep, ex, &done))
        trap = wasmplug_trap_new(WASMPLUG_TRAP_HOST, "the guest returned a response it does not own");
      else if (!done)
        trap = wasmplug_component_instance_run_until(i->ci, &done);
    } else { /* err(error-code): a 500, or what the error says */
      pthread_mutex_lock(&ex->lock);
      ex->resp = WH_RESP_ERROR;
      ex->resp_error = v->of.var.disc;
      pthread_mutex_unlock(&ex->lock);
      sv_on_response(ex);
    }
  }
  /* let the guest's task finish what it does after the body (reading the
  ** future of how it went, returning) so the instance can be reset */
  while (!trap && !wasmplug_component_call_done(call)) trap = wasmplug_component_call_wait(call, NULL);
  while (!trap && wasmplug_component_poll()) {
  }
  wasmplug_cval_drop(&result);
  wasmplug_component_call_delete(call);
  return trap;
}

typedef struct p3_job {
  sv_inst_t *i;
  wh_exchange_t *ex;
  wasmplug_trap_t *trap;
} p3_job_t;

static void p3_job(void *arg) {
  p3_job_t *j = arg;
  j->trap = run_p3(j->i, j->ex);
}

bool sv_inst_run(sv_server_t *s, sv_inst_t *i, wh_exchange_t *ex) {
  uint32_t req = 0, resp = 0;
  wasmplug_trap_t *trap = NULL;
  if (i->p3) {
    /* the whole request under the time limit: its guest code runs on
    ** fibers resumed by the event loop, not inside one call */
    p3_job_t j = {i, ex, NULL};
    trap = wasmplug_engine_call_limited(wasmplug_host_engine(wasmplug_program_host(s->program)), p3_job, &j);
    if (j.trap) {
      wasmplug_trap_delete(trap);
      trap = j.trap;
    }
  } else if (wh_serve_bind(i->http, ex, &req, &resp)) {
    trap = wasmplug_trap_new(WASMPLUG_TRAP_HOST, "cannot hand the request to the guest (out of memory)");
  } else {
    wasmplug_cval_t args[2];
    memset(args, 0, sizeof args);
    args[0].kind = WP_CABI_OWN;
    args[0].of.rep = req;
    args[1].kind = WP_CABI_OWN;
    args[1].of.rep = resp;
    wasmplug_cval_t result;
    trap = wasmplug_component_func_call(i->handle, args, 2, &result);
  }
  bool clean = !trap;
  if (trap) {
    /* the client gets a 500 (or a cut body); the server log says why */
    pthread_mutex_lock(&s->log_lock);
    fprintf(stderr, "wasmplug: serve: %s: %s %s: %s\n", s->name, ex->method ? ex->method : "-",
            ex->path_with_query ? ex->path_with_query : "-", wasmplug_trap_message(trap));
    pthread_mutex_unlock(&s->log_lock);
    wasmplug_trap_delete(trap);
  }
  pthread_mutex_lock(&ex->lock);
  bool none = ex->resp == WH_RESP_NONE;
  if (none) {
    ex->resp = WH_RESP_ERROR; /* no response: 500 */
    ex->resp_error = WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR;
  }
  pthread_mutex_unlock(&ex->lock);
  if (none) sv_on_response(ex);
  return clean;
}

/* ------------------------------------------- leader and followers */

/* Groups.  Each group has a libmicrohttpd daemon of its own (an epoll
** loop on the shared listening socket, with no thread of its own) and
** nworkers + 1 threads, pinned to one CPU (the default on two or more
** CPUs).  One thread at a time, the *leader*, runs the loop; the others
** are *followers*, waiting.
**
** A request without a body is queued *deferred*, for the leader: once the
** loop's turn (MHD_run_wait) is over, the leader runs its guest itself, on
** its own stack, as an ordinary outermost call (--timeout, --fuel and the
** interrupt handle exactly as on any thread), and the loop's next turn
** sends the response.  No thread is woken and the connection is not
** suspended: handing every request to a worker and its response back was
** more than half the CPU time of a request (bench/README.md, w26-serve).
** A request with a body is queued so once its body is complete (the loop
** holds it meanwhile, the body going into its pipe: serve_conn.c); when
** the pipe fills first it is handed to a follower (its guest must read
** while the loop pushes the rest).
**
** While the leader runs a guest its loop is unattended.  The leader leaves
** the loop only while its group can run one more guest (running <
** nworkers), so a thread of the group is always free to take the loop over:
** one follower waits with a time limit (the *watcher*, takeover_ns) and,
** finding the loop unattended, becomes the leader.  That bounds how long a
** guest that computes holds the other connections of its loop, and a guest
** that waits on what only the loop makes progress on (room in its response
** body's pipe, say) cannot deadlock: the new leader drains the pipe.  A
** thread whose guest is done leads again if the loop is unattended, else
** follows.
**
** An idle server sleeps.  The leader waits in its loop with no time limit;
** the group's eventfd, in the loop's epoll set, ends that wait when the
** server stops, a job only a leader can take is queued, or another thread
** resumed one of the loop's connections (sv_group_wake).  The
** watcher, once the loop has stayed attended for a whole takeover period,
** parks with no time limit until the leader next leaves the loop (unpark):
** under load it looks every takeover_ns as before, idle it never wakes.
**
** One queue and one lock for all groups: a job with a body goes to an idle
** follower of its group when there is one, else of another group, and a
** follower that finds no job of its group takes the oldest; so no request
** waits while any thread is free.  Guests that compute long are spread
** over the CPUs: a deferred request whose group runs a guest already goes
** to an idle follower of a group that runs none (ctest http_serve
** "spread"). */

static void pin_to(pthread_t t, int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(t, sizeof set, &set); /* best effort: unpinned if refused */
}

wasmplug_error_t *sv_groups_new(sv_server_t *s) {
  s->ngroups = s->nthreads < s->nworkers ? s->nthreads : s->nworkers;
  if (!s->ngroups) s->ngroups = 1;
  if ((s->groups = calloc(s->ngroups, sizeof *s->groups)))
    for (unsigned g = 0; g < s->ngroups; g++) s->groups[g].wake_fd = -1; /* (closed by sv_groups_free when made) */
  if (!s->groups || !(s->queue = calloc(s->queue_cap, sizeof *s->queue))) return wasmplug_error_new("out of memory");
  /* the CPUs this process may run on, in order */
  cpu_set_t allowed;
  int cpus[CPU_SETSIZE], ncpus = 0;
  if (!sched_getaffinity(0, sizeof allowed, &allowed))
    for (int c = 0; c < CPU_SETSIZE; c++)
      if (CPU_ISSET(c, &allowed)) cpus[ncpus++] = c;
  s->pin = s->pin && s->ngroups > 1 && ncpus > 1;
  for (unsigned k = 0; k < s->nworkers; k++) s->groups[k % s->ngroups].nworkers++;
  /* the watcher's time limit is a deadline on the monotonic clock */
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  for (unsigned g = 0; g < s->ngroups; g++) {
    s->groups[g].s = s;
    s->groups[g].index = g;
    pthread_cond_init(&s->groups[g].work, &ca);
    pthread_cond_init(&s->groups[g].watch, &ca);
    s->groups[g].cpu = s->pin ? cpus[g % (unsigned)ncpus] : -1;
  }
  pthread_condattr_destroy(&ca);
  for (unsigned g = 0; g < s->ngroups; g++)
    if ((s->groups[g].wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
      return wasmplug_error_new("serve: cannot make an eventfd: %s", strerror(errno));
  return NULL;
}

void sv_groups_free(sv_server_t *s) {
  if (s->groups)
    for (unsigned g = 0; g < s->ngroups; g++) {
      pthread_cond_destroy(&s->groups[g].work);
      pthread_cond_destroy(&s->groups[g].watch);
      if (s->groups[g].wake_fd >= 0) close(s->groups[g].wake_fd);
    }
  free(s->groups);
  free(s->queue);
  s->groups = NULL;
  s->queue = NULL;
}

/* Wakes group q's watcher if it is parked (lock held). */
static void unpark(sv_group_t *q) {
  if (!q->parked) return;
  q->parked = false;
  pthread_cond_signal(&q->watch);
}

/* Ends the wait of group q's leader in its loop: its eventfd becomes
** readable, and stays so until the leader reads it back.  Only the thread
** that sets `poked` writes, so the count stays at most 1 (a wake-up that
** finds it set is not lost: the leader has not cleared it yet, so its
** next turn, which looks at everything a wake-up announces, is to come). */
void sv_group_wake(sv_group_t *q) {
  if (atomic_exchange(&q->poked, true)) return;
  uint64_t one = 1;
  if (write(q->wake_fd, &one, sizeof one) < 0) { /* cannot fail: the count stays far from overflow */
  }
}

/* Wakes a follower of group q if one waits that was not woken already (lock
** held); with `alone`, only when the group runs no guest and none of its
** followers was woken for one: its CPU has no guest. */
static bool wake(sv_group_t *q, bool alone) {
  if (q->idle <= q->signaled) return false;
  if (alone && q->running + q->signaled) return false;
  q->signaled++;
  pthread_cond_signal(&q->work);
  /* the parked watcher waits elsewhere: it may be the one follower free
  ** (only the first job after an idle spell pays for both wake-ups) */
  unpark(q);
  return true;
}

/* Wakes a follower for a job queued by group g (lock held): of a group
** running no guest first (its own, else another's), then of its own, else
** of any other.  When none is free, the leaders of other groups with room
** for a guest are poked (a leader takes a job no follower can: next_job);
** g's own leader is the caller and looks at the queue after its turn. */
static void wake_for(sv_server_t *s, unsigned g) {
  bool woken = false;
  for (unsigned pass = 0; pass < 2 && !woken; pass++)
    for (unsigned k = 0; k < s->ngroups && !woken; k++) woken = wake(&s->groups[(g + k) % s->ngroups], pass == 0);
  for (unsigned k = 0; k < s->ngroups && !woken; k++)
    if (k != g && s->groups[k].leader && s->groups[k].running < s->groups[k].nworkers) sv_group_wake(&s->groups[k]);
}

bool sv_enqueue(sv_server_t *s, wh_exchange_t *ex, unsigned g, bool deferred) {
  pthread_mutex_lock(&s->lock);
  bool ok = !s->stopping && s->qlen < s->queue_cap;
  if (ok) {
    s->queue[(s->qhead + s->qlen++) % s->queue_cap] = (sv_job_t){ex, g, deferred, false};
    if (deferred) {
      s->groups[g].deferred++;
      s->ndeferred++;
    } else {
      wake_for(s, g);
    }
  }
  pthread_mutex_unlock(&s->lock);
  return ok;
}

/* Removes the job `at` places from the oldest (lock held): the older ones
** move up by one. */
static wh_exchange_t *remove_at(sv_server_t *s, size_t at) {
  wh_exchange_t *ex = s->queue[(s->qhead + at) % s->queue_cap].ex;
  for (size_t k = at; k > 0; k--)
    s->queue[(s->qhead + k) % s->queue_cap] = s->queue[(s->qhead + k - 1) % s->queue_cap];
  s->qhead = (s->qhead + 1) % s->queue_cap;
  s->qlen--;
  return ex;
}

/* How far a follower looks for a job of its group before taking the
** oldest, and how often the oldest may be passed over (then it is taken):
** a group whose threads all wait in their guests does not hold its
** requests back for long while other groups have requests of their own. */
#define OWN_LOOKAHEAD 16

/* A job for a follower of group g (lock held): the first of its group
** among the oldest, else the oldest; deferred jobs are their leaders'.
** NULL when there is none. */
static wh_exchange_t *take(sv_server_t *s, unsigned g) {
  size_t first = s->qlen, own = s->qlen, seen = 0;
  for (size_t k = 0; k < s->qlen && seen < OWN_LOOKAHEAD; k++) {
    const sv_job_t *j = &s->queue[(s->qhead + k) % s->queue_cap];
    /* a spread job is its group's while that group has room */
    if (j->deferred || (j->spread && j->group != g && s->groups[j->group].running < s->groups[j->group].nworkers))
      continue;
    seen++;
    if (first == s->qlen) first = k;
    if (j->group == g) {
      own = k;
      break;
    }
  }
  if (first == s->qlen) return NULL;
  size_t at = own < s->qlen && s->head_skips < OWN_LOOKAHEAD ? own : first;
  s->head_skips = at != first ? s->head_skips + 1 : 0; /* the oldest stays the oldest when passed over */
  return remove_at(s, at);
}

/* The connection of ex waits suspended from now on, no longer deferred
** (sv_conn.deferrable): its guest starts, or goes to a follower. */
static void undeferrable(wh_exchange_t *ex) {
  pthread_mutex_lock(&ex->lock);
  sv_conn_t *c = ex->server;
  if (c) c->deferrable = false;
  pthread_mutex_unlock(&ex->lock);
}

/* Makes job `at` (deferred, of group q) an ordinary one, for a follower
** (lock held). */
static void undefer(sv_server_t *s, sv_group_t *q, size_t at) {
  sv_job_t *j = &s->queue[(s->qhead + at) % s->queue_cap];
  j->deferred = false;
  q->deferred--;
  s->ndeferred--;
  undeferrable(j->ex);
}

/* A deferred job for the leader of group q (lock held), or NULL.  One
** its group has no room for (it runs nworkers guests: the leader may not
** leave its loop) goes to a follower of any group; one that would make a
** second guest on this CPU while another group runs none goes to that
** group's follower. */
static wh_exchange_t *take_deferred(sv_server_t *s, sv_group_t *q) {
  for (size_t k = 0; k < s->qlen && q->deferred; k++) {
    const sv_job_t *j = &s->queue[(s->qhead + k) % s->queue_cap];
    if (!j->deferred || j->group != q->index) continue;
    if (q->running >= q->nworkers) {
      undefer(s, q, k);
      wake_for(s, q->index);
      continue;
    }
    if (q->running) {
      unsigned h = 0;
      while (h < s->ngroups && (h == q->index || !wake(&s->groups[h], true))) h++;
      if (h < s->ngroups) { /* for group h's follower only (sv_job.spread) */
        undefer(s, q, k);
        s->queue[(s->qhead + k) % s->queue_cap].group = h;
        s->queue[(s->qhead + k) % s->queue_cap].spread = true;
        continue;
      }
    }
    q->deferred--;
    s->ndeferred--;
    s->led_count++;
    return remove_at(s, k);
  }
  return NULL;
}

/* Any job at all, for a thread that stops (lock held): it is answered
** (or, before SV_CLOSING, run). */
static wh_exchange_t *take_any(sv_server_t *s) {
  if (!s->qlen) return NULL;
  const sv_job_t *j = &s->queue[s->qhead % s->queue_cap];
  if (j->deferred) {
    s->groups[j->group].deferred--;
    s->ndeferred--;
  }
  return remove_at(s, 0);
}

/* The next job of a thread of group q (lock held; unlocked while it runs
** the loop), or NULL when the server stops and the queue is empty.  On
** return the thread is counted in q->running and leads no loop. */
static wh_exchange_t *next_job(sv_server_t *s, sv_group_t *q) {
  bool leading = false, watching = false;
  uint64_t seen = UINT64_MAX; /* q->leaves when the watcher last looked */
  wh_exchange_t *ex = NULL;
  for (;;) {
    if (s->stopping) {
      ex = take_any(s);
      break;
    }
    /* a follower takes a job first (the exit below wakes another for an
    ** unattended loop), then an unattended loop */
    if (!leading && q->running < q->nworkers && (ex = take(s, q->index))) {
      s->handed_count++;
      break;
    }
    /* (the watcher only once it has been unattended for takeover_ns: a
    ** leader back from a short guest takes it up again itself) */
    if (!leading && !q->leader && (!watching || wasmplug_monotonic_ns() - q->left_ns >= s->takeover_ns)) {
      leading = q->leader = true;
      if (q->running) s->takeover_count++;
    }
    if (leading) {
      /* the deferred guests one after another, but back to the loop every
      ** half takeover (to send their responses) before a follower would
      ** take it over */
      if (q->deferred && wasmplug_monotonic_ns() - q->turn_ns < s->takeover_ns / 2 && (ex = take_deferred(s, q))) break;
      /* a job with a body is a follower's (its guest waits for the body,
      ** which the loop reads), unless no follower of the group is free */
      if (s->qlen > s->ndeferred && q->running < q->nworkers && q->idle <= q->signaled &&
          (ex = take(s, q->index))) {
        s->handed_count++;
        break;
      }
      if (watching) { /* a follower turned leader: another watches now */
        q->watcher = watching = false;
        if (q->idle) pthread_cond_signal(&q->work);
      }
      /* No time limit: the loop wakes for its sockets, its connections'
      ** idle timeouts (libmicrohttpd bounds the wait by the nearest), and
      ** the group's eventfd: a stop, a job only a leader can take, a new
      ** connection, or a connection another thread resumed (sv_group_wake).
      ** That last one libmicrohttpd does not announce: with an external
      ** loop it keeps no inter-thread channel (MHD_USE_ITC is dropped from
      ** the flags), so MHD_resume_connection only marks the connection,
      ** for the loop's next turn.  Before, that turn came within 50 ms at
      ** most (every loop with connections woke 20 times a second), and a
      ** body past the request pipe's window streamed at one resume per 50
      ** ms; waiting with no limit stalled it (bench/README.md, w28-serve
      ** and w29-robust). */
      pthread_mutex_unlock(&s->lock);
      MHD_run_wait(q->mhd, -1);
      pthread_mutex_lock(&s->lock);
      q->turn_ns = wasmplug_monotonic_ns();
      /* read back before `poked` is cleared: a wake-up meanwhile finds it
      ** set and writes nothing, and this thread's next turn comes */
      if (atomic_load(&q->poked)) {
        uint64_t n;
        if (read(q->wake_fd, &n, sizeof n) < 0) { /* EAGAIN: read already */
        }
        atomic_store(&q->poked, false);
      }
      continue;
    }
    /* a follower: one of them (the watcher) waits with a time limit, to
    ** take the loop over when its leader has left it to run a guest */
    if (!q->watcher) q->watcher = watching = true;
    q->idle++;
    if (watching && q->leader && q->leaves == seen) {
      /* the loop stayed attended since the last look (a whole takeover
      ** period): parked, with no time limit, until its leader leaves it
      ** again (or a job or the stop comes) — an idle server sleeps */
      q->parked = true;
      pthread_cond_wait(&q->watch, &s->lock);
      q->parked = false;
    } else if (watching) { /* until the loop has been unattended for takeover_ns */
      seen = q->leaves;
      uint64_t at = (q->leader ? wasmplug_monotonic_ns() : q->left_ns) + s->takeover_ns;
      struct timespec until = {(time_t)(at / 1000000000u), (long)(at % 1000000000u)};
      pthread_cond_timedwait(&q->work, &s->lock, &until);
    } else {
      pthread_cond_wait(&q->work, &s->lock);
    }
    q->idle--;
    if (q->signaled) q->signaled--;
  }
  if (watching) { /* another follower watches from now on */
    q->watcher = false;
    if (q->idle) pthread_cond_signal(&q->work);
  }
  if (leading) {
    q->leader = false;
    q->left_ns = wasmplug_monotonic_ns();
    q->leaves++;
    unpark(q); /* to take the loop over should this guest hold it */
  }
  if (ex) q->running++;
  /* the loop is unattended: a follower takes it, the watcher within
  ** takeover_ns, or at once when there is none (its group's room for one
  ** more guest keeps a thread free for that) */
  if (!q->leader && !q->watcher && q->idle > q->signaled) pthread_cond_signal(&q->work);
  return ex;
}

typedef struct worker_arg {
  sv_server_t *s;
  unsigned g, k; /* its group, its number */
} worker_arg_t;

static void *worker(void *arg) {
  sv_server_t *s = ((worker_arg_t *)arg)->s;
  unsigned g = ((worker_arg_t *)arg)->g, k = ((worker_arg_t *)arg)->k;
  sv_group_t *q = &s->groups[g];
  free(arg);
  /* how sv_workers_stop ends a guest that computes on past the grace */
  wasmplug_interrupt_handle_t *ih = NULL;
  wasmplug_error_t *ie = wasmplug_interrupt_handle_new(&ih);
  if (ie) {
    pthread_mutex_lock(&s->log_lock);
    fprintf(stderr, "wasmplug: serve: %s (a guest that never returns will hold the stop)\n",
            wasmplug_error_message(ie));
    pthread_mutex_unlock(&s->log_lock);
    wasmplug_error_delete(ie);
  }
  pthread_mutex_lock(&s->lock);
  s->interrupts[k] = ih;
  pthread_mutex_unlock(&s->lock);
  sv_inst_t *next = NULL;
  for (;;) {
    if (!next) { /* made ahead of the request that will use it */
      wasmplug_error_t *e = sv_inst_new(s, &next);
      if (e) {
        pthread_mutex_lock(&s->log_lock);
        fprintf(stderr, "wasmplug: serve: %s\n", wasmplug_error_message(e));
        pthread_mutex_unlock(&s->log_lock);
        wasmplug_error_delete(e);
      }
    }
    pthread_mutex_lock(&s->lock);
    wh_exchange_t *ex = next_job(s, q);
    pthread_mutex_unlock(&s->lock);
    if (!ex) break; /* stopping, and nothing left to do */
    undeferrable(ex);
    /* past the stop's grace (SV_CLOSING) a request still queued has had its
    ** 503 (or lost its connection): its guest is not started, so nothing
    ** it would do (an outgoing request that nothing ends any more) runs
    ** after the stop */
    bool closing = atomic_load(&s->phase) == SV_CLOSING;
    if (next && !closing) {
      bool clean = sv_inst_run(s, next, ex);
      uint64_t t0 = wasmplug_monotonic_ns();
      wasmplug_error_t *e = clean && s->reuse ? wasmplug_program_instance_reset(next->pi) : NULL;
      if (clean && s->reuse && !e) {
        s->reset_ns += wasmplug_monotonic_ns() - t0;
        s->reset_count++;
      } else {
        wasmplug_error_delete(e);
        sv_inst_delete(next);
        next = NULL;
      }
    } else { /* cannot instantiate (500), or closing */
      pthread_mutex_lock(&ex->lock);
      ex->resp = WH_RESP_ERROR;
      ex->resp_error = WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR;
      pthread_mutex_unlock(&ex->lock);
      sv_on_response(ex);
    }
    wh_exchange_unref(ex);
    pthread_mutex_lock(&s->lock);
    q->running--;
    pthread_mutex_unlock(&s->lock);
  }
  sv_inst_delete(next);
  return NULL;
}

wasmplug_error_t *sv_workers_start(sv_server_t *s) {
  s->nthreads_all = s->nworkers + s->ngroups; /* each group: its share of nworkers, and one for its loop */
  s->workers = calloc(s->nthreads_all, sizeof *s->workers);
  s->interrupts = calloc(s->nthreads_all, sizeof *s->interrupts);
  if (!s->workers || !s->interrupts) {
    free(s->workers);
    free(s->interrupts);
    s->workers = NULL;
    s->interrupts = NULL;
    return wasmplug_error_new("out of memory");
  }
  for (unsigned k = 0; k < s->nthreads_all; k++) {
    worker_arg_t *a = malloc(sizeof *a);
    unsigned g = k < s->nworkers ? k % s->ngroups : k - s->nworkers;
    if (a) {
      a->s = s;
      a->g = g;
      a->k = k;
    }
    if (!a || pthread_create(&s->workers[k], NULL, worker, a)) {
      free(a);
      sv_workers_stop(s);
      return wasmplug_error_new("cannot start worker threads");
    }
    if (s->pin) pin_to(s->workers[k], s->groups[g].cpu);
    s->nstarted++;
  }
  return NULL;
}

void sv_workers_stop(sv_server_t *s) {
  pthread_mutex_lock(&s->lock);
  s->stopping = true;
  for (unsigned g = 0; g < s->ngroups; g++) {
    pthread_cond_broadcast(&s->groups[g].work);
    unpark(&s->groups[g]);
    sv_group_wake(&s->groups[g]); /* its leader's wait in the loop ends */
  }
  pthread_mutex_unlock(&s->lock);
  bool closing = atomic_load(&s->phase) == SV_CLOSING;
  for (unsigned k = 0; k < s->nstarted; k++) {
    if (!closing) {
      pthread_join(s->workers[k], NULL);
      continue;
    }
    /* Past the grace, a guest that computes on without returning (no
    ** --timeout or --fuel to stop it) would hold its thread, and the
    ** process, forever: its call is interrupted (a trap, like a time limit
    ** overrun), and again every 100 ms while the thread has not ended (a
    ** call it began just after, to instantiate, say). */
    for (;;) {
      pthread_mutex_lock(&s->lock);
      if (s->interrupts[k]) wasmplug_interrupt_handle_interrupt(s->interrupts[k]);
      pthread_mutex_unlock(&s->lock);
      struct timespec until;
      clock_gettime(CLOCK_REALTIME, &until);
      until.tv_nsec += 100 * 1000000L;
      if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
      }
      if (pthread_timedjoin_np(s->workers[k], NULL, &until) != ETIMEDOUT) break;
    }
  }
  for (unsigned k = 0; k < s->nstarted; k++) wasmplug_interrupt_handle_delete(s->interrupts[k]);
  s->nstarted = 0;
  free(s->workers);
  free(s->interrupts);
  s->workers = NULL;
  s->interrupts = NULL;
}
