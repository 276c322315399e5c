/*
** unresolved.c — turns the ASTs of one package into an "unresolved
** package": interfaces, worlds and types with indices local to the package
** and placeholders for everything imported from other packages.
**
** The order in which types, interfaces and worlds are allocated here is
** observable (indices in the JSON dump, the order bindgen emits things), so
** it follows wit-parser: foreign placeholders first, then interfaces and
** worlds in a topological order that prefers source order, types within an
** interface in topological order, anonymous types interned on first use.
*/
#include <stdlib.h>
#include <string.h>

#include "ast.h"

typedef struct {
  int is_world;
  uint32_t id;
} item_ref_t;

typedef struct {
  const char *name;
  item_ref_t item;
  wp_wit_span_t span;
} named_item_t;

typedef struct {
  named_item_t *v;
  uint32_t n;
} items_t;

/* A name in an interface/world scope: a type, or a function (item). */
typedef struct {
  const char *name;
  uint32_t type; /* WP_WIT_NONE for functions */
  const char *item;
  wp_wit_span_t span;
} lookup_ent_t;

typedef struct {
  lookup_ent_t *v;
  uint32_t n;
} lookup_t;

/* One `use`/`include`/import path occurrence, as visited by for_each_path. */
enum { WOI_WORLD, WOI_INTERFACE, WOI_UNKNOWN };
typedef struct {
  const ast_id_t *owner; /* interface (or world, for include) name */
  const ast_attrs_t *attrs;
  const ast_path_t *path;
  const ast_use_name_t *names;
  uint32_t n_names;
  int has_names;
  int woi;
} visit_t;

typedef struct {
  wp_wit_ctx_t *cx;
  wp_wit_unresolved_t *u;
  int has_name;
  ast_file_t **files;
  uint32_t n_files;
  uint32_t cur;
  items_t *ast_items; /* per file */
  items_t package_items;
  lookup_t *iface_types; /* parallel to u->interfaces */
  uint32_t n_iface_types;
  uint8_t *foreign_iface; /* parallel flags */
  uint32_t n_foreign_iface;
  uint32_t *anon; /* interned anonymous types */
  uint32_t n_anon;
  lookup_t lookup; /* the scope being resolved */
} rs_t;

#define TMP(arr, n) wp_wit_vpush(rs->cx, rs->cx->tmp, &(arr), &(n), sizeof *(arr))
#define PERM(arr, n) wp_wit_vpush(rs->cx, rs->cx->perm, &(arr), &(n), sizeof *(arr))

/* ---- package names ---- */

int wp_wit_pkgname_eq(const wp_wit_package_name_t *a, const wp_wit_package_name_t *b) {
  if (strcmp(a->ns, b->ns) || strcmp(a->name, b->name)) return 0;
  if (!a->version || !b->version) return !a->version && !b->version;
  return !strcmp(a->version, b->version);
}

int wp_wit_pkgname_cmp(const wp_wit_package_name_t *a, const wp_wit_package_name_t *b) {
  int c = strcmp(a->ns, b->ns);
  if (c) return c;
  c = strcmp(a->name, b->name);
  if (c) return c;
  if (!a->version || !b->version) return (a->version != NULL) - (b->version != NULL);
  return wp_wit_version_cmp(a->version, b->version);
}

char *wp_wit_pkgname_str(wp_wit_ctx_t *cx, const wp_wit_package_name_t *n) {
  if (n->version) return wp_wit_fmt(cx, cx->tmp, "%s:%s@%s", n->ns, n->name, n->version);
  return wp_wit_fmt(cx, cx->tmp, "%s:%s", n->ns, n->name);
}

static wp_wit_package_name_t pkgname_of(const ast_pkgname_t *p) {
  wp_wit_package_name_t n = {p->ns.name, p->name.name, p->version};
  return n;
}

/* ---- small maps ---- */

static named_item_t *items_get(items_t *m, const char *name) {
  for (uint32_t i = 0; i < m->n; i++)
    if (!strcmp(m->v[i].name, name)) return &m->v[i];
  return NULL;
}

static lookup_ent_t *lookup_get(lookup_t *m, const char *name) {
  for (uint32_t i = 0; i < m->n; i++)
    if (!strcmp(m->v[i].name, name)) return &m->v[i];
  return NULL;
}

static _Noreturn void not_found(rs_t *rs, const ast_id_t *id, const char *kind) {
  wp_wit_fail(rs->cx, id->span, "%s `%s` does not exist", kind, id->name);
}

/* ---- docs and attributes ---- */

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

static const char *docs_of(rs_t *rs, const ast_docs_t *d) {
  if (!d->n_lines) return NULL;
  wp_wit_ctx_t *cx = rs->cx;
  const char **lines = wp_wit_alloc(cx, cx->tmp, d->n_lines * sizeof *lines);
  size_t *lens = wp_wit_alloc(cx, cx->tmp, d->n_lines * sizeof *lens);
  size_t min_ws = SIZE_MAX;
  for (uint32_t i = 0; i < d->n_lines; i++) {
    const char *s = d->lines[i];
    size_t n = strlen(s);
    if (n >= 3 && !strncmp(s, "/**", 3)) {
      s += 3;
      n -= 3;
      if (n >= 2 && !strncmp(s + n - 2, "*/", 2)) n -= 2;
    } else {
      while (n && *s == '/') s++, n--;
    }
    while (n && is_ws(s[n - 1])) n--;
    lines[i] = s;
    lens[i] = n;
    if (n) {
      size_t w = 0;
      while (w < n && is_ws(s[w])) w++;
      if (w < min_ws) min_ws = w;
    }
  }
  wp_buf_t b = {0};
  for (uint32_t i = 0; i < d->n_lines; i++) {
    const char *s = lines[i];
    size_t n = lens[i];
    if (min_ws != SIZE_MAX && min_ws > 0 && n >= min_ws) {
      size_t k = 0;
      while (k < min_ws && s[k] == ' ') k++;
      if (k == min_ws) s += min_ws, n -= min_ws;
    }
    if (!n) {
      wp_buf_puts(&b, "\n");
      continue;
    }
    /* split into lines, dropping a '\r' before each '\n' */
    size_t st = 0;
    while (st < n) {
      size_t e = st;
      while (e < n && s[e] != '\n') e++;
      size_t le = e;
      if (le > st && s[le - 1] == '\r') le--;
      wp_buf_put(&b, s + st, le - st);
      wp_buf_puts(&b, "\n");
      st = e + 1;
    }
  }
  char *out = wp_buf_take(&b);
  if (!out) wp_wit_oom(cx);
  size_t n = strlen(out);
  while (n && out[n - 1] == '\n') n--;
  char *r = wp_wit_strndup(cx, cx->perm, out, n);
  free(out);
  return r;
}

static wp_wit_stability_t stability_of(rs_t *rs, const ast_attrs_t *a) {
  wp_wit_stability_t s;
  memset(&s, 0, sizeof s);
  const char *since = NULL, *dep = NULL, *feat = NULL;
  wp_wit_span_t since_sp = wp_wit_span_unknown(), dep_sp = wp_wit_span_unknown();
  for (uint32_t i = 0; i < a->n; i++) {
    const ast_attr_t *t = &a->items[i];
    switch (t->kind) {
      case ATTR_SINCE:
        if (since) wp_wit_fail(rs->cx, t->span, "cannot specify @since twice");
        since = t->value;
        since_sp = t->span;
        break;
      case ATTR_DEPRECATED:
        if (dep) wp_wit_fail(rs->cx, t->span, "cannot specify @deprecated twice");
        dep = t->value;
        dep_sp = t->span;
        break;
      case ATTR_UNSTABLE:
        if (feat) wp_wit_fail(rs->cx, t->span, "cannot specify @unstable twice");
        feat = t->value;
        break;
      default: break;
    }
  }
  if (since && feat) wp_wit_fail(rs->cx, since_sp, "cannot specify both @since and @unstable");
  if (since) {
    s.kind = WP_WIT_STABILITY_STABLE;
    s.since = since;
    s.deprecated = dep;
  } else if (feat) {
    s.kind = WP_WIT_STABILITY_UNSTABLE;
    s.feature = feat;
    s.deprecated = dep;
  } else if (dep) {
    wp_wit_fail(rs->cx, dep_sp, "cannot specify both @deprecated without @since or @unstable");
  }
  return s;
}

