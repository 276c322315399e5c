#!/usr/bin/env node
// Component .wast scripts -> component binaries + a command manifest, for
// tests/async's runner (run_wast).  The script language is the Component
// Model test suite's (WebAssembly/component-model test/**/*.wast):
//
//   (component $c? ...)                 define and instantiate (the current instance)
//   (component definition $C ...)       define only
//   (component instance $i $C)          instantiate definition $C (the current instance)
//   (component $c? binary "..." ...)    the same, given as bytes (also with definition)
//   (invoke "f" arg...)                 call, must not trap
//   (assert_return (invoke "f" arg...) result?)
//   (assert_trap (invoke "f" arg...) "message part")
//   (assert_trap (component ...) "message part")     instantiation traps
//   (assert_invalid (component ...) "message part")  refused when loaded
//   (assert_malformed (component binary ...) "message part")  refused when loaded
//
// Arguments and results are `(T.const V)` for T in bool s8..u64 f32 f64
// char str, (list.const ...), (tuple.const ...), (record.const (field "n"
// V)...), (variant.const "case" V?), (enum.const "case"), (flags.const
// "f"...), (option.some V), (option.none), (result.ok V?), (result.err V?);
// they become WAVE text, printed as wasmplug prints results.
//
//   node tools/wast-split.mjs [--suite] IN.wast OUT_DIR
// writes OUT_DIR/N.wasm and OUT_DIR/manifest (one command per line, fields
// separated by tabs).  Text is converted by jco-transpile's wasm-tools
// `parse` (see componentize.mjs).  Without --suite anything the splitter
// cannot convert is an error (our own scripts); with --suite (someone
// else's scripts) such a command becomes an `na` line with the reason,
// which run_wast counts apart, never as a pass: a module the text parser
// cannot encode, `(component quote ...)` (the text format is not the
// runtime's), values or commands the splitter does not know.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function die(msg) {
  process.stderr.write(`wast-split: ${msg}\n`);
  process.exit(1);
}

// Top-level s-expressions as {text, line}; comments and strings respected.
function sexprs(src) {
  const out = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ';' && src[i + 1] === ';') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (c === '(' && src[i + 1] === ';') { i = skipBlock(src, i); continue; }
    if (c === '(') {
      const start = i;
      i = matchParen(src, i);
      out.push({ text: src.slice(start, i), line: src.slice(0, start).split('\n').length });
      continue;
    }
    if (/\s/.test(c)) { i++; continue; }
    die(`unexpected '${c}' at offset ${i}`);
  }
  return out;
}

function skipBlock(src, i) {
  let depth = 0;
  while (i < src.length) {
    if (src[i] === '(' && src[i + 1] === ';') { depth++; i += 2; continue; }
    if (src[i] === ';' && src[i + 1] === ')') { depth--; i += 2; if (!depth) return i; continue; }
    i++;
  }
  return i;
}

function matchParen(src, i) {
  let depth = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '"') { i++; while (i < src.length && src[i] !== '"') { if (src[i] === '\\') i++; i++; } i++; continue; }
    if (c === ';' && src[i + 1] === ';') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (c === '(' && src[i + 1] === ';') { i = skipBlock(src, i); continue; }
    if (c === '(') depth++;
    if (c === ')') { depth--; if (!depth) return i + 1; }
    i++;
  }
  die('unbalanced parentheses');
}

// The direct children of one s-expression (atoms and lists), as text.
function children(expr) {
  const inner = expr.slice(1, -1);
  const out = [];
  let i = 0;
  while (i < inner.length) {
    const c = inner[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === ';' && inner[i + 1] === ';') { while (i < inner.length && inner[i] !== '\n') i++; continue; }
    if (c === '(' && inner[i + 1] === ';') { i = skipBlock(inner, i); continue; }
    if (c === '(') { const s = i; i = matchParen(inner, i); out.push(inner.slice(s, i)); continue; }
    if (c === '"') { const s = i; i++; while (i < inner.length && inner[i] !== '"') { if (inner[i] === '\\') i++; i++; } i++; out.push(inner.slice(s, i)); continue; }
    const s = i;
    while (i < inner.length && !/[\s()]/.test(inner[i])) i++;
    out.push(inner.slice(s, i));
  }
  return out;
}

