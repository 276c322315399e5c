/*
** internal.h — shared by the files of src/wit only.
**
** Memory: everything a resolve owns lives in its arena (wp_wit_arena_t)
** and is freed at once by wp_wit_resolve_delete().  Parse-time scratch
** (tokens, AST) lives in a second arena freed when the push returns.
**
** Errors: like Lua, the parser and resolver do not thread error codes
** through every call.  wp_wit_fail() records the message and longjmp()s
** to the public entry point (wp_wit_push_*), which turns it into an error
** value.  Because all memory is arena-owned nothing leaks on that path.
** Out-of-memory takes the same road.
*/
#ifndef WASMPLUG_WIT_INTERNAL_H
#define WASMPLUG_WIT_INTERNAL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "wit/wit.h"

typedef struct wp_wit_arena wp_wit_arena_t;

wp_wit_arena_t *wp_wit_arena_new(void);
void wp_wit_arena_delete(wp_wit_arena_t *a);

/* The parse/resolve context: where to allocate, where to jump on error. */
typedef struct {
  jmp_buf jb;
  wp_wit_resolve_t *r;  /* sources for error rendering; perm arena */
  wp_wit_arena_t *perm; /* lives as long as the resolve */
  wp_wit_arena_t *tmp;  /* lives for one push */
  wp_wit_error_t *err;  /* set before the longjmp */
  const char *context;  /* optional prefix for messages, e.g. dir path */
} wp_wit_ctx_t;

/* Zeroed memory from arena `a`; jumps out with "out of memory" on failure. */
void *wp_wit_alloc(wp_wit_ctx_t *cx, wp_wit_arena_t *a, size_t size);
char *wp_wit_strdup(wp_wit_ctx_t *cx, wp_wit_arena_t *a, const char *s);
char *wp_wit_strndup(wp_wit_ctx_t *cx, wp_wit_arena_t *a, const char *s,
                     size_t n);
