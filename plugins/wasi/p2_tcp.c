/*
** p2_tcp.c — wasi:sockets network, instance-network, tcp-create-socket,
** tcp and ip-name-lookup on host sockets.
**
** Denied unless the host allowed the network (config allow-network=true,
** `wasmplug run --allow-network`): creating a socket or resolving a name
** then fails with access-denied.  Sockets are non-blocking host sockets;
** WASI's start-/finish- pairs map onto connect(2) returning EINPROGRESS
** and a later SO_ERROR check, and every wait goes through pollables
** (p2_io.c), so nothing here blocks except name resolution (getaddrinfo).
** The address and error helpers are shared with UDP (p2_udp.c).
*/
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p2.h"

#define NE(x) WASI_SOCKETS_NETWORK_ERROR_CODE_##x

wasi_sockets_network_error_code_t wp2_net_error(int e) {
  switch (e) {
  case EACCES: case EPERM: return NE(ACCESS_DENIED);
  case EAFNOSUPPORT: case EOPNOTSUPP: case EPROTONOSUPPORT: case ESOCKTNOSUPPORT: return NE(NOT_SUPPORTED);
  case EINVAL: case EDESTADDRREQ: return NE(INVALID_ARGUMENT);
  case ENOMEM: case ENOBUFS: return NE(OUT_OF_MEMORY);
  case ETIMEDOUT: return NE(TIMEOUT);
  case EAGAIN: case EINPROGRESS: return NE(WOULD_BLOCK);
  case EMFILE: case ENFILE: return NE(NEW_SOCKET_LIMIT);
  case EADDRNOTAVAIL: return NE(ADDRESS_NOT_BINDABLE);
  case EADDRINUSE: return NE(ADDRESS_IN_USE);
  case EHOSTUNREACH: case ENETUNREACH: case ENETDOWN: return NE(REMOTE_UNREACHABLE);
  case ECONNREFUSED: return NE(CONNECTION_REFUSED);
  case ECONNRESET: case EPIPE: return NE(CONNECTION_RESET);
  case ECONNABORTED: return NE(CONNECTION_ABORTED);
  case EISCONN: case EALREADY: case ENOTCONN: return NE(INVALID_STATE);
  case EMSGSIZE: return NE(DATAGRAM_TOO_LARGE);
  default: return NE(UNKNOWN);
  }
}

/* Sets the err case of a result<_, error-code>-shaped struct. */
#define ERR(ret, code) ((ret)->is_err = true, (ret)->val.err = (code), 0)

/* --------------------------------------------------------- network */

int wasi_sockets_instance_network_instance_network(wp2_ctx_t *cx, wasi_sockets_network_own_network_t *ret) {
  if (!wp2_obj_new(wp2_inst(cx), WP2_NETWORK, &ret->rep)) return wp2_trap(cx, "wasi:sockets: too many open resources");
  return 0;
}

void wasi_sockets_network_network_destructor(wp2_ctx_t *cx, uint32_t rep) { wp2_obj_free(wp2_inst(cx), rep, WP2_NETWORK); }

/* ----------------------------------------------------------- addresses */

