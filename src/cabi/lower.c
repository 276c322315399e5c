/*
 * lower.c -- value tree -> guest memory / flat core values.
 *
 * Stores address guest memory by offset and re-derive the host pointer
 * after anything that may call realloc (which may grow and move memory).
 * Values come from the host and are checked as they are written (kind,
 * case index, char range, UTF-8): a mismatch is WP_CABI_INVALID.
 */
#include "cabi/cabi_internal.h"

#include <stdlib.h>

static wp_cabi_error_t *mismatch(const wp_cabi_type_t *ty, const wp_cabi_val_t *v) {
  char tn[128];
  wp_cabi_type_print(ty, tn, sizeof tn);
  return INVALID("value of kind %d does not match type %s", (int)v->kind, tn);
}

static wp_cabi_error_t *store_v(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const wp_cabi_val_t *v, uint32_t ptr);

static wp_cabi_error_t *lower_list(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const wp_cabi_val_t *v,
                                   uint32_t *out_ptr, uint32_t *out_len) {
  uint32_t es = ty->elem->guest.size;
  uint64_t bytes = (uint64_t)v->of.list.len * es;
  if (v->of.list.len > UINT32_MAX || bytes > UINT32_MAX)
    return INVALID("list of %zu elements of %u bytes does not fit in 32-bit memory", v->of.list.len, es);
  uint32_t p = 0;
  wp_cabi_error_t *e = wp_cabi_opts_realloc(cx, "list", 0, 0, ty->elem->guest.align, (uint32_t)bytes, &p);
  if (e) return e;
  for (size_t i = 0; i < v->of.list.len; i++)
    if ((e = store_v(cx, ty->elem, &v->of.list.items[i], p + (uint32_t)i * es))) return e;
  *out_ptr = p;
  *out_len = (uint32_t)v->of.list.len;
  return NULL;
}

static wp_cabi_error_t *check_case(const wp_cabi_type_t *ty, const wp_cabi_val_t *v, const wp_cabi_type_t **c) {
  uint32_t n = wp_cabi_type_ncases(ty);
  if (v->of.var.disc >= n) return INVALID("case index %u out of range (%u cases)", v->of.var.disc, n);
  *c = wp_cabi_type_case(ty, v->of.var.disc);
  if (*c && !v->of.var.payload)
    return INVALID("case '%s' needs a payload", wp_cabi_type_case_name(ty, v->of.var.disc));
  return NULL;
}

static wp_cabi_error_t *store_v(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const wp_cabi_val_t *v, uint32_t ptr) {
  if (v->kind != ty->kind) return mismatch(ty, v);
  wp_cabi_error_t *e;
  uint8_t *p = cx->mem.base + ptr;
  switch (ty->kind) {
  case WP_CABI_BOOL: p[0] = v->of.b ? 1 : 0; return NULL;
  case WP_CABI_S8: case WP_CABI_U8: p[0] = v->of.u8; return NULL;
  case WP_CABI_S16: case WP_CABI_U16: wr_u16(p, v->of.u16); return NULL;
  case WP_CABI_S32: case WP_CABI_U32: wr_u32(p, v->of.u32); return NULL;
  case WP_CABI_S64: case WP_CABI_U64: wr_u64(p, v->of.u64); return NULL;
  case WP_CABI_F32: memcpy(p, &v->of.f32, 4); return NULL;
  case WP_CABI_F64: memcpy(p, &v->of.f64, 8); return NULL;
  case WP_CABI_CHAR:
    if (!wp_cabi_char_ok(v->of.ch)) return INVALID("char value 0x%x is not a Unicode scalar value", v->of.ch);
    wr_u32(p, v->of.ch);
    return NULL;
  case WP_CABI_STRING: {
    uint32_t sp = 0, sl = 0;
    if ((e = wp_cabi_lower_string(cx, (const uint8_t *)v->of.str.ptr, v->of.str.len, false, &sp, &sl))) return e;
    p = cx->mem.base + ptr; /* realloc may have moved memory */
    wr_u32(p, sp);
    wr_u32(p + 4, sl);
    return NULL;
  }
  case WP_CABI_LIST: {
    uint32_t lp = 0, ll = 0;
    if ((e = lower_list(cx, ty, v, &lp, &ll))) return e;
    p = cx->mem.base + ptr;
    wr_u32(p, lp);
    wr_u32(p + 4, ll);
    return NULL;
  }
  case WP_CABI_RECORD: case WP_CABI_TUPLE:
    if (v->of.list.len != ty->nfields)
      return INVALID("value has %zu fields, type has %u", v->of.list.len, ty->nfields);
    for (uint32_t i = 0; i < ty->nfields; i++)
      if ((e = store_v(cx, ty->fields[i].type, &v->of.list.items[i], ptr + ty->fields[i].guest_offset))) return e;
    return NULL;
  case WP_CABI_FIXED_LIST:
    if (v->of.list.len != ty->length)
      return INVALID("value has %zu elements, type has %u", v->of.list.len, ty->length);
    for (uint32_t i = 0; i < ty->length; i++)
      if ((e = store_v(cx, ty->elem, &v->of.list.items[i], ptr + i * ty->elem->guest.size))) return e;
    return NULL;
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    const wp_cabi_type_t *c = NULL;
    if ((e = check_case(ty, v, &c))) return e;
    wr_disc(p, ty->disc_size, v->of.var.disc);
    if (c) return store_v(cx, c, v->of.var.payload, ptr + ty->guest_payload_offset);
    return NULL;
  }
  case WP_CABI_FLAGS:
    if (v->of.flags & ~flags_mask(ty))
      return INVALID("flags value 0x%x has bits beyond its %u labels", v->of.flags, ty->nfields);
    wr_disc(p, ty->guest.size, v->of.flags);
    return NULL;
  case WP_CABI_OWN: case WP_CABI_BORROW: {
    uint32_t h = 0;
    e = ty->kind == WP_CABI_OWN ? wp_cabi_lower_own(cx, ty->resource, v->of.rep, &h)
                                : wp_cabi_lower_borrow(cx, ty->resource, v->of.rep, &h);
    if (e) return e;
    wr_u32(cx->mem.base + ptr, h);
    return NULL;
  }
  case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT: {
    uint32_t h = 0;
    if ((e = wp_cabi_async_put(cx->guest ? cx->guest->handles : NULL, false, ty, v->of.obj, &h))) return e;
    wr_u32(cx->mem.base + ptr, h);
    return NULL;
  }
  }
  return INVALID("unknown type kind %d", (int)ty->kind);
}

