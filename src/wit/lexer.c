/*
** lexer.c — WIT tokens.
**
** Works on bytes; the input was checked to be UTF-8 before.  Identifiers
** are lexed greedily (letters, digits, '_', '-', any non-ASCII) and then
** validated as kebab-case, so `foo_bar` is one token with a precise error
** rather than three confusing ones.
*/
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Decodes the code point at src[i] (valid UTF-8 assumed); sets *n. */
static uint32_t utf8_at(const char *src, uint32_t len, uint32_t i, uint32_t *n) {
  const unsigned char *s = (const unsigned char *)src;
  unsigned c = s[i];
  if (c < 0x80 || i + 1 >= len) {
    *n = 1;
    return c;
  }
  if ((c & 0xE0) == 0xC0) {
    *n = 2;
    return ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
  }
  if ((c & 0xF0) == 0xE0 && i + 2 < len) {
    *n = 3;
    return ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
  }
  if (i + 3 < len) {
    *n = 4;
    return ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) |
           (s[i + 3] & 0x3Fu);
  }
  *n = 1;
  return c;
}

static int is_alpha(uint32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }
static int keylike_start(uint32_t c) { return is_alpha(c) || c == '_' || c == '-' || c >= 0x80; }
static int keylike_continue(uint32_t c) { return keylike_start(c) || is_digit(c); }

static void check_input(wp_wit_ctx_t *cx, const char *src, uint32_t len, uint32_t base) {
  for (uint32_t i = 0; i < len;) {
    uint32_t n, c = utf8_at(src, len, i, &n);
    wp_wit_span_t sp = wp_wit_span(base + i, base + i + 1);
    if (c == '\n' || c == '\r' || c == '\t') {
    } else if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
      wp_wit_fail(cx, sp, "Input contains bidirectional override codepoint \"\\u{%x}\"", c);
    } else if (c == 0x149 || c == 0x673 || c == 0xf77 || c == 0xf79 || c == 0x17a3 ||
               c == 0x17a4 || c == 0x17b4 || c == 0x17b5) {
      wp_wit_fail(cx, sp, "Codepoint \"\\u{%x}\" is discouraged by Unicode", c);
    } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      wp_wit_fail(cx, sp, "Control code '\\u{%x}'", c);
    }
    i += n;
  }
}

void wp_wit_lexer_init(wp_wit_lexer_t *lx, wp_wit_ctx_t *cx, const char *src, uint32_t len,
                       uint32_t base) {
  lx->cx = cx;
  lx->src = src;
  lx->len = len;
  lx->pos = 0;
  lx->base = base;
  check_input(cx, src, len, base);
  if (len >= 3 && !memcmp(src, "\xEF\xBB\xBF", 3)) lx->pos = 3;
}

/* The next character with "\r\n" folded into '\n'; advances. */
static uint32_t next_char(wp_wit_lexer_t *lx) {
  uint32_t n, c = utf8_at(lx->src, lx->len, lx->pos, &n);
  if (c == '\r' && lx->pos + 1 < lx->len && lx->src[lx->pos + 1] == '\n') {
    lx->pos += 2;
    return '\n';
  }
  lx->pos += n;
  return c;
}

static uint32_t peek_char(wp_wit_lexer_t *lx) {
  if (lx->pos >= lx->len) return UINT32_MAX;
  wp_wit_lexer_t t = *lx;
  return next_char(&t);
}

static int eatc(wp_wit_lexer_t *lx, uint32_t c) {
  if (peek_char(lx) == c) {
    next_char(lx);
    return 1;
  }
  return 0;
}

