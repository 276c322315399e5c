/*
** test_plugin_rpc.c — out-of-process plugins (src/isolate/rpc*.c,
** isolate*.c, serve.c), driven through the loader's component-guest API
** (bindings called with native-layout arguments, as the component
** runtime calls them).
**
**   1. test_plugin.so in-process and with ",isolate": every function
**      shape gives byte-identical results (compared in a canonical
**      encoding), the same traps, resources and per-instance state.
**   2. rpc_faulty.so isolated: segfault, abort, endless loop (timeout),
**      garbage frames and exit mid-call each trap the call with a message
**      naming the plugin and the cause; the host lives, the instance's
**      later calls trap, a new instance gets a restarted helper; restarts
**      are bounded.
**   3. seccomp: socket() works in-process, kills the isolated helper
**      (SIGSYS, reported as a seccomp violation), works again with
**      isolate-allow=socket.
**   4. `wasmplug plugin-serve` on a unix socket with two host processes
**      at once (own instance states, one shared plugin state), and on tcp;
**      a hostile client's bad frames get ERROR and the server lives on.
**   5. a fake plugin server answering with malformed results (wrong kind,
**      bad UTF-8, lengths past the frame, trailing bytes, wrong call id,
**      unknown kinds, oversized frames): each traps the call as a protocol
**      violation; nothing malformed reaches the guest.
**   6. the value decoder on thousands of mutated frames per function.
**   7. the shared-memory ring of isolated plugins: frames are judged on a
**      private copy (changing the shared memory after a receive changes
**      nothing), frames too large for it go over the socket, a closed
**      socket ends a wait that has no timeout; and a hostile helper (this
**      program, run as `plugin-host`) scribbling over the ring — lengths
**      past it, junk headers, wrong message numbers, frames announced on
**      the socket and never sent, answers without a wake-up, bytes changed
**      after publishing — or dying mid-call: each call traps with a
**      message (or, for the honest-but-unhelpful cases, gets its right
**      answer), and no wait outlasts the timeout or the helper.
** Usage: test_plugin_rpc WASMPLUG TEST_PLUGIN.so FAULTY.so TMPDIR
**        test_plugin_rpc plugin-host --fd 3 --ring 4 ... PATH  (the hostile helper)
*/
#include "plugin/plugin.h"
#include "isolate/rpc.h"

#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../check.h"

static const char *wasmplug_exe, *test_so, *faulty_so, *tmpdir;

typedef struct host {
  wp_plugin_set_t *set;
  wp_plugin_instances_t *g;
  wp_cabi_arena_t *arena;
  char err[1024];
} host_t;

static bool host_open(host_t *h, const char *spec) {
  memset(h, 0, sizeof *h);
  h->set = wp_plugin_set_new();
  h->arena = wp_cabi_arena_new(0);
  wasmplug_error_t *e = wp_plugin_set_load(h->set, spec);
  if (!e) e = wp_plugin_instances_new(h->set, &h->g);
  if (e) {
    snprintf(h->err, sizeof h->err, "%s", wasmplug_error_message(e));
    wasmplug_error_delete(e);
    return false;
  }
  return true;
}

static void host_new_guest(host_t *h) {
  wp_plugin_instances_delete(h->g);
  h->g = NULL;
  wasmplug_error_t *e = wp_plugin_instances_new(h->set, &h->g);
  if (e) wasmplug_error_delete(e);
}

static void host_close(host_t *h) {
  wp_plugin_instances_delete(h->g);
  wp_plugin_set_delete(h->set);
  wp_cabi_arena_delete(h->arena);
}

/* Calls iface#fn; NULL on success, else the trap/bind message (static). */
static const char *call(host_t *h, const char *iface, const char *fn, const void *args, void *res,
                        const wp_cabi_type_t **rt) {
  wp_plugin_binding_t b;
  if (!h->g) return "no guest (the plugin did not load)";
  wasmplug_error_t *e = wp_plugin_instances_bind(h->g, iface, fn, NULL, &b);
  if (e) {
    snprintf(h->err, sizeof h->err, "bind: %s", wasmplug_error_message(e));
    wasmplug_error_delete(e);
    return h->err;
  }
  if (rt) *rt = b.type->result;
  if (b.type->result) memset(res, 0, b.type->result->native.size);
  wasmplug_trap_t *t = wp_plugin_binding_call(&b, h->arena, args, res);
  if (!t) return NULL;
  snprintf(h->err, sizeof h->err, "%s", wasmplug_trap_message(t));
  wasmplug_trap_delete(t);
  return h->err;
}

/* ------------------------------------------------- 1. same results */

typedef struct { uint8_t *ptr; size_t len; } str_t;
typedef struct { int32_t x, y; } point_t;
typedef struct { uint8_t tag; union { float circle; point_t rect; } val; } shape_t;
typedef struct {
  bool a; int8_t b; uint8_t c; int16_t d; uint16_t e; int32_t f; uint32_t g; int64_t h; uint64_t i;
  float j; double k; uint32_t l;
} prims_t;
typedef struct { bool is_some; str_t val; } opt_str_t;

#define S(lit) ((str_t){(uint8_t *)(lit), sizeof(lit) - 1})
static const char *API = "test:plugin/api@0.1.0";

/* Calls fn on both hosts; results (canonically encoded) and traps must match. */
static void same(host_t *in, host_t *iso, const char *fn, const void *args) {
  _Alignas(16) uint8_t r1[512], r2[512];
  const wp_cabi_type_t *t1 = NULL, *t2 = NULL;
  const char *e1 = call(in, API, fn, args, r1, &t1);
  const char *e2 = call(iso, API, fn, args, r2, &t2);
  CHECK((e1 == NULL) == (e2 == NULL) && (!e1 || !strcmp(e1, e2)), "%s: in-process %s, isolated %s", fn,
        e1 ? e1 : "ok", e2 ? e2 : "ok");
  if (e1 || e2 || !t1) return;
  wp_rpc_buf_t b1 = {0}, b2 = {0};
  wp_rpc_encode(&b1, t1, r1);
  wp_rpc_encode(&b2, t2, r2);
  CHECK(b1.len == b2.len && !memcmp(b1.s, b2.s, b1.len), "%s: results differ (%zu vs %zu bytes)", fn, b1.len,
        b2.len);
  free(b1.s);
  free(b2.s);
  wp_cabi_arena_reset(in->arena);
  wp_cabi_arena_reset(iso->arena);
}

static void test_same_results(void) {
  host_t in, iso;
  char spec[1024];
  char plain[1024];
  snprintf(plain, sizeof plain, "%s,limit=5", test_so);
  snprintf(spec, sizeof spec, "%s,isolate,limit=5", test_so);
  bool ok1 = host_open(&in, plain), ok2 = host_open(&iso, spec);
  CHECK(ok1 && ok2, "open: %s / %s", in.err, iso.err);
  if (!ok1 || !ok2) return;
  CHECK(!strcmp(wp_plugin_name(wp_plugin_set_get(iso.set, 0)), "test-plugin"), "isolated plugin name");
  same(&in, &iso, "nop", NULL);
  struct { uint32_t a, b; } ab = {40, 2}, div0 = {1, 0};
  same(&in, &iso, "add", &ab);
  str_t s = S("héllo, wörld");
  same(&in, &iso, "echo", &s);
  prims_t p = {true, -5, 250, -300, 65000, -70000, 4000000000u, -5000000000LL, 18000000000000000000ULL, 1.5f, -2.25,
               0x1F600};
  same(&in, &iso, "bump-prims", &p);
  uint8_t bytes[1024];
  for (int i = 0; i < 1024; i++) bytes[i] = (uint8_t)(i * 7);
  struct { uint8_t *ptr; size_t len; } lb = {bytes, sizeof bytes};
  same(&in, &iso, "sum-bytes", &lb);
  uint32_t words[5] = {1, 2, 3, 4, 5};
  struct { uint32_t *ptr; size_t len; } lw = {words, 5}, empty = {NULL, 0};
  same(&in, &iso, "reverse", &lw);
  same(&in, &iso, "reverse", &empty);
  point_t pt = {3, -4};
  same(&in, &iso, "flip", &pt);
  shape_t sh = {1, {.rect = {2, 3}}};
  same(&in, &iso, "area", &sh);
  for (uint8_t k = 0; k < 4; k++) same(&in, &iso, "make-shape", &k);
  uint8_t color = 2, perms = 5;
  same(&in, &iso, "next-color", &color);
  same(&in, &iso, "toggle", &perms);
  opt_str_t os = {true, S("four")}, none = {false, {0}};
  same(&in, &iso, "strlen-opt", &os);
  same(&in, &iso, "strlen-opt", &none);
  same(&in, &iso, "divide", &ab);
  same(&in, &iso, "divide", &div0);
  str_t msg = S("deliberate failure");
  same(&in, &iso, "fail", &msg);
  struct { uint8_t f0; str_t f1; } tup = {9, S("nine")};
  same(&in, &iso, "swap", &tup);
  str_t parts[3] = {S("a"), S("bc"), S("")};
  struct { struct { str_t *ptr; size_t len; } l; str_t sep; } jn = {{parts, 3}, S("--")};
  same(&in, &iso, "join", &jn);
  uint32_t seventeen[17];
  for (int i = 0; i < 17; i++) seventeen[i] = (uint32_t)i * 3;
  same(&in, &iso, "sum17", seventeen);
  uint32_t ch = 'z';
  same(&in, &iso, "char-next", &ch);
  for (int i = 0; i < 3; i++) same(&in, &iso, "incr", NULL); /* per-instance state */
  str_t key = S("limit"), nokey = S("nope");
  same(&in, &iso, "get-config", &key);
  same(&in, &iso, "get-config", &nokey);
  same(&in, &iso, "call-count", NULL);

  /* Resources: constructor, methods, and the destructor through a handle
  ** table as the component runtime does it. */
  host_t *hs[2] = {&in, &iso};
  uint32_t destroyed[2] = {0, 0}, got[2] = {0, 0};
  for (int k = 0; k < 2; k++) {
    host_t *h = hs[k];
    uint32_t start = 10, rep = 0;
    const char *e = call(h, API, "[constructor]counter", &start, &rep, NULL);
    CHECK(!e, "constructor: %s", e ? e : "");
    struct { uint32_t self, n; } addp = {rep, 5};
    uint32_t sum = 0;
    e = call(h, API, "[method]counter.add", &addp, &sum, NULL);
    CHECK(!e && sum == 15, "counter.add: %s %u", e ? e : "", sum);
    e = call(h, API, "[method]counter.get", &rep, &got[k], NULL);
    const wp_cabi_resource_t *res = NULL;
    wasmplug_error_t *re = wp_plugin_instances_resource(h->g, API, "counter", &res);
    CHECK(!re, "guest_resource");
    if (re) wasmplug_error_delete(re);
    wp_cabi_handles_t *tab = wp_cabi_handles_new();
    uint32_t handle = 0;
    wp_cabi_error_t *ce = res ? wp_cabi_resource_new(tab, res, rep, &handle) : NULL;
    if (!ce && res) ce = wp_cabi_resource_drop(tab, res, handle);
    CHECK(!ce, "resource drop: %s", ce ? wp_cabi_error_message(ce) : "");
    wp_cabi_error_delete(ce);
    wp_cabi_handles_delete(tab);
    call(h, API, "destroyed-total", NULL, &destroyed[k], NULL);
  }
  CHECK(got[0] == 15 && got[1] == 15, "counter.get %u %u", got[0], got[1]);
  CHECK(destroyed[0] == 1 && destroyed[1] == 1, "destructor ran once in each: %u %u", destroyed[0], destroyed[1]);

  /* A second guest instance has its own state in the helper. */
  host_new_guest(&in);
  host_new_guest(&iso);
  same(&in, &iso, "incr", NULL);
  host_close(&in);
  host_close(&iso);

  /* The same config checks as in-process. */
  snprintf(spec, sizeof spec, "%s,isolate,bogus=1", test_so);
  host_t bad;
  CHECK(!host_open(&bad, spec) && strstr(bad.err, "unknown config key 'bogus'"), "bad config: %s", bad.err);
  host_close(&bad);
  snprintf(spec, sizeof spec, "%s,isolate,limit=0", test_so);
  CHECK(!host_open(&bad, spec) && strstr(bad.err, "limit must be positive"), "init failure: %s", bad.err);
  host_close(&bad);
}

