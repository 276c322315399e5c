/*
** names.c — sorted name indices.  Hostile components can hold tens of
** thousands of names in one scope; duplicate checks and lookups are
** therefore done by sorting (O(n log n)) and binary search, never by
** comparing every pair.
*/
#include "component/internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct keyed {
  const char *p;
  uint32_t len, idx;
  int fold;
} keyed;

static int fold(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

static int cmp_str(const char *a, uint32_t al, const char *b, uint32_t bl, int f) {
  uint32_t m = al < bl ? al : bl;
  if (!f) {
    int c = m ? memcmp(a, b, m) : 0;
    if (c) return c;
  } else {
    for (uint32_t i = 0; i < m; i++) {
      int x = fold((unsigned char)a[i]), y = fold((unsigned char)b[i]);
      if (x != y) return x - y;
    }
  }
  return al < bl ? -1 : al > bl;
}

static int cmp_keyed(const void *x, const void *y) {
  const keyed *a = x, *b = y;
  int c = cmp_str(a->p, a->len, b->p, b->len, a->fold);
  if (c) return c;
  return a->idx < b->idx ? -1 : a->idx > b->idx; /* stable: first one wins */
}

uint32_t *wp_sort_names(wp_cx *cx, const wp_comp_str *names, uint32_t n,
                        int fold_case, long *dup) {
  keyed *k = wp_alloc(cx, (size_t)n * sizeof *k + 1);
  for (uint32_t i = 0; i < n; i++) {
    k[i].p = names[i].ptr;
    k[i].len = names[i].len;
    k[i].idx = i;
    k[i].fold = fold_case;
  }
  qsort(k, n, sizeof *k, cmp_keyed);
  uint32_t *order = wp_alloc(cx, (size_t)n * sizeof *order + 1);
  *dup = -1;
  for (uint32_t i = 0; i < n; i++) {
    order[i] = k[i].idx;
    if (i && *dup < 0 &&
        cmp_str(k[i].p, k[i].len, k[i - 1].p, k[i - 1].len, fold_case) == 0)
      *dup = (long)k[i].idx;
  }
  return order;
}

long wp_lookup_name(const wp_comp_str *names, const uint32_t *order, uint32_t n,
                    const char *name, size_t len) {
  uint32_t lo = 0, hi = n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    const wp_comp_str *s = &names[order[mid]];
    int c = cmp_str(s->ptr, s->len, name, (uint32_t)len, 0);
    if (c == 0) {
      /* the first of equal names (duplicates are rejected, but be exact) */
      while (mid > lo && cmp_str(names[order[mid - 1]].ptr, names[order[mid - 1]].len, name,
                                 (uint32_t)len, 0) == 0)
        mid--;
      return order[mid];
    }
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

static const uint32_t *index_externs(wp_cx *cx, const wp_comp_extern *e, uint32_t n) {
  wp_comp_str *names = wp_alloc(cx, (size_t)n * sizeof *names + 1);
  for (uint32_t i = 0; i < n; i++) names[i] = e[i].name;
  long dup;
  return wp_sort_names(cx, names, n, 0, &dup);
}

void wp_index_type(wp_cx *cx, wp_comp_type *t) {
  t->import_order = index_externs(cx, t->imports, t->nimports);
  t->export_order = index_externs(cx, t->exports, t->nexports);
}

/* Linear fallback for types built without an index. */
static const wp_comp_extern *find_extern(const wp_comp_extern *e, const uint32_t *order,
                                         uint32_t n, const char *name, size_t len) {
  if (order) {
    for (uint32_t lo = 0, hi = n; lo < hi;) {
      uint32_t mid = lo + (hi - lo) / 2;
      const wp_comp_str *s = &e[order[mid]].name;
      int c = cmp_str(s->ptr, s->len, name, (uint32_t)len, 0);
      if (c == 0) return &e[order[mid]];
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++)
    if (e[i].name.len == len && memcmp(e[i].name.ptr, name, len) == 0) return &e[i];
  return NULL;
}

const wp_comp_extern *wp_comp_type_export(const wp_comp_type *t, const char *name,
                                          size_t len) {
  return find_extern(t->exports, t->export_order, t->nexports, name, len);
}

const wp_comp_extern *wp_comp_type_import(const wp_comp_type *t, const char *name,
                                          size_t len) {
  return find_extern(t->imports, t->import_order, t->nimports, name, len);
}

void wp_index_core_iface(wp_cx *cx, wp_comp_core_iface *m, const uint8_t *at,
                         const char *what) {
  wp_comp_str *names = wp_alloc(cx, (size_t)m->nexports * sizeof *names + 1);
  for (uint32_t i = 0; i < m->nexports; i++) names[i] = m->exports[i].name;
  long dup;
  m->export_order = wp_sort_names(cx, names, m->nexports, 0, &dup);
  if (dup >= 0)
    wp_fail(cx, at, "duplicate %s '%.*s'", what, (int)names[dup].len, names[dup].ptr);
}

const wp_comp_core_export *wp_core_iface_export(const wp_comp_core_iface *m,
                                                wp_comp_str name) {
  if (!m->export_order) {
    for (uint32_t i = 0; i < m->nexports; i++)
      if (wp_str_eq(m->exports[i].name, name)) return &m->exports[i];
    return NULL;
  }
  for (uint32_t lo = 0, hi = m->nexports; lo < hi;) {
    uint32_t mid = lo + (hi - lo) / 2;
    const wp_comp_str *s = &m->exports[m->export_order[mid]].name;
    int c = cmp_str(s->ptr, s->len, name.ptr, name.len, 0);
    if (c == 0) return &m->exports[m->export_order[mid]];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}
