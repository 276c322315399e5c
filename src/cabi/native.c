/*
 * native.c -- guest layout <-> native C layout, without a value tree.
 *
 * Lifting writes C structs (layout rules in cabi.h) whose strings and lists
 * point into the call's arena; lowering reads C structs written by trusted
 * plugin code and allocates in the guest through its realloc.  Types whose
 * two layouts are byte-identical ("plain": integers and records of them)
 * are copied with memcpy, which is what makes list<u8> and friends cheap.
 */
#include "cabi/cabi_internal.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
  const uint8_t *ptr;
  size_t len;
} nslice_t; /* the native {ptr, len} of strings and lists */

static void *arena_get(wp_cabi_cx_t *cx, size_t size, size_t align, const char *what, wp_cabi_error_t **e) {
  void *p = cx->arena ? wp_cabi_arena_alloc(cx->arena, size, align) : NULL;
  if (!p)
    *e = cx->arena ? wp_cabi_error_new(WP_CABI_LIMIT, "host allocation budget exceeded lifting a %s of %zu bytes",
                                       what, size)
                   : INVALID("lifting to the native layout needs an arena");
  return p;
}

static wp_cabi_error_t *load_n(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, uint32_t ptr, uint8_t *dst);

/* memcpy(d, s, n) for n <= 32 without a call: two copies of the largest
** power of two <= n that may overlap (each byte of d is written from the
** same byte of s; what is validated afterwards is d). */
static inline void copy_upto32(uint8_t *d, const uint8_t *s, size_t n) {
  if (n >= 16) {
    uint8_t a[16], b[16];
    memcpy(a, s, 16);
    memcpy(b, s + n - 16, 16);
    memcpy(d, a, 16);
    memcpy(d + n - 16, b, 16);
  } else if (n >= 8) {
    uint64_t a, b;
    memcpy(&a, s, 8);
    memcpy(&b, s + n - 8, 8);
    memcpy(d, &a, 8);
    memcpy(d + n - 8, &b, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    memcpy(&a, s, 4);
    memcpy(&b, s + n - 4, 4);
    memcpy(d, &a, 4);
    memcpy(d + n - 4, &b, 4);
  } else if (n) {
    uint8_t a = s[0], b = s[n / 2], c = s[n - 1];
    d[0] = a;
    d[n / 2] = b;
    d[n - 1] = c;
  }
}

/* copy_upto32 for 8 <= n <= 32, returning where the copy's first byte with
** its high bit set is (n when it is all ASCII): the bytes are checked in
** the words that were stored, so what the validator is then given (the
** copy from that byte on) and what was found ASCII are the same bytes.
** A UTF-8 sequence never starts in an ASCII byte, so the copy is valid
** exactly when its part from the first high byte is. */
static inline size_t copy_upto32_ascii(uint8_t *d, const uint8_t *s, size_t n) {
  const uint64_t H = 0x8080808080808080ull;
  uint64_t w0, w1, w2, w3;
  if (n >= 16) {
    memcpy(&w0, s, 8);
    memcpy(&w1, s + 8, 8);
    memcpy(&w2, s + n - 16, 8);
    memcpy(&w3, s + n - 8, 8);
    memcpy(d, &w0, 8);
    memcpy(d + 8, &w1, 8);
    memcpy(d + n - 16, &w2, 8);
    memcpy(d + n - 8, &w3, 8);
    if (__builtin_expect(!((w0 | w1 | w2 | w3) & H), 1)) return n;
    if (w0 & H) return (size_t)__builtin_ctzll(w0 & H) >> 3;
    if (w1 & H) return 8 + ((size_t)__builtin_ctzll(w1 & H) >> 3);
    if (w2 & H) return n - 16 + ((size_t)__builtin_ctzll(w2 & H) >> 3);
    return n - 8 + ((size_t)__builtin_ctzll(w3 & H) >> 3);
  }
  memcpy(&w0, s, 8);
  memcpy(&w1, s + n - 8, 8);
  memcpy(d, &w0, 8);
  memcpy(d + n - 8, &w1, 8);
  if (__builtin_expect(!((w0 | w1) & H), 1)) return n;
  if (w0 & H) return (size_t)__builtin_ctzll(w0 & H) >> 3;
  return n - 8 + ((size_t)__builtin_ctzll(w1 & H) >> 3);
}

/* The copy of a guest string of n <= 32 bytes, validated: ASCII found in
** the copied words, the validator only from the first byte that is not. */
static inline bool copy_upto32_valid(uint8_t *d, const uint8_t *s, size_t n) {
  if (n < 8) {
    copy_upto32(d, s, n);
    return wp_cabi_utf8_valid(d, n);
  }
  size_t k = copy_upto32_ascii(d, s, n);
  return k == n || wp_cabi_utf8_valid(d + k, n - k);
}

/* A stream/future end or error context moves between the guest's table and
** the native side's (cx->native_handles): taken from one, put in the other,
** and the handle in the destination's table is the value. */
static wp_cabi_error_t *async_to_table(wp_cabi_handles_t *from, wp_cabi_handles_t *to, bool to_host,
                                       const wp_cabi_type_t *ty, uint32_t handle, void *dst) {
  if (!from || !to) return INVALID("a %s cannot cross to or from the native layout without a handle table",
                                   ty->kind == WP_CABI_ERROR_CONTEXT ? "error-context" : "stream or future");
  void *obj = NULL;
  wp_cabi_error_t *e = wp_cabi_async_take(from, ty, handle, &obj);
  if (e) return e;
  uint32_t h = 0;
  e = wp_cabi_async_put(to, to_host, ty, obj, &h);
  wp_cabi_async_drop(ty->kind, obj);
  if (e) return e;
  memcpy(dst, &h, 4);
  return NULL;
}

static wp_cabi_error_t *lift_list_n(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, uint32_t lp, uint32_t ll,
                                    uint8_t *dst) {
  const wp_cabi_type_t *el = ty->elem;
  uint32_t gs = el->guest.size, ns = el->native.size;
  uint64_t bytes = (uint64_t)ll * gs;
  if (bytes > UINT32_MAX) return TRAP("list length %u * element size %u overflows 32 bits", ll, gs);
  wp_cabi_error_t *e = wp_cabi_check_range(cx, "list", lp, bytes, el->guest.align);
  if (e) return e;
  size_t nbytes = (size_t)ll * ns;
  uint8_t *buf = arena_get(cx, nbytes ? nbytes : 1, el->native.align, "list", &e);
  if (!buf) return e;
  if (el->plain) {
    memcpy(buf, cx->mem.base + lp, bytes);
  } else {
    for (uint32_t i = 0; i < ll; i++)
      if ((e = load_n(cx, el, lp + i * gs, buf + (size_t)i * ns))) return e;
  }
  nslice_t s = {buf, ll};
  memcpy(dst, &s, sizeof s);
  return NULL;
}

/* lift_string_n's rare ends, out of line so that its fast path keeps
** little live across the copy: a string the inline path does not take
** (transcoding, no arena, a bound or budget error: wp_cabi_lift_string's
** checks and messages), and bad UTF-8 in the copy. */
static __attribute__((noinline)) wp_cabi_error_t *lift_string_general(wp_cabi_cx_t *cx, uint32_t sp, uint32_t sl,
                                                                     uint8_t *dst) {
  char *p;
  size_t n;
  wp_cabi_error_t *e = wp_cabi_lift_string(cx, sp, sl, true, &p, &n);
  if (e) return e;
  nslice_t s = {(const uint8_t *)p, n};
  memcpy(dst, &s, sizeof s);
  return NULL;
}

static __attribute__((noinline, cold)) wp_cabi_error_t *lift_string_bad(uint32_t sp, const char *d, uint32_t sl) {
  return TRAP("invalid UTF-8 in string at 0x%x (byte %zu of %llu)", sp, wp_cabi_utf8_error_at((const uint8_t *)d, sl),
              (unsigned long long)sl);
}

static inline __attribute__((always_inline)) wp_cabi_error_t *lift_string_n(wp_cabi_cx_t *cx, uint32_t sp,
                                                                           uint32_t sl, uint8_t *dst) {
  /* UTF-8 into the arena, inline: wp_cabi_lift_string's checks and
  ** messages in its order; anything else (transcoding, an error other
  ** than bad UTF-8) is left to it */
  if ((!cx->guest || cx->guest->encoding == WP_CABI_UTF8) && cx->arena && sl <= WP_CABI_MAX_STRING_BYTES &&
      (uint64_t)sp + sl <= cx->mem.size) {
    char *d = wp_cabi_arena_alloc(cx->arena, (size_t)sl + 1, 1);
    if (d) {
      d[sl] = 0;
      /* validates the copy (a short one made inline: ASCII found in its
      ** words, the validator only from the first byte that is not) */
      if (!(sl <= 32 ? copy_upto32_valid((uint8_t *)d, cx->mem.base + sp, sl)
                     : wp_cabi_utf8_copy_valid((uint8_t *)d, cx->mem.base + sp, sl)))
        return lift_string_bad(sp, d, sl);
      nslice_t s = {(const uint8_t *)d, sl};
      memcpy(dst, &s, sizeof s);
      return NULL;
    }
  }
  return lift_string_general(cx, sp, sl, dst);
}

static wp_cabi_error_t *disc_trap(const wp_cabi_type_t *ty, uint32_t d, const char *where) {
  const char *k = ty->kind == WP_CABI_VARIANT ? "variant" : ty->kind == WP_CABI_ENUM ? "enum"
                : ty->kind == WP_CABI_OPTION ? "option" : "result";
  return TRAP("invalid %s discriminant %u (%u cases) %s", k, d, wp_cabi_type_ncases(ty), where);
}

/* Compiled plans (below): a record's, tuple's or fixed list's lift and
** lower as one flat list of steps; NULL when the type has none. */
typedef struct plan plan_t;
static inline const plan_t *plan_of(const wp_cabi_cx_t *cx, const wp_cabi_type_t *ty);
static wp_cabi_error_t *run_load(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const plan_t *pl, uint32_t ptr,
                                 uint8_t *dst);
static wp_cabi_error_t *run_store(wp_cabi_cx_t *cx, const plan_t *pl, const uint8_t *src, uint32_t ptr);
static const plan_t *flat_plan_of(const wp_cabi_cx_t *cx, const wp_cabi_type_t *ty);
static wp_cabi_error_t *run_lift_flat(wp_cabi_cx_t *cx, const plan_t *pl, const wp_cabi_flat_t *v, size_t at,
                                      uint8_t *dst);
static wp_cabi_error_t *run_lower_flat(wp_cabi_cx_t *cx, const plan_t *pl, const uint8_t *src, wp_cabi_flat_t *out);

static wp_cabi_error_t *load_n(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, uint32_t ptr, uint8_t *dst) {
  const uint8_t *p = cx->mem.base + ptr;
  switch (ty->kind) {
  case WP_CABI_BOOL: dst[0] = p[0] != 0; return NULL;
  case WP_CABI_S8: case WP_CABI_U8: dst[0] = p[0]; return NULL;
  case WP_CABI_S16: case WP_CABI_U16: memcpy(dst, p, 2); return NULL;
  case WP_CABI_S32: case WP_CABI_U32: memcpy(dst, p, 4); return NULL;
  case WP_CABI_S64: case WP_CABI_U64: memcpy(dst, p, 8); return NULL;
  case WP_CABI_F32: wr_u32(dst, wp_cabi_canon_f32_bits(rd_u32(p))); return NULL;
  case WP_CABI_F64: wr_u64(dst, wp_cabi_canon_f64_bits(rd_u64(p))); return NULL;
  case WP_CABI_CHAR: {
    uint32_t c = rd_u32(p);
    if (!wp_cabi_char_ok(c)) return TRAP("invalid char 0x%x at 0x%x (out of range or surrogate)", c, ptr);
    memcpy(dst, &c, 4);
    return NULL;
  }
  case WP_CABI_STRING: return lift_string_n(cx, rd_u32(p), rd_u32(p + 4), dst);
  case WP_CABI_LIST: return lift_list_n(cx, ty, rd_u32(p), rd_u32(p + 4), dst);
  case WP_CABI_RECORD: case WP_CABI_TUPLE: {
    if (ty->plain) {
      memcpy(dst, p, ty->guest.size);
      return NULL;
    }
    const plan_t *pl = plan_of(cx, ty);
    if (pl) return run_load(cx, ty, pl, ptr, dst);
    memset(dst, 0, ty->native.size); /* padding: no stale arena bytes */
    for (uint32_t i = 0; i < ty->nfields; i++) {
      const wp_cabi_field_t *f = &ty->fields[i];
      if (f->type->plain) { /* integers: same bytes on both sides */
        memcpy(dst + f->native_offset, p + f->guest_offset, f->type->guest.size);
        continue;
      }
      wp_cabi_error_t *e = load_n(cx, f->type, ptr + f->guest_offset, dst + f->native_offset);
      if (e) return e;
    }
    return NULL;
  }
  case WP_CABI_FIXED_LIST: {
    const wp_cabi_type_t *el = ty->elem;
    if (ty->plain) {
      memcpy(dst, p, ty->guest.size);
      return NULL;
    }
    const plan_t *pl = plan_of(cx, ty);
    if (pl) return run_load(cx, ty, pl, ptr, dst);
    for (uint32_t i = 0; i < ty->length; i++) {
      wp_cabi_error_t *e = load_n(cx, el, ptr + i * el->guest.size, dst + (size_t)i * el->native.size);
      if (e) return e;
    }
    return NULL;
  }
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    uint32_t d = rd_disc(p, ty->disc_size);
    if (d >= wp_cabi_type_ncases(ty)) {
      char where[32];
      snprintf(where, sizeof where, "at 0x%x", ptr);
      return disc_trap(ty, d, where);
    }
    memset(dst, 0, ty->native.size);
    wr_disc(dst, ty->disc_size, d);
    const wp_cabi_type_t *c = wp_cabi_type_case(ty, d);
    return c ? load_n(cx, c, ptr + ty->guest_payload_offset, dst + ty->native_payload_offset) : NULL;
  }
  case WP_CABI_FLAGS: {
    uint32_t v = rd_disc(p, ty->guest.size);
    v &= flags_mask(ty);
    wr_disc(dst, ty->native.size, v);
    return NULL;
  }
  case WP_CABI_OWN: case WP_CABI_BORROW: {
    uint32_t rep = 0;
    wp_cabi_error_t *e = ty->kind == WP_CABI_OWN ? wp_cabi_lift_own(cx, ty->resource, rd_u32(p), &rep)
                                                 : wp_cabi_lift_borrow(cx, ty->resource, rd_u32(p), &rep);
    if (e) return e;
    memcpy(dst, &rep, 4);
    return NULL;
  }
  case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT:
    return async_to_table(cx->guest ? cx->guest->handles : NULL, cx->native_handles, true, ty, rd_u32(p), dst);
  }
  return INVALID("unknown type kind %d", (int)ty->kind);
}

