/*
 * test_plan.c -- compiled plans (cabi/native.c: a record's, tuple's or
 * fixed list's lift and lower as a flat list of steps) against the walk of
 * the type tree they replace (cx->interpret), differentially: random types
 * and values, in guest memory as the value-tree path stores them, sometimes
 * corrupted (bytes of the guest's memory: bools, discriminants, chars,
 * string and list pointers and lengths, UTF-8), loaded to the native layout
 * both ways, then stored back both ways (from a native value sometimes
 * corrupted too: bad tags and chars, at a misaligned or out-of-bounds
 * address, with hostile reallocs); they must agree bit for bit: the same
 * error message, else the same native value (the same bytes, padding
 * included; strings and lists by content) and the same guest memory and
 * realloc calls.  Then the plans' own checks one at a time, and that a
 * plan is built (and used) for the types that have one.
 */
#include "differential.h"

/* A random type whose top is a record, tuple or fixed list (what has a plan). */
static const wp_cabi_type_t *rtop(void) {
  for (;;) {
    const wp_cabi_type_t *t = rtype(0);
    if (t->guest.size > 4096) continue; /* nested fixed lists multiply */
    if (t->kind == WP_CABI_RECORD || t->kind == WP_CABI_TUPLE || t->kind == WP_CABI_FIXED_LIST || rnd(4) == 0)
      return t;
  }
}

/* a and b: native values of ty (copies the caller may change).  Compares
** what strings and lists point to, then blanks those pointers in both, so
** that the caller's memcmp of the whole values compares everything else
** (padding and unused payload bytes included). */
static bool same_native(const wp_cabi_type_t *ty, uint8_t *a, uint8_t *b) {
  switch (ty->kind) {
  case WP_CABI_STRING: case WP_CABI_LIST: {
    const uint8_t *pa, *pb;
    size_t la, lb;
    memcpy(&pa, a, sizeof pa);
    memcpy(&pb, b, sizeof pb);
    memcpy(&la, a + sizeof pa, sizeof la);
    memcpy(&lb, b + sizeof pb, sizeof lb);
    memset(a, 0, sizeof pa);
    memset(b, 0, sizeof pb);
    if (la != lb) return false;
    if (ty->kind == WP_CABI_STRING) return !memcmp(pa, pb, la) && pa[la] == 0 && pb[lb] == 0;
    const wp_cabi_type_t *el = ty->elem;
    uint32_t ns = el->native.size;
    uint8_t *ca = malloc(ns ? ns : 1), *cb = malloc(ns ? ns : 1);
    bool ok = true;
    for (size_t i = 0; ok && i < la; i++) {
      memcpy(ca, pa + i * ns, ns);
      memcpy(cb, pb + i * ns, ns);
      ok = same_native(el, ca, cb) && !memcmp(ca, cb, ns);
    }
    free(ca);
    free(cb);
    return ok;
  }
  case WP_CABI_RECORD: case WP_CABI_TUPLE:
    for (uint32_t i = 0; i < ty->nfields; i++)
      if (!same_native(ty->fields[i].type, a + ty->fields[i].native_offset, b + ty->fields[i].native_offset))
        return false;
    return true;
  case WP_CABI_FIXED_LIST:
    for (uint32_t i = 0; i < ty->length; i++)
      if (!same_native(ty->elem, a + i * ty->elem->native.size, b + i * ty->elem->native.size)) return false;
    return true;
  case WP_CABI_VARIANT: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    uint32_t da = ty->disc_size == 1 ? a[0] : ty->disc_size == 2 ? (uint32_t)(a[0] | a[1] << 8) : (uint32_t)a[0];
    uint32_t db = ty->disc_size == 1 ? b[0] : ty->disc_size == 2 ? (uint32_t)(b[0] | b[1] << 8) : (uint32_t)b[0];
    if (da != db) return false;
    const wp_cabi_type_t *c = wp_cabi_type_case(ty, da);
    return !c || same_native(c, a + ty->native_payload_offset, b + ty->native_payload_offset);
  }
  default: return true;
  }
}

/* Whether the native values n1 and n2 of ty (ns bytes) are the same, by
** same_native and memcmp on copies of them (same_native changes its
** arguments). */
static bool same_native_values(const wp_cabi_type_t *ty, const void *n1, const void *n2, size_t ns) {
  uint8_t *x = malloc(ns), *y = malloc(ns);
  memcpy(x, n1, ns);
  memcpy(y, n2, ns);
  bool same = same_native(ty, x, y) && !memcmp(x, y, ns);
  free(x);
  free(y);
  return same;
}

