/*
** p2.h — the WASI 0.2 plugin's insides (internal to plugins/wasi/p2_*.c).
**
** One plugin, "wasi-p2", implements every WASI 0.2 interface it exports
** (plugins/wasi/wit/0.2.12/wasi-p2.wit) through the ordinary native plugin
** ABI: its descriptor and glue are generated at build time by bindgen
** (wp2.h/wp2.c), the functions live in p2_<group>.c.  It is linked into
** the wasmplug binary (registered with wp_plugin_set_add_builtin) and also
** built as plugins/wasi/wasi-p2.so from the same sources.
**
** Why one plugin and not one per package: pollables from clocks, streams
** and sockets must meet in one wasi:io/poll#poll call, and streams are
** handed out by cli, filesystem and sockets; they all live in one
** per-instance object table.
**
** Per-instance state.  Each guest instance gets its own wp2_inst_t: the
** guest's args, env and preopens (read from the plugin config when the
** instance is created: see p2_gen.c for the options), and a table of
** objects.  Every resource rep the guest holds is an index into that
** table; a rep is checked for range and kind on every use (the cabi layer
** checks handles, but a bug of ours must not turn into a wild access).
*/
#ifndef WASMPLUG_WASI_P2_H
#define WASMPLUG_WASI_P2_H

#include <stdbool.h>
#include <stdint.h>

#include "wasmplug.h"
#include "wasmplug/io.h"
#include "wasmplug/host.h"
#include "wasmplug/plugin.h"

/* ----------------------------------------------------- for the host
** The built-in copy is registered by the host (src/host) with the
** host's capability object (wasmplug_wasi_config_t, src/wasi/caps.h),
** which every instance is made from.  wasi-p2.so gets the same
** capabilities as its configuration, read once into its own object:
**   --plugin 'wasi-p2.so,args=app.wasm one,dir=/data::/d,env=A=1 B=2'
** (list options are space-separated items, each %-encoded: a space inside
** an item is %20, a comma %2C, a percent %25, and a lone % is the empty
** item; see p2_gen.c for every option). */
struct wp_plugin_set;

/* Registers the built-in wasi-p2 plugin on `set`; `caps` (borrowed) must
** outlive the set. */
wasmplug_error_t *wp_wasi_p2_register(struct wp_plugin_set *set, const wasmplug_wasi_config_t *caps);
/* The built-in copy's entry point (wasmplug_plugin_entry in wasi-p2.so). */
const wasmplug_plugin_t *wp_wasi_p2_entry(const wasmplug_host_api_t *host);

#ifdef WP2_INTERNAL /* ------------------- the plugin's own files only */

#include "wasi/caps.h"
#include "wasi/os.h"
#include "wp2.h"
#include "slots.h"

/* At most this many live objects per guest instance (then EMFILE-like
** errors / traps): a guest must not grow host memory without bound. */
#define WP2_MAX_OBJS 65536

typedef enum wp2_kind {
  WP2_FREE = 0,
  WP2_ERROR,      /* wasi:io/error: an OS error code */
  WP2_POLLABLE,   /* wasi:io/poll */
  WP2_INSTREAM,   /* wasi:io/streams input-stream */
  WP2_OUTSTREAM,  /* wasi:io/streams output-stream */
  WP2_DESCRIPTOR, /* wasi:filesystem descriptor */
  WP2_DIRSTREAM,  /* wasi:filesystem directory-entry-stream */
  WP2_TERMINAL,   /* terminal-input / terminal-output (no state) */
  WP2_NETWORK,    /* wasi:sockets network (no state: the capability) */
  WP2_TCP,        /* wasi:sockets tcp-socket */
  WP2_RESOLVE,    /* wasi:sockets resolve-address-stream */
  WP2_UDP,        /* wasi:sockets udp-socket (uses u.tcp) */
  WP2_UDP_IN,     /* incoming-datagram-stream (uses u.stream) */
  WP2_UDP_OUT,    /* outgoing-datagram-stream (uses u.stream) */
} wp2_kind_t;

typedef enum wp2_tcp_state {
  WP2_TCP_UNBOUND = 0,
  WP2_TCP_BIND_STARTED,
  WP2_TCP_BOUND,
  WP2_TCP_CONNECTING,
  WP2_TCP_CONNECTED,
  WP2_TCP_LISTEN_STARTED,
  WP2_TCP_LISTENING,
  WP2_TCP_CLOSED, /* a connect failed: the socket cannot be reused */
} wp2_tcp_state_t;

typedef enum wp2_poll_kind {
  WP2_POLL_READY = 0, /* always ready (files, closed streams) */
  WP2_POLL_CLOCK,     /* ready when the monotonic clock reaches `deadline` */
  WP2_POLL_READ,      /* ready when `fd` is readable */
  WP2_POLL_WRITE,     /* ready when `fd` is writable */
  WP2_POLL_CUSTOM,    /* another plugin's (wasmplug/io.h): ops->ready says */
} wp2_poll_kind_t;