/* [ptr, ptr+len) in the guest's memory and ptr aligned (else
** wp_cabi_check_range says why). */
static inline bool in_range(const wp_cabi_cx_t *cx, uint32_t ptr, uint32_t len, uint32_t align) {
  return !(ptr & (align - 1)) && ptr <= cx->mem.size && len <= cx->mem.size - ptr;
}

static __attribute__((noinline)) wp_cabi_error_t *load_native(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty,
                                                               uint32_t ptr, void *out) {
  if (!in_range(cx, ptr, ty->guest.size, ty->guest.align)) {
    wp_cabi_error_t *e = wp_cabi_check_range(cx, "value", ptr, ty->guest.size, ty->guest.align);
    if (e) return e;
  }
  const plan_t *pl = plan_of(cx, ty);
  return pl ? run_load(cx, ty, pl, ptr, out) : load_n(cx, ty, ptr, out);
}

/* --- native -> guest --- */

static wp_cabi_error_t *store_n(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const uint8_t *src, uint32_t ptr);

static wp_cabi_error_t *lower_list_n(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const uint8_t *src, uint32_t *lp,
                                     uint32_t *ll) {
  nslice_t s;
  memcpy(&s, src, sizeof s);
  const wp_cabi_type_t *el = ty->elem;
  uint32_t gs = el->guest.size, ns = el->native.size;
  if (s.len > UINT32_MAX || (uint64_t)s.len * gs > UINT32_MAX)
    return INVALID("list of %zu elements of %u bytes does not fit in 32-bit memory", s.len, gs);
  if (s.len && !s.ptr) return INVALID("native list has NULL pointer and length %zu", s.len);
  uint32_t bytes = (uint32_t)(s.len * gs), p = 0;
  wp_cabi_error_t *e = wp_cabi_realloc_new(cx, "list", el->guest.align, bytes, &p);
  if (e) return e;
  if (el->plain) {
    if (bytes) memcpy(cx->mem.base + p, s.ptr, bytes);
  } else {
    for (size_t i = 0; i < s.len; i++)
      if ((e = store_n(cx, el, s.ptr + i * ns, p + (uint32_t)i * gs))) return e;
  }
  *lp = p;
  *ll = (uint32_t)s.len;
  return NULL;
}

