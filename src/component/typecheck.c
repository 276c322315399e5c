/*
** typecheck.c — component subtyping: can `found` be used where `expected` is
** required?  Used for instantiate arguments, export ascriptions and (by the
** linker) for matching imports against what the host and plugins provide.
**
** Value types must be equal (the Component Model has no value subtyping
** left); functions must agree on parameter names and types and the result;
** an instance may have more exports than required; a component may need
** fewer imports and offer more exports.
**
** Resources: the abstract resources an expected instance/component type
** declares (`(export "r" (type (sub resource)))`) are placeholders.  The first
** comparison binds each placeholder to the resource found in its position,
** and later uses must then agree (a substitution map, as Wasmtime and
** wasmparser do).  Defined resources compare by identity.
**
** Hostile types can be deep or exponentially shared, so comparison carries a
** depth limit and a step budget; exceeding either is a mismatch with a reason.
*/
#include "component/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BINDINGS 65536
#define MEMO_SIZE 1024 /* power of two */
#define MAX_STEPS 200000
#define MAX_CMP_DEPTH 100

typedef struct wp_tc tc;
struct wp_tc {
  char *why;
  size_t whylen;
  uint32_t steps;
  uint32_t nbind, capbind;
  const wp_comp_type **from, **to; /* placeholder (base) -> resource (base) */
  wp_cx *cx;        /* set: bindings live in its arena (the decoder may unwind) */
  uint8_t legacy;   /* any abstract expected resource may be bound (the linker) */
  /* otherwise: serials whose abstract resources may be bound (the
  ** instantiated component's imports, then nested component/instance
  ** types being compared) */
  uint32_t nserials;
  uint32_t serials[MAX_CMP_DEPTH + 2];
  /* pairs already found compatible: shared subgraphs are compared once */
  const wp_comp_type *memo_f[MEMO_SIZE], *memo_e[MEMO_SIZE];
};

static size_t memo_slot(const wp_comp_type *f, const wp_comp_type *e) {
  uintptr_t h = (uintptr_t)f * 31u + (uintptr_t)e;
  h ^= h >> 17;
  return (size_t)(h * 0x9e3779b1u) & (MEMO_SIZE - 1);
}

static int mismatch(tc *c, const wp_comp_type *found, const wp_comp_type *expected,
                    const char *detail) {
  if (!c->why || !c->whylen || c->why[0]) return -1; /* keep the innermost reason */
  char f[400], e[400];
  wp_comp_type_wit(found, f, sizeof f);
  wp_comp_type_wit(expected, e, sizeof e);
  if (detail && *detail)
    snprintf(c->why, c->whylen, "%s: expected `%s`, found `%s`", detail, e, f);
  else
    snprintf(c->why, c->whylen, "expected `%s`, found `%s`", e, f);
  return -1;
}

static int fail_msg(tc *c, const char *msg) {
  if (c->why && c->whylen && !c->why[0]) snprintf(c->why, c->whylen, "%s", msg);
  return -1;
}

static int sub(tc *c, const wp_comp_type *f, const wp_comp_type *e, unsigned depth);

/* A function type mismatch names both signatures, then where they differ
** and why: "expected `func(..)`, found `func(..)` (param `x`: ...)". */
static int func_mismatch(tc *c, const wp_comp_type *f, const wp_comp_type *e, const char *where) {
  if (!c->why || c->whylen < 2) return -1;
  char inner[600];
  snprintf(inner, sizeof inner, "%s", c->why);
  c->why[0] = 0;
  mismatch(c, f, e, NULL);
  size_t l = strlen(c->why);
  if (inner[0]) snprintf(c->why + l, c->whylen - l, " (%s: %s)", where, inner);
  return -1;
}

