/*
** parser.c — recursive-descent parser from tokens to the AST (ast.h).
**
** Follows the grammar of the Component Model's WIT.md.  Look-ahead is done
** by copying the lexer (a small struct).  Errors name what was expected
** and what was found, at the found token.
*/
#include <stdlib.h>
#include <string.h>

#include "ast.h"

#define MAX_DEPTH 100 /* nesting limit for types and packages */

typedef struct {
  wp_wit_ctx_t *cx;
  wp_wit_lexer_t lx;
} parser_t;

static wp_wit_tok_t peek(parser_t *p, wp_wit_span_t *sp) {
  wp_wit_lexer_t t = p->lx;
  wp_wit_span_t s;
  wp_wit_tok_t k = wp_wit_lex(&t, &s);
  if (sp) *sp = s;
  return k;
}

static wp_wit_tok_t next(parser_t *p, wp_wit_span_t *sp) {
  wp_wit_span_t s;
  wp_wit_tok_t t = wp_wit_lex(&p->lx, &s);
  if (sp) *sp = s;
  return t;
}

static int eat(parser_t *p, wp_wit_tok_t want) {
  wp_wit_lexer_t t = p->lx;
  wp_wit_span_t s;
  if (wp_wit_lex(&t, &s) == want) {
    p->lx = t;
    return 1;
  }
  return 0;
}

static _Noreturn void err_expected(parser_t *p, const char *what, wp_wit_tok_t found,
                                   wp_wit_span_t sp) {
  if (found == TK_EOF)
    wp_wit_fail(p->cx, sp, "expected %s, found eof", what);
  wp_wit_fail(p->cx, sp, "expected %s, found %s", what, wp_wit_tok_describe(found));
}

static wp_wit_span_t expect(parser_t *p, wp_wit_tok_t want) {
  wp_wit_span_t sp;
  wp_wit_tok_t t = next(p, &sp);
  if (t != want) {
    wp_wit_span_t at = wp_wit_span(sp.start, sp.start + 1);
    if (t == TK_EOF)
      wp_wit_fail(p->cx, sp, "expected %s, found eof", wp_wit_tok_describe(want));
    wp_wit_fail(p->cx, at, "expected %s, found %s", wp_wit_tok_describe(want),
                wp_wit_tok_describe(t));
  }
  return sp;
}

static const char *span_text(parser_t *p, wp_wit_span_t sp) {
  return p->lx.src + (sp.start - p->lx.base);
}

static ast_id_t id_from(parser_t *p, wp_wit_tok_t t, wp_wit_span_t sp) {
  ast_id_t id;
  const char *s = span_text(p, sp);
  size_t n = sp.end - sp.start;
  if (t == TK_EXPLICIT_ID) {
    s++;
    n--;
  }
  wp_wit_validate_id(p->cx, sp.start, s, n);
  id.name = wp_wit_strndup(p->cx, p->cx->perm, s, n);
  id.span = sp;
  return id;
}

static ast_id_t parse_id(parser_t *p) {
  wp_wit_span_t sp;
  wp_wit_tok_t t = next(p, &sp);
  if (t == TK_ID || t == TK_EXPLICIT_ID) return id_from(p, t, sp);
  err_expected(p, "an identifier or string", t, sp);
}

#define PUSH(arr, n) wp_wit_vpush(p->cx, p->cx->tmp, &(arr), &(n), sizeof *(arr))

static ast_docs_t parse_docs(parser_t *p) {
  ast_docs_t d;
  memset(&d, 0, sizeof d);
  d.span = wp_wit_span_unknown();
  for (;;) {
    wp_wit_lexer_t t = p->lx;
    wp_wit_span_t sp;
    wp_wit_tok_t k = wp_wit_lex_raw(&t, &sp);
    if (k == TK_COMMENT) {
      const char **slot = PUSH(d.lines, d.n_lines);
      *slot = wp_wit_strndup(p->cx, p->cx->tmp, span_text(p, sp), sp.end - sp.start);
      if (d.span.start == WP_WIT_NONE) d.span.start = sp.start;
      d.span.end = sp.end;
    } else if (k != TK_WHITESPACE) {
      break;
    }
    p->lx = t;
  }
  return d;
}

