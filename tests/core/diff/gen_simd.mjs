// gen_simd.mjs — writes own/simd_ops.wast: every SIMD instruction of the
// opcode table (src/core/opcodes.c) on edge-case lanes, with the results
// V8 computes (Node's engine as the reference).
//
//   node tests/core/diff/gen_simd.mjs > tests/core/diff/own/simd_ops.wast
//
// The embedding API has no v128 value, so each test function takes its
// vectors as pairs of i64 (low half first) and returns them the same way;
// floats cross as their bits.  Lanes of a float result that are NaN are
// reduced to their quiet bit and exponent (bits & 0x7fc00000...) inside
// the module, because Wasm leaves a NaN's sign and payload open but not
// that it is quiet (an "arithmetic" NaN).  Relaxed SIMD is not compared
// (its results are implementation-defined; own/simd_relaxed.wast).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const { parse } = await import(path.join(root, 'tools/npm/node_modules/@bytecodealliance/jco-transpile/dist/wasm-tools.js'));

// ------------------------------------------------ the instructions
const table = fs.readFileSync(path.join(root, 'src/core/opcodes.c'), 'utf8');
const ops = [];
for (const m of table.matchAll(/(?<!R)SIMD\((0x[0-9a-f]+), "([^"]+)", "([^"]+)"\)/g)) ops.push({ name: m[2], sig: m[3], imm: 'none' });
for (const m of table.matchAll(/O\(FD\(0x[0-9a-f]+\), "([^"]+)", WP_IMM_LANE, WP_PROP_SIMD, 0, "([^"]+)"/g))
  ops.push({ name: m[1], sig: m[2], imm: 'lane' });
const lanesOf = (n) => ({ i8x16: 16, i16x8: 8, i32x4: 4, i64x2: 2, f32x4: 4, f64x2: 2 })[n.slice(0, 5)];

// ------------------------------------------------ inputs
let seed = 12345;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const f32bits = (x) => { const b = new DataView(new ArrayBuffer(4)); b.setFloat32(0, x, true); return BigInt(b.getUint32(0, true)); };
const f64bits = (x) => { const b = new DataView(new ArrayBuffer(8)); b.setFloat64(0, x, true); return b.getBigUint64(0, true); };
const EDGE = {
  8: [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x81n, 0x40n],
  16: [0n, 1n, 0x7fffn, 0x8000n, 0xffffn, 0x8001n, 0x4000n, 0x00ffn],
  32: [0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x80000001n,
       ...[0, -0, 1, -1.5, 2.5, 0.5, -2.5, Infinity, -Infinity, 3e9, -3e9, 1e-40, 3.4e38, 65535.5].map(f32bits),
       0x7fc00000n, 0xffc00000n, 0x7fa00000n, 0x7f800001n],
  64: [0n, 1n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn,
       ...[0, -0, 1, -1.5, 2.5, 4294967296.5, -2147483649, Infinity, -Infinity, 1e300, 5e-324, 1e-310].map(f64bits),
       0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff4000000000000n],
};
function vec(width) {
  let v = 0n;
  for (let i = 0; i < 128 / width; i++) {
    const lane = rnd() < 0.2 ? BigInt(Math.floor(rnd() * 2 ** 30)) & ((1n << BigInt(width)) - 1n) : pick(EDGE[width]);
    v |= lane << BigInt(i * width);
  }
  return v;
}
const M64 = (1n << 64n) - 1n;
const halves = (v) => [v & M64, v >> 64n];

// ------------------------------------------------ the module
const scal = { i: 'i32', l: 'i64', f: 'i32', d: 'i64' }; // how scalars cross (floats as bits)
const floatResult = (op) =>
  /^(f32x4|f64x2)\./.test(op.name) && !/\.(eq|ne|lt|gt|le|ge|abs|neg|pmin|pmax|splat|replace_lane|extract_lane)$/.test(op.name);
const funcs = [], tests = [];
function addFunc(name, op, lane) {
  const [ps, r] = op.sig.split(':');
  const params = [], body = [];
  let k = 0;
  for (const p of ps) {
    if (p === 'v') {
      params.push('i64', 'i64');
      body.push(`(i64x2.replace_lane 1 (i64x2.replace_lane 0 (v128.const i64x2 0 0) (local.get ${k})) (local.get ${k + 1}))`);
      k += 2;
    } else {
      params.push(scal[p]);
      body.push(p === 'f' ? `(f32.reinterpret_i32 (local.get ${k}))` : p === 'd' ? `(f64.reinterpret_i64 (local.get ${k}))` : `(local.get ${k})`);
      k++;
    }
  }
  const imm = lane !== undefined ? ` ${lane}` : '';
  let expr = `(${op.name}${imm} ${body.join(' ')})`;
  let results;
  if (r === 'v') {
    if (floatResult(op)) {
      const sh = op.name.startsWith('f32x4') || /^f32x4\.(demote|convert)/.test(op.name) ? 'f32x4' : 'f64x2';
      const q = sh === 'f32x4' ? 'i32x4 0x7fc00000 0x7fc00000 0x7fc00000 0x7fc00000' : 'i64x2 0x7ff8000000000000 0x7ff8000000000000';
      expr = `(local.set $r ${expr}) (v128.bitselect (v128.and (local.get $r) (v128.const ${q})) (local.get $r) (${sh}.ne (local.get $r) (local.get $r)))`;
    }
    expr = `(local.set $o ${expr.startsWith('(local.set $r') ? `(block (result v128) ${expr})` : expr}) ` +
      `(i64x2.extract_lane 0 (local.get $o)) (i64x2.extract_lane 1 (local.get $o))`;
    results = ['i64', 'i64'];
  } else if (r === 'f') {
    expr = `(i32.reinterpret_f32 ${expr})`;
    results = ['i32'];
  } else if (r === 'd') {
    expr = `(i64.reinterpret_f64 ${expr})`;
    results = ['i64'];
  } else {
    results = [scal[r]];
  }
  funcs.push(`  (func (export "${name}") (param ${params.join(' ')}) (result ${results.join(' ')}) (local $r v128) (local $o v128)\n    ${expr})`);
  return params;
}
const SCALAR_IN = {
  i32: [0n, 1n, 7n, 8n, 15n, 16n, 31n, 33n, 63n, 65n, 0x80n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn],
  i64: [0n, 1n, 0x8000000000000000n, 0xffffffffffffffffn, 0x7ff8000000000000n, f64bits(-1.5), f64bits(Infinity)],
};
for (const op of ops) {
  const srcShape = (op.name.match(/_(i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)/) || [])[1] || op.name.slice(0, 5);
  const width = { i8x16: 8, i16x8: 16, i32x4: 32, i64x2: 64, f32x4: 32, f64x2: 64 }[srcShape] || 32;
  const lanes = op.imm === 'lane' ? [...new Set([0, lanesOf(op.name) - 1, lanesOf(op.name) >> 1])] : [undefined];
  for (const lane of lanes) {
    const name = lane === undefined ? op.name : `${op.name}/${lane}`;
    const params = addFunc(name, op, lane);
    for (let c = 0; c < 6; c++) {
      const args = [];
      for (const p of op.sig.split(':')[0]) {
        if (p === 'v') args.push(...halves(vec(c % 2 ? pick([8, 16, 32, 64]) : width)));
        else if (p === 'f') args.push(f32bits(pick([0, -0, 1.5, -1.5, Infinity, NaN, 3.4e38, 1e-40])));
        else args.push(pick(SCALAR_IN[scal[p]]));
      }
      tests.push({ name, params, args });
    }
  }
}

// memory instructions: every load and store shape, in bounds and out
const mem = [];
const loads = [['v128.load', ''], ['v128.load8x8_s', ''], ['v128.load8x8_u', ''], ['v128.load16x4_s', ''],
  ['v128.load16x4_u', ''], ['v128.load32x2_s', ''], ['v128.load32x2_u', ''], ['v128.load8_splat', ''],
  ['v128.load16_splat', ''], ['v128.load32_splat', ''], ['v128.load64_splat', ''], ['v128.load32_zero', ''],
  ['v128.load64_zero', ''], ['v128.load8_lane', ' 15'], ['v128.load16_lane', ' 3'], ['v128.load32_lane', ' 1'],
  ['v128.load64_lane', ' 1']];
for (const [op, lane] of loads) {
  const v = lane ? ' (v128.const i32x4 0x11111111 0x22222222 0x33333333 0x44444444)' : '';
  mem.push(`  (func (export "${op}") (param i32) (result i64 i64) (local $o v128)\n    (local.set $o (${op} offset=3${lane} (local.get 0)${v})) ` +
    '(i64x2.extract_lane 0 (local.get $o)) (i64x2.extract_lane 1 (local.get $o)))');
  for (const a of [0n, 1n, 5n, 65517n, 65520n, 65533n, 0xfffffff0n]) tests.push({ name: op, params: ['i32'], args: [a] });
}
for (const [op, lane] of [['v128.store', ''], ['v128.store8_lane', ' 15'], ['v128.store16_lane', ' 7'], ['v128.store32_lane', ' 2'], ['v128.store64_lane', ' 0']]) {
  mem.push(`  (func (export "${op}") (param i32 i64 i64) (result i64 i64)\n    (${op} offset=2${lane} (local.get 0) ` +
    '(i64x2.replace_lane 1 (i64x2.replace_lane 0 (v128.const i64x2 0 0) (local.get 1)) (local.get 2))) ' +
    '(i64.load offset=2 (local.get 0)) (i64.load offset=10 (local.get 0)))');
  for (const a of [0n, 7n, 65500n, 65520n, 65526n, 65533n])
    tests.push({ name: op, params: ['i32', 'i64', 'i64'], args: [a, 0x0706050403020100n, 0x0f0e0d0c0b0a0908n] });
}
// the shuffle: a few masks
const masks = [[...Array(16).keys()], [...Array(16).keys()].map((i) => 31 - i), [0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14, 31],
  [5, 5, 5, 5, 16, 16, 16, 16, 0, 31, 1, 30, 2, 29, 3, 28]];
masks.forEach((m, i) => {
  funcs.push(`  (func (export "i8x16.shuffle/${i}") (param i64 i64 i64 i64) (result i64 i64) (local $o v128)\n    (local.set $o (i8x16.shuffle ${m.join(' ')} ` +
    '(i64x2.replace_lane 1 (i64x2.replace_lane 0 (v128.const i64x2 0 0) (local.get 0)) (local.get 1)) ' +
    '(i64x2.replace_lane 1 (i64x2.replace_lane 0 (v128.const i64x2 0 0) (local.get 2)) (local.get 3)))) ' +
    '(i64x2.extract_lane 0 (local.get $o)) (i64x2.extract_lane 1 (local.get $o)))');
  for (let c = 0; c < 3; c++) tests.push({ name: `i8x16.shuffle/${i}`, params: ['i64', 'i64', 'i64', 'i64'], args: [...halves(vec(8)), ...halves(vec(8))] });
});
// v128 in globals, locals, select, block results and calls
funcs.push(`  (global $g (mut v128) (v128.const i32x4 1 2 3 4))
  (func $pass (param v128 i32) (result v128 v128) (local.get 0) (v128.not (local.get 0)))
  (func (export "v128.misc") (param i32) (result i64 i64) (local $o v128)
    (local.set $o (select (global.get $g) (i8x16.splat (local.get 0)) (local.get 0)))
    (global.set $g (i32x4.add (global.get $g) (local.get $o)))
    (local.set $o (block (result v128) (call $pass (global.get $g) (local.get 0)) (drop)))
    (i64x2.extract_lane 0 (local.get $o)) (i64x2.extract_lane 1 (local.get $o)))`);
for (const a of [0n, 1n, 0xffn, 0n]) tests.push({ name: 'v128.misc', params: ['i32'], args: [a] });

const wat = `(module\n  (memory 1)\n  (data (i32.const 0) "${[...Array(64).keys()].map((i) => '\\' + ((i * 37 + 11) & 255).toString(16).padStart(2, '0')).join('')}")\n` +
  `  (data (i32.const 65472) "${[...Array(64).keys()].map((i) => '\\' + ((i * 53 + 7) & 255).toString(16).padStart(2, '0')).join('')}")\n` +
  `${mem.join('\n')}\n${funcs.join('\n')})`;

// ------------------------------------------------ V8's answers
const bytes = await parse(wat);
const mod = new WebAssembly.Module(bytes);
const lit = (t, v) => `(${t}.const 0x${v.toString(16)})`;
const out = [';; Generated by tests/core/diff/gen_simd.mjs from the opcode table; the',
  ';; expected results are V8\'s (Node ' + process.version + ').  Do not edit: regenerate.', wat, ''];
let inst = null;
for (const t of tests) {
  // one instance, as in the script: stores and the global change its state
  if (!inst) inst = new WebAssembly.Instance(mod, {});
  const f = inst.exports[t.name];
  const jsArgs = t.args.map((a, i) => (t.params[i] === 'i64' ? BigInt.asIntN(64, a) : Number(BigInt.asIntN(32, a))));
  const call = `(invoke "${t.name}" ${t.args.map((a, i) => lit(t.params[i], a)).join(' ')})`;
  let res;
  try {
    res = f(...jsArgs);
  } catch (e) {
    if (!/out of bounds/.test(String(e.message))) throw e;
    out.push(`(assert_trap ${call} "out of bounds memory access")`);
    continue;
  }
  const rs = Array.isArray(res) ? res : [res];
  const vals = rs.map((v) => (typeof v === 'bigint' ? lit('i64', BigInt.asUintN(64, v)) : lit('i32', BigInt.asUintN(32, BigInt(v)))));
  out.push(`(assert_return ${call} ${vals.join(' ')})`);
}
process.stdout.write(out.filter((l) => l !== '').join('\n') + '\n');
