/*
** p2_udp.c — wasi:sockets udp and udp-create-socket on host datagram
** sockets (non-blocking; waits go through pollables).  Denied unless the
** network is allowed, like TCP (p2_tcp.c).
**
** stream(remote) connects the socket when `remote` is given (then every
** datagram goes there) and hands out two datagram streams over dups of
** the socket's fd.
*/
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p2.h"

#define NE(x) WASI_SOCKETS_NETWORK_ERROR_CODE_##x
#define ERR(ret, code) ((ret)->is_err = true, (ret)->val.err = (code), 0)
/* At most this many datagrams per receive/send call, each at most 64 KiB:
** results live in the call's finite arena. */
#define WP2_UDP_BATCH 16
#define WP2_UDP_MAX 65536

#define SOCK(cx, rep, s)                                                                       \
  wp2_obj_t *s = wp2_obj_get(wp2_inst(cx), (rep), WP2_UDP);                                     \
  if (!s) return wp2_trap((cx), "wasi:sockets: unknown udp-socket rep %u", (unsigned)(rep))

int wasi_sockets_udp_create_socket_create_udp_socket(wp2_ctx_t *cx,
                                                     wasi_sockets_udp_create_socket_ip_address_family_t family,
                                                     wp2_result_own_udp_socket_error_code_t *ret) {
  if (!wp2_inst(cx)->allow_network) return ERR(ret, NE(ACCESS_DENIED));
  int af = family == WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4 ? AF_INET : AF_INET6;
  int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ERR(ret, wp2_net_error(errno));
  if (af == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){1}, sizeof(int));
  wp2_obj_t *o = wp2_obj_new(wp2_inst(cx), WP2_UDP, &ret->val.ok.rep);
  if (!o) {
    close(fd);
    return ERR(ret, NE(NEW_SOCKET_LIMIT));
  }
  o->u.tcp.fd = fd;
  o->u.tcp.family = af;
  o->u.tcp.state = WP2_TCP_UNBOUND;
  return 0;
}

int wasi_sockets_udp_method_udp_socket_start_bind(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self,
                                                  wasi_sockets_network_borrow_network_t network,
                                                  const wasi_sockets_udp_ip_socket_address_t *addr,
                                                  wp2_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, s);
  if (!wp2_obj_get(wp2_inst(cx), network.rep, WP2_NETWORK))
    return wp2_trap(cx, "wasi:sockets: unknown network rep %u", network.rep);
  if (s->u.tcp.state != WP2_TCP_UNBOUND) return ERR(ret, NE(INVALID_STATE));
  wp2_sockaddr_t sa;
  if (wp2_to_host(addr, &sa) != s->u.tcp.family) return ERR(ret, NE(INVALID_ARGUMENT));
  if (bind(s->u.tcp.fd, (struct sockaddr *)&sa.ss, sa.len) < 0) return ERR(ret, wp2_net_error(errno));
  s->u.tcp.state = WP2_TCP_BIND_STARTED;
  return 0;
}

int wasi_sockets_udp_method_udp_socket_finish_bind(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self,
                                                   wp2_result_void_error_code_2_t *ret) {
  SOCK(cx, self.rep, s);
  if (s->u.tcp.state != WP2_TCP_BIND_STARTED) return ERR(ret, NE(NOT_IN_PROGRESS));
  s->u.tcp.state = WP2_TCP_BOUND;
  return 0;
}

