/*
 * fuse.c -- a fused adapter: the values of a call copied from one guest's
 * memory and core values straight into another's, without a value tree.
 *
 * What lift (out of the source guest) followed by lower (into the
 * destination guest) would do, in the same order and with the same checks
 * and messages: bounds and alignment of every pointer, list length
 * overflow, UTF-8, char ranges, discriminants; strings and lists are
 * realloc'ed in the destination (in lower's order) and copied there
 * directly, bools normalised, NaNs canonicalised, unused flag bits
 * cleared.
 *
 * Two passes.  The first only checks the source, so a source error traps
 * before the destination's realloc ever runs (as when lifting came first).
 * The second copies.  Nothing runs between them that can touch the source:
 * there is one thread of guest code, and the two guests' memories must be
 * distinct (the caller checks) -- the destination's realloc runs only the
 * destination's code.
 *
 * Supported: every type but own/borrow (handles move between tables),
 * streams, futures and error contexts, and maps.  In flat form a variant's
 * payload goes through lift's and lower's coercions of the joined slots.
 * Both guests must use UTF-8.  Anything else takes the value-tree path.
 */
#include "cabi/cabi_internal.h"

#include <stdio.h>

typedef struct fz {
  wp_cabi_cx_t *from, *to;
  bool copy; /* pass 2 */
} fz;

/* Whether ty can be fused. */
static bool fusable_type(const wp_cabi_type_t *ty) {
  switch (ty->kind) {
  case WP_CABI_OWN: case WP_CABI_BORROW: case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT:
    return false;
  case WP_CABI_LIST: return !ty->map && fusable_type(ty->elem);
  case WP_CABI_FIXED_LIST: return fusable_type(ty->elem);
  case WP_CABI_RECORD: case WP_CABI_TUPLE:
    for (uint32_t i = 0; i < ty->nfields; i++)
      if (!fusable_type(ty->fields[i].type)) return false;
    return true;
  case WP_CABI_VARIANT: case WP_CABI_OPTION: case WP_CABI_RESULT:
    for (uint32_t i = 0; i < wp_cabi_type_ncases(ty); i++) {
      const wp_cabi_type_t *c = wp_cabi_type_case(ty, i);
      if (c && !fusable_type(c)) return false;
    }
    return true;
  default: return true;
  }
}

/* Whether lifting a ty can fail (a pointer, char or discriminant). */
static bool can_fail(const wp_cabi_type_t *ty) {
  switch (ty->kind) {
  case WP_CABI_BOOL: case WP_CABI_S8: case WP_CABI_U8: case WP_CABI_S16: case WP_CABI_U16: case WP_CABI_S32:
  case WP_CABI_U32: case WP_CABI_S64: case WP_CABI_U64: case WP_CABI_F32: case WP_CABI_F64: case WP_CABI_FLAGS:
    return false;
  case WP_CABI_RECORD: case WP_CABI_TUPLE:
    for (uint32_t i = 0; i < ty->nfields; i++)
      if (can_fail(ty->fields[i].type)) return true;
    return false;
  case WP_CABI_FIXED_LIST: return can_fail(ty->elem);
  default: return true;
  }
}

/* Whether ty's bytes are all value: integers, and records, tuples and
** fixed lists of them without padding.  Only those are copied whole: the
** value-tree path writes a record's fields, never its padding (which
** would carry the source guest's stale bytes into the destination). */
static bool dense(const wp_cabi_type_t *ty) {
  if (!ty->plain) return false;
  switch (ty->kind) {
  case WP_CABI_RECORD: case WP_CABI_TUPLE: {
    uint32_t sum = 0;
    for (uint32_t i = 0; i < ty->nfields; i++) {
      if (!dense(ty->fields[i].type)) return false;
      sum += ty->fields[i].type->guest.size;
    }
    return sum == ty->guest.size;
  }
  case WP_CABI_FIXED_LIST: return dense(ty->elem);
  default: return true;
  }
}

