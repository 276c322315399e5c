/*
** rt/wit.c — `wasmplug wit app.wasm`: a component's world as WIT text.
**
** The world block lists the imports and exports (the decoder's printer does
** each line); then every imported or exported interface follows with its
** body, so the text says what each interface holds: resources with their
** constructors, methods and static functions grouped inside, type
** definitions, functions, and `use` for types an interface shares with one
** printed before it (WIT's `use iface.{name}`).
*/
#include "component/rt/rt.h"
#include "core/buf.h"
#include "wit/wit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_str(wp_buf_t *b, wp_comp_str s) { wp_buf_put(b, s.ptr, s.len); }

/* A WIT identifier, `%`-escaped when it is a keyword. */
static void add_name(wp_buf_t *b, const char *p, size_t n) {
  if (wp_wit_is_keyword(p, n)) wp_buf_puts(b, "%");
  wp_buf_put(b, p, n);
}

/* wp_comp_type_wit / _def into a malloc'ed string. */
static char *wit_of(const wp_comp_type *t, int def) {
  wp_buf_t b = {0};
  wp_comp_type_wit_buf(&b, t, def);
  return wp_buf_take(&b);
}

/* Interfaces printed so far, for `use`: which interface exported a type. */
typedef struct seen {
  const wp_comp_type **nodes;
  const char **ifaces;
  size_t n, cap;
} seen;

static const char *seen_get(const seen *s, const wp_comp_type *t) {
  for (size_t i = 0; i < s->n; i++)
    if (s->nodes[i] == t) return s->ifaces[i];
  return NULL;
}

static void seen_put(seen *s, const wp_comp_type *t, const char *iface) {
  if (s->n == s->cap) {
    size_t ncap = s->cap ? s->cap * 2 : 32;
    const wp_comp_type **n = realloc(s->nodes, ncap * sizeof *n);
    if (!n) return;
    s->nodes = n;
    const char **f = realloc(s->ifaces, ncap * sizeof *f);
    if (!f) return;
    s->ifaces = f;
    s->cap = ncap;
  }
  s->nodes[s->n] = t;
  s->ifaces[s->n] = iface;
  s->n++;
}

static bool has_prefix(wp_comp_str s, const char *p) {
  size_t n = strlen(p);
  return s.len >= n && !memcmp(s.ptr, p, n);
}

/* Is function name `fn` ("[method]r.m", "[static]r.s", "[constructor]r")
** a member of resource `r`?  *member receives the part after "r.". */
static int member_of(wp_comp_str fn, wp_comp_str r, const char **member, size_t *mlen) {
  static const char *const kinds[] = {"[constructor]", "[method]", "[static]"};
  for (int k = 0; k < 3; k++) {
    size_t kl = strlen(kinds[k]);
    if (!has_prefix(fn, kinds[k]) || fn.len < kl + r.len || memcmp(fn.ptr + kl, r.ptr, r.len)) continue;
    if (k == 0) {
      if (fn.len != kl + r.len) continue;
      *member = NULL;
      *mlen = 0;
      return 1;
    }
    if (fn.len <= kl + r.len + 1 || fn.ptr[kl + r.len] != '.') continue;
    *member = fn.ptr + kl + r.len + 1;
    *mlen = fn.len - kl - r.len - 1;
    return k + 1;
  }
  return 0;
}

