/*
 * fuzz_cabi_lift.c -- lifts random types from random guest memory.
 *
 * The input is read as: a type (a small byte-coded grammar, depth <= 6),
 * a string encoding, a pointer, up to 17 flat values, and the rest is the
 * guest's linear memory, copied into a buffer of exactly that size so
 * that any out-of-bounds access lands in an ASan redzone.
 *
 * Every lift (value tree and native layout, from memory and from flat
 * values) must either succeed or return an error; never crash, leak or
 * touch memory outside the guest buffer.  What lifts must be well-formed
 * (wp_cabi_val_check), must lower into a second guest and lift back equal,
 * and (without resources) must survive a WAVE print/parse round trip.
 */
#include "cabi/cabi.h"
#include "fuzz_types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  uint8_t *mem;
  uint64_t size;
  uint32_t bump;
} mem_t;

static void g_memory(void *ctx, wp_cabi_memory_t *out) {
  mem_t *m = ctx;
  out->base = m->mem;
  out->size = m->size;
}

static wp_cabi_error_t *g_realloc(void *ctx, uint32_t op, uint32_t os, uint32_t align, uint32_t ns, uint32_t *out) {
  mem_t *m = ctx;
  (void)op;
  (void)os;
  uint64_t p = ((uint64_t)m->bump + align - 1) & ~((uint64_t)align - 1);
  if (p + ns > m->size) return wp_cabi_error_new(WP_CABI_TRAP, "out of memory");
  m->bump = (uint32_t)(p + ns);
  *out = (uint32_t)p;
  return NULL;
}

static void die(const char *what, wp_cabi_error_t *e) {
  fprintf(stderr, "fuzz_cabi_lift: invariant broken: %s: %s\n", what, e ? wp_cabi_error_message(e) : "");
  abort();
}

/* A lifted value must lower into guest B and lift back equal. */
static void roundtrip(const wp_cabi_type_t *ty, const wp_cabi_val_t *v, wp_cabi_string_encoding_t enc,
                      wp_cabi_arena_t *arena, bool wave) {
  wp_cabi_error_t *e = wp_cabi_val_check(ty, v);
  if (e) die("lifted value is malformed", e);
  mem_t b = {calloc(1, 256 << 10), 256 << 10, 16};
  wp_cabi_handles_t *hb = wp_cabi_handles_new();
  wp_cabi_opts_t gb = {.ctx = &b, .memory = g_memory, .realloc = g_realloc, .encoding = enc, .handles = hb};
  wp_cabi_cx_t cx;
  wp_cabi_cx_init(&cx, &gb, arena);
  uint32_t p;
  e = wp_cabi_opts_realloc(&cx, "top", 0, 0, ty->guest.align, ty->guest.size, &p);
  if (!e) e = wp_cabi_store(&cx, ty, v, p);
  if (!e) {
    wp_cabi_val_t back;
    e = wp_cabi_load(&cx, ty, p, &back);
    if (e && wp_cabi_error_kind(e) != WP_CABI_LIMIT) die("re-lift of a lowered value", e);
    if (!e) {
      if (!wp_cabi_val_equal(v, &back)) die("round trip changed the value", NULL);
      wp_cabi_val_drop(&back);
    }
  } else if (wp_cabi_error_kind(e) == WP_CABI_INVALID) {
    die("lowering a lifted value was refused", e);
  }
  wp_cabi_error_delete(e);
  wp_cabi_error_delete(wp_cabi_cx_finish(&cx)); /* unreturned borrows are expected here */
  wp_cabi_handles_delete(hb);
  free(b.mem);
  if (wave) {
    char *s = NULL;
    e = wp_cabi_wave_print(ty, v, &s);
    if (e) die("wave print", e);
    wp_cabi_val_t w;
    e = wp_cabi_wave_parse(ty, s, strlen(s), &w);
    if (e) {
      fprintf(stderr, "text: %s\n", s);
      die("wave parse of printed value", e);
    }
    if (!wp_cabi_val_equal(v, &w)) {
      fprintf(stderr, "text: %s\n", s);
      die("wave round trip changed the value", NULL);
    }
    wp_cabi_val_drop(&w);
    free(s);
  }
}

