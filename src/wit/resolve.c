/*
** resolve.c — adds unresolved packages to a resolve: maps foreign
** references onto already-added packages, copies types/interfaces/worlds
** into the resolve's arrays, turns references to resources into `own`
** handles, applies feature gates, processes `include`s and elaborates
** worlds (implied imports, export validation).
**
** The order of every allocation matches wit-parser's `Remap::append` so
** that indices agree with its JSON expectations.
*/
#include <stdlib.h>
#include <string.h>

#include "ast.h"

typedef struct {
  wp_wit_ctx_t *cx;
  wp_wit_resolve_t *r;
  uint32_t pkg;
  uint32_t *types, n_types; /* unresolved index -> resolve index or NONE */
  uint32_t *ifaces, n_ifaces;
  uint32_t *worlds, n_worlds;
  uint32_t *own_from, *own_to, n_own;
  uint32_t cur_world; /* world being elaborated, for messages */
} remap_t;

#define PERM(arr, n) wp_wit_vpush(m->cx, m->cx->perm, &(arr), &(n), sizeof *(arr))
#define TMPV(arr, n) wp_wit_vpush(m->cx, m->cx->tmp, &(arr), &(n), sizeof *(arr))

static void push_map(remap_t *m, uint32_t **v, uint32_t *n, uint32_t val) {
  uint32_t *slot = wp_wit_vpush(m->cx, m->cx->tmp, v, n, sizeof *slot);
  *slot = val;
}

static uint32_t apply_map(remap_t *m, const uint32_t *map, uint32_t n, uint32_t id,
                          const char *desc, wp_wit_span_t span, const char *extra) {
  if (id >= n) wp_wit_fail(m->cx, span, "internal error: unmapped %s", desc);
  if (map[id] == WP_WIT_NONE)
    wp_wit_fail(m->cx, span,
                "found a reference to a %s which is excluded due to its feature not being "
                "activated%s",
                desc, extra ? extra : "");
  return map[id];
}

static uint32_t map_type(remap_t *m, uint32_t id, wp_wit_span_t sp) {
  return apply_map(m, m->types, m->n_types, id, "type", sp, NULL);
}
static uint32_t map_iface(remap_t *m, uint32_t id, wp_wit_span_t sp) {
  return apply_map(m, m->ifaces, m->n_ifaces, id, "interface", sp, NULL);
}
static uint32_t map_world(remap_t *m, uint32_t id, wp_wit_span_t sp) {
  return apply_map(m, m->worlds, m->n_worlds, id, "world", sp, NULL);
}

static char *pkg_str(remap_t *m, uint32_t pkg) {
  return wp_wit_pkgname_str(m->cx, &m->r->packages[pkg].name);
}

/* Whether an item gated by `s` is part of package `pkg`. */
static int include_stability(remap_t *m, const wp_wit_stability_t *s, wp_wit_span_t span) {
  wp_wit_resolve_t *r = m->r;
  switch (s->kind) {
    case WP_WIT_STABILITY_UNKNOWN: return 1;
    case WP_WIT_STABILITY_STABLE: {
      const char *v = r->packages[m->pkg].name.version;
      if (!v)
        wp_wit_fail(m->cx, span,
                    "package [%s] contains a feature gate with a version specifier, so it must "
                    "have a version",
                    pkg_str(m, m->pkg));
      if (wp_wit_version_cmp(s->since, v) > 0)
        wp_wit_fail(m->cx, span,
                    "feature gate cannot reference unreleased version %s of package [%s] "
                    "(current version %s)",
                    s->since, pkg_str(m, m->pkg), v);
      return 1;
    }
    case WP_WIT_STABILITY_UNSTABLE:
      if (r->all_features) return 1;
      for (uint32_t i = 0; i < r->n_features; i++)
        if (!strcmp(r->features[i], s->feature)) return 1;
      return 0;
  }
  return 1;
}

static uint32_t find_package(wp_wit_resolve_t *r, const wp_wit_package_name_t *n) {
  for (uint32_t i = 0; i < r->n_packages; i++)
    if (wp_wit_pkgname_eq(&r->packages[i].name, n)) return i;
  return WP_WIT_NONE;
}

static uint32_t entry_find(const wp_wit_entry_t *v, uint32_t n, const char *name) {
  for (uint32_t i = 0; i < n; i++)
    if (!strcmp(v[i].name, name)) return v[i].id;
  return WP_WIT_NONE;
}

/* ---- foreign references ---- */

static _Noreturn void package_not_found(remap_t *m, const wp_wit_fdep_t *d) {
  wp_buf_t b = {0};
  wp_buf_printf(&b, "package '%s' not found", wp_wit_pkgname_str(m->cx, &d->name));
  if (m->r->n_packages > 1) {
    wp_buf_puts(&b, ". known packages:");
    for (uint32_t i = 0; i + 1 < m->r->n_packages; i++)
      wp_buf_printf(&b, "%s %s", i ? "," : "", pkg_str(m, i));
  }
  char *s = wp_buf_take(&b);
  if (!s) wp_wit_oom(m->cx);
  char *msg = wp_wit_strdup(m->cx, m->cx->tmp, s);
  free(s);
  wp_wit_fail(m->cx, d->span, "%s", msg);
}

