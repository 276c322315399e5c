/*
** p3_sock.c — wasi:sockets@0.3 (types: tcp-socket, udp-socket;
** ip-name-lookup) on non-blocking host sockets.
**
** Denied unless the host allowed the network (`wasmplug run
** --allow-network`), as in WASI 0.2: creating a socket or resolving a name
** fails with access-denied.  Nothing here blocks the guest's thread: a
** connect, a datagram send or receive that cannot finish at once waits for
** the socket in the host's event loop (watch_fd) and completes its call
** then; send/receive are stream pumps (p3_cli.c) on dups of the socket's
** fd; listen hands out a stream<tcp-socket> fed by an accept loop; a name
** is resolved by getaddrinfo on a worker thread that wakes the loop.
*/
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p3.h"

#define SE(x) WASI_SOCKETS_TYPES_ERROR_CODE_##x
/* At most this many bytes in one datagram received. */
#define WP3_UDP_MAX 65536

static uint8_t sock_code(wp_os_err_t e) {
  switch (e) {
  case WP_OS_EACCES: case WP_OS_EPERM: case WP_OS_ENOTCAPABLE: return SE(ACCESS_DENIED);
  case WP_OS_EAFNOSUPPORT: case WP_OS_ENOTSUP: case WP_OS_EPROTONOSUPPORT: return SE(NOT_SUPPORTED);
  case WP_OS_EINVAL: case WP_OS_EDESTADDRREQ: return SE(INVALID_ARGUMENT);
  case WP_OS_ENOMEM: case WP_OS_ENOBUFS: case WP_OS_EMFILE: case WP_OS_ENFILE: return SE(OUT_OF_MEMORY);
  case WP_OS_ETIMEDOUT: return SE(TIMEOUT);
  case WP_OS_EADDRNOTAVAIL: return SE(ADDRESS_NOT_BINDABLE);
  case WP_OS_EADDRINUSE: return SE(ADDRESS_IN_USE);
  case WP_OS_EHOSTUNREACH: case WP_OS_ENETUNREACH: case WP_OS_ENETDOWN: return SE(REMOTE_UNREACHABLE);
  case WP_OS_ECONNREFUSED: return SE(CONNECTION_REFUSED);
  case WP_OS_EPIPE: return SE(CONNECTION_BROKEN);
  case WP_OS_ECONNRESET: return SE(CONNECTION_RESET);
  case WP_OS_ECONNABORTED: return SE(CONNECTION_ABORTED);
  case WP_OS_EISCONN: case WP_OS_EALREADY: case WP_OS_ENOTCONN: return SE(INVALID_STATE);
  case WP_OS_EMSGSIZE: return SE(DATAGRAM_TOO_LARGE);
  default: return SE(OTHER); /* other(none) */
  }
}

wasi_sockets_types_error_code_t wp3_sock_error(wp_os_err_t e) {
  wasi_sockets_types_error_code_t c;
  memset(&c, 0, sizeof c);
  c.tag = sock_code(e);
  return c;
}

static wasi_sockets_types_error_code_t code(uint8_t tag) {
  wasi_sockets_types_error_code_t c;
  memset(&c, 0, sizeof c);
  c.tag = tag;
  return c;
}

/* Sets the err case of a result<_, error-code>-shaped struct. */
#define ERR(ret, tag) ((ret)->is_err = true, (ret)->val.err = code(tag), 0)
#define ERRNO(ret, e) ((ret)->is_err = true, (ret)->val.err = wp3_sock_error(wp_os_err_from_errno(e)), 0)

/* ----------------------------------------------------------- addresses */

typedef struct sockaddr_x {
  struct sockaddr_storage ss;
  socklen_t len;
} sockaddr_x;

/* Returns the address family (AF_INET / AF_INET6). */
static int to_host(const wasi_sockets_types_ip_socket_address_t *a, sockaddr_x *out) {
  memset(out, 0, sizeof *out);
  if (a->tag == WASI_SOCKETS_TYPES_IP_SOCKET_ADDRESS_IPV4) {
    struct sockaddr_in *in = (struct sockaddr_in *)&out->ss;
    const wasi_sockets_types_ipv4_address_t *x = &a->val.ipv4.address;
    in->sin_family = AF_INET;
    in->sin_port = htons(a->val.ipv4.port);
    uint8_t b[4] = {x->f0, x->f1, x->f2, x->f3};
    memcpy(&in->sin_addr, b, 4);
    out->len = sizeof *in;
    return AF_INET;
  }
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->ss;
  const wasi_sockets_types_ipv6_address_t *x = &a->val.ipv6.address;
  uint16_t g[8] = {x->f0, x->f1, x->f2, x->f3, x->f4, x->f5, x->f6, x->f7};
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(a->val.ipv6.port);
  in6->sin6_flowinfo = htonl(a->val.ipv6.flow_info);
  in6->sin6_scope_id = a->val.ipv6.scope_id;
  for (int i = 0; i < 8; i++) {
    in6->sin6_addr.s6_addr[2 * i] = (uint8_t)(g[i] >> 8);
    in6->sin6_addr.s6_addr[2 * i + 1] = (uint8_t)g[i];
  }
  out->len = sizeof *in6;
  return AF_INET6;
}