/* ------------------------------------------------------- 2. failures */

static const char *FAPI = "test:faulty/api@1.0.0";

static uint32_t add(host_t *h, uint32_t a, uint32_t b, const char **err) {
  uint32_t args[2] = {a, b}, r = 0;
  *err = call(h, FAPI, "add", args, &r, NULL);
  return r;
}

/* fn traps with a message naming the plugin and containing `want`; the
** instance is dead afterwards; a new instance works (restarted helper). */
static void expect_failure(const char *opts, const char *fn, const void *args, const char *want) {
  char spec[1024];
  snprintf(spec, sizeof spec, "%s,isolate%s", faulty_so, opts);
  host_t h;
  if (!host_open(&h, spec)) {
    CHECK(0, "%s: open: %s", fn, h.err);
    host_close(&h);
    return;
  }
  const char *e;
  CHECK(add(&h, 1, 2, &e) == 3 && !e, "%s: add before", fn);
  uint32_t r[4];
  e = call(&h, FAPI, fn, args, r, NULL);
  CHECK(e && strstr(e, "plugin rpc-faulty: test:faulty/api@1.0.0#") && strstr(e, want), "%s: trap '%s' (want '%s')",
        fn, e ? e : "(none)", want);
  e = NULL;
  add(&h, 1, 2, &e);
  CHECK(e && strstr(e, "plugin state was lost"), "%s: call on the dead instance: %s", fn, e ? e : "(none)");
  host_new_guest(&h);
  CHECK(add(&h, 20, 22, &e) == 42 && !e, "%s: new instance after restart: %s", fn, e ? e : "");
  host_close(&h);
}

static void test_failures(void) {
  expect_failure("", "segfault", NULL, "killed by signal 11");
  expect_failure("", "abort-now", NULL, "killed by signal 6");
  expect_failure(",timeout=300", "loop-forever", NULL, "no answer within 300 ms");
  expect_failure("", "garbage", NULL, "protocol violation: bad frame magic");
  uint32_t code = 3;
  expect_failure("", "exit-now", &code, "exited with status 3");

  /* A slow call inside the timeout is fine. */
  char spec[1024];
  snprintf(spec, sizeof spec, "%s,isolate,timeout=2000", faulty_so);
  host_t h;
  CHECK(host_open(&h, spec), "open: %s", h.err);
  uint32_t args[3] = {2, 3, 50}, r = 0;
  const char *e = call(&h, FAPI, "slow-add", args, &r, NULL);
  CHECK(!e && r == 5, "slow-add: %s", e ? e : "");
  host_close(&h);

  /* Bounded restarts: isolate-restarts=1 allows one new helper. */
  snprintf(spec, sizeof spec, "%s,isolate,isolate-restarts=1", faulty_so);
  CHECK(host_open(&h, spec), "open: %s", h.err);
  call(&h, FAPI, "segfault", NULL, &r, NULL);
  host_new_guest(&h); /* restart 1 */
  CHECK(add(&h, 1, 1, &e) == 2 && !e, "after restart 1: %s", e ? e : "");
  call(&h, FAPI, "segfault", NULL, &r, NULL);
  host_new_guest(&h); /* no restart left: the instance cannot get its state */
  e = call(&h, FAPI, "add", args, &r, NULL);
  CHECK(e && strstr(e, "not restarting") && strstr(e, "isolate-restarts=1"), "restart bound: %s", e ? e : "(none)");
  host_close(&h);

  /* The helper holds its socket and nothing else the host had open. */
  int extra[3];
  for (int i = 0; i < 3; i++) extra[i] = dup(2); /* inheritable, as a careless host's fds are */
  snprintf(spec, sizeof spec, "%s,isolate", faulty_so);
  CHECK(host_open(&h, spec), "open: %s", h.err);
  uint32_t nfds = 0;
  e = call(&h, FAPI, "open-fds", NULL, &nfds, NULL);
  CHECK(!e && nfds == 1, "isolated plugin sees %u fds past stdio (want 1, its socket): %s", nfds, e ? e : "");
  host_close(&h);
  CHECK(host_open(&h, faulty_so), "open: %s", h.err);
  e = call(&h, FAPI, "open-fds", NULL, &nfds, NULL);
  CHECK(!e && nfds >= 3, "in-process plugin sees the host's fds: %u", nfds);
  host_close(&h);
  for (int i = 0; i < 3; i++) close(extra[i]);

  /* chroot= (now the same as isolate-dir=: the helper's root is an empty
  ** one) and rlimit-as= leave the plugin working (a bad directory is an
  ** error naming it). */
  char dir[600];
  snprintf(dir, sizeof dir, "%s/chroot-%d", tmpdir, (int)getpid());
  mkdir(dir, 0755);
#if defined(__SANITIZE_ADDRESS__)
  /* ASan's shadow memory needs terabytes of address space: no rlimit-as. */
  snprintf(spec, sizeof spec, "%s,isolate,chroot=%s", faulty_so, dir);
#else
  snprintf(spec, sizeof spec, "%s,isolate,chroot=%s,rlimit-as=17179869184", faulty_so, dir);
#endif
  CHECK(host_open(&h, spec), "open chroot: %s", h.err);
  CHECK(add(&h, 2, 2, &e) == 4 && !e, "chrooted helper: %s", e ? e : "");
  host_close(&h);
  rmdir(dir);
  snprintf(spec, sizeof spec, "%s,isolate,chroot=%s/no-such-dir", faulty_so, tmpdir);
  CHECK(!host_open(&h, spec) && strstr(h.err, "cannot sandbox its helper process: isolate-dir") &&
            strstr(h.err, "no-such-dir"), "bad chroot: %s", h.err);
  host_close(&h);

  /* A helper that cannot start is a load error, not a hang. */
  setenv("WASMPLUG_EXE", "/nonexistent/wasmplug", 1);
  snprintf(spec, sizeof spec, "%s,isolate", faulty_so);
  CHECK(!host_open(&h, spec) && strstr(h.err, "handshake failed") && strstr(h.err, "status 127"),
        "missing helper: %s", h.err);
  host_close(&h);
  setenv("WASMPLUG_EXE", wasmplug_exe, 1);

  /* Protocol frames the helper rejects never reach the plugin. */
  CHECK(!host_open(&h, "./no-such-plugin.so,isolate") && strstr(h.err, "no-such-plugin.so"), "missing .so: %s",
        h.err);
  host_close(&h);
}

/* ------------------------------------- guests on four threads at once */

typedef struct worker {
  host_t *shared; /* the set; each worker has its own guest and arena */
  int bad;
} worker_t;

static void *work(void *arg) {
  worker_t *w = arg;
  host_t h = *w->shared;
  h.arena = wp_cabi_arena_new(0);
  wasmplug_error_t *e = wp_plugin_instances_new(h.set, &h.g);
  if (e) {
    wasmplug_error_delete(e);
    w->bad = 1;
    return NULL;
  }
  for (uint32_t i = 1; i <= 200; i++) {
    uint32_t r = 0;
    if (call(&h, FAPI, "bump", NULL, &r, NULL) || r != i) w->bad++;
  }
  wp_plugin_instances_delete(h.g);
  wp_cabi_arena_delete(h.arena);
  return NULL;
}

static void test_threads(void) {
  char spec[1024];
  snprintf(spec, sizeof spec, "%s,isolate", faulty_so);
  host_t h;
  CHECK(host_open(&h, spec), "open: %s", h.err);
  pthread_t t[4];
  worker_t w[4];
  for (int i = 0; i < 4; i++) {
    w[i] = (worker_t){&h, 0};
    pthread_create(&t[i], NULL, work, &w[i]);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    CHECK(!w[i].bad, "thread %d: %d bad answers", i, w[i].bad);
  }
  uint32_t total = 0;
  const char *e = call(&h, FAPI, "total", NULL, &total, NULL);
  CHECK(!e && total == 800, "four threads' instances share one plugin state: total %u %s", total, e ? e : "");
  host_close(&h);
}

/* -------------------------------------------------------- 3. seccomp */

static void test_seccomp(void) {
  host_t h;
  int32_t r = 0;
  const char *e;
  CHECK(host_open(&h, faulty_so), "open in-process: %s", h.err);
  e = call(&h, FAPI, "open-socket", NULL, &r, NULL);
  CHECK(!e && r == 1, "socket() in-process works: %s %d", e ? e : "", r);
  host_close(&h);
  char spec[1024];
  snprintf(spec, sizeof spec, "%s,isolate", faulty_so);
  CHECK(host_open(&h, spec), "open: %s", h.err);
  e = call(&h, FAPI, "open-socket", NULL, &r, NULL);
  CHECK(e && strstr(e, "signal 31") && strstr(e, "seccomp"), "socket() isolated is blocked: %s", e ? e : "(none)");
  host_close(&h);
  snprintf(spec, sizeof spec, "%s,isolate,isolate-allow=socket", faulty_so);
  CHECK(host_open(&h, spec), "open: %s", h.err);
  e = call(&h, FAPI, "open-socket", NULL, &r, NULL);
  CHECK(!e && r == 1, "socket() isolated with isolate-allow=socket: %s %d", e ? e : "", r);
  host_close(&h);
  /* No new privileges and a seccomp filter (mode 2), as the helper's
  ** process reports it (prctl itself needs allowing). */
  snprintf(spec, sizeof spec, "%s,isolate,isolate-allow=prctl", faulty_so);
  CHECK(host_open(&h, spec), "open: %s", h.err);
  e = call(&h, FAPI, "confinement", NULL, &r, NULL);
  CHECK(!e && r == 12, "no_new_privs and seccomp filter mode: %s %d (want 12)", e ? e : "", r);
  host_close(&h);
}