int wp2_to_host(const wasi_sockets_network_ip_socket_address_t *a, wp2_sockaddr_t *out) {
  memset(out, 0, sizeof *out);
  if (a->tag == WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4) {
    struct sockaddr_in *in = (struct sockaddr_in *)&out->ss;
    const wasi_sockets_network_ipv4_address_t *x = &a->val.ipv4.address;
    in->sin_family = AF_INET;
    in->sin_port = htons(a->val.ipv4.port);
    uint8_t b[4] = {x->f0, x->f1, x->f2, x->f3};
    memcpy(&in->sin_addr, b, 4);
    out->len = sizeof *in;
    return AF_INET;
  }
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->ss;
  const wasi_sockets_network_ipv6_address_t *x = &a->val.ipv6.address;
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

void wp2_from_host(const struct sockaddr_storage *ss, wasi_sockets_network_ip_socket_address_t *out) {
  memset(out, 0, sizeof *out);
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
    const uint8_t *b = (const uint8_t *)&in->sin_addr;
    out->tag = WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4;
    out->val.ipv4.port = ntohs(in->sin_port);
    out->val.ipv4.address.f0 = b[0];
    out->val.ipv4.address.f1 = b[1];
    out->val.ipv4.address.f2 = b[2];
    out->val.ipv4.address.f3 = b[3];
    return;
  }
  const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
  const uint8_t *b = in6->sin6_addr.s6_addr;
  uint16_t g[8];
  for (int i = 0; i < 8; i++) g[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
  out->tag = WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV6;
  out->val.ipv6.port = ntohs(in6->sin6_port);
  out->val.ipv6.flow_info = ntohl(in6->sin6_flowinfo);
  out->val.ipv6.scope_id = in6->sin6_scope_id;
  wasi_sockets_network_ipv6_address_t *x = &out->val.ipv6.address;
  x->f0 = g[0], x->f1 = g[1], x->f2 = g[2], x->f3 = g[3], x->f4 = g[4], x->f5 = g[5], x->f6 = g[6], x->f7 = g[7];
}

bool wp2_addr_unspecified(const struct sockaddr_storage *ss) {
  if (ss->ss_family == AF_INET) return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
  return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* ---------------------------------------------------------- sockets */

#define SOCK(cx, rep, s)                                                                      \
  wp2_obj_t *s = wp2_obj_get(wp2_inst(cx), (rep), WP2_TCP);                                    \
  if (!s) return wp2_trap((cx), "wasi:sockets: unknown tcp-socket rep %u", (unsigned)(rep))
#define NETWORK(cx, rep)                                                                      \
  if (!wp2_obj_get(wp2_inst(cx), (rep), WP2_NETWORK))                                         \
  return wp2_trap((cx), "wasi:sockets: unknown network rep %u", (unsigned)(rep))

static wp2_obj_t *tcp_new(wp2_inst_t *in, int fd, int family, wp2_tcp_state_t st, uint32_t *rep) {
  wp2_obj_t *o = wp2_obj_new(in, WP2_TCP, rep);
  if (!o) return NULL;
  o->u.tcp.fd = fd;
  o->u.tcp.family = family;
  o->u.tcp.state = st;
  o->u.tcp.backlog = 128;
  return o;
}

int wasi_sockets_tcp_create_socket_create_tcp_socket(wp2_ctx_t *cx,
                                                     wasi_sockets_tcp_create_socket_ip_address_family_t family,
                                                     wp2_result_own_tcp_socket_error_code_t *ret) {
  if (!wp2_inst(cx)->allow_network) return ERR(ret, NE(ACCESS_DENIED));
  int af = family == WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4 ? AF_INET : AF_INET6;
  int fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ERR(ret, wp2_net_error(errno));
  if (af == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){1}, sizeof(int)); /* as WASI requires */
  if (!tcp_new(wp2_inst(cx), fd, af, WP2_TCP_UNBOUND, &ret->val.ok.rep)) {
    close(fd);
    return ERR(ret, NE(NEW_SOCKET_LIMIT));
  }
  return 0;
}

int wasi_sockets_tcp_method_tcp_socket_start_bind(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                  wasi_sockets_network_borrow_network_t network,
                                                  const wasi_sockets_tcp_ip_socket_address_t *addr,
                                                  wp2_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, s);
  NETWORK(cx, network.rep);
  if (s->u.tcp.state != WP2_TCP_UNBOUND) return ERR(ret, NE(INVALID_STATE));
  wp2_sockaddr_t sa;
  if (wp2_to_host(addr, &sa) != s->u.tcp.family) return ERR(ret, NE(INVALID_ARGUMENT));
  /* like wasmtime: a listener can be restarted without waiting out TIME_WAIT */
  setsockopt(s->u.tcp.fd, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int));
  if (bind(s->u.tcp.fd, (struct sockaddr *)&sa.ss, sa.len) < 0) return ERR(ret, wp2_net_error(errno));
  s->u.tcp.state = WP2_TCP_BIND_STARTED;
  return 0;
}