static void ipv6_groups(const uint8_t *b, wasi_sockets_types_ipv6_address_t *x) {
  uint16_t g[8];
  for (int i = 0; i < 8; i++) g[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
  x->f0 = g[0], x->f1 = g[1], x->f2 = g[2], x->f3 = g[3], x->f4 = g[4], x->f5 = g[5], x->f6 = g[6], x->f7 = g[7];
}

static void from_host(const struct sockaddr_storage *ss, wasi_sockets_types_ip_socket_address_t *out) {
  memset(out, 0, sizeof *out);
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
    const uint8_t *b = (const uint8_t *)&in->sin_addr;
    out->tag = WASI_SOCKETS_TYPES_IP_SOCKET_ADDRESS_IPV4;
    out->val.ipv4.port = ntohs(in->sin_port);
    out->val.ipv4.address.f0 = b[0];
    out->val.ipv4.address.f1 = b[1];
    out->val.ipv4.address.f2 = b[2];
    out->val.ipv4.address.f3 = b[3];
    return;
  }
  const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
  out->tag = WASI_SOCKETS_TYPES_IP_SOCKET_ADDRESS_IPV6;
  out->val.ipv6.port = ntohs(in6->sin6_port);
  out->val.ipv6.flow_info = ntohl(in6->sin6_flowinfo);
  out->val.ipv6.scope_id = in6->sin6_scope_id;
  ipv6_groups(in6->sin6_addr.s6_addr, &out->val.ipv6.address);
}

static bool unspecified(const struct sockaddr_storage *ss) {
  if (ss->ss_family == AF_INET) return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
  return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* The same family, address and port. */
static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) return false;
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const struct sockaddr_in *)a, *y = (const struct sockaddr_in *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a, *y = (const struct sockaddr_in6 *)b;
  return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
}

static uint16_t port_of(const wasi_sockets_types_ip_socket_address_t *a) {
  return a->tag == WASI_SOCKETS_TYPES_IP_SOCKET_ADDRESS_IPV4 ? a->val.ipv4.port : a->val.ipv6.port;
}

/* The address checks of the reference (Wasmtime's sockets util), in its
** order; -1 when `a` may be used by socket `s` (af its family), else the
** error-code (access-denied is 0).  `remote`: a peer (not unspecified, not port 0); `unicast`:
** TCP refuses multicast and broadcast addresses.  Then the capability: no
** address is reachable without --allow-network (creating a socket and
** setting its options are, as in Wasmtime, not network access). */
static int addr_check(wp3_ctx_t *cx, int af, const wasi_sockets_types_ip_socket_address_t *a, sockaddr_x *sa,
                          bool remote, bool unicast) {
  if (to_host(a, sa) != af) return SE(INVALID_ARGUMENT);
  if (af == AF_INET6) {
    const struct in6_addr *x = &((const struct sockaddr_in6 *)&sa->ss)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(x)) return SE(INVALID_ARGUMENT); /* no dual stack */
    if (unicast && IN6_IS_ADDR_MULTICAST(x)) return SE(INVALID_ARGUMENT);
  } else if (unicast) {
    uint32_t x = ntohl(((const struct sockaddr_in *)&sa->ss)->sin_addr.s_addr);
    if ((x >> 28) == 0xe || x == 0xffffffffu) return SE(INVALID_ARGUMENT);
  }
  if (remote && (port_of(a) == 0 || unspecified(&sa->ss))) return SE(INVALID_ARGUMENT);
  if (!wp3_inst(cx)->allow_network) return SE(ACCESS_DENIED);
  return -1;
}

/* ---------------------------------------------------------- sockets */

#define SOCK(cx, rep, kind, s)                                                                \
  wp3_obj_t *s = wp3_obj_get(wp3_inst(cx), (rep), (kind));                                    \
  if (!s) return wp3_trap((cx), "wasi:sockets: unknown socket rep %u", (unsigned)(rep))

static wp3_obj_t *sock_new(wp3_inst_t *in, wp3_kind_t kind, int fd, int family, wp3_tcp_state_t st, uint32_t *rep) {
  wp3_obj_t *o = wp3_obj_new(in, kind, rep);
  if (!o) return NULL;
  o->u.sock.fd = fd;
  o->u.sock.family = family;
  o->u.sock.state = st;
  o->u.sock.backlog = 128;
  return o;
}

/* A new non-blocking socket of the family, or -1 with errno. */
static int sock_open(wasi_sockets_types_ip_address_family_t family, int type, int *af) {
  *af = family == WASI_SOCKETS_TYPES_IP_ADDRESS_FAMILY_IPV4 ? AF_INET : AF_INET6;
  int fd = socket(*af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0 && *af == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){1}, sizeof(int)); /* as WASI requires */
  return fd;
}

static int create(wp3_ctx_t *cx, wp3_kind_t kind, wasi_sockets_types_ip_address_family_t family, bool *is_err,
                  wasi_sockets_types_error_code_t *err, uint32_t *rep) {
  int af;
  int fd = sock_open(family, kind == WP3_TCP ? SOCK_STREAM : SOCK_DGRAM, &af);
  if (fd < 0) {
    *is_err = true;
    *err = wp3_sock_error(wp_os_err_from_errno(errno));
    return 0;
  }
  if (!sock_new(wp3_inst(cx), kind, fd, af, WP3_TCP_UNBOUND, rep)) {
    close(fd);
    *is_err = true;
    *err = code(SE(OUT_OF_MEMORY));
  }
  return 0;
}

int wasi_sockets_types_static_tcp_socket_create(wp3_ctx_t *cx, wasi_sockets_types_ip_address_family_t address_family,
                                                wp3_result_own_tcp_socket_error_code_t *ret) {
  return create(cx, WP3_TCP, address_family, &ret->is_err, &ret->val.err, &ret->val.ok.rep);
}

int wasi_sockets_types_static_udp_socket_create(wp3_ctx_t *cx, wasi_sockets_types_ip_address_family_t address_family,
                                                wp3_result_own_udp_socket_error_code_t *ret) {
  return create(cx, WP3_UDP, address_family, &ret->is_err, &ret->val.err, &ret->val.ok.rep);
}

