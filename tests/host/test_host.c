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
#include <sys/wait.h>
#include <unistd.h>

#include <wasmplug.h>
#include <wasmplug/host.h>
#include <wasmplug/wit.h>

#include "host_test.h"

static const char *dir_host, *dir_wasi, *dir_p2, *dir_rt;
static wasmplug_engine_t *engine;


static const char *msg(wasmplug_error_t *e) { return e ? wasmplug_error_message(e) : "(none)"; }

static char *path(const char *dir, const char *name) {
  static char buf[4][1024];
  static int k;
  char *b = buf[k++ % 4];
  snprintf(b, sizeof buf[0], "%s/%s", dir, name);
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

/* Whether run_in gives the program its buffer (wasmplug_program_new_owned)
** instead of having it copied. */
static bool run_owned;

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
  uint8_t *bytes = read_fixture(NULL, file, &len);
  wasmplug_program_t *prog = NULL;
  wasmplug_program_instance_t *in = NULL;
  wasmplug_trap_t *trap = NULL;
  if (!(o->err = wasmplug_host_wasi_set(host, wasi)) &&
      !(o->err = run_owned ? wasmplug_program_new_owned(host, bytes, len, file, &prog)
                           : wasmplug_program_new(host, bytes, len, file, &prog))) {
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
  if (!run_owned) free(bytes); /* (else the program's, even when it failed) */
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

/* wasmplug_program_new_owned: the program takes the buffer instead of a
** copy (a component's core modules are then used in place, their digests
** computed once, core/inplace.h): a core module and a component run as
** from a copy, and run again from a second program (each its own buffer);
** buffers of programs that fail are freed by them (ASan: no leak, no
** double free). */
static void test_program_owned(void) {
  run_owned = true;
  wasmplug_wasi_config_t *w = wasmplug_wasi_config_new();
  wasmplug_wasi_config_arg_push(w, "guest");
  wasmplug_wasi_config_arg_push(w, "args");
  wasmplug_wasi_config_env_set(w, "WP_T_OWNED", "yes");
  for (int round = 0; round < 2; round++) {
    outcome core, comp;
    run_fresh(0, w, path(dir_wasi, "env.wasm"), NULL, &core);
    run_fresh(0, w, path(dir_p2, "guest.wasm"), NULL, &comp);
    CHECK(!core.err && !comp.err && core.status == 0 && comp.status == 0, "owned: %s / %s, status %d %d",
          msg(core.err), msg(comp.err), core.status, comp.status);
    CHECK(has_line(core.out, "WP_T_OWNED=yes"), "owned core module's output:\n%s", core.out);
    CHECK(has_line(comp.out, "env WP_T_OWNED=yes") && has_line(comp.out, "arg 1: args"),
          "owned component's output:\n%s", comp.out);
    outcome_free(&core);
    outcome_free(&comp);
  }
  /* refused: a component whose import nothing provides (checked on the
  ** decoded component before anything is compiled), and bytes that are
  ** no module at all */
  outcome o;
  run_fresh(WASMPLUG_HOST_NO_DEFAULT_PLUGINS, w, path(dir_p2, "guest.wasm"), NULL, &o);
  CHECK(o.err && wasmplug_error_kind(o.err) == WASMPLUG_ERROR_LINK && strstr(msg(o.err), "unknown import"),
        "owned, nothing to link: %s", msg(o.err));
  outcome_free(&o);
  wasmplug_host_t *host = NULL;
  wasmplug_error_t *e = wasmplug_host_new(engine, NULL, &host);
  CHECK(!e, "%s", msg(e));
  uint8_t *junk = malloc(9);
  memcpy(junk, "\0asm\x0d\0\x01\0\xff", 9);
  wasmplug_program_t *prog = NULL;
  e = wasmplug_program_new_owned(host, junk, 9, "junk.wasm", &prog);
  CHECK(e && !prog && wasmplug_error_kind(e) == WASMPLUG_ERROR_DECODE, "owned junk: %s", msg(e));
  wasmplug_error_delete(e);
  wasmplug_host_delete(host);
  wasmplug_wasi_config_delete(w);
  run_owned = false;
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
  /* a bare name found by its unique suffix, or the candidates listed */
  run_fresh(0, w, path(dir_host, "calc.wasm"), "add(1, 2)", &o);
  CHECK(!o.err && o.result && !strcmp(o.result, "3"), "add by suffix: %s", msg(o.err));
  outcome_free(&o);
  run_fresh(0, w, path(dir_host, "calc.wasm"), "mul(2, 3)", &o);
  CHECK(o.err && wasmplug_error_kind(o.err) == WASMPLUG_ERROR_NOT_FOUND &&
            strstr(msg(o.err), "example:calc/api@1.0.0#mul") && strstr(msg(o.err), "example:calc/other@1.0.0#mul"),
        "ambiguous mul: %s", msg(o.err));
  outcome_free(&o);
  run_fresh(0, w, path(dir_host, "calc.wasm"), "example:calc/other#mul(2, 3)", &o);
  CHECK(!o.err && o.result && !strcmp(o.result, "6"), "qualified mul: %s", msg(o.err));
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
  uint8_t *bytes = read_fixture(NULL, path(dir_rt, "cmd.wasm"), &len);
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
  wasmplug_host_limits_t l;
  memset(&l, 0, sizeof l);
  l.size = sizeof l;
  CHECK(!(e = wasmplug_host_limits_set(host, &l)), "no limits: %s", msg(e));
  l.memory_bytes = 1 << 20; /* enforced (tests/security test these limits) */
  CHECK(!(e = wasmplug_host_limits_set(host, &l)), "%s", msg(e));
  wasmplug_host_limits_t older = l;
  older.size = 4; /* a struct from before memory_bytes existed: nothing past size is read */
  CHECK(!(e = wasmplug_host_limits_set(host, &older)), "%s", msg(e));
  /* a wasm plugin links to component imports only */
  CHECK(!(e = wasmplug_host_plugin_load(host, path(dir_rt, "cmd.wasm"))), "%s", msg(e));
  size_t len;
  uint8_t *bytes = read_fixture(NULL, path(dir_host, "answer.wasm"), &len);
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

/* ---- a plugin linked into this program (wasmplug_host_plugin_add): one C
** function serves every entry of test:rtplug/greet (component_rt's
** plug.wat imports it), told apart by host->call_func (plugin ABI 1.1);
** quit ends the guest with host->exit. */
static const wasmplug_host_api_t *lh;
static int linked_data; /* what init must find in *plugin_state */
static bool init_saw_data;
static uint32_t tally[16], ntally;

static const char linked_wit[] =
    "package test:rtplug@1.0.0;\n"
    "interface greet {\n"
    "  resource tally { constructor(); add: func(n: u32) -> u32; }\n"
    "  hello: func(name: string) -> string;\n"
    "  fail: func() -> u32;\n"
    "  quit: func(code: u32);\n"
    "}\n";

static int linked_any(void *state, wasmplug_plugin_call_t *call, const void *params, void *result) {
  (void)state;
  typedef struct { uint8_t *ptr; size_t len; } str_t;
  switch (lh->call_func(call)) {
  case 0: { /* hello: "#<index>:" + name */
    const str_t *n = params;
    str_t *r = result;
    if (!(r->ptr = lh->alloc(call, n->len + 3, 1))) return lh->trap(call, "out of memory");
    memcpy(r->ptr, "#0:", 3);
    memcpy(r->ptr + 3, n->ptr, n->len);
    r->len = n->len + 3;
    return WASMPLUG_OK;
  }
  case 1: *(uint32_t *)result = 41; return WASMPLUG_OK;         /* fail: not failing here */
  case 2: return lh->exit(call, (int)*(const uint32_t *)params); /* quit */
  case 3: /* [constructor]tally */
    if (ntally + 1 >= 16) return lh->trap(call, "too many");
    *(uint32_t *)result = ++ntally;
    return WASMPLUG_OK;
  case 4: { /* [method]tally.add */
    const struct { uint32_t self, n; } *p = params;
    *(uint32_t *)result = tally[p->self] += p->n;
    return WASMPLUG_OK;
  }
  default: return lh->trap(call, "unknown function index %u", lh->call_func(call));
  }
}

static const wasmplug_plugin_func_t linked_funcs[] = {
    {"test:rtplug/greet#hello", linked_any},
    {"test:rtplug/greet#fail", linked_any},
    {"test:rtplug/greet#quit", linked_any},
    {"test:rtplug/greet#[constructor]tally", linked_any},
    {"test:rtplug/greet#[method]tally.add", linked_any},
};

static int linked_init(const wasmplug_host_api_t *host, const wasmplug_plugin_config_t *config, void **state,
                       const char **error) {
  (void)host; (void)config; (void)error;
  init_saw_data = *state == &linked_data;
  return 0;
}

static const wasmplug_plugin_t linked_desc = {
    .magic = WASMPLUG_PLUGIN_MAGIC,
    .abi_major = WASMPLUG_PLUGIN_ABI_MAJOR,
    .abi_minor = WASMPLUG_PLUGIN_ABI_MINOR,
    .size = sizeof(wasmplug_plugin_t),
    .min_host_minor = 1, /* exit, call_func */
    .name = "linked",
    .version = "1.0.0",
    .wit = linked_wit,
    .funcs = linked_funcs,
    .nfuncs = 5,
    .init = linked_init,
};

static const wasmplug_plugin_t *linked_entry(const wasmplug_host_api_t *host) {
  lh = host;
  return &linked_desc;
}

static void test_linked_plugin(void) {
  CHECK(wasmplug_plugin_host_api()->size >= sizeof(wasmplug_host_api_t), "host table");
  struct {
    const char *call, *result;
    int status;
  } cases[] = {
      {"hello(\"x\")", "\"#0:x\"", 0},
      {"fail()", "41", 0},
      {"tally(5)", "10", 0},
      {"quit(9)", NULL, 9},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    wasmplug_host_t *host = NULL;
    wasmplug_error_t *e = wasmplug_host_new(engine, NULL, &host);
    CHECK(!e, "%s", msg(e));
    init_saw_data = false;
    CHECK(!(e = wasmplug_host_plugin_add(host, linked_entry, "linked", NULL, &linked_data)), "%s", msg(e));
    CHECK(init_saw_data, "init did not find the data given to wasmplug_host_plugin_add");
    wasmplug_wasi_config_t *w = wasmplug_wasi_config_new();
    outcome o;
    run_in(host, w, path(dir_rt, "plug.wasm"), cases[i].call, &o);
    CHECK(!o.err && !o.trapped, "%s: %s '%s'", cases[i].call, msg(o.err), o.trap);
    CHECK(o.status == cases[i].status, "%s: status %d", cases[i].call, o.status);
    CHECK(cases[i].result ? o.result && !strcmp(o.result, cases[i].result) : !o.result, "%s: result '%s'",
          cases[i].call, o.result ? o.result : "(none)");
    outcome_free(&o);
    wasmplug_wasi_config_delete(w);
    wasmplug_host_delete(host);
  }
}

/* ---- the lean exit (wasmplug_host_exit): the linked plugin again, with
** teardown hooks that write to a pipe, the only way out of a process that
** ends inside the call. */
static int lean_fd = -1;
static void lean_note(const char *what) {
  if (lean_fd >= 0 && write(lean_fd, what, strlen(what)) < 0) _exit(98);
}
static void lean_tally_drop(void *state, uint32_t rep) {
  (void)state; (void)rep;
  lean_note("drop\n");
}
static int lean_instance_new(void *plugin_state, const wasmplug_plugin_config_t *config, void **instance_state,
                             const char **error) {
  (void)config; (void)error;
  *instance_state = plugin_state;
  return 0;
}
static void lean_instance_drop(void *instance_state) { (void)instance_state; lean_note("instance_drop\n"); }
static void lean_fini(void *plugin_state) { (void)plugin_state; lean_note("fini\n"); }
static const wasmplug_plugin_resource_t lean_resources[] = {{"test:rtplug/greet#tally", lean_tally_drop}};
static const wasmplug_plugin_t lean_desc = {
    .magic = WASMPLUG_PLUGIN_MAGIC,
    .abi_major = WASMPLUG_PLUGIN_ABI_MAJOR,
    .abi_minor = WASMPLUG_PLUGIN_ABI_MINOR,
    .size = sizeof(wasmplug_plugin_t),
    .min_host_minor = 1,
    .name = "linked",
    .version = "1.0.0",
    .wit = linked_wit,
    .funcs = linked_funcs,
    .nfuncs = 5,
    .resources = lean_resources,
    .nresources = 1,
    .init = linked_init,
    .fini = lean_fini,
    .instance_new = lean_instance_new,
    .instance_drop = lean_instance_drop,
};
static const wasmplug_plugin_t *lean_entry(const wasmplug_host_api_t *host) {
  lh = host;
  return &lean_desc;
}

/* In a child: loads `file` with the lean plugin, runs it (or invokes
** `invoke`), then wasmplug_host_exit(host, instance, 4).  The parent reads
** what the hooks wrote, then "returned" if the call came back. */
static void lean_child(const char *file, const char *invoke, int fd) {
  lean_fd = fd;
  wasmplug_host_t *host = NULL;
  wasmplug_error_t *e = wasmplug_host_new(engine, NULL, &host);
  if (!e) e = wasmplug_host_plugin_add(host, lean_entry, "linked", NULL, &linked_data);
  size_t len;
  uint8_t *bytes = read_fixture(NULL, file, &len);
  wasmplug_program_t *prog = NULL;
  wasmplug_program_instance_t *in = NULL;
  wasmplug_trap_t *t = NULL;
  char *res = NULL;
  int status = -1;
  if (!e) e = wasmplug_program_new_owned(host, bytes, len, file, &prog);
  if (!e) wasmplug_program_instantiate(prog, &in, &e, &t);
  if (!e && !t) e = invoke ? wasmplug_program_instance_invoke(in, invoke, &res, &status, &t)
                           : wasmplug_program_instance_run(in, &status, &t);
  if (e || t) {
    fprintf(stderr, "lean child %s: %s\n", file, e ? msg(e) : wasmplug_trap_message(t));
    _exit(97);
  }
  free(res);
  wasmplug_host_exit(host, in, 4);
  lean_note("returned\n");
  wasmplug_program_instance_delete(in);
  wasmplug_program_delete(prog);
  wasmplug_host_delete(host);
  _exit(4);
}

/* What the child wrote and its exit status. */
static int lean_run(const char *file, const char *invoke, char *out, size_t cap) {
  int p[2];
  fflush(NULL);
  if (pipe(p)) exit(1);
  pid_t pid = fork();
  if (pid < 0) exit(1);
  if (pid == 0) {
    close(p[0]);
    lean_child(file, invoke, p[1]);
  }
  close(p[1]);
  size_t n = 0;
  ssize_t got;
  while (n + 1 < cap && (got = read(p[0], out + n, cap - 1 - n)) > 0) n += (size_t)got;
  out[n] = 0;
  close(p[0]);
  int ws;
  if (waitpid(pid, &ws, 0) != pid) return -1;
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static void test_lean_exit(void) {
  bool lean = wasmplug_lean_exit_enabled();
  const char *ret = lean ? "" : "returned\n";
  char out[256], want[256];
  /* a component: the tally the guest kept is dropped, then the plugin's
  ** instance state, then the plugin; the status is the one given */
  int st = lean_run(path(dir_rt, "plug.wasm"), "keep(3)", out, sizeof out);
  snprintf(want, sizeof want, "%sdrop\ninstance_drop\nfini\n", ret);
  CHECK(st == 4 && !strcmp(out, want), "lean exit, component: status %d, hooks:\n%s(wanted:\n%s)", st, out, want);
  /* a core module: the plugin's fini (it has no state for a guest that
  ** imports none of it) */
  st = lean_run(path(dir_wasi, "hello.wasm"), NULL, out, sizeof out);
  snprintf(want, sizeof want, "%sfini\n", ret);
  CHECK(st == 4 && !strcmp(out, want), "lean exit, core module: status %d, hooks:\n%s(wanted:\n%s)", st, out, want);
  /* nothing happens (the caller deletes everything) with no host, with
  ** another live instance, and under WASMPLUG_FULL_TEARDOWN */
  wasmplug_host_exit(NULL, NULL, 5);
  wasmplug_host_t *host = NULL;
  wasmplug_error_t *e = wasmplug_host_new(engine, NULL, &host);
  CHECK(!e, "%s", msg(e));
  size_t len;
  uint8_t *bytes = read_fixture(NULL, path(dir_rt, "cmd.wasm"), &len);
  wasmplug_program_t *prog = NULL;
  CHECK(!(e = wasmplug_program_new_owned(host, bytes, len, "cmd.wasm", &prog)), "%s", msg(e));
  wasmplug_program_instance_t *in[2] = {0};
  for (int i = 0; prog && i < 2; i++) {
    wasmplug_trap_t *t = NULL;
    wasmplug_program_instantiate(prog, &in[i], &e, &t);
    CHECK(in[i] && !e && !t, "instance %d: %s", i, msg(e));
  }
  wasmplug_host_exit(host, in[0], 5); /* in[1] is alive: comes back */
  wasmplug_program_instance_delete(in[1]);
  setenv("WASMPLUG_FULL_TEARDOWN", "1", 1);
  CHECK(!wasmplug_lean_exit_enabled(), "WASMPLUG_FULL_TEARDOWN=1 leaves the lean exit on");
  wasmplug_host_exit(host, in[0], 5); /* comes back */
  unsetenv("WASMPLUG_FULL_TEARDOWN");
  wasmplug_program_instance_delete(in[0]);
  wasmplug_program_delete(prog);
  wasmplug_host_delete(host);
}

/* The public component value and type API: a value-tree host function
** (types built with wasmplug_ctypes_t) serving an import, its three
** outcomes (a value, a trap naming it, an exit), WAVE text. */
static int answer_mode;
static wasmplug_trap_t *answer(void *env, const wasmplug_cval_t *args, size_t n, wasmplug_cval_t *result) {
  (void)env; (void)args; (void)n;
  if (answer_mode == 1) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "no answer today");
  if (answer_mode == 2) return wasmplug_trap_new_exit(3);
  result->kind = WASMPLUG_C_U32;
  result->of.u32 = 5;
  return NULL;
}

static void test_component_values(void) {
  wasmplug_ctypes_t *types = wasmplug_ctypes_new();
  const wasmplug_ctype_t *u32 = wasmplug_ctype_prim(types, WASMPLUG_C_U32);
  const wasmplug_ctype_t *lst = wasmplug_ctype_list(types, u32);
  char buf[64];
  wasmplug_ctype_print(lst, buf, sizeof buf);
  CHECK(!strcmp(buf, "list<u32>") && wasmplug_ctype_kind(lst) == WASMPLUG_C_LIST, "print: %s", buf);
  static const char *const dup[] = {"a", "a"};
  const wasmplug_ctype_t *two[] = {u32, u32};
  CHECK(!wasmplug_ctypes_error(types), "no error before a failure");
  CHECK(!wasmplug_ctype_record(types, 2, dup, two), "duplicate label accepted");
  wasmplug_error_t *te = wasmplug_ctypes_error(types);
  CHECK(te && wasmplug_error_kind(te) == WASMPLUG_ERROR_INVALID && strstr(wasmplug_error_message(te), "a"),
        "duplicate label: %s", te ? wasmplug_error_message(te) : "(no error)");
  wasmplug_error_delete(te);
  wasmplug_cval_t items[2] = {{.kind = WASMPLUG_C_U32, .of.u32 = 1}, {.kind = WASMPLUG_C_U32, .of.u32 = 2}};
  wasmplug_cval_t v = {.kind = WASMPLUG_C_LIST, .of.list = {items, 2}};
  char *wave = wasmplug_cval_to_wave(lst, &v);
  CHECK(wave && !strcmp(wave, "[1, 2]"), "wave: %s", wave ? wave : "(null)");
  free(wave);
  const wasmplug_cresource_t *r = wasmplug_cresource_new(types, "a:b/c#r", NULL, NULL);
  CHECK(r && !strcmp(wasmplug_cresource_name(r), "a:b/c#r"), "resource");

  wasmplug_cfunctype_t ft = {0, NULL, NULL, u32};
  size_t len;
  char gp[1024];
  snprintf(gp, sizeof gp, "%s/semver/guest-1.5.0.wasm", dir_host);
  uint8_t *bytes = read_fixture(NULL, gp, &len);
  wasmplug_component_t *c = NULL;
  wasmplug_error_t *e = wasmplug_component_new(engine, bytes, len, "guest", &c);
  CHECK(!e, "%s", msg(e));
  for (answer_mode = 0; c && answer_mode < 3; answer_mode++) {
    wasmplug_component_linker_t *l = wasmplug_component_linker_new(engine);
    CHECK(!(e = wasmplug_component_linker_define_func(l, "test:sv/api@1.0.0#answer", &ft, answer, NULL, NULL)),
          "%s", msg(e));
    wasmplug_component_instance_t *in = NULL;
    wasmplug_trap_t *t = NULL;
    wasmplug_component_linker_instantiate(l, c, &in, &e, &t);
    CHECK(in && !e && !t, "instantiate: %s", msg(e));
    wasmplug_cval_t res;
    int status = -1;
    t = in ? wasmplug_component_func_call(wasmplug_component_instance_func(in, "run"), NULL, 0, &res) : NULL;
    if (answer_mode == 0) CHECK(!t && res.kind == WASMPLUG_C_U32 && res.of.u32 == 5, "value");
    if (answer_mode == 1)
      CHECK(t && strstr(wasmplug_trap_message(t), "host function `") &&
                strstr(wasmplug_trap_message(t), ": no answer today"),
            "trap: %s", t ? wasmplug_trap_message(t) : "none");
    if (answer_mode == 2) CHECK(t && wasmplug_trap_exit_status(t, &status) && status == 3, "exit %d", status);
    wasmplug_trap_delete(t);
    wasmplug_component_instance_delete(in);
    wasmplug_component_linker_delete(l);
  }
  wasmplug_component_delete(c);
  free(bytes);
  wasmplug_ctypes_delete(types);
}

/* The header/library check at first use, and error kinds an embedder can
** switch on. */
static void test_version_and_kinds(void) {
  CHECK(!strcmp(wasmplug_version(), WASMPLUG_VERSION), "version %s", wasmplug_version());
  wasmplug_engine_t *e = NULL;
  wasmplug_error_t *err = wasmplug_engine_new_checked(NULL, &e, 20000, WASMPLUG_HEADER_SIZES);
  CHECK(err && !e && wasmplug_error_kind(err) == WASMPLUG_ERROR_VERSION && strstr(msg(err), "2.0.0") &&
            strstr(msg(err), WASMPLUG_VERSION),
        "a 2.0.0 header: %s", msg(err));
  wasmplug_error_delete(err);
  err = wasmplug_engine_new_checked(NULL, &e, WASMPLUG_VERSION_NUM, WASMPLUG_HEADER_SIZES + 1);
  CHECK(err && !e && wasmplug_error_kind(err) == WASMPLUG_ERROR_VERSION, "other sizes: %s", msg(err));
  wasmplug_error_delete(err);

  wasmplug_wasi_config_t *w = wasmplug_wasi_config_new();
  err = wasmplug_wasi_config_dir_add(w, "/nonexistent/wp", "d", 0);
  CHECK(wasmplug_error_kind(err) == WASMPLUG_ERROR_IO, "dir: %s", wasmplug_error_kind_name(wasmplug_error_kind(err)));
  wasmplug_error_delete(err);
  err = wasmplug_wasi_config_env_set(w, "", "x");
  CHECK(wasmplug_error_kind(err) == WASMPLUG_ERROR_INVALID, "env: %s", msg(err));
  wasmplug_error_delete(err);
  outcome o;
  run_fresh(0, w, path(dir_rt, "cmd.wasm"), "nope()", &o);
  CHECK(wasmplug_error_kind(o.err) == WASMPLUG_ERROR_NOT_FOUND, "invoke: %s", msg(o.err));
  outcome_free(&o);
  run_fresh(WASMPLUG_HOST_NO_DEFAULT_PLUGINS, w, path(dir_p2, "guest.wasm"), NULL, &o);
  CHECK(wasmplug_error_kind(o.err) == WASMPLUG_ERROR_LINK, "link: %s", msg(o.err));
  outcome_free(&o);
  run_fresh(0, w, path(dir_host, "answer.wat.bad"), NULL, &o);
  CHECK(wasmplug_error_kind(o.err) == WASMPLUG_ERROR_DECODE, "decode: %s", msg(o.err));
  outcome_free(&o);
  wasmplug_host_t *h = NULL;
  CHECK(!(err = wasmplug_host_new(engine, NULL, &h)), "%s", msg(err));
  err = wasmplug_host_plugin_load(h, "/nonexistent/plugin.so");
  CHECK(wasmplug_error_kind(err) == WASMPLUG_ERROR_PLUGIN, "plugin: %s", msg(err));
  err = wasmplug_error_prefix(err, "%s: ", "here");
  CHECK(wasmplug_error_kind(err) == WASMPLUG_ERROR_PLUGIN && !strncmp(msg(err), "here: ", 6), "prefix: %s", msg(err));
  wasmplug_error_delete(err);
  wasmplug_host_delete(h);
  err = wasmplug_error_new("out of memory");
  CHECK(wasmplug_error_kind(err) == WASMPLUG_ERROR_OUT_OF_MEMORY, "oom");
  wasmplug_error_delete(err);
  wasmplug_wasi_config_delete(w);
}

/* One error convention on every layer's public functions: each failure
** below comes back as a wasmplug_error_t whose kind an embedder can switch
** on (none is OTHER, the kind of "none of these"). */
typedef struct kind_case {
  const char *what;
  wasmplug_error_kind_t want;
} kind_case;

static void expect_kind(const kind_case *c, wasmplug_error_t *err) {
  const char *why = NULL;
  switch (wasmplug_error_kind(err)) {
  case WASMPLUG_ERROR_OTHER: why = "no kind"; break;
  case WASMPLUG_ERROR_INVALID:
  case WASMPLUG_ERROR_OUT_OF_MEMORY:
  case WASMPLUG_ERROR_IO:
  case WASMPLUG_ERROR_DECODE:
  case WASMPLUG_ERROR_COMPILE:
  case WASMPLUG_ERROR_LINK:
  case WASMPLUG_ERROR_PLUGIN:
  case WASMPLUG_ERROR_NOT_FOUND:
  case WASMPLUG_ERROR_LIMIT:
  case WASMPLUG_ERROR_VERSION:
    if (wasmplug_error_kind(err) != c->want) why = "another kind";
    break;
  }
  CHECK(err && !why, "%s: %s (%s, want %s): %s", c->what, why ? why : "ok",
        wasmplug_error_kind_name(wasmplug_error_kind(err)), wasmplug_error_kind_name(c->want), msg(err));
  wasmplug_error_delete(err);
}

static wasmplug_trap_t *nop_cb(void *env, wasmplug_caller_t *caller, wasmplug_val_raw_t *vals, size_t n) {
  (void)env; (void)caller; (void)vals; (void)n;
  return NULL;
}

static void test_error_kinds_everywhere(void) {
  static const uint8_t bad[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0xff};
  /* (module (import "x" "y" (func))) */
  static const uint8_t imp[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 2, 7, 1, 1, 'x', 1, 'y', 0, 0};
  wasmplug_module_t *m = NULL;
  wasmplug_component_t *c = NULL;
  wasmplug_error_t *err;
  char *out = NULL;

  expect_kind(&(kind_case){"module_new of bad bytes", WASMPLUG_ERROR_DECODE},
              wasmplug_module_new(engine, bad, sizeof bad, "bad.wasm", &m));
  expect_kind(&(kind_case){"module_validate", WASMPLUG_ERROR_DECODE}, wasmplug_module_validate(bad, sizeof bad, "bad"));
  expect_kind(&(kind_case){"component_new of bad bytes", WASMPLUG_ERROR_DECODE},
              wasmplug_component_new(engine, bad, sizeof bad, "bad.wasm", &c));

  /* core linking */
  CHECK(!(err = wasmplug_module_new(engine, imp, sizeof imp, "imp.wasm", &m)), "imp: %s", msg(err));
  wasmplug_linker_t *l = wasmplug_linker_new(engine);
  wasmplug_instance_t *in = NULL;
  wasmplug_trap_t *t = NULL;
  err = NULL;
  wasmplug_linker_instantiate(l, m, NULL, &in, &err, &t);
  expect_kind(&(kind_case){"linker_instantiate, import undefined", WASMPLUG_ERROR_LINK}, err);
  wasmplug_functype_t ft = {0, 0, NULL, NULL};
  CHECK(!(err = wasmplug_linker_define_func(l, "x", "y", &ft, nop_cb, NULL, NULL)), "define: %s", msg(err));
  expect_kind(&(kind_case){"linker_define_func twice", WASMPLUG_ERROR_INVALID},
              wasmplug_linker_define_func(l, "x", "y", &ft, nop_cb, NULL, NULL));
  wasmplug_linker_delete(l);
  wasmplug_module_delete(m);

  /* component linking: the WASI 0.2 guest with nothing defined */
  size_t len;
  uint8_t *bytes = read_fixture(NULL, path(dir_p2, "guest.wasm"), &len);
  CHECK(!(err = wasmplug_component_new(engine, bytes, len, "guest.wasm", &c)), "guest: %s", msg(err));
  /* the bytes must outlive the component (wasmplug.h): freed after it */
  wasmplug_component_linker_t *cl = wasmplug_component_linker_new(engine);
  wasmplug_component_instance_t *ci = NULL;
  err = NULL;
  wasmplug_component_linker_instantiate(cl, c, &ci, &err, &t);
  expect_kind(&(kind_case){"component_linker_instantiate, import undefined", WASMPLUG_ERROR_LINK}, err);
  wasmplug_cfunctype_t cft = {0, NULL, NULL, NULL};
  expect_kind(&(kind_case){"component_linker_define_func, bad name", WASMPLUG_ERROR_INVALID},
              wasmplug_component_linker_define_func(cl, "", &cft, NULL, NULL, NULL));
  wasmplug_component_linker_delete(cl);
  wasmplug_component_delete(c);
  free(bytes);

  /* WIT, bindgen, compose, plugins */
  expect_kind(&(kind_case){"wit_from_path, no such file", WASMPLUG_ERROR_IO},
              wasmplug_wit_from_path("/nonexistent/wp.wit", NULL, &out));
  char wit[] = "/tmp/wp-kinds-XXXXXX";
  int fd = mkstemp(wit);
  CHECK(fd >= 0 && write(fd, "package a:b;\ninterface i { f: func(; }\n", 39) == 39, "temp WIT");
  if (fd >= 0) close(fd);
  expect_kind(&(kind_case){"wit_from_path, bad WIT", WASMPLUG_ERROR_DECODE}, wasmplug_wit_from_path(wit, NULL, &out));
  wasmplug_bindgen_options_t bo = {sizeof bo, WASMPLUG_BINDGEN_PLUGIN, wit, NULL, "/nonexistent", NULL, NULL, NULL,
                                   NULL, 0, 0};
  expect_kind(&(kind_case){"bindgen_c of bad WIT", WASMPLUG_ERROR_DECODE}, wasmplug_bindgen_c(&bo));
  unlink(wit);
  bo.size = 3;
  expect_kind(&(kind_case){"bindgen_c, wrong options size", WASMPLUG_ERROR_INVALID}, wasmplug_bindgen_c(&bo));
  expect_kind(&(kind_case){"wit_from_plugin, no such plugin", WASMPLUG_ERROR_PLUGIN},
              wasmplug_wit_from_plugin("/nonexistent/p.so", &out));
  static const uint8_t badc[] = {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 0xff};
  expect_kind(&(kind_case){"wit_from_component of bad bytes", WASMPLUG_ERROR_DECODE},
              wasmplug_wit_from_component(badc, sizeof badc, "bad", &out));
  uint8_t *composed = NULL;
  size_t clen = 0;
  const char *none[] = {"/nonexistent/p.wasm"};
  expect_kind(&(kind_case){"compose of bad bytes", WASMPLUG_ERROR_DECODE},
              wasmplug_compose(NULL, 0, badc, sizeof badc, "bad.wasm", &composed, &clen));
  static const uint8_t empty_component[] = {0, 'a', 's', 'm', 0x0d, 0, 1, 0};
  expect_kind(&(kind_case){"compose, plugin missing", WASMPLUG_ERROR_PLUGIN},
              wasmplug_compose(none, 1, empty_component, sizeof empty_component, "app.wasm", &composed, &clen));
  free(composed);
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
  test_linked_plugin();
  test_version_and_kinds();
  test_error_kinds_everywhere();
  test_component_values();
  test_program_owned();
  test_lean_exit();
  wasmplug_engine_delete(engine);
  if (failures) fprintf(stderr, "%d failure(s)\n", failures);
  else printf("host api: ok\n");
  return failures ? 1 : 0;
}
