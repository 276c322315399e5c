/*
** simd_bench.c — a SIMD workload: the same C built for wasm32 with and
** without -msimd128 (clang auto-vectorizes the first), run on wasmplug's
** tiers, to show what the translator's SIMD support buys (bench/run.sh).
**
** Kernels of the kind media and numeric code is made of: an 8-bit alpha
** blend of two images, a 32-bit integer histogram-free reduction (sum of
** squares of differences), single-precision saxpy and a float matrix
** multiply (i-k-j order, so the inner loop vectorizes).  Inputs come from
** a fixed xorshift generator; every output is folded into an FNV-1a
** checksum printed at the end, which every build must agree on (the float
** kernels use only element-wise operations, so vectorized and scalar code
** round alike).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPIX (1u << 20)
#define NVEC (1u << 16)
#define MAT 128

static uint32_t rng = 2463534242u;
static uint32_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static uint64_t fnv = 1469598103934665603ull;
static void fold(const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++) fnv = (fnv ^ b[i]) * 1099511628211ull;
}

static void blend(uint8_t *restrict out, const uint8_t *restrict a, const uint8_t *restrict b, unsigned w,
                  size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = (uint8_t)((a[i] * w + b[i] * (256 - w)) >> 8);
}

static uint32_t sumsq(const int32_t *restrict a, const int32_t *restrict b, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t d = (uint32_t)(a[i] - b[i]);
    s += d * d;
  }
  return s;
}

static void saxpy(float *restrict y, const float *restrict x, float a, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = a * x[i] + y[i];
}

static void matmul(float *restrict c, const float *restrict a, const float *restrict b) {
  memset(c, 0, sizeof(float) * MAT * MAT);
  for (int i = 0; i < MAT; i++)
    for (int k = 0; k < MAT; k++) {
      float aik = a[i * MAT + k];
      for (int j = 0; j < MAT; j++) c[i * MAT + j] += aik * b[k * MAT + j];
    }
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 40;
  uint8_t *pa = malloc(NPIX), *pb = malloc(NPIX), *po = malloc(NPIX);
  int32_t *ia = malloc(NVEC * 4), *ib = malloc(NVEC * 4);
  float *fx = malloc(NVEC * 4), *fy = malloc(NVEC * 4);
  float *ma = malloc(MAT * MAT * 4), *mb = malloc(MAT * MAT * 4), *mc = malloc(MAT * MAT * 4);
  if (!pa || !pb || !po || !ia || !ib || !fx || !fy || !ma || !mb || !mc) return 1;
  for (size_t i = 0; i < NPIX; i++) {
    pa[i] = (uint8_t)next();
    pb[i] = (uint8_t)next();
  }
  for (size_t i = 0; i < NVEC; i++) {
    ia[i] = (int32_t)(next() % 65536);
    ib[i] = (int32_t)(next() % 65536);
    fx[i] = (float)(next() % 1000) / 64.0f;
    fy[i] = (float)(next() % 1000) / 128.0f;
  }
  for (size_t i = 0; i < MAT * MAT; i++) {
    ma[i] = (float)(next() % 256) / 16.0f;
    mb[i] = (float)(next() % 256) / 32.0f;
  }
  for (int r = 0; r < rounds; r++) {
    for (unsigned w = 0; w < 256; w += 32) blend(po, pa, pb, w + (unsigned)r % 32, NPIX);
    fold(po, 64);
    uint32_t s = 0;
    for (int k = 0; k < 64; k++) s += sumsq(ia, ib, NVEC) + (uint32_t)k;
    fold(&s, sizeof s);
    for (int k = 0; k < 32; k++) saxpy(fy, fx, 0.5f / (float)(k + 1), NVEC);
    fold(fy, 64);
    matmul(mc, ma, mb);
    fold(mc, sizeof(float) * MAT);
    ma[r % (MAT * MAT)] += 1.0f;
  }
  fold(po, NPIX);
  fold(fy, NVEC * 4);
  fold(mc, MAT * MAT * 4);
  printf("checksum %016llx\n", (unsigned long long)fnv);
  return 0;
}
