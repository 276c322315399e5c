/*
** translate_loads.c — which loads of a function need the optimized tier's
** load barrier (WP_LD's empty asm) and which can be plain C loads.
**
** A load out of bounds traps by faulting on the guard pages, which C does
** not know about: gcc may delete a plain load whose value is unused, sink
** it into the one branch that uses it, narrow it to the bytes that are
** used, or fold it away with its arithmetic (x * 0), and the trap is lost.
** WP_LD's asm keeps the full load where it is, but also keeps gcc from
** folding the load into the instruction that uses it (cmp, test, add,
** movzx from memory): ~6.5 % of the SQLite workload's instructions
** (bench/README.md, w25-sqlrun).
**
** Plain is safe for a load whose trap can never be lost, whatever gcc does
** with it.  Three ways, all about 32-bit memories, whose accessible size
** only grows, and whose accesses are in bounds exactly when their last
** byte (base + offset + width - 1, computed without wrapping) is:
**  R0  a constant address whose last byte is inside the memory's minimum
**      size: it never traps.
**  R1  an access of the same base (below) that ends at or beyond this
**      one's end was executed on every path here (it dominates this load
**      and the base's local was not set between): if it did not trap, this
**      one cannot.  Only stores and loads that keep the barrier count as
**      executed.
**  R2  a later load of the same base ending at or beyond this one's end
**      follows with nothing observable between them (no store, call,
**      branch, label, other kind of trap, global or table write,
**      memory.grow...) and keeps the barrier: if this load would trap,
**      that one traps before anything observable happens, with the same
**      trap.  (Two loads that may trap side by side are indistinguishable:
**      translate_func.c already lets C evaluate them in either order.)
**  R3  as R2 with a store in place of the later load: a store of the
**      same base ending at or beyond this load's end follows with nothing
**      observable between (the store itself ends the window), and the
**      store is never a no-op: it stores `L + K`, `L - K` or `L ^ K` (K
**      changing the stored bytes), L a load of the same width and
**      address (is_rmw).  A store that traps writes nothing, so if this
**      load would trap, the store traps first or in its place, with the
**      same trap and nothing written: `p->n -= 1` can then be one
**      read-modify-write instruction.  Not any store: gcc deletes a store
**      that it can show writes what memory already holds (`*p = *p`),
**      and with it a plain load it then no longer needs.
** R2 and R3 are decided first, going backwards, counting every later load that is
** not R2 itself as keeping the barrier; then R1 forwards.  A later load
** that R1 makes plain after all (load L2 covering L1, L2 plain because an
** access E dominating it covers it) leaves L1 safe: E comes either before
** L1 (then it dominates L1 and covers it as well) or between them (then it
** is a barriered load in L1's window covering L1).
**
** The base of an access is known only when the instructions right before
** it push the address: local.get/local.tee N, or that plus i32.const K
** and i32.add (base N+K, compared only with the same N and K: the sum
** wraps), or i32.const K alone.  Anything else keeps the barrier.  For R1,
** what dominates: a block's or if's end gets the state at its start
** without the locals set inside; else gets the state at its if; a loop's
** start forgets everything (its back edges).
** Tests: tests/core/diff/cases/load_barrier.wast.
*/
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "translate.h"

#define NTRACK 32 /* bases tracked at once; more are forgotten (barrier stays) */

enum { B_NONE, B_LOCAL, B_CONST };

typedef struct rec {
  uint32_t op, off, mem;
  uint8_t base;  /* B_*, for accesses */
  uint32_t local;
  uint32_t k;    /* B_LOCAL: the constant added to the local (0: none) */
  uint64_t end;  /* B_LOCAL: offset + width; B_CONST: K + offset + width */
  uint64_t kv;   /* i32.const, i64.const: the constant */
  bool rmw;      /* a store of the shape R3 needs */
} rec_t;

typedef struct track {
  uint8_t base;
  uint32_t local, k, mem;
  uint64_t end;
} track_t;

typedef struct tracker {
  track_t t[NTRACK];
  uint32_t n;
} tracker_t;

