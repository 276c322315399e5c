/*
 * lift.c -- guest memory / flat core values -> value tree.
 *
 * Every address is checked once at the point the guest hands it to us
 * (a string or list pointer, a return pointer); below that point layouts
 * guarantee in-bounds reads.  Each guest byte is read exactly once.
 */
#include "cabi/cabi_internal.h"

#include <stdio.h>
#include <stdlib.h>

static wp_cabi_error_t *load_v(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, uint32_t ptr, wp_cabi_val_t *out);

static wp_cabi_error_t *lift_list(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, uint32_t ptr, uint32_t len,
                                  wp_cabi_val_t *out) {
  uint32_t es = ty->elem->guest.size;
  uint64_t bytes = (uint64_t)len * es;
  if (bytes > UINT32_MAX)
    return TRAP("list length %u * element size %u overflows 32 bits", len, es);
  wp_cabi_error_t *e = wp_cabi_check_range(cx, "list", ptr, bytes, ty->elem->guest.align);
  if (e) return e;
  wp_cabi_val_t *items = wp_cabi_host_alloc(cx, (size_t)len * sizeof(wp_cabi_val_t), &e);
  if (!items) return e;
  memset(items, 0, (size_t)len * sizeof(wp_cabi_val_t));
  out->kind = WP_CABI_LIST;
  out->of.list.items = items;
  out->of.list.len = len; /* zeroed items drop safely if we stop early */
  for (uint32_t i = 0; i < len; i++)
    if ((e = load_v(cx, ty->elem, ptr + i * es, &items[i]))) return e;
  return NULL;
}

/* n zeroed items for out's list (they drop safely if lifting stops early). */
static wp_cabi_val_t *alloc_items(wp_cabi_cx_t *cx, uint32_t n, wp_cabi_val_t *out, wp_cabi_error_t **e) {
  wp_cabi_val_t *items = wp_cabi_host_alloc(cx, (size_t)n * sizeof(wp_cabi_val_t), e);
  if (!items) return NULL;
  memset(items, 0, (size_t)n * sizeof(wp_cabi_val_t));
  out->of.list.items = items;
  out->of.list.len = n;
  return items;
}

static wp_cabi_error_t *payload_slot(wp_cabi_cx_t *cx, wp_cabi_val_t *out) {
  wp_cabi_error_t *e;
  out->of.var.payload = wp_cabi_host_alloc(cx, sizeof(wp_cabi_val_t), &e);
  if (!out->of.var.payload) return e;
  memset(out->of.var.payload, 0, sizeof(wp_cabi_val_t));
  return NULL;
}

static wp_cabi_error_t *bad_disc(const wp_cabi_type_t *ty, uint32_t d, const char *where, uint32_t ptr) {
  static const char *const names[] = {[WP_CABI_VARIANT] = "variant", [WP_CABI_ENUM] = "enum",
                                      [WP_CABI_OPTION] = "option", [WP_CABI_RESULT] = "result"};
  if (where)
    return TRAP("invalid %s discriminant %u (%u cases) %s", names[ty->kind], d, wp_cabi_type_ncases(ty), where);
  return TRAP("invalid %s discriminant %u (%u cases) at 0x%x", names[ty->kind], d, wp_cabi_type_ncases(ty), ptr);
}