/* ----------------------------------------------------- 4. plugin-serve */

/* plugin-serve of rpc_faulty.so on addr, exiting after `sessions`; a..d:
** extra arguments (the first NULL ends them). */
static pid_t start_server_with(const char *addr, int sessions, const char *a, const char *b, const char *c,
                               const char *d) {
  int pfd[2];
  if (pipe(pfd)) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pfd[1], 1);
    close(pfd[0]);
    char n[16];
    snprintf(n, sizeof n, "%d", sessions);
    execl(wasmplug_exe, wasmplug_exe, "plugin-serve", faulty_so, "--listen", addr, "--sessions", n, a, b, c,
          d, (char *)NULL);
    _exit(127);
  }
  close(pfd[1]);
  char buf[16] = {0};
  ssize_t got = read(pfd[0], buf, sizeof buf - 1); /* "ready" once it listens */
  close(pfd[0]);
  if (got > 0 && !strncmp(buf, "ready", 5)) return pid;
  waitpid(pid, NULL, 0); /* it could not listen (a taken tcp port) */
  return -1;
}

static pid_t start_server(const char *addr, int sessions) { return start_server_with(addr, sessions, NULL, NULL, NULL, NULL); }

/* One host process: its own instance counts 1..n; the shared total
** reaches `total_want` once the other host did its part too. */
static int remote_host(const char *addr, uint32_t n, uint32_t total_want) {
  host_t h;
  if (!host_open(&h, addr)) {
    fprintf(stderr, "remote host: %s\n", h.err);
    return 1;
  }
  int bad = 0;
  for (uint32_t i = 1; i <= n; i++) {
    uint32_t r = 0;
    const char *e = call(&h, FAPI, "bump", NULL, &r, NULL);
    if (e || r != i) bad++;
    str_t s = S("ping");
    str_t out = {0};
    e = call(&h, FAPI, "echo", &s, &out, NULL);
    if (e || out.len != 4 || memcmp(out.ptr, "ping", 4)) bad++;
    wp_cabi_arena_reset(h.arena);
  }
  uint32_t total = 0;
  for (int tries = 0; tries < 1000 && total < total_want; tries++) {
    call(&h, FAPI, "total", NULL, &total, NULL);
    if (total < total_want) usleep(10000);
  }
  if (total != total_want) bad++;
  if (bad) fprintf(stderr, "remote host %d: %d bad answers, total %u\n", (int)getpid(), bad, total);
  host_close(&h);
  return bad ? 1 : 0;
}

static void test_serve(void) {
  char addr[600];
  snprintf(addr, sizeof addr, "unix:%s/faulty-%d.sock", tmpdir, (int)getpid());
  pid_t server = start_server(addr, 2);
  CHECK(server > 0, "plugin-serve did not start on %s", addr);
  if (server <= 0) return;
  pid_t hosts[2];
  for (int i = 0; i < 2; i++) {
    hosts[i] = fork();
    if (hosts[i] == 0) _exit(remote_host(addr, 300, 600));
  }
  for (int i = 0; i < 2; i++) {
    int st = 0;
    waitpid(hosts[i], &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "remote host %d over unix socket failed (status 0x%x)", i, st);
  }
  int st = 0;
  waitpid(server, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "plugin-serve exits after its 2 sessions (status 0x%x)", st);

  /* tcp: one host; a port derived from the pid, retried on collisions. */
  for (int attempt = 0; attempt < 5; attempt++) {
    snprintf(addr, sizeof addr, "tcp:127.0.0.1:%d", 20000 + ((int)getpid() * 7 + attempt * 131) % 30000);
    server = start_server(addr, 1);
    if (server > 0) break;
  }
  CHECK(server > 0, "plugin-serve on tcp did not start");
  if (server <= 0) return;
  CHECK(remote_host(addr, 100, 100) == 0, "remote host over tcp");
  waitpid(server, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "tcp plugin-serve exit (status 0x%x)", st);

  /* A remote plugin takes no plugin config from the host. */
  host_t h;
  snprintf(addr, sizeof addr, "unix:%s/none-%d.sock,limit=3", tmpdir, (int)getpid());
  CHECK(!host_open(&h, addr) && strstr(h.err, "its own config is given to its server"), "remote config: %s", h.err);
  host_close(&h);
}

/* A raw client of plugin-serve: sends `bytes`, expects an ERROR frame
** whose message contains `want`. */
static void hostile(const char *addr, const void *bytes, size_t n, const char *want) {
  char why[300];
  int fd = wp_rpc_addr_socket(addr, false, why, sizeof why);
  CHECK(fd >= 0, "hostile connect: %s", why);
  if (fd < 0) return;
  CHECK(send(fd, bytes, n, MSG_NOSIGNAL) == (ssize_t)n, "hostile send");
  wp_rpc_conn_t c;
  wp_rpc_conn_init(&c, fd);
  wp_rpc_header_t h;
  const uint8_t *pl = NULL;
  wp_rpc_io_t st = wp_rpc_frame_recv(&c, 5000, &h, &pl, why, sizeof why);
  CHECK(st == WP_RPC_IO_OK && h.kind == WP_RPC_ERROR && memmem(pl, h.len, want, strlen(want)),
        "hostile client: want ERROR with '%s' (io %d, kind %u)", want, (int)st, st ? 0 : h.kind);
  st = wp_rpc_frame_recv(&c, 5000, &h, &pl, why, sizeof why);
  CHECK(st == WP_RPC_IO_EOF, "server ends a hostile session (io %d)", (int)st);
  wp_rpc_conn_close(&c);
}

static void test_hostile_clients(void) {
  char addr[600];
  snprintf(addr, sizeof addr, "unix:%s/hostile-%d.sock", tmpdir, (int)getpid());
  pid_t server = start_server(addr, 5);
  CHECK(server > 0, "plugin-serve did not start");
  if (server <= 0) return;
  char junk[64];
  memset(junk, 'x', sizeof junk);
  hostile(addr, junk, sizeof junk, "bad frame magic");
  uint8_t fr[WP_RPC_HEADER];
  wp_rpc_header_t h = {WP_RPC_MAGIC, WP_RPC_VERSION, WP_RPC_CALL, 1, 99, 0, 0};
  wp_rpc_header_put(fr, &h);
  hostile(addr, fr, sizeof fr, "CALL for an unknown instance");
  h = (wp_rpc_header_t){WP_RPC_MAGIC, 7, WP_RPC_HELLO, 1, 0, 0, 0};
  wp_rpc_header_put(fr, &h);
  hostile(addr, fr, sizeof fr, "protocol version 7");
  uint8_t stop[WP_RPC_HEADER + 4] = {0};
  h = (wp_rpc_header_t){WP_RPC_MAGIC, WP_RPC_VERSION, WP_RPC_STOP, 1, 0, 0, 4};
  wp_rpc_header_put(stop, &h);
  hostile(addr, stop, sizeof stop, "STOP with a payload");
  /* The server survived all of them. */
  CHECK(remote_host(addr, 10, 10) == 0, "an honest host after hostile ones");
  int st = 0;
  waitpid(server, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "plugin-serve after hostile clients (status 0x%x)", st);
}

/* A raw client of plugin-serve, speaking frames itself: HELLO, INST_NEW. */
typedef struct raw {
  wp_rpc_conn_t c;
  wp_rpc_buf_t b;
  uint32_t inst;
} raw_t;

/* HELLO and INST_NEW on a connected socket (r owns it). */
static bool raw_open_fd(raw_t *r, int fd) {
  char why[300];
  memset(r, 0, sizeof *r);
  wp_rpc_conn_init(&r->c, fd);
  wp_rpc_header_t h;
  const uint8_t *pl;
  wp_rpc_buf_frame(&r->b);
  if (wp_rpc_frame_send(&r->c, &r->b, (wp_rpc_header_t){.kind = WP_RPC_HELLO, .call_id = 1}) ||
      wp_rpc_frame_recv(&r->c, 5000, &h, &pl, why, sizeof why) || h.kind != WP_RPC_DESCRIBE)
    return false;
  wp_rpc_buf_frame(&r->b);
  if (wp_rpc_frame_send(&r->c, &r->b, (wp_rpc_header_t){.kind = WP_RPC_INST_NEW, .call_id = 2}) ||
      wp_rpc_frame_recv(&r->c, 5000, &h, &pl, why, sizeof why) || h.kind != WP_RPC_INST_OK)
    return false;
  r->inst = h.inst;
  return true;
}

static bool raw_open(raw_t *r, const char *addr) {
  char why[300];
  memset(r, 0, sizeof *r);
  int fd = wp_rpc_addr_socket(addr, false, why, sizeof why);
  return fd >= 0 && raw_open_fd(r, fd);
}

static void raw_close(raw_t *r) {
  wp_rpc_conn_close(&r->c);
  free(r->b.s);
}

/* Sends CALL `id` of function `func` (time left `left` ns) with one u32
** argument. */
static bool raw_call(raw_t *r, uint32_t id, uint32_t func, uint64_t left, uint32_t arg) {
  wp_rpc_buf_frame(&r->b);
  wp_rpc_buf_u64(&r->b, left);
  wp_buf_byte(&r->b, WP_CABI_U32);
  wp_rpc_buf_u32(&r->b, arg);
  return !wp_rpc_frame_send(&r->c, &r->b, (wp_rpc_header_t){.kind = WP_RPC_CALL, .call_id = id, .inst = r->inst, .func = func});
}

static bool raw_stop(raw_t *r, uint32_t id) {
  wp_rpc_buf_frame(&r->b);
  return !wp_rpc_frame_send(&r->c, &r->b, (wp_rpc_header_t){.kind = WP_RPC_STOP, .call_id = id});
}

/* The bool RESULT of call `id`: 0/1, or -1 (anything else). */
static int raw_bool(raw_t *r, uint32_t id) {
  wp_rpc_header_t h;
  const uint8_t *pl;
  char why[300];
  if (wp_rpc_frame_recv(&r->c, 20000, &h, &pl, why, sizeof why) || h.kind != WP_RPC_RESULT || h.call_id != id ||
      h.len != 2 || pl[0] != WP_CABI_BOOL)
    return -1;
  return pl[1];
}

