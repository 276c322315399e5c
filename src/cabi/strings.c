/*
 * strings.c -- UTF-8 validation, and strings crossing the guest boundary in
 * the three canonical encodings (utf8, utf16, latin1+utf16).
 *
 * Host-side strings are always UTF-8.  Lifting copies the guest bytes out
 * first and validates/transcodes the copy, so a guest that rewrites its
 * memory concurrently cannot make us accept bytes we did not check.
 */
#include "cabi/cabi_internal.h"

#include <stdlib.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__TINYC__)
#include <immintrin.h>

#include "core/cpu.h"
#define WP_UTF8_AVX2 1
#endif

#if defined(__SSE2__)
/* 64 bytes at a time: any high bit in a[0..3] (a non-ASCII byte)? */
static inline bool ascii64_hi(__m128i a, __m128i b, __m128i c, __m128i d) {
  return _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))) != 0;
}
#define LD128(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#endif

#ifdef WP_UTF8_AVX2
/* AVX2 where the processor has it (asked once; glibc knows: core/cpu.h):
 * ASCII blocks of 64 bytes in two ymm registers, half the instructions of
 * SSE2's four xmm per block.  Only the ASCII blocks change; everything
 * else is the same code. */
static int avx2_state; /* 0: not asked yet, 1: used, 2: not */

static inline bool use_avx2(void) {
  int st = __atomic_load_n(&avx2_state, __ATOMIC_RELAXED);
  if (__builtin_expect(!st, 0)) {
    st = wp_cpu_has_avx2() ? 1 : 2;
    __atomic_store_n(&avx2_state, st, __ATOMIC_RELAXED);
  }
  return st == 1;
}

bool wp_cabi_utf8_avx2_set(bool on) {
  __atomic_store_n(&avx2_state, on && wp_cpu_has_avx2() ? 1 : 2, __ATOMIC_RELAXED);
  return use_avx2();
}

#define LD256(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))

/* The length of s's prefix of whole 64-byte ASCII blocks (n >= 64). */
__attribute__((target("avx2"))) static size_t ascii_blocks_avx2(const uint8_t *s, size_t n) {
  size_t i = 0;
  for (; i + 64 <= n; i += 64)
    if (_mm256_movemask_epi8(_mm256_or_si256(LD256(s + i), LD256(s + i + 32)))) break;
  return i;
}

/* Copies whole 64-byte blocks of s to d while they are ASCII, each block
 * checked in the registers it was stored from; returns the offset of the
 * first block with a high bit (stored too) or of the tail (< 64 bytes). */
__attribute__((target("avx2"))) static size_t copy_ascii_blocks_avx2(uint8_t *d, const uint8_t *s, size_t n) {
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    __m256i a = LD256(s + i), b = LD256(s + i + 32);
    __asm__("" : "+x"(a), "+x"(b)); /* stored and checked: these registers */
    _mm256_storeu_si256((__m256i *)(void *)(d + i), a);
    _mm256_storeu_si256((__m256i *)(void *)(d + i + 32), b);
    if (_mm256_movemask_epi8(_mm256_or_si256(a, b))) break;
  }
  return i;
}
#else
bool wp_cabi_utf8_avx2_set(bool on) {
  (void)on;
  return false;
}
#endif

/* Validates UTF-8.  ASCII runs are skipped 64 (AVX2 or SSE2), 32, then 8
 * bytes at a time (the common case for the identifiers and text that
 * cross component boundaries). */
bool wp_cabi_utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
#ifdef WP_UTF8_AVX2
    if (i + 64 <= n && use_avx2()) {
      size_t k = ascii_blocks_avx2(s + i, n - i);
      if (k) { /* then at a block with a high bit (0 next time), or the tail */
        i += k;
        continue;
      }
    } else
#endif
#if defined(__SSE2__)
    if (i + 64 <= n && !ascii64_hi(LD128(s + i), LD128(s + i + 16), LD128(s + i + 32), LD128(s + i + 48))) {
      i += 64;
      continue;
    }