static wp_cabi_error_t *load_v(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, uint32_t ptr, wp_cabi_val_t *out) {
  const uint8_t *p = cx->mem.base + ptr;
  memset(out, 0, sizeof *out);
  out->kind = ty->kind;
  switch (ty->kind) {
  case WP_CABI_BOOL: out->of.b = p[0] != 0; return NULL;
  case WP_CABI_S8: case WP_CABI_U8: out->of.u8 = p[0]; return NULL;
  case WP_CABI_S16: case WP_CABI_U16: out->of.u16 = (uint16_t)rd_u16(p); return NULL;
  case WP_CABI_S32: case WP_CABI_U32: out->of.u32 = rd_u32(p); return NULL;
  case WP_CABI_S64: case WP_CABI_U64: out->of.u64 = rd_u64(p); return NULL;
  case WP_CABI_F32: memcpy(&out->of.f32, p, 4); out->of.f32 = wp_cabi_canon_f32(out->of.f32); return NULL;
  case WP_CABI_F64: memcpy(&out->of.f64, p, 8); out->of.f64 = wp_cabi_canon_f64(out->of.f64); return NULL;
  case WP_CABI_CHAR: {
    uint32_t c = rd_u32(p);
    if (!wp_cabi_char_ok(c)) return TRAP("invalid char 0x%x at 0x%x (out of range or surrogate)", c, ptr);
    out->of.ch = c;
    return NULL;
  }
  case WP_CABI_STRING: {
    uint32_t sp = rd_u32(p), sl = rd_u32(p + 4);
    return wp_cabi_lift_string(cx, sp, sl, false, &out->of.str.ptr, &out->of.str.len);
  }
  case WP_CABI_LIST: {
    uint32_t lp = rd_u32(p), ll = rd_u32(p + 4);
    return lift_list(cx, ty, lp, ll, out);
  }
  case WP_CABI_RECORD: case WP_CABI_TUPLE: {
    wp_cabi_error_t *e;
    wp_cabi_val_t *items = wp_cabi_host_alloc(cx, ty->nfields * sizeof(wp_cabi_val_t), &e);
    if (!items) return e;
    memset(items, 0, ty->nfields * sizeof(wp_cabi_val_t));
    out->of.list.items = items;
    out->of.list.len = ty->nfields;
    for (uint32_t i = 0; i < ty->nfields; i++)
      if ((e = load_v(cx, ty->fields[i].type, ptr + ty->fields[i].guest_offset, &items[i]))) return e;
    return NULL;
  }
  case WP_CABI_FIXED_LIST: {
    wp_cabi_error_t *e;
    wp_cabi_val_t *items = alloc_items(cx, ty->length, out, &e);
    if (!items) return e;
    for (uint32_t i = 0; i < ty->length; i++)
      if ((e = load_v(cx, ty->elem, ptr + i * ty->elem->guest.size, &items[i]))) return e;
    return NULL;
  }
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    uint32_t d = rd_disc(p, ty->disc_size);
    if (d >= wp_cabi_type_ncases(ty)) return bad_disc(ty, d, NULL, ptr);
    out->of.var.disc = d;
    const wp_cabi_type_t *c = wp_cabi_type_case(ty, d);
    if (!c) return NULL;
    wp_cabi_error_t *e = payload_slot(cx, out);
    if (e) return e;
    return load_v(cx, c, ptr + ty->guest_payload_offset, out->of.var.payload);
  }
  case WP_CABI_FLAGS: {
    uint32_t v = rd_disc(p, ty->guest.size);
    /* Bits beyond the labels are ignored, as in the reference. */
    out->of.flags = v & flags_mask(ty);
    return NULL;
  }
  case WP_CABI_OWN: return wp_cabi_lift_own(cx, ty->resource, rd_u32(p), &out->of.rep);
  case WP_CABI_BORROW: return wp_cabi_lift_borrow(cx, ty->resource, rd_u32(p), &out->of.rep);
  case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT:
    return wp_cabi_async_take(cx->guest ? cx->guest->handles : NULL, ty, rd_u32(p), &out->of.obj);
  }
  return INVALID("unknown type kind %d", (int)ty->kind);
}

wp_cabi_error_t *wp_cabi_load(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, uint32_t ptr, wp_cabi_val_t *out) {
  memset(out, 0, sizeof *out);
  wp_cabi_error_t *e = wp_cabi_check_range(cx, "value", ptr, ty->guest.size, ty->guest.align);
  if (!e) e = load_v(cx, ty, ptr, out);
  if (e) wp_cabi_val_drop(out);
  return e;
}

/* --- flat --- */

typedef struct {
  const wp_cabi_flat_t *v;
  size_t n, i;
} iter_t;

static wp_cabi_error_t *lift_flat_v(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, iter_t *it, wp_cabi_val_t *out);

