/*
 * test_validation.c -- one test per validation rule: malformed guest data
 * is fed to the value-tree lift AND the native-layout lift (and the flat
 * lift where it applies), and each must trap with the precise message.
 * Guest memory is 64 KiB; every test runs under ASan in SANITIZE=1 builds,
 * so an out-of-bounds read would abort rather than pass.
 */
#include "harness.h"

#include "cabi/cabi_internal.h" /* wp_cabi_charge */

static wp_cabi_types_t *T;
#define P(k) wp_cabi_type_prim(T, WP_CABI_##k)

static tguest_t G;
static wp_cabi_arena_t *A;

static void put32(uint32_t at, uint32_t v) { memcpy(G.mem + at, &v, 4); }

/* Loads ty from 0x100 both ways and asserts both trap with `want`. */
static void both_fail(const wp_cabi_type_t *ty, const char *want, int line) {
  wp_cabi_cx_t cx;
  wp_cabi_val_t v;
  wp_cabi_cx_init(&cx, &G.g, A);
  wp_cabi_error_t *e1 = wp_cabi_load(&cx, ty, 0x100, &v);
  wp_cabi_cx_finish(&cx);
  void *nat = wp_cabi_arena_alloc(A, ty->native.size, ty->native.align);
  wp_cabi_cx_init(&cx, &G.g, A);
  wp_cabi_error_t *e2 = wp_cabi_load_native(&cx, ty, 0x100, nat);
  wp_cabi_cx_finish(&cx);
  wp_cabi_error_t *es[2] = {e1, e2};
  for (int i = 0; i < 2; i++) {
    checks++;
    if (!es[i]) {
      failures++;
      fprintf(stderr, "line %d: %s lift succeeded, expected \"%s\"\n", line, i ? "native" : "value", want);
      if (!i) wp_cabi_val_drop(&v);
    } else {
      if (!strstr(wp_cabi_error_message(es[i]), want) || wp_cabi_error_kind(es[i]) != WP_CABI_TRAP) {
        failures++;
        fprintf(stderr, "line %d: %s lift: \"%s\" lacks \"%s\"\n", line, i ? "native" : "value",
                wp_cabi_error_message(es[i]), want);
      }
      wp_cabi_error_delete(es[i]);
    }
  }
  wp_cabi_arena_reset(A);
}
#define BOTH_FAIL(ty, want) both_fail(ty, want, __LINE__)

/* Lifts ty from flat values both ways and asserts the trap. */
static void flat_fail(const wp_cabi_type_t *ty, const wp_cabi_flat_t *flat, const char *want, int line) {
  wp_cabi_cx_t cx;
  wp_cabi_val_t v;
  wp_cabi_cx_init(&cx, &G.g, A);
  wp_cabi_error_t *e1 = wp_cabi_lift_flat(&cx, ty, flat, ty->nflat, &v);
  void *nat = wp_cabi_arena_alloc(A, ty->native.size, ty->native.align);
  wp_cabi_error_t *e2 = wp_cabi_lift_flat_native(&cx, ty, flat, ty->nflat, nat);
  wp_cabi_cx_finish(&cx);
  wp_cabi_error_t *es[2] = {e1, e2};
  for (int i = 0; i < 2; i++) {
    checks++;
    if (!es[i] || !strstr(wp_cabi_error_message(es[i]), want)) {
      failures++;
      fprintf(stderr, "line %d: flat %s lift: \"%s\" lacks \"%s\"\n", line, i ? "native" : "value",
              es[i] ? wp_cabi_error_message(es[i]) : "(success)", want);
    }
    wp_cabi_error_delete(es[i]);
  }
  if (!e1) wp_cabi_val_drop(&v);
  wp_cabi_arena_reset(A);
}
#define FLAT_FAIL(ty, flat, want) flat_fail(ty, flat, want, __LINE__)

static void reset_mem(void) { memset(G.mem, 0, G.size); }

