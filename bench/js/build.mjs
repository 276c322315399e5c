#!/usr/bin/env node
// Builds bench/js/hello.js into a wasi:cli command component with
// componentize-js (tools/componentize-js.mjs says how the WIT is
// assembled), out of the source tree:
//   node build.mjs ROOT OUT.wasm WORKDIR [SOURCE.js]
// (SOURCE: a file of bench/js, hello.js by default.)
// Exits 3 when componentize-js is not installed (the bench then skips its
// rows).
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [root, out, work, src] = process.argv.slice(2);
if (!root || !out || !work) {
  console.error('usage: build.mjs ROOT OUT.wasm WORKDIR');
  process.exit(2);
}
const { installed, componentizeJs } = await import(pathToFileURL(join(root, 'tools', 'componentize-js.mjs')).href);
if (!installed(root)) {
  console.error(`build.mjs: componentize-js is not installed (under ${root}/tools/npm; run: make deps)`);
  process.exit(3);
}
// A command that needs no sockets or HTTP: what `wasmplug run` provides by
// default (the engine's other imports are left out by componentize-js).
const imports = ['clocks/monotonic-clock', 'clocks/wall-clock', 'random/random', 'cli/environment', 'cli/exit',
  'cli/stdin', 'cli/stdout', 'cli/stderr'];
try {
  await componentizeJs({
    root, out: resolve(out), work: resolve(work),
    source: fileURLToPath(new URL(src || 'hello.js', import.meta.url)),
    versionOf: /wasi:cli\/[a-z-]+@(0\.2\.\d+)/,
    worldName: 'hello',
    world: (ver) => `package bench:js-hello;\nworld hello {\n${imports.map((i) => `  import wasi:${i}@${ver};\n`).join('')}` +
      `  export wasi:cli/run@${ver};\n}\n`,
    // no HTTP: hello.js sends nothing, and a component that imports wasi:http
    // makes `wasmplug run` register the wasi:http plugins (about 8 ms of a start)
    options: { disableFeatures: ['http', 'fetch-event'] },
  });
} catch (e) {
  console.error(`build.mjs: ${e.message}`);
  process.exit(1);
}
