/*
** serve.c — the server side of the plugin RPC protocol: a loaded plugin
** answering frames, one session per connection (its own instance states,
** arena and read buffer).  Used by the isolate helper (`wasmplug
** plugin-host`, one connection) and by `wasmplug plugin-serve` (a poll
** loop over many connections: one plugin process, many hosts).
**
** Frames from clients are checked like any untrusted input: unknown
** instance ids, function or resource indexes, and malformed values get an
** ERROR answer and end the session; they never reach the plugin.  So do
** resource reps: each instance of a session keeps the set of reps the
** plugin handed it (own<R> in results), per resource type, and a CALL or
** RES_DROP naming any other rep is refused, as the in-process path's handle
** tables refuse a handle the guest was never given.  An own<R> passed
** back in a CALL leaves the set (the plugin owns it again); RES_DROP
** removes it; what is left when the instance or session ends is dropped
** then, once.
*/
#include "core/error.h"
#include "isolate/rpc.h"
#include "wasmplug/clock.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* A client sends a frame's rest promptly: a stalled one is dropped
** (wasmplug_plugin_server_limits_t, the defaults). */
#define FRAME_TIMEOUT_MS 5000u
/* A client takes its reply promptly: one that does not is dropped. */
#define SEND_TIMEOUT_MS 30000u
/* Frames of one session handled in one turn of plugin-serve's loop, before
** the other sessions get theirs. */
#define FRAMES_PER_TURN 64u
#define MAX_INSTANCES 65536u
#define MAX_SESSIONS 256u
/* plugin-serve's call workers (wasmplug_plugin_server_limits_t) and the
** idle limit of a session that has made no instance (a host sends HELLO
** when it loads the plugin, INST_NEW when it instantiates: a compile may
** come between). */
#define CALL_WORKERS 8u
#define CALL_WORKERS_MAX 256u
#define IDLE_TIMEOUT_MS 300000u
/* The longest time left a CALL may give its guest call: a day. */
#define CALL_LEFT_MAX ((uint64_t)86400 * 1000000000u)

struct wasmplug_plugin_server {
  wp_plugin_t *p;
  wp_rpc_types_t types;
  int stop_signal;       /* what a watcher sends its serving thread (0: none) */
  unsigned frame_timeout_ms, send_timeout_ms; /* wasmplug_plugin_server_limits_t */
  unsigned idle_timeout_ms, call_workers;     /* (idle 0: none) */
};

/* A rep the plugin handed to a session's instance (count: how many own
** handles for it the client holds). */
typedef struct rep_entry {
  const wp_cabi_resource_t *res; /* NULL: free slot */
  uint32_t rep, count;
} rep_entry_t;

typedef struct sinst {
  bool live, own;
  void *state;
  rep_entry_t *reps; /* open addressing, cap a power of two */
  uint32_t nreps, capreps;
} sinst_t;

static uint32_t rep_slot(const wp_cabi_resource_t *res, uint32_t rep, uint32_t cap) {
  uint64_t h = ((uint64_t)(uintptr_t)res * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)rep * 0xc2b2ae3d27d4eb4full);
  return (uint32_t)(h >> 32) & (cap - 1);
}

static rep_entry_t *rep_find(sinst_t *in, const wp_cabi_resource_t *res, uint32_t rep) {
  if (!in->capreps) return NULL;
  for (uint32_t i = rep_slot(res, rep, in->capreps);; i = (i + 1) & (in->capreps - 1)) {
    rep_entry_t *e = &in->reps[i];
    if (!e->res) return NULL;
    if (e->res == res && e->rep == rep) return e;
  }
}

/* Entries are never removed (a count of 0 stays as a tombstone), so
** probing stays simple; the table is rebuilt without them when it grows. */
static bool rep_add(sinst_t *in, const wp_cabi_resource_t *res, uint32_t rep) {
  rep_entry_t *e = rep_find(in, res, rep);
  if (e) return ++e->count, true;
  if ((in->nreps + 1) * 4 > in->capreps * 3) {
    uint32_t live = 0;
    for (uint32_t i = 0; i < in->capreps; i++) live += in->reps[i].res && in->reps[i].count;
    uint32_t cap = 64;
    while (cap * 3 < (live + 1) * 8) cap *= 2;
    rep_entry_t *n = calloc(cap, sizeof *n);
    if (!n) return false;
    rep_entry_t *old = in->reps;
    uint32_t oldcap = in->capreps;
    in->reps = n, in->capreps = cap, in->nreps = 0;
    for (uint32_t i = 0; i < oldcap; i++)
      if (old[i].res && old[i].count) {
        uint32_t j = rep_slot(old[i].res, old[i].rep, cap);
        while (n[j].res) j = (j + 1) & (cap - 1);
        n[j] = old[i];
        in->nreps++;
      }
    free(old);
  }
  uint32_t j = rep_slot(res, rep, in->capreps);
  while (in->reps[j].res) j = (j + 1) & (in->capreps - 1);
  in->reps[j] = (rep_entry_t){res, rep, 1};
  in->nreps++;
  return true;
}

