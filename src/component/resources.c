/*
** resources.c — resource identity (Explainer.md "Type checking"): names of
** types, substitution when a component is instantiated, fresh resources
** when an instance type is imported, and the free resources of a type.
**
** Types are shared pointer graphs, so a resource's identity is a pointer:
** the node its definition or `(sub resource)` declaration made.  Importing
** or exporting a type under a name makes a new node (an alias) so that the
** external-visibility rule can tell `$R` from its exported name `$R'`; the
** alias points at its base, and identity compares bases.
**
** Every scope has a serial, and a resource records the serial of the scope
** that made it.  Instantiating a component type replaces the resources of
** its serial: imported ones by the arguments, the others (its definitions,
** abstract exports, fresh resources of its own child instances) by fresh
** nodes, so two instances never share a resource type.  Resources of other
** serials are either free in the type (the enclosing scope's) or bound in
** a nested type, and are left alone.  Scopes nest, and a nested scope's
** serial lies in its parent's [scope_lo, scope_hi), which answers "does
** this type refer to a resource from outside" with two comparisons.
*/
#include "component/internal.h"

#include <string.h>

const wp_comp_type *wp_comp_resource_base(const wp_comp_type *t) {
  while (t && t->alias_of) t = t->alias_of;
  return t;
}

/* ------------------------------------------------------------ facts */

static void widen(uint32_t *lo, uint32_t *hi, uint32_t clo, uint32_t chi) {
  if (!chi) return;
  if (!*hi || clo < *lo) *lo = clo;
  if (chi > *hi) *hi = chi;
}

static void widen_by(wp_comp_type *t, const wp_comp_type *c) {
  if (!c) return;
  widen(&t->res_min, &t->res_max, c->res_min, c->res_max);
  widen(&t->decl_min, &t->decl_max, c->decl_min, c->decl_max);
}

void wp_res_facts(wp_comp_type *t) {
  t->res_min = t->res_max = t->decl_min = t->decl_max = 0;
  if (t->serial) t->decl_min = t->decl_max = t->serial;
  if (t->kind == WP_COMP_T_RESOURCE) {
    const wp_comp_type *b = wp_comp_resource_base(t);
    t->res_min = t->res_max = b->serial;
    widen(&t->decl_min, &t->decl_max, b->serial, b->serial);
    return;
  }
  widen_by(t, t->elem);
  widen_by(t, t->elem2);
  for (uint32_t i = 0; i < t->n; i++) widen_by(t, t->fields[i].type);
  for (uint32_t i = 0; i < t->nimports; i++) widen_by(t, t->imports[i].type);
  for (uint32_t i = 0; i < t->nexports; i++) widen_by(t, t->exports[i].type);
}

int wp_type_has_free_resources(const wp_comp_type *t) {
  if (!t->res_max) return 0;
  if ((t->kind != WP_COMP_T_COMPONENT && t->kind != WP_COMP_T_INSTANCE) || !t->scope_lo)
    return 1;
  return t->res_min < t->scope_lo || t->res_max >= t->scope_hi;
}

/* ------------------------------------------------------------ names */

static wp_comp_type *copy(wp_cx *cx, const wp_comp_type *t) {
  wp_comp_type *n = wp_alloc(cx, sizeof *n);
  *n = *t;
  return n;
}

const wp_comp_type *wp_type_named(wp_cx *cx, wp_scope *s, const wp_comp_type *t,
                                  wp_comp_str name) {
  if (t->kind == WP_COMP_T_FUNC || t->kind == WP_COMP_T_COMPONENT ||
      t->kind == WP_COMP_T_INSTANCE)
    return t; /* compared structurally, with no identity of their own */
  wp_comp_type *n = copy(cx, t);
  if (t->kind == WP_COMP_T_RESOURCE) n->alias_of = wp_comp_resource_base(t);
  n->name = name;
  n->serial = s->serial;
  wp_res_facts(n);
  return n;
}

wp_comp_type *wp_resource_new(wp_cx *cx, wp_scope *s, wp_comp_str name) {
  wp_comp_type *t = wp_alloc(cx, sizeof *t);
  t->kind = WP_COMP_T_RESOURCE;
  t->name = name;
  t->serial = s->serial;
  wp_res_facts(t);
  return t;
}

/* ------------------------------------------------------------ sets */

