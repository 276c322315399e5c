// The JavaScript command of bench/js: componentize-js makes a 14 MB
// component of it (StarlingMonkey, SpiderMonkey compiled to wasm); it
// prints one line, so its time to first output is its start-up.
export const run = {
  run() {
    console.log(`hello from JavaScript: ${[1, 2, 3].map((x) => x * x).join(' ')}`);
  },
};