static int do_bind(wp3_ctx_t *cx, wp3_obj_t *s, const wasi_sockets_types_ip_socket_address_t *addr,
                   wp3_result_void_error_code_2_t *ret) {
  if (s->u.sock.state != WP3_TCP_UNBOUND) return ERR(ret, SE(INVALID_STATE));
  sockaddr_x sa;
  int bad = addr_check(cx, s->u.sock.family, addr, &sa, false, s->kind == WP3_TCP);
  if (bad >= 0) return ERR(ret, (uint8_t)bad);
  /* like wasmtime: a listener can be restarted without waiting out TIME_WAIT */
  if (s->kind == WP3_TCP) setsockopt(s->u.sock.fd, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int));
  if (bind(s->u.sock.fd, (struct sockaddr *)&sa.ss, sa.len) < 0) return ERRNO(ret, errno);
  s->u.sock.state = WP3_TCP_BOUND;
  return 0;
}

int wasi_sockets_types_method_tcp_socket_bind(wp3_ctx_t *cx, wasi_sockets_types_borrow_tcp_socket_t self,
                                              const wasi_sockets_types_ip_socket_address_t *local_address,
                                              wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  return do_bind(cx, s, local_address, ret);
}

int wasi_sockets_types_method_udp_socket_bind(wp3_ctx_t *cx, wasi_sockets_types_borrow_udp_socket_t self,
                                              const wasi_sockets_types_ip_socket_address_t *local_address,
                                              wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_UDP, s);
  return do_bind(cx, s, local_address, ret);
}

/* ------------------------------------------------------------- connect */

static void connect_done(void *arg, int revents) {
  (void)revents;
  wp3_op_t *op = arg;
  wp3_result_void_error_code_2_t *ret = op->ret;
  wp3_obj_t *s = wp3_obj_get(op->in, (uint32_t)op->offset, WP3_TCP);
  int soerr = 0;
  socklen_t len = sizeof soerr;
  if (getsockopt(op->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) soerr = errno;
  if (soerr) (void)ERRNO(ret, soerr);
  /* the socket may have been dropped meanwhile (its connect then ends) */
  if (s && s->u.sock.fd == op->fd) s->u.sock.state = soerr ? WP3_TCP_CLOSED : WP3_TCP_CONNECTED;
  op->host->unwatch(op->pi, op->watch);
  op->watch = 0;
  wasmplug_plugin_call_t *call = op->call;
  const wasmplug_host_api_t *host = op->host;
  wp3_op_free(op);
  host->call_complete(call, WASMPLUG_OK);
}

int wasi_sockets_types_method_tcp_socket_connect(wp3_ctx_t *cx, wasi_sockets_types_borrow_tcp_socket_t self,
                                                 const wasi_sockets_types_ip_socket_address_t *remote_address,
                                                 wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  if (s->u.sock.state != WP3_TCP_UNBOUND && s->u.sock.state != WP3_TCP_BOUND) return ERR(ret, SE(INVALID_STATE));
  sockaddr_x sa;
  int bad = addr_check(cx, s->u.sock.family, remote_address, &sa, true, true);
  if (bad >= 0) return ERR(ret, (uint8_t)bad);
  if (connect(s->u.sock.fd, (struct sockaddr *)&sa.ss, sa.len) == 0) {
    s->u.sock.state = WP3_TCP_CONNECTED;
    return 0;
  }
  if (errno != EINPROGRESS) {
    int e = errno;
    s->u.sock.state = WP3_TCP_CLOSED;
    return ERRNO(ret, e);
  }
  s->u.sock.state = WP3_TCP_CONNECTING;
  wp3_op_t *op = wp3_op_new(cx);
  if (!op) return wp3_trap(cx, "wasi:sockets: too many operations in flight");
  op->call = cx->call;
  op->ret = ret;
  op->fd = s->u.sock.fd; /* borrowed: checked against the socket again when done */
  op->offset = self.rep;
  if (!(op->watch = cx->host->watch_fd(op->pi, op->fd, POLLOUT, connect_done, op))) {
    wp3_op_free(op);
    return wp3_trap(cx, "wasi:sockets: cannot watch a socket");
  }
  return WASMPLUG_PENDING;
}

/* ------------------------------------------------------- listen, accept */

typedef struct accept_state {
  int family;
  uint32_t rep;      /* the connection being handed to the guest */
  wp3_inst_t *in;    /* the listener's instance and rep */
  uint32_t listener;
} accept_state_t;

static void accept_free(void *extra) {
  accept_state_t *a = extra;
  wp3_obj_t *s = a ? wp3_obj_get(a->in, a->listener, WP3_TCP) : NULL;
  if (s) s->u.sock.accept = NULL;
  free(a);
}

void wp3_accept_stop(wp3_op_t *op) {
  accept_state_t *a = op->extra;
  wp3_obj_t *s = wp3_obj_get(a->in, a->listener, WP3_TCP);
  if (s) s->u.sock.accept = NULL;
  a->listener = 0;
  /* its listening fd goes now; a connection being handed over ends the
  ** loop when its copy completes (accept_next sees no fd) */
  close(op->fd);
  op->fd = -1;
  if (op->watch) wp3_pump_finish(op, 0);
}

static void accept_next(wp3_op_t *op);

static void accepted(void *arg, int result, uint32_t count) {
  wp3_op_t *op = arg;
  accept_state_t *a = op->extra;
  if (count == 0) wp3_obj_free(op->in, a->rep, WP3_TCP); /* the guest never got it */
  a->rep = 0;
  if (result == WASMPLUG_COPY_DROPPED) wp3_pump_finish(op, 0);
  else accept_next(op);
}

static void accept_ready(void *arg, int revents) {
  (void)revents;
  wp3_op_t *op = arg;
  op->host->unwatch(op->pi, op->watch);
  op->watch = 0;
  accept_next(op);
}

static void accept_next(wp3_op_t *op) {
  accept_state_t *a = op->extra;
  if (op->fd < 0) { /* the listener was dropped */
    wp3_pump_finish(op, 0);
    return;
  }
  int fd = accept4(op->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) {
      if (!(op->watch = op->host->watch_fd(op->pi, op->fd, POLLIN, accept_ready, op))) wp3_pump_finish(op, WP_OS_EIO);
    } else {
      wp3_pump_finish(op, wp_os_err_from_errno(errno));
    }
    return;
  }
  if (!sock_new(op->in, WP3_TCP, fd, a->family, WP3_TCP_CONNECTED, &a->rep)) {
    close(fd);
    wp3_pump_finish(op, WP_OS_ENOMEM);
    return;
  }
  /* the element is own<tcp-socket>: its rep */
  if (op->host->stream_write(op->pi, op->data, &a->rep, 1, accepted, op)) {
    wp3_obj_free(op->in, a->rep, WP3_TCP);
    wp3_pump_finish(op, WP_OS_EIO);
  }
}