/* What a type is, in the words of wasm-tools' messages. */
static const char *kind_word(const wp_comp_type *t) {
  switch (t->kind) {
    case WP_COMP_T_OWN: return "own";
    case WP_COMP_T_BORROW: return "borrow";
    case WP_COMP_T_RESOURCE: return "resource";
    case WP_COMP_T_FUNC: return "func";
    case WP_COMP_T_INSTANCE: return "instance";
    case WP_COMP_T_COMPONENT: return "component";
    default: return "defined type";
  }
}
static int extern_sub(tc *c, const wp_comp_extern *f, const wp_comp_extern *e,
                      unsigned depth);

static const wp_comp_type *bound_to(const tc *c, const wp_comp_type *r) {
  for (uint32_t i = 0; i < c->nbind; i++)
    if (c->from[i] == r) return c->to[i];
  return NULL;
}

static int bindable(const tc *c, const wp_comp_type *r) {
  if (r->resource_defined) return 0;
  if (c->legacy) return 1;
  for (uint32_t i = 0; i < c->nserials; i++)
    if (c->serials[i] == r->serial) return 1;
  return 0;
}

/* Resources compare by identity, after substituting what the comparison
** has bound so far; an unbound abstract resource of the component being
** instantiated (or of a nested type being compared) is bound on first use. */
static int resource_eq(tc *c, const wp_comp_type *f, const wp_comp_type *e) {
  const wp_comp_type *fb = wp_comp_resource_base(f), *eb = wp_comp_resource_base(e), *x;
  if ((x = bound_to(c, fb))) fb = x;
  if ((x = bound_to(c, eb))) eb = x;
  else if (fb != eb && bindable(c, eb)) {
    if (c->nbind == c->capbind) {
      if (c->capbind >= MAX_BINDINGS) return fail_msg(c, "too many resources to compare");
      uint32_t cap = c->capbind ? c->capbind * 2 : 16;
      const wp_comp_type **nf, **nt;
      if (c->cx) {
        nf = wp_alloc(c->cx, cap * sizeof *nf);
        nt = wp_alloc(c->cx, cap * sizeof *nt);
        if (c->nbind) {
          memcpy(nf, c->from, c->nbind * sizeof *nf);
          memcpy(nt, c->to, c->nbind * sizeof *nt);
        }
      } else {
        nf = realloc(c->from, cap * sizeof *nf);
        if (nf) c->from = nf;
        nt = nf ? realloc(c->to, cap * sizeof *nt) : NULL;
        if (!nf || !nt) return fail_msg(c, "out of memory comparing types");
      }
      c->from = nf;
      c->to = nt;
      c->capbind = cap;
    }
    c->from[c->nbind] = eb;
    c->to[c->nbind++] = fb;
    return 0;
  }
  if (fb == eb) return 0;
  return mismatch(c, wp_comp_resource_base(f), wp_comp_resource_base(e),
                  "resource types are not the same");
}

static int opt_sub(tc *c, const wp_comp_type *f, const wp_comp_type *e, unsigned depth,
                   const wp_comp_type *pf, const wp_comp_type *pe) {
  if (!f && !e) return 0;
  if (!f || !e) return mismatch(c, pf, pe, NULL);
  return sub(c, f, e, depth + 1);
}

static int sub_uncached(tc *c, const wp_comp_type *f, const wp_comp_type *e,
                        unsigned depth);
static int sub_scope(tc *c, const wp_comp_type *f, const wp_comp_type *e, unsigned depth);

static int sub(tc *c, const wp_comp_type *f, const wp_comp_type *e, unsigned depth) {
  if (f == e) return 0;
  size_t k = memo_slot(f, e);
  if (c->memo_f[k] == f && c->memo_e[k] == e) return 0;
  int r = sub_uncached(c, f, e, depth);
  if (r == 0) {
    c->memo_f[k] = f;
    c->memo_e[k] = e;
  }
  return r;
}

