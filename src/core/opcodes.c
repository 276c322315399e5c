/*
** opcodes.c — the table of every instruction the core layer knows: its
** name, immediates, proposal, operand types and, for the simple ones, the C
** the translator emits.  The reader, the validator and the translator are
** driven by it, so an instruction is described once.
**
** C templates: $0 $1 $2 are the operands (already parenthesised C of the
** right type: u32 for i32, u64 for i64, f32, f64, v128), $A the effective
** address of a memory access; the helpers (wp_div_s32...) and types
** (wp_u32u: unaligned u32...) are defined by the translator's prelude
** (translate_rt.c).
*/
#include <pthread.h>
#include <string.h>

#include "reader.h"

#define MVP(code, nm, sig, c) O(code, nm, WP_IMM_NONE, WP_PROP_MVP, WP_TRAP_NONE, sig, c)
#define MVPT(code, nm, sig, c) O(code, nm, WP_IMM_NONE, WP_PROP_MVP, WP_TRAP_OTHER, sig, c)
#define LD(code, nm, sig, c) O(code, nm, WP_IMM_MEMARG, WP_PROP_MVP, WP_TRAP_MEM, sig, c)
#define FC(sub) (WP_OP_FC + (sub))
#define FD(sub) (WP_OP_FD + (sub))
#define FE(sub) (WP_OP_FE + (sub))
#define SIMD(sub, nm, sig) O(FD(sub), nm, WP_IMM_NONE, WP_PROP_SIMD, WP_TRAP_NONE, sig, NULL)
#define RSIMD(sub, nm, sig) O(FD(sub), nm, WP_IMM_NONE, WP_PROP_RELAXED_SIMD, WP_TRAP_NONE, sig, NULL)
#define SIMDM(sub, nm, imm, sig) O(FD(sub), nm, imm, WP_PROP_SIMD, WP_TRAP_MEM, sig, NULL)
#define ATOM(sub, nm, sig) O(FE(sub), nm, WP_IMM_MEMARG, WP_PROP_THREADS, WP_TRAP_MEM, sig, NULL)

#define RMW(base, op)                                                                  \
  ATOM(base, "i32.atomic.rmw." op, "ai:i"), ATOM(base + 1, "i64.atomic.rmw." op, "al:l"), \
      ATOM(base + 2, "i32.atomic.rmw8." op "_u", "ai:i"),                              \
      ATOM(base + 3, "i32.atomic.rmw16." op "_u", "ai:i"),                             \
      ATOM(base + 4, "i64.atomic.rmw8." op "_u", "al:l"),                              \
      ATOM(base + 5, "i64.atomic.rmw16." op "_u", "al:l"),                             \
      ATOM(base + 6, "i64.atomic.rmw32." op "_u", "al:l")

/* What the reader needs of every instruction, from a table of constant bytes
** (no relocation, one page, read only when an instruction is read): the
** immediates' kind + 1, 0 for a byte that is no opcode.  A warm start
** reads the instructions of constant expressions (globals, segments'
** offsets) and nothing else: the full table is never filled then. */
#define O(code_, nm_, imm_, prop_, trap_, sig_, c_) [code_] = (uint8_t)((imm_) + 1)
static const uint8_t op_imm[WP_OP_LIMIT] = {
#include "opcodes_list.h"
};
#undef O

int wp_op_imm(uint32_t op) { return op < WP_OP_LIMIT ? op_imm[op] - 1 : -1; }

/* The full table is filled by code on first use (ops_fill), not initialised
** statically: as static data, its ~1 100 pointers to string literals made
** 40 KB of .data.rel.ro that the dynamic loader relocated, copy-on-write, on
** every start of the command (issue 18, warm start), although a start whose
** code comes from the cache needs no name, signature or C template.  Filled,
** the entries are the same; the pointers are made by the code (rip-relative),
** which needs no relocation. */
#define O(code_, nm_, imm_, prop_, trap_, sig_, c_) \
  (ops[code_].name = (nm_), ops[code_].imm = (imm_), ops[code_].prop = (prop_), \
   ops[code_].trap = (trap_), ops[code_].sig = (sig_), ops[code_].c = (c_))
static wp_opinfo_t ops[WP_OP_LIMIT];
static pthread_once_t ops_once = PTHREAD_ONCE_INIT;
static bool ops_ready; /* (atomic: the fast path skips pthread_once's call) */

static void ops_fill(void) {
  (void)(
#include "opcodes_list.h"
      0);
  __atomic_store_n(&ops_ready, true, __ATOMIC_RELEASE);
}

static const wp_opinfo_t *table(void) {
  if (!__atomic_load_n(&ops_ready, __ATOMIC_ACQUIRE)) pthread_once(&ops_once, ops_fill);
  return ops;
}

const wp_opinfo_t *wp_opinfo(uint32_t op) { return &table()[op < WP_OP_LIMIT ? op : 0x00]; }

const char *wp_op_name(uint32_t op) {
  const wp_opinfo_t *t = table();
  return op < WP_OP_LIMIT && t[op].name ? t[op].name : "?";
}

/* Bytes accessed, from the opcode's name: every access names its width
** (i32.load8_s, v128.load16x4_u, i64.atomic.rmw32.add_u, v128.store64_lane). */
unsigned wp_op_access_size(uint32_t op) {
  const wp_opinfo_t *ops = table();
  if (op >= WP_OP_LIMIT || !ops[op].name) return 0;
  uint8_t imm = ops[op].imm;
  if (imm != WP_IMM_MEMARG && imm != WP_IMM_MEMARG_LANE) return 0;
  switch (op) {
  case 0x28: case 0x36: case 0x2a: case 0x38: return 4;
  case 0x29: case 0x37: case 0x2b: case 0x39: return 8;
  case 0x2c: case 0x2d: case 0x30: case 0x31: case 0x3a: case 0x3c: return 1;
  case 0x2e: case 0x2f: case 0x32: case 0x33: case 0x3b: case 0x3d: return 2;
  case 0x34: case 0x35: case 0x3e: return 4;
  case FD(0x00): case FD(0x0b): return 16;
  case FD(0x01): case FD(0x02): case FD(0x03): case FD(0x04): case FD(0x05): case FD(0x06):
    return 8;
  case FD(0x07): case FD(0x54): case FD(0x58): return 1;
  case FD(0x08): case FD(0x55): case FD(0x59): return 2;
  case FD(0x09): case FD(0x56): case FD(0x5a): case FD(0x5c): return 4;
  case FD(0x0a): case FD(0x57): case FD(0x5b): case FD(0x5d): return 8;
  case FE(0x00): return 4;
  case FE(0x01): return 4;
  case FE(0x02): return 8;
  default: break;
  }
  if (op >= FE(0x10)) {
    const char *n = ops[op].name;
    if (strstr(n, "8")) return 1;
    if (strstr(n, "16")) return 2;
    if (strstr(n, "32_u") || strstr(n, "rmw32") || strstr(n, "store32")) return 4;
    return n[1] == '6' ? 8 : 4; /* "i64..." : "i32..." */
  }
  return 0;
}

int wp_op_natural_align(uint32_t op) {
  switch (wp_op_access_size(op)) {
  case 1: return 0;
  case 2: return 1;
  case 4: return 2;
  case 8: return 3;
  case 16: return 4;
  default: return -1;
  }
}