/* THE list of WIT keywords: the lexer's, the printers' (an identifier
** that is a keyword is printed `%`-escaped: wp_wit_is_keyword) and the
** parser's messages' ("keyword `use`": the word is between the backticks). */
static const struct {
  const char *desc;
  wp_wit_tok_t tok;
} keywords[] = {
    {"keyword `use`", TK_USE},
    {"keyword `type`", TK_TYPE},
    {"keyword `func`", TK_FUNC},
    {"keyword `u8`", TK_U8},
    {"keyword `u16`", TK_U16},
    {"keyword `u32`", TK_U32},
    {"keyword `u64`", TK_U64},
    {"keyword `s8`", TK_S8},
    {"keyword `s16`", TK_S16},
    {"keyword `s32`", TK_S32},
    {"keyword `s64`", TK_S64},
    {"keyword `f32`", TK_F32},
    {"keyword `f64`", TK_F64},
    {"keyword `char`", TK_CHAR},
    {"keyword `resource`", TK_RESOURCE},
    {"keyword `own`", TK_OWN},
    {"keyword `borrow`", TK_BORROW},
    {"keyword `record`", TK_RECORD},
    {"keyword `flags`", TK_FLAGS},
    {"keyword `variant`", TK_VARIANT},
    {"keyword `enum`", TK_ENUM},
    {"keyword `bool`", TK_BOOL},
    {"keyword `string`", TK_STRING},
    {"keyword `option`", TK_OPTION},
    {"keyword `result`", TK_RESULT},
    {"keyword `future`", TK_FUTURE},
    {"keyword `stream`", TK_STREAM},
    {"keyword `error-context`", TK_ERROR_CONTEXT},
    {"keyword `list`", TK_LIST},
    {"keyword `map`", TK_MAP},
    {"keyword `_`", TK_UNDERSCORE},
    {"keyword `as`", TK_AS},
    {"keyword `from`", TK_FROM},
    {"keyword `static`", TK_STATIC},
    {"keyword `interface`", TK_INTERFACE},
    {"keyword `tuple`", TK_TUPLE},
    {"keyword `world`", TK_WORLD},
    {"keyword `import`", TK_IMPORT},
    {"keyword `export`", TK_EXPORT},
    {"keyword `package`", TK_PACKAGE},
    {"keyword `constructor`", TK_CONSTRUCTOR},
    {"keyword `include`", TK_INCLUDE},
    {"keyword `with`", TK_WITH},
    {"keyword `async`", TK_ASYNC},
};

/* The keyword of keywords[i] and its length. */
static const char *kw_word(size_t i, size_t *n) {
  *n = strlen(keywords[i].desc) - 10; /* "keyword `" ... "`" */
  return keywords[i].desc + 9;
}

bool wp_wit_is_keyword(const char *s, size_t n) {
  for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
    size_t kn;
    const char *kw = kw_word(i, &kn);
    if (kn == n && !memcmp(kw, s, n)) return true;
  }
  return false;
}

static void lex_string_body(wp_wit_lexer_t *lx, uint32_t start, wp_buf_t *out);

wp_wit_tok_t wp_wit_lex_raw(wp_wit_lexer_t *lx, wp_wit_span_t *span) {
  if (lx->pos >= lx->len) {
    *span = wp_wit_span(lx->base + lx->len, lx->base + lx->len);
    return TK_EOF;
  }
  uint32_t start = lx->pos;
  uint32_t gstart = lx->base + start;
  uint32_t c = next_char(lx);
  wp_wit_tok_t t;
  switch (c) {
    case '\n':
    case '\t':
    case ' ':
      while (eatc(lx, ' ') || eatc(lx, '\t') || eatc(lx, '\n')) {
      }
      t = TK_WHITESPACE;
      break;
    case '/':
      if (eatc(lx, '/')) {
        while (lx->pos < lx->len && next_char(lx) != '\n') {
        }
        t = TK_COMMENT;
      } else if (eatc(lx, '*')) {
        int depth = 1;
        while (depth > 0) {
          if (lx->pos >= lx->len)
            wp_wit_fail(lx->cx, wp_wit_span(gstart, gstart + 1), "unterminated block comment");
          uint32_t d = next_char(lx);
          if (d == '/' && eatc(lx, '*'))
            depth++;
          else if (d == '*' && eatc(lx, '/'))
            depth--;
        }
        t = TK_COMMENT;
      } else {
        t = TK_SLASH;
      }
      break;
    case '=': t = TK_EQUALS; break;
    case ',': t = TK_COMMA; break;
    case ':': t = TK_COLON; break;
    case '.': t = TK_PERIOD; break;
    case ';': t = TK_SEMICOLON; break;
    case '(': t = TK_LPAREN; break;
    case ')': t = TK_RPAREN; break;
    case '{': t = TK_LBRACE; break;
    case '}': t = TK_RBRACE; break;
    case '<': t = TK_LT; break;
    case '>': t = TK_GT; break;
    case '*': t = TK_STAR; break;
    case '@': t = TK_AT; break;
    case '+': t = TK_PLUS; break;
    case '-':
      if (eatc(lx, '>')) {
        t = TK_RARROW;
        break;
      }
      t = TK_MINUS;
      break;
    case '%':
      if (lx->pos < lx->len && keylike_start(peek_char(lx))) {
        next_char(lx);
        while (lx->pos < lx->len && keylike_continue(peek_char(lx))) next_char(lx);
      }
      t = TK_EXPLICIT_ID;
      break;
    case '"': {
      wp_buf_t scratch = {0};
      lex_string_body(lx, gstart, &scratch);
      free(wp_buf_take(&scratch));
      t = TK_STRING_LIT;
      break;
    }
    default:
      if (keylike_start(c)) {
        while (lx->pos < lx->len && keylike_continue(peek_char(lx))) next_char(lx);
        t = TK_ID;
        size_t n = lx->pos - start;
        for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
          size_t kn;
          const char *kw = kw_word(i, &kn);
          if (kn == n && !memcmp(kw, lx->src + start, n)) {
            t = keywords[i].tok;
            break;
          }
        }
      } else if (is_digit(c)) {
        while (lx->pos < lx->len && is_digit(peek_char(lx))) next_char(lx);
        t = TK_INTEGER;
      } else {
        if (c >= 0x20 && c < 0x7f)
          wp_wit_fail(lx->cx, wp_wit_span(gstart, gstart + 1), "unexpected character '%c'",
                      (char)c);
        wp_wit_fail(lx->cx, wp_wit_span(gstart, gstart + 1), "unexpected character '\\u{%x}'",
                    c);
      }
  }
  *span = wp_wit_span(gstart, lx->base + lx->pos);
  return t;
}

