// wast.mjs — reads WebAssembly script files (.wast) into commands with
// module binaries, for tools/spectest/run.mjs.
//
// wabt's wast2json (Debian's 1.0.32) cannot read a third of today's spec
// test suite (GC, exceptions, typed references, newer syntax), so this reads
// the script itself: a small S-expression reader splits the commands, and
// wasm-tools (jco's `parse`) turns each text module into a binary without
// validating it (assert_invalid needs exactly that).  Constants are
// converted the same way, as global initialisers of one probe module per
// file, so that every float literal is rounded by a real WAT parser.
//
// readWast(text, parse) -> { commands, errors }, each command:
//   { kind: 'module', line, name, bytes | error, text? }     (error: could not encode)
//   { kind: 'module_instance', line, name, of }
//   { kind: 'register', line, as, name }
//   { kind: 'action', line, action }                         (bare invoke/get)
//   { kind: 'assert_return', line, action, expected: [result] }
//   { kind: 'assert_trap' | 'assert_exhaustion' | 'assert_exception', line, action | module, text }
//   { kind: 'assert_invalid' | 'assert_malformed' | 'assert_unlinkable' |
//           'assert_uninstantiable', line, module, text }
//   { kind: 'unsupported', line, what }
// action: { type: 'invoke' | 'get', module: name|null, field, args: [value] }
// value:  { type: 'i32'|'i64'|'f32'|'f64', bits: BigInt } | { type: 'funcref'|'externref'|..., ref: 'null'|N }
//         | { type: 'v128', bits: BigInt (128 bits, lane 0 lowest) }
// result: a value, or { type: 'f32'|'f64', nan: 'canonical'|'arithmetic' },
//         { type: 'ref', kind: 'func'|'extern'|..., null?: bool, id?: N },
//         { either: [result] },
//         { type: 'v128', shape: 'f32x4'..., lanes: [{ bits } | { nan }] }
// module (inside assertions): { bytes | error, text: true if quote/text-only }

// ------------------------------------------------------------- S-exprs

// Tokens: '(' ')' atoms, strings (as byte arrays); each node keeps its
// source range so that module text can be handed to the parser verbatim.
function tokenize(src) {
  const toks = [];
  let i = 0, line = 1;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === '\n') { line++; i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === ';' && src[i + 1] === ';') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '(' && src[i + 1] === ';') {
      let depth = 1;
      i += 2;
      while (i < n && depth) {
        if (src[i] === '(' && src[i + 1] === ';') { depth++; i += 2; } else if (src[i] === ';' && src[i + 1] === ')') { depth--; i += 2; } else { if (src[i] === '\n') line++; i++; }
      }
      continue;
    }
    if (c === '(' || c === ')') { toks.push({ t: c, pos: i, line }); i++; continue; }
    if (c === '"') {
      const start = i;
      i++;
      const bytes = [];
      while (i < n && src[i] !== '"') {
        if (src[i] === '\\') {
          const e = src[i + 1];
          const simple = { n: 10, t: 9, r: 13, '\\': 92, "'": 39, '"': 34 };
          if (e in simple) { bytes.push(simple[e]); i += 2; } else if (e === 'u') {
            const close = src.indexOf('}', i);
            const cp = parseInt(src.slice(i + 3, close), 16);
            bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
            i = close + 1;
          } else {
            bytes.push(parseInt(src.slice(i + 1, i + 3), 16));
            i += 3;
          }
        } else {
          // Raw UTF-8: take the code point's bytes.
          const cp = src.codePointAt(i);
          const ch = String.fromCodePoint(cp);
          bytes.push(...Buffer.from(ch, 'utf8'));
          if (ch === '\n') line++;
          i += ch.length;
        }
      }
      i++;
      toks.push({ t: 'str', bytes: Uint8Array.from(bytes), pos: start, end: i, line });
      continue;
    }
    const start = i;
    while (i < n && !/[\s()";]/.test(src[i])) i++;
    if (i === start) i++; // a stray character
    toks.push({ t: 'atom', v: src.slice(start, i), pos: start, end: i, line });
  }
  return toks;
}

// Nodes: { list: [node], pos, end, line } | token.
function parseSexprs(src) {
  const toks = tokenize(src);
  let k = 0;
  function node() {
    const tk = toks[k++];
    if (tk.t !== '(') return tk;
    const list = [];
    while (k < toks.length && toks[k].t !== ')') list.push(node());
    const close = toks[k++];
    return { list, pos: tk.pos, end: close ? close.pos + 1 : src.length, line: tk.line };
  }
  const top = [];
  while (k < toks.length) {
    if (toks[k].t === ')') { k++; continue; }
    top.push(node());
  }
  return top;
}

const head = (nd) => (nd && nd.list && nd.list[0] && nd.list[0].t === 'atom' ? nd.list[0].v : null);
const isName = (nd) => nd && nd.t === 'atom' && nd.v.startsWith('$');
const str = (nd) => Buffer.from(nd.bytes).toString('utf8');

