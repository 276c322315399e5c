/*
 * val.c -- the dynamic value tree: drop, clone, equality, type check.
 */
#include "cabi/cabi_internal.h"

#include <stdlib.h>

static bool is_aggregate(wp_cabi_kind_t k) {
  return k == WP_CABI_LIST || k == WP_CABI_RECORD || k == WP_CABI_TUPLE || k == WP_CABI_FIXED_LIST;
}
static bool is_async(wp_cabi_kind_t k) {
  return k == WP_CABI_STREAM || k == WP_CABI_FUTURE || k == WP_CABI_ERROR_CONTEXT;
}
static bool is_varlike(wp_cabi_kind_t k) {
  return k == WP_CABI_VARIANT || k == WP_CABI_ENUM || k == WP_CABI_OPTION || k == WP_CABI_RESULT;
}

void wp_cabi_val_drop(wp_cabi_val_t *v) {
  if (!v) return;
  if (v->kind == WP_CABI_STRING) {
    free(v->of.str.ptr);
  } else if (is_aggregate(v->kind)) {
    for (size_t i = 0; i < v->of.list.len; i++) wp_cabi_val_drop(&v->of.list.items[i]);
    free(v->of.list.items);
  } else if (is_varlike(v->kind) && v->of.var.payload) {
    wp_cabi_val_drop(v->of.var.payload);
    free(v->of.var.payload);
  } else if (is_async(v->kind)) {
    wp_cabi_async_drop(v->kind, v->of.obj);
  }
  memset(v, 0, sizeof *v);
}

wp_cabi_error_t *wp_cabi_val_clone(const wp_cabi_val_t *v, wp_cabi_val_t *out) {
  *out = *v;
  if (is_async(v->kind)) {
    wp_cabi_async_clone(v->kind, v->of.obj);
  } else if (v->kind == WP_CABI_STRING) {
    out->of.str.ptr = malloc(v->of.str.len + 1);
    if (!out->of.str.ptr) return wp_cabi_error_oom();
    memcpy(out->of.str.ptr, v->of.str.ptr, v->of.str.len);
    out->of.str.ptr[v->of.str.len] = 0;
  } else if (is_aggregate(v->kind)) {
    out->of.list.items = calloc(v->of.list.len ? v->of.list.len : 1, sizeof(wp_cabi_val_t));
    if (!out->of.list.items) return wp_cabi_error_oom();
    for (size_t i = 0; i < v->of.list.len; i++) {
      wp_cabi_error_t *e = wp_cabi_val_clone(&v->of.list.items[i], &out->of.list.items[i]);
      if (e) {
        out->of.list.len = i;
        wp_cabi_val_drop(out);
        return e;
      }
    }
  } else if (is_varlike(v->kind) && v->of.var.payload) {
    out->of.var.payload = calloc(1, sizeof(wp_cabi_val_t));
    if (!out->of.var.payload) return wp_cabi_error_oom();
    wp_cabi_error_t *e = wp_cabi_val_clone(v->of.var.payload, out->of.var.payload);
    if (e) {
      free(out->of.var.payload);
      out->of.var.payload = NULL;
      return e;
    }
  }
  return NULL;
}

bool wp_cabi_val_equal(const wp_cabi_val_t *a, const wp_cabi_val_t *b) {
  if (a->kind != b->kind) return false;
  switch (a->kind) {
  case WP_CABI_BOOL: return a->of.b == b->of.b;
  case WP_CABI_S8: case WP_CABI_U8: return a->of.u8 == b->of.u8;
  case WP_CABI_S16: case WP_CABI_U16: return a->of.u16 == b->of.u16;
  case WP_CABI_S32: case WP_CABI_U32: case WP_CABI_CHAR: case WP_CABI_FLAGS:
  case WP_CABI_OWN: case WP_CABI_BORROW: return a->of.u32 == b->of.u32;
  case WP_CABI_S64: case WP_CABI_U64: return a->of.u64 == b->of.u64;
  case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT: return a->of.obj == b->of.obj;
  case WP_CABI_F32: return !memcmp(&a->of.f32, &b->of.f32, 4);
  case WP_CABI_F64: return !memcmp(&a->of.f64, &b->of.f64, 8);
  case WP_CABI_STRING:
    return a->of.str.len == b->of.str.len && !memcmp(a->of.str.ptr, b->of.str.ptr, a->of.str.len);
  case WP_CABI_LIST: case WP_CABI_RECORD: case WP_CABI_TUPLE: case WP_CABI_FIXED_LIST:
    if (a->of.list.len != b->of.list.len) return false;
    for (size_t i = 0; i < a->of.list.len; i++)
      if (!wp_cabi_val_equal(&a->of.list.items[i], &b->of.list.items[i])) return false;
    return true;
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT:
    if (a->of.var.disc != b->of.var.disc) return false;
    if (!a->of.var.payload || !b->of.var.payload) return a->of.var.payload == b->of.var.payload;
    return wp_cabi_val_equal(a->of.var.payload, b->of.var.payload);
  }
  return false;
}

