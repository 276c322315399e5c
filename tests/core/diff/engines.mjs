// engines.mjs — running a generated module's calls in V8 and in wasmplug
// (through wast_host), and comparing the outcomes; shared by diff.mjs and
// reduce.mjs.
import { enc } from './hostproc.mjs';

// The result types of a generated module's exported test functions (V8
// hands back JS values; these say how to read them).
export function resultTypesOf(wat) {
  const out = {};
  const re = /\(func \$\w+ \(export "(\w+)"\)((?:\s*\((?:param|result)[^()]*\))*)/g;
  for (const m of wat.matchAll(re)) {
    const rs = [...m[2].matchAll(/\(result ([^()]*)\)/g)].flatMap((r) => r[1].trim().split(/\s+/));
    out[m[1]] = rs;
  }
  return out;
}

// Compares one configuration's run (w) with a reference run (ref): the
// first call that disagrees, as {i, a, b}, or null.
export function firstDisagreement(ref, w, ncalls, deviations) {
  for (let i = 0; i < ncalls; i++) {
    const a = ref.out[i], b = w.out[i];
    if (!b || !agrees(a, b, deviations)) return { i, a, b };
  }
  return null;
}

// ------------------------------------------------------------------ V8

// What V8's messages say, as the set of wasmplug trap kinds each allows.
// V8 does not tell NaN from out-of-range in float->int conversions.
export const V8_TRAPS = [
  [/^unreachable/, ['unreachable']],
  [/memory access out of bounds/, ['memory_oob']],
  [/(divide|remainder) by zero/, ['div_by_zero']],
  [/divide result unrepresentable/, ['int_overflow']],
  [/float unrepresentable in integer range/, ['bad_conversion', 'int_overflow']],
  [/table index is out of bounds|table access out of bounds|element segment out of bounds/, ['table_oob']],
  [/null function or function signature mismatch/, ['indirect_call']],
  [/Maximum call stack size exceeded/, ['stack_overflow']],
  [/data segment out of bounds|data segment has been dropped/, ['memory_oob']],
];

export function v8Trap(e) {
  const msg = String(e && e.message);
  if (!(e instanceof WebAssembly.RuntimeError) && !(e instanceof RangeError)) return { error: msg };
  for (const [re, kinds] of V8_TRAPS) if (re.test(msg)) return { trap: kinds, msg };
  return { error: `unrecognised V8 trap: ${msg}` };
}

export function spectestImports() {
  const mem = new WebAssembly.Memory({ initial: 1, maximum: 2 });
  const table = new WebAssembly.Table({ initial: 10, maximum: 20, element: 'anyfunc' });
  const nop = () => {};
  return {
    spectest: {
      memory: mem, table,
      global_i32: new WebAssembly.Global({ value: 'i32', mutable: false }, 666),
      global_i64: new WebAssembly.Global({ value: 'i64', mutable: false }, 666n),
      global_f32: new WebAssembly.Global({ value: 'f32', mutable: false }, 666.6),
      global_f64: new WebAssembly.Global({ value: 'f64', mutable: false }, 666.6),
      print: nop, print_i32: nop, print_i64: nop, print_f32: nop, print_f64: nop,
      print_i32_f32: nop, print_f64_f64: nop,
    },
  };
}

export function v8Arg(a) {
  const [t, bits] = a.split(':');
  if (t === 'i32') return parseInt(bits, 16) | 0;
  if (t === 'i64') return BigInt.asIntN(64, BigInt('0x' + bits));
  throw new Error(`generated argument of type ${t}`);
}

export function v8Value(t, v) {
  if (t === 'i32') return `i32:${(v >>> 0).toString(16)}`;
  if (t === 'i64') return `i64:${BigInt.asUintN(64, v).toString(16)}`;
  throw new Error(`generated result of type ${t}`);
}

// Runs the calls in V8: one outcome per call ({ok: 'i32:.. ..'} | {trap:
// [kinds]} | {error}) and the state after it.
export function runV8(bytes, calls, resultTypes) {
  const out = [];
  let inst;
  try {
    inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), spectestImports());
  } catch (e) {
    return { instantiate: v8Trap(e).error || `trap ${v8Trap(e).trap}`, out };
  }
  const ex = inst.exports;
  for (const c of calls) {
    let r;
    try {
      const v = ex[c.fn](...c.args.map(v8Arg));
      const ts = resultTypes[c.fn];
      const vs = ts.length === 1 ? [v] : ts.length === 0 ? [] : [...v];
      r = { ok: ['ok', ...vs.map((x, i) => v8Value(ts[i], x))].join(' ') };
    } catch (e) {
      r = v8Trap(e);
    }
    try {
      r.sum = v8Value('i64', ex.checksum());
      r.viol = ex.violations.value >>> 0;
    } catch (e) {
      r.sum = `checksum failed: ${e.message}`;
    }
    out.push(r);
  }
  return { out };
}

// ------------------------------------------------------------- wasmplug

export async function runHost(host, file, calls) {
  const out = [];
  await host.cmd('reset');
  const m = await host.cmd(`module m ${enc(file)}`);
  if (m !== 'ok') return { instantiate: m, out };
  for (const c of calls) {
    const a = await host.cmd(`invoke m ${c.fn} ${c.args.join(' ')}`);
    const r = a.startsWith('ok') ? { ok: a } : a.startsWith('trap ') ? { trap: a.split(' ')[1], msg: a } : { error: a };
    if (a.startsWith('crash')) {
      r.crash = true;
      out.push(r);
      return { out };
    }
    const s = await host.cmd('invoke m checksum');
    r.sum = s.startsWith('ok ') ? s.slice(3) : s;
    const v = await host.cmd('get m violations');
    r.viol = v.startsWith('ok i32:') ? parseInt(v.slice(7), 16) : v;
    out.push(r);
  }
  return { out };
}

export function show(r) {
  if (!r) return '(nothing)';
  const head = r.ok ? r.ok : r.trap ? `trap ${[].concat(r.trap).join('|')}` : `ERROR ${r.error}`;
  return `${head}  [state ${r.sum}, NaN-rule violations ${r.viol}]`;
}

// Where a translator is known to report a trap differently from the spec,
// what it reports instead (the deviation is the translator's bug; it is
// listed here so that the tests can find the others).  wasm2c 1.0.32 traps
// with one code for every explicit bounds check, tables included, so table
// accesses out of bounds come out as memory out of bounds; and its
// call_indirect does not tell an index past the table's end from a type
// mismatch.
// The own translator reports call_indirect past the table's end as an
// indirect call failure too (cases/call_indirect_oob.wast).
export const DEVIATIONS = {
  wasm2c: { table_oob: ['memory_oob', 'indirect_call'] },
  own: {},
};

// Does b (wasmplug) agree with a (the reference: V8 or another config)?
export function agrees(a, b, deviations = {}) {
  if (a.error || b.error) return false;
  if (a.ok || b.ok) { if (a.ok !== b.ok) return false; }
  else {
    const allowed = [].concat(a.trap);
    for (const k of [].concat(a.trap)) allowed.push(...(deviations[k] || []));
    if (!allowed.includes(b.trap)) return false;
  }
  return a.sum === b.sum && a.viol === b.viol && b.viol === 0;
}

