/*
 * test_resources.c -- handle tables: resource.new/rep/drop, own transfer,
 * borrow lending and borrow scopes, drops out of order, handle reuse, and
 * traps on dangling, double-dropped and wrong-type handles.
 */
#include "harness.h"

static wp_cabi_types_t *T;
static uint32_t dropped[64];
static int ndropped;

static wp_cabi_error_t *dtor(void *ctx, uint32_t rep) {
  (void)ctx;
  dropped[ndropped++] = rep;
  return NULL;
}

static void test_basic(void) {
  wp_cabi_handles_t *h = wp_cabi_handles_new();
  const wp_cabi_resource_t *file = wp_cabi_resource_type(T, "file", h, dtor, NULL);
  const wp_cabi_resource_t *sock = wp_cabi_resource_type(T, "socket", h, dtor, NULL);
  uint32_t h1, h2, h3, rep;
  ndropped = 0;
  OK(wp_cabi_resource_new(h, file, 100, &h1));
  OK(wp_cabi_resource_new(h, file, 200, &h2));
  OK(wp_cabi_resource_new(h, sock, 300, &h3));
  CHECK_EQ(h1, 1); /* handle 0 is never used */
  CHECK_EQ(h2, 2);
  CHECK_EQ(h3, 3);
  CHECK_EQ(wp_cabi_handles_count(h), 3);
  OK(wp_cabi_resource_rep(h, file, h2, &rep));
  CHECK_EQ(rep, 200);
  FAILS(wp_cabi_resource_rep(h, file, 0, &rep), "unknown handle 0");
  FAILS(wp_cabi_resource_rep(h, file, 99, &rep), "resource.rep: unknown handle 99 (dangling or already dropped)");
  FAILS(wp_cabi_resource_rep(h, sock, h1, &rep), "resource.rep: handle 1 is a file, expected a socket");
  FAILS(wp_cabi_resource_drop(h, file, h3), "resource.drop: handle 3 is a socket, expected a file");
  /* drops out of order run the right destructors */
  OK(wp_cabi_resource_drop(h, file, h2));
  OK(wp_cabi_resource_drop(h, sock, h3));
  OK(wp_cabi_resource_drop(h, file, h1));
  CHECK_EQ(ndropped, 3);
  CHECK_EQ(dropped[0], 200);
  CHECK_EQ(dropped[1], 300);
  CHECK_EQ(dropped[2], 100);
  CHECK_EQ(wp_cabi_handles_count(h), 0);
  FAILS(wp_cabi_resource_drop(h, file, h2), "resource.drop: unknown handle 2 (dangling or already dropped)");
  CHECK_EQ(ndropped, 3);
  /* reuse: most recently freed first */
  uint32_t n1, n2;
  OK(wp_cabi_resource_new(h, sock, 400, &n1));
  CHECK_EQ(n1, 1);
  OK(wp_cabi_resource_new(h, file, 500, &n2));
  CHECK_EQ(n2, 3);
  /* a stale handle now names another resource: the type check catches it */
  FAILS(wp_cabi_resource_rep(h, file, 1, &rep), "handle 1 is a socket, expected a file");
  /* deleting the table drops what is left */
  ndropped = 0;
  wp_cabi_handles_delete(h);
  CHECK_EQ(ndropped, 2);
}