static track_t *find(tracker_t *k, const rec_t *r) {
  for (uint32_t i = 0; i < k->n; i++)
    if (k->t[i].base == r->base && k->t[i].mem == r->mem &&
        (r->base == B_CONST || (k->t[i].local == r->local && k->t[i].k == r->k)))
      return &k->t[i];
  return NULL;
}

static void raise_end(tracker_t *k, const rec_t *r) {
  track_t *t = find(k, r);
  if (!t) {
    if (k->n == NTRACK) return;
    t = &k->t[k->n++];
    t->base = r->base;
    t->local = r->local;
    t->k = r->k;
    t->mem = r->mem;
    t->end = 0;
  }
  if (r->end > t->end) t->end = r->end;
}

static bool covered(tracker_t *k, const rec_t *r) {
  const track_t *t = find(k, r);
  return t && t->end >= r->end;
}

static void forget_local(tracker_t *k, uint32_t l) {
  for (uint32_t i = 0; i < k->n;)
    if (k->t[i].base == B_LOCAL && k->t[i].local == l) k->t[i] = k->t[--k->n];
    else i++;
}

static bool is_load(uint32_t op) { return op >= 0x28 && op <= 0x35; }
static bool is_store(uint32_t op) { return op >= 0x36 && op <= 0x3e; }

/* Instructions that can end neither an R2 window nor an R1 region: they
** neither branch, nor trap other than out of bounds, nor have an effect
** (local.set/tee forget their local's base separately). */
static bool quiet(uint32_t op) {
  if (op == 0x01 || op == 0x1a || op == 0x1b || op == 0x1c) return true; /* nop, drop, select */
  if (op >= 0x20 && op <= 0x23) return true;                              /* locals, global.get */
  if (is_load(op) || op == 0x3f) return true;                             /* loads, memory.size */
  if (op >= 0x41 && op <= 0xc4) return wp_opinfo(op)->trap == WP_TRAP_NONE; /* numeric */
  if (op >= 0xd0 && op <= 0xd2) return true;                              /* ref.null/is_null/func */
  if (op >= WP_OP_FC && op <= WP_OP_FC + 7) return true;                  /* saturating truncation */
  return false;
}

/* After these, code is unreachable until the next else or end. */
static bool no_fallthrough(uint32_t op) {
  switch (op) {
  case 0x00: case 0x08: case 0x09: case 0x0a: case 0x0c: case 0x0e: case 0x0f: case 0x12: case 0x13:
    return true;
  default: return false;
  }
}

/* How many values an instruction of a store's value pops and pushes:
** locals' and globals' reads, and instructions with a signature in the
** opcode table (constants, loads, numeric operators); -1 for anything else
** (a local.tee might set the store's base local after its address was
** pushed; calls, blocks, selects are not followed). */
static int stack_effect(uint32_t op, int *pops) {
  if (op == 0x20 || op == 0x23) {
    *pops = 0;
    return 1;
  }
  if (!(is_load(op) || (op >= 0x41 && op <= 0xc4))) return -1;
  const char *sig = wp_opinfo(op)->sig, *colon = sig ? strchr(sig, ':') : NULL;
  if (!colon) return -1;
  *pops = (int)(colon - sig);
  return (int)strlen(colon + 1);
}

/* The index of the first record of the value a store at record `st`
** stores (the instructions after its address), or 0 when it is not a
** short expression of the kinds stack_effect knows: the address's
** instructions end right before it.  0 is never a value's start with an
** address before it. */
static uint32_t value_start(const rec_t *v, uint32_t st) {
  int need = 1;
  for (uint32_t j = st; j-- > 0 && st - j <= 24;) {
    int pops, pushes = stack_effect(v[j].op, &pops);
    if (pushes < 0 || pushes > need) return 0;
    need += pops - pushes;
    if (need == 0) return j;
  }
  return 0;
}

