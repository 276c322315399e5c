/*
** test_sha256.c — the compile cache's SHA-256 (src/core/sha256.c): FIPS
** 180-4's test vectors on the portable code and, where the processor has
** them, on the SHA instructions; both agree on every length from 0 to 1 KiB
** fed in pieces of every size, and on a 1 MiB buffer fed unaligned.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "../check.h"

/* The digest of data fed `step` bytes at a time (0: at once). */
static void digest(const uint8_t *data, size_t len, size_t step, uint8_t out[32]) {
  wp_sha256_t s;
  wp_sha256_init(&s);
  if (!step) step = len ? len : 1;
  for (size_t i = 0; i < len; i += step) wp_sha256_update(&s, data + i, len - i < step ? len - i : step);
  wp_sha256_final(&s, out);
}

static void vectors(const char *impl) {
  static const struct {
    const char *msg;
    const char *hex;
  } v[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrst"
       "nopqrstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
  };
  for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
    char hex[65];
    wp_sha256_hex_of(v[i].msg, strlen(v[i].msg), hex);
    CHECK(!strcmp(hex, v[i].hex), "%s: sha256(\"%s\") = %s", impl, v[i].msg, hex);
  }
  /* a million 'a', fed in pieces of 997 bytes */
  size_t n = 1000000;
  uint8_t *a = malloc(n);
  memset(a, 'a', n);
  uint8_t d[32];
  char hex[65];
  digest(a, n, 997, d);
  wp_sha256_hex(d, hex);
  CHECK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"), "%s: a million 'a' = %s",
        impl, hex);
  free(a);
}

int main(void) {
  CHECK(wp_sha256_select(false), "the portable code is always there");
  vectors("portable");
  bool hw = wp_sha256_select(true);
  if (hw) vectors("SHA instructions");
  printf("SHA instructions: %s\n", hw ? "used (both implementations checked)" : "absent (portable code only)");

  /* pseudo-random data; each length and piece size on both */
  size_t big = 1 << 20;
  uint8_t *buf = malloc(big + 1);
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < big + 1; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    buf[i] = (uint8_t)x;
  }
  if (hw) {
    for (size_t len = 0; len <= 1024; len++)
      for (size_t step = 0; step <= 130; step += (len < 200 ? 1 : 13)) {
        uint8_t c[32], h[32];
        wp_sha256_select(false);
        digest(buf, len, step, c);
        wp_sha256_select(true);
        digest(buf, len, step, h);
        CHECK(!memcmp(c, h, 32), "length %zu in pieces of %zu: the implementations differ", len, step);
        if (failures > 10) return 1;
      }
    uint8_t c[32], h[32];
    wp_sha256_select(false);
    digest(buf + 1, big, 4099, c);
    wp_sha256_select(true);
    digest(buf + 1, big, 4099, h);
    CHECK(!memcmp(c, h, 32), "1 MiB unaligned: the implementations differ");
  }
  free(buf);
  if (failures) return 1;
  printf("passed\n");
  return 0;
}
