/*
** scalar.c — primitive values: storing/loading them in C memory, and the
** range-checked conversions behind the typed setters and getters (a value
** is accepted only when it is exactly representable in the target type).
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dl/internal.h"

#define P(name) WASI_DL_FFI_PRIMITIVE_TYPE_##name

void dl_scalar_store(uint8_t prim, void *mem, dl_scalar_t v) {
  switch (prim) {
  case P(C_SCHAR): *(signed char *)mem = (signed char)v.i; break;
  case P(C_UCHAR): *(unsigned char *)mem = (unsigned char)v.u; break;
  case P(C_SHORT): *(short *)mem = (short)v.i; break;
  case P(C_USHORT): *(unsigned short *)mem = (unsigned short)v.u; break;
  case P(C_INT): *(int *)mem = (int)v.i; break;
  case P(C_UINT): *(unsigned *)mem = (unsigned)v.u; break;
  case P(C_LONG): *(long *)mem = (long)v.i; break;
  case P(C_ULONG): *(unsigned long *)mem = (unsigned long)v.u; break;
  case P(C_LONG_LONG): *(long long *)mem = (long long)v.i; break;
  case P(C_ULONG_LONG): *(unsigned long long *)mem = (unsigned long long)v.u; break;
  case P(C_FLOAT): *(float *)mem = (float)v.d; break;
  case P(C_DOUBLE): *(double *)mem = v.d; break;
  case P(INT8_T): *(int8_t *)mem = (int8_t)v.i; break;
  case P(INT16_T): *(int16_t *)mem = (int16_t)v.i; break;
  case P(INT32_T): *(int32_t *)mem = (int32_t)v.i; break;
  case P(INT64_T): *(int64_t *)mem = v.i; break;
  case P(UINT8_T): *(uint8_t *)mem = (uint8_t)v.u; break;
  case P(UINT16_T): *(uint16_t *)mem = (uint16_t)v.u; break;
  case P(UINT32_T): *(uint32_t *)mem = (uint32_t)v.u; break;
  case P(UINT64_T): *(uint64_t *)mem = v.u; break;
  case P(POINTER): *(void **)mem = v.p; break;
  default: break;
  }
}

dl_scalar_t dl_scalar_load(uint8_t prim, const void *mem) {
  dl_scalar_t v;
  memset(&v, 0, sizeof v);
  switch (prim) {
  case P(C_SCHAR): v.i = *(const signed char *)mem; break;
  case P(C_UCHAR): v.u = *(const unsigned char *)mem; break;
  case P(C_SHORT): v.i = *(const short *)mem; break;
  case P(C_USHORT): v.u = *(const unsigned short *)mem; break;
  case P(C_INT): v.i = *(const int *)mem; break;
  case P(C_UINT): v.u = *(const unsigned *)mem; break;
  case P(C_LONG): v.i = *(const long *)mem; break;
  case P(C_ULONG): v.u = *(const unsigned long *)mem; break;
  case P(C_LONG_LONG): v.i = *(const long long *)mem; break;
  case P(C_ULONG_LONG): v.u = *(const unsigned long long *)mem; break;
  case P(C_FLOAT): v.d = *(const float *)mem; break;
  case P(C_DOUBLE): v.d = *(const double *)mem; break;
  case P(INT8_T): v.i = *(const int8_t *)mem; break;
  case P(INT16_T): v.i = *(const int16_t *)mem; break;
  case P(INT32_T): v.i = *(const int32_t *)mem; break;
  case P(INT64_T): v.i = *(const int64_t *)mem; break;
  case P(UINT8_T): v.u = *(const uint8_t *)mem; break;
  case P(UINT16_T): v.u = *(const uint16_t *)mem; break;
  case P(UINT32_T): v.u = *(const uint32_t *)mem; break;
  case P(UINT64_T): v.u = *(const uint64_t *)mem; break;
  case P(POINTER): v.p = *(void *const *)mem; break;
  default: break;
  }
  return v;
}

static int64_t smin(unsigned bits) { return bits >= 64 ? INT64_MIN : -((int64_t)1 << (bits - 1)); }
static int64_t smax(unsigned bits) { return bits >= 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1; }
static uint64_t umax(unsigned bits) { return bits >= 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1; }

/* Does the integer (is_signed ? (int64_t)bits : bits) fit in an integer of
** `width` bits and signedness `to_signed`? */
static bool fits(bool is_signed, uint64_t bits, bool to_signed, unsigned width) {
  if (is_signed) {
    int64_t x = (int64_t)bits;
    if (to_signed) return x >= smin(width) && x <= smax(width);
    return x >= 0 && (uint64_t)x <= umax(width);
  }
  if (to_signed) return bits <= (uint64_t)smax(width);
  return bits <= umax(width);
}