/* Protocol 2: a plugin server's plugin learns of its own client's STOP for
** the call it runs and of the call's deadline (host->interrupted), and
** of nothing else: a STOP naming another call of that client, or sent by
** another client, changes nothing.  interrupted-after(ms) sleeps unless
** interrupted and says whether it was. */
static void test_serve_stop(void) {
  char addr[600];
  snprintf(addr, sizeof addr, "unix:%s/stop-%d.sock", tmpdir, (int)getpid());
  pid_t server = start_server(addr, 2);
  CHECK(server > 0, "plugin-serve did not start");
  if (server <= 0) return;
  host_t probe;
  CHECK(host_open(&probe, faulty_so), "open: %s", probe.err);
  const wasmplug_plugin_t *d = wp_plugin_descriptor(wp_plugin_set_get(probe.set, 0));
  uint32_t fi = UINT32_MAX, fa = UINT32_MAX;
  for (uint32_t i = 0; i < d->nfuncs; i++) {
    if (!strcmp(d->funcs[i].name, "test:faulty/api#interrupted-after")) fi = i;
    if (!strcmp(d->funcs[i].name, "test:faulty/api#add")) fa = i;
  }
  host_close(&probe);
  raw_t a, b;
  CHECK(raw_open(&a, addr) && raw_open(&b, addr), "raw clients");
  /* its own STOP, after one naming an earlier call: interrupted (the
  ** plugin would sleep 20 s otherwise, and say false) */
  CHECK(raw_call(&a, 10, fi, 0, 20000) && raw_stop(&a, 9) && raw_stop(&a, 10), "send");
  CHECK(raw_bool(&a, 10) == 1, "a client's STOP for its running call interrupts it");
  /* a STOP naming the call that just ended, and another client's STOP
  ** naming the running call's id: not interrupted */
  CHECK(raw_call(&a, 11, fi, 0, 300) && raw_stop(&a, 10) && raw_stop(&b, 11), "send");
  CHECK(raw_bool(&a, 11) == 0, "a stale STOP, or another client's, interrupts nothing");
  /* the other client's session goes on (its STOP was only a late notice) */
  wp_rpc_buf_frame(&b.b);
  wp_rpc_buf_u64(&b.b, 0);
  wp_buf_byte(&b.b, WP_CABI_U32);
  wp_rpc_buf_u32(&b.b, 40);
  wp_buf_byte(&b.b, WP_CABI_U32);
  wp_rpc_buf_u32(&b.b, 2);
  wp_rpc_header_t h;
  const uint8_t *pl;
  char why[300];
  CHECK(!wp_rpc_frame_send(&b.c, &b.b, (wp_rpc_header_t){.kind = WP_RPC_CALL, .call_id = 12, .inst = b.inst, .func = fa}) &&
            !wp_rpc_frame_recv(&b.c, 5000, &h, &pl, why, sizeof why) && h.kind == WP_RPC_RESULT && h.len == 5 &&
            pl[1] == 42,
        "the other session after its stray STOP");
  /* the deadline that came with the request: 100 ms of 20 s */
  CHECK(raw_call(&a, 13, fi, 100000000u, 20000), "send");
  CHECK(raw_bool(&a, 13) == 1, "the request's deadline interrupts the call");
  /* more than the watcher's 4 KiB buffered behind a CALL (200 STOPs
  ** naming another call, then a CALL): the frames stay in order (before,
  ** the watcher took the first 4 KiB and gave them back behind the rest:
  ** a misparse, ERROR) */
  wp_rpc_buf_t pipe = {0};
  wp_rpc_buf_frame(&a.b);
  wp_rpc_buf_u64(&a.b, 0);
  wp_buf_byte(&a.b, WP_CABI_U32);
  wp_rpc_buf_u32(&a.b, 300);
  wp_rpc_frame_seal(&a.b, (wp_rpc_header_t){.kind = WP_RPC_CALL, .call_id = 14, .inst = a.inst, .func = fi});
  wp_buf_put(&pipe, a.b.s, a.b.len);
  for (int k = 0; k < 200; k++) {
    wp_rpc_buf_frame(&a.b);
    wp_rpc_frame_seal(&a.b, (wp_rpc_header_t){.kind = WP_RPC_STOP, .call_id = 999});
    wp_buf_put(&pipe, a.b.s, a.b.len);
  }
  wp_rpc_buf_frame(&a.b);
  wp_rpc_buf_u64(&a.b, 0);
  wp_buf_byte(&a.b, WP_CABI_U32);
  wp_rpc_buf_u32(&a.b, 40);
  wp_buf_byte(&a.b, WP_CABI_U32);
  wp_rpc_buf_u32(&a.b, 2);
  wp_rpc_frame_seal(&a.b, (wp_rpc_header_t){.kind = WP_RPC_CALL, .call_id = 15, .inst = a.inst, .func = fa});
  wp_buf_put(&pipe, a.b.s, a.b.len);
  CHECK(send(a.c.fd, pipe.s, pipe.len, MSG_NOSIGNAL) == (ssize_t)pipe.len, "pipelined send");
  free(pipe.s);
  CHECK(raw_bool(&a, 14) == 0, "a call with 4.8 KB of STOPs for another call behind it: not interrupted");
  CHECK(!wp_rpc_frame_recv(&a.c, 5000, &h, &pl, why, sizeof why) && h.kind == WP_RPC_RESULT && h.call_id == 15 &&
            h.len == 5 && pl[1] == 42,
        "and the CALL behind them answered in order (kind %u)", h.kind);
  raw_close(&a);
  raw_close(&b);
  int st = 0;
  waitpid(server, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "plugin-serve after STOPs (status 0x%x)", st);
}

/* The index of test:faulty/api#NAME in rpc_faulty.so's descriptor. */
static uint32_t faulty_func(const char *name) {
  host_t probe;
  uint32_t k = UINT32_MAX;
  if (host_open(&probe, faulty_so)) {
    const wasmplug_plugin_t *d = wp_plugin_descriptor(wp_plugin_set_get(probe.set, 0));
    char full[128];
    snprintf(full, sizeof full, "test:faulty/api#%s", name);
    for (uint32_t i = 0; i < d->nfuncs; i++)
      if (!strcmp(d->funcs[i].name, full)) k = i;
  }
  host_close(&probe);
  return k;
}

/* `calls` calls of add(i, 1) on r, each answered with i + 1 (the raw
** client's receive waits at most 10 s). */
static bool raw_adds(raw_t *r, uint32_t fa, int calls) {
  for (int i = 0; i < calls; i++) {
    wp_rpc_buf_frame(&r->b);
    wp_rpc_buf_u64(&r->b, 0);
    wp_buf_byte(&r->b, WP_CABI_U32);
    wp_rpc_buf_u32(&r->b, (uint32_t)i);
    wp_buf_byte(&r->b, WP_CABI_U32);
    wp_rpc_buf_u32(&r->b, 1);
    wp_rpc_header_t h;
    const uint8_t *pl;
    char why[300];
    uint32_t id = 100 + (uint32_t)i, v = 0;
    if (wp_rpc_frame_send(&r->c, &r->b, (wp_rpc_header_t){.kind = WP_RPC_CALL, .call_id = id, .inst = r->inst, .func = fa}) ||
        wp_rpc_frame_recv(&r->c, 10000, &h, &pl, why, sizeof why) || h.kind != WP_RPC_RESULT || h.call_id != id ||
        h.len != 5)
      return false;
    memcpy(&v, pl + 1, 4);
    if (v != (uint32_t)i + 1) return false;
  }
  return true;
}