static const char *external_id_of(rs_t *rs, const ast_attrs_t *a) {
  const char *r = NULL;
  for (uint32_t i = 0; i < a->n; i++)
    if (a->items[i].kind == ATTR_EXTERNAL_ID) {
      if (r) wp_wit_fail(rs->cx, a->items[i].span, "cannot specify @external-id twice");
      r = a->items[i].value;
    }
  return r;
}

/* ---- allocation ---- */

static uint32_t alloc_interface(rs_t *rs, wp_wit_span_t span) {
  wp_wit_unresolved_t *u = rs->u;
  wp_wit_interface_t *i = PERM(u->interfaces, u->n_interfaces);
  i->package = WP_WIT_NONE;
  i->clone_of = WP_WIT_NONE;
  i->span = span;
  TMP(rs->iface_types, rs->n_iface_types);
  TMP(rs->foreign_iface, rs->n_foreign_iface);
  return u->n_interfaces - 1;
}

static uint32_t alloc_world(rs_t *rs, wp_wit_span_t span) {
  wp_wit_unresolved_t *u = rs->u;
  wp_wit_world_t *w = PERM(u->worlds, u->n_worlds);
  w->name = "";
  w->package = WP_WIT_NONE;
  w->span = span;
  return u->n_worlds - 1;
}

static uint32_t alloc_type(rs_t *rs, const wp_wit_typedef_t *td) {
  wp_wit_unresolved_t *u = rs->u;
  wp_wit_typedef_t *t = PERM(u->types, u->n_types);
  *t = *td;
  return u->n_types - 1;
}

/* ---- for_each_path ---- */

static void visit_push(rs_t *rs, visit_t **v, uint32_t *n, const ast_id_t *owner,
                       const ast_attrs_t *attrs, const ast_path_t *path, const ast_use_t *use,
                       int woi) {
  visit_t *x = wp_wit_vpush(rs->cx, rs->cx->tmp, v, n, sizeof *x);
  x->owner = owner;
  x->attrs = attrs;
  x->path = path;
  if (use) {
    x->names = use->names;
    x->n_names = use->n_names;
    x->has_names = 1;
  }
  x->woi = woi;
}

/* Lists every path in a file in the reference's visiting order: world
   imports before exports (printing puts imports first). */
static void collect_paths(rs_t *rs, const ast_file_t *f, visit_t **v, uint32_t *n) {
  for (uint32_t i = 0; i < f->n_items; i++) {
    const ast_item_t *it = &f->items[i];
    if (it->kind == AI_WORLD) {
      const ast_world_t *w = &it->world;
      for (uint32_t k = 0; k < w->n_items; k++) {
        const ast_witem_t *wi = &w->items[k];
        if (wi->kind == WI_USE)
          visit_push(rs, v, n, NULL, &wi->use.attrs, &wi->use.from, &wi->use, WOI_INTERFACE);
        else if (wi->kind == WI_INCLUDE)
          visit_push(rs, v, n, &w->name, &wi->attrs, &wi->from, NULL, WOI_WORLD);
      }
      for (int pass = 0; pass < 2; pass++)
        for (uint32_t k = 0; k < w->n_items; k++) {
          const ast_witem_t *wi = &w->items[k];
          if (wi->kind != (pass ? WI_EXPORT : WI_IMPORT)) continue;
          const ast_extern_t *e = &wi->ext;
          if (e->kind == EK_INTERFACE) {
            for (uint32_t j = 0; j < e->n_items; j++)
              if (e->items[j].kind == II_USE)
                visit_push(rs, v, n, NULL, &e->items[j].use.attrs, &e->items[j].use.from,
                           &e->items[j].use, WOI_INTERFACE);
          } else if (e->kind == EK_PATH || e->kind == EK_NAMED_PATH) {
            visit_push(rs, v, n, NULL, &wi->attrs, &e->path, NULL, WOI_INTERFACE);
          }
        }
    } else if (it->kind == AI_INTERFACE) {
      for (uint32_t j = 0; j < it->iface.n_items; j++)
        if (it->iface.items[j].kind == II_USE)
          visit_push(rs, v, n, &it->iface.name, &it->iface.items[j].use.attrs,
                     &it->iface.items[j].use.from, &it->iface.items[j].use, WOI_INTERFACE);
    } else if (it->kind == AI_USE) {
      visit_push(rs, v, n, NULL, &it->use_attrs, &it->use_path, NULL, WOI_UNKNOWN);
    } else if (it->kind == AI_PACKAGE) {
      collect_paths(rs, it->pkg, v, n);
    }
  }
}

/* ---- foreign dependencies ---- */

static wp_wit_fdep_t *fdep_find(rs_t *rs, const wp_wit_package_name_t *n) {
  for (uint32_t i = 0; i < rs->u->n_fdeps; i++)
    if (wp_wit_pkgname_eq(&rs->u->fdeps[i].name, n)) return &rs->u->fdeps[i];
  return NULL;
}

static wp_wit_fdep_item_t *fdep_item(wp_wit_fdep_t *d, const char *name) {
  for (uint32_t i = 0; i < d->n_items; i++)
    if (!strcmp(d->items[i].name, name)) return &d->items[i];
  return NULL;
}

static void populate_foreign_deps(rs_t *rs, visit_t *vs, uint32_t nv) {
  for (uint32_t i = 0; i < nv; i++) {
    const ast_path_t *p = vs[i].path;
    if (!p->is_pkg) continue;
    wp_wit_stability_t st = stability_of(rs, vs[i].attrs);
    wp_wit_package_name_t pn = pkgname_of(&p->pkg);
    wp_wit_fdep_t *d = fdep_find(rs, &pn);
    if (!d) {
      d = PERM(rs->u->fdeps, rs->u->n_fdeps);
      d->name = pn;
      d->span = p->pkg.span;
    }
    wp_wit_fdep_item_t *it = fdep_item(d, p->name.name);
    if (!it) {
      it = PERM(d->items, d->n_items);
      it->name = p->name.name;
      if (vs[i].woi == WOI_WORLD) {
        it->is_world = 1;
        it->id = alloc_world(rs, p->name.span);
      } else {
        it->id = alloc_interface(rs, p->name.span);
        rs->foreign_iface[it->id] = 1;
      }
    }
    wp_wit_stability_t *s = PERM(it->stabs, it->n_stabs);
    *s = st;
  }
}

/* ---- toposort: ready nodes are emitted smallest-index first ---- */

typedef struct {
  const char *name;
  ast_id_t *edges;
  uint32_t n_edges;
} tnode_t;

static int tnode_find(tnode_t *ns, uint32_t n, const char *name) {
  for (uint32_t i = 0; i < n; i++)
    if (!strcmp(ns[i].name, name)) return (int)i;
  return -1;
}