int wasi_sockets_tcp_method_tcp_socket_finish_bind(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                   wp2_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, s);
  if (s->u.tcp.state != WP2_TCP_BIND_STARTED) return ERR(ret, NE(NOT_IN_PROGRESS));
  s->u.tcp.state = WP2_TCP_BOUND;
  return 0;
}

int wasi_sockets_tcp_method_tcp_socket_start_connect(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                     wasi_sockets_network_borrow_network_t network,
                                                     const wasi_sockets_tcp_ip_socket_address_t *addr,
                                                     wp2_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, s);
  NETWORK(cx, network.rep);
  if (s->u.tcp.state != WP2_TCP_UNBOUND && s->u.tcp.state != WP2_TCP_BOUND) return ERR(ret, NE(INVALID_STATE));
  wp2_sockaddr_t sa;
  if (wp2_to_host(addr, &sa) != s->u.tcp.family) return ERR(ret, NE(INVALID_ARGUMENT));
  uint16_t port = addr->tag == WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4 ? addr->val.ipv4.port : addr->val.ipv6.port;
  if (port == 0 || wp2_addr_unspecified(&sa.ss)) return ERR(ret, NE(INVALID_ARGUMENT));
  if (connect(s->u.tcp.fd, (struct sockaddr *)&sa.ss, sa.len) < 0 && errno != EINPROGRESS) {
    int e = errno;
    s->u.tcp.state = WP2_TCP_CLOSED;
    return ERR(ret, wp2_net_error(e));
  }
  s->u.tcp.state = WP2_TCP_CONNECTING;
  return 0;
}

/* The in/out streams of a connected socket: dups of its fd, so dropping
** them and the socket may happen in any order. */
static int streams(wp2_ctx_t *cx, int fd, uint32_t *in_rep, uint32_t *out_rep) {
  wp2_inst_t *in = wp2_inst(cx);
  int a = fcntl(fd, F_DUPFD_CLOEXEC, 0), b = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  wp2_obj_t *i = a >= 0 ? wp2_stream_new(in, WP2_INSTREAM, a, true, in_rep) : NULL;
  wp2_obj_t *o = i && b >= 0 ? wp2_stream_new(in, WP2_OUTSTREAM, b, true, out_rep) : NULL;
  if (!o) {
    if (i) wp2_obj_free(in, *in_rep, WP2_INSTREAM);
    else if (a >= 0) close(a);
    if (b >= 0) close(b);
    return -1;
  }
  o->u.stream.shut_wr = true;
  return 0;
}

int wasi_sockets_tcp_method_tcp_socket_finish_connect(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                      wp2_result_tuple2_own_input_stream_own_output_stream_error_code_t *ret) {
  SOCK(cx, self.rep, s);
  if (s->u.tcp.state != WP2_TCP_CONNECTING) return ERR(ret, NE(NOT_IN_PROGRESS));
  struct pollfd p = {s->u.tcp.fd, POLLOUT, 0};
  int nready = 0;
  if (wp_os_poll(&p, 1, 0, NULL, &nready) || !nready) return ERR(ret, NE(WOULD_BLOCK));
  int soerr = 0;
  socklen_t len = sizeof soerr;
  if (getsockopt(s->u.tcp.fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) soerr = errno;
  if (soerr) {
    s->u.tcp.state = WP2_TCP_CLOSED;
    return ERR(ret, wp2_net_error(soerr));
  }
  if (streams(cx, s->u.tcp.fd, &ret->val.ok.f0.rep, &ret->val.ok.f1.rep)) return ERR(ret, NE(NEW_SOCKET_LIMIT));
  s->u.tcp.state = WP2_TCP_CONNECTED;
  return 0;
}

int wasi_sockets_tcp_method_tcp_socket_start_listen(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                    wp2_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, s);
  if (s->u.tcp.state != WP2_TCP_BOUND) return ERR(ret, NE(INVALID_STATE));
  if (listen(s->u.tcp.fd, (int)s->u.tcp.backlog) < 0) return ERR(ret, wp2_net_error(errno));
  s->u.tcp.state = WP2_TCP_LISTEN_STARTED;
  return 0;
}

