/*
** net.c — the wasi:sockets test guest: a TCP server and client on
** loopback in one single-threaded command, then a UDP datagram between
** two sockets, every wait a pollable
** (wasi:io/poll), so the host must really block and wake.  Bindings for
** the direct wasi:sockets imports come from `wasmplug bindgen c --guest`.
*/
#include <stdio.h>
#include <string.h>

#include "net.h"

#define TCP(x) wasi_sockets_tcp_borrow_tcp_socket(x)

static wasi_sockets_tcp_ip_socket_address_t loopback(uint16_t port) {
  wasi_sockets_tcp_ip_socket_address_t a;
  memset(&a, 0, sizeof a);
  a.tag = WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4;
  a.val.ipv4.port = port;
  a.val.ipv4.address.f0 = 127;
  a.val.ipv4.address.f3 = 1;
  return a;
}

/* Waits for one pollable, with a 10 s timer beside it: returns the index
** poll reported first (0 = the pollable, 1 = the timer). */
static unsigned wait_for(wasi_io_poll_own_pollable_t p) {
  wasi_io_poll_own_pollable_t timer = wasi_clocks_monotonic_clock_subscribe_duration(10ull * 1000000000ull);
  wasi_io_poll_borrow_pollable_t list[2] = {wasi_io_poll_borrow_pollable(p), wasi_io_poll_borrow_pollable(timer)};
  net_list_borrow_pollable_t in = {list, 2};
  net_list_u32_t ready;
  wasi_io_poll_poll(&in, &ready);
  unsigned first = ready.len ? ready.ptr[0] : 99;
  net_list_u32_free(&ready);
  wasi_io_poll_pollable_drop_own(timer);
  wasi_io_poll_pollable_drop_own(p);
  return first;
}

static int check(const char *what, bool is_err, unsigned code) {
  if (is_err) printf("%s: error-code %u\n", what, code);
  return is_err;
}

static void send_all(wasi_io_streams_own_output_stream_t out, const char *msg) {
  net_list_u8_t data = {(uint8_t *)msg, strlen(msg)};
  net_result_void_stream_error_t r;
  wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream(out), &data, &r);
  if (r.is_err) printf("write failed\n");
}

static void recv_some(const char *who, wasi_io_streams_own_input_stream_t in) {
  net_result_list_u8_stream_error_t r;
  wasi_io_streams_method_input_stream_blocking_read(wasi_io_streams_borrow_input_stream(in), 256, &r);
  if (r.is_err) {
    printf("%s: stream %s\n", who, r.val.err.tag == WASI_IO_STREAMS_STREAM_ERROR_CLOSED ? "closed" : "failed");
    wasi_io_streams_stream_error_free(&r.val.err);
    return;
  }
  printf("%s got: %.*s\n", who, (int)r.val.ok.len, (const char *)r.val.ok.ptr);
  net_list_u8_free(&r.val.ok);
}

/* A UDP socket bound to 127.0.0.1 (any port), with its two streams. */
typedef struct {
  wasi_sockets_udp_own_udp_socket_t s;
  wasi_sockets_udp_own_incoming_datagram_stream_t in;
  wasi_sockets_udp_own_outgoing_datagram_stream_t out;
  uint16_t port;
} udp_end;

static int udp_open(wasi_sockets_network_borrow_network_t nb, udp_end *e) {
  net_result_own_udp_socket_error_code_t c;
  wasi_sockets_udp_create_socket_create_udp_socket(WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4, &c);
  if (check("create-udp-socket", c.is_err, c.val.err)) return 1;
  e->s = c.val.ok;
  wasi_sockets_udp_borrow_udp_socket_t b = wasi_sockets_udp_borrow_udp_socket(e->s);
  wasi_sockets_udp_ip_socket_address_t any = loopback(0);
  net_result_void_error_code_t v;
  wasi_sockets_udp_method_udp_socket_start_bind(b, nb, &any, &v);
  if (check("udp start-bind", v.is_err, v.val.err)) return 1;
  wasi_sockets_udp_method_udp_socket_finish_bind(b, &v);
  if (check("udp finish-bind", v.is_err, v.val.err)) return 1;
  net_result_ip_socket_address_error_code_t la;
  wasi_sockets_udp_method_udp_socket_local_address(b, &la);
  if (check("udp local-address", la.is_err, la.val.err)) return 1;
  e->port = la.val.ok.val.ipv4.port;
  net_option_ip_socket_address_t none = {false, {0}};
  net_result_tuple2_own_incoming_datagram_stream_own_outgoing_datagram_stream_error_code_t st;
  wasi_sockets_udp_method_udp_socket_stream(b, &none, &st);
  if (check("udp stream", st.is_err, st.val.err)) return 1;
  e->in = st.val.ok.f0;
  e->out = st.val.ok.f1;
  return 0;
}

