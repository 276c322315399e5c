#!/usr/bin/env node
// Builds bench/js/hello.js into a wasi:cli command component with
// componentize-js (installed with jco in tools/npm), out of the source tree:
//   node build.mjs ROOT OUT.wasm WORKDIR
// Exits 3 when componentize-js is not installed (the bench then skips its
// rows).  The WIT folder is assembled as tests/http/js/build.mjs does: the
// engine is built against one WASI 0.2.x, read from the engine itself.
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
const engineFile = join(cjs, 'lib', 'starlingmonkey_embedding.wasm');
if (!existsSync(join(cjs, 'src', 'componentize.js')) || !existsSync(engineFile)) {
  console.error(`build.mjs: componentize-js is not installed (${cjs}; run: make deps)`);
  process.exit(3);
}
const engine = readFileSync(engineFile).toString('latin1');
const m = engine.match(/wasi:cli\/[a-z-]+@(0\.2\.\d+)/);
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
      const w = mine.match(/\nworld imports \{[^}]*\}/);
      if (w && !/\nworld imports \{/.test(text)) text += w[0] + '\n';
    } else {
      text = mine;
    }
    writeFileSync(join(dst, 'package.wit'), text);
  }
// A command that needs no sockets or HTTP: what `wasmplug run` provides by
// default (the engine's other imports are left out by componentize-js).
const imports = ['clocks/monotonic-clock', 'clocks/wall-clock', 'random/random', 'cli/environment', 'cli/exit',
  'cli/stdin', 'cli/stdout', 'cli/stderr'].map((i) => `  import wasi:${i}@${ver};\n`).join('');
writeFileSync(join(wit, 'hello.wit'), `package bench:js-hello;\nworld hello {\n${imports}  export wasi:cli/run@${ver};\n}\n`);
cpSync(join(fileURLToPath(new URL('.', import.meta.url)), 'hello.js'), join(work, 'hello.js'));

const { componentize } = await import(pathToFileURL(join(cjs, 'src', 'componentize.js')).href);
const t0 = Date.now();
process.chdir(work); // componentize-js reads its inputs through preopens of the working directory
// no HTTP: `wasmplug run` does not provide wasi:http (serve does)
const { component } = await componentize({ sourcePath: 'hello.js', witPath: 'wit', worldName: 'hello',
  disableFeatures: ['http', 'fetch-event'] });
writeFileSync(out, component);
console.log(`componentize-js: ${out}: ${component.length} bytes (WASI ${ver}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
