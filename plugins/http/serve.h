/*
** serve.h — `wasmplug serve`: a wasi:http/proxy component served over
** HTTP/1.1 (libmicrohttpd), the engine the CLI drives (cli/cmd_serve.c
** only parses argv).
**
** Model.  Network threads (libmicrohttpd's thread pool, one per core by
** default, epoll) parse requests and stream bodies; worker threads run the
** guest: every request gets an instance of its own, taken from the
** worker's pre-instantiated one (the next is made while the worker is
** otherwise idle), and the instance is destroyed after the request.
** Bodies flow through bounded pipes (h_pipe.c) in both directions, so a
** slow client slows the guest down instead of filling memory, and a slow
** guest stops reading from the socket.  A trap, a guest that returns
** without a response, or one that overruns --timeout gives its client a
** 500 (or cuts a response already under way) and the server goes on.
**
** Limits: header section size (libmicrohttpd's per-connection memory),
** request body size (413), concurrent guest requests (workers; the rest
** wait in a bounded queue, then 503), connections, idle time per
** connection (slow clients are cut off), request time (the engine's
** --timeout watchdog).  SIGINT/SIGTERM stop accepting, let in-flight
** requests finish (up to a grace period), then exit 0.
*/
#ifndef WASMPLUG_SERVE_H
#define WASMPLUG_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wasmplug.h"
#include "wasmplug/host.h"

typedef struct wp_serve_opts {
  const char *addr;          /* "HOST:PORT" ("[v6]:PORT"); port 0 picks one */
  unsigned threads;          /* network threads; 0: one per core */
  unsigned workers;          /* concurrent guest requests; 0: 4 per core */
  unsigned queue;            /* requests waiting for a worker; 0: 1024 */
  unsigned max_connections;  /* 0: 1024 */
  size_t max_header_bytes;   /* per connection; 0: 32 KiB */
  uint64_t max_body;         /* request body bytes; 0: 64 MiB */
  unsigned idle_timeout_s;   /* a connection idle this long is closed; 0: 30 */
  unsigned grace_s;          /* shutdown waits this long for requests; 0: 30 */
  bool verbose;              /* an access log line per request (stderr) */
  /* After listening: the address (the port resolved), e.g. for tests
  ** that asked for port 0.  Written as one line "listening on
  ** http://HOST:PORT" to `announce` (stdout when NULL). */
  FILE *announce;
} wp_serve_opts_t;

/* Adds the built-in wasi-http plugin to `host` with its outgoing grants
** ("HOST[:PORT]" items, "*" for any host) and the largest outgoing body
** (0: no limit).  Errors name a bad grant. */
wasmplug_error_t *wp_wasi_http_add(wasmplug_host_t *host, const char *const *allow, size_t nallow, uint64_t max_body);

/* Serves `program` (a component loaded into a host that has the wasi-http
** plugin: wp_wasi_http_add) until SIGINT or SIGTERM.  Returns NULL after
** a clean shutdown, or the error that kept it from serving (not a
** component, no wasi:http/incoming-handler export, a link error, the
** address in use...). */
wasmplug_error_t *wp_serve_run(wasmplug_program_t *program, const char *name, const wp_serve_opts_t *opts);

#endif
