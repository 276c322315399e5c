/*
** test_leb.c — the one LEB128 reader (src/core/leb.h) at its edges: what
** every decoder (core modules, components, compose) accepts and refuses.
*/
#include <stdio.h>
#include <string.h>

#include "core/leb.h"
#include "../check.h"

static void u(const char *what, const uint8_t *b, size_t n, unsigned bits, wp_leb_status_t want, uint64_t wv,
              size_t wl) {
  uint64_t v;
  size_t len;
  wp_leb_status_t s = wp_leb_unsigned(b, b + n, bits, &v, &len);
  CHECK(s == want, "%s: status %d, want %d", what, s, want);
  if (!want) CHECK(v == wv && len == wl, "%s: %llu/%zu", what, (unsigned long long)v, len);
}

static void s(const char *what, const uint8_t *b, size_t n, unsigned bits, wp_leb_status_t want, int64_t wv,
              size_t wl) {
  int64_t v;
  size_t len;
  wp_leb_status_t st = wp_leb_signed(b, b + n, bits, &v, &len);
  CHECK(st == want, "%s: status %d, want %d", what, st, want);
  if (!want) CHECK(v == wv && len == wl, "%s: %lld/%zu", what, (long long)v, len);
}

int main(void) {
  u("0", (const uint8_t[]){0x00}, 1, 32, WP_LEB_OK, 0, 1);
  u("624485", (const uint8_t[]){0xe5, 0x8e, 0x26}, 3, 32, WP_LEB_OK, 624485, 3);
  u("padded 0", (const uint8_t[]){0x80, 0x80, 0x00}, 3, 32, WP_LEB_OK, 0, 3);
  u("u32 max", (const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0x0f}, 5, 32, WP_LEB_OK, UINT32_MAX, 5);
  u("u32 + bit 32", (const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0x1f}, 5, 32, WP_LEB_TOO_LARGE, 0, 0);
  u("u32 6 bytes", (const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 6, 32, WP_LEB_TOO_LONG, 0, 0);
  u("eof", (const uint8_t[]){0x80, 0x80}, 2, 32, WP_LEB_EOF, 0, 0);
  u("empty", (const uint8_t[]){0}, 0, 32, WP_LEB_EOF, 0, 0);
  u("u64 max", (const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10, 64, WP_LEB_OK,
    UINT64_MAX, 10);
  u("u64 + bit 64", (const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03}, 10, 64,
    WP_LEB_TOO_LARGE, 0, 0);
  s("-1", (const uint8_t[]){0x7f}, 1, 32, WP_LEB_OK, -1, 1);
  s("-123456", (const uint8_t[]){0xc0, 0xbb, 0x78}, 3, 32, WP_LEB_OK, -123456, 3);
  s("s33 min", (const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x70}, 5, 33, WP_LEB_OK, -((int64_t)1 << 32), 5);
  s("s33 too small", (const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x60}, 5, 33, WP_LEB_TOO_LARGE, 0, 0);
  s("s32 6 bytes", (const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, 6, 32, WP_LEB_TOO_LONG, 0, 0);
  s("s64 min", (const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f}, 10, 64, WP_LEB_OK,
    INT64_MIN, 10);
  s("s64 bad 10th byte", (const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x41}, 10, 64,
    WP_LEB_TOO_LARGE, 0, 0);
  CHECK(!strcmp(wp_leb_status_text(WP_LEB_TOO_LONG), "integer representation too long"), "text");
  if (failures) fprintf(stderr, "%d failure(s)\n", failures);
  return failures != 0;
}
