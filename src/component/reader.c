/*
** reader.c — the arena, error reporting and primitive readers (LEB128,
** names) that the component decoder is built from.  Every read is checked
** against the end of its section: no input can make us read out of bounds.
*/
#include "component/internal.h"
#include "core/leb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ arena */

/* A list of chunks; big requests get a chunk of their own. */
typedef struct wp_chunk {
  struct wp_chunk *next;
  size_t size, used;
  _Alignas(16) unsigned char data[];
} wp_chunk;

struct wp_comp_arena {
  wp_chunk *head;
};

#define WP_CHUNK_SIZE (64 * 1024)

wp_comp_arena *wp_arena_new(void) { return calloc(1, sizeof(wp_comp_arena)); }

void wp_arena_delete(wp_comp_arena *a) {
  if (!a) return;
  wp_chunk *c = a->head;
  while (c) {
    wp_chunk *n = c->next;
    free(c);
    c = n;
  }
  free(a);
}

void *wp_arena_alloc(wp_comp_arena *a, size_t size) {
  size = (size + 15) & ~(size_t)15;
  if (size == 0) size = 16;
  wp_chunk *c = a->head;
  if (!c || c->size - c->used < size) {
    size_t cs = size > WP_CHUNK_SIZE / 4 ? size : WP_CHUNK_SIZE;
    wp_chunk *n = malloc(sizeof(wp_chunk) + cs);
    if (!n) return NULL;
    n->size = cs;
    n->used = 0;
    if (cs == size && c) {
      /* keep the partly used chunk in front for the small requests */
      n->next = c->next;
      c->next = n;
    } else {
      n->next = c;
      a->head = n;
    }
    c = n;
  }
  void *p = c->data + c->used;
  c->used += size;
  memset(p, 0, size);
  return p;
}

/* ----------------------------------------------------------------- errors */

#if defined(__GNUC__)
__attribute__((noreturn))
#endif
static void vfail(wp_cx *cx, int has_off, uint32_t off, const char *fmt,
                  va_list ap) {
  if (cx->err && cx->errlen) {
    char msg[768];
    vsnprintf(msg, sizeof msg, fmt, ap);
    /* names from the input may hold control characters: keep one line */
    for (char *p = msg; *p; p++)
      if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    const char *file = cx->filename ? cx->filename : "<memory>";
    if (cx->section && has_off)
      snprintf(cx->err, cx->errlen, "%s: component section '%s' at offset 0x%x: %s",
               file, cx->section, (unsigned)off, msg);
    else if (has_off)
      snprintf(cx->err, cx->errlen, "%s: component at offset 0x%x: %s", file,
               (unsigned)off, msg);
    else
      snprintf(cx->err, cx->errlen, "%s: %s", file, msg);
  }
  longjmp(cx->jb, 1);
}

void wp_fail(wp_cx *cx, const uint8_t *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(cx, at != NULL, at ? wp_off(cx, at) : 0, fmt, ap);
  va_end(ap);
}

void wp_fail_at(wp_cx *cx, uint32_t offset, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(cx, 1, offset, fmt, ap);
  va_end(ap);
}

uint32_t wp_off(const wp_cx *cx, const uint8_t *p) {
  return (uint32_t)(p - cx->base);
}

void *wp_alloc(wp_cx *cx, size_t size) {
  void *p = wp_arena_alloc(cx->arena, size);
  if (!p) wp_fail(cx, NULL, "out of memory");
  return p;
}

void *wp_alloc_n(wp_cx *cx, wp_rd *r, const uint8_t *at, uint32_t n,
                 size_t size, const char *what) {
  if ((size_t)n > (size_t)(r->end - r->p))
    wp_fail(cx, at, "%s count %u exceeds the %u bytes left", what, (unsigned)n,
            (unsigned)(r->end - r->p));
  return wp_alloc(cx, (size_t)n * size);
}

void *wp_grow(wp_cx *cx, void *items, uint32_t len, uint32_t *cap, size_t elem) {
  if (len < *cap) return items;
  uint32_t ncap = *cap ? *cap * 2 : 8;
  if (ncap < *cap) wp_fail(cx, NULL, "index space too large");
  void *n = wp_alloc(cx, (size_t)ncap * elem);
  if (len) memcpy(n, items, (size_t)len * elem);
  *cap = ncap;
  return n;
}

/* ---------------------------------------------------------------- readers */

uint8_t wp_u8(wp_cx *cx, wp_rd *r) {
  if (r->p >= r->end) wp_fail(cx, r->p, "unexpected end of section");
  return *r->p++;
}

uint8_t wp_peek(wp_cx *cx, wp_rd *r) {
  if (r->p >= r->end) wp_fail(cx, r->p, "unexpected end of section");
  return *r->p;
}