static void test_string_bounds(void) {
  reset_mem();
  put32(0x100, 0xfffffff0);
  put32(0x104, 32);
  BOTH_FAIL(P(STRING), "string pointer 0xfffffff0 + length 32 is out of bounds of memory (65536 bytes)");
  put32(0x100, 0xffffffff); /* ptr + len wraps in 32 bits */
  put32(0x104, 2);
  BOTH_FAIL(P(STRING), "string pointer 0xffffffff + length 2 is out of bounds");
  put32(0x100, 65530);
  put32(0x104, 7); /* one byte past the end */
  BOTH_FAIL(P(STRING), "string pointer 0xfffa + length 7 is out of bounds");
  put32(0x100, 0);
  put32(0x104, 0x10000000);
  BOTH_FAIL(P(STRING), "exceeds the maximum string byte length");
  wp_cabi_flat_t f[2] = {{.i32 = 0xfffffff0}, {.i32 = 32}};
  FLAT_FAIL(P(STRING), f, "string pointer 0xfffffff0 + length 32 is out of bounds of memory (65536 bytes)");
  /* the last byte exactly fits */
  put32(0x100, 65535);
  put32(0x104, 1);
  G.mem[65535] = 'z';
  wp_cabi_cx_t cx;
  wp_cabi_val_t v;
  wp_cabi_cx_init(&cx, &G.g, A);
  OK(wp_cabi_load(&cx, P(STRING), 0x100, &v));
  CHECK(v.of.str.len == 1 && v.of.str.ptr[0] == 'z');
  wp_cabi_val_drop(&v);
  wp_cabi_cx_finish(&cx);
}

static void test_list_rules(void) {
  reset_mem();
  const wp_cabi_type_t *lu32 = wp_cabi_type_list(T, P(U32)), *lu64 = wp_cabi_type_list(T, P(U64));
  put32(0x100, 2);
  put32(0x104, 1);
  BOTH_FAIL(lu32, "list pointer 0x2 is not aligned to 4 bytes");
  put32(0x100, 0x8000);
  put32(0x104, 0x20000000); /* 0x20000000 * 8 = 2^32 */
  BOTH_FAIL(lu64, "list length 536870912 * element size 8 overflows 32 bits");
  put32(0x104, 0x2000); /* 0x8000 + 0x10000 > 64 KiB */
  BOTH_FAIL(lu64, "list pointer 0x8000 + length 65536 is out of bounds of memory (65536 bytes)");
  wp_cabi_flat_t f[2] = {{.i32 = 0xfffffffc}, {.i32 = 2}};
  FLAT_FAIL(lu32, f, "list pointer 0xfffffffc + length 8 is out of bounds");
  /* nested: the bad string is inside a list of records */
  const wp_cabi_type_t *r = wp_cabi_type_record(T, 2, (const char *[]){"n", "s"}, (const wp_cabi_type_t *[]){P(U32), P(STRING)});
  const wp_cabi_type_t *lr = wp_cabi_type_list(T, r);
  put32(0x100, 0x200);
  put32(0x104, 2);
  put32(0x200 + 12 + 4, 0x9000); /* element 1's string */
  put32(0x200 + 12 + 8, 0x8000);
  BOTH_FAIL(lr, "string pointer 0x9000 + length 32768 is out of bounds");
}

static void test_utf8(void) {
  static const struct { const char *bytes; size_t n; const char *why; } bad[] = {
      {"\xc0\x80", 2, "overlong"},        {"\xe0\x80\xaf", 3, "overlong 3"}, {"\xed\xa0\x80", 3, "surrogate"},
      {"\xe2\x82", 2, "truncated"},       {"\xf4\x90\x80\x80", 4, "> U+10FFFF"}, {"ab\x80", 3, "stray continuation"},
      {"\xff", 1, "0xff"},                {"\xf0\x9f\x98", 3, "truncated 4"}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    reset_mem();
    memcpy(G.mem + 0x400, bad[i].bytes, bad[i].n);
    put32(0x100, 0x400);
    put32(0x104, (uint32_t)bad[i].n);
    BOTH_FAIL(P(STRING), "invalid UTF-8 in string at 0x400");
  }
  reset_mem();
  memcpy(G.mem + 0x400, "ok \xe2\x82\xac \xf0\x9f\x98\x80", 11);
  put32(0x100, 0x400);
  put32(0x104, 11);
  wp_cabi_cx_t cx;
  wp_cabi_val_t v;
  wp_cabi_cx_init(&cx, &G.g, A);
  OK(wp_cabi_load(&cx, P(STRING), 0x100, &v));
  wp_cabi_val_drop(&v);
  wp_cabi_cx_finish(&cx);
  /* the error names the byte */
  memcpy(G.mem + 0x400, "abcdefghij\xc3", 11);
  BOTH_FAIL(P(STRING), "(byte 10 of 11)");
}

