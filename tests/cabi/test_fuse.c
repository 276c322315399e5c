/*
 * test_fuse.c -- the fused adapter (cabi/fuse.c) against the value-tree
 * path it replaces, differentially: random function types and values,
 * sometimes corrupted (a byte of the caller's memory, a flat value, the
 * return pointer) and with hostile reallocs, go through
 *   value tree  lift (from the caller) then lower (into the callee), and
 *               for results lift (from the callee) then lower (into the
 *               caller), as the component runtime calls them;
 *   fused       wp_cabi_fuse_args / wp_cabi_fuse_results, check then copy;
 * and must agree bit for bit: the same error (message) at the same step,
 * else the same core values, the same bytes in the destination memory and
 * the same realloc calls.  Then each check of the fused path by itself.
 */
#include "differential.h"

static void same_guest(const tguest_t *a, const tguest_t *b) {
  CHECK_EQ(a->size, b->size);
  CHECK_EQ(a->bump, b->bump);
  CHECK_EQ(a->nrealloc, b->nrealloc);
  CHECK(a->size == b->size && !memcmp(a->mem, b->mem, a->size));
  if (getenv("FUSE_DEBUG") && a->size == b->size)
    for (uint64_t i = 0; i < a->size; i++)
      if (a->mem[i] != b->mem[i]) {
        fprintf(stderr, "  first difference at %llu: %u vs %u\n", (unsigned long long)i, a->mem[i], b->mem[i]);
        break;
      }
}

/* One to three bytes of the guest's data (small values: bools, cases and
** flags at their edges; or any) or flat values. */
static void corrupt(tguest_t *g, wp_cabi_flat_t *flat, size_t nflat) {
  for (uint32_t k = 1 + rnd(3); k; k--) {
    if (rnd(2)) {
      if (g->bump > 1024) g->mem[1024 + rnd(g->bump - 1024)] = (uint8_t)(rnd(2) ? rnd(4) : rnd(256));
    } else if (nflat) {
      flat[rnd((uint32_t)nflat)].i32 = rnd(3) ? rnd(8) : 0xffff0000u + rnd(65536);
    }
  }
}

static int nfused, nrefused, nerrors;