bool wp_cabi_fuse_prepare(const wp_cabi_func_t *f, wp_cabi_fuse_t *out) {
  memset(out, 0, sizeof *out);
  if (f->nparams > WP_CABI_FUSE_MAXP) return false;
  for (size_t i = 0; i < f->nparams; i++)
    if (!fusable_type(f->params[i])) return false;
  if (f->result && !fusable_type(f->result)) return false;
  out->f = f;
  wp_cabi_func_flatten(f, WP_CABI_LIFT, &out->lift);
  wp_cabi_func_flatten(f, WP_CABI_LOWER, &out->lower);
  wp_cabi_params_layout(f, false, &out->psize, &out->palign, out->poff);
  for (size_t i = 0; i < f->nparams; i++) {
    out->checks |= can_fail(f->params[i]);
    out->pmem |= f->params[i]->has_pointers;
  }
  out->pmem |= out->lower.params_indirect;
  out->rmem = out->lift.results_indirect || (f->result && f->result->has_pointers);
  /* 32- and 64-bit integers only: the core values pass as they are */
  out->trivial = !out->pmem && !out->rmem;
  for (size_t i = 0; i <= f->nparams; i++) {
    const wp_cabi_type_t *t = i < f->nparams ? f->params[i] : f->result;
    if (t && t->kind != WP_CABI_S32 && t->kind != WP_CABI_U32 && t->kind != WP_CABI_S64 && t->kind != WP_CABI_U64)
      out->trivial = false;
  }
  return true;
}

/* --- strings and lists --- */

static wp_cabi_error_t *fz_string(fz *z, uint32_t sp, uint32_t sl, uint32_t *dp, uint32_t *dl) {
  uint64_t bytes = sl;
  if (bytes > WP_CABI_MAX_STRING_BYTES)
    return TRAP("string length %llu (%llu bytes) exceeds the maximum string byte length %u",
                (unsigned long long)bytes, (unsigned long long)bytes, WP_CABI_MAX_STRING_BYTES);
  if ((uint64_t)sp + bytes > z->from->mem.size)
    return TRAP("string pointer 0x%x + length %llu is out of bounds of memory (%llu bytes)", sp,
                (unsigned long long)bytes, (unsigned long long)z->from->mem.size);
  if (!z->copy) {
    const uint8_t *s = z->from->mem.base + sp;
    if (!wp_cabi_utf8_valid(s, sl))
      return TRAP("invalid UTF-8 in string at 0x%x (byte %zu of %llu)", sp, wp_cabi_utf8_error_at(s, sl),
                  (unsigned long long)bytes);
    return NULL;
  }
  uint32_t p = 0;
  wp_cabi_error_t *e = wp_cabi_opts_realloc(z->to, "string", 0, 0, 1, sl, &p);
  if (e) return e;
  if (sl) memcpy(z->to->mem.base + p, z->from->mem.base + sp, sl);
  *dp = p;
  *dl = sl;
  return NULL;
}

static wp_cabi_error_t *fz_mem(fz *z, const wp_cabi_type_t *ty, uint32_t sp, uint32_t dp);

static wp_cabi_error_t *fz_list(fz *z, const wp_cabi_type_t *ty, uint32_t lp, uint32_t ll, uint32_t *dp,
                                uint32_t *dl) {
  const wp_cabi_type_t *el = ty->elem;
  uint32_t es = el->guest.size;
  uint64_t bytes = (uint64_t)ll * es;
  if (bytes > UINT32_MAX) return TRAP("list length %u * element size %u overflows 32 bits", ll, es);
  wp_cabi_error_t *e = wp_cabi_check_range(z->from, "list", lp, bytes, el->guest.align);
  if (e) return e;
  if (!z->copy) {
    if (can_fail(el))
      for (uint32_t i = 0; i < ll; i++)
        if ((e = fz_mem(z, el, lp + i * es, 0))) return e;
    return NULL;
  }
  uint32_t p = 0;
  if ((e = wp_cabi_opts_realloc(z->to, "list", 0, 0, el->guest.align, (uint32_t)bytes, &p))) return e;
  if (dense(el)) {
    if (bytes) memcpy(z->to->mem.base + p, z->from->mem.base + lp, bytes);
  } else {
    for (uint32_t i = 0; i < ll; i++)
      if ((e = fz_mem(z, el, lp + i * es, p + i * es))) return e;
  }
  *dp = p;
  *dl = ll;
  return NULL;
}

static wp_cabi_error_t *bad_disc(const wp_cabi_type_t *ty, uint32_t d, const char *where, uint32_t ptr) {
  static const char *const names[] = {[WP_CABI_VARIANT] = "variant", [WP_CABI_ENUM] = "enum",
                                      [WP_CABI_OPTION] = "option", [WP_CABI_RESULT] = "result"};
  if (where)
    return TRAP("invalid %s discriminant %u (%u cases) %s", names[ty->kind], d, wp_cabi_type_ncases(ty), where);
  return TRAP("invalid %s discriminant %u (%u cases) at 0x%x", names[ty->kind], d, wp_cabi_type_ncases(ty), ptr);
}

