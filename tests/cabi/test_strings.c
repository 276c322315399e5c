/*
 * test_strings.c -- string encodings (utf8, utf16, latin1+utf16) and
 * transcoding in both directions, plus a differential test of the UTF-8
 * validator against a straightforward reference decoder.
 */
#include "harness.h"

#include "cabi/cabi_internal.h" /* wp_cabi_utf8_error_at */

static wp_cabi_types_t *T;
#define S wp_cabi_type_prim(T, WP_CABI_STRING)

static void lift_ok(tguest_t *g, uint32_t ptr, uint32_t len, const char *want, int line) {
  wp_cabi_cx_t cx;
  wp_cabi_val_t v;
  wp_cabi_flat_t f[2] = {{.i32 = ptr}, {.i32 = len}};
  wp_cabi_cx_init(&cx, &g->g, NULL);
  wp_cabi_error_t *e = wp_cabi_lift_flat(&cx, S, f, 2, &v);
  checks++;
  if (e || v.of.str.len != strlen(want) || memcmp(v.of.str.ptr, want, v.of.str.len)) {
    failures++;
    fprintf(stderr, "line %d: lift gave %s\n", line, e ? wp_cabi_error_message(e) : v.of.str.ptr);
  }
  wp_cabi_error_delete(e);
  wp_cabi_val_drop(&v);
  wp_cabi_cx_finish(&cx);
}

static void lower(tguest_t *g, const char *s, uint32_t *ptr, uint32_t *len) {
  wp_cabi_cx_t cx;
  wp_cabi_val_t v = {.kind = WP_CABI_STRING, .of.str = {(char *)s, strlen(s)}};
  wp_cabi_flat_t f[2];
  wp_cabi_cx_init(&cx, &g->g, NULL);
  OK(wp_cabi_lower_flat(&cx, S, &v, f));
  wp_cabi_cx_finish(&cx);
  *ptr = f[0].i32;
  *len = f[1].i32;
}

static void test_encodings(void) {
  tguest_t g;
  tg_init(&g, 65536);
  uint32_t p, n;
  /* UTF-16 guest */
  g.g.encoding = WP_CABI_UTF16;
  uint16_t u16[] = {'h', 0xE9, 0xD83D, 0xDE00, 0x20AC};
  memcpy(g.mem + 0x100, u16, sizeof u16);
  lift_ok(&g, 0x100, 5, "h\xc3\xa9\xf0\x9f\x98\x80\xe2\x82\xac", __LINE__);
  lower(&g, "h\xc3\xa9\xf0\x9f\x98\x80\xe2\x82\xac", &p, &n);
  CHECK_EQ(n, 5);
  CHECK_EQ(p % 2, 0);
  CHECK(!memcmp(g.mem + p, u16, sizeof u16));
  /* latin1+utf16 guest: latin1 when every char < 256, tagged UTF-16 otherwise */
  g.g.encoding = WP_CABI_LATIN1_UTF16;
  lower(&g, "caf\xc3\xa9", &p, &n);
  CHECK_EQ(n, 4);
  CHECK(!memcmp(g.mem + p, "caf\xe9", 4));
  lift_ok(&g, p, n, "caf\xc3\xa9", __LINE__);
  lower(&g, "1\xe2\x82\xac", &p, &n);
  CHECK_EQ(n, 0x80000002u);
  uint16_t eu[] = {'1', 0x20AC};
  CHECK(!memcmp(g.mem + p, eu, 4));
  lift_ok(&g, p, n, "1\xe2\x82\xac", __LINE__);
  uint8_t lat[] = {0xFF, 'a', 0x80};
  memcpy(g.mem + 0x200, lat, 3);
  lift_ok(&g, 0x200, 3, "\xc3\xbf" "a\xc2\x80", __LINE__);
  lower(&g, "", &p, &n);
  CHECK_EQ(n, 0);
  /* UTF-8 guest: bytes as they are */
  g.g.encoding = WP_CABI_UTF8;
  lower(&g, "\xf0\x9f\x98\x80", &p, &n);
  CHECK_EQ(n, 4);
  CHECK(!memcmp(g.mem + p, "\xf0\x9f\x98\x80", 4));
  /* native -> UTF-16 guest transcodes and validates even trusted input */
  g.g.encoding = WP_CABI_UTF16;
  wp_cabi_cx_t cx;
  wp_cabi_flat_t f[2];
  struct { const char *p; size_t n; } ns = {"\xc3\x28", 2};
  wp_cabi_cx_init(&cx, &g.g, NULL);
  FAILS(wp_cabi_lower_flat_native(&cx, S, &ns, f), "string to lower is not valid UTF-8 (byte 0)");
  ns.p = "\xc3\xa9";
  OK(wp_cabi_lower_flat_native(&cx, S, &ns, f));
  CHECK_EQ(f[1].i32, 1);
  CHECK_EQ(g.mem[f[0].i32], 0xE9);
  wp_cabi_cx_finish(&cx);
  tg_free(&g);
}

