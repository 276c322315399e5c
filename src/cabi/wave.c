/*
 * wave.c -- WAVE, the WebAssembly Value Encoding (wasm-tools crates/wasm-wave):
 * type-directed parsing into the value tree, and printing.
 *
 * Parsing is recursive descent over the text, guided by the type, so
 * keywords (true, none, ok...) and labels are told apart by what the type
 * expects; a case label equal to a keyword is written with a '%' prefix.
 * Options and results also accept the "flat" form (a bare payload means
 * some(..) / ok(..)).  Record fields may come in any order; option fields
 * may be left out (none).
 */
#include "cabi/cabi_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  const char *s;
  size_t n, i;
  int depth;
  size_t base; /* offset of s in the text the user wrote (errors say it) */
} ps_t;

static wp_cabi_error_t *perr(ps_t *p, const char *fmt, const char *arg) {
  char msg[200];
  snprintf(msg, sizeof msg, fmt, arg);
  return INVALID("wave: at offset %zu: %s", p->base + p->i, msg);
}

static void skip_ws(ps_t *p) {
  while (p->i < p->n) {
    char c = p->s[p->i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      p->i++;
    } else if (c == '/' && p->i + 1 < p->n && p->s[p->i + 1] == '/') {
      while (p->i < p->n && p->s[p->i] != '\n') p->i++;
    } else {
      break;
    }
  }
}

static bool peek(ps_t *p, char c) {
  skip_ws(p);
  return p->i < p->n && p->s[p->i] == c;
}

static bool eat(ps_t *p, char c) {
  if (!peek(p, c)) return false;
  p->i++;
  return true;
}

static wp_cabi_error_t *expect(ps_t *p, char c) {
  char s[4] = {'\'', c, '\'', 0};
  return eat(p, c) ? NULL : perr(p, "expected %s", s);
}

static bool is_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* Reads a label (optionally %-prefixed) into buf; *escaped says if '%'. */
static bool read_label(ps_t *p, char *buf, size_t cap, bool *escaped) {
  skip_ws(p);
  size_t j = p->i;
  *escaped = false;
  if (j < p->n && p->s[j] == '%') {
    *escaped = true;
    j++;
  }
  size_t st = j;
  if (j >= p->n || !((p->s[j] >= 'a' && p->s[j] <= 'z') || (p->s[j] >= 'A' && p->s[j] <= 'Z'))) return false;
  while (j < p->n && is_label_char(p->s[j])) j++;
  if (j - st >= cap) return false;
  memcpy(buf, p->s + st, j - st);
  buf[j - st] = 0;
  p->i = j;
  return true;
}

/* Peeks a bare word (no '%') without consuming it. */
static bool peek_word(ps_t *p, const char *w) {
  skip_ws(p);
  size_t n = strlen(w);
  return p->i + n <= p->n && !memcmp(p->s + p->i, w, n) && (p->i + n == p->n || !is_label_char(p->s[p->i + n]));
}

static bool eat_word(ps_t *p, const char *w) {
  if (!peek_word(p, w)) return false;
  p->i += strlen(w);
  return true;
}

static wp_cabi_error_t *parse_value(ps_t *p, const wp_cabi_type_t *ty, wp_cabi_val_t *out);

