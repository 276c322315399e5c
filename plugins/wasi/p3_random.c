/*
** p3_random.c — wasi:random@0.3 (random, insecure, insecure-seed).  All
** three draw from the OS's secure generator: "insecure" only permits
** weaker randomness, it does not ask for it.
*/
#include "p3.h"

/* 0.3 asks for at most `max-len` bytes: a larger request gets this many
** (the call's memory budget is not the guest's to exhaust). */
#define WP3_RANDOM_MAX (1u << 20)

static int bytes(wp3_ctx_t *cx, uint64_t max_len, wp3_list_u8_t *ret) {
  size_t len = max_len > WP3_RANDOM_MAX ? WP3_RANDOM_MAX : (size_t)max_len;
  ret->ptr = wp3_alloc(cx, len ? len : 1, 1);
  if (!ret->ptr) return wp3_trap(cx, "out of memory");
  wp_os_err_t e = wp_os_random(ret->ptr, len);
  if (e) return wp3_trap(cx, "wasi:random: %s", wp_os_err_name(e));
  ret->len = len;
  return 0;
}

static int u64(wp3_ctx_t *cx, uint64_t *ret) {
  wp_os_err_t e = wp_os_random(ret, sizeof *ret);
  if (e) return wp3_trap(cx, "wasi:random: %s", wp_os_err_name(e));
  return 0;
}

int wasi_random_random_get_random_bytes(wp3_ctx_t *cx, uint64_t max_len, wp3_list_u8_t *ret) {
  return bytes(cx, max_len, ret);
}
int wasi_random_random_get_random_u64(wp3_ctx_t *cx, uint64_t *ret) { return u64(cx, ret); }
int wasi_random_insecure_get_insecure_random_bytes(wp3_ctx_t *cx, uint64_t max_len, wp3_list_u8_t *ret) {
  return bytes(cx, max_len, ret);
}
int wasi_random_insecure_get_insecure_random_u64(wp3_ctx_t *cx, uint64_t *ret) { return u64(cx, ret); }
/* The seed is for a language's hash-map DoS protection, read once at start:
** every call of one instance returns the same value (as Wasmtime does). */
int wasi_random_insecure_seed_get_insecure_seed(wp3_ctx_t *cx, wp3_tuple2_u64_u64_t *ret) {
  wp3_inst_t *in = wp3_inst(cx);
  if (!in->seeded) {
    int rc = u64(cx, &in->seed[0]);
    if (rc || (rc = u64(cx, &in->seed[1]))) return rc;
    in->seeded = true;
  }
  ret->f0 = in->seed[0];
  ret->f1 = in->seed[1];
  return 0;
}
