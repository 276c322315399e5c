/*
** p2_random.c — wasi:random (random, insecure, insecure-seed).  All three
** draw from the OS's secure generator: "insecure" only permits weaker
** randomness, it does not ask for it.
*/
#include "p2.h"

/* Larger requests trap instead of exhausting the call's memory budget. */
#define WP2_RANDOM_MAX (1u << 20)

static int bytes(wp2_ctx_t *cx, uint64_t len, wp2_list_u8_t *ret) {
  if (len > WP2_RANDOM_MAX) return wp2_trap(cx, "wasi:random: %llu bytes requested (at most %u per call)",
                                            (unsigned long long)len, WP2_RANDOM_MAX);
  ret->ptr = wp2_alloc(cx, len, 1);
  if (!ret->ptr) return wp2_trap(cx, "out of memory");
  wp_os_err_t e = wp_os_random(ret->ptr, len);
  if (e) return wp2_trap(cx, "wasi:random: %s", wp_os_err_name(e));
  ret->len = len;
  return 0;
}

static int u64(wp2_ctx_t *cx, uint64_t *ret) {
  wp_os_err_t e = wp_os_random(ret, sizeof *ret);
  if (e) return wp2_trap(cx, "wasi:random: %s", wp_os_err_name(e));
  return 0;
}

int wasi_random_random_get_random_bytes(wp2_ctx_t *cx, uint64_t len, wp2_list_u8_t *ret) { return bytes(cx, len, ret); }
int wasi_random_random_get_random_u64(wp2_ctx_t *cx, uint64_t *ret) { return u64(cx, ret); }
int wasi_random_insecure_get_insecure_random_bytes(wp2_ctx_t *cx, uint64_t len, wp2_list_u8_t *ret) {
  return bytes(cx, len, ret);
}
int wasi_random_insecure_get_insecure_random_u64(wp2_ctx_t *cx, uint64_t *ret) { return u64(cx, ret); }
int wasi_random_insecure_seed_insecure_seed(wp2_ctx_t *cx, wp2_tuple2_u64_u64_t *ret) {
  int rc = u64(cx, &ret->f0);
  return rc ? rc : u64(cx, &ret->f1);
}
