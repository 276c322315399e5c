/*
** test_host.c — the public host API (wasmplug/host.h) as an embedder uses
** it: public headers only, linked against libwasmplug.so.
**
** usage: test_host HOST_WASM WASI_GUESTS WASI_P2_WASM COMPONENT_RT_WASM
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wasmplug.h>
#include <wasmplug/host.h>

static int failures;
static const char *dir_host, *dir_wasi, *dir_p2, *dir_rt;
static wasmplug_engine_t *engine;

#define CHECK(cond, ...)                                                      \
  do {                                                                        \
    if (!(cond)) {                                                            \
      failures++;                                                             \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);         \
      fprintf(stderr, __VA_ARGS__);                                           \
      fputc('\n', stderr);                                                    \
    }                                                                         \
  } while (0)

static const char *msg(wasmplug_error_t *e) { return e ? wasmplug_error_message(e) : "(none)"; }

static char *path(const char *dir, const char *name) {
  static char buf[4][1024];
  static int k;
  char *b = buf[k++ % 4];
  snprintf(b, sizeof buf[0], "%s/%s", dir, name);
  return b;
}

static uint8_t *slurp(const char *p, size_t *len) {
  FILE *f = fopen(p, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", p);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n + 1);
  if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) exit(1);
  fclose(f);
  *len = (size_t)n;
  return b;
}

/* What one run produced. */
typedef struct outcome {
  wasmplug_error_t *err; /* load, link or run error */
  int status;
  bool trapped;
  char trap[512];
  char *result;          /* invoke */
  char out[16384];       /* the guest's stdout */
} outcome;

static void outcome_free(outcome *o) {
  wasmplug_error_delete(o->err);
  free(o->result);
}

/* Loads `file` into `host`, makes an instance and runs it (or invokes
** `invoke`), the guest's stdout going to a temporary file. */
static void run_in(wasmplug_host_t *host, wasmplug_wasi_config_t *wasi, const char *file, const char *invoke,
                   outcome *o) {
  memset(o, 0, sizeof *o);
  char tmp[] = "/tmp/wasmplug-host-XXXXXX";
  int fd = mkstemp(tmp);
  if (fd < 0) exit(1);
  unlink(tmp);
  wasmplug_wasi_config_stdio_set(wasi, 0, fd, 2);
  size_t len;
  uint8_t *bytes = slurp(file, &len);
  wasmplug_program_t *prog = NULL;
  wasmplug_program_instance_t *in = NULL;
  wasmplug_trap_t *trap = NULL;
  if (!(o->err = wasmplug_host_wasi_set(host, wasi)) &&
      !(o->err = wasmplug_program_new(host, bytes, len, file, &prog))) {
    wasmplug_program_instantiate(prog, &in, &o->err, &trap);
    if (in) {
      o->err = invoke ? wasmplug_program_instance_invoke(in, invoke, &o->result, &o->status, &trap)
                      : wasmplug_program_instance_run(in, &o->status, &trap);
    }
  }
  if (trap) {
    o->trapped = true;
    snprintf(o->trap, sizeof o->trap, "%s", wasmplug_trap_message(trap));
    wasmplug_trap_delete(trap);
  }
  wasmplug_program_instance_delete(in);
  wasmplug_program_delete(prog);
  free(bytes);
  lseek(fd, 0, SEEK_SET);
  ssize_t n = read(fd, o->out, sizeof o->out - 1);
  o->out[n > 0 ? n : 0] = 0;
  close(fd);
}

static void run_fresh(uint32_t flags, wasmplug_wasi_config_t *wasi, const char *file, const char *invoke,
                      outcome *o) {
  wasmplug_host_options_t opts = {sizeof opts, flags};
  wasmplug_host_t *host = NULL;
  wasmplug_error_t *e = wasmplug_host_new(engine, &opts, &host);
  if (e) {
    fprintf(stderr, "host_new: %s\n", msg(e));
    exit(1);
  }
  run_in(host, wasi, file, invoke, o);
  wasmplug_host_delete(host);
}

/* True when `text` has a line equal to `line`. */
static bool has_line(const char *text, const char *line) {
  size_t n = strlen(line);
  for (const char *p = text; (p = strstr(p, line)); p++)
    if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n])) return true;
  return false;
}

