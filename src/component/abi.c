/*
** abi.c — the Canonical ABI facts validation needs (CanonicalABI.md):
** element size and alignment, flattening to core types, and the core
** signatures of canon definitions.
**
** Facts are computed once per defined type from its children's cached facts,
** so no walk ever recurses through a type graph: hostile inputs can chain
** types arbitrarily deep or share them exponentially.
*/
#include "component/internal.h"

#include <string.h>

/* A flattening under construction (cabi/layout.h: the first
** WP_CABI_FLAT_CAP types, the exact count). */
typedef struct flat {
  uint32_t n;
  wp_cabi_core_t t[WP_CABI_FLAT_CAP];
} flat;

static void flat_push(flat *f, wp_cabi_core_t t) { wp_flat_push(f->t, &f->n, t); }
static void flat_append(flat *f, const wp_comp_type *t) { wp_flat_append(f->t, &f->n, t->flat, t->flat_count); }

/* Stores a finished flattening in t: only "more than 16" matters beyond
** WP_COMP_MAX_FLAT values, so the count saturates there. */
static void flat_store(wp_comp_type *t, const flat *f) {
  t->flat_count = f->n < WP_COMP_MAX_FLAT ? f->n : WP_COMP_MAX_FLAT;
  memcpy(t->flat, f->t, sizeof t->flat);
}

/* Size and alignment with 64-bit pointers (a memory64 guest): only the
** bound of Binary.md (elem_size < 2^28 for either pointer width) uses them.
** Primitives are static constants without these fields. */
static uint64_t size64(const wp_comp_type *t) {
  if (t->kind == WP_COMP_T_STRING) return 16;
  return wp_comp_kind_is_prim(t->kind) ? t->abi_size : t->abi_size64;
}
static uint32_t align64(const wp_comp_type *t) {
  if (t->kind == WP_COMP_T_STRING) return 8;
  return wp_comp_kind_is_prim(t->kind) ? t->abi_align : t->abi_align64;
}

/* The variant-like's payload types (NULL: a case without one) in *cases,
** their number returned; *cases may point at two[]. */
static uint32_t cases_of(wp_cx *cx, const wp_comp_type *t, const wp_comp_type **two,
                         const wp_comp_type *const **cases) {
  if (t->kind == WP_COMP_T_VARIANT) {
    const wp_comp_type **v = wp_alloc(cx, (size_t)t->n * sizeof *v + 1);
    for (uint32_t i = 0; i < t->n; i++) v[i] = t->fields[i].type;
    *cases = v;
    return t->n;
  }
  two[0] = t->kind == WP_COMP_T_OPTION ? NULL : t->elem;
  two[1] = t->kind == WP_COMP_T_OPTION ? t->elem : t->elem2;
  *cases = two;
  return 2;
}

/* The 64-bit-pointer layout of t (its children's are known), saturating. */
static uint64_t facts64(wp_comp_type *t, const wp_comp_type *const *cases, uint32_t ncases) {
  wp_layout_t l = WP_LAYOUT_EMPTY;
  switch (t->kind) {
    case WP_COMP_T_RECORD:
    case WP_COMP_T_TUPLE:
      for (uint32_t i = 0; i < t->n && l.size < WP_COMP_MAX_ABI_SIZE; i++)
        wp_layout_field(&l, size64(t->fields[i].type), align64(t->fields[i].type));
      wp_layout_fields_end(&l);
      break;
    case WP_COMP_T_VARIANT:
    case WP_COMP_T_OPTION:
    case WP_COMP_T_RESULT: {
      wp_layout_t max = WP_LAYOUT_EMPTY;
      for (uint32_t i = 0; i < ncases; i++)
        if (cases[i]) wp_layout_case(&max, size64(cases[i]), align64(cases[i]));
      l = wp_layout_cases_end(&max, ncases, NULL);
      break;
    }
    case WP_COMP_T_LIST:
    case WP_COMP_T_MAP:
      l = (wp_layout_t){16, 8};
      break;
    case WP_COMP_T_FIXED_LIST:
      l = (wp_layout_t){size64(t->elem) * t->len, align64(t->elem)};
      break;
    default:
      l = (wp_layout_t){t->abi_size, t->abi_align ? t->abi_align : 1};
      break;
  }
  t->abi_align64 = l.align;
  t->abi_size64 = l.size >= WP_COMP_MAX_ABI_SIZE ? WP_COMP_MAX_ABI_SIZE : (uint32_t)l.size;
  return l.size;
}

