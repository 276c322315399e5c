/*
** faulty.c — a plugin that misbehaves on request, for the isolation tests:
** it segfaults, aborts, loops, writes garbage on every fd it can, exits
** mid-call, or makes a system call the helper's seccomp filter forbids;
** `wait-interrupt` blocks until the guest call is interrupted, as a
** well-behaved plugin does (host->interrupted after EINTR);
** `interrupted-after` sleeps and says whether it was interrupted;
** `deadline-ms` is the time left until host->deadline.
** `gate-wait` blocks until another call opens the gate (`gate-open`, of
** any instance, any host: plugin state), at most 20 s: 1 when it was
** opened, 0 when not (a plugin server that runs one call at a time);
** `gate-waiting` is how many gate-wait calls wait now.
** `add` and `bump` (per-instance state) and `total` (plugin state, shared
** by every instance and every host of a plugin server) show it working.
** It includes only wasmplug/plugin.h, as every plugin must.
*/
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasmplug/plugin.h"

static const char wit[] =
    "package test:faulty@1.0.0;\n"
    "interface api {\n"
    "  add: func(a: u32, b: u32) -> u32;\n"
    "  echo: func(s: string) -> string;\n"
    "  bump: func() -> u32;\n"
    "  total: func() -> u32;\n"
    "  segfault: func();\n"
    "  abort-now: func();\n"
    "  loop-forever: func();\n"
    "  garbage: func() -> u32;\n"
    "  exit-now: func(code: u32);\n"
    "  open-socket: func() -> s32;\n"
    "  slow-add: func(a: u32, b: u32, ms: u32) -> u32;\n"
    "  open-fds: func() -> u32;\n"
    "  confinement: func() -> s32;\n"
    "  wait-interrupt: func(junk: bool) -> u32;\n"
    "  interrupted-after: func(ms: u32) -> bool;\n"
    "  deadline-ms: func() -> u32;\n"
    "  gate-wait: func() -> u32;\n"
    "  gate-open: func();\n"
    "  gate-waiting: func() -> u32;\n"
    "}\n"
    "world provider { export api; }\n";

static const wasmplug_host_api_t *host;

typedef struct { uint8_t *ptr; size_t len; } str_t;
typedef struct { atomic_uint total, gate, waiting; } pstate_t;
typedef struct { pstate_t *ps; uint32_t n; } istate_t;

static int p_init(const wasmplug_host_api_t *h, const wasmplug_plugin_config_t *c, void **st, const char **err) {
  (void)h; (void)c; (void)err;
  *st = calloc(1, sizeof(pstate_t));
  return *st ? 0 : 1;
}
static void p_fini(void *st) { free(st); }
static int p_inst_new(void *ps, const wasmplug_plugin_config_t *c, void **st, const char **err) {
  (void)c; (void)err;
  istate_t *in = calloc(1, sizeof *in);
  if (!in) return 1;
  in->ps = ps;
  *st = in;
  return 0;
}
static void p_inst_drop(void *st) { free(st); }

static int f_add(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s; (void)c;
  const uint32_t *a = params;
  *(uint32_t *)result = a[0] + a[1];
  return WASMPLUG_OK;
}
static int f_echo(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s;
  const str_t *in = params;
  str_t *out = result;
  out->ptr = host->alloc(c, in->len + 1, 1);
  if (!out->ptr) return host->trap(c, "out of memory");
  memcpy(out->ptr, in->ptr, in->len);
  out->len = in->len;
  return WASMPLUG_OK;
}
static int f_bump(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c; (void)params;
  istate_t *in = s;
  atomic_fetch_add(&in->ps->total, 1);
  *(uint32_t *)result = ++in->n;
  return WASMPLUG_OK;
}
static int f_total(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c; (void)params;
  *(uint32_t *)result = atomic_load(&((istate_t *)s)->ps->total);
  return WASMPLUG_OK;
}
static int f_segfault(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s; (void)c; (void)params; (void)result;
  raise(SIGSEGV); /* what a wild pointer does, without UB the compiler could drop */
  return WASMPLUG_OK;
}
static int f_abort(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s; (void)c; (void)params; (void)result;
  abort();
}
static int f_loop(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s; (void)c; (void)params; (void)result;
  for (volatile unsigned long i = 0;; i++) {
  }
  return WASMPLUG_OK;
}
static int f_garbage(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s; (void)c; (void)params;
  /* A plugin corrupting its process: it scribbles on every descriptor,
  ** the helper's socket included. */
  static const char junk[] = "this is not a frame, just garbage bytes from a confused plugin";
  for (int fd = 3; fd < 64; fd++) (void)!write(fd, junk, sizeof junk);
  *(uint32_t *)result = 7;
  return WASMPLUG_OK;
}
static int f_exit(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s; (void)c; (void)result;
  _exit((int)*(const uint32_t *)params);
}
static int f_open_socket(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s; (void)c; (void)params;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0) close(fd);
  *(int32_t *)result = fd >= 0 ? 1 : -1;
  return WASMPLUG_OK;
}
static int f_slow_add(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s; (void)c;
  const uint32_t *a = params;
  usleep(a[2] * 1000u);
  *(uint32_t *)result = a[0] + a[1];
  return WASMPLUG_OK;
}

