/*
** cpu.h — what the x86-64 processor offers, asked without CPUID where
** glibc can answer: glibc's dynamic loader has run CPUID once already and
** keeps the answers (<sys/platform/x86.h>, glibc 2.33+).  Under some
** hypervisors every CPUID instruction traps to the host: 55 us each on the
** machine issue 18 was measured on, and libgcc's __builtin_cpu_init (a
** constructor run at every start) issues about ten of them, which made a
** wasmplug process start slower than the rest of a warm `wasmplug run`.
*/
#ifndef WP_CPU_H
#define WP_CPU_H

#include <stdbool.h>

#if defined(__x86_64__) && defined(__has_include)
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#define WP_CPU_GLIBC 1
#endif
#endif
#if defined(__x86_64__) && !defined(WP_CPU_GLIBC)
#include <cpuid.h>
#endif

#if defined(__x86_64__)
/* SHA-NI with the SSSE3 and SSE4.1 its code also uses. */
static inline bool wp_cpu_has_sha(void) {
#ifdef WP_CPU_GLIBC
  return CPU_FEATURE_ACTIVE(SHA) && CPU_FEATURE_ACTIVE(SSSE3) && CPU_FEATURE_ACTIVE(SSE4_1);
#else
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1)) return false;
  return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
#endif
}

/* AVX2, with the OS saving the ymm registers (glibc checks XGETBV); no
** CPUID fallback: without glibc's answers the SSE2 code runs. */
static inline bool wp_cpu_has_avx2(void) {
#ifdef WP_CPU_GLIBC
  return CPU_FEATURE_ACTIVE(AVX2);
#else
  return false;
#endif
}

static inline bool wp_cpu_has_sse41(void) {
#ifdef WP_CPU_GLIBC
  return CPU_FEATURE_ACTIVE(SSE4_1);
#else
  unsigned a, b, c, d;
  return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1);
#endif
}
#endif

#endif
