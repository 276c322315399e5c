/*
** policy_parse.c — parses allowlist text (grammar in dl.h) into a policy.
** The text is parsed into a scratch policy first and merged only when all
** of it is valid, so a bad entry leaves the policy as it was.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl/policy_internal.h"

static const char *const PRIMS[] = {
    "c-schar", "c-uchar", "c-short", "c-ushort", "c-int", "c-uint", "c-long",
    "c-ulong", "c-long-long", "c-ulong-long", "c-float", "c-double", "int8-t", "int16-t",
    "int32-t", "int64-t", "uint8-t", "uint16-t", "uint32-t", "uint64-t", "pointer"};

bool dl_policy_is_primitive(const char *name, size_t len) {
  for (size_t i = 0; i < sizeof PRIMS / sizeof PRIMS[0]; i++)
    if (strlen(PRIMS[i]) == len && !memcmp(PRIMS[i], name, len)) return true;
  return false;
}

/* Struct nesting allowed in a pinned type (deeper is certainly a typo). */
#define PIN_MAX_DEPTH 16

typedef struct {
  const char *entry; /* the entry being parsed */
  size_t len;        /* its length */
  size_t pos;
  int index; /* 1-based entry number, for messages */
  char *err;
  size_t errcap;
  bool failed;
  /* canonical text of the type being parsed */
  char *buf;
  size_t blen, bcap;
} parser_t;

