// v8host.mjs — the wast_host line protocol (tests/core/diff/wast_host.c)
// answered by Node's V8 instead of wasmplug, so that the spec runner can be
// checked against a reference engine: `run.mjs --v8 ...` runs the same
// scripts here.  Differences from a real engine run are the JS boundary's:
// f32/f64 arguments and results travel as JS numbers (NaN payloads may not
// survive), and trap kinds are read from V8's messages.
import fs from 'node:fs';
import readline from 'node:readline';

const TRAPS = [
  [/^unreachable/, 'unreachable'],
  [/memory access out of bounds|data segment/, 'memory_oob'],
  [/(divide|remainder) by zero/, 'div_by_zero'],
  [/divide result unrepresentable/, 'int_overflow'],
  [/float unrepresentable in integer range/, 'bad_conversion'],
  [/table index is out of bounds|table access out of bounds|element segment/, 'table_oob'],
  [/null function or function signature mismatch/, 'indirect_call'],
  [/Maximum call stack size exceeded/, 'stack_overflow'],
];

function trapOf(e) {
  const msg = String(e && e.message);
  for (const [re, k] of TRAPS) if (re.test(msg)) return `trap ${k} ${msg}`;
  if (e instanceof WebAssembly.Exception) return `trap host uncaught exception`;
  return `trap host ${msg.replace(/\n/g, ' ')}`;
}