/* --- memory to memory (lift.c's load_v, then lower.c's store_v) --- */

static wp_cabi_error_t *fz_mem(fz *z, const wp_cabi_type_t *ty, uint32_t sp, uint32_t dp) {
  const uint8_t *s = z->from->mem.base + sp;
  /* d is re-derived after anything that may call realloc */
#define D (z->to->mem.base + dp)
  wp_cabi_error_t *e;
  switch (ty->kind) {
  case WP_CABI_BOOL: if (z->copy) D[0] = s[0] != 0; return NULL;
  case WP_CABI_S8: case WP_CABI_U8: if (z->copy) D[0] = s[0]; return NULL;
  case WP_CABI_S16: case WP_CABI_U16: if (z->copy) memcpy(D, s, 2); return NULL;
  case WP_CABI_S32: case WP_CABI_U32: if (z->copy) memcpy(D, s, 4); return NULL;
  case WP_CABI_S64: case WP_CABI_U64: if (z->copy) memcpy(D, s, 8); return NULL;
  case WP_CABI_F32:
    if (z->copy) {
      float f;
      memcpy(&f, s, 4);
      f = wp_cabi_canon_f32(f);
      memcpy(D, &f, 4);
    }
    return NULL;
  case WP_CABI_F64:
    if (z->copy) {
      double f;
      memcpy(&f, s, 8);
      f = wp_cabi_canon_f64(f);
      memcpy(D, &f, 8);
    }
    return NULL;
  case WP_CABI_CHAR: {
    uint32_t c = rd_u32(s);
    if (!wp_cabi_char_ok(c)) return TRAP("invalid char 0x%x at 0x%x (out of range or surrogate)", c, sp);
    if (z->copy) wr_u32(D, c);
    return NULL;
  }
  case WP_CABI_STRING: case WP_CABI_LIST: {
    uint32_t a = 0, b = 0;
    e = ty->kind == WP_CABI_STRING ? fz_string(z, rd_u32(s), rd_u32(s + 4), &a, &b)
                                   : fz_list(z, ty, rd_u32(s), rd_u32(s + 4), &a, &b);
    if (e) return e;
    if (z->copy) {
      wr_u32(D, a);
      wr_u32(D + 4, b);
    }
    return NULL;
  }
  case WP_CABI_RECORD: case WP_CABI_TUPLE:
    if (dense(ty)) {
      if (z->copy) memcpy(D, s, ty->guest.size);
      return NULL;
    }
    for (uint32_t i = 0; i < ty->nfields; i++) {
      const wp_cabi_field_t *f = &ty->fields[i];
      if ((e = fz_mem(z, f->type, sp + f->guest_offset, dp + f->guest_offset))) return e;
    }
    return NULL;
  case WP_CABI_FIXED_LIST:
    if (dense(ty)) {
      if (z->copy) memcpy(D, s, ty->guest.size);
      return NULL;
    }
    for (uint32_t i = 0; i < ty->length; i++)
      if ((e = fz_mem(z, ty->elem, sp + i * ty->elem->guest.size, dp + i * ty->elem->guest.size))) return e;
    return NULL;
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    uint32_t d = rd_disc(s, ty->disc_size);
    if (d >= wp_cabi_type_ncases(ty)) return bad_disc(ty, d, NULL, sp);
    if (z->copy) wr_disc(D, ty->disc_size, d);
    const wp_cabi_type_t *c = wp_cabi_type_case(ty, d);
    return c ? fz_mem(z, c, sp + ty->guest_payload_offset, dp + ty->guest_payload_offset) : NULL;
  }
  case WP_CABI_FLAGS: {
    uint32_t v = rd_disc(s, ty->guest.size);
    v &= flags_mask(ty);
    if (z->copy) wr_disc(D, ty->guest.size, v);
    return NULL;
  }
  default: return INVALID("a value of kind %d cannot be fused", (int)ty->kind);
  }
#undef D
}

/* --- flat to flat (lift.c's lift_flat_v, then lower.c's lower_flat_v) --- */