/* A member function of resource r: drops the `self` parameter of methods
** and the `-> r` of constructors. */
static void add_member(wp_buf_t *b, int kind, const char *m, size_t mlen, const wp_comp_type *ft, wp_comp_str r) {
  char *text = wit_of(ft, 0);
  if (!text) {
    b->oom = true;
    return;
  }
  const char *params = strchr(text, '(');
  params = params ? params + 1 : text;
  wp_buf_puts(b, "    ");
  if (kind == 1) {
    wp_buf_puts(b, "constructor(");
  } else {
    add_name(b, m, mlen);
    wp_buf_puts(b, kind == 3 ? ": static func(" : ": func(");
  }
  if (kind == 2 && !strncmp(params, "self: ", 6)) {
    /* skip "self: borrow<r>" and the comma after it */
    const char *p = params + 6;
    int depth = 0;
    for (; *p; p++) {
      if (*p == '<') depth++;
      else if (*p == '>') depth--;
      else if ((*p == ',' || *p == ')') && depth == 0) break;
    }
    if (*p == ',') p++;
    while (*p == ' ') p++;
    params = p;
  }
  const char *end = params + strlen(params);
  if (kind == 1) {
    /* "...) -> r": the constructor's result is the resource itself */
    char tail[300];
    snprintf(tail, sizeof tail, ") -> %.*s", (int)r.len, r.ptr);
    size_t tl = strlen(tail);
    if ((size_t)(end - params) >= tl && !strcmp(end - tl, tail)) end -= tl - 1;
  }
  wp_buf_put(b, params, (size_t)(end - params));
  wp_buf_puts(b, ";\n");
  free(text);
}

static void add_iface(wp_buf_t *b, seen *sn, const wp_comp_extern *ext, int is_import) {
  const wp_comp_type *it = ext->type;
  char *iface = malloc(ext->name.len + 1);
  if (!iface) {
    b->oom = true;
    return;
  }
  memcpy(iface, ext->name.ptr, ext->name.len);
  iface[ext->name.len] = 0;
  /* interface short name: between the last '/' and '@' */
  const char *slash = strrchr(iface, '/');
  const char *shortn = slash ? slash + 1 : iface;
  const char *at = strchr(shortn, '@');
  size_t slen = at ? (size_t)(at - shortn) : strlen(shortn);
  wp_buf_puts(b, "\n// ");
  wp_buf_puts(b, iface);
  wp_buf_puts(b, is_import ? " (imported)\ninterface " : " (exported)\ninterface ");
  add_name(b, shortn, slen);
  wp_buf_puts(b, " {\n");
  /* uses: types another printed interface exported first */
  for (uint32_t i = 0; i < it->nexports; i++) {
    const wp_comp_extern *e = &it->exports[i];
    const char *from = e->sort == WP_COMP_SORT_TYPE ? seen_get(sn, e->type) : NULL;
    if (!from || !strcmp(from, iface)) continue;
    /* one `use` per interface, listing every name taken from it */
    int first_of_iface = 1;
    for (uint32_t k = 0; k < i && first_of_iface; k++) {
      const char *f2 = it->exports[k].sort == WP_COMP_SORT_TYPE ? seen_get(sn, it->exports[k].type) : NULL;
      if (f2 && !strcmp(f2, from)) first_of_iface = 0;
    }
    if (!first_of_iface) continue;
    wp_buf_puts(b, "  use ");
    wp_buf_puts(b, from);
    wp_buf_puts(b, ".{");
    for (uint32_t k = i, n = 0; k < it->nexports; k++) {
      const char *f2 = it->exports[k].sort == WP_COMP_SORT_TYPE ? seen_get(sn, it->exports[k].type) : NULL;
      if (!f2 || strcmp(f2, from)) continue;
      if (n++) wp_buf_puts(b, ", ");
      add_name(b, it->exports[k].name.ptr, it->exports[k].name.len);
    }
    wp_buf_puts(b, "};\n");
  }
  for (uint32_t i = 0; i < it->nexports; i++) {
    const wp_comp_extern *e = &it->exports[i];
    if (e->sort == WP_COMP_SORT_TYPE) {
      const char *from = seen_get(sn, e->type);
      if (from && strcmp(from, iface)) continue;
      seen_put(sn, e->type, iface);
      if (e->type && e->type->kind == WP_COMP_T_RESOURCE) {
        wp_buf_puts(b, "  resource ");
        add_str(b, e->name);
        size_t mark = b->len;
        wp_buf_puts(b, " {\n");
        int members = 0;
        for (uint32_t k = 0; k < it->nexports; k++) {
          const char *m;
          size_t ml;
          int kind = it->exports[k].sort == WP_COMP_SORT_FUNC ? member_of(it->exports[k].name, e->name, &m, &ml) : 0;
          if (!kind) continue;
          add_member(b, kind, m, ml, it->exports[k].type, e->name);
          members++;
        }
        if (members) {
          wp_buf_puts(b, "  }\n");
        } else if (!b->oom) {
          b->len = mark;
          wp_buf_puts(b, ";\n");
        }
        continue;
      }
      char *def = e->type ? wit_of(e->type, 1) : NULL;
      if (!def) continue;
      /* "record { ... }" becomes "record name { ... }"; others are aliases */
      static const char *const kws[] = {"record ", "variant ", "enum ", "flags ", NULL};
      int named = 0;
      for (int k = 0; kws[k]; k++)
        if (!strncmp(def, kws[k], strlen(kws[k])) && def[strlen(kws[k])] == '{') {
          wp_buf_puts(b, "  ");
          wp_buf_puts(b, kws[k]);
          add_name(b, e->name.ptr, e->name.len);
          wp_buf_puts(b, " ");
          wp_buf_puts(b, def + strlen(kws[k]));
          wp_buf_puts(b, "\n");
          named = 1;
          break;
        }
      if (!named) {
        wp_buf_puts(b, "  type ");
        add_name(b, e->name.ptr, e->name.len);
        wp_buf_puts(b, " = ");
        wp_buf_puts(b, def);
        wp_buf_puts(b, ";\n");
      }
      free(def);
    } else if (e->sort == WP_COMP_SORT_FUNC) {
      if (e->name.len && e->name.ptr[0] == '[') continue; /* printed inside its resource */
      char *text = wit_of(e->type, 0);
      if (!text) continue;
      wp_buf_puts(b, "  ");
      add_name(b, e->name.ptr, e->name.len);
      wp_buf_puts(b, ": ");
      wp_buf_puts(b, text);
      wp_buf_puts(b, ";\n");
      free(text);
    }
  }
  wp_buf_puts(b, "}\n");
  /* `seen` keeps pointers to the name: it lives in a list freed at the end */
  seen_put(sn, NULL, iface);
}

