/*
** rpc_value.c — canonical ABI values in native layout <-> the protocol's
** compact binary encoding (docs/plugin-rpc.md, "Values").
**
** Every value starts with its kind byte (wp_cabi_kind_t), so a frame built
** for another signature, or random bytes, fail on the first mismatch
** instead of being reinterpreted.  Then: scalars fixed-width
** little-endian; string = u32 byte length + UTF-8; list = u32 count +
** elements; record/tuple = fields in order; variant/enum/option/result =
** u32 case + payload; flags = u32 bits; own/borrow = u32 rep.
** Both sides walk the same type descriptors, derived from the same WIT.
*/
#include "isolate/rpc.h"

#include <string.h>

static void put_scalar(wp_rpc_buf_t *b, const void *in, size_t n) {
  /* Native integers are little-endian on every host this runs on (x86-64,
  ** aarch64); the wire is little-endian by definition. */
  wp_buf_put(b, in, n);
}

static uint32_t read_uint(const uint8_t *p, uint32_t size) {
  switch (size) {
  case 1: return p[0];
  case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
  default: { uint32_t v; memcpy(&v, p, 4); return v; }
  }
}

static void write_uint(uint8_t *p, uint32_t size, uint32_t v) {
  switch (size) {
  case 1: p[0] = (uint8_t)v; break;
  case 2: { uint16_t h = (uint16_t)v; memcpy(p, &h, 2); break; }
  default: memcpy(p, &v, 4); break;
  }
}

static uint32_t tag_size(const wp_cabi_type_t *ty) {
  return ty->kind == WP_CABI_ENUM ? ty->native.size : ty->disc_size ? ty->disc_size : 1;
}

void wp_rpc_encode(wp_rpc_buf_t *b, const wp_cabi_type_t *ty, const void *in) {
  const uint8_t *p = in;
  wp_buf_byte(b, (uint8_t)ty->kind);
  switch (ty->kind) {
  case WP_CABI_BOOL: wp_buf_byte(b, p[0] != 0); break;
  case WP_CABI_S8: case WP_CABI_U8: put_scalar(b, p, 1); break;
  case WP_CABI_S16: case WP_CABI_U16: put_scalar(b, p, 2); break;
  case WP_CABI_S32: case WP_CABI_U32: case WP_CABI_F32: case WP_CABI_CHAR: case WP_CABI_OWN: case WP_CABI_BORROW:
    put_scalar(b, p, 4);
    break;
  case WP_CABI_S64: case WP_CABI_U64: case WP_CABI_F64: put_scalar(b, p, 8); break;
  case WP_CABI_STRING: case WP_CABI_LIST: {
    const uint8_t *ptr;
    size_t len;
    memcpy(&ptr, p, sizeof ptr);
    memcpy(&len, p + sizeof ptr, sizeof len);
    if (len > WP_RPC_MAX_PAYLOAD || (len && !ptr)) { /* cannot be sent: the peer rejects the frame */
      b->oom = true;
      return;
    }
    wp_rpc_buf_u32(b, (uint32_t)len);
    if (ty->kind == WP_CABI_STRING) {
      wp_buf_put(b, ptr, len);
    } else {
      for (size_t i = 0; i < len && !b->oom; i++) wp_rpc_encode(b, ty->elem, ptr + i * ty->elem->native.size);
    }
    break;
  }
  case WP_CABI_RECORD: case WP_CABI_TUPLE:
    for (uint32_t i = 0; i < ty->nfields; i++) wp_rpc_encode(b, ty->fields[i].type, p + ty->fields[i].native_offset);
    break;
  case WP_CABI_FIXED_LIST: /* elements inline, the length is the type's */
    for (uint32_t i = 0; i < ty->length && !b->oom; i++) wp_rpc_encode(b, ty->elem, p + (size_t)i * ty->elem->native.size);
    break;
  case WP_CABI_FLAGS: wp_rpc_buf_u32(b, read_uint(p, ty->native.size)); break;
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    uint32_t tag = read_uint(p, tag_size(ty));
    wp_rpc_buf_u32(b, tag);
    const wp_cabi_type_t *pay = tag < wp_cabi_type_ncases(ty) ? wp_cabi_type_case(ty, tag) : NULL;
    if (pay) wp_rpc_encode(b, pay, p + ty->native_payload_offset);
    break;
  }
  case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT:
    b->oom = true; /* host handles mean nothing in another process */
    return;
  }
}

