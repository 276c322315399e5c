/*
 * fuzz_types.h -- a byte-coded type grammar shared by the cabi fuzz
 * targets: every byte string decodes to some type (depth <= 6) over every
 * type constructor.
 */
#ifndef FUZZ_CABI_TYPES_H
#define FUZZ_CABI_TYPES_H

#include "cabi/cabi.h"

#include <stdio.h>

typedef struct {
  const uint8_t *p;
  size_t n, i;
} rd_t;

static inline uint8_t byte(rd_t *r) { return r->i < r->n ? r->p[r->i++] : 0; }
static inline uint32_t u32(rd_t *r) {
  uint32_t v = 0;
  for (int k = 0; k < 4; k++) v |= (uint32_t)byte(r) << (8 * k);
  return v;
}

static const char *const LABELS[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p",
                                     "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "aa", "bb", "cc", "dd", "ee", "ff"};
static char big_names[300][8];
static const char *big[300];

typedef struct {
  wp_cabi_types_t *T;
  const wp_cabi_resource_t *res[2];
  bool has_resource;
} ctx_t;

static const wp_cabi_type_t *build(ctx_t *c, rd_t *r, int depth) {
  uint8_t op = byte(r) % (depth >= 6 ? 13 : 24);
  const wp_cabi_type_t *ts[4];
  if (op < 13) return wp_cabi_type_prim(c->T, (wp_cabi_kind_t)(WP_CABI_BOOL + op));
  switch (op) {
  case 13: return wp_cabi_type_list(c->T, build(c, r, depth + 1));
  case 14: case 15: {
    size_t n = 1 + byte(r) % 4;
    for (size_t i = 0; i < n; i++) ts[i] = build(c, r, depth + 1);
    return op == 14 ? wp_cabi_type_record(c->T, n, LABELS, ts) : wp_cabi_type_tuple(c->T, n, ts);
  }
  case 16: {
    size_t n = 1 + byte(r) % 4;
    for (size_t i = 0; i < n; i++) ts[i] = (byte(r) & 1) ? build(c, r, depth + 1) : NULL;
    return wp_cabi_type_variant(c->T, n, LABELS, ts);
  }
  case 17: {
    uint8_t b = byte(r);
    return wp_cabi_type_enum(c->T, b == 255 ? 300 : 1 + b % 8, b == 255 ? big : LABELS);
  }
  case 18: return wp_cabi_type_option(c->T, build(c, r, depth + 1));
  case 19: {
    uint8_t b = byte(r);
    const wp_cabi_type_t *ok = (b & 1) ? build(c, r, depth + 1) : NULL;
    const wp_cabi_type_t *err = (b & 2) ? build(c, r, depth + 1) : NULL;
    return wp_cabi_type_result(c->T, ok, err);
  }
  case 20: return wp_cabi_type_flags(c->T, 1 + byte(r) % 32, LABELS);
  case 21: c->has_resource = true; return wp_cabi_type_own(c->T, c->res[byte(r) & 1]);
  case 22: c->has_resource = true; return wp_cabi_type_borrow(c->T, c->res[byte(r) & 1]);
  default: return wp_cabi_type_list(c->T, wp_cabi_type_prim(c->T, WP_CABI_STRING));
  }
}

static inline void fuzz_init_names(void) {
  if (!big[0])
    for (int i = 0; i < 300; i++) {
      snprintf(big_names[i], sizeof big_names[i], "c%d", i);
      big[i] = big_names[i];
    }
}

#endif
