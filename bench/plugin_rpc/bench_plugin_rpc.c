/*
** bench_plugin_rpc.c — the cost of running a plugin out of process: the
** same plugin (bench/plugin's plugin_bench_so) loaded in-process and with
** ",isolate", called through component bindings (the native-layout path
** every guest call ends in), in the same run.
**
** usage: bench_plugin_rpc [WASMPLUG PLUGIN.so]   (defaults: the build's)
** Prints "plugin_rpc <case>: isolated X ns/call, in-process Y ns/call,
** ratio Z" for nop(), inc(u32)->u32 and echo(string) with 1 KiB.  Times
** are wall-clock (the helper's work happens in another process), the
** best of 7 bursts, the two variants interleaved burst by burst.  Target
** (issue 18): an isolated scalar round trip under 5 us (reported, not
** enforced).  Isolated calls travel in a shared-memory ring with futex
** wake-ups (src/isolate/rpc_ring.c); the socket ping-pong below is what
** they cost before it.
** The floor under any out-of-process call is the OS's own round trip: a
** 24-byte ping-pong with a child process over a socketpair, measured in
** bursts interleaved with the others and printed per case, with the
** isolated call as a ratio to it (on a loaded machine that floor alone
** can exceed 10 us).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "../bench_util.h"
#include <unistd.h>

#include "plugin/plugin.h"

static void die(const char *what, const char *msg) {
  fprintf(stderr, "bench_plugin_rpc: %s: %s\n", what, msg);
  exit(1);
}

typedef struct side {
  wp_plugin_set_t *set;
  wp_plugin_instances_t *g;
  wp_cabi_arena_t *arena;
} side_t;

static void side_open(side_t *s, const char *spec) {
  s->set = wp_plugin_set_new();
  s->arena = wp_cabi_arena_new(0);
  wasmplug_error_t *e = wp_plugin_set_load(s->set, spec);
  if (!e) e = wp_plugin_instances_new(s->set, &s->g);
  if (e) die(spec, wasmplug_error_message(e));
}

static void bind_fn(side_t *s, const char *fn, wp_plugin_binding_t *b) {
  wasmplug_error_t *e = wp_plugin_instances_bind(s->g, "bench:plugin/api@1.0.0", fn, NULL, b);
  if (e) die(fn, wasmplug_error_message(e));
}

static double burst(side_t *s, const wp_plugin_binding_t *b, const void *args, void *res, int iters) {
  double t0 = bench_ns(CLOCK_MONOTONIC);
  for (int i = 0; i < iters; i++) {
    wasmplug_trap_t *t = wp_plugin_binding_call(b, s->arena, args, res);
    if (t) die(b->name, wasmplug_trap_message(t));
    wp_cabi_arena_reset(s->arena);
  }
  return (bench_ns(CLOCK_MONOTONIC) - t0) / iters;
}

/* A child process echoing 24-byte messages: the OS round trip. */
typedef struct echo {
  int fd;
  pid_t pid;
} echo_t;

static void echo_start(echo_t *e) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) die("socketpair", "failed");
  e->pid = fork();
  if (e->pid == 0) {
    char b[24];
    close(sv[0]);
    while (read(sv[1], b, sizeof b) == (ssize_t)sizeof b)
      if (write(sv[1], b, sizeof b) != (ssize_t)sizeof b) break;
    _exit(0);
  }
  close(sv[1]);
  e->fd = sv[0];
}

static double echo_burst(echo_t *e, int iters) {
  char b[24] = {0};
  double t0 = bench_ns(CLOCK_MONOTONIC);
  for (int i = 0; i < iters; i++)
    if (write(e->fd, b, sizeof b) != (ssize_t)sizeof b || read(e->fd, b, sizeof b) != (ssize_t)sizeof b)
      die("ping-pong", "short read/write");
  return (bench_ns(CLOCK_MONOTONIC) - t0) / iters;
}

static void echo_stop(echo_t *e) {
  close(e->fd);
  waitpid(e->pid, NULL, 0);
}

static double bench_case(side_t *iso, side_t *in, echo_t *echo, const char *fn, const void *args, int iters,
                         double *native, double *floor_ns) {
  wp_plugin_binding_t bi, bn;
  bind_fn(iso, fn, &bi);
  bind_fn(in, fn, &bn);
  _Alignas(16) uint8_t res[64];
  double best_iso = 1e30, best_in = 1e30, best_floor = 1e30;
  burst(iso, &bi, args, res, iters / 10 + 1); /* warm up both */
  burst(in, &bn, args, res, iters / 10 + 1);
  for (int round = 0; round < 7; round++) {
    double a = burst(iso, &bi, args, res, iters), b = burst(in, &bn, args, res, iters * 20);
    if (a < best_iso) best_iso = a;
    if (b < best_in) best_in = b;
    double c = echo_burst(echo, iters);
    if (c < best_floor) best_floor = c;
  }
  *native = best_in;
  *floor_ns = best_floor;
  return best_iso;
}

int main(int argc, char **argv) {
  const char *exe = argc > 2 ? argv[1] : BENCH_WASMPLUG;
  const char *so = argc > 2 ? argv[2] : BENCH_PLUGIN_SO;
  setenv("WASMPLUG_EXE", exe, 1);
  char spec[4096];
  snprintf(spec, sizeof spec, "%s,isolate", so);
  side_t iso, in;
  side_open(&iso, spec);
  side_open(&in, so);
  uint32_t x = 41;
  static char text[1024];
  memset(text, 'a', sizeof text);
  struct { const char *ptr; size_t len; } s = {text, sizeof text};
  struct { const char *name; const void *args; int iters; } cases[] = {
      {"nop", NULL, 20000}, {"inc", &x, 20000}, {"echo", &s, 10000}};
  int missed = 0;
  echo_t echo;
  echo_start(&echo);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double native, floor_ns;
    double t = bench_case(&iso, &in, &echo, cases[i].name, cases[i].args, cases[i].iters, &native, &floor_ns);
    printf("plugin_rpc %s: isolated %.0f ns/call, in-process %.1f ns/call, ratio %.0f; OS round trip %.0f ns, "
           "isolated/OS %.2f\n",
           cases[i].name, t, native, t / native, floor_ns, t / floor_ns);
    if (!strcmp(cases[i].name, "inc") && t > 5000) missed = 1;
  }
  echo_stop(&echo);
  printf("plugin_rpc target (issue 18): isolated (u32)->u32 round trip <= 5 us: %s\n", missed ? "MISSED" : "met");
  wp_plugin_instances_delete(iso.g);
  wp_plugin_instances_delete(in.g);
  wp_plugin_set_delete(iso.set);
  wp_plugin_set_delete(in.set);
  wp_cabi_arena_delete(iso.arena);
  wp_cabi_arena_delete(in.arena);
  return 0;
}