static int sub_uncached(tc *c, const wp_comp_type *f, const wp_comp_type *e,
                        unsigned depth) {
  if (++c->steps > MAX_STEPS) return fail_msg(c, "types too complex to compare");
  if (depth > MAX_CMP_DEPTH) return fail_msg(c, "types nested too deeply to compare");
  if (f->kind != e->kind) {
    char d[100];
    if (kind_word(e) == kind_word(f)) return mismatch(c, f, e, NULL);
    snprintf(d, sizeof d, "expected %s, found %s", kind_word(e), kind_word(f));
    return mismatch(c, f, e, d);
  }
  switch (f->kind) {
    case WP_COMP_T_RECORD:
    case WP_COMP_T_VARIANT:
    case WP_COMP_T_TUPLE:
    case WP_COMP_T_FLAGS:
    case WP_COMP_T_ENUM:
      if (f->n != e->n) return mismatch(c, f, e, NULL);
      for (uint32_t i = 0; i < f->n; i++) {
        if (!wp_str_eq(f->fields[i].name, e->fields[i].name)) return mismatch(c, f, e, NULL);
        if (opt_sub(c, f->fields[i].type, e->fields[i].type, depth, f, e)) return -1;
      }
      return 0;
    case WP_COMP_T_FIXED_LIST:
      if (f->len != e->len) return mismatch(c, f, e, NULL);
      /* fallthrough */
    case WP_COMP_T_LIST:
    case WP_COMP_T_OPTION:
    case WP_COMP_T_FUTURE:
    case WP_COMP_T_STREAM:
    case WP_COMP_T_RESULT:
    case WP_COMP_T_MAP:
      if (opt_sub(c, f->elem, e->elem, depth, f, e)) return -1;
      return opt_sub(c, f->elem2, e->elem2, depth, f, e);
    case WP_COMP_T_OWN:
    case WP_COMP_T_BORROW:
      return resource_eq(c, f->elem, e->elem);
    case WP_COMP_T_RESOURCE:
      return resource_eq(c, f, e);
    case WP_COMP_T_FUNC:
      if (f->is_async != e->is_async || f->n != e->n) return mismatch(c, f, e, NULL);
      for (uint32_t i = 0; i < f->n; i++) {
        if (!wp_str_eq(f->fields[i].name, e->fields[i].name)) return mismatch(c, f, e, NULL);
        /* Parameters would be contravariant, but value types have no subtyping
        ** (they must be equal), so they are compared in the same direction as
        ** everything else: reversing it would hand resource_eq the concrete
        ** resource as the "expected" side, where a placeholder of the expected
        ** type (`(sub resource)`) is never looked up or bound, and any
        ** borrow<r>/own<r> parameter of an abstract resource would mismatch. */
        if (sub(c, f->fields[i].type, e->fields[i].type, depth + 1)) {
          char d[80];
          snprintf(d, sizeof d, "param `%.*s`", (int)(e->fields[i].name.len > 60 ? 60 : e->fields[i].name.len),
                   e->fields[i].name.ptr);
          return func_mismatch(c, f, e, d);
        }
      }
      if (opt_sub(c, f->elem, e->elem, depth, f, e)) return func_mismatch(c, f, e, "result");
      return 0;
    case WP_COMP_T_INSTANCE:
    case WP_COMP_T_COMPONENT: {
      /* the abstract resources the compared types declare are bound here
      ** (expected's exports; found's imports, compared contravariantly) */
      uint32_t saved = c->nserials;
      if (e->scope_lo && c->nserials < MAX_CMP_DEPTH + 2) c->serials[c->nserials++] = e->scope_lo;
      if (f->kind == WP_COMP_T_COMPONENT && f->scope_lo && c->nserials < MAX_CMP_DEPTH + 2)
        c->serials[c->nserials++] = f->scope_lo;
      int r = sub_scope(c, f, e, depth);
      c->nserials = saved;
      return r;
    }
    default:
      return 0; /* primitives: same kind */
  }
}