int wasi_sockets_types_method_tcp_socket_listen(wp3_ctx_t *cx, wasi_sockets_types_borrow_tcp_socket_t self,
                                                wp3_result_stream_own_tcp_socket_error_code_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  if (s->u.sock.state == WP3_TCP_UNBOUND) { /* as the reference: an implicit bind to any address */
    if (!wp3_inst(cx)->allow_network) return ERR(ret, SE(ACCESS_DENIED));
    sockaddr_x sa;
    memset(&sa, 0, sizeof sa);
    sa.ss.ss_family = (sa_family_t)s->u.sock.family;
    sa.len = s->u.sock.family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    if (bind(s->u.sock.fd, (struct sockaddr *)&sa.ss, sa.len) < 0) return ERRNO(ret, errno);
    s->u.sock.state = WP3_TCP_BOUND;
  }
  if (s->u.sock.state != WP3_TCP_BOUND) return ERR(ret, SE(INVALID_STATE));
  if (listen(s->u.sock.fd, (int)s->u.sock.backlog) < 0) return ERRNO(ret, errno);
  s->u.sock.state = WP3_TCP_LISTENING;
  wp3_op_t *op = wp3_op_new(cx);
  accept_state_t *a = op ? calloc(1, sizeof *a) : NULL;
  if (!a) {
    wp3_op_free(op);
    return ERR(ret, SE(OUT_OF_MEMORY));
  }
  op->extra = a;
  op->extra_free = accept_free;
  a->family = s->u.sock.family;
  a->in = wp3_inst(cx);
  a->listener = self.rep;
  s->u.sock.accept = op;
  if ((op->fd = fcntl(s->u.sock.fd, F_DUPFD_CLOEXEC, 0)) < 0) {
    wp3_op_free(op);
    return ERR(ret, SE(OUT_OF_MEMORY));
  }
  op->own_fd = true;
  /* 0: the stream<tcp-socket> */
  if (cx->host->stream_new(cx->call, 0, &ret->val.ok, &op->data)) {
    wp3_op_free(op);
    return wp3_trap(cx, "wasi:sockets: cannot make a stream");
  }
  accept_next(op);
  return 0;
}

/* --------------------------------------------------------- send, receive */

static wp3_op_t *conn_op(wp3_ctx_t *cx, wp3_obj_t *s, bool send, wp_os_err_t *e) {
  wp3_op_t *op = wp3_op_new(cx);
  if (!op) return NULL;
  op->domain = WP3_SOCK;
  op->to_fd = send;
  *e = 0;
  bool *once = send ? &s->u.sock.sending : &s->u.sock.receiving;
  if (s->u.sock.state != WP3_TCP_CONNECTED || *once) *e = WP_OS_ENOTCONN; /* invalid-state */
  else if ((op->fd = fcntl(s->u.sock.fd, F_DUPFD_CLOEXEC, 0)) < 0) *e = WP_OS_EMFILE;
  else {
    op->own_fd = true;
    op->sock = true;
    *once = true;
  }
  return op;
}

int wasi_sockets_types_method_tcp_socket_send(wp3_ctx_t *cx, wasi_sockets_types_borrow_tcp_socket_t self,
                                              wp3_stream_u8_t data, wp3_future_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  wp_os_err_t e;
  wp3_op_t *op = conn_op(cx, s, true, &e);
  if (!op) {
    cx->host->stream_drop(wp3_instance(cx), data);
    return wp3_trap(cx, "wasi:sockets: too many operations in flight");
  }
  op->data = data;
  /* 0 is the stream<u8> parameter, 1 the future */
  if (cx->host->stream_new(cx->call, 1, ret, &op->fut)) {
    op->fut = 0;
    wp3_pump_finish(op, WP_OS_EIO);
    return wp3_trap(cx, "wasi:sockets: cannot make a future");
  }
  if (e) wp3_pump_finish(op, e);
  else wp3_pump_start(op);
  return 0;
}

int wasi_sockets_types_method_tcp_socket_receive(wp3_ctx_t *cx, wasi_sockets_types_borrow_tcp_socket_t self,
                                                 wp3_tuple2_stream_u8_future_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  wp_os_err_t e;
  wp3_op_t *op = conn_op(cx, s, false, &e);
  if (!op) return wp3_trap(cx, "wasi:sockets: too many operations in flight");
  /* 0: the stream<u8>, 1: the future */
  if (cx->host->stream_new(cx->call, 0, &ret->f0, &op->data) || cx->host->stream_new(cx->call, 1, &ret->f1, &op->fut)) {
    wp3_op_free(op);
    return wp3_trap(cx, "wasi:sockets: cannot make a stream");
  }
  if (e) wp3_pump_finish(op, e);
  else wp3_pump_start(op);
  return 0;
}

/* ------------------------------------------------------- addresses, state */

