/*
** host_api.c — the table of host functions every plugin receives.
**
** It is a single immutable table: everything call-specific travels in the
** call handle, everything plugin-specific in the config pointer.
*/
#include "plugin/internal.h"
#include "wasmplug/host.h"

#include <stdio.h>
#include <string.h>

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

static void host_log(const wasmplug_plugin_config_t *cfg, wasmplug_log_level_t level, const char *fmt, ...) {
  static const char *const names[] = {"error", "warning", "info", "debug"};
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
** the thread of the guest call.  In an isolate helper no guest call runs,
** so it is 0 there; the host side bounds the exchange instead. */
static uint64_t host_deadline(wasmplug_plugin_call_t *call) {
  (void)call;
  return wasmplug_call_deadline();
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
};

const wasmplug_host_api_t *wp_plugin_host_api(void) { return &host_api; }
const wasmplug_host_api_t *wasmplug_plugin_host_api(void) { return &host_api; }