static void process_foreign(remap_t *m, wp_wit_unresolved_t *u) {
  wp_wit_resolve_t *r = m->r;
  /* interfaces first, then worlds; both are allocated first in `u` */
  for (int worlds = 0; worlds < 2; worlds++) {
    uint32_t count = worlds ? u->n_worlds : u->n_interfaces;
    for (uint32_t id = 0; id < count; id++) {
      const wp_wit_fdep_t *dep = NULL;
      const wp_wit_fdep_item_t *item = NULL;
      for (uint32_t d = 0; d < u->n_fdeps && !item; d++)
        for (uint32_t k = 0; k < u->fdeps[d].n_items; k++)
          if (u->fdeps[d].items[k].is_world == worlds && u->fdeps[d].items[k].id == id) {
            dep = &u->fdeps[d];
            item = &u->fdeps[d].items[k];
            break;
          }
      if (!item) break;
      uint32_t pkg = find_package(r, &dep->name);
      if (pkg == WP_WIT_NONE || pkg == m->pkg) package_not_found(m, dep);
      wp_wit_span_t span = worlds ? u->worlds[id].span : u->interfaces[id].span;
      int enabled = 0;
      for (uint32_t s = 0; s < item->n_stabs && !enabled; s++)
        enabled = include_stability(m, &item->stabs[s], span);
      if (!enabled) {
        push_map(m, worlds ? &m->worlds : &m->ifaces, worlds ? &m->n_worlds : &m->n_ifaces,
                 WP_WIT_NONE);
        continue;
      }
      const wp_wit_package_t *p = &r->packages[pkg];
      uint32_t found = worlds ? entry_find(p->worlds, p->n_worlds, item->name)
                              : entry_find(p->interfaces, p->n_interfaces, item->name);
      if (found == WP_WIT_NONE)
        wp_wit_fail(m->cx, span, "%s '%s' not found in package '%s'",
                    worlds ? "world" : "interface", item->name, pkg_str(m, pkg));
      push_map(m, worlds ? &m->worlds : &m->ifaces, worlds ? &m->n_worlds : &m->n_ifaces, found);
    }
  }
  for (uint32_t id = 0; id < u->n_types; id++) {
    const wp_wit_typedef_t *t = &u->types[id];
    if (t->kind != WP_WIT_DEF_UNKNOWN) break;
    if (!include_stability(m, &t->stability, t->span)) {
      push_map(m, &m->types, &m->n_types, WP_WIT_NONE);
      continue;
    }
    uint32_t iface = map_iface(m, t->owner, wp_wit_span_unknown());
    const wp_wit_interface_t *ifc = &r->interfaces[iface];
    uint32_t found = entry_find(ifc->types, ifc->n_types, t->name);
    if (found == WP_WIT_NONE)
      wp_wit_fail(m->cx, u->unknown_spans[id], "type `%s` not defined in interface", t->name);
    push_map(m, &m->types, &m->n_types, found);
  }
  for (uint32_t i = 0; i < u->n_req_res; i++) {
    uint32_t id = u->req_res[i].id;
    if (id >= m->n_types || m->types[id] == WP_WIT_NONE) continue;
    id = m->types[id];
    for (;;) {
      const wp_wit_typedef_t *t = &r->types[id];
      if (t->kind == WP_WIT_DEF_ALIAS && t->type.kind == WP_WIT_T_ID) {
        id = t->type.id;
        continue;
      }
      if (t->kind == WP_WIT_DEF_RESOURCE) break;
      wp_wit_fail(m->cx, u->req_res[i].span, "type used in a handle must be a resource");
    }
  }
}

/* ---- type references ---- */

static uint32_t alloc_type(remap_t *m, const wp_wit_typedef_t *td) {
  wp_wit_typedef_t *t = PERM(m->r->types, m->r->n_types);
  *t = *td;
  return m->r->n_types - 1;
}

/* A reference to a resource `T` in a signature or structure means
   `own<T>`; those handles are made here, one per resource. */
static void update_ty(remap_t *m, wp_wit_type_t *ty, wp_wit_span_t span) {
  if (ty->kind != WP_WIT_T_ID) return;
  ty->id = map_type(m, ty->id, span);
  uint32_t cur = ty->id;
  for (;;) {
    const wp_wit_typedef_t *t = &m->r->types[cur];
    if (t->kind == WP_WIT_DEF_ALIAS && t->type.kind == WP_WIT_T_ID) {
      cur = t->type.id;
      continue;
    }
    if (t->kind != WP_WIT_DEF_RESOURCE) return;
    break;
  }
  for (uint32_t i = 0; i < m->n_own; i++)
    if (m->own_from[i] == ty->id) {
      ty->id = m->own_to[i];
      return;
    }
  wp_wit_typedef_t h;
  memset(&h, 0, sizeof h);
  h.kind = WP_WIT_DEF_HANDLE;
  h.resource = ty->id;
  h.owner = WP_WIT_NONE;
  h.span = wp_wit_span_unknown();
  uint32_t nid = alloc_type(m, &h);
  push_map(m, &m->own_from, &m->n_own, ty->id);
  m->n_own--;
  push_map(m, &m->own_to, &m->n_own, nid);
  ty->id = nid;
}

static void update_typedef(remap_t *m, wp_wit_typedef_t *t, wp_wit_span_t span) {
  switch (t->kind) {
    case WP_WIT_DEF_HANDLE: t->resource = map_type(m, t->resource, span); break;
    case WP_WIT_DEF_RECORD:
    case WP_WIT_DEF_VARIANT:
      t->fields = wp_wit_vcopy(m->cx, m->cx->perm, t->fields, t->n_fields, sizeof *t->fields);
      for (uint32_t i = 0; i < t->n_fields; i++)
        update_ty(m, &t->fields[i].type,
                  t->kind == WP_WIT_DEF_RECORD ? t->fields[i].span : span);
      break;
    case WP_WIT_DEF_TUPLE:
      t->types = wp_wit_vcopy(m->cx, m->cx->perm, t->types, t->n_types, sizeof *t->types);
      for (uint32_t i = 0; i < t->n_types; i++) update_ty(m, &t->types[i], span);
      break;
    case WP_WIT_DEF_OPTION:
    case WP_WIT_DEF_LIST:
    case WP_WIT_DEF_FIXED_LIST:
    case WP_WIT_DEF_FUTURE:
    case WP_WIT_DEF_STREAM: update_ty(m, &t->type, span); break;
    case WP_WIT_DEF_MAP:
    case WP_WIT_DEF_RESULT:
      update_ty(m, &t->type, span);
      update_ty(m, &t->type2, span);
      break;
    case WP_WIT_DEF_ALIAS:
      /* `type a = r` stays an alias usable as both resource and handle */
      if (t->type.kind == WP_WIT_T_ID) t->type.id = map_type(m, t->type.id, span);
      break;
    default: break;
  }
}