static void udp_close(udp_end *e) {
  wasi_sockets_udp_incoming_datagram_stream_drop_own(e->in);
  wasi_sockets_udp_outgoing_datagram_stream_drop_own(e->out);
  wasi_sockets_udp_udp_socket_drop_own(e->s);
}

/* a sends one datagram to b; b waits for it through a pollable */
static int udp(wasi_sockets_network_borrow_network_t nb) {
  udp_end a, b;
  if (udp_open(nb, &a) || udp_open(nb, &b)) return 1;
  net_result_u64_error_code_t n;
  wasi_sockets_udp_method_outgoing_datagram_stream_check_send(wasi_sockets_udp_borrow_outgoing_datagram_stream(a.out), &n);
  if (check("check-send", n.is_err, n.val.err)) return 1;
  wasi_sockets_udp_outgoing_datagram_t d;
  memset(&d, 0, sizeof d);
  d.data.ptr = (uint8_t *)"dgram";
  d.data.len = 5;
  d.remote_address.is_some = true;
  d.remote_address.val = loopback(b.port);
  net_list_outgoing_datagram_t list = {&d, 1};
  wasi_sockets_udp_method_outgoing_datagram_stream_send(wasi_sockets_udp_borrow_outgoing_datagram_stream(a.out), &list, &n);
  if (check("send", n.is_err, n.val.err)) return 1;
  printf("udp sent: %llu\n", (unsigned long long)n.val.ok);
  printf("udp wait: %s\n", wait_for(wasi_sockets_udp_method_incoming_datagram_stream_subscribe(
                                 wasi_sockets_udp_borrow_incoming_datagram_stream(b.in))) == 0 ? "woken by datagram" : "timed out");
  net_result_list_incoming_datagram_error_code_t r;
  wasi_sockets_udp_method_incoming_datagram_stream_receive(wasi_sockets_udp_borrow_incoming_datagram_stream(b.in), 4, &r);
  if (check("receive", r.is_err, r.val.err)) return 1;
  if (r.val.ok.len == 1)
    printf("udp got: %.*s from a: %s\n", (int)r.val.ok.ptr[0].data.len, (const char *)r.val.ok.ptr[0].data.ptr,
           r.val.ok.ptr[0].remote_address.val.ipv4.port == a.port ? "yes" : "no");
  else
    printf("udp got %zu datagrams\n", r.val.ok.len);
  net_list_incoming_datagram_free(&r.val.ok);
  udp_close(&a);
  udp_close(&b);
  printf("udp ok\n");
  return 0;
}

