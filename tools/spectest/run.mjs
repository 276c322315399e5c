// run.mjs — runs WebAssembly script tests (.wast: the spec test suite, or
// our own regression cases) against wasmplug, on each tier and translator
// asked for, and prints pass counts per file and per proposal.
//
//   node tools/spectest/run.mjs [options] PATH...
//     PATH                 .wast files or folders (searched recursively)
//     --build DIR          the build folder (default: build): wast_host and
//                          spectest.wasm are taken from DIR/tests/core/diff
//     --tiers LIST         baseline,optimized (default: baseline)
//     --translators LIST   WASMPLUG_TRANSLATOR values (default: the engine's)
//     --work DIR           scratch folder for module binaries (default: a temp dir)
//     --cache DIR          optimized tier cache (default: WORK/cache)
//     --only REGEX         only files whose path matches
//     --verbose            print every failure (default: the first 3 per file)
//     --json FILE          write every count as JSON
//     --v8                 also run everything in Node's V8 (v8host.mjs): a
//                          check of this runner against a reference engine
//     --expect-all         exit 1 unless every command passed (regression
//                          cases: nothing may fail or be left unrun)
//
// A case file may begin with lines ";; known-failure TIER/TRANSLATOR" naming
// the configurations with a known bug it shows (e.g. baseline/wasm2c, to
// be fixed by the new translator).  There its failures are counted as
// "known failures", never as passes, and a file that passes where it is
// said to fail is an error (the line must go).
//
// The suite itself is never part of the repository: fetch it elsewhere
// (e.g. /work/ext/testsuite) and point this at it.  See tools/spectest/README.md.
//
// Counting: every module definition and every assertion or action is one
// command.  "pass" and "fail" are judged; "n/a" cannot be run here and is
// reported apart: assert_malformed on text (a text-format parser's job, not
// an engine's), modules the text parser cannot encode, v128 arguments or
// results of functions whose types the shim reader below does not know
// (GC types), threads' (thread ...)
// commands.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readWast } from './wast.mjs';
import { HostProc, enc } from '../../tests/core/diff/hostproc.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const wasmTools = path.resolve(here, '../npm/node_modules/@bytecodealliance/jco-transpile/dist/wasm-tools.js');

function parseArgs(argv) {
  const o = { build: 'build', tiers: 'baseline', translators: '', paths: [], verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--build') o.build = val();
    else if (a === '--tiers') o.tiers = val();
    else if (a === '--translators') o.translators = val();
    else if (a === '--work') o.work = val();
    else if (a === '--cache') o.cache = val();
    else if (a === '--only') o.only = new RegExp(val());
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--json') o.json = val();
    else if (a === '--expect-all') o.expectAll = true;
    else if (a === '--v8') o.v8 = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else o.paths.push(a);
  }
  if (!o.paths.length) throw new Error('no .wast files or folders given');
  return o;
}

function listWast(p) {
  const st = fs.statSync(p);
  if (st.isFile()) return [p];
  const out = [];
  for (const e of fs.readdirSync(p).sort()) {
    const q = path.join(p, e);
    if (fs.statSync(q).isDirectory()) out.push(...listWast(q));
    else if (e.endsWith('.wast')) out.push(q);
  }
  return out;
}

