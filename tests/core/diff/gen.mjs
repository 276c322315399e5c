// gen.mjs — a seeded generator of valid random core WebAssembly modules
// for differential testing (see diff.mjs).  The same seed and options give
// the same module text and the same list of calls, on any machine.
//
// What a module holds: internal functions of random signatures (numbers,
// several results), exported test functions t0..tN taking and returning
// only i32/i64 (so that every engine can pass their values exactly, floats
// travelling as bit patterns), a memory with active and passive data,
// funcref tables with active/passive/declared element segments, globals of
// every number type, and the expressions between them: every integer and
// float operator, conversions (trapping and saturating), loads and stores at
// the memory's edges, bulk memory and table instructions, blocks, loops,
// if, br/br_if/br_table (with values), blocks with parameters and several
// results, direct and indirect calls, select, traps.
//
// Determinism across engines: wherever the spec lets engines differ the
// module makes the result deterministic itself, and checks the rule:
// - NaN payloads.  Every float arithmetic result goes through $chk32/$chk64
//   with its operands: a NaN result must be an arithmetic NaN, and a
//   canonical one when every NaN operand was canonical; violations count in
//   the exported global "violations"; the NaN itself is then replaced by the
//   positive canonical NaN.  Non-arithmetic operators (neg, abs, copysign,
//   reinterpret, loads/stores, locals, calls, select) must keep every bit,
//   and are not wrapped.
// - Termination.  A fuel global is set by each test function; every
//   function entry and loop iteration spends one, and running out traps
//   (unreachable) the same way everywhere.  Counted loops also stop alone.
// - Resource limits.  Memories and tables always have a small maximum, so
//   that growing succeeds or fails the same way everywhere.
// - Stack overflow.  Only the export "overflow" recurses without fuel, and
//   it has no side effect, so where it traps does not matter.
//
// Usage as a module: generate(seed, options) -> { wat, calls }.
// As a program: node gen.mjs SEED  (prints the module text).

// ------------------------------------------------------------------ random

