/*
 * test_async.c -- the async values of the canonical ABI layer (cabi.h
 * section 9): streams and futures between two fake guests and the host,
 * partial copies, cancellation, drops, element validation while copying,
 * handles moving with their values, waitable sets, error contexts.
 */
#include "harness.h"

static wp_cabi_types_t *T;
static const wp_cabi_type_t *U8, *STR, *S_U8, *S_STR, *F_U32, *F_STR, *EC, *S_OWN;
static const wp_cabi_resource_t *RES;

/* A stream.read/write on end `e` over guest memory [ptr, ptr+n). */
static wp_cabi_error_t *start(wp_cabi_end_t *e, tguest_t *g, uint32_t ptr, uint32_t n) {
  wp_cabi_error_t *err = wp_cabi_buffer_guest(&e->buf, wp_cabi_end_elem(e), &g->g, ptr, n);
  return err ? err : wp_cabi_end_copy(e);
}

/* The pending event's payload, or WP_CABI_BLOCKED. */
static uint32_t take(wp_cabi_end_t *e) {
  if (!wp_cabi_waitable_has_event(&e->w)) return WP_CABI_BLOCKED;
  wp_cabi_event_t ev;
  wp_cabi_waitable_take_event(&e->w, &ev);
  return ev.p2;
}

static void new_in(tguest_t *rg, tguest_t *wg, const wp_cabi_type_t *t, bool future, wp_cabi_end_t **r,
                   wp_cabi_end_t **w, uint32_t *ri, uint32_t *wi) {
  OK(wp_cabi_stream_new(t, future, r, w));
  OK(wp_cabi_async_put_end(rg->handles, false, *r, ri));
  OK(wp_cabi_async_put_end(wg->handles, false, *w, wi));
}

static void test_stream_u8(void) {
  tguest_t a, b;
  tg_init(&a, 65536);
  tg_init(&b, 65536);
  wp_cabi_end_t *r, *w;
  uint32_t ri, wi;
  new_in(&a, &b, U8, false, &r, &w, &ri, &wi);
  CHECK(ri == 1 && wi == 1);
  /* reader first: blocked; writer completes at once; reader gets 4 */
  OK(start(r, &a, 100, 8));
  CHECK_EQ(take(r), WP_CABI_BLOCKED);
  CHECK(r->state == WP_CABI_COPY_COPYING);
  memcpy(b.mem + 200, "abcd", 4);
  OK(start(w, &b, 200, 4));
  CHECK_EQ(take(w), WP_CABI_COPY_COMPLETED | (4 << 4));
  CHECK(w->state == WP_CABI_COPY_IDLE);
  wp_cabi_event_t ev;
  CHECK(wp_cabi_waitable_has_event(&r->w));
  wp_cabi_waitable_take_event(&r->w, &ev);
  CHECK_EQ(ev.code, WP_CABI_EVENT_STREAM_READ);
  CHECK_EQ(ev.p1, ri);
  CHECK_EQ(ev.p2, WP_CABI_COPY_COMPLETED | (4 << 4));
  CHECK(!memcmp(a.mem + 100, "abcd", 4));
  /* writer first, partial read: 2 of 6, then the rest */
  memcpy(b.mem + 300, "uvwxyz", 6);
  OK(start(w, &b, 300, 6));
  CHECK_EQ(take(w), WP_CABI_BLOCKED);
  OK(start(r, &a, 400, 2));
  CHECK_EQ(take(r), WP_CABI_COPY_COMPLETED | (2 << 4));
  CHECK(!memcmp(a.mem + 400, "uv", 2));
  OK(start(r, &a, 402, 10)); /* the writer's buffer is still pending: 4 more */
  CHECK_EQ(take(r), WP_CABI_COPY_COMPLETED | (4 << 4));
  CHECK(!memcmp(a.mem + 402, "wxyz", 4));
  CHECK_EQ(take(w), WP_CABI_COPY_COMPLETED | (6 << 4));
  /* cancel a pending read */
  OK(start(r, &a, 500, 4));
  CHECK_EQ(take(r), WP_CABI_BLOCKED);
  wp_cabi_end_cancel(r);
  CHECK_EQ(take(r), WP_CABI_COPY_CANCELLED);
  CHECK(r->state == WP_CABI_COPY_IDLE);
  /* zero-length write against a zero-length read: completes */
  OK(start(r, &a, 0, 0));
  OK(start(w, &b, 0, 0));
  CHECK_EQ(take(w), WP_CABI_COPY_COMPLETED);
  wp_cabi_end_cancel(r);
  take(r);
  /* dropping a busy end traps; the reader goes while the writer waits */
  OK(start(w, &b, 300, 2));
  FAILS(wp_cabi_end_drop_check(w), "cannot drop busy stream");
  wp_cabi_obj_t *o;
  OK(wp_cabi_handles_remove_obj(a.handles, ri, WP_CABI_OBJ_STREAM_READABLE, "stream.drop-readable", &o));
  OK(wp_cabi_end_drop_check(r));
  wp_cabi_end_free(r);
  CHECK_EQ(take(w), WP_CABI_COPY_DROPPED);
  CHECK(w->state == WP_CABI_COPY_DONE);
  OK(start(w, &b, 300, 2));
  CHECK_EQ(take(w), WP_CABI_COPY_DROPPED);
  /* bad buffers trap before anything moves */
  FAILS(wp_cabi_buffer_guest(&w->buf, U8, &b.g, 65530, 10), "out of bounds");
  FAILS(wp_cabi_buffer_guest(&w->buf, STR, &b.g, 2, 1), "not aligned");
  FAILS(wp_cabi_buffer_guest(&w->buf, U8, &b.g, 0, 1u << 28), "maximum");
  tg_free(&a);
  tg_free(&b);
}