/* Component and instance types: found may need fewer imports (each one
** expected provides) and must offer at least expected's exports. */
static int sub_scope(tc *c, const wp_comp_type *f, const wp_comp_type *e, unsigned depth) {
  for (uint32_t i = 0; i < f->nimports; i++) {
    const wp_comp_extern *fi = &f->imports[i];
    const wp_comp_extern *ei = wp_comp_type_import(e, fi->name.ptr, fi->name.len);
    if (!ei) {
      char d[300];
      snprintf(d, sizeof d, "component needs import `%.*s` which is not guaranteed",
               (int)fi->name.len, fi->name.ptr);
      return fail_msg(c, d);
    }
    if (extern_sub(c, ei, fi, depth + 1)) return -1;
  }
  for (uint32_t i = 0; i < e->nexports; i++) {
    const wp_comp_extern *ee = &e->exports[i];
    const wp_comp_extern *fe = wp_comp_type_export(f, ee->name.ptr, ee->name.len);
    if (!fe) {
      char d[300];
      snprintf(d, sizeof d, "missing export `%.*s` (%s)", (int)ee->name.len,
               ee->name.ptr, wp_comp_sort_name(ee->sort));
      return fail_msg(c, d);
    }
    if (extern_sub(c, fe, ee, depth + 1)) return -1;
  }
  return 0;
}

static int module_sub(tc *c, const wp_comp_core_iface *f, const wp_comp_core_iface *e) {
  for (uint32_t i = 0; i < f->nimports; i++) {
    int ok = 0;
    for (uint32_t j = 0; j < e->nimports && !ok; j++)
      ok = wp_str_eq(f->imports[i].module, e->imports[j].module) &&
           wp_str_eq(f->imports[i].name, e->imports[j].name) &&
           wp_core_extern_matches(&e->imports[j].type, &f->imports[i].type);
    if (!ok) {
      char d[300];
      snprintf(d, sizeof d, "core module needs import '%.*s' '%.*s' which is not guaranteed",
               (int)f->imports[i].module.len, f->imports[i].module.ptr,
               (int)f->imports[i].name.len, f->imports[i].name.ptr);
      return fail_msg(c, d);
    }
  }
  for (uint32_t i = 0; i < e->nexports; i++) {
    int ok = 0;
    for (uint32_t j = 0; j < f->nexports && !ok; j++)
      ok = wp_str_eq(f->exports[j].name, e->exports[i].name) &&
           wp_core_extern_matches(&f->exports[j].type, &e->exports[i].type);
    if (!ok) {
      char d[300];
      snprintf(d, sizeof d, "core module lacks a matching export '%.*s'",
               (int)e->exports[i].name.len, e->exports[i].name.ptr);
      return fail_msg(c, d);
    }
  }
  return 0;
}

static int extern_sub(tc *c, const wp_comp_extern *f, const wp_comp_extern *e,
                      unsigned depth) {
  if (f->sort != e->sort) {
    char d[300];
    snprintf(d, sizeof d, "`%.*s`: expected a %s, found a %s", (int)e->name.len, e->name.ptr,
             wp_comp_sort_name(e->sort), wp_comp_sort_name(f->sort));
    return fail_msg(c, d);
  }
  if (f->sort == WP_COMP_SORT_CORE_MODULE) return module_sub(c, f->module, e->module);
  if (!f->type || !e->type) return 0;
  size_t before = c->why ? strlen(c->why) : 0;
  int r = sub(c, f->type, e->type, depth);
  if (r && c->why && before == 0 && c->whylen) {
    /* prefix the reason with the path of export names leading to it */
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", c->why);
    snprintf(c->why, c->whylen, "`%.*s`: %s", (int)e->name.len, e->name.ptr, tmp);
  }
  return r;
}

/* tc is large (the memo), so it lives on the heap. */
static tc *tc_new(char *why, size_t whylen) {
  static char dummy[1];
  tc *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->why = why && whylen ? why : dummy;
  c->whylen = why && whylen ? whylen : 1;
  c->why[0] = 0;
  c->legacy = 1;
  return c;
}

static void tc_delete(tc *c) {
  if (!c || c->cx) return;
  free(c->from);
  free(c->to);
  free(c);
}