static int address(wp3_obj_t *s, bool peer, wp3_result_ip_socket_address_error_code_t *ret) {
  wp3_tcp_state_t st = s->u.sock.state;
  bool ok = peer ? (s->kind == WP3_TCP ? st == WP3_TCP_CONNECTED : s->u.sock.connected)
                 : st != WP3_TCP_UNBOUND && st != WP3_TCP_CLOSED;
  if (!ok) return ERR(ret, SE(INVALID_STATE));
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int r = peer ? getpeername(s->u.sock.fd, (struct sockaddr *)&ss, &len)
               : getsockname(s->u.sock.fd, (struct sockaddr *)&ss, &len);
  if (r < 0) return ERRNO(ret, errno);
  from_host(&ss, &ret->val.ok);
  return 0;
}

int wasi_sockets_types_method_tcp_socket_get_local_address(wp3_ctx_t *cx, wasi_sockets_types_borrow_tcp_socket_t self,
                                                           wp3_result_ip_socket_address_error_code_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  return address(s, false, ret);
}
int wasi_sockets_types_method_tcp_socket_get_remote_address(wp3_ctx_t *cx, wasi_sockets_types_borrow_tcp_socket_t self,
                                                            wp3_result_ip_socket_address_error_code_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  return address(s, true, ret);
}
int wasi_sockets_types_method_udp_socket_get_local_address(wp3_ctx_t *cx, wasi_sockets_types_borrow_udp_socket_t self,
                                                           wp3_result_ip_socket_address_error_code_t *ret) {
  SOCK(cx, self.rep, WP3_UDP, s);
  return address(s, false, ret);
}
int wasi_sockets_types_method_udp_socket_get_remote_address(wp3_ctx_t *cx, wasi_sockets_types_borrow_udp_socket_t self,
                                                            wp3_result_ip_socket_address_error_code_t *ret) {
  SOCK(cx, self.rep, WP3_UDP, s);
  return address(s, true, ret);
}

int wasi_sockets_types_method_tcp_socket_get_is_listening(wp3_ctx_t *cx, wasi_sockets_types_borrow_tcp_socket_t self,
                                                          bool *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  *ret = s->u.sock.state == WP3_TCP_LISTENING;
  return 0;
}

static wasi_sockets_types_ip_address_family_t family_of(const wp3_obj_t *s) {
  return s->u.sock.family == AF_INET ? WASI_SOCKETS_TYPES_IP_ADDRESS_FAMILY_IPV4 : WASI_SOCKETS_TYPES_IP_ADDRESS_FAMILY_IPV6;
}
int wasi_sockets_types_method_tcp_socket_get_address_family(wp3_ctx_t *cx, wasi_sockets_types_borrow_tcp_socket_t self,
                                                            wasi_sockets_types_ip_address_family_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  *ret = family_of(s);
  return 0;
}
int wasi_sockets_types_method_udp_socket_get_address_family(wp3_ctx_t *cx, wasi_sockets_types_borrow_udp_socket_t self,
                                                            wasi_sockets_types_ip_address_family_t *ret) {
  SOCK(cx, self.rep, WP3_UDP, s);
  *ret = family_of(s);
  return 0;
}

int wasi_sockets_types_method_tcp_socket_set_listen_backlog_size(wp3_ctx_t *cx,
                                                                 wasi_sockets_types_borrow_tcp_socket_t self,
                                                                 uint64_t value, wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  if (value == 0) return ERR(ret, SE(INVALID_ARGUMENT));
  s->u.sock.backlog = value > 4096 ? 4096 : (uint32_t)value;
  if (s->u.sock.state == WP3_TCP_LISTENING && listen(s->u.sock.fd, (int)s->u.sock.backlog) < 0)
    return ERRNO(ret, errno);
  return 0;
}

/* ------------------------------------------------------------- options
** One int each.  WASI durations are nanoseconds, the kernel's keep-alive
** times whole seconds. */

static int get_opt(wp3_obj_t *s, int level, int name, int *v) {
  socklen_t len = sizeof *v;
  return getsockopt(s->u.sock.fd, level, name, v, &len) < 0 ? errno : 0;
}

static int set_opt(wp3_obj_t *s, int level, int name, int v, wp3_result_void_error_code_2_t *ret) {
  if (setsockopt(s->u.sock.fd, level, name, &v, sizeof v) < 0) return ERRNO(ret, errno);
  return 0;
}

/* The hop limit lives at the IP level of the socket's family. */
static int level_ip(const wp3_obj_t *s) { return s->u.sock.family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP; }
static int opt_hops(const wp3_obj_t *s) { return s->u.sock.family == AF_INET6 ? IPV6_UNICAST_HOPS : IP_TTL; }

/* Linux reports twice the buffer size set (its bookkeeping): halved, as
** the reference does, so a size set reads back the same. */
static uint64_t buf_got(int v) { return v > 0 ? (uint64_t)v / 2 : 0; }

#define GETTER(fn, B, K, T, level, name, conv)                                                \
  int fn(wp3_ctx_t *cx, B self, T *ret) {                                                     \
    SOCK(cx, self.rep, K, s);                                                                 \
    int v = 0, e = get_opt(s, level, name, &v);                                               \
    if (e) return ERRNO(ret, e);                                                              \
    ret->val.ok = conv;                                                                       \
    return 0;                                                                                 \
  }
#define TB wasi_sockets_types_borrow_tcp_socket_t
#define UB wasi_sockets_types_borrow_udp_socket_t

GETTER(wasi_sockets_types_method_tcp_socket_get_keep_alive_enabled, TB, WP3_TCP, wp3_result_bool_error_code_t,
       SOL_SOCKET, SO_KEEPALIVE, v != 0)
GETTER(wasi_sockets_types_method_tcp_socket_get_keep_alive_idle_time, TB, WP3_TCP, wp3_result_duration_error_code_t,
       IPPROTO_TCP, TCP_KEEPIDLE, (uint64_t)v * 1000000000u)
