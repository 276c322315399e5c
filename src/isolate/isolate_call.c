/*
** isolate_call.c — the host side of calls to an out-of-process plugin.
**
** Each proxy function sends one request frame and waits (with the
** per-call timeout) for its answer.  Anything but the expected answer —
** EOF (a crash or exit), a timeout, a malformed frame — ends the helper
** (killed and reaped) or the connection, and the guest call traps with a
** message naming the plugin and saying what happened.  Instances created
** by that process are dead from then on (their state was in it): their
** calls trap too.  A later instance_new starts a new process, at most
** max_restarts times.
*/
#include "isolate/rpc.h"
#include "wasmplug/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HANDSHAKE_MS 10000
/* How long an isolated plugin has to end its call once told that the
** guest call was interrupted; then it is killed. */
#define STOP_GRACE_MS 1000

void wp_rpc_proxy_down(wp_rpc_proxy_t *px, bool kill_it, const char *why) {
  char how[300] = "";
  if (px->conn.fd >= 0) wp_rpc_conn_close(&px->conn);
  if (px->pid > 0) {
    wp_rpc_reap(px->pid, kill_it, how, sizeof how);
    px->pid = 0;
  }
  free(px->down_why);
  px->down_why = *how ? wp_format("%s; %s", why, how) : wp_plugin_strdup(why);
}

/* The message for a failed exchange, after taking the process down. */
static const char *failure(wp_rpc_proxy_t *px, wp_rpc_io_t st, const char *detail) {
  char why[400];
  switch (st) {
  case WP_RPC_IO_TIMEOUT:
    snprintf(why, sizeof why, "no answer within %d ms (timeout=%d)%s", px->timeout_ms, px->timeout_ms,
             px->remote ? "; connection closed" : "; the plugin process was killed");
    wp_rpc_proxy_down(px, true, why);
    return px->down_why;
  case WP_RPC_IO_INTERRUPTED:
    /* The answer may still come: the exchange is out of step for good. */
    snprintf(why, sizeof why, "interrupted: the guest call reached its time limit or was interrupted, and the "
                              "plugin did not end its call within %d ms of being told; %s",
             STOP_GRACE_MS, px->remote ? "connection closed" : "the plugin process was killed");
    wp_rpc_proxy_down(px, true, why);
    return px->down_why;
  case WP_RPC_IO_GARBAGE:
    snprintf(why, sizeof why, "protocol violation: %.300s%s", detail,
             px->remote ? "; connection closed" : "; the plugin process was killed");
    wp_rpc_proxy_down(px, true, why);
    return px->down_why;
  default:
    /* EOF or a socket error: the process ended (reap says how) or the
    ** server went away. */
    snprintf(why, sizeof why, "lost the plugin %s mid-call (%.300s)", px->remote ? "server" : "process", detail);
    if (px->pid > 0) {
      char how[300];
      wp_rpc_conn_close(&px->conn);
      wp_rpc_reap(px->pid, false, how, sizeof how);
      px->pid = 0;
      wp_rpc_proxy_down(px, false, how);
    } else {
      wp_rpc_proxy_down(px, false, why);
    }
    return px->down_why;
  }
}

/* The guest call was interrupted (its time limit, or its embedder) while
** the plugin runs request `call_id`: it is told -- an isolate helper by
** the id in the ring's notice word, which its host->interrupted reads,
** and its stop signal, which wakes the plugin's blocking system call,
** again every slice of the wait; a remote server by a STOP frame, which
** its watcher turns into the same (serve_watch.c) -- and has
** STOP_GRACE_MS to answer (the helper lives on, with its instances'
** state; the connection stays).  The answer is judged as any other: a
** malformed one ends the helper or the connection.  Whatever it says, the
** guest call then traps with the interrupt (an exit request excepted),
** as in process. */
static wp_rpc_io_t tell_interrupt(wp_rpc_proxy_t *px, uint32_t call_id, int timeout_ms, wp_rpc_header_t *h,
                                  const uint8_t **payload, char *why, size_t whylen) {
  if (px->remote) {
    /* px->out held the request, sent already: now the notice */
    wp_rpc_buf_frame(&px->out);
    if (wp_rpc_frame_send(&px->conn, &px->out, (wp_rpc_header_t){.kind = WP_RPC_STOP, .call_id = call_id}))
      return WP_RPC_IO_INTERRUPTED;
    px->conn.poke = -1;
  } else {
    if (px->pid <= 0 || !px->conn.ring) return WP_RPC_IO_INTERRUPTED;
    atomic_store(wp_rpc_ring_stop(px->conn.ring), call_id);
    px->conn.poke = px->pid;
  }
  int grace = timeout_ms > 0 && timeout_ms < STOP_GRACE_MS ? timeout_ms : STOP_GRACE_MS;
  wp_rpc_io_t st = wp_rpc_frame_recv(&px->conn, grace, h, payload, why, whylen);
  px->conn.poke = 0;
  return st == WP_RPC_IO_TIMEOUT ? WP_RPC_IO_INTERRUPTED : st;
}