/* version: INT '.' INT '.' INT ('-' ids)? ('+' ids)?  (see semver.org) */
static void eat_ver_ids(parser_t *p, wp_wit_tok_t prefix, uint32_t *end) {
  if (!eat(p, prefix)) return;
  for (;;) {
    wp_wit_lexer_t t = p->lx;
    wp_wit_span_t sp;
    wp_wit_tok_t k = wp_wit_lex(&t, &sp);
    if (k == TK_ID || k == TK_INTEGER || k == TK_MINUS) {
      *end = sp.end;
      p->lx = t;
    } else if (k == TK_PERIOD) {
      k = wp_wit_lex(&t, &sp);
      if (k == TK_ID || k == TK_INTEGER || k == TK_MINUS) {
        *end = sp.end;
        p->lx = t;
      } else {
        return;
      }
    } else {
      return;
    }
  }
}

static const char *parse_version(parser_t *p, wp_wit_span_t *out) {
  uint32_t start = expect(p, TK_INTEGER).start;
  expect(p, TK_PERIOD);
  expect(p, TK_INTEGER);
  expect(p, TK_PERIOD);
  uint32_t end = expect(p, TK_INTEGER).end;
  eat_ver_ids(p, TK_MINUS, &end);
  eat_ver_ids(p, TK_PLUS, &end);
  wp_wit_span_t sp = wp_wit_span(start, end);
  const char *text = wp_wit_strndup(p->cx, p->cx->perm, span_text(p, sp), end - start);
  const char *why;
  if (wp_wit_version_check(text, &why)) wp_wit_fail(p->cx, sp, "%s", why);
  if (out) *out = sp;
  return text;
}

static const char *parse_opt_version(parser_t *p, wp_wit_span_t *sp) {
  if (eat(p, TK_AT)) return parse_version(p, sp);
  return NULL;
}

static void eat_id(parser_t *p, const char *want) {
  ast_id_t id = parse_id(p);
  if (strcmp(id.name, want))
    wp_wit_fail(p->cx, id.span, "expected `%s`, found `%s`", want, id.name);
}

static ast_attrs_t parse_attrs(parser_t *p) {
  ast_attrs_t a;
  memset(&a, 0, sizeof a);
  while (eat(p, TK_AT)) {
    ast_id_t id = parse_id(p);
    ast_attr_t at;
    at.span = id.span;
    if (!strcmp(id.name, "since") || !strcmp(id.name, "deprecated")) {
      at.kind = id.name[0] == 's' ? ATTR_SINCE : ATTR_DEPRECATED;
      expect(p, TK_LPAREN);
      eat_id(p, "version");
      expect(p, TK_EQUALS);
      at.value = parse_version(p, NULL);
      expect(p, TK_RPAREN);
    } else if (!strcmp(id.name, "unstable")) {
      at.kind = ATTR_UNSTABLE;
      expect(p, TK_LPAREN);
      eat_id(p, "feature");
      expect(p, TK_EQUALS);
      at.value = parse_id(p).name;
      expect(p, TK_RPAREN);
    } else if (!strcmp(id.name, "external-id")) {
      at.kind = ATTR_EXTERNAL_ID;
      expect(p, TK_LPAREN);
      wp_wit_span_t sp = expect(p, TK_STRING_LIT);
      at.value = wp_wit_strdup(p->cx, p->cx->perm, wp_wit_lex_string(&p->lx, sp));
      expect(p, TK_RPAREN);
    } else {
      wp_wit_fail(p->cx, id.span, "unknown attribute `%s`", id.name);
    }
    ast_attr_t *slot = PUSH(a.items, a.n);
    *slot = at;
  }
  return a;
}

static ast_pkgname_t parse_pkgname(parser_t *p, ast_docs_t docs) {
  ast_pkgname_t n;
  memset(&n, 0, sizeof n);
  n.docs = docs;
  n.ns = parse_id(p);
  expect(p, TK_COLON);
  n.name = parse_id(p);
  wp_wit_span_t vsp;
  n.version = parse_opt_version(p, &vsp);
  n.span = wp_wit_span(n.ns.span.start, n.version ? vsp.end : n.name.span.end);
  return n;
}