static inline __attribute__((always_inline)) wp_cabi_error_t *lower_string_n(wp_cabi_cx_t *cx, const uint8_t *src,
                                                                            uint32_t *sp, uint32_t *sl) {
  nslice_t s;
  memcpy(&s, src, sizeof s);
  if (s.len && !s.ptr) return INVALID("native string has NULL pointer and length %zu", s.len);
  if ((!cx->guest || cx->guest->encoding == WP_CABI_UTF8) && s.len <= WP_CABI_MAX_STRING_BYTES) {
    /* wp_cabi_lower_string's UTF-8 path (trusted: no validation), inline */
    uint32_t p = 0;
    wp_cabi_error_t *e = wp_cabi_realloc_new(cx, "string", 1, (uint32_t)s.len, &p);
    if (e) return e;
    if (s.len <= 32) copy_upto32(cx->mem.base + p, s.ptr, s.len);
    else memcpy(cx->mem.base + p, s.ptr, s.len);
    *sp = p;
    *sl = (uint32_t)s.len;
    return NULL;
  }
  return wp_cabi_lower_string(cx, s.ptr, s.len, true, sp, sl);
}

static wp_cabi_error_t *native_case(const wp_cabi_type_t *ty, const uint8_t *src, uint32_t *d) {
  *d = rd_disc(src, ty->disc_size);
  if (ty->kind == WP_CABI_OPTION || ty->kind == WP_CABI_RESULT) {
    if (*d > 1) return INVALID("native %s has bool tag %u", ty->kind == WP_CABI_OPTION ? "option" : "result", *d);
  } else if (*d >= wp_cabi_type_ncases(ty)) {
    return INVALID("native %s has tag %u (%u cases)", ty->kind == WP_CABI_ENUM ? "enum" : "variant", *d,
                   wp_cabi_type_ncases(ty));
  }
  return NULL;
}

static wp_cabi_error_t *store_n(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const uint8_t *src, uint32_t ptr) {
  wp_cabi_error_t *e;
  uint8_t *p = cx->mem.base + ptr;
  switch (ty->kind) {
  case WP_CABI_BOOL: p[0] = src[0] != 0; return NULL;
  case WP_CABI_S8: case WP_CABI_U8: p[0] = src[0]; return NULL;
  case WP_CABI_S16: case WP_CABI_U16: memcpy(p, src, 2); return NULL;
  case WP_CABI_S32: case WP_CABI_U32: case WP_CABI_F32: memcpy(p, src, 4); return NULL;
  case WP_CABI_S64: case WP_CABI_U64: case WP_CABI_F64: memcpy(p, src, 8); return NULL;
  case WP_CABI_CHAR: {
    uint32_t c = rd_u32(src);
    if (!wp_cabi_char_ok(c)) return INVALID("native char 0x%x is not a Unicode scalar value", c);
    wr_u32(p, c);
    return NULL;
  }
  case WP_CABI_STRING: case WP_CABI_LIST: {
    uint32_t a = 0, b = 0;
    e = ty->kind == WP_CABI_STRING ? lower_string_n(cx, src, &a, &b) : lower_list_n(cx, ty, src, &a, &b);
    if (e) return e;
    p = cx->mem.base + ptr; /* realloc may have moved memory */
    wr_u32(p, a);
    wr_u32(p + 4, b);
    return NULL;
  }
  case WP_CABI_RECORD: case WP_CABI_TUPLE: {
    if (ty->plain) {
      memcpy(p, src, ty->guest.size);
      return NULL;
    }
    const plan_t *pl = plan_of(cx, ty);
    if (pl) return run_store(cx, pl, src, ptr);
    for (uint32_t i = 0; i < ty->nfields; i++) {
      const wp_cabi_field_t *f = &ty->fields[i];
      if (f->type->plain) {
        /* re-derive: an earlier field's realloc may have moved memory */
        memcpy(cx->mem.base + ptr + f->guest_offset, src + f->native_offset, f->type->guest.size);
        continue;
      }
      if ((e = store_n(cx, f->type, src + f->native_offset, ptr + f->guest_offset))) return e;
    }
    return NULL;
  }
  case WP_CABI_FIXED_LIST: {
    const wp_cabi_type_t *el = ty->elem;
    if (ty->plain) {
      memcpy(p, src, ty->guest.size);
      return NULL;
    }
    const plan_t *pl = plan_of(cx, ty);
    if (pl) return run_store(cx, pl, src, ptr);
    for (uint32_t i = 0; i < ty->length; i++)
      if ((e = store_n(cx, el, src + (size_t)i * el->native.size, ptr + i * el->guest.size))) return e;
    return NULL;
  }
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    uint32_t d = 0;
    if ((e = native_case(ty, src, &d))) return e;
    wr_disc(p, ty->disc_size, d);
    const wp_cabi_type_t *c = wp_cabi_type_case(ty, d);
    return c ? store_n(cx, c, src + ty->native_payload_offset, ptr + ty->guest_payload_offset) : NULL;
  }
  case WP_CABI_FLAGS: {
    uint32_t v = rd_disc(src, ty->native.size);
    v &= flags_mask(ty);
    wr_disc(p, ty->guest.size, v);
    return NULL;
  }
  case WP_CABI_OWN: case WP_CABI_BORROW: {
    uint32_t h = 0, rep = rd_u32(src);
    e = ty->kind == WP_CABI_OWN ? wp_cabi_lower_own(cx, ty->resource, rep, &h)
                                : wp_cabi_lower_borrow(cx, ty->resource, rep, &h);
    if (e) return e;
    wr_u32(cx->mem.base + ptr, h);
    return NULL;
  }
  case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT: {
    uint32_t h = 0;
    if ((e = async_to_table(cx->native_handles, cx->guest ? cx->guest->handles : NULL, false, ty, rd_u32(src), &h)))
      return e;
    wr_u32(cx->mem.base + ptr, h);
    return NULL;
  }
  }
  return INVALID("unknown type kind %d", (int)ty->kind);
}

static __attribute__((noinline)) wp_cabi_error_t *store_native(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty,
                                                                const void *in, uint32_t ptr) {
  if (!in_range(cx, ptr, ty->guest.size, ty->guest.align)) {
    wp_cabi_error_t *e = wp_cabi_check_range(cx, "value", ptr, ty->guest.size, ty->guest.align);
    if (e) return e;
  }
  const plan_t *pl = plan_of(cx, ty);
  return pl ? run_store(cx, pl, in, ptr) : store_n(cx, ty, in, ptr);
}

/* A value with a plan at an aligned address in bounds (a record's, after
** its first use): straight to its steps, nothing saved on the stack here.
** Anything else (and cx->interpret): load_native / store_native. */
static inline const plan_t *plan_ready(const wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, uint32_t ptr);

wp_cabi_error_t *wp_cabi_load_native(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, uint32_t ptr, void *out) {
  const plan_t *pl = plan_ready(cx, ty, ptr);
  return __builtin_expect(pl != NULL, 1) ? run_load(cx, ty, pl, ptr, out) : load_native(cx, ty, ptr, out);
}

wp_cabi_error_t *wp_cabi_store_native(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const void *in, uint32_t ptr) {
  const plan_t *pl = plan_ready(cx, ty, ptr);
  return __builtin_expect(pl != NULL, 1) ? run_store(cx, pl, in, ptr) : store_native(cx, ty, in, ptr);
}

/* --- flat <-> native --- */