static void one_function(void) {
  size_t np = rnd(5);
  const wp_cabi_type_t *ps[8];
  for (size_t i = 0; i < np; i++) ps[i] = rtype(0);
  const wp_cabi_type_t *res = rnd(4) ? rtype(0) : NULL;
  for (size_t i = 0; i < np; i++)
    if (!ps[i]) return;
  wp_cabi_func_t f = {np, NULL, ps, res};
  wp_cabi_fuse_t fu;
  if (!wp_cabi_fuse_prepare(&f, &fu)) {
    nrefused++;
    return;
  }
  nfused++;
  if (getenv("FUSE_DEBUG")) {
    char buf[512];
    fprintf(stderr, "func %d:", nfused);
    for (size_t i = 0; i < np; i++) {
      wp_cabi_type_print(ps[i], buf, sizeof buf);
      fprintf(stderr, " %s", buf);
    }
    if (res) {
      wp_cabi_type_print(res, buf, sizeof buf);
      fprintf(stderr, " -> %s", buf);
    }
    fprintf(stderr, "\n");
  }

  /* the call's arguments, lowered by the caller as its core code would */
  tguest_t A, B;
  tg_init(&A, 1 << 16);
  tg_init(&B, 1 << 16);
  if (rnd(4) == 0) A.mode = G_MOVE;
  wp_cabi_val_t vals[8], rv;
  for (size_t i = 0; i < np; i++) rval(ps[i], &vals[i]);
  wp_cabi_cx_t ca, cb, cb2;
  wp_cabi_flat_t flat[WP_CABI_MAX_FLAT_PARAMS + 2];
  size_t nflat = 0;
  wp_cabi_cx_init(&ca, &A.g, NULL);
  OK(wp_cabi_lower_values(&ca, np, ps, WP_CABI_MAX_FLAT_PARAMS, false, vals, NULL, flat, &nflat));
  for (size_t i = 0; i < np; i++) wp_cabi_val_drop(&vals[i]);
  if (fu.lower.results_indirect) { /* the retptr */
    uint32_t rp = 0;
    OK(tg_realloc(&A, 0, 0, res->guest.align, res->guest.size, &rp));
    if (rnd(8) == 0) rp = rnd(2) ? rp + 1 : (uint32_t)A.size - 2;
    flat[nflat].i64 = 0;
    flat[nflat++].i32 = rp;
  }
  if (rnd(2) == 0) corrupt(&A, flat, nflat);
  B.mode = rnd(10) == 0 ? (int)(G_MISALIGNED + rnd(3)) : rnd(3) ? G_NORMAL : G_MOVE;

  /* params: value tree vs fused */
  tguest_t B1, B2;
  clone_guest(&B1, &B);
  clone_guest(&B2, &B);
  wp_cabi_arena_t *arena = wp_cabi_arena_new(0);
  wp_cabi_val_t args[8];
  wp_cabi_flat_t out1[WP_CABI_MAX_FLAT_PARAMS + 1], out2[WP_CABI_MAX_FLAT_PARAMS + 1];
  size_t n1 = 0, n2 = 0;
  wp_cabi_cx_init(&ca, &A.g, arena);
  wp_cabi_error_t *e1 = wp_cabi_lift_args(&ca, &f, flat, nflat, args);
  wp_cabi_cx_init(&ca, &A.g, NULL);
  wp_cabi_error_t *e2 = wp_cabi_fuse_args(&fu, &ca, NULL, false, flat, nflat, NULL, &n2);
  bool ok = same_error(e1, e2, "lifting the arguments", "value tree", "fused");
  if (e1 || e2) nerrors++;
  wp_cabi_error_delete(e1);
  wp_cabi_error_delete(e2);
  if (ok) {
    wp_cabi_cx_init(&cb, &B1.g, NULL);
    e1 = wp_cabi_lower_values(&cb, np, ps, WP_CABI_MAX_FLAT_PARAMS, false, args, NULL, out1, &n1);
    for (size_t i = 0; i < np; i++) wp_cabi_val_drop(&args[i]);
    wp_cabi_cx_init(&cb2, &B2.g, NULL);
    e2 = wp_cabi_fuse_args(&fu, &ca, &cb2, true, flat, nflat, out2, &n2);
    if (same_error(e1, e2, "lowering the arguments", "value tree", "fused")) {
      CHECK_EQ(n1, n2);
      for (size_t i = 0; i < n1 && i < n2; i++) CHECK_EQ(out1[i].i64, out2[i].i64);
    }
    if (e1 || e2) nerrors++;
    wp_cabi_error_delete(e1);
    wp_cabi_error_delete(e2);
    same_guest(&B1, &B2);
    if (getenv("FUSE_DEBUG")) fprintf(stderr, "  (params)\n");
  }
  wp_cabi_arena_delete(arena);

  /* results: the callee's, lifted and stored in the caller */
  if (res && B.mode != G_MISALIGNED && B.mode != G_OOB && B.mode != G_FAIL) {
    wp_cabi_flat_t r[2];
    size_t nr = 0;
    rval(res, &rv);
    wp_cabi_cx_init(&cb, &B.g, NULL);
    OK(wp_cabi_lower_values(&cb, 1, &res, WP_CABI_MAX_FLAT_RESULTS, false, &rv, NULL, r, &nr));
    wp_cabi_val_drop(&rv);
    if (rnd(2) == 0) corrupt(&B, r, nr);
    tguest_t A1, A2;
    clone_guest(&A1, &A);
    clone_guest(&A2, &A);
    A1.mode = A2.mode = rnd(10) == 0 ? (int)(G_MISALIGNED + rnd(3)) : G_NORMAL;
    wp_cabi_cx_t c1, c2;
    wp_cabi_cx_init(&cb, &B.g, NULL);
    e1 = wp_cabi_lift_results(&cb, &f, r, nr, &rv);
    e2 = wp_cabi_fuse_results(&fu, &cb, NULL, false, r, nr, flat, nflat, NULL, &n2);
    if (e1 || e2) nerrors++;
    if (same_error(e1, e2, "lifting the result", "value tree", "fused")) {
      wp_cabi_cx_init(&c1, &A1.g, NULL);
      wp_cabi_cx_init(&c2, &A2.g, NULL);
      wp_cabi_error_t *l1 = wp_cabi_lower_results(&c1, &f, &rv, flat, nflat, out1, &n1);
      wp_cabi_error_t *l2 = wp_cabi_fuse_results(&fu, &cb, &c2, true, r, nr, flat, nflat, out2, &n2);
      if (same_error(l1, l2, "lowering the result", "value tree", "fused")) {
        CHECK_EQ(n1, n2);
        for (size_t i = 0; i < n1 && i < n2; i++) CHECK_EQ(out1[i].i64, out2[i].i64);
      }
      if (l1 || l2) nerrors++;
      wp_cabi_error_delete(l1);
      wp_cabi_error_delete(l2);
      same_guest(&A1, &A2);
    }
    if (!e1) wp_cabi_val_drop(&rv);
    wp_cabi_error_delete(e1);
    wp_cabi_error_delete(e2);
    free(A1.mem);
    free(A2.mem);
  }
  free(B1.mem);
  free(B2.mem);
  tg_free(&A);
  tg_free(&B);
}

