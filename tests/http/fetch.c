/*
** fetch.c — a command component that sends one GET through
** wasi:http/outgoing-handler and prints the status and the body:
**   fetch HOST:PORT/PATH
** Run with the wasi-http plugin loaded as a .so (wasi-http.so), it shows
** that plugin's bodies living in the WASI plugin's wasi:io table through
** the plugin ABI (host->service).  Exit status 0, or 1 with the error-code.
*/
#include <stdio.h>
#include <string.h>

#include "fetch.h"

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  const char *slash = strchr(argv[1], '/');
  char authority[256];
  size_t al = slash ? (size_t)(slash - argv[1]) : strlen(argv[1]);
  if (al >= sizeof authority) return 2;
  memcpy(authority, argv[1], al);
  authority[al] = 0;
  wasi_http_types_own_outgoing_request_t req =
      wasi_http_types_constructor_outgoing_request(wasi_http_types_constructor_fields());
  fetch_option_string_t a = {.is_some = true}, p = {.is_some = true};
  fetch_string_set(&a.val, authority);
  fetch_string_set(&p.val, slash ? slash : "/");
  fetch_result_void_void_t ok;
  wasi_http_types_method_outgoing_request_set_authority(wasi_http_types_borrow_outgoing_request(req), &a, &ok);
  wasi_http_types_method_outgoing_request_set_path_with_query(wasi_http_types_borrow_outgoing_request(req), &p, &ok);
  fetch_option_own_request_options_t none = {0};
  fetch_result_own_future_incoming_response_error_code_t f;
  wasi_http_outgoing_handler_handle(req, &none, &f);
  if (f.is_err) {
    printf("error-code %u\n", f.val.err.tag);
    return 1;
  }
  /* wait with wasi:io/poll: the future's pollable is in the WASI plugin's table */
  wasi_io_poll_own_pollable_t pl =
      wasi_http_types_method_future_incoming_response_subscribe(wasi_http_types_borrow_future_incoming_response(f.val.ok));
  wasi_io_poll_borrow_pollable_t list[1] = {wasi_io_poll_borrow_pollable(pl)};
  fetch_list_borrow_pollable_t in = {list, 1};
  fetch_list_u32_t ready;
  wasi_io_poll_poll(&in, &ready);
  fetch_list_u32_free(&ready);
  wasi_io_poll_pollable_drop_own(pl);
  fetch_option_result_result_own_incoming_response_error_code_void_t g;
  wasi_http_types_method_future_incoming_response_get(wasi_http_types_borrow_future_incoming_response(f.val.ok), &g);
  if (!g.is_some || g.val.is_err || g.val.val.ok.is_err) {
    printf("error-code %u\n", g.is_some && !g.val.is_err ? g.val.val.ok.val.err.tag : 999u);
    return 1;
  }
  wasi_http_types_own_incoming_response_t resp = g.val.val.ok.val.ok;
  printf("%u ", wasi_http_types_method_incoming_response_status(wasi_http_types_borrow_incoming_response(resp)));
  fetch_result_own_incoming_body_void_t b;
  wasi_http_types_method_incoming_response_consume(wasi_http_types_borrow_incoming_response(resp), &b);
  fetch_result_own_input_stream_void_t is;
  wasi_http_types_method_incoming_body_stream(wasi_http_types_borrow_incoming_body(b.val.ok), &is);
  for (;;) {
    fetch_result_list_u8_stream_error_t r;
    wasi_io_streams_method_input_stream_blocking_read(wasi_io_streams_borrow_input_stream(is.val.ok), 4096, &r);
    if (r.is_err) break;
    fwrite(r.val.ok.ptr, 1, r.val.ok.len, stdout);
    fetch_list_u8_free(&r.val.ok);
  }
  fflush(stdout);
  return 0;
}
