#!/usr/bin/env node
// Component Model rule tests in the .wast style of the Component Model's
// own test suite (our cases, written for wasmplug), in two steps:
//
//   node wast.mjs convert CASE.wast OUTDIR   (build time)
//       each (component ...) -> OUTDIR/CASE.N.wasm through the npm
//       wasm-tools `parse` (tools/componentize.mjs), and OUTDIR/CASE.json,
//       the script of what to check
//   node wast.mjs run OUTDIR/CASE.json WASMPLUG   (test time)
//
// Forms:
//   (component ...)                 valid: `wasmplug wit` accepts it; the
//                                   assertions after it call this instance
//   (component definition $X ...)   valid, instantiated by
//   (component instance $i $X)      (a fresh instance)
//   (assert_invalid (component ...) "MESSAGE")
//                                   `wasmplug wit` and `wasmplug run` refuse
//                                   it (status 1) with MESSAGE in the error
//   (assert_return (invoke "f" ARG...) RESULT?)
//   (assert_trap (invoke "f" ARG...) "MESSAGE")
//                                   the calls after one instance run in one
//                                   `wasmplug run --invoke ... --invoke ...`
//                                   (state carries over; a trap ends the
//                                   run, later calls start a fresh instance)
// Values: (u32.const 1) (s64.const -2) (f32.const 1.5) (bool.const true)
// (char.const "x") (str.const "hi") (list.const V...) (tuple.const V...)
// (record.const (field "a" V)...) (variant.const "c" V?) (enum.const "c")
// (flags.const "a"...) (option.some V) (option.none) (result.ok V?)
// (result.err V?) (map.const (entry K V)...).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function die(msg) {
  process.stderr.write(`wast.mjs: ${msg}\n`);
  process.exit(2);
}

// ------------------------------------------------------------ s-expressions

function tokenize(src) {
  const toks = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ';' && src[i + 1] === ';') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '(' && src[i + 1] === ';') {
      let d = 0;
      do {
        if (src.startsWith('(;', i)) { d++; i += 2; }
        else if (src.startsWith(';)', i)) { d--; i += 2; }
        else i++;
      } while (d > 0 && i < src.length);
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      toks.push({ t: c, s: i, e: ++i });
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      toks.push({ t: 'str', v: src.slice(i + 1, j), s: i, e: j + 1 });
      i = j + 1;
    } else {
      let j = i;
      while (j < src.length && !/[\s()";]/.test(src[j])) j++;
      toks.push({ t: 'atom', v: src.slice(i, j), s: i, e: j });
      i = j;
    }
  }
  return toks;
}

function parse(src, where) {
  const toks = tokenize(src);
  let k = 0;
  const one = () => {
    const t = toks[k++];
    if (!t || t.t === ')') die(`${where}: unbalanced parentheses`);
    if (t.t !== '(') return t;
    const list = [];
    while (toks[k] && toks[k].t !== ')') list.push(one());
    if (!toks[k]) die(`${where}: unbalanced parentheses (from line ${src.slice(0, t.s).split('\n').length})`);
    return { list, s: t.s, e: toks[k++].e };
  };
  const out = [];
  while (k < toks.length) out.push(one());
  return out;
}

// A wast string literal's text (\n \t \\ \" \' \hh \u{...}).
function strText(raw) {
  const bytes = [];
  const enc = new TextEncoder();
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== '\\') {
      const cp = raw.codePointAt(i);
      if (cp > 0xffff) i++;
      bytes.push(...enc.encode(String.fromCodePoint(cp)));
      continue;
    }
    const n = raw[++i];
    if (n === 'n') bytes.push(10);
    else if (n === 't') bytes.push(9);
    else if (n === 'r') bytes.push(13);
    else if (n === '\\' || n === '"' || n === "'") bytes.push(n.charCodeAt(0));
    else if (n === 'u') {
      const j = raw.indexOf('}', i);
      bytes.push(...enc.encode(String.fromCodePoint(parseInt(raw.slice(i + 2, j), 16))));
      i = j;
    } else {
      bytes.push(parseInt(raw.slice(i, i + 2), 16));
      i++;
    }
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

const head = (n) => (n.list && n.list[0] && n.list[0].t === 'atom' ? n.list[0].v : null);

// ------------------------------------------------------------ values -> WAVE

function waveStr(s, q) {
  let o = q;
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (ch === '\\' || ch === q) o += '\\' + ch;
    else if (ch === '\n') o += '\\n';
    else if (ch === '\t') o += '\\t';
    else if (ch === '\r') o += '\\r';
    else if (cp < 0x20) o += `\\u{${cp.toString(16)}}`;
    else o += ch;
  }
  return o + q;
}

