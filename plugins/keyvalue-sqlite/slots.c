/*
** slots.c — rep tables for the bucket and cas resources.  A rep carries a
** generation so that a rep from a freed slot is never mistaken for the
** slot's next occupant.
*/
#include <stdlib.h>

#include "kv.h"

uint32_t kv_slot_add(kv_slots_t *s, void *item) {
  uint32_t i = 0;
  while (i < s->n && s->items[i]) i++;
  if (i == s->n) {
    if (s->n == KV_MAX_SLOTS) return 0;
    if (s->n == s->cap) {
      uint32_t cap = s->cap ? s->cap * 2 : 16;
      if (cap > KV_MAX_SLOTS) cap = KV_MAX_SLOTS;
      void **items = realloc(s->items, cap * sizeof *items);
      if (!items) return 0;
      s->items = items;
      uint16_t *gen = realloc(s->gen, cap * sizeof *gen);
      if (!gen) return 0;
      s->gen = gen;
      s->cap = cap;
    }
    s->items[s->n] = NULL;
    s->gen[s->n] = 0;
    s->n++;
  }
  s->items[i] = item;
  s->gen[i] = (uint16_t)((s->gen[i] + 1) & 0xfff);
  return ((uint32_t)s->gen[i] << 20) | (i + 1);
}

static int index_of(const kv_slots_t *s, uint32_t rep) {
  uint32_t i = (rep & KV_MAX_SLOTS) - 1;
  if ((rep & KV_MAX_SLOTS) == 0 || i >= s->n || !s->items[i] || s->gen[i] != (rep >> 20)) return -1;
  return (int)i;
}

void *kv_slot_get(const kv_slots_t *s, uint32_t rep) {
  int i = index_of(s, rep);
  return i < 0 ? NULL : s->items[i];
}

void *kv_slot_take(kv_slots_t *s, uint32_t rep) {
  int i = index_of(s, rep);
  if (i < 0) return NULL;
  void *item = s->items[i];
  s->items[i] = NULL;
  return item;
}

void kv_slots_free(kv_slots_t *s, void (*free_item)(void *)) {
  for (uint32_t i = 0; i < s->n; i++)
    if (s->items[i]) free_item(s->items[i]);
  free(s->items);
  free(s->gen);
  s->items = NULL;
  s->gen = NULL;
  s->n = s->cap = 0;
}
