/*
** serve_internal.h — what the server's files (serve_*.c) share.
*/
#ifndef WASMPLUG_SERVE_INTERNAL_H
#define WASMPLUG_SERVE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "h.h"
#include "h3.h"
#include "h_lib.h" /* libmicrohttpd, loaded by wasmplug_serve */
#include "wasmplug/serve.h"

typedef struct sv_server sv_server_t;

/* How long the stop waits, past the grace, for the 503s and cut bodies
** of the requests it ends to reach their clients. */
#define SV_FLUSH_MS 1000

/* The server's stop, in order (sv_server.phase). */
typedef enum {
  SV_RUNNING = 0,
  /* SIGINT/SIGTERM: requests in flight go on (--grace); a new request (a
  ** new connection: the server still accepts until it stops, so that a
  ** client gets an answer rather than a reset; or a kept-alive one) gets
  ** 503 and a close, and is not waited for */
  SV_DRAINING,
  /* the grace is over and libmicrohttpd is about to stop: no connection is
  ** suspended any more (MHD_stop_daemon aborts the process when one is).
  ** Each is resumed once (sv_resume_all) and then ended where it would
  ** have waited: a request not answered yet gets 503, a response body is
  ** cut (the client never sees it complete), a request body still
  ** arriving is dropped with its connection.  The server waits (briefly:
  ** SV_FLUSH_MS) for those ends to reach the clients before it stops. */
  SV_CLOSING
} sv_phase_t;

/* One guest instance ready to handle a request (serve_pool.c). */
typedef struct sv_inst {
  wasmplug_program_instance_t *pi;
  wasmplug_component_func_t *handle;
  void *http; /* the wasi-http plugin's state for this guest (0.2) */
  /* a wasi:http@0.3 service: handle is wasi:http/handler#handle, an async
  ** function, and http the wasi-http-p3 plugin's state */
  bool p3;
  wasmplug_component_instance_t *ci;
} sv_inst_t;

/* One request on a connection (libmicrohttpd's con_cls). */
typedef struct sv_conn {
  sv_server_t *s;
  unsigned group;    /* the group whose loop serves the connection */
  struct MHD_Connection *mc;
  wh_exchange_t *ex;
  char *uri;         /* the request target as received */
  bool started;      /* the head was taken */
  bool upload_done;
  bool answered;     /* a response was queued */
  bool suspended;    /* under ex->lock */
  bool counted;      /* in s->inflight */
  bool too_large;    /* the body went over --max-body: 413 once it is read */
  /* a request with a body not queued yet: once the body is complete it is
  ** queued deferred, as one without a body; when the request pipe fills
  ** first, for a follower (its guest must read while the loop pushes) */
  bool held;
  bool busy;         /* the queue was full when it was to be queued: 503 once it is read */
  /* queued for the loop's own thread (a request whose body, if any, is
  ** complete): its
  ** final callback returns once without suspending the connection, since
  ** that thread runs the guest right after the loop's turn and the next
  ** turn asks again (serve_pool.c, "Leader and followers") */
  bool deferrable;
  uint64_t discarded;
  unsigned status;
  uint64_t sent;
  uint64_t t0_ns;    /* when the request began (wasmplug_monotonic_ns) */
  /* a response body streamed from the guest (--min-send-rate): when it
  ** was queued, and the time since spent suspended waiting for the guest
  ** (under ex->lock: susp_ns is when the current wait began, 0: none) */
  uint64_t resp_ns, guest_wait_ns, susp_ns;
  bool too_slow;     /* cut for taking its body slower than --min-send-rate */
  struct sv_conn *prev, *next; /* s->conns */
} sv_conn_t;

/* A group: a libmicrohttpd daemon (an event loop of its own on the shared
** listening socket) and the threads that take turns running it and run
** its requests' guests, on one CPU when pinned (serve_pool.c).  Under the
** server's lock unless said otherwise. */
typedef struct sv_group {
  sv_server_t *s;          /* set once */
  unsigned index;          /* set once */
  struct MHD_Daemon *mhd;  /* set once; driven by the leader only */
  pthread_cond_t work;     /* a job for one of its followers, the loop to take over, or stopping */
  unsigned nworkers;       /* guests it runs at once; it has one thread more */
  unsigned running;        /* its threads running a guest */
  unsigned idle;           /* its threads waiting (followers) */
  unsigned signaled;       /* of those, woken for a job (not counted as free) */
  unsigned deferred;       /* jobs queued for its leader (sv_job.deferred) */
  bool leader;             /* a thread runs its loop */
  uint64_t turn_ns;        /* when the loop's last turn ended (wasmplug_monotonic_ns) */
  uint64_t left_ns;        /* when its leader last left it */
  uint64_t leaves;         /* times its leader left it (to run a guest) */
  bool watcher;            /* a follower waits with a time limit (takeover_ns) */
  /* the watcher waits on `watch` with no time limit: the loop stayed
  ** attended for a whole takeover period, so an idle server does not wake
  ** it every takeover_ns; the leader's next leave (or a job) wakes it */
  bool parked;
  pthread_cond_t watch;
  /* An eventfd in the loop's epoll set: written to end the leader's wait
  ** (MHD_run_wait without a time limit) when the server stops, a job its
  ** followers cannot take is queued, or another thread resumed one of the
  ** loop's connections (sv_group_wake: libmicrohttpd signals a resume only
  ** to loops of its own).  `poked` is set by the one write while it is
  ** readable, and cleared by the leader after it read it back (lock-free:
  ** any thread, with or without the server's lock). */
  int wake_fd;
  _Atomic bool poked;
  int cpu;                 /* the CPU its threads are pinned to, or -1 */
} sv_group_t;