typedef struct session {
  wp_rpc_conn_t conn;
  sinst_t *insts; /* id = index + 1 */
  uint32_t ninsts, cap;
  wp_cabi_arena_t *arena;
  wp_rpc_buf_t out;
  /* plugin-serve's loop (wasmplug_plugin_server_listen) never blocks on a
  ** session: it reads what arrived (a frame in pieces waits in conn's
  ** buffer, at most frame_timeout_ms from its first byte) and sends what
  ** the socket takes (the rest of a reply waits in `out`, at most
  ** send_timeout_ms; meanwhile that session's requests are not read) */
  bool nb;
  uint64_t frame_ns; /* when the incomplete frame buffered began to arrive (0: none) */
  size_t sent;       /* of the reply in out (nb) */
  uint64_t send_ns;  /* when that reply was queued, while not all sent (0: all sent) */
  /* the watcher of the thread running this session's frames (NULL: its
  ** calls are not watched: a ring's notice, or none) */
  wp_rpc_watch_t *watch;
  /* plugin-serve: the session's frames run on a call worker (the loop
  ** neither polls nor touches it meanwhile); what the worker found */
  bool busy, end_after, ok, more;
  uint64_t idle_ns; /* when it last sent bytes or was answered */
} session_t;

wasmplug_error_t *wasmplug_plugin_server_new(const char *spec, wasmplug_plugin_server_t **out) {
  *out = NULL;
  wasmplug_plugin_server_t *s = calloc(1, sizeof *s);
  if (!s) return wasmplug_error_new("out of memory");
  s->stop_signal = WP_RPC_STOP_SIGNAL;
  s->frame_timeout_ms = FRAME_TIMEOUT_MS;
  s->send_timeout_ms = SEND_TIMEOUT_MS;
  s->idle_timeout_ms = IDLE_TIMEOUT_MS;
  s->call_workers = CALL_WORKERS;
  const char *comma = strchr(spec, ',');
  char *path = comma ? strndup(spec, (size_t)(comma - spec)) : wp_plugin_strdup(spec);
  wasmplug_error_t *e = path ? wp_error_as(wp_plugin_open(path, comma ? comma + 1 : NULL, &s->p), WASMPLUG_ERROR_PLUGIN)
                              : wasmplug_error_new("out of memory");
  free(path);
  if (!e) e = wp_rpc_types_new(s->p, &s->types);
  if (e) {
    wasmplug_plugin_server_delete(s);
    return e;
  }
  *out = s;
  return NULL;
}

wasmplug_error_t *wasmplug_plugin_server_stop_signal_set(wasmplug_plugin_server_t *s, int signo) {
  /* what cannot be caught, and what the runtime's fault handling owns */
  if (signo < 0 || signo > SIGRTMAX || signo == SIGKILL || signo == SIGSTOP || signo == SIGSEGV ||
      signo == SIGBUS || signo == SIGFPE || signo == SIGILL)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID,
                                   "plugin server: %d is not a signal to interrupt plugin calls with (0 or a "
                                   "catchable signal, e.g. SIGRTMIN+4)",
                                   signo);
  s->stop_signal = signo;
  return NULL;
}

wasmplug_error_t *wasmplug_plugin_server_limits_set(wasmplug_plugin_server_t *s,
                                                    const wasmplug_plugin_server_limits_t *l) {
  if (!l || l->size < offsetof(wasmplug_plugin_server_limits_t, send_timeout_ms) + sizeof l->send_timeout_ms)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID,
                                   "plugin server limits: size %u is too small (set it to "
                                   "sizeof(wasmplug_plugin_server_limits_t))",
                                   l ? l->size : 0);
  if (l->frame_timeout_ms > 86400000u || l->send_timeout_ms > 86400000u)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID,
                                   "plugin server limits: a timeout of %u ms is longer than a day",
                                   l->frame_timeout_ms > 86400000u ? l->frame_timeout_ms : l->send_timeout_ms);
  bool idle = l->size >= offsetof(wasmplug_plugin_server_limits_t, idle_timeout_ms) + sizeof l->idle_timeout_ms,
       workers = l->size >= offsetof(wasmplug_plugin_server_limits_t, call_workers) + sizeof l->call_workers;
  if (idle && l->idle_timeout_ms > 86400000u && l->idle_timeout_ms != UINT32_MAX)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID,
                                   "plugin server limits: an idle timeout of %u ms is longer than a day",
                                   l->idle_timeout_ms);
  if (workers && l->call_workers > CALL_WORKERS_MAX)
    return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "plugin server limits: %u call workers (at most %u)",
                                   l->call_workers, CALL_WORKERS_MAX);
  s->frame_timeout_ms = l->frame_timeout_ms ? l->frame_timeout_ms : FRAME_TIMEOUT_MS;
  s->send_timeout_ms = l->send_timeout_ms ? l->send_timeout_ms : SEND_TIMEOUT_MS;
  s->idle_timeout_ms = !idle || !l->idle_timeout_ms         ? IDLE_TIMEOUT_MS
                       : l->idle_timeout_ms == UINT32_MAX ? 0
                                                          : l->idle_timeout_ms;
  s->call_workers = workers && l->call_workers ? l->call_workers : CALL_WORKERS;
  return NULL;
}

