/*
** sha256.c — SHA-256 (FIPS 180-4), used to key the compile cache.  A
** cryptographic hash because a cache hit means running the cached code:
** a collision must not be something a guest author can arrange.
**
** Every start hashes the module (its cache key) and the cached code (its
** MAC), so on x86-64 processors with the SHA extensions (Intel since Ice
** Lake/Goldmont, AMD since Zen) the compression function runs on those
** instructions (~7x the portable C here); the portable one is used
** elsewhere.  Both compute the same function: ctest core.sha256 checks
** each against FIPS 180-4's test vectors and against each other.
*/
#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include "cpu.h"
#define WP_SHA_X86 1
#endif

#include "internal.h"

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

/* The portable compression function, on n consecutive 64-byte blocks. */
static void blocks_c(uint32_t st[8], const uint8_t *p, size_t n) {
  for (; n; n--, p += 64) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
      w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
             (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
      uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
    uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
    for (int i = 0; i < 64; i++) {
      uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
                    ((e & f) ^ (~e & g)) + K[i] + w[i];
      uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
                    ((a & b) ^ (a & c) ^ (b & c));
      h = g; g = f; f = e; e = d + t1;
      d = c; c = b; b = a; a = t1 + t2;
    }
    st[0] += a; st[1] += b; st[2] += c; st[3] += d;
    st[4] += e; st[5] += f; st[6] += g; st[7] += h;
  }
}

#ifdef WP_SHA_X86
/* The same on the SHA extensions: each sha256rnds2 does two rounds on the
** state held as ABEF/CDGH; sha256msg1/msg2 extend the message schedule four
** words at a time (Intel's "New Instructions Supporting the Secure Hash
** Algorithm on Intel Architecture Processors", 2013). */
__attribute__((target("sha,ssse3,sse4.1"))) static void blocks_x86(uint32_t st[8], const uint8_t *p, size_t n) {
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i t = _mm_loadu_si128((const __m128i *)&st[0]);
  __m128i s1 = _mm_loadu_si128((const __m128i *)&st[4]);
  t = _mm_shuffle_epi32(t, 0xB1);             /* CDAB */
  s1 = _mm_shuffle_epi32(s1, 0x1B);           /* EFGH */
  __m128i s0 = _mm_alignr_epi8(t, s1, 8);     /* ABEF */
  s1 = _mm_blend_epi16(s1, t, 0xF0);          /* CDGH */
  for (; n; n--, p += 64) {
    __m128i abef = s0, cdgh = s1, w[4];
    for (int i = 0; i < 4; i++) w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
    for (int i = 0; i < 16; i++) {
      __m128i m = _mm_add_epi32(w[i & 3], _mm_loadu_si128((const __m128i *)&K[4 * i]));
      s1 = _mm_sha256rnds2_epu32(s1, s0, m);
      s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(m, 0x0E));
      if (i < 12) { /* words 4i+16 .. 4i+19 replace 4i .. 4i+3 */
        __m128i x = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);
        x = _mm_add_epi32(x, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
        w[i & 3] = _mm_sha256msg2_epu32(x, w[(i + 3) & 3]);
      }
    }
    s0 = _mm_add_epi32(s0, abef);
    s1 = _mm_add_epi32(s1, cdgh);
  }
  t = _mm_shuffle_epi32(s0, 0x1B);            /* FEBA */
  s1 = _mm_shuffle_epi32(s1, 0xB1);           /* DCHG */
  s0 = _mm_blend_epi16(t, s1, 0xF0);          /* DCBA */
  s1 = _mm_alignr_epi8(s1, t, 8);             /* HGFE */
  _mm_storeu_si128((__m128i *)&st[0], s0);
  _mm_storeu_si128((__m128i *)&st[4], s1);
}

static bool have_sha_x86(void) { return wp_cpu_has_sha(); }
#endif

/* Which compression function runs: chosen at the first use (or by
** wp_sha256_select); every thread that races to choose chooses the same. */
typedef void blocks_fn(uint32_t st[8], const uint8_t *p, size_t n);
static _Atomic(blocks_fn *) blocks_impl;

static void blocks(uint32_t st[8], const uint8_t *p, size_t n) {
  blocks_fn *f = atomic_load_explicit(&blocks_impl, memory_order_relaxed);
  if (!f) {
    f = blocks_c;
#ifdef WP_SHA_X86
    if (have_sha_x86()) f = blocks_x86;
#endif
    atomic_store_explicit(&blocks_impl, f, memory_order_relaxed);
  }
  f(st, p, n);
}

bool wp_sha256_select(bool hw) {
  blocks_fn *f = hw ? NULL : blocks_c;
#ifdef WP_SHA_X86
  if (hw && have_sha_x86()) f = blocks_x86;
#endif
  atomic_store_explicit(&blocks_impl, f, memory_order_relaxed);
  return f != NULL;
}

void wp_sha256_init(wp_sha256_t *s) {
  static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                 0xa54ff53a, 0x510e527f, 0x9b05688c,
                                 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->h, iv, sizeof iv);
  s->len = 0;
  s->nbuf = 0;
}

void wp_sha256_update(wp_sha256_t *s, const void *data, size_t len) {
  const uint8_t *p = data;
  s->len += len;
  if (s->nbuf) { /* complete the buffered block first */
    size_t n = 64 - s->nbuf;
    if (n > len) n = len;
    memcpy(s->buf + s->nbuf, p, n);
    s->nbuf += n;
    p += n;
    len -= n;
    if (s->nbuf < 64) return;
    blocks(s->h, s->buf, 1);
    s->nbuf = 0;
  }
  if (len >= 64) { /* whole blocks straight from the input */
    blocks(s->h, p, len / 64);
    p += len & ~(size_t)63;
    len &= 63;
  }
  memcpy(s->buf, p, len);
  s->nbuf = len;
}

void wp_sha256_final(wp_sha256_t *s, uint8_t out[32]) {
  uint64_t bits = s->len * 8;
  uint8_t pad = 0x80;
  wp_sha256_update(s, &pad, 1);
  uint8_t zero = 0;
  while (s->nbuf != 56) wp_sha256_update(s, &zero, 1);
  uint8_t lenbuf[8];
  for (int i = 0; i < 8; i++) lenbuf[i] = (uint8_t)(bits >> (56 - 8 * i));
  wp_sha256_update(s, lenbuf, 8);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (uint8_t)(s->h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
    out[4 * i + 3] = (uint8_t)s->h[i];
  }
}

void wp_sha256_hex(const uint8_t digest[32], char out[65]) {
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 15];
  }
  out[64] = 0;
}

void wp_sha256_hex_of(const void *data, size_t len, char out[65]) {
  wp_sha256_t s;
  uint8_t d[32];
  wp_sha256_init(&s);
  wp_sha256_update(&s, data, len);
  wp_sha256_final(&s, d);
  wp_sha256_hex(d, out);
}