static ast_path_t parse_use_path(parser_t *p) {
  ast_path_t u;
  memset(&u, 0, sizeof u);
  ast_id_t id = parse_id(p);
  if (eat(p, TK_COLON)) {
    u.is_pkg = 1;
    u.pkg.ns = id;
    u.pkg.name = parse_id(p);
    expect(p, TK_SLASH);
    u.name = parse_id(p);
    u.pkg.version = parse_opt_version(p, NULL);
    u.pkg.span = wp_wit_span(id.span.start, u.pkg.name.span.end);
  } else {
    u.name = id;
  }
  return u;
}

static ast_type_t *parse_type(parser_t *p, int depth);

static ast_type_t *new_type(parser_t *p, ast_type_kind_t k, wp_wit_span_t sp) {
  ast_type_t *t = wp_wit_alloc(p->cx, p->cx->tmp, sizeof *t);
  t->kind = k;
  t->span = sp;
  return t;
}

/* Comma-separated list up to `end` with optional trailing comma; `item` is
   called with the docs preceding each element. */
typedef void (*list_item_fn)(parser_t *p, ast_docs_t docs, void *ud);

static void parse_list_trailer(parser_t *p, wp_wit_tok_t end, list_item_fn item, void *ud) {
  for (;;) {
    ast_docs_t docs = parse_docs(p);
    if (eat(p, end)) break;
    item(p, docs, ud);
    if (!eat(p, TK_COMMA)) {
      expect(p, end);
      break;
    }
  }
}

static void parse_list(parser_t *p, wp_wit_tok_t start, wp_wit_tok_t end, list_item_fn item,
                       void *ud) {
  expect(p, start);
  parse_list_trailer(p, end, item, ud);
}

typedef struct {
  ast_type_t *t;
  int depth;
} tctx_t;

static void tuple_item(parser_t *p, ast_docs_t docs, void *ud) {
  (void)docs;
  tctx_t *c = ud;
  ast_type_t **slot = PUSH(c->t->types, c->t->n_types);
  *slot = parse_type(p, c->depth + 1);
}

static ast_type_t *parse_handle(parser_t *p, ast_type_kind_t k) {
  expect(p, TK_LT);
  ast_id_t r = parse_id(p);
  expect(p, TK_GT);
  ast_type_t *t = new_type(p, k, r.span);
  t->name = r;
  return t;
}