static int type_has_borrow(remap_t *m, wp_wit_type_t ty, int depth) {
  if (ty.kind != WP_WIT_T_ID || depth > 200) return 0;
  const wp_wit_typedef_t *t = &m->r->types[ty.id];
  switch (t->kind) {
    case WP_WIT_DEF_ALIAS:
    case WP_WIT_DEF_LIST:
    case WP_WIT_DEF_FIXED_LIST:
    case WP_WIT_DEF_FUTURE:
    case WP_WIT_DEF_STREAM:
    case WP_WIT_DEF_OPTION: return type_has_borrow(m, t->type, depth + 1);
    case WP_WIT_DEF_MAP:
    case WP_WIT_DEF_RESULT:
      return type_has_borrow(m, t->type, depth + 1) || type_has_borrow(m, t->type2, depth + 1);
    case WP_WIT_DEF_HANDLE: return t->borrow;
    case WP_WIT_DEF_RECORD:
    case WP_WIT_DEF_VARIANT:
      for (uint32_t i = 0; i < t->n_fields; i++)
        if (type_has_borrow(m, t->fields[i].type, depth + 1)) return 1;
      return 0;
    case WP_WIT_DEF_TUPLE:
      for (uint32_t i = 0; i < t->n_types; i++)
        if (type_has_borrow(m, t->types[i], depth + 1)) return 1;
      return 0;
    default: return 0;
  }
}

static void update_function(remap_t *m, wp_wit_function_t *f, wp_wit_span_t span) {
  if (f->kind >= WP_WIT_FUNC_METHOD) f->resource = map_type(m, f->resource, span);
  f->params = wp_wit_vcopy(m->cx, m->cx->perm, f->params, f->n_params, sizeof *f->params);
  for (uint32_t i = 0; i < f->n_params; i++) update_ty(m, &f->params[i].type, span);
  update_ty(m, &f->result, span);
  if (type_has_borrow(m, f->result, 0))
    wp_wit_fail(m->cx, span,
                "function `%s` returns a type which contains a `borrow<T>` which is not "
                "supported",
                f->name);
}

static void update_interface(remap_t *m, wp_wit_interface_t *ifc) {
  wp_wit_entry_t *types = NULL;
  uint32_t n = 0;
  for (uint32_t i = 0; i < ifc->n_types; i++) {
    uint32_t old = ifc->types[i].id;
    if (old < m->n_types && m->types[old] == WP_WIT_NONE) continue;
    wp_wit_entry_t *e = PERM(types, n);
    e->name = ifc->types[i].name;
    e->id = map_type(m, old, ifc->span);
  }
  ifc->types = types;
  ifc->n_types = n;
  wp_wit_function_t *funcs = NULL;
  uint32_t nf = 0;
  for (uint32_t i = 0; i < ifc->n_funcs; i++) {
    wp_wit_function_t f = ifc->funcs[i];
    if (!include_stability(m, &f.stability, f.span)) continue;
    update_function(m, &f, f.span);
    *(wp_wit_function_t *)PERM(funcs, nf) = f;
  }
  ifc->funcs = funcs;
  ifc->n_funcs = nf;
}

static const wp_wit_stability_t *item_stability(remap_t *m, const wp_wit_world_item_t *it) {
  if (it->kind == WP_WIT_ITEM_FUNCTION) return &it->func.stability;
  if (it->kind == WP_WIT_ITEM_TYPE) return &m->r->types[it->id].stability;
  return &it->stability;
}

static void update_world(remap_t *m, wp_wit_world_t *w) {
  for (int exp = 0; exp < 2; exp++) {
    wp_wit_world_item_t *src = exp ? w->exports : w->imports;
    uint32_t n = exp ? w->n_exports : w->n_imports;
    wp_wit_world_item_t *dst = NULL;
    uint32_t nd = 0;
    for (uint32_t i = 0; i < n; i++) {
      wp_wit_world_item_t it = src[i];
      if (it.kind == WP_WIT_ITEM_TYPE) it.id = map_type(m, it.id, it.span);
      if (!include_stability(m, item_stability(m, &it), it.span)) continue;
      if (it.kind == WP_WIT_ITEM_INTERFACE) it.id = map_iface(m, it.id, it.span);
      if (it.kind == WP_WIT_ITEM_FUNCTION) update_function(m, &it.func, it.span);
      *(wp_wit_world_item_t *)PERM(dst, nd) = it;
    }
    if (exp) {
      w->exports = dst;
      w->n_exports = nd;
    } else {
      w->imports = dst;
      w->n_imports = nd;
    }
  }
}

/* ---- include ---- */

typedef struct {
  remap_t *m;
  uint32_t *from, *to, n; /* type clone map */
  wp_wit_owner_kind_t prev_kind, new_kind;
  uint32_t prev, new_;
} cloner_t;

static uint32_t clone_type_id(cloner_t *c, uint32_t id);

static void clone_ty(cloner_t *c, wp_wit_type_t *t) {
  if (t->kind == WP_WIT_T_ID) t->id = clone_type_id(c, t->id);
}

static uint32_t clone_lookup(cloner_t *c, uint32_t id) {
  for (uint32_t i = 0; i < c->n; i++)
    if (c->from[i] == id) return c->to[i];
  return WP_WIT_NONE;
}

static uint32_t clone_type_id(cloner_t *c, uint32_t id) {
  remap_t *m = c->m;
  uint32_t done = clone_lookup(c, id);
  if (done != WP_WIT_NONE) return done;
  wp_wit_typedef_t t = m->r->types[id];
  if (t.owner_kind != WP_WIT_OWNER_NONE) {
    t.owner_kind = c->new_kind;
    t.owner = c->new_;
  }
  switch (t.kind) {
    case WP_WIT_DEF_ALIAS:
      if (t.type.kind == WP_WIT_T_ID) {
        const wp_wit_typedef_t *target = &m->r->types[t.type.id];
        if (target->owner_kind == c->prev_kind && target->owner == c->prev)
          t.type.id = clone_type_id(c, t.type.id);
        else if (clone_lookup(c, t.type.id) != WP_WIT_NONE)
          t.type.id = clone_lookup(c, t.type.id);
      }
      break;
    case WP_WIT_DEF_HANDLE: t.resource = clone_type_id(c, t.resource); break;
    case WP_WIT_DEF_OPTION:
    case WP_WIT_DEF_LIST:
    case WP_WIT_DEF_FIXED_LIST:
    case WP_WIT_DEF_FUTURE:
    case WP_WIT_DEF_STREAM: clone_ty(c, &t.type); break;
    case WP_WIT_DEF_MAP:
    case WP_WIT_DEF_RESULT:
      clone_ty(c, &t.type);
      clone_ty(c, &t.type2);
      break;
    case WP_WIT_DEF_TUPLE:
      t.types = wp_wit_vcopy(m->cx, m->cx->perm, t.types, t.n_types, sizeof *t.types);
      for (uint32_t i = 0; i < t.n_types; i++) clone_ty(c, &t.types[i]);
      break;
    case WP_WIT_DEF_RECORD:
    case WP_WIT_DEF_VARIANT:
      t.fields = wp_wit_vcopy(m->cx, m->cx->perm, t.fields, t.n_fields, sizeof *t.fields);
      for (uint32_t i = 0; i < t.n_fields; i++) clone_ty(c, &t.fields[i].type);
      break;
    default: break;
  }
  uint32_t nid = alloc_type(m, &t);
  push_map(m, &c->from, &c->n, id);
  c->n--;
  push_map(m, &c->to, &c->n, nid);
  return nid;
}