/* ------------------------------------------------------------- decoding */

static bool utf8_char_ok(uint32_t c) { return c < 0xD800 || (c > 0xDFFF && c <= 0x10FFFF); }

const char *wp_rpc_decode(wp_rpc_rd_t *r, const wp_cabi_type_t *ty, void *out, wp_rpc_alloc_fn alloc, void *ctx) {
  uint8_t *o = out;
  uint8_t kind = wp_rpc_rd_u8(r);
  if (r->bad) return "value truncated";
  if (kind != (uint8_t)ty->kind) return "value of the wrong kind for the function's type";
  const uint8_t *s;
  switch (ty->kind) {
  case WP_CABI_BOOL: {
    uint8_t v = wp_rpc_rd_u8(r);
    if (r->bad) return "value truncated";
    if (v > 1) return "bool that is neither 0 nor 1";
    o[0] = v;
    return NULL;
  }
  case WP_CABI_S8: case WP_CABI_U8: case WP_CABI_S16: case WP_CABI_U16: case WP_CABI_S32: case WP_CABI_U32:
  case WP_CABI_S64: case WP_CABI_U64: case WP_CABI_F32: case WP_CABI_F64: case WP_CABI_OWN: case WP_CABI_BORROW:
    if (!(s = wp_rpc_rd_bytes(r, ty->native.size))) return "value truncated";
    memcpy(o, s, ty->native.size);
    return NULL;
  case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT:
    return "streams, futures and error contexts cannot cross to an isolated plugin";
  case WP_CABI_CHAR: {
    uint32_t c = wp_rpc_rd_u32(r);
    if (r->bad) return "value truncated";
    if (!utf8_char_ok(c)) return "char that is not a Unicode scalar value";
    memcpy(o, &c, 4);
    return NULL;
  }
  case WP_CABI_STRING: {
    uint32_t n = wp_rpc_rd_u32(r);
    if (r->bad || !(s = wp_rpc_rd_bytes(r, n))) return "string longer than its frame";
    if (!wp_cabi_utf8_valid(s, n)) return "string that is not valid UTF-8";
    uint8_t *copy = alloc(ctx, (size_t)n + 1, 1);
    if (!copy) return "string exceeds the call's allocation budget";
    memcpy(copy, s, n);
    copy[n] = 0; /* strings handed to plugins are also NUL-terminated */
    size_t len = n;
    memcpy(o, &copy, sizeof copy);
    memcpy(o + sizeof copy, &len, sizeof len);
    return NULL;
  }
  case WP_CABI_LIST: {
    uint32_t n = wp_rpc_rd_u32(r);
    if (r->bad) return "value truncated";
    /* Every element takes at least its kind byte: a count larger than
    ** what is left cannot be honest (and must not size an allocation). */
    if (n > r->len - r->pos) return "list longer than its frame";
    size_t esz = ty->elem->native.size;
    uint8_t *items = NULL;
    if (n) {
      items = alloc(ctx, (size_t)n * (esz ? esz : 1), ty->elem->native.align ? ty->elem->native.align : 1);
      if (!items) return "list exceeds the call's allocation budget";
      memset(items, 0, (size_t)n * esz);
    }
    for (uint32_t i = 0; i < n; i++) {
      const char *why = wp_rpc_decode(r, ty->elem, items + (size_t)i * esz, alloc, ctx);
      if (why) return why;
    }
    size_t len = n;
    memcpy(o, &items, sizeof items);
    memcpy(o + sizeof items, &len, sizeof len);
    return NULL;
  }
  case WP_CABI_RECORD: case WP_CABI_TUPLE:
    for (uint32_t i = 0; i < ty->nfields; i++) {
      const char *why = wp_rpc_decode(r, ty->fields[i].type, o + ty->fields[i].native_offset, alloc, ctx);
      if (why) return why;
    }
    return NULL;
  case WP_CABI_FIXED_LIST:
    for (uint32_t i = 0; i < ty->length; i++) {
      const char *why = wp_rpc_decode(r, ty->elem, o + (size_t)i * ty->elem->native.size, alloc, ctx);
      if (why) return why;
    }
    return NULL;
  case WP_CABI_FLAGS: {
    uint32_t v = wp_rpc_rd_u32(r);
    if (r->bad) return "value truncated";
    if (ty->nfields < 32 && (v >> ty->nfields)) return "flags with bits beyond the last label";
    write_uint(o, ty->native.size, v);
    return NULL;
  }
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    uint32_t tag = wp_rpc_rd_u32(r);
    if (r->bad) return "value truncated";
    if (tag >= wp_cabi_type_ncases(ty)) return "discriminant out of range";
    write_uint(o, tag_size(ty), tag);
    const wp_cabi_type_t *pay = wp_cabi_type_case(ty, tag);
    return pay ? wp_rpc_decode(r, pay, o + ty->native_payload_offset, alloc, ctx) : NULL;
  }
  }
  return "unknown type kind";
}

