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

/* The table is filled by code on first use (ops_fill), not initialised
** statically: as static data, its ~1 100 pointers to string literals made
** 40 KB of .data.rel.ro that the dynamic loader relocates, copy-on-write,
** on every start of the command (issue 18, warm start: a dozen page faults
** of ~5 us each here), although a start whose code comes from the cache
** reads no instruction.  Filled, the entries are the same; the pointers
** are made by the code (rip-relative), which needs no relocation. */
#define O(code_, nm_, imm_, prop_, trap_, sig_, c_) \
  (ops[code_].name = (nm_), ops[code_].imm = (imm_), ops[code_].prop = (prop_), \
   ops[code_].trap = (trap_), ops[code_].sig = (sig_), ops[code_].c = (c_))
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

static wp_opinfo_t ops[WP_OP_LIMIT];
static pthread_once_t ops_once = PTHREAD_ONCE_INIT;

static void ops_fill(void) {
  (void)(
    /* control */
    O(0x00, "unreachable", WP_IMM_NONE, WP_PROP_MVP, WP_TRAP_OTHER, NULL, NULL),
    MVP(0x01, "nop", ":", NULL),
    O(0x02, "block", WP_IMM_BLOCK, WP_PROP_MVP, 0, NULL, NULL),
    O(0x03, "loop", WP_IMM_BLOCK, WP_PROP_MVP, 0, NULL, NULL),
    O(0x04, "if", WP_IMM_BLOCK, WP_PROP_MVP, 0, NULL, NULL),
    MVP(0x05, "else", NULL, NULL),
    O(0x06, "try", WP_IMM_BLOCK, WP_PROP_EH_LEGACY, 0, NULL, NULL),
    O(0x07, "catch", WP_IMM_TAG, WP_PROP_EH_LEGACY, 0, NULL, NULL),
    O(0x08, "throw", WP_IMM_TAG, WP_PROP_EH, WP_TRAP_OTHER, NULL, NULL),
    O(0x09, "rethrow", WP_IMM_LABEL, WP_PROP_EH_LEGACY, WP_TRAP_OTHER, NULL, NULL),
    O(0x0a, "throw_ref", WP_IMM_NONE, WP_PROP_EH, WP_TRAP_OTHER, NULL, NULL),
    MVP(0x0b, "end", NULL, NULL),
    O(0x0c, "br", WP_IMM_LABEL, WP_PROP_MVP, 0, NULL, NULL),
    O(0x0d, "br_if", WP_IMM_LABEL, WP_PROP_MVP, 0, NULL, NULL),
    O(0x0e, "br_table", WP_IMM_BR_TABLE, WP_PROP_MVP, 0, NULL, NULL),
    MVP(0x0f, "return", NULL, NULL),
    O(0x10, "call", WP_IMM_FUNC, WP_PROP_MVP, WP_TRAP_OTHER, NULL, NULL),
    O(0x11, "call_indirect", WP_IMM_CALL_INDIRECT, WP_PROP_MVP, WP_TRAP_OTHER, NULL, NULL),
    O(0x12, "return_call", WP_IMM_FUNC, WP_PROP_TAILCALL, WP_TRAP_OTHER, NULL, NULL),
    O(0x13, "return_call_indirect", WP_IMM_CALL_INDIRECT, WP_PROP_TAILCALL, WP_TRAP_OTHER, NULL,
      NULL),
    O(0x18, "delegate", WP_IMM_LABEL, WP_PROP_EH_LEGACY, 0, NULL, NULL),
    O(0x19, "catch_all", WP_IMM_NONE, WP_PROP_EH_LEGACY, 0, NULL, NULL),
    O(0x1a, "drop", WP_IMM_NONE, WP_PROP_MVP, 0, NULL, NULL),
    O(0x1b, "select", WP_IMM_NONE, WP_PROP_MVP, 0, NULL, NULL),
    O(0x1c, "select", WP_IMM_SELECT_T, WP_PROP_REFTYPES, 0, NULL, NULL),
    O(0x1f, "try_table", WP_IMM_TRY_TABLE, WP_PROP_EH, 0, NULL, NULL),
    /* variables */
    O(0x20, "local.get", WP_IMM_LOCAL, WP_PROP_MVP, 0, NULL, NULL),
    O(0x21, "local.set", WP_IMM_LOCAL, WP_PROP_MVP, 0, NULL, NULL),
    O(0x22, "local.tee", WP_IMM_LOCAL, WP_PROP_MVP, 0, NULL, NULL),
    O(0x23, "global.get", WP_IMM_GLOBAL, WP_PROP_MVP, 0, NULL, NULL),
    O(0x24, "global.set", WP_IMM_GLOBAL, WP_PROP_MVP, 0, NULL, NULL),
    O(0x25, "table.get", WP_IMM_TABLE, WP_PROP_REFTYPES, WP_TRAP_OTHER, NULL, NULL),
    O(0x26, "table.set", WP_IMM_TABLE, WP_PROP_REFTYPES, WP_TRAP_OTHER, NULL, NULL),
    /* memory */
    LD(0x28, "i32.load", "a:i", "WP_LD(wp_u32u, $A)"),
    LD(0x29, "i64.load", "a:l", "WP_LD(wp_u64u, $A)"),
    LD(0x2a, "f32.load", "a:f", "WP_LDF(wp_f32u, $A)"),
    LD(0x2b, "f64.load", "a:d", "WP_LDF(wp_f64u, $A)"),
    LD(0x2c, "i32.load8_s", "a:i", "(u32)(s32)WP_LD(s8, $A)"),
    LD(0x2d, "i32.load8_u", "a:i", "(u32)WP_LD(u8, $A)"),
    LD(0x2e, "i32.load16_s", "a:i", "(u32)(s32)WP_LD(wp_s16u, $A)"),
    LD(0x2f, "i32.load16_u", "a:i", "(u32)WP_LD(wp_u16u, $A)"),
    LD(0x30, "i64.load8_s", "a:l", "(u64)(s64)WP_LD(s8, $A)"),
    LD(0x31, "i64.load8_u", "a:l", "(u64)WP_LD(u8, $A)"),
    LD(0x32, "i64.load16_s", "a:l", "(u64)(s64)WP_LD(wp_s16u, $A)"),
    LD(0x33, "i64.load16_u", "a:l", "(u64)WP_LD(wp_u16u, $A)"),
    LD(0x34, "i64.load32_s", "a:l", "(u64)(s64)WP_LD(wp_s32u, $A)"),
    LD(0x35, "i64.load32_u", "a:l", "(u64)WP_LD(wp_u32u, $A)"),
    LD(0x36, "i32.store", "ai:", "*(wp_u32u *)$A = $1"),
    LD(0x37, "i64.store", "al:", "*(wp_u64u *)$A = $1"),
    LD(0x38, "f32.store", "af:", "*(wp_f32u *)$A = $1"),
    LD(0x39, "f64.store", "ad:", "*(wp_f64u *)$A = $1"),
    LD(0x3a, "i32.store8", "ai:", "*(u8 *)$A = (u8)$1"),
    LD(0x3b, "i32.store16", "ai:", "*(wp_u16u *)$A = (u16)$1"),
    LD(0x3c, "i64.store8", "al:", "*(u8 *)$A = (u8)$1"),
    LD(0x3d, "i64.store16", "al:", "*(wp_u16u *)$A = (u16)$1"),
    LD(0x3e, "i64.store32", "al:", "*(wp_u32u *)$A = (u32)$1"),
    O(0x3f, "memory.size", WP_IMM_MEMIDX, WP_PROP_MVP, 0, ":a", NULL),
    O(0x40, "memory.grow", WP_IMM_MEMIDX, WP_PROP_MVP, 0, "a:a", NULL),
    /* constants */
    O(0x41, "i32.const", WP_IMM_I32, WP_PROP_MVP, 0, ":i", NULL),
    O(0x42, "i64.const", WP_IMM_I64, WP_PROP_MVP, 0, ":l", NULL),
    O(0x43, "f32.const", WP_IMM_F32, WP_PROP_MVP, 0, ":f", NULL),
    O(0x44, "f64.const", WP_IMM_F64, WP_PROP_MVP, 0, ":d", NULL),
    /* comparisons */
    MVP(0x45, "i32.eqz", "i:i", "(u32)($0 == 0)"),
    MVP(0x46, "i32.eq", "ii:i", "(u32)($0 == $1)"),
    MVP(0x47, "i32.ne", "ii:i", "(u32)($0 != $1)"),
    MVP(0x48, "i32.lt_s", "ii:i", "(u32)((s32)$0 < (s32)$1)"),
    MVP(0x49, "i32.lt_u", "ii:i", "(u32)($0 < $1)"),
    MVP(0x4a, "i32.gt_s", "ii:i", "(u32)((s32)$0 > (s32)$1)"),
    MVP(0x4b, "i32.gt_u", "ii:i", "(u32)($0 > $1)"),
    MVP(0x4c, "i32.le_s", "ii:i", "(u32)((s32)$0 <= (s32)$1)"),
    MVP(0x4d, "i32.le_u", "ii:i", "(u32)($0 <= $1)"),
    MVP(0x4e, "i32.ge_s", "ii:i", "(u32)((s32)$0 >= (s32)$1)"),
    MVP(0x4f, "i32.ge_u", "ii:i", "(u32)($0 >= $1)"),
    MVP(0x50, "i64.eqz", "l:i", "(u32)($0 == 0)"),
    MVP(0x51, "i64.eq", "ll:i", "(u32)($0 == $1)"),
    MVP(0x52, "i64.ne", "ll:i", "(u32)($0 != $1)"),
    MVP(0x53, "i64.lt_s", "ll:i", "(u32)((s64)$0 < (s64)$1)"),
    MVP(0x54, "i64.lt_u", "ll:i", "(u32)($0 < $1)"),
    MVP(0x55, "i64.gt_s", "ll:i", "(u32)((s64)$0 > (s64)$1)"),
    MVP(0x56, "i64.gt_u", "ll:i", "(u32)($0 > $1)"),
    MVP(0x57, "i64.le_s", "ll:i", "(u32)((s64)$0 <= (s64)$1)"),
    MVP(0x58, "i64.le_u", "ll:i", "(u32)($0 <= $1)"),
    MVP(0x59, "i64.ge_s", "ll:i", "(u32)((s64)$0 >= (s64)$1)"),
    MVP(0x5a, "i64.ge_u", "ll:i", "(u32)($0 >= $1)"),
    MVP(0x5b, "f32.eq", "ff:i", "(u32)($0 == $1)"),
    MVP(0x5c, "f32.ne", "ff:i", "(u32)($0 != $1)"),
    MVP(0x5d, "f32.lt", "ff:i", "(u32)($0 < $1)"),
    MVP(0x5e, "f32.gt", "ff:i", "(u32)($0 > $1)"),
    MVP(0x5f, "f32.le", "ff:i", "(u32)($0 <= $1)"),
    MVP(0x60, "f32.ge", "ff:i", "(u32)($0 >= $1)"),
    MVP(0x61, "f64.eq", "dd:i", "(u32)($0 == $1)"),
    MVP(0x62, "f64.ne", "dd:i", "(u32)($0 != $1)"),
    MVP(0x63, "f64.lt", "dd:i", "(u32)($0 < $1)"),
    MVP(0x64, "f64.gt", "dd:i", "(u32)($0 > $1)"),
    MVP(0x65, "f64.le", "dd:i", "(u32)($0 <= $1)"),
    MVP(0x66, "f64.ge", "dd:i", "(u32)($0 >= $1)"),
    /* i32 arithmetic */
    MVP(0x67, "i32.clz", "i:i", "wp_clz32($0)"),
    MVP(0x68, "i32.ctz", "i:i", "wp_ctz32($0)"),
    MVP(0x69, "i32.popcnt", "i:i", "wp_popcnt32($0)"),
    MVP(0x6a, "i32.add", "ii:i", "$0 + $1"),
    MVP(0x6b, "i32.sub", "ii:i", "$0 - $1"),
    MVP(0x6c, "i32.mul", "ii:i", "$0 * $1"),
    MVPT(0x6d, "i32.div_s", "ii:i", "wp_div_s32($0, $1)"),
    MVPT(0x6e, "i32.div_u", "ii:i", "wp_div_u32($0, $1)"),
    MVPT(0x6f, "i32.rem_s", "ii:i", "wp_rem_s32($0, $1)"),
    MVPT(0x70, "i32.rem_u", "ii:i", "wp_rem_u32($0, $1)"),
    MVP(0x71, "i32.and", "ii:i", "$0 & $1"),
    MVP(0x72, "i32.or", "ii:i", "$0 | $1"),
    MVP(0x73, "i32.xor", "ii:i", "$0 ^ $1"),
    MVP(0x74, "i32.shl", "ii:i", "$0 << ($1 & 31)"),
    MVP(0x75, "i32.shr_s", "ii:i", "(u32)((s32)$0 >> ($1 & 31))"),
    MVP(0x76, "i32.shr_u", "ii:i", "$0 >> ($1 & 31)"),
    MVP(0x77, "i32.rotl", "ii:i", "wp_rotl32($0, $1)"),
    MVP(0x78, "i32.rotr", "ii:i", "wp_rotr32($0, $1)"),
    /* i64 arithmetic */
    MVP(0x79, "i64.clz", "l:l", "(u64)wp_clz64($0)"),
    MVP(0x7a, "i64.ctz", "l:l", "(u64)wp_ctz64($0)"),
    MVP(0x7b, "i64.popcnt", "l:l", "(u64)wp_popcnt64($0)"),
    MVP(0x7c, "i64.add", "ll:l", "$0 + $1"),
    MVP(0x7d, "i64.sub", "ll:l", "$0 - $1"),
    MVP(0x7e, "i64.mul", "ll:l", "$0 * $1"),
    MVPT(0x7f, "i64.div_s", "ll:l", "wp_div_s64($0, $1)"),
    MVPT(0x80, "i64.div_u", "ll:l", "wp_div_u64($0, $1)"),
    MVPT(0x81, "i64.rem_s", "ll:l", "wp_rem_s64($0, $1)"),
    MVPT(0x82, "i64.rem_u", "ll:l", "wp_rem_u64($0, $1)"),
    MVP(0x83, "i64.and", "ll:l", "$0 & $1"),
    MVP(0x84, "i64.or", "ll:l", "$0 | $1"),
    MVP(0x85, "i64.xor", "ll:l", "$0 ^ $1"),
    MVP(0x86, "i64.shl", "ll:l", "$0 << ($1 & 63)"),
    MVP(0x87, "i64.shr_s", "ll:l", "(u64)((s64)$0 >> ($1 & 63))"),
    MVP(0x88, "i64.shr_u", "ll:l", "$0 >> ($1 & 63)"),
    MVP(0x89, "i64.rotl", "ll:l", "wp_rotl64($0, $1)"),
    MVP(0x8a, "i64.rotr", "ll:l", "wp_rotr64($0, $1)"),
    /* f32 arithmetic */
    MVP(0x8b, "f32.abs", "f:f", "WP_FABS32($0)"),
    MVP(0x8c, "f32.neg", "f:f", "WP_FNEG32($0)"),
    MVP(0x8d, "f32.ceil", "f:f", "WP_CEIL32($0)"),
    MVP(0x8e, "f32.floor", "f:f", "WP_FLOOR32($0)"),
    MVP(0x8f, "f32.trunc", "f:f", "WP_TRUNC32($0)"),
    MVP(0x90, "f32.nearest", "f:f", "WP_NEAREST32($0)"),
    MVP(0x91, "f32.sqrt", "f:f", "WP_SQRT32($0)"),
    MVP(0x92, "f32.add", "ff:f", "$0 + $1"),
    MVP(0x93, "f32.sub", "ff:f", "$0 - $1"),
    MVP(0x94, "f32.mul", "ff:f", "$0 * $1"),
    MVP(0x95, "f32.div", "ff:f", "$0 / $1"),
    MVP(0x96, "f32.min", "ff:f", "wp_fmin32($0, $1)"),
    MVP(0x97, "f32.max", "ff:f", "wp_fmax32($0, $1)"),
    MVP(0x98, "f32.copysign", "ff:f", "WP_COPYSIGN32($0, $1)"),
    /* f64 arithmetic */
    MVP(0x99, "f64.abs", "d:d", "WP_FABS64($0)"),
    MVP(0x9a, "f64.neg", "d:d", "WP_FNEG64($0)"),
    MVP(0x9b, "f64.ceil", "d:d", "WP_CEIL64($0)"),
    MVP(0x9c, "f64.floor", "d:d", "WP_FLOOR64($0)"),
    MVP(0x9d, "f64.trunc", "d:d", "WP_TRUNC64($0)"),
    MVP(0x9e, "f64.nearest", "d:d", "WP_NEAREST64($0)"),
    MVP(0x9f, "f64.sqrt", "d:d", "WP_SQRT64($0)"),
    MVP(0xa0, "f64.add", "dd:d", "$0 + $1"),
    MVP(0xa1, "f64.sub", "dd:d", "$0 - $1"),
    MVP(0xa2, "f64.mul", "dd:d", "$0 * $1"),
    MVP(0xa3, "f64.div", "dd:d", "$0 / $1"),
    MVP(0xa4, "f64.min", "dd:d", "wp_fmin64($0, $1)"),
    MVP(0xa5, "f64.max", "dd:d", "wp_fmax64($0, $1)"),
    MVP(0xa6, "f64.copysign", "dd:d", "WP_COPYSIGN64($0, $1)"),
    /* conversions */
    MVP(0xa7, "i32.wrap_i64", "l:i", "(u32)$0"),
    MVPT(0xa8, "i32.trunc_f32_s", "f:i", "wp_trunc_s32_f32($0)"),
    MVPT(0xa9, "i32.trunc_f32_u", "f:i", "wp_trunc_u32_f32($0)"),
    MVPT(0xaa, "i32.trunc_f64_s", "d:i", "wp_trunc_s32_f64($0)"),
    MVPT(0xab, "i32.trunc_f64_u", "d:i", "wp_trunc_u32_f64($0)"),
    MVP(0xac, "i64.extend_i32_s", "i:l", "(u64)(s64)(s32)$0"),
    MVP(0xad, "i64.extend_i32_u", "i:l", "(u64)$0"),
    MVPT(0xae, "i64.trunc_f32_s", "f:l", "wp_trunc_s64_f32($0)"),
    MVPT(0xaf, "i64.trunc_f32_u", "f:l", "wp_trunc_u64_f32($0)"),
    MVPT(0xb0, "i64.trunc_f64_s", "d:l", "wp_trunc_s64_f64($0)"),
    MVPT(0xb1, "i64.trunc_f64_u", "d:l", "wp_trunc_u64_f64($0)"),
    MVP(0xb2, "f32.convert_i32_s", "i:f", "(f32)(s32)$0"),
    MVP(0xb3, "f32.convert_i32_u", "i:f", "wp_f32_from_u32($0)"),
    MVP(0xb4, "f32.convert_i64_s", "l:f", "wp_f32_from_s64($0)"),
    MVP(0xb5, "f32.convert_i64_u", "l:f", "wp_f32_from_u64($0)"),
    MVP(0xb6, "f32.demote_f64", "d:f", "(f32)$0"),
    MVP(0xb7, "f64.convert_i32_s", "i:d", "(f64)(s32)$0"),
    MVP(0xb8, "f64.convert_i32_u", "i:d", "(f64)$0"),
    MVP(0xb9, "f64.convert_i64_s", "l:d", "wp_f64_from_s64($0)"),
    MVP(0xba, "f64.convert_i64_u", "l:d", "wp_f64_from_u64($0)"),
    MVP(0xbb, "f64.promote_f32", "f:d", "(f64)$0"),
    MVP(0xbc, "i32.reinterpret_f32", "f:i", "wp_bits32($0)"),
    MVP(0xbd, "i64.reinterpret_f64", "d:l", "wp_bits64($0)"),
    MVP(0xbe, "f32.reinterpret_i32", "i:f", "wp_float32($0)"),
    MVP(0xbf, "f64.reinterpret_i64", "l:d", "wp_float64($0)"),
    O(0xc0, "i32.extend8_s", WP_IMM_NONE, WP_PROP_SIGNEXT, 0, "i:i", "(u32)(s32)(s8)$0"),
    O(0xc1, "i32.extend16_s", WP_IMM_NONE, WP_PROP_SIGNEXT, 0, "i:i", "(u32)(s32)(s16)$0"),
    O(0xc2, "i64.extend8_s", WP_IMM_NONE, WP_PROP_SIGNEXT, 0, "l:l", "(u64)(s64)(s8)$0"),
    O(0xc3, "i64.extend16_s", WP_IMM_NONE, WP_PROP_SIGNEXT, 0, "l:l", "(u64)(s64)(s16)$0"),
    O(0xc4, "i64.extend32_s", WP_IMM_NONE, WP_PROP_SIGNEXT, 0, "l:l", "(u64)(s64)(s32)$0"),
    /* references */
    O(0xd0, "ref.null", WP_IMM_REFNULL, WP_PROP_REFTYPES, 0, NULL, NULL),
    O(0xd1, "ref.is_null", WP_IMM_NONE, WP_PROP_REFTYPES, 0, NULL, NULL),
    O(0xd2, "ref.func", WP_IMM_FUNC, WP_PROP_REFTYPES, 0, NULL, NULL),
    /* 0xfc: saturating truncation, bulk memory, tables */
    O(FC(0), "i32.trunc_sat_f32_s", WP_IMM_NONE, WP_PROP_SATCONV, 0, "f:i", "wp_sat_s32_f32($0)"),
    O(FC(1), "i32.trunc_sat_f32_u", WP_IMM_NONE, WP_PROP_SATCONV, 0, "f:i", "wp_sat_u32_f32($0)"),
    O(FC(2), "i32.trunc_sat_f64_s", WP_IMM_NONE, WP_PROP_SATCONV, 0, "d:i", "wp_sat_s32_f64($0)"),
    O(FC(3), "i32.trunc_sat_f64_u", WP_IMM_NONE, WP_PROP_SATCONV, 0, "d:i", "wp_sat_u32_f64($0)"),
    O(FC(4), "i64.trunc_sat_f32_s", WP_IMM_NONE, WP_PROP_SATCONV, 0, "f:l", "wp_sat_s64_f32($0)"),
    O(FC(5), "i64.trunc_sat_f32_u", WP_IMM_NONE, WP_PROP_SATCONV, 0, "f:l", "wp_sat_u64_f32($0)"),
    O(FC(6), "i64.trunc_sat_f64_s", WP_IMM_NONE, WP_PROP_SATCONV, 0, "d:l", "wp_sat_s64_f64($0)"),
    O(FC(7), "i64.trunc_sat_f64_u", WP_IMM_NONE, WP_PROP_SATCONV, 0, "d:l", "wp_sat_u64_f64($0)"),
    O(FC(8), "memory.init", WP_IMM_MEM_INIT, WP_PROP_BULK, WP_TRAP_OTHER, NULL, NULL),
    O(FC(9), "data.drop", WP_IMM_DATA, WP_PROP_BULK, 0, NULL, NULL),
    O(FC(10), "memory.copy", WP_IMM_MEM2, WP_PROP_BULK, WP_TRAP_OTHER, NULL, NULL),
    O(FC(11), "memory.fill", WP_IMM_MEMIDX, WP_PROP_BULK, WP_TRAP_OTHER, NULL, NULL),
    O(FC(12), "table.init", WP_IMM_TABLE_INIT, WP_PROP_BULK, WP_TRAP_OTHER, NULL, NULL),
    O(FC(13), "elem.drop", WP_IMM_ELEM, WP_PROP_BULK, 0, NULL, NULL),
    O(FC(14), "table.copy", WP_IMM_TABLE2, WP_PROP_BULK, WP_TRAP_OTHER, NULL, NULL),
    O(FC(15), "table.grow", WP_IMM_TABLE, WP_PROP_REFTYPES, 0, NULL, NULL),
    O(FC(16), "table.size", WP_IMM_TABLE, WP_PROP_REFTYPES, 0, NULL, NULL),
    O(FC(17), "table.fill", WP_IMM_TABLE, WP_PROP_REFTYPES, WP_TRAP_OTHER, NULL, NULL),
    /* 0xfd: SIMD */
    SIMDM(0x00, "v128.load", WP_IMM_MEMARG, "a:v"),
    SIMDM(0x01, "v128.load8x8_s", WP_IMM_MEMARG, "a:v"),
    SIMDM(0x02, "v128.load8x8_u", WP_IMM_MEMARG, "a:v"),
    SIMDM(0x03, "v128.load16x4_s", WP_IMM_MEMARG, "a:v"),
    SIMDM(0x04, "v128.load16x4_u", WP_IMM_MEMARG, "a:v"),
    SIMDM(0x05, "v128.load32x2_s", WP_IMM_MEMARG, "a:v"),
    SIMDM(0x06, "v128.load32x2_u", WP_IMM_MEMARG, "a:v"),
    SIMDM(0x07, "v128.load8_splat", WP_IMM_MEMARG, "a:v"),
    SIMDM(0x08, "v128.load16_splat", WP_IMM_MEMARG, "a:v"),
    SIMDM(0x09, "v128.load32_splat", WP_IMM_MEMARG, "a:v"),
    SIMDM(0x0a, "v128.load64_splat", WP_IMM_MEMARG, "a:v"),
    SIMDM(0x0b, "v128.store", WP_IMM_MEMARG, "av:"),
    O(FD(0x0c), "v128.const", WP_IMM_V128, WP_PROP_SIMD, 0, ":v", NULL),
    O(FD(0x0d), "i8x16.shuffle", WP_IMM_SHUFFLE, WP_PROP_SIMD, 0, "vv:v", NULL),
    SIMD(0x0e, "i8x16.swizzle", "vv:v"),
    SIMD(0x0f, "i8x16.splat", "i:v"),
    SIMD(0x10, "i16x8.splat", "i:v"),
    SIMD(0x11, "i32x4.splat", "i:v"),
    SIMD(0x12, "i64x2.splat", "l:v"),
    SIMD(0x13, "f32x4.splat", "f:v"),
    SIMD(0x14, "f64x2.splat", "d:v"),
    O(FD(0x15), "i8x16.extract_lane_s", WP_IMM_LANE, WP_PROP_SIMD, 0, "v:i", NULL),
    O(FD(0x16), "i8x16.extract_lane_u", WP_IMM_LANE, WP_PROP_SIMD, 0, "v:i", NULL),
    O(FD(0x17), "i8x16.replace_lane", WP_IMM_LANE, WP_PROP_SIMD, 0, "vi:v", NULL),
    O(FD(0x18), "i16x8.extract_lane_s", WP_IMM_LANE, WP_PROP_SIMD, 0, "v:i", NULL),
    O(FD(0x19), "i16x8.extract_lane_u", WP_IMM_LANE, WP_PROP_SIMD, 0, "v:i", NULL),
    O(FD(0x1a), "i16x8.replace_lane", WP_IMM_LANE, WP_PROP_SIMD, 0, "vi:v", NULL),
    O(FD(0x1b), "i32x4.extract_lane", WP_IMM_LANE, WP_PROP_SIMD, 0, "v:i", NULL),
    O(FD(0x1c), "i32x4.replace_lane", WP_IMM_LANE, WP_PROP_SIMD, 0, "vi:v", NULL),
    O(FD(0x1d), "i64x2.extract_lane", WP_IMM_LANE, WP_PROP_SIMD, 0, "v:l", NULL),
    O(FD(0x1e), "i64x2.replace_lane", WP_IMM_LANE, WP_PROP_SIMD, 0, "vl:v", NULL),
    O(FD(0x1f), "f32x4.extract_lane", WP_IMM_LANE, WP_PROP_SIMD, 0, "v:f", NULL),
    O(FD(0x20), "f32x4.replace_lane", WP_IMM_LANE, WP_PROP_SIMD, 0, "vf:v", NULL),
    O(FD(0x21), "f64x2.extract_lane", WP_IMM_LANE, WP_PROP_SIMD, 0, "v:d", NULL),
    O(FD(0x22), "f64x2.replace_lane", WP_IMM_LANE, WP_PROP_SIMD, 0, "vd:v", NULL),
    SIMD(0x23, "i8x16.eq", "vv:v"), SIMD(0x24, "i8x16.ne", "vv:v"),
    SIMD(0x25, "i8x16.lt_s", "vv:v"), SIMD(0x26, "i8x16.lt_u", "vv:v"),
    SIMD(0x27, "i8x16.gt_s", "vv:v"), SIMD(0x28, "i8x16.gt_u", "vv:v"),
    SIMD(0x29, "i8x16.le_s", "vv:v"), SIMD(0x2a, "i8x16.le_u", "vv:v"),
    SIMD(0x2b, "i8x16.ge_s", "vv:v"), SIMD(0x2c, "i8x16.ge_u", "vv:v"),
    SIMD(0x2d, "i16x8.eq", "vv:v"), SIMD(0x2e, "i16x8.ne", "vv:v"),
    SIMD(0x2f, "i16x8.lt_s", "vv:v"), SIMD(0x30, "i16x8.lt_u", "vv:v"),
    SIMD(0x31, "i16x8.gt_s", "vv:v"), SIMD(0x32, "i16x8.gt_u", "vv:v"),
    SIMD(0x33, "i16x8.le_s", "vv:v"), SIMD(0x34, "i16x8.le_u", "vv:v"),
    SIMD(0x35, "i16x8.ge_s", "vv:v"), SIMD(0x36, "i16x8.ge_u", "vv:v"),
    SIMD(0x37, "i32x4.eq", "vv:v"), SIMD(0x38, "i32x4.ne", "vv:v"),
    SIMD(0x39, "i32x4.lt_s", "vv:v"), SIMD(0x3a, "i32x4.lt_u", "vv:v"),
    SIMD(0x3b, "i32x4.gt_s", "vv:v"), SIMD(0x3c, "i32x4.gt_u", "vv:v"),
    SIMD(0x3d, "i32x4.le_s", "vv:v"), SIMD(0x3e, "i32x4.le_u", "vv:v"),
    SIMD(0x3f, "i32x4.ge_s", "vv:v"), SIMD(0x40, "i32x4.ge_u", "vv:v"),
    SIMD(0x41, "f32x4.eq", "vv:v"), SIMD(0x42, "f32x4.ne", "vv:v"),
    SIMD(0x43, "f32x4.lt", "vv:v"), SIMD(0x44, "f32x4.gt", "vv:v"),
    SIMD(0x45, "f32x4.le", "vv:v"), SIMD(0x46, "f32x4.ge", "vv:v"),
    SIMD(0x47, "f64x2.eq", "vv:v"), SIMD(0x48, "f64x2.ne", "vv:v"),
    SIMD(0x49, "f64x2.lt", "vv:v"), SIMD(0x4a, "f64x2.gt", "vv:v"),
    SIMD(0x4b, "f64x2.le", "vv:v"), SIMD(0x4c, "f64x2.ge", "vv:v"),
    SIMD(0x4d, "v128.not", "v:v"), SIMD(0x4e, "v128.and", "vv:v"),
    SIMD(0x4f, "v128.andnot", "vv:v"), SIMD(0x50, "v128.or", "vv:v"),
    SIMD(0x51, "v128.xor", "vv:v"), SIMD(0x52, "v128.bitselect", "vvv:v"),
    SIMD(0x53, "v128.any_true", "v:i"),
    SIMDM(0x54, "v128.load8_lane", WP_IMM_MEMARG_LANE, "av:v"),
    SIMDM(0x55, "v128.load16_lane", WP_IMM_MEMARG_LANE, "av:v"),
    SIMDM(0x56, "v128.load32_lane", WP_IMM_MEMARG_LANE, "av:v"),
    SIMDM(0x57, "v128.load64_lane", WP_IMM_MEMARG_LANE, "av:v"),
    SIMDM(0x58, "v128.store8_lane", WP_IMM_MEMARG_LANE, "av:"),
    SIMDM(0x59, "v128.store16_lane", WP_IMM_MEMARG_LANE, "av:"),
    SIMDM(0x5a, "v128.store32_lane", WP_IMM_MEMARG_LANE, "av:"),
    SIMDM(0x5b, "v128.store64_lane", WP_IMM_MEMARG_LANE, "av:"),
    SIMDM(0x5c, "v128.load32_zero", WP_IMM_MEMARG, "a:v"),
    SIMDM(0x5d, "v128.load64_zero", WP_IMM_MEMARG, "a:v"),
    SIMD(0x5e, "f32x4.demote_f64x2_zero", "v:v"),
    SIMD(0x5f, "f64x2.promote_low_f32x4", "v:v"),
    SIMD(0x60, "i8x16.abs", "v:v"), SIMD(0x61, "i8x16.neg", "v:v"),
    SIMD(0x62, "i8x16.popcnt", "v:v"), SIMD(0x63, "i8x16.all_true", "v:i"),
    SIMD(0x64, "i8x16.bitmask", "v:i"), SIMD(0x65, "i8x16.narrow_i16x8_s", "vv:v"),
    SIMD(0x66, "i8x16.narrow_i16x8_u", "vv:v"), SIMD(0x67, "f32x4.ceil", "v:v"),
    SIMD(0x68, "f32x4.floor", "v:v"), SIMD(0x69, "f32x4.trunc", "v:v"),
    SIMD(0x6a, "f32x4.nearest", "v:v"), SIMD(0x6b, "i8x16.shl", "vi:v"),
    SIMD(0x6c, "i8x16.shr_s", "vi:v"), SIMD(0x6d, "i8x16.shr_u", "vi:v"),
    SIMD(0x6e, "i8x16.add", "vv:v"), SIMD(0x6f, "i8x16.add_sat_s", "vv:v"),
    SIMD(0x70, "i8x16.add_sat_u", "vv:v"), SIMD(0x71, "i8x16.sub", "vv:v"),
    SIMD(0x72, "i8x16.sub_sat_s", "vv:v"), SIMD(0x73, "i8x16.sub_sat_u", "vv:v"),
    SIMD(0x74, "f64x2.ceil", "v:v"), SIMD(0x75, "f64x2.floor", "v:v"),
    SIMD(0x76, "i8x16.min_s", "vv:v"), SIMD(0x77, "i8x16.min_u", "vv:v"),
    SIMD(0x78, "i8x16.max_s", "vv:v"), SIMD(0x79, "i8x16.max_u", "vv:v"),
    SIMD(0x7a, "f64x2.trunc", "v:v"), SIMD(0x7b, "i8x16.avgr_u", "vv:v"),
    SIMD(0x7c, "i16x8.extadd_pairwise_i8x16_s", "v:v"),
    SIMD(0x7d, "i16x8.extadd_pairwise_i8x16_u", "v:v"),
    SIMD(0x7e, "i32x4.extadd_pairwise_i16x8_s", "v:v"),
    SIMD(0x7f, "i32x4.extadd_pairwise_i16x8_u", "v:v"),
    SIMD(0x80, "i16x8.abs", "v:v"), SIMD(0x81, "i16x8.neg", "v:v"),
    SIMD(0x82, "i16x8.q15mulr_sat_s", "vv:v"), SIMD(0x83, "i16x8.all_true", "v:i"),
    SIMD(0x84, "i16x8.bitmask", "v:i"), SIMD(0x85, "i16x8.narrow_i32x4_s", "vv:v"),
    SIMD(0x86, "i16x8.narrow_i32x4_u", "vv:v"),
    SIMD(0x87, "i16x8.extend_low_i8x16_s", "v:v"), SIMD(0x88, "i16x8.extend_high_i8x16_s", "v:v"),
    SIMD(0x89, "i16x8.extend_low_i8x16_u", "v:v"), SIMD(0x8a, "i16x8.extend_high_i8x16_u", "v:v"),
    SIMD(0x8b, "i16x8.shl", "vi:v"), SIMD(0x8c, "i16x8.shr_s", "vi:v"),
    SIMD(0x8d, "i16x8.shr_u", "vi:v"), SIMD(0x8e, "i16x8.add", "vv:v"),
    SIMD(0x8f, "i16x8.add_sat_s", "vv:v"), SIMD(0x90, "i16x8.add_sat_u", "vv:v"),
    SIMD(0x91, "i16x8.sub", "vv:v"), SIMD(0x92, "i16x8.sub_sat_s", "vv:v"),
    SIMD(0x93, "i16x8.sub_sat_u", "vv:v"), SIMD(0x94, "f64x2.nearest", "v:v"),
    SIMD(0x95, "i16x8.mul", "vv:v"), SIMD(0x96, "i16x8.min_s", "vv:v"),
    SIMD(0x97, "i16x8.min_u", "vv:v"), SIMD(0x98, "i16x8.max_s", "vv:v"),
    SIMD(0x99, "i16x8.max_u", "vv:v"), SIMD(0x9b, "i16x8.avgr_u", "vv:v"),
    SIMD(0x9c, "i16x8.extmul_low_i8x16_s", "vv:v"), SIMD(0x9d, "i16x8.extmul_high_i8x16_s", "vv:v"),
    SIMD(0x9e, "i16x8.extmul_low_i8x16_u", "vv:v"), SIMD(0x9f, "i16x8.extmul_high_i8x16_u", "vv:v"),
    SIMD(0xa0, "i32x4.abs", "v:v"), SIMD(0xa1, "i32x4.neg", "v:v"),
    SIMD(0xa3, "i32x4.all_true", "v:i"), SIMD(0xa4, "i32x4.bitmask", "v:i"),
    SIMD(0xa7, "i32x4.extend_low_i16x8_s", "v:v"), SIMD(0xa8, "i32x4.extend_high_i16x8_s", "v:v"),
    SIMD(0xa9, "i32x4.extend_low_i16x8_u", "v:v"), SIMD(0xaa, "i32x4.extend_high_i16x8_u", "v:v"),
    SIMD(0xab, "i32x4.shl", "vi:v"), SIMD(0xac, "i32x4.shr_s", "vi:v"),
    SIMD(0xad, "i32x4.shr_u", "vi:v"), SIMD(0xae, "i32x4.add", "vv:v"),
    SIMD(0xb1, "i32x4.sub", "vv:v"), SIMD(0xb5, "i32x4.mul", "vv:v"),
    SIMD(0xb6, "i32x4.min_s", "vv:v"), SIMD(0xb7, "i32x4.min_u", "vv:v"),
    SIMD(0xb8, "i32x4.max_s", "vv:v"), SIMD(0xb9, "i32x4.max_u", "vv:v"),
    SIMD(0xba, "i32x4.dot_i16x8_s", "vv:v"),
    SIMD(0xbc, "i32x4.extmul_low_i16x8_s", "vv:v"), SIMD(0xbd, "i32x4.extmul_high_i16x8_s", "vv:v"),
    SIMD(0xbe, "i32x4.extmul_low_i16x8_u", "vv:v"), SIMD(0xbf, "i32x4.extmul_high_i16x8_u", "vv:v"),
    SIMD(0xc0, "i64x2.abs", "v:v"), SIMD(0xc1, "i64x2.neg", "v:v"),
    SIMD(0xc3, "i64x2.all_true", "v:i"), SIMD(0xc4, "i64x2.bitmask", "v:i"),
    SIMD(0xc7, "i64x2.extend_low_i32x4_s", "v:v"), SIMD(0xc8, "i64x2.extend_high_i32x4_s", "v:v"),
    SIMD(0xc9, "i64x2.extend_low_i32x4_u", "v:v"), SIMD(0xca, "i64x2.extend_high_i32x4_u", "v:v"),
    SIMD(0xcb, "i64x2.shl", "vi:v"), SIMD(0xcc, "i64x2.shr_s", "vi:v"),
    SIMD(0xcd, "i64x2.shr_u", "vi:v"), SIMD(0xce, "i64x2.add", "vv:v"),
    SIMD(0xd1, "i64x2.sub", "vv:v"), SIMD(0xd5, "i64x2.mul", "vv:v"),
    SIMD(0xd6, "i64x2.eq", "vv:v"), SIMD(0xd7, "i64x2.ne", "vv:v"),
    SIMD(0xd8, "i64x2.lt_s", "vv:v"), SIMD(0xd9, "i64x2.gt_s", "vv:v"),
    SIMD(0xda, "i64x2.le_s", "vv:v"), SIMD(0xdb, "i64x2.ge_s", "vv:v"),
    SIMD(0xdc, "i64x2.extmul_low_i32x4_s", "vv:v"), SIMD(0xdd, "i64x2.extmul_high_i32x4_s", "vv:v"),
    SIMD(0xde, "i64x2.extmul_low_i32x4_u", "vv:v"), SIMD(0xdf, "i64x2.extmul_high_i32x4_u", "vv:v"),
    SIMD(0xe0, "f32x4.abs", "v:v"), SIMD(0xe1, "f32x4.neg", "v:v"),
    SIMD(0xe3, "f32x4.sqrt", "v:v"), SIMD(0xe4, "f32x4.add", "vv:v"),
    SIMD(0xe5, "f32x4.sub", "vv:v"), SIMD(0xe6, "f32x4.mul", "vv:v"),
    SIMD(0xe7, "f32x4.div", "vv:v"), SIMD(0xe8, "f32x4.min", "vv:v"),
    SIMD(0xe9, "f32x4.max", "vv:v"), SIMD(0xea, "f32x4.pmin", "vv:v"),
    SIMD(0xeb, "f32x4.pmax", "vv:v"),
    SIMD(0xec, "f64x2.abs", "v:v"), SIMD(0xed, "f64x2.neg", "v:v"),
    SIMD(0xef, "f64x2.sqrt", "v:v"), SIMD(0xf0, "f64x2.add", "vv:v"),
    SIMD(0xf1, "f64x2.sub", "vv:v"), SIMD(0xf2, "f64x2.mul", "vv:v"),
    SIMD(0xf3, "f64x2.div", "vv:v"), SIMD(0xf4, "f64x2.min", "vv:v"),
    SIMD(0xf5, "f64x2.max", "vv:v"), SIMD(0xf6, "f64x2.pmin", "vv:v"),
    SIMD(0xf7, "f64x2.pmax", "vv:v"),
    SIMD(0xf8, "i32x4.trunc_sat_f32x4_s", "v:v"), SIMD(0xf9, "i32x4.trunc_sat_f32x4_u", "v:v"),
    SIMD(0xfa, "f32x4.convert_i32x4_s", "v:v"), SIMD(0xfb, "f32x4.convert_i32x4_u", "v:v"),
    SIMD(0xfc, "i32x4.trunc_sat_f64x2_s_zero", "v:v"),
    SIMD(0xfd, "i32x4.trunc_sat_f64x2_u_zero", "v:v"),
    SIMD(0xfe, "f64x2.convert_low_i32x4_s", "v:v"), SIMD(0xff, "f64x2.convert_low_i32x4_u", "v:v"),
    /* relaxed SIMD */
    RSIMD(0x100, "i8x16.relaxed_swizzle", "vv:v"),
    RSIMD(0x101, "i32x4.relaxed_trunc_f32x4_s", "v:v"),
    RSIMD(0x102, "i32x4.relaxed_trunc_f32x4_u", "v:v"),
    RSIMD(0x103, "i32x4.relaxed_trunc_f64x2_s_zero", "v:v"),
    RSIMD(0x104, "i32x4.relaxed_trunc_f64x2_u_zero", "v:v"),
    RSIMD(0x105, "f32x4.relaxed_madd", "vvv:v"), RSIMD(0x106, "f32x4.relaxed_nmadd", "vvv:v"),
    RSIMD(0x107, "f64x2.relaxed_madd", "vvv:v"), RSIMD(0x108, "f64x2.relaxed_nmadd", "vvv:v"),
    RSIMD(0x109, "i8x16.relaxed_laneselect", "vvv:v"),
    RSIMD(0x10a, "i16x8.relaxed_laneselect", "vvv:v"),
    RSIMD(0x10b, "i32x4.relaxed_laneselect", "vvv:v"),
    RSIMD(0x10c, "i64x2.relaxed_laneselect", "vvv:v"),
    RSIMD(0x10d, "f32x4.relaxed_min", "vv:v"), RSIMD(0x10e, "f32x4.relaxed_max", "vv:v"),
    RSIMD(0x10f, "f64x2.relaxed_min", "vv:v"), RSIMD(0x110, "f64x2.relaxed_max", "vv:v"),
    RSIMD(0x111, "i16x8.relaxed_q15mulr_s", "vv:v"),
    RSIMD(0x112, "i16x8.relaxed_dot_i8x16_i7x16_s", "vv:v"),
    RSIMD(0x113, "i32x4.relaxed_dot_i8x16_i7x16_add_s", "vvv:v"),
    /* 0xfe: threads */
    ATOM(0x00, "memory.atomic.notify", "ai:i"),
    ATOM(0x01, "memory.atomic.wait32", "ail:i"),
    ATOM(0x02, "memory.atomic.wait64", "all:i"),
    O(FE(0x03), "atomic.fence", WP_IMM_ZERO, WP_PROP_THREADS, 0, ":", NULL),
    ATOM(0x10, "i32.atomic.load", "a:i"), ATOM(0x11, "i64.atomic.load", "a:l"),
    ATOM(0x12, "i32.atomic.load8_u", "a:i"), ATOM(0x13, "i32.atomic.load16_u", "a:i"),
    ATOM(0x14, "i64.atomic.load8_u", "a:l"), ATOM(0x15, "i64.atomic.load16_u", "a:l"),
    ATOM(0x16, "i64.atomic.load32_u", "a:l"),
    ATOM(0x17, "i32.atomic.store", "ai:"), ATOM(0x18, "i64.atomic.store", "al:"),
    ATOM(0x19, "i32.atomic.store8", "ai:"), ATOM(0x1a, "i32.atomic.store16", "ai:"),
    ATOM(0x1b, "i64.atomic.store8", "al:"), ATOM(0x1c, "i64.atomic.store16", "al:"),
    ATOM(0x1d, "i64.atomic.store32", "al:"),
#define RMW(base, op)                                                                  \
  ATOM(base, "i32.atomic.rmw." op, "ai:i"), ATOM(base + 1, "i64.atomic.rmw." op, "al:l"), \
      ATOM(base + 2, "i32.atomic.rmw8." op "_u", "ai:i"),                              \
      ATOM(base + 3, "i32.atomic.rmw16." op "_u", "ai:i"),                             \
      ATOM(base + 4, "i64.atomic.rmw8." op "_u", "al:l"),                              \
      ATOM(base + 5, "i64.atomic.rmw16." op "_u", "al:l"),                             \
      ATOM(base + 6, "i64.atomic.rmw32." op "_u", "al:l")
    RMW(0x1e, "add"), RMW(0x25, "sub"), RMW(0x2c, "and"), RMW(0x33, "or"), RMW(0x3a, "xor"),
    RMW(0x41, "xchg"),
    ATOM(0x48, "i32.atomic.rmw.cmpxchg", "aii:i"), ATOM(0x49, "i64.atomic.rmw.cmpxchg", "all:l"),
    ATOM(0x4a, "i32.atomic.rmw8.cmpxchg_u", "aii:i"),
    ATOM(0x4b, "i32.atomic.rmw16.cmpxchg_u", "aii:i"),
    ATOM(0x4c, "i64.atomic.rmw8.cmpxchg_u", "all:l"),
    ATOM(0x4d, "i64.atomic.rmw16.cmpxchg_u", "all:l"),
    ATOM(0x4e, "i64.atomic.rmw32.cmpxchg_u", "all:l"),
  0);
}

static const wp_opinfo_t *table(void) {
  pthread_once(&ops_once, ops_fill);
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