// A string literal's bytes (the text format's escapes: \hh, \n, \t, \r,
// \\, \', \", \u{...}).
function strBytes(s) {
  if (!s.startsWith('"') || !s.endsWith('"')) throw new Error(`expected a string, got ${s}`);
  const out = [];
  const enc = new TextEncoder();
  for (let i = 1; i < s.length - 1;) {
    const c = s[i];
    if (c !== '\\') {
      const cp = s.codePointAt(i);
      const ch = String.fromCodePoint(cp);
      out.push(...enc.encode(ch));
      i += ch.length;
      continue;
    }
    const d = s[i + 1];
    const simple = { n: 10, t: 9, r: 13, '\\': 92, "'": 39, '"': 34 };
    if (d in simple) { out.push(simple[d]); i += 2; continue; }
    if (d === 'u') {
      const end = s.indexOf('}', i);
      out.push(...enc.encode(String.fromCodePoint(parseInt(s.slice(i + 3, end).replace(/_/g, ''), 16))));
      i = end + 1;
      continue;
    }
    out.push(parseInt(s.slice(i + 1, i + 3), 16));
    i += 3;
  }
  return Uint8Array.from(out);
}

function unquote(s) {
  return new TextDecoder('utf-8', { fatal: true }).decode(strBytes(s));
}

const KEYWORDS = new Set(['true', 'false', 'inf', 'nan', 'some', 'none', 'ok', 'err']);
const label = (s) => (KEYWORDS.has(s) ? '%' + s : s);

function waveChar(cp, quote) {
  const c = String.fromCodePoint(cp);
  if (c === '\\') return '\\\\';
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  if (c === quote) return '\\' + quote;
  if (cp < 0x20 || cp === 0x7f) return `\\u{${cp.toString(16)}}`;
  return c;
}
const waveStr = (s, quote) => [...s].map((c) => waveChar(c.codePointAt(0), quote)).join('');

function waveInt(v) {
  let t = v.replace(/_/g, '');
  let neg = false;
  if (t.startsWith('-')) { neg = true; t = t.slice(1); } else if (t.startsWith('+')) t = t.slice(1);
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t)) throw new Error(`unsupported integer ${v}`);
  const n = BigInt(t);
  return (neg && n ? '-' : '') + n.toString();
}

