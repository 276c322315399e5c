/*
 * test_roundtrip.c -- the type matrix: every type constructor, nested,
 * round-tripped guest -> host -> guest through the value tree and through
 * the native layout, with byte-exact checks of the guest memory images, in
 * all three string encodings and with a guest whose memory moves on every
 * realloc.  Values are written in WAVE for brevity (WAVE has its own tests).
 */
#include "harness.h"

static wp_cabi_types_t *T;
#define P(k) wp_cabi_type_prim(T, WP_CABI_##k)

static const wp_cabi_type_t *rec(int n, const char **names, const wp_cabi_type_t **ts) {
  const wp_cabi_type_t *t = wp_cabi_type_record(T, (size_t)n, names, ts);
  if (!t) fprintf(stderr, "type error: %s\n", wp_cabi_types_error(T));
  return t;
}

typedef struct {
  const wp_cabi_type_t *ty;
  const char *wave;
} case_t;

static case_t cases[64];
static int ncases;

static void add(const wp_cabi_type_t *ty, const char *wave) {
  cases[ncases].ty = ty;
  cases[ncases].wave = wave;
  ncases++;
}

static void build_matrix(void) {
  add(P(BOOL), "true");
  add(P(S8), "-5");
  add(P(U8), "250");
  add(P(S16), "-300");
  add(P(U16), "60000");
  add(P(S32), "-7");
  add(P(U32), "3735928559");
  add(P(S64), "-1000000000000");
  add(P(U64), "18446744073709551615");
  add(P(F32), "1.5");
  add(P(F64), "-2.25");
  add(P(F64), "nan");
  add(P(CHAR), "'\\u{1f600}'");
  add(P(STRING), "\"hello, w\\u{f6}rld \\u{1f600} caf\\u{e9}\"");
  add(P(STRING), "\"\"");
  add(wp_cabi_type_list(T, P(U8)), "[1, 2, 3]");
  add(wp_cabi_type_list(T, P(STRING)), "[\"a\", \"\", \"\\u{3b1}\\u{3b2}\\u{3b3}\"]");
  add(wp_cabi_type_list(T, P(U32)), "[]");
  const char *abc[] = {"a", "b", "c", "d"};
  const wp_cabi_type_t *r1 = rec(3, abc, (const wp_cabi_type_t *[]){P(U8), P(STRING), wp_cabi_type_option(T, P(U16))});
  add(r1, "{a: 7, b: \"hi\", c: some(4660)}");
  add(wp_cabi_type_tuple(T, 3, (const wp_cabi_type_t *[]){P(U64), P(CHAR), P(BOOL)}), "(42, 'x', false)");
  const wp_cabi_type_t *v =
      wp_cabi_type_variant(T, 4, abc, (const wp_cabi_type_t *[]){P(U16), P(STRING), NULL, P(F64)});
  add(v, "a(65535)");
  add(v, "b(\"case b\")");
  add(v, "c");
  add(v, "d(0.5)");
  const char *xyz[] = {"x", "y", "z"};
  add(wp_cabi_type_enum(T, 3, xyz), "y");
  const wp_cabi_type_t *oo = wp_cabi_type_option(T, wp_cabi_type_option(T, P(STRING)));
  add(oo, "some(none)");
  add(oo, "some(some(\"x\"))");
  add(oo, "none");
  const wp_cabi_type_t *rs = wp_cabi_type_result(T, P(STRING), P(U32));
  add(rs, "ok(\"fine\")");
  add(rs, "err(5)");
  add(wp_cabi_type_result(T, NULL, NULL), "err");
  add(wp_cabi_type_result(T, P(U8), NULL), "err");
  add(wp_cabi_type_flags(T, 3, (const char *[]){"r", "w", "x"}), "{r, x}");
  /* nested: list<record{name: string, tags: list<variant{s(string), n(u32), none}>, score: option<f64>}> */
  const wp_cabi_type_t *tag =
      wp_cabi_type_variant(T, 3, (const char *[]){"s", "n", "nothing"}, (const wp_cabi_type_t *[]){P(STRING), P(U32), NULL});
  const wp_cabi_type_t *item = rec(3, (const char *[]){"name", "tags", "score"},
                                   (const wp_cabi_type_t *[]){P(STRING), wp_cabi_type_list(T, tag),
                                                              wp_cabi_type_option(T, P(F64))});
  add(wp_cabi_type_list(T, item),
      "[{name: \"one\", tags: [s(\"x\"), n(3), nothing], score: some(1.25)}, "
      "{name: \"\\u{1f600}two\", tags: [], score: none}]");
  add(wp_cabi_type_list(T, wp_cabi_type_list(T, P(STRING))), "[[\"a\", \"b\"], [], [\"c\"]]");
  /* plain element types take the memcpy path */
  add(wp_cabi_type_list(T, wp_cabi_type_tuple(T, 2, (const wp_cabi_type_t *[]){P(U8), P(U16)})), "[(1, 2), (3, 65535)]");
  add(wp_cabi_type_list(T, rec(2, abc, (const wp_cabi_type_t *[]){P(U32), P(U8)})), "[{a: 1, b: 2}, {a: 4294967295, b: 255}]");
  add(wp_cabi_type_list(T, P(F32)), "[1.5, -0, inf]");
  add(wp_cabi_type_list(T, wp_cabi_type_result(T, P(F32), P(U64))), "[ok(2.5), err(9007199254740993)]");
  add(wp_cabi_type_list(T, P(CHAR)), "['a', '\\u{10ffff}']");
  /* fixed-length lists (plain: memcpy; strings: per element) and maps */
  add(wp_cabi_type_fixed_list(T, P(U16), 3), "[1, 2, 65535]");
  add(wp_cabi_type_fixed_list(T, P(STRING), 2), "[\"x\", \"\\u{1f600}yz\"]");
  add(wp_cabi_type_list(T, wp_cabi_type_fixed_list(T, wp_cabi_type_option(T, P(U8)), 2)), "[[some(1), none], [none, some(2)]]");
  add(wp_cabi_type_map(T, P(STRING), wp_cabi_type_list(T, P(U32))), "[(\"a\", [1, 2]), (\"\", [])]");
  add(wp_cabi_type_map(T, P(CHAR), P(BOOL)), "[]");
  /* a variant whose flat form joins f32/i64 */
  const wp_cabi_type_t *jv = wp_cabi_type_variant(T, 3, xyz, (const wp_cabi_type_t *[]){P(F32), P(U64), P(F64)});
  add(jv, "x(-1.5)");
  add(jv, "y(12345678901234)");
  add(jv, "z(3.25)");
}