static void test_own_transfer(void) {
  tguest_t g;
  tg_init(&g, 65536);
  const wp_cabi_resource_t *r = wp_cabi_resource_type(T, "blob", NULL, dtor, NULL);
  const wp_cabi_type_t *own = wp_cabi_type_own(T, r);
  const wp_cabi_type_t *lown = wp_cabi_type_list(T, own);
  wp_cabi_arena_t *a = wp_cabi_arena_new(0);
  wp_cabi_cx_t cx;
  uint32_t h1, h2;
  /* host -> guest: lowering an own adds a handle to the guest's table */
  wp_cabi_cx_init(&cx, &g.g, a);
  wp_cabi_val_t v = {.kind = WP_CABI_OWN, .of.rep = 7}, got;
  wp_cabi_flat_t f;
  OK(wp_cabi_lower_flat(&cx, own, &v, &f));
  h1 = f.i32;
  CHECK_EQ(wp_cabi_handles_count(g.handles), 1);
  uint32_t rep;
  OK(wp_cabi_resource_rep(g.handles, r, h1, &rep));
  CHECK_EQ(rep, 7);
  /* guest -> host: lifting the own moves it out of the table */
  OK(wp_cabi_lift_flat(&cx, own, &f, 1, &got));
  CHECK_EQ(got.of.rep, 7);
  CHECK_EQ(wp_cabi_handles_count(g.handles), 0);
  FAILS(wp_cabi_lift_flat(&cx, own, &f, 1, &got), "own handle: unknown handle 1 (dangling or already dropped)");
  OK(wp_cabi_cx_finish(&cx));
  /* a list of owns through memory, native layout */
  OK(wp_cabi_resource_new(g.handles, r, 11, &h1));
  OK(wp_cabi_resource_new(g.handles, r, 22, &h2));
  uint32_t arr[2] = {h2, h1};
  memcpy(g.mem + 0x200, arr, 8);
  uint32_t lst[2] = {0x200, 2};
  memcpy(g.mem + 0x100, lst, 8);
  struct { int32_t *ptr; size_t len; } nl;
  wp_cabi_cx_init(&cx, &g.g, a);
  OK(wp_cabi_load_native(&cx, lown, 0x100, &nl));
  CHECK(nl.len == 2 && nl.ptr[0] == 22 && nl.ptr[1] == 11);
  CHECK_EQ(wp_cabi_handles_count(g.handles), 0);
  /* and back: fresh handles */
  OK(wp_cabi_store_native(&cx, lown, &nl, 0x100));
  CHECK_EQ(wp_cabi_handles_count(g.handles), 2);
  OK(wp_cabi_cx_finish(&cx));
  /* lifting a borrow handle as own is refused */
  const wp_cabi_resource_t *hr = wp_cabi_resource_type(T, "host-thing", NULL, NULL, NULL);
  wp_cabi_cx_init(&cx, &g.g, a);
  wp_cabi_val_t bv = {.kind = WP_CABI_BORROW, .of.rep = 5};
  OK(wp_cabi_lower_flat(&cx, wp_cabi_type_borrow(T, hr), &bv, &f));
  FAILS(wp_cabi_lift_flat(&cx, wp_cabi_type_own(T, hr), &f, 1, &got), "is a borrow, not an own");
  OK(wp_cabi_resource_drop(g.handles, hr, f.i32));
  OK(wp_cabi_cx_finish(&cx));
  /* wrong resource type through a lift */
  uint32_t h3;
  OK(wp_cabi_resource_new(g.handles, r, 33, &h3));
  f.i32 = h3;
  wp_cabi_cx_init(&cx, &g.g, a);
  FAILS(wp_cabi_lift_flat(&cx, wp_cabi_type_own(T, hr), &f, 1, &got), "is a blob, expected a host-thing");
  OK(wp_cabi_cx_finish(&cx));
  wp_cabi_arena_delete(a);
  tg_free(&g);
}

