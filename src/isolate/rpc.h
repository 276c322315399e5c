/*
** rpc.h — out-of-process plugins (internal to src/plugin; docs/plugin-rpc.md
** is the protocol's reference).
**
** A plugin can run in another process: a helper the host starts
** (`--plugin x.so,isolate`) or a server started separately
** (`--plugin unix:/path`, `--plugin tcp:127.0.0.1:PORT`).  The host side
** is a *proxy plugin*: a wp_plugin_t whose descriptor data came from the
** server in a handshake and whose function pointers are thunks that ship
** the native-layout arguments over a socket (isolate_*.c).  The loader
** then parses its WIT, type-checks and links it exactly like a .so.  The
** server side (serve*.c) loads the unchanged .so and answers frames.
**
** Everything read from a socket is untrusted: every length is bounded,
** every tag and discriminant checked, every string UTF-8-validated.
*/
#ifndef WASMPLUG_PLUGIN_RPC_H
#define WASMPLUG_PLUGIN_RPC_H

#include "plugin/internal.h"
#include "wasmplug/host.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

/* ------------------------------------------------------------- frames */

#define WP_RPC_MAGIC 0x43525057u /* "WPRC" little-endian */
/* 2: CALL's payload begins with the guest call's time left, and STOP. */
#define WP_RPC_VERSION 2u
#define WP_RPC_HEADER 24u
/* No frame payload is larger (a 1 GiB list would exhaust both sides). */
#define WP_RPC_MAX_PAYLOAD ((uint32_t)64 << 20)

typedef enum wp_rpc_kind {
  WP_RPC_HELLO = 1,     /* c->s: start of session; reply DESCRIBE */
  WP_RPC_DESCRIBE = 2,  /* s->c: the descriptor's data */
  WP_RPC_INST_NEW = 3,  /* c->s: run instance_new; reply INST_OK (inst = id) */
  WP_RPC_INST_OK = 4,
  WP_RPC_INST_DROP = 5, /* c->s: drop the instance's state; reply OK */
  WP_RPC_CALL = 6,      /* c->s: func = function index, payload = u64 ns left, params */
  WP_RPC_RESULT = 7,    /* s->c: payload = result value (empty: none) */
  WP_RPC_TRAP = 8,      /* s->c: the plugin trapped; payload = message */
  WP_RPC_ERROR = 9,     /* s->c: request refused; payload = message */
  WP_RPC_OK = 10,
  WP_RPC_RES_DROP = 11, /* c->s: func = resource index, payload = u32 rep */
  WP_RPC_BYE = 12,      /* c->s: end of session, no reply */
  WP_RPC_EXIT = 13,     /* s->c: the plugin called host->exit; payload = u32 status */
  WP_RPC_STOP = 14,     /* c->s: the guest call of request call_id must end; no answer */
} wp_rpc_kind_t;

typedef struct wp_rpc_header {
  uint32_t magic;
  uint16_t version, kind;
  uint32_t call_id, inst, func, len;
} wp_rpc_header_t;

void wp_rpc_header_put(uint8_t out[WP_RPC_HEADER], const wp_rpc_header_t *h);
/* Decodes and checks magic, version, kind and length; NULL or what is wrong
** (written into why). */
const char *wp_rpc_header_get(const uint8_t in[WP_RPC_HEADER], wp_rpc_header_t *h, char *why, size_t whylen);

/* A frame under construction: the tree's buffer (src/core/buf.h), with
** the protocol's encodings. */
typedef wp_buf_t wp_rpc_buf_t;
void wp_rpc_buf_u32(wp_rpc_buf_t *b, uint32_t v);
void wp_rpc_buf_u64(wp_rpc_buf_t *b, uint64_t v);
/* u32 length + bytes; NULL is length 0xffffffff. */
void wp_rpc_buf_str(wp_rpc_buf_t *b, const char *s);
/* Starts a frame: reserves the header (filled by wp_rpc_frame_send). */
void wp_rpc_buf_frame(wp_rpc_buf_t *b);

/* A reader over one received payload: every get checks the bounds. */
typedef struct wp_rpc_rd {
  const uint8_t *p;
  size_t len, pos;
  bool bad;
} wp_rpc_rd_t;
uint8_t wp_rpc_rd_u8(wp_rpc_rd_t *r);
uint32_t wp_rpc_rd_u32(wp_rpc_rd_t *r);
uint64_t wp_rpc_rd_u64(wp_rpc_rd_t *r);
const uint8_t *wp_rpc_rd_bytes(wp_rpc_rd_t *r, size_t n);
/* A length-prefixed string copied into malloc'd memory (NUL-terminated,
** UTF-8 checked); *isnull for the NULL encoding.  NULL on error. */
char *wp_rpc_rd_str(wp_rpc_rd_t *r, size_t max, bool *isnull);