function dec(tok) {
  if (tok[0] !== '=') return tok;
  return Buffer.from(tok.slice(1).replace(/%([0-9a-f]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

function spectest() {
  const nop = () => {};
  return {
    memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
    table: new WebAssembly.Table({ initial: 10, maximum: 20, element: 'anyfunc' }),
    global_i32: new WebAssembly.Global({ value: 'i32' }, 666),
    global_i64: new WebAssembly.Global({ value: 'i64' }, 666n),
    global_f32: new WebAssembly.Global({ value: 'f32' }, 666.6),
    global_f64: new WebAssembly.Global({ value: 'f64' }, 666.6),
    print: nop, print_i32: nop, print_i64: nop, print_f32: nop, print_f64: nop,
    print_i32_f32: nop, print_f64_f64: nop,
  };
}

const hosts = new Map(); // externref N -> object, and back
function externOf(n) {
  if (!hosts.has(n)) hosts.set(n, { n });
  return hosts.get(n);
}

function arg(tok) {
  const [t, b] = tok.split(':');
  const dv = new DataView(new ArrayBuffer(8));
  switch (t) {
    case 'i32': return parseInt(b, 16) | 0;
    case 'i64': return BigInt.asIntN(64, BigInt('0x' + b));
    case 'f32': dv.setUint32(0, parseInt(b, 16)); return dv.getFloat32(0);
    case 'f64': dv.setBigUint64(0, BigInt('0x' + b)); return dv.getFloat64(0);
    case 'funcref': return null;
    case 'externref': return b === 'null' ? null : externOf(b);
  }
  throw new Error(`bad value ${tok}`);
}

function result(t, v) {
  const dv = new DataView(new ArrayBuffer(8));
  switch (t) {
    case 'i32': return `i32:${(v >>> 0).toString(16)}`;
    case 'i64': return `i64:${BigInt.asUintN(64, v).toString(16)}`;
    case 'f32': dv.setFloat32(0, v); return `f32:${dv.getUint32(0).toString(16)}`;
    case 'f64': dv.setFloat64(0, v); return `f64:${dv.getBigUint64(0).toString(16)}`;
    case 'funcref': return `funcref:${v === null ? 'null' : 'func'}`;
    case 'externref': return v === null ? 'externref:null' : `externref:${v.n}`;
  }
  return `${t}:?`;
}

// Result types of every exported function, from the binary.
function resultTypes(b) {
  const VT = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };
  let p = 8;
  const u = () => { let r = 0, s = 0, x; do { x = b[p++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80); return r; };
  const name = () => { const n = u(); const t = Buffer.from(b.subarray(p, p + n)).toString('utf8'); p += n; return t; };
  const limits = () => { const f = b[p++]; u(); if (f & 1) u(); };
  const types = [], funcs = [], out = new Map();
  try {
    while (p < b.length) {
      const id = b[p++], size = u(), end = p + size;
      if (id === 1) for (let n = u(); n-- > 0;) {
        if (b[p++] !== 0x60) return out;
        const vec = () => { const v = []; for (let k = u(); k-- > 0;) v.push(VT[b[p++]] || '?'); return v; };
        vec();
        types.push(vec());
      } else if (id === 2) for (let n = u(); n-- > 0;) {
        name(); name();
        const kind = b[p++];
        if (kind === 0) funcs.push(types[u()]);
        else if (kind === 1) { p++; limits(); } else if (kind === 2) limits();
        else if (kind === 3) p += 2;
        else { p++; u(); }
      } else if (id === 3) for (let n = u(); n-- > 0;) funcs.push(types[u()]);
      else if (id === 7) for (let n = u(); n-- > 0;) {
        const nm = name(), kind = b[p++], idx = u();
        if (kind === 0) out.set(nm, funcs[idx]);
      }
      p = end;
    }
  } catch { /* what was read */ }
  return out;
}

let instances, registered, last, spec;
function reset() {
  instances = new Map();
  registered = new Map();
  last = null;
  spec = spectest();
}
reset();

function imports() {
  const o = { spectest: spec };
  for (const [name, inst] of registered) o[name] = inst.exports;
  return o;
}

function handle(line) {
  const t = line.split(' ').filter(Boolean).map((x, i) => (i ? dec(x) : x));
  const cmd = t[0];
  try {
    if (cmd === 'reset') { reset(); return 'ok'; }
    if (cmd === 'compile') {
      try { new WebAssembly.Module(fs.readFileSync(t[1])); return 'ok'; } catch (e) { return `invalid ${e.message}`; }
    }
    if (cmd === 'module') {
      const bytes = fs.readFileSync(t[2]);
      let mod;
      try { mod = new WebAssembly.Module(bytes); } catch (e) { return `invalid ${e.message}`; }
      let inst;
      try {
        inst = new WebAssembly.Instance(mod, imports());
      } catch (e) {
        if (e instanceof WebAssembly.LinkError || e instanceof TypeError) return `unlinkable ${e.message}`;
        return trapOf(e);
      }
      const entry = { exports: inst.exports, types: resultTypes(bytes) };
      if (t[1] !== '-') instances.set(t[1], entry);
      last = entry;
      return 'ok';
    }
    const inst = t[1] === '-' ? last : instances.get(t[1]);
    if (cmd === 'register') {
      const target = t[2] === '-' ? last : instances.get(t[2]);
      if (!target) return 'error no such module';
      registered.set(t[1], target);
      return 'ok';
    }
    if (!inst) return 'error no such module';
    if (cmd === 'get') {
      const g = inst.exports[t[2]];
      if (!(g instanceof WebAssembly.Global)) return 'error no such exported global';
      const v = g.value;
      const ty = typeof v === 'bigint' ? 'i64' : Number.isInteger(v) ? 'i32' : 'f64';
      return `ok ${result(ty, v)}`;
    }
    if (cmd === 'invoke') {
      const f = inst.exports[t[2]];
      if (typeof f !== 'function') return 'error no such exported function';
      const rt = inst.types.get(t[2]) || [];
      if (rt.includes('v128')) return 'error unsupported: v128 result';
      let v;
      try { v = f(...t.slice(3).map(arg)); } catch (e) { return trapOf(e); }
      const vs = rt.length === 1 ? [v] : rt.length ? [...v] : [];
      return ['ok', ...vs.map((x, i) => result(rt[i], x))].join(' ');
    }
    return 'error unknown command';
  } catch (e) {
    return `error ${String(e.message).replace(/\n/g, ' ')}`;
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => process.stdout.write(handle(line) + '\n'));
