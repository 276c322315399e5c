/*
 * harness.h -- tiny test framework and a fake guest for the cabi tests:
 * guest memory is a malloc'ed buffer, cabi_realloc a bump allocator with
 * hostile modes (misaligned / out-of-bounds answers, failure, and moving
 * memory on every call to catch stale base pointers under ASan).
 */
#ifndef CABI_TEST_HARNESS_H
#define CABI_TEST_HARNESS_H

#include "cabi/cabi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../check.h"

#define CHECK_EQ(a, b)                                                                        \
  do {                                                                                        \
    checks++;                                                                                 \
    long long _a = (long long)(a), _b = (long long)(b);                                       \
    if (_a != _b) {                                                                           \
      failures++;                                                                             \
      fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a, _a, \
              #b, _b);                                                                        \
    }                                                                                         \
  } while (0)

/* Asserts e is NULL (prints its message otherwise) and frees it. */
#define OK(expr)                                                                                    \
  do {                                                                                              \
    wp_cabi_error_t *_e = (expr);                                                                   \
    checks++;                                                                                       \
    if (_e) {                                                                                       \
      failures++;                                                                                   \
      fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr, wp_cabi_error_message(_e)); \
      wp_cabi_error_delete(_e);                                                                     \
    }                                                                                               \
  } while (0)

/* Asserts e is an error whose message contains `want`, and frees it. */
#define FAILS(expr, want)                                                                          \
  do {                                                                                             \
    wp_cabi_error_t *_e = (expr);                                                                  \
    checks++;                                                                                      \
    if (!_e) {                                                                                     \
      failures++;                                                                                  \
      fprintf(stderr, "%s:%d: %s succeeded, expected error containing \"%s\"\n", __FILE__,         \
              __LINE__, #expr, want);                                                              \
    } else {                                                                                       \
      if (!strstr(wp_cabi_error_message(_e), want)) {                                              \
        failures++;                                                                                \
        fprintf(stderr, "%s:%d: error \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__,       \
                wp_cabi_error_message(_e), want);                                                  \
      }                                                                                            \
      wp_cabi_error_delete(_e);                                                                    \
    }                                                                                              \
  } while (0)

static inline int t_done(const char *name) {
  printf("%s: %d checks, %d failures\n", name, checks, failures);
  return failures ? 1 : 0;
}

/* ---- fake guest ---- */

enum { G_NORMAL, G_MISALIGNED, G_OOB, G_FAIL, G_MOVE };

typedef struct tguest {
  uint8_t *mem;
  uint64_t size;
  uint32_t bump;
  int mode;
  int nrealloc, npost;
  wp_cabi_opts_t g;
  wp_cabi_handles_t *handles;
} tguest_t;

static inline void tg_memory(void *ctx, wp_cabi_memory_t *out) {
  tguest_t *t = ctx;
  out->base = t->mem;
  out->size = t->size;
}

static inline wp_cabi_error_t *tg_realloc(void *ctx, uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size,
                                   uint32_t *out) {
  tguest_t *t = ctx;
  t->nrealloc++;
  switch (t->mode) {
  case G_MISALIGNED: *out = ((t->bump + align - 1) & ~(align - 1)) + 1; return NULL;
  case G_OOB: *out = (uint32_t)t->size - 4; return NULL;
  case G_FAIL: return wp_cabi_error_new(WP_CABI_TRAP, "guest realloc trapped: unreachable");
  case G_MOVE: {
    /* Grow (move) memory on every call: stale base pointers become
     * use-after-free under ASan. */
    uint8_t *n = malloc(t->size + 65536);
    memcpy(n, t->mem, t->size);
    memset(n + t->size, 0, 65536);
    free(t->mem);
    t->mem = n;
    t->size += 65536;
    break;
  }
  default: break;
  }
  if (old_ptr && new_size <= old_size) {
    *out = old_ptr;
    return NULL;
  }
  uint64_t p = ((uint64_t)t->bump + align - 1) & ~((uint64_t)align - 1);
  if (p + new_size > t->size) return wp_cabi_error_new(WP_CABI_TRAP, "guest out of memory");
  if (old_ptr) memmove(t->mem + p, t->mem + old_ptr, old_size);
  t->bump = (uint32_t)(p + new_size);
  *out = (uint32_t)p;
  return NULL;
}

static inline wp_cabi_error_t *tg_post(void *ctx, const wp_cabi_flat_t *r, size_t n) {
  (void)r;
  (void)n;
  ((tguest_t *)ctx)->npost++;
  return NULL;
}

static inline void tg_init(tguest_t *t, uint64_t size) {
  memset(t, 0, sizeof *t);
  t->mem = calloc(1, size);
  t->size = size;
  t->bump = 1024; /* low addresses are for the tests' fixed data */
  t->handles = wp_cabi_handles_new();
  t->g.ctx = t;
  t->g.memory = tg_memory;
  t->g.realloc = tg_realloc;
  t->g.post_return = tg_post;
  t->g.encoding = WP_CABI_UTF8;
  t->g.handles = t->handles;
}

static inline void tg_free(tguest_t *t) {
  wp_cabi_handles_delete(t->handles);
  free(t->mem);
}

#endif
