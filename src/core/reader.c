/*
** reader.c — bytes, LEB128 integers, names, value types and instructions
** of the binary format (see reader.h).  Messages use the spec's words
** ("unexpected end", "integer too large", "malformed UTF-8 encoding"...)
** so they can be matched against the reference interpreter's.
*/
#include <stdlib.h>
#include <string.h>

#include "leb.h"
#include "reader.h"

bool wp_rd_fail_at(wp_reader_t *r, size_t off, const char *fmt, ...) {
  if (r->err) return false;
  va_list ap;
  va_start(ap, fmt);
  char *what = wp_vformat(fmt, ap);
  va_end(ap);
  /* Names from the input may hold control characters: keep one line. */
  for (char *p = what; p && *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
  r->err = wp_format("%s: invalid module at offset 0x%zx: %s", r->name, off,
                     what ? what : "out of memory");
  if (!r->err) r->err = wp_strdup("out of memory");
  free(what);
  r->p = r->end; /* later reads fail quietly */
  return false;
}

bool wp_rd_fail(wp_reader_t *r, const char *fmt, ...) {
  if (r->err) return false;
  va_list ap;
  va_start(ap, fmt);
  char *what = wp_vformat(fmt, ap);
  va_end(ap);
  bool ok = wp_rd_fail_at(r, wp_rd_off(r), "%s", what ? what : "out of memory");
  free(what);
  return ok;
}

bool wp_rd_u8(wp_reader_t *r, uint8_t *out) {
  if (r->p >= r->end) {
    *out = 0;
    return wp_rd_fail(r, "unexpected end of section or function");
  }
  *out = *r->p++;
  return true;
}

/* LEB128 through the one reader of leb.h, with the spec's messages. */
static bool leb_fail(wp_reader_t *r, wp_leb_status_t st) {
  return wp_rd_fail(r, "%s", st == WP_LEB_EOF ? "unexpected end of section or function"
                                              : wp_leb_status_text(st));
}

static bool uleb(wp_reader_t *r, unsigned bits, uint64_t *out) {
  size_t n;
  wp_leb_status_t st = wp_leb_unsigned(r->p, r->end, bits, out, &n);
  if (st) return leb_fail(r, st);
  r->p += n;
  return true;
}

static bool sleb(wp_reader_t *r, unsigned bits, int64_t *out) {
  size_t n;
  wp_leb_status_t st = wp_leb_signed(r->p, r->end, bits, out, &n);
  if (st) return leb_fail(r, st);
  r->p += n;
  return true;
}

bool wp_rd_u32(wp_reader_t *r, uint32_t *out) {
  uint64_t v;
  bool ok = uleb(r, 32, &v);
  *out = (uint32_t)v;
  return ok;
}
bool wp_rd_u64(wp_reader_t *r, uint64_t *out) { return uleb(r, 64, out); }
bool wp_rd_s32(wp_reader_t *r, int32_t *out) {
  int64_t v;
  bool ok = sleb(r, 32, &v);
  *out = (int32_t)v;
  return ok;
}
bool wp_rd_s33(wp_reader_t *r, int64_t *out) { return sleb(r, 33, out); }
bool wp_rd_s64(wp_reader_t *r, int64_t *out) { return sleb(r, 64, out); }

bool wp_rd_bytes(wp_reader_t *r, size_t n, const uint8_t **out) {
  *out = NULL;
  if ((size_t)(r->end - r->p) < n) return wp_rd_fail(r, "unexpected end of section or function");
  *out = r->p;
  r->p += n;
  return true;
}

bool wp_rd_count(wp_reader_t *r, uint32_t min_size, uint32_t *out) {
  if (!wp_rd_u32(r, out)) return false;
  if ((uint64_t)*out * min_size > (uint64_t)(r->end - r->p))
    return wp_rd_fail(r, "unexpected end: count %u exceeds the remaining %zu bytes", *out,
                      (size_t)(r->end - r->p));
  return true;
}

bool wp_rd_name(wp_reader_t *r, char **out) {
  uint32_t n;
  const uint8_t *s;
  *out = NULL;
  if (!wp_rd_u32(r, &n)) return false;
  size_t at = wp_rd_off(r);
  if (!wp_rd_bytes(r, n, &s)) return false;
  /* Names are UTF-8 (the spec requires it); checked here so every later
  ** message and mangled C symbol starts from valid text. */
  for (uint32_t i = 0; i < n;) {
    uint8_t c = s[i];
    uint32_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
                 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (!len || i + len > n) return wp_rd_fail_at(r, at, "malformed UTF-8 encoding");
    uint32_t cp = len == 1 ? c : c & (0x7f >> len);
    for (uint32_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return wp_rd_fail_at(r, at, "malformed UTF-8 encoding");
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
      return wp_rd_fail_at(r, at, "malformed UTF-8 encoding");
    i += len;
  }
  size_t nuls = 0;
  for (uint32_t i = 0; i < n; i++) nuls += !s[i];
  char *o = malloc((size_t)n + nuls + 1);
  if (!o) return wp_rd_fail(r, "out of memory");
  size_t k = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (s[i]) {
      o[k++] = (char)s[i];
    } else {
      o[k++] = (char)0xc0;
      o[k++] = (char)0x80;
    }
  }
  o[k] = 0;
  *out = o;
  return true;
}

/* ------------------------------------------------------------ value types */

const char *wasmplug_valkind_name(wasmplug_valkind_t t) {
  switch ((int)t) {
  case WASMPLUG_I32: return "i32";
  case WASMPLUG_I64: return "i64";
  case WASMPLUG_F32: return "f32";
  case WASMPLUG_F64: return "f64";
  case WASMPLUG_V128: return "v128";
  case WASMPLUG_FUNCREF: return "funcref";
  case WASMPLUG_EXTERNREF: return "externref";
  case WP_EXNREF: return "exnref";
  default: return "?";
  }
}

/* An abstract heap type byte of a (ref null ht) / ref.null. */
static bool heaptype(wp_reader_t *r, uint8_t b, wasmplug_valkind_t *out) {
  *out = WASMPLUG_FUNCREF; /* set on every path: callers test the result, gcc -O3 cannot see that */
  switch (b) {
  case 0x70: *out = WASMPLUG_FUNCREF; return true;
  case 0x6f: *out = WASMPLUG_EXTERNREF; return true;
  case 0x69: *out = WP_EXNREF; return true;
  case 0x6e: case 0x6d: case 0x6c: case 0x6b: case 0x6a: case 0x71: case 0x72: case 0x73:
  case 0x74: case 0x65:
    return wp_rd_fail(r, "GC reference types are not supported by wasmplug");
  default:
    if (b < 0x40 || (b & 0x80))
      return wp_rd_fail(r, "typed function references (concrete heap types) are not "
                           "supported by wasmplug");
    return wp_rd_fail(r, "malformed reference type 0x%02x", b);
  }
}

bool wp_rd_valtype(wp_reader_t *r, wasmplug_valkind_t *out) {
  uint8_t b;
  *out = WASMPLUG_I32;
  if (!wp_rd_u8(r, &b)) return false;
  switch (b) {
  case 0x7f: *out = WASMPLUG_I32; return true;
  case 0x7e: *out = WASMPLUG_I64; return true;
  case 0x7d: *out = WASMPLUG_F32; return true;
  case 0x7c: *out = WASMPLUG_F64; return true;
  case 0x7b: *out = WASMPLUG_V128; return true;
  case 0x70: *out = WASMPLUG_FUNCREF; return true;
  case 0x6f: *out = WASMPLUG_EXTERNREF; return true;
  case 0x69: *out = WP_EXNREF; return true;
  case 0x63: { /* (ref null ht): the abstract ones are the shorthands above */
    uint8_t h;
    if (!wp_rd_u8(r, &h)) return false;
    r->p--;
    if (!heaptype(r, h, out)) return false;
    r->p++;
    return true;
  }
  case 0x64:
    r->p--;
    return wp_rd_fail(r, "non-nullable references (typed function references) are not "
                         "supported by wasmplug");
  case 0x6e: case 0x6d: case 0x6c: case 0x6b: case 0x6a: case 0x71: case 0x72: case 0x73:
  case 0x74: case 0x65:
    r->p--;
    return wp_rd_fail(r, "GC reference types are not supported by wasmplug");
  default:
    r->p--;
    return wp_rd_fail(r, "malformed value type 0x%02x", b);
  }
}

bool wp_rd_reftype(wp_reader_t *r, wasmplug_valkind_t *out) {
  const uint8_t *at = r->p;
  if (!wp_rd_valtype(r, out)) return false;
  if (!wp_is_ref(*out)) {
    r->p = at;
    return wp_rd_fail(r, "malformed reference type");
  }
  return true;
}

/* ----------------------------------------------------------- instructions */

static bool memarg(wp_reader_t *r, wp_instr_t *in) {
  uint32_t align;
  if (!wp_rd_u32(r, &align)) return false;
  in->mem = 0;
  /* multi-memory: bit 6 of the alignment field says a memory index follows */
  if (align & 0x40) {
    align &= ~0x40u;
    if (!wp_rd_u32(r, &in->mem)) return false;
  }
  in->align = align;
  return wp_rd_u64(r, &in->offset);
}

bool wp_read_label(wp_reader_t *r, uint32_t *out) { return wp_rd_u32(r, out); }

bool wp_read_catch(wp_reader_t *r, wp_catch_t *c) {
  c->tag = 0;
  if (!wp_rd_u8(r, &c->kind)) return false;
  if (c->kind > WP_CATCH_ALL_REF) {
    r->p--;
    return wp_rd_fail(r, "malformed catch clause 0x%02x", c->kind);
  }
  if (c->kind < WP_CATCH_ALL && !wp_rd_u32(r, &c->tag)) return false;
  return wp_rd_u32(r, &c->label);
}

static bool blocktype(wp_reader_t *r, wp_instr_t *in) {
  if (r->p >= r->end) return wp_rd_fail(r, "unexpected end of section or function");
  uint8_t b = *r->p;
  if (b == 0x40) {
    r->p++;
    in->bt = WP_BT_EMPTY;
    return true;
  }
  if ((b & 0xc0) == 0x40) { /* a one-byte negative s33: a value type */
    wasmplug_valkind_t t;
    if (!wp_rd_valtype(r, &t)) return false;
    in->bt = WP_BT_VAL + (int64_t)t;
    return true;
  }
  int64_t idx;
  if (!wp_rd_s33(r, &idx)) return false;
  if (idx < 0) return wp_rd_fail(r, "malformed block type");
  in->bt = WP_BT_INDEX + idx;
  return true;
}

bool wp_read_instr(wp_reader_t *r, wp_instr_t *in) {
  uint8_t b;
  in->off = (uint32_t)wp_rd_off(r);
  in->n = 0;
  in->vec = NULL;
  if (!wp_rd_u8(r, &b)) return false;
  uint32_t op = b;
  if (b == 0xfc || b == 0xfd || b == 0xfe) {
    uint32_t sub;
    if (!wp_rd_u32(r, &sub)) return false;
    uint32_t base = b == 0xfc ? WP_OP_FC : b == 0xfd ? WP_OP_FD : WP_OP_FE;
    uint32_t span = b == 0xfc ? 0x100 : b == 0xfd ? 0x200 : 0x100;
    if (sub >= span || wp_op_imm(base + sub) < 0) {
      r->p = r->start + in->off;
      if (b == 0xfd) return wp_rd_fail(r, "illegal opcode 0xfd 0x%x (unknown SIMD instruction)", sub);
      return wp_rd_fail(r, "illegal opcode 0x%02x 0x%x", b, sub);
    }
    op = base + sub;
  } else if (b == 0xfb) {
    r->p--;
    return wp_rd_fail(r, "GC instructions (opcode 0xfb) are not supported by wasmplug");
  } else if (b == 0x14 || b == 0x15 || (b >= 0xd3 && b <= 0xd6)) {
    r->p--;
    return wp_rd_fail(r, "typed function references (%s) are not supported by wasmplug",
                      b == 0x14 ? "call_ref" : b == 0x15 ? "return_call_ref"
                      : b == 0xd3 ? "ref.eq" : b == 0xd4 ? "ref.as_non_null"
                      : b == 0xd5 ? "br_on_null" : "br_on_non_null");
  } else if (wp_op_imm(op) < 0) {
    r->p--;
    return wp_rd_fail(r, "illegal opcode 0x%02x", b);
  }
  in->op = op;
  switch (wp_op_imm(op)) {
  case WP_IMM_NONE: return true;
  case WP_IMM_BLOCK: return blocktype(r, in);
  case WP_IMM_TRY_TABLE: {
    if (!blocktype(r, in) || !wp_rd_count(r, 2, &in->n)) return false;
    in->vec = r->p;
    wp_catch_t c;
    for (uint32_t i = 0; i < in->n; i++)
      if (!wp_read_catch(r, &c)) return false;
    return true;
  }
  case WP_IMM_LABEL: case WP_IMM_FUNC: case WP_IMM_LOCAL: case WP_IMM_GLOBAL:
  case WP_IMM_TABLE: case WP_IMM_ELEM: case WP_IMM_DATA: case WP_IMM_TAG:
    return wp_rd_u32(r, &in->a);
  case WP_IMM_BR_TABLE: {
    if (!wp_rd_count(r, 1, &in->n)) return false;
    in->vec = r->p;
    uint32_t l;
    for (uint32_t i = 0; i < in->n; i++)
      if (!wp_rd_u32(r, &l)) return false;
    return wp_rd_u32(r, &in->a);
  }
  case WP_IMM_CALL_INDIRECT: return wp_rd_u32(r, &in->a) && wp_rd_u32(r, &in->b);
  case WP_IMM_MEMARG: return memarg(r, in);
  case WP_IMM_MEMARG_LANE: return memarg(r, in) && wp_rd_u8(r, &in->lane);
  case WP_IMM_LANE: return wp_rd_u8(r, &in->lane);
  case WP_IMM_MEMIDX: return wp_rd_u32(r, &in->mem);
  case WP_IMM_I32: return wp_rd_s32(r, &in->imm.i32);
  case WP_IMM_I64: return wp_rd_s64(r, &in->imm.i64);
  case WP_IMM_F32: {
    const uint8_t *p;
    if (!wp_rd_bytes(r, 4, &p)) return false;
    in->imm.f32 = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                  (uint32_t)p[3] << 24;
    return true;
  }
  case WP_IMM_F64: {
    const uint8_t *p;
    if (!wp_rd_bytes(r, 8, &p)) return false;
    in->imm.f64 = 0;
    for (int i = 7; i >= 0; i--) in->imm.f64 = in->imm.f64 << 8 | p[i];
    return true;
  }
  case WP_IMM_V128: case WP_IMM_SHUFFLE: {
    const uint8_t *p;
    if (!wp_rd_bytes(r, 16, &p)) return false;
    memcpy(in->imm.v128, p, 16);
    return true;
  }
  case WP_IMM_SELECT_T: {
    if (!wp_rd_count(r, 1, &in->n)) return false;
    in->vec = r->p;
    wasmplug_valkind_t t;
    for (uint32_t i = 0; i < in->n; i++)
      if (!wp_rd_valtype(r, &t)) return false;
    return true;
  }
  case WP_IMM_REFNULL: {
    uint8_t h;
    wasmplug_valkind_t t;
    if (!wp_rd_u8(r, &h)) return false;
    r->p--;
    if (!heaptype(r, h, &t)) return false;
    r->p++;
    in->a = (uint32_t)t;
    return true;
  }
  case WP_IMM_TABLE2: return wp_rd_u32(r, &in->a) && wp_rd_u32(r, &in->b);
  case WP_IMM_TABLE_INIT: return wp_rd_u32(r, &in->a) && wp_rd_u32(r, &in->b);
  case WP_IMM_MEM2: return wp_rd_u32(r, &in->mem) && wp_rd_u32(r, &in->b);
  case WP_IMM_MEM_INIT: return wp_rd_u32(r, &in->a) && wp_rd_u32(r, &in->mem);
  case WP_IMM_ZERO: {
    uint8_t z;
    if (!wp_rd_u8(r, &z)) return false;
    if (z) {
      r->p--;
      return wp_rd_fail(r, "zero byte expected");
    }
    return true;
  }
  default: return wp_rd_fail(r, "internal error: immediate kind %d", wp_op_imm(op));
  }
}