class Rng {
  constructor(seed) {
    // splitmix32 to spread small seeds, then xorshift128.
    let s = (seed >>> 0) ^ 0x9e3779b9;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next() | 1; this.b = next(); this.c = next(); this.d = next();
  }
  u32() {
    let t = this.a ^ (this.a << 11);
    this.a = this.b; this.b = this.c; this.c = this.d;
    this.d = (this.d ^ (this.d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return this.d;
  }
  int(n) { return n <= 1 ? 0 : this.u32() % n; }          // [0, n)
  range(lo, hi) { return lo + this.int(hi - lo + 1); }     // [lo, hi]
  chance(p) { return this.u32() / 4294967296 < p; }
  pick(a) { return a[this.int(a.length)]; }
  u64() { return (BigInt(this.u32()) << 32n) | BigInt(this.u32()); }
  // Picks a key of `weights` ({name: weight}) by weight.
  weighted(weights) {
    let total = 0;
    for (const k in weights) total += weights[k];
    let r = this.int(total);
    for (const k in weights) { if (r < weights[k]) return k; r -= weights[k]; }
    throw new Error('unreachable');
  }
}

// ---------------------------------------------------------- value pools

const I32_EDGE = [0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x100,
  0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe,
  0xffffffff, 0xfff0, 0xfff8, 0xfffc, 0xffff0, 0x12345678, 0xdeadbeef, 0x55555555,
  0xaaaaaaaa, 0x01010101];
const I64_EDGE = [0n, 1n, 2n, 31n, 32n, 63n, 64n, 65n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n,
  0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn,
  0x8000000000000000n, 0x8000000000000001n, 0xfffffffffffffffen, 0xffffffffffffffffn,
  0xffffffff80000000n, 0xffffffff7fffffffn, 0x0123456789abcdefn, 0xfedcba9876543210n,
  0x5555555555555555n, 0x20000000000000n, 0x1fffffffffffffn];
// Bit patterns: zeros, ones, infinities, NaNs (canonical, arithmetic with a
// payload, signalling, negative), subnormals, extremes, halves (rounding),
// and the edges of every float->int conversion.
const F32_EDGE = [0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000,
  0x7fc00000, 0xffc00000, 0x7fc00001, 0x7fa00000, 0x7f800001, 0xff800001, 0x7fffffff,
  0x00000001, 0x80000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x3f000000,
  0xbf000000, 0x3fc00000, 0x40200000, 0xc0200000, 0x4effffff, 0x4f000000, 0xcf000000,
  0xcf000001, 0x4f7fffff, 0x4f800000, 0x5effffff, 0x5f000000, 0xdf000000, 0xdf000001,
  0x5f7fffff, 0x5f800000, 0xbf7fffff, 0x3f7fffff, 0x4b000000, 0x4b7fffff, 0x40490fdb,
  0x3eaaaaab, 0x4cbebc20];
const F64_EDGE = [0n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n,
  0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n,
  0x7ff8000000000001n, 0x7ff4000000000000n, 0x7ff0000000000001n, 0xfff0000000000001n,
  0x7fffffffffffffffn, 0x1n, 0x8000000000000001n, 0x000fffffffffffffn, 0x0010000000000000n,
  0x7fefffffffffffffn, 0xffefffffffffffffn, 0x3fe0000000000000n, 0xbfe0000000000000n,
  0x3ff8000000000000n, 0x4004000000000000n, 0xc004000000000000n,
  0x41dfffffffc00000n, 0x41dfffffffffffffn, 0x41e0000000000000n, 0xc1e0000000000000n,
  0xc1e0000000200000n, 0xc1e00000001fffffn, 0x41efffffffe00000n, 0x41efffffffffffffn,
  0x41f0000000000000n, 0x43dfffffffffffffn, 0x43e0000000000000n, 0xc3e0000000000000n,
  0xc3e0000000000001n, 0x43efffffffffffffn, 0x43f0000000000000n, 0xbfefffffffffffffn,
  0x3fefffffffffffffn, 0x4330000000000000n, 0x433fffffffffffffn, 0x400921fb54442d18n,
  0x3fd5555555555555n, 0x36a0000000000000n, 0x47efffffe0000000n, 0x47efffffefffffffn,
  0x3810000000000000n, 0x380fffffffffffffn, 0x36a0000000000001n];

function f32Text(bits) {
  bits >>>= 0;
  const sign = bits >>> 31 ? '-' : '';
  const exp = (bits >>> 23) & 0xff, mant = bits & 0x7fffff;
  if (exp === 0xff) return mant ? `${sign}nan:0x${mant.toString(16)}` : `${sign}inf`;
  const frac = ((mant << 1) >>> 0).toString(16).padStart(6, '0');
  return exp === 0 ? `${sign}0x0.${frac}p-126` : `${sign}0x1.${frac}p${exp - 127}`;
}

function f64Text(bits) {
  const sign = bits >> 63n ? '-' : '';
  const exp = Number((bits >> 52n) & 0x7ffn), mant = bits & 0xfffffffffffffn;
  if (exp === 0x7ff) return mant ? `${sign}nan:0x${mant.toString(16)}` : `${sign}inf`;
  const frac = mant.toString(16).padStart(13, '0');
  return exp === 0 ? `${sign}0x0.${frac}p-1022` : `${sign}0x1.${frac}p${exp - 1023}`;
}

const hex32 = (u) => `0x${(u >>> 0).toString(16)}`;
const hex64 = (u) => `0x${BigInt.asUintN(64, u).toString(16)}`;

// ------------------------------------------------------------ operators

const NUM = ['i32', 'i64', 'f32', 'f64'];
const INT_BIN = ['add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'and', 'or', 'xor',
  'shl', 'shr_s', 'shr_u', 'rotl', 'rotr'];
const INT_UN = { i32: ['clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s'],
  i64: ['clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s', 'extend32_s'] };
const INT_CMP = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
const F_BIN_ARITH = ['add', 'sub', 'mul', 'div', 'min', 'max'];
const F_UN_ARITH = ['sqrt', 'ceil', 'floor', 'trunc', 'nearest'];
const F_CMP = ['eq', 'ne', 'lt', 'gt', 'le', 'ge'];
// Conversions producing type T: [op, operand type, kind]; kind 'arith'
// means a NaN result must be checked, 'exact' that bits must be kept.
const CONV = {
  i32: [['i32.wrap_i64', 'i64'], ['i32.trunc_f32_s', 'f32'], ['i32.trunc_f32_u', 'f32'],
    ['i32.trunc_f64_s', 'f64'], ['i32.trunc_f64_u', 'f64'], ['i32.trunc_sat_f32_s', 'f32'],
    ['i32.trunc_sat_f32_u', 'f32'], ['i32.trunc_sat_f64_s', 'f64'], ['i32.trunc_sat_f64_u', 'f64'],
    ['i32.reinterpret_f32', 'f32']],
  i64: [['i64.extend_i32_s', 'i32'], ['i64.extend_i32_u', 'i32'], ['i64.trunc_f32_s', 'f32'],
    ['i64.trunc_f32_u', 'f32'], ['i64.trunc_f64_s', 'f64'], ['i64.trunc_f64_u', 'f64'],
    ['i64.trunc_sat_f32_s', 'f32'], ['i64.trunc_sat_f32_u', 'f32'], ['i64.trunc_sat_f64_s', 'f64'],
    ['i64.trunc_sat_f64_u', 'f64'], ['i64.reinterpret_f64', 'f64']],
  f32: [['f32.convert_i32_s', 'i32'], ['f32.convert_i32_u', 'i32'], ['f32.convert_i64_s', 'i64'],
    ['f32.convert_i64_u', 'i64'], ['f32.demote_f64', 'f64', 'arith'], ['f32.reinterpret_i32', 'i32']],
  f64: [['f64.convert_i32_s', 'i32'], ['f64.convert_i32_u', 'i32'], ['f64.convert_i64_s', 'i64'],
    ['f64.convert_i64_u', 'i64'], ['f64.promote_f32', 'f32', 'arith'], ['f64.reinterpret_i64', 'i64']],
};
const LOADS = {
  i32: [['i32.load', 4], ['i32.load8_s', 1], ['i32.load8_u', 1], ['i32.load16_s', 2], ['i32.load16_u', 2]],
  i64: [['i64.load', 8], ['i64.load8_s', 1], ['i64.load8_u', 1], ['i64.load16_s', 2],
    ['i64.load16_u', 2], ['i64.load32_s', 4], ['i64.load32_u', 4]],
  f32: [['f32.load', 4]], f64: [['f64.load', 8]],
};
const STORES = {
  i32: [['i32.store', 4], ['i32.store8', 1], ['i32.store16', 2]],
  i64: [['i64.store', 8], ['i64.store8', 1], ['i64.store16', 2], ['i64.store32', 4]],
  f32: [['f32.store', 4]], f64: [['f64.store', 8]],
};

// ------------------------------------------------------------ the module

const DEFAULTS = {
  funcs: 6,          // internal functions
  tests: 8,          // exported test functions
  callsPerTest: 4,   // argument vectors per test function
  bodySize: 40,      // rough node budget per function body
  imports: true,     // import from "spectest" sometimes
  avoid: [],         // known bugs not to trigger (diff.mjs KNOWN_BUGS)
};

export function generate(seed, options = {}) {
  const o = { ...DEFAULTS, ...options };
  const r = new Rng(seed);
  const g = new ModuleGen(r, o);
  return g.build();
}

class ModuleGen {
  constructor(r, o) {
    this.r = r;
    this.o = o;
    this.types = [];      // signatures for call_indirect: {params, results}
    this.funcs = [];      // {name, params, results}
    this.globals = [];    // {name, type, mut}
    this.datas = [];      // passive data segment names
    this.elems = [];      // passive element segment names (funcref)
    this.tables = [];     // {name, min, max, elem}
    this.mem = null;      // {min, max, imported}
    this.declared = new Set();
    this.slots = [];      // table 0 entries set by active segments: {index, f}
  }

  // -------------------------------------------------------- module level

  build() {
    const r = this.r, o = this.o;
    const out = [];
    // Memory: imported from spectest (1..2 pages) or defined with a max.
    if (o.imports && r.chance(0.2)) {
      this.mem = { min: 1, max: 2, imported: true };
    } else {
      const min = r.chance(0.05) ? 0 : r.range(1, 2);
      this.mem = { min, max: min + r.range(0, 2), imported: false };
    }
    // Tables: table 0 funcref (maybe the imported spectest one), sometimes
    // a second funcref table and an externref table.
    if (o.imports && r.chance(0.2)) this.tables.push({ name: '$tab0', min: 10, max: 20, elem: 'funcref', imported: true });
    else { const min = r.chance(0.05) ? 0 : r.range(1, 12); this.tables.push({ name: '$tab0', min, max: min + r.range(0, 6), elem: 'funcref' }); }
    if (r.chance(0.5)) { const min = r.range(1, 6); this.tables.push({ name: '$tab1', min, max: min + r.range(0, 4), elem: 'funcref' }); }
    if (r.chance(0.3)) { const min = r.range(0, 4); this.tables.push({ name: '$ext0', min, max: min + r.range(0, 4), elem: 'externref' }); }

    // Internal function signatures first (bodies refer to any function).
    const nf = o.funcs;
    for (let i = 0; i < nf; i++) {
      const np = r.range(0, 4), nr = r.chance(0.25) ? r.range(2, 3) : r.range(0, 1);
      const params = [], results = [];
      for (let k = 0; k < np; k++) params.push(r.pick(NUM));
      for (let k = 0; k < nr; k++) results.push(r.pick(NUM));
      this.funcs.push({ name: `$f${i}`, params, results, order: i });
    }
    if (o.imports && r.chance(0.3)) this.funcs.push({ name: '$print_i32', params: ['i32'], results: [], imported: 'print_i32', order: nf });
    // Types used by call_indirect: every internal signature plus a stray one.
    for (const f of this.funcs) this.typeIndex(f.params, f.results);
    this.typeIndex([r.pick(NUM)], [r.pick(NUM)]);

    // Globals: one of each number type, mutable or not, plus the fuel and
    // the NaN-rule violation counter.
    if (o.imports && r.chance(0.3)) this.globals.push({ name: '$gimp', type: 'i32', mut: false, imported: 'global_i32' });
    for (let i = 0; i < 6; i++) {
      const type = r.pick(NUM);
      this.globals.push({ name: `$g${i}`, type, mut: r.chance(0.7), init: this.constExpr(type) });
    }

    // Imports (must come first in the text).
    for (const f of this.funcs) if (f.imported)
      out.push(`  (import "spectest" "${f.imported}" (func ${f.name} (param i32)))`);
    for (const gl of this.globals) if (gl.imported)
      out.push(`  (import "spectest" "${gl.imported}" (global ${gl.name} i32))`);
    if (this.mem.imported) out.push(`  (import "spectest" "memory" (memory 1 2))`);
    for (const t of this.tables) if (t.imported) out.push(`  (import "spectest" "table" (table ${t.name} 10 20 funcref))`);

    // Types.
    this.types.forEach((t, i) => out.push(`  (type $sig${i} (func${sig(t.params, t.results)}))`));

    if (!this.mem.imported) out.push(`  (memory $mem ${this.mem.min} ${this.mem.max})`);
    for (const t of this.tables) if (!t.imported) out.push(`  (table ${t.name} ${t.min} ${t.max} ${t.elem})`);
    out.push(`  (global $fuel (mut i32) (i32.const 0))`);
    out.push(`  (global $violations (export "violations") (mut i32) (i32.const 0))`);
    for (const gl of this.globals) if (!gl.imported)
      out.push(`  (global ${gl.name} ${gl.mut ? `(mut ${gl.type})` : gl.type} ${gl.init})`);

    // Data: active segments within the initial memory, passive ones.
    const memBytes = this.mem.min * 65536;
    for (let i = 0, n = r.range(0, 3); i < n && memBytes > 0; i++) {
      const len = r.range(1, 24), off = r.chance(0.3) ? memBytes - len : r.int(Math.max(1, memBytes - len));
      out.push(`  (data (i32.const ${off}) "${this.bytes(len)}")`);
    }
    for (let i = 0, n = r.range(1, 3); i < n; i++) {
      const len = r.range(0, 20);
      this.datas.push({ name: `$d${i}`, len });
      out.push(`  (data $d${i} "${this.bytes(len)}")`);
    }
    // Elements: active in table 0 (within its initial size), passive
    // (function indices or expressions), and the declaration of every
    // function used by ref.func.
    const defined = this.funcs.filter((f) => !f.imported);
    const t0 = this.tables[0];
    if (t0.min > 0) for (let i = 0, n = r.range(1, 2); i < n; i++) {
      const len = r.range(1, Math.min(4, t0.min)), off = r.int(t0.min - len + 1);
      const fs = []; for (let k = 0; k < len; k++) fs.push(r.pick(defined).name);
      out.push(`  (elem (table $tab0) (i32.const ${off}) func ${fs.join(' ')})`);
    }
    // $stable: every defined function once, never written to, so that most
    // call_indirects find the function they expect.
    defined.forEach((f, k) => this.slots.push({ index: k, f }));
    out.push(`  (table $stable ${defined.length} ${defined.length} funcref)`);
    out.push(`  (elem (table $stable) (i32.const 0) func ${defined.map((f) => f.name).join(' ')})`);
    for (let i = 0, n = r.range(1, 2); i < n; i++) {
      if (r.chance(0.5)) {
        const fs = []; for (let k = 0, m = r.range(0, 4); k < m; k++) fs.push(r.pick(defined).name);
        this.elems.push({ name: `$e${i}`, len: fs.length });
        out.push(`  (elem $e${i} func ${fs.join(' ')})`);
      } else {
        const es = []; for (let k = 0, m = r.range(1, 4); k < m; k++)
          es.push(r.chance(0.3) ? '(ref.null func)' : `(ref.func ${r.pick(defined).name})`);
        this.elems.push({ name: `$e${i}`, len: es.length });
        out.push(`  (elem $e${i} funcref ${es.join(' ')})`);
      }
    }

    // Bodies.
    const bodies = [];
    for (const f of defined) bodies.push(this.funcText(f, false));
    const tests = [];
    for (let i = 0; i < o.tests; i++) {
      const np = r.range(0, 3), nr = r.range(0, 2);
      const params = [], results = [];
      for (let k = 0; k < np; k++) params.push(r.pick(['i32', 'i64']));
      for (let k = 0; k < nr; k++) results.push(r.pick(['i32', 'i64']));
      const t = { name: `$t${i}`, export: `t${i}`, params, results, order: -1 };
      tests.push(t);
      bodies.push(this.funcText(t, true));
    }
    out.push(...bodies);
    if (this.declared.size) out.push(`  (elem declare func ${[...this.declared].join(' ')})`);
    out.push(HELPERS);
    out.push(this.checksumText());

    // Calls: every test function with several argument vectors, shuffled;
    // the stack overflow export once, somewhere.
    const calls = [];
    for (const t of tests)
      for (let k = 0; k < o.callsPerTest; k++)
        calls.push({ fn: t.export, args: t.params.map((p) => this.argValue(p)) });
    for (let i = calls.length - 1; i > 0; i--) {
      const j = r.int(i + 1);
      [calls[i], calls[j]] = [calls[j], calls[i]];
    }
    calls.splice(r.int(calls.length + 1), 0, { fn: 'overflow', args: ['i32:0'] });
    return { wat: `(module\n${out.join('\n')}\n)\n`, calls };
  }

  typeIndex(params, results) {
    const key = `${params.join(',')}->${results.join(',')}`;
    let i = this.types.findIndex((t) => t.key === key);
    if (i < 0) { i = this.types.length; this.types.push({ key, params, results }); }
    return i;
  }

  bytes(n) {
    let s = '';
    for (let i = 0; i < n; i++) s += '\\' + this.r.int(256).toString(16).padStart(2, '0');
    return s;
  }

  // A constant initialiser (globals).
  constExpr(type) {
    const imp = this.globals.find((g) => g.imported);
    if (type === 'i32' && imp && this.r.chance(0.5)) return `(global.get ${imp.name})`;
    return this.constOf(type);
  }

  constOf(type) {
    const r = this.r;
    switch (type) {
      case 'i32': return `(i32.const ${hex32(r.chance(0.8) ? r.pick(I32_EDGE) : r.u32())})`;
      case 'i64': return `(i64.const ${hex64(r.chance(0.8) ? r.pick(I64_EDGE) : r.u64())})`;
      case 'f32': return `(f32.const ${f32Text(r.chance(0.8) ? r.pick(F32_EDGE) : r.u32())})`;
      case 'f64': return `(f64.const ${f64Text(r.chance(0.8) ? r.pick(F64_EDGE) : r.u64())})`;
    }
    throw new Error(type);
  }

  // An argument for a test function: integer edges, float bit patterns
  // (the test functions reinterpret their parameters), or random bits.
  argValue(type) {
    const r = this.r;
    if (type === 'i32') {
      const u = r.weighted({ edge: 4, float: 3, small: 2, rand: 1 });
      const v = u === 'edge' ? r.pick(I32_EDGE) : u === 'float' ? r.pick(F32_EDGE)
        : u === 'small' ? r.int(70000) : r.u32();
      return `i32:${(v >>> 0).toString(16)}`;
    }
    const u = r.weighted({ edge: 4, float: 3, small: 2, rand: 1 });
    const v = u === 'edge' ? r.pick(I64_EDGE) : u === 'float' ? r.pick(F64_EDGE)
      : u === 'small' ? BigInt(r.int(70000)) : r.u64();
    return `i64:${v.toString(16)}`;
  }

  // ---------------------------------------------------------- functions

  funcText(f, isTest) {
    const r = this.r;
    const fn = new FuncGen(this, f);
    const lines = [];
    // Fuel: tests refill it, every other entry spends one.
    if (isTest) lines.push(`(global.set $fuel (i32.const ${r.range(200, 3000)}))`);
    else lines.push('(if (i32.le_s (global.get $fuel) (i32.const 0)) (then unreachable))',
      '(global.set $fuel (i32.sub (global.get $fuel) (i32.const 1)))');
    fn.budget = this.o.bodySize;
    const nstmt = r.range(2, 6);
    for (let i = 0; i < nstmt; i++) lines.push(fn.stmt(0));
    lines.push(...f.results.map((t) => fn.expr(t, 0)));
    const head = `  (func ${f.name}${isTest ? ` (export "${f.export}")` : ''}` +
      f.params.map((p, i) => ` (param $p${i} ${p})`).join('') +
      (f.results.length ? ` (result ${f.results.join(' ')})` : '');
    const locals = fn.locals.slice(f.params.length).map((l) => ` (local ${l.name} ${l.type})`).join('');
    return `${head}${locals}\n    ${lines.join('\n    ')})`;
  }

  checksumText() {
    // Memory (every byte, 8 at a time), every global, and which table
    // entries are null: the state a call may have changed.
    const g = this.globals.map((gl) => {
      const v = gl.type === 'i32' ? `(i64.extend_i32_u (global.get ${gl.name}))`
        : gl.type === 'i64' ? `(global.get ${gl.name})`
        : gl.type === 'f32' ? `(i64.extend_i32_u (i32.reinterpret_f32 (global.get ${gl.name})))`
        : `(i64.reinterpret_f64 (global.get ${gl.name}))`;
      return `    (local.set $h (i64.mul (i64.xor (local.get $h) ${v}) (i64.const 0x100000001b3)))`;
    });
    const t = this.tables.map((tb) => `    (local.set $i (i32.const 0))
    (block $tdone (loop $tl
      (br_if $tdone (i32.ge_u (local.get $i) (table.size ${tb.name})))
      (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31))
        (i64.extend_i32_u (ref.is_null (table.get ${tb.name} (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $tl)))
    (local.set $h (i64.add (local.get $h) (i64.extend_i32_u (table.size ${tb.name}))))`);
    return `  (func (export "checksum") (result i64) (local $i i32) (local $h i64)
    (local.set $h (i64.const 0xcbf29ce484222325))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.mul (memory.size) (i32.const 65536))))
      (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load (local.get $i))) (i64.const 0x100000001b3)))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br $l)))
    (local.set $h (i64.add (local.get $h) (i64.extend_i32_u (memory.size))))
${g.join('\n')}
${t.join('\n')}
    (local.get $h))`;
  }
}

function sig(params, results) {
  return (params.length ? ` (param ${params.join(' ')})` : '') +
    (results.length ? ` (result ${results.join(' ')})` : '');
}

// The NaN rule checks and the stack overflow export (see the top comment).
const HELPERS = `  (func $canon32 (param $x f32) (result i32)
    (i32.or (f32.eq (local.get $x) (local.get $x))
      (i32.eq (i32.and (i32.reinterpret_f32 (local.get $x)) (i32.const 0x7fffffff)) (i32.const 0x7fc00000))))
  (func $canon64 (param $x f64) (result i32)
    (i32.or (f64.eq (local.get $x) (local.get $x))
      (i64.eq (i64.and (i64.reinterpret_f64 (local.get $x)) (i64.const 0x7fffffffffffffff)) (i64.const 0x7ff8000000000000))))
  (func $chk32 (param $r f32) (param $canon i32) (result f32)
    (if (f32.eq (local.get $r) (local.get $r)) (then (return (local.get $r))))
    (if (i32.eqz (i32.and (i32.reinterpret_f32 (local.get $r)) (i32.const 0x400000)))
      (then (global.set $violations (i32.add (global.get $violations) (i32.const 1)))))
    (if (i32.and (local.get $canon)
          (i32.ne (i32.and (i32.reinterpret_f32 (local.get $r)) (i32.const 0x7fffffff)) (i32.const 0x7fc00000)))
      (then (global.set $violations (i32.add (global.get $violations) (i32.const 0x100)))))
    (f32.const nan))
  (func $chk64 (param $r f64) (param $canon i32) (result f64)
    (if (f64.eq (local.get $r) (local.get $r)) (then (return (local.get $r))))
    (if (i64.eqz (i64.and (i64.reinterpret_f64 (local.get $r)) (i64.const 0x8000000000000)))
      (then (global.set $violations (i32.add (global.get $violations) (i32.const 1)))))
    (if (i32.and (local.get $canon)
          (i64.ne (i64.and (i64.reinterpret_f64 (local.get $r)) (i64.const 0x7fffffffffffffff)) (i64.const 0x7ff8000000000000)))
      (then (global.set $violations (i32.add (global.get $violations) (i32.const 0x100)))))
    (f64.const nan))
  (func $nonan32 (param $x f32) (result f32)
    (select (local.get $x) (f32.const 0) (f32.eq (local.get $x) (local.get $x))))
  (func $nonan64 (param $x f64) (result f64)
    (select (local.get $x) (f64.const 0) (f64.eq (local.get $x) (local.get $x))))
  (func $overflow (export "overflow") (param $n i32) (result i32)
    (i32.add (call $overflow (i32.add (local.get $n) (i32.const 1))) (local.get $n)))`;

// ------------------------------------------------------------ functions

class FuncGen {
  constructor(m, f) {
    this.m = m;
    this.r = m.r;
    this.f = f;
    this.locals = f.params.map((t, i) => ({ name: `$p${i}`, type: t, free: true }));
    this.labels = [];   // innermost last: {name, results: [types]}
    this.nlabel = 0;
    this.budget = 0;
    // Parameters of test functions are bit patterns of any type: give each
    // function a few ordinary locals of every number type too.
    for (const t of NUM) for (let k = 0, n = this.r.range(0, 2); k < n; k++) this.newLocal(t, true);
  }

  newLocal(type, free = false) {
    const l = { name: `$l${this.locals.length}`, type, free };
    this.locals.push(l);
    return l;
  }

  label(results) {
    const l = { name: `$L${this.nlabel++}`, results };
    return l;
  }

  // ---------------------------------------------------- expressions

  // Any expression of number type `t` (exactly one value).
  expr(t, depth) {
    const r = this.r;
    this.budget--;
    if (depth > 5 || this.budget <= 0 || r.chance(0.2)) return this.leaf(t);
    const isInt = t[0] === 'i';
    const w = isInt
      ? { leaf: 3, bin: 8, un: 3, cmp: t === 'i32' ? 4 : 0, fcmp: t === 'i32' ? 2 : 0, eqz: t === 'i32' ? 1 : 0,
        conv: 4, load: 5, select: 2, if: 2, block: 2, brtable: 1, loop: 1, call: 3, callind: 2,
        memsize: t === 'i32' ? 1 : 0, memgrow: t === 'i32' ? 1 : 0, tabsize: t === 'i32' ? 1 : 0,
        tabgrow: t === 'i32' ? 1 : 0, isnull: t === 'i32' ? 1 : 0, bparam: 1, reinterp: 2 }
      : { leaf: 3, bin: 6, copysign: 1, un: 3, neg: 2, conv: 4, load: 4, select: 2, if: 2, block: 2,
        brtable: 1, loop: 1, call: 3, callind: 2, bparam: 1, reinterp: 3 };
    const k = r.weighted(w);
    const d = depth + 1;
    switch (k) {
      case 'leaf': return this.leaf(t);
      case 'bin':
        if (isInt) {
          const op = r.pick(INT_BIN);
          let b = this.intOperand(t, d);
          // Divisors are mostly kept away from 0 (locals start at 0).
          if (/div|rem/.test(op) && r.chance(0.85)) b = `(${t}.or ${b} (${t}.const 1))`;
          return `(${t}.${op} ${this.intOperand(t, d)} ${b})`;
        }
        return this.checked(t, `${t}.${r.pick(F_BIN_ARITH)}`, [t, t], d);
      case 'un':
        if (isInt) return `(${t}.${r.pick(INT_UN[t])} ${this.expr(t, d)})`;
        return this.checked(t, `${t}.${r.pick(F_UN_ARITH)}`, [t], d);
      case 'neg': {
        const op = r.pick(['neg', 'abs']);
        // A known bug to keep out of the way (see KNOWN_BUGS in diff.mjs).
        if (op === 'neg' && this.m.o.avoid.includes('fneg-nan')) return `(${t}.neg (call $nonan${t.slice(1)} ${this.expr(t, d)}))`;
        return `(${t}.${op} ${this.expr(t, d)})`;
      }
      case 'copysign': return `(${t}.copysign ${this.expr(t, d)} ${this.expr(t, d)})`;
      case 'cmp': { const a = r.pick(['i32', 'i64']); return `(${a}.${r.pick(INT_CMP)} ${this.expr(a, d)} ${this.expr(a, d)})`; }
      case 'fcmp': { const a = r.pick(['f32', 'f64']); return `(${a}.${r.pick(F_CMP)} ${this.expr(a, d)} ${this.expr(a, d)})`; }
      case 'eqz': { const a = r.pick(['i32', 'i64']); return `(${a}.eqz ${this.expr(a, d)})`; }
      case 'conv': {
        let [op, from, kind] = r.pick(CONV[t]);
        // Half the trapping conversions become saturating ones.
        if (/trunc_f/.test(op) && r.chance(0.5)) op = op.replace('trunc_', 'trunc_sat_');
        if (kind === 'arith') return this.checked(t, op, [from], d);
        return `(${op} ${this.expr(from, d)})`;
      }
      case 'reinterp': return this.fromParam(t) || this.leaf(t);
      case 'load': return this.load(t, d);
      case 'select':
        return r.chance(0.5) ? `(select ${this.expr(t, d)} ${this.expr(t, d)} ${this.expr('i32', d)})`
          : `(select (result ${t}) ${this.expr(t, d)} ${this.expr(t, d)} ${this.expr('i32', d)})`;
      case 'if': {
        const L = this.label([t]);
        const cond = this.expr('i32', d); // outside the if: its label is not in scope
        this.labels.push(L);
        const s = `(if ${L.name} (result ${t}) ${cond} (then ${this.stmts(d, 2)} ${this.expr(t, d)}) (else ${this.stmts(d, 2)} ${this.expr(t, d)}))`;
        this.labels.pop();
        return s;
      }
      case 'block': {
        const L = this.label([t]);
        this.labels.push(L);
        let body = this.stmts(d, 3);
        if (r.chance(0.5)) body += ` (drop (br_if ${L.name} ${this.expr(t, d)} ${this.expr('i32', d)}))`;
        const s = r.chance(0.4) ? `(block ${L.name} (result ${t}) ${body} (br_if ${L.name} ${this.expr(t, d)} ${this.expr('i32', d)}))`
          : `(block ${L.name} (result ${t}) ${body} ${this.expr(t, d)})`;
        this.labels.pop();
        return s;
      }
      case 'brtable': return this.brTable(t, d);
      case 'loop': {
        // A counted loop producing a value: the counter is its own local.
        const c = this.newLocal('i32');
        const L = this.label([]);
        this.labels.push(L);
        const body = this.stmts(d, 2);
        this.labels.pop();
        return `(block (result ${t}) (local.set ${c.name} (i32.const ${r.range(1, 4)})) (loop ${L.name} (result ${t}) ${FUEL} ${body} ` +
          `(br_if ${L.name} (i32.ne (local.tee ${c.name} (i32.sub (local.get ${c.name}) (i32.const 1))) (i32.const 0))) ${this.expr(t, d)}))`;
      }
      case 'call': return this.call(t, d) || this.leaf(t);
      case 'callind': return this.callIndirect(t, d) || this.leaf(t);
      case 'memsize': return '(memory.size)';
      case 'memgrow': return `(memory.grow ${this.smallOr(d, 3)})`;
      case 'tabsize': return `(table.size ${r.pick(this.m.tables).name})`;
      case 'tabgrow': {
        const tb = r.pick(this.m.tables);
        return `(table.grow ${tb.name} ${this.ref(tb.elem, d)} ${this.smallOr(d, 3)})`;
      }
      case 'isnull': {
        const tb = r.pick(this.m.tables);
        return `(ref.is_null ${r.chance(0.7) ? `(table.get ${tb.name} ${this.tableIndex(tb, d)})` : this.ref(tb.elem, d)})`;
      }
      case 'bparam': {
        // A block taking parameters from the stack.
        const ps = [];
        for (let i = 0, n = r.range(1, 3); i < n; i++) ps.push(r.pick(NUM));
        const args = ps.map((p) => this.expr(p, d)).join(' ');
        const tmp = ps.map((p) => this.newLocal(p, true));
        const sets = tmp.slice().reverse().map((l) => `(local.set ${l.name})`).join(' ');
        return `(block (result ${t}) ${args} (block (param ${ps.join(' ')}) (result ${t}) ${sets} ${this.expr(t, d)}))`;
      }
    }
    throw new Error(k);
  }

  // Integer operands: biased towards shift counts and divisors that matter.
  intOperand(t, d) {
    return this.r.chance(0.25) ? this.leaf(t) : this.expr(t, d);
  }

  // A float arithmetic result, checked against the NaN rules.
  checked(t, op, operandTypes, d) {
    const tmps = operandTypes.map((ot) => this.newLocal(ot));
    const ops = operandTypes.map((ot, i) => `(local.tee ${tmps[i].name} ${this.expr(ot, d)})`).join(' ');
    const canon = tmps.map((l) => `(call $canon${l.type.slice(1)} (local.get ${l.name}))`);
    const all = canon.length === 1 ? canon[0] : `(i32.and ${canon.join(' ')})`;
    return `(call $chk${t.slice(1)} (${op} ${ops}) ${all})`;
  }

  leaf(t) {
    const r = this.r;
    const k = r.weighted({ const: 3, local: 3, global: 1, param: 2 });
    if (k === 'local') {
      const ls = this.locals.filter((l) => l.type === t);
      if (ls.length) return `(local.get ${r.pick(ls).name})`;
    } else if (k === 'global') {
      const gs = this.m.globals.filter((g) => g.type === t);
      if (gs.length) return `(global.get ${r.pick(gs).name})`;
    } else if (k === 'param') {
      const p = this.fromParam(t);
      if (p) return p;
    }
    return this.m.constOf(t);
  }

  // A parameter of the function, reinterpreted to type t when needed.
  fromParam(t) {
    const ps = this.locals.filter((l) => l.name.startsWith('$p'));
    if (!ps.length) return null;
    const p = this.r.pick(ps);
    const v = `(local.get ${p.name})`;
    if (p.type === t) return v;
    switch (`${p.type}>${t}`) {
      case 'i32>i64': return `(i64.extend_i32_u ${v})`;
      case 'i64>i32': return `(i32.wrap_i64 ${v})`;
      case 'i32>f32': return `(f32.reinterpret_i32 ${v})`;
      case 'i64>f64': return `(f64.reinterpret_i64 ${v})`;
      case 'i32>f64': return `(f64.convert_i32_s ${v})`;
      case 'i64>f32': return `(f32.reinterpret_i32 (i32.wrap_i64 ${v}))`;
      case 'f32>i32': return `(i32.reinterpret_f32 ${v})`;
      case 'f64>i64': return `(i64.reinterpret_f64 ${v})`;
      case 'f32>i64': return `(i64.extend_i32_u (i32.reinterpret_f32 ${v}))`;
      case 'f64>i32': return `(i32.wrap_i64 (i64.reinterpret_f64 ${v}))`;
      case 'f32>f64': return `(f64.reinterpret_i64 (i64.extend_i32_u (i32.reinterpret_f32 ${v})))`;
      case 'f64>f32': return `(f32.reinterpret_i32 (i32.wrap_i64 (i64.reinterpret_f64 ${v})))`;
    }
    return null;
  }

  smallOr(d, max) {
    return this.r.chance(0.8) ? `(i32.const ${this.r.range(0, max)})` : this.expr('i32', d);
  }

  // A memory address: mostly in the first page, sometimes at the very end
  // of the initial memory, sometimes anything.
  address(d, width) {
    const r = this.r, m = this.m.mem;
    const k = r.weighted({ masked: 120, edge: 2, any: 1 });
    if (k === 'masked') return `(i32.and ${this.expr('i32', d)} (i32.const ${r.pick([0xff, 0xfff, 0xfff8, 0xfff0, 0xfff0, 0xffff])}))`;
    if (k === 'edge') {
      const end = Math.max(m.min, 1) * 65536;
      return `(i32.const ${end - width + r.range(-4, 4)})`;
    }
    return this.expr('i32', d);
  }

  memarg(width) {
    const r = this.r;
    let s = '';
    if (r.chance(0.3)) s += ` offset=${r.chance(0.97) ? r.pick([0, 1, 4, 8, 255, 4096]) : r.pick([65535, 65536, 0xfffffff0, 0xffffffff])}`;
    if (r.chance(0.3)) {
      const maxlog = Math.log2(width);
      s += ` align=${1 << r.range(0, maxlog)}`;
    }
    return s;
  }

  load(t, d) {
    const [op, width] = this.r.pick(LOADS[t]);
    return `(${op}${this.memarg(width)} ${this.address(d, width)})`;
  }

  brTable(t, d) {
    // Nested blocks of result t; the innermost br_table picks one, each
    // block's value is then combined with a constant on its way out.
    const r = this.r;
    const n = r.range(2, 4);
    const ls = [];
    for (let i = 0; i < n; i++) ls.push(this.label([t]));
    for (const L of ls) this.labels.push(L);
    const targets = [];
    for (let i = 0, m = r.range(0, 5); i < m; i++) targets.push(r.pick(ls).name);
    targets.push(r.pick(ls).name);
    let s = `(br_table ${targets.join(' ')} ${this.expr(t, d)} ${r.chance(0.5) ? `(i32.const ${r.range(0, 7)})` : this.expr('i32', d)})`;
    for (let i = n - 1; i >= 0; i--) {
      this.labels.pop();
      const inner = `(block ${ls[i].name} (result ${t}) ${s})`;
      s = i === 0 ? inner : this.combine(t, inner);
    }
    return s;
  }

  combine(t, e) {
    const c = this.m.constOf(t);
    return t[0] === 'i' ? `(${t}.${this.r.pick(['add', 'xor', 'sub'])} ${e} ${c})` : `(${t}.copysign ${c} ${e})`;
  }

  // Direct calls go down the list of functions only (tests call any), so
  // that fuel seldom runs out; call_indirect can still recurse.
  callees() {
    return this.m.funcs.filter((f) => f.order > this.f.order);
  }

  // A call to a function having t among its results.
  call(t, d) {
    const fs = this.callees().filter((f) => f.results.includes(t));
    if (!fs.length) return null;
    const f = this.r.pick(fs);
    const args = f.params.map((p) => this.expr(p, d)).join(' ');
    return this.pickResult(`(call ${f.name} ${args})`, f.results, t);
  }

  // Mostly through a slot an active segment filled, with that function's
  // type (the table may have changed since: that is fine too).
  callIndirect(t, d) {
    const r = this.r;
    const slots = this.m.slots.filter((s) => s.f.results.includes(t) && s.f.order > this.f.order);
    if (slots.length && r.chance(0.9)) {
      const s = r.pick(slots);
      const i = this.m.typeIndex(s.f.params, s.f.results);
      const args = s.f.params.map((p) => this.expr(p, d)).join(' ');
      return this.pickResult(`(call_indirect $stable (type $sig${i}) ${args} (i32.const ${s.index}))`, s.f.results, t);
    }
    const ts = this.m.types.map((ty, i) => ({ ...ty, i })).filter((ty) => ty.results.includes(t));
    const tabs = this.m.tables.filter((tb) => tb.elem === 'funcref');
    if (!ts.length || r.chance(0.7)) return null;
    const ty = r.pick(ts), tb = r.pick(tabs);
    const args = ty.params.map((p) => this.expr(p, d)).join(' ');
    return this.pickResult(`(call_indirect ${tb.name} (type $sig${ty.i}) ${args} ${this.tableIndex(tb, d)})`, ty.results, t);
  }

  // One value of type t out of an instruction producing `results`.
  pickResult(instr, results, t) {
    if (results.length === 1) return instr;
    const idx = results.map((x, i) => (x === t ? i : -1)).filter((i) => i >= 0);
    const want = this.r.pick(idx);
    const tmps = results.map((x) => this.newLocal(x));
    const sets = tmps.slice().reverse().map((l) => `(local.set ${l.name})`).join(' ');
    return `(block (result ${t}) ${instr} ${sets} (local.get ${tmps[want].name}))`;
  }

  // A table index: mostly within the table's initial size.
  tableIndex(tb, d) {
    const r = this.r;
    const k = r.weighted({ in: tb.min ? 60 : 0, edge: 2, any: 1 });
    if (k === 'in') return `(i32.const ${r.int(tb.min)})`;
    if (k === 'edge') return `(i32.const ${tb.min + r.range(-1, 2)})`;
    return this.expr('i32', d);
  }

  ref(elem, d) {
    const r = this.r;
    if (elem === 'externref') {
      const exts = this.m.tables.filter((tb) => tb.elem === 'externref');
      return r.chance(0.5) && exts.length ? `(table.get ${exts[0].name} ${this.tableIndex(exts[0], d)})` : '(ref.null extern)';
    }
    const k = r.weighted({ null: 1, func: 3, get: 1 });
    if (k === 'func') {
      const f = r.pick(this.m.funcs.filter((x) => !x.imported));
      this.m.declared.add(f.name);
      return `(ref.func ${f.name})`;
    }
    if (k === 'get') {
      const tb = r.pick(this.m.tables.filter((x) => x.elem === 'funcref'));
      return `(table.get ${tb.name} ${this.tableIndex(tb, d)})`;
    }
    return '(ref.null func)';
  }

  // ---------------------------------------------------- statements

  stmts(depth, max) {
    const n = this.r.range(0, max);
    const s = [];
    for (let i = 0; i < n; i++) s.push(this.stmt(depth));
    return s.join(' ');
  }

  stmt(depth) {
    const r = this.r;
    this.budget--;
    const d = depth + 1;
    if (depth > 4 || this.budget <= 0) return this.simpleStmt(d);
    const k = r.weighted({ simple: 12, if: 2, block: 2, loop: 2, br: 2, brtable: 1, multi: 1, callv: 2,
      bulk: 2, table: 1, ret: 1, trap: 1 });
    switch (k) {
      case 'simple': return this.simpleStmt(d);
      case 'if': {
        const L = this.label([]);
        const cond = this.expr('i32', d);
        this.labels.push(L);
        const s = `(if ${L.name} ${cond} (then ${this.stmts(d, 3)})${r.chance(0.6) ? ` (else ${this.stmts(d, 3)})` : ''})`;
        this.labels.pop();
        return s;
      }
      case 'block': {
        const L = this.label([]);
        this.labels.push(L);
        const s = `(block ${L.name} ${this.stmts(d, 4)})`;
        this.labels.pop();
        return s;
      }
      case 'loop': {
        const c = this.newLocal('i32');
        const L = this.label([]);
        this.labels.push(L);
        const s = `(local.set ${c.name} (i32.const ${r.range(1, 5)})) (loop ${L.name} ${FUEL} ${this.stmts(d, 4)} ` +
          `(br_if ${L.name} (i32.ne (local.tee ${c.name} (i32.sub (local.get ${c.name}) (i32.const 1))) (i32.const 0))))`;
        this.labels.pop();
        return s;
      }
      case 'br': {
        if (!this.labels.length) return this.simpleStmt(d);
        const L = r.pick(this.labels);
        const vals = L.results.map((t) => this.expr(t, d)).join(' ');
        if (r.chance(0.3)) return `(br ${L.name} ${vals})`;
        const drops = L.results.map(() => '(drop)').join(' ');
        return `(br_if ${L.name} ${vals} ${this.expr('i32', d)}) ${drops}`;
      }
      case 'brtable': {
        const vs = this.labels.filter((L) => !L.results.length);
        if (!vs.length) return this.simpleStmt(d);
        const ts = [];
        for (let i = 0, n = r.range(1, 4); i < n; i++) ts.push(r.pick(vs).name);
        return `(br_table ${ts.join(' ')} ${this.expr('i32', d)})`;
      }
      case 'multi': {
        // A block with several results, stored into locals.
        const rs = [];
        for (let i = 0, n = r.range(2, 3); i < n; i++) rs.push(r.pick(NUM));
        const L = this.label(rs);
        this.labels.push(L);
        const body = `${this.stmts(d, 2)} ${rs.map((t) => this.expr(t, d)).join(' ')}`;
        this.labels.pop();
        const tmps = rs.map((t) => this.newLocal(t, true));
        return `(block ${L.name} (result ${rs.join(' ')}) ${body}) ${tmps.slice().reverse().map((l) => `(local.set ${l.name})`).join(' ')}`;
      }
      case 'callv': {
        const fs = this.callees();
        if (!fs.length) return this.simpleStmt(d);
        const f = r.pick(fs);
        const args = f.params.map((p) => this.expr(p, d)).join(' ');
        return `(call ${f.name} ${args})${' (drop)'.repeat(f.results.length)}`;
      }
      case 'bulk': return this.bulkStmt(d);
      case 'table': return this.tableStmt(d);
      case 'ret': {
        if (!r.chance(0.3)) return this.simpleStmt(d);
        const vals = this.f.results.map((t) => this.expr(t, d)).join(' ');
        return `(if ${this.expr('i32', d)} (then (return ${vals})))`;
      }
      case 'trap': return `(if (i32.eq ${this.expr('i32', d)} ${this.m.constOf('i32')}) (then unreachable))`;
    }
    throw new Error(k);
  }

  simpleStmt(d) {
    const r = this.r;
    const k = r.weighted({ set: 5, gset: 2, store: 4, drop: 1 });
    if (k === 'set') {
      const ls = this.locals.filter((l) => l.free);
      if (ls.length) { const l = r.pick(ls); return `(local.set ${l.name} ${this.expr(l.type, d)})`; }
    }
    if (k === 'gset') {
      const gs = this.m.globals.filter((g) => g.mut);
      if (gs.length) { const g = r.pick(gs); return `(global.set ${g.name} ${this.expr(g.type, d)})`; }
    }
    if (k === 'store' || k === 'set' || k === 'gset') {
      const t = r.pick(NUM);
      const [op, width] = r.pick(STORES[t]);
      return `(${op}${this.memarg(width)} ${this.address(d, width)} ${this.expr(t, d)})`;
    }
    return `(drop ${this.expr(r.pick(NUM), d)})`;
  }

  // Lengths and offsets for bulk instructions: small, at the edges, or any.
  bulkLen(d) {
    const r = this.r;
    const k = r.weighted({ small: 30, edge: 1, any: 1 });
    if (k === 'small') return `(i32.const ${r.range(0, 40)})`;
    if (k === 'edge') return `(i32.const ${r.pick([0x10000, 0xffff, 0x7fffffff, 0xffffffff, 0x20000])})`;
    return this.expr('i32', d);
  }

  bulkStmt(d) {
    const r = this.r;
    const k = r.weighted({ fill: 6, copy: 6, init: 4, drop: 1 });
    const addr = () => this.address(d, 16);
    switch (k) {
      case 'fill': return `(memory.fill ${addr()} ${this.expr('i32', d)} ${this.bulkLen(d)})`;
      case 'copy': return `(memory.copy ${addr()} ${addr()} ${this.bulkLen(d)})`;
      case 'init': {
        // Mostly a range within the segment.
        const seg = r.pick(this.m.datas);
        if (r.chance(0.9)) {
          const off = r.range(0, seg.len), n = r.range(0, seg.len - off);
          return `(memory.init ${seg.name} ${addr()} (i32.const ${off}) (i32.const ${n}))`;
        }
        return `(memory.init ${seg.name} ${addr()} (i32.const ${r.range(0, 22)}) ${this.bulkLen(d)})`;
      }
      case 'drop': return `(data.drop ${r.pick(this.m.datas).name})`;
    }
    throw new Error(k);
  }

  tableStmt(d) {
    const r = this.r;
    const k = r.weighted({ set: 6, fill: 4, copy: 4, init: 4, drop: 1, grow: 2 });
    const tb = r.pick(this.m.tables);
    const funcTabs = this.m.tables.filter((x) => x.elem === 'funcref');
    const len = () => (r.chance(0.85) ? `(i32.const ${r.range(0, 5)})` : this.expr('i32', d));
    switch (k) {
      case 'set': return `(table.set ${tb.name} ${this.tableIndex(tb, d)} ${this.ref(tb.elem, d)})`;
      case 'fill': return `(table.fill ${tb.name} ${this.tableIndex(tb, d)} ${this.ref(tb.elem, d)} ${len()})`;
      case 'copy': {
        const same = this.m.tables.filter((x) => x.elem === tb.elem);
        return `(table.copy ${tb.name} ${r.pick(same).name} ${this.tableIndex(tb, d)} ${this.tableIndex(tb, d)} ${len()})`;
      }
      case 'init': {
        const ft = r.pick(funcTabs), seg = r.pick(this.m.elems);
        if (r.chance(0.85)) {
          const off = r.range(0, seg.len), n = r.range(0, Math.min(seg.len - off, ft.min));
          return `(table.init ${ft.name} ${seg.name} (i32.const ${r.range(0, ft.min - n)}) (i32.const ${off}) (i32.const ${n}))`;
        }
        return `(table.init ${ft.name} ${seg.name} ${this.tableIndex(ft, d)} (i32.const ${r.range(0, 4)}) ${len()})`;
      }
      case 'drop': return `(elem.drop ${r.pick(this.m.elems).name})`;
      case 'grow': return `(drop (table.grow ${tb.name} ${this.ref(tb.elem, d)} ${len()}))`;
    }
    throw new Error(k);
  }
}

const FUEL = '(if (i32.le_s (global.get $fuel) (i32.const 0)) (then unreachable)) (global.set $fuel (i32.sub (global.get $fuel) (i32.const 1)))';

// ------------------------------------------------------------------ main

if (import.meta.url === `file://${process.argv[1]}`) {
  const seed = Number(process.argv[2] || 1);
  const { wat, calls } = generate(seed);
  process.stdout.write(wat);
  for (const c of calls) process.stdout.write(`;; ${c.fn} ${c.args.join(' ')}\n`);
}