static void child(wp_comp_type *t, const wp_comp_type *c) {
  if (!c) return;
  t->has_borrow |= c->has_borrow;
  t->has_string_or_list |= c->has_string_or_list;
  t->has_resource_ref |= c->has_resource_ref;
}

void wp_abi_compute(wp_cx *cx, wp_comp_type *t, const uint8_t *at) {
  wp_layout_t l = WP_LAYOUT_EMPTY;
  flat f = {0};
  const wp_comp_type *two[2];
  const wp_comp_type *const *cases = NULL;
  uint32_t ncases = 0;
  switch (t->kind) {
    case WP_COMP_T_RECORD:
    case WP_COMP_T_TUPLE:
      for (uint32_t i = 0; i < t->n && l.size < WP_COMP_MAX_ABI_SIZE; i++) {
        const wp_comp_type *c = t->fields[i].type;
        wp_layout_field(&l, c->abi_size, c->abi_align);
        flat_append(&f, c);
        child(t, c);
      }
      wp_layout_fields_end(&l);
      break;
    case WP_COMP_T_VARIANT:
    case WP_COMP_T_OPTION:
    case WP_COMP_T_RESULT: {
      ncases = cases_of(cx, t, two, &cases);
      wp_layout_t max = WP_LAYOUT_EMPTY;
      uint32_t widest;
      wp_flat_cases_begin(f.t, &f.n, &widest);
      for (uint32_t i = 0; i < ncases; i++) {
        const wp_comp_type *c = cases[i];
        if (!c) continue;
        wp_layout_case(&max, c->abi_size, c->abi_align);
        wp_flat_case(f.t, &f.n, &widest, c->flat, c->flat_count);
        child(t, c);
      }
      wp_flat_cases_end(&f.n, widest);
      l = wp_layout_cases_end(&max, ncases, NULL);
      break;
    }
    case WP_COMP_T_LIST:
    case WP_COMP_T_MAP:
      l = (wp_layout_t){8, 4};
      flat_push(&f, WP_CABI_I32);
      flat_push(&f, WP_CABI_I32);
      child(t, t->elem);
      child(t, t->elem2);
      t->has_string_or_list = 1;
      break;
    case WP_COMP_T_FIXED_LIST: {
      const wp_comp_type *c = t->elem;
      l = (wp_layout_t){(uint64_t)c->abi_size * t->len, c->abi_align};
      child(t, c);
      /* every value type flattens to at least one core value, so this stops
      ** after at most WP_CABI_FLAT_CAP rounds whatever the length */
      for (uint32_t i = 0; i < t->len && f.n < WP_CABI_FLAT_CAP && c->flat_count; i++)
        flat_append(&f, c);
      break;
    }
    case WP_COMP_T_FLAGS:
      l.size = l.align = wp_layout_flags_size(t->n);
      flat_push(&f, WP_CABI_I32);
      break;
    case WP_COMP_T_ENUM:
      l.size = l.align = wp_layout_disc_size(t->n);
      flat_push(&f, WP_CABI_I32);
      break;
    case WP_COMP_T_OWN:
    case WP_COMP_T_BORROW:
      l = (wp_layout_t){4, 4};
      flat_push(&f, WP_CABI_I32);
      t->has_resource_ref = 1;
      t->has_borrow = t->kind == WP_COMP_T_BORROW;
      break;
    case WP_COMP_T_FUTURE:
    case WP_COMP_T_STREAM:
      l = (wp_layout_t){4, 4};
      flat_push(&f, WP_CABI_I32);
      if (t->elem && t->elem->has_borrow)
        wp_fail(cx, at, "%s element type may not contain a borrow",
                t->kind == WP_COMP_T_FUTURE ? "future" : "stream");
      if (t->elem) t->has_resource_ref |= t->elem->has_resource_ref;
      break;
    default:
      return; /* primitives copied from constants, non-value types */
  }
  uint64_t size = l.size;
  t->abi_align = l.align;
  if (size < WP_COMP_MAX_ABI_SIZE) {
    t->abi_size = (uint32_t)size;
    size = facts64(t, cases, ncases);
  }
  if (size >= WP_COMP_MAX_ABI_SIZE) {
    wp_fail(cx, at, "type is too large: its Canonical ABI size (with 32- or 64-bit pointers) "
            "exceeds maximum byte size 2^28");
  }
  flat_store(t, &f);
}