/* Sends px->out as a request and receives the answer for it. */
static const char *exchange(wp_rpc_proxy_t *px, wp_rpc_header_t req, int timeout_ms, wp_rpc_header_t *h,
                            const uint8_t **payload) {
  req.call_id = ++px->next_call;
  if (wp_rpc_frame_send(&px->conn, &px->out, req)) {
    if (px->out.oom) return "out of memory (or a value too large to send) building the request";
    return failure(px, WP_RPC_IO_EOF, "send failed");
  }
  char why[200];
  wp_rpc_io_t st = wp_rpc_frame_recv(&px->conn, timeout_ms, h, payload, why, sizeof why);
  if (st == WP_RPC_IO_INTERRUPTED) st = tell_interrupt(px, req.call_id, timeout_ms, h, payload, why, sizeof why);
  if (st) return failure(px, st, why);
  if (h->call_id != req.call_id) {
    snprintf(why, sizeof why, "answer for call %u while waiting for call %u", h->call_id, req.call_id);
    return failure(px, WP_RPC_IO_GARBAGE, why);
  }
  return NULL;
}

wasmplug_error_t *wp_rpc_proxy_up(wp_rpc_proxy_t *px) {
  if (px->conn.fd >= 0) return NULL;
  const char *name = px->desc.d.name ? px->desc.d.name : px->spec_path;
  if (px->gen > 0) {
    if (px->restarts >= px->max_restarts)
      return wasmplug_error_new("plugin %s: not restarting it: its %s failed %u time(s) already "
                                "(isolate-restarts=%u); last failure: %s",
                                name, px->remote ? "server connection" : "process", px->restarts + 1,
                                px->max_restarts, px->down_why ? px->down_why : "?");
    px->restarts++;
  }
  char why[400];
  int fd;
  wp_rpc_ring_t *ring = NULL;
  if (px->remote) {
    fd = wp_rpc_addr_socket(px->spec_path, false, why, sizeof why);
    if (fd < 0) return wasmplug_error_new("plugin %s: %s", name, why);
  } else {
    /* The frames travel in a shared-memory ring (rpc_ring.c); the socket
    ** carries only frames too large for it, and the helper's death. */
    int ring_fd = -1;
    ring = wp_rpc_ring_new(&ring_fd, why, sizeof why);
    if (!ring) return wasmplug_error_new("plugin %s: cannot make its shared-memory ring: %s", name, why);
    pid_t pid = wp_rpc_spawn(px->argv, ring_fd, &fd, why, sizeof why);
    close(ring_fd);
    if (pid < 0) {
      wp_rpc_ring_free(ring);
      return wasmplug_error_new("plugin %s: cannot start its helper process: %s", name, why);
    }
    px->pid = pid;
  }
  wp_rpc_conn_init(&px->conn, fd);
  px->conn.ring = ring;
  px->gen++;
  wp_rpc_buf_frame(&px->out);
  wp_rpc_header_t h;
  const uint8_t *pl;
  const char *bad = exchange(px, (wp_rpc_header_t){.kind = WP_RPC_HELLO}, HANDSHAKE_MS, &h, &pl);
  if (bad) return wasmplug_error_new("plugin %s: handshake failed: %s", name, bad);
  if (h.kind == WP_RPC_ERROR) {
    /* The helper could not load the plugin: its message says why. */
    wasmplug_error_t *e = wasmplug_error_new("%.*s", (int)(h.len > 1000 ? 1000 : h.len), (const char *)pl);
    wp_rpc_proxy_down(px, true, "the plugin failed to load");
    return e;
  }
  if (h.kind != WP_RPC_DESCRIBE) {
    snprintf(why, sizeof why, "frame kind %u instead of DESCRIBE", h.kind);
    return wasmplug_error_new("plugin %s: handshake failed: %s", name, failure(px, WP_RPC_IO_GARBAGE, why));
  }
  if (!px->hello) {
    px->hello = malloc(h.len ? h.len : 1);
    if (!px->hello) return wasmplug_error_new("out of memory");
    memcpy(px->hello, pl, h.len);
    px->hello_len = h.len;
  } else if (h.len != px->hello_len || memcmp(pl, px->hello, h.len)) {
    /* A restarted process must be the same plugin: instances of the new
    ** process are linked against the old description. */
    wp_rpc_proxy_down(px, true, "the restarted plugin describes itself differently");
    return wasmplug_error_new("plugin %s: the restarted plugin process describes a different plugin; refusing it",
                              name);
  }
  return NULL;
}