wp_wit_tok_t wp_wit_lex(wp_wit_lexer_t *lx, wp_wit_span_t *span) {
  for (;;) {
    wp_wit_tok_t t = wp_wit_lex_raw(lx, span);
    if (t != TK_WHITESPACE && t != TK_COMMENT) return t;
  }
}

static int hexval(uint32_t c) {
  if (c >= '0' && c <= '9') return (int)(c - '0');
  if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
  return -1;
}

/* Lexes a string literal body after the opening quote, decoding escapes
   into `out`. */
static void lex_string_body(wp_wit_lexer_t *lx, uint32_t start, wp_buf_t *out) {
  wp_wit_ctx_t *cx = lx->cx;
  for (;;) {
    if (lx->pos >= lx->len) {
      free(wp_buf_take(out));
      wp_wit_fail(cx, wp_wit_span(start, start + 1), "unterminated string literal");
    }
    uint32_t before = lx->pos;
    uint32_t pos = lx->base + lx->pos;
    uint32_t c = next_char(lx);
    if (c == '"') return;
    if (c == '\\') {
      if (lx->pos >= lx->len) {
        free(wp_buf_take(out));
        wp_wit_fail(cx, wp_wit_span(start, start + 1), "unterminated string literal");
      }
      uint32_t e = next_char(lx);
      char ch;
      switch (e) {
        case '"': ch = '"'; break;
        case '\'': ch = '\''; break;
        case 't': ch = '\t'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case '\\': ch = '\\'; break;
        case 'u': {
          if (!eatc(lx, '{')) {
            free(wp_buf_take(out));
            wp_wit_fail(cx, wp_wit_span(pos, pos + 1), "expected character '{'");
          }
          uint32_t v = 0;
          int digits = 0;
          while (lx->pos < lx->len && (hexval(peek_char(lx)) >= 0 || peek_char(lx) == '_')) {
            uint32_t h = next_char(lx);
            if (h == '_') continue;
            if (v > 0x10FFFF) break;
            v = v * 16 + (uint32_t)hexval(h);
            digits++;
          }
          if (!digits || !eatc(lx, '}') || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
            free(wp_buf_take(out));
            wp_wit_fail(cx, wp_wit_span(pos, pos + 1), "invalid unicode escape");
          }
          char enc[4];
          size_t n;
          if (v < 0x80) {
            enc[0] = (char)v;
            n = 1;
          } else if (v < 0x800) {
            enc[0] = (char)(0xC0 | (v >> 6));
            enc[1] = (char)(0x80 | (v & 0x3F));
            n = 2;
          } else if (v < 0x10000) {
            enc[0] = (char)(0xE0 | (v >> 12));
            enc[1] = (char)(0x80 | ((v >> 6) & 0x3F));
            enc[2] = (char)(0x80 | (v & 0x3F));
            n = 3;
          } else {
            enc[0] = (char)(0xF0 | (v >> 18));
            enc[1] = (char)(0x80 | ((v >> 12) & 0x3F));
            enc[2] = (char)(0x80 | ((v >> 6) & 0x3F));
            enc[3] = (char)(0x80 | (v & 0x3F));
            n = 4;
          }
          wp_buf_put(out, enc, n);
          continue;
        }
        default:
          if (hexval(e) >= 0 && lx->pos < lx->len && hexval(peek_char(lx)) >= 0) {
            uint32_t d = next_char(lx);
            ch = (char)(hexval(e) * 16 + hexval(d));
            break;
          }
          free(wp_buf_take(out));
          wp_wit_fail(cx, wp_wit_span(pos, pos + 1), "invalid string escape");
      }
      wp_buf_put(out, &ch, 1);
      continue;
    }
    if (c < 0x20 || c == 0x7f) {
      free(wp_buf_take(out));
      wp_wit_fail(cx, wp_wit_span(pos, pos + 1), "invalid string character");
    }
    wp_buf_put(out, lx->src + before, lx->pos - before);
  }
}