/* A queued request and the group of the loop that queued it. */
typedef struct sv_job {
  wh_exchange_t *ex;
  unsigned group;
  bool deferred; /* for that group's leader, to run after its loop's turn */
  bool spread;   /* handed to `group` (running no guest) for a follower of its own */
} sv_job_t;

struct sv_server {
  const wasmplug_serve_options_t *o;
  wasmplug_program_t *program;
  const char *name;
  unsigned nthreads, nworkers, queue_cap;
  /* how long a loop may be left unattended (its leader running a guest)
  ** before a follower of its group takes it over: the bound on how long a
  ** guest that computes or waits holds the other connections of its loop */
  uint64_t takeover_ns;
  uint64_t max_body;
  /* a response body's client must take it at this many bytes per second
  ** on average (0: no minimum), judged once it has waited for the client
  ** this long (wasmplug_serve_options_t.min_send_rate) */
  uint64_t min_send_rate, min_rate_after_ns;
  pthread_mutex_t lock;  /* the queue and groups, inflight, conns */
  pthread_cond_t idle;   /* inflight dropped */
  sv_job_t *queue;       /* queue_cap entries */
  size_t qhead, qlen;
  size_t ndeferred;      /* of those, deferred (for their groups' leaders) */
  unsigned head_skips;   /* times the oldest job was passed over (serve_pool.c take) */
  bool stopping;
  /* groups: one per event loop, whose threads share its CPU when pinned
  ** (serve_pool.c) */
  sv_group_t *groups;
  unsigned ngroups;
  bool pin;                    /* groups are pinned to CPUs */
  /* read under an exchange's lock wherever a connection may be suspended,
  ** written before sv_resume_all takes those locks: a connection either
  ** is suspended before it and resumed by it, or sees SV_CLOSING */
  _Atomic sv_phase_t phase;
  unsigned inflight;     /* requests begun and not completed */
  sv_conn_t *conns;      /* live requests */
  pthread_t *workers;    /* every group's threads */
  unsigned nthreads_all; /* their number: nworkers + ngroups */
  /* each thread's interrupt handle (made by the thread; under lock): past
  ** the grace, the guest calls still running are ended with them */
  wasmplug_interrupt_handle_t **interrupts;
  unsigned nstarted;
  /* instantiation and resets, measured */
  _Atomic uint64_t inst_count, inst_ns, reset_count, reset_ns;
  /* requests run by their loop's leader, by another thread; loops taken
  ** over by a follower (each under lock) */
  uint64_t led_count, handed_count, takeover_count;
  _Atomic bool reuse; /* instances are reset and reused (wasmplug_program_instance_snapshot worked) */
  pthread_mutex_t log_lock;
};

/* serve_pool.c */
wasmplug_error_t *sv_inst_new(sv_server_t *s, sv_inst_t **out);
void sv_inst_delete(sv_inst_t *i);
/* Runs the guest's handle for ex on instance i; answers 500 when the
** guest sets no response (a trap, an early return).  Logs traps; returns
** false after one (the instance must not be reused). */
bool sv_inst_run(sv_server_t *s, sv_inst_t *i, wh_exchange_t *ex);
/* Queues ex, a request that came on group g's loop (false: full or
** stopping).  `deferred`: for g's leader to run after its loop's turn (no
** thread is woken); else a follower is woken for it. */
bool sv_enqueue(sv_server_t *s, wh_exchange_t *ex, unsigned g, bool deferred);
/* Makes the groups (before their daemons and threads start). */
wasmplug_error_t *sv_groups_new(sv_server_t *s);
void sv_groups_free(sv_server_t *s);
/* Starts every group's threads, which run its loop and its guests. */
wasmplug_error_t *sv_workers_start(sv_server_t *s);
/* Stops them: each loop is left, queued requests not run once the server
** is SV_CLOSING, and guests still running past the grace interrupted. */
void sv_workers_stop(sv_server_t *s);
/* Ends the wait of group q's leader in its loop, from any thread, holding
** any lock or none (its next turn resumes what was resumed). */
void sv_group_wake(sv_group_t *q);

/* serve_conn.c: libmicrohttpd's callbacks. */
void *sv_uri_log(void *cls, const char *uri, struct MHD_Connection *mc);
enum MHD_Result sv_access(void *cls, struct MHD_Connection *mc, const char *url, const char *method,
                          const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls);
void sv_completed(void *cls, struct MHD_Connection *mc, void **con_cls, enum MHD_RequestTerminationCode why);
/* The exchange's hooks (set on every exchange the server makes). */
void sv_on_response(wh_exchange_t *ex);
void sv_on_wake(wh_exchange_t *ex);
/* Resumes every suspended request (before stopping the daemon, with
** s->phase SV_CLOSING so that none is suspended again). */
void sv_resume_all(sv_server_t *s);

#endif