static void fail(parser_t *ps, const char *fmt, ...) {
  if (ps->failed) return;
  ps->failed = true;
  char what[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (ps->err && ps->errcap)
    snprintf(ps->err, ps->errcap, "allow entry %d '%.*s': %s at offset %zu", ps->index, (int)ps->len, ps->entry,
             what, ps->pos);
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static bool is_special(char c) { return is_blank(c) || (c && strchr(":;,+(){}", c) != NULL); }

static void skip_blanks(parser_t *ps) {
  while (ps->pos < ps->len && is_blank(ps->entry[ps->pos])) ps->pos++;
}

static char peek(parser_t *ps) {
  skip_blanks(ps);
  return ps->pos < ps->len ? ps->entry[ps->pos] : 0;
}

static bool accept(parser_t *ps, char c) {
  if (peek(ps) != c) return false;
  ps->pos++;
  return true;
}

static bool accept_sep(parser_t *ps) { return accept(ps, ',') || accept(ps, '+'); }

/* A NAME or SYMBOL: start and length, or len 0 when there is none. */
static size_t name(parser_t *ps, const char **start) {
  skip_blanks(ps);
  *start = ps->entry + ps->pos;
  size_t n = 0;
  while (ps->pos < ps->len && !is_special(ps->entry[ps->pos])) ps->pos++, n++;
  return n;
}

static void put(parser_t *ps, const char *s, size_t n) {
  if (ps->failed) return;
  if (ps->blen + n + 1 > ps->bcap) {
    size_t cap = ps->bcap ? ps->bcap * 2 : 64;
    while (cap < ps->blen + n + 1) cap *= 2;
    char *b = realloc(ps->buf, cap);
    if (!b) {
      fail(ps, "out of memory");
      return;
    }
    ps->buf = b;
    ps->bcap = cap;
  }
  memcpy(ps->buf + ps->blen, s, n);
  ps->blen += n;
  ps->buf[ps->blen] = 0;
}

static void type(parser_t *ps, int depth) {
  if (ps->failed) return;
  if (accept(ps, '{')) {
    if (depth >= PIN_MAX_DEPTH) {
      fail(ps, "structs nested deeper than %d", PIN_MAX_DEPTH);
      return;
    }
    put(ps, "{", 1);
    if (peek(ps) == '}') {
      fail(ps, "a struct needs at least one field");
      return;
    }
    do {
      type(ps, depth + 1);
      if (ps->failed) return;
      if (peek(ps) == '}') break;
      if (!accept_sep(ps)) {
        fail(ps, "expected ',' or '}'");
        return;
      }
      put(ps, ",", 1);
    } while (!ps->failed);
    accept(ps, '}');
    put(ps, "}", 1);
    return;
  }
  const char *s;
  size_t n = name(ps, &s);
  if (!n) {
    fail(ps, "expected a type");
  } else if (!dl_policy_is_primitive(s, n)) {
    ps->pos -= n;
    fail(ps, "unknown type '%.*s' (expected c-int, uint8-t, pointer, ... or {...})", (int)n, s);
  } else {
    put(ps, s, n);
  }
}

/* Parses a type and returns its canonical text (malloc'd), or NULL. */
static char *type_text(parser_t *ps) {
  ps->blen = 0;
  put(ps, "", 0);
  type(ps, 0);
  if (ps->failed) return NULL;
  char *t = strdup(ps->buf);
  if (!t) fail(ps, "out of memory");
  return t;
}

static dl_pol_lib_t *lib_get(parser_t *ps, wp_dl_policy_t *p, const char *nm, size_t n) {
  for (size_t i = 0; i < p->nlibs; i++)
    if (strlen(p->libs[i].name) == n && !memcmp(p->libs[i].name, nm, n)) return &p->libs[i];
  if (p->nlibs == p->caplibs) {
    size_t cap = p->caplibs ? p->caplibs * 2 : 4;
    dl_pol_lib_t *l = realloc(p->libs, cap * sizeof *l);
    if (!l) return fail(ps, "out of memory"), NULL;
    p->libs = l;
    p->caplibs = cap;
  }
  dl_pol_lib_t *l = &p->libs[p->nlibs];
  memset(l, 0, sizeof *l);
  if (!(l->name = strndup(nm, n))) return fail(ps, "out of memory"), NULL;
  p->nlibs++;
  return l;
}

static bool same_pin(const dl_pol_sym_t *a, const dl_pol_sym_t *b) {
  if (a->pin != b->pin) return false;
  if (a->pin == DL_PIN_NONE) return true;
  if ((a->args == NULL) != (b->args == NULL) || (a->args && strcmp(a->args, b->args))) return false;
  return (a->type == NULL) == (b->type == NULL) && (!a->type || !strcmp(a->type, b->type));
}

/* Adds a symbol (taking its strings) to l; a second, different pin of the
** same symbol is an error. */
static void sym_add(parser_t *ps, dl_pol_lib_t *l, dl_pol_sym_t *s) {
  dl_pol_sym_t *old = dl_policy_find_sym(l, s->name);
  if (old) {
    if (old->pin == DL_PIN_NONE && s->pin != DL_PIN_NONE) {
      dl_pol_sym_t t = *old;
      *old = *s;
      *s = t;
    } else if (s->pin != DL_PIN_NONE && !same_pin(old, s)) {
      fail(ps, "symbol '%s' of library '%s' is pinned twice, differently", s->name, l->name);
    }
    free(s->name), free(s->args), free(s->type);
    memset(s, 0, sizeof *s);
    return;
  }
  if (l->nsyms == l->capsyms) {
    size_t cap = l->capsyms ? l->capsyms * 2 : 4;
    dl_pol_sym_t *a = realloc(l->syms, cap * sizeof *a);
    if (!a) {
      fail(ps, "out of memory");
      free(s->name), free(s->args), free(s->type);
      return;
    }
    l->syms = a;
    l->capsyms = cap;
  }
  l->syms[l->nsyms++] = *s;
  memset(s, 0, sizeof *s);
}

static void symspec(parser_t *ps, dl_pol_lib_t *l) {
  const char *s;
  size_t n = name(ps, &s);
  if (!n) {
    fail(ps, "expected a symbol name");
    return;
  }
  dl_pol_sym_t sym = {0};
  if (!(sym.name = strndup(s, n))) {
    fail(ps, "out of memory");
    return;
  }
  if (accept(ps, ':')) {
    if (accept(ps, '(')) {
      sym.pin = DL_PIN_FUNCTION;
      char *args = NULL;
      size_t alen = 0;
      if (peek(ps) != ')') {
        for (;;) {
          char *t = type_text(ps);
          if (!t) break;
          char *a = realloc(args, alen + strlen(t) + 2);
          if (!a) {
            free(t);
            fail(ps, "out of memory");
            break;
          }
          args = a;
          if (alen) args[alen++] = ',';
          strcpy(args + alen, t);
          alen += strlen(t);
          free(t);
          if (peek(ps) == ')') break;
          if (!accept_sep(ps)) {
            fail(ps, "expected ',' or ')'");
            break;
          }
        }
      }
      sym.args = args ? args : strdup("");
      if (!ps->failed && !accept(ps, ')')) fail(ps, "expected ')'");
      if (!ps->failed && !(accept(ps, '-') && ps->pos < ps->len && ps->entry[ps->pos] == '>'))
        fail(ps, "expected '->' after the argument list");
      if (!ps->failed) {
        ps->pos++;
        const char *v;
        size_t save = ps->pos;
        size_t vn = name(ps, &v);
        if (vn == 4 && !memcmp(v, "void", 4)) {
          sym.type = NULL;
        } else {
          ps->pos = save;
          sym.type = type_text(ps);
        }
      }
    } else {
      sym.pin = DL_PIN_VARIABLE;
      sym.type = type_text(ps);
    }
  }
  if (ps->failed) {
    free(sym.name), free(sym.args), free(sym.type);
    return;
  }
  sym_add(ps, l, &sym);
}

static void entry(parser_t *ps, wp_dl_policy_t *p) {
  const char *nm;
  size_t n = name(ps, &nm);
  if (!n) {
    fail(ps, "expected a library name or 'self'");
    return;
  }
  dl_pol_lib_t *l = lib_get(ps, p, nm, n);
  if (!l) return;
  if (!accept(ps, ':')) {
    l->all = true;
  } else {
    do symspec(ps, l);
    while (!ps->failed && accept_sep(ps));
  }
  if (!ps->failed && peek(ps)) fail(ps, "unexpected '%c'", peek(ps));
}

/* Moves every library and symbol of `from` into `to`. */
static void merge(parser_t *ps, wp_dl_policy_t *to, wp_dl_policy_t *from) {
  for (size_t i = 0; i < from->nlibs && !ps->failed; i++) {
    dl_pol_lib_t *src = &from->libs[i];
    dl_pol_lib_t *dst = lib_get(ps, to, src->name, strlen(src->name));
    if (!dst) return;
    dst->all = dst->all || src->all;
    for (size_t j = 0; j < src->nsyms && !ps->failed; j++) sym_add(ps, dst, &src->syms[j]);
  }
}

int wp_dl_policy_add(wp_dl_policy_t *p, const char *text, char *err, size_t errcap) {
  if (err && errcap) err[0] = 0;
  if (!text) return 0;
  wp_dl_policy_t scratch = {0};
  parser_t ps = {0};
  ps.err = err;
  ps.errcap = errcap;
  int index = 0;
  for (const char *e = text;; ) {
    const char *semi = strchr(e, ';');
    size_t len = semi ? (size_t)(semi - e) : strlen(e);
    index++;
    ps.entry = e;
    ps.len = len;
    ps.pos = 0;
    ps.index = index;
    if (peek(&ps)) entry(&ps, &scratch);
    if (ps.failed || !semi) break;
    e = semi + 1;
  }
  /* Merging can only fail on a pin conflict (or out of memory): look for
  ** conflicts first so that a refused text leaves p unchanged. */
  if (!ps.failed) {
    for (size_t i = 0; i < scratch.nlibs && !ps.failed; i++) {
      const dl_pol_lib_t *dst = dl_policy_find_lib(p, scratch.libs[i].name);
      for (size_t j = 0; dst && j < scratch.libs[i].nsyms && !ps.failed; j++) {
        const dl_pol_sym_t *s = &scratch.libs[i].syms[j];
        const dl_pol_sym_t *old = dl_policy_find_sym(dst, s->name);
        if (old && old->pin != DL_PIN_NONE && s->pin != DL_PIN_NONE && !same_pin(old, s)) {
          ps.failed = true;
          if (err && errcap)
            snprintf(err, errcap, "allow: symbol '%s' of library '%s' is already pinned differently", s->name,
                     dst->name);
        }
      }
    }
  }
  if (!ps.failed) merge(&ps, p, &scratch);
  dl_policy_clear(&scratch);
  free(ps.buf);
  return ps.failed ? -1 : 0;
}
