#!/usr/bin/env node
// Component .wast scripts -> component binaries + a command manifest, for
// tests/async's runner (run_wast).  The script language is the Component
// Model test suite's (test/async/*.wast), with the commands our tests use:
//
//   (component $c? ...)                 define and instantiate (the current instance)
//   (component definition $C ...)       define only
//   (component instance $i $C)          instantiate definition $C (the current instance)
//   (invoke "f" arg...)                 call, must not trap
//   (assert_return (invoke "f" arg...) result?)
//   (assert_trap (invoke "f" arg...) "message part")
//   (assert_trap (component ...) "message part")     instantiation traps
//   (assert_invalid (component ...) "message part")  refused when loaded
//
// Arguments and results are `(T.const V)` for T in bool s8..u64 f32 f64
// char str, and (list.const ...) of them; they become WAVE text.
//
//   node tools/wast-split.mjs IN.wast OUT_DIR
// writes OUT_DIR/N.wasm and OUT_DIR/manifest (one command per line, fields
// separated by tabs).  Text is converted by jco-transpile's wasm-tools
// `parse` (see componentize.mjs).
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

function unquote(s) {
  if (!s.startsWith('"')) die(`expected a string, got ${s}`);
  return JSON.parse(s.replace(/\\u\{([0-9a-fA-F]+)\}/g, (_, h) => String.fromCodePoint(parseInt(h, 16))));
}

// (T.const V) -> WAVE
function wave(v) {
  const k = children(v);
  const head = k[0];
  if (head === 'list.const') return `[${k.slice(1).map(wave).join(', ')}]`;
  const m = /^(\w+)\.const$/.exec(head);
  if (!m) die(`unsupported value ${v}`);
  const val = k[1];
  switch (m[1]) {
    case 'bool': return val;
    case 'str': return JSON.stringify(unquote(val));
    case 'char': {
      const c = unquote(val);
      return c === "'" ? "'\\''" : c === '\\' ? "'\\\\'" : `'${c}'`;
    }
    default: return val.replace(/_/g, '');
  }
}

function invokeParts(expr) {
  const k = children(expr);
  if (k[0] !== 'invoke') die(`expected (invoke ...), got ${expr.slice(0, 40)}`);
  return { name: unquote(k[1]), args: k.slice(2).map(wave).join(', ') };
}

async function main() {
  const [input, outDir] = process.argv.slice(2);
  if (!input || !outDir) die('usage: wast-split.mjs IN.wast OUT_DIR');
  const { parse } = await import(pathToFileURL(join(here, 'npm', 'node_modules', '@bytecodealliance', 'jco-transpile', 'dist', 'wasm-tools.js')).href);
  mkdirSync(outDir, { recursive: true });
  const src = readFileSync(input, 'utf8');
  const lines = [];
  let n = 0;
  const binary = async (text, what) => {
    const file = `${n++}.wasm`;
    try {
      writeFileSync(join(outDir, file), await parse(text));
    } catch (e) {
      die(`${input}: ${what}: ${e.message || e}`);
    }
    return file;
  };
  for (const { text: e, line } of sexprs(src)) {
    const k = children(e);
    switch (k[0]) {
      case 'component': {
        if (k[1] === 'instance') {
          lines.push(['instance', k[3], line]);
        } else if (k[1] === 'definition') {
          const name = k[2];
          const text = '(component ' + e.slice(e.indexOf(name) + name.length);
          lines.push(['definition', name, await binary(text, `line ${line}`), line]);
        } else {
          lines.push(['module', await binary(e, `line ${line}`), line]);
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
      case 'assert_invalid': {
        lines.push(['invalid', await binary(k[1], `line ${line}`), unquote(k[2]), line]);
        break;
      }
      default:
        die(`${input}:${line}: unsupported command ${k[0]}`);
    }
  }
  writeFileSync(join(outDir, 'manifest'), lines.map((l) => l.join('\t')).join('\n') + '\n');
}

main().catch((e) => die(e.stack || String(e)));