static void test_utf16(void) {
  G.g.encoding = WP_CABI_UTF16;
  reset_mem();
  put32(0x100, 0x401);
  put32(0x104, 1);
  BOTH_FAIL(P(STRING), "string pointer 0x401 is not aligned to 2 bytes");
  uint16_t hi[] = {'a', 0xD800, 'b'}, lo[] = {0xDC00}, end[] = {'x', 0xDBFF};
  memcpy(G.mem + 0x400, hi, sizeof hi);
  put32(0x100, 0x400);
  put32(0x104, 3);
  BOTH_FAIL(P(STRING), "unpaired high surrogate 0xd800 at unit 1");
  memcpy(G.mem + 0x400, lo, sizeof lo);
  put32(0x104, 1);
  BOTH_FAIL(P(STRING), "unpaired low surrogate 0xdc00 at unit 0");
  memcpy(G.mem + 0x400, end, sizeof end);
  put32(0x104, 2);
  BOTH_FAIL(P(STRING), "unpaired high surrogate 0xdbff at unit 1");
  put32(0x104, 0x08000000); /* 2^27 units = 2^28 bytes */
  BOTH_FAIL(P(STRING), "exceeds the maximum string byte length");
  /* latin1+utf16: the tag selects UTF-16 and its checks */
  G.g.encoding = WP_CABI_LATIN1_UTF16;
  memcpy(G.mem + 0x400, lo, sizeof lo);
  put32(0x104, 0x80000001u);
  BOTH_FAIL(P(STRING), "unpaired low surrogate");
  put32(0x100, 0x401);
  put32(0x104, 1); /* latin1 still needs 2-byte alignment */
  BOTH_FAIL(P(STRING), "not aligned to 2 bytes");
  G.g.encoding = WP_CABI_UTF8;
}

static void test_char(void) {
  reset_mem();
  put32(0x100, 0x110000);
  BOTH_FAIL(P(CHAR), "invalid char 0x110000 at 0x100 (out of range or surrogate)");
  put32(0x100, 0xD800);
  BOTH_FAIL(P(CHAR), "invalid char 0xd800");
  put32(0x100, 0xDFFF);
  BOTH_FAIL(P(CHAR), "invalid char 0xdfff");
  wp_cabi_flat_t f = {.i32 = 0xDC00};
  FLAT_FAIL(P(CHAR), &f, "invalid char 0xdc00 in flat value 0");
  f.i32 = 0xFFFFFFFF;
  FLAT_FAIL(P(CHAR), &f, "invalid char 0xffffffff");
}

static void test_discriminants(void) {
  reset_mem();
  const char *abc[] = {"a", "b", "c"};
  const wp_cabi_type_t *v = wp_cabi_type_variant(T, 3, abc, (const wp_cabi_type_t *[]){P(U8), NULL, P(STRING)});
  const wp_cabi_type_t *en = wp_cabi_type_enum(T, 3, abc);
  const wp_cabi_type_t *op = wp_cabi_type_option(T, P(U32));
  const wp_cabi_type_t *rs = wp_cabi_type_result(T, P(U32), NULL);
  G.mem[0x100] = 3;
  BOTH_FAIL(v, "invalid variant discriminant 3 (3 cases) at 0x100");
  BOTH_FAIL(en, "invalid enum discriminant 3 (3 cases)");
  G.mem[0x100] = 2;
  BOTH_FAIL(op, "invalid option discriminant 2 (2 cases)");
  BOTH_FAIL(rs, "invalid result discriminant 2 (2 cases)");
  G.mem[0x100] = 255;
  BOTH_FAIL(op, "invalid option discriminant 255");
  /* nested in a list element */
  const wp_cabi_type_t *lo = wp_cabi_type_list(T, op);
  put32(0x100, 0x200);
  put32(0x104, 3);
  G.mem[0x200 + 16] = 7;
  BOTH_FAIL(lo, "invalid option discriminant 7 (2 cases) at 0x210");
  wp_cabi_flat_t f[3] = {{.i32 = 9}, {.i64 = 0}, {.i32 = 0}};
  FLAT_FAIL(v, f, "invalid variant discriminant 9 (3 cases) in flat value 0");
  FLAT_FAIL(op, f, "invalid option discriminant 9");
  /* 16-bit discriminants read both bytes */
  static char names[300][8];
  static const char *np[300];
  for (int i = 0; i < 300; i++) {
    snprintf(names[i], 8, "c%d", i);
    np[i] = names[i];
  }
  const wp_cabi_type_t *e300 = wp_cabi_type_enum(T, 300, np);
  G.mem[0x100] = 0x2c;
  G.mem[0x101] = 0x01; /* 300 */
  BOTH_FAIL(e300, "invalid enum discriminant 300 (300 cases)");
}

