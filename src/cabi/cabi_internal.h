/*
 * cabi_internal.h -- helpers shared by the files of src/cabi/ only.
 * Not a public header: other layers include cabi.h.
 */
#ifndef WASMPLUG_CABI_INTERNAL_H
#define WASMPLUG_CABI_INTERNAL_H

#include "cabi/cabi.h"

#include <stdarg.h>
#include <string.h>

/* Shorthands for the error constructors. */
#define TRAP(...) wp_cabi_error_new(WP_CABI_TRAP, __VA_ARGS__)
#define INVALID(...) wp_cabi_error_new(WP_CABI_INVALID, __VA_ARGS__)

/* Upper bound on a string's byte length in guest memory (CanonicalABI.md:
 * MAX_STRING_BYTE_LENGTH). */
#define WP_CABI_MAX_STRING_BYTES ((1u << 28) - 1)
#define WP_CABI_UTF16_TAG 0x80000000u

struct wasmplug_cresource {
  char *name;
  const wp_cabi_handles_t *impl;
  wp_cabi_dtor_fn dtor;
  void *dtor_ctx;
};

static inline uint64_t wp_align_up(uint64_t x, uint64_t a) { return wp_layout_align_up(x, a); }

static inline uint32_t rd_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t rd_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t rd_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void wr_u16(uint8_t *p, uint32_t v) { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); }
static inline void wr_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void wr_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static inline uint32_t rd_disc(const uint8_t *p, uint32_t size) {
  return size == 1 ? p[0] : size == 2 ? rd_u16(p) : rd_u32(p);
}
static inline void wr_disc(uint8_t *p, uint32_t size, uint32_t v) {
  if (size == 1) p[0] = (uint8_t)v;
  else if (size == 2) wr_u16(p, v);
  else wr_u32(p, v);
}

/* The bits a flags value of t may have set (all 32 for 32 or more flags):
** lifting and lowering clear the others. */
static inline uint32_t flags_mask(const wp_cabi_type_t *t) {
  return t->nfields < 32 ? (1u << t->nfields) - 1 : ~0u;
}

/* The head of a compiled plan (native.c), which the types that own the
** type free with themselves (a plan that lost the race to be a type's is
** freed by the thread that built it: nobody else saw it). */
typedef struct wp_cabi_plan_link {
  struct wp_cabi_plan_link *next;
} wp_cabi_plan_link_t;
void wp_cabi_types_keep_plan(wp_cabi_types_t *t, wp_cabi_plan_link_t *p);

/* The error for a realloc answer p that is misaligned or out of bounds
** (wp_cabi_opts_realloc's messages). */
wp_cabi_error_t *wp_cabi_realloc_refused(const wp_cabi_cx_t *cx, const char *what, uint32_t align, uint32_t size,
                                         uint32_t p);
/* wp_cabi_opts_realloc(cx, what, 0, 0, align, size, out), inline (a
** string or list lowered makes one per value): the guest's realloc, the
** memory view refreshed (even when it failed: memory may have grown), its
** answer checked -- the same checks, messages and order. */
static inline wp_cabi_error_t *wp_cabi_realloc_new(wp_cabi_cx_t *cx, const char *what, uint32_t align,
                                                   uint32_t size, uint32_t *out) {
  const wp_cabi_opts_t *g = cx->guest;
  if (!g || !g->realloc) return wp_cabi_opts_realloc(cx, what, 0, 0, align, size, out); /* its message */
  uint32_t p = 0;
  wp_cabi_error_t *e = g->realloc(g->ctx, 0, 0, align, size, &p);
  cx->mem.base = NULL; /* wp_cabi_cx_refresh */
  cx->mem.size = 0;
  if (g->memory) g->memory(g->ctx, &cx->mem);
  if (!cx->mem.base) cx->mem.size = 0;
  if (e) return e;
  if (__builtin_expect((align > 1 && (p & (align - 1))) || (uint64_t)p + size > cx->mem.size, 0))
    return wp_cabi_realloc_refused(cx, what, align, size, p);
  *out = p;
  return NULL;
}

