/*
** translate_idiom.c — loops the optimized tier runs as one bulk operation
** when that is provably the same as running them.
**
** The forward byte copy `for (; n; n--) *d++ = *s++;` (musl's memmove when
** the destination is below the source and their alignments differ, as
** when SQLite's B-tree shifts a cell pointer array down by two bytes;
** clang unrolls it K-fold) is, in wasm, a loop of exactly
**     K groups j = 0..K-1, each:  local.get D [i32.const c i32.add]
**                                 local.get S [i32.const c' i32.add]
**                                 i32.load8_u|s offset=o'
**                                 i32.store8 offset=o
**                                 with c + o == c' + o' == j
**     local.get D i32.const K i32.add local.set D   (and S, either order)
**     local.get N i32.const -K i32.add local.tee N br_if 0
**     end
** with D, S and N three distinct i32 locals and one 32-bit memory.  Each
** iteration copies bytes j = 0..K-1 one by one, loading S + j before
** storing D + j, then advances D and S by K and N by -K, and goes round
** again while N is not 0.  translate_func.c emits, before the loop's
** label, a fast path taken only when
**     N != 0, N % K == 0      the loop runs exactly N / K times,
**     D <= S                  a forward byte copy is then memmove's result
**                             (every source byte is read before the copy
**                             writes it: D + i = S + i' needs i' <= i),
**     S + N <= the memory's current size (64-bit sum, no wrap; then
**                             D + N <= S + N too): nothing traps,
** which calls memmove(D, S, N) and leaves D + N, S + N and 0 in the three
** locals, what the loop leaves; otherwise the loop runs as written, so
** a trap, its point and the bytes written before it are the loop's own.
** Not with fuel or epochs (every iteration is a check) and not on the
** baseline tier (the reference the optimized tier is compared with).
** Tests: tests/core/diff/cases/bytecopy_loop.wast (both tiers against V8's
** results: partial writes at the bounds, overlaps both ways, counts that
** are 0 or not a multiple of K, a grown memory, lookalikes) and
** core.bytecopy_c (which loops get the fast path).
*/
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "translate.h"

#define MAXK 16
#define MAXINS (MAXK * 8 + 16)

static bool is_i32_local(const wasmplug_valkind_t *locals, uint32_t nlocals, uint32_t l) {
  return l < nlocals && locals[l] == WASMPLUG_I32;
}

/* local.get X [i32.const c i32.add] at ins[*p]: X and c (0 without). */
static bool addr(const wp_instr_t *ins, uint32_t m, uint32_t *p, uint32_t *x, uint32_t *c) {
  uint32_t i = *p;
  if (i >= m || ins[i].op != 0x20) return false;
  *x = ins[i].a;
  *c = 0;
  i++;
  if (i + 1 < m && ins[i].op == 0x41 && ins[i + 1].op == 0x6a) {
    *c = (uint32_t)ins[i].imm.i32;
    i += 2;
  }
  *p = i;
  return true;
}

/* local.get X i32.const k i32.add local.set X at ins[p]. */
static bool step(const wp_instr_t *ins, uint32_t p, uint32_t x, int32_t k) {
  return ins[p].op == 0x20 && ins[p].a == x && ins[p + 1].op == 0x41 && ins[p + 1].imm.i32 == k &&
         ins[p + 2].op == 0x6a && ins[p + 3].op == 0x21 && ins[p + 3].a == x;
}

bool wp_xlate_bytecopy(const wp_modinfo_t *mi, const wasmplug_valkind_t *locals, uint32_t nlocals,
                       const wp_reader_t *body, wp_bytecopy_t *out) {
  static const wp_instr_t zero;
  wp_instr_t ins[MAXINS];
  wp_reader_t r = *body;
  r.err = NULL;
  uint32_t m = 0;
  /* the loop's body up to its end: straight code only */
  for (;;) {
    if (m == MAXINS) return false;
    ins[m] = zero;
    if (!wp_read_instr(&r, &ins[m])) {
      free(r.err);
      return false;
    }
    uint32_t op = ins[m].op;
    if (op == 0x0b) break;
    if (op == 0x02 || op == 0x03 || op == 0x04 || op == 0x05 || op == 0x06 || op == 0x1f) return false;
    m++;
  }
  /* the tail: two steps of 4, then N's step with tee and br_if 0 */
  if (m < 13) return false;
  uint32_t t = m - 5;
  const wp_instr_t *e = &ins[t];
  if (e[0].op != 0x20 || e[1].op != 0x41 || e[2].op != 0x6a || e[3].op != 0x22 || e[3].a != e[0].a ||
      e[4].op != 0x0d || e[4].a != 0)
    return false;
  uint32_t n = e[0].a;
  int32_t negk = e[1].imm.i32;
  if (negk >= 0 || negk < -MAXK) return false;
  uint32_t k = (uint32_t)-negk;
  /* the groups */
  uint32_t p = 0, d = 0, s = 0, mem = 0;
  for (uint32_t j = 0; j < k; j++) {
    uint32_t gd, gs, cd, cs;
    if (!addr(ins, t, &p, &gd, &cd) || !addr(ins, t, &p, &gs, &cs)) return false;
    if (p + 1 >= t) return false;
    const wp_instr_t *ld = &ins[p], *st = &ins[p + 1];
    if ((ld->op != 0x2d && ld->op != 0x2c) || st->op != 0x3a || ld->mem != st->mem) return false;
    if (j == 0) {
      d = gd;
      s = gs;
      mem = ld->mem;
    } else if (gd != d || gs != s || ld->mem != mem) {
      return false;
    }
    if ((uint64_t)cd + st->offset != j || (uint64_t)cs + ld->offset != j) return false;
    p += 2;
  }
  /* D's and S's steps, either order, then the tail */
  if (p + 8 != t) return false;
  if (!((step(ins, p, d, (int32_t)k) && step(ins, p + 4, s, (int32_t)k)) ||
        (step(ins, p, s, (int32_t)k) && step(ins, p + 4, d, (int32_t)k))))
    return false;
  if (d == s || d == n || s == n) return false;
  if (!is_i32_local(locals, nlocals, d) || !is_i32_local(locals, nlocals, s) ||
      !is_i32_local(locals, nlocals, n))
    return false;
  uint8_t flags;
  if (mem >= wp_nmems(mi)) return false;
  wp_modinfo_memory(mi, mem, NULL, &flags);
  if (flags & WP_MEM_64) return false;
  out->d = d;
  out->s = s;
  out->n = n;
  out->k = k;
  out->mem = mem;
  return true;
}