static void test_flags_and_bool(void) {
  reset_mem();
  /* Bits beyond the labels are ignored (as in the reference), bool is any non-zero. */
  const wp_cabi_type_t *fl = wp_cabi_type_flags(T, 3, (const char *[]){"a", "b", "c"});
  G.mem[0x100] = 0xFF;
  G.mem[0x101] = 2;
  wp_cabi_cx_t cx;
  wp_cabi_val_t v;
  wp_cabi_cx_init(&cx, &G.g, A);
  OK(wp_cabi_load(&cx, fl, 0x100, &v));
  CHECK_EQ(v.of.flags, 7);
  OK(wp_cabi_load(&cx, P(BOOL), 0x101, &v));
  CHECK(v.of.b == true);
  uint8_t nb = 0xAA;
  OK(wp_cabi_load_native(&cx, P(BOOL), 0x101, &nb));
  CHECK_EQ(nb, 1);
  wp_cabi_cx_finish(&cx);
}

static void test_realloc_rules(void) {
  char s[] = "hello";
  wp_cabi_val_t v = {.kind = WP_CABI_STRING, .of.str = {s, 5}};
  wp_cabi_val_t l = {.kind = WP_CABI_LIST};
  const wp_cabi_type_t *lu64 = wp_cabi_type_list(T, P(U64));
  wp_cabi_cx_t cx;
  wp_cabi_flat_t f[2];
  G.g.encoding = WP_CABI_UTF16;
  G.mode = G_MISALIGNED;
  wp_cabi_cx_init(&cx, &G.g, A);
  FAILS(wp_cabi_lower_flat(&cx, P(STRING), &v, f), "realloc returned misaligned pointer 0x");
  FAILS(wp_cabi_lower_flat(&cx, lu64, &l, f), "for list (alignment 8)");
  G.mode = G_OOB;
  FAILS(wp_cabi_lower_flat(&cx, P(STRING), &v, f), "realloc returned pointer 0xfffc + size 10 for string, out of bounds of memory (65536 bytes)");
  G.mode = G_FAIL;
  FAILS(wp_cabi_lower_flat(&cx, P(STRING), &v, f), "guest realloc trapped: unreachable");
  G.g.encoding = WP_CABI_UTF8;
  G.mode = G_OOB;
  struct { const char *p; size_t n; } ns = {s, 5};
  FAILS(wp_cabi_lower_flat_native(&cx, P(STRING), &ns, f), "out of bounds of memory");
  G.mode = G_NORMAL;
  wp_cabi_opts_t norealloc = G.g;
  norealloc.realloc = NULL;
  wp_cabi_cx_t cx2;
  wp_cabi_cx_init(&cx2, &norealloc, A);
  FAILS(wp_cabi_lower_flat(&cx2, P(STRING), &v, f), "the guest has no realloc function");
  wp_cabi_cx_finish(&cx2);
  wp_cabi_cx_finish(&cx);
}