static void test_borrow_lending(void) {
  tguest_t g;
  tg_init(&g, 65536);
  const wp_cabi_resource_t *r = wp_cabi_resource_type(T, "conn", g.handles, dtor, NULL);
  const wp_cabi_type_t *bor = wp_cabi_type_borrow(T, r);
  wp_cabi_cx_t cx;
  wp_cabi_val_t got;
  uint32_t h;
  ndropped = 0;
  OK(wp_cabi_resource_new(g.handles, r, 42, &h));
  /* the guest lends its own handle to a host import for one call */
  wp_cabi_flat_t f = {.i32 = h};
  wp_cabi_cx_init(&cx, &g.g, NULL);
  OK(wp_cabi_lift_flat(&cx, bor, &f, 1, &got));
  CHECK_EQ(got.of.rep, 42);
  OK(wp_cabi_lift_flat(&cx, bor, &f, 1, &got)); /* lent twice in one call */
  FAILS(wp_cabi_resource_drop(g.handles, r, h), "resource.drop: handle 1 is still lent out (2 borrow(s) active)");
  FAILS(wp_cabi_lift_flat(&cx, wp_cabi_type_own(T, r), &f, 1, &got), "lent out and cannot be moved");
  OK(wp_cabi_cx_finish(&cx)); /* the call returns: lends end */
  OK(wp_cabi_resource_drop(g.handles, r, h));
  CHECK_EQ(ndropped, 1);
  CHECK_EQ(dropped[0], 42);
  /* lowering a borrow of a resource the guest implements passes the rep */
  wp_cabi_cx_init(&cx, &g.g, NULL);
  wp_cabi_val_t bv = {.kind = WP_CABI_BORROW, .of.rep = 77};
  OK(wp_cabi_lower_flat(&cx, bor, &bv, &f));
  CHECK_EQ(f.i32, 77);
  CHECK_EQ(wp_cabi_handles_count(g.handles), 0);
  OK(wp_cabi_cx_finish(&cx));
  tg_free(&g);
}

static void test_borrow_scope(void) {
  tguest_t g;
  tg_init(&g, 65536);
  const wp_cabi_resource_t *r = wp_cabi_resource_type(T, "host-file", NULL, dtor, NULL);
  const wp_cabi_type_t *bor = wp_cabi_type_borrow(T, r);
  wp_cabi_func_t fn = {2, NULL, (const wp_cabi_type_t *[]){bor, bor}, NULL};
  wp_cabi_val_t args[2] = {{.kind = WP_CABI_BORROW, .of.rep = 1000}, {.kind = WP_CABI_BORROW, .of.rep = 2000}};
  wp_cabi_flat_t flat[2];
  size_t n;
  wp_cabi_cx_t cx;
  ndropped = 0;
  /* host calls a guest export with two borrows; the guest drops both */
  wp_cabi_cx_init(&cx, &g.g, NULL);
  OK(wp_cabi_lower_args(&cx, &fn, args, flat, &n));
  CHECK_EQ(cx.num_borrows, 2);
  uint32_t rep;
  OK(wp_cabi_resource_rep(g.handles, r, flat[1].i32, &rep));
  CHECK_EQ(rep, 2000);
  OK(wp_cabi_resource_drop(g.handles, r, flat[1].i32)); /* out of order */
  OK(wp_cabi_resource_drop(g.handles, r, flat[0].i32));
  CHECK_EQ(ndropped, 0); /* borrows never run the destructor */
  OK(wp_cabi_cx_finish(&cx));
  /* the guest forgets one: the call traps at return, and the handle is gone */
  wp_cabi_cx_init(&cx, &g.g, NULL);
  OK(wp_cabi_lower_args(&cx, &fn, args, flat, &n));
  OK(wp_cabi_resource_drop(g.handles, r, flat[0].i32));
  FAILS(wp_cabi_cx_finish(&cx), "1 borrow handle(s) lent to the guest were not dropped before the call returned");
  CHECK_EQ(wp_cabi_handles_count(g.handles), 0);
  FAILS(wp_cabi_resource_drop(g.handles, r, flat[1].i32), "dangling or already dropped");
  tg_free(&g);
}