static uint32_t *toposort(rs_t *rs, const char *kind, tnode_t *ns, uint32_t n) {
  wp_wit_ctx_t *cx = rs->cx;
  uint32_t *remaining = wp_wit_alloc(cx, cx->tmp, (n + 1) * sizeof *remaining);
  uint32_t **rev = wp_wit_alloc(cx, cx->tmp, (n + 1) * sizeof *rev);
  uint32_t *n_rev = wp_wit_alloc(cx, cx->tmp, (n + 1) * sizeof *n_rev);
  for (uint32_t i = 0; i < n; i++) {
    remaining[i] = ns[i].n_edges;
    for (uint32_t e = 0; e < ns[i].n_edges; e++) {
      int j = tnode_find(ns, n, ns[i].edges[e].name);
      if (j < 0) {
        const char *nm = ns[i].edges[e].name;
        if (!strcmp(kind, "type") && (!strcmp(nm, "float32") || !strcmp(nm, "float64")))
          wp_wit_fail(cx, ns[i].edges[e].span,
                      "%s `%s` does not exist\nthe `%s` type has been renamed to `%s` and is no "
                      "longer accepted",
                      kind, nm, nm, nm[5] == '3' ? "f32" : "f64");
        not_found(rs, &ns[i].edges[e], kind);
      }
      uint32_t *slot = wp_wit_vpush(cx, cx->tmp, &rev[j], &n_rev[j], sizeof *slot);
      *slot = i;
    }
  }
  /* A sorted "ready" set; n is small so a linear min-scan is fine. */
  uint8_t *ready = wp_wit_alloc(cx, cx->tmp, n + 1);
  uint8_t *done = wp_wit_alloc(cx, cx->tmp, n + 1);
  uint32_t *order = wp_wit_alloc(cx, cx->tmp, (n + 1) * sizeof *order);
  uint32_t n_order = 0, n_ready = 0, lo = 0;
  for (uint32_t i = 0; i < n; i++)
    if (!remaining[i]) ready[i] = 1, n_ready++;
  while (n_ready) {
    while (!ready[lo]) lo++;
    uint32_t i = lo;
    ready[i] = 0;
    n_ready--;
    done[i] = 1;
    order[n_order++] = i;
    for (uint32_t k = 0; k < n_rev[i]; k++) {
      uint32_t j = rev[i][k];
      if (--remaining[j] == 0) {
        ready[j] = 1;
        n_ready++;
        if (j < lo) lo = j;
      }
    }
  }
  if (n_order == n) return order;
  for (uint32_t i = 0; i < n; i++) {
    if (!remaining[i]) continue;
    for (uint32_t e = 0; e < ns[i].n_edges; e++) {
      int j = tnode_find(ns, n, ns[i].edges[e].name);
      if (remaining[j] == 0) continue;
      wp_wit_fail(cx, ns[i].edges[e].span, "%s `%s` depends on itself", kind,
                  ns[i].edges[e].name);
    }
  }
  wp_wit_fail(cx, wp_wit_span_unknown(), "%s cycle", kind);
}

/* ---- package structure ---- */

typedef struct {
  const ast_item_t *ast; /* interface or world */
} named_ast_t;

static void populate_ast_items(rs_t *rs, visit_t **file_visits, uint32_t *file_nv,
                               uint32_t **iface_order, uint32_t *n_iface,
                               uint32_t **world_order, uint32_t *n_world) {
  wp_wit_ctx_t *cx = rs->cx;
  items_t pkg_items = {0}; /* name -> span (item unused) */
  tnode_t *order = NULL;
  uint32_t n_order = 0;
  named_ast_t *by_name = NULL;
  uint32_t n_by_name = 0;
  for (uint32_t f = 0; f < rs->n_files; f++) {
    ast_file_t *file = rs->files[f];
    for (uint32_t i = 0; i < file->n_items; i++) {
      ast_item_t *it = &file->items[i];
      const ast_id_t *name;
      if (it->kind == AI_INTERFACE)
        name = &it->iface.name;
      else if (it->kind == AI_WORLD)
        name = &it->world.name;
      else
        continue;
      if (items_get(&pkg_items, name->name))
        wp_wit_fail(cx, name->span, "duplicate item named `%s`", name->name);
      named_item_t *ni = TMP(pkg_items.v, pkg_items.n);
      ni->name = name->name;
      ni->span = name->span;
      tnode_t *tn = TMP(order, n_order);
      tn->name = name->name;
      named_ast_t *na = TMP(by_name, n_by_name);
      na->ast = it;
    }
  }

  for (uint32_t f = 0; f < rs->n_files; f++) {
    ast_file_t *file = rs->files[f];
    /* name -> (local target id or foreign) */
    typedef struct {
      const char *name;
      const ast_id_t *local; /* NULL = foreign */
    } ns_ent_t;
    ns_ent_t *ns = NULL;
    uint32_t n_ns = 0;
    for (uint32_t i = 0; i < file->n_items; i++) {
      ast_item_t *it = &file->items[i];
      const ast_id_t *name, *local;
      if (it->kind == AI_USE) {
        name = it->use_as.name ? &it->use_as : &it->use_path.name;
        local = it->use_path.is_pkg ? NULL : &it->use_path.name;
      } else if (it->kind == AI_INTERFACE) {
        name = local = &it->iface.name;
      } else if (it->kind == AI_WORLD) {
        name = local = &it->world.name;
      } else {
        continue;
      }
      for (uint32_t k = 0; k < n_ns; k++)
        if (!strcmp(ns[k].name, name->name))
          wp_wit_fail(cx, name->span, "duplicate name `%s` in this file", name->name);
      ns_ent_t *e = TMP(ns, n_ns);
      e->name = name->name;
      e->local = local;
    }
    for (uint32_t v = 0; v < file_nv[f]; v++) {
      visit_t *vi = &file_visits[f][v];
      if (!vi->owner || vi->path->is_pkg) continue;
      const ast_id_t *used = &vi->path->name;
      const ast_id_t *target = NULL;
      int found = 0;
      for (uint32_t k = 0; k < n_ns; k++)
        if (!strcmp(ns[k].name, used->name)) {
          found = 1;
          target = ns[k].local;
          break;
        }
      if (found && !target) continue; /* foreign */
      if (!found) {
        if (!items_get(&pkg_items, used->name)) not_found(rs, used, "interface or world");
        target = used;
      }
      int oi = tnode_find(order, n_order, vi->owner->name);
      ast_id_t *edge = TMP(order[oi].edges, order[oi].n_edges);
      *edge = *target;
    }
  }

  uint32_t *sorted = toposort(rs, "interface or world", order, n_order);
  /* name -> allocated id */
  items_t ids = {0};
  for (uint32_t k = 0; k < n_order; k++) {
    uint32_t idx = sorted[k];
    const ast_item_t *it = by_name[idx].ast;
    const char *name = order[idx].name;
    wp_wit_span_t span = items_get(&pkg_items, name)->span;
    named_item_t *ni = TMP(ids.v, ids.n);
    ni->name = name;
    if (it->kind == AI_INTERFACE) {
      uint32_t id = alloc_interface(rs, span);
      rs->u->interfaces[id].name = name;
      ni->item.id = id;
      uint32_t *slot = wp_wit_vpush(cx, cx->tmp, iface_order, n_iface, sizeof *slot);
      *slot = id;
    } else {
      uint32_t id = alloc_world(rs, span);
      rs->u->worlds[id].name = name;
      ni->item.is_world = 1;
      ni->item.id = id;
      uint32_t *slot = wp_wit_vpush(cx, cx->tmp, world_order, n_world, sizeof *slot);
      *slot = id;
    }
  }
  rs->ast_items = wp_wit_alloc(cx, cx->tmp, (rs->n_files + 1) * sizeof *rs->ast_items);
  for (uint32_t f = 0; f < rs->n_files; f++) {
    ast_file_t *file = rs->files[f];
    for (uint32_t i = 0; i < file->n_items; i++) {
      ast_item_t *it = &file->items[i];
      const char *name;
      item_ref_t ref;
      if (it->kind == AI_USE) {
        if (it->use_attrs.n)
          wp_wit_fail(cx, it->use_span, "attributes not allowed on top-level use");
        name = it->use_as.name ? it->use_as.name : it->use_path.name.name;
        if (!it->use_path.is_pkg) {
          named_item_t *t = items_get(&ids, it->use_path.name.name);
          if (!t) not_found(rs, &it->use_path.name, "interface or world");
          ref = t->item;
        } else {
          wp_wit_package_name_t pn = pkgname_of(&it->use_path.pkg);
          wp_wit_fdep_item_t *fi = fdep_item(fdep_find(rs, &pn), it->use_path.name.name);
          ref.is_world = fi->is_world;
          ref.id = fi->id;
        }
      } else if (it->kind == AI_INTERFACE || it->kind == AI_WORLD) {
        name = it->kind == AI_INTERFACE ? it->iface.name.name : it->world.name.name;
        ref = items_get(&ids, name)->item;
      } else {
        continue;
      }
      named_item_t *ni = TMP(rs->ast_items[f].v, rs->ast_items[f].n);
      ni->name = name;
      ni->item = ref;
      if (it->kind != AI_USE) {
        ni = TMP(rs->package_items.v, rs->package_items.n);
        ni->name = name;
        ni->item = ref;
      }
    }
  }
}

