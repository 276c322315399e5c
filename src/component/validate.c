/*
** validate.c — checks that need a whole scope: import/export name syntax and
** strong uniqueness, the [constructor]/[method]/[static] annotation rules, and
** borrows in exported types (Binary.md "Import and Export Definitions",
** Explainer.md "Name Uniqueness").
*/
#include "component/internal.h"
#include "wit/wit.h"

#include <stdlib.h>
#include <string.h>


static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }
static int is_word_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/* label (see decode_types.c; duplicated small predicate kept local) */
static int label_ok(const char *p, size_t n) {
  if (n == 0) return 0;
  size_t i = 0;
  int first = 1;
  for (;;) {
    size_t j = i;
    while (j < n && p[j] != '-') j++;
    if (j == i) return 0;
    int lo = 0, up = 0, letter0 = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z');
    if (first && !letter0) return 0;
    for (size_t k = i; k < j; k++) {
      char c = p[k];
      if (c >= 'a' && c <= 'z') lo = 1;
      else if (c >= 'A' && c <= 'Z') up = 1;
      else if (!(c >= '0' && c <= '9')) return 0;
    }
    if (lo && up) return 0;
    first = 0;
    if (j == n) return 1;
    i = j + 1;
  }
}

/* `words`: lowercase kebab words, first starting with a letter. */
static int words_ok(const char *p, size_t n) {
  if (n == 0 || !(p[0] >= 'a' && p[0] <= 'z')) return 0;
  size_t i = 0;
  for (;;) {
    size_t j = i;
    while (j < n && p[j] != '-') {
      if (!is_word_char(p[j])) return 0;
      j++;
    }
    if (j == i) return 0;
    if (j == n) return 1;
    i = j + 1;
  }
}

/* interfacename: (words ':')+ words ('/' label)+ ('@' semver)? */
static int interface_ok(const char *p, size_t n) {
  const char *at = memchr(p, '@', n);
  size_t base = at ? (size_t)(at - p) : n;
  if (at && wp_wit_semver_parse(at + 1, n - base - 1, &(wp_wit_semver_t){0}, NULL)) return 0;
  const char *slash = memchr(p, '/', base);
  if (!slash) return 0;
  size_t pkg = (size_t)(slash - p);
  /* namespaces and package */
  size_t i = 0, nseg = 0;
  for (;;) {
    const char *c = memchr(p + i, ':', pkg - i);
    size_t e = c ? (size_t)(c - p) : pkg;
    if (!words_ok(p + i, e - i)) return 0;
    nseg++;
    if (!c) break;
    i = e + 1;
  }
  if (nseg < 2) return 0;
  /* projections */
  i = pkg + 1;
  for (;;) {
    const char *c = memchr(p + i, '/', base - i);
    size_t e = c ? (size_t)(c - p) : base;
    if (!label_ok(p + i, e - i)) return 0;
    if (!c) return 1;
    i = e + 1;
  }
}

int wp_comp_interface_name(const char *p, size_t n, wp_comp_iface_name *out) {
  memset(out, 0, sizeof *out);
  if (!p || !interface_ok(p, n)) return -1;
  const char *at = memchr(p, '@', n);
  size_t base = at ? (size_t)(at - p) : n;
  const char *slash = memchr(p, '/', base);
  size_t pkg_end = (size_t)(slash - p);
  size_t colon = pkg_end;
  while (colon > 0 && p[colon - 1] != ':') colon--;
  /* interface_ok guarantees a ':' before the '/' */
  out->namespace_.ptr = p;
  out->namespace_.len = (uint32_t)(colon - 1);
  out->package.ptr = p + colon;
  out->package.len = (uint32_t)(pkg_end - colon);
  out->interface.ptr = slash + 1;
  out->interface.len = (uint32_t)(base - pkg_end - 1);
  out->version.ptr = at ? at + 1 : p + n;
  out->version.len = at ? (uint32_t)(n - base - 1) : 0;
  return 0;
}

