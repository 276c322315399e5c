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
** The backward copy `for (; n; n--) d[n-1] = s[n-1];` (memmove when the
** destination is above the source, as when SQLite's B-tree opens a gap
** in a cell pointer array; clang unrolls it K-fold, indexed by the count)
** is a loop of exactly
**     local.get BD local.get N i32.add local.tee TD [i32.const c i32.add]
**     local.get BS local.get N i32.add local.tee TS [i32.const c' i32.add]
**     i32.load8_u|s offset=o'  i32.store8 offset=o   (c + o == c' + o' == K-1)
**     groups j = K-2 .. 0 on TD and TS as above
**     local.get N i32.const -K i32.add local.tee N br_if 0
** (five distinct i32 locals; anything may follow the br_if): each
** iteration copies bytes BS + N + K-1 down to BS + N to BD + N + K-1 down
** to BD + N.  Its fast path: N != 0, N % K == 0, BD >= BS (a backward
** copy is then memmove's result), BD + N + K <= the memory's size (64-bit
** sum: no address wraps; then BS + N + K too): memmove(BD + K, BS + K, N),
** TD = BD + K, TS = BS + K, N = 0, what the last iteration leaves.
** Either fast path jumps to right after the loop's br_if, where the last
** iteration would fall through.
** Not with fuel or epochs (every iteration is a check) and not on the
** baseline tier (the reference the optimized tier is compared with).
** Tests: tests/core/diff/cases/bytecopy_loop.wast (both tiers against V8's
** results: partial writes at the bounds, overlaps both ways, counts that
** are 0 or not a multiple of K, addresses that wrap, a grown memory,
** lookalikes) and core.bytecopy_c (which loops get the fast path).
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

/* i32.load8_u|s then i32.store8 of one memory at ins[p]: the offsets. */
static bool copy_byte(const wp_instr_t *ins, uint32_t m, uint32_t p, uint32_t *mem, uint64_t *lo,
                      uint64_t *so) {
  if (p + 1 >= m) return false;
  const wp_instr_t *ld = &ins[p], *st = &ins[p + 1];
  if ((ld->op != 0x2d && ld->op != 0x2c) || st->op != 0x3a || ld->mem != st->mem) return false;
  *mem = ld->mem;
  *lo = ld->offset;
  *so = st->offset;
  return true;
}

/* local.get N i32.const -K i32.add local.tee N br_if 0 at ins[p]. */
static bool tail(const wp_instr_t *ins, uint32_t m, uint32_t p, uint32_t n, uint32_t k) {
  return p + 5 <= m && ins[p].op == 0x20 && ins[p].a == n && ins[p + 1].op == 0x41 &&
         ins[p + 1].imm.i32 == -(int32_t)k && ins[p + 2].op == 0x6a && ins[p + 3].op == 0x22 &&
         ins[p + 3].a == n && ins[p + 4].op == 0x0d && ins[p + 4].a == 0;
}

/* The forward shape: groups j = 0, 1, ... on D and S, the steps, the tail. */
static bool forward(const wp_instr_t *ins, uint32_t m, wp_bytecopy_t *o) {
  uint32_t p = 0, k = 0;
  for (;;) {
    uint32_t q = p, gd, gs, cd, cs, mem;
    uint64_t lo, so;
    if (!addr(ins, m, &q, &gd, &cd) || !addr(ins, m, &q, &gs, &cs) || !copy_byte(ins, m, q, &mem, &lo, &so))
      break;
    if (k == 0) {
      o->d = gd;
      o->s = gs;
      o->mem = mem;
    } else if (gd != o->d || gs != o->s || mem != o->mem) {
      return false;
    }
    if ((uint64_t)cd + so != k || (uint64_t)cs + lo != k) return false;
    p = q + 2;
    if (++k > MAXK) return false;
  }
  if (k == 0 || p + 13 > m) return false;
  if (!((step(ins, p, o->d, (int32_t)k) && step(ins, p + 4, o->s, (int32_t)k)) ||
        (step(ins, p, o->s, (int32_t)k) && step(ins, p + 4, o->d, (int32_t)k))))
    return false;
  if (ins[p + 8].op != 0x20) return false;
  o->n = ins[p + 8].a;
  if (!tail(ins, m, p + 8, o->n, k)) return false;
  o->k = k;
  o->end_off = ins[p + 12].off;
  o->back = false;
  return true;
}

/* The backward shape: TD = BD + N and TS = BS + N teed in the first group
** (j = K - 1), then groups j = K - 2 .. 0 on TD and TS, the tail. */
static bool backward(const wp_instr_t *ins, uint32_t m, wp_bytecopy_t *o) {
  uint32_t p = 0, cd = 0, cs = 0, mem;
  uint64_t lo, so;
  if (m < 15 || ins[0].op != 0x20 || ins[1].op != 0x20 || ins[2].op != 0x6a || ins[3].op != 0x22) return false;
  o->d = ins[0].a;
  o->n = ins[1].a;
  o->td = ins[3].a;
  p = 4;
  if (ins[p].op == 0x41 && ins[p + 1].op == 0x6a) {
    cd = (uint32_t)ins[p].imm.i32;
    p += 2;
  }
  if (ins[p].op != 0x20 || ins[p + 1].op != 0x20 || ins[p + 1].a != o->n || ins[p + 2].op != 0x6a ||
      ins[p + 3].op != 0x22)
    return false;
  o->s = ins[p].a;
  o->ts = ins[p + 3].a;
  p += 4;
  if (p + 1 < m && ins[p].op == 0x41 && ins[p + 1].op == 0x6a) {
    cs = (uint32_t)ins[p].imm.i32;
    p += 2;
  }
  if (!copy_byte(ins, m, p, &o->mem, &lo, &so)) return false;
  uint64_t top = (uint64_t)cd + so;
  if (top != (uint64_t)cs + lo || top >= MAXK) return false;
  uint32_t k = (uint32_t)top + 1;
  p += 2;
  for (uint32_t j = k - 1; j-- > 0;) {
    uint32_t gd, gs;
    if (!addr(ins, m, &p, &gd, &cd) || !addr(ins, m, &p, &gs, &cs) || !copy_byte(ins, m, p, &mem, &lo, &so))
      return false;
    if (gd != o->td || gs != o->ts || mem != o->mem || (uint64_t)cd + so != j || (uint64_t)cs + lo != j)
      return false;
    p += 2;
  }
  if (!tail(ins, m, p, o->n, k)) return false;
  o->k = k;
  o->end_off = ins[p + 4].off;
  o->back = true;
  return true;
}

bool wp_xlate_bytecopy(const wp_modinfo_t *mi, const wasmplug_valkind_t *locals, uint32_t nlocals,
                       const wp_reader_t *body, wp_bytecopy_t *out) {
  static const wp_instr_t zero;
  wp_instr_t ins[MAXINS];
  wp_reader_t r = *body;
  r.err = NULL;
  uint32_t m = 0;
  /* the loop's first instructions, up to its end or a nested block: the
  ** shapes are straight code (what follows the br_if does not matter) */
  while (m < MAXINS) {
    ins[m] = zero;
    if (!wp_read_instr(&r, &ins[m])) {
      free(r.err);
      break;
    }
    uint32_t op = ins[m].op;
    if (op == 0x0b || op == 0x02 || op == 0x03 || op == 0x04 || op == 0x05 || op == 0x06 || op == 0x1f) break;
    m++;
  }
  wp_bytecopy_t o;
  memset(&o, 0, sizeof o);
  if (!forward(ins, m, &o)) {
    memset(&o, 0, sizeof o);
    if (!backward(ins, m, &o)) return false;
  }
  uint32_t ls[5] = {o.d, o.s, o.n, o.td, o.ts};
  uint32_t nl = o.back ? 5 : 3;
  for (uint32_t a = 0; a < nl; a++) {
    if (!is_i32_local(locals, nlocals, ls[a])) return false;
    for (uint32_t b = a + 1; b < nl; b++)
      if (ls[a] == ls[b]) return false;
  }
  uint8_t flags;
  if (o.mem >= wp_nmems(mi)) return false;
  wp_modinfo_memory(mi, o.mem, NULL, &flags);
  if (flags & WP_MEM_64) return false;
  *out = o;
  return true;
}