/* The places in a native value a buggy plugin could get wrong and lowering
** checks: bools, chars, tags (not inside lists: those are the arena's). */
typedef struct {
  uint8_t *at[64];
  int kind[64]; /* 0 bool, 1 char, 2 tag */
  int n;
} spots_t;

static void spots(const wp_cabi_type_t *ty, uint8_t *v, spots_t *s) {
  if (s->n == 64) return;
  switch (ty->kind) {
  case WP_CABI_BOOL: s->at[s->n] = v, s->kind[s->n++] = 0; break;
  case WP_CABI_CHAR: s->at[s->n] = v, s->kind[s->n++] = 1; break;
  case WP_CABI_RECORD: case WP_CABI_TUPLE:
    for (uint32_t i = 0; i < ty->nfields; i++) spots(ty->fields[i].type, v + ty->fields[i].native_offset, s);
    break;
  case WP_CABI_FIXED_LIST:
    for (uint32_t i = 0; i < ty->length && i < 8; i++) spots(ty->elem, v + i * ty->elem->native.size, s);
    break;
  case WP_CABI_VARIANT: case WP_CABI_ENUM: case WP_CABI_OPTION: case WP_CABI_RESULT: {
    s->at[s->n] = v, s->kind[s->n++] = 2;
    const wp_cabi_type_t *c = wp_cabi_type_case(ty, ty->disc_size == 1 ? v[0] : v[0] | (uint32_t)v[1] << 8u);
    if (c && ty->disc_size <= 2) spots(c, v + ty->native_payload_offset, s);
    break;
  }
  default: break;
  }
}

static void corrupt_native(const wp_cabi_type_t *ty, uint8_t *v) {
  spots_t s = {.n = 0};
  spots(ty, v, &s);
  if (!s.n) return;
  int i = (int)rnd((uint32_t)s.n);
  switch (s.kind[i]) {
  case 0: s.at[i][0] = (uint8_t)(2 + rnd(200)); break; /* lowered as true */
  case 1: memcpy(s.at[i], &(uint32_t){rnd(2) ? 0xD800 + rnd(0x800) : 0x110000 + rnd(99)}, 4); break;
  default: s.at[i][0] = (uint8_t)(rnd(2) ? 2 + rnd(3) : 200 + rnd(50)); break; /* bad tag, or bool tag > 1 */
  }
}

static bool has_list(const wp_cabi_type_t *ty) {
  if (!ty) return false;
  switch (ty->kind) {
  case WP_CABI_LIST: return true;
  case WP_CABI_RECORD: case WP_CABI_TUPLE: case WP_CABI_VARIANT:
    for (uint32_t i = 0; i < ty->nfields; i++)
      if (has_list(ty->fields[i].type)) return true;
    return false;
  default: return has_list(ty->elem) || has_list(ty->err);
  }
}

static int nvalues, nload_errors, nstore_errors, nplanned, nflat, nflat_errors;

/* The same value in flat form: lifted (flat values sometimes corrupted)
** and lowered back, walked and planned. */
static void one_flat(const wp_cabi_type_t *ty, tguest_t *A, wp_cabi_flat_t *flat) {
  uint32_t n = ty->nflat;
  if (rnd(3) == 0)
    for (uint32_t k = 1 + rnd(2); k; k--) {
      wp_cabi_flat_t *f = &flat[rnd(n)];
      f->i64 = rnd(3) ? rnd(8) : rnd(2) ? 0xD800 + rnd(0x800) : 0xffff0000u + rnd(65536);
    }
  nflat++;
  wp_cabi_arena_t *a1 = wp_cabi_arena_new(0), *a2 = wp_cabi_arena_new(0);
  uint32_t ns = ty->native.size ? ty->native.size : 1;
  uint8_t *n1 = wp_cabi_arena_alloc(a1, ns, ty->native.align), *n2 = wp_cabi_arena_alloc(a2, ns, ty->native.align);
  memset(n1, 0xAA, ns);
  memset(n2, 0x55, ns);
  wp_cabi_cx_t c1, c2;
  A->mode = G_NORMAL;
  wp_cabi_cx_init(&c1, &A->g, a1);
  c1.interpret = true;
  wp_cabi_cx_init(&c2, &A->g, a2);
  wp_cabi_error_t *e1 = wp_cabi_lift_flat_native(&c1, ty, flat, n, n1);
  wp_cabi_error_t *e2 = wp_cabi_lift_flat_native(&c2, ty, flat, n, n2);
  if (e1 || e2) nflat_errors++;
  bool ok = same_error(e1, e2, "lifting flat", "walked", "planned");
  wp_cabi_error_delete(e1);
  wp_cabi_error_delete(e2);
  if (ok) {
    CHECK(same_native_values(ty, n1, n2, ns));
    if (rnd(3) == 0) corrupt_native(ty, n1);
    tguest_t B1, B2;
    clone_guest(&B1, A);
    clone_guest(&B2, A);
    B1.mode = B2.mode = rnd(8) == 0 ? (int)(G_MISALIGNED + rnd(3)) : G_NORMAL;
    wp_cabi_flat_t o1[WP_CABI_MAX_FLAT_PARAMS], o2[WP_CABI_MAX_FLAT_PARAMS];
    memset(o1, 0xAA, sizeof o1);
    memset(o2, 0xAA, sizeof o2);
    wp_cabi_cx_init(&c1, &B1.g, NULL);
    c1.interpret = true;
    wp_cabi_cx_init(&c2, &B2.g, NULL);
    e1 = wp_cabi_lower_flat_native(&c1, ty, n1, o1);
    e2 = wp_cabi_lower_flat_native(&c2, ty, n1, o2);
    if (e1 || e2) nflat_errors++;
    if (same_error(e1, e2, "lowering flat", "walked", "planned"))
      for (uint32_t i = 0; i < n; i++) CHECK_EQ(o1[i].i64, o2[i].i64);
    wp_cabi_error_delete(e1);
    wp_cabi_error_delete(e2);
    CHECK_EQ(B1.bump, B2.bump);
    CHECK_EQ(B1.nrealloc, B2.nrealloc);
    CHECK(B1.size == B2.size && !memcmp(B1.mem, B2.mem, B1.size));
    free(B1.mem);
    free(B2.mem);
  }
  wp_cabi_arena_delete(a1);
  wp_cabi_arena_delete(a2);
}