wp_cabi_error_t *wp_cabi_store(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const wp_cabi_val_t *v, uint32_t ptr) {
  wp_cabi_error_t *e = wp_cabi_check_range(cx, "value", ptr, ty->guest.size, ty->guest.align);
  return e ? e : store_v(cx, ty, v, ptr);
}

/* --- flat --- */

static wp_cabi_error_t *lower_flat_v(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const wp_cabi_val_t *v,
                                     wp_cabi_flat_t *out) {
  if (v->kind != ty->kind) return mismatch(ty, v);
  wp_cabi_error_t *e;
  memset(out, 0, sizeof *out);
  switch (ty->kind) {
  case WP_CABI_BOOL: out->i32 = v->of.b ? 1 : 0; return NULL;
  case WP_CABI_S8: out->i32 = (uint32_t)(int32_t)v->of.s8; return NULL;
  case WP_CABI_U8: out->i32 = v->of.u8; return NULL;
  case WP_CABI_S16: out->i32 = (uint32_t)(int32_t)v->of.s16; return NULL;
  case WP_CABI_U16: out->i32 = v->of.u16; return NULL;
  case WP_CABI_S32: case WP_CABI_U32: out->i32 = v->of.u32; return NULL;
  case WP_CABI_S64: case WP_CABI_U64: out->i64 = v->of.u64; return NULL;
  case WP_CABI_F32: out->f32 = v->of.f32; return NULL;
  case WP_CABI_F64: out->f64 = v->of.f64; return NULL;
  case WP_CABI_CHAR:
    if (!wp_cabi_char_ok(v->of.ch)) return INVALID("char value 0x%x is not a Unicode scalar value", v->of.ch);
    out->i32 = v->of.ch;
    return NULL;
  case WP_CABI_STRING:
    memset(&out[1], 0, sizeof out[1]);
    return wp_cabi_lower_string(cx, (const uint8_t *)v->of.str.ptr, v->of.str.len, false, &out[0].i32, &out[1].i32);
  case WP_CABI_LIST:
    memset(&out[1], 0, sizeof out[1]);
    return lower_list(cx, ty, v, &out[0].i32, &out[1].i32);
  case WP_CABI_RECORD: case WP_CABI_TUPLE: {
    if (v->of.list.len != ty->nfields)
      return INVALID("value has %zu fields, type has %u", v->of.list.len, ty->nfields);
    uint32_t k = 0;
    for (uint32_t i = 0; i < ty->nfields; i++) {
      if ((e = lower_flat_v(cx, ty->fields[i].type, &v->of.list.items[i], out + k))) return e;
      k += ty->fields[i].type->nflat;
    }
    return NULL;
  }
  case WP_CABI_FIXED_LIST: {
    if (v->of.list.len != ty->length)
      return INVALID("value has %zu elements, type has %u", v->of.list.len, ty->length);
    uint32_t k = 0;
    for (uint32_t i = 0; i < ty->length; i++) {
      if ((e = lower_flat_v(cx, ty->elem, &v->of.list.items[i], out + k))) return e;
      k += ty->elem->nflat;
    }
    return NULL;
  }
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    const wp_cabi_type_t *c = NULL;
    if ((e = check_case(ty, v, &c))) return e;
    memset(out, 0, ty->nflat * sizeof *out); /* unused slots are zero */
    out[0].i32 = v->of.var.disc;
    if (!c) return NULL;
    wp_cabi_flat_t tmp[WP_CABI_FLAT_CAP];
    if ((e = lower_flat_v(cx, c, v->of.var.payload, tmp))) return e;
    for (uint32_t k = 0; k < c->nflat; k++) out[1 + k] = wp_cabi_flat_coerce_out(tmp[k], c->flat[k], ty->flat[1 + k]);
    return NULL;
  }
  case WP_CABI_FLAGS:
    if (v->of.flags & ~flags_mask(ty))
      return INVALID("flags value 0x%x has bits beyond its %u labels", v->of.flags, ty->nfields);
    out->i32 = v->of.flags;
    return NULL;
  case WP_CABI_OWN: return wp_cabi_lower_own(cx, ty->resource, v->of.rep, &out->i32);
  case WP_CABI_BORROW: return wp_cabi_lower_borrow(cx, ty->resource, v->of.rep, &out->i32);
  case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT:
    return wp_cabi_async_put(cx->guest ? cx->guest->handles : NULL, false, ty, v->of.obj, &out->i32);
  }
  return INVALID("unknown type kind %d", (int)ty->kind);
}

wp_cabi_error_t *wp_cabi_lower_flat(wp_cabi_cx_t *cx, const wp_cabi_type_t *ty, const wp_cabi_val_t *v,
                                    wp_cabi_flat_t *flat) {
  if (ty->nflat > WP_CABI_MAX_FLAT_PARAMS) return INVALID("type flattens to %u values; store it to memory", ty->nflat);
  return lower_flat_v(cx, ty, v, flat);
}