typedef struct wp2_obj {
  wp2_kind_t kind;
  union {
    struct {
      wp_os_err_t code;
      /* an error of another plugin's stream (wasmplug/io.h): */
      const wasmplug_io_ops_t *ops; /* NULL for OS errors */
      uint32_t ops_code;            /* what ops->error returned */
      char *msg;                    /* malloc'd */
    } error;
    struct {
      wp2_poll_kind_t kind;
      int fd;            /* READ/WRITE: a dup, owned; else -1 */
      uint64_t deadline; /* monotonic ns */
      const wasmplug_io_ops_t *ops; /* CUSTOM: another plugin's */
      void *ctx;
    } poll;
    /* Streams borrow the fd of their descriptor (or the host's stdio):
    ** `owned` says whether dropping the stream closes it. */
    struct {
      int fd;
      bool owned;
      bool positioned; /* a file stream: reads/writes at `offset` */
      bool append;
      bool closed;     /* end of stream seen / write side failed */
      bool shut_wr;    /* a socket's send side: shutdown(SHUT_WR) on drop */
      bool connected;  /* a datagram stream of a connected udp-socket */
      uint64_t offset;
      /* Another plugin's stream (wasmplug/io.h, p2_service.c): every
      ** operation goes to ops with ctx; fd is -1. */
      const wasmplug_io_ops_t *ops;
      void *ctx;
    } stream;
    struct {
      wp_os_handle_t h;
      wp_os_filetype_t type;
      uint8_t flags; /* wasi descriptor-flags read/write/mutate-directory */
    } desc;
    struct {
      int fd; /* owned */
      int family; /* AF_INET / AF_INET6 */
      wp2_tcp_state_t state;
      bool connected; /* udp: stream() was given a remote address */
      uint32_t backlog;
    } tcp;
    struct {
      uint8_t (*addrs)[17]; /* malloc'd: family byte + 16 address bytes */
      size_t n, next;
    } resolve;
    struct {
      int fd;         /* a dup of the directory's fd, owned */
      uint64_t cookie;
      bool done;
    } dir;
  } u;
} wp2_obj_t;

typedef struct wp2_preopen {
  wp_os_handle_t h;
  char *guest; /* the guest's name for it */
} wp2_preopen_t;

typedef struct wp2_inst {
  char **args;
  size_t nargs;
  char **env; /* "NAME=VALUE" */
  size_t nenv;
  wp2_preopen_t *preopens;
  size_t npreopens;
  bool allow_network;
  int stdio[3]; /* host fds of stdin, stdout, stderr (borrowed) */
  /* for messages while the config is read (instance_new only) */
  const wasmplug_host_api_t *host;
  const wasmplug_plugin_config_t *config;
  wp_slots_t objs; /* of wp2_obj_t, indexed by rep */
} wp2_inst_t;

/* p2_state.c: the object table. */
/* A new object of `kind` (zeroed otherwise); its rep in *rep.  NULL when
** the table is full or memory is out. */
wp2_obj_t *wp2_obj_new(wp2_inst_t *in, wp2_kind_t kind, uint32_t *rep);
/* The object `rep` if it is live and of `kind`, else NULL. */
wp2_obj_t *wp2_obj_get(wp2_inst_t *in, uint32_t rep, wp2_kind_t kind);
/* Releases what the object holds (fds it owns) and frees its slot. */
void wp2_obj_free(wp2_inst_t *in, uint32_t rep, wp2_kind_t kind);
/* The instance state of a call. */
static inline wp2_inst_t *wp2_inst(wp2_ctx_t *cx) { return (wp2_inst_t *)cx->instance; }
/* When the guest call must end, which every wait honours (see "Deadlines"
** in src/wasi/os.h): its deadline (plugin ABI 1.1) and whether it was
** interrupted (1.4; p2_io.c).  Valid while the call runs. */
wp_os_stop_t wp2_stop(wp2_ctx_t *cx);

/* p2_state.c: decodes one %-encoded list item of a config value. */
char *wp2_config_item(const char *s, size_t len);

/* p2_fs.c: an OS error as a wasi:filesystem error-code. */
wasi_filesystem_types_error_code_t wp2_fs_error(wp_os_err_t e);
/* p2_io.c: a pollable that is ready when `kind` says so. */
int wp2_pollable_new(wp2_ctx_t *cx, wp2_poll_kind_t kind, int fd, uint64_t deadline, uint32_t *rep);
/* p2_io.c: new streams over `fd`. */
wp2_obj_t *wp2_stream_new(wp2_inst_t *in, wp2_kind_t kind, int fd, bool owned, uint32_t *rep);

/* p2_service.c: the io service other plugins use (wasmplug/io.h). */
extern const wasmplug_plugin_service_t wp2_services[1];

/* p2_tcp.c: socket addresses and errors, shared with p2_udp.c. */
#include <sys/socket.h>
typedef struct wp2_sockaddr {
  struct sockaddr_storage ss;
  socklen_t len;
} wp2_sockaddr_t;
/* Returns the address family (AF_INET / AF_INET6). */
int wp2_to_host(const wasi_sockets_network_ip_socket_address_t *a, wp2_sockaddr_t *out);
void wp2_from_host(const struct sockaddr_storage *ss, wasi_sockets_network_ip_socket_address_t *out);
bool wp2_addr_unspecified(const struct sockaddr_storage *ss);
wasi_sockets_network_error_code_t wp2_net_error(int host_errno);

#endif /* WP2_INTERNAL */

#endif