static void clone_function(cloner_t *c, wp_wit_function_t *f) {
  if (f->kind >= WP_WIT_FUNC_METHOD) f->resource = clone_type_id(c, f->resource);
  f->params = wp_wit_vcopy(c->m->cx, c->m->cx->perm, f->params, f->n_params, sizeof *f->params);
  for (uint32_t i = 0; i < f->n_params; i++) clone_ty(c, &f->params[i].type);
  clone_ty(c, &f->result);
}

static uint32_t clone_interface(cloner_t *c, uint32_t old) {
  remap_t *m = c->m;
  wp_wit_interface_t ni = m->r->interfaces[old];
  uint32_t next = m->r->n_interfaces;
  cloner_t sub = *c;
  sub.prev_kind = WP_WIT_OWNER_INTERFACE;
  sub.prev = old;
  sub.new_kind = WP_WIT_OWNER_INTERFACE;
  sub.new_ = next;
  ni.types = wp_wit_vcopy(m->cx, m->cx->perm, ni.types, ni.n_types, sizeof *ni.types);
  for (uint32_t i = 0; i < ni.n_types; i++) ni.types[i].id = clone_type_id(&sub, ni.types[i].id);
  ni.funcs = wp_wit_vcopy(m->cx, m->cx->perm, ni.funcs, ni.n_funcs, sizeof *ni.funcs);
  for (uint32_t i = 0; i < ni.n_funcs; i++) clone_function(&sub, &ni.funcs[i]);
  c->from = sub.from;
  c->to = sub.to;
  c->n = sub.n;
  ni.package = m->pkg;
  ni.clone_of = old;
  *(wp_wit_interface_t *)PERM(m->r->interfaces, m->r->n_interfaces) = ni;
  return next;
}

/* Applies `with { a as b }` to a name, including "[method]a.f" forms. */
static const char *rename_used(remap_t *m, const char *orig, const ast_use_name_t *n) {
  if (!strcmp(orig, n->name.name)) return n->as.name;
  const char *rb = strchr(orig, ']');
  if (orig[0] != '[' || !rb) return NULL;
  const char *rest = rb + 1;
  const char *dot = strchr(rest, '.');
  size_t kl = (size_t)(rb - orig) + 1;
  if (dot && (size_t)(dot - rest) == strlen(n->name.name) &&
      !strncmp(rest, n->name.name, (size_t)(dot - rest)))
    return wp_wit_fmt(m->cx, m->cx->perm, "%.*s%s%s", (int)kl, orig, n->as.name, dot);
  if (!dot && !strcmp(rest, n->name.name))
    return wp_wit_fmt(m->cx, m->cx->perm, "%.*s%s", (int)kl, orig, n->as.name);
  return NULL;
}

static wp_wit_world_item_t *witem_find(wp_wit_world_item_t *v, uint32_t n,
                                       const wp_wit_world_item_t *key) {
  for (uint32_t i = 0; i < n; i++) {
    if (!key->name != !v[i].name) continue;
    if (key->name ? !strcmp(key->name, v[i].name) : v[i].id == key->id) return &v[i];
  }
  return NULL;
}

static void stab_str(wp_buf_t *b, const wp_wit_stability_t *s) {
  if (s->kind == WP_WIT_STABILITY_UNKNOWN)
    wp_buf_puts(b, "Unknown");
  else if (s->kind == WP_WIT_STABILITY_STABLE)
    wp_buf_printf(b, "Stable { since: %s, deprecated: %s }", s->since,
                      s->deprecated ? s->deprecated : "None");
  else
    wp_buf_printf(b, "Unstable { feature: \"%s\", deprecated: %s }", s->feature,
                      s->deprecated ? s->deprecated : "None");
}

static int stab_eq(const wp_wit_stability_t *a, const wp_wit_stability_t *b) {
  if (a->kind != b->kind) return 0;
  if (!a->deprecated != !b->deprecated) return 0;
  if (a->deprecated && strcmp(a->deprecated, b->deprecated)) return 0;
  if (a->kind == WP_WIT_STABILITY_STABLE) return !strcmp(a->since, b->since);
  if (a->kind == WP_WIT_STABILITY_UNSTABLE) return !strcmp(a->feature, b->feature);
  return 1;
}

static void merge_include_stability(remap_t *m, const wp_wit_stability_t *from,
                                    wp_wit_stability_t *into, int external, wp_wit_span_t sp) {
  if (external && from->kind == WP_WIT_STABILITY_STABLE) {
    memset(into, 0, sizeof *into);
    return;
  }
  if (stab_eq(from, into) || from->kind == WP_WIT_STABILITY_UNKNOWN) return;
  if (into->kind == WP_WIT_STABILITY_UNKNOWN) {
    *into = *from;
    return;
  }
  wp_buf_t b = {0};
  wp_buf_puts(&b, "mismatch in stability from '");
  stab_str(&b, from);
  wp_buf_puts(&b, "' to '");
  stab_str(&b, into);
  wp_buf_puts(&b, "'");
  char *s = wp_buf_take(&b);
  if (!s) wp_wit_oom(m->cx);
  char *msg = wp_wit_strdup(m->cx, m->cx->tmp, s);
  free(s);
  wp_wit_fail(m->cx, sp, "%s", msg);
}