static item_ref_t resolve_path(rs_t *rs, const ast_path_t *p, const ast_id_t **name) {
  *name = &p->name;
  if (!p->is_pkg) {
    named_item_t *t = items_get(&rs->ast_items[rs->cur], p->name.name);
    if (!t) t = items_get(&rs->package_items, p->name.name);
    if (!t) not_found(rs, &p->name, "interface or world");
    return t->item;
  }
  wp_wit_package_name_t pn = pkgname_of(&p->pkg);
  wp_wit_fdep_item_t *fi = fdep_item(fdep_find(rs, &pn), p->name.name);
  item_ref_t r = {fi->is_world, fi->id};
  return r;
}

static uint32_t path_iface(rs_t *rs, const ast_path_t *p) {
  const ast_id_t *name;
  item_ref_t r = resolve_path(rs, p, &name);
  if (r.is_world)
    wp_wit_fail(rs->cx, name->span, "name `%s` is defined as a world, not an interface",
                name->name);
  return r.id;
}

static uint32_t path_world(rs_t *rs, const ast_path_t *p) {
  const ast_id_t *name;
  item_ref_t r = resolve_path(rs, p, &name);
  if (!r.is_world)
    wp_wit_fail(rs->cx, name->span, "name `%s` is defined as an interface, not a world",
                name->name);
  return r.id;
}

static void populate_foreign_types(rs_t *rs, visit_t **file_visits, uint32_t *file_nv) {
  for (uint32_t f = 0; f < rs->n_files; f++) {
    rs->cur = f;
    for (uint32_t v = 0; v < file_nv[f]; v++) {
      visit_t *vi = &file_visits[f][v];
      if (!vi->has_names) continue;
      wp_wit_stability_t st = stability_of(rs, vi->attrs);
      const char *ext = external_id_of(rs, vi->attrs);
      uint32_t iface = path_iface(rs, vi->path);
      if (!rs->foreign_iface[iface]) continue;
      lookup_t *lk = &rs->iface_types[iface];
      for (uint32_t k = 0; k < vi->n_names; k++) {
        const ast_id_t *nm = &vi->names[k].name;
        if (lookup_get(lk, nm->name)) continue;
        wp_wit_typedef_t td;
        memset(&td, 0, sizeof td);
        td.stability = st;
        td.kind = WP_WIT_DEF_UNKNOWN;
        td.name = nm->name;
        td.owner_kind = WP_WIT_OWNER_INTERFACE;
        td.owner = iface;
        td.span = nm->span;
        td.external_id = ext;
        uint32_t id = alloc_type(rs, &td);
        wp_wit_span_t *sp = PERM(rs->u->unknown_spans, rs->u->n_unknown_spans);
        *sp = nm->span;
        lookup_ent_t *e = TMP(lk->v, lk->n);
        e->name = nm->name;
        e->type = id;
        e->span = nm->span;
        wp_wit_interface_t *ifc = &rs->u->interfaces[iface];
        wp_wit_entry_t *te = PERM(ifc->types, ifc->n_types);
        te->name = nm->name;
        te->id = id;
      }
    }
  }
}

/* ---- types ---- */

static void define_name(rs_t *rs, const ast_id_t *name, uint32_t type, const char *item) {
  if (lookup_get(&rs->lookup, name->name))
    wp_wit_fail(rs->cx, name->span, "name `%s` is defined more than once", name->name);
  lookup_ent_t *e = TMP(rs->lookup.v, rs->lookup.n);
  e->name = name->name;
  e->type = type;
  e->item = item;
  e->span = name->span;
}

static wp_wit_type_t tid(uint32_t id) {
  wp_wit_type_t t = {WP_WIT_T_ID, id};
  return t;
}
static wp_wit_type_t prim(wp_wit_type_kind_t k) {
  wp_wit_type_t t = {k, 0};
  return t;
}

static int type_eq(wp_wit_type_t a, wp_wit_type_t b) {
  return a.kind == b.kind && (a.kind != WP_WIT_T_ID || a.id == b.id);
}

static uint32_t resolve_type_name(rs_t *rs, const ast_id_t *name) {
  lookup_ent_t *e = lookup_get(&rs->lookup, name->name);
  if (!e) not_found(rs, name, "name");
  if (e->type == WP_WIT_NONE)
    wp_wit_fail(rs->cx, name->span, "cannot use %s `%s` as a type", e->item, name->name);
  return e->type;
}

static uint32_t validate_resource(rs_t *rs, const ast_id_t *name) {
  uint32_t id = resolve_type_name(rs, name), cur = id;
  for (;;) {
    wp_wit_typedef_t *t = &rs->u->types[cur];
    if (t->kind == WP_WIT_DEF_RESOURCE) return id;
    if (t->kind == WP_WIT_DEF_ALIAS && t->type.kind == WP_WIT_T_ID) {
      cur = t->type.id;
      continue;
    }
    if (t->kind == WP_WIT_DEF_UNKNOWN) {
      wp_wit_req_res_t *r = PERM(rs->u->req_res, rs->u->n_req_res);
      r->id = cur;
      r->span = name->span;
      return id;
    }
    wp_wit_fail(rs->cx, name->span, "type `%s` used in a handle must be a resource",
                name->name);
  }
}

static const wp_wit_stability_t *stab_in_type(rs_t *rs, wp_wit_type_t t) {
  if (t.kind != WP_WIT_T_ID) return NULL;
  const wp_wit_stability_t *s = &rs->u->types[t.id].stability;
  return s->kind != WP_WIT_STABILITY_UNKNOWN ? s : NULL;
}

/* `option<T>` etc. inherit the stability of what they refer to. */
static wp_wit_stability_t find_stability(rs_t *rs, const wp_wit_typedef_t *k,
                                         wp_wit_stability_t given) {
  if (given.kind != WP_WIT_STABILITY_UNKNOWN) return given;
  const wp_wit_stability_t *s = NULL;
  switch (k->kind) {
    case WP_WIT_DEF_ALIAS:
    case WP_WIT_DEF_LIST:
    case WP_WIT_DEF_FIXED_LIST:
    case WP_WIT_DEF_OPTION:
    case WP_WIT_DEF_FUTURE:
    case WP_WIT_DEF_STREAM: s = stab_in_type(rs, k->type); break;
    case WP_WIT_DEF_HANDLE: s = stab_in_type(rs, tid(k->resource)); break;
    case WP_WIT_DEF_MAP:
    case WP_WIT_DEF_RESULT:
      s = stab_in_type(rs, k->type);
      if (!s) s = stab_in_type(rs, k->type2);
      break;
    case WP_WIT_DEF_TUPLE:
      for (uint32_t i = 0; i < k->n_types && !s; i++) s = stab_in_type(rs, k->types[i]);
      break;
    default: break;
  }
  if (s) return *s;
  return given;
}