/* Splits an annotated plain name: kind 0 plain, 1 [constructor], 2 [method],
** 3 [static]; r/rl = resource label, f/fl = function label. */
typedef struct plain {
  int kind;
  const char *r, *f;
  size_t rl, fl;
} plain;

static int prefix(const char *p, size_t n, const char *pre) {
  size_t k = strlen(pre);
  return n >= k && memcmp(p, pre, k) == 0 ? (int)k : 0;
}

static int plain_parse(const char *p, size_t n, plain *out) {
  memset(out, 0, sizeof *out);
  int k;
  if ((k = prefix(p, n, "[constructor]"))) {
    out->kind = 1;
    out->r = p + k;
    out->rl = n - (size_t)k;
    return label_ok(out->r, out->rl);
  }
  static const char *const dotted[] = {"[method]", "[static]", "[async method]",
                                       "[async static]"};
  for (int d = 0; d < 4; d++) {
    if ((k = prefix(p, n, dotted[d]))) {
      out->kind = (d % 2) ? 3 : 2;
      const char *rest = p + k;
      size_t rn = n - (size_t)k;
      const char *dot = memchr(rest, '.', rn);
      if (!dot) return 0;
      out->r = rest;
      out->rl = (size_t)(dot - rest);
      out->f = dot + 1;
      out->fl = rn - out->rl - 1;
      return label_ok(out->r, out->rl) && label_ok(out->f, out->fl);
    }
  }
  if ((k = prefix(p, n, "[async]"))) {
    p += k;
    n -= (size_t)k;
  }
  out->f = p;
  out->fl = n;
  return label_ok(p, n);
}

/* Nested namespaces (`a:b:c/d`) and nested projections (`a:b/c/d`) are
** gated future syntax in Explainer.md: names of imports and exports
** have exactly one of each. */
static void check_not_nested(wp_cx *cx, const wp_comp_extern *e, const char *what) {
  const char *p = e->name.ptr;
  size_t n = e->name.len;
  const char *at = memchr(p, '@', n);
  size_t base = at ? (size_t)(at - p) : n;
  const char *slash = memchr(p, '/', base);
  const char *colon = memchr(p, ':', base);
  if (colon && slash && memchr(colon + 1, ':', (size_t)(slash - colon - 1)))
    wp_fail_at(cx, e->offset, "%s name `%.*s`: expected `/` after package name (nested "
               "namespaces are not allowed)", what, (int)n, p);
  const char *second = slash ? memchr(slash + 1, '/', base - (size_t)(slash + 1 - p)) : NULL;
  if (second)
    wp_fail_at(cx, e->offset, "%s name `%.*s`: trailing characters found: `%.*s` (nested "
               "interfaces are not allowed)", what, (int)n, p, (int)(base - (size_t)(second - p)), second);
}

void wp_check_extern_name(wp_cx *cx, const wp_comp_extern *e, const char *what) {
  const char *p = e->name.ptr;
  size_t n = e->name.len;
  plain pl;
  int ok = memchr(p, ':', n) ? interface_ok(p, n) : plain_parse(p, n, &pl);
  if (!ok)
    wp_fail_at(cx, e->offset, "%s name `%.*s` is not a valid plain name or interface name",
               what, (int)n, p);
  if (memchr(p, ':', n)) check_not_nested(cx, e, what);
  if (e->implements.ptr) {
    if (!interface_ok(e->implements.ptr, e->implements.len))
      wp_fail_at(cx, e->offset, "%s `%.*s`: `implements` value `%.*s` is not an interface name",
                 what, (int)n, p, (int)e->implements.len, e->implements.ptr);
    if (memchr(p, ':', n) || e->sort != WP_COMP_SORT_INSTANCE)
      wp_fail_at(cx, e->offset, "%s `%.*s`: `implements` needs a plain-named instance",
                 what, (int)n, p);
  }
}

/* --------------------------------------------------------- strong unique */

typedef struct canon_name {
  char *s;
  size_t n;
  uint32_t idx;
} canon_name;

