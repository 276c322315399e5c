/*
** serve.c — wasmplug/serve.h: the server's life: the listening socket, a
** libmicrohttpd daemon per group (event loops run by the groups' threads:
** serve_pool.c), the threads, and a graceful stop on SIGINT/SIGTERM; and
** the registration of the built-in wasi-http plugin.
**
** Why libmicrohttpd (Debian's libmicrohttpd12): a small C library made to
** be embedded, robust against malformed and hostile HTTP (strict parsing,
** limits on the header section through a per-connection memory pool,
** per-connection timeouts for slow clients, connection limits), with
** epoll loops an application may drive itself and suspend/resume, which lets
** a body stream at the guest's pace without a thread per connection.
** See plugins/http/README.md for the comparison with the alternatives.
*/
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve_internal.h"

wasmplug_error_t *wasmplug_serve_http_plugin_add(wasmplug_host_t *host, const char *const *allow, size_t nallow,
                                                uint64_t max_body) {
  size_t len = 64;
  for (size_t i = 0; i < nallow; i++) {
    if (!*allow[i] || strpbrk(allow[i], " ,%"))
      return wasmplug_error_new("--allow-http '%s': expected HOST or HOST:PORT", allow[i]);
    len += strlen(allow[i]) + 1;
  }
  char *spec = malloc(len), *o = spec;
  if (!spec) return wasmplug_error_new("out of memory");
  o += sprintf(o, "max-body=%llu", (unsigned long long)max_body);
  if (nallow) o += sprintf(o, ",allow-http=");
  for (size_t i = 0; i < nallow; i++) o += sprintf(o, "%s%s", i ? " " : "", allow[i]);
  static const struct {
    const char *name;
    wasmplug_plugin_entry_fn entry;
  } builtins[] = {{"wasi-http", wp_wasi_http_entry}, {"wasi-http-p3", wp_wasi_http_p3_entry}};
  wasmplug_error_t *e = NULL;
  for (size_t k = 0; k < 2 && !e; k++) {
    if (!wasmplug_host_plugin_loaded(host, builtins[k].name))
      e = wasmplug_host_plugin_add(host, builtins[k].entry, builtins[k].name, spec, NULL);
    else if (nallow) /* the loaded one has grants of its own */
      e = wasmplug_error_new("--allow-http: plugin %s is loaded already; grant hosts with its own option "
                             "(--plugin PATH,allow-http=HOST)", builtins[k].name);
  }
  free(spec);
  return e;
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" -> a listening socket (-1 and *why). */
static int listen_on(const char *addr, char *shown, size_t shown_len, wasmplug_error_t **why) {
  char host[256] = "", port[16];
  const char *colon;
  if (addr[0] == '[') {
    const char *close = strchr(addr, ']');
    colon = close && close[1] == ':' ? close + 1 : NULL;
    if (!colon || (size_t)(close - addr - 1) >= sizeof host) goto bad;
    memcpy(host, addr + 1, (size_t)(close - addr - 1));
    host[close - addr - 1] = 0;
  } else {
    colon = strrchr(addr, ':');
    if (!colon || (size_t)(colon - addr) >= sizeof host) goto bad;
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = 0;
  }
  if (!colon[1] || strlen(colon + 1) >= sizeof port || strspn(colon + 1, "0123456789") != strlen(colon + 1)) goto bad;
  snprintf(port, sizeof port, "%s", colon + 1);
  if (atoi(port) > 65535) goto bad;
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  int rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);
  if (rc) {
    *why = wasmplug_error_new("--addr %s: %s", addr, gai_strerror(rc));
    return -1;
  }
  int fd = -1, err = 0;
  for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1024)) {
      err = errno;
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) {
    *why = wasmplug_error_new("--addr %s: cannot listen: %s", addr, strerror(err));
    return -1;
  }
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  char h[NI_MAXHOST] = "?", p[NI_MAXSERV] = "?";
  if (!getsockname(fd, (struct sockaddr *)&ss, &sl))
    getnameinfo((struct sockaddr *)&ss, sl, h, sizeof h, p, sizeof p, NI_NUMERICHOST | NI_NUMERICSERV);
  snprintf(shown, shown_len, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, p);
  return fd;
bad:
  *why = wasmplug_error_new("--addr '%s': expected HOST:PORT, [IPV6]:PORT or :PORT", addr);
  return -1;
}

static unsigned cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1;
}

/* Waits until no request is in flight, at most `ms`; how many still are. */
static unsigned wait_idle(sv_server_t *s, uint64_t ms) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += (time_t)(ms / 1000);
  until.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&s->lock);
  while (s->inflight && pthread_cond_timedwait(&s->idle, &s->lock, &until) != ETIMEDOUT) {
  }
  unsigned left = s->inflight;
  pthread_mutex_unlock(&s->lock);
  return left;
}

