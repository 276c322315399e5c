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

/* The median of v[0..n) (n > 0) and its 10th and 90th percentiles (sorts v):
** an absolute row's figure and its spread over rounds. */
static inline double bench_spread(double *v, size_t n, double *p10, double *p90) {
  double m = bench_median(v, n);
  *p10 = v[n / 10];
  *p90 = v[n - 1 - n / 10];
  return m;
}

/* A case and its reference timed alike, in interleaved rounds (bench_plugin,
** bench_cabi).  burst(ctx, side) runs one short burst of the case (side 0)
** or of the reference (side 1) and returns its thread CPU nanoseconds; a
** round is one burst of each, in alternating order (case first in even
** rounds, the reference first in odd ones), so both see the same machine
** state within a millisecond or so.  Rounds repeat until min_rounds are
** done and both sides together used budget_ns (at most 4096 rounds).  Each
** round gives a ratio (case ns per call over the reference's); the result
** is the median of each side's per-call time and of the per-round ratios,
** with the ratios' 10th and 90th percentiles as the spread.  A burst that
** lost its core or landed in a slow spell of a shared machine moves one
** round's ratio, not the median. */
typedef struct {
  double a, b;          /* median ns per call: the case, the reference */
  double ratio;         /* median of the per-round ratios */
  double p10, p90;      /* their 10th and 90th percentiles */
  int rounds;
} bench_pair_t;

static inline void bench_pair_rounds(double (*burst)(void *ctx, int side), void *ctx, double calls_a, double calls_b,
                                     int min_rounds, double budget_ns, bench_pair_t *out) {
  enum { MAX_ROUNDS = 4096 };
  double *ta = malloc(MAX_ROUNDS * sizeof *ta), *tb = malloc(MAX_ROUNDS * sizeof *tb),
         *q = malloc(MAX_ROUNDS * sizeof *q);
  if (!ta || !tb || !q) {
    fprintf(stderr, "bench: out of memory\n");
    exit(1);
  }
  (void)burst(ctx, 0); /* warm both sides up */
  (void)burst(ctx, 1);
  double spent = 0;
  int n = 0;
  while (n < MAX_ROUNDS && (n < min_rounds || spent < budget_ns)) {
    double x, y;
    if (n % 2 == 0) {
      x = burst(ctx, 0);
      y = burst(ctx, 1);
    } else {
      y = burst(ctx, 1);
      x = burst(ctx, 0);
    }
    spent += x + y;
    ta[n] = x / calls_a;
    tb[n] = y / calls_b;
    q[n] = ta[n] / (tb[n] > 0 ? tb[n] : 1e-9);
    n++;
  }
  out->rounds = n;
  out->a = bench_median(ta, (size_t)n);
  out->b = bench_median(tb, (size_t)n);
  out->ratio = bench_median(q, (size_t)n); /* sorts q */
  out->p10 = q[(size_t)n / 10];
  out->p90 = q[(size_t)n - 1 - (size_t)n / 10];
  free(ta);
  free(tb);
  free(q);
}

#endif
