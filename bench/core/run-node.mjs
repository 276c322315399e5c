// run-node.mjs — runs a WASI preview1 command module on Node's WebAssembly
// (V8), the reference the wasmplug tiers are compared with in bench/run.sh.
// usage: node run-node.mjs [--dir HOST::GUEST] [--env NAME=VALUE] FILE.wasm [ARGS...]
// The exit status is the guest's.  Like `wasmplug run`, the guest gets only
// the directories and variables given.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv, exit } from 'node:process';

const preopens = {};
const env = {};
let i = 2;
for (; i < argv.length && argv[i].startsWith('--'); i += 2) {
  const [opt, val] = [argv[i], argv[i + 1] ?? ''];
  if (opt === '--dir') {
    const [host, guest] = val.split('::');
    preopens[guest ?? host] = host;
  } else if (opt === '--env' && val.includes('=')) {
    env[val.slice(0, val.indexOf('='))] = val.slice(val.indexOf('=') + 1);
  } else {
    console.error(`run-node.mjs: bad option ${opt} ${val}`);
    exit(2);
  }
}
const file = argv[i];
if (!file) {
  console.error('usage: node run-node.mjs [--dir HOST::GUEST] [--env NAME=VALUE] FILE.wasm [ARGS...]');
  exit(2);
}
const wasi = new WASI({
  version: 'preview1',
  args: [file, ...argv.slice(i + 1)],
  env,
  preopens,
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
exit(wasi.start(instance) ?? 0);