int main(void) {
  /* The first stdout write of a bindgen guest under jco's command adapter
  ** loses its buffered text (the same under `jco run`: a guest-side
  ** issue); an empty line takes the loss. */
  puts("");
  wasi_sockets_network_own_network_t net = wasi_sockets_instance_network_instance_network();
  wasi_sockets_network_borrow_network_t nb = wasi_sockets_network_borrow_network(net);
  net_result_own_tcp_socket_error_code_t ls;
  wasi_sockets_tcp_create_socket_create_tcp_socket(WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4, &ls);
  if (check("create-tcp-socket", ls.is_err, ls.val.err)) return 1;
  wasi_sockets_tcp_own_tcp_socket_t listener = ls.val.ok;

  wasi_sockets_tcp_ip_socket_address_t any = loopback(0);
  net_result_void_error_code_t v;
  wasi_sockets_tcp_method_tcp_socket_start_bind(TCP(listener), nb, &any, &v);
  if (check("start-bind", v.is_err, v.val.err)) return 1;
  wasi_sockets_tcp_method_tcp_socket_finish_bind(TCP(listener), &v);
  if (check("finish-bind", v.is_err, v.val.err)) return 1;
  wasi_sockets_tcp_method_tcp_socket_start_listen(TCP(listener), &v);
  if (check("start-listen", v.is_err, v.val.err)) return 1;
  wasi_sockets_tcp_method_tcp_socket_finish_listen(TCP(listener), &v);
  if (check("finish-listen", v.is_err, v.val.err)) return 1;
  net_result_ip_socket_address_error_code_t la;
  wasi_sockets_tcp_method_tcp_socket_local_address(TCP(listener), &la);
  if (check("local-address", la.is_err, la.val.err)) return 1;
  uint16_t port = la.val.ok.val.ipv4.port;
  printf("listening: %s, port assigned: %s\n", wasi_sockets_tcp_method_tcp_socket_is_listening(TCP(listener)) ? "yes" : "no",
         port ? "yes" : "no");

  /* name lookup (a numeric name: no DNS needed) */
  net_string_t name;
  net_string_set(&name, "127.0.0.1");
  net_result_own_resolve_address_stream_error_code_t rs;
  wasi_sockets_ip_name_lookup_resolve_addresses(nb, &name, &rs);
  if (check("resolve-addresses", rs.is_err, rs.val.err)) return 1;
  wait_for(wasi_sockets_ip_name_lookup_method_resolve_address_stream_subscribe(
      wasi_sockets_ip_name_lookup_borrow_resolve_address_stream(rs.val.ok)));
  net_result_option_ip_address_error_code_t na;
  wasi_sockets_ip_name_lookup_method_resolve_address_stream_resolve_next_address(
      wasi_sockets_ip_name_lookup_borrow_resolve_address_stream(rs.val.ok), &na);
  printf("resolved 127.0.0.1: %s\n", !na.is_err && na.val.ok.is_some && na.val.ok.val.tag == WASI_SOCKETS_NETWORK_IP_ADDRESS_IPV4 &&
         na.val.ok.val.val.ipv4.f0 == 127 && na.val.ok.val.val.ipv4.f3 == 1 ? "yes" : "no");
  wasi_sockets_ip_name_lookup_resolve_address_stream_drop_own(rs.val.ok);

  net_result_own_tcp_socket_error_code_t cs;
  wasi_sockets_tcp_create_socket_create_tcp_socket(WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4, &cs);
  if (check("create client", cs.is_err, cs.val.err)) return 1;
  wasi_sockets_tcp_own_tcp_socket_t client = cs.val.ok;
  /* socket options round-trip through the host socket */
  wasi_sockets_tcp_method_tcp_socket_set_keep_alive_enabled(TCP(client), true, &v);
  if (check("set-keep-alive-enabled", v.is_err, v.val.err)) return 1;
  wasi_sockets_tcp_method_tcp_socket_set_keep_alive_idle_time(TCP(client), 30ull * 1000000000ull, &v);
  if (check("set-keep-alive-idle-time", v.is_err, v.val.err)) return 1;
  net_result_bool_error_code_t ka;
  net_result_duration_error_code_t idle;
  wasi_sockets_tcp_method_tcp_socket_keep_alive_enabled(TCP(client), &ka);
  wasi_sockets_tcp_method_tcp_socket_keep_alive_idle_time(TCP(client), &idle);
  printf("keep-alive: %s, idle 30s: %s\n", !ka.is_err && ka.val.ok ? "on" : "off",
         !idle.is_err && idle.val.ok == 30ull * 1000000000ull ? "yes" : "no");

  wasi_sockets_tcp_ip_socket_address_t to = loopback(port);
  wasi_sockets_tcp_method_tcp_socket_start_connect(TCP(client), nb, &to, &v);
  if (check("start-connect", v.is_err, v.val.err)) return 1;

  /* the listener's pollable fires when the connection is there to accept */
  printf("accept wait: %s\n", wait_for(wasi_sockets_tcp_method_tcp_socket_subscribe(TCP(listener))) == 0 ? "woken by listener" : "timed out");
  net_result_tuple3_own_tcp_socket_own_input_stream_own_output_stream_error_code_t acc;
  wasi_sockets_tcp_method_tcp_socket_accept(TCP(listener), &acc);
  if (check("accept", acc.is_err, acc.val.err)) return 1;

  printf("connect wait: %s\n", wait_for(wasi_sockets_tcp_method_tcp_socket_subscribe(TCP(client))) == 0 ? "woken by socket" : "timed out");
  net_result_tuple2_own_input_stream_own_output_stream_error_code_t fc;
  wasi_sockets_tcp_method_tcp_socket_finish_connect(TCP(client), &fc);
  if (check("finish-connect", fc.is_err, fc.val.err)) return 1;

  send_all(fc.val.ok.f1, "ping over tcp");
  recv_some("server", acc.val.ok.f1);
  send_all(acc.val.ok.f2, "pong");
  recv_some("client", fc.val.ok.f0);
  /* dropping the client's output stream ends the server's input */
  wasi_io_streams_output_stream_drop_own(fc.val.ok.f1);
  recv_some("server", acc.val.ok.f1);

  net_result_ip_socket_address_error_code_t ra;
  wasi_sockets_tcp_method_tcp_socket_remote_address(TCP(acc.val.ok.f0), &ra);
  printf("peer is loopback: %s\n", !ra.is_err && ra.val.ok.val.ipv4.address.f0 == 127 ? "yes" : "no");

  wasi_io_streams_input_stream_drop_own(fc.val.ok.f0);
  wasi_io_streams_input_stream_drop_own(acc.val.ok.f1);
  wasi_io_streams_output_stream_drop_own(acc.val.ok.f2);
  wasi_sockets_tcp_tcp_socket_drop_own(acc.val.ok.f0);
  wasi_sockets_tcp_tcp_socket_drop_own(client);
  wasi_sockets_tcp_tcp_socket_drop_own(listener);
  printf("tcp ok\n");
  int rc = udp(nb);
  wasi_sockets_network_network_drop_own(net);
  return rc;
}