static void test_stream_validation(void) {
  tguest_t a, b;
  tg_init(&a, 65536);
  tg_init(&b, 65536);
  wp_cabi_end_t *r, *w;
  uint32_t ri, wi;
  new_in(&a, &b, STR, false, &r, &w, &ri, &wi);
  /* two strings from b's memory to a's, through a's realloc */
  memcpy(b.mem + 1000, "hello", 5);
  memcpy(b.mem + 1010, "\xc3\xa9t\xc3\xa9", 5);
  uint32_t desc[4] = {1000, 5, 1010, 5};
  memcpy(b.mem + 64, desc, sizeof desc);
  OK(start(w, &b, 64, 2));
  OK(start(r, &a, 128, 2));
  CHECK_EQ(take(r), WP_CABI_COPY_COMPLETED | (2 << 4));
  uint32_t got[4];
  memcpy(got, a.mem + 128, sizeof got);
  CHECK(got[1] == 5 && !memcmp(a.mem + got[0], "hello", 5) && got[3] == 5 && !memcmp(a.mem + got[2], "\xc3\xa9t\xc3\xa9", 5));
  CHECK_EQ(take(w), WP_CABI_COPY_COMPLETED | (2 << 4));
  /* invalid UTF-8 in the writer's memory traps the copy */
  memcpy(b.mem + 1020, "\xff", 1);
  uint32_t bad[2] = {1020, 1};
  memcpy(b.mem + 80, bad, sizeof bad);
  OK(start(r, &a, 128, 1));
  FAILS(start(w, &b, 80, 1), "UTF-8");
  /* a string pointing out of the writer's memory traps too */
  new_in(&a, &b, STR, false, &r, &w, &ri, &wi);
  uint32_t oob[2] = {65000, 4096};
  memcpy(b.mem + 88, oob, sizeof oob);
  OK(start(w, &b, 88, 1));
  FAILS(start(r, &a, 128, 1), "out of bounds");
  tg_free(&a);
  tg_free(&b);
}

