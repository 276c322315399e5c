/*
** bench_util.h — what the benchmark harnesses share: clocks, CPU seconds
** from getrusage, reading a whole file, medians.  Static functions in a
** header: each benchmark is one small program.
*/
#ifndef WP_BENCH_UTIL_H
#define WP_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

/* Seconds on clock c (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID...). */
static inline double bench_clock(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Nanoseconds on clock c: CLOCK_THREAD_CPUTIME_ID times a burst of calls
** (the machine is shared: a burst that lost its core does not look slow),
** CLOCK_MONOTONIC what another process or thread takes part in. */
static inline double bench_ns(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* User + system seconds of a rusage. */
static inline double bench_rusage_cpu(const struct rusage *ru) {
  return (double)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) +
         (double)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e6;
}

/* CPU seconds of this process and of the children it waited for (the
** tools it ran: wasm2c, cc). */
static inline double bench_cpu_with_children(void) {
  struct rusage self, kids;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  return bench_rusage_cpu(&self) + bench_rusage_cpu(&kids);
}

/* The whole file (malloc'ed), or NULL. */
static inline uint8_t *bench_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 1 << 16;
      uint8_t *b = realloc(buf, cap);
      if (!b) break;
      buf = b;
    }
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0) {
      fclose(f);
      *len = n;
      return buf;
    }
  }
  free(buf);
  fclose(f);
  return NULL;
}

static inline int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Sorts v[0..n) and returns its median (n > 0; the mean of the middle two
** when n is even). */
static inline double bench_median(double *v, size_t n) {
  qsort(v, n, sizeof *v, bench_cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
