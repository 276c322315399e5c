/*
** dltest.c — libdltest.so, the C library the wasi:dl tests call: every
** primitive type, structs by value and by pointer, out-parameters,
** strings, global variables and function pointers.  Each function changes
** its input in a known way so a test sees that C really ran.
*/
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define E __attribute__((visibility("default")))

E signed char dt_schar(signed char x) { return (signed char)(x + 1); }
E unsigned char dt_uchar(unsigned char x) { return (unsigned char)(x + 1); }
E short dt_short(short x) { return (short)(x + 1); }
E unsigned short dt_ushort(unsigned short x) { return (unsigned short)(x + 1); }
E int dt_int(int x) { return x + 1; }
E unsigned dt_uint(unsigned x) { return x + 1; }
E long dt_long(long x) { return x + 1; }
E unsigned long dt_ulong(unsigned long x) { return x + 1; }
E long long dt_longlong(long long x) { return x + 1; }
E unsigned long long dt_ulonglong(unsigned long long x) { return x + 1; }
E float dt_float(float x) { return x + 1.0f; }
E double dt_double(double x) { return x + 1.0; }
E int8_t dt_i8(int8_t x) { return (int8_t)(x + 1); }
E int16_t dt_i16(int16_t x) { return (int16_t)(x + 1); }
E int32_t dt_i32(int32_t x) { return x + 1; }
E int64_t dt_i64(int64_t x) { return x + 1; }
E uint8_t dt_u8(uint8_t x) { return (uint8_t)(x + 1); }
E uint16_t dt_u16(uint16_t x) { return (uint16_t)(x + 1); }
E uint32_t dt_u32(uint32_t x) { return x + 1; }
E uint64_t dt_u64(uint64_t x) { return x + 1; }
E void *dt_ptr(void *p) { return (char *)p + 1; }

/* Many arguments of mixed types: integer and float registers and the stack. */
E double dt_mix(int8_t a, uint16_t b, int32_t c, int64_t d, float e, double f, const int32_t *g, uint8_t h,
                double i, int64_t j) {
  return a + b + c + (double)d + e + f + (g ? *g : 1000) + h + i + (double)j;
}

E int dt_noargs(void) { return 7; }
E void dt_void(void) {}

struct dt_point { int32_t x, y; };
struct dt_rect { struct dt_point min, max; uint8_t tag; double weight; };

E struct dt_point dt_point_make(int32_t x, int32_t y) {
  struct dt_point p = {x, y};
  return p;
}
E int64_t dt_rect_area(struct dt_rect r) {
  return (int64_t)(r.max.x - r.min.x) * (r.max.y - r.min.y) * r.tag + (int64_t)r.weight;
}
E void dt_rect_grow(struct dt_rect *r, int32_t by) {
  r->min.x -= by, r->min.y -= by, r->max.x += by, r->max.y += by;
  r->tag++;
  r->weight *= 2;
}
/* A struct larger than two registers, returned in memory. */
E struct dt_rect dt_rect_flip(struct dt_rect r) {
  struct dt_rect o = {r.max, r.min, (uint8_t)(r.tag + 1), -r.weight};
  return o;
}

/* Out-parameters. */
E int dt_divmod(int a, int b, int *q, int *r) {
  if (!b) return -1;
  *q = a / b, *r = a % b;
  return 0;
}

E const char *dt_greeting(void) { return "hello from libdltest"; }
E size_t dt_strlen(const char *s) { return strlen(s); }
E void dt_name(const char **out) { *out = "dltest"; }

/* Globals. */
E int32_t dt_counter = 41;
E struct dt_point dt_origin = {3, 4};
E int32_t dt_bump(void) { return ++dt_counter; }
E const int32_t dt_const = 5;

/* Function pointers. */
typedef int32_t (*dt_binop)(int32_t, int32_t);
static int32_t add(int32_t a, int32_t b) { return a + b; }
static int32_t mul(int32_t a, int32_t b) { return a * b; }
E dt_binop dt_get_op(int which) { return which ? mul : add; }
E int32_t dt_apply(dt_binop f, int32_t a, int32_t b) { return f(a, b); }
E int32_t dt_sub(int32_t a, int32_t b) { return a - b; }

/* Not on the tests' allowlist. */
E int dt_secret(void) { return 1234; }

/* Pointers to functions of libdltest's dependency, libc (issue 12, item
** 2): write and ffs have aliases (__write, __ffs) that dladdr may report
** instead, rawmemchr and wcschr are IFUNCs (the pointer is their
** implementation's), getpid is one no test allowlist names.  (Under
** AddressSanitizer, &write is its interceptor's: outside libc.) */
#include <strings.h>
#include <unistd.h>
#include <wchar.h>
E void *dt_ptr_write(void) { return (void *)&write; }
E void *dt_ptr_ffs(void) { return (void *)&ffs; }
E void *dt_ptr_rawmemchr(void) { return (void *)&rawmemchr; }
E void *dt_ptr_wcschr(void) { return (void *)&wcschr; }
E void *dt_ptr_getpid(void) { return (void *)&getpid; }