/* ------------------------------------------------------------ signatures */

/* Core signatures are in core wasm's valtype bytes. */
static void valtypes(uint8_t *out, const flat *f) {
  static const uint8_t byte[] = {[WP_CABI_I32] = 0x7f, [WP_CABI_I64] = 0x7e, [WP_CABI_CF32] = 0x7d,
                                 [WP_CABI_CF64] = 0x7c};
  for (uint32_t i = 0; i < f->n; i++) out[i] = byte[f->t[i]];
}

/* p and r hold at most MAX_FLAT_PARAMS + 1 and MAX_FLAT_RESULTS + 1 values
** here (longer ones went through memory). */
static wp_comp_core_functype *make_sig(wp_cx *cx, const flat *p, const flat *r) {
  wp_comp_core_functype *ft = wp_alloc(cx, sizeof *ft);
  uint8_t *pp = wp_alloc(cx, p->n + 1), *rr = wp_alloc(cx, r->n + 1);
  valtypes(pp, p);
  valtypes(rr, r);
  ft->nparams = p->n;
  ft->params = pp;
  ft->nresults = r->n;
  ft->results = rr;
  return ft;
}

const wp_comp_core_functype *wp_abi_core_sig(wp_cx *cx, const wp_comp_type *ft,
                                             int lower, int is_async, int callback) {
  flat p = {0}, r = {0};
  for (uint32_t i = 0; i < ft->n; i++) flat_append(&p, ft->fields[i].type);
  if (ft->elem) flat_append(&r, ft->elem);
  if (is_async) {
    /* CanonicalABI.md flatten_functype, async: a lifted callee gets its
    ** params like a sync one and returns nothing (stackful) or a callback
    ** code; a lowered async call passes at most MAX_FLAT_ASYNC_PARAMS flat
    ** params, then a result pointer when there is a result, and gets a
    ** packed subtask state back. */
    uint32_t maxp = lower ? WP_COMP_MAX_FLAT_ASYNC_PARAMS : WP_COMP_MAX_FLAT_PARAMS;
    if (p.n > maxp) {
      p.n = 0;
      flat_push(&p, WP_CABI_I32);
    }
    r.n = 0;
    if (lower) {
      if (ft->elem) flat_push(&p, WP_CABI_I32);
      flat_push(&r, WP_CABI_I32);
    } else if (callback) {
      flat_push(&r, WP_CABI_I32);
    }
    return make_sig(cx, &p, &r);
  }
  if (p.n > WP_COMP_MAX_FLAT_PARAMS) {
    p.n = 0;
    flat_push(&p, WP_CABI_I32);
  }
  if (r.n > WP_COMP_MAX_FLAT_RESULTS) {
    r.n = 0;
    if (lower) flat_push(&p, WP_CABI_I32); /* caller passes a return pointer */
    else flat_push(&r, WP_CABI_I32);       /* callee returns a pointer */
  }
  return make_sig(cx, &p, &r);
}

static const wp_comp_core_functype *sig(wp_cx *cx, const char *params,
                                        const char *results) {
  flat p = {0}, r = {0};
  for (const char *s = params; *s; s++) flat_push(&p, *s == 'I' ? WP_CABI_I64 : WP_CABI_I32);
  for (const char *s = results; *s; s++) flat_push(&r, *s == 'I' ? WP_CABI_I64 : WP_CABI_I32);
  return make_sig(cx, &p, &r);
}

