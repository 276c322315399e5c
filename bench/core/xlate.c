/*
** xlate.c — translation time and C size: wasmplug's own translator
** (src/core/translate*.c) against wabt's wasm2c 1.0.32 on the same module.
**
** usage: xlate WORKDIR FILE.wasm [RUNS]
**
** FILE is a core module or a component; a component's core modules (its
** top-level core module sections: a componentize-js component keeps all
** of its code there) are measured one by one and summed.  For each module:
**   own:    decode + validate + translate, in memory, in the optimized
**           tier's shape (units of WP_OPT_UNIT_BYTES of wasm code) and in
**           the baseline tier's (one unit); the median of RUNS (default 3)
**           wall and CPU times, and the bytes of C (wp.h + glue.c + units);
**   wasm2c: `wasm2c -n m -o WORKDIR/xlate.c WORKDIR/xlate.wasm` on the
**           module without its custom sections (what codegen.c runs), one
**           run: wall and CPU time, peak memory (maxrss), bytes of .c + .h;
**           "refused" when wasm2c fails (SIMD, tail calls, exceptions...).
** It prints one line, the sums over the modules:
**   MODULES CODE_BYTES OWN_S OWN_CPU OWN_BYTES OWN_RSS_KB BASE_S BASE_BYTES
**   W2C_S W2C_CPU W2C_BYTES W2C_RSS_KB W2C_REFUSED
** (OWN_RSS_KB is this process's peak resident size after every run: the
** translator's memory for the largest module plus the input.)  Linked
** against the static library's internals as the fuzz targets are: the
** translator has no public entry of its own.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../bench_util.h"
#include "../../src/core/internal.h"
#include "../../src/core/translate.h"

/* One section header at p: id, payload [*start, *start + *size).  False at
** the end or on a malformed length. */
static bool section(const uint8_t *b, size_t len, size_t *p, uint8_t *id, size_t *start, size_t *size) {
  if (*p >= len) return false;
  *id = b[(*p)++];
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    if (*p >= len || shift > 28) return false;
    uint8_t c = b[(*p)++];
    v |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80)) break;
  }
  if (v > len - *p) return false;
  *start = *p;
  *size = (size_t)v;
  *p += (size_t)v;
  return true;
}

/* The module without custom sections (as codegen.c gives wasm2c). */
static uint8_t *strip(const uint8_t *b, size_t len, size_t *out_len) {
  uint8_t *out = malloc(len);
  if (!out) return NULL;
  memcpy(out, b, 8);
  size_t o = 8, p = 8, start, size;
  uint8_t id;
  for (size_t at = p; section(b, len, &p, &id, &start, &size); at = p) {
    if (id == 0) continue;
    memcpy(out + o, b + at, p - at);
    o += p - at;
  }
  *out_len = o;
  return out;
}

typedef struct {
  double own_s, own_cpu, base_s, w2c_s, w2c_cpu;
  uint64_t own_bytes, base_bytes, w2c_bytes, code;
  long w2c_rss;
  int refused;
} totals_t;

static uint64_t xlate_bytes(const wp_xlate_t *x) {
  uint64_t n = x->header.len + x->glue.len;
  for (uint32_t i = 0; i < x->nunits; i++) n += x->units[i].c.len;
  return n;
}

/* Decode + validate + translate; returns the C's size or 0 on failure. */
static uint64_t own_once(const uint8_t *b, size_t len, bool baseline) {
  wasmplug_module_t m;
  memset(&m, 0, sizeof m);
  m.name = "bench.wasm";
  m.bytes = (uint8_t *)b;
  m.len = len;
  char *err = wp_modinfo_decode(b, len, m.name, &m.info);
  if (!err) err = wp_modinfo_validate(b, len, m.name, &m.info);
  uint64_t n = 0;
  if (!err) {
    wp_xlate_opts_t o = {baseline, baseline ? 0 : WP_OPT_UNIT_BYTES, false, false, NULL, NULL, NULL};
    wp_xlate_t x;
    err = wp_translate(&m, &o, &x);
    if (!err) {
      n = xlate_bytes(&x);
      wp_xlate_free(&x);
    }
  }
  if (err) {
    fprintf(stderr, "xlate: own translator: %s\n", err);
    free(err);
  }
  wp_modinfo_free(&m.info);
  return n;
}

static long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