static void test_pointers(void) {
  reset_mem();
  const wp_cabi_type_t *tu = wp_cabi_type_tuple(T, 2, (const wp_cabi_type_t *[]){P(STRING), P(U64)});
  wp_cabi_func_t f = {1, NULL, (const wp_cabi_type_t *[]){P(U32)}, tu};
  wp_cabi_cx_t cx;
  wp_cabi_val_t r;
  wp_cabi_cx_init(&cx, &G.g, A);
  wp_cabi_flat_t rp = {.i32 = 0xfffffff8};
  FAILS(wp_cabi_lift_results(&cx, &f, &rp, 1, &r), "result pointer 0xfffffff8 + length 16 is out of bounds");
  rp.i32 = 0x104;
  FAILS(wp_cabi_lift_results(&cx, &f, &rp, 1, &r), "result pointer 0x104 is not aligned to 8 bytes");
  FAILS(wp_cabi_lift_results_native(&cx, &f, &rp, 1, G.mem), "result pointer 0x104 is not aligned to 8 bytes");
  /* retptr of a guest import */
  char s[] = "x";
  wp_cabi_val_t rf[2] = {{.kind = WP_CABI_STRING, .of.str = {s, 1}}, {.kind = WP_CABI_U64}};
  wp_cabi_val_t res = {.kind = WP_CABI_TUPLE, .of.list = {rf, 2}};
  wp_cabi_flat_t core[2] = {{.i32 = 1}, {.i32 = 65536 - 8}};
  wp_cabi_flat_t out[1];
  size_t n;
  FAILS(wp_cabi_lower_results(&cx, &f, &res, core, 2, out, &n), "return pointer 0xfff8 + length 16 is out of bounds");
  core[1].i32 = 0x102;
  FAILS(wp_cabi_lower_results(&cx, &f, &res, core, 2, out, &n), "return pointer 0x102 is not aligned to 8 bytes");
  /* spilled params pointer */
  const wp_cabi_type_t *ps[17];
  for (int i = 0; i < 17; i++) ps[i] = P(U32);
  wp_cabi_func_t big = {17, NULL, ps, NULL};
  wp_cabi_val_t args[17];
  wp_cabi_flat_t pp = {.i32 = 65536 - 4};
  FAILS(wp_cabi_lift_args(&cx, &big, &pp, 1, args), "params pointer 0xfffc + length 68 is out of bounds");
  wp_cabi_cx_finish(&cx);
}

static void test_budget(void) {
  reset_mem();
  wp_cabi_arena_t *small = wp_cabi_arena_new(4096);
  const wp_cabi_type_t *lu8 = wp_cabi_type_list(T, P(U8)), *ls = wp_cabi_type_list(T, P(STRING));
  put32(0x100, 0x1000);
  put32(0x104, 60000);
  wp_cabi_cx_t cx;
  wp_cabi_val_t v;
  wp_cabi_cx_init(&cx, &G.g, small);
  wp_cabi_error_t *e = wp_cabi_load(&cx, lu8, 0x100, &v);
  CHECK(e && wp_cabi_error_kind(e) == WP_CABI_LIMIT);
  CHECK(e && strstr(wp_cabi_error_message(e), "host allocation budget of 4096 bytes exceeded"));
  wp_cabi_error_delete(e);
  wp_cabi_arena_reset(small);
  uint8_t nat[16];
  FAILS(wp_cabi_load_native(&cx, lu8, 0x100, nat), "host allocation budget exceeded lifting a list of 60000 bytes");
  wp_cabi_arena_reset(small);
  /* many small strings add up: 2000 x 8-byte strings, each one allocation */
  put32(0x104, 2000);
  for (uint32_t i = 0; i < 2000; i++) {
    put32(0x1000 + i * 8, 0x100);
    put32(0x1000 + i * 8 + 4, 8);
  }
  FAILS(wp_cabi_load_native(&cx, ls, 0x100, nat), "host allocation budget exceeded");
  wp_cabi_arena_reset(small);
  FAILS(wp_cabi_load(&cx, ls, 0x100, &v), "host allocation budget");
  wp_cabi_cx_finish(&cx);
  /* after a reset the budget is whole again */
  wp_cabi_arena_reset(small);
  put32(0x104, 100);
  wp_cabi_cx_init(&cx, &G.g, small);
  OK(wp_cabi_load_native(&cx, lu8, 0x100, nat));
  wp_cabi_cx_finish(&cx);
  CHECK(wp_cabi_arena_used(small) >= 100);
  wp_cabi_arena_delete(small);
  /* Amplification: 4000 list elements all pointing at the same 60000 bytes
   * would be 240 MB natively and ~5.7 GB as a value tree; the default
   * 128 MiB budget stops both, with and without an arena. */
  const wp_cabi_type_t *ll = wp_cabi_type_list(T, lu8);
  put32(0x100, 0x200);
  put32(0x104, 4000);
  for (uint32_t i = 0; i < 4000; i++) {
    put32(0x200 + i * 8, 0x1000);
    put32(0x200 + i * 8 + 4, 60000);
  }
  wp_cabi_arena_t *def = wp_cabi_arena_new(0);
  wp_cabi_cx_init(&cx, &G.g, def);
  FAILS(wp_cabi_load_native(&cx, ll, 0x100, nat), "host allocation budget exceeded");
  CHECK(wp_cabi_arena_used(def) <= WP_CABI_DEFAULT_BUDGET);
  wp_cabi_cx_finish(&cx);
  wp_cabi_arena_delete(def);
  wp_cabi_cx_init(&cx, &G.g, NULL);
  FAILS(wp_cabi_load(&cx, ll, 0x100, &v), "host allocation budget of 134217728 bytes exceeded");
  wp_cabi_cx_finish(&cx);
}