#endif
    if (i + 32 <= n) {
      uint64_t w[4];
      memcpy(w, s + i, 32);
      if (!((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ull)) {
        i += 32;
        continue;
      }
    }
    if (i + 8 <= n) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (!(w & 0x8080808080808080ull)) {
        i += 8;
        continue;
      }
    }
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80) return false;
      i += 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      if (i + 2 >= n) return false;
      uint8_t c1 = s[i + 1];
      if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80) return false;
      if (c == 0xE0 && c1 < 0xA0) return false; /* overlong */
      if (c == 0xED && c1 >= 0xA0) return false; /* surrogate */
      i += 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      if (i + 3 >= n) return false;
      uint8_t c1 = s[i + 1];
      if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80) return false;
      if (c == 0xF0 && c1 < 0x90) return false; /* overlong */
      if (c == 0xF4 && c1 >= 0x90) return false; /* > U+10FFFF */
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

/* Copies n bytes from s to d and validates the copy as UTF-8 in one pass:
 * 64 (AVX2 or SSE2) or 32 bytes at a time while they are ASCII (each block is checked in the
 * registers it was stored from, so a guest rewriting s meanwhile cannot
 * slip unchecked bytes through); from the first block with a high bit
 * on, the rest is copied and the copy validated from that block's start
 * (a sequence never starts inside an ASCII block). */
bool wp_cabi_utf8_copy_valid(uint8_t *d, const uint8_t *s, size_t n) {
  size_t i = 0;
#ifdef WP_UTF8_AVX2
  if (n >= 64 && use_avx2()) {
    i = copy_ascii_blocks_avx2(d, s, n);
    if (i == n) return true; /* whole blocks, all ASCII (a 1 KiB text): done */
    if (i + 64 <= n) { /* the block at i has a high bit, stored already */
      memcpy(d + i + 64, s + i + 64, n - i - 64);
      return wp_cabi_utf8_valid(d + i, n - i);
    }
  }
#endif
#if defined(__SSE2__)
  for (; i + 64 <= n; i += 64) {
    __m128i a = LD128(s + i), b = LD128(s + i + 16), c = LD128(s + i + 32), e = LD128(s + i + 48);
    __asm__("" : "+x"(a), "+x"(b), "+x"(c), "+x"(e)); /* as below */
    _mm_storeu_si128((__m128i *)(void *)(d + i), a);
    _mm_storeu_si128((__m128i *)(void *)(d + i + 16), b);
    _mm_storeu_si128((__m128i *)(void *)(d + i + 32), c);
    _mm_storeu_si128((__m128i *)(void *)(d + i + 48), e);
    if (ascii64_hi(a, b, c, e)) {
      memcpy(d + i + 64, s + i + 64, n - i - 64);
      return wp_cabi_utf8_valid(d + i, n - i);
    }
  }
#endif
  for (; i + 32 <= n; i += 32) {
    uint64_t w0, w1, w2, w3;
    memcpy(&w0, s + i, 8);
    memcpy(&w1, s + i + 8, 8);
    memcpy(&w2, s + i + 16, 8);
    memcpy(&w3, s + i + 24, 8);
    /* the stored and the checked words are these registers: the compiler
     * may not read s a second time for either */
    __asm__("" : "+r"(w0), "+r"(w1), "+r"(w2), "+r"(w3));
    memcpy(d + i, &w0, 8);
    memcpy(d + i + 8, &w1, 8);
    memcpy(d + i + 16, &w2, 8);
    memcpy(d + i + 24, &w3, 8);
    if ((w0 | w1 | w2 | w3) & 0x8080808080808080ull) {
      memcpy(d + i + 32, s + i + 32, n - i - 32);
      return wp_cabi_utf8_valid(d + i, n - i);
    }
  }
  if (i == n) return true; /* whole blocks, all ASCII: no tail to copy or check */
  memcpy(d + i, s + i, n - i);
  return wp_cabi_utf8_valid(d + i, n - i);
}