static void resolve_include(remap_t *m, uint32_t wid, const struct wp_wit_include *inc) {
  wp_wit_resolve_t *r = m->r;
  uint32_t iw = map_world(m, inc->world, inc->span);
  wp_wit_world_t from = r->worlds[iw];
  int external = r->worlds[wid].package != from.package;
  /* every `with` name must match something */
  for (uint32_t k = 0; k < inc->n_names; k++) {
    int hit = 0;
    for (int exp = 0; exp < 2 && !hit; exp++) {
      wp_wit_world_item_t *v = exp ? from.exports : from.imports;
      uint32_t n = exp ? from.n_exports : from.n_imports;
      for (uint32_t i = 0; i < n && !hit; i++)
        if (v[i].name && rename_used(m, v[i].name, &inc->names[k])) hit = 1;
    }
    if (!hit)
      wp_wit_fail(m->cx, inc->span,
                  "no import or export kebab-name `%s`. Note that an ID does not support "
                  "renaming",
                  inc->names[k].name.name);
  }
  cloner_t c;
  memset(&c, 0, sizeof c);
  c.m = m;
  c.prev_kind = WP_WIT_OWNER_WORLD;
  c.prev = iw;
  c.new_kind = WP_WIT_OWNER_WORLD;
  c.new_ = wid;
  for (int exp = 0; exp < 2; exp++) {
    wp_wit_world_item_t *v = exp ? from.exports : from.imports;
    uint32_t n = exp ? from.n_exports : from.n_imports;
    const char *what = exp ? "export" : "import";
    for (uint32_t i = 0; i < n; i++) {
      wp_wit_world_item_t it = v[i];
      wp_wit_world_t *w = &r->worlds[wid];
      wp_wit_world_item_t **dst = exp ? &w->exports : &w->imports;
      uint32_t *nd = exp ? &w->n_exports : &w->n_imports;
      if (it.name) {
        const char *nn = it.name;
        for (uint32_t k = 0; k < inc->n_names; k++) {
          const char *x = rename_used(m, it.name, &inc->names[k]);
          if (x) {
            nn = x;
            break;
          }
        }
        it.name = nn;
        if (it.kind == WP_WIT_ITEM_TYPE) {
          it.id = clone_type_id(&c, it.id);
          r->types[it.id].name = nn;
        } else if (it.kind == WP_WIT_ITEM_FUNCTION) {
          clone_function(&c, &it.func);
          it.func.name = nn;
        } else if (!r->interfaces[it.id].name) {
          it.id = clone_interface(&c, it.id);
        }
        w = &r->worlds[wid];
        dst = exp ? &w->exports : &w->imports;
        nd = exp ? &w->n_exports : &w->n_imports;
        if (witem_find(*dst, *nd, &it))
          wp_wit_fail(m->cx, inc->span, "%s of `%s` shadows previously %sed items", what, nn,
                      what);
        *(wp_wit_world_item_t *)wp_wit_vpush(m->cx, m->cx->perm, dst, nd, sizeof it) = it;
      } else {
        wp_wit_world_item_t *prev = witem_find(*dst, *nd, &it);
        if (!prev) {
          prev = wp_wit_vpush(m->cx, m->cx->perm, dst, nd, sizeof it);
          *prev = it;
        }
        merge_include_stability(m, &it.stability, &prev->stability, external, it.span);
      }
    }
  }
}

static void lower_ascii(char *s) {
  for (; *s; s++)
    if (*s >= 'A' && *s <= 'Z') *s = (char)(*s - 'A' + 'a');
}

static void validate_case_insensitive(remap_t *m, uint32_t wid) {
  const wp_wit_world_t *w = &m->r->worlds[wid];
  for (int exp = 0; exp < 2; exp++) {
    const wp_wit_world_item_t *v = exp ? w->exports : w->imports;
    uint32_t n = exp ? w->n_exports : w->n_imports;
    for (uint32_t i = 0; i < n; i++)
      for (uint32_t j = 0; j < i; j++) {
        if (!v[i].name || !v[j].name || !strcmp(v[i].name, v[j].name)) continue;
        char *a = wp_wit_strdup(m->cx, m->cx->tmp, v[i].name);
        char *b = wp_wit_strdup(m->cx, m->cx->tmp, v[j].name);
        lower_ascii(a);
        lower_ascii(b);
        if (!strcmp(a, b)) {
          const char *k = exp ? "export" : "import";
          wp_wit_fail(m->cx, wp_wit_span_unknown(),
                      "%s `%s` in world `%s` conflicts with %s `%s` (kebab-case identifiers "
                      "are case-insensitive)",
                      k, v[i].name, w->name, k, v[j].name);
        }
      }
  }
}

/* ---- elaboration ---- */

/* The interface a world/interface type alias pulls in, if any. */
static uint32_t type_interface_dep(const wp_wit_resolve_t *r, uint32_t id) {
  const wp_wit_typedef_t *t = &r->types[id];
  if (t->kind != WP_WIT_DEF_ALIAS || t->type.kind != WP_WIT_T_ID) return WP_WIT_NONE;
  const wp_wit_typedef_t *o = &r->types[t->type.id];
  if (o->owner_kind == t->owner_kind && o->owner == t->owner) return WP_WIT_NONE;
  if (o->owner_kind != WP_WIT_OWNER_INTERFACE) return WP_WIT_NONE;
  return o->owner;
}

typedef struct {
  wp_wit_world_item_t *v;
  uint32_t n;
} items_t;

static int sort_key(const wp_wit_resolve_t *r, const wp_wit_world_item_t *it) {
  if (it->kind == WP_WIT_ITEM_INTERFACE) return 0;
  if (it->kind == WP_WIT_ITEM_TYPE) {
    const wp_wit_typedef_t *t = &r->types[it->id];
    if (t->kind == WP_WIT_DEF_ALIAS && t->type.kind == WP_WIT_T_ID) {
      const wp_wit_typedef_t *o = &r->types[t->type.id];
      if (o->owner_kind != t->owner_kind || o->owner != t->owner) return 1;
    }
    return 2;
  }
  return it->func.kind >= WP_WIT_FUNC_METHOD ? 4 : 3;
}