static int anon_key_eq(const wp_wit_typedef_t *a, const wp_wit_typedef_t *b) {
  if (a->kind != b->kind) return 0;
  switch (a->kind) {
    case WP_WIT_DEF_HANDLE: return a->borrow == b->borrow && a->resource == b->resource;
    case WP_WIT_DEF_TUPLE:
      if (a->n_types != b->n_types) return 0;
      for (uint32_t i = 0; i < a->n_types; i++)
        if (!type_eq(a->types[i], b->types[i])) return 0;
      return 1;
    case WP_WIT_DEF_RECORD:
    case WP_WIT_DEF_VARIANT:
    case WP_WIT_DEF_FLAGS:
    case WP_WIT_DEF_ENUM:
      if (a->n_fields != b->n_fields) return 0;
      for (uint32_t i = 0; i < a->n_fields; i++)
        if (strcmp(a->fields[i].name, b->fields[i].name) ||
            !type_eq(a->fields[i].type, b->fields[i].type))
          return 0;
      return 1;
    case WP_WIT_DEF_FIXED_LIST:
      return a->size == b->size && type_eq(a->type, b->type);
    default: return type_eq(a->type, b->type) && type_eq(a->type2, b->type2);
  }
}

static wp_wit_type_t anon_type(rs_t *rs, wp_wit_typedef_t *td) {
  if (td->kind == WP_WIT_DEF_ALIAS) return td->type;
  if (td->kind == WP_WIT_DEF_HANDLE && !td->borrow) return tid(td->resource);
  for (uint32_t i = 0; i < rs->n_anon; i++)
    if (anon_key_eq(&rs->u->types[rs->anon[i]], td)) return tid(rs->anon[i]);
  uint32_t id = alloc_type(rs, td);
  uint32_t *slot = TMP(rs->anon, rs->n_anon);
  *slot = id;
  return tid(id);
}

static void resolve_type_def(rs_t *rs, const ast_type_t *t, wp_wit_stability_t st,
                             wp_wit_typedef_t *out);

static wp_wit_type_t resolve_type(rs_t *rs, const ast_type_t *t, wp_wit_stability_t st) {
  wp_wit_typedef_t td;
  memset(&td, 0, sizeof td);
  resolve_type_def(rs, t, st, &td);
  td.stability = find_stability(rs, &td, st);
  td.owner_kind = WP_WIT_OWNER_NONE;
  td.owner = WP_WIT_NONE;
  td.span = t->span;
  return anon_type(rs, &td);
}

static wp_wit_type_t resolve_opt(rs_t *rs, const ast_type_t *t, wp_wit_stability_t st) {
  if (!t) return prim(WP_WIT_T_NONE);
  return resolve_type(rs, t, st);
}

static void resolve_type_def(rs_t *rs, const ast_type_t *t, wp_wit_stability_t st,
                             wp_wit_typedef_t *out) {
  wp_wit_ctx_t *cx = rs->cx;
  out->kind = WP_WIT_DEF_ALIAS;
  switch (t->kind) {
    case AT_BOOL: out->type = prim(WP_WIT_T_BOOL); return;
    case AT_U8: out->type = prim(WP_WIT_T_U8); return;
    case AT_U16: out->type = prim(WP_WIT_T_U16); return;
    case AT_U32: out->type = prim(WP_WIT_T_U32); return;
    case AT_U64: out->type = prim(WP_WIT_T_U64); return;
    case AT_S8: out->type = prim(WP_WIT_T_S8); return;
    case AT_S16: out->type = prim(WP_WIT_T_S16); return;
    case AT_S32: out->type = prim(WP_WIT_T_S32); return;
    case AT_S64: out->type = prim(WP_WIT_T_S64); return;
    case AT_F32: out->type = prim(WP_WIT_T_F32); return;
    case AT_F64: out->type = prim(WP_WIT_T_F64); return;
    case AT_CHAR: out->type = prim(WP_WIT_T_CHAR); return;
    case AT_STRING: out->type = prim(WP_WIT_T_STRING); return;
    case AT_ERROR_CONTEXT: out->type = prim(WP_WIT_T_ERROR_CONTEXT); return;
    case AT_NAME: out->type = tid(resolve_type_name(rs, &t->name)); return;
    case AT_LIST:
      out->kind = WP_WIT_DEF_LIST;
      out->type = resolve_type(rs, t->a, st);
      return;
    case AT_MAP: {
      out->kind = WP_WIT_DEF_MAP;
      out->type = resolve_type(rs, t->a, st);
      out->type2 = resolve_type(rs, t->b, st);
      wp_wit_type_kind_t k = out->type.kind;
      if (k == WP_WIT_T_ID || k == WP_WIT_T_F32 || k == WP_WIT_T_F64 ||
          k == WP_WIT_T_ERROR_CONTEXT)
        wp_wit_fail(cx, t->span,
                    "invalid map key type: map keys must be bool, u8, u16, u32, u64, s8, s16, "
                    "s32, s64, char, or string");
      return;
    }
    case AT_FIXED_LIST:
      out->kind = WP_WIT_DEF_FIXED_LIST;
      out->type = resolve_type(rs, t->a, st);
      out->size = t->size;
      return;
    case AT_OWN:
    case AT_BORROW:
      out->kind = WP_WIT_DEF_HANDLE;
      out->borrow = t->kind == AT_BORROW;
      out->resource = validate_resource(rs, &t->name);
      return;
    case AT_RESOURCE: {
      int ctors = 0;
      for (uint32_t i = 0; i < t->n_funcs; i++) {
        const ast_rfunc_t *f = &t->funcs[i];
        if (f->kind == RF_CONSTRUCTOR) {
          if (++ctors > 1) wp_wit_fail(cx, f->f.name.span, "duplicate constructors");
          continue;
        }
        for (uint32_t j = 0; j < i; j++)
          if (t->funcs[j].kind != RF_CONSTRUCTOR &&
              !strcmp(t->funcs[j].f.name.name, f->f.name.name))
            wp_wit_fail(cx, f->f.name.span, "duplicate function name `%s`", f->f.name.name);
      }
      out->kind = WP_WIT_DEF_RESOURCE;
      return;
    }
    case AT_RECORD:
    case AT_FLAGS:
    case AT_VARIANT:
    case AT_ENUM:
      out->kind = t->kind == AT_RECORD    ? WP_WIT_DEF_RECORD
                  : t->kind == AT_FLAGS   ? WP_WIT_DEF_FLAGS
                  : t->kind == AT_VARIANT ? WP_WIT_DEF_VARIANT
                                          : WP_WIT_DEF_ENUM;
      if (t->kind == AT_VARIANT && !t->n_fields) wp_wit_fail(cx, t->span, "empty variant");
      if (t->kind == AT_ENUM && !t->n_fields) wp_wit_fail(cx, t->span, "empty enum");
      for (uint32_t i = 0; i < t->n_fields; i++) {
        wp_wit_field_t *f = PERM(out->fields, out->n_fields);
        f->docs = docs_of(rs, &t->fields[i].docs);
        f->name = t->fields[i].name.name;
        f->span = t->fields[i].name.span;
        if (t->kind == AT_RECORD || t->kind == AT_VARIANT)
          f->type = resolve_opt(rs, t->fields[i].type, st);
      }
      return;
    case AT_TUPLE:
      out->kind = WP_WIT_DEF_TUPLE;
      for (uint32_t i = 0; i < t->n_types; i++) {
        wp_wit_type_t *x = PERM(out->types, out->n_types);
        *x = resolve_type(rs, t->types[i], st);
      }
      return;
    case AT_OPTION:
      out->kind = WP_WIT_DEF_OPTION;
      out->type = resolve_type(rs, t->a, st);
      return;
    case AT_RESULT:
      out->kind = WP_WIT_DEF_RESULT;
      out->type = resolve_opt(rs, t->a, st);
      out->type2 = resolve_opt(rs, t->b, st);
      return;
    case AT_FUTURE:
    case AT_STREAM:
      out->kind = t->kind == AT_FUTURE ? WP_WIT_DEF_FUTURE : WP_WIT_DEF_STREAM;
      out->type = resolve_opt(rs, t->a, st);
      return;
  }
}