static wp_cabi_error_t *lift_flat_n(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const wp_cabi_flat_t *v,
                                    size_t at, uint8_t *dst) {
  wp_cabi_flat_t x = v[0];
  switch (ty->kind) {
  case WP_CABI_BOOL: dst[0] = x.i32 != 0; return NULL;
  case WP_CABI_S8: case WP_CABI_U8: dst[0] = (uint8_t)x.i32; return NULL;
  case WP_CABI_S16: case WP_CABI_U16: wr_u16(dst, x.i32); return NULL;
  case WP_CABI_S32: case WP_CABI_U32: wr_u32(dst, x.i32); return NULL;
  case WP_CABI_S64: case WP_CABI_U64: wr_u64(dst, x.i64); return NULL;
  case WP_CABI_F32: { float f = wp_cabi_canon_f32(x.f32); memcpy(dst, &f, 4); return NULL; }
  case WP_CABI_F64: { double f = wp_cabi_canon_f64(x.f64); memcpy(dst, &f, 8); return NULL; }
  case WP_CABI_CHAR:
    if (!wp_cabi_char_ok(x.i32)) return TRAP("invalid char 0x%x in flat value %zu (out of range or surrogate)", x.i32, at);
    wr_u32(dst, x.i32);
    return NULL;
  case WP_CABI_STRING: return lift_string_n(cx, x.i32, v[1].i32, dst);
  case WP_CABI_LIST: return lift_list_n(cx, ty, x.i32, v[1].i32, dst);
  case WP_CABI_RECORD: case WP_CABI_TUPLE: {
    const plan_t *pl = flat_plan_of(cx, ty);
    if (pl) return run_lift_flat(cx, pl, v, at, dst);
    memset(dst, 0, ty->native.size);
    size_t k = 0;
    for (uint32_t i = 0; i < ty->nfields; i++) {
      const wp_cabi_type_t *f = ty->fields[i].type;
      wp_cabi_error_t *e = lift_flat_n(cx, f, v + k, at + k, dst + ty->fields[i].native_offset);
      if (e) return e;
      k += f->nflat;
    }
    return NULL;
  }
  case WP_CABI_FIXED_LIST: {
    const plan_t *pl = flat_plan_of(cx, ty);
    if (pl) return run_lift_flat(cx, pl, v, at, dst);
    const wp_cabi_type_t *el = ty->elem;
    size_t k = 0;
    for (uint32_t i = 0; i < ty->length; i++) {
      wp_cabi_error_t *e = lift_flat_n(cx, el, v + k, at + k, dst + (size_t)i * el->native.size);
      if (e) return e;
      k += el->nflat;
    }
    return NULL;
  }
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    uint32_t d = x.i32;
    if (d >= wp_cabi_type_ncases(ty)) {
      char where[40];
      snprintf(where, sizeof where, "in flat value %zu", at);
      return disc_trap(ty, d, where);
    }
    memset(dst, 0, ty->native.size);
    wr_disc(dst, ty->disc_size, d);
    const wp_cabi_type_t *c = wp_cabi_type_case(ty, d);
    if (!c) return NULL;
    wp_cabi_flat_t tmp[WP_CABI_FLAT_CAP];
    for (uint32_t k = 0; k < c->nflat; k++) tmp[k] = wp_cabi_flat_coerce_in(v[1 + k], ty->flat[1 + k], c->flat[k]);
    return lift_flat_n(cx, c, tmp, at + 1, dst + ty->native_payload_offset);
  }
  case WP_CABI_FLAGS: {
    uint32_t f = x.i32;
    f &= flags_mask(ty);
    wr_disc(dst, ty->native.size, f);
    return NULL;
  }
  case WP_CABI_OWN: case WP_CABI_BORROW: {
    uint32_t rep = 0;
    wp_cabi_error_t *e = ty->kind == WP_CABI_OWN ? wp_cabi_lift_own(cx, ty->resource, x.i32, &rep)
                                                 : wp_cabi_lift_borrow(cx, ty->resource, x.i32, &rep);
    if (e) return e;
    wr_u32(dst, rep);
    return NULL;
  }
  case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT:
    return async_to_table(cx->guest ? cx->guest->handles : NULL, cx->native_handles, true, ty, x.i32, dst);
  }
  return INVALID("unknown type kind %d", (int)ty->kind);
}

wp_cabi_error_t *wp_cabi_lift_flat_native(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const wp_cabi_flat_t *flat,
                                          size_t nflat, void *out) {
  if (ty->nflat > WP_CABI_MAX_FLAT_PARAMS) return INVALID("type flattens to %u values; lift it from memory", ty->nflat);
  if (nflat < ty->nflat) return INVALID("type needs %u flat values, got %zu", ty->nflat, nflat);
  return lift_flat_n(cx, ty, flat, 0, out);
}

wp_cabi_error_t *wp_cabi_lift_string_native(wp_cabi_cx_t *cx, uint32_t ptr, uint32_t len, void *out) {
  return lift_string_n(cx, ptr, len, out);
}

static wp_cabi_error_t *lower_flat_n(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const uint8_t *src,
                                     wp_cabi_flat_t *out) {
  wp_cabi_error_t *e;
  memset(out, 0, sizeof *out);
  switch (ty->kind) {
  case WP_CABI_BOOL: out->i32 = src[0] != 0; return NULL;
  case WP_CABI_S8: out->i32 = (uint32_t)(int32_t)(int8_t)src[0]; return NULL;
  case WP_CABI_U8: out->i32 = src[0]; return NULL;
  case WP_CABI_S16: { int16_t s; memcpy(&s, src, 2); out->i32 = (uint32_t)(int32_t)s; return NULL; }
  case WP_CABI_U16: out->i32 = rd_u16(src); return NULL;
  case WP_CABI_S32: case WP_CABI_U32: out->i32 = rd_u32(src); return NULL;
  case WP_CABI_S64: case WP_CABI_U64: out->i64 = rd_u64(src); return NULL;
  case WP_CABI_F32: memcpy(&out->f32, src, 4); return NULL;
  case WP_CABI_F64: memcpy(&out->f64, src, 8); return NULL;
  case WP_CABI_CHAR:
    out->i32 = rd_u32(src);
    if (!wp_cabi_char_ok(out->i32)) return INVALID("native char 0x%x is not a Unicode scalar value", out->i32);
    return NULL;
  case WP_CABI_STRING:
    memset(&out[1], 0, sizeof out[1]);
    return lower_string_n(cx, src, &out[0].i32, &out[1].i32);
  case WP_CABI_LIST:
    memset(&out[1], 0, sizeof out[1]);
    return lower_list_n(cx, ty, src, &out[0].i32, &out[1].i32);
  case WP_CABI_RECORD: case WP_CABI_TUPLE: {
    const plan_t *pl = flat_plan_of(cx, ty);
    if (pl) return run_lower_flat(cx, pl, src, out);
    uint32_t k = 0;
    for (uint32_t i = 0; i < ty->nfields; i++) {
      if ((e = lower_flat_n(cx, ty->fields[i].type, src + ty->fields[i].native_offset, out + k))) return e;
      k += ty->fields[i].type->nflat;
    }
    return NULL;
  }
  case WP_CABI_FIXED_LIST: {
    const plan_t *pl = flat_plan_of(cx, ty);
    if (pl) return run_lower_flat(cx, pl, src, out);
    const wp_cabi_type_t *el = ty->elem;
    uint32_t k = 0;
    for (uint32_t i = 0; i < ty->length; i++) {
      if ((e = lower_flat_n(cx, el, src + (size_t)i * el->native.size, out + k))) return e;
      k += el->nflat;
    }
    return NULL;
  }
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    uint32_t d = 0;
    if ((e = native_case(ty, src, &d))) return e;
    memset(out, 0, ty->nflat * sizeof *out);
    out[0].i32 = d;
    const wp_cabi_type_t *c = wp_cabi_type_case(ty, d);
    if (!c) return NULL;
    wp_cabi_flat_t tmp[WP_CABI_FLAT_CAP];
    if ((e = lower_flat_n(cx, c, src + ty->native_payload_offset, tmp))) return e;
    for (uint32_t k = 0; k < c->nflat; k++) out[1 + k] = wp_cabi_flat_coerce_out(tmp[k], c->flat[k], ty->flat[1 + k]);
    return NULL;
  }
  case WP_CABI_FLAGS: {
    uint32_t f = rd_disc(src, ty->native.size);
    f &= flags_mask(ty);
    out->i32 = f;
    return NULL;
  }
  case WP_CABI_OWN: return wp_cabi_lower_own(cx, ty->resource, rd_u32(src), &out->i32);
  case WP_CABI_BORROW: return wp_cabi_lower_borrow(cx, ty->resource, rd_u32(src), &out->i32);
  case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT:
    return async_to_table(cx->native_handles, cx->guest ? cx->guest->handles : NULL, false, ty, rd_u32(src),
                          &out->i32);
  }
  return INVALID("unknown type kind %d", (int)ty->kind);
}

wp_cabi_error_t *wp_cabi_lower_flat_native(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const void *in,
                                           wp_cabi_flat_t *flat) {
  if (ty->nflat > WP_CABI_MAX_FLAT_PARAMS) return INVALID("type flattens to %u values; store it to memory", ty->nflat);
  return lower_flat_n(cx, ty, in, flat);
}

/* --- compiled plans ---
**
** A record (tuple, fixed list) that is not plain is lifted and lowered by
** a plan built once per type on first use: its fields flattened in order
** (nested records and small fixed lists inlined) into steps with their
** offsets from the value's start precomputed, consecutive plain fields
** merged into one copy, and variants whose payloads are all plain done in
** the step.  Only what has its own type to walk (strings' and lists'
** contents, variants with other payloads, handles, streams) calls back
** into load_n/store_n.  A plan does what the walk above does, check for
** check, message for message, write for write in the same order (a
** hostile realloc may return memory inside the value being stored):
** tests/cabi/test_plan.c holds it to the walk (cx->interpret) on random
** types and values. */

enum {
  OP_COPY, OP_COPY1, OP_COPY2, OP_COPY4, OP_COPY8, OP_COPY16, OP_BOOL, OP_F32, OP_F64, OP_CHAR, OP_STRING,
  OP_LIST, OP_FLAGS, OP_CASES, OP_OPTION, OP_OPT1, OP_OPT2, OP_OPT4, OP_SUB, OP_END, OP_COUNT
};

