/*
** compose_skip.c — the length of one type definition in a component's
** binary, so `wasmplug compose` can copy an import's instance type into
** the composed component byte for byte instead of re-encoding it.  A type
** that reaches outside itself (an outer alias past its own nesting) cannot
** be copied that way; the caller then reports it.
*/
#include "host/compose_internal.h"
#include "core/leb.h"

#include <string.h>

typedef struct rd {
  const uint8_t *p, *end;
  int bad;         /* malformed or unsupported */
  int escapes;     /* refers to a type outside the copied one */
} rd;

static uint8_t u8(rd *r) {
  if (r->p >= r->end) {
    r->bad = 1;
    return 0;
  }
  return *r->p++;
}

static uint32_t leb(rd *r) {
  uint64_t v;
  size_t n;
  if (wp_leb_unsigned(r->p, r->end, 32, &v, &n)) {
    r->bad = 1;
    return 0;
  }
  r->p += n;
  return (uint32_t)v;
}

static void name(rd *r) {
  uint32_t n = leb(r);
  if ((size_t)(r->end - r->p) < n) r->bad = 1;
  else r->p += n;
}

static void valtype(rd *r) {
  /* a primitive is one byte 0x40..0x7f (a negative s33); else a type index */
  if (r->p < r->end && *r->p >= 0x40 && *r->p <= 0x7f) r->p++;
  else leb(r);
}

static void opt_valtype(rd *r) {
  uint8_t b = u8(r);
  if (b == 1) valtype(r);
  else if (b != 0) r->bad = 1;
}

static void deftype(rd *r, int depth);

static void externdesc(rd *r) {
  uint8_t b = u8(r);
  switch (b) {
  case 0x00: u8(r); leb(r); break;
  case 0x01: case 0x04: case 0x05: leb(r); break;
  case 0x02: if (u8(r) == 0x00) leb(r); else valtype(r); break;
  case 0x03: if (u8(r) == 0x00) leb(r); break;
  default: r->bad = 1;
  }
}

static void externname(rd *r) {
  uint8_t b = u8(r);
  if (b > 2) {
    r->bad = 1;
    return;
  }
  name(r);
  if (b == 2) {
    uint32_t n = leb(r);
    for (uint32_t i = 0; i < n && !r->bad; i++) {
      u8(r);
      name(r);
    }
  }
}

static void decls(rd *r, int depth) {
  uint32_t n = leb(r);
  for (uint32_t i = 0; i < n && !r->bad; i++) {
    uint8_t b = u8(r);
    switch (b) {
    case 0x01: deftype(r, depth); break;
    case 0x02: {
      uint8_t sort = u8(r);
      if (sort == 0x00) u8(r);
      uint8_t t = u8(r);
      if (t == 0x00 || t == 0x01) {
        leb(r);
        name(r);
      } else if (t == 0x02) {
        uint32_t ct = leb(r);
        leb(r);
        if (ct >= (uint32_t)depth) r->escapes = 1;
      } else {
        r->bad = 1;
      }
      break;
    }
    case 0x03: case 0x04: externname(r); externdesc(r); break;
    default: r->bad = 1; /* core types inside: not needed by interfaces */
    }
  }
}

static void deftype(rd *r, int depth) {
  uint8_t b = u8(r);
  if (b >= 0x73 && b <= 0x7f) return; /* primitive */
  if (b == 0x64) return;             /* error-context */
  uint32_t n;
  switch (b) {
  case 0x72: n = leb(r); for (uint32_t i = 0; i < n && !r->bad; i++) { name(r); valtype(r); } break;
  case 0x71:
    n = leb(r);
    for (uint32_t i = 0; i < n && !r->bad; i++) {
      name(r);
      opt_valtype(r);
      if (u8(r) != 0) r->bad = 1;
    }
    break;
  case 0x70: case 0x6b: valtype(r); break;
  case 0x67: valtype(r); leb(r); break;
  case 0x6f: n = leb(r); for (uint32_t i = 0; i < n && !r->bad; i++) valtype(r); break;
  case 0x6e: case 0x6d: n = leb(r); for (uint32_t i = 0; i < n && !r->bad; i++) name(r); break;
  case 0x6a: opt_valtype(r); opt_valtype(r); break;
  case 0x69: case 0x68: leb(r); break;
  case 0x66: case 0x65: opt_valtype(r); break;
  case 0x63: valtype(r); valtype(r); break;
  case 0x40: case 0x43:
    n = leb(r);
    for (uint32_t i = 0; i < n && !r->bad; i++) { name(r); valtype(r); }
    if (u8(r) == 0x00) valtype(r);
    else if (u8(r) != 0x00) r->bad = 1;
    break;
  case 0x41: case 0x42: decls(r, depth + 1); break;
  default: r->bad = 1; /* resource definitions never appear in an import's type */
  }
}

size_t wp_compose_type_len(const uint8_t *p, size_t avail, bool *escapes) {
  rd r = {p, p + avail, 0, 0};
  deftype(&r, 0);
  *escapes = r.escapes != 0;
  return r.bad ? 0 : (size_t)(r.p - p);
}
