/*
** test_command.c — a real jco-componentized *command* (C main() + the
** preview1 command adapter, built by tests/component: hello.wasm) runs its
** wasi:cli/run export.  The few WASI 0.2 functions it reaches are host
** functions defined here (WASI proper comes later as plugins); everything
** else is an unknown import that would trap if called.  This is the shape
** of every jco component: main + adapter + shim (funcref table,
** call_indirect) + fixup (fills the table through an imported table).
**
** usage: test_command HELLO.wasm
*/
#include "harness.h"

#include <stdint.h>

typedef struct wasi {
  char out[4096];
  size_t nout;
  int streams_dropped;
  int exit_status;
} wasi;

static wasmplug_trap_t *get_arguments(void *env, const wp_cabi_val_t *a, size_t n, wp_cabi_val_t *r) {
  (void)env;
  (void)a;
  (void)n;
  static const char *const argv[] = {"hello", "one", "two"};
  r->kind = WP_CABI_LIST;
  r->of.list.len = 3;
  r->of.list.items = calloc(3, sizeof *r->of.list.items);
  if (!r->of.list.items) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "out of memory");
  for (int i = 0; i < 3; i++) {
    r->of.list.items[i].kind = WP_CABI_STRING;
    r->of.list.items[i].of.str.ptr = strdup(argv[i]);
    r->of.list.items[i].of.str.len = strlen(argv[i]);
  }
  return NULL;
}

/* get-stdin/-stdout/-stderr: own handles with reps 0, 1, 2 (env). */
static wasmplug_trap_t *get_stdio(void *env, const wp_cabi_val_t *a, size_t n, wp_cabi_val_t *r) {
  (void)a;
  (void)n;
  r->kind = WP_CABI_OWN;
  r->of.rep = (uint32_t)(uintptr_t)env;
  return NULL;
}

static wasmplug_trap_t *get_environment(void *env, const wp_cabi_val_t *a, size_t n, wp_cabi_val_t *r) {
  (void)env;
  (void)a;
  (void)n;
  r->kind = WP_CABI_LIST; /* no variables */
  return NULL;
}

/* (self: borrow<output-stream>, contents: list<u8>) -> result<_, stream-error> */
static wasmplug_trap_t *write_flush(void *env, const wp_cabi_val_t *a, size_t n, wp_cabi_val_t *r) {
  (void)n;
  wasi *w = env;
  if (a[0].of.rep != 1) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "not stdout");
  for (size_t i = 0; i < a[1].of.list.len && w->nout + 1 < sizeof w->out; i++)
    w->out[w->nout++] = (char)a[1].of.list.items[i].of.u8;
  r->kind = WP_CABI_RESULT;
  r->of.var.disc = 0;
  return NULL;
}

/* (status: result) : records it and traps with the exit request */
static wasmplug_trap_t *do_exit(void *env, const wp_cabi_val_t *a, size_t n, wp_cabi_val_t *r) {
  (void)n;
  (void)r;
  wasi *w = env;
  w->exit_status = a[0].of.var.disc ? 1 : 0;
  return wasmplug_trap_new_exit(w->exit_status);
}

/* get-terminal-*: not a terminal (none) */
static wasmplug_trap_t *no_terminal(void *env, const wp_cabi_val_t *a, size_t n, wp_cabi_val_t *r) {
  (void)env;
  (void)a;
  (void)n;
  r->kind = WP_CABI_OPTION;
  r->of.var.disc = 0;
  return NULL;
}