static wp_cabi_error_t *lift_flat_v(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, iter_t *it, wp_cabi_val_t *out) {
  memset(out, 0, sizeof *out);
  out->kind = ty->kind;
  if (ty->nflat > it->n - it->i) return INVALID("too few flat values for the type");
  wp_cabi_flat_t x = it->v[it->i];
  switch (ty->kind) {
  case WP_CABI_BOOL: it->i++; out->of.b = x.i32 != 0; return NULL;
  case WP_CABI_S8: case WP_CABI_U8: it->i++; out->of.u8 = (uint8_t)x.i32; return NULL;
  case WP_CABI_S16: case WP_CABI_U16: it->i++; out->of.u16 = (uint16_t)x.i32; return NULL;
  case WP_CABI_S32: case WP_CABI_U32: it->i++; out->of.u32 = x.i32; return NULL;
  case WP_CABI_S64: case WP_CABI_U64: it->i++; out->of.u64 = x.i64; return NULL;
  case WP_CABI_F32: it->i++; out->of.f32 = wp_cabi_canon_f32(x.f32); return NULL;
  case WP_CABI_F64: it->i++; out->of.f64 = wp_cabi_canon_f64(x.f64); return NULL;
  case WP_CABI_CHAR:
    it->i++;
    if (!wp_cabi_char_ok(x.i32)) return TRAP("invalid char 0x%x in flat value %zu (out of range or surrogate)", x.i32, it->i - 1);
    out->of.ch = x.i32;
    return NULL;
  case WP_CABI_STRING:
    it->i += 2;
    return wp_cabi_lift_string(cx, x.i32, it->v[it->i - 1].i32, false, &out->of.str.ptr, &out->of.str.len);
  case WP_CABI_LIST:
    it->i += 2;
    return lift_list(cx, ty, x.i32, it->v[it->i - 1].i32, out);
  case WP_CABI_RECORD: case WP_CABI_TUPLE: {
    wp_cabi_error_t *e;
    wp_cabi_val_t *items = wp_cabi_host_alloc(cx, ty->nfields * sizeof(wp_cabi_val_t), &e);
    if (!items) return e;
    memset(items, 0, ty->nfields * sizeof(wp_cabi_val_t));
    out->of.list.items = items;
    out->of.list.len = ty->nfields;
    for (uint32_t i = 0; i < ty->nfields; i++)
      if ((e = lift_flat_v(cx, ty->fields[i].type, it, &items[i]))) return e;
    return NULL;
  }
  case WP_CABI_FIXED_LIST: {
    wp_cabi_error_t *e;
    wp_cabi_val_t *items = alloc_items(cx, ty->length, out, &e);
    if (!items) return e;
    for (uint32_t i = 0; i < ty->length; i++)
      if ((e = lift_flat_v(cx, ty->elem, it, &items[i]))) return e;
    return NULL;
  }
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    uint32_t d = x.i32;
    size_t start = it->i;
    if (d >= wp_cabi_type_ncases(ty)) {
      char where[48];
      snprintf(where, sizeof where, "in flat value %zu", start);
      return bad_disc(ty, d, where, 0);
    }
    out->of.var.disc = d;
    it->i = start + ty->nflat; /* the whole variant is consumed either way */
    const wp_cabi_type_t *c = wp_cabi_type_case(ty, d);
    if (!c) return NULL;
    /* Coerce the joined slots to the case's own flat types. */
    wp_cabi_flat_t tmp[WP_CABI_FLAT_CAP];
    for (uint32_t k = 0; k < c->nflat; k++)
      tmp[k] = wp_cabi_flat_coerce_in(it->v[start + 1 + k], ty->flat[1 + k], c->flat[k]);
    iter_t sub = {tmp, c->nflat, 0};
    wp_cabi_error_t *e = payload_slot(cx, out);
    if (e) return e;
    return lift_flat_v(cx, c, &sub, out->of.var.payload);
  }
  case WP_CABI_FLAGS:
    it->i++;
    out->of.flags = x.i32 & flags_mask(ty);
    return NULL;
  case WP_CABI_OWN: it->i++; return wp_cabi_lift_own(cx, ty->resource, x.i32, &out->of.rep);
  case WP_CABI_BORROW: it->i++; return wp_cabi_lift_borrow(cx, ty->resource, x.i32, &out->of.rep);
  case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT:
    it->i++;
    return wp_cabi_async_take(cx->guest ? cx->guest->handles : NULL, ty, x.i32, &out->of.obj);
  }
  return INVALID("unknown type kind %d", (int)ty->kind);
}

wp_cabi_error_t *wp_cabi_lift_flat(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const wp_cabi_flat_t *flat,
                                   size_t nflat, wp_cabi_val_t *out) {
  memset(out, 0, sizeof *out);
  if (ty->nflat > WP_CABI_MAX_FLAT_PARAMS) return INVALID("type flattens to %u values; lift it from memory", ty->nflat);
  if (nflat < ty->nflat) return INVALID("type needs %u flat values, got %zu", ty->nflat, nflat);
  iter_t it = {flat, nflat, 0};
  wp_cabi_error_t *e = lift_flat_v(cx, ty, &it, out);
  if (e) wp_cabi_val_drop(out);
  return e;
}