/* One capability object: the same environment for a preview1 module and
** a WASI 0.2 component; explicit variables override inherited ones. */
static void test_env_both_versions(void) {
  setenv("WP_T_HOST", "from-host", 1);
  setenv("WP_T_KEEP", "kept", 1);
  for (int inherit = 0; inherit < 2; inherit++) {
    wasmplug_wasi_config_t *w = wasmplug_wasi_config_new();
    wasmplug_wasi_config_arg_push(w, "guest");
    wasmplug_wasi_config_arg_push(w, "args");
    wasmplug_wasi_config_inherit_env(w, inherit);
    wasmplug_error_t *e;
    CHECK(!(e = wasmplug_wasi_config_env_set(w, "WP_T_A", "1")), "%s", msg(e));
    CHECK(!(e = wasmplug_wasi_config_env_spec(w, "WP_T_B=two words")), "%s", msg(e));
    CHECK(!(e = wasmplug_wasi_config_env_set(w, "WP_T_HOST", "override")), "%s", msg(e));
    CHECK(!(e = wasmplug_wasi_config_env_spec(w, "WP_T_UNSET_ON_HOST")), "%s", msg(e)); /* nothing */
    outcome core, comp;
    run_fresh(0, w, path(dir_wasi, "env.wasm"), NULL, &core);
    run_fresh(0, w, path(dir_p2, "guest.wasm"), NULL, &comp);
    CHECK(!core.err && !comp.err, "%s / %s", msg(core.err), msg(comp.err));
    CHECK(core.status == 0 && comp.status == 0, "status %d %d", core.status, comp.status);
    static const char *const want[] = {"WP_T_A=1", "WP_T_B=two words", "WP_T_HOST=override"};
    for (size_t i = 0; i < 3; i++) {
      char line[128];
      snprintf(line, sizeof line, "env %s", want[i]);
      CHECK(has_line(core.out, want[i]), "preview1 (inherit %d) lacks %s:\n%s", inherit, want[i], core.out);
      CHECK(has_line(comp.out, line), "0.2 (inherit %d) lacks %s:\n%s", inherit, want[i], comp.out);
    }
    CHECK(has_line(core.out, "WP_T_KEEP=kept") == inherit, "preview1 inherit %d:\n%s", inherit, core.out);
    CHECK(has_line(comp.out, "env WP_T_KEEP=kept") == inherit, "0.2 inherit %d:\n%s", inherit, comp.out);
    CHECK(!strstr(core.out, "WP_T_UNSET_ON_HOST") && !strstr(comp.out, "WP_T_UNSET_ON_HOST"), "unset var");
    CHECK(has_line(comp.out, "arg 0: guest") && has_line(comp.out, "arg 1: args"), "0.2 args:\n%s", comp.out);
    outcome_free(&core);
    outcome_free(&comp);
    wasmplug_wasi_config_delete(w);
  }
}

/* Exit statuses: preview1 proc_exit, wasi:cli/exit with a code, a
** wasi:cli/run returning err, and a real trap. */
static void test_exit_and_traps(void) {
  wasmplug_wasi_config_t *w = wasmplug_wasi_config_new();
  wasmplug_wasi_config_arg_push(w, "exit.wasm");
  wasmplug_wasi_config_arg_push(w, "proc_exit");
  wasmplug_wasi_config_arg_push(w, "5");
  outcome o;
  run_fresh(0, w, path(dir_wasi, "exit.wasm"), NULL, &o);
  CHECK(!o.err && !o.trapped && o.status == 5, "proc_exit: %s trap '%s' status %d", msg(o.err), o.trap, o.status);
  CHECK(strstr(o.out, "leaving with 5 via proc_exit"), "output before exit kept: %s", o.out);
  outcome_free(&o);
  wasmplug_wasi_config_delete(w);
  w = wasmplug_wasi_config_new();
  run_fresh(0, w, path(dir_p2, "hostile.wasm"), "exit-7()", &o);
  CHECK(!o.err && !o.trapped && o.status == 7 && !o.result, "exit-7: %s trap '%s' status %d", msg(o.err), o.trap,
        o.status);
  outcome_free(&o);
  run_fresh(0, w, path(dir_rt, "cmd_fail.wasm"), NULL, &o);
  CHECK(!o.err && !o.trapped && o.status == 1, "cmd_fail: %s status %d", msg(o.err), o.status);
  outcome_free(&o);
  run_fresh(0, w, path(dir_rt, "cmd_trap.wasm"), NULL, &o);
  CHECK(!o.err && o.trapped && strstr(o.trap, "unreachable"), "cmd_trap: %s '%s'", msg(o.err), o.trap);
  outcome_free(&o);
  wasmplug_wasi_config_delete(w);
}