void wasmplug_plugin_server_delete(wasmplug_plugin_server_t *s) {
  if (!s) return;
  wp_rpc_types_free(&s->types);
  if (s->p) wp_plugin_close(s->p);
  free(s);
}

/* ------------------------------------------------------------- sessions */

static session_t *session_new(int fd) {
  session_t *ss = calloc(1, sizeof *ss);
  if (!ss) return NULL;
  wp_rpc_conn_init(&ss->conn, fd);
  ss->arena = wp_cabi_arena_new(0);
  if (!ss->arena) {
    free(ss);
    return NULL;
  }
  return ss;
}

/* The instance ends: every rep the client still holds is dropped (each
** destructor once, as a guest instance's teardown does in process), then
** its state. */
static void inst_end(wasmplug_plugin_server_t *s, sinst_t *in) {
  for (uint32_t i = 0; i < in->capreps; i++) {
    rep_entry_t *e = &in->reps[i];
    for (uint32_t k = 0; e->res && k < s->types.nres; k++)
      if (s->types.res[k] == e->res && s->p->desc.resources[k].drop)
        for (uint32_t c = 0; c < e->count; c++) s->p->desc.resources[k].drop(in->state, e->rep);
  }
  free(in->reps);
  in->reps = NULL;
  in->nreps = in->capreps = 0;
  if (in->own && s->p->desc.instance_drop) s->p->desc.instance_drop(in->state);
  in->live = false;
}

static void session_end(wasmplug_plugin_server_t *s, session_t *ss) {
  /* A host that went away (or crashed) leaves its instances behind: their
  ** states are dropped here so a long-lived server does not leak them. */
  for (uint32_t i = 0; i < ss->ninsts; i++)
    if (ss->insts[i].live) inst_end(s, &ss->insts[i]);
  free(ss->insts);
  wp_cabi_arena_delete(ss->arena);
  wp_rpc_conn_close(&ss->conn);
  free(ss->out.s);
  free(ss);
}

static sinst_t *find_inst(session_t *ss, uint32_t id) {
  return id >= 1 && id <= ss->ninsts && ss->insts[id - 1].live ? &ss->insts[id - 1] : NULL;
}

/* Sends what the socket takes of the reply in ss->out without waiting;
** false when the client is gone. */
static bool flush(session_t *ss) {
  while (ss->sent < ss->out.len) {
    ssize_t n = send(ss->conn.fd, ss->out.s + ss->sent, ss->out.len - ss->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      ss->sent += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!ss->send_ns) ss->send_ns = wasmplug_monotonic_ns();
      return true;
    }
    return false;
  }
  ss->send_ns = 0;
  return true;
}

/* Sends an answer (plugin-serve's loop: what the socket takes now, the
** rest later); false when the client is gone. */
static bool reply(session_t *ss, wp_rpc_kind_t kind, const wp_rpc_header_t *req, uint32_t inst) {
  wp_rpc_header_t h = {.kind = (uint16_t)kind, .call_id = req->call_id, .inst = inst, .func = req->func};
  if (!ss->nb) return wp_rpc_frame_send(&ss->conn, &ss->out, h) == 0;
  if (wp_rpc_frame_seal(&ss->out, h)) return false;
  ss->sent = 0;
  ss->send_ns = 0;
  return flush(ss);
}

static bool reply_msg(session_t *ss, wp_rpc_kind_t kind, const wp_rpc_header_t *req, const char *msg) {
  wp_rpc_buf_frame(&ss->out);
  if (kind == WP_RPC_TRAP) wp_rpc_buf_str(&ss->out, msg);
  else wp_buf_put(&ss->out, msg, strlen(msg));
  return reply(ss, kind, req, req->inst);
}

static void *arena_alloc(void *ctx, size_t size, size_t align) { return wp_cabi_arena_alloc(ctx, size ? size : 1, align); }

typedef struct rep_check {
  const wp_rpc_types_t *types;
  sinst_t *in;
  const char *bad;
  uint32_t taken;   /* own handles taken so far */
  bool restore;     /* undo mode: give back the first `taken` own handles */
} rep_check_t;

/* A handle in a CALL's parameters: it must be held (an own one as often as
** it occurs: the same own handle twice is refused), and an own one is
** taken (the plugin owns it again).  After a refusal the same walk in
** restore mode gives back what was taken, so the session's end still
** drops it. */
/* Reps of resource types other providers define (a plugin may take
** another plugin's resources) are theirs to check, not ours. */
static bool provided(const wp_rpc_types_t *t, const wp_cabi_resource_t *res) {
  for (uint32_t i = 0; i < t->nprovided; i++)
    if (t->provided[i] == res) return true;
  return false;
}

static void check_rep(void *ctx, bool own, const wp_cabi_resource_t *res, uint32_t rep) {
  rep_check_t *c = ctx;
  if (!provided(c->types, res)) return;
  rep_entry_t *e = rep_find(c->in, res, rep);
  if (c->restore) {
    if (own && c->taken && e) e->count++, c->taken--;
    return;
  }
  if (c->bad) return;
  if (!e || !e->count) {
    c->bad = own ? "CALL with an own handle this instance was never given (or gave back)"
                 : "CALL with a borrow handle this instance was never given (or gave back)";
    return;
  }
  if (own) e->count--, c->taken++;
}