static void one_value(void) {
  const wp_cabi_type_t *ty = rtop();
  if (!ty) {
    CHECK(!"type built");
    return;
  }
  tguest_t A;
  tg_init(&A, 1 << 15);
  wp_cabi_val_t v;
  rval(ty, &v);
  wp_cabi_cx_t cx, c1, c2;
  wp_cabi_cx_init(&cx, &A.g, NULL);
  uint32_t ptr = 0;
  wp_cabi_error_t *e = tg_realloc(&A, 0, 0, ty->guest.align, ty->guest.size, &ptr);
  if (!e) e = wp_cabi_store(&cx, ty, &v, ptr);
  /* and flat, as a guest's core code passes it (when it flattens to 16 or fewer) */
  wp_cabi_flat_t flat[WP_CABI_MAX_FLAT_PARAMS];
  bool flat_ok = !e && ty->nflat <= WP_CABI_MAX_FLAT_PARAMS;
  if (flat_ok) {
    wp_cabi_error_t *fe = wp_cabi_lower_flat(&cx, ty, &v, flat);
    flat_ok = !fe;
    wp_cabi_error_delete(fe);
  }
  wp_cabi_val_drop(&v);
  wp_cabi_error_delete(wp_cabi_cx_finish(&cx));
  if (e || A.bump + ty->guest.size + 64 > A.size) { /* too big for the guest: another one */
    wp_cabi_error_delete(e);
    tg_free(&A);
    return;
  }
  for (uint32_t k = rnd(3) ? 0 : 1 + rnd(3); k; k--) {
    uint32_t at = 1024 + rnd(A.bump - 1024);
    A.mem[at] = (uint8_t)(rnd(2) ? rnd(4) : rnd(2) ? 0xD8 : rnd(256));
  }
  if (rnd(20) == 0) ptr = rnd(2) ? ptr + 1 : (uint32_t)A.size - 4; /* misaligned or out of bounds */
  nvalues++;

  /* load: walked vs planned */
  wp_cabi_arena_t *a1 = wp_cabi_arena_new(0), *a2 = wp_cabi_arena_new(0);
  uint32_t ns = ty->native.size ? ty->native.size : 1;
  uint8_t *n1 = wp_cabi_arena_alloc(a1, ns, ty->native.align), *n2 = wp_cabi_arena_alloc(a2, ns, ty->native.align);
  memset(n1, 0xAA, ns); /* stale bytes: the padding must be zeroed */
  memset(n2, 0x55, ns);
  wp_cabi_cx_init(&c1, &A.g, a1);
  c1.interpret = true;
  wp_cabi_cx_init(&c2, &A.g, a2);
  wp_cabi_error_t *e1 = wp_cabi_load_native(&c1, ty, ptr, n1);
  wp_cabi_error_t *e2 = wp_cabi_load_native(&c2, ty, ptr, n2);
  if (ty->plan) nplanned++;
  if (e1 || e2) nload_errors++;
  bool ok = same_error(e1, e2, "loading", "walked", "planned");
  wp_cabi_error_delete(e1);
  wp_cabi_error_delete(e2);
  if (ok) {
    bool same = same_native_values(ty, n1, n2, ns);
    CHECK(same);
    if (!same) {
      char buf[512];
      wp_cabi_type_print(ty, buf, sizeof buf);
      fprintf(stderr, "  loaded values differ: %s\n", buf);
    }

    /* store: walked vs planned, into two copies of a guest */
    if (rnd(3) == 0) corrupt_native(ty, n1);
    tguest_t B1, B2;
    uint32_t dst = 0;
    A.mode = G_NORMAL;
    OK(tg_realloc(&A, 0, 0, ty->guest.align, ty->guest.size, &dst));
    clone_guest(&B1, &A);
    clone_guest(&B2, &A);
    B1.mode = B2.mode = rnd(8) == 0 ? (int)(G_MISALIGNED + rnd(4)) : G_NORMAL;
    if (B1.mode == G_MOVE && has_list(ty)) B1.mode = B2.mode = G_NORMAL; /* 64 KiB more per realloc */
    if (rnd(4) == 0) /* over the source value: a realloc'd string lands on it */
      dst = ptr < A.size - ty->guest.size && !(ptr % ty->guest.align) ? ptr : dst;
    if (rnd(30) == 0) dst = (uint32_t)B1.size - 2;
    wp_cabi_cx_init(&c1, &B1.g, NULL);
    c1.interpret = true;
    wp_cabi_cx_init(&c2, &B2.g, NULL);
    e1 = wp_cabi_store_native(&c1, ty, n1, dst);
    e2 = wp_cabi_store_native(&c2, ty, n1, dst);
    if (e1 || e2) nstore_errors++;
    same_error(e1, e2, "storing", "walked", "planned");
    wp_cabi_error_delete(e1);
    wp_cabi_error_delete(e2);
    CHECK_EQ(B1.size, B2.size);
    CHECK_EQ(B1.bump, B2.bump);
    CHECK_EQ(B1.nrealloc, B2.nrealloc);
    CHECK(B1.size == B2.size && !memcmp(B1.mem, B2.mem, B1.size));
    free(B1.mem);
    free(B2.mem);
  }
  wp_cabi_arena_delete(a1);
  wp_cabi_arena_delete(a2);
  if (flat_ok) one_flat(ty, &A, flat);
  tg_free(&A);
}