static size_t slot(const void *p, size_t cap) {
  uintptr_t h = (uintptr_t)p;
  h ^= h >> 17;
  h *= (uintptr_t)0x9e3779b97f4a7c15ull;
  return (size_t)(h >> 7) & (cap - 1);
}

/* Open addressing over arena memory; the old table stays in the arena when
** it grows (geometric, so linear overall). */
static const void **map_slot(wp_cx *cx, wp_ptrmap *m, const void *key, int insert) {
  if (insert && (m->n + 1) * 2 > m->cap) {
    size_t ncap = m->cap ? m->cap * 2 : 16;
    const void **k = wp_alloc(cx, ncap * sizeof *k), **v = wp_alloc(cx, ncap * sizeof *v);
    for (size_t i = 0; i < m->cap; i++) {
      if (!m->keys[i]) continue;
      size_t j = slot(m->keys[i], ncap);
      while (k[j]) j = (j + 1) & (ncap - 1);
      k[j] = m->keys[i];
      v[j] = m->vals[i];
    }
    m->keys = k;
    m->vals = v;
    m->cap = ncap;
  }
  if (!m->cap) return NULL;
  size_t i = slot(key, m->cap);
  while (m->keys[i] && m->keys[i] != key) i = (i + 1) & (m->cap - 1);
  if (!m->keys[i]) {
    if (!insert) return NULL;
    m->keys[i] = key;
    m->n++;
  }
  return &m->vals[i];
}

const void *wp_ptrmap_get(const wp_ptrmap *m, const void *key) {
  const void **v = map_slot(NULL, (wp_ptrmap *)m, key, 0);
  return v ? *v : NULL;
}

void wp_ptrmap_put(wp_cx *cx, wp_ptrmap *m, const void *key, const void *val) {
  *map_slot(cx, m, key, 1) = val;
}

/* ------------------------------------------------------------ substitution */

typedef struct remap {
  wp_cx *cx;
  uint32_t serial;       /* nodes of this serial are replaced */
  uint32_t fresh_serial; /* ...by fresh ones of this serial, */
  const wp_tc *bound;    /* ...or by what an instantiation bound them to */
  wp_ptrmap memo;        /* node -> its replacement (imported names -> the
                            arguments' from the start; shared subgraphs are
                            copied once) */
} remap;

#define MAX_REMAP_DEPTH 1000

static const wp_comp_type *sub_type(remap *m, const wp_comp_type *t, unsigned depth);

static const wp_comp_extern *sub_externs(remap *m, const wp_comp_extern *e, uint32_t n,
                                         unsigned depth) {
  wp_comp_extern *out = NULL;
  for (uint32_t i = 0; i < n; i++) {
    const wp_comp_type *nt = e[i].type ? sub_type(m, e[i].type, depth + 1) : NULL;
    if (nt == e[i].type) continue;
    if (!out) {
      out = wp_alloc(m->cx, (size_t)n * sizeof *out);
      memcpy(out, e, (size_t)n * sizeof *out);
    }
    out[i].type = nt;
  }
  return out ? out : e;
}

static const wp_comp_type *sub_resource(remap *m, const wp_comp_type *t) {
  const wp_comp_type *b = wp_comp_resource_base(t), *nb = b;
  if (b->serial == m->serial) {
    nb = m->bound ? wp_tc_binding(m->bound, b) : NULL;
    if (!nb) nb = wp_ptrmap_get(&m->memo, b);
    if (!nb) {
      wp_comp_type *f = wp_alloc(m->cx, sizeof *f);
      f->kind = WP_COMP_T_RESOURCE;
      f->name = b->name;
      f->serial = m->fresh_serial;
      wp_res_facts(f);
      wp_ptrmap_put(m->cx, &m->memo, b, f);
      nb = f;
    }
  }
  if (t == b) return nb;
  if (nb == b && t->serial != m->serial) return t;
  /* an alias stays a distinct name (of the new resource) */
  wp_comp_type *a = copy(m->cx, t);
  a->alias_of = nb;
  if (a->serial == m->serial) a->serial = m->fresh_serial;
  wp_res_facts(a);
  return a;
}