static ast_type_t *parse_type(parser_t *p, int depth) {
  wp_wit_span_t sp;
  wp_wit_tok_t tok = next(p, &sp);
  if (depth >= MAX_DEPTH) wp_wit_fail(p->cx, sp, "type nesting too deep");
  ast_type_t *t;
  switch (tok) {
    case TK_BOOL: return new_type(p, AT_BOOL, sp);
    case TK_U8: return new_type(p, AT_U8, sp);
    case TK_U16: return new_type(p, AT_U16, sp);
    case TK_U32: return new_type(p, AT_U32, sp);
    case TK_U64: return new_type(p, AT_U64, sp);
    case TK_S8: return new_type(p, AT_S8, sp);
    case TK_S16: return new_type(p, AT_S16, sp);
    case TK_S32: return new_type(p, AT_S32, sp);
    case TK_S64: return new_type(p, AT_S64, sp);
    case TK_F32: return new_type(p, AT_F32, sp);
    case TK_F64: return new_type(p, AT_F64, sp);
    case TK_CHAR: return new_type(p, AT_CHAR, sp);
    case TK_STRING: return new_type(p, AT_STRING, sp);
    case TK_ERROR_CONTEXT: return new_type(p, AT_ERROR_CONTEXT, sp);
    case TK_TUPLE: {
      t = new_type(p, AT_TUPLE, sp);
      tctx_t c = {t, depth};
      parse_list(p, TK_LT, TK_GT, tuple_item, &c);
      return t;
    }
    case TK_LIST: {
      expect(p, TK_LT);
      ast_type_t *elem = parse_type(p, depth + 1);
      if (eat(p, TK_COMMA)) {
        wp_wit_span_t nsp;
        wp_wit_tok_t nt = next(p, &nsp);
        if (nt != TK_INTEGER) err_expected(p, "fixed-length", nt, nsp);
        const char *s = span_text(p, nsp);
        uint64_t v = 0;
        for (uint32_t i = 0; i < nsp.end - nsp.start; i++) {
          v = v * 10 + (uint64_t)(s[i] - '0');
          if (v > UINT32_MAX)
            wp_wit_fail(p->cx, nsp, "invalid list size: number too large to fit in target type");
        }
        expect(p, TK_GT);
        t = new_type(p, AT_FIXED_LIST, sp);
        t->a = elem;
        t->size = (uint32_t)v;
        return t;
      }
      expect(p, TK_GT);
      t = new_type(p, AT_LIST, sp);
      t->a = elem;
      return t;
    }
    case TK_MAP:
      t = new_type(p, AT_MAP, sp);
      expect(p, TK_LT);
      t->a = parse_type(p, depth + 1);
      expect(p, TK_COMMA);
      t->b = parse_type(p, depth + 1);
      expect(p, TK_GT);
      return t;
    case TK_OPTION:
      t = new_type(p, AT_OPTION, sp);
      expect(p, TK_LT);
      t->a = parse_type(p, depth + 1);
      expect(p, TK_GT);
      return t;
    case TK_RESULT:
      t = new_type(p, AT_RESULT, sp);
      if (eat(p, TK_LT)) {
        if (eat(p, TK_UNDERSCORE)) {
          expect(p, TK_COMMA);
          t->b = parse_type(p, depth + 1);
        } else {
          t->a = parse_type(p, depth + 1);
          if (eat(p, TK_COMMA)) t->b = parse_type(p, depth + 1);
        }
        expect(p, TK_GT);
      }
      return t;
    case TK_FUTURE:
    case TK_STREAM:
      t = new_type(p, tok == TK_FUTURE ? AT_FUTURE : AT_STREAM, sp);
      if (eat(p, TK_LT)) {
        t->a = parse_type(p, depth + 1);
        expect(p, TK_GT);
      }
      return t;
    case TK_OWN: return parse_handle(p, AT_OWN);
    case TK_BORROW: return parse_handle(p, AT_BORROW);
    case TK_ID:
    case TK_EXPLICIT_ID:
      t = new_type(p, AT_NAME, sp);
      t->name = id_from(p, tok, sp);
      return t;
    default: err_expected(p, "a type", tok, sp);
  }
}

/* ---- functions ---- */

static void param_item(parser_t *p, ast_docs_t docs, void *ud) {
  (void)docs;
  ast_func_t *f = ud;
  ast_param_t *pa = PUSH(f->params, f->n_params);
  pa->name = parse_id(p);
  expect(p, TK_COLON);
  pa->type = parse_type(p, 0);
}

static void parse_func(parser_t *p, ast_func_t *f) {
  memset(f, 0, sizeof *f);
  f->async = eat(p, TK_ASYNC);
  f->span = expect(p, TK_FUNC);
  expect(p, TK_LPAREN);
  parse_list_trailer(p, TK_RPAREN, param_item, f);
  if (eat(p, TK_RARROW)) f->result = parse_type(p, 0);
}

static void parse_named_func(parser_t *p, ast_named_func_t *nf, ast_docs_t docs,
                             ast_attrs_t attrs) {
  nf->docs = docs;
  nf->attrs = attrs;
  nf->name = parse_id(p);
  expect(p, TK_COLON);
  parse_func(p, &nf->func);
  expect(p, TK_SEMICOLON);
}

