// reduce.mjs — shrinks a module on which diff.mjs found a disagreement to
// a small one that still disagrees, for a regression case.
//
//   node reduce.mjs --host PATH/wast_host --spectest PATH/spectest.wasm
//        --tier baseline [--translator T] [--cache DIR] [--module-error REGEX]
//        WORK/seed-N.wat
//
// Reads seed-N.wat and seed-N.calls (as diff.mjs keeps them) and writes
// seed-N.reduced.wat/.calls beside them.  A candidate is kept when V8
// accepts it and the chosen configuration still disagrees with V8 at some
// call (the same comparison as diff.mjs).  Steps: drop the calls after the
// first disagreement, then each earlier call; then, over and over until
// nothing changes, delete S-expressions of the module or replace one by one
// of its parts (the text parser and V8 throw out what is not valid).
// With --module-error, the finding is wasmplug refusing a module V8 runs,
// with a message matching REGEX (a translator emitting C that does not
// compile, say): that is what candidates must keep.
import fs from 'node:fs';
import path from 'node:path';
import { HostProc } from './hostproc.mjs';
import { runV8, runHost, DEVIATIONS, resultTypesOf, firstDisagreement, show } from './engines.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const wasmTools = path.resolve(here, '../../../tools/npm/node_modules/@bytecodealliance/jco-transpile/dist/wasm-tools.js');

// ------------------------------------------------------- S-expressions
// Nodes: {list: [...]} or {atom: 'raw text'} (strings and comments kept raw).

