#!/usr/bin/env node
// Builds the JavaScript wasi:http handler (handler.js) into a component with
// componentize-js (tools/componentize-js.mjs says how the WIT is assembled):
//   node build.mjs ROOT OUT.wasm WORKDIR
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [root, out, work] = process.argv.slice(2);
if (!root || !out || !work) {
  console.error('usage: build.mjs ROOT OUT.wasm WORKDIR');
  process.exit(2);
}
const { componentizeJs } = await import(pathToFileURL(join(root, 'tools', 'componentize-js.mjs')).href);
try {
  await componentizeJs({
    root, out: resolve(out), work: resolve(work),
    source: fileURLToPath(new URL('handler.js', import.meta.url)),
    versionOf: /wasi:http\/incoming-handler@(0\.2\.\d+)/,
    worldName: 'guest',
    world: (ver) => `package test:js-guest;\nworld guest {\n  include wasi:http/proxy@${ver};\n}\n`,
  });
} catch (e) {
  console.error(`build.mjs: ${e.message}`);
  process.exit(1);
}
