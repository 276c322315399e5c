/*
** buf.c — small string helpers of the generators (the buffer itself is the
** tree's one, src/core/buf.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindgen/internal.h"

void bg_c_literal(wp_buf_t *b, const char *s) {
  wp_buf_puts(b, "  \"");
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\n') {
      /* one source line per WIT line keeps the generated file readable */
      wp_buf_puts(b, "\\n\"\n  \"");
    } else if (c == '"' || c == '\\') {
      wp_buf_printf(b, "\\%c", c);
    } else if (c < 0x20 || c >= 0x7f) {
      /* octal escapes cannot swallow following digits beyond three */
      wp_buf_printf(b, "\\%03o", c);
    } else {
      char one[2] = {(char)c, 0};
      wp_buf_puts(b, one);
    }
  }
  wp_buf_puts(b, "\"");
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
  wp_buf_t b = {0};
  va_list ap;
  va_start(ap, fmt);
  wp_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  return wp_buf_take(&b);
}