/* The checks of a plan one at a time, with their messages; and that the
** plan is what ran. */
static void test_checks(void) {
  tguest_t A;
  tg_init(&A, 1 << 16);
  wp_cabi_arena_t *arena = wp_cabi_arena_new(0);
  wp_cabi_cx_t cx;
  const wp_cabi_type_t *u32 = wp_cabi_type_prim(T, WP_CABI_U32), *str = wp_cabi_type_prim(T, WP_CABI_STRING),
                       *f64 = wp_cabi_type_prim(T, WP_CABI_F64), *u8 = wp_cabi_type_prim(T, WP_CABI_U8),
                       *bl = wp_cabi_type_prim(T, WP_CABI_BOOL), *ch = wp_cabi_type_prim(T, WP_CABI_CHAR),
                       *u64 = wp_cabi_type_prim(T, WP_CABI_U64),
                       *opt = wp_cabi_type_option(T, wp_cabi_type_prim(T, WP_CABI_U16));
  const wp_cabi_type_t *fs[8] = {u32, str, f64, u8, bl, ch, u64, opt};
  const char *names[8] = {"id", "name", "score", "level", "active", "initial", "count", "tag"};
  const wp_cabi_type_t *rec = wp_cabi_type_record(T, 8, names, fs);
  CHECK(rec && !rec->plan);
  /* guest layout: id 0, name 4, score 16, level 24, active 25, initial 28, count 32, tag 40 (payload 42) */
  uint8_t *r = A.mem + 0x200;
  memcpy(r + 0, &(uint32_t){42}, 4);
  memcpy(r + 4, &(uint32_t){0x300}, 4);
  memcpy(r + 8, &(uint32_t){3}, 4);
  memcpy(A.mem + 0x300, "abc", 3);
  memcpy(r + 16, &(double){2.5}, 8);
  r[24] = 7, r[25] = 9;
  memcpy(r + 28, &(uint32_t){0x20AC}, 4);
  memcpy(r + 32, &(uint64_t){1234567890123ull}, 8);
  r[40] = 1, r[42] = 5, r[43] = 1;
  uint8_t nat[64];
  wp_cabi_cx_init(&cx, &A.g, arena);
  memset(nat, 0xEE, sizeof nat);
  OK(wp_cabi_load_native(&cx, rec, 0x200, nat));
  CHECK(rec->plan != NULL); /* built on first use, and used */
  CHECK_EQ(rec->native.size, 56);
  uint64_t z = 0;
  CHECK(!memcmp(nat + 4, &z, 4) && !memcmp(nat + 34, &z, 2) && nat[49] == 0 && !memcmp(nat + 52, &z, 4));
  CHECK(nat[33] == 1 && nat[32] == 7 && nat[48] == 1 && nat[50] == 5 && nat[51] == 1);
  const char *sp;
  memcpy(&sp, nat + 8, sizeof sp);
  CHECK(!strcmp(sp, "abc"));
  OK(wp_cabi_cx_finish(&cx));

  r[42 - 2] = 2;
  FAILS(wp_cabi_load_native(&cx, rec, 0x200, nat), "invalid option discriminant 2 (2 cases) at 0x228");
  r[40] = 0;
  memcpy(r + 28, &(uint32_t){0xDFFF}, 4);
  FAILS(wp_cabi_load_native(&cx, rec, 0x200, nat), "invalid char 0xdfff at 0x21c");
  memcpy(r + 28, &(uint32_t){0x41}, 4);
  memcpy(A.mem + 0x300, "a\xff", 2);
  FAILS(wp_cabi_load_native(&cx, rec, 0x200, nat), "invalid UTF-8 in string at 0x300 (byte 1 of 3)");
  memcpy(r + 4, &(uint32_t){0xfffe}, 4);
  FAILS(wp_cabi_load_native(&cx, rec, 0x200, nat), "string pointer 0xfffe + length 3 is out of bounds");
  memcpy(r + 4, &(uint32_t){0x300}, 4);
  memcpy(A.mem + 0x300, "abc", 3);
  FAILS(wp_cabi_load_native(&cx, rec, 0x202, nat), "value pointer 0x202 is not aligned to 8 bytes");
  OK(wp_cabi_load_native(&cx, rec, 0x200, nat));

  /* store: the native checks, then the guest's realloc */
  nat[48] = 3;
  FAILS(wp_cabi_store_native(&cx, rec, nat, 0x380), "native option has bool tag 3");
  nat[48] = 0;
  memcpy(nat + 36, &(uint32_t){0xD800}, 4);
  FAILS(wp_cabi_store_native(&cx, rec, nat, 0x380), "native char 0xd800 is not a Unicode scalar value");
  memcpy(nat + 36, &(uint32_t){0x263A}, 4);
  A.mode = G_FAIL;
  FAILS(wp_cabi_store_native(&cx, rec, nat, 0x380), "guest realloc trapped");
  A.mode = G_MISALIGNED; /* strings have alignment 1: any address will do */
  OK(wp_cabi_store_native(&cx, rec, nat, 0x380));
  A.mode = G_NORMAL;
  nat[33] = 0x40; /* a bool that is not 0 or 1 is stored as 1 */
  OK(wp_cabi_store_native(&cx, rec, nat, 0x380));
  CHECK(A.mem[0x380 + 25] == 1 && A.mem[0x380 + 40] == 0);
  CHECK(!memcmp(A.mem + 0x380, r, 4) && !memcmp(A.mem + 0x380 + 16, r + 16, 9) && !memcmp(A.mem + 0x380 + 32, r + 32, 8));
  uint32_t s2, l2;
  memcpy(&s2, A.mem + 0x384, 4);
  memcpy(&l2, A.mem + 0x388, 4);
  CHECK(l2 == 3 && s2 >= 1024 && !memcmp(A.mem + s2, "abc", 3));
  if (l2 != 3 || s2 < 1024) fprintf(stderr, "  string at 0x%x, %u bytes\n", s2, l2);
  OK(wp_cabi_cx_finish(&cx));

  /* a fixed list too long to inline in its parent is planned by itself */
  const wp_cabi_type_t *chars = wp_cabi_type_fixed_list(T, ch, 200);
  const wp_cabi_type_t *outer = wp_cabi_type_tuple(T, 2, (const wp_cabi_type_t *[]){chars, chars});
  memset(A.mem + 0x1000, 0, 1600);
  memcpy(A.mem + 0x1000 + 800 + 199 * 4, &(uint32_t){0xD800}, 4);
  wp_cabi_arena_reset(arena);
  uint8_t *bn = wp_cabi_arena_alloc(arena, outer->native.size, outer->native.align);
  wp_cabi_cx_init(&cx, &A.g, arena);
  FAILS(wp_cabi_load_native(&cx, outer, 0x1000, bn), "invalid char 0xd800 at 0x163c");
  CHECK(outer->plan != NULL && chars->plan != NULL);
  memcpy(A.mem + 0x1000 + 800 + 199 * 4, &(uint32_t){0x10FFFF}, 4);
  OK(wp_cabi_load_native(&cx, outer, 0x1000, bn));
  uint32_t last;
  memcpy(&last, bn + 1596, 4);
  CHECK_EQ(last, 0x10FFFF);
  OK(wp_cabi_cx_finish(&cx));

  wp_cabi_arena_delete(arena);
  tg_free(&A);
}

