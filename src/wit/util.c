/*
** util.c — arena allocation, growable arrays, strings, the string builder.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Blocks are chained; big requests get a block of their own. */
typedef struct block {
  struct block *next;
  size_t used, cap;
  _Alignas(max_align_t) unsigned char data[];
} block_t;

struct wp_wit_arena {
  block_t *head;
};

#define BLOCK_SIZE (64 * 1024)

wp_wit_arena_t *wp_wit_arena_new(void) { return calloc(1, sizeof(wp_wit_arena_t)); }

void wp_wit_arena_delete(wp_wit_arena_t *a) {
  if (!a) return;
  block_t *b = a->head;
  while (b) {
    block_t *n = b->next;
    free(b);
    b = n;
  }
  free(a);
}

static void *arena_alloc(wp_wit_arena_t *a, size_t size) {
  size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
  if (size == 0) size = sizeof(max_align_t);
  block_t *b = a->head;
  if (!b || b->cap - b->used < size) {
    size_t cap = size > BLOCK_SIZE / 4 ? size : BLOCK_SIZE;
    if (cap > SIZE_MAX - sizeof(block_t)) return NULL;
    block_t *nb = malloc(sizeof(block_t) + cap);
    if (!nb) return NULL;
    nb->used = 0;
    nb->cap = cap;
    if (b && cap != BLOCK_SIZE) {
      /* Keep the current partially-filled block at the head. */
      nb->next = b->next;
      b->next = nb;
    } else {
      nb->next = b;
      a->head = nb;
    }
    b = nb;
  }
  void *p = b->data + b->used;
  b->used += size;
  memset(p, 0, size);
  return p;
}

void *wp_wit_alloc(wp_wit_ctx_t *cx, wp_wit_arena_t *a, size_t size) {
  void *p = arena_alloc(a, size);
  if (!p) wp_wit_oom(cx);
  return p;
}

char *wp_wit_strndup(wp_wit_ctx_t *cx, wp_wit_arena_t *a, const char *s, size_t n) {
  char *p = wp_wit_alloc(cx, a, n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *wp_wit_strdup(wp_wit_ctx_t *cx, wp_wit_arena_t *a, const char *s) {
  return s ? wp_wit_strndup(cx, a, s, strlen(s)) : NULL;
}

char *wp_wit_fmt(wp_wit_ctx_t *cx, wp_wit_arena_t *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = wp_vformat(fmt, ap); /* the tree's formatter (core/buf.h), then into the arena */
  va_end(ap);
  if (!s) wp_wit_oom(cx);
  char *p = wp_wit_strdup(cx, a, s);
  free(s);
  return p;
}

static int is_pow2(uint32_t n) { return n && !(n & (n - 1)); }

void *wp_wit_vpush(wp_wit_ctx_t *cx, wp_wit_arena_t *a, void *items_ptr, uint32_t *n,
                   size_t elem) {
  unsigned char **items = items_ptr;
  uint32_t cnt = *n;
  if (cnt == UINT32_MAX / 2) wp_wit_fail(cx, wp_wit_span_unknown(), "too many items");
  if (cnt == 0 || (cnt >= 4 && is_pow2(cnt))) {
    size_t cap = cnt == 0 ? 4 : (size_t)cnt * 2;
    unsigned char *nv = wp_wit_alloc(cx, a, cap * elem);
    if (cnt) memcpy(nv, *items, cnt * elem);
    *items = nv;
  }
  unsigned char *slot = *items + (size_t)cnt * elem;
  memset(slot, 0, elem);
  *n = cnt + 1;
  return slot;
}

void *wp_wit_vcopy(wp_wit_ctx_t *cx, wp_wit_arena_t *a, const void *items, uint32_t n,
                   size_t elem) {
  if (n == 0) return NULL;
  size_t cap = 4;
  while (cap < (size_t)n + 1) cap *= 2;
  void *p = wp_wit_alloc(cx, a, cap * elem);
  memcpy(p, items, (size_t)n * elem);
  return p;
}

_Noreturn void wp_wit_oom(wp_wit_ctx_t *cx) {
  /* The error itself is allocated with malloc; if even that fails the
     entry point reports a static out-of-memory error. */
  cx->err = NULL;
  longjmp(cx->jb, 2);
}

