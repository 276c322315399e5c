/*
** buf.h — THE growable byte/text buffer of the tree (every layer's text
** and frame builders use it; header-only so any layer's objects link alone).
**
** Appending never fails: out of memory sets `oom`, checked once at the end,
** so builders stay straight-line code.  `s` is NUL-terminated whenever it
** is not NULL (bytes may contain NULs too: `len` is the length).
**
**   wp_buf_t b = {0};
**   wp_buf_printf(&b, "%s=%d", k, v);
**   char *text = wp_buf_take(&b);   // NULL when out of memory
*/
#ifndef WASMPLUG_CORE_BUF_H
#define WASMPLUG_CORE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct wp_buf {
  char *s;
  size_t len, cap;
  bool oom;
} wp_buf_t;

/* Room for `more` bytes (and the terminating NUL); false (oom set) when
** there is none. */
static inline bool wp_buf_reserve(wp_buf_t *b, size_t more) {
  if (b->oom) return false;
  if (more > SIZE_MAX / 2 - b->len) return !(b->oom = true);
  if (b->len + more + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more + 1) cap *= 2;
  char *s = realloc(b->s, cap);
  if (!s) return !(b->oom = true);
  b->s = s;
  b->cap = cap;
  return true;
}

static inline void wp_buf_put(wp_buf_t *b, const void *data, size_t n) {
  if (!wp_buf_reserve(b, n)) return;
  if (n) memcpy(b->s + b->len, data, n);
  b->len += n;
  b->s[b->len] = 0;
}

static inline void wp_buf_puts(wp_buf_t *b, const char *s) { wp_buf_put(b, s, strlen(s)); }

static inline void wp_buf_byte(wp_buf_t *b, uint8_t c) { wp_buf_put(b, &c, 1); }

/* Appends c at position n of dst (room bytes, the last kept for the NUL),
** counting what does not fit, as vsnprintf counts. */
static inline void wp_fmt_out(char *dst, size_t room, size_t *n, const char *s, size_t len) {
  if (*n + 1 < room) {
    size_t fit = room - 1 - *n;
    memcpy(dst + *n, s, len < fit ? len : fit);
  }
  *n += len;
}