int wasi_sockets_udp_method_udp_socket_stream(
    wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self, const wp2_option_ip_socket_address_t *remote,
    wp2_result_tuple2_own_incoming_datagram_stream_own_outgoing_datagram_stream_error_code_t *ret) {
  SOCK(cx, self.rep, s);
  if (s->u.tcp.state != WP2_TCP_BOUND) return ERR(ret, NE(INVALID_STATE));
  int fd = s->u.tcp.fd;
  bool connected = remote->is_some;
  if (connected) {
    wp2_sockaddr_t sa;
    if (wp2_to_host(&remote->val, &sa) != s->u.tcp.family || wp2_addr_unspecified(&sa.ss) ||
        ((struct sockaddr_in *)&sa.ss)->sin_port == 0) /* sin6_port sits at the same offset */
      return ERR(ret, NE(INVALID_ARGUMENT));
    if (connect(fd, (struct sockaddr *)&sa.ss, sa.len) < 0) return ERR(ret, wp2_net_error(errno));
  } else if (s->u.tcp.connected) {
    /* forget the earlier remote.  Only then: on Linux this also releases
    ** a port the kernel picked at bind time (port 0). */
    struct sockaddr un = {.sa_family = AF_UNSPEC};
    connect(fd, &un, sizeof un);
  }
  s->u.tcp.connected = connected;
  wp2_inst_t *in = wp2_inst(cx);
  int a = fcntl(fd, F_DUPFD_CLOEXEC, 0), b = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  wp2_obj_t *i = a >= 0 ? wp2_stream_new(in, WP2_UDP_IN, a, true, &ret->val.ok.f0.rep) : NULL;
  wp2_obj_t *o = i && b >= 0 ? wp2_stream_new(in, WP2_UDP_OUT, b, true, &ret->val.ok.f1.rep) : NULL;
  if (!o) {
    if (i) wp2_obj_free(in, ret->val.ok.f0.rep, WP2_UDP_IN);
    else if (a >= 0) close(a);
    if (b >= 0) close(b);
    return ERR(ret, NE(NEW_SOCKET_LIMIT));
  }
  i->u.stream.connected = o->u.stream.connected = connected;
  return 0;
}

static int address(wp2_ctx_t *cx, uint32_t rep, bool peer, wp2_result_ip_socket_address_error_code_t *ret) {
  SOCK(cx, rep, s);
  if (s->u.tcp.state != WP2_TCP_BOUND) return ERR(ret, NE(INVALID_STATE));
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int r = peer ? getpeername(s->u.tcp.fd, (struct sockaddr *)&ss, &len) : getsockname(s->u.tcp.fd, (struct sockaddr *)&ss, &len);
  if (r < 0) return ERR(ret, errno == ENOTCONN ? NE(INVALID_STATE) : wp2_net_error(errno));
  wp2_from_host(&ss, &ret->val.ok);
  return 0;
}

int wasi_sockets_udp_method_udp_socket_local_address(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self,
                                                     wp2_result_ip_socket_address_error_code_t *ret) {
  return address(cx, self.rep, false, ret);
}

int wasi_sockets_udp_method_udp_socket_remote_address(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self,
                                                      wp2_result_ip_socket_address_error_code_t *ret) {
  return address(cx, self.rep, true, ret);
}

int wasi_sockets_udp_method_udp_socket_address_family(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self,
                                                      wasi_sockets_udp_ip_address_family_t *ret) {
  SOCK(cx, self.rep, s);
  *ret = s->u.tcp.family == AF_INET ? WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4
                                    : WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV6;
  return 0;
}

/* One int socket option: get (set == NULL) or set. */
static int opt(wp2_ctx_t *cx, uint32_t rep, int level, int name, int *v, bool set, bool *is_err,
               wasi_sockets_network_error_code_t *err) {
  SOCK(cx, rep, s);
  socklen_t len = sizeof *v;
  if (level == -1) { /* the hop limit: per family */
    level = s->u.tcp.family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
    name = s->u.tcp.family == AF_INET6 ? IPV6_UNICAST_HOPS : IP_TTL;
  }
  int r = set ? setsockopt(s->u.tcp.fd, level, name, v, len) : getsockopt(s->u.tcp.fd, level, name, v, &len);
  if (r < 0) {
    *is_err = true;
    *err = wp2_net_error(errno);
  }
  return 0;
}

int wasi_sockets_udp_method_udp_socket_unicast_hop_limit(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self,
                                                         wp2_result_u8_error_code_t *ret) {
  int v = 0, rc = opt(cx, self.rep, -1, 0, &v, false, &ret->is_err, &ret->val.err);
  if (!rc && !ret->is_err) ret->val.ok = (uint8_t)v;
  return rc;
}

int wasi_sockets_udp_method_udp_socket_set_unicast_hop_limit(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self,
                                                             uint8_t value, wp2_result_void_error_code_2_t *ret) {
  if (value == 0) return ERR(ret, NE(INVALID_ARGUMENT));
  int v = value;
  return opt(cx, self.rep, -1, 0, &v, true, &ret->is_err, &ret->val.err);
}

int wasi_sockets_udp_method_udp_socket_receive_buffer_size(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self,
                                                           wp2_result_u64_error_code_t *ret) {
  int v = 0, rc = opt(cx, self.rep, SOL_SOCKET, SO_RCVBUF, &v, false, &ret->is_err, &ret->val.err);
  if (!rc && !ret->is_err) ret->val.ok = (uint64_t)v;
  return rc;
}