int wasi_sockets_tcp_method_tcp_socket_finish_listen(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                     wp2_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, s);
  if (s->u.tcp.state != WP2_TCP_LISTEN_STARTED) return ERR(ret, NE(NOT_IN_PROGRESS));
  s->u.tcp.state = WP2_TCP_LISTENING;
  return 0;
}

int wasi_sockets_tcp_method_tcp_socket_accept(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                              wp2_result_tuple3_own_tcp_socket_own_input_stream_own_output_stream_error_code_t *ret) {
  SOCK(cx, self.rep, s);
  if (s->u.tcp.state != WP2_TCP_LISTENING) return ERR(ret, NE(INVALID_STATE));
  int fd = accept4(s->u.tcp.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return ERR(ret, wp2_net_error(errno == EWOULDBLOCK ? EAGAIN : errno));
  wp2_inst_t *in = wp2_inst(cx);
  uint32_t rep;
  if (!tcp_new(in, fd, s->u.tcp.family, WP2_TCP_CONNECTED, &rep)) {
    close(fd);
    return ERR(ret, NE(NEW_SOCKET_LIMIT));
  }
  if (streams(cx, fd, &ret->val.ok.f1.rep, &ret->val.ok.f2.rep)) {
    wp2_obj_free(in, rep, WP2_TCP);
    return ERR(ret, NE(NEW_SOCKET_LIMIT));
  }
  ret->val.ok.f0.rep = rep;
  return 0;
}

static int address(wp2_ctx_t *cx, uint32_t rep, bool peer, wp2_result_ip_socket_address_error_code_t *ret) {
  SOCK(cx, rep, s);
  wp2_tcp_state_t st = s->u.tcp.state;
  if (peer ? st != WP2_TCP_CONNECTED : (st == WP2_TCP_UNBOUND || st == WP2_TCP_BIND_STARTED || st == WP2_TCP_CLOSED))
    return ERR(ret, NE(INVALID_STATE));
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int r = peer ? getpeername(s->u.tcp.fd, (struct sockaddr *)&ss, &len) : getsockname(s->u.tcp.fd, (struct sockaddr *)&ss, &len);
  if (r < 0) return ERR(ret, wp2_net_error(errno));
  wp2_from_host(&ss, &ret->val.ok);
  return 0;
}

int wasi_sockets_tcp_method_tcp_socket_local_address(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                     wp2_result_ip_socket_address_error_code_t *ret) {
  return address(cx, self.rep, false, ret);
}

int wasi_sockets_tcp_method_tcp_socket_remote_address(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                      wp2_result_ip_socket_address_error_code_t *ret) {
  return address(cx, self.rep, true, ret);
}

int wasi_sockets_tcp_method_tcp_socket_is_listening(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self, bool *ret) {
  SOCK(cx, self.rep, s);
  *ret = s->u.tcp.state == WP2_TCP_LISTENING;
  return 0;
}

int wasi_sockets_tcp_method_tcp_socket_address_family(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                      wasi_sockets_tcp_ip_address_family_t *ret) {
  SOCK(cx, self.rep, s);
  *ret = s->u.tcp.family == AF_INET ? WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4
                                    : WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV6;
  return 0;
}

int wasi_sockets_tcp_method_tcp_socket_set_listen_backlog_size(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                               uint64_t value, wp2_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, s);
  if (value == 0) return ERR(ret, NE(INVALID_ARGUMENT));
  s->u.tcp.backlog = value > 4096 ? 4096 : (uint32_t)value;
  if (s->u.tcp.state == WP2_TCP_LISTENING && listen(s->u.tcp.fd, (int)s->u.tcp.backlog) < 0)
    return ERR(ret, wp2_net_error(errno));
  return 0;
}

/* Socket options: one int each (get_opt returns 1 after a trap, -1 with
** *err set, 0 on success).  WASI durations are nanoseconds, the kernel's
** keep-alive times whole seconds. */
static int get_opt(wp2_ctx_t *cx, uint32_t rep, int level, int name, int *v, wasi_sockets_network_error_code_t *err) {
  SOCK(cx, rep, s);
  socklen_t len = sizeof *v;
  if (getsockopt(s->u.tcp.fd, level, name, v, &len) < 0) {
    *err = wp2_net_error(errno);
    return -1;
  }
  return 0;
}