static void stable_sort(const wp_wit_resolve_t *r, wp_wit_world_item_t *v, uint32_t n) {
  for (uint32_t i = 1; i < n; i++) {
    wp_wit_world_item_t x = v[i];
    int k = sort_key(r, &x);
    uint32_t j = i;
    while (j > 0 && sort_key(r, &v[j - 1]) > k) {
      v[j] = v[j - 1];
      j--;
    }
    v[j] = x;
  }
}

static int has_key(items_t *s, const wp_wit_world_item_t *key) {
  return witem_find(s->v, s->n, key) != NULL;
}

static wp_wit_world_item_t iface_item(uint32_t id, const wp_wit_stability_t *st,
                                      const char *ext) {
  wp_wit_world_item_t it;
  memset(&it, 0, sizeof it);
  it.kind = WP_WIT_ITEM_INTERFACE;
  it.id = id;
  it.stability = *st;
  it.external_id = ext;
  it.span = wp_wit_span_unknown();
  return it;
}

/* Interface dependency chains deeper than this are rejected rather than
   risking the stack; real WIT is a few levels deep. */
#define MAX_IFACE_DEPTH 4096

static _Noreturn void too_deep(remap_t *m) {
  wp_wit_fail(m->cx, m->r->worlds[m->cur_world].span,
              "interface dependencies nested more than %d deep", MAX_IFACE_DEPTH);
}

static void elaborate_import(remap_t *m, items_t *imports, const wp_wit_world_item_t *item,
                             int depth) {
  if (has_key(imports, item)) return;
  if (depth > MAX_IFACE_DEPTH) too_deep(m);
  for (uint32_t i = 0; i < m->r->interfaces[item->id].n_types; i++) {
    uint32_t dep = type_interface_dep(m->r, m->r->interfaces[item->id].types[i].id);
    if (dep == WP_WIT_NONE) continue;
    wp_wit_world_item_t d = iface_item(dep, &item->stability, NULL);
    elaborate_import(m, imports, &d, depth + 1);
  }
  *(wp_wit_world_item_t *)wp_wit_vpush(m->cx, m->cx->perm, &imports->v, &imports->n,
                                       sizeof *item) = *item;
}

typedef struct {
  remap_t *m;
  items_t *imports, *exports, *export_ifaces;
  uint32_t *required;
  uint32_t n_required;
} exp_ctx_t;

static int required_has(exp_ctx_t *e, uint32_t id) {
  for (uint32_t i = 0; i < e->n_required; i++)
    if (e->required[i] == id) return 1;
  return 0;
}

static int add_world_export(exp_ctx_t *e, const wp_wit_world_item_t *item, int add_export,
                            int depth) {
  if (has_key(e->exports, item)) return add_export;
  if (!add_export && required_has(e, item->id)) return 1;
  if (depth > MAX_IFACE_DEPTH) too_deep(e->m);
  const wp_wit_resolve_t *r = e->m->r;
  for (uint32_t i = 0; i < r->interfaces[item->id].n_types; i++) {
    uint32_t dep = type_interface_dep(r, r->interfaces[item->id].types[i].id);
    if (dep == WP_WIT_NONE) continue;
    wp_wit_world_item_t d = iface_item(dep, &item->stability, item->external_id);
    int ae = add_export && has_key(e->export_ifaces, &d);
    if (!add_world_export(e, &d, ae, depth + 1)) return 0;
  }
  if (add_export) {
    if (required_has(e, item->id)) return 0;
    *(wp_wit_world_item_t *)wp_wit_vpush(e->m->cx, e->m->cx->perm, &e->exports->v,
                                         &e->exports->n, sizeof *item) = *item;
  } else {
    push_map(e->m, &e->required, &e->n_required, item->id);
    if (!has_key(e->imports, item))
      *(wp_wit_world_item_t *)wp_wit_vpush(e->m->cx, e->m->cx->perm, &e->imports->v,
                                           &e->imports->n, sizeof *item) = *item;
  }
  return 1;
}

static const char *world_key_name(remap_t *m, const wp_wit_world_item_t *it) {
  if (it->name) return it->name;
  char *s = wp_wit_interface_id(m->r, it->id);
  if (!s) wp_wit_oom(m->cx);
  char *r = wp_wit_strdup(m->cx, m->cx->tmp, s);
  free(s);
  return r;
}

static void elaborate_world(remap_t *m, uint32_t wid) {
  wp_wit_resolve_t *r = m->r;
  m->cur_world = wid;
  wp_wit_world_t *w = &r->worlds[wid];
  wp_wit_world_item_t *sorted =
      wp_wit_vcopy(m->cx, m->cx->tmp, w->imports, w->n_imports, sizeof *sorted);
  uint32_t ns = w->n_imports;
  stable_sort(r, sorted, ns);
  items_t imports = {0}, exports = {0}, export_ifaces = {0};
  for (uint32_t i = 0; i < ns; i++) {
    wp_wit_world_item_t it = sorted[i];
    if (it.kind == WP_WIT_ITEM_INTERFACE) {
      elaborate_import(m, &imports, &it, 0);
    } else if (it.kind == WP_WIT_ITEM_FUNCTION) {
      *(wp_wit_world_item_t *)wp_wit_vpush(m->cx, m->cx->perm, &imports.v, &imports.n,
                                           sizeof it) = it;
    } else {
      uint32_t dep = type_interface_dep(r, it.id);
      if (dep != WP_WIT_NONE) {
        wp_wit_world_item_t d = iface_item(dep, &r->types[it.id].stability, NULL);
        elaborate_import(m, &imports, &d, 0);
      }
      *(wp_wit_world_item_t *)wp_wit_vpush(m->cx, m->cx->perm, &imports.v, &imports.n,
                                           sizeof it) = it;
    }
  }
  w = &r->worlds[wid];
  for (uint32_t i = 0; i < w->n_exports; i++) {
    wp_wit_world_item_t it = w->exports[i];
    items_t *dst = it.kind == WP_WIT_ITEM_INTERFACE ? &export_ifaces : &exports;
    *(wp_wit_world_item_t *)wp_wit_vpush(m->cx, m->cx->perm, &dst->v, &dst->n, sizeof it) = it;
  }
  exp_ctx_t e;
  memset(&e, 0, sizeof e);
  e.m = m;
  e.imports = &imports;
  e.exports = &exports;
  e.export_ifaces = &export_ifaces;
  for (uint32_t i = 0; i < export_ifaces.n; i++) {
    if (!add_world_export(&e, &export_ifaces.v[i], 1, 0))
      wp_wit_fail(m->cx, r->worlds[wid].span,
                  "interface `%s` transitively depends on an interface in incompatible ways",
                  world_key_name(m, &export_ifaces.v[i]));
  }
  stable_sort(r, imports.v, imports.n);
  w = &r->worlds[wid];
  w->imports = imports.v;
  w->n_imports = imports.n;
  w->exports = exports.v;
  w->n_exports = exports.n;
}

