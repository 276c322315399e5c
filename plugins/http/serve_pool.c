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

#include "cabi/cabi.h" /* value trees: the two own handles handle() takes */
#include "serve_internal.h"

uint64_t sv_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

void sv_inst_delete(sv_inst_t *i) {
  if (!i) return;
  wasmplug_program_instance_delete(i->pi);
  free(i);
}

wasmplug_error_t *sv_inst_new(sv_server_t *s, sv_inst_t **out) {
  *out = NULL;
  uint64_t t0 = sv_now_ns();
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
  s->inst_ns += sv_now_ns() - t0;
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

/* ------------------------------------------------------------ workers */

/* Groups.  A network thread queues its requests for its group, whose
** workers take them first; with pinning (the default on two or more CPUs)
** a group's threads share one CPU, so that handing a request to a worker
** and its response back to the network thread wakes a thread on the same
** CPU (cross-CPU wake-ups and migrations cost a fifth or more of the CPU
** time of a request here: bench/README.md).  One queue and one lock for
** all: a job goes to an idle worker of its group when there is one, else
** to an idle worker of another group, and a worker that finds no job of
** its group takes the oldest; so no request waits while any worker is
** free (a group whose workers all wait in their guests, for an upstream
** say, does not hold its requests back). */

/* The network thread's group, per thread (a thread serves one daemon). */
static _Thread_local struct {
  const sv_server_t *s;
  unsigned g;
} net_group;

static void pin_to(pthread_t t, int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(t, sizeof set, &set); /* best effort: unpinned if refused */
}

unsigned sv_net_group(sv_server_t *s) {
  if (net_group.s != s) {
    net_group.s = s;
    net_group.g = atomic_fetch_add(&s->next_group, 1) % s->ngroups;
    if (s->pin) pin_to(pthread_self(), s->groups[net_group.g].cpu);
  }
  return net_group.g;
}

wasmplug_error_t *sv_groups_new(sv_server_t *s) {
  s->ngroups = s->nthreads < s->nworkers ? s->nthreads : s->nworkers;
  if (!s->ngroups) s->ngroups = 1;
  if (!(s->groups = calloc(s->ngroups, sizeof *s->groups)) || !(s->queue = calloc(s->queue_cap, sizeof *s->queue)))
    return wasmplug_error_new("out of memory");
  /* the CPUs this process may run on, in order */
  cpu_set_t allowed;
  int cpus[CPU_SETSIZE], ncpus = 0;
  if (!sched_getaffinity(0, sizeof allowed, &allowed))
    for (int c = 0; c < CPU_SETSIZE; c++)
      if (CPU_ISSET(c, &allowed)) cpus[ncpus++] = c;
  s->pin = s->pin && s->ngroups > 1 && ncpus > 1;
  for (unsigned k = 0; k < s->nworkers; k++) s->groups[k % s->ngroups].nworkers++; /* as sv_workers_start starts them */
  for (unsigned g = 0; g < s->ngroups; g++) {
    pthread_cond_init(&s->groups[g].work, NULL);
    s->groups[g].cpu = s->pin ? cpus[g % (unsigned)ncpus] : -1;
  }
  return NULL;
}

void sv_groups_free(sv_server_t *s) {
  if (s->groups)
    for (unsigned g = 0; g < s->ngroups; g++) pthread_cond_destroy(&s->groups[g].work);
  free(s->groups);
  free(s->queue);
  s->groups = NULL;
  s->queue = NULL;
}

/* Wakes a worker of group q if one waits that was not woken already (lock
** held); with `alone`, only when none of its workers has a request (runs a
** guest, or is woken for one): its CPU has no guest. */
static bool wake(sv_group_t *q, bool alone) {
  if (q->idle <= q->signaled) return false;
  if (alone && q->nworkers - q->idle + q->signaled) return false;
  q->signaled++;
  pthread_cond_signal(&q->work);
  return true;
}

bool sv_enqueue(sv_server_t *s, wh_exchange_t *ex) {
  unsigned g = sv_net_group(s);
  pthread_mutex_lock(&s->lock);
  bool ok = !s->stopping && s->qlen < s->queue_cap;
  if (ok) {
    s->queue[(s->qhead + s->qlen++) % s->queue_cap] = (sv_job_t){ex, g};
    /* a worker of a group with no request running first (its group's,
    ** else another's): guests that compute long are spread over the CPUs,
    ** not two of them on one CPU while another has none; then its group's,
    ** else any other group's (which takes the oldest) */
    bool woken = false;
    for (unsigned pass = 0; pass < 2 && !woken; pass++)
      for (unsigned k = 0; k < s->ngroups && !woken; k++) woken = wake(&s->groups[(g + k) % s->ngroups], pass == 0);
  }
  pthread_mutex_unlock(&s->lock);
  return ok;
}

/* How far a worker looks for a job of its group before taking the oldest,
** and how often the oldest may be passed over (then it is taken): a group
** whose workers all wait in their guests does not hold its requests back
** for long while other groups have requests of their own. */
#define OWN_LOOKAHEAD 16

/* A job for a worker of group g (lock held): the first of its group among
** the oldest, else the oldest; NULL when the queue is empty. */
static wh_exchange_t *take(sv_server_t *s, unsigned g) {
  if (!s->qlen) return NULL;
  size_t n = s->qlen < OWN_LOOKAHEAD ? s->qlen : OWN_LOOKAHEAD, at = 0;
  if (s->head_skips < OWN_LOOKAHEAD)
    for (size_t k = 0; k < n; k++)
      if (s->queue[(s->qhead + k) % s->queue_cap].group == g) {
        at = k;
        break;
      }
  s->head_skips = at ? s->head_skips + 1 : 0; /* the oldest stays the oldest when passed over */
  wh_exchange_t *ex = s->queue[(s->qhead + at) % s->queue_cap].ex;
  for (size_t k = at; k > 0; k--) /* close the gap: the older ones move up by one */
    s->queue[(s->qhead + k) % s->queue_cap] = s->queue[(s->qhead + k - 1) % s->queue_cap];
  s->qhead = (s->qhead + 1) % s->queue_cap;
  s->qlen--;
  return ex;
}

/* Waits for the next job of a worker of group g; NULL: stopping, and the
** queue is empty. */
static wh_exchange_t *next_job(sv_server_t *s, unsigned g) {
  sv_group_t *q = &s->groups[g];
  wh_exchange_t *ex;
  pthread_mutex_lock(&s->lock);
  while (!(ex = take(s, g)) && !s->stopping) {
    q->idle++;
    pthread_cond_wait(&q->work, &s->lock);
    q->idle--;
    if (q->signaled) q->signaled--;
  }
  pthread_mutex_unlock(&s->lock);
  return ex;
}

typedef struct worker_arg {
  sv_server_t *s;
  unsigned g, k; /* its group, its number */
} worker_arg_t;

static void *worker(void *arg) {
  sv_server_t *s = ((worker_arg_t *)arg)->s;
  unsigned g = ((worker_arg_t *)arg)->g, k = ((worker_arg_t *)arg)->k;
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
    wh_exchange_t *ex = next_job(s, g);
    if (!ex) break; /* stopping, and nothing left to do */
    /* past the stop's grace (SV_CLOSING) a request still queued has had its
    ** 503 (or lost its connection): its guest is not started, so nothing
    ** it would do (an outgoing request that nothing ends any more) runs
    ** after the stop */
    bool closing = atomic_load(&s->phase) == SV_CLOSING;
    if (next && !closing) {
      bool clean = sv_inst_run(s, next, ex);
      uint64_t t0 = sv_now_ns();
      wasmplug_error_t *e = clean && s->reuse ? wasmplug_program_instance_reset(next->pi) : NULL;
      if (clean && s->reuse && !e) {
        s->reset_ns += sv_now_ns() - t0;
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
  }
  sv_inst_delete(next);
  return NULL;
}

wasmplug_error_t *sv_workers_start(sv_server_t *s) {
  s->workers = calloc(s->nworkers, sizeof *s->workers);
  s->interrupts = calloc(s->nworkers, sizeof *s->interrupts);
  if (!s->workers || !s->interrupts) {
    free(s->workers);
    free(s->interrupts);
    s->workers = NULL;
    s->interrupts = NULL;
    return wasmplug_error_new("out of memory");
  }
  for (unsigned k = 0; k < s->nworkers; k++) {
    worker_arg_t *a = malloc(sizeof *a);
    if (a) {
      a->s = s;
      a->g = k % s->ngroups; /* every group has one at least: ngroups <= nworkers */
      a->k = k;
    }
    if (!a || pthread_create(&s->workers[k], NULL, worker, a)) {
      free(a);
      sv_workers_stop(s);
      return wasmplug_error_new("cannot start worker threads");
    }
    if (s->pin) pin_to(s->workers[k], s->groups[k % s->ngroups].cpu);
    s->nstarted++;
  }
  return NULL;
}

void sv_workers_stop(sv_server_t *s) {
  pthread_mutex_lock(&s->lock);
  s->stopping = true;
  for (unsigned g = 0; g < s->ngroups; g++) pthread_cond_broadcast(&s->groups[g].work);
  pthread_mutex_unlock(&s->lock);
  bool closing = atomic_load(&s->phase) == SV_CLOSING;
  for (unsigned k = 0; k < s->nstarted; k++) {
    if (!closing) {
      pthread_join(s->workers[k], NULL);
      continue;
    }
    /* Past the grace, a guest that computes on without returning (no
    ** --timeout or --fuel to stop it) would hold its worker, and the
    ** process, forever: its call is interrupted (a trap, like a time limit
    ** overrun), and again every 100 ms while the worker has not ended (a
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