/* Allocates ty in a fresh guest (bump at 1024), stores through the value
 * tree or the native layout, returns the guest's memory image length. */
static void run_case(const case_t *c, wp_cabi_string_encoding_t enc, int mode) {
  wp_cabi_val_t v, back;
  wp_cabi_error_t *e = wp_cabi_wave_parse(c->ty, c->wave, strlen(c->wave), &v);
  if (e) {
    fprintf(stderr, "parse %s: %s\n", c->wave, wp_cabi_error_message(e));
    wp_cabi_error_delete(e);
    failures++;
    return;
  }
  wp_cabi_arena_t *arena = wp_cabi_arena_new(0);
  tguest_t A, B, C;
  tg_init(&A, 65536);
  tg_init(&B, 65536);
  tg_init(&C, 65536);
  A.g.encoding = B.g.encoding = C.g.encoding = enc;
  A.mode = B.mode = C.mode = mode;
  wp_cabi_cx_t cx;
  uint32_t pa, pb, pc;

  /* host value -> guest A */
  wp_cabi_cx_init(&cx, &A.g, arena);
  OK(wp_cabi_opts_realloc(&cx, "top", 0, 0, c->ty->guest.align, c->ty->guest.size, &pa));
  OK(wp_cabi_store(&cx, c->ty, &v, pa));
  OK(wp_cabi_cx_finish(&cx));

  /* guest A -> value -> guest B */
  wp_cabi_cx_init(&cx, &A.g, arena);
  OK(wp_cabi_load(&cx, c->ty, pa, &back));
  OK(wp_cabi_cx_finish(&cx));
  CHECK(wp_cabi_val_equal(&v, &back));
  wp_cabi_cx_init(&cx, &B.g, arena);
  OK(wp_cabi_opts_realloc(&cx, "top", 0, 0, c->ty->guest.align, c->ty->guest.size, &pb));
  OK(wp_cabi_store(&cx, c->ty, &back, pb));
  OK(wp_cabi_cx_finish(&cx));

  /* guest A -> native layout -> guest C (no value tree) */
  void *native = wp_cabi_arena_alloc(arena, c->ty->native.size, c->ty->native.align);
  wp_cabi_cx_init(&cx, &A.g, arena);
  OK(wp_cabi_load_native(&cx, c->ty, pa, native));
  OK(wp_cabi_cx_finish(&cx));
  wp_cabi_cx_init(&cx, &C.g, arena);
  OK(wp_cabi_opts_realloc(&cx, "top", 0, 0, c->ty->guest.align, c->ty->guest.size, &pc));
  OK(wp_cabi_store_native(&cx, c->ty, native, pc));
  OK(wp_cabi_cx_finish(&cx));

  /* byte-exact: same allocation order gives identical images */
  CHECK_EQ(pa, pb);
  CHECK_EQ(pa, pc);
  CHECK_EQ(A.bump, B.bump);
  CHECK_EQ(A.bump, C.bump);
  if (A.bump == B.bump && A.bump == C.bump) {
    bool same_b = !memcmp(A.mem, B.mem, A.bump), same_c = !memcmp(A.mem, C.mem, A.bump);
    CHECK(same_b);
    CHECK(same_c);
    if (!same_b || !same_c) fprintf(stderr, "  image mismatch for %s (enc %d, mode %d)\n", c->wave, enc, mode);
  }

  /* flat round trip, when the type fits in 16 flat values */
  if (c->ty->nflat <= WP_CABI_MAX_FLAT_PARAMS) {
    wp_cabi_flat_t flat[WP_CABI_FLAT_CAP], flat2[WP_CABI_FLAT_CAP];
    wp_cabi_val_t fv;
    wp_cabi_cx_init(&cx, &B.g, arena);
    OK(wp_cabi_lower_flat(&cx, c->ty, &v, flat));
    OK(wp_cabi_lift_flat(&cx, c->ty, flat, c->ty->nflat, &fv));
    CHECK(wp_cabi_val_equal(&v, &fv));
    /* and the native flat path gives the same flat values */
    void *nat2 = wp_cabi_arena_alloc(arena, c->ty->native.size, c->ty->native.align);
    OK(wp_cabi_lift_flat_native(&cx, c->ty, flat, c->ty->nflat, nat2));
    OK(wp_cabi_lower_flat_native(&cx, c->ty, nat2, flat2));
    wp_cabi_val_t fv2;
    OK(wp_cabi_lift_flat(&cx, c->ty, flat2, c->ty->nflat, &fv2));
    CHECK(wp_cabi_val_equal(&v, &fv2));
    OK(wp_cabi_cx_finish(&cx));
    wp_cabi_val_drop(&fv);
    wp_cabi_val_drop(&fv2);
  }

  /* and WAVE printing reproduces a parseable, equal value */
  char *txt = NULL;
  OK(wp_cabi_wave_print(c->ty, &v, &txt));
  if (txt) {
    wp_cabi_val_t again;
    OK(wp_cabi_wave_parse(c->ty, txt, strlen(txt), &again));
    CHECK(wp_cabi_val_equal(&v, &again));
    wp_cabi_val_drop(&again);
    free(txt);
  }

  wp_cabi_val_drop(&v);
  wp_cabi_val_drop(&back);
  wp_cabi_arena_delete(arena);
  tg_free(&A);
  tg_free(&B);
  tg_free(&C);
}