GETTER(wasi_sockets_types_method_tcp_socket_get_keep_alive_interval, TB, WP3_TCP, wp3_result_duration_error_code_t,
       IPPROTO_TCP, TCP_KEEPINTVL, (uint64_t)v * 1000000000u)
GETTER(wasi_sockets_types_method_tcp_socket_get_keep_alive_count, TB, WP3_TCP, wp3_result_u32_error_code_t,
       IPPROTO_TCP, TCP_KEEPCNT, (uint32_t)v)
GETTER(wasi_sockets_types_method_tcp_socket_get_hop_limit, TB, WP3_TCP, wp3_result_u8_error_code_t, level_ip(s),
       opt_hops(s), (uint8_t)v)
GETTER(wasi_sockets_types_method_tcp_socket_get_receive_buffer_size, TB, WP3_TCP, wp3_result_u64_error_code_t,
       SOL_SOCKET, SO_RCVBUF, buf_got(v))
GETTER(wasi_sockets_types_method_tcp_socket_get_send_buffer_size, TB, WP3_TCP, wp3_result_u64_error_code_t,
       SOL_SOCKET, SO_SNDBUF, buf_got(v))
GETTER(wasi_sockets_types_method_udp_socket_get_unicast_hop_limit, UB, WP3_UDP, wp3_result_u8_error_code_t,
       level_ip(s), opt_hops(s), (uint8_t)v)
GETTER(wasi_sockets_types_method_udp_socket_get_receive_buffer_size, UB, WP3_UDP, wp3_result_u64_error_code_t,
       SOL_SOCKET, SO_RCVBUF, buf_got(v))
GETTER(wasi_sockets_types_method_udp_socket_get_send_buffer_size, UB, WP3_UDP, wp3_result_u64_error_code_t,
       SOL_SOCKET, SO_SNDBUF, buf_got(v))

/* Durations in whole seconds, at least 1 (the kernel's unit). */
static int secs(uint64_t ns) {
  uint64_t s = ns / 1000000000u;
  return s == 0 ? 1 : s > 32767 ? 32767 : (int)s;
}
static int bufsize(uint64_t v) { return v > (1u << 30) ? 1 << 30 : (int)v; }

int wasi_sockets_types_method_tcp_socket_set_keep_alive_enabled(wp3_ctx_t *cx, TB self, bool value,
                                                                wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  return set_opt(s, SOL_SOCKET, SO_KEEPALIVE, value, ret);
}
int wasi_sockets_types_method_tcp_socket_set_keep_alive_idle_time(wp3_ctx_t *cx, TB self,
                                                                  wasi_sockets_types_duration_t value,
                                                                  wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  if (value == 0) return ERR(ret, SE(INVALID_ARGUMENT));
  return set_opt(s, IPPROTO_TCP, TCP_KEEPIDLE, secs(value), ret);
}
int wasi_sockets_types_method_tcp_socket_set_keep_alive_interval(wp3_ctx_t *cx, TB self,
                                                                 wasi_sockets_types_duration_t value,
                                                                 wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  if (value == 0) return ERR(ret, SE(INVALID_ARGUMENT));
  return set_opt(s, IPPROTO_TCP, TCP_KEEPINTVL, secs(value), ret);
}
int wasi_sockets_types_method_tcp_socket_set_keep_alive_count(wp3_ctx_t *cx, TB self, uint32_t value,
                                                              wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  if (value == 0) return ERR(ret, SE(INVALID_ARGUMENT));
  return set_opt(s, IPPROTO_TCP, TCP_KEEPCNT, value > 127 ? 127 : (int)value, ret); /* the kernel's most */
}
int wasi_sockets_types_method_tcp_socket_set_hop_limit(wp3_ctx_t *cx, TB self, uint8_t value,
                                                       wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  if (value == 0) return ERR(ret, SE(INVALID_ARGUMENT));
  return set_opt(s, level_ip(s), opt_hops(s), value, ret);
}
int wasi_sockets_types_method_tcp_socket_set_receive_buffer_size(wp3_ctx_t *cx, TB self, uint64_t value,
                                                                 wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  if (value == 0) return ERR(ret, SE(INVALID_ARGUMENT));
  return set_opt(s, SOL_SOCKET, SO_RCVBUF, bufsize(value), ret);
}
int wasi_sockets_types_method_tcp_socket_set_send_buffer_size(wp3_ctx_t *cx, TB self, uint64_t value,
                                                              wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_TCP, s);
  if (value == 0) return ERR(ret, SE(INVALID_ARGUMENT));
  return set_opt(s, SOL_SOCKET, SO_SNDBUF, bufsize(value), ret);
}
int wasi_sockets_types_method_udp_socket_set_unicast_hop_limit(wp3_ctx_t *cx, UB self, uint8_t value,
                                                               wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_UDP, s);
  if (value == 0) return ERR(ret, SE(INVALID_ARGUMENT));
  return set_opt(s, level_ip(s), opt_hops(s), value, ret);
}
int wasi_sockets_types_method_udp_socket_set_receive_buffer_size(wp3_ctx_t *cx, UB self, uint64_t value,
                                                                 wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_UDP, s);
  if (value == 0) return ERR(ret, SE(INVALID_ARGUMENT));
  return set_opt(s, SOL_SOCKET, SO_RCVBUF, bufsize(value), ret);
}
int wasi_sockets_types_method_udp_socket_set_send_buffer_size(wp3_ctx_t *cx, UB self, uint64_t value,
                                                              wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_UDP, s);
  if (value == 0) return ERR(ret, SE(INVALID_ARGUMENT));
  return set_opt(s, SOL_SOCKET, SO_SNDBUF, bufsize(value), ret);
}

void wasi_sockets_types_tcp_socket_destructor(wp3_ctx_t *cx, uint32_t rep) { wp3_obj_free(wp3_inst(cx), rep, WP3_TCP); }
void wasi_sockets_types_udp_socket_destructor(wp3_ctx_t *cx, uint32_t rep) { wp3_obj_free(wp3_inst(cx), rep, WP3_UDP); }

