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

static wp_cabi_error_t *lift_string_n(wp_cabi_cx_t *cx, uint32_t sp, uint32_t sl, uint8_t *dst) {
  char *p;
  size_t n;
  wp_cabi_error_t *e = wp_cabi_lift_string(cx, sp, sl, true, &p, &n);
  if (e) return e;
  nslice_t s = {(const uint8_t *)p, n};
  memcpy(dst, &s, sizeof s);
  return NULL;
}

static wp_cabi_error_t *disc_trap(const wp_cabi_type_t *ty, uint32_t d, const char *where) {
  const char *k = ty->kind == WP_CABI_VARIANT ? "variant" : ty->kind == WP_CABI_ENUM ? "enum"
                : ty->kind == WP_CABI_OPTION ? "option" : "result";
  return TRAP("invalid %s discriminant %u (%u cases) %s", k, d, wp_cabi_type_ncases(ty), where);
}

static wp_cabi_error_t *load_n(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, uint32_t ptr, uint8_t *dst) {
  const uint8_t *p = cx->mem.base + ptr;
  switch (ty->kind) {
  case WP_CABI_BOOL: dst[0] = p[0] != 0; return NULL;
  case WP_CABI_S8: case WP_CABI_U8: dst[0] = p[0]; return NULL;
  case WP_CABI_S16: case WP_CABI_U16: memcpy(dst, p, 2); return NULL;
  case WP_CABI_S32: case WP_CABI_U32: memcpy(dst, p, 4); return NULL;
  case WP_CABI_S64: case WP_CABI_U64: memcpy(dst, p, 8); return NULL;
  case WP_CABI_F32: { float f; memcpy(&f, p, 4); f = wp_cabi_canon_f32(f); memcpy(dst, &f, 4); return NULL; }
  case WP_CABI_F64: { double f; memcpy(&f, p, 8); f = wp_cabi_canon_f64(f); memcpy(dst, &f, 8); return NULL; }
  case WP_CABI_CHAR: {
    uint32_t c = rd_u32(p);
    if (!wp_cabi_char_ok(c)) return TRAP("invalid char 0x%x at 0x%x (out of range or surrogate)", c, ptr);
    memcpy(dst, &c, 4);
    return NULL;
  }
  case WP_CABI_STRING: return lift_string_n(cx, rd_u32(p), rd_u32(p + 4), dst);
  case WP_CABI_LIST: return lift_list_n(cx, ty, rd_u32(p), rd_u32(p + 4), dst);
  case WP_CABI_RECORD: case WP_CABI_TUPLE:
    if (ty->plain) {
      memcpy(dst, p, ty->guest.size);
      return NULL;
    }
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
  case WP_CABI_FIXED_LIST: {
    const wp_cabi_type_t *el = ty->elem;
    if (ty->plain) {
      memcpy(dst, p, ty->guest.size);
      return NULL;
    }
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
    if (ty->nfields < 32) v &= (1u << ty->nfields) - 1;
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

wp_cabi_error_t *wp_cabi_load_native(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, uint32_t ptr, void *out) {
  wp_cabi_error_t *e = wp_cabi_check_range(cx, "value", ptr, ty->guest.size, ty->guest.align);
  return e ? e : load_n(cx, ty, ptr, out);
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
  wp_cabi_error_t *e = wp_cabi_opts_realloc(cx, "list", 0, 0, el->guest.align, bytes, &p);
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

static wp_cabi_error_t *lower_string_n(wp_cabi_cx_t *cx, const uint8_t *src, uint32_t *sp, uint32_t *sl) {
  nslice_t s;
  memcpy(&s, src, sizeof s);
  if (s.len && !s.ptr) return INVALID("native string has NULL pointer and length %zu", s.len);
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
  case WP_CABI_RECORD: case WP_CABI_TUPLE:
    if (ty->plain) {
      memcpy(p, src, ty->guest.size);
      return NULL;
    }
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
  case WP_CABI_FIXED_LIST: {
    const wp_cabi_type_t *el = ty->elem;
    if (ty->plain) {
      memcpy(p, src, ty->guest.size);
      return NULL;
    }
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
    if (ty->nfields < 32) v &= (1u << ty->nfields) - 1;
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

wp_cabi_error_t *wp_cabi_store_native(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const void *in, uint32_t ptr) {
  wp_cabi_error_t *e = wp_cabi_check_range(cx, "value", ptr, ty->guest.size, ty->guest.align);
  return e ? e : store_n(cx, ty, in, ptr);
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
    if (ty->nfields < 32) f &= (1u << ty->nfields) - 1;
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
    uint32_t k = 0;
    for (uint32_t i = 0; i < ty->nfields; i++) {
      if ((e = lower_flat_n(cx, ty->fields[i].type, src + ty->fields[i].native_offset, out + k))) return e;
      k += ty->fields[i].type->nflat;
    }
    return NULL;
  }
  case WP_CABI_FIXED_LIST: {
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
    if (ty->nfields < 32) f &= (1u << ty->nfields) - 1;
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