static int cmp_canon(const void *a, const void *b) {
  const canon_name *x = a, *y = b;
  size_t m = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->s, y->s, m);
  if (c) return c;
  if (x->n != y->n) return x->n < y->n ? -1 : 1;
  return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Explainer.md "Name Uniqueness": lowercase; `[method]l.l`/`[static]l.l`
** become `l`; other annotations except [constructor] are stripped. */
static void canonicalize(wp_cx *cx, wp_comp_str name, canon_name *out) {
  const char *p = name.ptr;
  size_t n = name.len;
  plain pl;
  if (!memchr(p, ':', n) && plain_parse(p, n, &pl) && pl.kind >= 2) {
    if (pl.rl == pl.fl) {
      int same = 1;
      for (size_t i = 0; i < pl.rl; i++)
        if (lower(pl.r[i]) != lower(pl.f[i])) same = 0;
      if (same) { p = pl.r; n = pl.rl; }
      else { p = pl.r; n = (size_t)(name.ptr + name.len - pl.r); }
    } else {
      p = pl.r;
      n = (size_t)(name.ptr + name.len - pl.r);
    }
  } else if (!memchr(p, ':', n) && n && p[0] == '[' && !prefix(p, n, "[constructor]")) {
    const char *close = memchr(p, ']', n);
    if (close) { n -= (size_t)(close + 1 - p); p = close + 1; }
  }
  out->s = wp_alloc(cx, n + 1);
  for (size_t i = 0; i < n; i++) out->s[i] = (char)lower(p[i]);
  out->n = n;
}

void wp_check_unique_externs(wp_cx *cx, const wp_comp_extern *e, uint32_t n,
                             const char *what) {
  if (n < 2) return;
  canon_name *v = wp_alloc(cx, (size_t)n * sizeof *v);
  for (uint32_t i = 0; i < n; i++) {
    canonicalize(cx, e[i].name, &v[i]);
    v[i].idx = i;
  }
  qsort(v, n, sizeof *v, cmp_canon);
  for (uint32_t i = 1; i < n; i++) {
    if (v[i].n == v[i - 1].n && memcmp(v[i].s, v[i - 1].s, v[i].n) == 0) {
      const wp_comp_extern *a = &e[v[i - 1].idx], *b = &e[v[i].idx];
      if (wp_str_eq(a->name, b->name))
        wp_fail_at(cx, b->offset, "duplicate %s name `%.*s`", what, (int)b->name.len,
                   b->name.ptr);
      wp_fail_at(cx, b->offset, "%s name `%.*s` conflicts with `%.*s` (names must be strongly unique)",
                 what, (int)b->name.len, b->name.ptr, (int)a->name.len, a->name.ptr);
    }
  }
}

/* --------------------------------------------------------- annotations */