/* vsnprintf's contract exactly (dst may be NULL when room is 0; the result
** is the full length; dst is NUL-terminated when room > 0), fast for the
** directives the tree formats with: %s %.*s %c %d %u %x %o, with h/l/ll/z,
** an optional 0 and a width.  glibc's vsnprintf costs several hundred
** instructions a call before it formats anything, and the translator
** formats millions of small pieces (`F%u`, `(%s + %uu)`): a quarter of a
** cold start's instructions went there.  Anything else (%a, %f, other
** flags) is handed to vsnprintf whole, from the start of fmt, so the two
** never mix. */
static inline int wp_vsnprintf(char *dst, size_t room, const char *fmt, va_list ap) {
  va_list aq;
  va_copy(aq, ap);
  size_t n = 0;
  for (const char *p = fmt; *p;) {
    const char *lit = p;
    while (*p && *p != '%') p++;
    if (p > lit) wp_fmt_out(dst, room, &n, lit, (size_t)(p - lit));
    if (!*p) break;
    p++; /* the '%' */
    bool zero = false;
    int width = 0, prec = -1;
    if (*p == '0') zero = true, p++;
    if (*p >= '1' && *p <= '9')
      while (*p >= '0' && *p <= '9' && width < 64) width = width * 10 + (*p++ - '0');
    if (*p >= '0' && *p <= '9') goto slow;
    if (p[0] == '.' && p[1] == '*') {
      prec = va_arg(aq, int);
      p += 2;
    }
    int size = 0; /* 0: int, 1: long, 2: long long, 3: size_t, -1: short, -2: char */
    if (*p == 'h') size = p[1] == 'h' ? (p += 2, -2) : (p++, -1);
    else if (*p == 'l') size = p[1] == 'l' ? (p += 2, 2) : (p++, 1);
    else if (*p == 'z') size = 3, p++;
    char conv = *p++;
    char tmp[32];
    const char *s = tmp;
    size_t len = 0;
    if (conv == '%' && !zero && !width && prec < 0 && !size) {
      s = "%";
      len = 1;
    } else if (conv == 's' && !zero && !width && !size) {
      s = va_arg(aq, const char *);
      if (!s) {
        if (prec >= 0 && prec < 6) goto slow; /* glibc prints "(null)" whole or not at all */
        s = "(null)";
      }
      if (prec >= 0) {
        const char *e = memchr(s, 0, (size_t)prec);
        len = e ? (size_t)(e - s) : (size_t)prec;
      } else {
        len = strlen(s);
      }
    } else if (conv == 'c' && !zero && !width && prec < 0 && !size) {
      tmp[0] = (char)va_arg(aq, int);
      len = 1;
    } else if ((conv == 'd' || conv == 'u' || conv == 'x' || conv == 'o') && prec < 0) {
      unsigned long long v;
      bool neg = false;
      if (conv == 'd') {
        long long sv = size == 2 ? va_arg(aq, long long) : size == 1 ? va_arg(aq, long)
                     : size == 3 ? (long long)va_arg(aq, size_t) : va_arg(aq, int);
        if (size == -1) sv = (short)sv;
        if (size == -2) sv = (signed char)sv;
        neg = sv < 0;
        v = neg ? 0ull - (unsigned long long)sv : (unsigned long long)sv;
      } else {
        v = size == 2 ? va_arg(aq, unsigned long long) : size == 1 ? va_arg(aq, unsigned long)
          : size == 3 ? va_arg(aq, size_t) : va_arg(aq, unsigned);
        if (size == -1) v = (unsigned short)v;
        if (size == -2) v = (unsigned char)v;
      }
      unsigned base = conv == 'x' ? 16 : conv == 'o' ? 8 : 10;
      char *e = tmp + sizeof tmp, *q = e;
      do *--q = "0123456789abcdef"[v % base]; while ((v /= base) != 0);
      int digits = (int)(e - q);
      int pad = width - digits - (neg ? 1 : 0);
      if (pad > 0 && !zero) while (pad-- > 0) wp_fmt_out(dst, room, &n, " ", 1);
      if (neg) wp_fmt_out(dst, room, &n, "-", 1);
      if (pad > 0 && zero) while (pad-- > 0) wp_fmt_out(dst, room, &n, "0", 1);
      s = q;
      len = (size_t)digits;
    } else {
      goto slow;
    }
    wp_fmt_out(dst, room, &n, s, len);
  }
  va_end(aq);
  if (n > INT32_MAX) return -1;
  if (room) dst[n < room ? n : room - 1] = 0;
  return (int)n;
slow:
  va_end(aq);
  return vsnprintf(dst, room, fmt, ap);
}

static inline void wp_buf_vprintf(wp_buf_t *b, const char *fmt, va_list ap) {
  if (b->oom) return;
  /* One pass when the text fits in the room left (the translator's case):
  ** a second only to grow. */
  size_t room = b->cap > b->len ? b->cap - b->len : 0;
  va_list ap2;
  va_copy(ap2, ap);
  int n = wp_vsnprintf(room ? b->s + b->len : NULL, room, fmt, ap2);
  va_end(ap2);
  if (n < 0) {
    if (room) b->s[b->len] = 0;
    b->oom = true;
    return;
  }
  if ((size_t)n >= room) {
    if (!wp_buf_reserve(b, (size_t)n)) {
      if (room) b->s[b->len] = 0;
      return;
    }
    wp_vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  }
  b->len += (size_t)n;
}

static inline void wp_buf_printf(wp_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void wp_buf_printf(wp_buf_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  wp_buf_vprintf(b, fmt, ap);
  va_end(ap);
}

static inline void wp_buf_free(wp_buf_t *b) {
  free(b->s);
  memset(b, 0, sizeof *b);
}

/* The text (malloc'ed, "" when empty; NULL when out of memory); the buffer
** is empty again. */
static inline char *wp_buf_take(wp_buf_t *b) {
  char *s = b->oom ? NULL : b->s ? b->s : calloc(1, 1);
  if (b->oom) free(b->s);
  memset(b, 0, sizeof *b);
  return s;
}

/* printf into a new heap string (NULL only when out of memory): the
** tree's one formatter, on the buffer. */
static inline char *wp_vformat(const char *fmt, va_list ap) {
  wp_buf_t b = {0};
  wp_buf_vprintf(&b, fmt, ap);
  return wp_buf_take(&b);
}

static inline char *wp_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *wp_format(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = wp_vformat(fmt, ap);
  va_end(ap);
  return s;
}

#endif