const wp_comp_core_functype *wp_abi_canon_core_sig(wp_cx *cx, const wp_comp_canon *c) {
  switch (c->op) {
    case WP_COMP_CANON_LOWER:
      return wp_abi_core_sig(cx, c->functype, 1, c->opts.is_async, 0);
    case WP_COMP_CANON_TASK_RETURN: {
      /* task.return takes the result as the params of a sync lowered call */
      flat p = {0}, r = {0};
      if (c->result) flat_append(&p, c->result);
      if (p.n > WP_COMP_MAX_FLAT_PARAMS) {
        p.n = 0;
        flat_push(&p, WP_CABI_I32);
      }
      return make_sig(cx, &p, &r);
    }
    case WP_COMP_CANON_RESOURCE_NEW: return sig(cx, "i", "i");
    case WP_COMP_CANON_RESOURCE_DROP: return sig(cx, "i", "");
    case WP_COMP_CANON_RESOURCE_REP: return sig(cx, "i", "i");
    case WP_COMP_CANON_CONTEXT_GET: return sig(cx, "", "i");
    case WP_COMP_CANON_CONTEXT_SET: return sig(cx, "i", "");
    case WP_COMP_CANON_BACKPRESSURE_INC:
    case WP_COMP_CANON_BACKPRESSURE_DEC:
    case WP_COMP_CANON_TASK_CANCEL: return sig(cx, "", "");
    case WP_COMP_CANON_SUBTASK_DROP:
    case WP_COMP_CANON_WAITABLE_SET_DROP:
    case WP_COMP_CANON_ERROR_CONTEXT_DROP:
    case WP_COMP_CANON_STREAM_DROP_READABLE:
    case WP_COMP_CANON_STREAM_DROP_WRITABLE:
    case WP_COMP_CANON_FUTURE_DROP_READABLE:
    case WP_COMP_CANON_FUTURE_DROP_WRITABLE:
    case WP_COMP_CANON_THREAD_RESUME_LATER: return sig(cx, "i", "");
    case WP_COMP_CANON_SUBTASK_CANCEL:
    case WP_COMP_CANON_STREAM_CANCEL_READ:
    case WP_COMP_CANON_STREAM_CANCEL_WRITE:
    case WP_COMP_CANON_FUTURE_CANCEL_READ:
    case WP_COMP_CANON_FUTURE_CANCEL_WRITE:
    case WP_COMP_CANON_THREAD_SUSPEND_THEN_RESUME:
    case WP_COMP_CANON_THREAD_YIELD_THEN_RESUME:
    case WP_COMP_CANON_THREAD_SUSPEND_THEN_PROMOTE:
    case WP_COMP_CANON_THREAD_YIELD_THEN_PROMOTE: return sig(cx, "i", "i");
    case WP_COMP_CANON_WAITABLE_SET_NEW:
    case WP_COMP_CANON_THREAD_YIELD:
    case WP_COMP_CANON_THREAD_INDEX:
    case WP_COMP_CANON_THREAD_SUSPEND: return sig(cx, "", "i");
    case WP_COMP_CANON_STREAM_NEW:
    case WP_COMP_CANON_FUTURE_NEW: return sig(cx, "", "I"); /* readable | writable << 32 */
    case WP_COMP_CANON_STREAM_READ:
    case WP_COMP_CANON_STREAM_WRITE: return sig(cx, "iii", "i");
    case WP_COMP_CANON_FUTURE_READ:
    case WP_COMP_CANON_FUTURE_WRITE:
    case WP_COMP_CANON_ERROR_CONTEXT_NEW:
    case WP_COMP_CANON_WAITABLE_SET_WAIT:
    case WP_COMP_CANON_WAITABLE_SET_POLL:
    case WP_COMP_CANON_THREAD_NEW_INDIRECT: return sig(cx, "ii", "i");
    case WP_COMP_CANON_ERROR_CONTEXT_DEBUG_MESSAGE:
    case WP_COMP_CANON_WAITABLE_JOIN: return sig(cx, "ii", "");
    default: return NULL; /* shared-everything threads (spawn, parallelism): not modelled */
  }
}
