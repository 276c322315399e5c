/*
** test_api.c — security properties through the embedding API (issue 12).
** argv[1]: the folder of test modules (wat/ compiled at build time).
**
** Deadlines (item 6): a host function that blocks in a system call is
** woken by the watchdog and the guest call traps with "interrupt"; the
** function sees the deadline through wasmplug_call_deadline().
** The cache (item 1): sealed by the kernel keyring where there is one
** (then a guest may be given a directory covering it), else a guest may
** not be given one.
** Limits (item 7): the engine's (wasmplug_config_limits_set), a core
** linker's, and the host's (wasmplug/host.h), each enforced.
*/
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>

#include "wasmplug.h"
#include "../core/core_test.h" /* CHECK, read_fixture, core_test_module */
#include "wasmplug/host.h"

static const char *dir;

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------- deadlines */

typedef struct {
  uint64_t deadline_seen;
  int how; /* 0: read() of a silent pipe; 1: poll() without timeout */
  int woke; /* how many times EINTR woke it */
} block_env_t;

static wasmplug_trap_t *host_block(void *env, wasmplug_caller_t *caller, wasmplug_val_raw_t *v, size_t n) {
  (void)caller; (void)n;
  block_env_t *b = env;
  b->deadline_seen = wasmplug_call_deadline();
  int p[2];
  if (pipe(p)) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "pipe");
  for (;;) {
    char c;
    int r = b->how == 0 ? (int)read(p[0], &c, 1) : poll(NULL, 0, -1);
    if (r >= 0 || errno != EINTR) break;
    b->woke++;
    if (wasmplug_call_interrupted()) break;
  }
  close(p[0]);
  close(p[1]);
  v[0].i32 = 7;
  return NULL; /* answering normally: the time limit must still win */
}

static void deadlines(void) {
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_BASELINE);
  wasmplug_config_timeout_set(cfg, 200);
  wasmplug_engine_t *engine = NULL;
  wasmplug_error_t *e = wasmplug_engine_new(cfg, &engine);
  CHECK(!e, "engine");
  size_t len;
  uint8_t *bytes = read_fixture(dir, "host_block.wasm", &len);
  wasmplug_module_t *m = NULL;
  e = wasmplug_module_new(engine, bytes, len, "host_block.wasm", &m);
  CHECK(!e, "module: %s", e ? wasmplug_error_message(e) : "");
  CHECK(wasmplug_call_deadline() == 0 && !wasmplug_call_interrupted(), "no call running: no deadline");
  for (int how = 0; how < 2; how++) {
    block_env_t env = {0, how, 0};
    wasmplug_valkind_t r = WASMPLUG_I32;
    wasmplug_functype_t ft = {0, 1, NULL, &r};
    wasmplug_linker_t *l = wasmplug_linker_new(engine);
    e = wasmplug_linker_define_func(l, "env", "block", &ft, host_block, &env, NULL);
    CHECK(!e, "define");
    wasmplug_instance_t *in = NULL;
    wasmplug_trap_t *t = NULL;
    wasmplug_linker_instantiate(l, m, NULL, &in, &e, &t);
    CHECK(in && !e && !t, "instantiate");
    uint64_t start = mono_ns();
    wasmplug_val_t res;
    t = wasmplug_func_call(wasmplug_instance_func(in, "run"), NULL, 0, &res, 1);
    uint64_t took = mono_ns() - start;
    CHECK(t && wasmplug_trap_kind(t) == WASMPLUG_TRAP_INTERRUPT, "how %d: trap %s", how,
          t ? wasmplug_trap_message(t) : "none (the host function's answer won)");
    CHECK(took < 5000000000ull, "how %d: took %llu ms", how, (unsigned long long)(took / 1000000));
    CHECK(env.woke >= 1, "how %d: EINTR never woke the host function", how);
    CHECK(env.deadline_seen >= start + 150000000 && env.deadline_seen <= start + 250000000,
          "how %d: deadline %llu ns after the call began", how,
          (unsigned long long)(env.deadline_seen - start));
    CHECK(wasmplug_call_deadline() == 0, "the deadline ends with the call");
    wasmplug_trap_delete(t);
    wasmplug_instance_delete(in);
    wasmplug_linker_delete(l);
  }
  free(bytes);
  wasmplug_module_delete(m);
  wasmplug_engine_delete(engine);
  wasmplug_config_delete(cfg);
}