/* Each check of the fused path, one at a time, with its message. */
static void test_checks(void) {
  tguest_t A, B;
  tg_init(&A, 1 << 16);
  tg_init(&B, 1 << 16);
  wp_cabi_cx_t ca, cb;
  wp_cabi_cx_init(&ca, &A.g, NULL);
  wp_cabi_cx_init(&cb, &B.g, NULL);
  wp_cabi_fuse_t fu;
  wp_cabi_flat_t in[4] = {{0}}, out[4];
  size_t n;
  const wp_cabi_type_t *str = wp_cabi_type_prim(T, WP_CABI_STRING);
  const wp_cabi_type_t *chr = wp_cabi_type_prim(T, WP_CABI_CHAR);
  const wp_cabi_type_t *l16 = wp_cabi_type_list(T, wp_cabi_type_prim(T, WP_CABI_U16));
  const wp_cabi_type_t *en = wp_cabi_type_enum(T, 3, labels);
  const wp_cabi_type_t *opt = wp_cabi_type_option(T, chr);

  wp_cabi_func_t fs = {1, NULL, &str, NULL};
  CHECK(wp_cabi_fuse_prepare(&fs, &fu));
  memcpy(A.mem + 100, "ok\xff", 3);
  in[0].i32 = 100, in[1].i32 = 3;
  FAILS(wp_cabi_fuse_args(&fu, &ca, NULL, false, in, 2, NULL, &n), "invalid UTF-8 in string at 0x64 (byte 2 of 3)");
  in[1].i32 = 2;
  OK(wp_cabi_fuse_args(&fu, &ca, NULL, false, in, 2, NULL, &n));
  OK(wp_cabi_fuse_args(&fu, &ca, &cb, true, in, 2, out, &n));
  CHECK(n == 2 && out[1].i32 == 2 && !memcmp(B.mem + out[0].i32, "ok", 2));
  in[0].i32 = (uint32_t)A.size - 1;
  FAILS(wp_cabi_fuse_args(&fu, &ca, NULL, false, in, 2, NULL, &n), "out of bounds of memory");
  in[1].i32 = 0x80000000u;
  FAILS(wp_cabi_fuse_args(&fu, &ca, NULL, false, in, 2, NULL, &n), "exceeds the maximum string byte length");
  B.mode = G_FAIL;
  memcpy(A.mem + 100, "okokokok", 8);
  in[0].i32 = 100, in[1].i32 = 8;
  FAILS(wp_cabi_fuse_args(&fu, &ca, &cb, true, in, 2, out, &n), "guest realloc trapped");
  B.mode = G_OOB;
  FAILS(wp_cabi_fuse_args(&fu, &ca, &cb, true, in, 2, out, &n), "realloc returned pointer");
  B.mode = G_NORMAL;

  wp_cabi_func_t fl = {1, NULL, &l16, NULL};
  CHECK(wp_cabi_fuse_prepare(&fl, &fu));
  in[0].i32 = 101, in[1].i32 = 1;
  FAILS(wp_cabi_fuse_args(&fu, &ca, NULL, false, in, 2, NULL, &n), "list pointer 0x65 is not aligned to 2 bytes");
  in[0].i32 = 100, in[1].i32 = 0x80000001u;
  FAILS(wp_cabi_fuse_args(&fu, &ca, NULL, false, in, 2, NULL, &n), "overflows 32 bits");

  wp_cabi_func_t fc = {1, NULL, &chr, NULL};
  CHECK(wp_cabi_fuse_prepare(&fc, &fu));
  in[0].i32 = 0xD800;
  FAILS(wp_cabi_fuse_args(&fu, &ca, NULL, false, in, 1, NULL, &n), "invalid char 0xd800 in flat value 0");
  in[0].i32 = 0x110000;
  FAILS(wp_cabi_fuse_args(&fu, &ca, NULL, false, in, 1, NULL, &n), "invalid char 0x110000");

  wp_cabi_func_t fe = {1, NULL, &en, NULL};
  CHECK(wp_cabi_fuse_prepare(&fe, &fu));
  in[0].i32 = 3;
  FAILS(wp_cabi_fuse_args(&fu, &ca, NULL, false, in, 1, NULL, &n), "invalid enum discriminant 3 (3 cases)");

  /* a result in memory: discriminant and char checked in the callee, the
  ** retptr in the caller */
  wp_cabi_func_t fo = {0, NULL, NULL, opt};
  CHECK(wp_cabi_fuse_prepare(&fo, &fu));
  wp_cabi_flat_t r = {0}, rp = {0};
  r.i32 = 200;
  B.mem[200] = 2;
  FAILS(wp_cabi_fuse_results(&fu, &cb, NULL, false, &r, 1, &rp, 1, NULL, &n), "invalid option discriminant 2");
  B.mem[200] = 1;
  memcpy(B.mem + 204, &(uint32_t){0xDFFF}, 4);
  FAILS(wp_cabi_fuse_results(&fu, &cb, NULL, false, &r, 1, &rp, 1, NULL, &n), "invalid char 0xdfff at 0xcc");
  memcpy(B.mem + 204, &(uint32_t){0x263A}, 4);
  OK(wp_cabi_fuse_results(&fu, &cb, NULL, false, &r, 1, &rp, 1, NULL, &n));
  rp.i32 = 302;
  FAILS(wp_cabi_fuse_results(&fu, &cb, &ca, true, &r, 1, &rp, 1, out, &n), "return pointer 0x12e is not aligned to 4");
  rp.i32 = 300;
  OK(wp_cabi_fuse_results(&fu, &cb, &ca, true, &r, 1, &rp, 1, out, &n));
  CHECK(A.mem[300] == 1 && !memcmp(A.mem + 304, B.mem + 204, 4));
  r.i32 = 201;
  FAILS(wp_cabi_fuse_results(&fu, &cb, NULL, false, &r, 1, &rp, 1, NULL, &n), "result pointer 0xc9 is not aligned");

  /* a payload variant in flat form: the case's values through the joined
  ** slots, checked as the lift checks them */
  wp_cabi_func_t fv = {1, NULL, &opt, NULL};
  CHECK(wp_cabi_fuse_prepare(&fv, &fu));
  in[0].i32 = 1, in[1].i32 = 0xD800;
  FAILS(wp_cabi_fuse_args(&fu, &ca, NULL, false, in, 2, NULL, &n), "invalid char 0xd800 in flat value 0");
  in[0].i32 = 2;
  FAILS(wp_cabi_fuse_args(&fu, &ca, NULL, false, in, 2, NULL, &n), "invalid option discriminant 2 (2 cases) in flat value 0");
  in[0].i32 = 0, in[1].i32 = 0xD800; /* none: the unused slot is ignored, and zero on the way out */
  OK(wp_cabi_fuse_args(&fu, &ca, &cb, true, in, 2, out, &n));
  CHECK(n == 2 && out[0].i32 == 0 && out[1].i64 == 0);

  /* not fusable: handles, maps */
  const wp_cabi_resource_t *res = wp_cabi_resource_type(T, "r", NULL, NULL, NULL);
  const wp_cabi_type_t *own = wp_cabi_type_own(T, res);
  wp_cabi_func_t fh = {1, NULL, &own, NULL};
  CHECK(!wp_cabi_fuse_prepare(&fh, &fu));
  const wp_cabi_type_t *map = wp_cabi_type_map(T, str, str);
  wp_cabi_func_t fm = {1, NULL, &map, NULL};
  CHECK(!wp_cabi_fuse_prepare(&fm, &fu));
  tg_free(&A);
  tg_free(&B);
}

int main(void) {
  rng = 0x9e3779b97f4a7c15ull;
  shape = (rshape_t){.max_depth = 2, .record_weight = 1, .top_fields = 4, .fields = 4};
  T = wp_cabi_types_new();
  test_checks();
  for (int i = 0; i < 8000; i++) one_function();
  printf("fuse: %d function types fused, %d refused, %d calls ended in an error on both paths\n", nfused, nrefused,
         nerrors);
  CHECK(nfused > 2000 && nerrors > 500);
  wp_cabi_types_delete(T);
  return t_done("cabi_fuse");
}