/* [constructor]r must return own<r> or result<own<r>, E> and [method]r.m
** take `self: borrow<r>` first, where r is the very type node a resource
** was imported/exported under by the name r earlier in the same list
** (imports and exports are separate namespaces); [static]r.m needs such a
** resource name.  (wasm-tools: ComponentNameContext.)  A bag of exports
** names no resource (wasm-tools validates it with an empty context): there
** `bag` is set and a constructor or method is refused. */
static void check_annotations(wp_cx *cx, const wp_comp_type *t, int imports, int bag) {
  const wp_comp_extern *e = imports ? t->imports : t->exports;
  uint32_t n = imports ? t->nimports : t->nexports;
  const char *what = imports ? "import" : "export";
  wp_ptrmap named; /* resource node -> its extern (declared so far) */
  memset(&named, 0, sizeof named);
  for (uint32_t i = 0; i < n; i++) {
    const wp_comp_extern *x = &e[i];
    plain pl;
    if (!bag && x->sort == WP_COMP_SORT_TYPE && x->type && x->type->kind == WP_COMP_T_RESOURCE)
      wp_ptrmap_put(cx, &named, x->type, x);
    if (memchr(x->name.ptr, ':', x->name.len)) continue;
    if (!plain_parse(x->name.ptr, x->name.len, &pl) || pl.kind == 0) continue;
    if (x->sort != WP_COMP_SORT_FUNC)
      wp_fail_at(cx, x->offset, "%s `%.*s`: is not a func (annotated names are only allowed on functions)",
                 what, (int)x->name.len, x->name.ptr);
    const wp_comp_type *ft = x->type, *res = NULL;
    if (pl.kind == 3) {
      const wp_comp_extern *r = imports ? wp_comp_type_import(t, pl.r, pl.rl)
                                        : wp_comp_type_export(t, pl.r, pl.rl);
      if (!r || (uint32_t)(r - e) >= i || r->sort != WP_COMP_SORT_TYPE || !r->type ||
          r->type->kind != WP_COMP_T_RESOURCE)
        wp_fail_at(cx, x->offset, "%s `%.*s`: static resource name is not known in this context "
                   "(no preceding resource named `%.*s`)", what, (int)x->name.len, x->name.ptr,
                   (int)pl.rl, pl.r);
      continue;
    }
    if (pl.kind == 1) {
      const wp_comp_type *rt = ft->elem;
      if (rt && rt->kind == WP_COMP_T_RESULT) rt = rt->elem;
      if (!rt || rt->kind != WP_COMP_T_OWN)
        wp_fail_at(cx, x->offset, "%s `%.*s`: a constructor must return `own<%.*s>` or "
                   "`result<own<%.*s>, E>`", what, (int)x->name.len, x->name.ptr,
                   (int)pl.rl, pl.r, (int)pl.rl, pl.r);
      res = rt->elem;
    } else {
      if (ft->n == 0 || !wp_str_eqz(ft->fields[0].name, "self") ||
          ft->fields[0].type->kind != WP_COMP_T_BORROW)
        wp_fail_at(cx, x->offset, "%s `%.*s`: a method's first parameter must be `self: borrow<%.*s>`",
                   what, (int)x->name.len, x->name.ptr, (int)pl.rl, pl.r);
      res = ft->fields[0].type->elem;
    }
    const wp_comp_extern *decl = wp_ptrmap_get(&named, res);
    if (!decl)
      wp_fail_at(cx, x->offset, "%s `%.*s`: resource used in function does not have a name in "
                 "this context (it must be %sed as `%.*s` before)", what, (int)x->name.len,
                 x->name.ptr, what, (int)pl.rl, pl.r);
    if (decl->name.len != pl.rl || memcmp(decl->name.ptr, pl.r, pl.rl))
      wp_fail_at(cx, x->offset, "%s `%.*s`: function does not match expected resource name `%.*s`",
                 what, (int)x->name.len, x->name.ptr, (int)decl->name.len, decl->name.ptr);
  }
}

/* Annotation rules of a component or instance type, checked once when the
** type is defined (types are shared, so walking them from every use could
** take exponential time). */
void wp_check_type_annotations(wp_cx *cx, const wp_comp_type *t) {
  check_annotations(cx, t, 0, 0);
  check_annotations(cx, t, 1, 0);
}

void wp_check_bag_annotations(wp_cx *cx, const wp_comp_type *t) {
  check_annotations(cx, t, 0, 1);
}

/* --------------------------------------------------------- visibility */

/* Explainer.md "External visibility of types" (wasm-tools: `all_valtypes_
** named`): a type an import/export refers to must itself be imported or
** exported by name before it, where it matters: records, variants, enums,
** flags and resources have an identity; tuples, lists, options, results
** and primitives are structural, so only what they contain is checked.
** Each helper returns the first unnamed type node, or NULL. */

#define MAX_VIS_DEPTH 1000

static const char ok_marker;

static const wp_comp_type *unnamed_val(wp_cx *cx, const wp_comp_type *t, const wp_ptrmap *set,
                                       unsigned depth);

