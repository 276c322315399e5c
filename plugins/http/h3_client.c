/*
** h3_client.c — wasi:http/client@0.3.0 and an imported
** wasi:http/handler@0.3.0 (a middleware's next hop).
**
** Outgoing requests of 0.3 guests are not made yet: every send is denied
** (HTTP-request-denied), whatever --allow-http grants — the answer a
** guest gets for a destination it was not granted, so a guest handles it
** as it would that.  The request given is consumed (its body dropped).
*/
#include "h3.h"

static int deny(wh3_ctx_t *cx, uint32_t request, wh3_result_own_response_error_code_t *ret) {
  wh3_obj_free(wh3_inst(cx), request, WH3_REQUEST);
  ret->is_err = true;
  ret->val.err.tag = WASI_HTTP_TYPES_ERROR_CODE_HTTP_REQUEST_DENIED;
  return 0;
}

int wasi_http_client_send(wh3_ctx_t *cx, wasi_http_types_own_request_t request,
                          wh3_result_own_response_error_code_t *ret) {
  return deny(cx, request.rep, ret);
}

int wasi_http_handler_handle(wh3_ctx_t *cx, wasi_http_types_own_request_t request,
                             wh3_result_own_response_error_code_t *ret) {
  return deny(cx, request.rep, ret);
}
