// test:kv/pool in JavaScript, for jco running a composed component
// (jco_test.sh): the composition leaves pool as an import.
let consumed = 0;
export class Tally {
  constructor(start) { this.v = start; }
  add(n) { this.v += n; return this.v; }
}
export function peek(t) { return t.v; }
export function consume(t) { consumed++; return t.v; }
export function drops() { return consumed; }
