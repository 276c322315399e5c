#!/usr/bin/env node
// Test toolchain for components, shared by every layer's tests.
//
//   node tools/componentize.mjs parse IN.wat OUT.wasm
//       component (or core module) text format -> binary
//   node tools/componentize.mjs new CORE.wasm --wit WIT --world WORLD
//                               [--adapter command|reactor|none] -o OUT.wasm
//       core wasm + WIT (a .wit file, or a folder of .wit files with an
//       optional deps/ folder of packages) -> component;
//       the module's wasi_snapshot_preview1 imports are satisfied by jco's
//       bundled preview1 adapter (default: none)
//   node tools/componentize.mjs print IN.wasm
//       binary -> text on stdout (debugging aid)
//   node tools/componentize.mjs validate IN.wasm
//       wasm-tools' checks of a component: it is printed, parsed back, and
//       its WIT world decoded (prints the world); fails with the reason
//
// Why this script and not the `jco` CLI: `jco embed --wit` fails here, and the
// functions we need (componentEmbed, componentNew, parse, print) live in
// jco-transpile's dist/wasm-tools.js, which that package's exports map hides.
// We therefore import that file by path from tools/npm/node_modules (populated
// by scripts/install-deps.sh from tools/npm/package.json).
import { readFileSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nm = join(here, 'npm', 'node_modules', '@bytecodealliance');

function die(msg) {
  process.stderr.write(`componentize: ${msg}\n`);
  process.exit(1);
}

export async function tools() {
  const path = join(nm, 'jco-transpile', 'dist', 'wasm-tools.js');
  try {
    return await import(pathToFileURL(path).href);
  } catch (e) {
    die(`cannot load ${path} (run scripts/install-deps.sh): ${e.message}`);
  }
}

function parseArgs(argv) {
  const pos = [];
  const opt = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-o' || a.startsWith('--')) {
      if (i + 1 >= argv.length) die(`option ${a} needs a value`);
      opt[a === '-o' ? 'out' : a.slice(2)] = argv[++i];
    } else {
      pos.push(a);
    }
  }
  return { pos, opt };
}

// jco's WIT embedding runs sandboxed and cannot read files (`witPath` traps),
// so a folder is flattened into one source: the folder's .wit files form
// the main package (one `package` line kept), and each package under deps/
// becomes a nested `package ns:name@ver { ... }` block.
const PKG_RE = /^\s*package\s+([^;{\s]+)\s*;\s*$/m;

function witFiles(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.wit'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

function mergePackage(texts, where) {
  let name = null;
  const bodies = texts.map((t) => {
    const m = t.match(PKG_RE);
    if (m) {
      if (name && name !== m[1]) die(`${where}: files declare packages ${name} and ${m[1]}`);
      name = m[1];
    }
    return t.replace(PKG_RE, '');
  });
  return { name, body: bodies.join('\n') };
}

function witSpec(p) {
  if (statSync(p).isFile()) return { witSource: readFileSync(p, 'utf8') };
  const main = mergePackage(witFiles(p), p);
  if (!main.name) die(`${p}: no \`package\` declaration in its .wit files`);
  let src = `package ${main.name};\n${main.body}\n`;
  const deps = join(p, 'deps');
  let entries = [];
  try {
    entries = readdirSync(deps).sort();
  } catch {
    entries = [];
  }
  for (const e of entries) {
    const full = join(deps, e);
    const texts = statSync(full).isDirectory() ? witFiles(full)
                : e.endsWith('.wit') ? [readFileSync(full, 'utf8')] : [];
    if (!texts.length) continue;
    const dep = mergePackage(texts, full);
    if (!dep.name) die(`${full}: no \`package\` declaration`);
    src += `\npackage ${dep.name} {\n${dep.body}\n}\n`;
  }
  return { witSource: src };
}

export function errText(e) {
  // jco's errors are ComponentError objects whose payload is in .payload.
  return e && e.payload ? String(e.payload) : String(e && e.message ? e.message : e);
}

async function main() {
  const [mode, ...rest] = process.argv.slice(2);
  const { pos, opt } = parseArgs(rest);
  const wt = await tools();
  if (mode === 'parse') {
    if (pos.length !== 2) die('usage: parse IN.wat OUT.wasm');
    let bytes;
    try {
      bytes = await wt.parse(readFileSync(pos[0], 'utf8'));
    } catch (e) {
      die(`${pos[0]}: ${errText(e)}`);
    }
    writeFileSync(pos[1], bytes);
  } else if (mode === 'new') {
    if (pos.length !== 1 || !opt.wit || !opt.world || !opt.out)
      die('usage: new CORE.wasm --wit WIT --world WORLD [--adapter command|reactor|none] -o OUT.wasm');
    const adapterKind = opt.adapter || 'none';
    if (!['command', 'reactor', 'none'].includes(adapterKind))
      die(`--adapter must be command, reactor or none, not '${adapterKind}'`);
    let embedded, component;
    try {
      embedded = await wt.componentEmbed({
        binary: readFileSync(pos[0]),
        world: opt.world,
        ...witSpec(opt.wit),
      });
    } catch (e) {
      die(`${pos[0]}: embedding WIT ${opt.wit}: ${errText(e)}`);
    }
    const adapters = [];
    if (adapterKind !== 'none') {
      const a = join(nm, 'jco', 'lib', `wasi_snapshot_preview1.${adapterKind}.wasm`);
      adapters.push(['wasi_snapshot_preview1', readFileSync(a)]);
    }
    try {
      component = await wt.componentNew(embedded, adapters);
    } catch (e) {
      die(`${pos[0]}: component new: ${errText(e)}`);
    }
    writeFileSync(opt.out, component);
  } else if (mode === 'print') {
    if (pos.length !== 1) die('usage: print IN.wasm');
    try {
      process.stdout.write((await wt.print(readFileSync(pos[0]))) + '\n');
    } catch (e) {
      die(`${pos[0]}: ${errText(e)}`);
    }
  } else if (mode === 'validate') {
    if (pos.length !== 1) die('usage: validate IN.wasm');
    try {
      const bytes = readFileSync(pos[0]);
      const text = await wt.print(bytes);
      await wt.parse(text);
      process.stdout.write((await wt.componentWit(bytes)) + '\n');
    } catch (e) {
      die(`${pos[0]}: ${errText(e)}`);
    }
  } else {
    die('usage: componentize.mjs parse|new|print|validate ... (see the comment at the top)');
  }
}

// Run as a script (tests/component/spec/wast.mjs imports tools() instead).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