/* Reference: decode code points one at a time, reject everything the
 * Unicode standard calls ill-formed. */
static bool ref_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint32_t c = s[i], need, min;
    if (c < 0x80) { i++; continue; }
    else if ((c & 0xE0) == 0xC0) { need = 1; min = 0x80; c &= 0x1F; }
    else if ((c & 0xF0) == 0xE0) { need = 2; min = 0x800; c &= 0x0F; }
    else if ((c & 0xF8) == 0xF0) { need = 3; min = 0x10000; c &= 0x07; }
    else return false;
    if (i + need >= n) return false; /* truncated */
    for (uint32_t k = 1; k <= need; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      c = (c << 6) | (s[i + k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    i += need + 1;
  }
  return true;
}

static void test_validator(void) {
  uint64_t x = 88172645463325252ull;
  uint8_t buf[24];
  int disagreements = 0, valid = 0;
  static const uint8_t pool[] = {'a', 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xA0, 0xED, 0x9F,
                                 0xEF, 0xF0, 0x90, 0xF4, 0x8F, 0xF5, 0xFF, 'z', 0x00};
  for (int iter = 0; iter < 300000; iter++) {
    size_t n = (size_t)(iter % 24);
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      buf[i] = (x & 1) ? pool[(x >> 8) % sizeof pool] : (uint8_t)(x >> 16);
    }
    bool a = wp_cabi_utf8_valid(buf, n), b = ref_valid(buf, n);
    if (a != b) disagreements++;
    valid += a;
  }
  CHECK_EQ(disagreements, 0);
  CHECK(valid > 1000); /* the generator does produce valid strings */
  /* every scalar value encodes to valid UTF-8, every surrogate does not */
  int bad_scalars = 0;
  for (uint32_t c = 0; c < 0x110000; c += (c < 0x10000 ? 1 : 97)) {
    uint8_t e[4];
    size_t k;
    if (c < 0x80) { e[0] = (uint8_t)c; k = 1; }
    else if (c < 0x800) { e[0] = (uint8_t)(0xC0 | c >> 6); e[1] = (uint8_t)(0x80 | (c & 63)); k = 2; }
    else if (c < 0x10000) { e[0] = (uint8_t)(0xE0 | c >> 12); e[1] = (uint8_t)(0x80 | ((c >> 6) & 63)); e[2] = (uint8_t)(0x80 | (c & 63)); k = 3; }
    else { e[0] = (uint8_t)(0xF0 | c >> 18); e[1] = (uint8_t)(0x80 | ((c >> 12) & 63)); e[2] = (uint8_t)(0x80 | ((c >> 6) & 63)); e[3] = (uint8_t)(0x80 | (c & 63)); k = 4; }
    bool surrogate = c >= 0xD800 && c <= 0xDFFF;
    if (wp_cabi_utf8_valid(e, k) == surrogate) bad_scalars++;
  }
  CHECK_EQ(bad_scalars, 0);
}

/* The 64- and 32-byte ASCII blocks of the validator and of the one-pass
 * copy+validate (issue 18): every class of bad or valid sequence at every
 * position of strings up to 200 bytes (inside a block, across a block's
 * end, in the tail, truncated at the very end), agreeing with the
 * reference; the copy is the source. */
