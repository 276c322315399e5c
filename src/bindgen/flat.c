/*
** flat.c — C code that lowers a C value to flat core values or lifts it
** back, for the guest side.  How a type flattens (CanonicalABI.md,
** flatten_type) is the canonical ABI layer's answer, from the type's
** descriptor: bindgen does not compute it again.
**
** A value occupies consecutive flat slots (local variables f<k> of the
** function's flat types).  Variant-likes put their discriminant in the
** first slot and every case's payload in the following slots, whose types
** are the join of the cases' types: a payload value narrower than its slot
** is widened (i32 -> i64 zero-extended, f32/f64 bit-cast to i32/i64) on
** the way down and narrowed again on the way up.
*/
#include <stdlib.h>
#include <string.h>

#include "bindgen/flat.h"

int bg_flat(bg_t *g, wp_wit_type_t t, bg_core_t *out) {
  if (t.kind == WP_WIT_T_NONE) return 0;
  if (!g->conv && !(g->conv = wp_wit_cabi_new(g->r, (wp_wit_cabi_resource_hook_t){NULL, NULL}))) {
    bg_fail(g, "out of memory");
    return 0;
  }
  wasmplug_error_t *e = NULL;
  const wp_cabi_type_t *ty = wp_wit_cabi_type(g->conv, t, &e);
  if (!ty) {
    bg_fail(g, "%s", e ? wasmplug_error_message(e) : "out of memory");
    wasmplug_error_delete(e);
    return 0;
  }
  uint32_t n = ty->nflat < BG_FLAT_CAP ? ty->nflat : BG_FLAT_CAP;
  memcpy(out, ty->flat, n * sizeof *out);
  return (int)n;
}

const char *bg_core_ctype(bg_core_t c) {
  switch (c) {
  case BG_I32: return "int32_t";
  case BG_I64: return "int64_t";
  case BG_F32: return "float";
  default: return "double";
  }
}

/* ------------------------------------------------------------- lowering */

/* The core type a leaf value lowers to on its own. */
static bg_core_t leaf_core(wp_wit_type_kind_t p) {
  switch (p) {
  case WP_WIT_T_U64:
  case WP_WIT_T_S64: return BG_I64;
  case WP_WIT_T_F32: return BG_F32;
  case WP_WIT_T_F64: return BG_F64;
  default: return BG_I32;
  }
}

/* "f<k> = <value of core type vc, widened to the slot's type>;" */
static void store_slot(wp_buf_t *c, const bg_core_t *slots, int k, bg_core_t vc, const char *v, const char *ind) {
  bg_core_t sc = slots[k];
  if (sc == vc) wp_buf_printf(c, "%sf%d = %s;\n", ind, k, v);
  else if (sc == BG_I64 && vc == BG_I32) wp_buf_printf(c, "%sf%d = (int64_t)(uint32_t)(%s);\n", ind, k, v);
  else if (sc == BG_I32 && vc == BG_F32) wp_buf_printf(c, "%sf%d = bg_f32_bits(%s);\n", ind, k, v);
  else if (sc == BG_I64 && vc == BG_F32) wp_buf_printf(c, "%sf%d = (int64_t)(uint32_t)bg_f32_bits(%s);\n", ind, k, v);
  else wp_buf_printf(c, "%sf%d = bg_f64_bits(%s);\n", ind, k, v); /* i64 <- f64 */
}

/* "<dest> = <slot k narrowed to core type vc>" as an expression */
static char *load_slot(const bg_core_t *slots, int k, bg_core_t vc) {
  bg_core_t sc = slots[k];
  if (sc == vc) return bg_fmt("f%d", k);
  if (sc == BG_I64 && vc == BG_I32) return bg_fmt("(int32_t)f%d", k);
  if (sc == BG_I32 && vc == BG_F32) return bg_fmt("bg_bits_f32(f%d)", k);
  if (sc == BG_I64 && vc == BG_F32) return bg_fmt("bg_bits_f32((int32_t)f%d)", k);
  return bg_fmt("bg_bits_f64(f%d)", k);
}

