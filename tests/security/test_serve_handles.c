/*
** test_serve_handles.c — plugin-serve validates every handle a client
** sends (issue 12, item 5).  argv: WASMPLUG TEST_PLUGIN.so SCRATCH_DIR.
**
** A raw client speaks the protocol (docs/plugin-rpc.md) to `wasmplug
** plugin-serve test_plugin.so` and sends reps it was never given: in a CALL
** of counter.add (borrow), of counter.merge (own), and in RES_DROP; a rep
** another session was given; a rep it already gave back (merge takes its
** own argument); the same own rep twice in one call.  Each must be an
** ERROR that ends only that session, the server (and a session that
** behaves, running alongside) staying up.  Before the fix a never-issued
** rep reached the plugin, which dereferenced it: SIGSEGV, every session
** lost.
*/
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isolate/rpc.h"
#include "../check.h"

static char addr[600];

typedef struct {
  wp_rpc_conn_t c;
  wp_rpc_buf_t b;
  uint32_t inst;
  uint32_t f_new, f_add, f_merge, f_get; /* function indexes from DESCRIBE */
  wp_rpc_header_t h;
  const uint8_t *pl;
} client_t;

static uint32_t next_id;

/* Sends one frame (payload already in c->b) and receives the answer. */
static wp_rpc_io_t ask(client_t *c, uint16_t kind, uint32_t inst, uint32_t func) {
  wp_rpc_header_t h = {WP_RPC_MAGIC, WP_RPC_VERSION, kind, ++next_id, inst, func, 0};
  if (wp_rpc_frame_send(&c->c, &c->b, h)) return WP_RPC_IO_EOF;
  char why[200];
  return wp_rpc_frame_recv(&c->c, 5000, &c->h, &c->pl, why, sizeof why);
}

static bool connect_client(client_t *c) {
  memset(c, 0, sizeof *c);
  char why[300];
  int fd = wp_rpc_addr_socket(addr, false, why, sizeof why);
  if (fd < 0) return false;
  wp_rpc_conn_init(&c->c, fd);
  wp_rpc_buf_frame(&c->b);
  if (ask(c, WP_RPC_HELLO, 0, 0) || c->h.kind != WP_RPC_DESCRIBE) return false;
  wp_rpc_desc_t d;
  wasmplug_error_t *e = wp_rpc_desc_decode(c->pl, c->h.len, &d);
  if (e) return wasmplug_error_delete(e), false;
  for (uint32_t i = 0; i < d.d.nfuncs; i++) {
    const char *n = strchr(d.d.funcs[i].name, '#');
    n = n ? n + 1 : "";
    if (!strcmp(n, "[constructor]counter")) c->f_new = i;
    if (!strcmp(n, "[method]counter.add")) c->f_add = i;
    if (!strcmp(n, "[static]counter.merge")) c->f_merge = i;
    if (!strcmp(n, "[method]counter.get")) c->f_get = i;
  }
  wp_rpc_desc_free(&d);
  wp_rpc_buf_frame(&c->b);
  if (ask(c, WP_RPC_INST_NEW, 0, 0) || c->h.kind != WP_RPC_INST_OK) return false;
  c->inst = c->h.inst;
  return true;
}

static void close_client(client_t *c) {
  wp_rpc_conn_close(&c->c);
  free(c->b.s);
}

static void v_u32(wp_rpc_buf_t *b, uint8_t kind, uint32_t v) {
  wp_buf_byte(b, kind);
  wp_rpc_buf_u32(b, v);
}

/* counter(start) -> own<counter>: the rep the server gives. */
static uint32_t new_counter(client_t *c, uint32_t start) {
  wp_rpc_buf_frame(&c->b);
  wp_rpc_buf_u64(&c->b, 0); /* CALL: the guest call's time left (none) */
  v_u32(&c->b, WP_CABI_U32, start);
  if (ask(c, WP_RPC_CALL, c->inst, c->f_new) || c->h.kind != WP_RPC_RESULT || c->h.len != 5) return 0;
  uint32_t rep;
  memcpy(&rep, c->pl + 1, 4);
  return rep;
}

/* counter.add(self: borrow, n) -> u32 */
static wp_rpc_io_t add(client_t *c, uint32_t rep, uint32_t n) {
  wp_rpc_buf_frame(&c->b);
  wp_rpc_buf_u64(&c->b, 0);
  v_u32(&c->b, WP_CABI_BORROW, rep);
  v_u32(&c->b, WP_CABI_U32, n);
  return ask(c, WP_RPC_CALL, c->inst, c->f_add);
}

/* merge(a: own, b: borrow) -> own */
static wp_rpc_io_t merge(client_t *c, uint32_t a, uint32_t b) {
  wp_rpc_buf_frame(&c->b);
  wp_rpc_buf_u64(&c->b, 0);
  v_u32(&c->b, WP_CABI_OWN, a);
  v_u32(&c->b, WP_CABI_BORROW, b);
  return ask(c, WP_RPC_CALL, c->inst, c->f_merge);
}