static void add_handles(wp_cabi_handles_t *h, ctx_t *c) {
  uint32_t x;
  for (uint32_t i = 0; i < 6; i++) wp_cabi_error_delete(wp_cabi_resource_new(h, c->res[i & 1], 100 + i, &x));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_init_names();
  rd_t r = {data, size, 0};
  ctx_t c = {wp_cabi_types_new(), {NULL, NULL}, false};
  c.res[0] = wp_cabi_resource_type(c.T, "r0", NULL, NULL, NULL);
  c.res[1] = wp_cabi_resource_type(c.T, "r1", NULL, NULL, NULL);
  const wp_cabi_type_t *ty = build(&c, &r, 0);
  if (!ty) {
    wp_cabi_types_delete(c.T);
    return 0;
  }
  wp_cabi_string_encoding_t enc = (wp_cabi_string_encoding_t)(byte(&r) % 3);
  uint32_t ptr = u32(&r);
  uint8_t small = byte(&r);
  if (small & 1) ptr %= 256; /* mostly in bounds */
  wp_cabi_flat_t flat[17];
  for (int i = 0; i < 17; i++) {
    uint32_t lo = u32(&r);
    flat[i].i64 = lo;
    if (small & 2) flat[i].i64 |= (uint64_t)u32(&r) << 32;
  }
  size_t msize = r.n - r.i;
  uint8_t *mem = malloc(msize ? msize : 1);
  if (msize) memcpy(mem, data + r.i, msize);
  mem_t a = {mem, msize, 0};
  wp_cabi_handles_t *h = wp_cabi_handles_new();
  add_handles(h, &c);
  wp_cabi_opts_t ga = {.ctx = &a, .memory = g_memory, .realloc = NULL, .encoding = enc, .handles = h};
  wp_cabi_arena_t *arena = wp_cabi_arena_new(4u << 20);
  wp_cabi_cx_t cx;
  wp_cabi_val_t v;

  /* 1. value tree from memory */
  wp_cabi_cx_init(&cx, &ga, arena);
  wp_cabi_error_t *e = wp_cabi_load(&cx, ty, ptr, &v);
  if (!e) {
    roundtrip(ty, &v, enc, arena, !c.has_resource);
    wp_cabi_val_drop(&v);
  }
  wp_cabi_error_delete(e);
  wp_cabi_error_delete(wp_cabi_cx_finish(&cx));
  wp_cabi_arena_reset(arena);

  /* 2. native layout from memory, and back into a second guest */
  add_handles(h, &c);
  wp_cabi_cx_init(&cx, &ga, arena);
  void *nat = wp_cabi_arena_alloc(arena, ty->native.size, ty->native.align);
  e = wp_cabi_load_native(&cx, ty, ptr, nat);
  if (!e) {
    mem_t b = {calloc(1, 256 << 10), 256 << 10, 16};
    wp_cabi_handles_t *hb = wp_cabi_handles_new();
    wp_cabi_opts_t gb = {.ctx = &b, .memory = g_memory, .realloc = g_realloc, .encoding = enc, .handles = hb};
    wp_cabi_cx_t cb;
    wp_cabi_cx_init(&cb, &gb, arena);
    uint32_t p;
    wp_cabi_error_t *e2 = wp_cabi_opts_realloc(&cb, "top", 0, 0, ty->guest.align, ty->guest.size, &p);
    if (!e2) e2 = wp_cabi_store_native(&cb, ty, nat, p);
    if (e2 && wp_cabi_error_kind(e2) == WP_CABI_INVALID) die("lowering a lifted native value was refused", e2);
    wp_cabi_error_delete(e2);
    wp_cabi_error_delete(wp_cabi_cx_finish(&cb));
    wp_cabi_handles_delete(hb);
    free(b.mem);
  }
  wp_cabi_error_delete(e);
  wp_cabi_error_delete(wp_cabi_cx_finish(&cx));
  wp_cabi_arena_reset(arena);

  /* 3. from flat values, both ways */
  if (ty->nflat <= 16) {
    add_handles(h, &c);
    wp_cabi_cx_init(&cx, &ga, arena);
    e = wp_cabi_lift_flat(&cx, ty, flat, ty->nflat, &v);
    if (!e) {
      roundtrip(ty, &v, enc, arena, !c.has_resource);
      wp_cabi_val_drop(&v);
    }
    wp_cabi_error_delete(e);
    nat = wp_cabi_arena_alloc(arena, ty->native.size, ty->native.align);
    e = wp_cabi_lift_flat_native(&cx, ty, flat, ty->nflat, nat);
    wp_cabi_error_delete(e);
    wp_cabi_error_delete(wp_cabi_cx_finish(&cx));
  }

  wp_cabi_arena_delete(arena);
  wp_cabi_handles_delete(h);
  free(mem);
  wp_cabi_types_delete(c.T);
  return 0;
}