static void test_copy_out(void) {
  /* Lifted data lives in host memory, never aliases guest memory. */
  reset_mem();
  memcpy(G.mem + 0x400, "abc", 3);
  put32(0x100, 0x400);
  put32(0x104, 3);
  wp_cabi_cx_t cx;
  struct { const uint8_t *p; size_t n; } ns;
  wp_cabi_cx_init(&cx, &G.g, A);
  OK(wp_cabi_load_native(&cx, P(STRING), 0x100, &ns));
  CHECK(ns.p < G.mem || ns.p >= G.mem + G.size);
  G.mem[0x400] = 'X'; /* guest rewrites its memory afterwards */
  CHECK(ns.n == 3 && !memcmp(ns.p, "abc", 3) && ns.p[3] == 0);
  wp_cabi_cx_finish(&cx);
}

static void test_host_errors(void) {
  wp_cabi_cx_t cx;
  wp_cabi_flat_t f[4];
  wp_cabi_val_t wrong = {.kind = WP_CABI_U8};
  wp_cabi_cx_init(&cx, &G.g, A);
  FAILS(wp_cabi_lower_flat(&cx, P(STRING), &wrong, f), "does not match type string");
  wp_cabi_val_t badc = {.kind = WP_CABI_CHAR, .of.ch = 0xD800};
  FAILS(wp_cabi_lower_flat(&cx, P(CHAR), &badc, f), "char value 0xd800 is not a Unicode scalar value");
  char bad[] = "\xff";
  wp_cabi_val_t bads = {.kind = WP_CABI_STRING, .of.str = {bad, 1}};
  FAILS(wp_cabi_lower_flat(&cx, P(STRING), &bads, f), "not valid UTF-8");
  wp_cabi_val_t badv = {.kind = WP_CABI_OPTION, .of.var = {5, NULL}};
  FAILS(wp_cabi_lower_flat(&cx, wp_cabi_type_option(T, P(U8)), &badv, f), "case index 5 out of range");
  struct { bool is_some; uint8_t pad[7]; } nopt = {0};
  memset(&nopt, 3, 1);
  FAILS(wp_cabi_lower_flat_native(&cx, wp_cabi_type_option(T, P(U8)), &nopt, f), "native option has bool tag 3");
  wp_cabi_cx_finish(&cx);
}