/* plugin-serve's loop never waits for one client (before, it read a
** session's frames with a 5 s deadline and sent its replies blocking, so
** a client holding back half a frame stalled every other session 5 s
** per frame, and one never reading its replies stalled them for good):
**   - a client that sent half a frame keeps its session (the rest may
**     come later) while another client's calls are all answered;
**   - a half frame not completed within --frame-timeout gets an ERROR
**     naming it, and the session ends;
**   - a client that sends calls with large results and never reads: the
**     others' calls are answered meanwhile, and its session is closed
**     once a reply waited --send-timeout for it. */
static void test_serve_never_waits(void) {
  char addr[600];
  snprintf(addr, sizeof addr, "unix:%s/nowait-%d.sock", tmpdir, (int)getpid());
  /* a frame timeout far longer than the test: the half frame is still
  ** welcome when its rest comes */
  pid_t server = start_server_with(addr, 4, "--frame-timeout", "600000", "--send-timeout", "1000");
  CHECK(server > 0, "plugin-serve did not start");
  if (server <= 0) return;
  uint32_t fa = faulty_func("add"), fe = faulty_func("echo");
  char why[300];
  int half = wp_rpc_addr_socket(addr, false, why, sizeof why);
  CHECK(half >= 0, "connect: %s", why);
  uint8_t hello[WP_RPC_HEADER];
  wp_rpc_header_put(hello, &(wp_rpc_header_t){WP_RPC_MAGIC, WP_RPC_VERSION, WP_RPC_HELLO, 1, 0, 0, 0});
  CHECK(send(half, hello, 10, MSG_NOSIGNAL) == 10, "half a frame sent");
  usleep(100000); /* (the server has it: not needed for the checks, only to make them bite) */
  raw_t b;
  CHECK(raw_open(&b, addr), "a second client's handshake while the first holds half a frame");
  CHECK(raw_adds(&b, fa, 50), "its 50 calls answered while the first client holds half a frame");
  /* the first session is still there: the rest of its frame completes it */
  CHECK(send(half, hello + 10, sizeof hello - 10, MSG_NOSIGNAL) == (ssize_t)(sizeof hello - 10), "the rest sent");
  wp_rpc_conn_t hc;
  wp_rpc_conn_init(&hc, half);
  wp_rpc_header_t h;
  const uint8_t *pl;
  wp_rpc_io_t st = wp_rpc_frame_recv(&hc, 10000, &h, &pl, why, sizeof why);
  CHECK(st == WP_RPC_IO_OK && h.kind == WP_RPC_DESCRIBE, "the half frame's session answers once it is whole (io %d)",
        (int)st);
  wp_rpc_conn_close(&hc);

  /* a client that never reads: echo calls of 256 KiB each, sent until the
  ** server stops taking them (its reply waits, so it reads no more) */
  raw_t c;
  CHECK(raw_open(&c, addr), "the non-reading client's handshake");
  size_t big = 256 * 1024;
  char *text = malloc(big);
  memset(text, 'x', big);
  int sent = 0;
  for (; sent < 64; sent++) {
    wp_rpc_buf_frame(&c.b);
    wp_rpc_buf_u64(&c.b, 0);
    wp_buf_byte(&c.b, WP_CABI_STRING);
    wp_rpc_buf_u32(&c.b, (uint32_t)big);
    wp_buf_put(&c.b, text, big);
    wp_rpc_frame_seal(&c.b, (wp_rpc_header_t){.kind = WP_RPC_CALL, .call_id = 1000 + (uint32_t)sent, .inst = c.inst, .func = fe});
    size_t off = 0;
    while (off < c.b.len) {
      struct pollfd p = {c.c.fd, POLLOUT, 0};
      if (poll(&p, 1, 2000) <= 0) break; /* the server reads no more of it */
      ssize_t k = send(c.c.fd, c.b.s + off, c.b.len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (k > 0) off += (size_t)k;
      else if (k < 0 && errno != EAGAIN && errno != EINTR) break;
    }
    if (off < c.b.len) break;
  }
  free(text);
  CHECK(sent >= 1 && sent < 64, "the server stops reading a client that does not take its replies (%d sent)", sent);
  raw_t d;
  CHECK(raw_open(&d, addr), "another client's handshake while one does not read");
  CHECK(raw_adds(&d, fa, 50), "its 50 calls answered while a client does not read its replies");
  CHECK(raw_adds(&b, fa, 5), "and the first one's");
  raw_close(&d);
  raw_close(&b);
  /* the non-reader is dropped once its reply waited --send-timeout (1 s
  ** here): a hang-up of the server's, seen without reading a byte */
  struct pollfd p = {c.c.fd, POLLRDHUP, 0};
  CHECK(poll(&p, 1, 60000) == 1 && (p.revents & (POLLRDHUP | POLLHUP)),
        "the server hangs up on the client that does not read (revents 0x%x)", p.revents);
  raw_close(&c);
  int stt = 0;
  waitpid(server, &stt, 0);
  CHECK(WIFEXITED(stt) && WEXITSTATUS(stt) == 0, "plugin-serve after the stalls (status 0x%x)", stt);

  /* the limits themselves: a half frame past --frame-timeout gets an
  ** ERROR saying so; --send-timeout ends a non-reader sooner */
  snprintf(addr, sizeof addr, "unix:%s/limits-%d.sock", tmpdir, (int)getpid());
  server = start_server_with(addr, 1, "--frame-timeout", "200", NULL, NULL);
  CHECK(server > 0, "plugin-serve --frame-timeout did not start");
  if (server <= 0) return;
  half = wp_rpc_addr_socket(addr, false, why, sizeof why);
  CHECK(half >= 0 && send(half, hello, 10, MSG_NOSIGNAL) == 10, "half a frame sent");
  wp_rpc_conn_init(&hc, half);
  st = wp_rpc_frame_recv(&hc, 20000, &h, &pl, why, sizeof why);
  static const char stalled[] = "a frame stalled: 10 of its 24 bytes came, the rest not within 200 ms";
  CHECK(st == WP_RPC_IO_OK && h.kind == WP_RPC_ERROR && memmem(pl, h.len, stalled, sizeof stalled - 1),
        "a stalled frame's ERROR (io %d: %.*s)", (int)st, st ? 0 : (int)h.len, st ? "" : (const char *)pl);
  st = wp_rpc_frame_recv(&hc, 20000, &h, &pl, why, sizeof why);
  CHECK(st == WP_RPC_IO_EOF, "and its session ends (io %d)", (int)st);
  wp_rpc_conn_close(&hc);
  waitpid(server, &stt, 0);
  CHECK(WIFEXITED(stt) && WEXITSTATUS(stt) == 0, "plugin-serve --frame-timeout (status 0x%x)", stt);
}

/* One CALL of a function without parameters returning a u32 (or nothing:
** *out untouched); false on any other answer. */
static bool raw_call0(raw_t *r, uint32_t id, uint32_t func, uint32_t *out) {
  wp_rpc_buf_frame(&r->b);
  wp_rpc_buf_u64(&r->b, 0);
  wp_rpc_header_t h;
  const uint8_t *pl;
  char why[300];
  if (wp_rpc_frame_send(&r->c, &r->b, (wp_rpc_header_t){.kind = WP_RPC_CALL, .call_id = id, .inst = r->inst, .func = func}) ||
      wp_rpc_frame_recv(&r->c, 10000, &h, &pl, why, sizeof why) || h.kind != WP_RPC_RESULT || h.call_id != id ||
      h.len != (out ? 5u : 0u))
    return false;
  if (out) memcpy(out, pl + 1, 4);
  return true;
}

/* plugin-serve runs the plugin's calls on workers, not on its loop
** (before, one client calling a slow function stalled every other
** session until it returned), and closes a session that has made no
** instance and sends nothing for --idle-timeout:
**   - client A calls gate-wait, which blocks until some call opens the
**     gate; client B sees A's call waiting (gate-waiting: its own call
**     runs meanwhile), makes 50 calls, then opens the gate; A's call
**     returns 1 (opened by B while it ran: the order, not a timing);
**   - with --call-workers 1, B's calls wait for A's (they do not run);
**   - a client that connects and sends nothing is hung up on; one that
**     made an instance stays, idle longer than that. */
static void test_serve_slow_call(void) {
  char addr[600];
  snprintf(addr, sizeof addr, "unix:%s/slow-%d.sock", tmpdir, (int)getpid());
  pid_t server = start_server_with(addr, 3, "--idle-timeout", "300", NULL, NULL);
  CHECK(server > 0, "plugin-serve --idle-timeout did not start");
  if (server <= 0) return;
  uint32_t fw = faulty_func("gate-wait"), fo = faulty_func("gate-open"), fn = faulty_func("gate-waiting"),
           fa = faulty_func("add");
  raw_t a, b;
  CHECK(raw_open(&a, addr) && raw_open(&b, addr), "two clients' handshakes");
  wp_rpc_buf_frame(&a.b);
  wp_rpc_buf_u64(&a.b, 0);
  CHECK(!wp_rpc_frame_send(&a.c, &a.b, (wp_rpc_header_t){.kind = WP_RPC_CALL, .call_id = 7, .inst = a.inst, .func = fw}),
        "A's gate-wait sent");
  uint32_t waiting = 0;
  bool ok = true;
  for (int i = 0; i < 2000 && ok && !waiting; i++) {
    ok = raw_call0(&b, 20 + (uint32_t)i, fn, &waiting);
    if (ok && !waiting) usleep(1000);
  }
  CHECK(ok && waiting == 1, "B's calls are answered while A's call runs, and see it waiting (%u)", waiting);
  CHECK(raw_adds(&b, fa, 50), "B's 50 calls answered while A's call runs");
  CHECK(raw_call0(&b, 9, fo, NULL), "B opens the gate");
  wp_rpc_header_t h;
  const uint8_t *pl;
  char why[300];
  uint32_t v = 0;
  wp_rpc_io_t st = wp_rpc_frame_recv(&a.c, 30000, &h, &pl, why, sizeof why);
  if (st == WP_RPC_IO_OK && h.kind == WP_RPC_RESULT && h.len == 5) memcpy(&v, pl + 1, 4);
  CHECK(st == WP_RPC_IO_OK && h.call_id == 7 && v == 1, "A's call returns after B opened the gate (io %d, %u)", (int)st,
        v);
  CHECK(raw_adds(&a, fa, 5), "A's session goes on");
  usleep(700000); /* past --idle-timeout: sessions with an instance stay */
  CHECK(raw_adds(&a, fa, 5), "A's session, idle 0.7 s, goes on");
  raw_close(&a);
  raw_close(&b);
  /* a client that connects and sends nothing: closed after 300 ms */
  int idle = wp_rpc_addr_socket(addr, false, why, sizeof why);
  CHECK(idle >= 0, "connect: %s", why);
  struct pollfd p = {idle, POLLRDHUP, 0};
  CHECK(poll(&p, 1, 30000) == 1 && (p.revents & (POLLRDHUP | POLLHUP)),
        "the server hangs up on a client that sends nothing (revents 0x%x)", p.revents);
  close(idle);
  int stt = 0;
  waitpid(server, &stt, 0);
  CHECK(WIFEXITED(stt) && WEXITSTATUS(stt) == 0, "plugin-serve after the slow call (status 0x%x)", stt);

  /* one worker: B's call waits for A's (the bound is the pool) */
  snprintf(addr, sizeof addr, "unix:%s/slow1-%d.sock", tmpdir, (int)getpid());
  server = start_server_with(addr, 2, "--call-workers", "1", NULL, NULL);
  CHECK(server > 0, "plugin-serve --call-workers 1 did not start");
  if (server <= 0) return;
  CHECK(raw_open(&a, addr) && raw_open(&b, addr), "two clients' handshakes (one worker)");
  wp_rpc_buf_frame(&a.b);
  wp_rpc_buf_u64(&a.b, 0);
  CHECK(!wp_rpc_frame_send(&a.c, &a.b, (wp_rpc_header_t){.kind = WP_RPC_CALL, .call_id = 7, .inst = a.inst, .func = fw}),
        "A's gate-wait sent (one worker)");
  usleep(200000);
  wp_rpc_buf_frame(&b.b);
  wp_rpc_buf_u64(&b.b, 0);
  CHECK(!wp_rpc_frame_send(&b.c, &b.b, (wp_rpc_header_t){.kind = WP_RPC_CALL, .call_id = 8, .inst = b.inst, .func = fo}),
        "B's gate-open sent (one worker)");
  st = wp_rpc_frame_recv(&a.c, 30000, &h, &pl, why, sizeof why);
  v = 9;
  if (st == WP_RPC_IO_OK && h.kind == WP_RPC_RESULT && h.len == 5) memcpy(&v, pl + 1, 4);
  CHECK(st == WP_RPC_IO_OK && v == 0, "with one worker A's call ends unopened (io %d, %u)", (int)st, v);
  st = wp_rpc_frame_recv(&b.c, 30000, &h, &pl, why, sizeof why);
  CHECK(st == WP_RPC_IO_OK && h.kind == WP_RPC_RESULT && h.call_id == 8, "then B's call runs (io %d)", (int)st);
  raw_close(&a);
  raw_close(&b);
  waitpid(server, &stt, 0);
  CHECK(WIFEXITED(stt) && WEXITSTATUS(stt) == 0, "plugin-serve --call-workers 1 (status 0x%x)", stt);
}

/* An embedder's process serving a plugin itself (wasmplug_plugin_server_
** run_fd on a thread of its own): the stop signal the watcher sends the
** serving thread is SIGRTMIN+4 unless the embedder picks another or none
** (wasmplug_plugin_server_stop_signal_set), and the server installs its
** do-nothing handler only where the signal has its default action.
** Before, it installed its handler for SIGRTMIN+4 over the embedder's at
** every run_fd, and the signal could not be changed. */
static volatile sig_atomic_t own_hits;
static void own_handler(int sig) { (void)sig; own_hits++; }

typedef struct served {
  wasmplug_plugin_server_t *s;
  int fd;
} served_t;

static void *serve_one(void *arg) {
  served_t *x = arg;
  wasmplug_plugin_server_run_fd(x->s, x->fd);
  return NULL;
}

/* One session served by a thread of this process: interrupted-after(ms)
** with its STOP right behind it; the bool (-1: no answer). */
static int stop_in_process(wasmplug_plugin_server_t *s, uint32_t fi, uint32_t ms) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) return -1;
  served_t x = {s, sv[1]};
  pthread_t t;
  if (pthread_create(&t, NULL, serve_one, &x)) {
    close(sv[0]);
    close(sv[1]);
    return -1;
  }
  raw_t r;
  int got = raw_open_fd(&r, sv[0]) && raw_call(&r, 20, fi, 0, ms) && raw_stop(&r, 20) ? raw_bool(&r, 20) : -1;
  raw_close(&r); /* the session ends: run_fd returns */
  pthread_join(t, NULL);
  return got;
}