/* ------------------------------------------------------------- calls */

static void *call_alloc(void *ctx, size_t size, size_t align) {
  return wp_plugin_host_api()->alloc(ctx, size, align);
}

static int trap(wasmplug_plugin_call_t *call, const char *msg) {
  return wp_plugin_host_api()->trap(call, "%s", msg);
}

/* A dead instance (its process is gone) or a down proxy: the message. */
static const char *stale(wp_rpc_proxy_t *px, const wp_rpc_inst_t *in, char *buf, size_t len) {
  if (in->gen == px->gen && px->conn.fd >= 0) return NULL;
  snprintf(buf, len, "this instance's plugin state was lost with its plugin %s (%s)",
           px->remote ? "server connection" : "process", px->down_why ? px->down_why : "closed");
  return buf;
}

int wp_rpc_proxy_call(void *state, wasmplug_plugin_call_t *call, const void *params, void *result) {
  uint32_t func = wp_plugin_host_api()->call_func(call);
  wp_rpc_inst_t *in = state;
  wp_rpc_proxy_t *px = in->px;
  char buf[700];
  int rc = WASMPLUG_OK;
  pthread_mutex_lock(&px->mu);
  const char *bad = stale(px, in, buf, sizeof buf);
  if (bad || func >= px->types.n) {
    rc = trap(call, bad ? bad : "function index out of range");
    goto out;
  }
  const wp_cabi_func_t *f = px->types.f[func];
  wp_rpc_buf_frame(&px->out);
  /* The guest call's time left (0: no limit): the plugin's host->deadline
  ** over there, on its own clock. */
  uint64_t deadline = wasmplug_call_deadline(), left = 0;
  if (deadline) {
    uint64_t now = wasmplug_monotonic_ns();
    left = deadline > now ? deadline - now : 1;
  }
  wp_rpc_buf_u64(&px->out, left);
  wp_rpc_encode_args(&px->out, f, &px->types.args[func], params);
  wp_rpc_header_t h;
  const uint8_t *pl;
  bad = exchange(px, (wp_rpc_header_t){.kind = WP_RPC_CALL, .inst = in->id, .func = func}, px->timeout_ms, &h, &pl);
  if (bad) {
    rc = trap(call, bad);
    goto out;
  }
  if (h.kind == WP_RPC_EXIT && h.inst == in->id && h.func == func && h.len == 4) {
    /* The plugin ended the guest (host->exit): so does its proxy. */
    uint32_t status = (uint32_t)pl[0] | (uint32_t)pl[1] << 8 | (uint32_t)pl[2] << 16 | (uint32_t)pl[3] << 24;
    rc = wp_plugin_host_api()->exit(call, (int)status);
    goto out;
  }
  if (h.kind == WP_RPC_TRAP) {
    /* The plugin's own trap: its message, as in-process. */
    wp_rpc_rd_t r = {pl, h.len, 0, false};
    bool isnull;
    char *msg = wp_rpc_rd_str(&r, 4096, &isnull);
    rc = msg ? trap(call, msg) : trap(call, failure(px, WP_RPC_IO_GARBAGE, "malformed TRAP frame"));
    free(msg);
    goto out;
  }
  const char *why = NULL;
  if (h.kind != WP_RPC_RESULT || h.inst != in->id || h.func != func) {
    snprintf(buf, sizeof buf, "frame kind %u (instance %u, function %u) instead of the RESULT of function %u", h.kind,
             h.inst, h.func, func);
    why = buf;
  } else {
    wp_rpc_rd_t r = {pl, h.len, 0, false};
    if (f->result) why = wp_rpc_decode(&r, f->result, result, call_alloc, call);
    if (!why && r.pos != r.len) why = "trailing bytes after the result";
    if (why) {
      snprintf(buf, sizeof buf, "RESULT of function %u: %s", func, why);
      why = buf;
    }
  }
  if (why) {
    if (f->result) memset(result, 0, f->result->native.size); /* nothing half-decoded reaches the guest */
    rc = trap(call, failure(px, WP_RPC_IO_GARBAGE, why));
  }
out:
  pthread_mutex_unlock(&px->mu);
  return rc;
}

/* A request whose answer is OK (drops); failures can only be logged:
** the hooks return nothing. */
static void simple(wp_rpc_proxy_t *px, wp_rpc_inst_t *in, wp_rpc_header_t req, const char *what) {
  char buf[700];
  if (stale(px, in, buf, sizeof buf)) return; /* the state is already gone with its process */
  wp_rpc_header_t h;
  const uint8_t *pl;
  const char *bad = exchange(px, req, px->timeout_ms, &h, &pl);
  if (!bad && h.kind != WP_RPC_OK) {
    snprintf(buf, sizeof buf, "frame kind %u instead of OK", h.kind);
    bad = failure(px, WP_RPC_IO_GARBAGE, buf);
  }
  if (bad) fprintf(stderr, "wasmplug: plugin %s: %s failed: %s\n", px->desc.d.name, what, bad);
}

