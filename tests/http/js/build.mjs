#!/usr/bin/env node
// Builds the JavaScript wasi:http handler (handler.js) into a component with
// componentize-js (StarlingMonkey, installed with jco in tools/npm):
//   node build.mjs ROOT OUT.wasm WORKDIR
// componentize-js needs the WIT of the world it targets.  Its engine is built
// against one WASI 0.2.x (read from the engine: 0.2.10 in componentize-js
// 0.22), so the WIT folder is put together for that version: jco's bundled
// WIT where jco has that version of a package (wasi:sockets), else our
// 0.2.12 copies (plugins/wasi, plugins/http) renamed to it — the interfaces
// the handler uses are the same across 0.2.x.  wasmplug serves it with its
// 0.2.12 plugins (semver: 0.2.12 provides what 0.2.10 asks for).
import { readFileSync, writeFileSync, mkdirSync, rmSync, cpSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [root, out, work] = process.argv.slice(2);
if (!root || !out || !work) {
  console.error('usage: build.mjs ROOT OUT.wasm WORKDIR');
  process.exit(2);
}
const nm = join(root, 'tools', 'npm', 'node_modules', '@bytecodealliance');
const cjs = join(nm, 'componentize-js');
const engine = readFileSync(join(cjs, 'lib', 'starlingmonkey_embedding.wasm')).toString('latin1');
const m = engine.match(/wasi:http\/incoming-handler@(0\.2\.\d+)/);
if (!m) {
  console.error('build.mjs: cannot tell which WASI 0.2.x the componentize-js engine targets');
  process.exit(1);
}
const ver = m[1];
const wit = join(work, 'wit');
rmSync(work, { recursive: true, force: true });
mkdirSync(join(wit, 'deps'), { recursive: true });
const ours = [join(root, 'plugins', 'wasi', 'wit', '0.2.12', 'deps'), join(root, 'plugins', 'http', 'wit', '0.2.12', 'deps')];
const jcoWit = join(nm, 'jco', 'lib', 'wit', 'builtin', ver);
for (const dir of ours)
  for (const pkg of readdirSync(dir)) {
    const dst = join(wit, 'deps', pkg);
    mkdirSync(dst, { recursive: true });
    const bundled = join(jcoWit, `wasi-${pkg}`, 'package.wit');
    let text, mine = readFileSync(join(dir, pkg, 'package.wit'), 'utf8').replaceAll('0.2.12', ver);
    if (existsSync(bundled)) {
      text = readFileSync(bundled, 'utf8');
      // jco's copy may lack the package's `imports` world that others include
      const w = mine.match(/\nworld imports \{[^}]*\}/);
      if (w && !/\nworld imports \{/.test(text)) text += w[0] + '\n';
    } else {
      text = mine;
    }
    writeFileSync(join(dst, 'package.wit'), text);
  }
writeFileSync(join(wit, 'guest.wit'), `package test:js-guest;\nworld guest {\n  include wasi:http/proxy@${ver};\n}\n`);
cpSync(join(fileURLToPath(new URL('.', import.meta.url)), 'handler.js'), join(work, 'handler.js'));

const { componentize } = await import(pathToFileURL(join(cjs, 'src', 'componentize.js')).href);
const t0 = Date.now();
// componentize-js reads its inputs through WASI preopens of the working
// directory: relative paths from there
process.chdir(work);
const { component } = await componentize({ sourcePath: 'handler.js', witPath: 'wit', worldName: 'guest' });
writeFileSync(out, component);
console.log(`componentize-js: ${out}: ${component.length} bytes (WASI ${ver}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