/* LEB128 integers through the core layer's one reader (src/core/leb.h). */
static void leb_fail(wp_cx *cx, const uint8_t *at, wp_leb_status_t s, char sign, unsigned bits) {
  if (s == WP_LEB_TOO_LARGE) wp_fail(cx, at, "integer too large for %c%u", sign, bits);
  else wp_fail(cx, at, "%s", wp_leb_status_text(s));
}

static uint64_t uleb(wp_cx *cx, wp_rd *r, unsigned bits) {
  uint64_t v;
  size_t n;
  wp_leb_status_t s = wp_leb_unsigned(r->p, r->end, bits, &v, &n);
  if (s) leb_fail(cx, r->p, s, 'u', bits);
  r->p += n;
  return v;
}

static int64_t sleb(wp_cx *cx, wp_rd *r, unsigned bits) {
  int64_t v;
  size_t n;
  wp_leb_status_t s = wp_leb_signed(r->p, r->end, bits, &v, &n);
  if (s) leb_fail(cx, r->p, s, 's', bits);
  r->p += n;
  return v;
}

uint32_t wp_u32(wp_cx *cx, wp_rd *r) { return (uint32_t)uleb(cx, r, 32); }
uint64_t wp_u64(wp_cx *cx, wp_rd *r) { return uleb(cx, r, 64); }
int64_t wp_s33(wp_cx *cx, wp_rd *r) { return sleb(cx, r, 33); }
int64_t wp_s64(wp_cx *cx, wp_rd *r) { return sleb(cx, r, 64); }

const uint8_t *wp_bytes(wp_cx *cx, wp_rd *r, uint32_t n) {
  if ((size_t)(r->end - r->p) < n)
    wp_fail(cx, r->p, "unexpected end of section (%u bytes needed, %u left)",
            (unsigned)n, (unsigned)(r->end - r->p));
  const uint8_t *p = r->p;
  r->p += n;
  return p;
}

int wp_utf8_valid(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = p[i];
    if (c < 0x80) { i++; continue; }
    size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
    else return 0;
    if (n - i < len) return 0;
    for (size_t k = 1; k < len; k++) {
      if ((p[i + k] & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
    i += len;
  }
  return 1;
}

wp_comp_str wp_name(wp_cx *cx, wp_rd *r) {
  const uint8_t *at = r->p;
  uint32_t n = wp_u32(cx, r);
  const uint8_t *p = wp_bytes(cx, r, n);
  if (!wp_utf8_valid(p, n)) wp_fail(cx, at, "name is not valid UTF-8");
  wp_comp_str s = {(const char *)p, n};
  return s;
}

uint32_t wp_count(wp_cx *cx, wp_rd *r, const char *what) {
  const uint8_t *at = r->p;
  uint32_t n = wp_u32(cx, r);
  if ((size_t)n > (size_t)(r->end - r->p))
    wp_fail(cx, at, "%s count %u exceeds the %u bytes left", what, (unsigned)n,
            (unsigned)(r->end - r->p));
  return n;
}

int wp_str_eq(wp_comp_str a, wp_comp_str b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

int wp_str_eqz(wp_comp_str a, const char *z) {
  size_t n = strlen(z);
  return a.len == n && (n == 0 || memcmp(a.ptr, z, n) == 0);
}

/* ----------------------------------------------------------- index spaces */

static const char *const sort_names[WP_COMP_SORT_COUNT] = {
    "core func", "core table",  "core memory", "core global", "core tag",
    "core type", "core module", "core instance", "func", "value", "type",
    "component", "instance"};

const char *wp_comp_sort_name(wp_comp_sort sort) {
  return (unsigned)sort < WP_COMP_SORT_COUNT ? sort_names[sort] : "?";
}

uint32_t wp_space_push(wp_cx *cx, wp_scope *s, uint8_t sort, uint8_t origin,
                       uint32_t item, const void *type, const uint8_t *at) {
  wp_comp_space *sp = &s->space[sort];
  if (sp->len == UINT32_MAX)
    wp_fail(cx, at, "too many %s definitions", sort_names[sort]);
  sp->items = wp_grow(cx, sp->items, sp->len, &sp->cap, sizeof(wp_comp_def));
  wp_comp_def *d = &sp->items[sp->len];
  d->origin = origin;
  d->item = item;
  d->type = type;
  return sp->len++;
}

const wp_comp_def *wp_space_get(wp_cx *cx, wp_scope *s, uint8_t sort,
                                uint32_t idx, const uint8_t *at) {
  wp_comp_space *sp = &s->space[sort];
  if (idx >= sp->len)
    wp_fail(cx, at, "%s index %u out of bounds (%u defined)", sort_names[sort],
            (unsigned)idx, (unsigned)sp->len);
  return &sp->items[idx];
}
