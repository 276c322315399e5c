// diff.mjs — differential testing of wasmplug on generated modules.
//
// For every seed, gen.mjs makes a valid module and a sequence of calls; the
// module runs in Node's V8 and in wasmplug under every tier and translator
// asked for (each a wast_host process), and every call's outcome must agree:
// the results, or the kind of trap; after each call, the module's state (a
// checksum of memory, globals and tables) and its count of NaN-rule
// violations (which must be 0).  wasmplug configurations must agree with
// each other exactly; with V8 they agree up to what V8 does not tell apart
// (see V8_TRAPS).
//
//   node diff.mjs --host PATH/wast_host --spectest PATH/spectest.wasm
//                 --work DIR [--seeds 1-40,77] [--tiers baseline,optimized]
//                 [--translators wasm2c,own] [--cache DIR] [--no-v8]
//                 [--gen key=value,...] [--avoid auto|none|BUG,...] [--quiet]
//
// Seeds also come from $WASMPLUG_DIFF_SEEDS (same syntax; it wins over
// --seeds), so a long local run is `WASMPLUG_DIFF_SEEDS=1-5000 ctest -R
// core.diff.baseline` or tools/difftest.sh.  Every module that disagrees
// is kept in DIR as seed-N.wat with seed-N.calls (the calls, one per line,
// in the wast_host syntax); `node diff.mjs --replay DIR/seed-N.wat ...`
// runs one again, and tests/core/diff/cases/ holds reduced ones.
// --avoid keeps the generator from triggering known bugs (KNOWN_BUGS), so
// that a configuration that has them can still be tested for the others;
// "auto" (the default) avoids those of the configurations under test.
// Exit status: 0 when everything agreed, 1 otherwise.
import fs from 'node:fs';
import path from 'node:path';
import { generate } from './gen.mjs';
import { HostProc } from './hostproc.mjs';
import { runV8, runHost, show, DEVIATIONS, resultTypesOf, firstDisagreement } from './engines.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const wasmTools = path.resolve(here, '../../../tools/npm/node_modules/@bytecodealliance/jco-transpile/dist/wasm-tools.js');

// -------------------------------------------------------------- options

function parseArgs(argv) {
  const o = { seeds: '1-20', tiers: 'baseline', translators: '', gen: '', v8: true, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--host') o.host = val();
    else if (a === '--spectest') o.spectest = val();
    else if (a === '--work') o.work = val();
    else if (a === '--seeds') o.seeds = val();
    else if (a === '--tiers') o.tiers = val();
    else if (a === '--translators') o.translators = val();
    else if (a === '--cache') o.cache = val();
    else if (a === '--gen') o.gen = val();
    else if (a === '--replay') o.replay = val();
    else if (a === '--avoid') o.avoid = val();
    else if (a === '--no-v8') o.v8 = false;
    else if (a === '--quiet') o.quiet = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (process.env.WASMPLUG_DIFF_SEEDS) o.seeds = process.env.WASMPLUG_DIFF_SEEDS;
  for (const k of ['host', 'spectest', 'work'])
    if (!o[k]) throw new Error(`--${k} is required`);
  return o;
}

function parseSeeds(s) {
  const out = [];
  for (const part of s.split(',').filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`bad seed list '${s}'`);
    const a = Number(m[1]), b = m[2] ? Number(m[2]) : a;
    for (let x = a; x <= b; x++) out.push(x);
  }
  return out;
}

function parseGen(s) {
  const o = {};
  for (const kv of s.split(',').filter(Boolean)) {
    const [k, v] = kv.split('=');
    o[k] = v === 'true' ? true : v === 'false' ? false : Number(v);
  }
  return o;
}

// Known bugs (each with a case in cases/ marked known-failure) that --avoid
// keeps the generator from triggering.
const KNOWN_BUGS = {
  // tcc compiles wasm2c's -(x) as a subtraction, so f32/f64.neg keeps the
  // sign of a NaN (cases/float_neg_nan.wast).
  'fneg-nan': { configs: ['baseline/wasm2c'] },
};