static wp_cabi_error_t *stream_drop(void *ctx, uint32_t rep) {
  (void)rep;
  ((wasi *)ctx)->streams_dropped++;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_command HELLO.wasm\n");
    return 2;
  }
  wasmplug_engine_t *eng = h_engine(WASMPLUG_TIER_BASELINE);
  unsigned char *bytes;
  wasmplug_component_t *c = h_component(eng, argv[1], &bytes);
  wasi w;
  memset(&w, 0, sizeof w);
  w.exit_status = -1;

  wp_cabi_types_t *t = wp_cabi_types_new();
  const wp_cabi_resource_t *stream = wp_cabi_resource_type(t, "output-stream", NULL, stream_drop, &w);
  const wp_cabi_resource_t *istream = wp_cabi_resource_type(t, "input-stream", NULL, stream_drop, &w);
  const wp_cabi_resource_t *descriptor = wp_cabi_resource_type(t, "descriptor", NULL, NULL, NULL);
  const wp_cabi_resource_t *tout = wp_cabi_resource_type(t, "terminal-output", NULL, NULL, NULL);
  const wp_cabi_resource_t *tin = wp_cabi_resource_type(t, "terminal-input", NULL, NULL, NULL);
  const wp_cabi_resource_t *ioerr = wp_cabi_resource_type(t, "error", NULL, NULL, NULL);
  const wp_cabi_type_t *str = wp_cabi_type_prim(t, WP_CABI_STRING);
  const wp_cabi_type_t *lstr = wp_cabi_type_list(t, str);
  const wp_cabi_type_t *bytes_t = wp_cabi_type_list(t, wp_cabi_type_prim(t, WP_CABI_U8));
  const wp_cabi_type_t *own_stream = wp_cabi_type_own(t, stream), *own_istream = wp_cabi_type_own(t, istream);
  const wp_cabi_type_t *pair[] = {str, str};
  const wp_cabi_type_t *lpair = wp_cabi_type_list(t, wp_cabi_type_tuple(t, 2, pair));
  const wp_cabi_type_t *preopen[] = {wp_cabi_type_own(t, descriptor), str};
  const wp_cabi_type_t *lpreopen = wp_cabi_type_list(t, wp_cabi_type_tuple(t, 2, preopen));
  const wp_cabi_type_t *borrow_stream = wp_cabi_type_borrow(t, stream);
  static const char *const se_names[] = {"last-operation-failed", "closed"};
  const wp_cabi_type_t *se_types[] = {wp_cabi_type_own(t, ioerr), NULL};
  const wp_cabi_type_t *stream_error = wp_cabi_type_variant(t, 2, se_names, se_types);
  const wp_cabi_type_t *res_unit_se = wp_cabi_type_result(t, NULL, stream_error);
  const wp_cabi_type_t *res_unit = wp_cabi_type_result(t, NULL, NULL);
  static const char *const wf_names[] = {"self", "contents"}, *const ex_names[] = {"status"};
  const wp_cabi_type_t *wf_params[] = {borrow_stream, bytes_t}, *ex_params[] = {res_unit};
  wp_cabi_func_t f_args = {0, NULL, NULL, lstr}, f_stdout = {0, NULL, NULL, own_stream},
                 f_stdin = {0, NULL, NULL, own_istream}, f_env = {0, NULL, NULL, lpair},
                 f_preopens = {0, NULL, NULL, lpreopen},
                 f_tout = {0, NULL, NULL, wp_cabi_type_option(t, wp_cabi_type_own(t, tout))},
                 f_tin = {0, NULL, NULL, wp_cabi_type_option(t, wp_cabi_type_own(t, tin))},
                 f_wf = {2, wf_names, wf_params, res_unit_se}, f_exit = {1, ex_names, ex_params, NULL};

  wasmplug_component_linker_t *l = wasmplug_component_linker_new(eng);
  wasmplug_component_linker_allow_unknown_imports(l, true);
  /* Defined at 0.2.6: the guest imports 0.2.12, a compatible version. */
  CHECK(!wasmplug_component_linker_define_resource(l, "wasi:io/streams@0.2.6#output-stream", stream));
  CHECK(!wasmplug_component_linker_define_resource(l, "wasi:io/error@0.2.6#error", ioerr));
  CHECK(!wasmplug_component_linker_define_func(l, "wasi:cli/environment@0.2.6#get-arguments", &f_args,
                                               get_arguments, &w, NULL));
  CHECK(!wasmplug_component_linker_define_resource(l, "wasi:io/streams@0.2.6#input-stream", istream));
  CHECK(!wasmplug_component_linker_define_func(l, "wasi:cli/environment@0.2.6#get-environment", &f_env,
                                               get_environment, &w, NULL));
  CHECK(!wasmplug_component_linker_define_resource(l, "wasi:filesystem/types@0.2.6#descriptor", descriptor));
  CHECK(!wasmplug_component_linker_define_resource(l, "wasi:cli/terminal-output@0.2.6#terminal-output", tout));
  CHECK(!wasmplug_component_linker_define_resource(l, "wasi:cli/terminal-input@0.2.6#terminal-input", tin));
  CHECK(!wasmplug_component_linker_define_func(l, "wasi:cli/terminal-stdin@0.2.6#get-terminal-stdin", &f_tin,
                                               no_terminal, &w, NULL));
  CHECK(!wasmplug_component_linker_define_func(l, "wasi:cli/terminal-stdout@0.2.6#get-terminal-stdout", &f_tout,
                                               no_terminal, &w, NULL));
  CHECK(!wasmplug_component_linker_define_func(l, "wasi:cli/terminal-stderr@0.2.6#get-terminal-stderr", &f_tout,
                                               no_terminal, &w, NULL));
  /* no preopened directories (an empty list) */
  CHECK(!wasmplug_component_linker_define_func(l, "wasi:filesystem/preopens@0.2.6#get-directories", &f_preopens,
                                               get_environment, &w, NULL));
  CHECK(!wasmplug_component_linker_define_func(l, "wasi:cli/stdin@0.2.6#get-stdin", &f_stdin, get_stdio, (void *)0,
                                               NULL));
  CHECK(!wasmplug_component_linker_define_func(l, "wasi:cli/stdout@0.2.6#get-stdout", &f_stdout, get_stdio,
                                               (void *)1, NULL));
  CHECK(!wasmplug_component_linker_define_func(l, "wasi:cli/stderr@0.2.6#get-stderr", &f_stdout, get_stdio,
                                               (void *)2, NULL));
  CHECK(!wasmplug_component_linker_define_func(l, "wasi:io/streams@0.2.6#[method]output-stream.blocking-write-and-flush",
                                               &f_wf, write_flush, &w, NULL));
  CHECK(!wasmplug_component_linker_define_func(l, "wasi:cli/exit@0.2.6#exit", &f_exit, do_exit, &w, NULL));

  char *msg = NULL;
  wasmplug_component_instance_t *in = h_instantiate(l, c, &msg);
  CHECK(in);
  if (!in) fprintf(stderr, "%s\n", msg ? msg : "?");
  free(msg);
  if (in) {
    wasmplug_component_func_t *run = wasmplug_component_instance_func(in, "wasi:cli/run#run");
    CHECK(run);
    if (run) {
      wp_cabi_val_t res;
      wasmplug_trap_t *trap = wasmplug_component_func_call(run, NULL, 0, &res);
      if (trap) fprintf(stderr, "run: %s\n", wasmplug_trap_message(trap));
      /* main() returning 0 ends in ok, or in exit(ok) for adapters that exit */
      int status = -1;
      CHECK(!trap ? res.of.var.disc == 0 : wasmplug_trap_exit_status(trap, &status) && status == 0);
      if (!trap) wp_cabi_val_drop(&res);
      wasmplug_trap_delete(trap);
      w.out[w.nout] = 0;
      CHECK_STR(w.out, "hello from a component (3 args)\n");
    }
    wasmplug_component_instance_delete(in);
    CHECK(w.streams_dropped >= 1);
  }
  wasmplug_component_linker_delete(l);
  wp_cabi_types_delete(t);
  wasmplug_component_delete(c);
  free(bytes);
  wasmplug_engine_delete(eng);
  printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