/* Waits for SIGINT/SIGTERM (blocked in every thread, taken here). */
static void wait_for_stop(const sigset_t *set) {
  int sig;
  while (sigwait(set, &sig)) {
  }
}

/* A daemon per group on the listening socket `fd` (each on a duplicate of
** its own: a daemon closes its socket when it stops), driven by the group's
** threads (no thread of libmicrohttpd's own: serve_pool.c). */
static wasmplug_error_t *daemons_start(sv_server_t *s, int fd, const char *shown) {
  const wasmplug_serve_options_t *o = s->o;
  /* several loops accept on it: none may block in accept() */
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
    return wasmplug_error_new("--addr %s: cannot make the socket non-blocking: %s", shown, strerror(errno));
  unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
  if (o->verbose) flags |= MHD_USE_ERROR_LOG;
  unsigned conns = o->max_connections ? o->max_connections : 1024;
  conns = (conns + s->ngroups - 1) / s->ngroups; /* shared out, as libmicrohttpd's own pool does */
  for (unsigned g = 0; g < s->ngroups; g++) {
    sv_group_t *q = &s->groups[g];
    int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own < 0) return wasmplug_error_new("--addr %s: %s", shown, strerror(errno));
    q->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, sv_access, q, MHD_OPTION_LISTEN_SOCKET, own, MHD_OPTION_CONNECTION_LIMIT, conns,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(o->idle_timeout_s ? o->idle_timeout_s : 30),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(o->max_header_bytes ? o->max_header_bytes : 32 * 1024),
        MHD_OPTION_URI_LOG_CALLBACK, sv_uri_log, q, MHD_OPTION_NOTIFY_COMPLETED, sv_completed, q,
        MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_END);
    if (!q->mhd) {
      close(own);
      return wasmplug_error_new("--addr %s: libmicrohttpd could not start serving", shown);
    }
    /* The group's eventfd joins the loop's epoll set, so that a write to
    ** it ends the leader's wait (serve_pool.c, poke), which has no time
    ** limit.  Its event carries a NULL pointer, which libmicrohttpd's
    ** epoll loop skips (every version with epoll, 0.9.x since 2013, skips
    ** such an event; MHD_run_wait needs 0.9.72): the loop then returns
    ** after its turn.  (Polling the loop's epoll fd and this one from an
    ** epoll set of ours, as libmicrohttpd documents for external loops,
    ** would cost a system call more on every turn.) */
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(q->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    if (!di || di->epoll_fd < 0) return wasmplug_error_new("serve: libmicrohttpd gave no epoll fd");
    if (epoll_ctl(di->epoll_fd, EPOLL_CTL_ADD, q->wake_fd, &ev))
      return wasmplug_error_new("serve: cannot add a wake-up to the event loop: %s", strerror(errno));
  }
  return NULL;
}

/* Stops the daemons (no thread runs their loops any more). */
static void daemons_stop(sv_server_t *s) {
  for (unsigned g = 0; s->groups && g < s->ngroups; g++)
    if (s->groups[g].mhd) {
      MHD_stop_daemon(s->groups[g].mhd);
      s->groups[g].mhd = NULL;
    }
}