static wp_rpc_io_t res_drop(client_t *c, uint32_t rep) {
  wp_rpc_buf_frame(&c->b);
  wp_rpc_buf_u32(&c->b, rep);
  return ask(c, WP_RPC_RES_DROP, c->inst, 0);
}

/* The answer must be an ERROR naming `want`, then the session ends. */
static void refused(client_t *c, wp_rpc_io_t st, const char *want, const char *what) {
  CHECK(st == WP_RPC_IO_OK && c->h.kind == WP_RPC_ERROR && memmem(c->pl, c->h.len, want, strlen(want)),
        "%s: io %d kind %u: %.*s", what, (int)st, st ? 0 : c->h.kind, st ? 0 : (int)c->h.len,
        st ? "" : (const char *)c->pl);
  char why[200];
  CHECK(wp_rpc_frame_recv(&c->c, 5000, &c->h, &c->pl, why, sizeof why) == WP_RPC_IO_EOF, "%s: session ends", what);
  close_client(c);
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  signal(SIGPIPE, SIG_IGN);
  snprintf(addr, sizeof addr, "unix:%s/serve-handles-%d.sock", argv[3], (int)getpid());
  int pfd[2];
  if (pipe(pfd)) return 2;
  pid_t server = fork();
  if (server == 0) {
    dup2(pfd[1], 1);
    close(pfd[0]);
    execl(argv[1], argv[1], "plugin-serve", argv[2], "--listen", addr, (char *)NULL);
    _exit(127);
  }
  close(pfd[1]);
  char ready[16] = {0};
  if (read(pfd[0], ready, sizeof ready - 1) <= 0 || strncmp(ready, "ready", 5)) {
    fprintf(stderr, "plugin-serve did not start\n");
    return 1;
  }

  /* A session that behaves, kept open throughout. */
  client_t good;
  CHECK(connect_client(&good), "honest session");
  uint32_t mine = new_counter(&good, 5);
  CHECK(mine != 0, "constructor gives a rep");
  CHECK(add(&good, mine, 2) == 0 && good.h.kind == WP_RPC_RESULT, "honest add");

  const char *never = "never given";
  client_t c;
  /* borrow of a never-issued rep */
  CHECK(connect_client(&c), "connect");
  refused(&c, add(&c, 12345, 1), never, "CALL borrow never issued");
  /* own of a never-issued rep */
  CHECK(connect_client(&c), "connect");
  uint32_t r = new_counter(&c, 1);
  refused(&c, merge(&c, 777777, r), never, "CALL own never issued");
  /* RES_DROP of a never-issued rep */
  CHECK(connect_client(&c), "connect");
  refused(&c, res_drop(&c, 424242), never, "RES_DROP never issued");
  /* another session's rep */
  CHECK(connect_client(&c), "connect");
  refused(&c, add(&c, mine, 1), never, "CALL with another session's rep");
  CHECK(connect_client(&c), "connect");
  refused(&c, res_drop(&c, mine), never, "RES_DROP of another session's rep");
  /* a rep given back: dropped, then used; and dropped twice */
  CHECK(connect_client(&c), "connect");
  uint32_t a = new_counter(&c, 1), b = new_counter(&c, 2);
  CHECK(merge(&c, a, b) == 0 && c.h.kind == WP_RPC_RESULT, "honest merge (takes a, gives a new one)");
  CHECK(res_drop(&c, b) == 0 && c.h.kind == WP_RPC_OK, "honest drop");
  refused(&c, add(&c, b, 1), never, "CALL with a rep given back");
  CHECK(connect_client(&c), "connect");
  a = new_counter(&c, 1);
  CHECK(res_drop(&c, a) == 0 && c.h.kind == WP_RPC_OK, "honest drop");
  refused(&c, res_drop(&c, a), never, "RES_DROP twice");
  /* the same own rep twice in one call */
  CHECK(connect_client(&c), "connect");
  a = new_counter(&c, 1);
  refused(&c, merge(&c, a, a), never, "the same own rep twice");

  /* The honest session still works, and so does the server. */
  CHECK(add(&good, mine, 3) == 0 && good.h.kind == WP_RPC_RESULT, "honest session after hostile ones");
  CHECK(res_drop(&good, mine) == 0 && good.h.kind == WP_RPC_OK, "honest drop");
  close_client(&good);
  int st = 0;
  CHECK(waitpid(server, &st, WNOHANG) == 0, "plugin-serve still running");
  kill(server, SIGTERM);
  waitpid(server, &st, 0);
  CHECK(!WIFSIGNALED(st) || WTERMSIG(st) == SIGTERM, "plugin-serve never crashed (status 0x%x)", st);
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