/* ----------------------------------------------------------- a socket */

/* The shared-memory transport of an isolated plugin (rpc_ring.c). */
typedef struct wp_rpc_ring wp_rpc_ring_t;

/* Its shared memory: this header, then at WP_RPC_RING_DATA the data area
** of host->helper frames and after it that of helper->host frames, `cap`
** bytes each.  One direction's control words share a cache line. */
#define WP_RPC_RING_MAGIC 0x474e5257u /* "WRNG" */
#define WP_RPC_RING_DATA 4096u
#define WP_RPC_RING_ON_SOCKET 0xffffffffu /* len: the frame is on the socket */
typedef struct wp_rpc_ring_ctl {
  _Atomic uint32_t seq;      /* futex word: the sender's message count */
  _Atomic uint32_t len;      /* the frame's bytes in the data area, or WP_RPC_RING_ON_SOCKET */
  _Atomic uint32_t sleeping; /* the receiver waits (or is about to) in FUTEX_WAIT */
  uint8_t pad[64 - 12];
} wp_rpc_ring_ctl_t;
typedef struct wp_rpc_ring_head {
  uint32_t magic, cap;
  /* The host's interrupt notice: the call_id of the request whose guest
  ** call must end (plugin ABI 1.4's host->interrupted in the helper).
  ** Written by the host, read by the helper; the host never reads it. */
  _Atomic uint32_t stop;
  uint8_t pad[52];
  wp_rpc_ring_ctl_t dir[2]; /* [0]: host -> helper, [1]: helper -> host */
} wp_rpc_ring_head_t;
/* After writing `stop`, the host sends the helper's serving thread this
** signal (now, and every 10 ms until the answer comes, as the watchdog
** does in process): the helper's handler does nothing but interrupt a
** blocking system call (no SA_RESTART), so the plugin's wait sees EINTR
** and asks host->interrupted. */
#define WP_RPC_STOP_SIGNAL (SIGRTMIN + 4)

/* One connection with a read buffer.  Reads wait at most the deadline.
** With a ring, frames travel in shared memory and the socket only carries
** frames too large for it (and tells when the peer is gone). */
typedef struct wp_rpc_conn {
  int fd;
  int timeo_ms; /* the socket's SO_RCVTIMEO as last set (0: none) */
  /* Nonzero: the guest call was interrupted and the server told so, so
  ** receives go on (bounded by their timeout) instead of ending at the
  ** interrupt; > 0: the helper's pid, sent WP_RPC_STOP_SIGNAL again at
  ** every slice of the ring's wait (-1: a remote server, told by STOP). */
  pid_t poke;
  uint8_t *rbuf;
  size_t rlen, rpos, rcap;
  wp_rpc_ring_t *ring; /* owned; NULL: frames on the socket */
} wp_rpc_conn_t;

void wp_rpc_conn_init(wp_rpc_conn_t *c, int fd);
void wp_rpc_conn_close(wp_rpc_conn_t *c);
/* Sends the frame in b (built after wp_rpc_buf_frame) with header h (len
** is set from b).  0, or -1 with errno. */
int wp_rpc_frame_send(wp_rpc_conn_t *c, wp_rpc_buf_t *b, wp_rpc_header_t h);
/* Receives one frame: *payload points into the connection's buffer (valid
** until the next receive).  timeout_ms < 0 waits forever.  Returns 0, or
** an error kind with a message in why. */
/* INTERRUPTED: the guest call's deadline passed while waiting (see
** wasmplug_call_deadline in wasmplug.h). */
typedef enum {
  WP_RPC_IO_OK = 0, WP_RPC_IO_EOF, WP_RPC_IO_TIMEOUT, WP_RPC_IO_ERRNO, WP_RPC_IO_GARBAGE, WP_RPC_IO_INTERRUPTED
} wp_rpc_io_t;
wp_rpc_io_t wp_rpc_frame_recv(wp_rpc_conn_t *c, int timeout_ms, wp_rpc_header_t *h, const uint8_t **payload,
                              char *why, size_t whylen);