static void give_rep(void *ctx, bool own, const wp_cabi_resource_t *res, uint32_t rep) {
  rep_check_t *c = ctx;
  if (own && provided(c->types, res) && !c->bad && !rep_add(c->in, res, rep)) c->bad = "out of memory recording a handle";
}

static bool do_call(wasmplug_plugin_server_t *s, session_t *ss, const wp_rpc_header_t *h, const uint8_t *pl,
                    const char **bad) {
  sinst_t *in = find_inst(ss, h->inst);
  if (!in) return (*bad = "CALL for an unknown instance"), false;
  if (h->func >= s->types.n) return (*bad = "CALL of a function index out of range"), false;
  const wp_cabi_func_t *f = s->types.f[h->func];
  const wp_cabi_native_args_t *a = &s->types.args[h->func];
  uint64_t none = 0; /* plugins always get a valid params pointer */
  void *args = a->size ? wp_cabi_arena_alloc(ss->arena, a->size, a->align) : &none;
  void *res = f->result ? wp_cabi_arena_alloc(ss->arena, f->result->native.size ? f->result->native.size : 1,
                                              f->result->native.align ? f->result->native.align : 1)
                        : NULL;
  if (!args || (f->result && !res)) return (*bad = "out of memory for the call"), false;
  if (res) memset(res, 0, f->result->native.size);
  wp_rpc_rd_t r = {pl, h->len, 0, false};
  /* The guest call's time left, as the client saw it when sending: a
  ** deadline on this process's clock (capped: a client's number moves
  ** nothing but its own call). */
  uint64_t left = wp_rpc_rd_u64(&r), deadline = 0;
  if (r.bad) return (*bad = "CALL without the guest call's time left"), false;
  if (left) deadline = wasmplug_monotonic_ns() + (left < CALL_LEFT_MAX ? left : CALL_LEFT_MAX);
  const char *why = wp_rpc_decode_args(&r, f, a, args, arena_alloc, ss->arena);
  if (why) return (*bad = why), false;
  /* Every handle must be one this instance was given; own handles go back
  ** to the plugin.  Checked in full before anything is taken. */
  rep_check_t rc = {&s->types, in, NULL, 0, false};
  for (size_t i = 0; i < f->nparams && !rc.bad; i++)
    wp_rpc_each_handle(f->params[i], (uint8_t *)args + a->offsets[i], check_rep, &rc);
  if (rc.bad) {
    rc.restore = true;
    for (size_t i = 0; i < f->nparams && rc.taken; i++)
      wp_rpc_each_handle(f->params[i], (uint8_t *)args + a->offsets[i], check_rep, &rc);
  }
  if (rc.bad) return (*bad = rc.bad), false;
  /* The same call sequence as in process; the trap's bare message goes
  ** back (the host prefixes the plugin and function), an exit as EXIT. */
  /* The plugin learns of the guest call's interrupt through the ring (an
  ** isolate helper: the host writes this request's id there) or from the
  ** watcher (a server: the client's STOP, or the deadline). */
  wp_cabi_stop_t stop = {NULL, h->call_id, deadline};
  if (ss->conn.ring) stop.word = wp_rpc_ring_stop(ss->conn.ring);
  else if (ss->watch) wp_rpc_watch_arm(ss->watch, &ss->conn, h->call_id, deadline, &stop.word, &stop.id);
  wp_cabi_native_fn_t fn = {s->p->desc.funcs[h->func].fn, in->state, h->func, s->p->desc.name, NULL, &stop};
  wasmplug_plugin_call_t call;
  wasmplug_trap_t *t = wp_cabi_native_run(&fn, ss->arena, args, res, &call);
  if (!ss->conn.ring && ss->watch) wp_rpc_watch_disarm(ss->watch, &ss->conn);
  bool ok;
  if (t && call.exited) {
    wp_rpc_buf_frame(&ss->out);
    wp_rpc_buf_u32(&ss->out, (uint32_t)call.exit_status);
    ok = reply(ss, WP_RPC_EXIT, h, h->inst);
  } else if (t) {
    ok = reply_msg(ss, WP_RPC_TRAP, h, call.msg);
  } else {
    wp_rpc_buf_frame(&ss->out);
    if (f->result) {
      /* the reps the client may use from now on */
      rep_check_t give = {&s->types, in, NULL, 0, false};
      wp_rpc_each_handle(f->result, res, give_rep, &give);
      if (give.bad) {
        wasmplug_trap_delete(t);
        wp_cabi_arena_reset(ss->arena);
        return (*bad = give.bad), false;
      }
      wp_rpc_encode(&ss->out, f->result, res);
    }
    if (ss->out.oom) ok = reply_msg(ss, WP_RPC_TRAP, h, "result too large to send (or out of memory)");
    else ok = reply(ss, WP_RPC_RESULT, h, h->inst);
  }
  wasmplug_trap_delete(t);
  wp_cabi_arena_reset(ss->arena);
  return ok;
}

