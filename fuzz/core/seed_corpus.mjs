// seed_corpus.mjs — writes generated modules (tests/core/diff/gen.mjs) as
// the validator fuzzer's seed corpus: node seed_corpus.mjs OUTDIR [COUNT]
import fs from 'node:fs';
import path from 'node:path';
import { generate } from '../../tests/core/diff/gen.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const { parse } = await import(path.resolve(here, '../../tools/npm/node_modules/@bytecodealliance/jco-transpile/dist/wasm-tools.js'));
const [out, count = '200'] = process.argv.slice(2);
fs.mkdirSync(out, { recursive: true });
for (let seed = 1; seed <= Number(count); seed++) {
  // Small modules mutate faster: fewer and shorter functions.
  const { wat } = generate(seed, { funcs: 1 + (seed % 4), tests: 1 + (seed % 3), bodySize: 10 + (seed % 30) });
  fs.writeFileSync(path.join(out, `gen-${seed}.wasm`), await parse(wat));
}