static bool measure(const char *work, const uint8_t *b, size_t len, int runs, totals_t *t) {
  double wall[16], cpu[16];
  uint64_t bytes = 0;
  for (int r = 0; r < runs; r++) {
    double w0 = bench_clock(CLOCK_MONOTONIC), c0 = bench_clock(CLOCK_PROCESS_CPUTIME_ID);
    bytes = own_once(b, len, false);
    wall[r] = bench_clock(CLOCK_MONOTONIC) - w0;
    cpu[r] = bench_clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (!bytes) return false;
  }
  t->own_s += bench_median(wall, (size_t)runs);
  t->own_cpu += bench_median(cpu, (size_t)runs);
  t->own_bytes += bytes;
  for (int r = 0; r < runs; r++) {
    double w0 = bench_clock(CLOCK_MONOTONIC);
    bytes = own_once(b, len, true);
    wall[r] = bench_clock(CLOCK_MONOTONIC) - w0;
    if (!bytes) return false;
  }
  t->base_s += bench_median(wall, (size_t)runs);
  t->base_bytes += bytes;

  /* The code section's size, for the record. */
  size_t p = 8, start, size;
  uint8_t id;
  while (section(b, len, &p, &id, &start, &size))
    if (id == 10) t->code += size;

  /* wasm2c, once. */
  char in[4096], out[4096], hdr[4096];
  snprintf(in, sizeof in, "%s/xlate.wasm", work);
  snprintf(out, sizeof out, "%s/xlate.c", work);
  snprintf(hdr, sizeof hdr, "%s/xlate.h", work);
  size_t slen;
  uint8_t *s = strip(b, len, &slen);
  FILE *f = s ? fopen(in, "wb") : NULL;
  if (!f || fwrite(s, 1, slen, f) != slen || fclose(f) != 0) {
    fprintf(stderr, "xlate: cannot write %s\n", in);
    free(s);
    return false;
  }
  free(s);
  unlink(out);
  unlink(hdr);
  double w0 = bench_clock(CLOCK_MONOTONIC);
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    execlp("wasm2c", "wasm2c", "-n", "m", "-o", out, in, (char *)NULL);
    _exit(127);
  }
  int status;
  struct rusage ru;
  while (wait4(pid, &status, 0, &ru) < 0)
    if (errno != EINTR) return false;
  double w = bench_clock(CLOCK_MONOTONIC) - w0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    fprintf(stderr, "xlate: cannot run wasm2c (is wabt installed?)\n");
    return false;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    t->refused++;
  } else {
    t->w2c_s += w;
    t->w2c_cpu += bench_rusage_cpu(&ru);
    t->w2c_bytes += (uint64_t)(file_size(out) + file_size(hdr));
    if (ru.ru_maxrss > t->w2c_rss) t->w2c_rss = ru.ru_maxrss;
  }
  unlink(in);
  unlink(out);
  unlink(hdr);
  return true;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: xlate WORKDIR FILE.wasm [RUNS]\n");
    return 2;
  }
  int runs = argc == 4 ? atoi(argv[3]) : 3;
  if (runs < 1 || runs > 15) runs = 3;
  size_t len;
  uint8_t *b = bench_read_file(argv[2], &len);
  if (!b || len < 8) {
    fprintf(stderr, "xlate: cannot read %s\n", argv[2]);
    return 1;
  }
  totals_t t;
  memset(&t, 0, sizeof t);
  int modules = 0;
  bool ok = true;
  if (b[6] == 1 && b[7] == 0) { /* the component layer ("\0asm" 0d 00 01 00) */
    size_t p = 8, start, size;
    uint8_t id;
    while (ok && section(b, len, &p, &id, &start, &size)) {
      if (id != 1) continue; /* core module sections */
      modules++;
      ok = measure(argv[1], b + start, size, runs, &t);
    }
  } else {
    modules = 1;
    ok = measure(argv[1], b, len, runs, &t);
  }
  free(b);
  if (!ok || !modules) {
    fprintf(stderr, "xlate: %s: %s\n", argv[2], modules ? "failed" : "no core module in it");
    return 1;
  }
  struct rusage self;
  getrusage(RUSAGE_SELF, &self);
  printf("%d %llu %.4f %.4f %llu %ld %.4f %llu %.4f %.4f %llu %ld %d\n", modules,
         (unsigned long long)t.code, t.own_s, t.own_cpu, (unsigned long long)t.own_bytes,
         self.ru_maxrss, t.base_s, (unsigned long long)t.base_bytes, t.w2c_s, t.w2c_cpu,
         (unsigned long long)t.w2c_bytes, t.w2c_rss, t.refused);
  return 0;
}