static char *sub(const char *expr, const char *field) { return bg_fmt("%s.%s", expr, field); }

/* Case i of a variant, option or result: its payload type (NONE when it
** has none) and the C expression naming the payload inside `value` (the
** native layout: variant .val.<case>, option .val, result .val.ok/.err).
** Returns the malloc'ed expression, or NULL when out of memory. */
static char *case_payload(const wp_wit_typedef_t *d, uint32_t i, const char *value, wp_wit_type_t *pt) {
  if (d->kind == WP_WIT_DEF_VARIANT) {
    *pt = d->fields[i].type;
    char *f = bg_ident(d->fields[i].name);
    char *e = f ? bg_fmt("%s.val.%s", value, f) : NULL;
    free(f);
    return e;
  }
  if (d->kind == WP_WIT_DEF_OPTION) {
    *pt = i == 1 ? d->type : (wp_wit_type_t){WP_WIT_T_NONE, 0};
    return bg_fmt("%s.val", value);
  }
  *pt = i == 0 ? d->type : d->type2;
  return bg_fmt("%s.val.%s", value, i == 0 ? "ok" : "err");
}

int bg_lower(bg_t *g, wp_buf_t *c, wp_wit_type_t t, const char *expr, const bg_core_t *slots, int k,
             const char *ind) {
  wp_wit_type_kind_t p;
  const wp_wit_typedef_t *d = bg_def(g, t, &p);
  if (!d) {
    if (p == WP_WIT_T_STRING) {
      wp_buf_printf(c, "%sf%d = (int32_t)(uintptr_t)%s.ptr;\n", ind, k, expr);
      wp_buf_printf(c, "%sf%d = (int32_t)%s.len;\n", ind, k + 1, expr);
      return k + 2;
    }
    bg_core_t vc = leaf_core(p);
    char *v = bg_fmt(vc == BG_I32 ? "(int32_t)%s" : vc == BG_I64 ? "(int64_t)%s" : "%s", expr);
    if (v) store_slot(c, slots, k, vc, v, ind);
    free(v);
    return k + 1;
  }
  char *ind2 = bg_fmt("%s  ", ind), *ind3 = bg_fmt("%s    ", ind);
  int end = k;
  switch (d->kind) {
  case WP_WIT_DEF_LIST:
  case WP_WIT_DEF_MAP:
    wp_buf_printf(c, "%sf%d = (int32_t)(uintptr_t)%s.ptr;\n", ind, k, expr);
    wp_buf_printf(c, "%sf%d = (int32_t)%s.len;\n", ind, k + 1, expr);
    end = k + 2;
    break;
  case WP_WIT_DEF_FIXED_LIST: /* flat only when short: one element after the other */
    end = k;
    for (uint32_t i = 0; i < d->size; i++) {
      char *e = bg_fmt("%s.items[%u]", expr, i);
      if (e) end = bg_lower(g, c, d->type, e, slots, end, ind);
      free(e);
    }
    break;
  case WP_WIT_DEF_HANDLE: {
    char *v = bg_fmt("%s.__handle", expr);
    if (v) store_slot(c, slots, k, BG_I32, v, ind);
    free(v);
    end = k + 1;
    break;
  }
  case WP_WIT_DEF_ENUM:
  case WP_WIT_DEF_FLAGS: {
    char *v = bg_fmt("(int32_t)%s", expr);
    if (v) store_slot(c, slots, k, BG_I32, v, ind);
    free(v);
    end = k + 1;
    break;
  }
  case WP_WIT_DEF_RECORD:
    end = k;
    for (uint32_t i = 0; i < d->n_fields; i++) {
      char *f = bg_ident(d->fields[i].name);
      char *e = f ? sub(expr, f) : NULL;
      if (e) end = bg_lower(g, c, d->fields[i].type, e, slots, end, ind);
      free(f);
      free(e);
    }
    break;
  case WP_WIT_DEF_TUPLE:
    end = k;
    for (uint32_t i = 0; i < d->n_types; i++) {
      char *e = bg_fmt("%s.f%u", expr, i);
      if (e) end = bg_lower(g, c, d->types[i], e, slots, end, ind);
      free(e);
    }
    break;
  case WP_WIT_DEF_VARIANT:
  case WP_WIT_DEF_OPTION:
  case WP_WIT_DEF_RESULT: {
    bg_core_t all[BG_FLAT_CAP];
    end = k + bg_flat(g, t, all);
    const char *disc = d->kind == WP_WIT_DEF_VARIANT ? "tag" : d->kind == WP_WIT_DEF_OPTION ? "is_some" : "is_err";
    wp_buf_printf(c, "%sf%d = (int32_t)%s.%s;\n", ind, k, expr, disc);
    wp_buf_printf(c, "%sswitch ((int32_t)%s.%s) {\n", ind, expr, disc);
    uint32_t n = d->kind == WP_WIT_DEF_VARIANT ? d->n_fields : 2;
    for (uint32_t i = 0; i < n; i++) {
      wp_wit_type_t pt;
      char *e = case_payload(d, i, expr, &pt);
      if (pt.kind == WP_WIT_T_NONE || !e) {
        free(e);
        continue;
      }
      wp_buf_printf(c, "%scase %u: {\n", ind2, i);
      bg_lower(g, c, pt, e, slots, k + 1, ind3);
      wp_buf_printf(c, "%s  break;\n%s}\n", ind2, ind2);
      free(e);
    }
    wp_buf_printf(c, "%sdefault:\n%s  break;\n%s}\n", ind2, ind2, ind);
    break;
  }
  default:
    bg_fail(g, "cannot lower a type of this kind");
    break;
  }
  free(ind2);
  free(ind3);
  return end;
}