/* Waits for the guest call's interrupt (docs/plugin-abi.md, section 9): a
** poll that only a signal ends (60 s: a hang bound), then
** host->interrupted; says on stderr that it was told.  With `junk` it
** then scribbles on every descriptor (a hostile answer) and returns. */
static int f_wait_interrupt(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s;
  bool junk = *(const uint8_t *)params != 0;
  for (;;) {
    int r = poll(NULL, 0, 60000);
    if (r == 0) return host->trap(c, "wait-interrupt: not interrupted within 60 s");
    if (r < 0 && errno == EINTR && WASMPLUG_HOST_HAS(host, interrupted) && host->interrupted(c)) break;
  }
  fprintf(stderr, "rpc-faulty: wait-interrupt: told of the interrupt\n");
  if (junk) {
    static const char bad[] = "not a frame: a plugin answering an interrupt with garbage";
    for (int fd = 3; fd < 64; fd++) (void)!write(fd, bad, sizeof bad);
  }
  *(uint32_t *)result = 1;
  return WASMPLUG_OK;
}

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sleeps `ms` unless interrupted first; true when it was. */
static int f_interrupted_after(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s;
  uint64_t end = mono_ns() + (uint64_t)*(const uint32_t *)params * 1000000u;
  bool stop = false;
  for (uint64_t now; !stop && (now = mono_ns()) < end;) {
    struct timespec ts = {(time_t)((end - now) / 1000000000u), (long)((end - now) % 1000000000u)};
    if (nanosleep(&ts, NULL) && errno == EINTR) stop = host->interrupted(c);
  }
  *(bool *)result = stop || host->interrupted(c);
  return WASMPLUG_OK;
}

/* Milliseconds left until the guest call's deadline (at least 1), 0 when
** it has none. */
static int f_deadline_ms(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s; (void)params;
  uint64_t d = host->deadline(c), now = mono_ns();
  *(uint32_t *)result = !d ? 0 : d <= now ? 1 : (uint32_t)((d - now) / 1000000u) + 1;
  return WASMPLUG_OK;
}

static int f_gate_wait(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c; (void)params;
  pstate_t *ps = ((istate_t *)s)->ps;
  uint32_t opened = 0;
  atomic_fetch_add(&ps->waiting, 1);
  for (int i = 0; i < 20000 && !(opened = atomic_load(&ps->gate)); i++) usleep(1000);
  atomic_fetch_sub(&ps->waiting, 1);
  *(uint32_t *)result = opened ? 1 : 0;
  return WASMPLUG_OK;
}
/* How many gate-wait calls are waiting now. */
static int f_gate_waiting(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c; (void)params;
  *(uint32_t *)result = atomic_load(&((istate_t *)s)->ps->waiting);
  return WASMPLUG_OK;
}
static int f_gate_open(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)c; (void)params; (void)result;
  atomic_store(&((istate_t *)s)->ps->gate, 1);
  return WASMPLUG_OK;
}

/* How many descriptors past stdio this process has open. */
static int f_open_fds(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s; (void)c; (void)params;
  uint32_t n = 0;
  struct stat st;
  for (int fd = 3; fd < 4096; fd++) n += fstat(fd, &st) == 0;
  *(uint32_t *)result = n;
  return WASMPLUG_OK;
}

/* 10 * no_new_privs + seccomp mode (2: filter) of this process. */
static int f_confinement(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s; (void)c; (void)params;
  *(int32_t *)result = 10 * prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) + prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
  return WASMPLUG_OK;
}

static const wasmplug_plugin_func_t funcs[] = {
    {"test:faulty/api#add", f_add},         {"test:faulty/api#echo", f_echo},
    {"test:faulty/api#bump", f_bump},       {"test:faulty/api#total", f_total},
    {"test:faulty/api#segfault", f_segfault}, {"test:faulty/api#abort-now", f_abort},
    {"test:faulty/api#loop-forever", f_loop}, {"test:faulty/api#garbage", f_garbage},
    {"test:faulty/api#exit-now", f_exit},   {"test:faulty/api#open-socket", f_open_socket},
    {"test:faulty/api#slow-add", f_slow_add}, {"test:faulty/api#open-fds", f_open_fds},
    {"test:faulty/api#confinement", f_confinement}, {"test:faulty/api#wait-interrupt", f_wait_interrupt},
    {"test:faulty/api#interrupted-after", f_interrupted_after}, {"test:faulty/api#deadline-ms", f_deadline_ms},
    {"test:faulty/api#gate-wait", f_gate_wait}, {"test:faulty/api#gate-open", f_gate_open},
    {"test:faulty/api#gate-waiting", f_gate_waiting},
};

static const wasmplug_plugin_t desc = {
    .magic = WASMPLUG_PLUGIN_MAGIC,
    .abi_major = WASMPLUG_PLUGIN_ABI_MAJOR,
    .abi_minor = WASMPLUG_PLUGIN_ABI_MINOR,
    .size = sizeof(wasmplug_plugin_t),
    .name = "rpc-faulty",
    .version = "1.0.0",
    .wit = wit,
    .world = "provider",
    .funcs = funcs,
    .nfuncs = sizeof funcs / sizeof funcs[0],
    .init = p_init,
    .fini = p_fini,
    .instance_new = p_inst_new,
    .instance_drop = p_inst_drop,
};

WASMPLUG_PLUGIN_ENTRY(h) {
  host = h;
  return &desc;
}
