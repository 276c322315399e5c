/*
** p1_args.c — args_* and environ_*: the guest's argv and environment.
**
** Both are string lists laid out the same way: an array of u32 pointers and
** a buffer of NUL-terminated strings, whose sizes *_sizes_get reports.
*/
#include "p1.h"

static wp_os_err_t list_sizes(p1_call_t *c, char **list, size_t n,
                              uint32_t count_ptr, uint32_t size_ptr) {
  uint64_t size = 0;
  for (size_t i = 0; i < n; i++) size += strlen(list[i]) + 1;
  if (n > UINT32_MAX || size > UINT32_MAX) return WP_OS_EOVERFLOW;
  wp_os_err_t err = p1_out32(c, count_ptr, (uint32_t)n);
  if (!err) err = p1_out32(c, size_ptr, (uint32_t)size);
  return err;
}

static wp_os_err_t list_get(p1_call_t *c, char **list, size_t n,
                            uint32_t ptrs, uint32_t buf) {
  uint64_t size = 0;
  for (size_t i = 0; i < n; i++) size += strlen(list[i]) + 1;
  wp_os_err_t err;
  /* Check both whole regions before writing anything. */
  uint8_t *pp = p1_ptr(c, ptrs, (uint64_t)n * 4, 4, &err);
  if (!pp) return err;
  uint8_t *bp = p1_ptr(c, buf, size, 1, &err);
  if (!bp) return err;
  uint32_t off = 0;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(list[i]) + 1;
    p1_st32(pp + 4 * i, buf + off);
    memcpy(bp + off, list[i], len);
    off += (uint32_t)len;
  }
  return 0;
}

wp_os_err_t wp_p1_args_sizes_get(p1_call_t *c, const wasmplug_val_raw_t *a) {
  return list_sizes(c, c->ctx->args, c->ctx->nargs, p1_u32(a, 0), p1_u32(a, 1));
}

wp_os_err_t wp_p1_args_get(p1_call_t *c, const wasmplug_val_raw_t *a) {
  return list_get(c, c->ctx->args, c->ctx->nargs, p1_u32(a, 0), p1_u32(a, 1));
}

wp_os_err_t wp_p1_environ_sizes_get(p1_call_t *c,
                                    const wasmplug_val_raw_t *a) {
  return list_sizes(c, c->ctx->env, c->ctx->nenv, p1_u32(a, 0), p1_u32(a, 1));
}

wp_os_err_t wp_p1_environ_get(p1_call_t *c, const wasmplug_val_raw_t *a) {
  return list_get(c, c->ctx->env, c->ctx->nenv, p1_u32(a, 0), p1_u32(a, 1));
}
