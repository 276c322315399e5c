/*
 * differential.h -- what the differential tests (test_fuse.c, test_plan.c)
 * share: one xorshift generator, one type generator whose shape each test
 * sets (how deep, how wide, how often a record, how long a fixed list),
 * values of any type (strings in valid UTF-8 of 1 to 4 bytes per
 * character), a copy of a fake guest, and the comparison of two paths'
 * errors.
 */
#ifndef CABI_TEST_DIFFERENTIAL_H
#define CABI_TEST_DIFFERENTIAL_H

#include <math.h>

#include "harness.h"

static wp_cabi_types_t *T; /* the tests' type arena */
static uint64_t rng;      /* seeded by each test's main */

static uint32_t rnd(uint32_t n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return n ? (uint32_t)(rng % n) : 0;
}

static const char *const labels[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};

/* What rtype makes. */
typedef struct rshape {
  int max_depth;          /* below it, primitives only */
  uint32_t record_weight; /* records/tuples: this many parts in (8 + it) of the aggregates */
  uint32_t top_fields;    /* at most this many fields/cases at depth 0 (<= 10) */
  uint32_t fields;        /* ... and below it (<= 10) */
  uint32_t long_fixed;    /* a fixed list is, one time in four, up to this long (0: never) */
} rshape_t;

static rshape_t shape;

static const wp_cabi_type_t *rtype(int depth) {
  static const wp_cabi_kind_t prims[] = {WP_CABI_BOOL, WP_CABI_S8,  WP_CABI_U8,  WP_CABI_S16, WP_CABI_U16,
                                         WP_CABI_S32,  WP_CABI_U32, WP_CABI_S64, WP_CABI_U64, WP_CABI_F32,
                                         WP_CABI_F64,  WP_CABI_CHAR, WP_CABI_STRING};
  uint32_t w = shape.record_weight, k = depth > shape.max_depth ? 0 : rnd(9 + w);
  if (k < 4) return wp_cabi_type_prim(T, prims[rnd(13)]);
  uint32_t n = 1 + rnd(depth ? shape.fields : shape.top_fields);
  const wp_cabi_type_t *ts[10];
  k -= 4; /* 0: list, 1..w: record or tuple, then variant, enum/flags, option/result, fixed list */
  if (k == 0) return wp_cabi_type_list(T, rtype(depth + 1));
  if (k <= w) {
    for (uint32_t i = 0; i < n; i++) ts[i] = rtype(depth + 1);
    return rnd(2) ? wp_cabi_type_record(T, n, labels, ts) : wp_cabi_type_tuple(T, n, ts);
  }
  switch (k - w) {
  case 1:
    for (uint32_t i = 0; i < n; i++) ts[i] = rnd(3) ? rtype(depth + 1) : NULL;
    return wp_cabi_type_variant(T, n, labels, ts);
  case 2: return rnd(2) ? wp_cabi_type_enum(T, n, labels) : wp_cabi_type_flags(T, n, labels);
  case 3:
    return rnd(2) ? wp_cabi_type_option(T, rtype(depth + 1))
                  : wp_cabi_type_result(T, rnd(3) ? rtype(depth + 1) : NULL, rnd(3) ? rtype(depth + 1) : NULL);
  default: {
    uint32_t len = 1 + (shape.long_fixed && !rnd(4) ? rnd(shape.long_fixed) : rnd(3));
    return wp_cabi_type_fixed_list(T, rtype(depth + 1), len);
  }
  }
}

static void rval(const wp_cabi_type_t *ty, wp_cabi_val_t *v) {
  memset(v, 0, sizeof *v);
  v->kind = ty->kind;
  switch (ty->kind) {
  case WP_CABI_BOOL: v->of.b = rnd(2); break;
  case WP_CABI_S8: case WP_CABI_U8: v->of.u8 = (uint8_t)rnd(256); break;
  case WP_CABI_S16: case WP_CABI_U16: v->of.u16 = (uint16_t)rnd(65536); break;
  case WP_CABI_S32: case WP_CABI_U32: v->of.u32 = rnd(0) ^ (uint32_t)rng; break;
  case WP_CABI_S64: case WP_CABI_U64: rnd(0); v->of.u64 = rng; break;
  case WP_CABI_F32: v->of.f32 = rnd(4) ? (float)rnd(1000) / 7.0f : NAN; break;
  case WP_CABI_F64: v->of.f64 = rnd(4) ? (double)rnd(100000) / 3.0 : -NAN; break;
  case WP_CABI_CHAR: v->of.ch = rnd(3) ? 'a' + rnd(26) : rnd(2) ? 0x20AC : 0x1F600; break;
  case WP_CABI_STRING: {
    static const char *const words[] = {"x", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "lorem "};
    size_t n = rnd(5), len = 0;
    char *s = malloc(64);
    for (size_t i = 0; i < n; i++) {
      const char *w = words[rnd(5)];
      memcpy(s + len, w, strlen(w));
      len += strlen(w);
    }
    s[len] = 0;
    v->of.str.ptr = s;
    v->of.str.len = len;
    break;
  }
  case WP_CABI_LIST: case WP_CABI_RECORD: case WP_CABI_TUPLE: case WP_CABI_FIXED_LIST: {
    size_t n = ty->kind == WP_CABI_LIST ? rnd(4) : ty->kind == WP_CABI_FIXED_LIST ? ty->length : ty->nfields;
    v->of.list.items = calloc(n ? n : 1, sizeof *v->of.list.items);
    v->of.list.len = n;
    for (size_t i = 0; i < n; i++)
      rval(ty->kind == WP_CABI_LIST || ty->kind == WP_CABI_FIXED_LIST ? ty->elem : ty->fields[i].type,
           &v->of.list.items[i]);
    break;
  }
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    v->of.var.disc = rnd(wp_cabi_type_ncases(ty));
    const wp_cabi_type_t *c = wp_cabi_type_case(ty, v->of.var.disc);
    if (c) {
      v->of.var.payload = malloc(sizeof *v->of.var.payload);
      rval(c, v->of.var.payload);
    }
    break;
  }
  case WP_CABI_FLAGS: v->of.flags = rnd(0) & (ty->nfields < 32 ? (1u << ty->nfields) - 1 : ~0u); break;
  default: break;
  }
}

/* A copy of src's memory and state, with no handles. */
static void clone_guest(tguest_t *dst, const tguest_t *src) {
  *dst = *src;
  dst->mem = malloc(src->size);
  memcpy(dst->mem, src->mem, src->size);
  dst->g.ctx = dst;
  dst->handles = NULL;
  dst->g.handles = NULL;
}

static const char *msg(wp_cabi_error_t *e) { return e ? wp_cabi_error_message(e) : ""; }

/* The same outcome of the two paths (named `one` and `two` in the
** message): both fine, or the same message.  True when both are fine. */
static bool same_error(wp_cabi_error_t *a, wp_cabi_error_t *b, const char *step, const char *one, const char *two) {
  checks++;
  if (!a != !b || (a && strcmp(msg(a), msg(b)))) {
    failures++;
    fprintf(stderr, "%s: %s \"%s\", %s \"%s\"\n", step, one, msg(a), two, msg(b));
  }
  return !a && !b;
}

#endif
