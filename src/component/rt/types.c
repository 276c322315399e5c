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

#include <pthread.h>
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

/* ------------------------------------------------------------ shared types
** A component's instances convert the same type nodes (the component's
** decoded types, which it owns), and a type without own/borrow anywhere in
** it converts to the same descriptor in every instance: those are made
** once, in the component's cache, with their compiled plans (cabi/native.c).
** Found without a lock: a table of (node, descriptor) slots is only ever
** filled (the descriptor stored before the node, with release), and a full
** table is replaced by a bigger copy published with release (old tables
** stay until the cache is freed).  Converting and inserting take the lock;
** the conversion runs in a store and frame of the cache's own, which no
** instance shares (no resource bound: it never sees an own or borrow). */
typedef struct rt_stab {
  struct rt_stab *prev; /* the table this one replaced */
  size_t n, cap;
  const void **keys, **vals;
} rt_stab;

struct rt_shared_types {
  pthread_mutex_t lock;
  rt_store *S;
  rt_frame *F;
  rt_stab *tab; /* atomic */
};

/* The value of a node that is not shared (has own/borrow, or failed). */
static const char not_shared;

rt_shared_types *rt_shared_types_new(void) {
  rt_shared_types *sh = calloc(1, sizeof *sh);
  rt_store *S = calloc(1, sizeof *S);
  rt_frame *F = calloc(1, sizeof *F);
  if (!sh || !S || !F || !(S->types = wp_cabi_types_new())) {
    free(sh);
    free(S);
    free(F);
    return NULL;
  }
  pthread_mutex_init(&sh->lock, NULL);
  F->store = S;
  sh->S = S;
  sh->F = F;
  return sh;
}

void rt_shared_types_delete(rt_shared_types *sh) {
  if (!sh) return;
  for (rt_stab *t = sh->tab, *p; t; t = p) {
    p = t->prev;
    free(t);
  }
  for (size_t i = 0; i < sh->S->nallocs; i++) free(sh->S->allocs[i]);
  free(sh->S->allocs);
  wp_cabi_types_delete(sh->S->types);
  free(sh->S);
  free(sh->F);
  pthread_mutex_destroy(&sh->lock);
  free(sh);
}

static const void *stab_get(const rt_shared_types *sh, const void *key) {
  const rt_stab *t = __atomic_load_n(&sh->tab, __ATOMIC_ACQUIRE);
  if (!t) return NULL;
  for (size_t i = slot_of(key, t->cap);; i = (i + 1) & (t->cap - 1)) {
    const void *k = __atomic_load_n(&t->keys[i], __ATOMIC_ACQUIRE);
    if (k == key) return t->vals[i];
    if (!k) return NULL;
  }
}

/* Under the lock; key is not in the table.  Out of memory: not cached. */
static void stab_put(rt_shared_types *sh, const void *key, const void *val) {
  rt_stab *t = sh->tab;
  if (!t || (t->n + 1) * 2 > t->cap) {
    size_t cap = t ? t->cap * 2 : 64;
    rt_stab *n = calloc(1, sizeof *n + 2 * cap * sizeof(void *));
    if (!n) return;
    n->cap = cap;
    n->keys = (const void **)(n + 1);
    n->vals = n->keys + cap;
    for (size_t i = 0; t && i < t->cap; i++) {
      if (!t->keys[i]) continue;
      size_t j = slot_of(t->keys[i], cap);
      while (n->keys[j]) j = (j + 1) & (cap - 1);
      n->keys[j] = t->keys[i];
      n->vals[j] = t->vals[i];
    }
    n->n = t ? t->n : 0;
    n->prev = t;
    __atomic_store_n(&sh->tab, n, __ATOMIC_RELEASE);
    t = n;
  }
  size_t i = slot_of(key, t->cap);
  while (t->keys[i]) i = (i + 1) & (t->cap - 1);
  t->vals[i] = val;
  __atomic_store_n(&t->keys[i], key, __ATOMIC_RELEASE);
  t->n++;
}

/* Whether t's conversion depends on no instance: a value type whose
** decoded facts say it has no own/borrow (wp_abi_compute), or a function
** type of such params and result. */
static bool instance_free(const wp_comp_type *t) {
  if (t->kind != WP_COMP_T_FUNC) return !t->has_resource_ref;
  for (uint32_t i = 0; i < t->n; i++)
    if (!t->fields[i].type || t->fields[i].type->has_resource_ref) return false;
  return !t->elem || !t->elem->has_resource_ref;
}

static const wp_cabi_type_t *rt_type_at(rt_frame *f, const wp_comp_type *t, unsigned depth);

/* t's descriptor from the component's cache (made there on first use), or
** NULL: t is not shared (or failed there: the instance's own conversion
** then reports why). */
static const void *shared(rt_frame *f, const wp_comp_type *t) {
  rt_shared_types *sh = f->store->shared;
  if (!sh || !instance_free(t)) return NULL;
  const void *v = stab_get(sh, t);
  if (!v) {
    pthread_mutex_lock(&sh->lock);
    if (!(v = stab_get(sh, t))) {
      v = t->kind == WP_COMP_T_FUNC ? (const void *)rt_functype(sh->F, t) : (const void *)rt_type_at(sh->F, t, 0);
      if (!v) v = &not_shared;
      stab_put(sh, t, v);
    }
    pthread_mutex_unlock(&sh->lock);
  }
  return v == &not_shared ? NULL : v;
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
  /* at the top only: converted at depth 0 there, it is exactly what this
  ** conversion would make (the same depth limit, the same errors) */
  if (!depth && (m = shared(f, t))) return m;
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
  if ((m = shared(f, t))) return m;
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