static bool do_inst_new(wasmplug_plugin_server_t *s, session_t *ss, const wp_rpc_header_t *h) {
  if (ss->ninsts == ss->cap) {
    if (ss->cap >= MAX_INSTANCES) return reply_msg(ss, WP_RPC_ERROR, h, "too many instances in one session");
    uint32_t cap = ss->cap ? ss->cap * 2 : 8;
    sinst_t *n = realloc(ss->insts, cap * sizeof *n);
    if (!n) return reply_msg(ss, WP_RPC_ERROR, h, "out of memory");
    ss->insts = n;
    ss->cap = cap;
  }
  sinst_t in = {true, false, s->p->state, NULL, 0, 0};
  if (s->p->desc.instance_new) {
    const char *why = NULL;
    void *st = NULL;
    if (s->p->desc.instance_new(s->p->state, &s->p->config, &st, &why)) {
      char msg[600];
      snprintf(msg, sizeof msg, "plugin %s: instance_new failed: %s", s->p->desc.name, why ? why : "(no message)");
      return reply_msg(ss, WP_RPC_ERROR, h, msg);
    }
    in.state = st;
    in.own = true;
  }
  ss->insts[ss->ninsts++] = in;
  wp_rpc_buf_frame(&ss->out);
  return reply(ss, WP_RPC_INST_OK, h, ss->ninsts);
}

/* One frame; false ends the session (BYE, client gone, or a bad request,
** which is answered with ERROR first). */
static bool handle(wasmplug_plugin_server_t *s, session_t *ss, const wp_rpc_header_t *h, const uint8_t *pl) {
  const char *bad = NULL;
  sinst_t *in;
  switch (h->kind) {
  case WP_RPC_HELLO:
    wp_rpc_buf_frame(&ss->out);
    wp_rpc_desc_encode(&ss->out, &s->p->desc);
    return reply(ss, WP_RPC_DESCRIBE, h, 0);
  case WP_RPC_INST_NEW: return do_inst_new(s, ss, h);
  case WP_RPC_INST_DROP:
    if (!(in = find_inst(ss, h->inst))) {
      bad = "INST_DROP of an unknown instance";
      break;
    }
    inst_end(s, in);
    wp_rpc_buf_frame(&ss->out);
    return reply(ss, WP_RPC_OK, h, h->inst);
  case WP_RPC_CALL:
    if (do_call(s, ss, h, pl, &bad)) return true;
    if (!bad) return false; /* client gone */
    break;
  case WP_RPC_RES_DROP: {
    wp_rpc_rd_t r = {pl, h->len, 0, false};
    uint32_t rep = wp_rpc_rd_u32(&r);
    if (!(in = find_inst(ss, h->inst))) bad = "RES_DROP for an unknown instance";
    else if (r.bad || r.pos != r.len) bad = "RES_DROP payload is not one u32 rep";
    else if (h->func >= s->p->desc.nresources || !s->p->desc.resources[h->func].drop)
      bad = "RES_DROP of a resource index without a drop hook";
    else {
      rep_entry_t *e = rep_find(in, s->types.res[h->func], rep);
      if (!e || !e->count) bad = "RES_DROP of a rep this instance was never given (or gave back)";
      else e->count--;
    }
    if (bad) break;
    s->p->desc.resources[h->func].drop(in->state, rep);
    wp_rpc_buf_frame(&ss->out);
    return reply(ss, WP_RPC_OK, h, h->inst);
  }
  case WP_RPC_BYE: return false;
  case WP_RPC_STOP:
    /* A notice for a call answered already (they crossed), or read by
    ** the watcher during it: nothing to do. */
    if (h->len) {
      bad = "STOP with a payload";
      break;
    }
    return true;
  default: bad = "a frame kind clients do not send"; break;
  }
  char msg[300];
  snprintf(msg, sizeof msg, "protocol violation: %s (frame kind %u, instance %u, index %u)", bad, h->kind, h->inst,
           h->func);
  reply_msg(ss, WP_RPC_ERROR, h, msg);
  return false;
}

/* Reads and handles every frame available; false ends the session. */
static bool serve_ready(wasmplug_plugin_server_t *s, session_t *ss, int wait_ms) {
  do {
    wp_rpc_header_t h;
    const uint8_t *pl;
    char why[200];
    wp_rpc_io_t st = wp_rpc_frame_recv(&ss->conn, wait_ms, &h, &pl, why, sizeof why);
    if (st == WP_RPC_IO_GARBAGE) {
      char msg[300];
      snprintf(msg, sizeof msg, "protocol violation: %s", why);
      wp_rpc_header_t none = {0};
      reply_msg(ss, WP_RPC_ERROR, &none, msg);
    }
    if (st) return false;
    if (!handle(s, ss, &h, pl)) return false;
    wait_ms = (int)s->frame_timeout_ms;
  } while (wp_rpc_conn_has_frame(&ss->conn));
  return true;
}