static wp_cabi_error_t *parse_int(ps_t *p, wp_cabi_kind_t k, wp_cabi_val_t *out) {
  skip_ws(p);
  size_t st = p->i;
  bool neg = false;
  if (p->i < p->n && p->s[p->i] == '-') {
    neg = true;
    p->i++;
  }
  if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9') return perr(p, "expected an integer%s", "");
  uint64_t v = 0;
  bool over = false;
  while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
    unsigned d = (unsigned)(p->s[p->i++] - '0');
    if (v > (UINT64_MAX - d) / 10) over = true;
    else v = v * 10 + d;
  }
  if (p->i < p->n && (p->s[p->i] == '.' || p->s[p->i] == 'e' || p->s[p->i] == 'E' || is_label_char(p->s[p->i])))
    return perr(p, "expected an integer%s", "");
  static const struct { int64_t lo; uint64_t hi; const char *name; } r[] = {
      [WP_CABI_S8] = {-128, 127, "s8"}, [WP_CABI_U8] = {0, 255, "u8"},
      [WP_CABI_S16] = {-32768, 32767, "s16"}, [WP_CABI_U16] = {0, 65535, "u16"},
      [WP_CABI_S32] = {INT32_MIN, INT32_MAX, "s32"}, [WP_CABI_U32] = {0, UINT32_MAX, "u32"},
      [WP_CABI_S64] = {INT64_MIN, INT64_MAX, "s64"}, [WP_CABI_U64] = {0, UINT64_MAX, "u64"}};
  bool ok = !over;
  if (ok && neg) ok = v == 0 || (r[k].lo < 0 && v <= (uint64_t)(-(r[k].lo + 1)) + 1);
  if (ok && !neg) ok = v <= r[k].hi;
  if (!ok) {
    size_t save = p->i;
    p->i = st;
    char num[32];
    size_t len = save - st < 31 ? save - st : 31;
    memcpy(num, p->s + st, len);
    num[len] = 0;
    wp_cabi_error_t *e = INVALID("wave: at offset %zu: %s is out of range for %s", p->base + st, num, r[k].name);
    p->i = save;
    return e;
  }
  uint64_t u = neg ? (uint64_t)0 - v : v;
  out->kind = k;
  switch (k) {
  case WP_CABI_S8: case WP_CABI_U8: out->of.u8 = (uint8_t)u; break;
  case WP_CABI_S16: case WP_CABI_U16: out->of.u16 = (uint16_t)u; break;
  case WP_CABI_S32: case WP_CABI_U32: out->of.u32 = (uint32_t)u; break;
  default: out->of.u64 = u; break;
  }
  return NULL;
}

