/*
** test_buf.c — the tree's one formatter (src/core/buf.h: wp_vsnprintf,
** wp_buf_printf) against the C library's vsnprintf: every text, length and
** truncation must be the same, for the directives it formats itself and for
** those it hands to vsnprintf.  Then the same on random formats and
** arguments (a fixed seed), the differential fuzzer of this class of bug.
*/
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "../check.h"

/* One format with one set of arguments: vsnprintf and wp_vsnprintf at every
** room from 0 to past the end, and wp_buf_printf appended to a prefix. */
__attribute__((format(printf, 1, 2))) static void same(const char *fmt, ...) {
  char want[512], got[512];
  va_list ap, aq;
  va_start(ap, fmt);
  va_copy(aq, ap);
  int wn = vsnprintf(want, sizeof want, fmt, aq);
  va_end(aq);
  CHECK(wn >= 0 && wn < (int)sizeof want - 8, "%s: reference length %d", fmt, wn);
  for (size_t room = 0; wn >= 0 && room <= (size_t)wn + 2; room++) {
    memset(got, 'X', sizeof got);
    va_copy(aq, ap);
    int gn = wp_vsnprintf(room ? got : NULL, room, fmt, aq);
    va_end(aq);
    size_t k = room && room - 1 < (size_t)wn ? room - 1 : (size_t)wn;
    bool ok = gn == wn && (!room || (!memcmp(got, want, k) && got[k] == 0 && got[k + 1] == 'X'));
    CHECK(ok, "\"%s\" room %zu: %d \"%.*s\", want %d \"%.*s\"", fmt, room, gn, (int)k, got, wn, (int)k, want);
    if (!ok) break;
  }
  wp_buf_t b = {0};
  wp_buf_puts(&b, "prefix:");
  va_copy(aq, ap);
  wp_buf_vprintf(&b, fmt, aq);
  va_end(aq);
  CHECK(!b.oom && b.len == 7 + (size_t)wn && !memcmp(b.s + 7, want, (size_t)wn) && b.s[b.len] == 0,
        "\"%s\": buffer \"%s\"", fmt, b.s ? b.s : "");
  wp_buf_free(&b);
  va_end(ap);
}

/* xorshift: the fuzzer's arguments, the same every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* A random value, biased to the edges (0, 1, the extremes, their neighbours). */
static uint64_t edge(void) {
  static const uint64_t e[] = {0, 1, 9, 10, 15, 16, 99, 100, 127, 128, 255, 256, 32767, 32768, 65535, 65536,
                               0x7fffffff, 0x80000000u, 0xffffffffu, 0x100000000ull, 0x7fffffffffffffffull,
                               0x8000000000000000ull, 0xffffffffffffffffull};
  uint64_t r = rnd();
  return r % 3 ? e[r / 3 % (sizeof e / sizeof *e)] : rnd();
}

static void fuzz(int rounds) {
  static const char *words[] = {"", "abc", "(null)-ish", "a%b", "\xc3\xa9t\xc3\xa9", "0123456789012345678901234567890123"};
  for (int i = 0; i < rounds; i++) {
    uint64_t v = edge();
    const char *w = words[rnd() % (sizeof words / sizeof *words)];
    int prec = (int)(rnd() % 12) - 2;
    switch (rnd() % 14) {
    case 0: same("F%u_%d", (unsigned)v, (int)v); break;
    case 1: same("(%s + %lluull)", w, (unsigned long long)v); break;
    case 2: same("%lld|%ld|%zu", (long long)v, (long)v, (size_t)v); break;
    case 3: same("0x%08x %016llx %x", (unsigned)v, (unsigned long long)v, (unsigned)(v >> 7)); break;
    case 4: same("%03o\\%o", (unsigned)(v & 0xff), (unsigned)v); break;
    case 5: same("[%.*s]", prec, w); break;
    case 6: same("%c%c%s", (int)('a' + v % 26), (int)(v & 0xff) | 1, w); break;
    case 7: same("%hd %hu %hhd %hhu", (short)v, (unsigned short)v, (signed char)v, (unsigned char)v); break;
    case 8: same("%5d|%05d|%12u|%012llu", (int)v, (int)v, (unsigned)v, (unsigned long long)v); break;
    case 9: same("%llx/%lu/%%/%zx", (unsigned long long)v, (unsigned long)v, (size_t)v); break;
    /* handed to vsnprintf: the same text all the same */
    case 10: same("%a %u", (double)(int64_t)v / 3.0, (unsigned)v); break;
    case 11: same("%-6d|%+d|% d|%#x", (int)v, (int)v, (int)v, (unsigned)v); break;
    case 12: same("%8s|%.3s|%.*d", w, w, prec, (int)v); break;
    default: same("%s%u%s", w, (unsigned)v, "end"); break;
    }
  }
}

