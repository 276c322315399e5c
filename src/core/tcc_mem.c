/*
** tcc_mem.c — the baseline compiler for libwasmplug.a and the wasmplug
** command: libtcc compiles and links straight into executable memory.
*/
#include <libtcc.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "load.h"

/* The rounding functions baseline code calls (translate_rt.c: WP_CEIL64
** and the rest under tcc), defined here rather than taken from libm: with
** them and ldexp below, the wasmplug command needs no libm.so.6, one
** shared library fewer for the loader to find, map and relocate (with its
** IFUNC resolvers) on every start (issue 18, warm start; ctest
** install.lazy_http checks the command's NEEDED list).  gcc expands
** ceil, floor and trunc inline without SSE4.1, and sqrt to one instruction
** (this file is compiled with -fno-math-errno); a NaN is quieted by x + x
** as Wasm wants (libm does the same).  nearbyint (round half to even in the
** default rounding mode, the only one wasmplug runs in) adds and subtracts
** 2^52 (2^23): below that magnitude the sum's last bit is the units digit,
** so the FPU's own rounding does the work; larger values are integers
** already; the sign is put back for -0.5 < x < 0 (-0). */
#define WP_ROUNDING(name, T, b) static T name(T x) { return x != x ? x + x : b(x); }
WP_ROUNDING(wp_host_ceil32, float, __builtin_ceilf)
WP_ROUNDING(wp_host_floor32, float, __builtin_floorf)
WP_ROUNDING(wp_host_trunc32, float, __builtin_truncf)
WP_ROUNDING(wp_host_ceil64, double, __builtin_ceil)
WP_ROUNDING(wp_host_floor64, double, __builtin_floor)
WP_ROUNDING(wp_host_trunc64, double, __builtin_trunc)
static float wp_host_sqrt32(float x) { return __builtin_sqrtf(x); }
static double wp_host_sqrt64(double x) { return __builtin_sqrt(x); }

static float wp_host_nearest32(float x) {
  if (x != x) return x + x;
  float a = __builtin_fabsf(x);
  if (a >= 0x1p23f) return x;
  volatile float big = 0x1p23f; /* (no constant folding of a + big - big) */
  float r = (a + big) - big;
  return __builtin_copysignf(r, x);
}

static double wp_host_nearest64(double x) {
  if (x != x) return x + x;
  double a = __builtin_fabs(x);
  if (a >= 0x1p52) return x;
  volatile double big = 0x1p52;
  double r = (a + big) - big;
  return __builtin_copysign(r, x);
}

/* ldexp for libtcc, which scales hexadecimal float constants with it
** (tccpp.c): x * 2^n, by at most two steps of 2^1023 (or 2^-969) so that
** the factor is always a normal double, then one multiplication, which
** rounds once, as ldexp does.  Resolves libtcc.a's reference at link time
** (hidden: nothing else sees it). */
double ldexp(double x, int n);
double ldexp(double x, int n) {
  for (int i = 0; i < 2; i++) {
    if (n > 1023) {
      x *= 0x1p1023;
      n -= 1023;
    } else if (n < -1022) {
      x *= 0x1p-969; /* 2^-1022 * 2^53: keeps 53 bits of a subnormal result */
      n += 969;
    }
  }
  if (n > 1023) n = 1023;
  if (n < -1022) n = -1022;
  union {
    double d;
    uint64_t u;
  } f = {.u = (uint64_t)(0x3ff + n) << 52};
  return x * f.d;
}

/* The C functions generated code calls (translate_rt.c declares them for
** tcc instead of including the system's headers), resolved from this
** table: tcc then links no C library at all, which spared it reading
** libc.so.6's symbol table on every compile.  tcc's own helpers (float <->
** unsigned 64-bit conversions) come from its libtcc1.a. */
static const struct {
  const char *name;
  const void *addr;
} wp_tcc_libc[] = {
    {"memcpy", (const void *)memcpy},   {"memmove", (const void *)memmove},
    {"memset", (const void *)memset},   {"malloc", (const void *)malloc},
    {"calloc", (const void *)calloc},   {"free", (const void *)free},
    {"ceilf", (const void *)wp_host_ceil32},   {"floorf", (const void *)wp_host_floor32},
    {"truncf", (const void *)wp_host_trunc32}, {"nearbyintf", (const void *)wp_host_nearest32},
    {"sqrtf", (const void *)wp_host_sqrt32},   {"ceil", (const void *)wp_host_ceil64},
    {"floor", (const void *)wp_host_floor64},  {"trunc", (const void *)wp_host_trunc64},
    {"nearbyint", (const void *)wp_host_nearest64}, {"sqrt", (const void *)wp_host_sqrt64},
    {"_setjmp", (const void *)_setjmp}, {"longjmp", (const void *)longjmp},
};