static wp_cabi_error_t *parse_float(ps_t *p, wp_cabi_kind_t k, wp_cabi_val_t *out) {
  skip_ws(p);
  double d;
  out->kind = k;
  if (eat_word(p, "nan")) d = NAN;
  else if (eat_word(p, "inf")) d = INFINITY;
  else if (p->i + 4 <= p->n && !memcmp(p->s + p->i, "-inf", 4) && (p->i + 4 == p->n || !is_label_char(p->s[p->i + 4]))) {
    p->i += 4;
    d = -INFINITY;
  } else {
    /* JSON number syntax, checked by hand so strtod's extras (hex, "infinity") are refused. */
    size_t j = p->i;
    if (j < p->n && p->s[j] == '-') j++;
    size_t ds = j;
    while (j < p->n && p->s[j] >= '0' && p->s[j] <= '9') j++;
    if (j == ds) return perr(p, "expected a number%s", "");
    if (j < p->n && p->s[j] == '.') {
      j++;
      size_t fs = j;
      while (j < p->n && p->s[j] >= '0' && p->s[j] <= '9') j++;
      if (j == fs) return perr(p, "expected digits after '.'%s", "");
    }
    if (j < p->n && (p->s[j] == 'e' || p->s[j] == 'E')) {
      j++;
      if (j < p->n && (p->s[j] == '+' || p->s[j] == '-')) j++;
      size_t es = j;
      while (j < p->n && p->s[j] >= '0' && p->s[j] <= '9') j++;
      if (j == es) return perr(p, "expected exponent digits%s", "");
    }
    char buf[128];
    if (j - p->i >= sizeof buf) return perr(p, "number too long%s", "");
    memcpy(buf, p->s + p->i, j - p->i);
    buf[j - p->i] = 0;
    d = strtod(buf, NULL);
    p->i = j;
  }
  if (k == WP_CABI_F32) out->of.f32 = (float)d;
  else out->of.f64 = d;
  return NULL;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Reads one (possibly escaped) character of a char or string literal. */
static wp_cabi_error_t *read_char(ps_t *p, uint32_t *c) {
  if (p->i >= p->n) return perr(p, "unterminated literal%s", "");
  uint8_t b = (uint8_t)p->s[p->i];
  if (b == '\\') {
    p->i++;
    if (p->i >= p->n) return perr(p, "unterminated escape%s", "");
    char e = p->s[p->i++];
    switch (e) {
    case '\\': *c = '\\'; return NULL;
    case '\'': *c = '\''; return NULL;
    case '"': *c = '"'; return NULL;
    case 'n': *c = '\n'; return NULL;
    case 'r': *c = '\r'; return NULL;
    case 't': *c = '\t'; return NULL;
    case 'u': {
      if (p->i >= p->n || p->s[p->i] != '{') return perr(p, "expected '{' in \\u escape%s", "");
      p->i++;
      uint32_t v = 0;
      int nd = 0;
      while (p->i < p->n && p->s[p->i] != '}') {
        int h = hexval(p->s[p->i]);
        if (h < 0 || ++nd > 6) return perr(p, "bad \\u escape%s", "");
        v = v * 16 + (uint32_t)h;
        p->i++;
      }
      if (p->i >= p->n || nd == 0) return perr(p, "bad \\u escape%s", "");
      p->i++;
      if (!wp_cabi_char_ok(v)) return perr(p, "\\u escape is not a Unicode scalar value%s", "");
      *c = v;
      return NULL;
    }
    default: p->i--; return perr(p, "unknown escape%s", "");
    }
  }
  /* One UTF-8 scalar from the (validated) text. */
  size_t k = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  if (p->i + k > p->n || !wp_cabi_utf8_valid((const uint8_t *)p->s + p->i, k))
    return perr(p, "invalid UTF-8%s", "");
  size_t i = 0;
  *c = wp_cabi_utf8_next((const uint8_t *)p->s + p->i, k, &i);
  p->i += k;
  return NULL;
}

/* Appends c as UTF-8 to a growing buffer. */
static bool buf_put(char **buf, size_t *len, size_t *cap, uint32_t c) {
  if (*len + 5 > *cap) {
    size_t nc = *cap * 2;
    char *nb = realloc(*buf, nc);
    if (!nb) return false;
    *buf = nb;
    *cap = nc;
  }
  *len += wp_cabi_utf8_put((uint8_t *)*buf + *len, c);
  return true;
}

/* A multiline string: """ + line break ... line break + N spaces + """.
 * N is the indent removed from every line; line breaks inside decode as \n. */
static wp_cabi_error_t *parse_multiline(ps_t *p, wp_cabi_val_t *out) {
  size_t i = p->i + 3;
  if (i < p->n && p->s[i] == '\n') i++;
  else if (i + 1 < p->n && p->s[i] == '\r' && p->s[i + 1] == '\n') i += 2;
  else return perr(p, "a multiline string must start with a line break after the opening quotes%s", "");
  size_t body = i, end = i;
  while (end + 3 <= p->n && memcmp(p->s + end, "\"\"\"", 3)) end++;
  if (end + 3 > p->n) return perr(p, "unterminated multiline string%s", "");
  size_t q = end;
  while (q > body && p->s[q - 1] == ' ') q--;
  size_t indent = end - q;
  if (q > body && p->s[q - 1] != '\n') {
    p->i = end;
    return perr(p, "the closing quotes of a multiline string must be on their own line%s", "");
  }
  size_t content_end = q > body ? q - 1 : body;
  if (content_end > body && p->s[content_end - 1] == '\r') content_end--;
  size_t cap = 16, len = 0;
  char *buf = malloc(cap);
  if (!buf) return wp_cabi_error_oom();
  wp_cabi_error_t *e = NULL;
  size_t ls = body;
  while (ls <= content_end && q > body) {
    size_t le = ls;
    while (le < content_end && p->s[le] != '\n') le++;
    size_t lend = le > ls && p->s[le - 1] == '\r' ? le - 1 : le;
    if (ls > body && !buf_put(&buf, &len, &cap, '\n')) { e = wp_cabi_error_oom(); break; }
    if (lend > ls) {
      for (size_t k = 0; k < indent; k++)
        if (ls + k >= lend || p->s[ls + k] != ' ') {
          p->i = ls + k;
          e = perr(p, "line is indented less than the closing quotes%s", "");
          break;
        }
      if (e) break;
      ps_t sub = {p->s, lend, ls + indent, p->depth, p->base};
      while (sub.i < lend) {
        uint32_t c;
        if ((e = read_char(&sub, &c))) break;
        if (!buf_put(&buf, &len, &cap, c)) { e = wp_cabi_error_oom(); break; }
      }
      if (e) break;
    }
    ls = le + 1;
  }
  if (e) {
    free(buf);
    return e;
  }
  buf[len] = 0;
  p->i = end + 3;
  out->kind = WP_CABI_STRING;
  out->of.str.ptr = buf;
  out->of.str.len = len;
  return NULL;
}

static wp_cabi_error_t *parse_string(ps_t *p, wp_cabi_val_t *out) {
  wp_cabi_error_t *e;
  skip_ws(p);
  if (p->i + 3 <= p->n && !memcmp(p->s + p->i, "\"\"\"", 3)) return parse_multiline(p, out);
  if ((e = expect(p, '"'))) return e;
  size_t cap = 16, len = 0;
  char *buf = malloc(cap);
  if (!buf) return wp_cabi_error_oom();
  for (;;) {
    if (p->i >= p->n) {
      free(buf);
      return perr(p, "unterminated string%s", "");
    }
    if (p->s[p->i] == '"') {
      p->i++;
      break;
    }
    if (p->s[p->i] == '\n') {
      free(buf);
      return perr(p, "newline in string%s", "");
    }
    uint32_t c;
    if ((e = read_char(p, &c))) {
      free(buf);
      return e;
    }
    if (len + 5 > cap) {
      cap *= 2;
      char *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        return wp_cabi_error_oom();
      }
      buf = nb;
    }
    len += wp_cabi_utf8_put((uint8_t *)buf + len, c);
  }
  buf[len] = 0;
  out->kind = WP_CABI_STRING;
  out->of.str.ptr = buf;
  out->of.str.len = len;
  return NULL;
}