int wasi_sockets_udp_method_udp_socket_set_receive_buffer_size(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self,
                                                               uint64_t value, wp2_result_void_error_code_2_t *ret) {
  if (value == 0) return ERR(ret, NE(INVALID_ARGUMENT));
  int v = value > (1u << 30) ? 1 << 30 : (int)value;
  return opt(cx, self.rep, SOL_SOCKET, SO_RCVBUF, &v, true, &ret->is_err, &ret->val.err);
}

int wasi_sockets_udp_method_udp_socket_send_buffer_size(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self,
                                                        wp2_result_u64_error_code_t *ret) {
  int v = 0, rc = opt(cx, self.rep, SOL_SOCKET, SO_SNDBUF, &v, false, &ret->is_err, &ret->val.err);
  if (!rc && !ret->is_err) ret->val.ok = (uint64_t)v;
  return rc;
}

int wasi_sockets_udp_method_udp_socket_set_send_buffer_size(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self,
                                                            uint64_t value, wp2_result_void_error_code_2_t *ret) {
  if (value == 0) return ERR(ret, NE(INVALID_ARGUMENT));
  int v = value > (1u << 30) ? 1 << 30 : (int)value;
  return opt(cx, self.rep, SOL_SOCKET, SO_SNDBUF, &v, true, &ret->is_err, &ret->val.err);
}

/* Binding and stream() complete at once: always ready. */
int wasi_sockets_udp_method_udp_socket_subscribe(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self,
                                                 wasi_io_poll_own_pollable_t *ret) {
  SOCK(cx, self.rep, s);
  (void)s;
  return wp2_pollable_new(cx, WP2_POLL_READY, -1, 0, &ret->rep);
}

void wasi_sockets_udp_udp_socket_destructor(wp2_ctx_t *cx, uint32_t rep) { wp2_obj_free(wp2_inst(cx), rep, WP2_UDP); }

/* ------------------------------------------------------ datagram streams */

int wasi_sockets_udp_method_incoming_datagram_stream_receive(wp2_ctx_t *cx,
                                                             wasi_sockets_udp_borrow_incoming_datagram_stream_t self,
                                                             uint64_t max, wp2_result_list_incoming_datagram_error_code_t *ret) {
  wp2_obj_t *o = wp2_obj_get(wp2_inst(cx), self.rep, WP2_UDP_IN);
  if (!o) return wp2_trap(cx, "wasi:sockets: unknown incoming-datagram-stream rep %u", self.rep);
  if (max > WP2_UDP_BATCH) max = WP2_UDP_BATCH;
  ret->val.ok.ptr = wp2_alloc(cx, (max ? max : 1) * sizeof *ret->val.ok.ptr, _Alignof(wasi_sockets_udp_incoming_datagram_t));
  uint8_t *buf = malloc(WP2_UDP_MAX);
  if (!ret->val.ok.ptr || !buf) {
    free(buf);
    return wp2_trap(cx, "out of memory");
  }
  int rc = 0;
  while (ret->val.ok.len < max) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    ssize_t n = recvfrom(o->u.stream.fd, buf, WP2_UDP_MAX, MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
    if (n < 0) {
      /* nothing (more) waiting is not an error; anything else is, unless
      ** some datagrams were already received */
      if ((errno != EAGAIN && errno != EWOULDBLOCK) && ret->val.ok.len == 0) {
        ret->is_err = true;
        ret->val.err = wp2_net_error(errno);
      }
      break;
    }
    wasi_sockets_udp_incoming_datagram_t *d = &ret->val.ok.ptr[ret->val.ok.len];
    if (!(d->data.ptr = wp2_alloc(cx, (size_t)n, 1))) {
      rc = wp2_trap(cx, "out of memory");
      break;
    }
    memcpy(d->data.ptr, buf, (size_t)n);
    d->data.len = (size_t)n;
    wp2_from_host(&ss, &d->remote_address);
    ret->val.ok.len++;
  }
  free(buf);
  return rc;
}

int wasi_sockets_udp_method_incoming_datagram_stream_subscribe(wp2_ctx_t *cx,
                                                               wasi_sockets_udp_borrow_incoming_datagram_stream_t self,
                                                               wasi_io_poll_own_pollable_t *ret) {
  wp2_obj_t *o = wp2_obj_get(wp2_inst(cx), self.rep, WP2_UDP_IN);
  if (!o) return wp2_trap(cx, "wasi:sockets: unknown incoming-datagram-stream rep %u", self.rep);
  return wp2_pollable_new(cx, WP2_POLL_READ, o->u.stream.fd, 0, &ret->rep);
}