static void parse_rfunc(parser_t *p, ast_rfunc_t *rf, ast_docs_t docs, ast_attrs_t attrs) {
  wp_wit_span_t sp;
  wp_wit_tok_t t = peek(p, &sp);
  rf->f.docs = docs;
  rf->f.attrs = attrs;
  if (t == TK_CONSTRUCTOR) {
    next(p, NULL);
    rf->kind = RF_CONSTRUCTOR;
    rf->f.name.name = "constructor";
    rf->f.name.span = sp;
    rf->f.func.span = sp;
    expect(p, TK_LPAREN);
    parse_list_trailer(p, TK_RPAREN, param_item, &rf->f.func);
    if (eat(p, TK_RARROW)) rf->f.func.result = parse_type(p, 0);
    expect(p, TK_SEMICOLON);
    return;
  }
  if (t == TK_ID || t == TK_EXPLICIT_ID) {
    rf->f.name = parse_id(p);
    expect(p, TK_COLON);
    rf->kind = eat(p, TK_STATIC) ? RF_STATIC : RF_METHOD;
    parse_func(p, &rf->f.func);
    expect(p, TK_SEMICOLON);
    return;
  }
  err_expected(p, "`constructor` or identifier", t, sp);
}

/* ---- type definitions ---- */

static void field_item(parser_t *p, ast_docs_t docs, void *ud) {
  ast_type_t *t = ud;
  ast_field_t *f = PUSH(t->fields, t->n_fields);
  f->docs = docs;
  f->name = parse_id(p);
  if (t->kind == AT_RECORD) {
    expect(p, TK_COLON);
    f->type = parse_type(p, 0);
  } else if (t->kind == AT_VARIANT) {
    if (eat(p, TK_LPAREN)) {
      f->type = parse_type(p, 0);
      expect(p, TK_RPAREN);
    }
  }
}

static void parse_typedef(parser_t *p, ast_typedef_t *td, ast_docs_t docs, ast_attrs_t attrs) {
  td->docs = docs;
  td->attrs = attrs;
  wp_wit_span_t sp;
  wp_wit_tok_t t = next(p, &sp);
  switch (t) {
    case TK_TYPE:
      td->name = parse_id(p);
      expect(p, TK_EQUALS);
      td->type = parse_type(p, 0);
      expect(p, TK_SEMICOLON);
      return;
    case TK_FLAGS:
    case TK_RECORD:
    case TK_VARIANT:
    case TK_ENUM: {
      td->name = parse_id(p);
      ast_type_kind_t k = t == TK_FLAGS     ? AT_FLAGS
                          : t == TK_RECORD  ? AT_RECORD
                          : t == TK_VARIANT ? AT_VARIANT
                                            : AT_ENUM;
      td->type = new_type(p, k, td->name.span);
      parse_list(p, TK_LBRACE, TK_RBRACE, field_item, td->type);
      return;
    }
    case TK_RESOURCE: {
      td->name = parse_id(p);
      ast_type_t *r = new_type(p, AT_RESOURCE, td->name.span);
      td->type = r;
      if (eat(p, TK_LBRACE)) {
        while (!eat(p, TK_RBRACE)) {
          ast_docs_t d = parse_docs(p);
          ast_attrs_t a = parse_attrs(p);
          ast_rfunc_t *rf = PUSH(r->funcs, r->n_funcs);
          parse_rfunc(p, rf, d, a);
        }
      } else {
        expect(p, TK_SEMICOLON);
      }
      return;
    }
    default: err_expected(p, "a type definition", t, sp);
  }
}

static void parse_use(parser_t *p, ast_use_t *u, ast_attrs_t attrs) {
  u->attrs = attrs;
  expect(p, TK_USE);
  u->from = parse_use_path(p);
  expect(p, TK_PERIOD);
  expect(p, TK_LBRACE);
  while (!eat(p, TK_RBRACE)) {
    ast_use_name_t *n = PUSH(u->names, u->n_names);
    n->name = parse_id(p);
    if (eat(p, TK_AS)) n->as = parse_id(p);
    if (!eat(p, TK_COMMA)) {
      expect(p, TK_RBRACE);
      break;
    }
  }
  expect(p, TK_SEMICOLON);
}

