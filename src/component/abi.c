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

#define I32 0x7f
#define I64 0x7e
#define F32 0x7d
#define F64 0x7c

/* A flat list that saturates at WP_COMP_MAX_FLAT entries (only "more than
** 16" matters beyond that). */
typedef struct flat {
  uint32_t n;
  uint8_t t[WP_COMP_MAX_FLAT];
} flat;

static void flat_push(flat *f, uint8_t t) {
  if (f->n < WP_COMP_MAX_FLAT) f->t[f->n] = t;
  if (f->n < WP_COMP_MAX_FLAT) f->n++;
}

static void flat_append(flat *f, const wp_comp_type *t) {
  for (uint32_t i = 0; i < t->flat_count && f->n < WP_COMP_MAX_FLAT; i++)
    flat_push(f, t->flat[i]);
  if (t->flat_count >= WP_COMP_MAX_FLAT) f->n = WP_COMP_MAX_FLAT;
}

static uint8_t join(uint8_t a, uint8_t b) {
  if (a == b) return a;
  if ((a == I32 && b == F32) || (a == F32 && b == I32)) return I32;
  return I64;
}

static uint64_t align_to(uint64_t x, uint32_t a) { return (x + a - 1) / a * a; }

static uint32_t disc_size(uint64_t ncases) {
  return ncases <= 256 ? 1 : ncases <= 65536 ? 2 : 4;
}

/* Size and alignment with 64-bit pointers (a memory64 guest): only the
** bound of Binary.md (elem_size < 2^28 for either pointer width) uses them.
** Primitives are static constants without these fields. */
static uint64_t size64(const wp_comp_type *t) {
  if (t->kind == WP_COMP_T_STRING) return 16;
  return t->kind <= WP_COMP_T_ERROR_CONTEXT ? t->abi_size : t->abi_size64;
}
static uint32_t align64(const wp_comp_type *t) {
  if (t->kind == WP_COMP_T_STRING) return 8;
  return t->kind <= WP_COMP_T_ERROR_CONTEXT ? t->abi_align : t->abi_align64;
}

/* The 64-bit-pointer size of t (its children's are known), saturating. */
static uint64_t facts64(wp_comp_type *t) {
  uint64_t size = 0;
  uint32_t al = 1;
  switch (t->kind) {
    case WP_COMP_T_RECORD:
    case WP_COMP_T_TUPLE:
      for (uint32_t i = 0; i < t->n && size < WP_COMP_MAX_ABI_SIZE; i++) {
        const wp_comp_type *c = t->fields[i].type;
        size = align_to(size, align64(c)) + size64(c);
        if (align64(c) > al) al = align64(c);
      }
      size = align_to(size, al);
      break;
    case WP_COMP_T_VARIANT:
    case WP_COMP_T_OPTION:
    case WP_COMP_T_RESULT: {
      uint32_t n = t->kind == WP_COMP_T_VARIANT ? t->n : 2;
      uint64_t maxsz = 0;
      al = disc_size(n);
      for (uint32_t i = 0; i < n; i++) {
        const wp_comp_type *c = t->kind == WP_COMP_T_VARIANT ? t->fields[i].type
                              : t->kind == WP_COMP_T_OPTION ? (i ? t->elem : NULL)
                              : (i ? t->elem2 : t->elem);
        if (!c) continue;
        if (align64(c) > al) al = align64(c);
        if (size64(c) > maxsz) maxsz = size64(c);
      }
      size = align_to(align_to(disc_size(n), al) + maxsz, al);
      break;
    }
    case WP_COMP_T_LIST:
    case WP_COMP_T_MAP:
      size = 16;
      al = 8;
      break;
    case WP_COMP_T_FIXED_LIST:
      size = size64(t->elem) * t->len;
      al = align64(t->elem);
      break;
    default:
      size = t->abi_size;
      al = t->abi_align ? t->abi_align : 1;
      break;
  }
  t->abi_align64 = al;
  t->abi_size64 = size >= WP_COMP_MAX_ABI_SIZE ? WP_COMP_MAX_ABI_SIZE : (uint32_t)size;
  return size;
}

/* Variant-like layout over cases (NULL = no payload). */
static void variant_facts(wp_comp_type *t, const wp_comp_type *const *cases,
                          uint32_t n, uint64_t *size) {
  uint32_t ds = disc_size(n);
  uint32_t al = ds, maxsz = 0;
  flat f = {0};
  flat_push(&f, I32);
  for (uint32_t i = 0; i < n; i++) {
    const wp_comp_type *c = cases[i];
    if (!c) continue;
    if (c->abi_align > al) al = c->abi_align;
    if (c->abi_size > maxsz) maxsz = c->abi_size;
    for (uint32_t k = 0; k < c->flat_count && k < WP_COMP_MAX_FLAT - 1; k++) {
      if (k + 1 < f.n) f.t[k + 1] = join(f.t[k + 1], c->flat[k]);
      else flat_push(&f, c->flat[k]);
    }
    if (c->flat_count >= WP_COMP_MAX_FLAT - 1) f.n = WP_COMP_MAX_FLAT;
    t->has_borrow |= c->has_borrow;
    t->has_string_or_list |= c->has_string_or_list;
    t->has_resource_ref |= c->has_resource_ref;
  }
  *size = align_to(align_to(ds, al) + maxsz, al);
  t->abi_align = al;
  t->flat_count = f.n;
  memcpy(t->flat, f.t, sizeof t->flat);
}

static void child(wp_comp_type *t, const wp_comp_type *c) {
  if (!c) return;
  t->has_borrow |= c->has_borrow;
  t->has_string_or_list |= c->has_string_or_list;
  t->has_resource_ref |= c->has_resource_ref;
}