/* ---- append one package ---- */

static uint32_t append(wp_wit_ctx_t *cx, wp_wit_unresolved_t *u) {
  wp_wit_resolve_t *r = cx->r;
  remap_t mm;
  remap_t *m = &mm;
  memset(m, 0, sizeof *m);
  m->cx = cx;
  m->r = r;
  wp_wit_package_t *p = PERM(r->packages, r->n_packages);
  p->name = u->name;
  p->docs = u->docs;
  m->pkg = r->n_packages - 1;
  process_foreign(m, u);
  uint32_t ft = m->n_types, fi = m->n_ifaces, fw = m->n_worlds;

  for (uint32_t id = ft; id < u->n_types; id++) {
    wp_wit_typedef_t t = u->types[id];
    if (!include_stability(m, &t.stability, t.span)) {
      push_map(m, &m->types, &m->n_types, WP_WIT_NONE);
      continue;
    }
    update_typedef(m, &t, t.span);
    uint32_t nid = alloc_type(m, &t);
    if (!t.name && t.owner_kind == WP_WIT_OWNER_NONE && t.kind == WP_WIT_DEF_HANDLE &&
        !t.borrow) {
      uint32_t k;
      for (k = 0; k < m->n_own; k++)
        if (m->own_from[k] == t.resource) break;
      if (k < m->n_own) {
        nid = m->own_to[k];
      } else {
        push_map(m, &m->own_from, &m->n_own, t.resource);
        m->n_own--;
        push_map(m, &m->own_to, &m->n_own, nid);
      }
    }
    push_map(m, &m->types, &m->n_types, nid);
  }
  for (uint32_t id = fi; id < u->n_interfaces; id++) {
    wp_wit_interface_t ifc = u->interfaces[id];
    if (!include_stability(m, &ifc.stability, ifc.span)) {
      push_map(m, &m->ifaces, &m->n_ifaces, WP_WIT_NONE);
      continue;
    }
    ifc.package = m->pkg;
    update_interface(m, &ifc);
    *(wp_wit_interface_t *)PERM(r->interfaces, r->n_interfaces) = ifc;
    push_map(m, &m->ifaces, &m->n_ifaces, r->n_interfaces - 1);
  }
  for (uint32_t id = ft; id < m->n_types; id++) {
    uint32_t t = m->types[id];
    if (t == WP_WIT_NONE || r->types[t].owner_kind != WP_WIT_OWNER_INTERFACE) continue;
    if (t < r->n_types && id < u->n_types && r->types[t].owner == u->types[id].owner) {
      r->types[t].owner =
          apply_map(m, m->ifaces, m->n_ifaces, r->types[t].owner, "interface", r->types[t].span,
                    "; this type is not gated by a feature but its interface is");
    }
  }
  for (uint32_t id = fw; id < u->n_worlds; id++) {
    wp_wit_world_t w = u->worlds[id];
    if (!include_stability(m, &w.stability, w.span)) {
      push_map(m, &m->worlds, &m->n_worlds, WP_WIT_NONE);
      continue;
    }
    update_world(m, &w);
    *(wp_wit_world_t *)PERM(r->worlds, r->n_worlds) = w;
    push_map(m, &m->worlds, &m->n_worlds, r->n_worlds - 1);
  }
  for (uint32_t id = ft; id < m->n_types; id++) {
    uint32_t t = m->types[id];
    if (t == WP_WIT_NONE || r->types[t].owner_kind != WP_WIT_OWNER_WORLD) continue;
    if (id < u->n_types && r->types[t].owner == u->types[id].owner)
      r->types[t].owner =
          apply_map(m, m->worlds, m->n_worlds, r->types[t].owner, "world", r->types[t].span,
                    "; this type is not gated by a feature but its world is");
  }
  for (uint32_t id = fw; id < m->n_worlds; id++) {
    uint32_t wid = m->worlds[id];
    if (wid == WP_WIT_NONE) continue;
    struct wp_wit_include *incs = r->worlds[wid].includes;
    uint32_t n_incs = r->worlds[wid].n_includes;
    r->worlds[wid].includes = NULL;
    r->worlds[wid].n_includes = 0;
    for (uint32_t k = 0; k < n_incs; k++) {
      if (!include_stability(m, &incs[k].stability, incs[k].span)) continue;
      resolve_include(m, wid, &incs[k]);
    }
    validate_case_insensitive(m, wid);
    elaborate_world(m, wid);
  }
  for (uint32_t id = fi; id < m->n_ifaces; id++) {
    uint32_t iid = m->ifaces[id];
    if (iid == WP_WIT_NONE) continue;
    r->interfaces[iid].package = m->pkg;
    if (r->interfaces[iid].name) {
      wp_wit_package_t *pk = &r->packages[m->pkg];
      wp_wit_entry_t *e = PERM(pk->interfaces, pk->n_interfaces);
      e->name = r->interfaces[iid].name;
      e->id = iid;
    }
  }
  for (uint32_t id = fw; id < m->n_worlds; id++) {
    uint32_t wid = m->worlds[id];
    if (wid == WP_WIT_NONE) continue;
    r->worlds[wid].package = m->pkg;
    wp_wit_package_t *pk = &r->packages[m->pkg];
    wp_wit_entry_t *e = PERM(pk->worlds, pk->n_worlds);
    e->name = r->worlds[wid].name;
    e->id = wid;
  }
  return m->pkg;
}

/* ---- ordering packages ---- */