int wp_type_sub(const wp_comp_type *found, const wp_comp_type *expected, char *why,
                size_t whylen) {
  tc *c = tc_new(why, whylen);
  if (!c) {
    if (why && whylen) snprintf(why, whylen, "out of memory comparing types");
    return -1;
  }
  int r = sub(c, found, expected, 0);
  tc_delete(c);
  return r;
}

/* Names inside types come from the input: keep the message on one line. */
static void one_line(char *s) {
  for (; s && *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) *s = '?';
}

int wp_comp_type_subtype(const wp_comp_type *found, const wp_comp_type *expected,
                         const char *what, char *err, size_t errlen) {
  char why[1024];
  if (wp_type_sub(found, expected, why, sizeof why) == 0) return 0;
  if (err && errlen) {
    snprintf(err, errlen, "%s: %s", what ? what : "type", why);
    one_line(err);
  }
  return -1;
}

/* One comparison of externs within c (bindings persist in c). */
static int extern_check(tc *c, const wp_comp_extern *found, const wp_comp_extern *expected,
                        const char *what, char *err, size_t errlen) {
  char why[1024];
  why[0] = 0;
  c->why = why;
  c->whylen = sizeof why;
  c->steps = 0;
  int r;
  if (found->sort != expected->sort) {
    snprintf(why, sizeof why, "expected a %s, found a %s", wp_comp_sort_name(expected->sort),
             wp_comp_sort_name(found->sort));
    r = -1;
  } else if (found->sort == WP_COMP_SORT_CORE_MODULE) {
    r = module_sub(c, found->module, expected->module);
  } else if (!found->type || !expected->type) {
    r = 0;
  } else {
    r = sub(c, found->type, expected->type, 0);
  }
  c->why = NULL;
  c->whylen = 0;
  if (r == 0) return 0;
  if (err && errlen) {
    snprintf(err, errlen, "%s: %s", what ? what : "extern", why);
    one_line(err);
  }
  return -1;
}

int wp_comp_extern_subtype(const wp_comp_extern *found, const wp_comp_extern *expected,
                           const char *what, char *err, size_t errlen) {
  tc *c = tc_new(NULL, 0);
  if (!c) {
    if (err && errlen) snprintf(err, errlen, "%s: out of memory", what ? what : "extern");
    return -1;
  }
  int r = extern_check(c, found, expected, what, err, errlen);
  tc_delete(c);
  return r;
}

/* ------------------------------------------------- persistent type checks */

struct wp_comp_typecheck {
  tc *c;
};

wp_comp_typecheck *wp_comp_typecheck_new(void) {
  wp_comp_typecheck *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->c = tc_new(NULL, 0);
  if (!t->c) {
    free(t);
    return NULL;
  }
  return t;
}

void wp_comp_typecheck_delete(wp_comp_typecheck *t) {
  if (!t) return;
  tc_delete(t->c);
  free(t);
}

int wp_comp_typecheck_extern(wp_comp_typecheck *t, const wp_comp_extern *found,
                             const wp_comp_extern *expected, const char *what, char *err,
                             size_t errlen) {
  return extern_check(t->c, found, expected, what, err, errlen);
}

const wp_comp_type *wp_comp_typecheck_binding(const wp_comp_typecheck *t,
                                              const wp_comp_type *placeholder) {
  for (uint32_t i = 0; i < t->c->nbind; i++)
    if (t->c->from[i] == placeholder) return t->c->to[i];
  return NULL;
}

/* ------------------------------------------------- the decoder's checker */

wp_tc *wp_tc_new(wp_cx *cx, uint32_t serial) {
  tc *c = wp_alloc(cx, sizeof *c);
  c->cx = cx;
  if (serial) c->serials[c->nserials++] = serial;
  return c;
}

int wp_tc_extern(wp_tc *c, const wp_comp_extern *found, const wp_comp_extern *expected,
                 const char *what, char *err, size_t errlen) {
  return extern_check(c, found, expected, what, err, errlen);
}

const wp_comp_type *wp_tc_binding(const wp_tc *c, const wp_comp_type *r) { return bound_to(c, r); }
