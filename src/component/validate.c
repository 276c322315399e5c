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

void wp_check_extern_name(wp_cx *cx, const wp_comp_extern *e, const char *what) {
  const char *p = e->name.ptr;
  size_t n = e->name.len;
  plain pl;
  int ok = memchr(p, ':', n) ? interface_ok(p, n) : plain_parse(p, n, &pl);
  if (!ok)
    wp_fail_at(cx, e->offset, "%s name `%.*s` is not a valid plain name or interface name",
               what, (int)n, p);
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

/* The resource `r` among t's imports (or exports), if declared before
** position `upto` of that list. */
static const wp_comp_type *resource_named(const wp_comp_type *t, int imports,
                                          uint32_t upto, const char *r, size_t rl) {
  const wp_comp_extern *e = imports ? wp_comp_type_import(t, r, rl) : wp_comp_type_export(t, r, rl);
  const wp_comp_extern *base = imports ? t->imports : t->exports;
  if (!e || (uint32_t)(e - base) >= upto) return NULL;
  if (e->sort != WP_COMP_SORT_TYPE || !e->type || e->type->kind != WP_COMP_T_RESOURCE)
    return NULL;
  return e->type;
}

/* [constructor]r must return own<r> or result<own<r>, E>; [method]r.m must
** take `self: borrow<r>` first; r must be a resource declared earlier in the
** same list, or in the other list of the scope (imports for exports). */
static void check_annotations(wp_cx *cx, const wp_comp_type *t, int imports,
                              uint32_t other_upto) {
  const wp_comp_extern *e = imports ? t->imports : t->exports;
  uint32_t n = imports ? t->nimports : t->nexports;
  const char *what = imports ? "import" : "export";
  for (uint32_t i = 0; i < n; i++) {
    plain pl;
    if (memchr(e[i].name.ptr, ':', e[i].name.len)) continue;
    if (!plain_parse(e[i].name.ptr, e[i].name.len, &pl) || pl.kind == 0) continue;
    const wp_comp_extern *x = &e[i];
    if (x->sort != WP_COMP_SORT_FUNC)
      wp_fail_at(cx, x->offset, "%s `%.*s`: annotated names are only allowed on functions",
                 what, (int)x->name.len, x->name.ptr);
    const wp_comp_type *res = resource_named(t, imports, i, pl.r, pl.rl);
    if (!res) res = resource_named(t, !imports, other_upto, pl.r, pl.rl);
    if (!res)
      wp_fail_at(cx, x->offset, "%s `%.*s`: no preceding resource named `%.*s`", what,
                 (int)x->name.len, x->name.ptr, (int)pl.rl, pl.r);
    const wp_comp_type *ft = x->type;
    if (pl.kind == 1) {
      const wp_comp_type *rt = ft->elem;
      if (rt && rt->kind == WP_COMP_T_RESULT) rt = rt->elem;
      if (!rt || rt->kind != WP_COMP_T_OWN || rt->elem != res)
        wp_fail_at(cx, x->offset, "%s `%.*s`: a constructor must return own<%.*s>", what,
                   (int)x->name.len, x->name.ptr, (int)pl.rl, pl.r);
    } else if (pl.kind == 2) {
      if (ft->n == 0 || !wp_str_eqz(ft->fields[0].name, "self") ||
          ft->fields[0].type->kind != WP_COMP_T_BORROW || ft->fields[0].type->elem != res)
        wp_fail_at(cx, x->offset, "%s `%.*s`: a method's first parameter must be `self: borrow<%.*s>`",
                   what, (int)x->name.len, x->name.ptr, (int)pl.rl, pl.r);
    }
  }
}

/* Annotation rules of a component or instance type, checked once when the
** type is defined (types are shared, so walking them from every use could
** take exponential time). */
void wp_check_type_annotations(wp_cx *cx, const wp_comp_type *t) {
  check_annotations(cx, t, 0, t->nimports);
  check_annotations(cx, t, 1, t->nexports);
}

void wp_validate_component(wp_cx *cx, wp_comp *c, wp_scope *s) {
  (void)s;
  const wp_comp_type *t = c->type;
  cx->section = "import";
  wp_check_unique_externs(cx, t->imports, t->nimports, "import");
  check_annotations(cx, t, 1, 0);
  cx->section = "export";
  wp_check_unique_externs(cx, t->exports, t->nexports, "export");
  check_annotations(cx, t, 0, t->nimports);
  for (uint32_t i = 0; i < t->nexports; i++) {
    const wp_comp_extern *e = &t->exports[i];
    if (e->sort == WP_COMP_SORT_TYPE && e->type && e->type->has_borrow)
      wp_fail_at(cx, e->offset, "exported type `%.*s` may not contain a borrow",
                 (int)e->name.len, e->name.ptr);
  }
  cx->section = NULL;
}