static bool handler_is(int signo, void (*want)(int)) {
  struct sigaction sa;
  return !sigaction(signo, NULL, &sa) && !(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == want;
}

static void test_serve_stop_signal(void) {
  wasmplug_plugin_server_t *s = NULL;
  wasmplug_error_t *e = wasmplug_plugin_server_new(faulty_so, &s);
  CHECK(!e, "plugin server: %s", e ? wasmplug_error_message(e) : "");
  if (e) {
    wasmplug_error_delete(e);
    return;
  }
  host_t probe;
  CHECK(host_open(&probe, faulty_so), "open: %s", probe.err);
  const wasmplug_plugin_t *d = wp_plugin_descriptor(wp_plugin_set_get(probe.set, 0));
  uint32_t fi = UINT32_MAX;
  for (uint32_t i = 0; i < d->nfuncs; i++)
    if (!strcmp(d->funcs[i].name, "test:faulty/api#interrupted-after")) fi = i;
  host_close(&probe);
  int four = SIGRTMIN + 4, six = SIGRTMIN + 6;
  /* the default signal, for which the embedder has a handler of its own:
  ** kept, and it is what cuts the plugin's sleep of 20 s */
  struct sigaction own, dfl;
  memset(&own, 0, sizeof own);
  own.sa_handler = own_handler;
  sigemptyset(&own.sa_mask);
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(four, &own, NULL);
  own_hits = 0;
  CHECK(stop_in_process(s, fi, 20000) == 1, "in process, SIGRTMIN+4: the STOP interrupts the call");
  CHECK(handler_is(four, own_handler), "the embedder's SIGRTMIN+4 handler is kept");
  CHECK(own_hits > 0, "the embedder's handler took the stop signal");
  sigaction(four, &dfl, NULL);
  /* another signal: installed for it, SIGRTMIN+4 left alone */
  sigaction(six, &dfl, NULL);
  CHECK(!(e = wasmplug_plugin_server_stop_signal_set(s, six)), "stop_signal_set(SIGRTMIN+6)");
  wasmplug_error_delete(e);
  CHECK(stop_in_process(s, fi, 20000) == 1, "in process, SIGRTMIN+6: the STOP interrupts the call");
  CHECK(!handler_is(six, SIG_DFL), "a handler is installed for the chosen signal");
  CHECK(handler_is(four, SIG_DFL), "SIGRTMIN+4 untouched when another signal is chosen");
  sigaction(six, &dfl, NULL);
  /* none: nothing installed, nothing sent (a real-time signal at its
  ** default action would end this process); the plugin still learns of
  ** the STOP through host->interrupted once its short sleep is over */
  CHECK(!(e = wasmplug_plugin_server_stop_signal_set(s, 0)), "stop_signal_set(0)");
  wasmplug_error_delete(e);
  CHECK(stop_in_process(s, fi, 300) == 1, "in process, no signal: host->interrupted says so");
  CHECK(handler_is(four, SIG_DFL) && handler_is(six, SIG_DFL), "no signal: no handler installed");
  /* not a signal to interrupt calls with */
  int badsigs[] = {-1, SIGKILL, SIGSTOP, SIGSEGV, 100000};
  for (size_t k = 0; k < sizeof badsigs / sizeof *badsigs; k++) {
    e = wasmplug_plugin_server_stop_signal_set(s, badsigs[k]);
    CHECK(e && wasmplug_error_kind(e) == WASMPLUG_ERROR_INVALID, "stop_signal_set(%d) refused", badsigs[k]);
    wasmplug_error_delete(e);
  }
  /* the limits (wasmplug_plugin_server_limits_set): bad ones refused */
  wasmplug_plugin_server_limits_t lim = {0, 0, 0, 0, 0};
  e = wasmplug_plugin_server_limits_set(s, &lim);
  CHECK(e && wasmplug_error_kind(e) == WASMPLUG_ERROR_INVALID && strstr(wasmplug_error_message(e), "size 0"),
        "limits of size 0 refused: %s", e ? wasmplug_error_message(e) : "accepted");
  wasmplug_error_delete(e);
  lim = (wasmplug_plugin_server_limits_t){sizeof lim, 0, 2u * 86400000u, 0, 0};
  e = wasmplug_plugin_server_limits_set(s, &lim);
  CHECK(e && wasmplug_error_kind(e) == WASMPLUG_ERROR_INVALID && strstr(wasmplug_error_message(e), "longer than a day"),
        "a 2-day send timeout refused: %s", e ? wasmplug_error_message(e) : "accepted");
  wasmplug_error_delete(e);
  lim = (wasmplug_plugin_server_limits_t){sizeof lim, 0, 0, 2u * 86400000u, 0};
  e = wasmplug_plugin_server_limits_set(s, &lim);
  CHECK(e && wasmplug_error_kind(e) == WASMPLUG_ERROR_INVALID && strstr(wasmplug_error_message(e), "idle timeout"),
        "a 2-day idle timeout refused: %s", e ? wasmplug_error_message(e) : "accepted");
  wasmplug_error_delete(e);
  lim = (wasmplug_plugin_server_limits_t){sizeof lim, 0, 0, 0, 1000};
  e = wasmplug_plugin_server_limits_set(s, &lim);
  CHECK(e && wasmplug_error_kind(e) == WASMPLUG_ERROR_INVALID && strstr(wasmplug_error_message(e), "1000 call workers"),
        "1000 call workers refused: %s", e ? wasmplug_error_message(e) : "accepted");
  wasmplug_error_delete(e);
  /* the size of an older caller (before idle_timeout_ms): accepted */
  lim = (wasmplug_plugin_server_limits_t){offsetof(wasmplug_plugin_server_limits_t, idle_timeout_ms), 0, 0, 7, 7};
  CHECK(!(e = wasmplug_plugin_server_limits_set(s, &lim)), "limits of the older size accepted");
  wasmplug_error_delete(e);
  /* run_fd (one session on its caller's thread): a client that never
  ** reads its replies ends the session once a send moved nothing for
  ** send_timeout_ms (before: the thread waited in send for good) */
  lim = (wasmplug_plugin_server_limits_t){sizeof lim, 0, 300, 0, 0};
  CHECK(!(e = wasmplug_plugin_server_limits_set(s, &lim)), "limits_set(send 300 ms)");
  wasmplug_error_delete(e);
  uint32_t fe = faulty_func("echo");
  int sv[2];
  CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), "socketpair");
  served_t x = {s, sv[1]};
  pthread_t t;
  CHECK(!pthread_create(&t, NULL, serve_one, &x), "serving thread");
  raw_t r;
  CHECK(raw_open_fd(&r, sv[0]), "handshake");
  size_t big = 1 << 20;
  char *text = malloc(big);
  memset(text, 'y', big);
  wp_rpc_buf_frame(&r.b);
  wp_rpc_buf_u64(&r.b, 0);
  wp_buf_byte(&r.b, WP_CABI_STRING);
  wp_rpc_buf_u32(&r.b, (uint32_t)big);
  wp_buf_put(&r.b, text, big);
  free(text);
  CHECK(!wp_rpc_frame_send(&r.c, &r.b, (wp_rpc_header_t){.kind = WP_RPC_CALL, .call_id = 7, .inst = r.inst, .func = fe}),
        "a 1 MiB echo sent, its answer never read");
  struct pollfd p = {r.c.fd, POLLRDHUP, 0};
  CHECK(poll(&p, 1, 30000) == 1 && (p.revents & (POLLRDHUP | POLLHUP)),
        "run_fd ends the session of a client that does not read (revents 0x%x)", p.revents);
  raw_close(&r);
  pthread_join(t, NULL);
  wasmplug_plugin_server_delete(s);
}

/* ------------------------------------------- 5. a lying plugin server */

/* Serves each connection: DESCRIBE, INST_OK, then answers the first CALL
** with bad answer number `k` (one connection per case). */
static void fake_server(int lfd, const uint8_t *desc, size_t desc_len, int ncases) {
  for (int k = 0; k < ncases; k++) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) _exit(1);
    wp_rpc_conn_t c;
    wp_rpc_conn_init(&c, fd);
    wp_rpc_buf_t b = {0};
    wp_rpc_header_t h;
    const uint8_t *pl;
    char why[200];
    for (;;) {
      if (wp_rpc_frame_recv(&c, 10000, &h, &pl, why, sizeof why)) break;
      wp_rpc_buf_frame(&b);
      wp_rpc_header_t r = {.call_id = h.call_id, .inst = h.inst, .func = h.func};
      if (h.kind == WP_RPC_HELLO) {
        wp_buf_put(&b, desc, desc_len);
        r.kind = WP_RPC_DESCRIBE;
      } else if (h.kind == WP_RPC_INST_NEW) {
        r.kind = WP_RPC_INST_OK;
        r.inst = 1;
      } else if (h.kind == WP_RPC_CALL) {
        r.kind = WP_RPC_RESULT;
        switch (k) {
        case 0: wp_buf_byte(&b, WP_CABI_U32); wp_rpc_buf_u32(&b, 2); break; /* echo returns a string */
        case 1: wp_buf_byte(&b, WP_CABI_STRING); wp_rpc_buf_u32(&b, 2); wp_buf_put(&b, "\xff\xfe", 2); break;
        case 2: wp_buf_byte(&b, WP_CABI_STRING); wp_rpc_buf_u32(&b, 1000); wp_buf_put(&b, "ab", 2); break;
        case 3: wp_buf_byte(&b, WP_CABI_STRING); wp_rpc_buf_u32(&b, 2); wp_buf_put(&b, "hi!", 3); break;
        case 4: wp_buf_byte(&b, WP_CABI_STRING); wp_rpc_buf_u32(&b, 2); wp_buf_put(&b, "hi", 2);
                r.call_id += 5; break;
        case 5: r.kind = WP_RPC_TRAP; wp_rpc_buf_u32(&b, 100); wp_buf_put(&b, "x", 1); break;
        case 6: r.kind = 99; break;
        default: { /* a header announcing a 2 GiB payload */
          uint8_t raw[WP_RPC_HEADER];
          wp_rpc_header_t big = {WP_RPC_MAGIC, WP_RPC_VERSION, WP_RPC_RESULT, h.call_id, 1, h.func, 0x80000000u};
          wp_rpc_header_put(raw, &big);
          (void)!send(fd, raw, sizeof raw, MSG_NOSIGNAL);
          continue;
        }
        }
      } else {
        r.kind = WP_RPC_OK;
      }
      if (r.kind == 99) {
        uint8_t raw[WP_RPC_HEADER];
        wp_rpc_header_t bad = {WP_RPC_MAGIC, WP_RPC_VERSION, 99, h.call_id, 1, h.func, 0};
        wp_rpc_header_put(raw, &bad);
        (void)!send(fd, raw, sizeof raw, MSG_NOSIGNAL);
        continue;
      }
      wp_rpc_frame_send(&c, &b, r);
    }
    free(b.s);
    wp_rpc_conn_close(&c);
  }
  _exit(0);
}

