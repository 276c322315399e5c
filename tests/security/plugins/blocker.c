/*
** blocker.c — a plugin whose functions block in system calls, for the
** --timeout tests (issue 12, item 6): the guest call's deadline must wake
** them, in process and isolated.
**   block-read: read() on a pipe whose write end it keeps open (nobody
**     writes): woken by the watchdog's EINTR; it gives up only once the
**     deadline (host->deadline) has passed, and retries other EINTRs.
**   block-poll: poll() with no fds and an infinite timeout, same rule.
** Both return 1 when they come back without trapping, so a swallowed
** timeout shows as a result instead of a trap.
*/
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "wasmplug/plugin.h"

static const char wit[] =
    "package test:blocker@1.0.0;\n"
    "interface api {\n"
    "  block-read: func() -> u32;\n"
    "  block-poll: func() -> u32;\n"
    "}\n"
    "world provider { export api; }\n";

static const wasmplug_host_api_t *host;

/* True when the guest call's deadline (if any) has passed. */
static int past_deadline(wasmplug_plugin_call_t *c) {
  uint64_t d = WASMPLUG_HOST_HAS(host, deadline) ? host->deadline(c) : 0;
  if (!d) return 0;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec >= d;
}

static int f_block_read(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s; (void)params;
  int p[2];
  if (pipe(p)) return host->trap(c, "pipe failed");
  char b;
  ssize_t n;
  while ((n = read(p[0], &b, 1)) < 0 && errno == EINTR && !past_deadline(c)) {
  }
  close(p[0]);
  close(p[1]);
  if (n < 0) return host->trap(c, "read interrupted");
  *(uint32_t *)result = 1;
  return WASMPLUG_OK;
}

static int f_block_poll(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s; (void)params;
  int r;
  while ((r = poll(NULL, 0, -1)) < 0 && errno == EINTR && !past_deadline(c)) {
  }
  if (r < 0) return host->trap(c, "poll interrupted");
  *(uint32_t *)result = 1;
  return WASMPLUG_OK;
}

static const wasmplug_plugin_func_t funcs[] = {
    {"test:blocker/api#block-read", f_block_read},
    {"test:blocker/api#block-poll", f_block_poll},
};

static const wasmplug_plugin_t desc = {
    .magic = WASMPLUG_PLUGIN_MAGIC,
    .abi_major = WASMPLUG_PLUGIN_ABI_MAJOR,
    .abi_minor = WASMPLUG_PLUGIN_ABI_MINOR,
    .size = sizeof(wasmplug_plugin_t),
    .name = "blocker",
    .version = "1.0.0",
    .wit = wit,
    .world = "provider",
    .funcs = funcs,
    .nfuncs = sizeof funcs / sizeof funcs[0],
};

WASMPLUG_PLUGIN_ENTRY(h) {
  host = h;
  return &desc;
}