/* R3's shape: the store at record `st` (its base known) stores `L op K`,
** L a load of the same width from the same address (same base, same end),
** op i32/i64 add, sub or xor, K a constant that changes the stored bytes
** (not 0 modulo 2^(8 width)): the store is never a no-op, whatever the
** memory holds.  A store of the value it loads could be, and gcc deletes
** such a store together with a plain load (`*p = *p`): the trap would be
** lost with both (tests/core/diff/cases/bytecopy_loop.wast's same8). */
static bool is_rmw(const rec_t *v, uint32_t st) {
  if (st < 4) return false;
  const rec_t *s = &v[st], *op = &v[st - 1], *k = &v[st - 2], *l = &v[st - 3];
  bool i32 = op->op == 0x6a || op->op == 0x6b || op->op == 0x73;
  bool i64 = op->op == 0x7c || op->op == 0x7d || op->op == 0x85;
  if (!(i32 && k->op == 0x41) && !(i64 && k->op == 0x42)) return false;
  if (!is_load(l->op) || l->base != s->base || l->mem != s->mem || l->end != s->end) return false;
  if (s->base == B_LOCAL && (l->local != s->local || l->k != s->k)) return false;
  uint64_t w = wp_op_access_size(s->op);
  if (wp_op_access_size(l->op) != w) return false;
  uint64_t mask = w >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * w)) - 1;
  return (k->kv & mask) != 0;
}

/* R1's frames: what held at a block's start, and when it started. */
typedef struct r1frame {
  tracker_t at_start;
  uint32_t start;
  bool loop;
} r1frame_t;