/* The parts of a defined type, one layer deep. */
static const wp_comp_type *unnamed_parts(wp_cx *cx, const wp_comp_type *t, const wp_ptrmap *set,
                                         unsigned depth) {
  if (depth > MAX_VIS_DEPTH) wp_fail(cx, NULL, "types nested deeper than %d", MAX_VIS_DEPTH);
  const wp_comp_type *u = NULL;
  switch (t->kind) {
    case WP_COMP_T_OWN:
    case WP_COMP_T_BORROW:
      return wp_ptrmap_get(set, t->elem) ? NULL : t->elem;
    case WP_COMP_T_RESOURCE:
      return NULL;
    default:
      break;
  }
  for (uint32_t i = 0; i < t->n && !u; i++)
    if (t->fields[i].type) u = unnamed_val(cx, t->fields[i].type, set, depth + 1);
  if (!u && t->elem) u = unnamed_val(cx, t->elem, set, depth + 1);
  if (!u && t->elem2) u = unnamed_val(cx, t->elem2, set, depth + 1);
  return u;
}

static const wp_comp_type *unnamed_val(wp_cx *cx, const wp_comp_type *t, const wp_ptrmap *set,
                                       unsigned depth) {
  switch (t->kind) {
    case WP_COMP_T_RECORD:
    case WP_COMP_T_VARIANT:
    case WP_COMP_T_ENUM:
    case WP_COMP_T_FLAGS:
      return wp_ptrmap_get(set, t) ? NULL : t;
    case WP_COMP_T_RESOURCE:
      return NULL;
    default:
      if (wp_comp_kind_is_prim(t->kind)) return NULL;
      /* A structural type found fine is remembered in the set itself (as
      ** `ok`, not as a name): sets only grow, so it stays fine, and shared
      ** subgraphs are walked once. */
      if (wp_ptrmap_get(set, t)) return NULL;
      const wp_comp_type *u = unnamed_parts(cx, t, set, depth);
      if (!u) wp_ptrmap_put(cx, (wp_ptrmap *)set, t, &ok_marker);
      return u;
  }
}

static const wp_comp_type *unnamed_func(wp_cx *cx, const wp_comp_type *t, const wp_ptrmap *set) {
  for (uint32_t i = 0; i < t->n; i++) {
    const wp_comp_type *u = unnamed_val(cx, t->fields[i].type, set, 0);
    if (u) return u;
  }
  return t->elem ? unnamed_val(cx, t->elem, set, 0) : NULL;
}

static const wp_comp_type *unnamed_any(wp_cx *cx, const wp_comp_type *t, const wp_ptrmap *set,
                                       unsigned depth);

static const wp_comp_type *unnamed_instance(wp_cx *cx, const wp_comp_type *t, const wp_ptrmap *set,
                                            unsigned depth) {
  if (depth > MAX_VIS_DEPTH) wp_fail(cx, NULL, "types nested deeper than %d", MAX_VIS_DEPTH);
  for (uint32_t i = 0; i < t->nexports; i++) {
    const wp_comp_extern *x = &t->exports[i];
    const wp_comp_type *u = NULL;
    if (!x->type) continue;
    switch (x->sort) {
      case WP_COMP_SORT_FUNC: u = unnamed_func(cx, x->type, set); break;
      case WP_COMP_SORT_TYPE: u = unnamed_any(cx, x->type, set, depth + 1); break;
      case WP_COMP_SORT_VALUE:
        u = wp_comp_kind_is_prim(x->type->kind) ? NULL : unnamed_parts(cx, x->type, set, depth + 1);
        break;
      case WP_COMP_SORT_INSTANCE: u = unnamed_instance(cx, x->type, set, depth + 1); break;
      default: break;
    }
    if (u) return u;
  }
  return NULL;
}

