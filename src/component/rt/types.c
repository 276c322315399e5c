/*
** rt/types.c — component value types (wp_comp_type graphs) to canonical ABI
** descriptors, per frame.
**
** The conversion depends on the frame only through resource types: the same
** `(resource (rep i32))` definition is a new type in every instance, and an
** imported resource is whatever the importer was given.  So each frame binds
** resource type nodes to runtime resources (rt_bind_resource) and memoizes
** its conversions; the descriptors live in the store's types arena.
*/
#include "component/rt/rt.h"

#include <stdlib.h>
#include <string.h>

int rt_core_functype(rt_store *s, const wp_comp_core_functype *ct, wasmplug_functype_t *out) {
  wasmplug_valkind_t *k = rt_alloc(s, (ct->nparams + ct->nresults + 1) * sizeof *k);
  if (!k) return rt_fail(s, "out of memory");
  for (uint32_t i = 0; i < ct->nparams; i++) k[i] = wp_comp_core_valkind(ct->params[i]);
  for (uint32_t i = 0; i < ct->nresults; i++) k[ct->nparams + i] = wp_comp_core_valkind(ct->results[i]);
  out->nparams = ct->nparams;
  out->nresults = ct->nresults;
  out->params = k;
  out->results = k + ct->nparams;
  return 0;
}

static size_t slot_of(const void *key, size_t cap) {
  uintptr_t h = (uintptr_t)key;
  h ^= h >> 17;
  h *= (uintptr_t)0x9e3779b97f4a7c15ull;
  return (size_t)(h >> 7) & (cap - 1);
}

static const void *map_get(const rt_ptrmap *m, const void *key) {
  if (!m->cap) return NULL;
  for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
    if (m->keys[i] == key) return m->vals[i];
    if (!m->keys[i]) return NULL;
  }
}

/* Inserts or replaces; grows at half full (new store blocks, the old ones
** stay until the store dies: geometric, so linear memory overall). */
static int map_put(rt_store *s, rt_ptrmap *m, const void *key, const void *val) {
  if ((m->n + 1) * 2 > m->cap) {
    size_t ncap = m->cap ? m->cap * 2 : 32;
    const void **k = rt_alloc(s, ncap * sizeof *k), **v = rt_alloc(s, ncap * sizeof *v);
    if (!k || !v) return rt_fail(s, "out of memory");
    for (size_t i = 0; i < m->cap; i++) {
      if (!m->keys[i]) continue;
      size_t j = slot_of(m->keys[i], ncap);
      while (k[j]) j = (j + 1) & (ncap - 1);
      k[j] = m->keys[i];
      v[j] = m->vals[i];
    }
    m->keys = k;
    m->vals = v;
    m->cap = ncap;
  }
  size_t i = slot_of(key, m->cap);
  while (m->keys[i] && m->keys[i] != key) i = (i + 1) & (m->cap - 1);
  if (!m->keys[i]) m->n++;
  m->keys[i] = key;
  m->vals[i] = val;
  return 0;
}

int rt_bind_resource(rt_frame *f, const wp_comp_type *node, const wp_cabi_resource_t *res) {
  /* Rebinding happens when one component is instantiated twice in a frame
  ** and both instances' exports are aliased: the latest wins. */
  return map_put(f->store, &f->res, node, res);
}

const wp_cabi_resource_t *rt_lookup_resource(rt_frame *f, const wp_comp_type *node) {
  /* Outer aliases let a nested component name its parents' types; a name
  ** of a resource (an eq import, an export) is that resource. */
  for (const wp_comp_type *n = node; n; n = n->alias_of)
    for (rt_frame *g = f; g; g = g->parent) {
      const wp_cabi_resource_t *r = map_get(&g->res, n);
      if (r) return r;
    }
  return NULL;
}

static const void *memo_get(rt_frame *f, const void *key) { return map_get(&f->memo, key); }

