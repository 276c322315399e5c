// The JavaScript workload of bench/js's hot-first rows: the same kind of
// component as hello.js (componentize-js, StarlingMonkey), but it computes
// for a while in SpiderMonkey's interpreter (integer arithmetic, arrays,
// sorting with a comparator, strings, JSON, Map) before printing one
// line, so its time is mostly the engine's code running, not start-up.
export const run = {
  run() {
    let h = 0;
    for (let i = 0; i < 2000000; i++) h = (Math.imul(h, 31) + (i % 97)) | 0;
    const a = [];
    for (let i = 0; i < 100000; i++) a.push((i * 7919) % 10007);
    a.sort((x, y) => x - y);
    const words = [];
    for (let i = 0; i < 30000; i++) words.push(`w${(i * 37) % 1013}`);
    const text = words.join(' ');
    const back = JSON.parse(JSON.stringify({ a: a.slice(0, 2000), text }));
    const m = new Map();
    for (const w of text.split(' ')) m.set(w, (m.get(w) || 0) + 1);
    console.log(`compute: ${h} ${back.a[1000]} ${back.text.length} ${m.size}`);
  },
};
