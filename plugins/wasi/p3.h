/*
** p3.h — the WASI 0.3 plugin's insides (internal to plugins/wasi/p3_*.c).
**
** One plugin, "wasi-p3", implements the WASI 0.3.0 interfaces
** (plugins/wasi/wit/0.3.0/wasi-p3.wit) through the native plugin ABI with
** its async additions (1.3): its descriptor and glue are generated at build
** time by bindgen (wp3.h/wp3.c, p3_gen.c), the functions live in
** p3_<group>.c.  The same functions are registered a second time as
** "wasi-p3-rc" under the release candidate's names (0.3.0-rc-2026-03-15),
** whose WIT p3_gen.c checked is 0.3.0's.  It is built in only: the host
** registers it with its capability object (the same as wasi-p2's: --dir,
** --env, --allow-network mean the same for both).
**
** Streams.  Every stream<u8> the guest reads or writes (stdin/stdout/
** stderr, file reads and writes, socket send/receive) is pumped by a
** wp3_op_t: one buffer, refilled only when the other side took all of it
** (backpressure), a file descriptor touched only when poll says it is
** ready (never blocking the guest's thread: the host's event loop waits
** for it with watch_fd), and a future resolved with how it ended.
**
** Per-instance state.  Each guest instance gets a wp3_inst_t: the guest's
** args, env and preopens (from the capability object), a table of objects
** every resource rep indexes (checked for range and kind on each use), and
** the list of operations in flight, freed with the instance.
*/
#ifndef WASMPLUG_WASI_P3_H
#define WASMPLUG_WASI_P3_H

#include <stdbool.h>
#include <stdint.h>

#include "wasmplug.h"
#include "wasmplug/host.h"
#include "wasmplug/plugin.h"

struct wp_plugin_set;

/* Registers the built-in wasi-p3 and wasi-p3-rc plugins on `set`; `caps`
** (borrowed) must outlive the set. */
wasmplug_error_t *wp_wasi_p3_register(struct wp_plugin_set *set, const wasmplug_wasi_config_t *caps);
/* The entry points of the two descriptors (wp3.c). */
const wasmplug_plugin_t *wp_wasi_p3_entry(const wasmplug_host_api_t *host);
const wasmplug_plugin_t *wp3_rc_entry(const wasmplug_host_api_t *host);

#ifdef WP3_INTERNAL /* ------------------- the plugin's own files only */

#include "wasi/caps.h"
#include "wasi/os.h"
#include "wp3.h"
#include "slots.h"

/* At most this many live objects and operations per guest instance. */
#define WP3_MAX_OBJS 65536
/* Bytes one stream pump holds at a time. */
#define WP3_BUF 65536

typedef enum wp3_kind {
  WP3_FREE = 0,
  WP3_DESCRIPTOR, /* wasi:filesystem descriptor */
  WP3_TCP,        /* wasi:sockets tcp-socket */
  WP3_UDP,        /* wasi:sockets udp-socket */
  WP3_TERMINAL,   /* terminal-input / terminal-output (no state) */
} wp3_kind_t;

typedef enum wp3_tcp_state {
  WP3_TCP_UNBOUND = 0,
  WP3_TCP_BOUND,
  WP3_TCP_CONNECTING,
  WP3_TCP_CONNECTED,
  WP3_TCP_LISTENING,
  WP3_TCP_CLOSED, /* a connect failed: the socket cannot be reused */
} wp3_tcp_state_t;

typedef struct wp3_obj {
  wp3_kind_t kind;
  union {
    struct {
      wp_os_handle_t h;
      wp_os_filetype_t type;
      uint8_t flags; /* descriptor-flags as get-flags reports them */
      bool mutate;   /* a directory the guest may change beneath */
    } desc;
    struct {
      int fd; /* owned, non-blocking */
      int family;
      wp3_tcp_state_t state;
      bool connected; /* udp: connect() gave a remote address */
      bool sending, receiving; /* tcp: send/receive may be called once */
      uint32_t backlog;
      struct wp3_op *accept; /* tcp: the accept loop of a listener */
    } sock;
  } u;
} wp3_obj_t;

typedef struct wp3_preopen {
  wp_os_handle_t h;
  char *guest;
} wp3_preopen_t;

struct wp3_op;