/* ------------------------------------------------------------------ udp */

int wasi_sockets_types_method_udp_socket_connect(wp3_ctx_t *cx, UB self,
                                                 const wasi_sockets_types_ip_socket_address_t *remote_address,
                                                 wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_UDP, s);
  sockaddr_x sa;
  int bad = addr_check(cx, s->u.sock.family, remote_address, &sa, true, false);
  if (bad >= 0) return ERR(ret, (uint8_t)bad);
  if (connect(s->u.sock.fd, (struct sockaddr *)&sa.ss, sa.len) < 0) return ERRNO(ret, errno);
  s->u.sock.connected = true;
  if (s->u.sock.state == WP3_TCP_UNBOUND) s->u.sock.state = WP3_TCP_BOUND; /* connect bound it */
  return 0;
}

int wasi_sockets_types_method_udp_socket_disconnect(wp3_ctx_t *cx, UB self, wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_UDP, s);
  if (!s->u.sock.connected) return ERR(ret, SE(INVALID_STATE));
  struct sockaddr sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_family = AF_UNSPEC;
  if (connect(s->u.sock.fd, &sa, sizeof sa) < 0 && errno != EAFNOSUPPORT) return ERRNO(ret, errno);
  s->u.sock.connected = false;
  return 0;
}

/* A datagram send or receive that waits for the socket: retried when the
** loop says the fd is ready. */
typedef struct udp_call {
  const wp3_list_u8_t *data;
  sockaddr_x to;
  bool has_to;
} udp_call_t;

static bool udp_try(wp3_op_t *op);

static void udp_ready(void *arg, int revents) {
  (void)revents;
  wp3_op_t *op = arg;
  if (!udp_try(op)) return; /* still not ready: the watch stays */
  op->host->unwatch(op->pi, op->watch);
  op->watch = 0;
  wasmplug_plugin_call_t *call = op->call;
  const wasmplug_host_api_t *host = op->host;
  wp3_op_free(op);
  host->call_complete(call, WASMPLUG_OK);
}

/* One attempt; false when the socket would block. */
static bool udp_try(wp3_op_t *op) {
  udp_call_t *u = op->extra;
  if (op->to_fd) {
    wp3_result_void_error_code_2_t *ret = op->ret;
    ssize_t n = sendto(op->fd, u->data->ptr, u->data->len, MSG_DONTWAIT | MSG_NOSIGNAL,
                       u->has_to ? (struct sockaddr *)&u->to.ss : NULL, u->has_to ? u->to.len : 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
    if (n < 0) (void)ERRNO(ret, errno);
    return true;
  }
  wp3_result_tuple2_list_u8_ip_socket_address_error_code_t *ret = op->ret;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  uint8_t *buf = op->host->alloc(op->call, WP3_UDP_MAX, 1);
  if (!buf) {
    (void)ERR(ret, SE(OUT_OF_MEMORY));
    return true;
  }
  ssize_t n = recvfrom(op->fd, buf, WP3_UDP_MAX, MSG_DONTWAIT, (struct sockaddr *)&ss, &len);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
  if (n < 0) {
    (void)ERRNO(ret, errno);
    return true;
  }
  ret->val.ok.f0.ptr = buf;
  ret->val.ok.f0.len = (size_t)n;
  from_host(&ss, &ret->val.ok.f1);
  return true;
}

static int udp_call(wp3_ctx_t *cx, wp3_obj_t *s, bool send, udp_call_t *u, void *ret) {
  wp3_op_t *op = wp3_op_new(cx);
  udp_call_t *copy = op ? malloc(sizeof *copy) : NULL;
  if (!copy) {
    wp3_op_free(op);
    return wp3_trap(cx, "wasi:sockets: too many operations in flight");
  }
  *copy = *u;
  op->extra = copy;
  op->extra_free = free;
  op->to_fd = send;
  op->fd = s->u.sock.fd; /* borrowed: the socket outlives its pending call (the guest lends it) */
  op->call = cx->call;
  op->ret = ret;
  if (udp_try(op)) {
    wp3_op_free(op);
    return 0;
  }
  if (!(op->watch = cx->host->watch_fd(op->pi, op->fd, send ? POLLOUT : POLLIN, udp_ready, op))) {
    wp3_op_free(op);
    return wp3_trap(cx, "wasi:sockets: cannot watch a socket");
  }
  return WASMPLUG_PENDING;
}

int wasi_sockets_types_method_udp_socket_send(wp3_ctx_t *cx, UB self, const wp3_list_u8_t *data,
                                              const wp3_option_ip_socket_address_t *remote_address,
                                              wp3_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, WP3_UDP, s);
  udp_call_t u;
  memset(&u, 0, sizeof u);
  u.data = data;
  if (data->len > WP3_UDP_MAX) return ERR(ret, SE(DATAGRAM_TOO_LARGE));
  if (remote_address->is_some) {
    int bad = addr_check(cx, s->u.sock.family, &remote_address->val, &u.to, true, false);
    if (bad >= 0) return ERR(ret, (uint8_t)bad);
    if (s->u.sock.connected) {
      /* a connected socket sends to its peer only: naming it is allowed */
      struct sockaddr_storage peer;
      socklen_t len = sizeof peer;
      if (getpeername(s->u.sock.fd, (struct sockaddr *)&peer, &len) < 0) return ERRNO(ret, errno);
      if (!same_addr(&peer, &u.to.ss)) return ERR(ret, SE(INVALID_ARGUMENT));
    } else {
      u.has_to = true;
    }
  } else if (!s->u.sock.connected) {
    return ERR(ret, SE(INVALID_ARGUMENT));
  } else if (!wp3_inst(cx)->allow_network) {
    return ERR(ret, SE(ACCESS_DENIED));
  }
  if (s->u.sock.state == WP3_TCP_UNBOUND) s->u.sock.state = WP3_TCP_BOUND; /* sendto binds it */
  return udp_call(cx, s, true, &u, ret);
}