/* The arena's inline fast paths (allocation aligns the offset within a
** 16-byte-aligned block; reset of a one-block arena): alignment of every
** answer, the budget, and a reset that frees later blocks and keeps the
** first, with the budget back to full. */
static void test_arena(void) {
  wp_cabi_arena_t *a = wp_cabi_arena_new(100000);
  uint8_t *first = wp_cabi_arena_alloc(a, 1, 1);
  CHECK(first && ((uintptr_t)first & 15) == 0);
  for (size_t align = 1; align <= 64; align *= 2) {
    uint8_t *p = wp_cabi_arena_alloc(a, 3, align), *q = wp_cabi_arena_alloc(a, 1, 1);
    CHECK(p && !((uintptr_t)p & (align - 1)) && q == p + 3);
  }
  CHECK(wp_cabi_arena_used(a) < 200);
  CHECK(wp_cabi_arena_alloc(a, 100000 - wp_cabi_arena_used(a) + 1, 1) == NULL); /* over the budget by one */
  uint8_t *big = wp_cabi_arena_alloc(a, 70000, 8); /* bigger than a block: a second one */
  CHECK(big && wp_cabi_arena_used(a) >= 70000);
  wp_cabi_arena_reset(a);
  CHECK_EQ(wp_cabi_arena_used(a), 0);
  CHECK(wp_cabi_arena_alloc(a, 1, 1) == first); /* the first block kept, from its start */
  wp_cabi_arena_reset(a); /* one block: the inline reset */
  CHECK_EQ(wp_cabi_arena_used(a), 0);
  uint8_t *again = wp_cabi_arena_alloc(a, 99000, 8);
  CHECK(again != NULL); /* the budget is full again */
  CHECK(wp_cabi_arena_alloc(a, 2000, 1) == NULL);
  wp_cabi_arena_reset(a);
  CHECK(wp_cabi_arena_alloc(a, 8, 8) == first);
  wp_cabi_arena_delete(a);
  /* an arena that never allocated (no block: the inline reset too), reset
  ** over and over, then used as a fresh one: one block from then on */
  a = wp_cabi_arena_new(0);
  for (int i = 0; i < 3; i++) wp_cabi_arena_reset(a);
  CHECK_EQ(wp_cabi_arena_used(a), 0);
  uint8_t *p1 = wp_cabi_arena_alloc(a, 10, 1);
  CHECK(p1 != NULL && wp_cabi_arena_used(a) >= 10);
  wp_cabi_arena_reset(a);
  CHECK_EQ(wp_cabi_arena_used(a), 0);
  CHECK(wp_cabi_arena_alloc(a, 10, 1) == p1);
  wp_cabi_arena_delete(a);
  /* the head block's cap (where its room or the budget ends, one compare
  ** inline) follows every change of the budget and the charge: a budget
  ** lowered or raised with room left in the block, a charge without an
  ** allocation (value trees), padding counted, a reset, to the byte */
  a = wp_cabi_arena_new(1000);
  uint8_t *b0 = wp_cabi_arena_alloc(a, 100, 1);
  CHECK(b0 && wp_cabi_arena_used(a) == 100);
  wp_cabi_arena_budget_set(a, 150);
  CHECK(wp_cabi_arena_alloc(a, 51, 1) == NULL && wp_cabi_arena_used(a) == 100);
  CHECK(wp_cabi_arena_alloc(a, 50, 1) == b0 + 100 && wp_cabi_arena_used(a) == 150);
  CHECK(wp_cabi_arena_alloc(a, 1, 1) == NULL && wp_cabi_arena_alloc(a, 0, 1) == b0 + 150);
  wp_cabi_arena_budget_set(a, 120); /* below what is charged: nothing more */
  CHECK(wp_cabi_arena_alloc(a, 1, 1) == NULL && wp_cabi_arena_alloc(a, 100000, 1) == NULL);
  wp_cabi_arena_budget_set(a, 400);
  CHECK(wp_cabi_arena_alloc(a, 3, 1) == b0 + 150);
  CHECK(wp_cabi_arena_alloc(a, 8, 8) == b0 + 160 && wp_cabi_arena_used(a) == 168); /* 5 bytes of padding charged */
  wp_cabi_cx_t cx;
  wp_cabi_cx_init(&cx, NULL, a);
  OK(wp_cabi_charge(&cx, 200));
  CHECK(wp_cabi_arena_alloc(a, 33, 1) == NULL);
  CHECK(wp_cabi_arena_alloc(a, 32, 1) == b0 + 168 && wp_cabi_arena_used(a) == 400);
  wp_cabi_error_t *over = wp_cabi_charge(&cx, 1);
  CHECK(over != NULL);
  wp_cabi_error_delete(over);
  wp_cabi_arena_reset(a);
  CHECK(wp_cabi_arena_alloc(a, 401, 1) == NULL && wp_cabi_arena_alloc(a, 400, 1) == b0);
  wp_cabi_arena_delete(a);
}

int main(void) {
  T = wp_cabi_types_new();
  tg_init(&G, 65536);
  A = wp_cabi_arena_new(0);
  test_arena();
  test_string_bounds();
  test_list_rules();
  test_utf8();
  test_utf16();
  test_char();
  test_discriminants();
  test_flags_and_bool();
  test_realloc_rules();
  test_pointers();
  test_budget();
  test_copy_out();
  test_host_errors();
  wp_cabi_arena_delete(A);
  tg_free(&G);
  wp_cabi_types_delete(T);
  return t_done("cabi_validation");
}