/* Hand-built value, hand-computed bytes (independent of WAVE). */
static void test_exact_bytes(void) {
  const char *abc[] = {"a", "b", "c"};
  const wp_cabi_type_t *ty = rec(3, abc, (const wp_cabi_type_t *[]){P(U8), P(STRING), wp_cabi_type_option(T, P(U16))});
  CHECK_EQ(ty->guest.size, 16);
  wp_cabi_val_t f[3], payload = {.kind = WP_CABI_U16, .of.u16 = 0x1234};
  char hi[] = "hi";
  f[0] = (wp_cabi_val_t){.kind = WP_CABI_U8, .of.u8 = 7};
  f[1] = (wp_cabi_val_t){.kind = WP_CABI_STRING, .of.str = {hi, 2}};
  f[2] = (wp_cabi_val_t){.kind = WP_CABI_OPTION, .of.var = {1, &payload}};
  wp_cabi_val_t v = {.kind = WP_CABI_RECORD, .of.list = {f, 3}};
  tguest_t g;
  tg_init(&g, 65536);
  wp_cabi_cx_t cx;
  wp_cabi_cx_init(&cx, &g.g, NULL);
  uint32_t p;
  OK(wp_cabi_opts_realloc(&cx, "top", 0, 0, 4, 16, &p));
  CHECK_EQ(p, 1024);
  OK(wp_cabi_store(&cx, ty, &v, p));
  static const uint8_t want[] = {7, 0, 0, 0, 0x10, 0x04, 0, 0, 2, 0, 0, 0, 1, 0, 0x34, 0x12, 'h', 'i'};
  CHECK(!memcmp(g.mem + 1024, want, sizeof want));
  CHECK_EQ(g.bump, 1042);
  /* UTF-16 guest: the string is 2 units at an even address */
  tguest_t u;
  tg_init(&u, 65536);
  u.g.encoding = WP_CABI_UTF16;
  wp_cabi_cx_init(&cx, &u.g, NULL);
  OK(wp_cabi_opts_realloc(&cx, "top", 0, 0, 4, 16, &p));
  OK(wp_cabi_store(&cx, ty, &v, p));
  static const uint8_t want16[] = {7, 0, 0, 0, 0x10, 0x04, 0, 0, 2, 0, 0, 0, 1, 0, 0x34, 0x12, 'h', 0, 'i', 0};
  CHECK(!memcmp(u.mem + 1024, want16, sizeof want16));
  /* latin1+utf16 guest: "hi" is latin1, untagged */
  tguest_t l;
  tg_init(&l, 65536);
  l.g.encoding = WP_CABI_LATIN1_UTF16;
  wp_cabi_cx_init(&cx, &l.g, NULL);
  OK(wp_cabi_opts_realloc(&cx, "top", 0, 0, 4, 16, &p));
  OK(wp_cabi_store(&cx, ty, &v, p));
  CHECK(!memcmp(l.mem + 1024, want, sizeof want));
  tg_free(&g);
  tg_free(&u);
  tg_free(&l);
}

