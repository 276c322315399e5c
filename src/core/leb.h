/*
** leb.h — LEB128 integers as the WebAssembly binary formats encode them:
** the one reader every decoder uses (core modules here, components in
** src/component, the type copier of `compose` in src/host).
**
** A reader gets the bytes [p, end) and the width the format allows (u32,
** s33, u64...); it refuses encodings longer than ceil(bits/7) bytes and
** values that do not fit, as the spec's validators do.  On success it
** stores the value and how many bytes it took.
*/
#ifndef WASMPLUG_CORE_LEB_H
#define WASMPLUG_CORE_LEB_H

#include <stddef.h>
#include <stdint.h>

typedef enum wp_leb_status {
  WP_LEB_OK = 0,
  WP_LEB_EOF,       /* the bytes end inside the integer */
  WP_LEB_TOO_LONG,  /* more bytes than the width allows */
  WP_LEB_TOO_LARGE, /* the value does not fit the width */
} wp_leb_status_t;

wp_leb_status_t wp_leb_unsigned(const uint8_t *p, const uint8_t *end, unsigned bits, uint64_t *value, size_t *len);
wp_leb_status_t wp_leb_signed(const uint8_t *p, const uint8_t *end, unsigned bits, int64_t *value, size_t *len);
/* "integer representation too long"... (for messages). */
const char *wp_leb_status_text(wp_leb_status_t s);

#endif