function parseText(src) {
  let i = 0;
  const n = src.length;
  function skip() {
    for (;;) {
      while (i < n && /\s/.test(src[i])) i++;
      if (src[i] === ';' && src[i + 1] === ';') { while (i < n && src[i] !== '\n') i++; continue; }
      if (src[i] === '(' && src[i + 1] === ';') {
        let d = 1; i += 2;
        while (i < n && d) { if (src.startsWith('(;', i)) { d++; i += 2; } else if (src.startsWith(';)', i)) { d--; i += 2; } else i++; }
        continue;
      }
      return;
    }
  }
  function node() {
    skip();
    if (src[i] === '(') {
      i++;
      const list = [];
      for (;;) {
        skip();
        if (i >= n || src[i] === ')') { i++; break; }
        list.push(node());
      }
      return { list };
    }
    const start = i;
    if (src[i] === '"') {
      i++;
      while (i < n && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
      i++;
    } else {
      while (i < n && !/[\s()]/.test(src[i])) i++;
    }
    return { atom: src.slice(start, i) };
  }
  return node();
}

function print(nd) {
  return nd.atom !== undefined ? nd.atom : `(${nd.list.map(print).join(' ')})`;
}

// What the harness relies on stays whole: the state checksum, the NaN
// checks, the stack overflow export.
const PROTECTED = /^\(func (\(export "checksum"\)|\$(chk32|chk64|canon32|canon64|overflow) )/;

// Every list node with its parent, outermost first (breadth first).
function allSlots(root) {
  const out = [];
  const q = [root];
  while (q.length) {
    const p = q.shift();
    p.list.forEach((c, i) => {
      if (!c.list || (p === root && PROTECTED.test(print(c)))) return;
      out.push({ parent: p, index: i, node: c });
      q.push(c);
    });
  }
  return out;
}

// -------------------------------------------------------------- main

async function main() {
  const argv = process.argv.slice(2);
  const o = { tier: 'baseline', translator: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--host') o.host = argv[++i];
    else if (a === '--spectest') o.spectest = argv[++i];
    else if (a === '--tier') o.tier = argv[++i];
    else if (a === '--translator') o.translator = argv[++i];
    else if (a === '--cache') o.cache = argv[++i];
    else if (a === '--module-error') o.moduleError = new RegExp(argv[++i]);
    else o.file = a;
  }
  if (!o.host || !o.spectest || !o.file) throw new Error('usage: reduce.mjs --host H --spectest S [--tier T] [--translator T] FILE.wat');
  const { parse } = await import(wasmTools);
  const hargv = [o.host, '--tier', o.tier, '--spectest', o.spectest];
  if (o.cache) hargv.push('--cache', o.cache);
  const host = new HostProc(hargv, o.translator ? { WASMPLUG_TRANSLATOR: o.translator } : {});
  const deviations = DEVIATIONS[o.translator || 'wasm2c'];
  const tmp = o.file.replace(/\.wat$/, '.candidate.wasm');

  let wat = fs.readFileSync(o.file, 'utf8');
  let calls = fs.readFileSync(o.file.replace(/\.wat$/, '.calls'), 'utf8').split('\n').filter(Boolean)
    .map((l) => { const [fn, ...args] = l.split(' ').filter(Boolean); return { fn, args }; });

  let tries = 0;
  // Disagreement index (the call), or -1.
  async function test(text, cs) {
    tries++;
    let bytes;
    try {
      bytes = await parse(text);
      new WebAssembly.Module(bytes);
    } catch { return -1; }
    const rt = resultTypesOf(text);
    if (cs.some((c) => c.fn !== 'overflow' && !(c.fn in rt))) return -1;
    const v8 = runV8(bytes, cs, rt);
    if (v8.instantiate) return -1;
    fs.writeFileSync(tmp, bytes);
    const w = await runHost(host, path.resolve(tmp), cs);
    if (o.moduleError) return w.instantiate && o.moduleError.test(w.instantiate) ? cs.length - 1 : -1;
    if (w.instantiate) return -1;
    if (w.out.some((x) => x.crash)) { await host.close(); return cs.length - 1; }
    const d = firstDisagreement(v8, w, cs.length, deviations);
    // A harness error (V8 refusing the call) is not a finding.
    return d && !d.a.error ? d.i : -1;
  }

  if (o.moduleError) calls = calls.slice(0, 1);
  const first = await test(wat, calls);
  if (first < 0) throw new Error('no disagreement to start from');
  calls = calls.slice(0, first + 1);
  // Earlier calls: drop each if it is not needed.
  for (let i = calls.length - 2; i >= 0; i--) {
    const cs = calls.filter((_, k) => k !== i);
    if ((await test(wat, cs)) === cs.length - 1) calls = cs;
  }
  console.log(`calls: ${calls.length}`);

  // The module.
  let root = parseText(wat);
  let changed = true;
  while (changed) {
    changed = false;
    const slots = allSlots(root);
    for (const s of slots) {
      if (!s.parent.list.includes(s.node)) continue; // removed with an ancestor
      const i = s.parent.list.indexOf(s.node);
      const head = s.node.list[0] && s.node.list[0].atom;
      // Keep what the harness relies on.
      if (/^(export|param|result|type|local)$/.test(head)) continue;
      if (/^\(global \$violations /.test(print(s.node))) continue;
      const tryWith = async (replacement) => {
        const saved = s.parent.list.slice();
        s.parent.list.splice(i, 1, ...replacement);
        const t = print(root);
        if ((await test(t, calls)) === calls.length - 1) return true;
        s.parent.list.splice(0, s.parent.list.length, ...saved);
        return false;
      };
      if (await tryWith([])) { changed = true; continue; }
      for (const c of s.node.list.filter((x) => x.list)) {
        if (await tryWith([c])) { changed = true; break; }
      }
    }
    console.log(`module: ${print(root).length} characters (${tries} candidates tried)`);
  }
  wat = print(root).replace(/\) \(func/g, ')\n  (func');
  const out = o.file.replace(/\.wat$/, '.reduced');
  fs.writeFileSync(`${out}.wat`, wat + '\n');
  fs.writeFileSync(`${out}.calls`, calls.map((c) => `${c.fn} ${c.args.join(' ')}\n`).join(''));
  fs.rmSync(tmp, { force: true });
  // Show the final disagreement.
  const bytes = await parse(wat);
  const v8 = runV8(bytes, calls, resultTypesOf(wat));
  fs.writeFileSync(tmp, bytes);
  const w = await runHost(host, path.resolve(tmp), calls);
  fs.rmSync(tmp, { force: true });
  if (w.instantiate) console.log(`wasmplug: ${w.instantiate}`);
  const d = w.instantiate ? null : firstDisagreement(v8, w, calls.length, deviations);
  if (d) console.log(`call ${calls[d.i].fn} ${calls[d.i].args.join(' ')}\n  V8   ${show(d.a)}\n  ${o.tier} ${show(d.b)}`);
  console.log(`written ${out}.wat and ${out}.calls`);
  await host.close();
}

main().catch((e) => {
  console.error(`reduce.mjs: ${e.stack || e}`);
  process.exitCode = 2;
});