static void test_stream_handles(void) {
  tguest_t a, b;
  tg_init(&a, 65536);
  tg_init(&b, 65536);
  wp_cabi_end_t *r, *w;
  uint32_t ri, wi, h1, h2;
  new_in(&a, &b, S_OWN->elem, false, &r, &w, &ri, &wi);
  OK(wp_cabi_resource_new(b.handles, RES, 77, &h1));
  OK(wp_cabi_resource_new(b.handles, RES, 78, &h2));
  uint32_t hs[2] = {h1, h2};
  memcpy(b.mem + 64, hs, sizeof hs);
  OK(start(w, &b, 64, 2));
  OK(start(r, &a, 64, 2));
  CHECK_EQ(take(r), WP_CABI_COPY_COMPLETED | (2 << 4));
  /* the own handles left b's table and arrived in a's */
  uint32_t rep = 0, out[2];
  memcpy(out, a.mem + 64, sizeof out);
  FAILS(wp_cabi_resource_rep(b.handles, RES, h1, &rep), "unknown handle");
  OK(wp_cabi_resource_rep(a.handles, RES, out[0], &rep));
  CHECK_EQ(rep, 77);
  OK(wp_cabi_resource_rep(a.handles, RES, out[1], &rep));
  CHECK_EQ(rep, 78);
  tg_free(&a);
  tg_free(&b);
}

static void test_future(void) {
  tguest_t a, b;
  tg_init(&a, 65536);
  tg_init(&b, 65536);
  wp_cabi_end_t *r, *w;
  uint32_t ri, wi;
  new_in(&a, &b, wp_cabi_type_prim(T, WP_CABI_U32), true, &r, &w, &ri, &wi);
  FAILS(wp_cabi_end_drop_check(w), "without first writing a value");
  uint32_t v = 0xabcdef;
  memcpy(b.mem + 64, &v, 4);
  OK(start(w, &b, 64, 1));
  CHECK_EQ(take(w), WP_CABI_BLOCKED);
  OK(start(r, &a, 64, 1));
  CHECK_EQ(take(r), WP_CABI_COPY_COMPLETED);
  CHECK(r->state == WP_CABI_COPY_DONE);
  CHECK_EQ(take(w), WP_CABI_COPY_COMPLETED);
  CHECK(w->state == WP_CABI_COPY_DONE);
  memcpy(&v, a.mem + 64, 4);
  CHECK_EQ(v, 0xabcdef);
  wp_cabi_obj_t *o;
  OK(wp_cabi_handles_remove_obj(b.handles, wi, WP_CABI_OBJ_FUTURE_WRITABLE, "future.drop-writable", &o));
  OK(wp_cabi_end_drop_check(w));
  wp_cabi_end_free(w);
  /* a future<string> read and written by the same instance traps */
  new_in(&a, &a, F_STR->elem, true, &r, &w, &ri, &wi);
  OK(start(r, &a, 64, 1));
  FAILS(start(w, &a, 72, 1), "intra-component future");
  tg_free(&a);
  tg_free(&b);
}