function wave(n, where) {
  if (!n.list) die(`${where}: a value must be a list like (u32.const 1)`);
  const [h, ...rest] = n.list;
  const name = h.v;
  if (/^[su](8|16|32|64)\.const$/.test(name)) {
    const raw = rest[0].v.replace(/_/g, '');
    const neg = raw.startsWith('-');
    return ((neg ? -1n : 1n) * BigInt(raw.replace(/^[+-]/, ''))).toString();
  }
  if (/^f(32|64)\.const$/.test(name)) {
    const v = rest[0].v;
    if (/nan/.test(v)) return 'nan';
    if (/^\+?inf$/.test(v)) return 'inf';
    if (v === '-inf') return '-inf';
    return String(Number(v));
  }
  if (name === 'bool.const') return rest[0].v;
  if (name === 'str.const') return waveStr(strText(rest[0].v), '"');
  if (name === 'char.const') return waveStr(strText(rest[0].v), "'");
  if (name === 'list.const') return `[${rest.map((x) => wave(x, where)).join(', ')}]`;
  if (name === 'tuple.const') return `(${rest.map((x) => wave(x, where)).join(', ')})`;
  if (name === 'record.const')
    return `{${rest.map((f) => `${strText(f.list[1].v)}: ${wave(f.list[2], where)}`).join(', ')}}`;
  if (name === 'map.const')
    return `[${rest.map((e) => `(${wave(e.list[1], where)}, ${wave(e.list[2], where)})`).join(', ')}]`;
  if (name === 'variant.const') {
    const c = strText(rest[0].v);
    return rest[1] ? `${c}(${wave(rest[1], where)})` : c;
  }
  if (name === 'enum.const') return strText(rest[0].v);
  if (name === 'flags.const') return `{${rest.map((x) => strText(x.v)).join(', ')}}`;
  if (name === 'option.none') return 'none';
  if (name === 'option.some') return `some(${wave(rest[0], where)})`;
  if (name === 'result.ok' || name === 'result.err') {
    const c = name.slice(7);
    return rest[0] ? `${c}(${wave(rest[0], where)})` : c;
  }
  die(`${where}: unknown value form (${name} ...)`);
}

// ------------------------------------------------------------ convert

async function convert(wastPath, outDir) {
  const { tools, errText } = await import(join(here, '..', '..', '..', 'tools', 'componentize.mjs'));
  const wt = await tools();
  const src = readFileSync(wastPath, 'utf8');
  const base = basename(wastPath, '.wast');
  const lineOf = (n) => src.slice(0, n.s).split('\n').length;
  const script = [];
  let count = 0;
  mkdirSync(outDir, { recursive: true });

  async function component(node) {
    // (component [$id] [definition] [$id] FIELD...)
    const it = node.list;
    let k = 1, id = null, definition = false;
    for (; k < it.length && it[k].t === 'atom' && (it[k].v.startsWith('$') || it[k].v === 'definition'); k++)
      if (it[k].v === 'definition') definition = true;
      else id = it[k].v;
    const text = '(component ' + (k < it.length ? src.slice(it[k].s, node.e) : ')');
    let bytes;
    try {
      bytes = await wt.parse(text);
    } catch (e) {
      die(`${wastPath}:${lineOf(node)}: wasm-tools parse: ${errText(e)}`);
    }
    const file = `${base}.${count++}.wasm`;
    writeFileSync(join(outDir, file), bytes);
    return { file, id, definition };
  }

  for (const node of parse(src, wastPath)) {
    const h = head(node), line = lineOf(node), where = `${wastPath}:${line}`;
    if (h === 'component' && node.list[1] && node.list[1].v === 'instance') {
      script.push({ op: 'instance', line, def: node.list[3].v });
    } else if (h === 'component') {
      const c = await component(node);
      script.push({ op: 'component', line, ...c });
    } else if (h === 'assert_invalid') {
      if (head(node.list[1]) !== 'component' || !node.list[2]) die(`${where}: (assert_invalid (component ...) "MESSAGE")`);
      const c = await component(node.list[1]);
      script.push({ op: 'invalid', line, file: c.file, msg: strText(node.list[2].v) });
    } else if (h === 'assert_return' || h === 'assert_trap') {
      const inv = node.list[1];
      if (head(inv) !== 'invoke') die(`${where}: expected (invoke "NAME" ARG...)`);
      const call = `${strText(inv.list[1].v)}(${inv.list.slice(2).map((a) => wave(a, where)).join(', ')})`;
      if (h === 'assert_return')
        script.push({ op: 'return', line, call, expect: node.list[2] ? wave(node.list[2], where) : '' });
      else script.push({ op: 'trap', line, call, msg: strText(node.list[2].v) });
    } else {
      die(`${where}: unknown form (${h} ...)`);
    }
  }
  writeFileSync(join(outDir, `${base}.json`), JSON.stringify(script, null, 1));
}