void wp_abi_compute(wp_cx *cx, wp_comp_type *t, const uint8_t *at) {
  uint64_t size = 0;
  flat f = {0};
  switch (t->kind) {
    case WP_COMP_T_RECORD:
    case WP_COMP_T_TUPLE: {
      uint32_t al = 1;
      for (uint32_t i = 0; i < t->n; i++) {
        const wp_comp_type *c = t->fields[i].type;
        size = align_to(size, c->abi_align) + c->abi_size;
        if (c->abi_align > al) al = c->abi_align;
        flat_append(&f, c);
        child(t, c);
        if (size >= WP_COMP_MAX_ABI_SIZE) break;
      }
      size = align_to(size, al);
      t->abi_align = al;
      break;
    }
    case WP_COMP_T_VARIANT:
    case WP_COMP_T_OPTION:
    case WP_COMP_T_RESULT: {
      const wp_comp_type *two[2];
      const wp_comp_type **v = two;
      uint32_t n = 2;
      if (t->kind == WP_COMP_T_VARIANT) {
        n = t->n;
        v = wp_alloc(cx, (size_t)n * sizeof *v);
        for (uint32_t i = 0; i < n; i++) v[i] = t->fields[i].type;
      } else if (t->kind == WP_COMP_T_OPTION) {
        two[0] = NULL;
        two[1] = t->elem;
      } else {
        two[0] = t->elem;
        two[1] = t->elem2;
      }
      variant_facts(t, v, n, &size);
      if (size >= WP_COMP_MAX_ABI_SIZE) break;
      t->abi_size = (uint32_t)size;
      if (facts64(t) >= WP_COMP_MAX_ABI_SIZE) break;
      return; /* flat facts already stored */
    }
    case WP_COMP_T_LIST:
    case WP_COMP_T_MAP:
      size = 8;
      t->abi_align = 4;
      flat_push(&f, I32);
      flat_push(&f, I32);
      child(t, t->elem);
      child(t, t->elem2);
      t->has_string_or_list = 1;
      break;
    case WP_COMP_T_FIXED_LIST: {
      const wp_comp_type *c = t->elem;
      size = (uint64_t)c->abi_size * t->len;
      t->abi_align = c->abi_align;
      child(t, c);
      /* every value type flattens to at least one core value, so this stops
      ** after at most WP_COMP_MAX_FLAT rounds whatever the length */
      for (uint32_t i = 0; i < t->len && f.n < WP_COMP_MAX_FLAT && c->flat_count; i++)
        flat_append(&f, c);
      break;
    }
    case WP_COMP_T_FLAGS:
      size = t->n <= 8 ? 1 : t->n <= 16 ? 2 : 4;
      t->abi_align = (uint32_t)size;
      flat_push(&f, I32);
      break;
    case WP_COMP_T_ENUM:
      size = disc_size(t->n);
      t->abi_align = (uint32_t)size;
      flat_push(&f, I32);
      break;
    case WP_COMP_T_OWN:
    case WP_COMP_T_BORROW:
      size = 4;
      t->abi_align = 4;
      flat_push(&f, I32);
      t->has_resource_ref = 1;
      t->has_borrow = t->kind == WP_COMP_T_BORROW;
      break;
    case WP_COMP_T_FUTURE:
    case WP_COMP_T_STREAM:
      size = 4;
      t->abi_align = 4;
      flat_push(&f, I32);
      if (t->elem && t->elem->has_borrow)
        wp_fail(cx, at, "%s element type may not contain a borrow",
                t->kind == WP_COMP_T_FUTURE ? "future" : "stream");
      if (t->elem) t->has_resource_ref |= t->elem->has_resource_ref;
      break;
    default:
      return; /* primitives copied from constants, non-value types */
  }
  if (size < WP_COMP_MAX_ABI_SIZE) {
    t->abi_size = (uint32_t)size;
    size = facts64(t);
  }
  if (size >= WP_COMP_MAX_ABI_SIZE) {
    wp_fail(cx, at, "type is too large: its Canonical ABI size (with 32- or 64-bit pointers) "
            "exceeds maximum byte size 2^28");
  }
  t->flat_count = f.n;
  memcpy(t->flat, f.t, sizeof t->flat);
}

/* ------------------------------------------------------------ signatures */

static wp_comp_core_functype *make_sig(wp_cx *cx, const flat *p, const flat *r) {
  wp_comp_core_functype *ft = wp_alloc(cx, sizeof *ft);
  uint8_t *pp = wp_alloc(cx, p->n + 1), *rr = wp_alloc(cx, r->n + 1);
  memcpy(pp, p->t, p->n);
  memcpy(rr, r->t, r->n);
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
      flat_push(&p, I32);
    }
    r.n = 0;
    if (lower) {
      if (ft->elem) flat_push(&p, I32);
      flat_push(&r, I32);
    } else if (callback) {
      flat_push(&r, I32);
    }
    return make_sig(cx, &p, &r);
  }
  if (p.n > WP_COMP_MAX_FLAT_PARAMS) {
    p.n = 0;
    flat_push(&p, I32);
  }
  if (r.n > WP_COMP_MAX_FLAT_RESULTS) {
    r.n = 0;
    if (lower) flat_push(&p, I32); /* caller passes a return pointer */
    else flat_push(&r, I32);       /* callee returns a pointer */
  }
  return make_sig(cx, &p, &r);
}

static const wp_comp_core_functype *sig(wp_cx *cx, const char *params,
                                        const char *results) {
  flat p = {0}, r = {0};
  for (const char *s = params; *s; s++) flat_push(&p, *s == 'I' ? I64 : I32);
  for (const char *s = results; *s; s++) flat_push(&r, *s == 'I' ? I64 : I32);
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
        flat_push(&p, I32);
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