static void test_values(void) {
  tguest_t a, b;
  tg_init(&a, 65536);
  tg_init(&b, 65536);
  wp_cabi_end_t *r, *w;
  uint32_t ri, wi;
  new_in(&a, &b, U8, false, &r, &w, &ri, &wi);
  wp_cabi_cx_t cx;
  wp_cabi_flat_t f = {.i32 = ri};
  wp_cabi_val_t v;
  /* a busy readable end cannot be passed on */
  OK(start(r, &a, 0, 1));
  wp_cabi_cx_init(&cx, &a.g, NULL);
  FAILS(wp_cabi_lift_flat(&cx, S_U8, &f, 1, &v), "cannot lift busy stream");
  wp_cabi_end_cancel(r);
  take(r);
  /* in a waitable set: neither */
  wp_cabi_wset_t *ws = wp_cabi_wset_new();
  OK(wp_cabi_waitable_join(&r->w, ws));
  FAILS(wp_cabi_lift_flat(&cx, S_U8, &f, 1, &v), "waitable set");
  FAILS(wp_cabi_wset_drop(ws), "still in it");
  OK(wp_cabi_waitable_join(&r->w, NULL));
  OK(wp_cabi_wset_drop(ws));
  /* the wrong handle kind */
  wp_cabi_flat_t fw = {.i32 = 99};
  FAILS(wp_cabi_lift_flat(&cx, S_U8, &fw, 1, &v), "unknown handle index 99");
  /* moved: out of a's table, into b's as a new readable end */
  OK(wp_cabi_lift_flat(&cx, S_U8, &f, 1, &v));
  wp_cabi_val_t v2;
  FAILS(wp_cabi_lift_flat(&cx, S_U8, &f, 1, &v2), "unknown handle");
  OK(wp_cabi_cx_finish(&cx));
  wp_cabi_cx_init(&cx, &b.g, NULL);
  wp_cabi_flat_t out;
  OK(wp_cabi_lower_flat(&cx, S_U8, &v, &out));
  OK(wp_cabi_cx_finish(&cx));
  wp_cabi_val_drop(&v); /* the value's reference; the new end keeps the stream */
  wp_cabi_obj_t *o;
  OK(wp_cabi_handles_get_obj(b.handles, out.i32, WP_CABI_OBJ_STREAM_READABLE, "test", &o));
  wp_cabi_end_t *r2 = (wp_cabi_end_t *)o;
  memcpy(b.mem + 600, "z", 1);
  OK(start(w, &b, 600, 1));
  OK(start(r2, &b, 700, 1));
  CHECK_EQ(take(r2), WP_CABI_COPY_COMPLETED | (1 << 4));
  CHECK(b.mem[700] == 'z');
  /* a value never lowered drops the readable side: the writer is told */
  take(w);
  OK(wp_cabi_handles_remove_obj(b.handles, out.i32, 0, "test", &o));
  wp_cabi_cx_init(&cx, &b.g, NULL);
  OK(wp_cabi_async_put_end(b.handles, false, r2, &ri));
  f.i32 = ri;
  OK(wp_cabi_lift_flat(&cx, S_U8, &f, 1, &v));
  OK(wp_cabi_cx_finish(&cx));
  OK(start(w, &b, 600, 1));
  CHECK_EQ(take(w), WP_CABI_BLOCKED);
  wp_cabi_val_drop(&v);
  CHECK_EQ(take(w), WP_CABI_COPY_DROPPED);
  /* error contexts: the handle stays, values and tables hold references */
  wp_cabi_errctx_t *ec = wp_cabi_errctx_new("oops", 4);
  uint32_t ei;
  OK(wp_cabi_handles_add_obj(a.handles, &ec->obj, &ei));
  wp_cabi_cx_init(&cx, &a.g, NULL);
  f.i32 = ei;
  OK(wp_cabi_lift_flat(&cx, EC, &f, 1, &v));
  wp_cabi_val_drop(&v);
  OK(wp_cabi_lift_flat(&cx, EC, &f, 1, &v));
  OK(wp_cabi_cx_finish(&cx));
  CHECK_EQ(ec->refs, 2);
  wp_cabi_cx_init(&cx, &b.g, NULL);
  OK(wp_cabi_lower_flat(&cx, EC, &v, &out));
  OK(wp_cabi_cx_finish(&cx));
  wp_cabi_val_drop(&v);
  CHECK_EQ(ec->refs, 2); /* a's table and b's */
  FAILS(wp_cabi_handles_get_obj(a.handles, ei, WP_CABI_OBJ_STREAM_READABLE, "stream.read", &o),
        "stream.read: handle 1 is an error context, not a stream read end");
  tg_free(&a);
  tg_free(&b);
}