/* Function level: > 16 flat params spill to memory; results > 1 flat go
 * through a returned pointer (lift) or a retptr (lower). */
static void test_functions(void) {
  const wp_cabi_type_t *ps[18];
  for (int i = 0; i < 17; i++) ps[i] = P(U32);
  ps[17] = P(STRING);
  wp_cabi_func_t f = {18, NULL, ps, wp_cabi_type_tuple(T, 2, (const wp_cabi_type_t *[]){P(STRING), P(U8)})};
  wp_cabi_val_t args[18];
  for (int i = 0; i < 17; i++) args[i] = (wp_cabi_val_t){.kind = WP_CABI_U32, .of.u32 = (uint32_t)i * 3};
  char s[] = "spilled";
  args[17] = (wp_cabi_val_t){.kind = WP_CABI_STRING, .of.str = {s, 7}};
  tguest_t g;
  tg_init(&g, 65536);
  wp_cabi_arena_t *arena = wp_cabi_arena_new(0);
  wp_cabi_cx_t cx;
  wp_cabi_flat_t flat[WP_CABI_MAX_FLAT_PARAMS + 1];
  size_t n;
  wp_cabi_cx_init(&cx, &g.g, arena);
  OK(wp_cabi_lower_args(&cx, &f, args, flat, &n));
  CHECK_EQ(n, 1);
  /* the guest side (lower context) lifts them back from the pointer */
  wp_cabi_val_t back[18];
  OK(wp_cabi_lift_args(&cx, &f, flat, n, back));
  bool eq = true;
  for (int i = 0; i < 18; i++) eq = eq && wp_cabi_val_equal(&args[i], &back[i]);
  CHECK(eq);
  for (int i = 0; i < 18; i++) wp_cabi_val_drop(&back[i]);
  /* native args struct */
  wp_cabi_native_args_t na;
  OK(wp_cabi_func_native_args(&f, &na));
  uint8_t *nargs = wp_cabi_arena_alloc(arena, na.size, na.align);
  OK(wp_cabi_lift_args_native(&cx, &f, flat, n, nargs));
  uint32_t a16;
  memcpy(&a16, nargs + na.offsets[16], 4);
  CHECK_EQ(a16, 48);
  struct { const char *ptr; size_t len; } ns;
  memcpy(&ns, nargs + na.offsets[17], sizeof ns);
  CHECK(ns.len == 7 && !memcmp(ns.ptr, "spilled", 7));
  /* results: guest import stores at retptr (last core param) */
  wp_cabi_val_t rf[2] = {{.kind = WP_CABI_STRING, .of.str = {s, 7}}, {.kind = WP_CABI_U8, .of.u8 = 9}};
  wp_cabi_val_t result = {.kind = WP_CABI_TUPLE, .of.list = {rf, 2}};
  wp_cabi_flat_t core[2] = {flat[0], {.i32 = 2048}};
  wp_cabi_flat_t rflat[1];
  size_t rn = 5;
  OK(wp_cabi_lower_results(&cx, &f, &result, core, 2, rflat, &rn));
  CHECK_EQ(rn, 0);
  /* guest export returned the pointer 2048: lift it */
  wp_cabi_val_t got;
  wp_cabi_flat_t rp = {.i32 = 2048};
  OK(wp_cabi_lift_results(&cx, &f, &rp, 1, &got));
  CHECK(wp_cabi_val_equal(&got, &result));
  wp_cabi_val_drop(&got);
  uint8_t *nres = wp_cabi_arena_alloc(arena, f.result->native.size, f.result->native.align);
  OK(wp_cabi_lift_results_native(&cx, &f, &rp, 1, nres));
  wp_cabi_flat_t core2[2] = {flat[0], {.i32 = 4096}};
  OK(wp_cabi_lower_results_native(&cx, &f, nres, core2, 2, rflat, &rn));
  /* string pointers differ; the other fields match */
  CHECK_EQ(g.mem[2048 + 8], 9);
  CHECK_EQ(g.mem[4096 + 8], 9);
  CHECK(!memcmp(g.mem + 2048 + 4, g.mem + 4096 + 4, 4)); /* same length */
  /* post-return runs the guest callback */
  OK(wp_cabi_post_return(&cx, &rp, 1));
  CHECK_EQ(g.npost, 1);
  /* a direct (flat) function: (u8, f64) -> f32 */
  wp_cabi_func_t fd = {2, NULL, (const wp_cabi_type_t *[]){P(U8), P(F64)}, P(F32)};
  wp_cabi_val_t da[2] = {{.kind = WP_CABI_U8, .of.u8 = 200}, {.kind = WP_CABI_F64, .of.f64 = 0.125}};
  OK(wp_cabi_lower_args(&cx, &fd, da, flat, &n));
  CHECK_EQ(n, 2);
  CHECK_EQ(flat[0].i32, 200);
  CHECK(flat[1].f64 == 0.125);
  wp_cabi_val_t fr = {.kind = WP_CABI_F32, .of.f32 = 2.5f};
  OK(wp_cabi_lower_results(&cx, &fd, &fr, flat, 2, rflat, &rn));
  CHECK_EQ(rn, 1);
  CHECK(rflat[0].f32 == 2.5f);
  /* native args struct -> flat (direct) -> value params */
  wp_cabi_func_t fn3 = {3, NULL, (const wp_cabi_type_t *[]){P(U8), P(STRING), P(F64)}, NULL};
  OK(wp_cabi_func_native_args(&fn3, &na));
  CHECK_EQ(na.offsets[1], 8);
  CHECK_EQ(na.offsets[2], 24);
  CHECK_EQ(na.size, 32);
  uint8_t nbuf[32] = {0};
  nbuf[0] = 77;
  struct { const char *p; size_t n; } nstr = {"native", 6};
  memcpy(nbuf + 8, &nstr, sizeof nstr);
  double d = -1.5;
  memcpy(nbuf + 24, &d, 8);
  OK(wp_cabi_lower_args_native(&cx, &fn3, nbuf, flat, &n));
  CHECK_EQ(n, 4);
  wp_cabi_val_t p3[3];
  OK(wp_cabi_lift_args(&cx, &fn3, flat, n, p3));
  CHECK(p3[0].of.u8 == 77 && p3[1].of.str.len == 6 && !memcmp(p3[1].of.str.ptr, "native", 6) && p3[2].of.f64 == -1.5);
  for (int i = 0; i < 3; i++) wp_cabi_val_drop(&p3[i]);
  /* and spilled: 17 u32 + string from a native struct */
  OK(wp_cabi_func_native_args(&f, &na));
  uint8_t *big = wp_cabi_arena_alloc(arena, na.size, na.align);
  memset(big, 0, na.size);
  for (uint32_t i = 0; i < 17; i++) memcpy(big + na.offsets[i], &i, 4);
  memcpy(big + na.offsets[17], &nstr, sizeof nstr);
  OK(wp_cabi_lower_args_native(&cx, &f, big, flat, &n));
  CHECK_EQ(n, 1);
  OK(wp_cabi_lift_args(&cx, &f, flat, n, back));
  CHECK(back[16].of.u32 == 16 && back[17].of.str.len == 6);
  for (int i = 0; i < 18; i++) wp_cabi_val_drop(&back[i]);
  OK(wp_cabi_cx_finish(&cx));
  wp_cabi_arena_delete(arena);
  tg_free(&g);
}