/* Non-blocking: true when a whole frame is already buffered. */
bool wp_rpc_conn_has_frame(const wp_rpc_conn_t *c);
/* Fills in the header of the frame in b (as wp_rpc_frame_send does, which
** then sends it): 0, or -1 with errno (ENOMEM, EMSGSIZE). */
int wp_rpc_frame_seal(wp_rpc_buf_t *b, wp_rpc_header_t h);
/* A server's loop, never blocking (serve.c): one recv of what the socket
** holds into the buffer (which grows with the bytes received, not with a
** header's announced length): OK (bytes came), TIMEOUT (none yet), EOF,
** ERRNO (with why). */
wp_rpc_io_t wp_rpc_conn_read(wp_rpc_conn_t *c, char *why, size_t whylen);
/* The next whole frame already buffered, consumed (*payload valid until
** the next read): 1; 0 when more bytes are needed; -1 when the header
** buffered is malformed (bad magic, version or kind, or a length past
** WP_RPC_MAX_PAYLOAD: judged as soon as the 24 header bytes are in), why
** says how. */
int wp_rpc_conn_next(wp_rpc_conn_t *c, wp_rpc_header_t *h, const uint8_t **payload, char *why, size_t whylen);
/* Bytes buffered of a frame not complete yet, and *want: the bytes that
** frame needs (the header's 24 until it is in). */
size_t wp_rpc_conn_pending(const wp_rpc_conn_t *c, size_t *want);
/* Appends bytes read from the socket by someone else (a server's watcher,
** serve_watch.c) to what the connection has buffered.  False: out of
** memory. */
bool wp_rpc_conn_feed(wp_rpc_conn_t *c, const uint8_t *p, size_t n);
/* wp_rpc_frame_recv on the socket itself (a ring's announced frames). */
wp_rpc_io_t wp_rpc_sock_recv(wp_rpc_conn_t *c, int timeout_ms, wp_rpc_header_t *h, const uint8_t **payload,
                             char *why, size_t whylen);

/* rpc_ring.c.  The host makes the ring (a sealed memfd, *fd, for the
** helper) and the helper maps the descriptor it was given; NULL with a
** message in why.  A connection owns the ring given to it (c->ring; freed
** by wp_rpc_conn_close). */
wp_rpc_ring_t *wp_rpc_ring_new(int *fd, char *why, size_t whylen);
wp_rpc_ring_t *wp_rpc_ring_map(int fd, char *why, size_t whylen);
void wp_rpc_ring_free(wp_rpc_ring_t *r);
/* The shared memory (for tests that play a hostile helper). */
void *wp_rpc_ring_memory(wp_rpc_ring_t *r, size_t *size);
/* The ring's interrupt notice word (wp_rpc_ring_head_t.stop). */
_Atomic uint32_t *wp_rpc_ring_stop(wp_rpc_ring_t *r);
/* A handler for `signo` that does nothing, without SA_RESTART (a blocking
** system call fails with EINTR): the isolate helper's for
** WP_RPC_STOP_SIGNAL (installed before its sandbox), a plugin server's for
** its stop signal.  Only where the process left `signo` at its default
** action: a handler (or SIG_IGN) of the embedder's own is kept. */
void wp_rpc_stop_signal_install(int signo);
/* The ring halves of wp_rpc_frame_send/recv: the frame's bytes (header
** included); the received payload points into the ring's private copy. */
int wp_rpc_ring_send(wp_rpc_conn_t *c, const uint8_t *frame, size_t len);
wp_rpc_io_t wp_rpc_ring_recv(wp_rpc_conn_t *c, int timeout_ms, wp_rpc_header_t *h, const uint8_t **payload,
                             char *why, size_t whylen);

/* ----------------------------------------------------- values (payloads) */
/* Calls fn for every own/borrow handle inside a native-layout value of
** type ty (its resource type and rep): how plugin-serve checks the reps a
** client sends against those the session was given. */
typedef void (*wp_rpc_handle_fn)(void *ctx, bool own, const wp_cabi_resource_t *res, uint32_t rep);
void wp_rpc_each_handle(const wp_cabi_type_t *ty, const void *in, wp_rpc_handle_fn fn, void *ctx);

/* Native-layout value of type ty at `in` -> tagged bytes. */
void wp_rpc_encode(wp_rpc_buf_t *b, const wp_cabi_type_t *ty, const void *in);
/* Tagged bytes -> native value at `out` (ty->native.size bytes, zeroed
** first).  String/list memory comes from alloc(ctx, size, align).  Checks
** kinds, lengths, UTF-8, chars, bools, discriminants and flag bits.
** NULL, or a static description of the first problem. */
typedef void *(*wp_rpc_alloc_fn)(void *ctx, size_t size, size_t align);
const char *wp_rpc_decode(wp_rpc_rd_t *r, const wp_cabi_type_t *ty, void *out, wp_rpc_alloc_fn alloc, void *ctx);
/* The params struct as a sequence of values, and back. */
void wp_rpc_encode_args(wp_rpc_buf_t *b, const wp_cabi_func_t *f, const wp_cabi_native_args_t *a, const void *args);
const char *wp_rpc_decode_args(wp_rpc_rd_t *r, const wp_cabi_func_t *f, const wp_cabi_native_args_t *a, void *args,
                               wp_rpc_alloc_fn alloc, void *ctx);