/* Offset of the first invalid byte (for error messages); n if valid. */
size_t wp_cabi_utf8_error_at(const uint8_t *s, size_t n) {
  size_t lo = 0;
  /* Linear rescan of small prefixes is fine: this only runs on failure. */
  for (size_t i = 0; i < n;) {
    uint8_t c = s[i];
    size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + k > n || !wp_cabi_utf8_valid(s + i, k)) return i;
    i += k;
    lo = i;
  }
  return lo;
}

uint32_t wp_cabi_utf8_next(const uint8_t *s, size_t n, size_t *i) {
  size_t k = *i;
  uint8_t c = s[k];
  if (c < 0x80 || k + 1 >= n) {
    *i = k + 1;
    return c;
  }
  if (c < 0xE0) {
    *i = k + 2;
    return ((uint32_t)(c & 0x1F) << 6) | (s[k + 1] & 0x3F);
  }
  if (c < 0xF0 && k + 2 < n) {
    *i = k + 3;
    return ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[k + 1] & 0x3F) << 6) | (s[k + 2] & 0x3F);
  }
  if (k + 3 < n) {
    *i = k + 4;
    return ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[k + 1] & 0x3F) << 12) | ((uint32_t)(s[k + 2] & 0x3F) << 6) |
           (s[k + 3] & 0x3F);
  }
  *i = n;
  return 0xFFFD;
}

