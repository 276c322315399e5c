/*
** wasmplug/serve.h — an HTTP server for wasi:http/proxy components: what
** `wasmplug serve` is, as a library (plugins/http/serve*.c).
**
**   wasmplug_host_new(engine, NULL, &host);            // WASI built in
**   wasmplug_serve_http_plugin_add(host, NULL, 0, 0);  // wasi:http
**   wasmplug_program_new(host, bytes, len, "app.wasm", &program);
**   wasmplug_serve(program, &options);                 // until SIGINT/SIGTERM
**
** Every request gets an instance of the program of its own (fresh memory
** and plugin states), on all cores; bodies stream both ways with
** backpressure; a guest that traps or sets no response gives its client a
** 500.  The engine's time limit (wasmplug_config_timeout_set) bounds each
** request's guest.  See plugins/http/README.md.
*/
#ifndef WASMPLUG_SERVE_H
#define WASMPLUG_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wasmplug.h"
#include "wasmplug/host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A field left 0 takes its default. */
typedef struct wasmplug_serve_options {
  uint32_t size;             /* sizeof(wasmplug_serve_options_t) */
  uint32_t reserved;
  const char *addr;          /* "HOST:PORT", "[V6]:PORT", ":PORT"; port 0 picks
                                one (default "127.0.0.1:8080") */
  unsigned threads;          /* event loops, each with a group of threads
                                (one per core) */
  unsigned workers;          /* requests run by guests at once (2 per core) */
  unsigned queue;            /* requests waiting for a worker, then 503 (1024) */
  unsigned max_connections;  /* open connections (1024) */
  size_t max_header_bytes;   /* memory for one request head: 431/414 (32 KiB) */
  uint64_t max_body;         /* request body bytes: 413 (64 MiB) */
  unsigned idle_timeout_s;   /* a connection idle this long is closed (30) */
  unsigned grace_s;          /* on SIGINT/SIGTERM, wait for requests (30; new
                                ones get 503 meanwhile), then end them (503
                                or a cut response; a guest still computing
                                or waiting is interrupted) */
  bool verbose;              /* one access-log line per request on stderr */
  /* Instantiate every request's instance from scratch instead of resetting
  ** a pooled one to its snapshot (slower; both are fresh instances). */
  bool fresh_instances;
  /* Once listening, "listening on http://HOST:PORT\n" is written here
  ** (stdout when NULL): the port resolved, for a caller that asked for 0. */
  FILE *announce;
  /* Do not pin threads to CPUs.  By default, on two or more CPUs, the
  ** threads of each event loop's group (its share of `workers` and one
  ** more) are pinned to one CPU (the groups spread over the CPUs the
  ** process may use), so a hand-off within the group wakes a thread on the
  ** same CPU; a group with no free thread hands the request to another's.
  ** (Read only when `size` covers it.) */
  bool no_pin;
  /* Milliseconds a guest may hold the other connections of its event loop
  ** (1).  A request is run by the thread that runs the loop it came on,
  ** right after the loop's turn in which it became complete (no hand-off
  ** to another thread; a body past the request pipe's window goes to
  ** another thread at once); while its guest runs, the loop waits.  A
  ** guest that computes or waits longer than this has the loop taken over
  ** by another thread of its group (each group keeps one free for that).
  ** Larger: fewer wake-ups of a busy server; smaller: a lower bound on
  ** that wait.  (An idle server does not wake either way.)
  ** (Read only when `size` covers it.) */
  unsigned takeover_ms;
  /* Bytes per second a client must take a response body at, on average
  ** over the time the server had bytes of it waiting for the client (time
  ** waiting for the guest to write is not counted), once that time passes
  ** idle_timeout_s: a slower client has its connection closed (the body
  ** cut), which frees the guest writing it.  Without it, a client that
  ** reads just enough to make its socket take more within every idle
  ** timeout (about half the kernel's send buffer, megabytes on a fast
  ** link) holds its guest for as long as the body lasts.  0: 1024;
  ** UINT64_MAX: no minimum.  Judged whenever the socket takes more of the
  ** body (a client taking nothing at all is closed by the idle timeout).
  ** The bytes counted are those handed to the kernel, so its buffers
  ** count as taken: set it well above what a client must drain anyway.
  ** (Read only when `size` covers it.) */
  uint64_t min_send_rate;
} wasmplug_serve_options_t;

/* Adds the built-in wasi:http plugins to `host`: "wasi-http"
** (wasi:http@0.2 types and outgoing-handler) and "wasi-http-p3"
** (wasi:http@0.3 types, client and handler).  The guest's outgoing requests
** may reach the hosts of `allow` ("HOST", "HOST:PORT", "*" for any; none
** when nallow is 0) with response bodies of at most `max_body` bytes (0: no
** limit).  A plugin of either name loaded already (e.g. wasi-http.so with
** its own allow-http option) is kept, and that one is not added; with
** grants given, that is an error (they would not reach it).  Errors name a
** bad grant.  `wasmplug run` calls this for a component that imports
** wasi:http, `wasmplug serve` for every component. */
WASMPLUG_API wasmplug_error_t *wasmplug_serve_http_plugin_add(wasmplug_host_t *host, const char *const *allow,
                                                              size_t nallow, uint64_t max_body);

/* Serves `program` (a wasi:http/proxy component loaded into a host that
** has the wasi-http plugin) until SIGINT or SIGTERM, which the calling
** thread takes (they are blocked in every thread it starts).  Returns NULL
** after a clean stop, or why it could not serve (not a component, no
** wasi:http/incoming-handler export, a link error, the address in use). */
WASMPLUG_API wasmplug_error_t *wasmplug_serve(wasmplug_program_t *program, const wasmplug_serve_options_t *options);

#ifdef __cplusplus
}
#endif

#endif /* WASMPLUG_SERVE_H */