/* A growable array of values, for lists. */
static wp_cabi_error_t *push(wp_cabi_val_t *out, size_t *cap, wp_cabi_val_t **slot) {
  if (out->of.list.len == *cap) {
    size_t nc = *cap ? *cap * 2 : 4;
    wp_cabi_val_t *n = realloc(out->of.list.items, nc * sizeof *n);
    if (!n) return wp_cabi_error_oom();
    out->of.list.items = n;
    *cap = nc;
  }
  *slot = &out->of.list.items[out->of.list.len++];
  memset(*slot, 0, sizeof **slot);
  return NULL;
}

static wp_cabi_error_t *parse_payload(ps_t *p, const wp_cabi_type_t *c, wp_cabi_val_t *out, const char *label) {
  wp_cabi_error_t *e;
  if (!c) {
    if (peek(p, '(')) return perr(p, "case '%s' takes no payload", label);
    return NULL;
  }
  if (!eat(p, '(')) return perr(p, "case '%s' needs a payload in parentheses", label);
  out->of.var.payload = calloc(1, sizeof(wp_cabi_val_t));
  if (!out->of.var.payload) return wp_cabi_error_oom();
  if ((e = parse_value(p, c, out->of.var.payload))) return e;
  return expect(p, ')');
}

static wp_cabi_error_t *parse_value(ps_t *p, const wp_cabi_type_t *ty, wp_cabi_val_t *out) {
  wp_cabi_error_t *e;
  memset(out, 0, sizeof *out);
  out->kind = ty->kind;
  if (++p->depth > 200) return perr(p, "nesting too deep%s", "");
  skip_ws(p);
  switch (ty->kind) {
  case WP_CABI_BOOL:
    if (eat_word(p, "true")) out->of.b = true;
    else if (eat_word(p, "false")) out->of.b = false;
    else return perr(p, "expected 'true' or 'false'%s", "");
    break;
  case WP_CABI_S8: case WP_CABI_U8: case WP_CABI_S16: case WP_CABI_U16:
  case WP_CABI_S32: case WP_CABI_U32: case WP_CABI_S64: case WP_CABI_U64:
    if ((e = parse_int(p, ty->kind, out))) return e;
    break;
  case WP_CABI_F32: case WP_CABI_F64:
    if ((e = parse_float(p, ty->kind, out))) return e;
    break;
  case WP_CABI_CHAR: {
    if ((e = expect(p, '\''))) return e;
    if (p->i < p->n && p->s[p->i] == '\'') return perr(p, "empty char literal%s", "");
    if (p->i < p->n && p->s[p->i] == '\n') return perr(p, "newline in char literal must be escaped%s", "");
    if ((e = read_char(p, &out->of.ch))) return e;
    if (p->i >= p->n || p->s[p->i] != '\'') return perr(p, "expected closing \"'\"%s", "");
    p->i++;
    break;
  }
  case WP_CABI_STRING:
    if ((e = parse_string(p, out))) return e;
    break;
  case WP_CABI_LIST: case WP_CABI_TUPLE: case WP_CABI_FIXED_LIST: {
    /* lists and fixed-length lists are [...], tuples (...); a map is a
     * list of (key, value) tuples */
    bool list = ty->kind != WP_CABI_TUPLE;
    if ((e = expect(p, list ? '[' : '('))) return e;
    size_t cap = 0;
    while (!peek(p, list ? ']' : ')')) {
      if (!list && out->of.list.len == ty->nfields) return perr(p, "too many tuple elements%s", "");
      wp_cabi_val_t *slot = NULL;
      if ((e = push(out, &cap, &slot))) return e;
      if ((e = parse_value(p, list ? ty->elem : ty->fields[out->of.list.len - 1].type, slot))) return e;
      if (!eat(p, ',')) break;
    }
    if (!list && out->of.list.len != ty->nfields) return perr(p, "too few tuple elements%s", "");
    if ((e = expect(p, list ? ']' : ')'))) return e;
    if (ty->kind == WP_CABI_FIXED_LIST && out->of.list.len != ty->length) {
      char what[64];
      snprintf(what, sizeof what, "%zu elements for a list of length %u", out->of.list.len, ty->length);
      return perr(p, "%s", what);
    }
    break;
  }
  case WP_CABI_RECORD: {
    if ((e = expect(p, '{'))) return e;
    out->of.list.items = calloc(ty->nfields, sizeof(wp_cabi_val_t));
    if (!out->of.list.items) return wp_cabi_error_oom();
    out->of.list.len = ty->nfields;
    bool *seen = calloc(ty->nfields, 1);
    if (!seen) return wp_cabi_error_oom();
    bool empty_form = eat(p, ':'); /* {:} is a record with every field omitted */
    while (!empty_form && !peek(p, '}')) {
      char lab[128];
      bool esc;
      size_t at = p->i;
      if (!read_label(p, lab, sizeof lab, &esc)) { free(seen); return perr(p, "expected a field name%s", ""); }
      uint32_t f = 0;
      while (f < ty->nfields && strcmp(ty->fields[f].name, lab)) f++;
      if (f == ty->nfields) { p->i = at; free(seen); return perr(p, "unknown field '%s'", lab); }
      if (seen[f]) { p->i = at; free(seen); return perr(p, "duplicate field '%s'", lab); }
      seen[f] = true;
      if ((e = expect(p, ':')) || (e = parse_value(p, ty->fields[f].type, &out->of.list.items[f]))) { free(seen); return e; }
      if (!eat(p, ',')) break;
    }
    for (uint32_t f = 0; f < ty->nfields; f++) {
      if (seen[f]) continue;
      if (ty->fields[f].type->kind != WP_CABI_OPTION) { free(seen); return perr(p, "missing field '%s'", ty->fields[f].name); }
      out->of.list.items[f].kind = WP_CABI_OPTION; /* none */
    }
    free(seen);
    if ((e = expect(p, '}'))) return e;
    break;
  }
  case WP_CABI_FLAGS: {
    if ((e = expect(p, '{'))) return e;
    while (!peek(p, '}')) {
      char lab[128];
      bool esc;
      size_t at = p->i;
      if (!read_label(p, lab, sizeof lab, &esc)) return perr(p, "expected a flag name%s", "");
      uint32_t f = 0;
      while (f < ty->nfields && strcmp(ty->fields[f].name, lab)) f++;
      if (f == ty->nfields) { p->i = at; return perr(p, "unknown flag '%s'", lab); }
      if (out->of.flags & (1u << f)) { p->i = at; return perr(p, "duplicate flag '%s'", lab); }
      out->of.flags |= 1u << f;
      if (!eat(p, ',')) break;
    }
    if ((e = expect(p, '}'))) return e;
    break;
  }
  case WP_CABI_VARIANT: case WP_CABI_ENUM: {
    char lab[128];
    bool esc;
    size_t at = p->i;
    if (!read_label(p, lab, sizeof lab, &esc)) return perr(p, "expected a case name%s", "");
    uint32_t c = 0;
    while (c < ty->nfields && strcmp(ty->fields[c].name, lab)) c++;
    if (c == ty->nfields) { p->i = at; return perr(p, "unknown case '%s'", lab); }
    out->of.var.disc = c;
    if ((e = parse_payload(p, ty->kind == WP_CABI_VARIANT ? ty->fields[c].type : NULL, out, lab))) return e;
    break;
  }
  case WP_CABI_OPTION:
    if (eat_word(p, "none")) {
      out->of.var.disc = 0;
    } else if (eat_word(p, "some")) {
      out->of.var.disc = 1;
      if ((e = parse_payload(p, ty->elem, out, "some"))) return e;
    } else if (ty->elem->kind != WP_CABI_OPTION && ty->elem->kind != WP_CABI_RESULT) {
      /* flat form: the payload itself (not allowed for nested option/result) */
      out->of.var.disc = 1;
      out->of.var.payload = calloc(1, sizeof(wp_cabi_val_t));
      if (!out->of.var.payload) return wp_cabi_error_oom();
      if ((e = parse_value(p, ty->elem, out->of.var.payload))) return e;
    } else {
      return perr(p, "expected 'some' or 'none'%s", "");
    }
    break;
  case WP_CABI_RESULT:
    if (eat_word(p, "ok")) {
      out->of.var.disc = 0;
      if ((e = parse_payload(p, ty->elem, out, "ok"))) return e;
    } else if (eat_word(p, "err")) {
      out->of.var.disc = 1;
      if ((e = parse_payload(p, ty->err, out, "err"))) return e;
    } else if (ty->elem && ty->elem->kind != WP_CABI_OPTION && ty->elem->kind != WP_CABI_RESULT) {
      out->of.var.disc = 0;
      out->of.var.payload = calloc(1, sizeof(wp_cabi_val_t));
      if (!out->of.var.payload) return wp_cabi_error_oom();
      if ((e = parse_value(p, ty->elem, out->of.var.payload))) return e;
    } else {
      return perr(p, "expected 'ok' or 'err'%s", "");
    }
    break;
  case WP_CABI_OWN: case WP_CABI_BORROW:
    return perr(p, "resource handles have no WAVE encoding%s", "");
  case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT:
    return perr(p, "streams, futures and error contexts have no WAVE encoding%s", "");
  }
  p->depth--;
  return NULL;
}

