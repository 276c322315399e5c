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

static inline void wp_buf_vprintf(wp_buf_t *b, const char *fmt, va_list ap) {
  if (b->oom) return;
  /* One pass when the text fits in the room left (the translator's case):
  ** a second only to grow. */
  size_t room = b->cap > b->len ? b->cap - b->len : 0;
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(room ? b->s + b->len : NULL, room, fmt, ap2);
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
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
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