void wp_rpc_server_run(wasmplug_plugin_server_t *s, int fd, wp_rpc_ring_t *ring) {
  session_t *ss = session_new(fd);
  if (!ss) {
    close(fd);
    wp_rpc_ring_free(ring);
    return;
  }
  ss->conn.ring = ring;
  /* A socket alone: its calls are watched (an isolate helper, whose
  ** sandbox starts no threads, has the ring's notice instead), and a
  ** client that stops taking its replies ends the session (a send that
  ** moves nothing for send_timeout_ms fails). */
  if (!ring) {
    ss->watch = wp_rpc_watch_new(s->stop_signal);
    struct timeval tv = {s->send_timeout_ms / 1000, (suseconds_t)(s->send_timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  while (serve_ready(s, ss, -1)) {
  }
  wp_rpc_watch_t *w = ss->watch;
  session_end(s, ss);
  wp_rpc_watch_delete(w);
}

void wasmplug_plugin_server_run_fd(wasmplug_plugin_server_t *s, int fd) { wp_rpc_server_run(s, fd, NULL); }

void wasmplug_plugin_server_refuse(int fd, const char *msg) { wp_rpc_server_refuse(fd, NULL, msg); }

void wp_rpc_server_refuse(int fd, wp_rpc_ring_t *ring, const char *msg) {
  /* The helper could not load its plugin: answer the host's HELLO with
  ** the reason, so the host's error says what went wrong. */
  session_t *ss = session_new(fd);
  if (!ss) {
    wp_rpc_ring_free(ring);
    return;
  }
  ss->conn.ring = ring;
  wp_rpc_header_t h;
  const uint8_t *pl;
  char why[200];
  if (!wp_rpc_frame_recv(&ss->conn, 10000, &h, &pl, why, sizeof why)) reply_msg(ss, WP_RPC_ERROR, &h, msg);
  ss->conn.fd = fd;
  wp_rpc_conn_close(&ss->conn);
  wp_cabi_arena_delete(ss->arena);
  free(ss->out.s);
  free(ss);
}

/* ----------------------------------------------- plugin-serve's loop */

/* Handles the whole frames a session has buffered (at most
** FRAMES_PER_TURN, and none while a reply waits to be sent); false ends
** the session.  *more: whole frames are left for the next turn. */
static bool session_frames(wasmplug_plugin_server_t *s, session_t *ss, bool *more) {
  *more = false;
  bool took = false;
  for (unsigned k = 0; !ss->send_ns; k++) {
    wp_rpc_header_t h;
    const uint8_t *pl;
    char why[200];
    int got = wp_rpc_conn_next(&ss->conn, &h, &pl, why, sizeof why);
    if (got < 0) {
      char msg[300];
      snprintf(msg, sizeof msg, "protocol violation: %s", why);
      wp_rpc_header_t none = {0};
      reply_msg(ss, WP_RPC_ERROR, &none, msg);
      return false;
    }
    if (!got) break;
    if (k == FRAMES_PER_TURN) { /* (not consumed: given back) */
      ss->conn.rpos -= WP_RPC_HEADER + (size_t)h.len;
      *more = true;
      break;
    }
    took = true;
    if (!handle(s, ss, &h, pl)) return false;
  }
  /* the clock of a frame in pieces starts at its first byte: bytes left
  ** behind a frame just taken came with it, in this turn */
  size_t want;
  if (!wp_rpc_conn_pending(&ss->conn, &want)) ss->frame_ns = 0;
  else if (took || !ss->frame_ns) ss->frame_ns = wasmplug_monotonic_ns();
  return true;
}

/* ------------------------------------------------------ call workers */

/* plugin-serve runs each session's frames (HELLO, INST_NEW, CALL...: the
** plugin's code) on a worker of a bounded pool, never on the loop: a slow
** call holds its own session and one worker, while the loop goes on
** reading, answering and handing out the other sessions' frames (the
** plugin ABI lets different instances run on different threads at once;
** one session's frames still run one at a time, in order).  Each worker
** has its own watcher (its calls' STOP and deadline).  A finished session
** is put on `done` and the loop woken through an eventfd. */
typedef struct call_pool {
  wasmplug_plugin_server_t *s;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  session_t *queue[MAX_SESSIONS], *done[MAX_SESSIONS]; /* a session is in at most one, once */
  size_t qhead, qn, dn;
  bool quit;
  int wake; /* eventfd: a session is done */
  pthread_t th[CALL_WORKERS_MAX];
  unsigned nth;
} call_pool_t;

static bool session_frames(wasmplug_plugin_server_t *s, session_t *ss, bool *more);

static void *worker_main(void *arg) {
  call_pool_t *cp = arg;
  wp_rpc_watch_t *w = wp_rpc_watch_new(cp->s->stop_signal); /* created here: it signals this thread */
  pthread_mutex_lock(&cp->mu);
  for (;;) {
    while (!cp->qn && !cp->quit) pthread_cond_wait(&cp->cv, &cp->mu);
    if (cp->quit) break;
    session_t *ss = cp->queue[cp->qhead];
    cp->qhead = (cp->qhead + 1) % MAX_SESSIONS;
    cp->qn--;
    pthread_mutex_unlock(&cp->mu);
    ss->watch = w;
    bool more = false;
    ss->ok = session_frames(cp->s, ss, &more) && !ss->end_after;
    ss->more = more;
    ss->watch = NULL;
    pthread_mutex_lock(&cp->mu);
    cp->done[cp->dn++] = ss;
    uint64_t one = 1;
    (void)!write(cp->wake, &one, sizeof one);
  }
  pthread_mutex_unlock(&cp->mu);
  wp_rpc_watch_delete(w);
  return NULL;
}

static void pool_stop(call_pool_t *cp) {
  pthread_mutex_lock(&cp->mu);
  cp->quit = true;
  pthread_cond_broadcast(&cp->cv);
  pthread_mutex_unlock(&cp->mu);
  for (unsigned i = 0; i < cp->nth; i++) pthread_join(cp->th[i], NULL);
  if (cp->wake >= 0) close(cp->wake);
  pthread_mutex_destroy(&cp->mu);
  pthread_cond_destroy(&cp->cv);
}

static wasmplug_error_t *pool_start(call_pool_t *cp, wasmplug_plugin_server_t *s) {
  memset(cp, 0, sizeof *cp);
  cp->s = s;
  pthread_mutex_init(&cp->mu, NULL);
  pthread_cond_init(&cp->cv, NULL);
  cp->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (cp->wake < 0) {
    pool_stop(cp);
    return wasmplug_error_new("plugin server: eventfd: %s", strerror(errno));
  }
  /* once, before any worker's watcher can signal (the default action of
  ** the signal ends the process) */
  wp_rpc_stop_signal_install(s->stop_signal);
  int rc = 0;
  while (cp->nth < s->call_workers && !(rc = pthread_create(&cp->th[cp->nth], NULL, worker_main, cp))) cp->nth++;
  if (rc) {
    pool_stop(cp);
    return wasmplug_error_new("plugin server: cannot start %u call workers: %s", s->call_workers, strerror(rc));
  }
  return NULL;
}

/* Hands a session's frames to a worker; the loop leaves it alone until
** it is done. */
static void pool_give(call_pool_t *cp, session_t *ss, bool end_after) {
  ss->busy = true;
  ss->end_after = end_after;
  pthread_mutex_lock(&cp->mu);
  cp->queue[(cp->qhead + cp->qn++) % MAX_SESSIONS] = ss;
  pthread_cond_signal(&cp->cv);
  pthread_mutex_unlock(&cp->mu);
}

/* The sessions the workers are done with (into out; their number). */
static size_t pool_take_done(call_pool_t *cp, session_t **out) {
  uint64_t v;
  (void)!read(cp->wake, &v, sizeof v);
  pthread_mutex_lock(&cp->mu);
  size_t n = cp->dn;
  memcpy(out, cp->done, n * sizeof *out);
  cp->dn = 0;
  pthread_mutex_unlock(&cp->mu);
  return n;
}

/* One session's turn after poll said it has something (revents), or
** frames were left from its last turn; false ends it.  Frames that are
** whole go to a worker (true, the session busy). */
static bool session_turn(call_pool_t *cp, wasmplug_plugin_server_t *s, session_t *ss, short revents, bool *more) {
  *more = false;
  if (ss->send_ns) {
    if (!(revents & (POLLOUT | POLLERR | POLLHUP))) return true;
    if (!flush(ss)) return false;
    if (ss->send_ns) return true;
    /* all sent: what the client sent meanwhile is read below */
  } else if (revents & (POLLIN | POLLERR | POLLHUP)) {
    char why[200];
    wp_rpc_io_t st = wp_rpc_conn_read(&ss->conn, why, sizeof why);
    if (st == WP_RPC_IO_EOF || st == WP_RPC_IO_ERRNO) {
      /* frames that came whole before the end are still handled (a BYE,
      ** an INST_DROP), then the session ends */
      if (!wp_rpc_conn_has_frame(&ss->conn)) return false;
      pool_give(cp, ss, true);
      return true;
    }
    ss->idle_ns = wasmplug_monotonic_ns();
  }
  if (wp_rpc_conn_has_frame(&ss->conn)) {
    pool_give(cp, ss, false);
    return true;
  }
  return session_frames(s, ss, more); /* none whole: its frame clock */
}

/* A session past one of its limits: answered when it can still read (a
** frame that stalled: ERROR), then ended.  False: within them.  (The
** clock is read only for a session with a limit running.) */
static bool session_expired(wasmplug_plugin_server_t *s, session_t *ss) {
  if (ss->busy) return false;
  if (!ss->send_ns && !ss->frame_ns) {
    /* idle: a session that has made no instance yet ends after
    ** idle_timeout_ms without a byte: connections that send nothing (or a
    ** HELLO and nothing) do not fill the server.  Once it made one, it is
    ** a host with state here: it may stay idle (between guest calls) */
    if (!s->idle_timeout_ms || ss->ninsts) return false;
    return wasmplug_monotonic_ns() - ss->idle_ns >= (uint64_t)s->idle_timeout_ms * 1000000u;
  }
  uint64_t now = wasmplug_monotonic_ns();
  if (ss->send_ns) return now - ss->send_ns >= (uint64_t)s->send_timeout_ms * 1000000u;
  if (now - ss->frame_ns < (uint64_t)s->frame_timeout_ms * 1000000u) return false;
  size_t want, have = wp_rpc_conn_pending(&ss->conn, &want);
  char msg[300];
  snprintf(msg, sizeof msg,
           "protocol violation: a frame stalled: %zu of its %zu bytes came, the rest not within %u ms (a frame "
           "must arrive whole)",
           have, want, s->frame_timeout_ms);
  wp_rpc_header_t none = {0};
  reply_msg(ss, WP_RPC_ERROR, &none, msg);
  return true;
}

/* The poll timeout until the first session limit (ms, -1: none). */
static int next_limit_ms(wasmplug_plugin_server_t *s, session_t **ss, size_t n) {
  uint64_t first = UINT64_MAX;
  for (size_t i = 0; i < n; i++) {
    if (ss[i]->busy) continue;
    uint64_t at = ss[i]->send_ns    ? ss[i]->send_ns + (uint64_t)s->send_timeout_ms * 1000000u
                  : ss[i]->frame_ns ? ss[i]->frame_ns + (uint64_t)s->frame_timeout_ms * 1000000u
                  : s->idle_timeout_ms && !ss[i]->ninsts ? ss[i]->idle_ns + (uint64_t)s->idle_timeout_ms * 1000000u
                                                         : UINT64_MAX;
    if (at < first) first = at;
  }
  if (first == UINT64_MAX) return -1;
  uint64_t now = wasmplug_monotonic_ns();
  if (first <= now) return 0;
  uint64_t ms = (first - now + 999999u) / 1000000u;
  return ms > 86400000u ? 86400000 : (int)ms;
}

static wasmplug_error_t *serve_sessions(call_pool_t *cp, wasmplug_plugin_server_t *s, int lfd, int max_sessions) {
  session_t *ss[MAX_SESSIONS], *fin[MAX_SESSIONS];
  struct pollfd pf[MAX_SESSIONS + 2];
  bool more[MAX_SESSIONS], end[MAX_SESSIONS];
  size_t n = 0;
  int served = 0;
  bool any_more = false;
  for (;;) {
    pf[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
    pf[1] = (struct pollfd){.fd = cp->wake, .events = POLLIN};
    for (size_t i = 0; i < n; i++) /* a busy session is its worker's (and its watcher's) */
      pf[i + 2] = (struct pollfd){.fd = ss[i]->busy ? -1 : ss[i]->conn.fd, .events = ss[i]->send_ns ? POLLOUT : POLLIN};
    int timeout = any_more ? 0 : next_limit_ms(s, ss, n);
    int r = poll(pf, n + 2, timeout);
    if (r < 0) {
      if (errno == EINTR) continue;
      return wasmplug_error_new("plugin server: poll: %s", strerror(errno));
    }
    for (size_t i = 0; i < n; i++) end[i] = false;
    if (pf[1].revents & POLLIN) { /* sessions back from the workers */
      size_t k = pool_take_done(cp, fin);
      for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < n; i++)
          if (ss[i] == fin[j]) {
            ss[i]->busy = false;
            ss[i]->idle_ns = wasmplug_monotonic_ns();
            end[i] = !ss[i]->ok;
            /* frames left for the next turn, or given back by the watcher */
            more[i] = ss[i]->ok && (ss[i]->more || (!ss[i]->send_ns && wp_rpc_conn_has_frame(&ss[i]->conn)));
            pf[i + 2].revents = 0;
          }
    }
    any_more = false;
    for (size_t i = n; i-- > 0;) {
      bool e = end[i];
      if (!e && !ss[i]->busy && (pf[i + 2].revents || more[i]))
        e = !session_turn(cp, s, ss[i], pf[i + 2].revents, &more[i]);
      if (!e) e = session_expired(s, ss[i]);
      if (e) {
        session_end(s, ss[i]);
        ss[i] = ss[--n];
        more[i] = more[n];
        end[i] = end[n];
        pf[i + 2] = pf[n + 2];
        if (max_sessions > 0 && served >= max_sessions && n == 0) return NULL;
      }
    }
    for (size_t i = 0; i < n; i++) any_more |= more[i] && !ss[i]->busy;
    if (pf[0].revents & POLLIN) {
      int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
      if (fd < 0) continue;
      session_t *nss = n < MAX_SESSIONS ? session_new(fd) : NULL;
      if (!nss) {
        close(fd); /* full: the client sees EOF at its handshake */
        continue;
      }
      nss->nb = true;
      nss->idle_ns = wasmplug_monotonic_ns();
      more[n] = false;
      ss[n++] = nss;
      served++;
    }
  }
}

wasmplug_error_t *wasmplug_plugin_server_listen(wasmplug_plugin_server_t *s, int lfd, int max_sessions) {
  call_pool_t *cp = malloc(sizeof *cp);
  if (!cp) return wasmplug_error_new("out of memory");
  wasmplug_error_t *e = pool_start(cp, s);
  if (e) {
    free(cp);
    return e;
  }
  e = serve_sessions(cp, s, lfd, max_sessions);
  pool_stop(cp);
  free(cp);
  return e;
}