bool dl_scalar_from_int(uint8_t prim, bool is_signed, uint64_t bits, dl_scalar_t *out, char *err, size_t cap) {
  memset(out, 0, sizeof *out);
  unsigned width = (unsigned)dl_prim_size(prim) * 8;
  char val[32];
  if (is_signed) snprintf(val, sizeof val, "%lld", (long long)(int64_t)bits);
  else snprintf(val, sizeof val, "%llu", (unsigned long long)bits);
  switch (dl_prim_class(prim)) {
  case DL_FLOAT:
    snprintf(err, cap, "integer %s given for %s (use set-f32/set-f64)", val, dl_prim_name(prim));
    return false;
  case DL_POINTER:
    if (bits == 0) return true; /* NULL */
    snprintf(err, cap, "integer %s given for a pointer: pointers come from allocs (set-addr); only 0 (NULL) is accepted",
             val);
    return false;
  case DL_SIGNED:
    if (!fits(is_signed, bits, true, width)) break;
    out->i = (int64_t)bits;
    return true;
  case DL_UNSIGNED:
    if (!fits(is_signed, bits, false, width)) break;
    out->u = bits;
    return true;
  }
  snprintf(err, cap, "%s does not fit in %s", val, dl_prim_name(prim));
  return false;
}

bool dl_scalar_from_float(uint8_t prim, double v, bool was_f32, dl_scalar_t *out, char *err, size_t cap) {
  memset(out, 0, sizeof *out);
  if (dl_prim_class(prim) != DL_FLOAT) {
    snprintf(err, cap, "float %g given for %s", v, dl_prim_name(prim));
    return false;
  }
  if (prim == P(C_FLOAT) && !was_f32 && !isnan(v) && (double)(float)v != v) {
    snprintf(err, cap, "%.17g is not exactly representable as c-float", v);
    return false;
  }
  out->d = prim == P(C_FLOAT) ? (double)(float)v : v;
  return true;
}

bool dl_scalar_to_int(uint8_t prim, dl_scalar_t v, bool want_signed, unsigned width, uint64_t *out, char *err,
                      size_t cap) {
  bool is_signed;
  uint64_t bits;
  switch (dl_prim_class(prim)) {
  case DL_SIGNED: is_signed = true, bits = (uint64_t)v.i; break;
  case DL_UNSIGNED: is_signed = false, bits = v.u; break;
  case DL_POINTER: is_signed = false, bits = (uint64_t)(uintptr_t)v.p; break;
  default:
    snprintf(err, cap, "a %s value read as an integer (use get-f32/get-f64)", dl_prim_name(prim));
    return false;
  }
  if (!fits(is_signed, bits, want_signed, width)) {
    if (is_signed)
      snprintf(err, cap, "%s value %lld does not fit in %c%u", dl_prim_name(prim), (long long)(int64_t)bits,
               want_signed ? 's' : 'u', width);
    else
      snprintf(err, cap, "%s value %llu does not fit in %c%u", dl_prim_name(prim), (unsigned long long)bits,
               want_signed ? 's' : 'u', width);
    return false;
  }
  *out = bits;
  return true;
}

bool dl_scalar_to_float(uint8_t prim, dl_scalar_t v, bool want_f32, double *out, char *err, size_t cap) {
  if (dl_prim_class(prim) != DL_FLOAT) {
    snprintf(err, cap, "a %s value read as a float", dl_prim_name(prim));
    return false;
  }
  if (want_f32 && !isnan(v.d) && (double)(float)v.d != v.d) {
    snprintf(err, cap, "%.17g is not exactly representable as f32", v.d);
    return false;
  }
  *out = v.d;
  return true;
}