static void test_validator_blocks(void) {
  static const struct { const char *b; size_t n; } seq[] = {
      {"\x80", 1},              /* lone continuation */
      {"\xBF\xBF", 2},         /* two of them */
      {"\xC0\x80", 2},         /* overlong 2 */
      {"\xC1\xBF", 2},         /* overlong 2 */
      {"\xE0\x80\x80", 3},    /* overlong 3 */
      {"\xF0\x80\x80\x80", 4},  /* overlong 4 */
      {"\xED\xA0\x80", 3},    /* surrogate */
      {"\xF4\x90\x80\x80", 4},  /* > U+10FFFF */
      {"\xF5\x80\x80\x80", 4},  /* never a lead byte */
      {"\xFF", 1},
      {"\xC3", 1},              /* truncated 2 (or cut by what follows) */
      {"\xE2\x82", 2},         /* truncated 3 */
      {"\xF0\x9F\x98", 3},    /* truncated 4 */
      {"\xC3\xA9", 2},         /* valid: e-acute */
      {"\xE2\x82\xAC", 3},    /* valid: euro */
      {"\xF0\x9F\x98\x80", 4},  /* valid: emoji */
      {"\xEF\xBF\xBF", 3},    /* valid: U+FFFF */
      {"\xF4\x8F\xBF\xBF", 4},  /* valid: U+10FFFF */
  };
  uint8_t src[208], dst[208];
  int wrong = 0, wrong_copy = 0, checked = 0;
  for (size_t n = 0; n <= 200; n++) {
    for (size_t k = 0; k < sizeof seq / sizeof seq[0]; k++) {
      for (size_t p = 0; p <= n; p++) {
        for (size_t i = 0; i < n; i++) src[i] = (uint8_t)('a' + (i * 7 + n) % 26);
        size_t m = seq[k].n < n - p ? seq[k].n : n - p; /* cut at the end: truncated */
        memcpy(src + p, seq[k].b, m);
        bool want = ref_valid(src, n);
        memset(dst, 0xAA, sizeof dst);
        bool a = wp_cabi_utf8_valid(src, n), b = wp_cabi_utf8_copy_valid(dst, src, n);
        if (a != want || b != want) {
          if (wrong++ < 5)
            fprintf(stderr, "n %zu seq %zu at %zu: valid %d copy_valid %d, want %d\n", n, k, p, a, b, want);
        }
        if (memcmp(dst, src, n) || dst[n] != 0xAA) wrong_copy++;
        checked++;
      }
    }
  }
  CHECK_EQ(wrong, 0);
  CHECK_EQ(wrong_copy, 0);
  CHECK(checked > 300000);
  /* long random strings, mostly ASCII (the blocks' path) with bytes of
   * every class mixed in */
  uint64_t x = 0x2545F4914F6CDD1Dull;
  static uint8_t big[4096], big_copy[4096];
  static const uint8_t pool[] = {0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xA0, 0xED, 0x9F, 0xEF, 0xF0, 0x90, 0xF4,
                                 0x8F, 0xF5, 0xFF};
  int disagree = 0, valid = 0;
  for (int iter = 0; iter < 20000; iter++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    size_t n = (size_t)(x % sizeof big);
    for (size_t i = 0; i < n; i++) big[i] = (uint8_t)('A' + i % 50);
    int nbad = (int)((x >> 20) % 4);
    for (int j = 0; j < nbad && n; j++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      big[(x >> 12) % n] = pool[(x >> 40) % sizeof pool];
    }
    bool want = ref_valid(big, n);
    valid += want;
    if (wp_cabi_utf8_valid(big, n) != want || wp_cabi_utf8_copy_valid(big_copy, big, n) != want ||
        memcmp(big_copy, big, n))
      disagree++;
  }
  CHECK_EQ(disagree, 0);
  CHECK(valid > 1000 && valid < 19000);
}

/* Lifting a long string (the one-pass copy) out of bounds, past 4 GiB by
 * ptr+len, and with bad UTF-8 late in it: traps naming the failure. */
static void lift_fails(tguest_t *g, uint32_t ptr, uint32_t len, const char *want, int line) {
  wp_cabi_cx_t cx;
  wp_cabi_val_t v;
  wp_cabi_flat_t f[2] = {{.i32 = ptr}, {.i32 = len}};
  wp_cabi_cx_init(&cx, &g->g, NULL);
  wp_cabi_error_t *e = wp_cabi_lift_flat(&cx, S, f, 2, &v);
  checks++;
  if (!e || !strstr(wp_cabi_error_message(e), want)) {
    failures++;
    fprintf(stderr, "line %d: lift: want an error with '%s', got %s\n", line, want, e ? wp_cabi_error_message(e) : "none");
  }
  if (!e) wp_cabi_val_drop(&v);
  wp_cabi_error_delete(e);
  wp_cabi_cx_finish(&cx);
}