/* A guest writes stream<string> into a host buffer in the native layout
** (what a plugin reading a stream gets), and the host writes back. */
static void test_host_buffers(void) {
  tguest_t a;
  tg_init(&a, 65536);
  wp_cabi_handles_t *host = wp_cabi_handles_new();
  wp_cabi_end_t *r, *w;
  uint32_t ri, wi;
  OK(wp_cabi_stream_new(STR, false, &r, &w));
  OK(wp_cabi_async_put_end(host, true, r, &ri));
  OK(wp_cabi_async_put_end(a.handles, false, w, &wi));
  memcpy(a.mem + 1000, "hi there", 8);
  uint32_t desc[2] = {1000, 8};
  memcpy(a.mem + 64, desc, sizeof desc);
  OK(start(w, &a, 64, 1));
  wp_cabi_arena_t *arena = wp_cabi_arena_new(0);
  struct { const uint8_t *ptr; size_t len; } got[2];
  memset(got, 0, sizeof got);
  wp_cabi_buffer_host(&r->buf, STR, got, 2, arena, host);
  OK(wp_cabi_end_copy(r));
  CHECK_EQ(take(r), WP_CABI_COPY_COMPLETED | (1 << 4));
  CHECK(got[0].len == 8 && !memcmp(got[0].ptr, "hi there", 8));
  CHECK_EQ(take(w), WP_CABI_COPY_COMPLETED | (1 << 4));
  /* host -> guest */
  wp_cabi_end_t *r2, *w2;
  OK(wp_cabi_stream_new(STR, false, &r2, &w2));
  OK(wp_cabi_async_put_end(a.handles, false, r2, &ri));
  OK(wp_cabi_async_put_end(host, true, w2, &wi));
  got[0].ptr = (const uint8_t *)"back";
  got[0].len = 4;
  wp_cabi_buffer_host(&w2->buf, STR, got, 1, arena, host);
  OK(wp_cabi_end_copy(w2));
  OK(start(r2, &a, 128, 4));
  CHECK_EQ(take(r2), WP_CABI_COPY_COMPLETED | (1 << 4));
  uint32_t d[2];
  memcpy(d, a.mem + 128, 8);
  CHECK(d[1] == 4 && !memcmp(a.mem + d[0], "back", 4));
  wp_cabi_arena_delete(arena);
  wp_cabi_handles_delete(host);
  tg_free(&a);
}

int main(void) {
  T = wp_cabi_types_new();
  U8 = wp_cabi_type_prim(T, WP_CABI_U8);
  STR = wp_cabi_type_prim(T, WP_CABI_STRING);
  S_U8 = wp_cabi_type_stream(T, U8);
  S_STR = wp_cabi_type_stream(T, STR);
  F_U32 = wp_cabi_type_future(T, wp_cabi_type_prim(T, WP_CABI_U32));
  F_STR = wp_cabi_type_future(T, STR);
  EC = wp_cabi_type_error_context(T);
  RES = wp_cabi_resource_type(T, "r", NULL, NULL, NULL);
  S_OWN = wp_cabi_type_stream(T, wp_cabi_type_own(T, RES));
  CHECK(S_U8 && S_STR && F_U32 && F_STR && EC && S_OWN);
  CHECK(!wp_cabi_type_stream(T, wp_cabi_type_prim(T, WP_CABI_CHAR)));
  CHECK(!wp_cabi_type_stream(T, wp_cabi_type_borrow(T, RES)));
  CHECK(S_U8->guest.size == 4 && S_U8->nflat == 1 && !S_U8->plain);
  CHECK(wp_cabi_type_equal(S_U8, wp_cabi_type_stream(T, U8)) && !wp_cabi_type_equal(S_U8, S_STR));
  char buf[64];
  wp_cabi_type_print(F_STR, buf, sizeof buf);
  CHECK(!strcmp(buf, "future<string>"));
  test_stream_u8();
  test_stream_validation();
  test_stream_handles();
  test_future();
  test_values();
  test_host_buffers();
  wp_cabi_types_delete(T);
  return t_done("cabi_async");
}