static void collect_deps(rs_t *rs, const ast_type_t *t, tnode_t *n) {
  if (!t) return;
  switch (t->kind) {
    case AT_NAME:
    case AT_OWN:
    case AT_BORROW: {
      ast_id_t *e = TMP(n->edges, n->n_edges);
      *e = t->name;
      return;
    }
    case AT_RECORD:
    case AT_VARIANT:
      for (uint32_t i = 0; i < t->n_fields; i++) collect_deps(rs, t->fields[i].type, n);
      return;
    case AT_TUPLE:
      for (uint32_t i = 0; i < t->n_types; i++) collect_deps(rs, t->types[i], n);
      return;
    case AT_OPTION:
    case AT_LIST:
    case AT_FIXED_LIST:
    case AT_MAP:
    case AT_RESULT:
    case AT_FUTURE:
    case AT_STREAM:
      collect_deps(rs, t->a, n);
      collect_deps(rs, t->b, n);
      return;
    default: return;
  }
}

static void resolve_use(rs_t *rs, wp_wit_owner_kind_t ok, uint32_t owner, const ast_use_t *u) {
  uint32_t from = path_iface(rs, &u->from);
  wp_wit_stability_t st = stability_of(rs, &u->attrs);
  const char *ext = external_id_of(rs, &u->attrs);
  for (uint32_t i = 0; i < u->n_names; i++) {
    const ast_use_name_t *n = &u->names[i];
    lookup_ent_t *e = lookup_get(&rs->iface_types[from], n->name.name);
    if (!e) not_found(rs, &n->name, "name");
    if (e->type == WP_WIT_NONE)
      wp_wit_fail(rs->cx, n->name.span, "cannot import %s `%s`", e->item, n->name.name);
    const ast_id_t *local = n->as.name ? &n->as : &n->name;
    wp_wit_typedef_t td;
    memset(&td, 0, sizeof td);
    td.stability = st;
    td.kind = WP_WIT_DEF_ALIAS;
    td.type = tid(e->type);
    td.name = local->name;
    td.owner_kind = ok;
    td.owner = owner;
    td.span = n->name.span;
    td.external_id = ext;
    uint32_t id = alloc_type(rs, &td);
    define_name(rs, local, id, NULL);
  }
}

/* Types of one interface or world: `use`s first, then definitions in
   dependency order. */
static void resolve_types(rs_t *rs, wp_wit_owner_kind_t ok, uint32_t owner,
                          const ast_use_t **uses, uint32_t n_uses, const ast_typedef_t **defs,
                          const uint32_t *order_mix, uint32_t n_mix) {
  wp_wit_ctx_t *cx = rs->cx;
  for (uint32_t i = 0; i < n_uses; i++) resolve_use(rs, ok, owner, uses[i]);
  /* order_mix lists the items in source order: a use (high bit set, index
     into uses) or a definition (index into defs). */
  tnode_t *nodes = NULL;
  uint32_t n_nodes = 0;
  const ast_typedef_t **node_def = NULL;
  uint32_t n_node_def = 0;
  for (uint32_t m = 0; m < n_mix; m++) {
    uint32_t code = order_mix[m];
    if (code & 0x80000000u) { /* use */
      const ast_use_t *u = uses[code & 0x7fffffffu];
      for (uint32_t k = 0; k < u->n_names; k++) {
        const ast_id_t *nm = u->names[k].as.name ? &u->names[k].as : &u->names[k].name;
        int j = tnode_find(nodes, n_nodes, nm->name);
        if (j < 0) {
          tnode_t *tn = TMP(nodes, n_nodes);
          tn->name = nm->name;
          const ast_typedef_t **d = TMP(node_def, n_node_def);
          *d = NULL;
          j = (int)n_nodes - 1;
        } else {
          nodes[j].n_edges = 0;
        }
        node_def[j] = NULL;
      }
    } else {
      const ast_typedef_t *d = defs[code];
      int j = tnode_find(nodes, n_nodes, d->name.name);
      if (j >= 0) wp_wit_fail(cx, d->name.span, "name `%s` is defined more than once", d->name.name);
      tnode_t *tn = TMP(nodes, n_nodes);
      tn->name = d->name.name;
      collect_deps(rs, d->type, tn);
      const ast_typedef_t **slot = TMP(node_def, n_node_def);
      *slot = d;
    }
  }
  uint32_t *order = toposort(rs, "type", nodes, n_nodes);
  for (uint32_t k = 0; k < n_nodes; k++) {
    const ast_typedef_t *d = node_def[order[k]];
    if (!d) continue;
    wp_wit_typedef_t td;
    memset(&td, 0, sizeof td);
    td.docs = docs_of(rs, &d->docs);
    td.stability = stability_of(rs, &d->attrs);
    td.external_id = external_id_of(rs, &d->attrs);
    resolve_type_def(rs, d->type, td.stability, &td);
    td.name = d->name.name;
    td.owner_kind = ok;
    td.owner = owner;
    td.span = d->name.span;
    uint32_t id = alloc_type(rs, &td);
    define_name(rs, &d->name, id, NULL);
  }
}

/* ---- functions ---- */

static void resolve_function(rs_t *rs, const ast_docs_t *docs, const ast_attrs_t *attrs,
                             const char *name, wp_wit_span_t name_span, const ast_func_t *f,
                             wp_wit_func_kind_t kind, uint32_t resource, wp_wit_function_t *out) {
  wp_wit_ctx_t *cx = rs->cx;
  memset(out, 0, sizeof *out);
  out->docs = docs_of(rs, docs);
  out->stability = stability_of(rs, attrs);
  out->external_id = external_id_of(rs, attrs);
  out->name = name;
  out->kind = kind;
  out->resource = resource;
  out->span = name_span;
  wp_wit_stability_t unknown;
  memset(&unknown, 0, sizeof unknown);
  if (kind == WP_WIT_FUNC_METHOD || kind == WP_WIT_FUNC_ASYNC_METHOD) {
    wp_wit_typedef_t td;
    memset(&td, 0, sizeof td);
    td.kind = WP_WIT_DEF_HANDLE;
    td.borrow = 1;
    td.resource = resource;
    td.stability = find_stability(rs, &td, unknown);
    td.owner = WP_WIT_NONE;
    td.span = f->span;
    wp_wit_param_t *p = PERM(out->params, out->n_params);
    p->name = "self";
    p->type = anon_type(rs, &td);
    p->span = f->span;
  }
  for (uint32_t i = 0; i < f->n_params; i++) {
    const ast_param_t *ap = &f->params[i];
    for (uint32_t j = 0; j < out->n_params; j++)
      if (!strcmp(out->params[j].name, ap->name.name))
        wp_wit_fail(cx, ap->name.span, "param `%s` is defined more than once", ap->name.name);
    wp_wit_type_t ty = resolve_type(rs, ap->type, unknown);
    wp_wit_param_t *p = PERM(out->params, out->n_params);
    p->name = ap->name.name;
    p->type = ty;
    p->span = ap->name.span;
  }
  if (kind != WP_WIT_FUNC_CONSTRUCTOR) {
    out->result = resolve_opt(rs, f->result, unknown);
    return;
  }
  if (!f->result) {
    out->result = tid(resource);
    return;
  }
  wp_wit_type_t r = resolve_type(rs, f->result, unknown);
  if (r.kind != WP_WIT_T_ID || rs->u->types[r.id].kind != WP_WIT_DEF_RESULT)
    wp_wit_fail(cx, f->result->span,
                "if a constructor return type is declared it must be a `result`");
  wp_wit_type_t okt = rs->u->types[r.id].type;
  if (okt.kind != WP_WIT_T_ID || okt.id != resource) {
    wp_wit_span_t sp = f->result->kind == AT_RESULT && f->result->a ? f->result->a->span
                                                                       : f->result->span;
    wp_wit_fail(cx, sp, "the `ok` type must be the resource being constructed");
  }
  out->result = r;
}