int bg_lift(bg_t *g, wp_buf_t *c, wp_wit_type_t t, const char *dest, const bg_core_t *slots, int k,
            const char *ind) {
  wp_wit_type_kind_t p;
  const wp_wit_typedef_t *d = bg_def(g, t, &p);
  if (!d) {
    if (p == WP_WIT_T_STRING) {
      char *a = load_slot(slots, k, BG_I32), *b = load_slot(slots, k + 1, BG_I32);
      wp_buf_printf(c, "%s%s.ptr = (uint8_t *)(uintptr_t)%s;\n", ind, dest, a ? a : "0");
      wp_buf_printf(c, "%s%s.len = (size_t)(uint32_t)%s;\n", ind, dest, b ? b : "0");
      free(a);
      free(b);
      return k + 2;
    }
    bg_core_t vc = leaf_core(p);
    char *v = load_slot(slots, k, vc);
    if (p == WP_WIT_T_BOOL) wp_buf_printf(c, "%s%s = %s != 0;\n", ind, dest, v ? v : "0");
    else wp_buf_printf(c, "%s%s = (%s)%s;\n", ind, dest, bg_ctype(g, (wp_wit_type_t){p, 0}), v ? v : "0");
    free(v);
    return k + 1;
  }
  char *ind2 = bg_fmt("%s  ", ind), *ind3 = bg_fmt("%s    ", ind);
  int end = k;
  switch (d->kind) {
  case WP_WIT_DEF_LIST:
  case WP_WIT_DEF_MAP: {
    wp_wit_type_t u = t; /* the entry struct is named after the map itself, not an alias */
    if (u.kind == WP_WIT_T_ID) u.id = wp_wit_type_unalias(g->r, u.id);
    char *entry = d->kind == WP_WIT_DEF_MAP ? bg_map_entry_name(bg_ctype(g, u)) : NULL;
    const char *et = d->kind == WP_WIT_DEF_MAP ? (entry ? entry : "void") : bg_ctype(g, d->type);
    char *a = load_slot(slots, k, BG_I32), *b = load_slot(slots, k + 1, BG_I32);
    wp_buf_printf(c, "%s%s.ptr = (%s *)(uintptr_t)%s;\n", ind, dest, et, a ? a : "0");
    wp_buf_printf(c, "%s%s.len = (size_t)(uint32_t)%s;\n", ind, dest, b ? b : "0");
    free(a);
    free(b);
    free(entry);
    end = k + 2;
    break;
  }
  case WP_WIT_DEF_FIXED_LIST:
    end = k;
    for (uint32_t i = 0; i < d->size; i++) {
      char *e = bg_fmt("%s.items[%u]", dest, i);
      if (e) end = bg_lift(g, c, d->type, e, slots, end, ind);
      free(e);
    }
    break;
  case WP_WIT_DEF_HANDLE: {
    char *v = load_slot(slots, k, BG_I32);
    wp_buf_printf(c, "%s%s.__handle = %s;\n", ind, dest, v ? v : "0");
    free(v);
    end = k + 1;
    break;
  }
  case WP_WIT_DEF_ENUM:
  case WP_WIT_DEF_FLAGS: {
    char *v = load_slot(slots, k, BG_I32);
    wp_buf_printf(c, "%s%s = (%s)%s;\n", ind, dest, bg_ctype(g, t), v ? v : "0");
    free(v);
    end = k + 1;
    break;
  }
  case WP_WIT_DEF_RECORD:
    end = k;
    for (uint32_t i = 0; i < d->n_fields; i++) {
      char *f = bg_ident(d->fields[i].name);
      char *e = f ? sub(dest, f) : NULL;
      if (e) end = bg_lift(g, c, d->fields[i].type, e, slots, end, ind);
      free(f);
      free(e);
    }
    break;
  case WP_WIT_DEF_TUPLE:
    end = k;
    for (uint32_t i = 0; i < d->n_types; i++) {
      char *e = bg_fmt("%s.f%u", dest, i);
      if (e) end = bg_lift(g, c, d->types[i], e, slots, end, ind);
      free(e);
    }
    break;
  case WP_WIT_DEF_VARIANT:
  case WP_WIT_DEF_OPTION:
  case WP_WIT_DEF_RESULT: {
    bg_core_t all[BG_FLAT_CAP];
    end = k + bg_flat(g, t, all);
    char *v = load_slot(slots, k, BG_I32);
    if (d->kind == WP_WIT_DEF_VARIANT) {
      uint32_t n = d->n_fields;
      const char *ut = n <= 256 ? "uint8_t" : n <= 65536 ? "uint16_t" : "uint32_t";
      wp_buf_printf(c, "%s%s.tag = (%s)%s;\n", ind, dest, ut, v ? v : "0");
      wp_buf_printf(c, "%sswitch (%s.tag) {\n", ind, dest);
    } else {
      const char *disc = d->kind == WP_WIT_DEF_OPTION ? "is_some" : "is_err";
      wp_buf_printf(c, "%s%s.%s = %s != 0;\n", ind, dest, disc, v ? v : "0");
      wp_buf_printf(c, "%sswitch ((int)%s.%s) {\n", ind, dest, disc);
    }
    free(v);
    uint32_t n = d->kind == WP_WIT_DEF_VARIANT ? d->n_fields : 2;
    for (uint32_t i = 0; i < n; i++) {
      wp_wit_type_t pt;
      char *e = case_payload(d, i, dest, &pt);
      if (pt.kind == WP_WIT_T_NONE || !e) {
        free(e);
        continue;
      }
      wp_buf_printf(c, "%scase %u: {\n", ind2, i);
      bg_lift(g, c, pt, e, slots, k + 1, ind3);
      wp_buf_printf(c, "%s  break;\n%s}\n", ind2, ind2);
      free(e);
    }
    wp_buf_printf(c, "%sdefault:\n%s  break;\n%s}\n", ind2, ind2, ind);
    break;
  }
  default:
    bg_fail(g, "cannot lift a type of this kind");
    break;
  }
  free(ind2);
  free(ind3);
  return end;
}