/* A type bound by a type import/export (wasm-tools: the `referenced` type). */
static const wp_comp_type *unnamed_any(wp_cx *cx, const wp_comp_type *t, const wp_ptrmap *set,
                                       unsigned depth) {
  switch (t->kind) {
    case WP_COMP_T_RESOURCE:
    case WP_COMP_T_COMPONENT: return NULL;
    case WP_COMP_T_FUNC: return unnamed_func(cx, t, set);
    case WP_COMP_T_INSTANCE: return unnamed_instance(cx, t, set, depth);
    default: return wp_comp_kind_is_prim(t->kind) ? NULL : unnamed_parts(cx, t, set, depth);
  }
}

static const char *sort_word(uint8_t sort) {
  switch (sort) {
    case WP_COMP_SORT_FUNC: return "func";
    case WP_COMP_SORT_VALUE: return "value";
    case WP_COMP_SORT_TYPE: return "type";
    case WP_COMP_SORT_COMPONENT: return "component";
    case WP_COMP_SORT_INSTANCE: return "instance";
    default: return "module";
  }
}

/* Checks e and adds the type nodes it names to the scope's set(s). */
static const wp_comp_type *visible(wp_cx *cx, wp_scope *s, uint8_t sort, const wp_comp_type *t,
                                   int is_import, unsigned depth) {
  wp_ptrmap *set = is_import ? &s->imported : &s->exported;
  const wp_comp_type *u = NULL;
  if (!t) return NULL;
  switch (sort) {
    case WP_COMP_SORT_TYPE:
      if ((u = unnamed_any(cx, t, set, depth))) return u;
      wp_ptrmap_put(cx, &s->exported, t, t);
      if (is_import) wp_ptrmap_put(cx, &s->imported, t, t);
      return NULL;
    case WP_COMP_SORT_INSTANCE:
      /* an instance's type exports are named by it, in order */
      if (depth > MAX_VIS_DEPTH) wp_fail(cx, NULL, "types nested deeper than %d", MAX_VIS_DEPTH);
      for (uint32_t i = 0; i < t->nexports && !u; i++)
        u = visible(cx, s, t->exports[i].sort, t->exports[i].type, is_import, depth + 1);
      return u;
    case WP_COMP_SORT_FUNC: return unnamed_func(cx, t, set);
    case WP_COMP_SORT_VALUE:
      return wp_comp_kind_is_prim(t->kind) ? NULL : unnamed_val(cx, t, set, depth);
    default: return NULL; /* components and modules are closed */
  }
}

void wp_check_visible(wp_cx *cx, wp_scope *s, const wp_comp_extern *e, int is_import) {
  /* instance types defer the check until they are attached to an
  ** import or export of a component (or component type) */
  if (s->kind == WP_SCOPE_INSTANCE_TYPE) return;
  const wp_comp_type *u = visible(cx, s, e->sort, e->type, is_import, 0);
  if (!u) return;
  char buf[200];
  wp_comp_type_wit(u, buf, sizeof buf);
  const char *what = is_import ? "import" : "export";
  wp_fail_at(cx, e->offset,
             "%s `%.*s`: %s not valid to be used as %s: it refers to `%s`, which is not %s by "
             "name before it (external visibility of types)",
             what, (int)e->name.len, e->name.ptr, sort_word(e->sort), what, buf,
             is_import ? "imported" : "imported or exported");
}

void wp_validate_component(wp_cx *cx, wp_comp *c, wp_scope *s) {
  (void)s;
  const wp_comp_type *t = c->type;
  cx->section = "import";
  wp_check_unique_externs(cx, t->imports, t->nimports, "import");
  check_annotations(cx, t, 1, 0);
  cx->section = "export";
  wp_check_unique_externs(cx, t->exports, t->nexports, "export");
  check_annotations(cx, t, 0, 0);
  for (uint32_t i = 0; i < t->nexports; i++) {
    const wp_comp_extern *e = &t->exports[i];
    if (e->sort == WP_COMP_SORT_TYPE && e->type && e->type->has_borrow)
      wp_fail_at(cx, e->offset, "exported type `%.*s` may not contain a borrow",
                 (int)e->name.len, e->name.ptr);
  }
  cx->section = NULL;
}