static void parse_iitem(parser_t *p, ast_iitem_t *it, ast_docs_t docs, ast_attrs_t attrs) {
  wp_wit_span_t sp;
  wp_wit_tok_t t = peek(p, &sp);
  switch (t) {
    case TK_TYPE:
    case TK_FLAGS:
    case TK_ENUM:
    case TK_VARIANT:
    case TK_RESOURCE:
    case TK_RECORD:
      it->kind = II_TYPEDEF;
      parse_typedef(p, &it->td, docs, attrs);
      return;
    case TK_ID:
    case TK_EXPLICIT_ID:
      it->kind = II_FUNC;
      parse_named_func(p, &it->func, docs, attrs);
      return;
    case TK_USE:
      it->kind = II_USE;
      parse_use(p, &it->use, attrs);
      return;
    default: err_expected(p, "`type`, `resource` or `func`", t, sp);
  }
}

static void parse_iitems(parser_t *p, ast_iitem_t **items, uint32_t *n) {
  expect(p, TK_LBRACE);
  for (;;) {
    ast_docs_t docs = parse_docs(p);
    if (eat(p, TK_RBRACE)) break;
    ast_attrs_t attrs = parse_attrs(p);
    ast_iitem_t *it = wp_wit_vpush(p->cx, p->cx->tmp, items, n, sizeof **items);
    parse_iitem(p, it, docs, attrs);
  }
}

/* import/export target: `name: func`, `name: interface {}`, `name: path`,
   or a path. */
static void parse_extern(parser_t *p, ast_extern_t *e) {
  parser_t c = *p;
  ast_id_t id = parse_id(&c);
  if (eat(&c, TK_COLON)) {
    wp_wit_tok_t t = peek(&c, NULL);
    if (t == TK_FUNC || t == TK_ASYNC) {
      *p = c;
      e->kind = EK_FUNC;
      e->id = id;
      parse_func(p, &e->func);
      expect(p, TK_SEMICOLON);
      return;
    }
    if (eat(&c, TK_INTERFACE)) {
      *p = c;
      e->kind = EK_INTERFACE;
      e->id = id;
      parse_iitems(p, &e->items, &e->n_items);
      return;
    }
    /* `label: path` unless this is `ns:pkg/iface` */
    wp_wit_lexer_t look = c.lx;
    wp_wit_span_t sp;
    wp_wit_tok_t t1 = wp_wit_lex(&look, &sp);
    int qualified = 0;
    if (t1 == TK_ID || t1 == TK_EXPLICIT_ID) {
      /* the reference validates the id here too; an invalid one simply
         isn't treated as a qualified path */
      qualified = wp_wit_lex(&look, &sp) == TK_SLASH;
    }
    if (!qualified) {
      *p = c;
      e->kind = EK_NAMED_PATH;
      e->id = id;
      e->path = parse_use_path(p);
      expect(p, TK_SEMICOLON);
      return;
    }
  }
  e->kind = EK_PATH;
  e->path = parse_use_path(p);
  expect(p, TK_SEMICOLON);
}

static void include_name_item(parser_t *p, ast_docs_t docs, void *ud) {
  (void)docs;
  ast_witem_t *w = ud;
  ast_use_name_t *n = PUSH(w->names, w->n_names);
  n->name = parse_id(p);
  expect(p, TK_AS);
  n->as = parse_id(p);
}

static void parse_witem(parser_t *p, ast_witem_t *w, ast_docs_t docs, ast_attrs_t attrs) {
  wp_wit_span_t sp;
  wp_wit_tok_t t = peek(p, &sp);
  w->docs = docs;
  w->attrs = attrs;
  switch (t) {
    case TK_IMPORT:
    case TK_EXPORT:
      next(p, NULL);
      w->kind = t == TK_IMPORT ? WI_IMPORT : WI_EXPORT;
      parse_extern(p, &w->ext);
      return;
    case TK_USE:
      w->kind = WI_USE;
      parse_use(p, &w->use, attrs);
      return;
    case TK_TYPE:
    case TK_FLAGS:
    case TK_RESOURCE:
    case TK_RECORD:
    case TK_VARIANT:
    case TK_ENUM:
      w->kind = WI_TYPE;
      parse_typedef(p, &w->td, docs, attrs);
      return;
    case TK_INCLUDE:
      next(p, NULL);
      w->kind = WI_INCLUDE;
      w->from = parse_use_path(p);
      if (eat(p, TK_WITH)) {
        parse_list(p, TK_LBRACE, TK_RBRACE, include_name_item, w);
      } else {
        expect(p, TK_SEMICOLON);
      }
      return;
    default:
      err_expected(p, "`import`, `export`, `include`, `use`, or type definition", t, sp);
  }
}

