/*
** net.c — the wasi:sockets test guest: a TCP server and client on
** loopback in one single-threaded command, every wait a pollable
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
  wasi_sockets_network_network_drop_own(net);
  printf("tcp ok\n");
  return 0;
}