/* Load and store steps are threaded: each holds the address of its
** handler in run_load or run_store (GNU C labels as values), and the
** list ends with an OP_END step, so a step's dispatch is one indirect
** jump -- no loop test, no range check of the op, no jump-table lookup
** (that was ~14 instructions per field each way). */
typedef struct {
  const void *go;      /* load/store steps: the handler (set by plan_build) */
  uint32_t op;
  uint32_t goff, noff; /* from the value's start, guest and native */
  uint32_t size;       /* COPY: bytes; CASES: the number of cases */
  const wp_cabi_type_t *ty;
} step_t;

struct plan {
  wp_cabi_plan_link_t link;
  uint32_t nload, nstore, nflat;
  uint32_t zero;  /* load: bytes of the native value to zero first (it has padding) */
  uint32_t fzero; /* the same for a flat lift */
  bool flat;      /* flat steps (the type flattens to at most 16 values) */
  const step_t *load, *store;          /* each ends with OP_END */
  const step_t *flift, *flower;        /* the flat steps (goff: the flat index), threaded for each; FL_END */
  step_t steps[];
};

/* flat steps */
enum {
  FL_BOOL = 32, FL_S8, FL_U8, FL_S16, FL_U16, FL_32, FL_64, FL_F32, FL_F64, FL_CHAR, FL_STRING, FL_LIST, FL_FLAGS,
  FL_SUB, FL_END, FL_COUNT
};

#define PLAN_MAX_STEPS 256
static const plan_t no_plan; /* built and found too big (or out of memory): walked */

typedef struct {
  step_t s[PLAN_MAX_STEPS + 1]; /* + the OP_END step */
  uint32_t n;
  bool store;
  uint64_t covered; /* native bytes the steps write */
} pbuild_t;

static bool push(pbuild_t *b, uint32_t op, uint32_t goff, uint32_t noff, uint32_t size, const wp_cabi_type_t *ty,
                 uint32_t nsize) {
  b->covered += nsize;
  if (op == OP_COPY && b->n) {
    step_t *l = &b->s[b->n - 1];
    if (l->op == OP_COPY && l->goff + l->size == goff && l->noff + l->size == noff) {
      l->size += size;
      return true;
    }
  }
  if (b->n == PLAN_MAX_STEPS) return false;
  b->s[b->n++] = (step_t){NULL, op, goff, noff, size, ty};
  return true;
}

/* wp_cabi_type_case, inline */
static inline const wp_cabi_type_t *case_of(const wp_cabi_type_t *ty, uint32_t i) {
  switch (ty->kind) {
  case WP_CABI_VARIANT: return ty->fields[i].type; /* i < ncases: checked */
  case WP_CABI_OPTION: return i == 1 ? ty->elem : NULL;
  case WP_CABI_RESULT: return i == 0 ? ty->elem : ty->err;
  default: return NULL;
  }
}

static bool cases_plain(const wp_cabi_type_t *ty) {
  for (uint32_t i = 0, n = wp_cabi_type_ncases(ty); i < n; i++) {
    const wp_cabi_type_t *c = wp_cabi_type_case(ty, i);
    if (c && !c->plain) return false;
  }
  return true;
}

static bool emit(pbuild_t *b, const wp_cabi_type_t *ty, uint32_t goff, uint32_t noff, bool top) {
  uint32_t ns = ty->native.size;
  if (ty->plain) return push(b, OP_COPY, goff, noff, ty->guest.size, NULL, ns);
  switch (ty->kind) {
  case WP_CABI_BOOL: return push(b, OP_BOOL, goff, noff, 1, NULL, 1);
  case WP_CABI_F32: return push(b, b->store ? OP_COPY : OP_F32, goff, noff, 4, NULL, 4);
  case WP_CABI_F64: return push(b, b->store ? OP_COPY : OP_F64, goff, noff, 8, NULL, 8);
  case WP_CABI_CHAR: return push(b, OP_CHAR, goff, noff, 4, NULL, 4);
  case WP_CABI_STRING: return push(b, OP_STRING, goff, noff, 0, ty, ns);
  case WP_CABI_LIST: return push(b, OP_LIST, goff, noff, 0, ty, ns);
  case WP_CABI_FLAGS: return push(b, OP_FLAGS, goff, noff, 0, ty, ns);
  case WP_CABI_RECORD: case WP_CABI_TUPLE:
    for (uint32_t i = 0; i < ty->nfields; i++) {
      const wp_cabi_field_t *f = &ty->fields[i];
      if (!emit(b, f->type, goff + f->guest_offset, noff + f->native_offset, false)) return false;
    }
    return true;
  case WP_CABI_FIXED_LIST: {
    uint32_t n0 = b->n;
    uint64_t c0 = b->covered;
    bool ok = true;
    for (uint32_t i = 0; ok && i < ty->length; i++)
      ok = emit(b, ty->elem, goff + i * ty->elem->guest.size, noff + i * ty->elem->native.size, false);
    if (ok || top) return ok;
    b->n = n0; /* too many elements to inline: walked by its own plan, or by load_n */
    b->covered = c0;
    return push(b, OP_SUB, goff, noff, 0, ty, ns);
  }
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT:
    if (ty->kind == WP_CABI_OPTION && ty->disc_size == 1 && ty->elem->plain) { /* size: the payload's */
      uint32_t n = ty->elem->guest.size;
      /* payload of 1, 2 or 4 bytes right after the tag's padding, the
      ** same in both layouts: the whole value is one word (OP_OPTn) */
      bool word = (n == 1 || n == 2 || n == 4) && ty->guest_payload_offset == n && ty->native_payload_offset == n &&
                  ty->guest.size == 2 * n && ns == 2 * n;
      return push(b, !word ? OP_OPTION : n == 1 ? OP_OPT1 : n == 2 ? OP_OPT2 : OP_OPT4, goff, noff, n, ty, ns);
    }
    return push(b, cases_plain(ty) ? OP_CASES : OP_SUB, goff, noff, wp_cabi_type_ncases(ty), ty, ns);
  default: /* handles, streams, futures, error contexts */
    return push(b, OP_SUB, goff, noff, 0, ty, ns);
  }
}

/* A lifted or lowered flat value's steps: each leaf with its flat index
** (from the value's first) and native offset. */
static bool emit_flat(pbuild_t *b, const wp_cabi_type_t *ty, uint32_t k, uint32_t noff, bool top) {
  uint32_t ns = ty->native.size, op;
  switch (ty->kind) {
  case WP_CABI_BOOL: op = FL_BOOL; break;
  case WP_CABI_S8: op = FL_S8; break;
  case WP_CABI_U8: op = FL_U8; break;
  case WP_CABI_S16: op = FL_S16; break;
  case WP_CABI_U16: op = FL_U16; break;
  case WP_CABI_S32: case WP_CABI_U32: op = FL_32; break;
  case WP_CABI_S64: case WP_CABI_U64: op = FL_64; break;
  case WP_CABI_F32: op = FL_F32; break;
  case WP_CABI_F64: op = FL_F64; break;
  case WP_CABI_CHAR: op = FL_CHAR; break;
  case WP_CABI_STRING: op = FL_STRING; break;
  case WP_CABI_LIST: op = FL_LIST; break;
  case WP_CABI_FLAGS: op = FL_FLAGS; break;
  case WP_CABI_RECORD: case WP_CABI_TUPLE:
    for (uint32_t i = 0; i < ty->nfields; i++) {
      const wp_cabi_field_t *f = &ty->fields[i];
      if (!emit_flat(b, f->type, k, noff + f->native_offset, false)) return false;
      k += f->type->nflat;
    }
    return true;
  case WP_CABI_FIXED_LIST: {
    uint32_t n0 = b->n;
    uint64_t c0 = b->covered;
    bool ok = true;
    for (uint32_t i = 0; ok && i < ty->length; i++)
      ok = emit_flat(b, ty->elem, k + i * ty->elem->nflat, noff + i * ty->elem->native.size, false);
    if (ok || top) return ok;
    b->n = n0;
    b->covered = c0;
    op = FL_SUB;
    break;
  }
  default: op = FL_SUB; break; /* variants (their joined slots), handles, streams */
  }
  b->covered += ns;
  if (b->n == PLAN_MAX_STEPS) return false;
  b->s[b->n++] = (step_t){NULL, op, k, noff, 0, ty};
  return true;
}

/* Sized copies get their own ops; every step its handler (go: run_load's
** or run_store's table); the list ends with OP_END. */
static void finish(pbuild_t *b, const void *const *go) {
  b->s[b->n++] = (step_t){NULL, OP_END, 0, 0, 0, NULL}; /* s has room for it */
  for (uint32_t i = 0; i < b->n; i++) {
    step_t *s = &b->s[i];
    if (s->op == OP_COPY)
      s->op = s->size == 1 ? OP_COPY1 : s->size == 2 ? OP_COPY2 : s->size == 4 ? OP_COPY4 : s->size == 8 ? OP_COPY8
              : s->size > 8 && s->size <= 16 ? OP_COPY16 : OP_COPY;
    s->go = go[s->op];
  }
}