typedef struct {
  wp_wit_unresolved_t *u;
  int state; /* 0 new, 2 done */
} pkg_slot_t;

static int find_slot(pkg_slot_t *s, uint32_t n, const wp_wit_package_name_t *name) {
  for (uint32_t i = 0; i < n; i++)
    if (wp_wit_pkgname_eq(&s[i].u->name, name)) return (int)i;
  return -1;
}

static void visit(wp_wit_ctx_t *cx, pkg_slot_t *s, uint32_t n, uint32_t i,
                  const wp_wit_package_name_t **visiting, uint32_t n_visiting, uint32_t *order,
                  uint32_t *n_order) {
  if (s[i].state == 2) return;
  wp_wit_unresolved_t *u = s[i].u;
  for (uint32_t d = 0; d < u->n_fdeps; d++) {
    const wp_wit_package_name_t *dep = &u->fdeps[d].name;
    for (uint32_t k = 0; k < n_visiting; k++)
      if (wp_wit_pkgname_eq(visiting[k], dep))
        wp_wit_fail(cx, u->fdeps[d].span, "package `%s` creates a dependency cycle",
                    wp_wit_pkgname_str(cx, dep));
    int j = find_slot(s, n, dep);
    if (j >= 0) {
      visiting[n_visiting] = dep;
      visit(cx, s, n, (uint32_t)j, visiting, n_visiting + 1, order, n_order);
    }
  }
  if (s[i].state != 2) {
    s[i].state = 2;
    order[(*n_order)++] = i;
  }
}

uint32_t wp_wit_resolve_groups(wp_wit_ctx_t *cx, wp_wit_group_t *groups, uint32_t n_groups) {
  pkg_slot_t *slots = NULL;
  uint32_t n = 0;
  const wp_wit_package_name_t *main_name = &groups[0].pkgs[groups[0].main]->name;
  for (uint32_t g = 0; g < n_groups; g++)
    for (uint32_t k = 0; k < groups[g].n_pkgs; k++) {
      wp_wit_unresolved_t *u = groups[g].pkgs[k];
      int prev = find_slot(slots, n, &u->name);
      if (prev >= 0) {
        /* "defined in two different locations" names both places */
        wp_wit_fail(cx, u->name_span, "package `%s` is defined in two different locations: %s and %s",
                    wp_wit_pkgname_str(cx, &u->name), wp_wit_location(cx, u->name_span),
                    wp_wit_location(cx, slots[prev].u->name_span));
      }
      pkg_slot_t *s = wp_wit_vpush(cx, cx->tmp, &slots, &n, sizeof *s);
      s->u = u;
    }
  /* visit in name order (like a BTreeMap) */
  uint32_t *by_name = wp_wit_alloc(cx, cx->tmp, (n + 1) * sizeof *by_name);
  for (uint32_t i = 0; i < n; i++) by_name[i] = i;
  for (uint32_t i = 1; i < n; i++) {
    uint32_t x = by_name[i], j = i;
    while (j > 0 && wp_wit_pkgname_cmp(&slots[by_name[j - 1]].u->name, &slots[x].u->name) > 0) {
      by_name[j] = by_name[j - 1];
      j--;
    }
    by_name[j] = x;
  }
  uint32_t *order = wp_wit_alloc(cx, cx->tmp, (n + 1) * sizeof *order);
  uint32_t n_order = 0;
  const wp_wit_package_name_t **visiting =
      wp_wit_alloc(cx, cx->tmp, (n + 2) * sizeof *visiting * 4);
  for (uint32_t i = 0; i < n; i++) {
    /* cycle detection depth is bounded by the number of packages */
    visit(cx, slots, n, by_name[i], visiting, 0, order, &n_order);
  }
  uint32_t main_id = WP_WIT_NONE;
  for (uint32_t i = 0; i < n_order; i++) {
    wp_wit_unresolved_t *u = slots[order[i]].u;
    uint32_t id = append(cx, u);
    if (wp_wit_pkgname_eq(&u->name, main_name)) main_id = id;
  }
  return main_id;
}

/* ---- helpers for consumers ---- */

char *wp_wit_interface_id(const wp_wit_resolve_t *r, uint32_t iface) {
  const wp_wit_interface_t *i = &r->interfaces[iface];
  if (!i->name || i->package == WP_WIT_NONE) return NULL;
  const wp_wit_package_name_t *n = &r->packages[i->package].name;
  wp_buf_t b = {0};
  wp_buf_printf(&b, "%s:%s/%s", n->ns, n->name, i->name);
  if (n->version) wp_buf_printf(&b, "@%s", n->version);
  return wp_buf_take(&b);
}

uint32_t wp_wit_type_unalias(const wp_wit_resolve_t *r, uint32_t id) {
  for (uint32_t guard = 0; guard < r->n_types; guard++) {
    const wp_wit_typedef_t *t = &r->types[id];
    if (t->kind != WP_WIT_DEF_ALIAS || t->type.kind != WP_WIT_T_ID) return id;
    id = t->type.id;
  }
  return id;
}

uint32_t wp_wit_find_world(const wp_wit_resolve_t *r, uint32_t pkg, const char *name) {
  if (pkg >= r->n_packages) return WP_WIT_NONE;
  return entry_find(r->packages[pkg].worlds, r->packages[pkg].n_worlds, name);
}

const char *wp_wit_prim_name(wp_wit_type_kind_t k) {
  static const char *const names[] = {
      [WP_WIT_T_NONE] = "_",   [WP_WIT_T_BOOL] = "bool", [WP_WIT_T_U8] = "u8",     [WP_WIT_T_U16] = "u16",
      [WP_WIT_T_U32] = "u32",  [WP_WIT_T_U64] = "u64",   [WP_WIT_T_S8] = "s8",     [WP_WIT_T_S16] = "s16",
      [WP_WIT_T_S32] = "s32",  [WP_WIT_T_S64] = "s64",   [WP_WIT_T_F32] = "f32",   [WP_WIT_T_F64] = "f64",
      [WP_WIT_T_CHAR] = "char", [WP_WIT_T_STRING] = "string", [WP_WIT_T_ERROR_CONTEXT] = "error-context"};
  if ((unsigned)k < sizeof names / sizeof names[0] && names[k]) return names[k];
  return "?";
}