static int set_opt(wp2_ctx_t *cx, uint32_t rep, int level, int name, int v, wp2_result_void_error_code_2_t *ret) {
  SOCK(cx, rep, s);
  if (setsockopt(s->u.tcp.fd, level, name, &v, sizeof v) < 0) return ERR(ret, wp2_net_error(errno));
  return 0;
}

#define GETTER(fn, T, level, name, conv)                                                            \
  int fn(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self, T *ret) {                          \
    int v = 0;                                                                                      \
    wasi_sockets_network_error_code_t e = 0;                                                        \
    int rc = get_opt(cx, self.rep, level, name, &v, &e);                                            \
    if (rc > 0) return rc;                                                                          \
    if (rc < 0) return ERR(ret, e);                                                                 \
    ret->val.ok = conv;                                                                             \
    return 0;                                                                                       \
  }

/* The hop limit lives at the IP level of the socket's family. */
static int level_ip(wp2_ctx_t *cx, uint32_t rep) {
  wp2_obj_t *s = wp2_obj_get(wp2_inst(cx), rep, WP2_TCP);
  return s && s->u.tcp.family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
}
static int opt_hops(wp2_ctx_t *cx, uint32_t rep) { return level_ip(cx, rep) == IPPROTO_IPV6 ? IPV6_UNICAST_HOPS : IP_TTL; }

GETTER(wasi_sockets_tcp_method_tcp_socket_keep_alive_enabled, wp2_result_bool_error_code_t, SOL_SOCKET, SO_KEEPALIVE, v != 0)
GETTER(wasi_sockets_tcp_method_tcp_socket_keep_alive_idle_time, wp2_result_duration_error_code_t, IPPROTO_TCP, TCP_KEEPIDLE,
       (uint64_t)v * 1000000000u)
GETTER(wasi_sockets_tcp_method_tcp_socket_keep_alive_interval, wp2_result_duration_error_code_t, IPPROTO_TCP, TCP_KEEPINTVL,
       (uint64_t)v * 1000000000u)
GETTER(wasi_sockets_tcp_method_tcp_socket_keep_alive_count, wp2_result_u32_error_code_t, IPPROTO_TCP, TCP_KEEPCNT, (uint32_t)v)
GETTER(wasi_sockets_tcp_method_tcp_socket_hop_limit, wp2_result_u8_error_code_t, level_ip(cx, self.rep),
       opt_hops(cx, self.rep), (uint8_t)v)
GETTER(wasi_sockets_tcp_method_tcp_socket_receive_buffer_size, wp2_result_u64_error_code_t, SOL_SOCKET, SO_RCVBUF, (uint64_t)v)
GETTER(wasi_sockets_tcp_method_tcp_socket_send_buffer_size, wp2_result_u64_error_code_t, SOL_SOCKET, SO_SNDBUF, (uint64_t)v)

/* Durations in whole seconds, at least 1 (the kernel's unit). */
static int secs(uint64_t ns) {
  uint64_t s = ns / 1000000000u;
  return s == 0 ? 1 : s > 32767 ? 32767 : (int)s;
}