/* A fake guest export, written as the guest's compiled code would be:
 * greet(name: string, n: u32) -> result<string, u32>, returning a pointer
 * to its result (3 flat values > MAX_FLAT_RESULTS). */
static wp_cabi_error_t *greet_core(void *ctx, const wp_cabi_flat_t *p, size_t np, wp_cabi_flat_t *r, size_t nr) {
  tguest_t *g = ctx;
  if (np != 3 || nr != 1) return wp_cabi_error_new(WP_CABI_TRAP, "bad core signature");
  uint32_t sp = p[0].i32, sl = p[1].i32, n = p[2].i32;
  if (g->mode == G_MOVE) {
    /* memory.grow moves the buffer: the caller must re-read the view */
    uint8_t *m = malloc(g->size + 65536);
    memcpy(m, g->mem, g->size);
    memset(m + g->size, 0, 65536);
    free(g->mem);
    g->mem = m;
    g->size += 65536;
  }
  uint32_t out = g->bump;
  memcpy(g->mem + out, "hello ", 6);
  memcpy(g->mem + out + 6, g->mem + sp, sl);
  g->bump += 6 + sl;
  uint32_t ret = 0x300;
  memset(g->mem + ret, 0, 12);
  if (n == 0) {
    g->mem[ret] = 1; /* err(404) */
    uint32_t code = 404;
    memcpy(g->mem + ret + 4, &code, 4);
  } else {
    uint32_t len = 6 + sl;
    memcpy(g->mem + ret + 4, &out, 4);
    memcpy(g->mem + ret + 8, &len, 4);
  }
  r[0].i32 = ret;
  return NULL;
}

