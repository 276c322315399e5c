/*
** leb.c — the LEB128 reader (leb.h).
*/
#include "leb.h"

wp_leb_status_t wp_leb_unsigned(const uint8_t *p, const uint8_t *end, unsigned bits, uint64_t *value,
                                size_t *len) {
  uint64_t v = 0;
  unsigned shift = 0;
  size_t i = 0;
  *value = 0;
  *len = 0;
  for (;;) {
    if (p + i >= end) return WP_LEB_EOF;
    uint8_t b = p[i++];
    /* the last byte the width allows may only carry the bits left */
    if (shift + 7 > bits && (b & 0x7f) >> (bits - shift)) return WP_LEB_TOO_LARGE;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
    if (shift >= bits) return WP_LEB_TOO_LONG;
  }
  *value = v;
  *len = i;
  return WP_LEB_OK;
}

wp_leb_status_t wp_leb_signed(const uint8_t *p, const uint8_t *end, unsigned bits, int64_t *value, size_t *len) {
  int64_t v = 0;
  unsigned shift = 0;
  size_t i = 0;
  uint8_t b;
  *value = 0;
  *len = 0;
  do {
    if (p + i >= end) return WP_LEB_EOF;
    if (shift >= 7 * ((bits + 6) / 7)) return WP_LEB_TOO_LONG;
    b = p[i++];
    if (shift < 64) v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
    shift += 7;
  } while (b & 0x80);
  if (shift < 64 && (b & 0x40)) v |= (int64_t)(~(uint64_t)0 << shift);
  if (bits < 64) {
    int64_t lim = (int64_t)1 << (bits - 1);
    if (v < -lim || v >= lim) return WP_LEB_TOO_LARGE;
  } else if (shift > 63 && i == 10) {
    /* the 10th byte of an s64 holds bit 63 only: the rest must repeat it */
    uint8_t rest = b & 0x7f;
    if (rest != 0 && rest != 0x7f) return WP_LEB_TOO_LARGE;
  }
  *value = v;
  *len = i;
  return WP_LEB_OK;
}

const char *wp_leb_status_text(wp_leb_status_t s) {
  switch (s) {
  case WP_LEB_OK: return "ok";
  case WP_LEB_EOF: return "unexpected end of section in integer";
  case WP_LEB_TOO_LONG: return "integer representation too long";
  case WP_LEB_TOO_LARGE: return "integer too large";
  }
  return "bad integer";
}