static void test_invoke(void) {
  wasmplug_wasi_config_t *w = wasmplug_wasi_config_new();
  outcome o;
  run_fresh(0, w, path(dir_rt, "cmd.wasm"), "add(1, 2)", &o);
  CHECK(!o.err && o.result && !strcmp(o.result, "3"), "add: %s '%s'", msg(o.err), o.result ? o.result : "");
  outcome_free(&o);
  run_fresh(0, w, path(dir_rt, "cmd.wasm"), "name()", &o);
  CHECK(!o.err && o.result && !strcmp(o.result, "\"wasmplug\""), "name: '%s'", o.result ? o.result : "");
  outcome_free(&o);
  run_fresh(0, w, path(dir_rt, "cmd.wasm"), "nope()", &o);
  CHECK(o.err && strstr(msg(o.err), "no exported function named 'nope'"), "%s", msg(o.err));
  outcome_free(&o);
  run_fresh(0, w, path(dir_host, "answer.wasm"), "answer", &o);
  CHECK(!o.err && o.result && !strcmp(o.result, "42\n0.5"), "answer: %s '%s'", msg(o.err),
        o.result ? o.result : "");
  outcome_free(&o);
  run_fresh(0, w, path(dir_host, "answer.wasm"), "takes", &o);
  CHECK(o.err && strstr(msg(o.err), "takes 1 parameters"), "%s", msg(o.err));
  outcome_free(&o);
  run_fresh(0, w, path(dir_host, "answer.wasm"), NULL, &o);
  CHECK(o.err && strstr(msg(o.err), "no _start export"), "%s", msg(o.err));
  outcome_free(&o);
  wasmplug_wasi_config_delete(w);
}

/* One program, several live instances (what a server's pool holds). */
static void test_many_instances(void) {
  wasmplug_host_t *host = NULL;
  wasmplug_error_t *e = wasmplug_host_new(engine, NULL, &host);
  CHECK(!e, "%s", msg(e));
  size_t len;
  uint8_t *bytes = slurp(path(dir_rt, "cmd.wasm"), &len);
  wasmplug_program_t *prog = NULL;
  CHECK(!(e = wasmplug_program_new(host, bytes, len, "cmd.wasm", &prog)), "%s", msg(e));
  free(bytes); /* the program keeps its own copy */
  CHECK(prog && wasmplug_program_is_component(prog), "component");
  wasmplug_program_instance_t *in[3] = {0};
  for (int i = 0; prog && i < 3; i++) {
    wasmplug_trap_t *t = NULL;
    wasmplug_program_instantiate(prog, &in[i], &e, &t);
    CHECK(in[i] && !e && !t, "instance %d: %s", i, msg(e));
  }
  for (int i = 0; i < 3; i++) {
    if (!in[i]) continue;
    char call[32], want[16], *res = NULL;
    int status = -1;
    wasmplug_trap_t *t = NULL;
    snprintf(call, sizeof call, "add(%d, 10)", i);
    snprintf(want, sizeof want, "%d", i + 10);
    e = wasmplug_program_instance_invoke(in[i], call, &res, &status, &t);
    CHECK(!e && !t && res && !strcmp(res, want), "instance %d: %s '%s'", i, msg(e), res ? res : "");
    CHECK(wasmplug_program_instance_component(in[i]) && !wasmplug_program_instance_core(in[i]), "kinds");
    free(res);
  }
  wasmplug_program_instance_delete(in[1]); /* any order */
  wasmplug_program_instance_delete(in[0]);
  wasmplug_program_instance_delete(in[2]);
  wasmplug_program_delete(prog);
  wasmplug_host_delete(host);
}