int main(void) {
  /* NULL for %s: glibc prints "(null)"; hidden from gcc, which rejects it in a literal call */
  const char *volatile nul = NULL;
  /* what the translator writes, directive by directive */
  same("%s", "");
  same("plain text, no directive");
  same("%%");
  same("100%% of %s", "it");
  same("F%u", 0u);
  same("F%u", 4294967295u);
  same("%d %d %d", 0, INT_MIN, INT_MAX);
  same("%llu %lld %lld", ULLONG_MAX, LLONG_MIN, LLONG_MAX);
  same("%ld %lu %zu", LONG_MIN, ULONG_MAX, SIZE_MAX);
  same("%lluull", 18446744073709551615ull);
  same("wp_float32(0x%08xu)", 0x7fc00000u);
  same("%08x|%08x|%016llx", 0u, 0x1234u, 0xdeadbeefcafeull);
  same("\\%03o\\%03o", 0u, 255u);
  same("%x %o", 0u, 8u);
  same("%c%c", 'a', 'Z');
  same("%s|%s", "", "x");
  same("%.*s|%.*s|%.*s|%.*s", 0, "abc", 2, "abc", 10, "abc", -1, "abc");
  same("%.*s", 3, "ab\0cd");
  same("s%u%c", 12u, 'i');
  same("(%s + (u64)%s + %lluu)", "M0", "l5", 16ull);
  same("%s", nul);
  same("%.*s", 3, nul);
  same("%.*s", 6, nul);
  same("%hd %hu %hhd %hhu", (short)-5, (unsigned short)65535, (signed char)-128, (unsigned char)200);
  same("%5d|%-5d|%05d|%05d", 42, 42, 42, -42);
  /* widths the fast path does not take, a trailing '%', floats: vsnprintf's */
  same("%a %f %e", 1.5, 2.25, -0.0);
  same("%p", (void *)0);
  same("%10s|%-10s|%.3s", "ab", "ab", "abcdef");
  same("%.3d|%+d|% d|%#x|%#o", 7, 7, 7, 255u, 8u);
  same("%70d|%0100u", 1, 2u);
  /* a long text in a small buffer: the buffer grows and keeps it all */
  wp_buf_t b = {0};
  for (int i = 0; i < 1000; i++) wp_buf_printf(&b, "F%u(%s) ", (unsigned)i, "WP_IA0");
  char want[16];
  snprintf(want, sizeof want, "F%u(", 999u);
  CHECK(!b.oom && b.len > 12000 && strstr(b.s, want) && !strncmp(b.s, "F0(WP_IA0) F1(", 14), "%.40s", b.s);
  wp_buf_free(&b);
  char *s = wp_format("%s-%u-%c", "k", 7u, 'z');
  CHECK(s && !strcmp(s, "k-7-z"), "%s", s ? s : "(null)");
  free(s);
  fuzz(20000);
  printf("test_buf: %d checks, %d failures\n", checks, failures);
  return failures != 0;
}
