/*
** test_p2_interrupt.c — a guest blocked in a WASI 0.2 wait is ended by an
** interrupt handle (what `wasmplug serve` does past its --grace), with no
** time limit: the built-in wasi-p2 and, through the plugin ABI's
** host->interrupted (1.4), wasi-p2.so, which links nothing of
** libwasmplug and had only host->deadline to go by (before, its waits
** retried EINTR for ever and the call never returned).
**
**   test_p2_interrupt GUEST.wasm|none WASI_P2_SO|none SCRATCH_DIR [P3GUEST.wasm]
**
** guest.wasm's case `wait /box sleep|read` writes /box/ready, then sleeps
** a day (wasi:clocks subscribe-duration + wasi:io/poll) or reads stdin,
** a pipe nobody writes (a blocking read: poll on the fd).  The test
** starts it on a thread holding an interrupt handle, waits for the file,
** interrupts: the run must end with WASMPLUG_TRAP_INTERRUPT, saying the
** embedder interrupted it.  A wait that is not woken would hold the
** thread for a day: the test gives up after 60 s (a hang bound, not a
** measurement) and fails.  With P3GUEST.wasm (tests/wasi_p3), the same
** for WASI 0.3's waits, which the component runtime's event loop runs
** (the built-in wasi-p3): a day's wait-for as an async subtask and as a
** call lowered synchronously, and a read of the silent stdin.  Public
** headers only.
*/
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasmplug.h"
#include "wasmplug/host.h"
#include "../check.h"

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

typedef struct job {
  wasmplug_program_t *program;
  wasmplug_interrupt_handle_t *handle;
  atomic_int ready, done;
  int status;
  int trap_kind; /* -1: no trap */
  char msg[512];
} job_t;

static void *runner(void *p) {
  job_t *j = p;
  wasmplug_error_t *e = wasmplug_interrupt_handle_new(&j->handle);
  if (e) {
    fprintf(stderr, "handle: %s\n", wasmplug_error_message(e));
    exit(2);
  }
  atomic_store(&j->ready, 1);
  wasmplug_program_instance_t *pi = NULL;
  wasmplug_trap_t *t = NULL;
  wasmplug_program_instantiate(j->program, &pi, &e, &t);
  if (!e && !t) e = wasmplug_program_instance_run(pi, &j->status, &t);
  j->trap_kind = t ? (int)wasmplug_trap_kind(t) : -1;
  snprintf(j->msg, sizeof j->msg, "%s", e ? wasmplug_error_message(e) : t ? wasmplug_trap_message(t) : "");
  wasmplug_error_delete(e);
  wasmplug_trap_delete(t);
  wasmplug_program_instance_delete(pi);
  atomic_store(&j->done, 1);
  return NULL;
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return b;
}