void wp_rpc_proxy_drop(void *state, uint32_t res, uint32_t rep) {
  wp_rpc_inst_t *in = state;
  wp_rpc_proxy_t *px = in->px;
  pthread_mutex_lock(&px->mu);
  wp_rpc_buf_frame(&px->out);
  wp_rpc_buf_u32(&px->out, rep);
  simple(px, in, (wp_rpc_header_t){.kind = WP_RPC_RES_DROP, .inst = in->id, .func = res}, "resource drop");
  pthread_mutex_unlock(&px->mu);
}

int wp_rpc_proxy_inst_new(void *plugin_state, const wasmplug_plugin_config_t *cfg, void **out, const char **why) {
  (void)cfg;
  wp_rpc_proxy_t *px = plugin_state;
  wp_rpc_inst_t *in = calloc(1, sizeof *in);
  if (!in) {
    *why = "out of memory";
    return 1;
  }
  pthread_mutex_lock(&px->mu);
  wasmplug_error_t *e = wp_rpc_proxy_up(px);
  const char *bad = NULL;
  wp_rpc_header_t h = {0};
  const uint8_t *pl = NULL;
  if (e) {
    /* The loader prefixes "plugin NAME: instance_new failed: " itself. */
    const char *m = wasmplug_error_message(e);
    size_t nl = strlen(px->desc.d.name);
    if (!strncmp(m, "plugin ", 7) && !strncmp(m + 7, px->desc.d.name, nl) && !strncmp(m + 7 + nl, ": ", 2))
      m += 9 + nl;
    snprintf(px->err, sizeof px->err, "%s", m);
    wasmplug_error_delete(e);
    bad = px->err;
  } else {
    wp_rpc_buf_frame(&px->out);
    bad = exchange(px, (wp_rpc_header_t){.kind = WP_RPC_INST_NEW}, px->timeout_ms, &h, &pl);
    if (bad) {
      snprintf(px->err, sizeof px->err, "%s", bad);
      bad = px->err;
    } else if (h.kind == WP_RPC_ERROR) {
      /* instance_new refused in the server: its message */
      snprintf(px->err, sizeof px->err, "%.*s", (int)(h.len > 500 ? 500 : h.len), (const char *)pl);
      bad = px->err;
    } else if (h.kind != WP_RPC_INST_OK || h.inst == 0) {
      snprintf(px->err, sizeof px->err, "%s", failure(px, WP_RPC_IO_GARBAGE, "bad answer to INST_NEW"));
      bad = px->err;
    }
  }
  if (!bad) {
    in->px = px;
    in->id = h.inst;
    in->gen = px->gen;
  }
  pthread_mutex_unlock(&px->mu);
  if (bad) {
    free(in);
    *why = bad;
    return 1;
  }
  *out = in;
  return 0;
}

void wp_rpc_proxy_inst_drop(void *inst_state) {
  wp_rpc_inst_t *in = inst_state;
  wp_rpc_proxy_t *px = in->px;
  pthread_mutex_lock(&px->mu);
  wp_rpc_buf_frame(&px->out);
  simple(px, in, (wp_rpc_header_t){.kind = WP_RPC_INST_DROP, .inst = in->id}, "instance drop");
  pthread_mutex_unlock(&px->mu);
  free(in);
}

void wp_rpc_proxy_free(wp_rpc_proxy_t *px) {
  if (!px) return;
  if (px->conn.fd >= 0) {
    wp_rpc_buf_frame(&px->out);
    wp_rpc_frame_send(&px->conn, &px->out, (wp_rpc_header_t){.kind = WP_RPC_BYE});
    wp_rpc_conn_close(&px->conn);
  }
  if (px->pid > 0) {
    /* BYE then EOF: the helper runs fini and exits; killed if it hangs. */
    char how[300];
    wp_rpc_reap(px->pid, false, how, sizeof how);
  }
  wp_rpc_types_free(&px->types);
  wp_rpc_desc_free(&px->desc);
  for (size_t i = 0; px->argv && px->argv[i]; i++) free(px->argv[i]);
  free(px->argv);
  free(px->spec_path);
  free(px->down_why);
  free(px->hello);
  free(px->out.s);
  pthread_mutex_destroy(&px->mu);
  free(px);
}

void wp_rpc_proxy_fini(void *plugin_state) { wp_rpc_proxy_free(plugin_state); }