char *rt_world_wit(const wp_comp *w, const char *name) {
  wp_buf_t b = {0};
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  /* A world name is a WIT identifier: the file's base name, kebab-cased. */
  char head[300];
  size_t k = 0;
  for (const char *p = base; *p && *p != '.' && k < sizeof head - 40; p++) {
    char c = *p;
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    head[k++] = ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? c : '-';
  }
  if (!k || head[0] < 'a' || head[0] > 'z') {
    memcpy(head, "root", 4);
    k = 4;
  }
  head[k] = 0;
  wp_buf_puts(&b, "world ");
  wp_buf_puts(&b, head);
  wp_buf_puts(&b, " {\n");
  for (int pass = 0; pass < 2; pass++) {
    uint32_t n = pass == 0 ? w->nimports : w->nexports;
    for (uint32_t i = 0; i < n; i++) {
      const wp_comp_extern *e = pass == 0 ? &w->imports[i] : &w->exports[i].ext;
      wp_buf_puts(&b, "  ");
      wp_comp_extern_wit_buf(&b, e, pass == 0);
      wp_buf_puts(&b, "\n");
    }
  }
  wp_buf_puts(&b, "}\n");
  seen sn = {0};
  for (int pass = 0; pass < 2; pass++) {
    uint32_t n = pass == 0 ? w->nimports : w->nexports;
    for (uint32_t i = 0; i < n; i++) {
      const wp_comp_extern *e = pass == 0 ? &w->imports[i] : &w->exports[i].ext;
      /* interfaces with a package-qualified name; inline ones are printed whole above */
      if (e->sort != WP_COMP_SORT_INSTANCE || !e->type || !memchr(e->name.ptr, '/', e->name.len)) continue;
      add_iface(&b, &sn, e, pass == 0);
    }
  }
  for (size_t i = 0; i < sn.n; i++)
    if (!sn.nodes[i]) free((char *)sn.ifaces[i]);
  free(sn.nodes);
  free(sn.ifaces);
  if (b.oom) {
    free(b.s);
    return NULL;
  }
  return b.s;
}