static void test_lying_server(void) {
  static const char *const want[] = {
      "value of the wrong kind", "not valid UTF-8", "string longer than its frame", "trailing bytes",
      "answer for call",         "malformed TRAP frame", "unknown frame kind 99", "exceeds the",
  };
  int ncases = (int)(sizeof want / sizeof want[0]);
  /* The descriptor data of the real plugin, as its server would send it. */
  host_t real;
  CHECK(host_open(&real, faulty_so), "open: %s", real.err);
  wp_rpc_buf_t d = {0};
  wp_rpc_desc_encode(&d, wp_plugin_descriptor(wp_plugin_set_get(real.set, 0)));
  host_close(&real);
  char addr[600], why[300];
  snprintf(addr, sizeof addr, "unix:%s/liar-%d.sock", tmpdir, (int)getpid());
  int lfd = wp_rpc_addr_socket(addr, true, why, sizeof why);
  CHECK(lfd >= 0, "listen: %s", why);
  if (lfd < 0) return;
  pid_t pid = fork();
  if (pid == 0) fake_server(lfd, (const uint8_t *)d.s, d.len, ncases);
  close(lfd);
  free(d.s);
  char spec[700];
  snprintf(spec, sizeof spec, "%s,timeout=3000,isolate-restarts=%d", addr, ncases);
  host_t h;
  CHECK(host_open(&h, spec), "open liar: %s", h.err);
  for (int k = 0; k < ncases; k++) {
    if (k) host_new_guest(&h); /* reconnects: the last connection was dropped */
    str_t s = S("hi"), out = {(uint8_t *)"untouched", 9};
    const char *e = call(&h, FAPI, "echo", &s, &out, NULL);
    CHECK(e && strstr(e, "plugin rpc-faulty: test:faulty/api@1.0.0#echo: protocol violation") && strstr(e, want[k]),
          "lying server case %d: %s (want '%s')", k, e ? e : "(no trap)", want[k]);
  }
  host_close(&h);
  int st = 0;
  waitpid(pid, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fake server (status 0x%x)", st);
}

/* ------------------------------- 6. the decoder against mutated frames */

static void *fuzz_alloc(void *ctx, size_t size, size_t align) { return wp_cabi_arena_alloc(ctx, size, align); }

/* Every function of test_plugin.so: its params encoded from real values
** and decoded back, then 4000 mutations
** each (flipped bytes, truncation, junk appended, random lengths): each
** decodes or is refused, never crashes or reads past the frame (ASan
** builds check the latter). */
static void test_decoder_mutations(void) {
  host_t h;
  CHECK(host_open(&h, test_so), "open: %s", h.err);
  if (!h.g) return;
  wp_rpc_types_t t;
  wasmplug_error_t *e = wp_rpc_types_new(wp_plugin_set_get(h.set, 0), &t);
  CHECK(!e, "types");
  if (e) {
    wasmplug_error_delete(e);
    host_close(&h);
    return;
  }
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  unsigned refused = 0, decoded = 0;
  for (uint32_t k = 0; k < t.n; k++) {
    /* A valid params struct: all zero (empty strings and lists, case 0
    ** of every variant, no flags) is a value of every type. */
    _Alignas(16) uint8_t args[1024] = {0}, out[1024];
    if (t.args[k].size > sizeof args) continue;
    wp_rpc_buf_t b = {0};
    wp_rpc_encode_args(&b, t.f[k], &t.args[k], args);
    wp_rpc_rd_t r0 = {(const uint8_t *)b.s, b.len, 0, false};
    CHECK(!wp_rpc_decode_args(&r0, t.f[k], &t.args[k], out, fuzz_alloc, h.arena), "function %u: round trip", k);
    wp_cabi_arena_reset(h.arena);
    uint8_t *m = malloc(b.len + 64);
    for (int round = 0; round < 4000 && m; round++) {
      size_t n = b.len;
      if (n) memcpy(m, b.s, n);
      seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
      switch (seed % 4) {
      case 0: if (n) m[(seed >> 8) % n] ^= (uint8_t)(seed >> 20 | 1); break;
      case 1: n = n ? (seed >> 8) % n : 0; break;
      case 2: for (int i = 0; i < 8; i++) m[n++] = (uint8_t)(seed >> (i * 8)); break;
      default:
        if (n >= 5) { /* a random 32-bit length or count somewhere */
          size_t at = (seed >> 8) % (n - 4);
          uint32_t v = (uint32_t)(seed >> 32);
          memcpy(m + at, &v, 4);
        }
      }
      wp_rpc_rd_t r = {m, n, 0, false};
      if (wp_rpc_decode_args(&r, t.f[k], &t.args[k], out, fuzz_alloc, h.arena)) refused++;
      else decoded++;
      wp_cabi_arena_reset(h.arena);
    }
    free(m);
    free(b.s);
  }
  CHECK(refused > 1000 && decoded > 100, "mutations: %u refused, %u decoded", refused, decoded);
  wp_rpc_types_free(&t);
  host_close(&h);
}

/* -------------------------------------------- 7. the shared-memory ring */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct big_send {
  wp_rpc_conn_t *c;
  size_t n;
  int rc;
} big_send_t;

static void *send_big(void *arg) {
  big_send_t *bs = arg;
  wp_rpc_buf_t b = {0};
  wp_rpc_buf_frame(&b);
  for (size_t i = 0; i < bs->n; i++) wp_buf_byte(&b, (uint8_t)(i * 13));
  bs->rc = wp_rpc_frame_send(bs->c, &b, (wp_rpc_header_t){.kind = WP_RPC_RESULT, .call_id = 2});
  free(b.s);
  return NULL;
}

/* Both ends of one ring in this process: a host end and a helper end. */
static void test_ring_unit(void) {
  char why[200];
  int rfd = -1;
  wp_rpc_ring_t *hr = wp_rpc_ring_new(&rfd, why, sizeof why);
  CHECK(hr, "ring_new: %s", why);
  if (!hr) return;
  wp_rpc_ring_t *pr = wp_rpc_ring_map(rfd, why, sizeof why);
  CHECK(pr, "ring_map: %s", why);
  close(rfd);
  int sv[2];
  if (!pr || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) return;
  wp_rpc_conn_t host, peer;
  wp_rpc_conn_init(&host, sv[0]);
  wp_rpc_conn_init(&peer, sv[1]);
  host.ring = hr;
  peer.ring = pr;
  size_t msize;
  uint8_t *mem = wp_rpc_ring_memory(hr, &msize);

  wp_rpc_buf_t b = {0};
  wp_rpc_buf_frame(&b);
  wp_buf_put(&b, "ping", 4);
  CHECK(!wp_rpc_frame_send(&host, &b, (wp_rpc_header_t){.kind = WP_RPC_CALL, .call_id = 1}), "ring send");
  wp_rpc_header_t h;
  const uint8_t *pl = NULL;
  wp_rpc_io_t st = wp_rpc_frame_recv(&peer, 1000, &h, &pl, why, sizeof why);
  CHECK(!st && h.kind == WP_RPC_CALL && h.len == 4 && !memcmp(pl, "ping", 4), "ring request (io %d)", (int)st);
  wp_rpc_buf_frame(&b);
  for (int i = 0; i < 100; i++) wp_buf_byte(&b, (uint8_t)i);
  CHECK(!wp_rpc_frame_send(&peer, &b, (wp_rpc_header_t){.kind = WP_RPC_RESULT, .call_id = 1}), "ring answer");
  st = wp_rpc_frame_recv(&host, 1000, &h, &pl, why, sizeof why);
  CHECK(!st && h.kind == WP_RPC_RESULT && h.len == 100, "ring answer received (io %d: %s)", (int)st, st ? why : "");
  if (!st) {
    /* The host judges a private copy: the helper rewriting the shared
    ** memory after the answer changes nothing the host holds. */
    CHECK(pl < mem || pl >= mem + msize, "the received payload points into the shared memory");
    memset(mem + WP_RPC_RING_DATA, 0xff, msize - WP_RPC_RING_DATA);
    bool same = true;
    for (int i = 0; i < 100; i++) same &= pl[i] == (uint8_t)i;
    CHECK(same, "the payload changed with the shared memory");
  }

  /* A frame larger than the ring: over the socket, announced in the ring
  ** (a thread sends it: the socket buffer is smaller than the frame). */
  big_send_t bs = {&peer, (size_t)3 << 20, -1};
  pthread_t t;
  pthread_create(&t, NULL, send_big, &bs);
  st = wp_rpc_frame_recv(&host, 5000, &h, &pl, why, sizeof why);
  pthread_join(t, NULL);
  bool ok = !st && bs.rc == 0 && h.len == bs.n;
  for (size_t i = 0; ok && i < bs.n; i++) ok = pl[i] == (uint8_t)(i * 13);
  CHECK(ok, "a 3 MiB frame through the ring's socket (io %d: %s)", (int)st, st ? why : "");

  /* The peer's end closes without an answer (its process died): a wait
  ** without a timeout ends, within a few of the host's sleep slices. */
  close(peer.fd);
  peer.fd = -1;
  double t0 = now_s();
  st = wp_rpc_frame_recv(&host, -1, &h, &pl, why, sizeof why);
  double dt = now_s() - t0;
  CHECK(st == WP_RPC_IO_EOF && dt < 1.0, "a dead peer ends the wait: io %d after %.3f s", (int)st, dt);
  free(b.s);
  wp_rpc_conn_close(&host);
  wp_rpc_conn_close(&peer);
}

/* The hostile helper: this program run as `plugin-host` (WASMPLUG_EXE).
** It speaks the protocol over the ring honestly, except for add(a, b)
** with a >= 1000: then it misbehaves in way number a - 1000. */
enum {
  EVIL_LEN,      /* a length past the ring */
  EVIL_JUNK,     /* a frame without a header */
  EVIL_SEQ,      /* a message number that skips ahead */
  EVIL_EXIT,     /* _exit(3) mid-call */
  EVIL_KILL,     /* SIGKILL mid-call */
  EVIL_HANG,     /* no answer; scribbles over the ring (not the message number) meanwhile */
  EVIL_ANNOUNCE, /* announces a frame on the socket and sends nothing */
  EVIL_LATE,     /* answers rightly after 100 ms, without a wake-up, clearing the host's sleep flag */
  EVIL_FLIP,     /* answers rightly, then keeps changing the answer's bytes */
  EVIL_NCASES
};

static void ring_publish(wp_rpc_ring_ctl_t *out, uint32_t len, uint32_t seq, bool wake) {
  atomic_store(&out->len, len);
  atomic_store(&out->seq, seq);
  if (wake) syscall(SYS_futex, (uint32_t *)&out->seq, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* The helper's sending half, written out: its message count is its own
** (*seq), so the cases below can publish by hand and go on honestly. */
static void ring_answer(wp_rpc_ring_ctl_t *out, uint8_t *data, wp_rpc_buf_t *b, wp_rpc_header_t h, uint32_t *seq) {
  h.magic = WP_RPC_MAGIC;
  h.version = WP_RPC_VERSION;
  h.len = (uint32_t)(b->len - WP_RPC_HEADER);
  wp_rpc_header_put((uint8_t *)b->s, &h);
  memcpy(data, b->s, b->len);
  ring_publish(out, (uint32_t)b->len, ++*seq, atomic_load(&out->sleeping) != 0);
}

static void evil(int k, const wp_rpc_header_t *req, uint32_t sum, wp_rpc_ring_ctl_t *out, uint8_t *data,
                 uint32_t cap, uint32_t *seq) {
  uint32_t next = ++*seq;
  uint64_t x = 88172645463325252ull;
  wp_rpc_buf_t b = {0};
  wp_rpc_buf_frame(&b);
  wp_buf_byte(&b, WP_CABI_U32);
  wp_rpc_buf_u32(&b, sum);
  wp_rpc_header_t h = {WP_RPC_MAGIC, WP_RPC_VERSION, WP_RPC_RESULT, req->call_id, req->inst, req->func,
                       (uint32_t)(b.len - WP_RPC_HEADER)};
  wp_rpc_header_put((uint8_t *)b.s, &h);
  switch (k) {
  case EVIL_LEN: ring_publish(out, 0x7ffffff0u, next, true); break;
  case EVIL_JUNK: memset(data, 'x', 64); ring_publish(out, 64, next, true); break;
  case EVIL_SEQ: memcpy(data, b.s, b.len); ring_publish(out, (uint32_t)b.len, next + 7, true); break;
  case EVIL_EXIT: _exit(3);
  case EVIL_KILL: raise(SIGKILL); break;
  case EVIL_HANG:
    for (;;) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      data[x % cap] = (uint8_t)x;
      atomic_store(&out->len, (uint32_t)(x >> 32));
      atomic_store(&out->sleeping, 0);
    }
  case EVIL_ANNOUNCE:
    ring_publish(out, WP_RPC_RING_ON_SOCKET, next, true);
    for (;;) pause();
  case EVIL_LATE: {
    double t0 = now_s();
    while (now_s() - t0 < 0.1) atomic_store(&out->sleeping, 0);
    memcpy(data, b.s, b.len);
    ring_publish(out, (uint32_t)b.len, next, false);
    break;
  }
  case EVIL_FLIP: {
    memcpy(data, b.s, b.len);
    ring_publish(out, (uint32_t)b.len, next, true);
    double t0 = now_s();
    while (now_s() - t0 < 0.1) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      data[x % b.len] ^= (uint8_t)(x | 1);
      atomic_store(&out->len, (uint32_t)(x & 0xff));
    }
    break;
  }
  }
  free(b.s);
}

static int hostile_helper(int argc, char **argv) {
  const char *path = NULL;
  int ring_fd = -1;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--ring") && i + 1 < argc) ring_fd = atoi(argv[++i]);
    else if (argv[i][0] == '-' && argv[i][1] == '-') i++;
    else if (!path) path = argv[i];
  }
  char why[200] = "no --ring";
  wp_rpc_ring_t *ring = ring_fd >= 0 ? wp_rpc_ring_map(ring_fd, why, sizeof why) : NULL;
  if (!ring || !path) {
    fprintf(stderr, "hostile helper: %s\n", why);
    return 1;
  }
  close(ring_fd);
  host_t real;
  if (!host_open(&real, path)) {
    fprintf(stderr, "hostile helper: %s\n", real.err);
    return 1;
  }
  wp_rpc_buf_t desc = {0}, b = {0};
  wp_rpc_desc_encode(&desc, wp_plugin_descriptor(wp_plugin_set_get(real.set, 0)));
  wp_rpc_conn_t c;
  wp_rpc_conn_init(&c, 3);
  c.ring = ring;
  size_t msize;
  uint8_t *mem = wp_rpc_ring_memory(ring, &msize);
  wp_rpc_ring_head_t *head = (wp_rpc_ring_head_t *)mem;
  wp_rpc_ring_ctl_t *out = &head->dir[1];
  uint8_t *data = mem + WP_RPC_RING_DATA + head->cap;
  uint32_t seq = 0;
  for (;;) {
    wp_rpc_header_t h;
    const uint8_t *pl;
    if (wp_rpc_frame_recv(&c, -1, &h, &pl, why, sizeof why)) break;
    wp_rpc_buf_frame(&b);
    wp_rpc_header_t r = {.kind = WP_RPC_OK, .call_id = h.call_id, .inst = h.inst, .func = h.func};
    if (h.kind == WP_RPC_BYE) break;
    if (h.kind == WP_RPC_HELLO) {
      wp_buf_put(&b, desc.s, desc.len);
      r.kind = WP_RPC_DESCRIBE;
    } else if (h.kind == WP_RPC_INST_NEW) {
      r.kind = WP_RPC_INST_OK;
      r.inst = 1;
    } else if (h.kind == WP_RPC_CALL) {
      uint32_t a = 0, v = 0;
      if (h.len >= 18) { /* u64 time left, then (kind, u32) twice */
        memcpy(&a, pl + 9, 4);
        memcpy(&v, pl + 14, 4);
      }
      if (h.func == 0 && a >= 1000 && a < 1000 + EVIL_NCASES) {
        evil((int)(a - 1000), &h, a + v, out, data, head->cap, &seq);
        continue;
      }
      r.kind = WP_RPC_RESULT;
      wp_buf_byte(&b, WP_CABI_U32);
      wp_rpc_buf_u32(&b, a + v);
    }
    if (b.len > head->cap) break;
    ring_answer(out, data, &b, r, &seq);
  }
  free(desc.s);
  free(b.s);
  wp_rpc_conn_close(&c);
  host_close(&real);
  return 0;
}