static void resolve_resource_func(rs_t *rs, const ast_rfunc_t *rf, const ast_id_t *res,
                                  wp_wit_function_t *out) {
  lookup_ent_t *e = lookup_get(&rs->lookup, res->name);
  uint32_t rid = e->type;
  const char *name;
  wp_wit_func_kind_t k;
  int async = rf->f.func.async;
  if (rf->kind == RF_METHOD) {
    name = wp_wit_fmt(rs->cx, rs->cx->perm, "[method]%s.%s", res->name, rf->f.name.name);
    k = async ? WP_WIT_FUNC_ASYNC_METHOD : WP_WIT_FUNC_METHOD;
  } else if (rf->kind == RF_STATIC) {
    name = wp_wit_fmt(rs->cx, rs->cx->perm, "[static]%s.%s", res->name, rf->f.name.name);
    k = async ? WP_WIT_FUNC_ASYNC_STATIC : WP_WIT_FUNC_STATIC;
  } else {
    name = wp_wit_fmt(rs->cx, rs->cx->perm, "[constructor]%s", res->name);
    k = WP_WIT_FUNC_CONSTRUCTOR;
  }
  resolve_function(rs, &rf->f.docs, &rf->f.attrs, name, rf->f.name.span, &rf->f.func, k, rid,
                   out);
}

/* ---- interfaces ---- */

static void resolve_interface(rs_t *rs, uint32_t id, const ast_iitem_t *items, uint32_t n,
                              const ast_docs_t *docs, const ast_attrs_t *attrs) {
  rs->u->interfaces[id].docs = docs_of(rs, docs);
  rs->u->interfaces[id].stability = stability_of(rs, attrs);
  const ast_use_t **uses = NULL;
  const ast_typedef_t **defs = NULL;
  uint32_t *mix = NULL, n_uses = 0, n_defs = 0, n_mix = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (items[i].kind == II_USE) {
      const ast_use_t **s = TMP(uses, n_uses);
      *s = &items[i].use;
      uint32_t *m = TMP(mix, n_mix);
      *m = 0x80000000u | (n_uses - 1);
    } else if (items[i].kind == II_TYPEDEF) {
      const ast_typedef_t **s = TMP(defs, n_defs);
      *s = &items[i].td;
      uint32_t *m = TMP(mix, n_mix);
      *m = n_defs - 1;
    }
  }
  resolve_types(rs, WP_WIT_OWNER_INTERFACE, id, uses, n_uses, defs, mix, n_mix);
  for (uint32_t i = 0; i < rs->lookup.n; i++) {
    wp_wit_interface_t *ifc = &rs->u->interfaces[id];
    wp_wit_entry_t *e = NULL;
    for (uint32_t k = 0; k < ifc->n_types; k++)
      if (!strcmp(ifc->types[k].name, rs->lookup.v[i].name)) e = &ifc->types[k];
    if (!e) {
      e = PERM(ifc->types, ifc->n_types);
      e->name = rs->lookup.v[i].name;
    }
    e->id = rs->lookup.v[i].type;
  }
  for (uint32_t i = 0; i < n; i++) {
    const ast_iitem_t *it = &items[i];
    if (it->kind == II_FUNC) {
      define_name(rs, &it->func.name, WP_WIT_NONE, "function");
      wp_wit_function_t f;
      resolve_function(rs, &it->func.docs, &it->func.attrs, it->func.name.name,
                       it->func.name.span, &it->func.func,
                       it->func.func.async ? WP_WIT_FUNC_ASYNC_FREESTANDING
                                           : WP_WIT_FUNC_FREESTANDING,
                       WP_WIT_NONE, &f);
      wp_wit_interface_t *ifc = &rs->u->interfaces[id];
      *(wp_wit_function_t *)PERM(ifc->funcs, ifc->n_funcs) = f;
    } else if (it->kind == II_TYPEDEF && it->td.type->kind == AT_RESOURCE) {
      for (uint32_t k = 0; k < it->td.type->n_funcs; k++) {
        wp_wit_function_t f;
        resolve_resource_func(rs, &it->td.type->funcs[k], &it->td.name, &f);
        wp_wit_interface_t *ifc = &rs->u->interfaces[id];
        *(wp_wit_function_t *)PERM(ifc->funcs, ifc->n_funcs) = f;
      }
    }
  }
  rs->iface_types[id] = rs->lookup;
  memset(&rs->lookup, 0, sizeof rs->lookup);
}

/* ---- worlds ---- */

static wp_wit_world_item_t *world_find(wp_wit_world_item_t *v, uint32_t n,
                                       const wp_wit_world_item_t *key) {
  for (uint32_t i = 0; i < n; i++) {
    if (!key->name != !v[i].name) continue;
    if (key->name ? !strcmp(key->name, v[i].name)
                  : (v[i].kind == WP_WIT_ITEM_INTERFACE && v[i].id == key->id))
      return &v[i];
  }
  return NULL;
}

static wp_wit_span_t extern_span(const ast_extern_t *e) {
  if (e->kind == EK_PATH) return e->path.name.span;
  return e->id.span;
}