wasmplug_error_t *wasmplug_serve(wasmplug_program_t *program, const wasmplug_serve_options_t *o) {
  sv_server_t s;
  memset(&s, 0, sizeof s);
  s.o = o;
  s.program = program;
  s.name = wasmplug_program_name(program);
  s.nthreads = o->threads ? o->threads : cores();
  s.nworkers = o->workers ? o->workers : 2 * cores();
  s.queue_cap = o->queue ? o->queue : 1024;
  s.max_body = o->max_body ? o->max_body : (64u << 20);
  s.reuse = !o->fresh_instances;
  /* (a caller's older, smaller options: the default) */
  bool has_takeover = o->size >= offsetof(wasmplug_serve_options_t, takeover_ms) + sizeof o->takeover_ms;
  s.takeover_ns = (uint64_t)(has_takeover && o->takeover_ms ? o->takeover_ms : 1) * 1000000u;
  bool has_rate = o->size >= offsetof(wasmplug_serve_options_t, min_send_rate) + sizeof o->min_send_rate;
  s.min_send_rate = has_rate && o->min_send_rate ? o->min_send_rate : 1024;
  if (s.min_send_rate == UINT64_MAX) s.min_send_rate = 0;
  s.min_rate_after_ns = (uint64_t)(o->idle_timeout_s ? o->idle_timeout_s : 30) * 1000000000u;
  pthread_mutex_init(&s.lock, NULL);
  pthread_mutex_init(&s.log_lock, NULL);
  pthread_cond_init(&s.idle, NULL);
  wasmplug_error_t *err = NULL;
  sv_inst_t *probe = NULL;
  int fd = -1;
  sigset_t stop, old;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  /* every thread started from here on inherits the mask */
  pthread_sigmask(SIG_BLOCK, &stop, &old);

  if (!wasmplug_program_is_component(program)) {
    err = wasmplug_error_new("%s: not a component (serve runs a wasi:http/proxy component)", s.name);
    goto out;
  }
  /* pinned unless asked not to (a caller's older, smaller options: pinned) */
  s.pin = !(o->size >= offsetof(wasmplug_serve_options_t, no_pin) + sizeof o->no_pin && o->no_pin);
  if ((err = sv_groups_new(&s))) goto out;
  /* one instance now, so that a link error stops us before we listen */
  if ((err = sv_inst_new(&s, &probe))) goto out;
  sv_inst_delete(probe);
  char shown[300];
  if ((fd = listen_on(o->addr ? o->addr : "127.0.0.1:8080", shown, sizeof shown, &err)) < 0) goto out;
  const char *lib = wh_mhd_load();
  if (lib) {
    err = wasmplug_error_new("serve: %s", lib);
    goto out;
  }
  if ((err = daemons_start(&s, fd, shown))) goto out;
  close(fd); /* the daemons have theirs */
  fd = -1;
  if ((err = sv_workers_start(&s))) goto out;
  FILE *ann = o->announce ? o->announce : stdout;
  fprintf(ann, "listening on http://%s\n", shown);
  fflush(ann);

  wait_for_stop(&stop);

  /* Let what is in flight finish, then stop.  The listening socket stays
  ** open meanwhile: a request that comes now gets 503 "server stopping"
  ** (see begin in serve_conn.c), where closing it would reset the
  ** connections the kernel had accepted and refuse the others. */
  s.phase = SV_DRAINING;
  unsigned grace = o->grace_s ? o->grace_s : 30;
  unsigned left = wait_idle(&s, (uint64_t)grace * 1000);
  if (left) fprintf(stderr, "wasmplug: serve: %u request(s) still in flight after %us; closing them\n", left, grace);
  /* libmicrohttpd must not be stopped with a suspended connection (it
  ** aborts the process): resume each, and let none suspend again (a
  ** resumed one runs its callback before the stop, which would wait again
  ** for the guest; and a kept-alive connection may have begun a request
  ** since inflight was read).  See SV_CLOSING. */
  s.phase = SV_CLOSING;
  sv_resume_all(&s);
  /* The resumed connections answer 503 (or cut their bodies) on the
  ** loops, still running: let those reach the clients, which would
  ** otherwise see a reset and no status at all.  Bounded: a client that
  ** never finishes its request head does not hold the stop. */
  if (left) wait_idle(&s, SV_FLUSH_MS);
  /* a guest waiting on an upstream that never answers would hold its
  ** thread, and the process, forever: its transfer fails now (after the
  ** 503s went: its failing transfer would otherwise race them with a
  ** response of the guest's own, made past the grace) */
  wh_client_stop_all();
  /* the loops end, and the guests still running are interrupted; then
  ** the daemons stop (no thread runs them any more) */
  sv_workers_stop(&s);
out:
  if (s.nstarted) sv_workers_stop(&s);
  daemons_stop(&s);
  if (fd >= 0) close(fd);
  if (o->verbose && s.inst_count)
    fprintf(stderr, "wasmplug: serve: %llu instances made, %.1f us each on average\n",
            (unsigned long long)s.inst_count, (double)s.inst_ns / (double)s.inst_count / 1e3);
  if (o->verbose && s.reset_count)
    fprintf(stderr, "wasmplug: serve: %llu instance resets (a fresh instance per request), %.1f us each on average\n",
            (unsigned long long)s.reset_count, (double)s.reset_ns / (double)s.reset_count / 1e3);
  if (o->verbose && s.led_count + s.handed_count)
    fprintf(stderr,
            "wasmplug: serve: %llu requests run by the thread of their event loop, %llu by another; "
            "%llu loops taken over from a guest\n",
            (unsigned long long)s.led_count, (unsigned long long)s.handed_count, (unsigned long long)s.takeover_count);
  sv_groups_free(&s);
  pthread_cond_destroy(&s.idle);
  pthread_mutex_destroy(&s.log_lock);
  pthread_mutex_destroy(&s.lock);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return err;
}
