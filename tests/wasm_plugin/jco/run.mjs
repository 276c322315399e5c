// Calls the composed component (plugin.wasm + logger.wasm + app.wasm,
// transpiled by jco) and prints what the guest's exports answer.
import { api } from './composed.js';
const pick = api.pick('safe', { read: true, write: true }, 'abc');
console.log([api.bump(4), api.bump(1), api.text('h\u00e9llo\u2603'), api.tally(10, 4), JSON.stringify(pick)].join(' '));