void wp_rpc_encode_args(wp_rpc_buf_t *b, const wp_cabi_func_t *f, const wp_cabi_native_args_t *a, const void *args) {
  const uint8_t *p = args;
  for (size_t i = 0; i < f->nparams; i++) wp_rpc_encode(b, f->params[i], p + a->offsets[i]);
}

const char *wp_rpc_decode_args(wp_rpc_rd_t *r, const wp_cabi_func_t *f, const wp_cabi_native_args_t *a, void *args,
                               wp_rpc_alloc_fn alloc, void *ctx) {
  uint8_t *p = args;
  if (a->size) memset(p, 0, a->size);
  for (size_t i = 0; i < f->nparams; i++) {
    const char *why = wp_rpc_decode(r, f->params[i], p + a->offsets[i], alloc, ctx);
    if (why) return why;
  }
  return r->pos == r->len ? NULL : "trailing bytes after the last value";
}

void wp_rpc_each_handle(const wp_cabi_type_t *ty, const void *in, wp_rpc_handle_fn fn, void *ctx) {
  const uint8_t *p = in;
  switch (ty->kind) {
  case WP_CABI_OWN: case WP_CABI_BORROW: {
    uint32_t rep;
    memcpy(&rep, p, 4);
    fn(ctx, ty->kind == WP_CABI_OWN, ty->resource, rep);
    break;
  }
  case WP_CABI_LIST: {
    const uint8_t *ptr;
    size_t len;
    memcpy(&ptr, p, sizeof ptr);
    memcpy(&len, p + sizeof ptr, sizeof len);
    if (ptr && ty->elem->has_pointers)
      for (size_t i = 0; i < len; i++) wp_rpc_each_handle(ty->elem, ptr + i * ty->elem->native.size, fn, ctx);
    break;
  }
  case WP_CABI_FIXED_LIST:
    for (uint32_t i = 0; i < ty->length && ty->elem->has_pointers; i++)
      wp_rpc_each_handle(ty->elem, p + (size_t)i * ty->elem->native.size, fn, ctx);
    break;
  case WP_CABI_RECORD: case WP_CABI_TUPLE:
    for (uint32_t i = 0; i < ty->nfields; i++)
      wp_rpc_each_handle(ty->fields[i].type, p + ty->fields[i].native_offset, fn, ctx);
    break;
  case WP_CABI_VARIANT: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    uint32_t tag = read_uint(p, tag_size(ty));
    const wp_cabi_type_t *pay = tag < wp_cabi_type_ncases(ty) ? wp_cabi_type_case(ty, tag) : NULL;
    if (pay) wp_rpc_each_handle(pay, p + ty->native_payload_offset, fn, ctx);
    break;
  }
  default: break;
  }
}