wp_cabi_error_t *wp_cabi_wave_parse(const wp_cabi_type_t *ty, const char *text, size_t len, wp_cabi_val_t *out) {
  ps_t p = {text, len, 0, 0, 0};
  wp_cabi_error_t *e = parse_value(&p, ty, out);
  if (!e) {
    skip_ws(&p);
    if (p.i != p.n) e = perr(&p, "unexpected text after the value%s", "");
  }
  if (e) wp_cabi_val_drop(out);
  return e;
}

wp_cabi_error_t *wp_cabi_wave_split_call(const char *text, size_t len, size_t *name_len, const char **args,
                                         size_t *args_len) {
  size_t i = 0;
  while (i < len && (text[i] == ' ' || text[i] == '\t')) i++;
  size_t st = i;
  while (i < len && text[i] != '(') {
    char c = text[i];
    if (!(is_label_char(c) || c == ':' || c == '/' || c == '#' || c == '.' || c == '@' || c == '%' || c == '[' ||
          c == ']' || c == '_'))
      return INVALID("wave: at offset %zu: unexpected character in function name", i);
    i++;
  }
  if (i == len || i == st) return INVALID("wave: expected a call like 'name(args)'");
  size_t end = len;
  while (end > i && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\n')) end--;
  if (end <= i + 1 || text[end - 1] != ')') return INVALID("wave: at offset %zu: expected ')' at the end of the call", end);
  if (st) {
    /* Callers index the name from text: report it from the start. */
    return INVALID("wave: leading whitespace before the function name");
  }
  *name_len = i - st;
  *args = text + i + 1;
  *args_len = end - 1 - (i + 1);
  return NULL;
}

wp_cabi_error_t *wp_cabi_wave_parse_args(const wp_cabi_func_t *f, const char *text, size_t len, size_t base,
                                         wp_cabi_val_t *params) {
  ps_t p = {text, len, 0, 0, base};
  wp_cabi_error_t *e = NULL;
  size_t i = 0;
  if (f->nparams) memset(params, 0, f->nparams * sizeof *params);
  for (; i < f->nparams; i++) {
    skip_ws(&p);
    if (i ? !peek(&p, ',') : p.i == p.n) {
      /* Trailing option params may be left out: they are none. */
      size_t k = i;
      while (k < f->nparams && f->params[k]->kind == WP_CABI_OPTION) k++;
      if (k == f->nparams) {
        for (; i < f->nparams; i++) params[i].kind = WP_CABI_OPTION;
        break;
      }
    }
    if (i && (e = expect(&p, ','))) break;
    if ((e = parse_value(&p, f->params[i], &params[i]))) {
      i++;
      break;
    }
  }
  if (!e) {
    eat(&p, ','); /* a trailing comma is fine */
    skip_ws(&p);
    if (p.i != p.n) e = perr(&p, f->nparams ? "too many arguments%s" : "the function takes no arguments%s", "");
  }
  if (e)
    for (size_t j = 0; j < i && j < f->nparams; j++) wp_cabi_val_drop(&params[j]);
  return e;
}

char *wp_cabi_wave_quote(const char *text) {
  size_t n = strlen(text);
  char *q = malloc(4 * n + 1), *o = q;
  if (!q) return NULL;
  for (size_t i = 0; i < n;) {
    const uint8_t *u = (const uint8_t *)text + i;
    size_t k = u[0] < 0x80 ? 1 : u[0] >= 0xf0 ? 4 : u[0] >= 0xe0 ? 3 : 2;
    if (u[0] >= 0x20 && u[0] != 0x7f && i + k <= n && wp_cabi_utf8_valid(u, k)) {
      memcpy(o, u, k);
      o += k;
      i += k;
    } else {
      o += sprintf(o, "\\x%02x", u[0]);
      i++;
    }
  }
  *o = 0;
  return q;
}

/* ---- printing ---- */

typedef struct {
  char *buf;
  size_t len, cap;
  bool oom;
} ob_t;

static void out_n(ob_t *o, const char *s, size_t n) {
  if (o->oom) return;
  if (o->len + n + 1 > o->cap) {
    size_t nc = o->cap ? o->cap : 64;
    while (o->len + n + 1 > nc) nc *= 2;
    char *nb = realloc(o->buf, nc);
    if (!nb) {
      o->oom = true;
      return;
    }
    o->buf = nb;
    o->cap = nc;
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
  o->buf[o->len] = 0;
}
static void out_s(ob_t *o, const char *s) { out_n(o, s, strlen(s)); }

static bool is_keyword(const char *s) {
  static const char *const kw[] = {"true", "false", "inf", "nan", "some", "none", "ok", "err"};
  for (size_t i = 0; i < sizeof kw / sizeof *kw; i++)
    if (!strcmp(s, kw[i])) return true;
  return false;
}

static void out_label(ob_t *o, const char *s) {
  if (is_keyword(s)) out_s(o, "%");
  out_s(o, s);
}

static void out_char(ob_t *o, uint32_t c, char quote) {
  char b[16];
  switch (c) {
  case '\\': out_s(o, "\\\\"); return;
  case '\n': out_s(o, "\\n"); return;
  case '\r': out_s(o, "\\r"); return;
  case '\t': out_s(o, "\\t"); return;
  default: break;
  }
  if (c == (uint32_t)quote) {
    b[0] = '\\';
    b[1] = quote;
    out_n(o, b, 2);
    return;
  }
  if (c < 0x20 || c == 0x7f) {
    snprintf(b, sizeof b, "\\u{%x}", c);
    out_s(o, b);
    return;
  }
  size_t n = wp_cabi_utf8_put((uint8_t *)b, c);
  out_n(o, b, n);
}

/* Shortest decimal text that reads back as the same float. */
static void out_float(ob_t *o, double d, bool single) {
  char b[64];
  if (d != d) { out_s(o, "nan"); return; }
  if (isinf(d)) { out_s(o, d < 0 ? "-inf" : "inf"); return; }
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(b, sizeof b, "%.*g", prec, d);
    double r = strtod(b, NULL);
    if (single ? (float)r == (float)d : r == d) break;
  }
  out_s(o, b);
}

static wp_cabi_error_t *print_value(ob_t *o, const wp_cabi_type_t *ty, const wp_cabi_val_t *v, int depth) {
  char b[64];
  wp_cabi_error_t *e;
  if (v->kind != ty->kind) return INVALID("wave: value kind %d does not match the type", (int)v->kind);
  if (depth > 200) return INVALID("wave: value nested too deeply");
  switch (ty->kind) {
  case WP_CABI_BOOL: out_s(o, v->of.b ? "true" : "false"); break;
  case WP_CABI_S8: snprintf(b, sizeof b, "%d", v->of.s8); out_s(o, b); break;
  case WP_CABI_U8: snprintf(b, sizeof b, "%u", v->of.u8); out_s(o, b); break;
  case WP_CABI_S16: snprintf(b, sizeof b, "%d", v->of.s16); out_s(o, b); break;
  case WP_CABI_U16: snprintf(b, sizeof b, "%u", v->of.u16); out_s(o, b); break;
  case WP_CABI_S32: snprintf(b, sizeof b, "%ld", (long)v->of.s32); out_s(o, b); break;
  case WP_CABI_U32: snprintf(b, sizeof b, "%lu", (unsigned long)v->of.u32); out_s(o, b); break;
  case WP_CABI_S64: snprintf(b, sizeof b, "%lld", (long long)v->of.s64); out_s(o, b); break;
  case WP_CABI_U64: snprintf(b, sizeof b, "%llu", (unsigned long long)v->of.u64); out_s(o, b); break;
  case WP_CABI_F32: out_float(o, v->of.f32, true); break;
  case WP_CABI_F64: out_float(o, v->of.f64, false); break;
  case WP_CABI_CHAR:
    if (!wp_cabi_char_ok(v->of.ch)) return INVALID("wave: char 0x%x is not a Unicode scalar value", v->of.ch);
    out_s(o, "'");
    out_char(o, v->of.ch, '\'');
    out_s(o, "'");
    break;
  case WP_CABI_STRING: {
    const uint8_t *s = (const uint8_t *)v->of.str.ptr;
    size_t n = v->of.str.len;
    if (n && !wp_cabi_utf8_valid(s, n)) return INVALID("wave: string value is not valid UTF-8");
    out_s(o, "\"");
    for (size_t i = 0; i < n;) out_char(o, wp_cabi_utf8_next(s, n, &i), '"');
    out_s(o, "\"");
    break;
  }
  case WP_CABI_LIST: case WP_CABI_TUPLE: case WP_CABI_RECORD: case WP_CABI_FIXED_LIST: {
    bool rec = ty->kind == WP_CABI_RECORD, list = ty->kind == WP_CABI_LIST || ty->kind == WP_CABI_FIXED_LIST;
    if (!list && v->of.list.len != ty->nfields)
      return INVALID("wave: value has %zu fields, type has %u", v->of.list.len, ty->nfields);
    out_s(o, list ? "[" : rec ? "{" : "(");
    for (size_t i = 0; i < v->of.list.len; i++) {
      if (i) out_s(o, ", ");
      if (rec) {
        out_s(o, ty->fields[i].name);
        out_s(o, ": ");
      }
      const wp_cabi_type_t *et = list ? ty->elem : ty->fields[i].type;
      if ((e = print_value(o, et, &v->of.list.items[i], depth + 1))) return e;
    }
    out_s(o, list ? "]" : rec ? "}" : ")");
    break;
  }
  case WP_CABI_FLAGS: {
    out_s(o, "{");
    bool first = true;
    for (uint32_t i = 0; i < ty->nfields; i++) {
      if (!(v->of.flags & (1u << i))) continue;
      if (!first) out_s(o, ", ");
      out_s(o, ty->fields[i].name);
      first = false;
    }
    out_s(o, "}");
    break;
  }
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    uint32_t d = v->of.var.disc;
    if (d >= wp_cabi_type_ncases(ty)) return INVALID("wave: case index %u out of range", d);
    const char *name = wp_cabi_type_case_name(ty, d);
    if (ty->kind == WP_CABI_VARIANT || ty->kind == WP_CABI_ENUM) out_label(o, name);
    else out_s(o, name);
    const wp_cabi_type_t *c = wp_cabi_type_case(ty, d);
    if (c) {
      if (!v->of.var.payload) return INVALID("wave: case '%s' is missing its payload", name);
      out_s(o, "(");
      if ((e = print_value(o, c, v->of.var.payload, depth + 1))) return e;
      out_s(o, ")");
    }
    break;
  }
  case WP_CABI_OWN: case WP_CABI_BORROW:
    return INVALID("wave: resource handles have no WAVE encoding");
  case WP_CABI_STREAM: case WP_CABI_FUTURE: case WP_CABI_ERROR_CONTEXT:
    return INVALID("wave: streams, futures and error contexts have no WAVE encoding");
  }
  return NULL;
}

wp_cabi_error_t *wp_cabi_wave_print(const wp_cabi_type_t *ty, const wp_cabi_val_t *v, char **out) {
  ob_t o = {0};
  *out = NULL;
  out_s(&o, "");
  wp_cabi_error_t *e = print_value(&o, ty, v, 0);
  if (!e && o.oom) e = wp_cabi_error_oom();
  if (e) {
    free(o.buf);
    return e;
  }
  *out = o.buf;
  return NULL;
}