int wasi_sockets_types_method_udp_socket_receive(wp3_ctx_t *cx, UB self,
                                                 wp3_result_tuple2_list_u8_ip_socket_address_error_code_t *ret) {
  SOCK(cx, self.rep, WP3_UDP, s);
  if (s->u.sock.state == WP3_TCP_UNBOUND) return ERR(ret, SE(INVALID_STATE));
  udp_call_t u;
  memset(&u, 0, sizeof u);
  return udp_call(cx, s, false, &u, ret);
}

/* ------------------------------------------------------ ip-name-lookup */

/* getaddrinfo blocks (DNS): it runs on a thread of its own, which wakes the
** loop when done; the call completes there. */
typedef struct lookup {
  pthread_t th;
  char *name;
  struct addrinfo *res;
  int rc;
  bool joined;
  wasmplug_plugin_waker_t *waker;
  wp3_op_t *op;
} lookup_t;

static void lookup_free(void *p) {
  lookup_t *l = p;
  if (!l) return;
  /* the thread owns nothing of ours but `l`: wait for it (it does not
  ** wait for anything of ours) */
  if (!l->joined) pthread_join(l->th, NULL);
  if (l->waker) l->op->host->waker_delete(l->waker);
  if (l->res) freeaddrinfo(l->res);
  free(l->name);
  free(l);
}

static void *lookup_run(void *arg) {
  lookup_t *l = arg;
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM; /* one entry per address */
  l->rc = getaddrinfo(l->name, NULL, &hints, &l->res);
  l->op->host->wake(l->waker);
  return NULL;
}

#define LE(x) WASI_SOCKETS_IP_NAME_LOOKUP_ERROR_CODE_##x

static void lookup_done(void *arg) {
  wp3_op_t *op = arg;
  lookup_t *l = op->extra;
  wp3_result_list_ip_address_error_code_t *ret = op->ret;
  pthread_join(l->th, NULL);
  l->joined = true;
  if (l->rc) {
    ret->is_err = true;
    ret->val.err.tag = l->rc == EAI_NONAME ? LE(NAME_UNRESOLVABLE) : l->rc == EAI_AGAIN ? LE(TEMPORARY_RESOLVER_FAILURE)
                                                                                       : LE(PERMANENT_RESOLVER_FAILURE);
  } else {
    size_t n = 0;
    for (struct addrinfo *a = l->res; a; a = a->ai_next) n += a->ai_family == AF_INET || a->ai_family == AF_INET6;
    wasi_sockets_ip_name_lookup_ip_address_t *v = op->host->alloc(op->call, (n ? n : 1) * sizeof *v, _Alignof(wasi_sockets_ip_name_lookup_ip_address_t));
    if (!v) {
      ret->is_err = true;
      ret->val.err.tag = LE(OTHER);
    } else {
      size_t k = 0;
      for (struct addrinfo *a = l->res; a; a = a->ai_next) {
        memset(&v[k], 0, sizeof v[k]);
        if (a->ai_family == AF_INET) {
          const uint8_t *b = (const uint8_t *)&((struct sockaddr_in *)a->ai_addr)->sin_addr;
          v[k].tag = WASI_SOCKETS_TYPES_IP_ADDRESS_IPV4;
          v[k].val.ipv4.f0 = b[0], v[k].val.ipv4.f1 = b[1], v[k].val.ipv4.f2 = b[2], v[k].val.ipv4.f3 = b[3];
          k++;
        } else if (a->ai_family == AF_INET6) {
          v[k].tag = WASI_SOCKETS_TYPES_IP_ADDRESS_IPV6;
          ipv6_groups(((struct sockaddr_in6 *)a->ai_addr)->sin6_addr.s6_addr, &v[k].val.ipv6);
          k++;
        }
      }
      ret->val.ok.ptr = v;
      ret->val.ok.len = k;
    }
  }
  wasmplug_plugin_call_t *call = op->call;
  const wasmplug_host_api_t *host = op->host;
  wp3_op_free(op);
  host->call_complete(call, WASMPLUG_OK);
}

int wasi_sockets_ip_name_lookup_resolve_addresses(wp3_ctx_t *cx, const wp3_string_t *name,
                                                  wp3_result_list_ip_address_error_code_t *ret) {
  if (!wp3_inst(cx)->allow_network) {
    ret->is_err = true;
    ret->val.err.tag = LE(ACCESS_DENIED);
    return 0;
  }
  if (!name->len || memchr(name->ptr, 0, name->len)) {
    ret->is_err = true;
    ret->val.err.tag = LE(INVALID_ARGUMENT);
    return 0;
  }
  wp3_op_t *op = wp3_op_new(cx);
  lookup_t *l = op ? calloc(1, sizeof *l) : NULL;
  if (!l) {
    wp3_op_free(op);
    return wp3_trap(cx, "wasi:sockets: too many operations in flight");
  }
  op->call = cx->call;
  op->ret = ret;
  l->op = op;
  if (!(l->name = strndup((const char *)name->ptr, name->len)) ||
      !(l->waker = cx->host->waker_new(op->pi, lookup_done, op))) {
    free(l->name);
    free(l);
    wp3_op_free(op);
    return wp3_trap(cx, "wasi:sockets: out of memory");
  }
  if (pthread_create(&l->th, NULL, lookup_run, l)) {
    cx->host->waker_delete(l->waker);
    free(l->name);
    free(l);
    wp3_op_free(op);
    return wp3_trap(cx, "wasi:sockets: cannot start a resolver thread");
  }
  op->extra = l;
  op->extra_free = lookup_free;
  return WASMPLUG_PENDING;
}
