/*
** serve_watch.c — a plugin server's watcher (rpc.h): while a plugin call
** runs on the serving thread, this thread reads the calling session's
** socket for the client's STOP naming that call, and keeps the call's
** deadline (it came with the request).  Either sets the word
** host->interrupted reads, then sends the serving thread
** its stop signal (WP_RPC_STOP_SIGNAL unless the embedder chose another or
** none: wasmplug_plugin_server_stop_signal_set; its handler does nothing,
** without SA_RESTART: the plugin's blocking system call fails with EINTR),
** again every 10 ms until the call ends -- what the watchdog does in process and the ring's
** notice does for an isolate helper.  A client that goes away mid-call
** (EOF) ends its call the same way: nobody waits for the answer.
**
** Clients are hostile, to the server and to each other: only the session
** whose call runs is read, only a STOP naming that call's id counts, and
** the word is set to the arm's own number (never a client's id), so a
** notice reaches no other call, of that client or another.  The watcher
** reads at most WATCH_BUF bytes per call, starting with what the session
** had buffered behind the request (a frame boundary; more than WATCH_BUF
** of those: it reads nothing that call): a client sending
** anything else, or a malformed frame, stops the reading for that call
** (the deadline still stands) and the serving thread judges those bytes
** after the call, as it judges every frame.
** While it reads, the serving thread does not (its plugin call runs): the
** bytes go back to the connection at disarm.
*/
#include "isolate/rpc.h"
#include "wasmplug/clock.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Honest clients send one 24-byte STOP per call. */
#define WATCH_BUF 4096u
#define RESIGNAL_MS 10

struct wp_rpc_watch {
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int kick;       /* eventfd: wakes the thread out of its poll */
  pid_t tid;      /* the serving thread */
  int signo;      /* what it is sent (0: nothing) */
  bool quit, armed;
  uint32_t arm;   /* the current arm's number (never 0) */
  int fd;         /* the session's socket; < 0: not read this call */
  uint32_t call_id;
  uint64_t deadline;
  bool told;      /* the word holds `arm`: signal every RESIGNAL_MS */
  uint8_t buf[WATCH_BUF];
  size_t len, scan; /* bytes read; frames before `scan` were looked at */
  _Atomic uint32_t word;
};

/* The serving thread's blocking system call fails with EINTR. */
static void poke(wp_rpc_watch_t *w) {
  if (w->signo) syscall(SYS_tgkill, (pid_t)getpid(), w->tid, w->signo);
}

/* The call must end: the word, and the signal (now; the loop repeats it). */
static void tell(wp_rpc_watch_t *w) {
  atomic_store_explicit(&w->word, w->arm, memory_order_release);
  w->told = true;
  poke(w);
}

/* Whole frames read so far: a STOP for the call tells; anything else (or
** a malformed header) ends the reading.  With the lock held. */
static void scan(wp_rpc_watch_t *w) {
  while (w->fd >= 0 && w->len - w->scan >= WP_RPC_HEADER) {
    wp_rpc_header_t h;
    char why[160];
    if (wp_rpc_header_get(w->buf + w->scan, &h, why, sizeof why) || h.kind != WP_RPC_STOP || h.len) {
      w->fd = -1;
      return;
    }
    w->scan += WP_RPC_HEADER;
    if (h.call_id == w->call_id && !w->told) tell(w);
  }
  if (w->len == sizeof w->buf) w->fd = -1; /* full: no more for this call */
}