/* One round: the guest waits (`how`) with WASI from `so` (NULL: the
** built-in), and is interrupted.  A WASI 0.3 guest (`p3`) runs case `how`
** and has no file to say it waits: it is given a moment to reach it. */
static void round_trip(const uint8_t *guest, size_t len, const char *so, const char *scratch, const char *how,
                       bool p3) {
  const char *who = p3 ? "wasi-p3 built-in" : so ? "wasi-p2.so" : "built-in";
  char box[1024], ready[1100];
  snprintf(box, sizeof box, "%s/%s-%s", scratch, so ? "so" : "builtin", how);
  snprintf(ready, sizeof ready, "%s/ready", box);
  mkdir(box, 0755);
  unlink(ready);

  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_BASELINE); /* no time limit, no fuel */
  wasmplug_engine_t *engine = NULL;
  wasmplug_error_t *e = wasmplug_engine_new(cfg, &engine);
  wasmplug_config_delete(cfg);
  wasmplug_host_options_t opts = {sizeof opts, so ? WASMPLUG_HOST_NO_DEFAULT_PLUGINS : 0};
  wasmplug_host_t *host = NULL;
  if (!e) e = wasmplug_host_new(engine, &opts, &host);
  if (!e && so) {
    char spec[2300];
    snprintf(spec, sizeof spec, "%s,dir=%s::/box,args=guest wait /box %s", so, box, how);
    e = wasmplug_host_plugin_load(host, spec);
  } else if (!e) {
    wasmplug_wasi_config_t *w = wasmplug_wasi_config_new();
    const char *args[] = {"guest", "wait", "/box", how}, *p3args[] = {"guest", how};
    for (size_t k = 0; k < (p3 ? 2u : 4u) && !e; k++) e = wasmplug_wasi_config_arg_push(w, p3 ? p3args[k] : args[k]);
    if (!e) e = wasmplug_wasi_config_dir_add(w, box, "/box", 0);
    if (!e) e = wasmplug_host_wasi_set(host, w);
    wasmplug_wasi_config_delete(w);
  }
  wasmplug_program_t *program = NULL;
  if (!e) e = wasmplug_program_new(host, guest, len, "guest.wasm", &program);
  if (e) {
    fprintf(stderr, "%s %s: setup: %s\n", who, how, wasmplug_error_message(e));
    exit(2);
  }

  job_t j = {.program = program};
  pthread_t th;
  if (pthread_create(&th, NULL, runner, &j)) exit(2);
  /* the guest is about to wait once it wrote the file (at most 60 s) */
  struct stat st;
  for (int k = 0; !p3 && k < 6000 && stat(ready, &st) != 0 && !atomic_load(&j.done); k++) sleep_ms(10);
  CHECK(p3 || stat(ready, &st) == 0, "%s %s: the guest reached its wait (%s)", who, how, j.msg);
  sleep_ms(p3 ? 1000 : 100); /* into the wait itself */
  CHECK(!atomic_load(&j.done), "%s %s: still waiting before the interrupt (%s)", who, how, j.msg);
  bool hit = wasmplug_interrupt_handle_interrupt(j.handle);
  CHECK(hit, "%s %s: a call was running to interrupt", who, how);
  int k = 0;
  for (; k < 6000 && !atomic_load(&j.done); k++) sleep_ms(10);
  if (!atomic_load(&j.done)) {
    fprintf(stderr, "FAIL %s %s: the guest's wait was not woken by the interrupt (60 s)\n", who, how);
    _exit(1); /* its thread waits for a day: nothing to clean up */
  }
  pthread_join(th, NULL);
  CHECK(j.trap_kind == WASMPLUG_TRAP_INTERRUPT, "%s %s: trapped with interrupt (kind %d: %s)", who, how,
        j.trap_kind, j.msg);
  CHECK(strstr(j.msg, "interrupted by its embedder") != NULL, "%s %s: the message says so: %s", who, how, j.msg);
  wasmplug_interrupt_handle_delete(j.handle);
  wasmplug_program_delete(program);
  wasmplug_host_delete(host);
  wasmplug_engine_delete(engine);
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: test_p2_interrupt GUEST.wasm|none WASI_P2_SO|none SCRATCH_DIR [P3GUEST.wasm]\n");
    return 2;
  }
  mkdir(argv[3], 0755);
  /* stdin: a pipe nobody writes to (the write end stays open) */
  int p[2];
  if (pipe(p) || dup2(p[0], 0) < 0) return 2;
  const char *so = strcmp(argv[2], "none") ? argv[2] : NULL;
  for (int v = 1; v < argc; v += 3) { /* argv[1]: WASI 0.2's guest, argv[4]: WASI 0.3's */
    if (!strcmp(argv[v], "none")) continue;
    size_t len = 0;
    uint8_t *guest = read_file(argv[v], &len);
    if (!guest) {
      fprintf(stderr, "%s: %s\n", argv[v], strerror(errno));
      return 2;
    }
    const char *hows[] = {"sleep", "read"}, *p3hows[] = {"sleep-day", "sleep-day-sync", "stdin"};
    for (int h = 0; v == 1 && h < 2; h++) {
      round_trip(guest, len, NULL, argv[3], hows[h], false);
      if (so) round_trip(guest, len, so, argv[3], hows[h], false);
    }
    for (int h = 0; v == 4 && h < 3; h++) round_trip(guest, len, NULL, argv[3], p3hows[h], true);
    free(guest);
  }
  close(p[1]);
  printf("wasi interrupt: %d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