char *wp_wit_lex_string(wp_wit_lexer_t *lx, wp_wit_span_t span) {
  wp_wit_lexer_t t = *lx;
  t.pos = span.start - lx->base + 1;
  wp_buf_t out = {0};
  lex_string_body(&t, span.start, &out);
  if (out.oom) {
    free(wp_buf_take(&out));
    wp_wit_oom(lx->cx);
  }
  char *s = wp_buf_take(&out);
  char *r = wp_wit_strdup(lx->cx, lx->cx->tmp, s ? s : "");
  free(s);
  return r;
}

const char *wp_wit_tok_describe(wp_wit_tok_t t) {
  switch (t) {
    case TK_EOF: return "eof";
    case TK_WHITESPACE: return "whitespace";
    case TK_COMMENT: return "a comment";
    case TK_EQUALS: return "'='";
    case TK_COMMA: return "','";
    case TK_COLON: return "':'";
    case TK_PERIOD: return "'.'";
    case TK_SEMICOLON: return "';'";
    case TK_LPAREN: return "'('";
    case TK_RPAREN: return "')'";
    case TK_LBRACE: return "'{'";
    case TK_RBRACE: return "'}'";
    case TK_LT: return "'<'";
    case TK_GT: return "'>'";
    case TK_RARROW: return "`->`";
    case TK_STAR: return "`*`";
    case TK_AT: return "`@`";
    case TK_SLASH: return "`/`";
    case TK_PLUS: return "`+`";
    case TK_MINUS: return "`-`";
    case TK_STRING_LIT: return "a string literal";
    case TK_ID: return "an identifier";
    case TK_EXPLICIT_ID: return "an '%' identifier";
    case TK_INTEGER: return "an integer";
    default: break;
  }
  for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
    if (keywords[i].tok == t) return keywords[i].desc;
  return "a token";
}

void wp_wit_validate_id(wp_wit_ctx_t *cx, uint32_t start, const char *id, size_t n) {
  wp_wit_span_t sp = wp_wit_span(start, start + 1);
  if (n == 0) wp_wit_fail(cx, sp, "identifiers must have characters between '-'s");
  size_t i = 0;
  int first_part = 1;
  for (;;) {
    size_t s = i;
    while (i < n && id[i] != '-') i++;
    if (i == s) wp_wit_fail(cx, sp, "identifiers must have characters between '-'s");
    if (first_part && !is_alpha((unsigned char)id[s])) {
      if ((unsigned char)id[s] >= 0x80)
        wp_wit_fail(cx, sp, "invalid character in identifier (non-ASCII)");
      wp_wit_fail(cx, sp, "invalid character in identifier '%c'", id[s]);
    }
    int upper = -1;
    for (size_t k = s; k < i; k++) {
      unsigned char c = (unsigned char)id[k];
      if (is_digit(c)) continue;
      int u;
      if (c >= 'A' && c <= 'Z')
        u = 1;
      else if (c >= 'a' && c <= 'z')
        u = 0;
      else if (c >= 0x80)
        wp_wit_fail(cx, sp, "invalid character in identifier (non-ASCII)");
      else
        wp_wit_fail(cx, sp, "invalid character in identifier '%c'", c);
      if (upper < 0)
        upper = u;
      else if (upper != u)
        wp_wit_fail(cx, sp, "invalid character in identifier '%c'", c);
    }
    if (i == n) break;
    i++; /* skip '-' */
    first_part = 0;
    if (i == n) wp_wit_fail(cx, sp, "identifiers must have characters between '-'s");
  }
}
