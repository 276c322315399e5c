/*
 * arena.c -- the per-call arena and host allocation budget.
 *
 * Blocks are chained; a reset keeps the first block for reuse, so a call
 * loop that resets every iteration does not touch malloc once warm.  The
 * budget counts every byte a guest made the host allocate in this call,
 * whether it went to the arena or to a value tree (wp_cabi_charge).
 */
#include "cabi/cabi_internal.h"

#include <stdlib.h>

typedef struct wp_cabi_block block_t; /* cabi.h: the fast path is inline */

#define BLOCK_HDR sizeof(block_t)
_Static_assert(sizeof(block_t) % 16 == 0, "a block's data is 16-byte aligned");
#define MIN_BLOCK ((size_t)64 << 10)


wp_cabi_arena_t *wp_cabi_arena_new(size_t budget) {
  wp_cabi_arena_t *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  a->budget = budget ? budget : WP_CABI_DEFAULT_BUDGET;
  return a;
}

/* The head block's cap (cabi.h): where the block or the budget ends. */
static void recap(wp_cabi_arena_t *a) {
  block_t *b = a->head;
  if (!b) return;
  size_t left = a->charged < a->budget ? a->budget - a->charged : 0;
  b->cap = b->size - b->used < left ? b->size : b->used + left;
}

void wp_cabi_arena_budget_set(wp_cabi_arena_t *a, uint64_t budget) {
  a->budget = !budget ? WP_CABI_DEFAULT_BUDGET : budget > SIZE_MAX ? SIZE_MAX : (size_t)budget;
  recap(a);
}

static void free_blocks(block_t *b) {
  while (b) {
    block_t *n = b->next;
    free(b);
    b = n;
  }
}

void wp_cabi_arena_delete(wp_cabi_arena_t *a) {
  if (!a) return;
  free_blocks(a->head);
  free(a);
}

void wp_cabi_arena_reset_blocks(wp_cabi_arena_t *a) {
  if (!a) return;
  /* Keep only the oldest block (the tail of the chain): it is the common
   * warm size, and later blocks were for one-off big values. */
  block_t *b = a->head, *keep = NULL;
  while (b) {
    block_t *n = b->next;
    if (!n) keep = b;
    else free(b);
    b = n;
  }
  if (keep) {
    keep->used = 0;
    keep->next = NULL;
  }
  a->head = keep;
  a->charged = 0;
  recap(a);
}


static bool charge(wp_cabi_arena_t *a, size_t n) {
  if (a->charged > a->budget || n > a->budget - a->charged) return false;
  a->charged += n;
  recap(a);
  return true;
}

/* What wp_cabi_arena_alloc (cabi.h) does when the current block is full
** (or there is none): a new block, big enough for this request plus
** alignment slack; NULL when the budget does not allow it (the inline
** part comes here for that too: the head's cap is the budget's end when
** that is nearer than the block's). */
void *wp_cabi_arena_alloc_block(wp_cabi_arena_t *a, size_t size, size_t align) {
  if (align < 1) align = 1;
  block_t *h = a->head;
  if (h && align <= 16) { /* the inline part's room, without the cap: only the budget can refuse here */
    size_t off = (h->used + align - 1) & ~(size_t)(align - 1);
    if (off <= h->size && size <= h->size - off) {
      if (!charge(a, size + (off - h->used))) return NULL;
      h->used = off + size;
      recap(a);
      return (void *)((uintptr_t)(h + 1) + off);
    }
  }
  if (a->charged > a->budget || size > a->budget || size + align > a->budget - a->charged) return NULL;
  size_t bsize = size + align;
  if (bsize < MIN_BLOCK) bsize = MIN_BLOCK;
  block_t *nb = malloc(BLOCK_HDR + bsize);
  if (!nb) return NULL;
  nb->size = bsize;
  nb->used = 0;
  nb->cap = 0;
  nb->next = a->head;
  a->head = nb;
  uintptr_t base = (uintptr_t)nb + BLOCK_HDR;
  size_t off = (size_t)(wp_align_up(base, align) - base);
  if (!charge(a, size + off)) return NULL;
  nb->used = off + size;
  recap(a);
  return (void *)(base + off);
}

/* Budget without allocation, for value trees (malloc'ed, owned by the tree). */
wp_cabi_error_t *wp_cabi_charge(wp_cabi_cx_t *cx, size_t n) {
  if (!cx->arena) {
    size_t budget = cx->budget ? cx->budget : WP_CABI_DEFAULT_BUDGET;
    if (cx->charged > budget || n > budget - cx->charged)
      return wp_cabi_error_new(WP_CABI_LIMIT,
                               "host allocation budget of %zu bytes exceeded (%zu used, %zu more requested; "
                               "max-host-memory)", budget, cx->charged, n);
    cx->charged += n;
    return NULL;
  }
  if (!charge(cx->arena, n))
    return wp_cabi_error_new(WP_CABI_LIMIT,
                             "host allocation budget of %zu bytes exceeded (%zu used, %zu more requested; "
                             "max-host-memory)", cx->arena->budget, cx->arena->charged, n);
  return NULL;
}

void *wp_cabi_host_alloc(wp_cabi_cx_t *cx, size_t n, wp_cabi_error_t **err) {
  *err = wp_cabi_charge(cx, n);
  if (*err) return NULL;
  void *p = malloc(n ? n : 1);
  if (!p) *err = wp_cabi_error_oom();
  return p;
}