void *wp_libc_symbol(const char *name) {
  for (size_t i = 0; i < sizeof wp_tcc_libc / sizeof wp_tcc_libc[0]; i++)
    if (!strcmp(wp_tcc_libc[i].name, name)) return (void *)wp_tcc_libc[i].addr;
  return NULL;
}

typedef struct tcc_err {
  char *first;
} tcc_err_t;

static void on_tcc_error(void *opaque, const char *msg) {
  tcc_err_t *e = opaque;
  if (!e->first && !strstr(msg, "warning")) e->first = wp_strdup(msg);
}

/* wp_tcc_build and wp_tcc_build_texts: C from files in dir, or texts. */
static char *build(const char *name, const char *dir, char *const *files, char *const *texts, bool own_c,
                   void **state, void **entry) {
  *state = *entry = NULL;
  TCCState *s = tcc_new();
  if (!s) return wp_strdup("out of memory");
  tcc_err_t te = {NULL};
  tcc_set_error_func(s, &te, on_tcc_error);
#ifdef WP_LIBTCC1
  tcc_set_options(s, own_c ? "-DNDEBUG -w -nostdlib" : "-DNDEBUG -w");
#else
  (void)own_c;
  tcc_set_options(s, "-DNDEBUG -w");
#endif
  if (dir) tcc_add_include_path(s, dir);
  tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
  int rc = 0;
  for (size_t i = 0; texts && texts[i] && rc == 0; i++) rc = tcc_compile_string(s, texts[i]);
  for (size_t i = 0; files && files[i] && rc == 0; i++) {
    /* an absolute name is an object in a memfd (wp_build_baseline_fds):
    ** "/proc/self/fd/N" has no extension to tell tcc it is not C */
    bool fd = files[i][0] == '/';
    if (fd) tcc_set_options(s, "-xb");
    char *path = fd ? wp_strdup(files[i]) : wp_format("%s/%s", dir, files[i]);
    rc = path ? tcc_add_file(s, path) : -1;
    free(path);
  }
  /* C that is not the own translator's (wasm2c's) calls the C library's
  ** math functions by name: libtcc links libm for it, as cc -lm would (the
  ** command itself does not load libm, see above) */
#ifdef WP_LIBTCC1
  if (rc == 0 && !own_c) rc = tcc_add_library(s, "m");
#else
  if (rc == 0) rc = tcc_add_library(s, "m");
#endif
#ifdef WP_LIBTCC1
  if (rc == 0 && own_c) rc = tcc_add_file(s, WP_LIBTCC1);
  for (size_t i = 0; rc == 0 && own_c && i < sizeof wp_tcc_libc / sizeof wp_tcc_libc[0]; i++)
    rc = tcc_add_symbol(s, wp_tcc_libc[i].name, wp_tcc_libc[i].addr);
#endif
  if (rc == 0) rc = tcc_relocate(s, TCC_RELOCATE_AUTO);
  void *sym = rc < 0 ? NULL : tcc_get_symbol(s, "wasmplug_glue_v1");
  if (!sym) {
    char *err = wp_format("%s: baseline compile failed: %s", name,
                          te.first ? te.first : "libtcc error");
    free(te.first);
    tcc_delete(s);
    return err;
  }
  free(te.first);
  *state = s;
  *entry = sym;
  return NULL;
}

char *wp_tcc_build(const char *name, const char *dir, char *const *files, bool own_c, void **state,
                   void **entry) {
  return build(name, dir, files, NULL, own_c, state, entry);
}

char *wp_tcc_build_texts(const char *name, char *const *texts, void **state, void **entry) {
  return build(name, NULL, NULL, texts, true, state, entry);
}

void wp_tcc_release(void *state) { tcc_delete(state); }

bool wp_tcc_in_process(void) { return true; }

bool wp_tcc_image(void *state, uintptr_t *bias, int *memfd) {
  (void)state;
  *bias = 0;
  *memfd = -1;
  return false;
}

void *wp_tcc_symbol(void *state, const char *name) { return tcc_get_symbol(state, name); }