static wp_cabi_error_t *evil_core(void *ctx, const wp_cabi_flat_t *p, size_t np, wp_cabi_flat_t *r, size_t nr) {
  tguest_t *g = ctx;
  (void)p;
  (void)np;
  (void)nr;
  uint32_t bad[3] = {0, 0xffffff00u, 10};
  memcpy(g->mem + 0x300, bad, 12);
  r[0].i32 = 0x300;
  return NULL;
}

/* A host import: sum(xs: list<u32>, b: borrow<counter>) -> option<u64>. */
static wp_cabi_error_t *sum_host(void *ctx, const wp_cabi_val_t *p, size_t np, wp_cabi_val_t *result) {
  (void)ctx;
  if (np != 2) return wp_cabi_error_new(WP_CABI_INVALID, "bad params");
  uint64_t s = p[1].of.rep;
  for (size_t i = 0; i < p[0].of.list.len; i++) s += p[0].of.list.items[i].of.u32;
  wp_cabi_val_t *payload = calloc(1, sizeof *payload);
  payload->kind = WP_CABI_U64;
  payload->of.u64 = s;
  result->kind = WP_CABI_OPTION;
  result->of.var.disc = 1;
  result->of.var.payload = payload;
  return NULL;
}

static void test_whole_calls(void) {
  tguest_t g;
  tg_init(&g, 65536);
  g.g.encoding = WP_CABI_UTF8;
  wp_cabi_arena_t *arena = wp_cabi_arena_new(0);
  wp_cabi_func_t greet = {2, NULL, (const wp_cabi_type_t *[]){P(STRING), P(U32)},
                          wp_cabi_type_result(T, P(STRING), P(U32))};
  char name[] = "world";
  wp_cabi_val_t args[2] = {{.kind = WP_CABI_STRING, .of.str = {name, 5}}, {.kind = WP_CABI_U32, .of.u32 = 1}};
  wp_cabi_val_t res;
  OK(wp_cabi_call_export(&g.g, arena, &greet, greet_core, &g, args, &res));
  CHECK(res.of.var.disc == 0 && res.of.var.payload && res.of.var.payload->of.str.len == 11 &&
        !memcmp(res.of.var.payload->of.str.ptr, "hello world", 11));
  CHECK_EQ(g.npost, 1);
  wp_cabi_val_drop(&res);
  args[1].of.u32 = 0;
  OK(wp_cabi_call_export(&g.g, arena, &greet, greet_core, &g, args, &res));
  CHECK(res.of.var.disc == 1 && res.of.var.payload->of.u32 == 404);
  wp_cabi_val_drop(&res);
  /* the export grows (moves) memory, and so does every realloc */
  g.mode = G_MOVE;
  args[1].of.u32 = 2;
  OK(wp_cabi_call_export(&g.g, arena, &greet, greet_core, &g, args, &res));
  CHECK(res.of.var.disc == 0 && res.of.var.payload->of.str.len == 11);
  wp_cabi_val_drop(&res);
  g.mode = G_NORMAL;
  /* a guest whose result points outside memory traps; no post-return */
  int post = g.npost;
  wp_cabi_val_t bad;
  FAILS(wp_cabi_call_export(&g.g, arena, &greet, evil_core, &g, args, &bad),
        "string pointer 0xffffff00 + length 10 is out of bounds of memory");
  CHECK_EQ(g.npost, post);

  /* import: the guest calls sum([1,2,3], borrow) with a retptr */
  const wp_cabi_resource_t *counter = wp_cabi_resource_type(T, "counter", g.handles, NULL, NULL);
  uint32_t h;
  OK(wp_cabi_resource_new(g.handles, counter, 1000, &h));
  wp_cabi_func_t sum = {2, NULL, (const wp_cabi_type_t *[]){wp_cabi_type_list(T, P(U32)), wp_cabi_type_borrow(T, counter)},
                        wp_cabi_type_option(T, P(U64))};
  uint32_t xs[3] = {1, 2, 3};
  memcpy(g.mem + 0x400, xs, 12);
  wp_cabi_flat_t core[4] = {{.i32 = 0x400}, {.i32 = 3}, {.i32 = h}, {.i32 = 0x500}};
  wp_cabi_flat_t out[1];
  size_t nout = 9;
  OK(wp_cabi_call_import(&g.g, arena, &sum, sum_host, NULL, core, 4, out, &nout));
  CHECK_EQ(nout, 0);
  uint64_t got;
  memcpy(&got, g.mem + 0x508, 8);
  CHECK_EQ(g.mem[0x500], 1);
  CHECK_EQ(got, 1006);
  /* the lend ended with the call: the handle can be dropped now */
  OK(wp_cabi_resource_drop(g.handles, counter, h));
  /* and a dangling borrow traps before the host function runs */
  FAILS(wp_cabi_call_import(&g.g, arena, &sum, sum_host, NULL, core, 4, out, &nout),
        "borrow handle: unknown handle 1 (dangling or already dropped)");
  wp_cabi_arena_delete(arena);
  tg_free(&g);
}

int main(void) {
  T = wp_cabi_types_new();
  build_matrix();
  static const int modes[] = {G_NORMAL, G_MOVE};
  for (int enc = 0; enc < 3; enc++)
    for (int m = 0; m < 2; m++)
      for (int i = 0; i < ncases; i++) run_case(&cases[i], (wp_cabi_string_encoding_t)enc, modes[m]);
  test_exact_bytes();
  test_functions();
  test_whole_calls();
  wp_cabi_types_delete(T);
  printf("%d matrix cases x 3 encodings x 2 memory modes\n", ncases);
  return t_done("cabi_roundtrip");
}