wp_cabi_error_t *wp_cabi_val_check(const wp_cabi_type_t *ty, const wp_cabi_val_t *v) {
  if (!v) return INVALID("value is NULL");
  if (v->kind != ty->kind) {
    char tn[128];
    wp_cabi_type_print(ty, tn, sizeof tn);
    return INVALID("value of kind %d does not match type %s", (int)v->kind, tn);
  }
  switch (ty->kind) {
  case WP_CABI_CHAR:
    if (!wp_cabi_char_ok(v->of.ch)) return INVALID("char value 0x%x is not a Unicode scalar value", v->of.ch);
    return NULL;
  case WP_CABI_STRING:
    if (!v->of.str.ptr && v->of.str.len) return INVALID("string value has NULL pointer");
    if (v->of.str.len && !wp_cabi_utf8_valid((const uint8_t *)v->of.str.ptr, v->of.str.len))
      return INVALID("string value is not valid UTF-8");
    return NULL;
  case WP_CABI_FIXED_LIST:
    if (v->of.list.len != ty->length)
      return INVALID("fixed-length list value has %zu elements, type has %u", v->of.list.len, ty->length);
    /* fallthrough */
  case WP_CABI_LIST:
    for (size_t i = 0; i < v->of.list.len; i++) {
      wp_cabi_error_t *e = wp_cabi_val_check(ty->elem, &v->of.list.items[i]);
      if (e) return e;
    }
    return NULL;
  case WP_CABI_RECORD: case WP_CABI_TUPLE:
    if (v->of.list.len != ty->nfields)
      return INVALID("%s value has %zu fields, type has %u", ty->kind == WP_CABI_RECORD ? "record" : "tuple",
                     v->of.list.len, ty->nfields);
    for (uint32_t i = 0; i < ty->nfields; i++) {
      wp_cabi_error_t *e = wp_cabi_val_check(ty->fields[i].type, &v->of.list.items[i]);
      if (e) return e;
    }
    return NULL;
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    uint32_t n = wp_cabi_type_ncases(ty);
    if (v->of.var.disc >= n) return INVALID("case index %u out of range (%u cases)", v->of.var.disc, n);
    const wp_cabi_type_t *c = wp_cabi_type_case(ty, v->of.var.disc);
    if (!c) return v->of.var.payload ? INVALID("case '%s' takes no payload", wp_cabi_type_case_name(ty, v->of.var.disc)) : NULL;
    if (!v->of.var.payload) return INVALID("case '%s' needs a payload", wp_cabi_type_case_name(ty, v->of.var.disc));
    return wp_cabi_val_check(c, v->of.var.payload);
  }
  case WP_CABI_FLAGS:
    if (v->of.flags & ~flags_mask(ty))
      return INVALID("flags value 0x%x has bits beyond its %u labels", v->of.flags, ty->nfields);
    return NULL;
  case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT:
    return v->of.obj ? NULL : INVALID("empty stream, future or error-context value");
  default:
    return NULL;
  }
}

wp_cabi_error_t *wp_cabi_val_default(const wp_cabi_type_t *ty, wp_cabi_val_t *out) {
  memset(out, 0, sizeof *out);
  out->kind = ty->kind;
  switch (ty->kind) {
  case WP_CABI_STRING:
    if (!(out->of.str.ptr = calloc(1, 1))) return wp_cabi_error_oom();
    return NULL;
  case WP_CABI_LIST:
    if (!(out->of.list.items = calloc(1, sizeof(wp_cabi_val_t)))) return wp_cabi_error_oom();
    return NULL;
  case WP_CABI_RECORD: case WP_CABI_TUPLE: case WP_CABI_FIXED_LIST: {
    size_t n = ty->kind == WP_CABI_FIXED_LIST ? ty->length : ty->nfields;
    if (!(out->of.list.items = calloc(n ? n : 1, sizeof(wp_cabi_val_t)))) return wp_cabi_error_oom();
    for (size_t i = 0; i < n; i++) {
      const wp_cabi_type_t *ft = ty->kind == WP_CABI_FIXED_LIST ? ty->elem : ty->fields[i].type;
      wp_cabi_error_t *e = wp_cabi_val_default(ft, &out->of.list.items[i]);
      out->of.list.len = i + 1;
      if (e) {
        wp_cabi_val_drop(out);
        return e;
      }
    }
    return NULL;
  }
  case WP_CABI_VARIANT: case WP_CABI_RESULT: {
    const wp_cabi_type_t *c = wp_cabi_type_case(ty, 0); /* result: ok */
    if (!c) return NULL;
    if (!(out->of.var.payload = calloc(1, sizeof(wp_cabi_val_t)))) return wp_cabi_error_oom();
    wp_cabi_error_t *e = wp_cabi_val_default(c, out->of.var.payload);
    if (e) wp_cabi_val_drop(out);
    return e;
  }
  case WP_CABI_ENUM: case WP_CABI_OPTION: /* the first label; none */
    return NULL;
  case WP_CABI_OWN: case WP_CABI_BORROW: case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT: {
    char tn[128];
    wp_cabi_type_print(ty, tn, sizeof tn);
    memset(out, 0, sizeof *out);
    return INVALID("%s has no default value", tn);
  }
  default: /* bool, numbers, char, flags: zero */
    return NULL;
  }
}