size_t wp_cabi_utf8_put(uint8_t *out, uint32_t c) {
  if (c < 0x80) {
    out[0] = (uint8_t)c;
    return 1;
  }
  if (c < 0x800) {
    out[0] = (uint8_t)(0xC0 | (c >> 6));
    out[1] = (uint8_t)(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = (uint8_t)(0xE0 | (c >> 12));
    out[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    out[2] = (uint8_t)(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = (uint8_t)(0xF0 | (c >> 18));
  out[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
  out[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
  out[3] = (uint8_t)(0x80 | (c & 0x3F));
  return 4;
}

/* Host buffer for a lifted string: arena or malloc, charged either way. */
static char *str_buf(wp_cabi_cx_t *cx, size_t n, bool arena, wp_cabi_error_t **err) {
  if (arena) {
    char *p = wp_cabi_arena_alloc(cx->arena, n + 1, 1);
    if (!p)
      *err = wp_cabi_error_new(WP_CABI_LIMIT, "host allocation budget exceeded lifting a string of %zu bytes", n);
    return p;
  }
  return wp_cabi_host_alloc(cx, n + 1, err);
}

wp_cabi_error_t *wp_cabi_lift_string(wp_cabi_cx_t *cx, uint32_t ptr, uint32_t tagged_len, bool arena,
                                     char **out_ptr, size_t *out_len) {
  wp_cabi_error_t *e = NULL;
  wp_cabi_string_encoding_t enc = cx->guest ? cx->guest->encoding : WP_CABI_UTF8;
  bool utf16 = false;
  uint64_t units = tagged_len, bytes;
  if (enc == WP_CABI_UTF16) {
    utf16 = true;
  } else if (enc == WP_CABI_LATIN1_UTF16 && (tagged_len & WP_CABI_UTF16_TAG)) {
    utf16 = true;
    units = tagged_len ^ WP_CABI_UTF16_TAG;
  }
  bytes = utf16 ? units * 2 : units;
  if (bytes > WP_CABI_MAX_STRING_BYTES)
    return TRAP("string length %llu (%llu bytes) exceeds the maximum string byte length %u",
                (unsigned long long)units, (unsigned long long)bytes, WP_CABI_MAX_STRING_BYTES);
  uint32_t align = enc == WP_CABI_UTF8 ? 1 : 2;
  if (align > 1 && (ptr & 1)) return TRAP("string pointer 0x%x is not aligned to 2 bytes", ptr);
  if ((uint64_t)ptr + bytes > cx->mem.size)
    return TRAP("string pointer 0x%x + length %llu is out of bounds of memory (%llu bytes)", ptr,
                (unsigned long long)bytes, (unsigned long long)cx->mem.size);
  const uint8_t *src = cx->mem.base + ptr;

  if (enc == WP_CABI_UTF8) {
    char *d = str_buf(cx, bytes, arena, &e);
    if (!d) return e;
    d[bytes] = 0;
    if (!wp_cabi_utf8_copy_valid((uint8_t *)d, src, bytes)) { /* validates the copy */
      size_t at = wp_cabi_utf8_error_at((const uint8_t *)d, bytes);
      if (!arena) free(d);
      return TRAP("invalid UTF-8 in string at 0x%x (byte %zu of %llu)", ptr, at, (unsigned long long)bytes);
    }
    *out_ptr = d;
    *out_len = bytes;
    return NULL;
  }
  if (!utf16) {
    /* latin1: every byte is one code point, at most 2 UTF-8 bytes. */
    size_t extra = 0;
    /* Copy once into the output's tail, then expand forward from it. */
    char *d = str_buf(cx, bytes * 2, arena, &e);
    if (!d) return e;
    uint8_t *tmp = (uint8_t *)d + bytes;
    memcpy(tmp, src, bytes);
    size_t o = 0;
    for (size_t i = 0; i < bytes; i++) {
      uint8_t c = tmp[i];
      if (c < 0x80) {
        d[o++] = (char)c;
      } else {
        d[o++] = (char)(0xC0 | (c >> 6));
        d[o++] = (char)(0x80 | (c & 0x3F));
        extra++;
      }
    }
    (void)extra;
    d[o] = 0;
    *out_ptr = d;
    *out_len = o;
    return NULL;
  }
  /* UTF-16LE: copy the units out, then decode with surrogate checks.  Each
   * unit yields at most 3 UTF-8 bytes (a pair, 2 units, yields 4). */
  uint16_t *tmp = wp_cabi_host_alloc(cx, bytes ? bytes : 1, &e);
  if (!tmp) return e;
  memcpy(tmp, src, bytes);
  char *d = str_buf(cx, units * 3, arena, &e);
  if (!d) {
    free(tmp);
    return e;
  }
  size_t o = 0;
  for (size_t i = 0; i < units; i++) {
    uint32_t c = tmp[i];
    if (c >= 0xD800 && c <= 0xDBFF) {
      uint32_t lo = i + 1 < units ? tmp[i + 1] : 0;
      if (lo < 0xDC00 || lo > 0xDFFF) {
        free(tmp);
        if (!arena) free(d);
        return TRAP("invalid UTF-16 in string at 0x%x: unpaired high surrogate 0x%x at unit %zu", ptr, c, i);
      }
      c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
      i++;
    } else if (c >= 0xDC00 && c <= 0xDFFF) {
      free(tmp);
      if (!arena) free(d);
      return TRAP("invalid UTF-16 in string at 0x%x: unpaired low surrogate 0x%x at unit %zu", ptr, c, i);
    }
    o += wp_cabi_utf8_put((uint8_t *)d + o, c);
  }
  d[o] = 0;
  free(tmp);
  *out_ptr = d;
  *out_len = o;
  return NULL;
}

wp_cabi_error_t *wp_cabi_lower_string(wp_cabi_cx_t *cx, const uint8_t *s, size_t n, bool trusted, uint32_t *out_ptr,
                                      uint32_t *out_len) {
  wp_cabi_error_t *e;
  wp_cabi_string_encoding_t enc = cx->guest ? cx->guest->encoding : WP_CABI_UTF8;
  if (n > WP_CABI_MAX_STRING_BYTES)
    return INVALID("string of %zu bytes exceeds the maximum string byte length %u", n, WP_CABI_MAX_STRING_BYTES);
  if (enc == WP_CABI_UTF8) {
    if (!trusted && !wp_cabi_utf8_valid(s, n))
      return INVALID("string to lower is not valid UTF-8 (byte %zu)", wp_cabi_utf8_error_at(s, n));
    uint32_t p = 0;
    if ((e = wp_cabi_opts_realloc(cx, "string", 0, 0, 1, (uint32_t)n, &p))) return e;
    if (n) memcpy(cx->mem.base + p, s, n);
    *out_ptr = p;
    *out_len = (uint32_t)n;
    return NULL;
  }
  /* Transcoding: validate, then size the output exactly before allocating
   * (one realloc instead of the reference's allocate-then-shrink). */
  if (!wp_cabi_utf8_valid(s, n))
    return INVALID("string to lower is not valid UTF-8 (byte %zu)", wp_cabi_utf8_error_at(s, n));
  size_t units = 0;
  bool latin1 = true;
  for (size_t i = 0; i < n;) {
    uint32_t c = wp_cabi_utf8_next(s, n, &i);
    units += c >= 0x10000 ? 2 : 1;
    if (c > 0xFF) latin1 = false;
  }
  uint32_t p = 0;
  if (enc == WP_CABI_LATIN1_UTF16 && latin1) {
    if ((e = wp_cabi_opts_realloc(cx, "string", 0, 0, 2, (uint32_t)units, &p))) return e;
    uint8_t *d = cx->mem.base + p;
    size_t k = 0;
    for (size_t i = 0; i < n;) d[k++] = (uint8_t)wp_cabi_utf8_next(s, n, &i);
    *out_ptr = p;
    *out_len = (uint32_t)units;
    return NULL;
  }
  if (units * 2 > WP_CABI_MAX_STRING_BYTES)
    return INVALID("string of %zu UTF-16 units exceeds the maximum string byte length", units);
  if ((e = wp_cabi_opts_realloc(cx, "string", 0, 0, 2, (uint32_t)(units * 2), &p))) return e;
  uint8_t *d = cx->mem.base + p;
  size_t k = 0;
  for (size_t i = 0; i < n;) {
    uint32_t c = wp_cabi_utf8_next(s, n, &i);
    if (c >= 0x10000) {
      c -= 0x10000;
      wr_u16(d + 2 * k++, 0xD800 + (c >> 10));
      wr_u16(d + 2 * k++, 0xDC00 + (c & 0x3FF));
    } else {
      wr_u16(d + 2 * k++, c);
    }
  }
  *out_ptr = p;
  *out_len = (uint32_t)units | (enc == WP_CABI_LATIN1_UTF16 ? WP_CABI_UTF16_TAG : 0);
  return NULL;
}

wp_cabi_flat_t wp_cabi_flat_coerce_in(wp_cabi_flat_t v, wp_cabi_core_t have, wp_cabi_core_t want) {
  /* The variant's joined slot type is `have`; the case wants `want`. */
  wp_cabi_flat_t r;
  memset(&r, 0, sizeof r);
  if (have == want) return v;
  if (have == WP_CABI_I32 && want == WP_CABI_CF32) { memcpy(&r.f32, &v.i32, 4); return r; }
  if (have == WP_CABI_I64 && want == WP_CABI_I32) { r.i32 = (uint32_t)v.i64; return r; }
  if (have == WP_CABI_I64 && want == WP_CABI_CF32) { uint32_t b = (uint32_t)v.i64; memcpy(&r.f32, &b, 4); return r; }
  if (have == WP_CABI_I64 && want == WP_CABI_CF64) { memcpy(&r.f64, &v.i64, 8); return r; }
  return v;
}

wp_cabi_flat_t wp_cabi_flat_coerce_out(wp_cabi_flat_t v, wp_cabi_core_t have, wp_cabi_core_t want) {
  /* The case produced `have`; the variant's slot is `want`. */
  wp_cabi_flat_t r;
  memset(&r, 0, sizeof r);
  if (have == want) return v;
  if (have == WP_CABI_CF32 && want == WP_CABI_I32) { memcpy(&r.i32, &v.f32, 4); return r; }
  if (have == WP_CABI_I32 && want == WP_CABI_I64) { r.i64 = v.i32; return r; }
  if (have == WP_CABI_CF32 && want == WP_CABI_I64) { uint32_t b; memcpy(&b, &v.f32, 4); r.i64 = b; return r; }
  if (have == WP_CABI_CF64 && want == WP_CABI_I64) { memcpy(&r.i64, &v.f64, 8); return r; }
  return v;
}
