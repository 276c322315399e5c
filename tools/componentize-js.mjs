// Builds a JavaScript file into a component with componentize-js
// (StarlingMonkey, installed with jco in tools/npm); shared by
// tests/http/js/build.mjs (a wasi:http handler) and bench/js/build.mjs (a
// wasi:cli command).
//
// componentize-js needs the WIT of the world it targets.  Its engine is built
// against one WASI 0.2.x (read from the engine: 0.2.10 in componentize-js
// 0.22), so the WIT folder is put together for that version: jco's bundled
// WIT where jco has that version of a package (wasi:sockets), else our
// 0.2.12 copies (plugins/wasi, plugins/http) renamed to it — the interfaces
// the guests use are the same across 0.2.x.  wasmplug runs them with its
// 0.2.12 plugins (semver: 0.2.12 provides what 0.2.10 asks for).
import { readFileSync, writeFileSync, mkdirSync, rmSync, cpSync, readdirSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';

function paths(root) {
  const nm = join(root, 'tools', 'npm', 'node_modules', '@bytecodealliance');
  const cjs = join(nm, 'componentize-js');
  return { nm, cjs, engine: join(cjs, 'lib', 'starlingmonkey_embedding.wasm'), entry: join(cjs, 'src', 'componentize.js') };
}

// Whether componentize-js is installed under ROOT/tools/npm.
export function installed(root) {
  const p = paths(root);
  return existsSync(p.entry) && existsSync(p.engine);
}

// Builds `source` (a .js file) into `out`, in the fresh folder `work`:
//   versionOf: a RegExp whose group 1 is the WASI 0.2.x version in the engine
//   world(ver): the text of the world's .wit file (package + world `worldName`)
//   options: more componentize() options (disableFeatures...)
// Throws an Error saying what failed.
export async function componentizeJs({ root, out, work, source, versionOf, world, worldName, options = {} }) {
  const { nm, cjs, engine, entry } = paths(root);
  const m = readFileSync(engine).toString('latin1').match(versionOf);
  if (!m) throw new Error('cannot tell which WASI 0.2.x the componentize-js engine targets');
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
  writeFileSync(join(wit, `${worldName}.wit`), world(ver));
  const src = basename(source);
  cpSync(source, join(work, src));

  const { componentize } = await import(pathToFileURL(entry).href);
  const t0 = Date.now();
  // componentize-js reads its inputs through WASI preopens of the working
  // directory: relative paths from there
  const cwd = process.cwd();
  process.chdir(work);
  try {
    const { component } = await componentize({ sourcePath: src, witPath: 'wit', worldName, ...options });
    writeFileSync(out, component);
    console.log(`componentize-js: ${out}: ${component.length} bytes (WASI ${ver}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    process.chdir(cwd);
  }
}