static const void *const *load_handlers(void);
static const void *const *store_handlers(void);
static const void *const *lift_flat_handlers(void);
static const void *const *lower_flat_handlers(void);

static plan_t *plan_build(const wp_cabi_type_t *ty) {
  pbuild_t *b = malloc(3 * sizeof *b);
  if (!b) return NULL;
  memset(b, 0, 3 * sizeof *b);
  b[1].store = true;
  plan_t *pl = NULL;
  if (emit(&b[0], ty, 0, 0, true) && emit(&b[1], ty, 0, 0, true)) {
    finish(&b[0], load_handlers());
    finish(&b[1], store_handlers());
    bool flat = ty->nflat <= WP_CABI_MAX_FLAT_PARAMS && emit_flat(&b[2], ty, 0, 0, true);
    if (!flat) b[2].n = 0;
    else b[2].s[b[2].n++] = (step_t){NULL, FL_END, 0, 0, 0, NULL}; /* s has room for it */
    pl = malloc(sizeof *pl + (b[0].n + b[1].n + 2 * b[2].n) * sizeof(step_t));
    if (pl) {
      pl->link.next = NULL;
      pl->nload = b[0].n;
      pl->nstore = b[1].n;
      pl->nflat = b[2].n;
      pl->flat = flat;
      /* the walk zeroes a record's padding; a plan only when it has some */
      pl->zero = b[0].covered < ty->native.size ? ty->native.size : 0;
      pl->fzero = b[2].covered < ty->native.size ? ty->native.size : 0;
      memcpy(pl->steps, b[0].s, b[0].n * sizeof(step_t));
      memcpy(pl->steps + b[0].n, b[1].s, b[1].n * sizeof(step_t));
      step_t *fl = pl->steps + b[0].n + b[1].n, *fw = fl + b[2].n;
      const void *const *lgo = lift_flat_handlers(), *const *wgo = lower_flat_handlers();
      for (uint32_t i = 0; i < b[2].n; i++) {
        fl[i] = fw[i] = b[2].s[i];
        fl[i].go = lgo[b[2].s[i].op];
        fw[i].go = wgo[b[2].s[i].op];
      }
      pl->load = pl->steps;
      pl->store = pl->steps + b[0].n;
      pl->flift = fl;
      pl->flower = fw;
    }
  }
  free(b);
  return pl;
}