/* The inline lookup the plugin loader's direct entries use
** (wp_cabi_handles_rep_live: no test of its own for handle 0, which relies
** on slot 0's entry staying zero) agrees with wp_cabi_resource_rep on every
** kind of bad handle, through growth, clear and mark/restore. */
static void test_rep_live(void) {
  wp_cabi_handles_t *h = wp_cabi_handles_new();
  const wp_cabi_resource_t *file = wp_cabi_resource_type(T, "file", h, dtor, NULL);
  const wp_cabi_resource_t *sock = wp_cabi_resource_type(T, "socket", h, dtor, NULL);
  uint32_t hs[40], rep = 0;
  ndropped = 0;
  /* past 16 entries: the table grows (moves) */
  for (uint32_t i = 0; i < 40; i++) OK(wp_cabi_resource_new(h, i % 2 ? sock : file, 1000 + i, &hs[i]));
  for (uint32_t i = 0; i < 40; i++) {
    const wp_cabi_resource_t *r = i % 2 ? sock : file, *other = i % 2 ? file : sock;
    CHECK(wp_cabi_handles_rep_live(h, r, hs[i], &rep) && rep == 1000 + i, "live handle %u", hs[i]);
    CHECK(!wp_cabi_handles_rep_live(h, other, hs[i], &rep), "handle %u of another type", hs[i]);
    FAILS(wp_cabi_resource_rep(h, other, hs[i], &rep), "expected a");
  }
  uint32_t len = hs[39] + 1; /* handles are 1..40: the table's length is 41 */
  rep = 7;
  CHECK(!wp_cabi_handles_rep_live(h, file, 0, &rep) && !wp_cabi_handles_rep_live(h, sock, 0, &rep), "handle 0");
  CHECK(!wp_cabi_handles_rep_live(h, file, len, &rep) && !wp_cabi_handles_rep_live(h, sock, len, &rep),
        "handle %u (the table's length)", len);
  CHECK(!wp_cabi_handles_rep_live(h, file, UINT32_MAX, &rep), "handle 2^32-1");
  CHECK(!wp_cabi_resource_rep_live(NULL, file, hs[0], &rep) && !wp_cabi_resource_rep_live(h, NULL, 0, &rep),
        "no table / no resource");
  CHECK_EQ(rep, 7); /* a failed lookup writes nothing */
  /* a dropped handle, then its slot reused by the other type */
  OK(wp_cabi_resource_drop(h, file, hs[4]));
  CHECK(!wp_cabi_handles_rep_live(h, file, hs[4], &rep), "dropped handle %u", hs[4]);
  FAILS(wp_cabi_resource_rep(h, file, hs[4], &rep), "unknown handle 5");
  uint32_t again;
  OK(wp_cabi_resource_new(h, sock, 77, &again));
  CHECK_EQ(again, hs[4]);
  CHECK(!wp_cabi_handles_rep_live(h, file, again, &rep), "stale handle %u, now a socket", again);
  CHECK(wp_cabi_handles_rep_live(h, sock, again, &rep) && rep == 77, "the socket in the reused slot");
  /* slot 0 stays empty through a mark and restore, and a clear */
  const char *why = NULL;
  wp_cabi_handles_mark_t *m = wp_cabi_handles_mark(h, &why);
  CHECK(m != NULL, "mark: %s", why ? why : "");
  OK(wp_cabi_resource_new(h, file, 88, &again));
  CHECK(m && wp_cabi_handles_restore(h, m), "restore");
  wp_cabi_handles_mark_free(m);
  CHECK(!wp_cabi_handles_rep_live(h, file, 0, &rep) && !wp_cabi_handles_rep_live(h, file, again, &rep),
        "after restore: handle 0, the handle made after the mark");
  /* a clear keeps the entries' memory (slot 1 still says file, slot 2
  ** socket): only the length tells they are gone */
  wp_cabi_handles_clear(h);
  CHECK(!wp_cabi_handles_rep_live(h, file, 0, &rep) && !wp_cabi_handles_rep_live(h, file, 1, &rep) &&
            !wp_cabi_handles_rep_live(h, sock, 2, &rep),
        "after clear");
  OK(wp_cabi_resource_new(h, file, 99, &again));
  CHECK(again == 1 && wp_cabi_handles_rep_live(h, file, 1, &rep) && rep == 99, "a new handle after clear");
  CHECK(!wp_cabi_handles_rep_live(h, file, 0, &rep) && !wp_cabi_handles_rep_live(h, sock, 2, &rep),
        "after clear: handle 0, the handle past the end");
  FAILS(wp_cabi_resource_rep(h, sock, 2, &rep), "unknown handle 2");
  wp_cabi_handles_delete(h);
}

int main(void) {
  T = wp_cabi_types_new();
  test_basic();
  test_rep_live();
  test_own_transfer();
  test_borrow_lending();
  test_borrow_scope();
  wp_cabi_types_delete(T);
  return t_done("cabi_resources");
}
