/*
** slots.h — the plugins' rep table: the one way a plugin gives its objects
** reps (the u32 the host stores in a guest's handle table for an own<R>)
** and finds them again.  wasi-p2, wasi-p3, wasi-http, wasi-http-p3 and
** keyvalue-sqlite all use it; it includes nothing of wasmplug's insides,
** so a plugin built on the public headers only can use it.
**
** A rep is (generation << 20) | (index + 1).  The host checks handles
** before a plugin sees a rep, but the plugin trusts nothing: a rep that
** was never handed out, or whose slot was freed (and maybe reused since),
** finds nothing.  Generations run 1..4095 per slot, so no rep is 0.
**
** Items are `size` bytes each, allocated by the table and zeroed when
** handed out; an item never moves (a pointer stays valid while the same
** call makes more items) and its memory is kept for the slot's next use.
** One table belongs to one plugin instance: no locking.
*/
#ifndef WP_PLUGIN_SLOTS_H
#define WP_PLUGIN_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WP_SLOTS_INDEX_BITS 20
/* The most slots a table can have. */
#define WP_SLOTS_MAX ((1u << WP_SLOTS_INDEX_BITS) - 2)

typedef struct wp_slot {
  void *item;    /* NULL until the slot is first used */
  uint32_t next; /* free slots: index + 1 of the next free one, 0 ends */
  uint16_t gen;  /* the generation of the rep handed out last */
  bool live;
} wp_slot_t;

typedef struct wp_slots {
  wp_slot_t *slot;
  uint32_t n, cap; /* slots used so far, allocated */
  uint32_t free;   /* index + 1 of the first free slot, 0: none */
  uint32_t max;    /* at most this many live items */
  size_t size;     /* bytes of an item */
} wp_slots_t;

/* An empty table of items of `size` bytes, at most `max` (<= WP_SLOTS_MAX)
** live at once.  Allocates nothing. */
void wp_slots_init(wp_slots_t *t, size_t size, uint32_t max);
/* Frees the table and every item's memory; whatever live items hold must
** have been released by the caller (see wp_slots_next). */
void wp_slots_fini(wp_slots_t *t);
/* A new zeroed item and its rep in *rep; NULL when `max` items are live or
** memory is out. */
void *wp_slots_new(wp_slots_t *t, uint32_t *rep);
/* Frees the slot of live item `rep` (its memory is kept for reuse; the
** rep is stale from now on); does nothing for a rep that finds nothing. */
void wp_slots_free(wp_slots_t *t, uint32_t rep);
/* The live item after rep *rep in slot order (start with *rep = 0), its
** rep in *rep; NULL after the last.  Freeing items while iterating is
** fine. */
void *wp_slots_next(const wp_slots_t *t, uint32_t *rep);

/* The live item `rep` stands for, or NULL (forged, stale or freed).  Here
** so that the calls of every resource method compile to a few loads. */
static inline void *wp_slots_get(const wp_slots_t *t, uint32_t rep) {
  uint32_t i = (rep & ((1u << WP_SLOTS_INDEX_BITS) - 1)) - 1; /* index 0 wraps past n */
  if (i >= t->n) return NULL;
  const wp_slot_t *s = &t->slot[i];
  return s->live && s->gen == rep >> WP_SLOTS_INDEX_BITS ? s->item : NULL;
}

#endif