// The proposal a test file belongs to: its folder under proposals/, or for
// the suite's main folder (Wasm 3.0 today) the feature its name says.
export function proposalOf(file) {
  const m = /proposals\/([^/]+)\//.exec(file);
  if (m) return m[1];
  const b = path.basename(file, '.wast');
  if (/\/legacy\//.test(file)) return 'exceptions (legacy)';
  if (/relaxed/.test(b)) return 'relaxed-simd';
  if (/^simd_memory-multi/.test(b)) return 'multi-memory';
  if (/^simd_/.test(b)) return 'simd';
  if (/64$|^memory64|_64$/.test(b)) return 'memory64';
  if (/^memory-multi$|[a-z_]\d$/.test(b)) return 'multi-memory';
  if (/^(tag|throw|throw_ref|try_table)$/.test(b)) return 'exceptions';
  if (/^return_call(_indirect)?$/.test(b)) return 'tail-call';
  if (/^(call_ref|return_call_ref|ref_as_non_null|br_on_null|br_on_non_null|local_init)$/.test(b)) return 'function-references';
  if (/^(array.*|struct|i31|ref_cast|ref_test|br_on_cast.*|ref_eq|type-rec|type-subtyping|type-canon|type-equivalence|extern|binary-gc)$/.test(b)) return 'gc';
  if (b === 'annotations') return 'annotations';
  return 'core';
}

// ------------------------------------------------------------ judging

// The spec's trap messages, as the host's trap kinds (wast_host.c).
const TRAP_KINDS = [
  [/^unreachable/, 'unreachable'],
  [/integer divide by zero/, 'div_by_zero'],
  [/integer overflow/, 'int_overflow'],
  [/invalid conversion to integer/, 'bad_conversion'],
  [/out of bounds memory access|memory access out of bounds/, 'memory_oob'],
  [/out of bounds table access|undefined element|table index is out of bounds/, 'table_oob'],
  [/uninitialized element|indirect call type mismatch|indirect call signature mismatch/, 'indirect_call'],
  [/call stack exhausted/, 'stack_overflow'],
  // wasmplug has no trap kind of its own for it (the message says it)
  [/null exception reference/, 'unreachable'],
  [/unaligned atomic|expected shared memory|wait would never end/, 'atomic'],
];

function expectedTrap(text) {
  for (const [re, k] of TRAP_KINDS) if (re.test(text)) return k;
  return null;
}

const hex = (b) => b.toString(16);

function valueToken(v) {
  if (v.unsupported) return null;
  if (v.bits !== undefined && v.bits !== null) return `${v.type}:${hex(v.bits)}`;
  if (v.ref !== undefined) return `${v.type}:${v.ref}`;
  return null;
}

// Does the host's printed value `got` ("i32:1f", "funcref:func"...) match
// the expected result?
function matches(exp, got) {
  if (exp.either) return exp.either.some((e) => matches(e, got));
  const [t, b] = got.split(':');
  if (exp.nan) {
    if (t !== exp.type) return false;
    const bits = BigInt('0x' + b);
    const [quiet, canon, expo] = exp.type === 'f32'
      ? [0x400000n, 0x7fc00000n, 0x7f800000n] : [0x8000000000000n, 0x7ff8000000000000n, 0x7ff0000000000000n];
    const mag = bits & (exp.type === 'f32' ? 0x7fffffffn : 0x7fffffffffffffffn);
    if (exp.nan === 'canonical') return mag === canon;
    return (mag & expo) === expo && (mag & quiet) !== 0n;
  }
  if (exp.type === 'ref') {
    if (exp.kind && exp.kind !== t && !(exp.kind === 'func' && t === 'funcref') && !(exp.kind === 'extern' && t === 'externref')) {
      // Abstract heap types (any, eq, i31...) cannot be told apart here.
      if (['funcref', 'externref'].includes(exp.kind)) return false;
    }
    if (exp.null) return b === 'null';
    if (exp.id !== undefined) return b === String(exp.id);
    return b !== 'null';
  }
  if (exp.type === 'v128' && exp.lanes) {
    if (t !== 'v128') return false;
    const bits = BigInt('0x' + b);
    const w = { i8x16: 8, i16x8: 16, i32x4: 32, f32x4: 32, i64x2: 64, f64x2: 64 }[exp.shape];
    return exp.lanes.every((l, k) => {
      const lane = (bits >> BigInt(k * w)) & ((1n << BigInt(w)) - 1n);
      if (!l.nan) return lane === l.bits;
      const ft = w === 32 ? 'f32' : 'f64';
      return matches({ type: ft, nan: l.nan }, `${ft}:${hex(lane)}`);
    });
  }
  if (exp.bits === undefined || exp.bits === null) return false;
  return t === exp.type && BigInt('0x' + b) === exp.bits;
}

function unsupportedIn(cmd) {
  const vals = [...((cmd.action && cmd.action.args) || []), ...(cmd.expected || [])];
  const flat = (v) => (v.either ? v.either.flatMap(flat) : [v]);
  const u = vals.flatMap(flat).find((v) => v.unsupported);
  return u ? u.unsupported : null;
}

// ------------------------------------------------------------ running

class FileRun {
  constructor(host, files, parse) {
    this.parse = parse;
    this.host = host;
    this.files = files; // module index -> path of its binary
    this.ids = new Map(); // $name -> host id
    this.current = null;
    this.defs = new Map(); // module definitions: $name -> path
    this.fileOf = new Map(); // host id -> path of its binary
    this.shims = new Map(); // "id field" -> shim's host id
    this.registered = new Set();
  }

  idOf(name) { return name ? this.ids.get(name) : this.current; }

  async action(a) {
    const id = this.idOf(a.module);
    if (!id) return { error: 'no such module' };
    if (a.type === 'invoke') {
      const sig = this.fileOf.has(id) ? exportSignature(this.fileOf.get(id), a.field) : null;
      if (sig && [...sig.params, ...sig.results].includes('v128')) return this.viaShim(id, a, sig);
    }
    let line;
    if (a.type === 'get') line = `get ${id} ${enc(a.field)}`;
    else line = `invoke ${id} ${enc(a.field)} ${a.args.map(valueToken).join(' ')}`;
    const ans = await this.host.cmd(line.trimEnd());
    if (ans.startsWith('ok')) return { ok: ans.split(' ').slice(1) };
    if (ans.startsWith('trap ')) return { trap: ans.split(' ')[1], msg: ans };
    return { error: ans };
  }

  // The embedding API has no v128 value: a function with v128 parameters or
  // results is called through a shim module that imports it and passes
  // each v128 as two i64s (lane bits, low half first).
  async viaShim(id, a, sig) {
    const key = `${id} ${a.field}`;
    let shim = this.shims.get(key);
    if (!shim) {
      const reg = `shim-target-${id}`;
      if (!this.registered.has(id)) {
        const ans = await this.host.cmd(`register ${enc(reg)} ${id}`);
        if (ans !== 'ok') return { error: `shim: ${ans}` };
        this.registered.add(id);
      }
      const file = `${this.fileOf.get(id)}.shim${this.shims.size}.wasm`;
      try {
        fs.writeFileSync(file, await this.parse(shimText(reg, a.field, sig)));
      } catch (e) {
        return { error: `shim: ${String(e.payload ?? e).slice(0, 200)}` };
      }
      shim = `s${this.shims.size}`;
      const ans = await this.host.cmd(`module ${shim} ${enc(file)}`);
      fs.rmSync(file, { force: true });
      if (ans !== 'ok') return { error: `shim module: ${ans}` };
      this.shims.set(key, shim);
    }
    const args = [];
    for (const v of a.args) {
      if (v.type !== 'v128') args.push(valueToken(v));
      else args.push(`i64:${hex(v.bits & 0xffffffffffffffffn)}`, `i64:${hex(v.bits >> 64n)}`);
    }
    const ans = await this.host.cmd(`invoke ${shim} call ${args.join(' ')}`.trimEnd());
    if (ans.startsWith('trap ')) return { trap: ans.split(' ')[1], msg: ans };
    if (!ans.startsWith('ok')) return { error: ans };
    const vals = ans.split(' ').slice(1), ok = [];
    for (const t of sig.results) {
      if (t !== 'v128') { ok.push(vals.shift()); continue; }
      const lo = BigInt('0x' + vals.shift().split(':')[1]), hi = BigInt('0x' + vals.shift().split(':')[1]);
      ok.push(`v128:${hex(lo | (hi << 64n))}`);
    }
    return { ok };
  }

  // Runs one command: 'pass', 'n/a: why' or 'fail: why'.
  async run(cmd, idx) {
    const file = this.files[idx];
    const k = cmd.kind;
    if (k === 'unsupported') return `n/a: ${cmd.what}`;
    if (k === 'module') {
      if (!cmd.bytes) { this.current = null; return `n/a: the text parser refused it: ${cmd.error}`; }
      if (cmd.definition) { if (cmd.name) this.defs.set(cmd.name, file); return this.compileOnly(file, true); }
      const id = `m${idx}`;
      this.current = id;
      if (cmd.name) this.ids.set(cmd.name, id);
      this.fileOf.set(id, file);
      const ans = await this.host.cmd(`module ${id} ${enc(file)}`);
      return ans === 'ok' ? 'pass' : `fail: ${ans}`;
    }
    if (k === 'module_instance') {
      const def = this.defs.get(cmd.of);
      if (!def) return 'n/a: module instance of an unknown definition';
      const id = `m${idx}`;
      this.current = id;
      if (cmd.name) this.ids.set(cmd.name, id);
      this.fileOf.set(id, def);
      const ans = await this.host.cmd(`module ${id} ${enc(def)}`);
      return ans === 'ok' ? 'pass' : `fail: ${ans}`;
    }
    if (k === 'register') {
      const id = this.idOf(cmd.name);
      if (!id) return 'fail: register: no such module';
      const ans = await this.host.cmd(`register ${enc(cmd.as)} ${id}`);
      return ans === 'ok' ? 'pass' : `fail: ${ans}`;
    }
    const un = unsupportedIn(cmd);
    if (un) return `n/a: ${un}`;
    if (k === 'action' || k === 'assert_return') {
      if (!cmd.action) return 'n/a: unknown action';
      const r = await this.action(cmd.action);
      if (r.error && /unsupported/.test(r.error)) return `n/a: ${r.error}`;
      if (!r.ok) return `fail: ${r.trap ? r.msg : r.error}`;
      if (k === 'action') return 'pass';
      if (r.ok.length !== cmd.expected.length) return `fail: got ${r.ok.join(' ')}, expected ${cmd.expected.length} values`;
      for (let i = 0; i < r.ok.length; i++)
        if (!matches(cmd.expected[i], r.ok[i])) return `fail: got ${r.ok.join(' ')}, expected ${describe(cmd.expected)}`;
      return 'pass';
    }
    if (k === 'assert_trap' || k === 'assert_exhaustion' || k === 'assert_exception') {
      const want = k === 'assert_exhaustion' ? 'stack_overflow' : k === 'assert_exception' ? null : expectedTrap(cmd.text);
      let r;
      if (cmd.module) {
        if (!cmd.module.bytes) return `n/a: the text parser refused it: ${cmd.module.error}`;
        const id = `m${idx}`;
        const ans = await this.host.cmd(`module ${id} ${enc(file)}`);
        r = ans.startsWith('trap ') ? { trap: ans.split(' ')[1], msg: ans } : { error: ans };
      } else {
        if (!cmd.action) return 'n/a: unknown action';
        r = await this.action(cmd.action);
      }
      if (r.error && /unsupported/.test(r.error)) return `n/a: ${r.error}`;
      if (!r.trap) return `fail: expected a trap (${cmd.text || k}), got ${r.ok ? 'ok ' + r.ok.join(' ') : r.error}`;
      if (k === 'assert_exception') return /exception/.test(r.msg) ? 'pass' : `fail: expected an exception, got ${r.msg}`;
      if (want && r.trap !== want) return `fail: expected trap "${cmd.text}", got ${r.msg}`;
      if (!want) return `fail: trap "${cmd.text}" has no wasmplug kind; got ${r.msg}`;
      return 'pass';
    }
    if (k === 'assert_malformed' || k === 'assert_invalid') {
      const m = cmd.module;
      if (k === 'assert_malformed' && (m.quote || !m.bytes)) return 'n/a: text format';
      if (!m.bytes) return `n/a: the text parser refused it: ${m.error}`;
      return this.compileOnly(file, false);
    }
    if (k === 'assert_unlinkable' || k === 'assert_uninstantiable') {
      const m = cmd.module;
      if (!m.bytes) return `n/a: the text parser refused it: ${m.error}`;
      const ans = await this.host.cmd(`module m${idx} ${enc(file)}`);
      const want = k === 'assert_unlinkable' ? 'unlinkable' : 'trap';
      return ans.startsWith(want) ? 'pass' : `fail: expected ${want} (${cmd.text}), got ${ans}`;
    }
    return `n/a: ${k}`;
  }

  async compileOnly(file, valid) {
    const ans = await this.host.cmd(`compile ${enc(file)}`);
    if (valid) return ans === 'ok' ? 'pass' : `fail: ${ans}`;
    return ans.startsWith('invalid') ? 'pass' : `fail: accepted (${ans})`;
  }
}

// ------------------------------------------------------------ shims

const VALTYPES = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };
const sigCache = new Map();