/* ------------------------------------------------- the descriptor's data */

/* The data of a descriptor as received in DESCRIBE; owns every string. */
typedef struct wp_rpc_desc {
  wasmplug_plugin_t d; /* pointers into the arrays below; fns NULL */
  wasmplug_plugin_func_t *funcs;
  wasmplug_plugin_resource_t *resources;
  bool *res_has_drop;
  wasmplug_plugin_option_t *options;
} wp_rpc_desc_t;

void wp_rpc_desc_encode(wp_rpc_buf_t *b, const wasmplug_plugin_t *d);
/* NULL or an error (message says what is malformed). */
wasmplug_error_t *wp_rpc_desc_decode(const uint8_t *p, size_t len, wp_rpc_desc_t *out);
void wp_rpc_desc_free(wp_rpc_desc_t *d);

/* The canonical ABI type of every function of a loaded plugin, in
** descriptor order (funcs[k] of p->desc), with their native args layout.
** Resource types carry no destructor: only reps cross the wire. */
typedef struct wp_rpc_types {
  wp_wit_cabi_t *conv;
  const wp_cabi_func_t **f;
  wp_cabi_native_args_t *args;
  uint32_t n;
  /* The resource type of each entry of the descriptor's resource table
  ** (RES_DROP's index), NULL where the WIT has none; nres entries. */
  const wp_cabi_resource_t **res;
  uint32_t nres;
  /* Every resource type of the interfaces the plugin provides: the reps
  ** plugin-serve tracks (others belong to other providers). */
  const wp_cabi_resource_t **provided;
  uint32_t nprovided;
} wp_rpc_types_t;
wasmplug_error_t *wp_rpc_types_new(const wp_plugin_t *p, wp_rpc_types_t *out);
void wp_rpc_types_free(wp_rpc_types_t *t);

/* -------------------------------------------------------- host side */

/* rpc_open.c: true when `path`/`config` of a --plugin spec ask for an
** out-of-process plugin (",isolate" or a unix:/tcp: address). */
bool wp_rpc_wants(const char *path, const char *config);
/* Starts or connects to the plugin process and builds the proxy plugin. */
wasmplug_error_t *wp_rpc_open(const char *path, const char *config, wp_plugin_t **out);

/* isolate_call.c: every function of a proxy plugin is this one function;
** which one runs is host->call_func(call) (plugin ABI 1.1).  Resources
** are dropped through the loader's drop_at hook, told the index. */
int wp_rpc_proxy_call(void *state, wasmplug_plugin_call_t *call, const void *params, void *result);
void wp_rpc_proxy_drop(void *state, uint32_t res, uint32_t rep);

/* --------------------------------------------------------- addresses */

/* "unix:PATH" or "tcp:HOST:PORT" -> a connected socket (or listening when
** `listen` is true).  -1 with a message in why. */
int wp_rpc_addr_socket(const char *addr, bool listen, char *why, size_t whylen);

/* ---------------------------------------------------------- the proxy */

/* The host's end of one out-of-process plugin: the connection, the helper
** process (isolate) or the server address (remote), and restart policy.
** One mutex serializes frames: one request is in flight at a time. */
typedef struct wp_rpc_proxy {
  pthread_mutex_t mu;
  char *spec_path;      /* the .so (isolate) or the address (remote) */
  bool remote;
  char **argv;          /* helper command line (isolate) */
  int timeout_ms;       /* per call; < 0: none */
  unsigned max_restarts, restarts;
  wp_rpc_conn_t conn;   /* fd < 0 while down */
  pid_t pid;            /* helper (isolate), 0 when none */
  uint32_t gen;         /* bumped at every (re)start: instances of older ones are dead */
  uint32_t next_call;
  char *down_why;       /* why the last process/connection was lost */
  uint8_t *hello;       /* the first DESCRIBE payload: restarts must match it */
  size_t hello_len;
  wp_rpc_desc_t desc;   /* owns the descriptor data p->desc points to */
  wp_rpc_types_t types;
  wp_plugin_t *p;
  wp_rpc_buf_t out;
  char err[600];        /* instance_new's message (the hook's static-storage contract) */
} wp_rpc_proxy_t;

