/*
** translate_atomic.c — the prelude part for the threads proposal's atomic
** instructions (included when a module uses them; translate.c).
**
** wasmplug runs no guest threads, so a memory is only ever accessed by
** one guest call at a time (and by the host between calls): the atomic
** instructions need their semantics, not their synchronisation.  Each
** checks its address's alignment (the effective address: memories start
** page-aligned) and traps with WP_T_UNALIGNED, then accesses memory like
** a plain load or store (out of bounds faults, as for every access: the
** guard-page reservation).  Under gcc the accesses are __atomic builtins
** anyway (sequentially consistent, as the proposal asks; the host may
** read the memory from another thread); tcc has no such builtins and
** uses volatile accesses.  memory.atomic.notify wakes nobody (no thread
** can be waiting): 0.  memory.atomic.wait32/64 trap on an unshared memory
** (the spec's "expected shared memory"); on a shared one they return 1
** ("not-equal") when the value differs, else wait out the timeout in the
** runtime (wp_rt->wait: nobody can notify) and return 2 ("timed-out"); a
** wait without a timeout could never end and traps instead.
*/
#include "translate.h"

const char wp_prelude_atomic[] =
    "/* atomic instructions (translate_atomic.c) */\n"
    "#ifdef __TINYC__\n"
    "typedef u16 wp_u16a; typedef u32 wp_u32a; typedef u64 wp_u64a;\n"
    "#else\n"
    "typedef u16 wp_u16a __attribute__((may_alias)); typedef u32 wp_u32a __attribute__((may_alias));\n"
    "typedef u64 wp_u64a __attribute__((may_alias));\n"
    "#endif\n"
    "#define wp_u8a u8\n"
    "WP_INLINE u8 *wp_al(u8 *p, u32 n) {\n"
    "  if (WP_UNLIKELY((u32)(uintptr_t)p & (n - 1))) wp_trap(WP_T_UNALIGNED);\n"
    "  return p;\n"
    "}\n"
    "#ifdef __TINYC__\n"
    "#define WP_ALD(W, p) (*(volatile wp_u##W##a *)wp_al(p, W / 8))\n"
    "#define WP_AST(W, p, v) (*(volatile wp_u##W##a *)wp_al(p, W / 8) = (v))\n"
    "#define WP_RMW(W, p, op, v) ({ volatile wp_u##W##a *q_ = (volatile wp_u##W##a *)wp_al(p, W / 8); \\\n"
    "  u##W o_ = *q_; *q_ = (u##W)WP_OP_##op(o_, (u##W)(v)); o_; })\n"
    "#define WP_CAS(W, p, e, r) ({ volatile wp_u##W##a *q_ = (volatile wp_u##W##a *)wp_al(p, W / 8); \\\n"
    "  u##W o_ = *q_; if (o_ == (u##W)(e)) *q_ = (u##W)(r); o_; })\n"
    "#define WP_FENCE() ((void)0)\n"
    "#else\n"
    "#define WP_ALD(W, p) __atomic_load_n((wp_u##W##a *)wp_al(p, W / 8), __ATOMIC_SEQ_CST)\n"
    "#define WP_AST(W, p, v) __atomic_store_n((wp_u##W##a *)wp_al(p, W / 8), (u##W)(v), __ATOMIC_SEQ_CST)\n"
    "#define WP_RMW(W, p, op, v) __atomic_fetch_##op((wp_u##W##a *)wp_al(p, W / 8), (u##W)(v), __ATOMIC_SEQ_CST)\n"
    "#define WP_CAS(W, p, e, r) ({ u##W e_ = (u##W)(e); \\\n"
    "  __atomic_compare_exchange_n((wp_u##W##a *)wp_al(p, W / 8), &e_, (u##W)(r), 0, __ATOMIC_SEQ_CST, \\\n"
    "                              __ATOMIC_SEQ_CST); e_; })\n"
    "#define WP_FENCE() __atomic_thread_fence(__ATOMIC_SEQ_CST)\n"
    "#define __atomic_fetch_xchg __atomic_exchange_n\n"
    "#endif\n"
    "#define WP_OP_add(a, b) ((a) + (b))\n"
    "#define WP_OP_sub(a, b) ((a) - (b))\n"
    "#define WP_OP_and(a, b) ((a) & (b))\n"
    "#define WP_OP_or(a, b) ((a) | (b))\n"
    "#define WP_OP_xor(a, b) ((a) ^ (b))\n"
    "#define WP_OP_xchg(a, b) (b)\n"
    /* loads and stores: wp_i32_atomic_load8_u ... (translate_func.c names
    ** the helper after the instruction, dots as underscores) */
    "#define wp_i32_atomic_load(p) ((u32)WP_ALD(32, p))\n"
    "#define wp_i64_atomic_load(p) ((u64)WP_ALD(64, p))\n"
    "#define wp_i32_atomic_load8_u(p) ((u32)WP_ALD(8, p))\n"
    "#define wp_i32_atomic_load16_u(p) ((u32)WP_ALD(16, p))\n"
    "#define wp_i64_atomic_load8_u(p) ((u64)WP_ALD(8, p))\n"
    "#define wp_i64_atomic_load16_u(p) ((u64)WP_ALD(16, p))\n"
    "#define wp_i64_atomic_load32_u(p) ((u64)WP_ALD(32, p))\n"
    "#define wp_i32_atomic_store(p, v) WP_AST(32, p, v)\n"
    "#define wp_i64_atomic_store(p, v) WP_AST(64, p, v)\n"
    "#define wp_i32_atomic_store8(p, v) WP_AST(8, p, v)\n"
    "#define wp_i32_atomic_store16(p, v) WP_AST(16, p, v)\n"
    "#define wp_i64_atomic_store8(p, v) WP_AST(8, p, v)\n"
    "#define wp_i64_atomic_store16(p, v) WP_AST(16, p, v)\n"
    "#define wp_i64_atomic_store32(p, v) WP_AST(32, p, v)\n"
    /* read-modify-write: the old value, zero-extended */
    "#define WP_RMWS(op) \\\n"
    "  WP_INLINE u32 wp_i32_atomic_rmw_##op(u8 *p, u32 v) { return (u32)WP_RMW(32, p, op, v); } \\\n"
    "  WP_INLINE u64 wp_i64_atomic_rmw_##op(u8 *p, u64 v) { return (u64)WP_RMW(64, p, op, v); } \\\n"
    "  WP_INLINE u32 wp_i32_atomic_rmw8_##op##_u(u8 *p, u32 v) { return (u32)WP_RMW(8, p, op, v); } \\\n"
    "  WP_INLINE u32 wp_i32_atomic_rmw16_##op##_u(u8 *p, u32 v) { return (u32)WP_RMW(16, p, op, v); } \\\n"
    "  WP_INLINE u64 wp_i64_atomic_rmw8_##op##_u(u8 *p, u64 v) { return (u64)WP_RMW(8, p, op, v); } \\\n"
    "  WP_INLINE u64 wp_i64_atomic_rmw16_##op##_u(u8 *p, u64 v) { return (u64)WP_RMW(16, p, op, v); } \\\n"
    "  WP_INLINE u64 wp_i64_atomic_rmw32_##op##_u(u8 *p, u64 v) { return (u64)WP_RMW(32, p, op, v); }\n"
    "WP_RMWS(add) WP_RMWS(sub) WP_RMWS(and) WP_RMWS(or) WP_RMWS(xor) WP_RMWS(xchg)\n"
    /* compare-exchange: the expected value wrapped to the access's width */
    "WP_INLINE u32 wp_i32_atomic_rmw_cmpxchg(u8 *p, u32 e, u32 r) { return (u32)WP_CAS(32, p, e, r); }\n"
    "WP_INLINE u64 wp_i64_atomic_rmw_cmpxchg(u8 *p, u64 e, u64 r) { return (u64)WP_CAS(64, p, e, r); }\n"
    "WP_INLINE u32 wp_i32_atomic_rmw8_cmpxchg_u(u8 *p, u32 e, u32 r) { return (u32)WP_CAS(8, p, e, r); }\n"
    "WP_INLINE u32 wp_i32_atomic_rmw16_cmpxchg_u(u8 *p, u32 e, u32 r) { return (u32)WP_CAS(16, p, e, r); }\n"
    "WP_INLINE u64 wp_i64_atomic_rmw8_cmpxchg_u(u8 *p, u64 e, u64 r) { return (u64)WP_CAS(8, p, e, r); }\n"
    "WP_INLINE u64 wp_i64_atomic_rmw16_cmpxchg_u(u8 *p, u64 e, u64 r) { return (u64)WP_CAS(16, p, e, r); }\n"
    "WP_INLINE u64 wp_i64_atomic_rmw32_cmpxchg_u(u8 *p, u64 e, u64 r) { return (u64)WP_CAS(32, p, e, r); }\n"
    "#define wp_atomic_fence() WP_FENCE()\n"
    /* notify and wait: `sh` says whether the memory is shared */
    "WP_INLINE u32 wp_anotify(u8 *p, u32 n) {\n"
    "  u32 v_ = WP_ALD(32, p); /* alignment and bounds (tcc drops a load cast to void) */\n"
    "  (void)n;\n"
    "  return v_ & 0;\n"
    "}\n"
    "WP_INLINE u32 wp_await(int sh, int eq, s64 t) {\n"
    "  if (!sh) wp_trap(WP_T_UNSHARED_WAIT);\n"
    "  if (!eq) return 1;\n"
    "  if (t < 0) wp_trap(WP_T_WAIT_FOREVER);\n"
    "  wp_rt->wait(t);\n"
    "  return 2;\n"
    "}\n";