int wasi_sockets_tcp_method_tcp_socket_set_keep_alive_enabled(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                              bool value, wp2_result_void_error_code_2_t *ret) {
  return set_opt(cx, self.rep, SOL_SOCKET, SO_KEEPALIVE, value, ret);
}
int wasi_sockets_tcp_method_tcp_socket_set_keep_alive_idle_time(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                                wasi_sockets_tcp_duration_t value,
                                                                wp2_result_void_error_code_2_t *ret) {
  if (value == 0) return ERR(ret, NE(INVALID_ARGUMENT));
  return set_opt(cx, self.rep, IPPROTO_TCP, TCP_KEEPIDLE, secs(value), ret);
}
int wasi_sockets_tcp_method_tcp_socket_set_keep_alive_interval(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                               wasi_sockets_tcp_duration_t value,
                                                               wp2_result_void_error_code_2_t *ret) {
  if (value == 0) return ERR(ret, NE(INVALID_ARGUMENT));
  return set_opt(cx, self.rep, IPPROTO_TCP, TCP_KEEPINTVL, secs(value), ret);
}
int wasi_sockets_tcp_method_tcp_socket_set_keep_alive_count(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                            uint32_t value, wp2_result_void_error_code_2_t *ret) {
  if (value == 0 || value > 127) return ERR(ret, NE(INVALID_ARGUMENT));
  return set_opt(cx, self.rep, IPPROTO_TCP, TCP_KEEPCNT, (int)value, ret);
}
int wasi_sockets_tcp_method_tcp_socket_set_hop_limit(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                     uint8_t value, wp2_result_void_error_code_2_t *ret) {
  if (value == 0) return ERR(ret, NE(INVALID_ARGUMENT));
  return set_opt(cx, self.rep, level_ip(cx, self.rep), opt_hops(cx, self.rep), value, ret);
}
int wasi_sockets_tcp_method_tcp_socket_set_receive_buffer_size(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                               uint64_t value, wp2_result_void_error_code_2_t *ret) {
  if (value == 0) return ERR(ret, NE(INVALID_ARGUMENT));
  return set_opt(cx, self.rep, SOL_SOCKET, SO_RCVBUF, value > (1u << 30) ? 1 << 30 : (int)value, ret);
}
int wasi_sockets_tcp_method_tcp_socket_set_send_buffer_size(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                            uint64_t value, wp2_result_void_error_code_2_t *ret) {
  if (value == 0) return ERR(ret, NE(INVALID_ARGUMENT));
  return set_opt(cx, self.rep, SOL_SOCKET, SO_SNDBUF, value > (1u << 30) ? 1 << 30 : (int)value, ret);
}

/* Ready when a pending connect finished, a listener has a connection to
** accept; always ready otherwise. */
int wasi_sockets_tcp_method_tcp_socket_subscribe(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                 wasi_io_poll_own_pollable_t *ret) {
  SOCK(cx, self.rep, s);
  wp2_poll_kind_t k = s->u.tcp.state == WP2_TCP_CONNECTING  ? WP2_POLL_WRITE
                      : s->u.tcp.state == WP2_TCP_LISTENING ? WP2_POLL_READ
                                                            : WP2_POLL_READY;
  return wp2_pollable_new(cx, k, s->u.tcp.fd, 0, &ret->rep);
}

int wasi_sockets_tcp_method_tcp_socket_shutdown(wp2_ctx_t *cx, wasi_sockets_tcp_borrow_tcp_socket_t self,
                                                wasi_sockets_tcp_shutdown_type_t how, wp2_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, s);
  if (s->u.tcp.state != WP2_TCP_CONNECTED) return ERR(ret, NE(INVALID_STATE));
  int h = how == WASI_SOCKETS_TCP_SHUTDOWN_TYPE_RECEIVE ? SHUT_RD : how == WASI_SOCKETS_TCP_SHUTDOWN_TYPE_SEND ? SHUT_WR : SHUT_RDWR;
  if (shutdown(s->u.tcp.fd, h) < 0) return ERR(ret, wp2_net_error(errno));
  return 0;
}

void wasi_sockets_tcp_tcp_socket_destructor(wp2_ctx_t *cx, uint32_t rep) { wp2_obj_free(wp2_inst(cx), rep, WP2_TCP); }

/* ----------------------------------------------------- ip-name-lookup */