/* Only a cache: a failure to remember is not an error. */
static void memo_put(rt_frame *f, const void *key, const void *val) {
  char saved[sizeof f->store->err];
  memcpy(saved, f->store->err, sizeof saved);
  if (map_put(f->store, &f->memo, key, val)) memcpy(f->store->err, saved, sizeof saved);
}

static const wp_cabi_type_t *fail_types(rt_frame *f, const char *what) {
  rt_fail(f->store, "cannot convert %s: %s", what, wp_cabi_types_error(f->store->types));
  return NULL;
}

/* Labels of a record/variant/enum/flags as NUL-terminated strings. */
static const char **labels(rt_frame *f, const wp_comp_type *t) {
  const char **names = rt_alloc(f->store, (t->n ? t->n : 1) * sizeof *names);
  if (!names) return NULL;
  for (uint32_t i = 0; i < t->n; i++)
    if (!(names[i] = rt_strndup(f->store, t->fields[i].name.ptr, t->fields[i].name.len))) return NULL;
  return names;
}

/* Converts a component type to a canonical ABI type, recursively.  Types
** are the guest's: a chain of definitions may be any depth (each refers
** to an earlier one, so the decoder never recurses; a 30000-deep chain
** crashed this walk).  The depth is bounded here, before recursing, by
** what the canonical ABI layer can represent at all. */
static const wp_cabi_type_t *rt_type_at(rt_frame *f, const wp_comp_type *t, unsigned depth) {
  if (!t) {
    rt_fail(f->store, "missing type");
    return NULL;
  }
  if (depth > WP_CABI_MAX_DEPTH) {
    rt_fail(f->store, "a type nested deeper than %d levels (the canonical ABI layer's limit)", WP_CABI_MAX_DEPTH);
    return NULL;
  }
  const wp_cabi_type_t *m = memo_get(f, t);
  if (m) return m;
  wp_cabi_types_t *ty = f->store->types;
  const wp_cabi_type_t *r = NULL;
  switch (t->kind) {
  case WP_COMP_T_BOOL: case WP_COMP_T_S8: case WP_COMP_T_U8: case WP_COMP_T_S16: case WP_COMP_T_U16:
  case WP_COMP_T_S32: case WP_COMP_T_U32: case WP_COMP_T_S64: case WP_COMP_T_U64: case WP_COMP_T_F32:
  case WP_COMP_T_F64: case WP_COMP_T_CHAR: case WP_COMP_T_STRING:
    r = wp_cabi_type_prim(ty, (wp_cabi_kind_t)t->kind); /* one enumeration: the same numbers */
    break;
  case WP_COMP_T_LIST: {
    const wp_cabi_type_t *e = rt_type_at(f, t->elem, depth + 1);
    if (!e) return NULL;
    r = wp_cabi_type_list(ty, e);
    break;
  }
  case WP_COMP_T_FIXED_LIST: {
    const wp_cabi_type_t *e = rt_type_at(f, t->elem, depth + 1);
    if (!e) return NULL;
    r = wp_cabi_type_fixed_list(ty, e, t->len);
    break;
  }
  case WP_COMP_T_MAP: {
    const wp_cabi_type_t *k = rt_type_at(f, t->elem, depth + 1), *v = k ? rt_type_at(f, t->elem2, depth + 1) : NULL;
    if (!v) return NULL;
    r = wp_cabi_type_map(ty, k, v);
    break;
  }
  case WP_COMP_T_OPTION: {
    const wp_cabi_type_t *e = rt_type_at(f, t->elem, depth + 1);
    if (!e) return NULL;
    r = wp_cabi_type_option(ty, e);
    break;
  }
  case WP_COMP_T_RESULT: {
    const wp_cabi_type_t *ok = NULL, *err = NULL;
    if (t->elem && !(ok = rt_type_at(f, t->elem, depth + 1))) return NULL;
    if (t->elem2 && !(err = rt_type_at(f, t->elem2, depth + 1))) return NULL;
    r = wp_cabi_type_result(ty, ok, err);
    break;
  }
  case WP_COMP_T_RECORD:
  case WP_COMP_T_TUPLE:
  case WP_COMP_T_VARIANT: {
    const wp_cabi_type_t **fs = rt_alloc(f->store, (t->n ? t->n : 1) * sizeof *fs);
    const char **names = t->kind == WP_COMP_T_TUPLE ? NULL : labels(f, t);
    if (!fs || (t->kind != WP_COMP_T_TUPLE && !names)) {
      rt_fail(f->store, "out of memory");
      return NULL;
    }
    for (uint32_t i = 0; i < t->n; i++)
      if (t->fields[i].type && !(fs[i] = rt_type_at(f, t->fields[i].type, depth + 1))) return NULL;
    if (t->kind == WP_COMP_T_RECORD) r = wp_cabi_type_record(ty, t->n, names, fs);
    else if (t->kind == WP_COMP_T_TUPLE) r = wp_cabi_type_tuple(ty, t->n, fs);
    else r = wp_cabi_type_variant(ty, t->n, names, fs);
    break;
  }
  case WP_COMP_T_ENUM:
  case WP_COMP_T_FLAGS: {
    const char **names = labels(f, t);
    if (!names) {
      rt_fail(f->store, "out of memory");
      return NULL;
    }
    r = t->kind == WP_COMP_T_ENUM ? wp_cabi_type_enum(ty, t->n, names) : wp_cabi_type_flags(ty, t->n, names);
    break;
  }
  case WP_COMP_T_ERROR_CONTEXT: r = wp_cabi_type_error_context(ty); break;
  case WP_COMP_T_STREAM:
  case WP_COMP_T_FUTURE: {
    const wp_cabi_type_t *e = NULL;
    if (t->elem && !(e = rt_type_at(f, t->elem, depth + 1))) return NULL;
    r = t->kind == WP_COMP_T_STREAM ? wp_cabi_type_stream(ty, e) : wp_cabi_type_future(ty, e);
    break;
  }
  case WP_COMP_T_OWN:
  case WP_COMP_T_BORROW: {
    const wp_cabi_resource_t *res = rt_lookup_resource(f, t->elem);
    if (!res) {
      char buf[256];
      wp_comp_type_wit(t, buf, sizeof buf);
      rt_fail(f->store, "resource type of `%s` is not bound in this instance", buf);
      return NULL;
    }
    r = t->kind == WP_COMP_T_OWN ? wp_cabi_type_own(ty, res) : wp_cabi_type_borrow(ty, res);
    break;
  }
  default: {
    char buf[256];
    wp_comp_type_wit(t, buf, sizeof buf);
    rt_fail(f->store, "type `%s` is not supported by the runtime yet", buf);
    return NULL;
  }
  }
  if (!r) {
    char buf[256];
    wp_comp_type_wit(t, buf, sizeof buf);
    return fail_types(f, buf);
  }
  memo_put(f, t, r);
  return r;
}

const wp_cabi_type_t *rt_type(rt_frame *f, const wp_comp_type *t) { return rt_type_at(f, t, 0); }

const wp_cabi_func_t *rt_functype(rt_frame *f, const wp_comp_type *t) {
  if (!t || t->kind != WP_COMP_T_FUNC) {
    rt_fail(f->store, "not a function type");
    return NULL;
  }
  const wp_cabi_func_t *m = memo_get(f, t);
  if (m) return m;
  wp_cabi_func_t *fn = rt_alloc(f->store, sizeof *fn);
  const wp_cabi_type_t **ps = rt_alloc(f->store, (t->n ? t->n : 1) * sizeof *ps);
  const char **names = labels(f, t);
  if (!fn || !ps || !names) {
    rt_fail(f->store, "out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < t->n; i++)
    if (!(ps[i] = rt_type(f, t->fields[i].type))) return NULL;
  fn->nparams = t->n;
  fn->param_names = names;
  fn->params = ps;
  if (t->elem && !(fn->result = rt_type(f, t->elem))) return NULL;
  memo_put(f, t, fn);
  return fn;
}