typedef struct wp3_inst {
  const wasmplug_host_api_t *host;
  char **args;
  size_t nargs;
  char **env; /* "NAME=VALUE" */
  size_t nenv;
  wp3_preopen_t *preopens;
  size_t npreopens;
  bool allow_network;
  int stdio[3]; /* host fds (borrowed) */
  wp_slots_t objs; /* of wp3_obj_t, indexed by rep */
  uint64_t seed[2]; /* insecure-seed: drawn at the first call, then the same */
  bool seeded;
  struct wp3_op *ops; /* in flight (wp3_op_new) */
  size_t nops;
} wp3_inst_t;

static inline wp3_inst_t *wp3_inst(wp3_ctx_t *cx) { return (wp3_inst_t *)cx->instance; }

/* p3_state.c: the object table (as p2_state.c's). */
wp3_obj_t *wp3_obj_new(wp3_inst_t *in, wp3_kind_t kind, uint32_t *rep);
wp3_obj_t *wp3_obj_get(wp3_inst_t *in, uint32_t rep, wp3_kind_t kind);
void wp3_obj_free(wp3_inst_t *in, uint32_t rep, wp3_kind_t kind);

/* ------------------------------------------------------------ operations
** An operation in flight: a stream pump, a pending call.  It belongs to
** the instance (freed with it: watches of a torn-down instance never fire)
** and frees itself when done. */
typedef enum wp3_err_domain { WP3_CLI, WP3_FS, WP3_SOCK } wp3_err_domain_t;

typedef struct wp3_op {
  struct wp3_op *next, **prevp;
  wp3_inst_t *in;
  const wasmplug_host_api_t *host;
  wasmplug_plugin_instance_t *pi;
  /* a pending call (timers, connect, ...) */
  wasmplug_plugin_call_t *call;
  void *ret;
  uint64_t watch; /* a watch_fd/watch_time id, 0 when none */
  /* a pump between a file descriptor and a stream<u8> */
  int fd;
  bool own_fd;      /* close fd when done (a dup) */
  bool to_fd;       /* the guest writes (stream read here, fd written) */
  bool positioned;  /* pread/pwrite at `offset` */
  bool append;      /* write at the end of the file */
  bool sock;        /* send/recv (no SIGPIPE); shutdown the direction at the end */
  bool limit_chunk; /* a pipe or terminal: write at most PIPE_BUF per readiness */
  bool eof;         /* the stream's other side dropped its end (to_fd) */
  bool reader_waits; /* the guest reads the stream (a zero-length write said so) */
  /* bytes were just delivered from a pipe or socket: the next zero-length
  ** write waits for the loop (p3_cli.c: pump_step) */
  bool delivered;
  wasmplug_plugin_waker_t *waker; /* that wait's (NULL until the first) */
  uint64_t offset;
  uint32_t data, fut; /* the stream end and the future's writable end we hold */
  wp3_err_domain_t domain;
  uint8_t *buf;
  size_t len, at;
  union {
    wp3_result_void_error_code_t fs;
    wp3_result_void_error_code_2_t sock;
    wp3_result_void_error_code_3_t cli;
  } res;
  /* what else an operation needs (a directory listing, an accept loop) */
  void *extra;
  void (*extra_free)(void *extra);
} wp3_op_t;

/* A new operation of the call's instance; NULL when out of memory or too
** many are in flight. */
wp3_op_t *wp3_op_new(wp3_ctx_t *cx);
/* Unlinks and frees (closes an owned fd, frees buf and extra). */
void wp3_op_free(wp3_op_t *op);

/* p3_cli.c: pumps.  A stream<u8> `data` (the readable end the guest gave)
** written to op->fd; then the future `fut` (writable end) gets the result.
** Or op->fd read into the stream whose writable end is `data`.  The op's
** fd, flags and domain are set by the caller. */
void wp3_pump_start(wp3_op_t *op);
/* Resolves the op's future with ok (err = 0) or an OS error, drops its ends,
** frees the op. */
void wp3_pump_finish(wp3_op_t *op, wp_os_err_t err);

/* p3_sock.c: ends the accept loop of a listener the guest dropped (the
** port is free again at once, as the reference's). */
void wp3_accept_stop(struct wp3_op *op);

/* p3_fs.c: an OS error as a wasi:filesystem error-code. */
wasi_filesystem_types_error_code_t wp3_fs_error(wp_os_err_t e);
/* p3_sock.c: an OS error as a wasi:sockets error-code. */
wasi_sockets_types_error_code_t wp3_sock_error(wp_os_err_t e);

#endif /* WP3_INTERNAL */

#endif