/* Loads the value at ptr by the plan (into np) and by the walk (into nw):
** the same outcome, and when fine the same native bytes (strings by
** content).  True when both are fine. */
static bool load_both(tguest_t *A, wp_cabi_arena_t *arena, const wp_cabi_type_t *ty, uint32_t ptr, uint8_t *np,
                      uint8_t *nw, const char *step) {
  wp_cabi_cx_t cp, cw;
  wp_cabi_cx_init(&cp, &A->g, arena);
  wp_cabi_cx_init(&cw, &A->g, arena);
  cw.interpret = true;
  memset(np, 0xAA, ty->native.size);
  memset(nw, 0x55, ty->native.size);
  wp_cabi_error_t *a = wp_cabi_load_native(&cp, ty, ptr, np), *b = wp_cabi_load_native(&cw, ty, ptr, nw);
  bool ok = same_error(a, b, step, "plan", "walk");
  wp_cabi_error_delete(a);
  wp_cabi_error_delete(b);
  if (ok) CHECK(same_native_values(ty, np, nw, ty->native.size));
  wp_cabi_error_delete(wp_cabi_cx_finish(&cp));
  wp_cabi_error_delete(wp_cabi_cx_finish(&cw));
  return ok;
}

/* The plans' specialised steps and the short-string copies, each length
** class and each kind of bad byte: strings of 0-80 bytes (copied inline up
** to 32, by the block copier above) with an invalid byte at every place
** and a truncated sequence at the end are refused with the walk's message,
** valid ones lifted and lowered byte for byte (nothing written past their
** end); runs of 9-16 plain bytes (copied as two words) and options of
** plain types (their own step) against the walk with random bytes, tags
** 0-3 and bools 0-255. */
static void test_specialised(void) {
  tguest_t A;
  tg_init(&A, 1 << 16);
  wp_cabi_arena_t *arena = wp_cabi_arena_new(0);
  const wp_cabi_type_t *str = wp_cabi_type_prim(T, WP_CABI_STRING), *u8 = wp_cabi_type_prim(T, WP_CABI_U8),
                       *u32 = wp_cabi_type_prim(T, WP_CABI_U32);
  const wp_cabi_type_t *srec = wp_cabi_type_record(T, 2, (const char *[]){"s", "n"}, (const wp_cabi_type_t *[]){str, u8});
  uint8_t np[512], nw[512];
  char want[128];
  for (uint32_t len = 0; len <= 80; len++) {
    /* text of exactly len bytes: ASCII with a 2-byte and a 3-byte sequence */
    uint8_t *t = A.mem + 0x400;
    for (uint32_t i = 0; i < len; i++) t[i] = (uint8_t)('a' + i % 26);
    if (len >= 5) memcpy(t + len / 2, "\xc3\xa9", 2);
    if (len >= 9) memcpy(t + len - 3, "\xe2\x82\xac", 3);
    memcpy(A.mem + 0x200, &(uint32_t){0x400}, 4);
    memcpy(A.mem + 0x204, &len, 4);
    A.mem[0x208] = 7;
    if (load_both(&A, arena, srec, 0x200, np, nw, "string")) {
      const char *sp;
      size_t sl;
      memcpy(&sp, np, sizeof sp);
      memcpy(&sl, np + sizeof sp, sizeof sl);
      CHECK(sl == len && !memcmp(sp, t, len) && sp[len] == 0);
      /* and back: the bytes, not one more */
      memset(A.mem + 0x8000, 0xCC, 128);
      A.bump = 0x8000;
      wp_cabi_cx_t cx;
      wp_cabi_cx_init(&cx, &A.g, arena);
      OK(wp_cabi_store_native(&cx, srec, np, 0x300));
      uint32_t p2, l2;
      memcpy(&p2, A.mem + 0x300, 4);
      memcpy(&l2, A.mem + 0x304, 4);
      CHECK(p2 == 0x8000 && l2 == len && !memcmp(A.mem + p2, t, len) && A.mem[p2 + len] == 0xCC);
      OK(wp_cabi_cx_finish(&cx));
    }
    wp_cabi_arena_reset(arena);
    uint8_t keep[80];
    memcpy(keep, t, len);
    for (uint32_t i = 0; i < len; i++) { /* a byte that is never valid, at each place */
      t[i] = 0xFF;
      CHECK(!load_both(&A, arena, srec, 0x200, np, nw, "bad byte"));
      wp_cabi_cx_t cx;
      wp_cabi_cx_init(&cx, &A.g, arena);
      /* in place of an ASCII byte the error is there; in a sequence, at its start */
      uint32_t at = i;
      while (keep[i] >= 0x80 && at && (keep[at] & 0xC0) == 0x80) at--;
      snprintf(want, sizeof want, "invalid UTF-8 in string at 0x400 (byte %u of %u)", at, len);
      FAILS(wp_cabi_load_native(&cx, srec, 0x200, np), want);
      wp_cabi_arena_reset(arena);
      t[i] = keep[i];
    }
    if (len) { /* a sequence cut short by the end */
      t[len - 1] = 0xC3;
      CHECK(!load_both(&A, arena, srec, 0x200, np, nw, "truncated"));
      wp_cabi_arena_reset(arena);
      t[len - 1] = keep[len - 1];
    }
  }

  /* 9-16 plain bytes in a row; options of 1-, 2-, 4-, 8- and 12-byte plain payloads */
  const wp_cabi_type_t *f64 = wp_cabi_type_prim(T, WP_CABI_F64), *bl = wp_cabi_type_prim(T, WP_CABI_BOOL);
  const wp_cabi_type_t *t3 = wp_cabi_type_tuple(T, 3, (const wp_cabi_type_t *[]){u32, u32, u32});
  const wp_cabi_type_t *o8 = wp_cabi_type_option(T, u8), *o64 = wp_cabi_type_option(T, wp_cabi_type_prim(T, WP_CABI_U64)),
                       *o12 = wp_cabi_type_option(T, t3), *o16 = wp_cabi_type_option(T, wp_cabi_type_prim(T, WP_CABI_U16)),
                       *o32 = wp_cabi_type_option(T, u32);
  const wp_cabi_type_t *fs[10] = {f64, u8, bl, t3, o8, o64, o12, o16, o32, str};
  const wp_cabi_type_t *rec =
      wp_cabi_type_record(T, 10, (const char *[]){"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, fs);
  CHECK(rec->guest.size <= 128 && rec->native.size <= sizeof np);
  int nerr = 0;
  for (int it = 0; it < 3000; it++) {
    uint8_t *r = A.mem + 0x200;
    for (uint32_t i = 0; i < rec->guest.size; i++) r[i] = (uint8_t)rnd(256);
    for (int k = 4; k <= 8; k++) r[rec->fields[k].guest_offset] = (uint8_t)(rnd(8) ? rnd(2) : rnd(4));
    uint32_t so = rec->fields[9].guest_offset, sl = rnd(40);
    memcpy(r + so, &(uint32_t){0x400}, 4);
    memcpy(r + so + 4, &sl, 4);
    for (uint32_t i = 0; i < sl; i++) A.mem[0x400 + i] = (uint8_t)(rnd(20) ? 'a' + rnd(26) : rnd(256));
    if (!load_both(&A, arena, rec, 0x200, np, nw, "record")) {
      nerr++;
      wp_cabi_arena_reset(arena);
      continue;
    }
    /* store both ways from the same native value (tags sometimes bad) */
    if (!rnd(6)) np[rec->fields[4 + rnd(5)].native_offset] = (uint8_t)(2 + rnd(3));
    if (!rnd(6)) np[rec->fields[2].native_offset] = (uint8_t)rnd(256);
    tguest_t B;
    clone_guest(&B, &A);
    wp_cabi_cx_t cp, cw;
    wp_cabi_cx_init(&cp, &A.g, arena);
    wp_cabi_cx_init(&cw, &B.g, arena);
    cw.interpret = true;
    wp_cabi_error_t *a = wp_cabi_store_native(&cp, rec, np, 0x600), *b = wp_cabi_store_native(&cw, rec, np, 0x600);
    if (same_error(a, b, "record store", "plan", "walk")) CHECK(!memcmp(A.mem, B.mem, A.size));
    else nerr++;
    wp_cabi_error_delete(a);
    wp_cabi_error_delete(b);
    wp_cabi_error_delete(wp_cabi_cx_finish(&cp));
    wp_cabi_error_delete(wp_cabi_cx_finish(&cw));
    tg_free(&B);
    wp_cabi_arena_reset(arena);
    A.bump = 1024;
  }
  CHECK(nerr > 100 && nerr < 2500); /* both outcomes were seen */
  wp_cabi_arena_delete(arena);
  tg_free(&A);
}

/* Floats are canonicalised on lift, on their bits: every NaN (quiet or
** signalling, either sign, any payload) becomes 0x7fc00000 / 0x7ff8...0,
** nothing else changes (infinities, zeros of both signs, the largest and
** smallest values), by the plan's load and flat steps and by the walk. */
static void test_floats(void) {
  tguest_t A;
  tg_init(&A, 1 << 16);
  wp_cabi_arena_t *arena = wp_cabi_arena_new(0);
  const wp_cabi_type_t *fs[3] = {wp_cabi_type_prim(T, WP_CABI_F32), wp_cabi_type_prim(T, WP_CABI_F64),
                                 wp_cabi_type_prim(T, WP_CABI_STRING)};
  const char *names[3] = {"a", "b", "s"};
  const wp_cabi_type_t *rec = wp_cabi_type_record(T, 3, names, fs);
  static const uint32_t f32s[] = {0x7fc00000, 0x7f800001, 0xffc00000, 0xff800001, 0x7fffffff, 0xffffffff,
                                  0x7fa00000, 0x7f800000, 0xff800000, 0x00000000, 0x80000000, 0x7f7fffff,
                                  0x00000001, 0x3f800000, 0xbf800000};
  static const uint64_t f64s[] = {0x7ff8000000000000ull, 0x7ff0000000000001ull, 0xfff8000000000000ull,
                                  0xfff0000000000001ull, 0x7fffffffffffffffull, 0xffffffffffffffffull,
                                  0x7ff4000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
                                  0x0000000000000000ull, 0x8000000000000000ull, 0x7fefffffffffffffull,
                                  0x0000000000000001ull, 0x3ff0000000000000ull, 0xbff0000000000000ull};
  int wrong = 0;
  for (size_t i = 0; i < sizeof f32s / sizeof f32s[0]; i++) {
    uint32_t a = f32s[i], wa = (a & 0x7fffffffu) > 0x7f800000u ? 0x7fc00000u : a;
    uint64_t b = f64s[i], wb = (b & 0x7fffffffffffffffull) > 0x7ff0000000000000ull ? 0x7ff8000000000000ull : b;
    memcpy(A.mem + 0x100, &a, 4);
    memcpy(A.mem + 0x108, &b, 8);
    memcpy(A.mem + 0x110, &(uint64_t){0}, 8); /* the empty string at 0 */
    for (int how = 0; how < 3; how++) { /* plan, walk, flat steps */
      uint8_t nat[64];
      memset(nat, 0xEE, sizeof nat);
      wp_cabi_cx_t cx;
      wp_cabi_cx_init(&cx, &A.g, arena);
      cx.interpret = how == 1;
      wp_cabi_error_t *e;
      if (how < 2) {
        e = wp_cabi_load_native(&cx, rec, 0x100, nat);
      } else {
        wp_cabi_flat_t flat[4];
        memset(flat, 0, sizeof flat);
        memcpy(&flat[0].f32, &a, 4);
        memcpy(&flat[1].f64, &b, 8);
        e = wp_cabi_lift_flat_native(&cx, rec, flat, 4, nat);
      }
      uint32_t ga;
      uint64_t gb;
      memcpy(&ga, nat + rec->fields[0].native_offset, 4);
      memcpy(&gb, nat + rec->fields[1].native_offset, 8);
      if (e || ga != wa || gb != wb) {
        if (wrong++ < 5)
          fprintf(stderr, "floats %zu (%d): %s; f32 %08x -> %08x (want %08x), f64 %016llx -> %016llx (want %016llx)\n",
                  i, how, e ? wp_cabi_error_message(e) : "ok", a, ga, wa, (unsigned long long)b,
                  (unsigned long long)gb, (unsigned long long)wb);
      }
      wp_cabi_error_delete(e);
      wp_cabi_error_delete(wp_cabi_cx_finish(&cx));
      wp_cabi_arena_reset(arena);
    }
  }
  CHECK_EQ(wrong, 0);
  CHECK(rec->plan != NULL);
  wp_cabi_arena_delete(arena);
  tg_free(&A);
}

int main(void) {
  rng = 0x2545f4914f6cdd1dull;
  shape = (rshape_t){.max_depth = 3, .record_weight = 3, .top_fields = 9, .fields = 5, .long_fixed = 300};
  T = wp_cabi_types_new();
  test_checks();
  test_specialised();
  test_floats();
  for (int i = 0; i < 8000; i++) one_value();
  printf("plan: %d values (%d of planned types), %d loads and %d stores ended in an error on both paths; "
         "%d flat, %d flat lifts or lowers in an error\n",
         nvalues, nplanned, nload_errors, nstore_errors, nflat, nflat_errors);
  CHECK(nplanned > 4000 && nload_errors > 500 && nstore_errors > 300 && nflat > 2000 && nflat_errors > 300);
  wp_cabi_types_delete(T);
  return t_done("cabi_plan");
}
