/*
** test_calls.c — async calls from C through the public host API
** (wasmplug/host.h): several calls of one instance started at once and
** driven to their ends by _poll and _wait, each with its own result; a
** call cancelled by the host; a call deleted while in progress.
** argv[1]: the plugin_ops component (tests/async/wast/plugin_ops.wast),
** argv[2]: async_plugin.so, argv[3]: the cache folder.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmplug.h"
#include "wasmplug/host.h"
#include "../check.h"
#include "../fixture.h"

static wasmplug_program_call_t *start(wasmplug_program_instance_t *pi, const char *call) {
  wasmplug_program_call_t *c = NULL;
  wasmplug_trap_t *t = NULL;
  wasmplug_error_t *e = wasmplug_program_instance_call_start(pi, call, &c, &t);
  CHECK(!e && !t && c, "%s: %s", call, e ? wasmplug_error_message(e) : t ? wasmplug_trap_message(t) : "no call");
  wasmplug_error_delete(e);
  wasmplug_trap_delete(t);
  return c;
}

/* Waits for c; its result text (malloc'ed) or "trap: MESSAGE". */
static char *wait_for(wasmplug_program_call_t *c) {
  char *r = NULL;
  int status = 0;
  wasmplug_trap_t *t = NULL;
  wasmplug_error_t *e = wasmplug_program_call_wait(c, &r, &status, &t);
  if (e) {
    size_t n = strlen(wasmplug_error_message(e)) + 8;
    r = malloc(n);
    snprintf(r, n, "error: %s", wasmplug_error_message(e));
    wasmplug_error_delete(e);
  } else if (t) {
    size_t n = strlen(wasmplug_trap_message(t)) + 8;
    r = malloc(n);
    snprintf(r, n, "trap: %s", wasmplug_trap_message(t));
    wasmplug_trap_delete(t);
  }
  return r;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: test_calls COMPONENT PLUGIN CACHE\n");
    return 2;
  }
  size_t n;
  uint8_t *bytes = read_fixture(NULL, argv[1], &n);
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_BASELINE);
  wasmplug_config_cache_dir_set(cfg, argv[3]);
  wasmplug_engine_t *engine = NULL;
  wasmplug_host_t *host = NULL;
  wasmplug_program_t *prog = NULL;
  wasmplug_program_instance_t *pi = NULL;
  wasmplug_trap_t *trap = NULL;
  wasmplug_error_t *e = wasmplug_engine_new(cfg, &engine);
  wasmplug_config_delete(cfg);
  if (!e) e = wasmplug_host_new(engine, NULL, &host);
  if (!e) e = wasmplug_host_plugin_load(host, argv[2]);
  if (!e) e = wasmplug_program_new(host, bytes, n, "plugin_ops.wasm", &prog);
  if (!e) wasmplug_program_instantiate(prog, &pi, &e, &trap);
  if (e || trap) {
    fprintf(stderr, "setup: %s\n", e ? wasmplug_error_message(e) : wasmplug_trap_message(trap));
    return 2;
  }

  /* Three calls in flight at once: each blocks in the plugin (a timer, a
  ** worker thread, a stream), the host drives them all. */
  wasmplug_program_call_t *a = start(pi, "sleep()"), *b = start(pi, "later()"), *c = start(pi, "produce-sum()");
  CHECK(a && b && c, "started");
  CHECK(a && !wasmplug_program_call_done(a), "sleep() is still waiting for its timer");
  for (int i = 0; i < 100000 && a && b && c &&
                  !(wasmplug_program_call_done(a) && wasmplug_program_call_done(b) && wasmplug_program_call_done(c));
       i++)
    wasmplug_program_poll();
  char *ra = a ? wait_for(a) : NULL, *rb = b ? wait_for(b) : NULL, *rc = c ? wait_for(c) : NULL;
  CHECK(ra && !strcmp(ra, "5"), "sleep() = %s", ra ? ra : "?");
  CHECK(rb && !strcmp(rb, "28421"), "later() = %s", rb ? rb : "?");
  CHECK(rc && !strcmp(rc, "45"), "produce-sum() = %s", rc ? rc : "?");
  free(ra);
  free(rb);
  free(rc);
  wasmplug_program_call_delete(a);
  wasmplug_program_call_delete(b);
  wasmplug_program_call_delete(c);

  /* Cancelled by the host while it waits: the guest accepts with task.cancel. */
  wasmplug_program_call_t *d = start(pi, "await-cancel()");
  CHECK(d && !wasmplug_program_call_done(d), "await-cancel() waits");
  if (d) {
    wasmplug_program_poll();
    wasmplug_program_call_cancel(d);
    CHECK(wasmplug_program_call_done(d), "cancelled at once");
    char *rd = wait_for(d);
    CHECK(rd && strstr(rd, "trap:") && strstr(rd, "cancelled"), "await-cancel() = %s", rd ? rd : "?");
    free(rd);
    wasmplug_program_call_delete(d);
  }

  /* A call deleted while in progress goes on without its caller; the
  ** instance keeps working. */
  wasmplug_program_call_t *g = start(pi, "sleep()");
  wasmplug_program_call_delete(g);
  wasmplug_program_call_t *h = start(pi, "consume()");
  char *rh = h ? wait_for(h) : NULL;
  CHECK(rh && !strcmp(rh, "78"), "consume() = %s", rh ? rh : "?");
  free(rh);
  wasmplug_program_call_delete(h);

  /* Errors: no such function, bad arguments. */
  wasmplug_program_call_t *x = NULL;
  e = wasmplug_program_instance_call_start(pi, "nope()", &x, &trap);
  CHECK(e && strstr(wasmplug_error_message(e), "no exported function named 'nope'"), "nope: %s",
        e ? wasmplug_error_message(e) : "accepted");
  wasmplug_error_delete(e);
  e = wasmplug_program_instance_call_start(pi, "sleep(1)", &x, &trap);
  CHECK(e != NULL, "sleep(1) refused");
  wasmplug_error_delete(e);

  wasmplug_program_instance_delete(pi);
  wasmplug_program_delete(prog);
  wasmplug_host_delete(host);
  wasmplug_engine_delete(engine);
  free(bytes);
  printf("test_calls: %d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