uint8_t *wp_xlate_plain_loads(const wp_modinfo_t *mi, const wp_reader_t *body, uint32_t body_off,
                              uint32_t body_len) {
  uint8_t *plain = calloc((size_t)body_len / 8 + 1, 1);
  rec_t *v = NULL;
  uint32_t n = 0, cap = 0;
  if (!plain) return NULL;
  wp_reader_t r = *body;
  r.err = NULL;
  wp_instr_t in;
  uint32_t depth = 1;
  while (depth && r.p < r.end) {
    if (!wp_read_instr(&r, &in)) break;
    if (in.op == 0x02 || in.op == 0x03 || in.op == 0x04 || in.op == 0x06 || in.op == 0x1f) depth++;
    else if (in.op == 0x0b) depth--;
    if (n == cap) {
      uint32_t nc = cap ? cap * 2 : 256;
      rec_t *nv = realloc(v, nc * sizeof *nv);
      if (!nv) goto fail;
      v = nv;
      cap = nc;
    }
    rec_t *e = &v[n++];
    memset(e, 0, sizeof *e);
    e->op = in.op;
    e->off = in.off;
    e->mem = in.mem;
    e->local = in.a;
    e->end = (uint64_t)(uint32_t)in.imm.i32; /* i32.const's K, for the access after it */
    e->kv = in.op == 0x42 ? (uint64_t)in.imm.i64 : (uint64_t)(uint32_t)in.imm.i32;
    /* a = the record count up to the address's last instruction: right
    ** before a load; before the value's instructions for a store */
    uint32_t a = is_load(in.op) ? n - 1 : is_store(in.op) ? value_start(v, n - 1) : 0;
    if (a > 0) {
      const rec_t *p = &v[a - 1];
      uint8_t flags;
      wp_modinfo_memory(mi, in.mem, NULL, &flags);
      if (flags & WP_MEM_64) continue;
      uint64_t w = wp_op_access_size(in.op);
      if (p->op == 0x20 || p->op == 0x22) {
        e->base = B_LOCAL;
        e->local = p->local;
        e->end = in.offset + w;
      } else if (p->op == 0x6a && a > 2 && v[a - 2].op == 0x41 && (v[a - 3].op == 0x20 || v[a - 3].op == 0x22)) {
        e->base = B_LOCAL; /* local.get N, i32.const K, i32.add */
        e->local = v[a - 3].local;
        e->k = (uint32_t)v[a - 2].end;
        e->end = in.offset + w;
      } else if (p->op == 0x41) {
        e->base = B_CONST;
        e->end = p->end + in.offset + w;
      }
      if (is_store(in.op) && e->base != B_NONE) e->rmw = is_rmw(v, n - 1);
    }
  }
  free(r.err);

  /* R0 and R2, backwards */
  tracker_t k = {.n = 0};
  for (uint32_t i = n; i-- > 0;) {
    const rec_t *e = &v[i];
    if (is_load(e->op) && e->base != B_NONE) {
      bool r0 = false;
      if (e->base == B_CONST) {
        wasmplug_limits_t lim;
        wp_modinfo_memory(mi, e->mem, &lim, NULL);
        r0 = lim.min <= 65536 && e->end <= lim.min * 65536;
      }
      uint32_t at = e->off - body_off;
      if (r0 || covered(&k, e)) plain[at / 8] |= (uint8_t)(1u << (at % 8));
      else raise_end(&k, e);
    } else if (e->op == 0x21 || e->op == 0x22) {
      forget_local(&k, e->local);
    } else if (e->rmw) {
      k.n = 0; /* R3: the store ends the windows of the loads after it... */
      raise_end(&k, e); /* ...and covers the loads before it */
    } else if (!quiet(e->op)) {
      k.n = 0;
    }
  }

  /* R1, forwards: stores and barriered loads raise the ends */
  r1frame_t *fr = NULL;
  uint32_t nfr = 0, capfr = 0, nloc = 0;
  uint32_t *last_set = NULL; /* last_set[l]: 1 + the record that last set local l */
  for (uint32_t i = 0; i < n; i++)
    if ((v[i].op == 0x21 || v[i].op == 0x22) && v[i].local + 1 > nloc) nloc = v[i].local + 1;
  last_set = calloc(nloc + 1, sizeof *last_set);
  if (!last_set) goto fail;
  k.n = 0;
  for (uint32_t i = 0; i < n; i++) {
    const rec_t *e = &v[i];
    if (e->op == 0x21 || e->op == 0x22) {
      forget_local(&k, e->local);
      last_set[e->local] = i + 1;
    }
    if ((is_load(e->op) || is_store(e->op)) && e->base != B_NONE) {
      uint32_t at = e->off - body_off;
      bool is_plain = plain[at / 8] & (1u << (at % 8));
      if (is_load(e->op) && !is_plain && covered(&k, e)) plain[at / 8] |= (uint8_t)(1u << (at % 8));
      else if (is_store(e->op) || !is_plain) raise_end(&k, e);
    }
    switch (e->op) {
    case 0x02: case 0x03: case 0x04: case 0x06: case 0x1f:
      if (nfr == capfr) {
        uint32_t nc = capfr ? capfr * 2 : 16;
        r1frame_t *nf = realloc(fr, nc * sizeof *nf);
        if (!nf) goto fail_r1;
        fr = nf;
        capfr = nc;
      }
      if (e->op == 0x03) k.n = 0; /* a loop's start: also reached from its end */
      fr[nfr].at_start = k;
      fr[nfr].start = i;
      fr[nfr].loop = e->op == 0x03;
      nfr++;
      break;
    case 0x05: /* else: what held at the if */
      if (nfr) k = fr[nfr - 1].at_start;
      break;
    case 0x0b:
      if (!nfr) break;
      nfr--;
      if (fr[nfr].loop) break; /* reached only by falling through */
      k = fr[nfr].at_start;
      for (uint32_t j = 0; j < k.n;)
        if (k.t[j].base == B_LOCAL && last_set[k.t[j].local] > fr[nfr].start) k.t[j] = k.t[--k.n];
        else j++;
      break;
    case 0x07: case 0x18: case 0x19: /* legacy catch, delegate: reached by throws */
      k.n = 0;
      if (e->op == 0x18 && nfr) nfr--;
      break;
    default:
      if (no_fallthrough(e->op)) k.n = 0;
      break;
    }
  }
  free(fr);
  free(last_set);
  free(v);
  return plain;
fail_r1:
  free(fr);
  free(last_set);
fail:
  free(r.err);
  free(v);
  free(plain);
  return NULL;
}