static char self_exe[4096];

/* add(1000 + k, 0) against the hostile helper: the trap's message has
** `want` (NULL: the call must succeed with 1000 + k); the instance is dead
** after a trap, and a new one works.  The call returns within max_s. */
static void evil_case(int k, const char *opts, const char *want, double max_s) {
  char spec[1024];
  snprintf(spec, sizeof spec, "%s,isolate%s", faulty_so, opts);
  setenv("WASMPLUG_EXE", self_exe, 1);
  host_t h;
  bool opened = host_open(&h, spec);
  setenv("WASMPLUG_EXE", wasmplug_exe, 1);
  CHECK(opened, "hostile helper %d: open: %s", k, h.err);
  if (!opened) {
    host_close(&h);
    return;
  }
  const char *e;
  CHECK(add(&h, 1, 2, &e) == 3 && !e, "hostile helper %d: honest add before: %s", k, e ? e : "");
  double t0 = now_s();
  uint32_t r = add(&h, 1000u + (uint32_t)k, 0, &e);
  double dt = now_s() - t0;
  CHECK(dt < max_s, "hostile helper %d: the call took %.2f s (at most %.1f)", k, dt, max_s);
  if (!want) {
    CHECK(!e && r == 1000u + (uint32_t)k, "hostile helper %d: want %u, got %u (%s)", k, 1000u + (uint32_t)k, r,
          e ? e : "no trap");
    CHECK(add(&h, 5, 6, &e) == 11 && !e, "hostile helper %d: the next call: %s", k, e ? e : "");
  } else {
    CHECK(e && strstr(e, "plugin rpc-faulty: test:faulty/api@1.0.0#add: ") && strstr(e, want),
          "hostile helper %d: trap '%s' (want '%s')", k, e ? e : "(none)", want);
    e = NULL;
    add(&h, 1, 2, &e);
    CHECK(e && strstr(e, "plugin state was lost"), "hostile helper %d: call on the dead instance: %s", k,
          e ? e : "(none)");
  }
  setenv("WASMPLUG_EXE", self_exe, 1);
  host_new_guest(&h);
  CHECK(add(&h, 20, 22, &e) == 42 && !e, "hostile helper %d: a new instance: %s", k, e ? e : "");
  host_close(&h);
  setenv("WASMPLUG_EXE", wasmplug_exe, 1);
}

static void test_hostile_helper(void) {
  ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
  if (n <= 0) return;
  self_exe[n] = 0;
  evil_case(EVIL_LEN, "", "protocol violation: ring frame of 2147483632 bytes", 5);
  evil_case(EVIL_JUNK, "", "protocol violation: bad frame magic", 5);
  evil_case(EVIL_SEQ, "", "protocol violation: ring message number", 5);
  /* Without a per-call timeout (timeout=0), its death still ends the wait. */
  evil_case(EVIL_EXIT, ",timeout=0", "the plugin process exited with status 3", 5);
  evil_case(EVIL_KILL, ",timeout=0", "killed by signal 9", 5);
  evil_case(EVIL_HANG, ",timeout=300", "no answer within 300 ms", 5);
  evil_case(EVIL_ANNOUNCE, ",timeout=300", "no answer within 300 ms", 5);
  evil_case(EVIL_LATE, ",timeout=5000", NULL, 4);
  /* Bytes changed after publishing: the host judged one copy.  Whether
  ** the copy was taken before the first change (the right answer) or
  ** after (refused) is a race; a half-changed value never gets through. */
  for (int i = 0; i < 5; i++) {
    char spec[1024];
    snprintf(spec, sizeof spec, "%s,isolate", faulty_so);
    setenv("WASMPLUG_EXE", self_exe, 1);
    host_t h;
    bool opened = host_open(&h, spec);
    setenv("WASMPLUG_EXE", wasmplug_exe, 1);
    CHECK(opened, "hostile helper flip: open: %s", h.err);
    const char *e = NULL;
    uint32_t r = opened ? add(&h, 1000 + EVIL_FLIP, 5, &e) : 0;
    CHECK(opened && (e ? strstr(e, "protocol violation") != NULL : r == 1005 + EVIL_FLIP),
          "hostile helper flip: %u %s", r, e ? e : "");
    host_close(&h);
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "plugin-host")) return hostile_helper(argc, argv);
  if (argc != 5) {
    fprintf(stderr, "usage: test_plugin_rpc WASMPLUG TEST_PLUGIN.so FAULTY.so TMPDIR\n");
    return 2;
  }
  wasmplug_exe = argv[1];
  test_so = argv[2];
  faulty_so = argv[3];
  tmpdir = argv[4];
  setenv("WASMPLUG_EXE", wasmplug_exe, 1);
  /* For the helpers and servers this test starts (read at their start,
  ** not ours): in sanitizer builds, crashes must stay crashes (ASan's own
  ** handlers would turn a segfault into exit status 1, via system calls
  ** the seccomp filter rightly refuses) and no leak check at _exit. */
  setenv("ASAN_OPTIONS", "handle_segv=0:handle_abort=0:handle_sigbus=0:handle_sigfpe=0:detect_leaks=0", 1);
  test_same_results();
  test_failures();
  test_threads();
  test_seccomp();
  test_serve();
  test_serve_stop();
  test_serve_never_waits();
  test_serve_slow_call();
  test_serve_stop_signal();
  test_hostile_clients();
  test_lying_server();
  test_decoder_mutations();
  test_ring_unit();
  test_hostile_helper();
  printf("plugin_rpc: %d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