char *wp_wit_fmt(wp_wit_ctx_t *cx, wp_wit_arena_t *a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Growable arrays are (pointer, count) pairs.  Capacity is implied by the
   count: storage is (re)allocated when the count is 0 or a power of two
   >= 4, so no capacity field is needed in the public structs.  `push`
   returns a pointer to a new zeroed element. */
void *wp_wit_vpush(wp_wit_ctx_t *cx, wp_wit_arena_t *a, void *items_ptr,
                   uint32_t *n, size_t elem);
/* Copies n elements into fresh storage obeying the same capacity rule. */
void *wp_wit_vcopy(wp_wit_ctx_t *cx, wp_wit_arena_t *a, const void *items,
                   uint32_t n, size_t elem);

/* Fails with a message located at `span` (may be unknown). */
_Noreturn void wp_wit_fail(wp_wit_ctx_t *cx, wp_wit_span_t span,
                           const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same for a file or directory that cannot be read (the error's `io`). */
_Noreturn void wp_wit_fail_io(wp_wit_ctx_t *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void wp_wit_oom(wp_wit_ctx_t *cx);

static inline wp_wit_span_t wp_wit_span(uint32_t s, uint32_t e) {
  wp_wit_span_t sp = {s, e};
  return sp;
}
static inline wp_wit_span_t wp_wit_span_unknown(void) {
  wp_wit_span_t sp = {WP_WIT_NONE, WP_WIT_NONE};
  return sp;
}

/* ---- sources (source.c) ---- */
struct wp_wit_source {
  uint32_t offset; /* global offset of contents[0] */
  const char *path;
  const char *contents; /* NUL-terminated, plus an implicit '\n' at len */
  uint32_t len;
};
/* Adds a source to the resolve and returns its global offset. */
uint32_t wp_wit_source_add(wp_wit_ctx_t *cx, const char *path,
                           const char *text, size_t len);

/* "FILE:LINE:COL" of a span, in the scratch arena. */
char *wp_wit_location(wp_wit_ctx_t *cx, wp_wit_span_t span);

/* ---- semver (version.c) ---- */
/* Validates version text (semver 2.0); returns 0 if valid, else -1 and a
   static reason. */
int wp_wit_version_check(const char *s, const char **why);
/* <0, 0, >0 like strcmp, by semver precedence (build metadata last). */
int wp_wit_version_cmp(const char *a, const char *b);

/* ---- lexer (lexer.c) ---- */
typedef enum {
  TK_EOF = 0,
  TK_WHITESPACE,
  TK_COMMENT,
  TK_EQUALS,
  TK_COMMA,
  TK_COLON,
  TK_PERIOD,
  TK_SEMICOLON,
  TK_LPAREN,
  TK_RPAREN,
  TK_LBRACE,
  TK_RBRACE,
  TK_LT,
  TK_GT,
  TK_RARROW,
  TK_STAR,
  TK_AT,
  TK_SLASH,
  TK_PLUS,
  TK_MINUS,
  TK_STRING_LIT,
  /* keywords */
  TK_USE,
  TK_TYPE,
  TK_FUNC,
  TK_U8,
  TK_U16,
  TK_U32,
  TK_U64,
  TK_S8,
  TK_S16,
  TK_S32,
  TK_S64,
  TK_F32,
  TK_F64,
  TK_CHAR,
  TK_RECORD,
  TK_RESOURCE,
  TK_OWN,
  TK_BORROW,
  TK_FLAGS,
  TK_VARIANT,
  TK_ENUM,
  TK_BOOL,
  TK_STRING,
  TK_OPTION,
  TK_RESULT,
  TK_FUTURE,
  TK_STREAM,
  TK_ERROR_CONTEXT,
  TK_LIST,
  TK_MAP,
  TK_UNDERSCORE,
  TK_AS,
  TK_FROM,
  TK_STATIC,
  TK_INTERFACE,
  TK_TUPLE,
  TK_IMPORT,
  TK_EXPORT,
  TK_WORLD,
  TK_PACKAGE,
  TK_CONSTRUCTOR,
  TK_ASYNC,
  TK_INCLUDE,
  TK_WITH,
  /* others */
  TK_ID,
  TK_EXPLICIT_ID,
  TK_INTEGER
} wp_wit_tok_t;

/* A cursor over one source.  Copying the struct saves the position, which
   is how the parser looks ahead. */
typedef struct {
  wp_wit_ctx_t *cx;
  const char *src;
  uint32_t len;
  uint32_t pos;
  uint32_t base; /* global offset of src[0] */
} wp_wit_lexer_t;

void wp_wit_lexer_init(wp_wit_lexer_t *lx, wp_wit_ctx_t *cx, const char *src,
                       uint32_t len, uint32_t base);
/* Next token including whitespace and comments; TK_EOF at the end. */
wp_wit_tok_t wp_wit_lex_raw(wp_wit_lexer_t *lx, wp_wit_span_t *span);
/* Next significant token. */
wp_wit_tok_t wp_wit_lex(wp_wit_lexer_t *lx, wp_wit_span_t *span);
const char *wp_wit_tok_describe(wp_wit_tok_t t);
/* Validates a kebab-case identifier; fails at `start` if invalid. */
void wp_wit_validate_id(wp_wit_ctx_t *cx, uint32_t start, const char *id,
                        size_t n);
/* Decodes the string literal at span (quotes included). */
char *wp_wit_lex_string(wp_wit_lexer_t *lx, wp_wit_span_t span);

/* ---- parse + ast resolve (parser.c, unresolved.c) ---- */
typedef struct wp_wit_unresolved wp_wit_unresolved_t;

/* A parsed source group: zero or more nested packages, then the main one. */
typedef struct {
  wp_wit_unresolved_t **pkgs;
  uint32_t n_pkgs;
  uint32_t main; /* index into pkgs */
} wp_wit_group_t;

struct wp_wit_src_ref {
  const char *path;
  const char *text;
  uint32_t len;
  uint32_t base;
};
/* Parses a set of files forming one package (plus nested packages). */
void wp_wit_parse_group(wp_wit_ctx_t *cx, const struct wp_wit_src_ref *srcs,
                        uint32_t n, wp_wit_group_t *out);

/* ---- resolve (resolve.c) ---- */
/* Adds main + deps groups to the resolve in dependency order. */
uint32_t wp_wit_resolve_groups(wp_wit_ctx_t *cx, wp_wit_group_t *groups,
                               uint32_t n_groups);

/* ---- text: the tree's buffer (src/core/buf.h) ---- */
#include "core/buf.h"

#endif