/* What arrived on the socket (without blocking).  With the lock held. */
static void drain(wp_rpc_watch_t *w) {
  while (w->fd >= 0 && w->len < sizeof w->buf) {
    ssize_t n = recv(w->fd, w->buf + w->len, sizeof w->buf - w->len, MSG_DONTWAIT);
    if (n > 0) {
      w->len += (size_t)n;
      scan(w);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    /* EOF or a broken connection: the client is gone, so is its call */
    w->fd = -1;
    if (!w->told) tell(w);
    return;
  }
}

static void *watch_main(void *arg) {
  wp_rpc_watch_t *w = arg;
  pthread_mutex_lock(&w->mu);
  while (!w->quit) {
    if (!w->armed) {
      pthread_cond_wait(&w->cv, &w->mu);
      continue;
    }
    uint32_t arm = w->arm;
    int timeout = -1;
    if (w->told) timeout = w->signo ? RESIGNAL_MS : -1; /* (no signal: nothing to repeat) */
    else if (w->deadline) {
      uint64_t now = wasmplug_monotonic_ns();
      if (now >= w->deadline) {
        tell(w);
        continue;
      }
      uint64_t ms = (w->deadline - now + 999999u) / 1000000u;
      timeout = ms > 3600000u ? 3600000 : (int)ms;
    }
    struct pollfd pf[2] = {{.fd = w->kick, .events = POLLIN}, {.fd = w->fd, .events = POLLIN}};
    nfds_t nfds = w->fd >= 0 ? 2 : 1;
    pthread_mutex_unlock(&w->mu);
    int r = poll(pf, nfds, timeout);
    if (r > 0 && pf[0].revents) {
      uint64_t v;
      (void)!read(w->kick, &v, sizeof v);
    }
    pthread_mutex_lock(&w->mu);
    if (!w->armed || w->arm != arm) continue; /* that call ended: look again */
    if (r > 0 && nfds == 2 && pf[1].revents) drain(w);
    if (w->told && r == 0) poke(w);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

wp_rpc_watch_t *wp_rpc_watch_new(int signo) {
  wp_rpc_watch_t *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->tid = (pid_t)syscall(SYS_gettid);
  w->signo = signo;
  w->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (w->kick < 0) {
    free(w);
    return NULL;
  }
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  /* Before the first signal can come: its default action ends the process
  ** (an embedder's own handler for it is kept: wasmplug/host.h). */
  wp_rpc_stop_signal_install(signo);
  /* The thread takes no signal meant for the serving thread's calls. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(&w->th, NULL, watch_main, w);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc) {
    close(w->kick);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    return NULL;
  }
  return w;
}

void wp_rpc_watch_delete(wp_rpc_watch_t *w) {
  if (!w) return;
  pthread_mutex_lock(&w->mu);
  w->quit = true;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  uint64_t one = 1;
  (void)!write(w->kick, &one, sizeof one);
  pthread_join(w->th, NULL);
  close(w->kick);
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->cv);
  free(w);
}

void wp_rpc_watch_arm(wp_rpc_watch_t *w, wp_rpc_conn_t *c, uint32_t call_id, uint64_t deadline,
                      const _Atomic uint32_t **word, uint32_t *id) {
  pthread_mutex_lock(&w->mu);
  if (++w->arm == 0) w->arm = 1;
  w->armed = true;
  w->told = false;
  w->call_id = call_id;
  w->deadline = deadline;
  w->len = w->scan = 0;
  *word = &w->word;
  *id = w->arm;
  /* Bytes the session already holds after the request start at a frame
  ** boundary (frames are consumed whole): a client's STOP sent right
  ** behind its CALL arrives with it.  The watcher takes them all (disarm
  ** gives them back, in order, before anything it read later), looks at
  ** them first, and reads the socket on.  More than WATCH_BUF (no honest
  ** client sends that much behind a CALL) stay with the session, and the
  ** watcher reads nothing for this call: taking only some would put them
  ** back behind the rest. */
  size_t held = c->rlen - c->rpos, take = held <= sizeof w->buf ? held : 0;
  if (take) memcpy(w->buf, c->rbuf + c->rpos, take);
  c->rpos += take;
  w->len = take;
  w->fd = take == held ? c->fd : -1;
  scan(w);
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  uint64_t one = 1;
  (void)!write(w->kick, &one, sizeof one);
}

void wp_rpc_watch_disarm(wp_rpc_watch_t *w, wp_rpc_conn_t *c) {
  pthread_mutex_lock(&w->mu);
  w->armed = false;
  /* out of memory: the bytes are lost and the session's next frame
  ** misparses (an ERROR, the session ends), never anything worse */
  if (!wp_rpc_conn_feed(c, w->buf, w->len)) c->rlen = c->rpos = 0;
  w->len = w->scan = 0;
  pthread_mutex_unlock(&w->mu);
  /* Out of its poll now: a poll holds the socket it waits on, so a
  ** session the server closes after this call would stay open (no EOF
  ** for its client) until the next byte or the deadline woke the thread. */
  uint64_t one = 1;
  (void)!write(w->kick, &one, sizeof one);
}
