/*
** host_api.c — the table of host functions every plugin receives.
**
** It is a single immutable table: everything call-specific travels in the
** call handle, everything plugin-specific in the config pointer.
*/
#include "plugin/internal.h"
#include "wasmplug/host.h"
#include "wasmplug/clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *host_alloc(wasmplug_plugin_call_t *call, size_t size, size_t align) {
  if (!call || !call->arena) return NULL;
  /* Alignment must be a power of two no larger than the arena supports. */
  if (align == 0) align = 1;
  if ((align & (align - 1)) || align > 4096) return NULL;
  return wp_cabi_arena_alloc(call->arena, size ? size : 1, align);
}

static int host_trap(wasmplug_plugin_call_t *call, const char *fmt, ...) {
  if (!call) return WASMPLUG_TRAP;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(call->msg, sizeof call->msg, fmt ? fmt : "(no message)", ap);
  va_end(ap);
  call->trapped = true;
  return WASMPLUG_TRAP;
}

/* The most verbose level printed: WASMPLUG_LOG=error|warning|info|debug
** (or 0-3); info when unset, so debug lines need asking for. */
static wasmplug_log_level_t log_threshold(void) {
  static const char *const names[] = {"error", "warning", "info", "debug"};
  const char *v = getenv("WASMPLUG_LOG");
  if (!v || !*v) return WASMPLUG_LOG_INFO;
  if (v[0] >= '0' && v[0] <= '3' && !v[1]) return (wasmplug_log_level_t)(v[0] - '0');
  for (int i = 0; i < 4; i++)
    if (!strncmp(v, names[i], 4)) return (wasmplug_log_level_t)i;
  return WASMPLUG_LOG_INFO;
}

static void host_log(const wasmplug_plugin_config_t *cfg, wasmplug_log_level_t level, const char *fmt, ...) {
  static const char *const names[] = {"error", "warning", "info", "debug"};
  if ((unsigned)level <= 3 && level > log_threshold()) return;
  const char *who = cfg && cfg->plugin ? wp_plugin_name(cfg->plugin) : "?";
  const char *lv = (unsigned)level < 4 ? names[level] : "log";
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt ? fmt : "", ap);
  va_end(ap);
  /* One write per line so concurrent instances do not interleave. */
  fprintf(stderr, "wasmplug: plugin %s: %s: %s\n", who, lv, line);
}

static const char *host_config_get(const wasmplug_plugin_config_t *cfg, const char *name) {
  return wp_plugin_config_get(cfg, name);
}

static void *host_call_state(wasmplug_plugin_call_t *call) { return call ? call->state : NULL; }

static int host_exit(wasmplug_plugin_call_t *call, int status) {
  if (!call) return WASMPLUG_TRAP;
  call->exited = true;
  call->exit_status = status;
  call->trapped = true;
  snprintf(call->msg, sizeof call->msg, "exit status %d", status);
  return WASMPLUG_TRAP;
}

static uint32_t host_call_func(wasmplug_plugin_call_t *call) { return call ? call->func : 0; }

/* The deadline is the thread's (the core's watchdog): plugin calls run on
** the thread of the guest call.  In a plugin server or an isolate helper
** no guest call runs: the deadline came with the request (call->stop). */
static uint64_t host_deadline(wasmplug_plugin_call_t *call) {
  if (call && call->stop && call->stop->deadline) return call->stop->deadline;
  return wasmplug_call_deadline();
}

/* 1.4: the thread's too, as the deadline; in a plugin server or an
** isolate helper, where no guest call runs, the host's notice (the ring's
** word, or the STOP a server's watcher read: src/isolate/rpc.h) and the
** request's deadline. */
static bool host_interrupted(wasmplug_plugin_call_t *call) {
  const wp_cabi_stop_t *st = call ? call->stop : NULL;
  if (st && st->word && atomic_load_explicit(st->word, memory_order_acquire) == st->id) return true;
  if (st && st->deadline && wasmplug_monotonic_ns() >= st->deadline) return true;
  return wasmplug_call_interrupted();
}