static const wp_comp_type *sub_type(remap *m, const wp_comp_type *t, unsigned depth) {
  if (!t || !t->decl_max || m->serial < t->decl_min || m->serial > t->decl_max) return t;
  const wp_comp_type *done = wp_ptrmap_get(&m->memo, t);
  if (done) return done;
  if (depth > MAX_REMAP_DEPTH)
    wp_fail(m->cx, NULL, "types nested deeper than %d", MAX_REMAP_DEPTH);
  const wp_comp_type *r;
  if (t->kind == WP_COMP_T_RESOURCE) {
    r = sub_resource(m, t);
  } else {
    const wp_comp_type *e1 = sub_type(m, t->elem, depth + 1);
    const wp_comp_type *e2 = sub_type(m, t->elem2, depth + 1);
    wp_comp_field *fields = NULL;
    for (uint32_t i = 0; i < t->n; i++) {
      const wp_comp_type *ft = sub_type(m, t->fields[i].type, depth + 1);
      if (ft == t->fields[i].type) continue;
      if (!fields) {
        fields = wp_alloc(m->cx, (size_t)t->n * sizeof *fields);
        memcpy(fields, t->fields, (size_t)t->n * sizeof *fields);
      }
      fields[i].type = ft;
    }
    const wp_comp_extern *im = sub_externs(m, t->imports, t->nimports, depth);
    const wp_comp_extern *ex = sub_externs(m, t->exports, t->nexports, depth);
    if (e1 == t->elem && e2 == t->elem2 && !fields && im == t->imports && ex == t->exports &&
        t->serial != m->serial) {
      r = t;
    } else {
      wp_comp_type *c = copy(m->cx, t);
      c->elem = e1;
      c->elem2 = e2;
      if (fields) c->fields = fields;
      c->imports = im;
      c->exports = ex;
      if (c->serial == m->serial) c->serial = m->fresh_serial;
      wp_res_facts(c);
      r = c;
    }
  }
  wp_ptrmap_put(m->cx, &m->memo, t, r);
  return r;
}

/* Renames what an expected import declared to what the argument provides
** (wasm-tools: register_type_renamings): a type import's node becomes the
** argument's, an instance import's type exports the argument's exports. */
static void rename(remap *m, const wp_comp_extern *expected, const wp_comp_extern *given,
                   unsigned depth) {
  if (!expected->type || !given->type || expected->sort != given->sort) return;
  if (expected->sort == WP_COMP_SORT_TYPE) {
    if (expected->type->serial == m->serial) wp_ptrmap_put(m->cx, &m->memo, expected->type, given->type);
    return;
  }
  if (expected->sort != WP_COMP_SORT_INSTANCE || depth > MAX_REMAP_DEPTH) return;
  const wp_comp_type *et = expected->type, *gt = given->type;
  for (uint32_t i = 0; i < et->nexports; i++) {
    const wp_comp_extern *ge = wp_comp_type_export(gt, et->exports[i].name.ptr, et->exports[i].name.len);
    if (ge) rename(m, &et->exports[i], ge, depth + 1);
  }
}

const wp_comp_type *wp_type_instantiate(wp_cx *cx, wp_scope *s, const wp_comp_type *ct,
                                        const wp_comp_extern *const *given, const wp_tc *bound) {
  remap m;
  memset(&m, 0, sizeof m);
  m.cx = cx;
  m.serial = ct->scope_lo;
  m.fresh_serial = s->serial;
  m.bound = bound;
  if (!m.serial) return ct;
  for (uint32_t i = 0; i < ct->nimports; i++)
    if (given[i]) rename(&m, &ct->imports[i], given[i], 0);
  return sub_type(&m, ct, 0);
}

const wp_comp_type *wp_instance_freshen(wp_cx *cx, wp_scope *s, const wp_comp_type *t) {
  if (!t || t->kind != WP_COMP_T_INSTANCE || !t->scope_lo) return t;
  remap m;
  memset(&m, 0, sizeof m);
  m.cx = cx;
  m.serial = t->scope_lo;
  m.fresh_serial = s->serial;
  const wp_comp_type *r = sub_type(&m, t, 0);
  if (r != t) {
    /* the copy's resources and names now belong to s: it declares none */
    wp_comp_type *c = (wp_comp_type *)r;
    c->scope_lo = c->scope_hi = 0;
  }
  return r;
}

void wp_scope_open(wp_cx *cx, wp_scope *s) { s->serial = ++cx->serial; }