static ast_file_t *parse_decl_list(parser_t *p, ast_file_t *f, int nested_end, int depth);

static void parse_item(parser_t *p, ast_item_t *it, ast_docs_t docs, int depth) {
  ast_attrs_t attrs = parse_attrs(p);
  wp_wit_span_t sp;
  wp_wit_tok_t t = peek(p, &sp);
  switch (t) {
    case TK_INTERFACE:
      next(p, NULL);
      it->kind = AI_INTERFACE;
      it->iface.docs = docs;
      it->iface.attrs = attrs;
      it->iface.name = parse_id(p);
      parse_iitems(p, &it->iface.items, &it->iface.n_items);
      return;
    case TK_WORLD:
      next(p, NULL);
      it->kind = AI_WORLD;
      it->world.docs = docs;
      it->world.attrs = attrs;
      it->world.name = parse_id(p);
      expect(p, TK_LBRACE);
      for (;;) {
        ast_docs_t d = parse_docs(p);
        if (eat(p, TK_RBRACE)) break;
        ast_attrs_t a = parse_attrs(p);
        ast_witem_t *w = PUSH(it->world.items, it->world.n_items);
        parse_witem(p, w, d, a);
      }
      return;
    case TK_USE:
      it->kind = AI_USE;
      it->use_span = expect(p, TK_USE);
      it->use_attrs = attrs;
      it->use_path = parse_use_path(p);
      if (eat(p, TK_AS)) it->use_as = parse_id(p);
      expect(p, TK_SEMICOLON);
      return;
    case TK_PACKAGE: {
      wp_wit_span_t psp = expect(p, TK_PACKAGE);
      if (attrs.n) wp_wit_fail(p->cx, psp, "cannot place attributes on nested packages");
      if (depth >= MAX_DEPTH) wp_wit_fail(p->cx, psp, "package nesting too deep");
      it->kind = AI_PACKAGE;
      ast_file_t *nf = wp_wit_alloc(p->cx, p->cx->tmp, sizeof *nf);
      nf->has_pkg = 1;
      nf->pkg = parse_pkgname(p, docs);
      expect(p, TK_LBRACE);
      parse_decl_list(p, nf, 1, depth + 1);
      it->pkg = nf;
      return;
    }
    default: err_expected(p, "`world`, `interface` or `use`", t, sp);
  }
}

static ast_file_t *parse_decl_list(parser_t *p, ast_file_t *f, int nested_end, int depth) {
  ast_docs_t docs = parse_docs(p);
  for (;;) {
    if (nested_end) {
      if (eat(p, TK_RBRACE)) break;
    } else if (peek(p, NULL) == TK_EOF) {
      break;
    }
    ast_item_t *it = PUSH(f->items, f->n_items);
    parse_item(p, it, docs, depth);
    docs = parse_docs(p);
  }
  return f;
}

ast_file_t *wp_wit_parse_file(wp_wit_ctx_t *cx, const char *src, uint32_t len, uint32_t base) {
  parser_t p;
  p.cx = cx;
  wp_wit_lexer_init(&p.lx, cx, src, len, base);
  ast_file_t *f = wp_wit_alloc(cx, cx->tmp, sizeof *f);
  /* `package a:b;` — but `package a:b { ... }` is a nested package item. */
  parser_t look = p;
  ast_docs_t docs = parse_docs(&look);
  if (eat(&look, TK_PACKAGE)) {
    ast_pkgname_t n = parse_pkgname(&look, docs);
    if (eat(&look, TK_SEMICOLON)) {
      p = look;
      f->has_pkg = 1;
      f->pkg = n;
    }
  }
  return parse_decl_list(&p, f, 0, 0);
}