/* A guest instance's handle on its state in the server. */
typedef struct wp_rpc_inst {
  wp_rpc_proxy_t *px;
  uint32_t id, gen;
} wp_rpc_inst_t;

/* isolate_proc.c */
/* The wasmplug executable to run as helper: $WASMPLUG_EXE, this process
** when it is wasmplug, else `wasmplug` on $PATH (malloc'd; NULL if none). */
char *wp_rpc_helper_exe(void);
/* Starts argv[0] with a socketpair end as fd 3 and ring_fd (when >= 0) as
** fd 4; *fd is our end of the socket. */
pid_t wp_rpc_spawn(char *const argv[], int ring_fd, int *fd, char *why, size_t whylen);
/* Waits for pid (killing it first when `kill_it` or when it does not exit
** within a second) and describes how it ended. */
void wp_rpc_reap(pid_t pid, bool kill_it, char *how, size_t howlen);

/* isolate_call.c */
/* (Re)starts or reconnects when down (bounded by max_restarts) and does
** the HELLO/DESCRIBE handshake.  Called with mu held (or before sharing). */
wasmplug_error_t *wp_rpc_proxy_up(wp_rpc_proxy_t *px);
/* Marks the connection lost: kills/reaps the helper; `why` is kept. */
void wp_rpc_proxy_down(wp_rpc_proxy_t *px, bool kill_it, const char *why);
void wp_rpc_proxy_free(wp_rpc_proxy_t *px);
int wp_rpc_proxy_inst_new(void *plugin_state, const wasmplug_plugin_config_t *cfg, void **out, const char **why);
void wp_rpc_proxy_inst_drop(void *inst_state);
void wp_rpc_proxy_fini(void *plugin_state);

/* ---------------------------------------------------- the helper's sandbox */

/* sandbox.c: confines the calling process (the helper) before it loads
** the plugin.  NULL, or why not (malloc'ed).  *plugin_inside: the plugin
** file's path inside the sandbox's root (malloc'ed; NULL when the helper
** runs without namespaces, where the path is unchanged). */
typedef struct wp_sandbox_opts {
  const char *plugin_path;
  const char *allow;     /* isolate-allow= */
  const char *dirs;      /* isolate-dir=, ':'-separated */
  const char *rlimit_as; /* bytes */
  int keep_fd;           /* the socket to the host */
} wp_sandbox_opts_t;
char *wp_sandbox_enter(const wp_sandbox_opts_t *o, char **plugin_inside);

/* serve_watch.c: a plugin server's watcher.  While a plugin call runs on
** the serving thread, a thread of its own reads that session's socket
** for the client's STOP naming the call, and keeps the call's deadline;
** either sets the word host->interrupted reads (to the arm's number) and
** sends the serving thread the server's stop signal (WP_RPC_STOP_SIGNAL
** unless the embedder chose another, or none: signo 0), then again every
** 10 ms until the call ends.  Only for servers without a ring (plugin-serve,
** wasmplug_plugin_server_run_fd): an isolate helper has the ring's notice
** and no threads. */
typedef struct wp_rpc_watch wp_rpc_watch_t;
/* On the serving thread (the one signalled).  NULL when no thread could be
** started: calls are then not watched (their deadline still stands). */
wp_rpc_watch_t *wp_rpc_watch_new(int signo);
void wp_rpc_watch_delete(wp_rpc_watch_t *w);
/* Around one plugin call of request `call_id` on connection c, whose
** deadline (CLOCK_MONOTONIC ns, 0: none) is `deadline`: what the call's
** wp_cabi_stop_t is to hold.  Bytes the watcher read are the
** connection's again after disarm. */
void wp_rpc_watch_arm(wp_rpc_watch_t *w, wp_rpc_conn_t *c, uint32_t call_id, uint64_t deadline,
                      const _Atomic uint32_t **word, uint32_t *id);
void wp_rpc_watch_disarm(wp_rpc_watch_t *w, wp_rpc_conn_t *c);

/* serve.c: one session on fd (and the ring, owned from then on), as
** wasmplug_plugin_server_run_fd and _refuse do on a socket alone. */
void wp_rpc_server_run(wasmplug_plugin_server_t *s, int fd, wp_rpc_ring_t *ring);
void wp_rpc_server_refuse(int fd, wp_rpc_ring_t *ring, const char *msg);

#endif