// ------------------------------------------------------------ run

// WAVE as printed by wasmplug, normalized for comparison with the expected
// text: no spaces outside strings and chars, floats as numbers.
function normWave(s) {
  let o = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < s.length && s[j] !== c) j += s[j] === '\\' ? 2 : 1;
      o += s.slice(i, j + 1);
      i = j;
    } else if (!/\s/.test(c)) {
      o += c;
    }
  }
  return o.replace(/(^|[^\w'"-])(-?\d+\.\d*(?:e[-+]?\d+)?|-?\d+e[-+]?\d+)/gi, (m, p, num) => p + String(Number(num)));
}

function run(scriptPath, wasmplug) {
  const dir = dirname(scriptPath);
  const script = JSON.parse(readFileSync(scriptPath, 'utf8'));
  const env = { ...process.env };
  let fails = 0, checks = 0;
  const fail = (line, msg) => {
    fails++;
    console.log(`FAIL ${basename(scriptPath, '.json')}.wast:${line}: ${msg}`);
  };
  const exec = (args) => {
    const r = spawnSync(wasmplug, args, { encoding: 'utf8', env, timeout: 120000 });
    if (r.error) die(`cannot run ${wasmplug}: ${r.error.message}`);
    return { status: r.status, signal: r.signal, out: r.stdout, err: r.stderr.trim() };
  };
  const defs = {};
  let instance = null, pending = [];

  const flush = () => {
    let calls = pending;
    pending = [];
    while (calls.length) {
      if (!instance) {
        fail(calls[0].line, 'no component instance to call');
        return;
      }
      const args = ['run'];
      for (const c of calls) args.push('--invoke', c.call);
      args.push(join(dir, instance));
      const r = exec(args);
      const lines = r.out.split('\n');
      const completed = lines.length - 1; /* each finished call printed one line */
      let k = 0;
      for (; k < calls.length; k++) {
        const c = calls[k];
        checks++;
        if (k < completed) {
          if (c.op === 'trap') fail(c.line, `${c.call}: expected a trap with "${c.msg}", returned ${lines[k]}`);
          else if (normWave(lines[k]) !== normWave(c.expect))
            fail(c.line, `${c.call}: expected ${c.expect || '(nothing)'}, got ${lines[k] || '(nothing)'}`);
          continue;
        }
        if (calls.length === 1 && r.status === 0 && c.op === 'return' && c.expect === '') break; // printed nothing
        if (c.op === 'return') fail(c.line, `${c.call}: status ${r.status}: ${r.err}`);
        else if (r.status !== 134) fail(c.line, `${c.call}: expected a trap (status 134), status ${r.status}: ${r.err}`);
        else if (!r.err.includes(c.msg)) fail(c.line, `${c.call}: trap message lacks "${c.msg}": ${r.err}`);
        k++;
        break;
      }
      calls = calls.slice(k);
    }
  };

  for (const step of script) {
    if (step.op === 'return' || step.op === 'trap') {
      pending.push(step);
      continue;
    }
    flush();
    if (step.op === 'instance') {
      instance = defs[step.def] || null;
      if (!instance) fail(step.line, `no component definition ${step.def}`);
    } else if (step.op === 'component') {
      checks++;
      const r = exec(['wit', join(dir, step.file)]);
      if (r.status !== 0) fail(step.line, `valid component refused (status ${r.status}): ${r.err}`);
      if (step.definition) {
        if (step.id) defs[step.id] = step.file;
        instance = null;
      } else {
        instance = step.file;
      }
    } else if (step.op === 'invalid') {
      for (const cmd of [['wit'], ['run', '--invoke', 'f()']]) {
        checks++;
        const r = exec([...cmd, join(dir, step.file)]);
        if (r.status !== 1) fail(step.line, `\`wasmplug ${cmd[0]}\` accepted an invalid component (status ${r.status}${r.signal ? ', ' + r.signal : ''}): ${r.err}`);
        else if (!r.err.includes(step.msg)) fail(step.line, `\`wasmplug ${cmd[0]}\`: message lacks "${step.msg}": ${r.err}`);
      }
    }
  }
  flush();
  console.log(`${basename(scriptPath, '.json')}: ${checks} checks, ${fails} failures`);
  process.exit(fails ? 1 : 0);
}

const [mode, a, b] = process.argv.slice(2);
if (mode === 'convert' && a && b) await convert(a, b);
else if (mode === 'run' && a && b) run(a, b);
else die('usage: wast.mjs convert CASE.wast OUTDIR | run OUTDIR/CASE.json WASMPLUG');
