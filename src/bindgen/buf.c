/*
** buf.c — a growable text buffer and small string helpers.  Appending
** never fails: out of memory only sets a flag checked once at the end, so
** the emitters stay straight-line code.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindgen/internal.h"

static void reserve(bg_buf_t *b, size_t more) {
  if (b->oom) return;
  if (b->len + more + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 1024;
  while (cap < b->len + more + 1) cap *= 2;
  char *s = realloc(b->s, cap);
  if (!s) {
    b->oom = true;
    return;
  }
  b->s = s;
  b->cap = cap;
}

static void vprint(bg_buf_t *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) {
    b->oom = true;
    return;
  }
  reserve(b, (size_t)n);
  if (b->oom) return;
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void bg_printf(bg_buf_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprint(b, fmt, ap);
  va_end(ap);
}

void bg_puts(bg_buf_t *b, const char *s) {
  size_t n = strlen(s);
  reserve(b, n);
  if (b->oom) return;
  memcpy(b->s + b->len, s, n + 1);
  b->len += n;
}

void bg_buf_free(bg_buf_t *b) {
  free(b->s);
  memset(b, 0, sizeof *b);
}

void bg_c_literal(bg_buf_t *b, const char *s) {
  bg_puts(b, "  \"");
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\n') {
      /* one source line per WIT line keeps the generated file readable */
      bg_puts(b, "\\n\"\n  \"");
    } else if (c == '"' || c == '\\') {
      bg_printf(b, "\\%c", c);
    } else if (c < 0x20 || c >= 0x7f) {
      /* octal escapes cannot swallow following digits beyond three */
      bg_printf(b, "\\%03o", c);
    } else {
      char one[2] = {(char)c, 0};
      bg_puts(b, one);
    }
  }
  bg_puts(b, "\"");
}

char *bg_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

char *bg_snake(const char *kebab) {
  char *s = bg_strdup(kebab);
  if (!s) return NULL;
  for (char *p = s; *p; p++) {
    if (*p == '-' || *p == '.' || *p == ':' || *p == '/' || *p == '@' || *p == '[' || *p == ']')
      *p = '_';
  }
  return s;
}

char *bg_fmt(const char *fmt, ...) {
  bg_buf_t b = {0};
  va_list ap;
  va_start(ap, fmt);
  vprint(&b, fmt, ap);
  va_end(ap);
  if (b.oom) {
    bg_buf_free(&b);
    return NULL;
  }
  if (!b.s) return bg_strdup("");
  return b.s;
}
