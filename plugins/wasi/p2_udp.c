/*
** p2_udp.c — wasi:sockets udp and udp-create-socket: not implemented yet.
**
** create-udp-socket answers access-denied without --allow-network and
** not-supported with it, so no udp-socket (nor datagram stream) is ever
** handed out; the cabi layer only passes live handles of the right type, so
** the methods below cannot be reached and trap if they ever are.
*/
#include "p2.h"

int wasi_sockets_udp_method_udp_socket_start_bind(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self, wasi_sockets_network_borrow_network_t network, const wasi_sockets_udp_ip_socket_address_t *local_address, wp2_result_void_error_code_2_t *ret) {
  (void)self;
  (void)network;
  (void)local_address;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_udp_socket_finish_bind(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self, wp2_result_void_error_code_2_t *ret) {
  (void)self;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_udp_socket_stream(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self, const wp2_option_ip_socket_address_t *remote_address, wp2_result_tuple2_own_incoming_datagram_stream_own_outgoing_datagram_stream_error_code_t *ret) {
  (void)self;
  (void)remote_address;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_udp_socket_local_address(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self, wp2_result_ip_socket_address_error_code_t *ret) {
  (void)self;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_udp_socket_remote_address(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self, wp2_result_ip_socket_address_error_code_t *ret) {
  (void)self;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_udp_socket_address_family(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self, wasi_sockets_udp_ip_address_family_t *ret) {
  (void)self;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_udp_socket_unicast_hop_limit(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self, wp2_result_u8_error_code_t *ret) {
  (void)self;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_udp_socket_set_unicast_hop_limit(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self, uint8_t value, wp2_result_void_error_code_2_t *ret) {
  (void)self;
  (void)value;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_udp_socket_receive_buffer_size(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self, wp2_result_u64_error_code_t *ret) {
  (void)self;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_udp_socket_set_receive_buffer_size(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self, uint64_t value, wp2_result_void_error_code_2_t *ret) {
  (void)self;
  (void)value;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_udp_socket_send_buffer_size(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self, wp2_result_u64_error_code_t *ret) {
  (void)self;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_udp_socket_set_send_buffer_size(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self, uint64_t value, wp2_result_void_error_code_2_t *ret) {
  (void)self;
  (void)value;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_udp_socket_subscribe(wp2_ctx_t *cx, wasi_sockets_udp_borrow_udp_socket_t self, wasi_io_poll_own_pollable_t *ret) {
  (void)self;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_incoming_datagram_stream_receive(wp2_ctx_t *cx, wasi_sockets_udp_borrow_incoming_datagram_stream_t self, uint64_t max_results, wp2_result_list_incoming_datagram_error_code_t *ret) {
  (void)self;
  (void)max_results;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_incoming_datagram_stream_subscribe(wp2_ctx_t *cx, wasi_sockets_udp_borrow_incoming_datagram_stream_t self, wasi_io_poll_own_pollable_t *ret) {
  (void)self;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_outgoing_datagram_stream_check_send(wp2_ctx_t *cx, wasi_sockets_udp_borrow_outgoing_datagram_stream_t self, wp2_result_u64_error_code_t *ret) {
  (void)self;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_outgoing_datagram_stream_send(wp2_ctx_t *cx, wasi_sockets_udp_borrow_outgoing_datagram_stream_t self, const wp2_list_outgoing_datagram_t *datagrams, wp2_result_u64_error_code_t *ret) {
  (void)self;
  (void)datagrams;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_method_outgoing_datagram_stream_subscribe(wp2_ctx_t *cx, wasi_sockets_udp_borrow_outgoing_datagram_stream_t self, wasi_io_poll_own_pollable_t *ret) {
  (void)self;
  (void)ret;
  return wp2_trap(cx, "wasi:sockets/udp: not supported (no udp-socket exists)");
}

int wasi_sockets_udp_create_socket_create_udp_socket(wp2_ctx_t *cx, wasi_sockets_udp_create_socket_ip_address_family_t address_family, wp2_result_own_udp_socket_error_code_t *ret) {
  (void)address_family;
  ret->is_err = true;
  ret->val.err = wp2_inst(cx)->allow_network ? WASI_SOCKETS_NETWORK_ERROR_CODE_NOT_SUPPORTED
                                             : WASI_SOCKETS_NETWORK_ERROR_CODE_ACCESS_DENIED;
  return 0;
}

void wasi_sockets_udp_udp_socket_destructor(wp2_ctx_t *cx, uint32_t rep) {
  (void)cx;
  (void)rep;
}

void wasi_sockets_udp_incoming_datagram_stream_destructor(wp2_ctx_t *cx, uint32_t rep) {
  (void)cx;
  (void)rep;
}

void wasi_sockets_udp_outgoing_datagram_stream_destructor(wp2_ctx_t *cx, uint32_t rep) {
  (void)cx;
  (void)rep;
}