// Shortest decimal that reads back as the same float (wave.c's out_float).
function waveFloat(v, single) {
  const t = v.replace(/_/g, '');
  if (/^[+-]?nan/.test(t)) return 'nan';
  if (/^[+-]?inf$/.test(t)) return t.startsWith('-') ? '-inf' : 'inf';
  if (!/^[+-]?[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?$/.test(t)) throw new Error(`unsupported float ${v}`);
  let d = Number(t);
  if (single) d = Math.fround(d);
  for (let p = 1; p <= 17; p++) {
    const s = d.toPrecision(p);
    const r = Number(s);
    if (single ? Math.fround(r) === d : r === d) return s.replace(/e([+-])(\d)$/, 'e$10$2'); // C's %g: two exponent digits
  }
  return String(d);
}

// One value: its text (a list) or its atoms (`u8.const 8` inside a field).
function wave(v) {
  const k = Array.isArray(v) ? v : children(v);
  const head = k[0];
  const inner = (rest) => (rest.length === 1 && rest[0].startsWith('(') ? wave(rest[0]) : wave(rest));
  switch (head) {
    case 'list.const': return `[${k.slice(1).map((x) => wave(x)).join(', ')}]`;
    case 'tuple.const': return `(${k.slice(1).map((x) => wave(x)).join(', ')})`;
    case 'record.const':
      return `{${k.slice(1).map((f) => {
        const fk = children(f);
        if (fk[0] !== 'field') throw new Error(`unsupported record field ${f}`);
        return `${unquote(fk[1])}: ${inner(fk.slice(2))}`;
      }).join(', ')}}`;
    case 'variant.const': return label(unquote(k[1])) + (k.length > 2 ? `(${inner(k.slice(2))})` : '');
    case 'enum.const': return label(unquote(k[1]));
    case 'flags.const': return `{${k.slice(1).map(unquote).join(', ')}}`;
    case 'option.none': return 'none';
    case 'option.some': return `some(${inner(k.slice(1))})`;
    case 'result.ok': return k.length > 1 ? `ok(${inner(k.slice(1))})` : 'ok';
    case 'result.err': return k.length > 1 ? `err(${inner(k.slice(1))})` : 'err';
    default: break;
  }
  const m = /^(\w+)\.const$/.exec(head);
  if (!m) throw new Error(`unsupported value ${Array.isArray(v) ? v.join(' ') : v}`);
  const val = k[1];
  switch (m[1]) {
    case 'bool': return val;
    case 'str': return `"${waveStr(unquote(val), '"')}"`;
    case 'char': return `'${waveStr(unquote(val), "'")}'`;
    case 's8': case 'u8': case 's16': case 'u16': case 's32': case 'u32': case 's64': case 'u64':
      return waveInt(val);
    case 'f32': return waveFloat(val, true);
    case 'f64': return waveFloat(val, false);
    default: throw new Error(`unsupported value ${head}`);
  }
}

function invokeParts(expr) {
  const k = children(expr);
  if (k[0] !== 'invoke') throw new Error(`expected (invoke ...), got ${expr.slice(0, 40)}`);
  return { name: unquote(k[1]), args: k.slice(2).map((x) => wave(x)).join(', ') };
}

// (component [definition] [$name] [binary|quote] ...) -> its parts.
function componentForm(e) {
  const k = children(e);
  let i = 1;
  const def = k[i] === 'definition';
  if (def) i++;
  let name = null;
  if (k[i] && k[i].startsWith('$')) name = k[i++];
  const form = k[i] === 'binary' || k[i] === 'quote' ? k[i] : 'text';
  // the text of the component without `definition` and its name
  const text = name || def ? '(component ' + k.slice(i).join(' ') + ')' : e;
  return { def, name, form, strings: form === 'text' ? null : k.slice(i + 1), text };
}

async function main() {
  const argv = process.argv.slice(2);
  const suite = argv[0] === '--suite';
  if (suite) argv.shift();
  const [input, outDir] = argv;
  if (!input || !outDir) die('usage: wast-split.mjs [--suite] IN.wast OUT_DIR');
  const { parse } = await import(pathToFileURL(join(here, 'npm', 'node_modules', '@bytecodealliance', 'jco-transpile', 'dist', 'wasm-tools.js')).href);
  mkdirSync(outDir, { recursive: true });
  const src = readFileSync(input, 'utf8');
  const lines = [];
  let n = 0;
  class NA extends Error {}
  const binary = async (expr, what) => {
    const c = componentForm(expr);
    if (c.form === 'quote') throw new NA('(component quote ...): the text format is not the runtime\'s');
    const file = `${n++}.wasm`;
    let bytes;
    if (c.form === 'binary') {
      bytes = Buffer.concat(c.strings.map((s) => Buffer.from(strBytes(s))));
    } else {
      try {
        bytes = await parse(c.text);
      } catch (e) {
        if (suite) throw new NA(`the text parser cannot encode it: ${String(e.message || e).split('\n')[0]}`);
        die(`${input}: ${what}: ${e.message || e}`);
      }
    }
    writeFileSync(join(outDir, file), bytes);
    return file;
  };
  // --suite: what runs on a component that is n/a is n/a too
  const naDefs = new Set();
  let curNA = false;
  for (const { text: e, line } of sexprs(src)) {
    const k = children(e);
    try {
      if (curNA && (k[0] === 'invoke' || ((k[0] === 'assert_return' || k[0] === 'assert_trap') && k[1].startsWith('(invoke'))))
        throw new NA('its component is n/a');
      switch (k[0]) {
        case 'component': {
          if (k[1] === 'instance') {
            curNA = naDefs.has(k[3]);
            if (curNA) throw new NA(`definition ${k[3]} is n/a`);
            lines.push(['instance', k[3], line]);
          } else {
            const c = componentForm(e);
            if (c.def) {
              try {
                lines.push(['definition', c.name, await binary(e, `line ${line}`), line]);
              } catch (err) {
                naDefs.add(c.name);
                throw err;
              }
            } else {
              curNA = true;
              lines.push(['module', await binary(e, `line ${line}`), line]);
              curNA = false;
            }
          }
          break;
        }
        case 'invoke': {
          const { name, args } = invokeParts(e);
          lines.push(['invoke', name, args, '-', line]);
          break;
        }
        case 'assert_return': {
          const { name, args } = invokeParts(k[1]);
          lines.push(['invoke', name, args, k[2] ? wave(k[2]) : '', line]);
          break;
        }
        case 'assert_trap': {
          const msg = unquote(k[2]);
          if (k[1].startsWith('(invoke')) {
            const { name, args } = invokeParts(k[1]);
            lines.push(['trap', name, args, msg, line]);
          } else {
            lines.push(['trap_module', await binary(k[1], `line ${line}`), msg, line]);
          }
          break;
        }
        case 'assert_invalid':
        case 'assert_malformed': {
          lines.push(['invalid', await binary(k[1], `line ${line}`), unquote(k[2]), line]);
          break;
        }
        default:
          throw new Error(`unsupported command ${k[0]}`);
      }
    } catch (err) {
      if (!suite) die(`${input}:${line}: ${err.message}`);
      lines.push(['na', `${k[0]}: ${err.message}`.replace(/[\t\n]/g, ' '), line]);
    }
  }
  writeFileSync(join(outDir, 'manifest'), lines.map((l) => l.join('\t')).join('\n') + '\n');
}

main().catch((e) => die(e.stack || String(e)));