// ------------------------------------------------------------- values

const NUM = new Set(['i32', 'i64', 'f32', 'f64']);

// Collects constants into the probe; returns a value with a slot to fill.
function readConst(nd, probe, asResult) {
  const h = head(nd);
  if (!h) return { unsupported: 'not a constant' };
  const [ty, op] = h.split('.');
  if (NUM.has(ty) && op === 'const') {
    const lit = nd.list[1] && nd.list[1].v;
    if (asResult && (ty === 'f32' || ty === 'f64') && /^nan:(canonical|arithmetic)$/.test(lit))
      return { type: ty, nan: lit.slice(4) };
    const v = { type: ty, bits: null };
    probe.push({ ty, lit, v });
    return v;
  }
  if (h === 'v128.const') {
    // The bits come from the probe; a result's NaN lanes are checked by
    // rule, so they are probed as 0 and judged apart.
    const shape = nd.list[1] && nd.list[1].v;
    const lits = nd.list.slice(2).map((x) => x.v);
    const lanes = lits.map((l) => (asResult && /^nan:(canonical|arithmetic)$/.test(l) ? { nan: l.slice(4) } : {}));
    const text = lits.map((l, i) => (lanes[i].nan ? '0' : l)).join(' ');
    const v = { type: 'v128', bits: null, shape, lanes };
    probe.push({ ty: 'v128', lit: `${shape} ${text}`, v });
    return v;
  }
  if (h === 'ref.null') {
    const k = nd.list[1] ? nd.list[1].v : null;
    const kind = { func: 'funcref', extern: 'externref', nofunc: 'funcref', noextern: 'externref' }[k] || k;
    return asResult ? { type: 'ref', kind, null: true } : { type: kind, ref: 'null' };
  }
  if (h === 'ref.extern' || h === 'ref.host') {
    if (!nd.list[1]) return { type: 'ref', kind: 'externref', null: false };
    return asResult ? { type: 'ref', kind: 'externref', id: nd.list[1].v } : { type: 'externref', ref: nd.list[1].v };
  }
  if (h === 'ref.func' && asResult) return { type: 'ref', kind: 'funcref', null: false };
  if (h === 'either' && asResult) return { either: nd.list.slice(1).map((x) => readConst(x, probe, true)) };
  return { unsupported: h };
}

// Reads the probe module's globals (the constants' exact bits).
function decodeGlobals(bytes) {
  let p = 8;
  const out = [];
  const u = () => { let r = 0n, s = 0n, b; do { b = bytes[p++]; r |= BigInt(b & 0x7f) << s; s += 7n; } while (b & 0x80); return r; };
  const sleb = () => { let r = 0n, s = 0n, b; do { b = bytes[p++]; r |= BigInt(b & 0x7f) << s; s += 7n; } while (b & 0x80); if (b & 0x40) r -= 1n << s; return r; };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = Number(u());
    const end = p + size;
    if (id === 6) {
      const count = Number(u());
      for (let i = 0; i < count; i++) {
        p += 2; // valtype, mutability
        const op = bytes[p++];
        let bits;
        if (op === 0x41) bits = BigInt.asUintN(32, sleb());
        else if (op === 0x42) bits = BigInt.asUintN(64, sleb());
        else if (op === 0xfd) {
          p++; // v128.const (0xfd 0x0c)
          const dv = new DataView(bytes.buffer, bytes.byteOffset + p, 16);
          bits = dv.getBigUint64(0, true) | (dv.getBigUint64(8, true) << 64n);
          p += 16;
        } else if (op === 0x43) { bits = BigInt(new DataView(bytes.buffer, bytes.byteOffset + p, 4).getUint32(0, true)); p += 4; } else if (op === 0x44) { bits = new DataView(bytes.buffer, bytes.byteOffset + p, 8).getBigUint64(0, true); p += 8; }
        p++; // end
        out.push(bits);
      }
    }
    p = end;
  }
  return out;
}

// ------------------------------------------------------------- modules