static wp_cabi_error_t *fz_flat(fz *z, const wp_cabi_type_t *ty, const wp_cabi_flat_t *in, size_t *i,
                                wp_cabi_flat_t *out) {
  wp_cabi_flat_t x = in[*i];
  wp_cabi_flat_t *o = z->copy ? &out[*i] : NULL;
  wp_cabi_error_t *e;
  if (o) o->i64 = 0;
  switch (ty->kind) {
  case WP_CABI_BOOL: (*i)++; if (z->copy) o->i32 = x.i32 != 0; return NULL;
  case WP_CABI_S8: (*i)++; if (z->copy) o->i32 = (uint32_t)(int32_t)(int8_t)x.i32; return NULL;
  case WP_CABI_U8: (*i)++; if (z->copy) o->i32 = (uint8_t)x.i32; return NULL;
  case WP_CABI_S16: (*i)++; if (z->copy) o->i32 = (uint32_t)(int32_t)(int16_t)x.i32; return NULL;
  case WP_CABI_U16: (*i)++; if (z->copy) o->i32 = (uint16_t)x.i32; return NULL;
  case WP_CABI_S32: case WP_CABI_U32: (*i)++; if (z->copy) o->i32 = x.i32; return NULL;
  case WP_CABI_S64: case WP_CABI_U64: (*i)++; if (z->copy) o->i64 = x.i64; return NULL;
  case WP_CABI_F32: (*i)++; if (z->copy) o->f32 = wp_cabi_canon_f32(x.f32); return NULL;
  case WP_CABI_F64: (*i)++; if (z->copy) o->f64 = wp_cabi_canon_f64(x.f64); return NULL;
  case WP_CABI_CHAR:
    (*i)++;
    if (!wp_cabi_char_ok(x.i32))
      return TRAP("invalid char 0x%x in flat value %zu (out of range or surrogate)", x.i32, *i - 1);
    if (z->copy) o->i32 = x.i32;
    return NULL;
  case WP_CABI_STRING: case WP_CABI_LIST: {
    uint32_t len = in[*i + 1].i32, a = 0, b = 0;
    *i += 2;
    e = ty->kind == WP_CABI_STRING ? fz_string(z, x.i32, len, &a, &b) : fz_list(z, ty, x.i32, len, &a, &b);
    if (e) return e;
    if (z->copy) {
      o[0].i32 = a;
      o[1].i64 = 0;
      o[1].i32 = b;
    }
    return NULL;
  }
  case WP_CABI_RECORD: case WP_CABI_TUPLE:
    for (uint32_t k = 0; k < ty->nfields; k++)
      if ((e = fz_flat(z, ty->fields[k].type, in, i, out))) return e;
    return NULL;
  case WP_CABI_FIXED_LIST:
    for (uint32_t k = 0; k < ty->length; k++)
      if ((e = fz_flat(z, ty->elem, in, i, out))) return e;
    return NULL;
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    size_t start = *i;
    if (x.i32 >= wp_cabi_type_ncases(ty)) {
      char where[48];
      snprintf(where, sizeof where, "in flat value %zu", start);
      return bad_disc(ty, x.i32, where, 0);
    }
    *i = start + ty->nflat; /* the whole variant is consumed either way */
    if (o) {
      memset(o, 0, ty->nflat * sizeof *o); /* unused slots are zero */
      o->i32 = x.i32;
    }
    const wp_cabi_type_t *c = wp_cabi_type_case(ty, x.i32);
    if (!c) return NULL;
    /* as lift: the joined slots coerced to the case's own flat types,
    ** the case fused from those (its flat values counted from 0), then
    ** as lower: coerced back to the joined types */
    wp_cabi_flat_t cin[WP_CABI_FLAT_CAP], cout[WP_CABI_FLAT_CAP];
    for (uint32_t k = 0; k < c->nflat; k++) cin[k] = wp_cabi_flat_coerce_in(in[start + 1 + k], ty->flat[1 + k], c->flat[k]);
    size_t j = 0;
    if ((e = fz_flat(z, c, cin, &j, o ? cout : NULL))) return e;
    if (o)
      for (uint32_t k = 0; k < c->nflat; k++) o[1 + k] = wp_cabi_flat_coerce_out(cout[k], c->flat[k], ty->flat[1 + k]);
    return NULL;
  }
  case WP_CABI_FLAGS:
    (*i)++;
    if (z->copy) o->i32 = x.i32 & flags_mask(ty);
    return NULL;
  default: return INVALID("a value of kind %d cannot be fused", (int)ty->kind);
  }
}