static void test_lift_bounds(void) {
  tguest_t g;
  tg_init(&g, 65536);
  g.g.encoding = WP_CABI_UTF8;
  memset(g.mem, 'x', 65536);
  lift_fails(&g, 65536 - 100, 101, "out of bounds", __LINE__);
  lift_fails(&g, 65536, 1, "out of bounds", __LINE__);
  lift_fails(&g, 0xFFFFFFF0u, 0x20, "out of bounds", __LINE__); /* ptr+len wraps a u32 */
  lift_fails(&g, 0x10, 0xFFFFFFF8u, "exceeds", __LINE__);
  g.mem[1000 + 700] = 0x80; /* past the first blocks */
  lift_fails(&g, 1000, 1024, "(byte 700 of 1024)", __LINE__);
  g.mem[1000 + 700] = 'x';
  g.mem[1000 + 1023] = 0xE2; /* truncated at the very end */
  lift_fails(&g, 1000, 1024, "(byte 1023 of 1024)", __LINE__);
  g.mem[1000 + 1023] = 'x';
  memcpy(g.mem + 1000 + 63, "\xE2\x82\xAC", 3); /* across a 64-byte block */
  char want[1025];
  memcpy(want, g.mem + 1000, 1024);
  want[1024] = 0;
  lift_ok(&g, 1000, 1024, want, __LINE__);
  tg_free(&g);
}

/* Short strings (0-40 bytes: the inline copies up to 32, whose words are
** checked for ASCII as they are stored and the validator run only from the
** first byte that is not, then the block copier) lifted to the native
** layout against the validator on the whole string: a sequence of every
** kind, valid or not, at every place, ASCII around it; accepted exactly
** when the validator accepts the whole, with its bytes and the NUL after,
** refused naming the byte wp_cabi_utf8_error_at names. */
static void test_short_native(void) {
  tguest_t g;
  tg_init(&g, 65536);
  g.g.encoding = WP_CABI_UTF8;
  wp_cabi_arena_t *arena = wp_cabi_arena_new(0);
  static const char *const seqs[] = {
      "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", /* valid: 2, 3, 4 bytes */
      "\x80",                                      /* a lone continuation */
      "\xc0\x80", "\xe0\x80\x80", "\xf0\x80\x80\x80", /* overlong */
      "\xed\xa0\x80", "\xf4\x90\x80\x80",       /* a surrogate, past U+10FFFF */
      "\xc3", "\xe2\x82", "\xf0\x9f\x98",         /* cut short (by ASCII or the end) */
      "\xff", "\xc3\xa9\xc3\xa9\xe2\x82\xac",       /* never valid; several in a row */
  };
  int bad = 0, accepted = 0, refused = 0;
  for (uint32_t n = 0; n <= 40; n++)
    for (size_t k = 0; k < sizeof seqs / sizeof seqs[0]; k++) {
      size_t sl = strlen(seqs[k]);
      for (uint32_t at = 0; at + sl <= n; at++) {
        uint8_t *t = g.mem + 0x1000 + 3; /* unaligned on purpose */
        for (uint32_t i = 0; i < n; i++) t[i] = (uint8_t)('A' + (i * 7) % 26);
        memcpy(t + at, seqs[k], sl);
        bool want = wp_cabi_utf8_valid(t, n);
        wp_cabi_cx_t cx;
        wp_cabi_cx_init(&cx, &g.g, arena);
        struct {
          const char *p;
          size_t len;
        } out = {NULL, 0};
        wp_cabi_error_t *e = wp_cabi_lift_string_native(&cx, 0x1003, n, &out);
        if (want) {
          accepted++;
          if (e || out.len != n || memcmp(out.p, t, n) || out.p[n]) bad++;
        } else {
          refused++;
          char msg[96];
          snprintf(msg, sizeof msg, "(byte %zu of %u)", wp_cabi_utf8_error_at(t, n), n);
          if (!e || !strstr(wp_cabi_error_message(e), msg)) bad++;
        }
        wp_cabi_error_delete(e);
        wp_cabi_error_delete(wp_cabi_cx_finish(&cx));
        wp_cabi_arena_reset(arena);
      }
    }
  CHECK(bad == 0 && accepted > 1000 && refused > 3000);
  if (bad) fprintf(stderr, "short native strings: %d of %d differ\n", bad, accepted + refused);
  wp_cabi_arena_delete(arena);
  tg_free(&g);
}

int main(void) {
  T = wp_cabi_types_new();
  test_encodings();
  /* every validator test on both paths: AVX2's 64-byte blocks (where the
   * processor has AVX2) and SSE2's */
  bool avx2 = wp_cabi_utf8_avx2_set(true);
  test_validator();
  test_validator_blocks();
  if (avx2) {
    CHECK(!wp_cabi_utf8_avx2_set(false));
    test_validator();
    test_validator_blocks();
    wp_cabi_utf8_avx2_set(true);
  } else {
    fprintf(stderr, "test_strings: no AVX2 here: the SSE2 path only\n");
  }
  test_lift_bounds();
  test_short_native();
  wp_cabi_types_delete(T);
  return t_done("cabi_strings");
}
