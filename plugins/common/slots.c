/*
** slots.c — the plugins' rep table (slots.h): a growable array of slots
** with a free list; each slot keeps its item's memory and a generation
** that changes every time the slot is handed out.
*/
#include <stdlib.h>
#include <string.h>

#include "slots.h"

void wp_slots_init(wp_slots_t *t, size_t size, uint32_t max) {
  memset(t, 0, sizeof *t);
  t->size = size;
  t->max = max < WP_SLOTS_MAX ? max : WP_SLOTS_MAX;
}

void wp_slots_fini(wp_slots_t *t) {
  for (uint32_t i = 0; i < t->n; i++) free(t->slot[i].item);
  free(t->slot);
  wp_slots_init(t, t->size, t->max);
}

void *wp_slots_new(wp_slots_t *t, uint32_t *rep) {
  uint32_t i;
  if (t->free) {
    i = t->free - 1;
  } else {
    if (t->n >= t->max) return NULL;
    if (t->n == t->cap) {
      uint32_t cap = t->cap ? t->cap * 2 : 16;
      if (cap > t->max) cap = t->max;
      wp_slot_t *s = realloc(t->slot, cap * sizeof *s);
      if (!s) return NULL;
      t->slot = s;
      t->cap = cap;
    }
    i = t->n;
    t->slot[i] = (wp_slot_t){NULL, 0, 0, false};
  }
  wp_slot_t *s = &t->slot[i];
  if (!s->item && !(s->item = malloc(t->size ? t->size : 1))) return NULL;
  if (i == t->n) t->n++; /* only now: a failed malloc leaves no slot behind */
  else t->free = s->next;
  memset(s->item, 0, t->size);
  s->gen = (uint16_t)(s->gen % ((1u << (32 - WP_SLOTS_INDEX_BITS)) - 1) + 1); /* 1..4095 */
  s->live = true;
  s->next = 0;
  *rep = ((uint32_t)s->gen << WP_SLOTS_INDEX_BITS) | (i + 1);
  return s->item;
}

void wp_slots_free(wp_slots_t *t, uint32_t rep) {
  if (!wp_slots_get(t, rep)) return;
  uint32_t i = (rep & ((1u << WP_SLOTS_INDEX_BITS) - 1)) - 1;
  t->slot[i].live = false;
  t->slot[i].next = t->free;
  t->free = i + 1;
}

void *wp_slots_next(const wp_slots_t *t, uint32_t *rep) {
  for (uint32_t i = *rep & ((1u << WP_SLOTS_INDEX_BITS) - 1); i < t->n; i++)
    if (t->slot[i].live) {
      *rep = ((uint32_t)t->slot[i].gen << WP_SLOTS_INDEX_BITS) | (i + 1);
      return t->slot[i].item;
    }
  return NULL;
}