// ----------------------------------------------------------------- main

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const { parse } = await import(wasmTools);
  fs.mkdirSync(o.work, { recursive: true });
  const configs = [];
  for (const tier of o.tiers.split(',').filter(Boolean))
    for (const tr of (o.translators || '').split(',')) {
      const argv = [o.host, '--tier', tier, '--spectest', o.spectest];
      if (o.cache) argv.push('--cache', o.cache);
      const env = tr ? { WASMPLUG_TRANSLATOR: tr } : {};
      configs.push({ name: `${tier}${tr ? '/' + tr : ''}`, tier, translator: tr, host: new HostProc(argv, env) });
    }
  const genOpts = parseGen(o.gen);
  let avoid = [];
  if (!o.avoid || o.avoid === 'auto') {
    avoid = Object.keys(KNOWN_BUGS).filter((b) =>
      configs.some((c) => KNOWN_BUGS[b].configs.includes(`${c.tier}/${c.translator || 'wasm2c'}`)));
  } else if (o.avoid !== 'none') {
    avoid = o.avoid.split(',').filter(Boolean);
    for (const b of avoid) if (!KNOWN_BUGS[b]) throw new Error(`--avoid: unknown bug '${b}'`);
  }
  genOpts.avoid = avoid;
  if (avoid.length && !o.quiet) console.log(`avoiding known bugs: ${avoid.join(', ')}`);

  let jobs;
  if (o.replay) {
    const wat = fs.readFileSync(o.replay, 'utf8');
    const callsFile = o.replay.replace(/\.wat$/, '.calls');
    const calls = fs.readFileSync(callsFile, 'utf8').split('\n').filter(Boolean).map((l) => {
      const [fn, ...args] = l.split(' ').filter(Boolean);
      return { fn, args };
    });
    jobs = [{ name: path.basename(o.replay, '.wat'), wat, calls }];
  } else {
    jobs = parseSeeds(o.seeds).map((seed) => ({ name: `seed-${seed}`, seed }));
  }

  let failed = 0, ncalls = 0;
  const outcomes = {};
  const t0 = Date.now();
  for (const job of jobs) {
    if (job.seed !== undefined) Object.assign(job, generate(job.seed, genOpts));
    let bytes;
    try {
      bytes = await parse(job.wat);
    } catch (e) {
      failed++;
      fs.writeFileSync(path.join(o.work, `${job.name}.wat`), job.wat);
      console.log(`${job.name}: the generator made text wasm-tools refuses: ${String(e.payload ?? e).slice(0, 500)}`);
      continue;
    }
    const file = path.resolve(o.work, `${job.name}.wasm`);
    fs.writeFileSync(file, bytes);
    const resultTypes = resultTypesOf(job.wat);
    const problems = [];
    // Every configuration is compared with V8 (allowing its translator's
    // known deviations), and exactly with the first configuration of the
    // same translator (the tiers must never differ).
    let v8 = null;
    if (o.v8) {
      v8 = runV8(bytes, job.calls, resultTypes);
      if (v8.instantiate) problems.push(`V8 did not instantiate it: ${v8.instantiate}`);
    }
    const firstOf = {};
    const compare = (refName, ref, c, w, deviations) => {
      const d = firstDisagreement(ref, w, job.calls.length, deviations);
      if (!d) return;
      const call = `${job.calls[d.i].fn} ${job.calls[d.i].args.join(' ')}`;
      problems.push(`call #${d.i} ${call}\n    ${refName.padEnd(20)} ${show(d.a)}\n    ${c.name.padEnd(20)} ${show(d.b)}`);
    };
    for (const c of configs) {
      const w = await runHost(c.host, file, job.calls);
      if (w.instantiate) {
        problems.push(`${c.name}: module: ${w.instantiate}`);
        continue;
      }
      if (v8 && !v8.instantiate) compare('V8', v8, c, w, DEVIATIONS[c.translator || 'wasm2c']);
      const first = firstOf[c.translator];
      if (first) compare(first.c.name, first.w, c, w);
      else firstOf[c.translator] = { c, w };
      if (w.out.some((x) => x.crash)) await c.host.close();
    }
    ncalls += job.calls.length;
    const ref = v8 || Object.values(firstOf)[0]?.w;
    for (const x of (ref && ref.out) || []) {
      const k = x.ok ? 'ok' : `trap ${[].concat(x.trap).join('|')}`;
      outcomes[k] = (outcomes[k] || 0) + 1;
    }
    if (problems.length) {
      failed++;
      fs.writeFileSync(path.join(o.work, `${job.name}.wat`), job.wat);
      fs.writeFileSync(path.join(o.work, `${job.name}.calls`), job.calls.map((c) => `${c.fn} ${c.args.join(' ')}\n`).join(''));
      console.log(`MISMATCH ${job.name} (kept as ${path.join(o.work, job.name)}.wat/.calls):\n  ${problems.join('\n  ')}`);
    } else {
      fs.rmSync(file);
      if (!o.quiet) console.log(`${job.name}: ${job.calls.length} calls agree`);
    }
  }
  for (const c of configs) await c.host.close();
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`${jobs.length - failed}/${jobs.length} modules agree across ${[o.v8 ? 'V8' : null, ...configs.map((c) => c.name)].filter(Boolean).join(', ')}` +
    ` (${ncalls} calls; ${secs} s)`);
  console.log(`outcomes: ${Object.entries(outcomes).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(`diff.mjs: ${e.stack || e}`);
  process.exitCode = 2;
});