/* ------------------------------------------------------------- limits */

static char *invoke(wasmplug_program_instance_t *pi, const char *call) {
  char *r = NULL;
  int status = 0;
  wasmplug_trap_t *t = NULL;
  wasmplug_error_t *e = wasmplug_program_instance_invoke(pi, call, &r, &status, &t);
  CHECK(!e && !t, "invoke %s: %s", call, e ? wasmplug_error_message(e) : t ? wasmplug_trap_message(t) : "");
  wasmplug_error_delete(e);
  wasmplug_trap_delete(t);
  return r;
}

static void limits(void) {
  wasmplug_store_limits_t d;
  wasmplug_store_limits_default(&d);
  CHECK(d.memory_bytes == 4294967296ull && d.table_elements == 10000000 && d.instances == 10000 &&
            d.handles == 1000000 && d.host_memory_bytes == 134217728,
        "defaults changed: update wasmplug.h, the README and run --help");

  /* The engine's limits, and a linker's on top of them. */
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_BASELINE);
  wasmplug_store_limits_t l = {sizeof l, 0, 65536, 0, 0, 0, 0};
  wasmplug_config_limits_set(cfg, &l);
  wasmplug_engine_t *engine = NULL;
  wasmplug_error_t *e = wasmplug_engine_new(cfg, &engine);
  CHECK(!e, "engine");
  const wasmplug_store_limits_t *el = wasmplug_engine_limits(engine);
  CHECK(el->memory_bytes == 65536 && el->handles == d.handles, "the engine keeps the limits given, defaults else");
  size_t len;
  uint8_t *bytes = read_fixture(dir, "limits.wasm", &len);
  wasmplug_module_t *m = NULL;
  e = wasmplug_module_new(engine, bytes, len, "limits.wasm", &m);
  CHECK(!e, "module");
  for (int pass = 0; pass < 2; pass++) {
    wasmplug_linker_t *lk = wasmplug_linker_new(engine);
    if (pass == 1) {
      wasmplug_store_limits_t more = {sizeof more, 0, 131072, 0, 0, 0, 0};
      wasmplug_linker_limits_set(lk, &more);
    }
    wasmplug_instance_t *in = NULL;
    wasmplug_trap_t *t = NULL;
    wasmplug_linker_instantiate(lk, m, NULL, &in, &e, &t);
    CHECK(in, "instantiate");
    wasmplug_val_t r;
    t = wasmplug_func_call(wasmplug_instance_func(in, "grow"), NULL, 0, &r, 1);
    CHECK(!t && r.of.i32 == (pass ? 1 : -1), "pass %d: memory.grow gave %d", pass, r.of.i32);
    uint64_t old;
    CHECK(wasmplug_memory_grow(wasmplug_instance_memory(in, "memory"), 1, &old) == false,
          "the embedding API's grow obeys the limit too");
    wasmplug_instance_delete(in);
    wasmplug_linker_delete(lk);
  }
  wasmplug_module_delete(m);
  free(bytes);
  wasmplug_engine_delete(engine);
  wasmplug_config_delete(cfg);

  /* The host's: live program instances, and memory through a program. */
  CHECK(!wasmplug_engine_new(NULL, &engine), "engine");
  wasmplug_host_t *host = NULL;
  CHECK(!wasmplug_host_new(engine, NULL, &host), "host");
  wasmplug_host_limits_t hl;
  memset(&hl, 0, sizeof hl);
  hl.size = sizeof hl;
  hl.instances = 1;
  hl.memory_bytes = 65536;
  CHECK(!wasmplug_host_limits_set(host, &hl), "host limits");
  bytes = read_fixture(dir, "limits.wasm", &len);
  wasmplug_program_t *prog = NULL;
  e = wasmplug_program_new(host, bytes, len, "limits.wasm", &prog);
  CHECK(!e, "program: %s", e ? wasmplug_error_message(e) : "");
  wasmplug_program_instance_t *a = NULL, *b = NULL;
  wasmplug_trap_t *t = NULL;
  wasmplug_program_instantiate(prog, &a, &e, &t);
  CHECK(a && !e && !t, "first instance");
  char *r = invoke(a, "grow");
  CHECK(r && !strcmp(r, "-1"), "the host's memory limit: grow gave %s", r ? r : "(null)");
  free(r);
  wasmplug_program_instantiate(prog, &b, &e, &t);
  CHECK(!b && e && strstr(wasmplug_error_message(e), "1 live program instances, the limit (instances)"),
        "second instance: %s", e ? wasmplug_error_message(e) : "accepted");
  wasmplug_error_delete(e);
  wasmplug_program_instance_delete(a);
  wasmplug_program_instantiate(prog, &b, &e, &t);
  CHECK(b && !e, "after the first is deleted, one more fits");
  wasmplug_program_instance_delete(b);
  wasmplug_program_delete(prog);
  free(bytes);
  wasmplug_host_delete(host);
  wasmplug_engine_delete(engine);
}