// The type of export `field` of the module in `file`, read from its type,
// import, function and export sections; null when it is not a function or
// its types are not plain function types of the value types above.
function exportSignature(file, field) {
  let info = sigCache.get(file);
  if (!info) {
    info = readSignatures(fs.readFileSync(file));
    sigCache.set(file, info);
  }
  return (info && info.get(field)) || null;
}

function readSignatures(b) {
  let p = 8;
  const u = () => { let r = 0, s = 0, x; do { x = b[p++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80); return r; };
  const name = () => { const n = u(); const t = Buffer.from(b.subarray(p, p + n)).toString('utf8'); p += n; return t; };
  const limits = () => { const f = b[p++]; u(); if (f & 1) u(); };
  const types = [], funcs = [], out = new Map();
  try {
    while (p < b.length) {
      const id = b[p++], size = u(), end = p + size;
      if (id === 1) {
        for (let n = u(); n-- > 0;) {
          if (b[p++] !== 0x60) return null;
          const vec = () => { const v = []; for (let k = u(); k-- > 0;) { const t = VALTYPES[b[p++]]; if (!t) throw new Error('type'); v.push(t); } return v; };
          const params = vec(), results = vec();
          types.push({ params, results });
        }
      } else if (id === 2) {
        for (let n = u(); n-- > 0;) {
          name(); name();
          const kind = b[p++];
          if (kind === 0) funcs.push(types[u()]);
          else if (kind === 1) { p++; limits(); } else if (kind === 2) limits();
          else if (kind === 3) p += 2;
          else if (kind === 4) { p++; u(); } else return null;
        }
      } else if (id === 3) {
        for (let n = u(); n-- > 0;) funcs.push(types[u()]);
      } else if (id === 7) {
        for (let n = u(); n-- > 0;) {
          const nm = name(), kind = b[p++], idx = u();
          if (kind === 0 && funcs[idx]) out.set(nm, funcs[idx]);
        }
      }
      p = end;
    }
  } catch {
    return null;
  }
  return out;
}

function shimText(reg, field, sig) {
  const flat = (ts) => ts.flatMap((t) => (t === 'v128' ? ['i64', 'i64'] : [t]));
  const wat = (s) => JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);
  const lines = [`(module`, `  (import ${wat(reg)} ${wat(field)} (func $f (param ${sig.params.join(' ')}) (result ${sig.results.join(' ')})))`];
  const locals = sig.results.map((t, i) => `(local $r${i} ${t})`).join(' ');
  let body = '', k = 0;
  for (const t of sig.params) {
    if (t === 'v128') { body += ` (i64x2.replace_lane 1 (i64x2.splat (local.get ${k})) (local.get ${k + 1}))`; k += 2; } else { body += ` (local.get ${k})`; k++; }
  }
  body = `(call $f${body})`;
  for (let i = sig.results.length - 1; i >= 0; i--) body += ` (local.set $r${i})`;
  for (let i = 0; i < sig.results.length; i++)
    body += sig.results[i] === 'v128' ? ` (i64x2.extract_lane 0 (local.get $r${i})) (i64x2.extract_lane 1 (local.get $r${i}))` : ` (local.get $r${i})`;
  lines.push(`  (func (export "call") (param ${flat(sig.params).join(' ')}) (result ${flat(sig.results).join(' ')}) ${locals}`, `    ${body}))`);
  return lines.join('\n');
}

