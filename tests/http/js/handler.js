// A wasi:http handler in JavaScript (the fetch event of StarlingMonkey),
// made a component by componentize-js (build.mjs) and served by
// `wasmplug serve` in tests/http/serve_js_test.sh.
addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  event.respondWith((async () => {
    if (url.pathname === '/echo') {
      const body = await event.request.text();
      return new Response(`echo: ${body}`, { headers: { 'content-type': 'text/plain' } });
    }
    if (url.pathname === '/json') {
      const n = Number(url.searchParams.get('n') ?? '3');
      return Response.json({ squares: Array.from({ length: n }, (_, i) => i * i) });
    }
    return new Response(`Hello from JavaScript: ${event.request.method} ${url.pathname}\n`,
                        { headers: { 'content-type': 'text/plain', 'x-handler': 'componentize-js' } });
  })());
});