// A module form: { bytes } | { error }, plus name and whether it is text
// that only a text parser could reject (quote).
async function readModule(nd, src, parse) {
  const l = nd.list;
  let k = 1;
  let definition = false;
  if (l[k] && l[k].t === 'atom' && l[k].v === 'definition') { definition = true; k++; }
  const name = isName(l[k]) ? l[k++].v : null;
  const kind = l[k] && l[k].t === 'atom' ? l[k].v : null;
  if (kind === 'binary') {
    const parts = l.slice(k + 1).filter((x) => x.t === 'str').map((x) => x.bytes);
    const len = parts.reduce((a, b) => a + b.length, 0);
    const bytes = new Uint8Array(len);
    let off = 0;
    for (const b of parts) { bytes.set(b, off); off += b.length; }
    return { name, bytes, definition };
  }
  let text;
  let quote = false;
  if (kind === 'quote') {
    quote = true;
    text = '(module ' + l.slice(k + 1).filter((x) => x.t === 'str').map(str).join(' ') + ')';
  } else {
    // The module's own text, without "definition" and the name.
    const bodyStart = l[k] ? l[k].pos : nd.end - 1;
    text = '(module ' + src.slice(bodyStart, nd.end);
  }
  // wasm-tools refuses some Unicode in source text (bidirectional
  // overrides...) even inside strings, where the spec allows it: pass every
  // non-ASCII character as a \u{...} escape (it can only be in strings and
  // comments).
  text = text.replace(/[^\x00-\x7f]/gu, (ch) => `\\u{${ch.codePointAt(0).toString(16)}}`);
  try {
    return { name, bytes: await parse(text), quote, definition };
  } catch (e) {
    return { name, error: String(e.payload ?? e.message ?? e).split('\n')[0].slice(0, 300), quote, definition };
  }
}

function readAction(nd, probe) {
  const h = head(nd);
  const l = nd.list;
  let k = 1;
  const module = isName(l[k]) ? l[k++].v : null;
  const field = l[k] && l[k].t === 'str' ? str(l[k++]) : null;
  if (h === 'get') return { type: 'get', module, field, args: [] };
  if (h !== 'invoke') return null;
  const args = l.slice(k).map((x) => readConst(x, probe, false));
  return { type: 'invoke', module, field, args };
}

// ------------------------------------------------------------- commands

export async function readWast(src, parse) {
  const top = parseSexprs(src);
  const probe = [];
  const commands = [];
  for (const nd of top) {
    const h = head(nd);
    const line = nd.line;
    const l = nd.list || [];
    if (h === 'module') {
      if (l[1] && l[1].t === 'atom' && l[1].v === 'instance') {
        commands.push({ kind: 'module_instance', line, name: isName(l[2]) ? l[2].v : null, of: isName(l[3]) ? l[3].v : null });
        continue;
      }
      commands.push({ kind: 'module', line, ...(await readModule(nd, src, parse)) });
    } else if (h === 'register') {
      commands.push({ kind: 'register', line, as: str(l[1]), name: isName(l[2]) ? l[2].v : null });
    } else if (h === 'invoke' || h === 'get') {
      commands.push({ kind: 'action', line, action: readAction(nd, probe) });
    } else if (h === 'assert_return') {
      commands.push({ kind: h, line, action: readAction(l[1], probe), expected: l.slice(2).map((x) => readConst(x, probe, true)) });
    } else if (h === 'assert_trap' || h === 'assert_exhaustion' || h === 'assert_exception') {
      const text = l[2] && l[2].t === 'str' ? str(l[2]) : '';
      if (head(l[1]) === 'module') commands.push({ kind: h, line, module: await readModule(l[1], src, parse), text });
      else commands.push({ kind: h, line, action: readAction(l[1], probe), text });
    } else if (['assert_invalid', 'assert_malformed', 'assert_unlinkable', 'assert_uninstantiable'].includes(h)) {
      const text = l[2] && l[2].t === 'str' ? str(l[2]) : '';
      if (head(l[1]) !== 'module') { commands.push({ kind: 'unsupported', line, what: `${h} of ${head(l[1])}` }); continue; }
      commands.push({ kind: h, line, module: await readModule(l[1], src, parse), text });
    } else {
      commands.push({ kind: 'unsupported', line, what: h || '?' });
    }
  }
  // Fill in the constants' bits.
  if (probe.length) {
    const text = '(module ' + probe.map((p) => `(global ${p.ty} (${p.ty}.const ${p.lit}))`).join(' ') + ')';
    let bits = null;
    try {
      bits = decodeGlobals(await parse(text));
    } catch {
      // One bad literal spoils the batch: convert one by one.
      bits = [];
      for (const p of probe) {
        try { bits.push(decodeGlobals(await parse(`(module (global ${p.ty} (${p.ty}.const ${p.lit})))`))[0]); } catch { bits.push(null); }
      }
    }
    probe.forEach((p, i) => {
      p.v.bits = bits[i];
      if (bits[i] === null || bits[i] === undefined) p.v.unsupported = `constant ${p.lit}`;
      else if (p.ty === 'v128' && p.v.lanes) {
        // Each lane's bits, by the shape.
        const w = { i8x16: 8, i16x8: 16, i32x4: 32, f32x4: 32, i64x2: 64, f64x2: 64 }[p.v.shape];
        if (!w) p.v.unsupported = `v128 shape ${p.v.shape}`;
        else p.v.lanes.forEach((l, k) => { if (!l.nan) l.bits = (bits[i] >> BigInt(k * w)) & ((1n << BigInt(w)) - 1n); });
      }
    });
  }
  return commands;
}