/* Charges n bytes of host allocation to the call's budget. */
wp_cabi_error_t *wp_cabi_charge(wp_cabi_cx_t *cx, size_t n);
/* malloc + charge; NULL with *err set on failure. */
void *wp_cabi_host_alloc(wp_cabi_cx_t *cx, size_t n, wp_cabi_error_t **err);
wp_cabi_error_t *wp_cabi_error_oom(void);
/* Records a lend of guest handle `handle` for this call. */
wp_cabi_error_t *wp_cabi_cx_add_lend(wp_cabi_cx_t *cx, uint32_t handle);

/* Guest string -> UTF-8, validated.  Copies the guest bytes first, then
 * validates the copy.  Result charged to the budget: in the arena if
 * `arena` else malloc'ed (*out_ptr, *out_len, NUL-terminated). */
wp_cabi_error_t *wp_cabi_lift_string(wp_cabi_cx_t *cx, uint32_t ptr, uint32_t tagged_len, bool arena,
                                     char **out_ptr, size_t *out_len);
/* UTF-8 -> guest string in the guest's encoding via realloc.  `trusted`
 * skips UTF-8 validation when no transcoding is needed. */
wp_cabi_error_t *wp_cabi_lower_string(wp_cabi_cx_t *cx, const uint8_t *s, size_t n, bool trusted, uint32_t *out_ptr,
                                      uint32_t *out_len);

/* Decodes one UTF-8 scalar at s[*i..n) (valid input assumed checked). */
/* Offset of the first invalid UTF-8 byte of s[0..n) (n if valid). */
size_t wp_cabi_utf8_error_at(const uint8_t *s, size_t n);
uint32_t wp_cabi_utf8_next(const uint8_t *s, size_t n, size_t *i);
/* Encodes c as UTF-8 into out (>= 4 bytes); returns the byte count. */
size_t wp_cabi_utf8_put(uint8_t *out, uint32_t c);

/* Float NaN canonicalisation (lift side). */
/* On the bits: a NaN (exponent all ones, mantissa not zero, either sign)
** becomes the canonical one.  Integer compares: a float copied from guest
** memory to a native value never goes through a float register (the move
** there and the ucomisd were a tenth of the record-8 bench's load steps). */
static inline uint32_t wp_cabi_canon_f32_bits(uint32_t b) {
  return (b & 0x7fffffffu) > 0x7f800000u ? 0x7fc00000u : b;
}
static inline uint64_t wp_cabi_canon_f64_bits(uint64_t b) {
  return (b & 0x7fffffffffffffffull) > 0x7ff0000000000000ull ? 0x7ff8000000000000ull : b;
}
static inline float wp_cabi_canon_f32(float f) {
  uint32_t b;
  memcpy(&b, &f, 4);
  b = wp_cabi_canon_f32_bits(b);
  memcpy(&f, &b, 4);
  return f;
}
static inline double wp_cabi_canon_f64(double f) {
  uint64_t b;
  memcpy(&b, &f, 8);
  b = wp_cabi_canon_f64_bits(b);
  memcpy(&f, &b, 8);
  return f;
}

/* Checks that a char value is a Unicode scalar value. */
static inline bool wp_cabi_char_ok(uint32_t c) { return c < 0xD800 || (c >= 0xE000 && c < 0x110000); }

/* Flat value coercion for variant payloads (CanonicalABI.md lift_flat_variant). */
wp_cabi_flat_t wp_cabi_flat_coerce_in(wp_cabi_flat_t v, wp_cabi_core_t have, wp_cabi_core_t want);
wp_cabi_flat_t wp_cabi_flat_coerce_out(wp_cabi_flat_t v, wp_cabi_core_t have, wp_cabi_core_t want);

/* The layout of a function's params as a tuple, for one side. */
void wp_cabi_params_layout(const wp_cabi_func_t *f, bool native, uint32_t *size, uint32_t *align,
                           uint32_t *offsets);

#endif