static void resolve_world(rs_t *rs, uint32_t wid, const ast_world_t *w) {
  wp_wit_ctx_t *cx = rs->cx;
  rs->u->worlds[wid].docs = docs_of(rs, &w->docs);
  rs->u->worlds[wid].stability = stability_of(rs, &w->attrs);
  const ast_use_t **uses = NULL;
  const ast_typedef_t **defs = NULL;
  uint32_t *mix = NULL, n_uses = 0, n_defs = 0, n_mix = 0;
  for (uint32_t i = 0; i < w->n_items; i++) {
    if (w->items[i].kind == WI_USE) {
      const ast_use_t **s = TMP(uses, n_uses);
      *s = &w->items[i].use;
      uint32_t *m = TMP(mix, n_mix);
      *m = 0x80000000u | (n_uses - 1);
    } else if (w->items[i].kind == WI_TYPE) {
      const ast_typedef_t **s = TMP(defs, n_defs);
      *s = &w->items[i].td;
      uint32_t *m = TMP(mix, n_mix);
      *m = n_defs - 1;
    }
  }
  resolve_types(rs, WP_WIT_OWNER_WORLD, wid, uses, n_uses, defs, mix, n_mix);
  for (uint32_t i = 0; i < w->n_items; i++) {
    const ast_witem_t *wi = &w->items[i];
    if (wi->kind != WI_INCLUDE) continue;
    wp_wit_world_t *world = &rs->u->worlds[wid];
    struct wp_wit_include inc;
    memset(&inc, 0, sizeof inc);
    inc.stability = stability_of(rs, &wi->attrs);
    inc.world = path_world(rs, &wi->from);
    inc.names = wi->names;
    inc.n_names = wi->n_names;
    inc.span = wi->from.name.span;
    *(struct wp_wit_include *)PERM(world->includes, world->n_includes) = inc;
  }
  for (uint32_t i = 0; i < rs->lookup.n; i++) {
    wp_wit_world_t *world = &rs->u->worlds[wid];
    wp_wit_world_item_t key;
    memset(&key, 0, sizeof key);
    key.name = rs->lookup.v[i].name;
    if (world_find(world->imports, world->n_imports, &key))
      wp_wit_fail(cx, rs->lookup.v[i].span, "import `%s` conflicts with prior import of same name",
                  key.name);
    wp_wit_world_item_t *it = PERM(world->imports, world->n_imports);
    it->name = key.name;
    it->kind = WP_WIT_ITEM_TYPE;
    it->id = rs->lookup.v[i].type;
    it->span = rs->lookup.v[i].span;
  }
  uint32_t *imported = NULL, *exported = NULL, n_imp = 0, n_exp = 0;
  for (uint32_t i = 0; i < w->n_items; i++) {
    const ast_witem_t *wi = &w->items[i];
    if (wi->kind == WI_TYPE && wi->td.type->kind == AT_RESOURCE) {
      for (uint32_t k = 0; k < wi->td.type->n_funcs; k++) {
        wp_wit_function_t f;
        resolve_resource_func(rs, &wi->td.type->funcs[k], &wi->td.name, &f);
        wp_wit_world_t *world = &rs->u->worlds[wid];
        wp_wit_world_item_t *it = PERM(world->imports, world->n_imports);
        it->name = f.name;
        it->kind = WP_WIT_ITEM_FUNCTION;
        it->func = f;
        it->id = WP_WIT_NONE;
        it->span = f.span;
      }
      continue;
    }
    if (wi->kind != WI_IMPORT && wi->kind != WI_EXPORT) continue;
    int imp = wi->kind == WI_IMPORT;
    const char *desc = imp ? "import" : "export";
    const ast_extern_t *e = &wi->ext;
    wp_wit_world_item_t item;
    memset(&item, 0, sizeof item);
    item.id = WP_WIT_NONE;
    switch (e->kind) {
      case EK_INTERFACE: {
        lookup_t prev = rs->lookup;
        memset(&rs->lookup, 0, sizeof rs->lookup);
        uint32_t id = alloc_interface(rs, e->id.span);
        resolve_interface(rs, id, e->items, e->n_items, &wi->docs, &wi->attrs);
        rs->lookup = prev;
        item.kind = WP_WIT_ITEM_INTERFACE;
        item.id = id;
        item.stability = rs->u->interfaces[id].stability;
        item.external_id = external_id_of(rs, &wi->attrs);
        item.span = e->id.span;
        item.name = e->id.name;
        break;
      }
      case EK_PATH:
      case EK_NAMED_PATH:
        item.kind = WP_WIT_ITEM_INTERFACE;
        item.stability = stability_of(rs, &wi->attrs);
        item.external_id = external_id_of(rs, &wi->attrs);
        item.docs = docs_of(rs, &wi->docs);
        item.id = path_iface(rs, &e->path);
        item.span = e->kind == EK_PATH ? e->path.name.span : e->id.span;
        item.name = e->kind == EK_PATH ? NULL : e->id.name;
        break;
      case EK_FUNC:
        item.kind = WP_WIT_ITEM_FUNCTION;
        resolve_function(rs, &wi->docs, &wi->attrs, e->id.name, e->id.span, &e->func,
                         e->func.async ? WP_WIT_FUNC_ASYNC_FREESTANDING
                                       : WP_WIT_FUNC_FREESTANDING,
                         WP_WIT_NONE, &item.func);
        item.name = item.func.name;
        item.span = e->id.span;
        break;
    }
    if (!item.name) {
      uint32_t **set = imp ? &imported : &exported;
      uint32_t *n_set = imp ? &n_imp : &n_exp;
      for (uint32_t k = 0; k < *n_set; k++)
        if ((*set)[k] == item.id)
          wp_wit_fail(cx, extern_span(e), "interface cannot be %sed more than once", desc);
      uint32_t *slot = wp_wit_vpush(cx, cx->tmp, set, n_set, sizeof *slot);
      *slot = item.id;
    }
    wp_wit_world_t *world = &rs->u->worlds[wid];
    wp_wit_world_item_t **dst = imp ? &world->imports : &world->exports;
    uint32_t *n_dst = imp ? &world->n_imports : &world->n_exports;
    wp_wit_world_item_t *prev = world_find(*dst, *n_dst, &item);
    if (prev) {
      const char *pk = prev->kind == WP_WIT_ITEM_INTERFACE  ? "interface"
                       : prev->kind == WP_WIT_ITEM_FUNCTION ? "func"
                                                            : "type";
      wp_wit_fail(cx, extern_span(e), "%s `%s` conflicts with prior %s of same name", desc,
                  item.name, pk);
    }
    *(wp_wit_world_item_t *)wp_wit_vpush(cx, cx->perm, dst, n_dst, sizeof item) = item;
  }
  memset(&rs->lookup, 0, sizeof rs->lookup);
}

/* ---- entry ---- */

wp_wit_unresolved_t *wp_wit_ast_resolve(wp_wit_ctx_t *cx, ast_file_t **files, uint32_t n) {
  rs_t rsv;
  rs_t *rs = &rsv;
  memset(rs, 0, sizeof *rs);
  rs->cx = cx;
  rs->u = wp_wit_alloc(cx, cx->perm, sizeof *rs->u);
  rs->files = files;
  rs->n_files = n;
  ast_docs_t *pkg_docs = NULL;
  for (uint32_t i = 0; i < n; i++) {
    ast_file_t *f = files[i];
    if (f->has_pkg) {
      wp_wit_package_name_t cur = pkgname_of(&f->pkg);
      if (rs->has_name && !wp_wit_pkgname_eq(&cur, &rs->u->name))
        wp_wit_fail(cx, f->pkg.span,
                    "package identifier `%s` does not match previous package name of `%s`",
                    wp_wit_pkgname_str(cx, &cur), wp_wit_pkgname_str(cx, &rs->u->name));
      rs->has_name = 1;
      rs->u->name = cur;
      rs->u->name_span = f->pkg.span;
      if (f->pkg.docs.n_lines) {
        if (pkg_docs) wp_wit_fail(cx, f->pkg.docs.span, "found doc comments on multiple 'package' items");
        pkg_docs = &f->pkg.docs;
      }
    }
    for (uint32_t k = 0; k < f->n_items; k++)
      if (f->items[k].kind == AI_PACKAGE)
        wp_wit_fail(cx, f->items[k].pkg->pkg.span,
                    "nested packages must be placed at the top-level");
  }
  if (!rs->has_name)
    wp_wit_fail(cx, wp_wit_span_unknown(),
                "no `package` header was found in any WIT file for this package");
  if (pkg_docs) rs->u->docs = docs_of(rs, pkg_docs);

  visit_t **fv = wp_wit_alloc(cx, cx->tmp, (n + 1) * sizeof *fv);
  uint32_t *fnv = wp_wit_alloc(cx, cx->tmp, (n + 1) * sizeof *fnv);
  for (uint32_t i = 0; i < n; i++) collect_paths(rs, files[i], &fv[i], &fnv[i]);
  for (uint32_t i = 0; i < n; i++) populate_foreign_deps(rs, fv[i], fnv[i]);
  uint32_t *iorder = NULL, *worder = NULL, n_io = 0, n_wo = 0;
  populate_ast_items(rs, fv, fnv, &iorder, &n_io, &worder, &n_wo);
  populate_foreign_types(rs, fv, fnv);

  /* Map ids back to their ASTs. */
  for (uint32_t k = 0; k < n_io; k++) {
    uint32_t id = iorder[k];
    const char *name = rs->u->interfaces[id].name;
    for (uint32_t f = 0; f < n; f++)
      for (uint32_t i = 0; i < files[f]->n_items; i++) {
        ast_item_t *it = &files[f]->items[i];
        if (it->kind == AI_INTERFACE && !strcmp(it->iface.name.name, name)) {
          rs->cur = f;
          resolve_interface(rs, id, it->iface.items, it->iface.n_items, &it->iface.docs,
                            &it->iface.attrs);
        }
      }
  }
  for (uint32_t k = 0; k < n_wo; k++) {
    uint32_t id = worder[k];
    const char *name = rs->u->worlds[id].name;
    for (uint32_t f = 0; f < n; f++)
      for (uint32_t i = 0; i < files[f]->n_items; i++) {
        ast_item_t *it = &files[f]->items[i];
        if (it->kind == AI_WORLD && !strcmp(it->world.name.name, name)) {
          rs->cur = f;
          resolve_world(rs, id, &it->world);
        }
      }
  }
  return rs->u;
}