/* 1.3: whoever runs an async-capable call (the component runtime) put
** its services in the call; plugin instances and wakers carry them too.
** Calls made elsewhere (core-module guests, isolation) have none: these
** then fail or do nothing. */
static const wp_native_async_ops_t *ops_of(const void *obj) {
  return obj ? ((const wp_native_async_base_t *)obj)->ops : NULL;
}
static wasmplug_plugin_instance_t *host_call_instance(wasmplug_plugin_call_t *call) {
  return call && call->ops ? call->ops->call_instance(call) : NULL;
}
static void host_call_complete(wasmplug_plugin_call_t *call, int status) {
  if (call && call->ops) call->ops->call_complete(call, status);
}
static int host_stream_new(wasmplug_plugin_call_t *call, uint32_t which, uint32_t *readable, uint32_t *writable) {
  return call && call->ops ? call->ops->stream_new(call, which, readable, writable) : -1;
}
static int host_stream_read(wasmplug_plugin_instance_t *in, uint32_t end, void *buf, uint32_t n,
                            wasmplug_copy_done_fn done, void *arg) {
  return ops_of(in) ? ops_of(in)->stream_copy(in, end, false, buf, n, done, arg) : -1;
}
static int host_stream_write(wasmplug_plugin_instance_t *in, uint32_t end, const void *buf, uint32_t n,
                             wasmplug_copy_done_fn done, void *arg) {
  return ops_of(in) ? ops_of(in)->stream_copy(in, end, true, (void *)buf, n, done, arg) : -1;
}
static int host_stream_cancel(wasmplug_plugin_instance_t *in, uint32_t end) {
  return ops_of(in) ? ops_of(in)->stream_cancel(in, end) : -1;
}
static int host_stream_drop(wasmplug_plugin_instance_t *in, uint32_t end) {
  return ops_of(in) ? ops_of(in)->stream_drop(in, end) : -1;
}
static uint32_t host_errctx_new(wasmplug_plugin_instance_t *in, const char *msg, size_t len) {
  return ops_of(in) ? ops_of(in)->errctx_new(in, msg, len) : 0;
}
static const char *host_errctx_message(wasmplug_plugin_instance_t *in, uint32_t h, size_t *len) {
  return ops_of(in) ? ops_of(in)->errctx_message(in, h, len) : NULL;
}
static void host_errctx_drop(wasmplug_plugin_instance_t *in, uint32_t h) {
  if (ops_of(in)) ops_of(in)->errctx_drop(in, h);
}
static uint64_t host_watch_fd(wasmplug_plugin_instance_t *in, int fd, int events, void (*cb)(void *, int),
                              void *arg) {
  return ops_of(in) ? ops_of(in)->watch_fd(in, fd, events, cb, arg) : 0;
}
static uint64_t host_watch_time(wasmplug_plugin_instance_t *in, uint64_t deadline, void (*cb)(void *), void *arg) {
  return ops_of(in) ? ops_of(in)->watch_time(in, deadline, cb, arg) : 0;
}
static void host_unwatch(wasmplug_plugin_instance_t *in, uint64_t id) {
  if (ops_of(in)) ops_of(in)->unwatch(in, id);
}
static wasmplug_plugin_waker_t *host_waker_new(wasmplug_plugin_instance_t *in, void (*cb)(void *), void *arg) {
  return ops_of(in) ? ops_of(in)->waker_new(in, cb, arg) : NULL;
}
static void host_wake(wasmplug_plugin_waker_t *w) {
  if (ops_of(w)) ops_of(w)->wake(w);
}
static void host_waker_delete(wasmplug_plugin_waker_t *w) {
  if (ops_of(w)) ops_of(w)->waker_delete(w);
}

static const wasmplug_host_api_t host_api = {
    .size = sizeof(wasmplug_host_api_t),
    .abi_major = WASMPLUG_PLUGIN_ABI_MAJOR,
    .abi_minor = WASMPLUG_PLUGIN_ABI_MINOR,
    .host_version = WASMPLUG_VERSION,
    .alloc = host_alloc,
    .trap = host_trap,
    .log = host_log,
    .config_get = host_config_get,
    .call_state = host_call_state,
    .exit = host_exit,
    .call_func = host_call_func,
    .deadline = host_deadline,
    .service = wp_plugin_host_service,
    .call_instance = host_call_instance,
    .call_complete = host_call_complete,
    .stream_new = host_stream_new,
    .stream_read = host_stream_read,
    .stream_write = host_stream_write,
    .stream_cancel = host_stream_cancel,
    .stream_drop = host_stream_drop,
    .error_context_new = host_errctx_new,
    .error_context_message = host_errctx_message,
    .error_context_drop = host_errctx_drop,
    .watch_fd = host_watch_fd,
    .watch_time = host_watch_time,
    .unwatch = host_unwatch,
    .waker_new = host_waker_new,
    .wake = host_wake,
    .waker_delete = host_waker_delete,
    .interrupted = host_interrupted,
};

const wasmplug_host_api_t *wp_plugin_host_api(void) { return &host_api; }
const wasmplug_host_api_t *wasmplug_plugin_host_api(void) { return &host_api; }