function describe(exp) {
  return exp.map((e) => (e.either ? `either(${describe(e.either)})` : e.nan ? `${e.type}:nan:${e.nan}`
    : e.type === 'ref' ? `ref.${e.kind}${e.null ? ' null' : ''}`
    : e.lanes ? `v128 ${e.shape} ${e.lanes.map((l) => (l.nan ? 'nan:' + l.nan : l.bits.toString(16))).join(' ')}`
    : `${e.type}:${e.bits?.toString(16)}`)).join(' ');
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const { parse } = await import(wasmTools);
  const hostBin = path.resolve(o.build, 'tests/core/diff/wast_host');
  const spectest = path.resolve(o.build, 'tests/core/diff/spectest.wasm');
  for (const f of [hostBin, spectest])
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: build first (make build)`);
  const work = o.work || fs.mkdtempSync(path.join(os.tmpdir(), 'spectest-'));
  fs.mkdirSync(work, { recursive: true });
  const cache = o.cache || path.join(work, 'cache');

  const configs = [];
  for (const tier of o.tiers.split(',').filter(Boolean))
    for (const tr of o.translators.split(',')) {
      const argv = [hostBin, '--tier', tier, '--spectest', spectest, '--cache', cache];
      configs.push({ name: `${tier}${tr ? '/' + tr : ''}`, host: new HostProc(argv, tr ? { WASMPLUG_TRANSLATOR: tr } : {}) });
    }

  if (o.v8) configs.push({ name: 'v8', host: new HostProc([process.execPath, path.join(here, 'v8host.mjs')]) });

  let files = o.paths.flatMap(listWast);
  if (o.only) files = files.filter((f) => o.only.test(f));
  const report = {}; // config -> file -> counts
  const byProposal = {}; // config -> proposal -> counts
  const naReasons = {}; // config -> reason -> count
  for (const c of configs) { report[c.name] = {}; byProposal[c.name] = {}; naReasons[c.name] = {}; }
  const t0 = Date.now();

  for (const f of files) {
    const src = fs.readFileSync(f, 'utf8');
    const commands = await readWast(src, parse);
    const slug = f.replace(/[^A-Za-z0-9]+/g, '_').slice(-80);
    const paths = commands.map((cmd, i) => {
      const m = cmd.kind === 'module' ? cmd : cmd.module;
      if (!m || !m.bytes) return null;
      const p = path.join(work, `${slug}.${i}.wasm`);
      fs.writeFileSync(p, m.bytes);
      return p;
    });
    const prop = proposalOf(f);
    const known = [...src.matchAll(/^;; known-failure (\S+)/gm)].map((m) => m[1]);
    for (const c of configs) {
      const knownHere = known.includes(c.name);
      await c.host.cmd('reset');
      const run = new FileRun(c.host, paths, parse);
      const counts = { pass: 0, fail: 0, na: 0 };
      const fails = [];
      for (let i = 0; i < commands.length; i++) {
        const res = await run.run(commands[i], i);
        if (res === 'pass') counts.pass++;
        else if (res.startsWith('n/a')) {
          counts.na++;
          const why = res.slice(5).replace(/: .*/, '').slice(0, 60);
          naReasons[c.name][why] = (naReasons[c.name][why] || 0) + 1;
        }
        else {
          counts.fail++;
          fails.push(`  ${f}:${commands[i].line}: ${commands[i].kind}: ${res.slice(6)}`);
          if (res.includes('crash')) { await c.host.close(); await c.host.cmd('reset'); }
        }
      }
      if (knownHere) {
        if (counts.fail) {
          console.log(`${c.name.padEnd(18)} ${f}: ${counts.fail} known failures (;; known-failure ${c.name})`);
          counts.known = counts.fail;
          counts.fail = 0;
        } else {
          counts.fail = 1;
          fails.push(`  ${f}: passes on ${c.name}, which its ";; known-failure" line says fails: remove the line`);
        }
      }
      report[c.name][f] = counts;
      const p = (byProposal[c.name][prop] ||= { pass: 0, fail: 0, na: 0, known: 0, files: 0 });
      p.pass += counts.pass; p.fail += counts.fail; p.na += counts.na; p.known += counts.known || 0; p.files++;
      const total = counts.pass + counts.fail + (counts.known || 0);
      console.log(`${c.name.padEnd(18)} ${path.relative(process.cwd(), f).padEnd(50)} ${String(counts.pass).padStart(5)}/${String(total).padEnd(5)} ${counts.na ? `(${counts.na} n/a)` : ''}`);
      for (const l of o.verbose ? fails : fails.slice(0, 3)) console.log(l.length > 400 ? l.slice(0, 400) + '...' : l);
      if (!o.verbose && fails.length > 3) console.log(`  ... and ${fails.length - 3} more`);
    }
    for (const p of paths) if (p) fs.rmSync(p, { force: true });
  }
  for (const c of configs) await c.host.close();

  console.log(`\nper proposal (passed/judged, n/a apart; ${((Date.now() - t0) / 1000).toFixed(0)} s):`);
  let bad = 0;
  for (const c of configs) {
    console.log(`  ${c.name}:`);
    for (const [p, n] of Object.entries(byProposal[c.name]).sort()) {
      console.log(`    ${p.padEnd(24)} ${String(n.pass).padStart(6)}/${String(n.pass + n.fail + n.known).padEnd(6)} ${n.na ? `n/a ${n.na}` : ''}${n.known ? ` known failures ${n.known}` : ''}  (${n.files} files)`);
      bad += n.fail + (o.expectAll ? n.na : 0);
    }
    const na = Object.entries(naReasons[c.name]).sort((a, b) => b[1] - a[1]);
    if (na.length) console.log(`    n/a: ${na.map(([k, n]) => `${k} ${n}`).join('; ')}`);
  }
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ files: report, proposals: byProposal }, null, 1));
  process.exitCode = o.expectAll && bad ? 1 : 0;
}

main().catch((e) => {
  console.error(`run.mjs: ${e.stack || e}`);
  process.exitCode = 2;
});