/* Resolves the whole name at once (getaddrinfo blocks; the stream is then
** always ready). */
int wasi_sockets_ip_name_lookup_resolve_addresses(wp2_ctx_t *cx, wasi_sockets_network_borrow_network_t network,
                                                  const wp2_string_t *name,
                                                  wp2_result_own_resolve_address_stream_error_code_t *ret) {
  NETWORK(cx, network.rep);
  if (!wp2_inst(cx)->allow_network) return ERR(ret, NE(ACCESS_DENIED));
  if (!name->len || memchr(name->ptr, 0, name->len)) return ERR(ret, NE(INVALID_ARGUMENT));
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM; /* one entry per address */
  int r = getaddrinfo((const char *)name->ptr, NULL, &hints, &res);
  if (r) return ERR(ret, r == EAI_NONAME ? NE(NAME_UNRESOLVABLE) : r == EAI_AGAIN ? NE(TEMPORARY_RESOLVER_FAILURE)
                                                                               : NE(PERMANENT_RESOLVER_FAILURE));
  size_t n = 0;
  for (struct addrinfo *a = res; a; a = a->ai_next) n += a->ai_family == AF_INET || a->ai_family == AF_INET6;
  uint8_t (*addrs)[17] = calloc(n ? n : 1, sizeof *addrs);
  wp2_obj_t *o = addrs ? wp2_obj_new(wp2_inst(cx), WP2_RESOLVE, &ret->val.ok.rep) : NULL;
  if (!o) {
    free(addrs);
    freeaddrinfo(res);
    return ERR(ret, NE(OUT_OF_MEMORY));
  }
  size_t k = 0;
  for (struct addrinfo *a = res; a; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      addrs[k][0] = 4;
      memcpy(&addrs[k++][1], &((struct sockaddr_in *)a->ai_addr)->sin_addr, 4);
    } else if (a->ai_family == AF_INET6) {
      addrs[k][0] = 6;
      memcpy(&addrs[k++][1], &((struct sockaddr_in6 *)a->ai_addr)->sin6_addr, 16);
    }
  }
  freeaddrinfo(res);
  o->u.resolve.addrs = addrs;
  o->u.resolve.n = k;
  return 0;
}

int wasi_sockets_ip_name_lookup_method_resolve_address_stream_resolve_next_address(
    wp2_ctx_t *cx, wasi_sockets_ip_name_lookup_borrow_resolve_address_stream_t self,
    wp2_result_option_ip_address_error_code_t *ret) {
  wp2_obj_t *o = wp2_obj_get(wp2_inst(cx), self.rep, WP2_RESOLVE);
  if (!o) return wp2_trap(cx, "wasi:sockets: unknown resolve-address-stream rep %u", self.rep);
  if (o->u.resolve.next >= o->u.resolve.n) return 0; /* ok(none) */
  const uint8_t *a = o->u.resolve.addrs[o->u.resolve.next++];
  wasi_sockets_network_ip_address_t *ip = &ret->val.ok.val;
  ret->val.ok.is_some = true;
  if (a[0] == 4) {
    ip->tag = WASI_SOCKETS_NETWORK_IP_ADDRESS_IPV4;
    ip->val.ipv4.f0 = a[1], ip->val.ipv4.f1 = a[2], ip->val.ipv4.f2 = a[3], ip->val.ipv4.f3 = a[4];
  } else {
    ip->tag = WASI_SOCKETS_NETWORK_IP_ADDRESS_IPV6;
    uint16_t g[8];
    for (int i = 0; i < 8; i++) g[i] = (uint16_t)(a[1 + 2 * i] << 8 | a[2 + 2 * i]);
    wasi_sockets_network_ipv6_address_t *x = &ip->val.ipv6;
    x->f0 = g[0], x->f1 = g[1], x->f2 = g[2], x->f3 = g[3], x->f4 = g[4], x->f5 = g[5], x->f6 = g[6], x->f7 = g[7];
  }
  return 0;
}

int wasi_sockets_ip_name_lookup_method_resolve_address_stream_subscribe(
    wp2_ctx_t *cx, wasi_sockets_ip_name_lookup_borrow_resolve_address_stream_t self, wasi_io_poll_own_pollable_t *ret) {
  if (!wp2_obj_get(wp2_inst(cx), self.rep, WP2_RESOLVE))
    return wp2_trap(cx, "wasi:sockets: unknown resolve-address-stream rep %u", self.rep);
  return wp2_pollable_new(cx, WP2_POLL_READY, -1, 0, &ret->rep);
}

void wasi_sockets_ip_name_lookup_resolve_address_stream_destructor(wp2_ctx_t *cx, uint32_t rep) {
  wp2_obj_free(wp2_inst(cx), rep, WP2_RESOLVE);
}