/* n values of types ts: flat values in[] -> out[], or spilled: the block at
** sp -> the block at dp (offsets off[]). */
static wp_cabi_error_t *fz_values(fz *z, size_t n, const wp_cabi_type_t *const *ts, bool indirect, uint32_t sp,
                                  uint32_t dp, const uint32_t *off, const wp_cabi_flat_t *in, wp_cabi_flat_t *out) {
  wp_cabi_error_t *e;
  if (indirect) {
    for (size_t i = 0; i < n; i++)
      if ((e = fz_mem(z, ts[i], sp + off[i], dp + off[i]))) return e;
    return NULL;
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    /* as lift_flat: each value's flat values are counted from its first */
    size_t j = 0;
    if ((e = fz_flat(z, ts[i], in + k, &j, out ? out + k : NULL))) return e;
    k += ts[i]->nflat;
  }
  return NULL;
}

wp_cabi_error_t *wp_cabi_fuse_args(const wp_cabi_fuse_t *fu, wp_cabi_cx_t *from, wp_cabi_cx_t *to, bool copy,
                                   const wp_cabi_flat_t *in, size_t nin, wp_cabi_flat_t *out, size_t *nout) {
  const wp_cabi_func_t *f = fu->f;
  uint32_t want = fu->lower.nparams - (fu->lower.results_indirect ? 1 : 0);
  *nout = 0;
  if (nin < want) return INVALID("expected %u flat params, got %zu", want, nin);
  fz z = {from, to, copy};
  wp_cabi_error_t *e;
  if (fu->lower.params_indirect) {
    uint32_t p = in[0].i32, d = 0;
    if ((e = wp_cabi_check_range(from, "params", p, fu->psize, fu->palign))) return e;
    if (copy && (e = wp_cabi_opts_realloc(to, "params", 0, 0, fu->palign, fu->psize, &d))) return e;
    if ((e = fz_values(&z, f->nparams, f->params, true, p, d, fu->poff, NULL, NULL))) return e;
    if (copy) {
      out[0].i64 = 0;
      out[0].i32 = d;
      *nout = 1;
    }
    return NULL;
  }
  /* integers, floats, bools, flags: nothing that can fail */
  if (!copy && !fu->checks) return NULL;
  if ((e = fz_values(&z, f->nparams, f->params, false, 0, 0, NULL, in, copy ? out : NULL))) return e;
  if (copy) *nout = fu->lift.nparams;
  return NULL;
}

wp_cabi_error_t *wp_cabi_fuse_results(const wp_cabi_fuse_t *fu, wp_cabi_cx_t *from, wp_cabi_cx_t *to, bool copy,
                                      const wp_cabi_flat_t *res, size_t nres, const wp_cabi_flat_t *core_params,
                                      size_t ncore, wp_cabi_flat_t *out, size_t *nout) {
  const wp_cabi_func_t *f = fu->f;
  *nout = 0;
  if (!f->result) return NULL;
  if (fu->rmem) {
    wp_cabi_cx_refresh(from); /* guest code ran since: memory may have moved */
    if (copy) wp_cabi_cx_refresh(to);
  }
  if (nres < fu->lift.nresults) return INVALID("expected %u flat results, got %zu", fu->lift.nresults, nres);
  fz z = {from, to, copy};
  wp_cabi_error_t *e;
  const wp_cabi_type_t *ty = f->result;
  if (fu->lift.results_indirect) {
    uint32_t p = res[0].i32, d = 0;
    if ((e = wp_cabi_check_range(from, "result", p, ty->guest.size, ty->guest.align))) return e;
    if (copy) {
      if (ncore < fu->lower.nparams)
        return INVALID("expected %u core params (with the return pointer), got %zu", fu->lower.nparams, ncore);
      d = core_params[fu->lower.nparams - 1].i32;
      if ((e = wp_cabi_check_range(to, "return", d, ty->guest.size, ty->guest.align))) return e;
    }
    return fz_mem(&z, ty, p, d);
  }
  size_t j = 0;
  if ((e = fz_flat(&z, ty, res, &j, copy ? out : NULL))) return e;
  if (copy) *nout = ty->nflat;
  return NULL;
}
