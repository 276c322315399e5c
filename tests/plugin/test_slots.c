/*
** test_slots.c — plugins/common/slots.h, the rep table every shipped plugin
** (wasi-p2, wasi-p3, wasi-http, wasi-http-p3, keyvalue-sqlite) keeps its
** objects in.  A hostile guest's handles are checked by the host, but the
** plugin trusts no rep either: forged reps (0, out of range, another
** generation), stale reps (freed, and freed then reused) find nothing.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slots.h"
#include "../check.h"

typedef struct item {
  int kind;
  char bytes[60];
} item_t;

static void test_basic(void) {
  wp_slots_t t;
  wp_slots_init(&t, sizeof(item_t), 1000);
  uint32_t a, b;
  item_t *ia = wp_slots_new(&t, &a);
  item_t *ib = wp_slots_new(&t, &b);
  CHECK(ia && ib && ia != ib);
  CHECK(a != 0 && b != 0 && a != b);
  CHECK(wp_slots_get(&t, a) == ia);
  CHECK(wp_slots_get(&t, b) == ib);
  /* forged reps */
  CHECK(!wp_slots_get(&t, 0));
  CHECK(!wp_slots_get(&t, 0xffffffffu));
  CHECK(!wp_slots_get(&t, a + 2));                  /* an index never used */
  CHECK(!wp_slots_get(&t, a ^ (1u << 20)));         /* another generation */
  CHECK(!wp_slots_get(&t, a & ((1u << 20) - 1)));   /* generation 0 */
  CHECK(!wp_slots_get(&t, (a & ~((1u << 20) - 1)))); /* index 0 */
  /* stale: freed, then reused */
  ia->kind = 7;
  memset(ia->bytes, 0xab, sizeof ia->bytes);
  wp_slots_free(&t, a);
  CHECK(!wp_slots_get(&t, a));
  wp_slots_free(&t, a); /* a second free of a stale rep does nothing */
  CHECK(wp_slots_get(&t, b) == ib);
  uint32_t c;
  item_t *ic = wp_slots_new(&t, &c);
  CHECK(ic == ia);             /* the slot and its memory are reused ... */
  CHECK(c != a);               /* ... under a new rep */
  CHECK(ic->kind == 0 && ic->bytes[0] == 0 && ic->bytes[59] == 0); /* zeroed */
  CHECK(!wp_slots_get(&t, a)); /* the stale rep finds nothing */
  CHECK(wp_slots_get(&t, c) == ic);
  wp_slots_fini(&t);
  CHECK(!wp_slots_get(&t, b) && !wp_slots_get(&t, c));
}

/* Items never move while the table grows; iteration sees the live ones
** once each, also while it frees them. */
static void test_growth_and_iteration(void) {
  wp_slots_t t;
  wp_slots_init(&t, sizeof(item_t), 5000);
  enum { N = 3000 };
  static uint32_t reps[N];
  static item_t *items[N];
  for (int i = 0; i < N; i++) {
    items[i] = wp_slots_new(&t, &reps[i]);
    CHECK(items[i]);
    if (!items[i]) return;
    items[i]->kind = i;
  }
  for (int i = 0; i < N; i++) CHECK(wp_slots_get(&t, reps[i]) == items[i] && items[i]->kind == i);
  for (int i = 0; i < N; i += 3) wp_slots_free(&t, reps[i]);
  int seen = 0;
  uint32_t rep = 0;
  for (item_t *it; (it = wp_slots_next(&t, &rep));) {
    CHECK(it->kind % 3 != 0);
    CHECK(wp_slots_get(&t, rep) == it && reps[it->kind] == rep);
    wp_slots_free(&t, rep);
    seen++;
  }
  CHECK(seen == N - (N + 2) / 3);
  rep = 0;
  CHECK(!wp_slots_next(&t, &rep));
  for (int i = 0; i < N; i++) CHECK(!wp_slots_get(&t, reps[i]));
  wp_slots_fini(&t);
}

/* The limit: `max` live items, then NULL; a free makes room again. */
static void test_limit(void) {
  wp_slots_t t;
  wp_slots_init(&t, sizeof(int), 40);
  uint32_t reps[40], extra;
  for (int i = 0; i < 40; i++) CHECK(wp_slots_new(&t, &reps[i]));
  CHECK(!wp_slots_new(&t, &extra));
  wp_slots_free(&t, reps[17]);
  CHECK(wp_slots_new(&t, &extra));
  CHECK(extra != reps[17]);
  CHECK(!wp_slots_new(&t, &extra));
  wp_slots_fini(&t);
}

/* Generations wrap after 4095 reuses of a slot and never make rep 0; each
** reuse's rep differs from the one before. */
static void test_generations(void) {
  wp_slots_t t;
  wp_slots_init(&t, sizeof(int), 4);
  uint32_t prev = 0, first = 0;
  for (int i = 0; i < 5000; i++) {
    uint32_t r;
    CHECK(wp_slots_new(&t, &r));
    CHECK(r != 0 && r != prev);
    CHECK((r & ((1u << 20) - 1)) == 1); /* always the one slot */
    if (i == 0) first = r;
    if (i > 0 && i < 4095) CHECK(r != first);
    CHECK(!wp_slots_get(&t, prev));
    wp_slots_free(&t, r);
    prev = r;
  }
  wp_slots_fini(&t);
}

int main(void) {
  test_basic();
  test_growth_and_iteration();
  test_limit();
  test_generations();
  if (failures) fprintf(stderr, "%d failure(s)\n", failures);
  else printf("slots: ok\n");
  return failures ? 1 : 0;
}