int wasi_sockets_udp_method_outgoing_datagram_stream_check_send(wp2_ctx_t *cx,
                                                                wasi_sockets_udp_borrow_outgoing_datagram_stream_t self,
                                                                wp2_result_u64_error_code_t *ret) {
  wp2_obj_t *o = wp2_obj_get(wp2_inst(cx), self.rep, WP2_UDP_OUT);
  if (!o) return wp2_trap(cx, "wasi:sockets: unknown outgoing-datagram-stream rep %u", self.rep);
  struct pollfd p = {o->u.stream.fd, POLLOUT, 0};
  int nready = 0;
  wp_os_poll(&p, 1, 0, NULL, &nready);
  ret->val.ok = nready ? WP2_UDP_BATCH : 0;
  return 0;
}

int wasi_sockets_udp_method_outgoing_datagram_stream_send(wp2_ctx_t *cx,
                                                          wasi_sockets_udp_borrow_outgoing_datagram_stream_t self,
                                                          const wp2_list_outgoing_datagram_t *datagrams,
                                                          wp2_result_u64_error_code_t *ret) {
  wp2_obj_t *o = wp2_obj_get(wp2_inst(cx), self.rep, WP2_UDP_OUT);
  if (!o) return wp2_trap(cx, "wasi:sockets: unknown outgoing-datagram-stream rep %u", self.rep);
  if (datagrams->len > WP2_UDP_BATCH)
    return wp2_trap(cx, "wasi:sockets: send of %zu datagrams (check-send allowed at most %u)", datagrams->len,
                    WP2_UDP_BATCH);
  struct sockaddr_storage own;
  socklen_t ol = sizeof own;
  int family = getsockname(o->u.stream.fd, (struct sockaddr *)&own, &ol) == 0 ? own.ss_family : AF_INET;
  for (size_t i = 0; i < datagrams->len; i++) {
    const wasi_sockets_udp_outgoing_datagram_t *d = &datagrams->ptr[i];
    ssize_t n;
    if (d->remote_address.is_some) {
      wp2_sockaddr_t sa;
      if (wp2_to_host(&d->remote_address.val, &sa) != family || wp2_addr_unspecified(&sa.ss) ||
          ((struct sockaddr_in *)&sa.ss)->sin_port == 0)
        return ret->val.ok ? 0 : ERR(ret, NE(INVALID_ARGUMENT));
      /* a connected stream sends only to its remote: sendto checks that */
      n = o->u.stream.connected ? send(o->u.stream.fd, d->data.ptr, d->data.len, MSG_DONTWAIT | MSG_NOSIGNAL)
                                : sendto(o->u.stream.fd, d->data.ptr, d->data.len, MSG_DONTWAIT | MSG_NOSIGNAL,
                                         (struct sockaddr *)&sa.ss, sa.len);
    } else {
      if (!o->u.stream.connected) return ret->val.ok ? 0 : ERR(ret, NE(INVALID_ARGUMENT));
      n = send(o->u.stream.fd, d->data.ptr, d->data.len, MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    if (n < 0) return ret->val.ok ? 0 : ERR(ret, wp2_net_error(errno));
    ret->val.ok++;
  }
  return 0;
}

int wasi_sockets_udp_method_outgoing_datagram_stream_subscribe(wp2_ctx_t *cx,
                                                               wasi_sockets_udp_borrow_outgoing_datagram_stream_t self,
                                                               wasi_io_poll_own_pollable_t *ret) {
  wp2_obj_t *o = wp2_obj_get(wp2_inst(cx), self.rep, WP2_UDP_OUT);
  if (!o) return wp2_trap(cx, "wasi:sockets: unknown outgoing-datagram-stream rep %u", self.rep);
  return wp2_pollable_new(cx, WP2_POLL_WRITE, o->u.stream.fd, 0, &ret->rep);
}

void wasi_sockets_udp_incoming_datagram_stream_destructor(wp2_ctx_t *cx, uint32_t rep) {
  wp2_obj_free(wp2_inst(cx), rep, WP2_UDP_IN);
}
void wasi_sockets_udp_outgoing_datagram_stream_destructor(wp2_ctx_t *cx, uint32_t rep) {
  wp2_obj_free(wp2_inst(cx), rep, WP2_UDP_OUT);
}