/* -------------------------------------------------------------- cache */

static void cache(void) {
  char root[] = "/tmp/wp-sec-cache.XXXXXX";
  if (!mkdtemp(root)) { perror("mkdtemp"); exit(2); }
  char cdir[256];
  snprintf(cdir, sizeof cdir, "%s/.cache/wasmplug", root);
  /* Does this machine let us use the user keyring? (A container's seccomp
  ** profile may forbid keyctl: wasmplug then falls back, and says so.) */
  long probe = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 1);
  bool keyring = probe >= 0;
  if (!keyring) printf("note: the kernel user keyring is unavailable here: checking the fallback only\n");
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) setenv("WASMPLUG_CACHE_KEYRING", "off", 1);
    wasmplug_config_t *cfg = wasmplug_config_new();
    wasmplug_config_cache_dir_set(cfg, cdir);
    wasmplug_engine_t *engine = NULL;
    CHECK(!wasmplug_engine_new(cfg, &engine), "engine");
    bool sealed = wasmplug_engine_cache_sealed(engine);
    CHECK(sealed == (keyring && pass == 0), "pass %d: sealed %d, keyring %d", pass, sealed, keyring);
    CHECK(!strcmp(wasmplug_engine_cache_dir(engine), cdir), "cache dir");
    if (!sealed) {
      char key[300];
      struct stat st;
      snprintf(key, sizeof key, "%s/key", cdir);
      CHECK(stat(key, &st) == 0 && (st.st_mode & 077) == 0 && st.st_size == 32,
            "the fallback secret is a private 32-byte file");
    }
    wasmplug_host_t *host = NULL;
    CHECK(!wasmplug_host_new(engine, NULL, &host), "host");
    wasmplug_wasi_config_t *w = wasmplug_wasi_config_new();
    CHECK(!wasmplug_wasi_config_dir_add(w, root, "/h", 0), "dir");
    CHECK(!wasmplug_host_wasi_set(host, w), "wasi");
    size_t len;
    uint8_t *bytes = read_fixture(dir, "limits.wasm", &len);
    wasmplug_program_t *prog = NULL;
    wasmplug_error_t *e = wasmplug_program_new(host, bytes, len, "limits.wasm", &prog);
    CHECK(!e, "program");
    wasmplug_program_instance_t *pi = NULL;
    wasmplug_trap_t *t = NULL;
    wasmplug_program_instantiate(prog, &pi, &e, &t);
    if (sealed)
      CHECK(pi && !e, "sealed: a directory covering the cache is fine: %s", e ? wasmplug_error_message(e) : "");
    else
      CHECK(!pi && e && strstr(wasmplug_error_message(e), "not sealed"), "unsealed: refused: %s",
            e ? wasmplug_error_message(e) : "accepted");
    wasmplug_error_delete(e);
    wasmplug_program_instance_delete(pi);
    wasmplug_program_delete(prog);
    free(bytes);
    wasmplug_wasi_config_delete(w);
    wasmplug_host_delete(host);
    wasmplug_engine_delete(engine);
    wasmplug_config_delete(cfg);
  }
  unsetenv("WASMPLUG_CACHE_KEYRING");
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", root);
  if (system(cmd)) fprintf(stderr, "cannot remove %s\n", root);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_api WASM_DIR\n");
    return 2;
  }
  dir = argv[1];
  deadlines();
  limits();
  cache();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