static __attribute__((noinline)) const plan_t *plan_first(const wp_cabi_type_t *ty) {
  void **slot = (void **)&((wp_cabi_type_t *)ty)->plan;
  plan_t *pl = plan_build(ty);
  void *want = pl ? (void *)pl : (void *)&no_plan, *seen = NULL;
  if (__atomic_compare_exchange_n(slot, &seen, want, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    if (pl) wp_cabi_types_keep_plan(ty->owner, &pl->link);
    return pl;
  }
  free(pl); /* another thread's plan won; nobody saw this one */
  return seen == &no_plan ? NULL : seen;
}

/* The plan of ty, NULL when it has none: a type that is plain or not a
** record, tuple or fixed list, one made by hand (no owner), too big to
** plan, or cx->interpret. */
static inline const plan_t *plan_of(const wp_cabi_cx_t *cx, const wp_cabi_type_t *ty) {
  if (ty->plain || (ty->kind != WP_CABI_RECORD && ty->kind != WP_CABI_TUPLE && ty->kind != WP_CABI_FIXED_LIST) ||
      cx->interpret)
    return NULL;
  void *p = __atomic_load_n((void *const *)&ty->plan, __ATOMIC_ACQUIRE);
  if (__builtin_expect(p != NULL, 1)) return p == &no_plan ? NULL : p;
  return ty->owner ? plan_first(ty) : NULL;
}

/* The plan of a value at ptr when its steps can run at once: the type has
** a built plan (only a record, tuple or fixed list that is not plain ever
** has one), the context does not ask for the walk, and the address is
** aligned and in bounds; else NULL (load_native / store_native check and
** report). */
static inline const plan_t *plan_ready(const wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, uint32_t ptr) {
  const plan_t *p = __atomic_load_n((const plan_t *const *)&ty->plan, __ATOMIC_ACQUIRE);
  if (!p || p == &no_plan || cx->interpret || !in_range(cx, ptr, ty->guest.size, ty->guest.align)) return NULL;
  return p;
}

/* Zeroes a native value with padding before its steps write it: 16-byte
** stores (the last one overlapping), no call of memset for small sizes;
** up to 64 bytes without a loop (two or four stores that may overlap). */
static inline void zero_native(uint8_t *dst, uint32_t n) {
  if (n >= 16 && n <= 64) {
    memset(dst, 0, 16);
    memset(dst + n - 16, 0, 16);
    if (n > 32) {
      memset(dst + 16, 0, 16);
      memset(dst + n - 32, 0, 16);
    }
  } else if (n >= 16) {
    uint32_t i = 0;
    for (; i + 16 <= n; i += 16) memset(dst + i, 0, 16);
    if (i < n) memset(dst + n - 16, 0, 16);
  } else if (n) {
    memset(dst, 0, n);
  }
}

/* Copies and zeroes of a few bytes (a variant's plain payload, a variant's
** native value) whose size is not a constant: no call for the usual sizes. */
static inline void copy_small(uint8_t *d, const uint8_t *p, uint32_t n) {
  switch (n) {
  case 0: break;
  case 1: d[0] = p[0]; break;
  case 2: memcpy(d, p, 2); break;
  case 4: memcpy(d, p, 4); break;
  case 8: memcpy(d, p, 8); break;
  default: memcpy(d, p, n); break;
  }
}
static inline void zero_small(uint8_t *d, uint32_t n) {
  switch (n) {
  case 4: memset(d, 0, 4); break;
  case 8: memset(d, 0, 8); break;
  case 16: memset(d, 0, 16); break;
  default: memset(d, 0, n); break;
  }
}

#define NEXT_STEP \
  do {            \
    s++;          \
    goto *s->go;  \
  } while (0)

/* Runs a plan's load steps.  With pl NULL: stores the handlers' table
** (indexed by op) at dst, for plan_build. */
static wp_cabi_error_t *run_load(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const plan_t *pl, uint32_t ptr,
                                 uint8_t *dst) {
  static const void *const go[OP_COUNT] = {
      [OP_COPY] = &&copy,   [OP_COPY1] = &&copy1, [OP_COPY2] = &&copy2,   [OP_COPY4] = &&copy4,
      [OP_COPY8] = &&copy8, [OP_COPY16] = &&copy16, [OP_BOOL] = &&boolean, [OP_F32] = &&f32, [OP_F64] = &&f64,
      [OP_CHAR] = &&chr,    [OP_STRING] = &&string, [OP_LIST] = &&list,   [OP_FLAGS] = &&flags,
      [OP_CASES] = &&cases, [OP_OPTION] = &&option, [OP_OPT1] = &&opt1, [OP_OPT2] = &&opt2,
      [OP_OPT4] = &&opt4, [OP_SUB] = &&sub, [OP_END] = &&end};
  if (__builtin_expect(!pl, 0)) {
    const void *const *t = go;
    memcpy(dst, &t, sizeof t);
    return NULL;
  }
  (void)ty;
  uint32_t tag;
  const uint8_t *base = cx->mem.base + ptr; /* lifting runs no guest code: memory stays put */
  wp_cabi_error_t *e;
  const step_t *s = pl->load;
  zero_native(dst, pl->zero);
  goto *s->go;
copy1:
  dst[s->noff] = base[s->goff];
  NEXT_STEP;
copy2:
  memcpy(dst + s->noff, base + s->goff, 2);
  NEXT_STEP;
copy4:
  memcpy(dst + s->noff, base + s->goff, 4);
  NEXT_STEP;
copy8:
  memcpy(dst + s->noff, base + s->goff, 8);
  NEXT_STEP;
copy16: /* 9-16 bytes: two 8-byte copies that may overlap */
  memcpy(dst + s->noff, base + s->goff, 8);
  memcpy(dst + s->noff + s->size - 8, base + s->goff + s->size - 8, 8);
  NEXT_STEP;
copy:
  memcpy(dst + s->noff, base + s->goff, s->size);
  NEXT_STEP;
boolean:
  dst[s->noff] = base[s->goff] != 0;
  NEXT_STEP;
f32:
  wr_u32(dst + s->noff, wp_cabi_canon_f32_bits(rd_u32(base + s->goff)));
  NEXT_STEP;
f64:
  wr_u64(dst + s->noff, wp_cabi_canon_f64_bits(rd_u64(base + s->goff)));
  NEXT_STEP;
chr: {
  uint32_t c = rd_u32(base + s->goff);
  if (!wp_cabi_char_ok(c)) return TRAP("invalid char 0x%x at 0x%x (out of range or surrogate)", c, ptr + s->goff);
  memcpy(dst + s->noff, &c, 4);
  NEXT_STEP;
}
string: {
  const uint8_t *p = base + s->goff;
  if ((e = lift_string_n(cx, rd_u32(p), rd_u32(p + 4), dst + s->noff))) return e;
  NEXT_STEP;
}
list: {
  const uint8_t *p = base + s->goff;
  if ((e = lift_list_n(cx, s->ty, rd_u32(p), rd_u32(p + 4), dst + s->noff))) return e;
  NEXT_STEP;
}
flags: {
  const wp_cabi_type_t *t = s->ty;
  uint32_t v = rd_disc(base + s->goff, t->guest.size);
  v &= flags_mask(t);
  wr_disc(dst + s->noff, t->native.size, v);
  NEXT_STEP;
}
cases: {
  const wp_cabi_type_t *t = s->ty;
  const uint8_t *p = base + s->goff;
  uint8_t *d = dst + s->noff;
  uint32_t v = rd_disc(p, t->disc_size);
  if (v >= s->size) {
    char where[32];
    snprintf(where, sizeof where, "at 0x%x", ptr + s->goff);
    return disc_trap(t, v, where);
  }
  zero_small(d, t->native.size);
  wr_disc(d, t->disc_size, v);
  const wp_cabi_type_t *c = case_of(t, v);
  if (c) copy_small(d + t->native_payload_offset, p + t->guest_payload_offset, c->guest.size);
  NEXT_STEP;
}
option: { /* an option of a plain type: the cases step, with what it looks up known */
  const wp_cabi_type_t *t = s->ty;
  const uint8_t *p = base + s->goff;
  uint8_t *d = dst + s->noff;
  uint32_t v = p[0];
  if (v > 1) {
    char where[32];
    snprintf(where, sizeof where, "at 0x%x", ptr + s->goff);
    return disc_trap(t, v, where);
  }
  zero_small(d, t->native.size);
  d[0] = (uint8_t)v;
  if (v) copy_small(d + t->native_payload_offset, p + t->guest_payload_offset, s->size);
  NEXT_STEP;
}
  /* an option of a 1-, 2- or 4-byte plain payload at offset 1, 2 or 4:
  ** the value as one word, its padding masked off, zero when none (the
  ** walk: the native value zeroed, the tag, the payload when some) */
opt1: {
  uint16_t w = rd_u16(base + s->goff);
  tag = w & 0xff;
  if (tag > 1) goto bad_option;
  wr_u16(dst + s->noff, tag ? w : 0);
  NEXT_STEP;
}
opt2: {
  uint32_t w = rd_u32(base + s->goff);
  tag = w & 0xff;
  if (tag > 1) goto bad_option;
  wr_u32(dst + s->noff, tag ? w & 0xffff00ffu : 0);
  NEXT_STEP;
}
opt4: {
  uint64_t w = rd_u64(base + s->goff);
  tag = w & 0xff;
  if (tag > 1) goto bad_option;
  wr_u64(dst + s->noff, tag ? w & 0xffffffff000000ffull : 0);
  NEXT_STEP;
}
bad_option: {
  char where[32];
  snprintf(where, sizeof where, "at 0x%x", ptr + s->goff);
  return disc_trap(s->ty, tag, where);
}
sub:
  if ((e = load_n(cx, s->ty, ptr + s->goff, dst + s->noff))) return e;
  NEXT_STEP;
end:
  return NULL;
}

/* Runs a plan's store steps (with pl NULL: the handlers' table, as run_load). */
static wp_cabi_error_t *run_store(wp_cabi_cx_t *cx, const plan_t *pl, const uint8_t *src, uint32_t ptr) {
  static const void *const go[OP_COUNT] = {
      [OP_COPY] = &&copy,   [OP_COPY1] = &&copy1, [OP_COPY2] = &&copy2,   [OP_COPY4] = &&copy4,
      [OP_COPY8] = &&copy8, [OP_COPY16] = &&copy16, [OP_BOOL] = &&boolean, [OP_F32] = &&copy4, [OP_F64] = &&copy8,
      [OP_CHAR] = &&chr,    [OP_STRING] = &&string, [OP_LIST] = &&list,   [OP_FLAGS] = &&flags,
      [OP_CASES] = &&cases, [OP_OPTION] = &&option, [OP_OPT1] = &&opt1, [OP_OPT2] = &&opt2,
      [OP_OPT4] = &&opt4, [OP_SUB] = &&sub, [OP_END] = &&end};
  if (__builtin_expect(!pl, 0)) {
    const void *const *t = go;
    memcpy((void *)src, &t, sizeof t);
    return NULL;
  }
  wp_cabi_error_t *e;
  /* where the value is: re-derived after every step that may run the
  ** guest's realloc (strings, lists, and what is walked), which may move
  ** memory */
  uint8_t *base = cx->mem.base + ptr;
  const step_t *s = pl->store;
  goto *s->go;
copy1:
  base[s->goff] = src[s->noff];
  NEXT_STEP;
copy2:
  memcpy(base + s->goff, src + s->noff, 2);
  NEXT_STEP;
copy4:
  memcpy(base + s->goff, src + s->noff, 4);
  NEXT_STEP;
copy8:
  memcpy(base + s->goff, src + s->noff, 8);
  NEXT_STEP;
copy16:
  memcpy(base + s->goff, src + s->noff, 8);
  memcpy(base + s->goff + s->size - 8, src + s->noff + s->size - 8, 8);
  NEXT_STEP;
copy:
  memcpy(base + s->goff, src + s->noff, s->size);
  NEXT_STEP;
boolean:
  base[s->goff] = src[s->noff] != 0;
  NEXT_STEP;
chr: {
  uint32_t c = rd_u32(src + s->noff);
  if (!wp_cabi_char_ok(c)) return INVALID("native char 0x%x is not a Unicode scalar value", c);
  wr_u32(base + s->goff, c);
  NEXT_STEP;
}
string: {
  uint32_t a = 0, b = 0;
  if ((e = lower_string_n(cx, src + s->noff, &a, &b))) return e;
  base = cx->mem.base + ptr;
  wr_u32(base + s->goff, a);
  wr_u32(base + s->goff + 4, b);
  NEXT_STEP;
}
list: {
  uint32_t a = 0, b = 0;
  if ((e = lower_list_n(cx, s->ty, src + s->noff, &a, &b))) return e;
  base = cx->mem.base + ptr;
  wr_u32(base + s->goff, a);
  wr_u32(base + s->goff + 4, b);
  NEXT_STEP;
}
flags: {
  const wp_cabi_type_t *t = s->ty;
  uint32_t f = rd_disc(src + s->noff, t->native.size);
  f &= flags_mask(t);
  wr_disc(base + s->goff, t->guest.size, f);
  NEXT_STEP;
}
cases: {
  const wp_cabi_type_t *t = s->ty;
  const uint8_t *v = src + s->noff;
  uint8_t *p = base + s->goff;
  uint32_t d = rd_disc(v, t->disc_size);
  if (t->kind == WP_CABI_OPTION || t->kind == WP_CABI_RESULT ? d > 1 : d >= s->size)
    if ((e = native_case(t, v, &d))) return e; /* its message */
  wr_disc(p, t->disc_size, d);
  const wp_cabi_type_t *c = case_of(t, d);
  if (c) copy_small(p + t->guest_payload_offset, v + t->native_payload_offset, c->guest.size);
  NEXT_STEP;
}
option: {
  const wp_cabi_type_t *t = s->ty;
  const uint8_t *v = src + s->noff;
  uint8_t *p = base + s->goff;
  uint32_t d = v[0];
  if (d > 1 && (e = native_case(t, v, &d))) return e; /* its message */
  p[0] = (uint8_t)d;
  if (d) copy_small(p + t->guest_payload_offset, v + t->native_payload_offset, s->size);
  NEXT_STEP;
}
  /* the option step with the payload's size and offset known (1, 2, 4):
  ** the tag, then the payload when some, as the walk writes them */
opt1: {
  const uint8_t *v = src + s->noff;
  uint32_t d = v[0];
  if (d > 1 && (e = native_case(s->ty, v, &d))) return e;
  base[s->goff] = (uint8_t)d;
  if (d) base[s->goff + 1] = v[1];
  NEXT_STEP;
}
opt2: {
  const uint8_t *v = src + s->noff;
  uint32_t d = v[0];
  if (d > 1 && (e = native_case(s->ty, v, &d))) return e;
  base[s->goff] = (uint8_t)d;
  if (d) memcpy(base + s->goff + 2, v + 2, 2);
  NEXT_STEP;
}
opt4: {
  const uint8_t *v = src + s->noff;
  uint32_t d = v[0];
  if (d > 1 && (e = native_case(s->ty, v, &d))) return e;
  base[s->goff] = (uint8_t)d;
  if (d) memcpy(base + s->goff + 4, v + 4, 4);
  NEXT_STEP;
}
sub:
  if ((e = store_n(cx, s->ty, src + s->noff, ptr + s->goff))) return e;
  base = cx->mem.base + ptr;
  NEXT_STEP;
end:
  return NULL;
}

static const void *const *load_handlers(void) {
  const void *const *go = NULL;
  run_load(NULL, NULL, NULL, 0, (uint8_t *)&go);
  return go;
}

static const void *const *store_handlers(void) {
  const void *const *go = NULL;
  run_store(NULL, NULL, (const uint8_t *)&go, 0);
  return go;
}

/* The plan of ty when it has flat steps (NULL otherwise: walked). */
static const plan_t *flat_plan_of(const wp_cabi_cx_t *cx, const wp_cabi_type_t *ty) {
  const plan_t *pl = plan_of(cx, ty);
  return pl && pl->flat ? pl : NULL;
}

/* lift_flat_n of a record, tuple or fixed list, by its flat steps
** (threaded as the load steps; with pl NULL: the handlers' table). */
static wp_cabi_error_t *run_lift_flat(wp_cabi_cx_t *cx, const plan_t *pl, const wp_cabi_flat_t *v, size_t at,
                                      uint8_t *dst) {
  static const void *const go[FL_COUNT] = {
      [FL_BOOL] = &&boolean, [FL_S8] = &&byte,      [FL_U8] = &&byte,    [FL_S16] = &&half,  [FL_U16] = &&half,
      [FL_32] = &&word,      [FL_64] = &&dword,     [FL_F32] = &&f32,    [FL_F64] = &&f64,   [FL_CHAR] = &&chr,
      [FL_STRING] = &&string, [FL_LIST] = &&list,   [FL_FLAGS] = &&flags, [FL_SUB] = &&sub,  [FL_END] = &&end};
  if (__builtin_expect(!pl, 0)) {
    const void *const *t = go;
    memcpy(dst, &t, sizeof t);
    return NULL;
  }
  wp_cabi_error_t *e;
  const step_t *s = pl->flift;
  zero_native(dst, pl->fzero);
  goto *s->go;
boolean:
  dst[s->noff] = v[s->goff].i32 != 0;
  NEXT_STEP;
byte:
  dst[s->noff] = (uint8_t)v[s->goff].i32;
  NEXT_STEP;
half:
  wr_u16(dst + s->noff, v[s->goff].i32);
  NEXT_STEP;
word:
  wr_u32(dst + s->noff, v[s->goff].i32);
  NEXT_STEP;
dword:
  wr_u64(dst + s->noff, v[s->goff].i64);
  NEXT_STEP;
f32: {
  float f = wp_cabi_canon_f32(v[s->goff].f32);
  memcpy(dst + s->noff, &f, 4);
  NEXT_STEP;
}
f64: {
  double f = wp_cabi_canon_f64(v[s->goff].f64);
  memcpy(dst + s->noff, &f, 8);
  NEXT_STEP;
}
chr: {
  uint32_t c = v[s->goff].i32;
  if (!wp_cabi_char_ok(c)) return TRAP("invalid char 0x%x in flat value %zu (out of range or surrogate)", c, at + s->goff);
  wr_u32(dst + s->noff, c);
  NEXT_STEP;
}
string: {
  const wp_cabi_flat_t *x = v + s->goff;
  if ((e = lift_string_n(cx, x[0].i32, x[1].i32, dst + s->noff))) return e;
  NEXT_STEP;
}
list: {
  const wp_cabi_flat_t *x = v + s->goff;
  if ((e = lift_list_n(cx, s->ty, x[0].i32, x[1].i32, dst + s->noff))) return e;
  NEXT_STEP;
}
flags: {
  uint32_t f = v[s->goff].i32;
  f &= flags_mask(s->ty);
  wr_disc(dst + s->noff, s->ty->native.size, f);
  NEXT_STEP;
}
sub:
  if ((e = lift_flat_n(cx, s->ty, v + s->goff, at + s->goff, dst + s->noff))) return e;
  NEXT_STEP;
end:
  return NULL;
}

/* lower_flat_n of a record, tuple or fixed list, by its flat steps
** (threaded; with pl NULL: the handlers' table, stored at out). */
static wp_cabi_error_t *run_lower_flat(wp_cabi_cx_t *cx, const plan_t *pl, const uint8_t *src, wp_cabi_flat_t *out) {
  static const void *const go[FL_COUNT] = {
      [FL_BOOL] = &&boolean, [FL_S8] = &&s8,        [FL_U8] = &&u8,      [FL_S16] = &&s16,   [FL_U16] = &&u16,
      [FL_32] = &&word,      [FL_64] = &&dword,     [FL_F32] = &&f32,    [FL_F64] = &&f64,   [FL_CHAR] = &&chr,
      [FL_STRING] = &&string, [FL_LIST] = &&list,   [FL_FLAGS] = &&flags, [FL_SUB] = &&sub,  [FL_END] = &&end};
  if (__builtin_expect(!pl, 0)) {
    const void *const *t = go;
    memcpy(out, &t, sizeof t);
    return NULL;
  }
  wp_cabi_error_t *e;
  const step_t *s = pl->flower;
  goto *s->go;
  /* each leaf's flat value zeroed first (the walk's memset), then set */
#define FLAT_OUT(field, value)                 \
  do {                                         \
    wp_cabi_flat_t *o = out + s->goff;         \
    memset(o, 0, sizeof *o);                   \
    o->field = (value);                        \
  } while (0)
boolean:
  FLAT_OUT(i32, src[s->noff] != 0);
  NEXT_STEP;
s8:
  FLAT_OUT(i32, (uint32_t)(int32_t)(int8_t)src[s->noff]);
  NEXT_STEP;
u8:
  FLAT_OUT(i32, src[s->noff]);
  NEXT_STEP;
s16: {
  int16_t h;
  memcpy(&h, src + s->noff, 2);
  FLAT_OUT(i32, (uint32_t)(int32_t)h);
  NEXT_STEP;
}
u16:
  FLAT_OUT(i32, rd_u16(src + s->noff));
  NEXT_STEP;
word:
  FLAT_OUT(i32, rd_u32(src + s->noff));
  NEXT_STEP;
dword:
  FLAT_OUT(i64, rd_u64(src + s->noff));
  NEXT_STEP;
f32: {
  float f;
  memcpy(&f, src + s->noff, 4);
  FLAT_OUT(f32, f);
  NEXT_STEP;
}
f64: {
  double f;
  memcpy(&f, src + s->noff, 8);
  FLAT_OUT(f64, f);
  NEXT_STEP;
}
chr: {
  uint32_t c = rd_u32(src + s->noff);
  FLAT_OUT(i32, c);
  if (!wp_cabi_char_ok(c)) return INVALID("native char 0x%x is not a Unicode scalar value", c);
  NEXT_STEP;
}
string: {
  wp_cabi_flat_t *o = out + s->goff;
  memset(o, 0, 2 * sizeof *o);
  if ((e = lower_string_n(cx, src + s->noff, &o[0].i32, &o[1].i32))) return e;
  NEXT_STEP;
}
list: {
  wp_cabi_flat_t *o = out + s->goff;
  memset(o, 0, 2 * sizeof *o);
  if ((e = lower_list_n(cx, s->ty, src + s->noff, &o[0].i32, &o[1].i32))) return e;
  NEXT_STEP;
}
flags: {
  uint32_t f = rd_disc(src + s->noff, s->ty->native.size);
  f &= flags_mask(s->ty);
  FLAT_OUT(i32, f);
  NEXT_STEP;
}
#undef FLAT_OUT
sub:
  if ((e = lower_flat_n(cx, s->ty, src + s->noff, out + s->goff))) return e;
  NEXT_STEP;
end:
  return NULL;
}
#undef NEXT_STEP

static const void *const *lift_flat_handlers(void) {
  const void *const *go = NULL;
  run_lift_flat(NULL, NULL, NULL, 0, (uint8_t *)&go);
  return go;
}

static const void *const *lower_flat_handlers(void) {
  const void *const *go = NULL;
  wp_cabi_flat_t tmp; /* run_lower_flat stores the table at a flat value (8 bytes) */
  run_lower_flat(NULL, NULL, NULL, &tmp);
  memcpy(&go, &tmp, sizeof go);
  return go;
}
