// hostproc.mjs — drives one wast_host process (see wast_host.c): one
// command line in, one answer line out.  If the process dies (a crash in
// the engine is a finding, not the end of a run), the pending command
// answers "crash ..." and the next command starts a new process.
import { spawn } from 'node:child_process';

export class HostProc {
  // argv: the wast_host command and its arguments; env: extra variables.
  constructor(argv, env = {}) {
    this.argv = argv;
    this.env = { ...process.env, ...env };
    this.cur = null;
  }

  // Each process has its own queue of pending answers: a process that is
  // being replaced must not answer, or fail, its successor's commands.
  start() {
    const p = spawn(this.argv[0], this.argv.slice(1), { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const st = { p, buf: '', queue: [], stderr: '' };
    this.cur = st;
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (chunk) => {
      st.buf += chunk;
      let i;
      while ((i = st.buf.indexOf('\n')) >= 0) {
        const line = st.buf.slice(0, i);
        st.buf = st.buf.slice(i + 1);
        const q = st.queue.shift();
        if (q) q(line);
      }
    });
    p.stderr.setEncoding('utf8');
    p.stderr.on('data', (c) => { st.stderr = (st.stderr + c).slice(-2000); });
    p.stdin.on('error', () => {});
    st.exited = new Promise((resolve) => {
      p.on('exit', (code, signal) => {
        if (this.cur === st) this.cur = null;
        const why = `crash ${signal || `exit ${code}`} ${st.stderr.trim().split('\n').pop() || ''}`.trim();
        for (const q of st.queue.splice(0)) q(why);
        resolve();
      });
    });
  }

  // Sends one command; resolves to its answer line.
  cmd(line) {
    if (!this.cur) this.start();
    const st = this.cur;
    return new Promise((resolve) => {
      st.queue.push(resolve);
      st.p.stdin.write(line + '\n');
    });
  }

  // Ends the process (it exits at the end of its input); the next command
  // starts a new one.
  close() {
    const st = this.cur;
    if (!st) return Promise.resolve();
    this.cur = null;
    st.p.stdin.end();
    return st.exited;
  }
}

// Encodes a name or path as one token of the host's line protocol: "="
// then the UTF-8 bytes, percent-encoded where needed (so "" is "=").
export function enc(s) {
  const bytes = Buffer.from(s, 'utf8');
  let o = '=';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    o += /[A-Za-z0-9_.\/:+-]/.test(c) ? c : '%' + b.toString(16).padStart(2, '0');
  }
  return o;
}