static void test_config_errors(void) {
  wasmplug_wasi_config_t *w = wasmplug_wasi_config_new();
  wasmplug_error_t *e = wasmplug_wasi_config_dir_add(w, "/nonexistent/wp-dir", "d", 0);
  CHECK(e && strstr(msg(e), "/nonexistent/wp-dir"), "%s", msg(e));
  wasmplug_error_delete(e);
  e = wasmplug_wasi_config_dir_add(w, "/tmp", "d", 0x80);
  CHECK(e && strstr(msg(e), "flags"), "%s", msg(e));
  wasmplug_error_delete(e);
  e = wasmplug_wasi_config_dir_spec(w, "::guest", 0);
  CHECK(e && strstr(msg(e), "empty host path"), "%s", msg(e));
  wasmplug_error_delete(e);
  e = wasmplug_wasi_config_env_set(w, "A=B", "x");
  CHECK(e && strstr(msg(e), "A=B"), "%s", msg(e));
  wasmplug_error_delete(e);
  CHECK(!(e = wasmplug_wasi_config_dir_spec(w, "/tmp::/t", WASMPLUG_DIR_READONLY)), "%s", msg(e));
  wasmplug_wasi_config_t *copy = wasmplug_wasi_config_copy(w);
  CHECK(copy != NULL, "copy");
  wasmplug_wasi_config_delete(copy);
  wasmplug_wasi_config_delete(w);

  wasmplug_host_t *host = NULL;
  wasmplug_host_options_t small = {2, 0};
  e = wasmplug_host_new(engine, &small, &host);
  CHECK(e && !host, "options.size 2 accepted");
  wasmplug_error_delete(e);
  wasmplug_host_options_t bad = {sizeof bad, 0x100};
  e = wasmplug_host_new(engine, &bad, &host);
  CHECK(e && strstr(msg(e), "flags"), "%s", msg(e));
  wasmplug_error_delete(e);

  CHECK(!(e = wasmplug_host_new(engine, NULL, &host)), "%s", msg(e));
  wasmplug_host_limits_t l = {sizeof l, 0, 0, 0, 0, 0};
  CHECK(!(e = wasmplug_host_limits_set(host, &l)), "no limits: %s", msg(e));
  l.memory_bytes = 1 << 20;
  e = wasmplug_host_limits_set(host, &l);
  CHECK(e && strstr(msg(e), "memory_bytes"), "an unenforced limit must be refused: %s", msg(e));
  wasmplug_error_delete(e);
  wasmplug_host_limits_t older = l;
  older.size = 4; /* a struct from before memory_bytes existed: nothing past size is read */
  CHECK(!(e = wasmplug_host_limits_set(host, &older)), "%s", msg(e));
  /* a wasm plugin links to component imports only */
  CHECK(!(e = wasmplug_host_plugin_load(host, path(dir_rt, "cmd.wasm"))), "%s", msg(e));
  size_t len;
  uint8_t *bytes = slurp(path(dir_host, "answer.wasm"), &len);
  wasmplug_program_t *prog = NULL;
  e = wasmplug_program_new(host, bytes, len, "answer.wasm", &prog);
  CHECK(e && !prog && strstr(msg(e), "need a component guest"), "%s", msg(e));
  wasmplug_error_delete(e);
  free(bytes);
  wasmplug_host_delete(host);
}

/* Without the default plugins a WASI 0.2 guest has nothing to link to. */
static void test_no_default_plugins(void) {
  wasmplug_wasi_config_t *w = wasmplug_wasi_config_new();
  outcome o;
  run_fresh(WASMPLUG_HOST_NO_DEFAULT_PLUGINS, w, path(dir_p2, "guest.wasm"), NULL, &o);
  CHECK(o.err && strstr(msg(o.err), "wasi:"), "%s", msg(o.err));
  outcome_free(&o);
  wasmplug_wasi_config_delete(w);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: test_host HOST_WASM WASI_GUESTS WASI_P2_WASM COMPONENT_RT_WASM\n");
    return 2;
  }
  dir_host = argv[1];
  dir_wasi = argv[2];
  dir_p2 = argv[3];
  dir_rt = argv[4];
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_BASELINE);
  wasmplug_error_t *e = wasmplug_engine_new(cfg, &engine);
  wasmplug_config_delete(cfg);
  if (e) {
    fprintf(stderr, "engine: %s\n", msg(e));
    return 1;
  }
  test_env_both_versions();
  test_exit_and_traps();
  test_invoke();
  test_many_instances();
  test_config_errors();
  test_no_default_plugins();
  wasmplug_engine_delete(engine);
  if (failures) fprintf(stderr, "%d failure(s)\n", failures);
  else printf("host api: ok\n");
  return failures ? 1 : 0;
}
