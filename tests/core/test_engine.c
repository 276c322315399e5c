/*
** test_engine.c — the core engine through the embedding API, on one tier
** (argv[2]: baseline or optimized).  argv[1] is the folder of test modules
** (compiled from wat/ at build time); argv[3] a scratch cache directory.
*/
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wasmplug.h"
#include "core_test.h" /* CHECK, read_fixture, core_test_module */

static const char *dir;
static wasmplug_engine_t *engine;
static bool baseline; /* the tier under test (tail calls keep every frame there) */

static wasmplug_module_t *load(const char *name) { return core_test_module(engine, dir, name); }

/* Loads a file expected to be refused; returns the message (caller frees). */
static char *refuse_bytes(const uint8_t *b, size_t len, const char *name) {
  wasmplug_module_t *m = NULL;
  wasmplug_error_t *e = wasmplug_module_new(engine, b, len, name, &m);
  if (!e) {
    wasmplug_module_delete(m);
    return NULL;
  }
  char *msg = strdup(wasmplug_error_message(e));
  wasmplug_error_delete(e);
  return msg;
}

/* ----------------------------------------------------------- host funcs */

static wasmplug_trap_t *host_fn(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n) {
  (void)env;
  (void)n;
  wasmplug_memory_t *m = wasmplug_caller_memory(c);
  if (!m || !wasmplug_memory_write(m, 100, "hi", 2)) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "no memory");
  /* Out-of-bounds accessor calls fail without touching memory. */
  if (wasmplug_memory_write(m, wasmplug_memory_size(m) - 1, "ab", 2))
    return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "accessor bounds not checked");
  v[0].i32 = v[0].i32 * 2 + (int32_t)v[1].i64;
  return NULL;
}

static wasmplug_trap_t *reenter_fn(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n) {
  (void)env;
  (void)n;
  wasmplug_instance_t *in = wasmplug_caller_instance(c);
  wasmplug_val_raw_t w[1] = {{.i32 = v[0].i32}};
  if (v[0].i32 < 0) {
    /* A trap in the inner call comes back here as a value. */
    wasmplug_trap_t *t = wasmplug_func_call_unchecked(wasmplug_instance_func(in, "unreach"), w);
    if (!t || wasmplug_trap_kind(t) != WASMPLUG_TRAP_UNREACHABLE) {
      wasmplug_trap_delete(t);
      return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "inner trap lost");
    }
    wasmplug_trap_delete(t);
    v[0].i32 = 77;
    return NULL;
  }
  wasmplug_trap_t *t = wasmplug_func_call_unchecked(wasmplug_instance_func(in, "double"), w);
  if (t) return t;
  v[0].i32 = w[0].i32 + 1;
  return NULL;
}

static wasmplug_trap_t *fail_fn(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n) {
  (void)env; (void)c; (void)v; (void)n;
  return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "the host said no");
}

static wasmplug_trap_t *exit_fn(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n) {
  (void)env; (void)c; (void)n;
  return wasmplug_trap_new_exit(v[0].i32);
}

static int finalized;
static void finalize(void *env) { finalized += env == (void *)&finalized; }

static wasmplug_linker_t *basic_linker(void) {
  wasmplug_linker_t *l = wasmplug_linker_new(engine);
  wasmplug_valkind_t i32 = WASMPLUG_I32, p2[2] = {WASMPLUG_I32, WASMPLUG_I64};
  wasmplug_functype_t t_host = {2, 1, p2, &i32}, t_re = {1, 1, &i32, &i32}, t_void = {0, 0, NULL, NULL},
                      t_exit = {1, 0, &i32, NULL};
  wasmplug_error_t *e = NULL;
  if (!e) e = wasmplug_linker_define_func(l, "env", "host", &t_host, host_fn, &finalized, finalize);
  if (!e) e = wasmplug_linker_define_func(l, "env", "reenter", &t_re, reenter_fn, NULL, NULL);
  if (!e) e = wasmplug_linker_define_func(l, "env", "fail", &t_void, fail_fn, NULL, NULL);
  if (!e) e = wasmplug_linker_define_func(l, "env", "exit", &t_exit, exit_fn, NULL, NULL);
  if (e) { fprintf(stderr, "%s\n", wasmplug_error_message(e)); exit(2); }
  return l;
}

static wasmplug_val_t I32(int32_t v) { wasmplug_val_t r = {WASMPLUG_I32, {.i32 = v}}; return r; }

/* Calls `name`, expecting a trap of `kind`; 0 = expect success. */
static void expect_trap(wasmplug_instance_t *in, const char *name, const wasmplug_val_t *args,
                        size_t nargs, wasmplug_trap_kind_t kind, const char *msg) {
  wasmplug_func_t *f = wasmplug_instance_func(in, name);
  CHECK(f != NULL, "export %s", name);
  if (!f) return;
  wasmplug_val_t res[4];
  wasmplug_trap_t *t = wasmplug_func_call(f, args, nargs, res, wasmplug_func_type(f)->nresults);
  CHECK(t && wasmplug_trap_kind(t) == kind, "%s: expected trap kind %s, got %s", name,
        wasmplug_trap_kind_name(kind), t ? wasmplug_trap_message(t) : "no trap");
  if (t && msg)
    CHECK(strstr(wasmplug_trap_message(t), msg) != NULL, "%s: message '%s' lacks '%s'", name,
          wasmplug_trap_message(t), msg);
  wasmplug_trap_delete(t);
}

/* ------------------------------------------------------------------ tests */

static void test_calls_and_traps(void) {
  wasmplug_module_t *m = load("basic.wasm");
  wasmplug_linker_t *l = basic_linker();
  wasmplug_instance_t *in = core_test_instance(l, m);
  wasmplug_val_t a[2] = {I32(3), I32(4)}, r[4];

  wasmplug_trap_t *t = wasmplug_func_call(wasmplug_instance_func(in, "add"), a, 2, r, 1);
  CHECK(!t && r[0].kind == WASMPLUG_I32 && r[0].of.i32 == 7, "add");
  t = wasmplug_func_call(wasmplug_instance_func(in, "callhost"), a, 1, r, 1);
  CHECK(!t && r[0].of.i32 == 16, "host import result %d", r[0].of.i32);
  char hi[3] = {0};
  wasmplug_memory_t *mem = wasmplug_instance_memory(in, "memory");
  CHECK(wasmplug_memory_read(mem, 100, hi, 2) && !strcmp(hi, "hi"), "host wrote guest memory");
  CHECK(!wasmplug_memory_read(mem, 65535, hi, 2), "read past the end refused");
  CHECK(!wasmplug_memory_read(mem, UINT64_MAX - 1, hi, 4), "overflowing offset refused");

  /* Argument checking. */
  t = wasmplug_func_call(wasmplug_instance_func(in, "add"), a, 1, r, 1);
  CHECK(t && strstr(wasmplug_trap_message(t), "expected 2 arguments"), "arity checked");
  wasmplug_trap_delete(t);
  wasmplug_val_t bad[2] = {{WASMPLUG_I64, {.i64 = 1}}, I32(1)};
  t = wasmplug_func_call(wasmplug_instance_func(in, "add"), bad, 2, r, 1);
  CHECK(t && strstr(wasmplug_trap_message(t), "expected i32, got i64"), "arg type checked");
  wasmplug_trap_delete(t);

  /* Re-entrancy: host -> guest -> host -> guest, and a trap in between. */
  a[0] = I32(20);
  t = wasmplug_func_call(wasmplug_instance_func(in, "reenter"), a, 1, r, 1);
  CHECK(!t && r[0].of.i32 == 41, "reenter gives %d", r[0].of.i32);
  a[0] = I32(-1);
  t = wasmplug_func_call(wasmplug_instance_func(in, "reenter"), a, 1, r, 1);
  CHECK(!t && r[0].of.i32 == 77, "inner trap handled by host: %s", t ? wasmplug_trap_message(t) : "");
  wasmplug_trap_delete(t);

  /* Each trap kind, and the instance keeps working after every one. */
  wasmplug_val_t d[2] = {I32(1), I32(0)};
  expect_trap(in, "div", d, 2, WASMPLUG_TRAP_INTEGER_DIVIDE_BY_ZERO, "integer divide by zero");
  d[0] = I32(INT32_MIN);
  d[1] = I32(-1);
  expect_trap(in, "div", d, 2, WASMPLUG_TRAP_INTEGER_OVERFLOW, "integer overflow");
  expect_trap(in, "unreach", NULL, 0, WASMPLUG_TRAP_UNREACHABLE, "wasm trap: unreachable");
  expect_trap(in, "oob", NULL, 0, WASMPLUG_TRAP_MEMORY_OUT_OF_BOUNDS, "memory out of bounds");
  expect_trap(in, "oob_store", NULL, 0, WASMPLUG_TRAP_MEMORY_OUT_OF_BOUNDS, NULL);
  expect_trap(in, "trunc", NULL, 0, WASMPLUG_TRAP_BAD_CONVERSION_TO_INTEGER, NULL);
  wasmplug_val_t ci[2] = {I32(1), I32(0)};
  expect_trap(in, "call_ind", ci, 2, WASMPLUG_TRAP_INDIRECT_CALL_TYPE_MISMATCH, NULL); /* wrong type */
  ci[0] = I32(2);
  expect_trap(in, "call_ind", ci, 2, WASMPLUG_TRAP_INDIRECT_CALL_TYPE_MISMATCH, NULL); /* null */
  ci[0] = I32(99);
  /* past the table's end: "undefined element", a table access out of
  ** bounds (wasm2c 1.0.32 reports it as a type mismatch) */
  const char *trn = getenv("WASMPLUG_TRANSLATOR");
  expect_trap(in, "call_ind", ci, 2,
              trn && !strcmp(trn, "wasm2c") ? WASMPLUG_TRAP_INDIRECT_CALL_TYPE_MISMATCH
                                            : WASMPLUG_TRAP_TABLE_OUT_OF_BOUNDS, NULL);
  ci[0] = I32(0);
  ci[1] = I32(10);
  t = wasmplug_func_call(wasmplug_instance_func(in, "call_ind"), ci, 2, r, 1);
  CHECK(!t && r[0].of.i32 == 13, "call_indirect ok");
  wasmplug_val_t big = I32(1000000000);
  expect_trap(in, "rec", &big, 1, WASMPLUG_TRAP_STACK_OVERFLOW, "stack overflow");
  expect_trap(in, "fail", NULL, 0, WASMPLUG_TRAP_HOST, "the host said no");
  /* A host function's trap carries the guest's frames below it (code of
  ** the own translator on the baseline tier has symbols for them: libtcc's
  ** in process, and the tcc program's, which libwasmplug.so runs, in its
  ** dynamic symbol table); an exit, which is not a failure, none: naming
  ** them would read the module's whole code. */
  bool own = (!trn || strcmp(trn, "wasm2c")) && baseline;
  t = wasmplug_func_call(wasmplug_instance_func(in, "fail"), NULL, 0, r, 0);
  CHECK(t && (!own || wasmplug_trap_frame_count(t) > 0), "a host trap has the guest's frames (%zu)",
        wasmplug_trap_frame_count(t));
  wasmplug_trap_delete(t);
  wasmplug_val_t code = I32(42);
  wasmplug_func_t *ex = wasmplug_instance_func(in, "exit");
  t = wasmplug_func_call(ex, &code, 1, r, 0);
  int status = -1;
  CHECK(t && wasmplug_trap_exit_status(t, &status) && status == 42, "exit status %d", status);
  CHECK(t && wasmplug_trap_frame_count(t) == 0 && !wasmplug_trap_backtrace(t), "an exit has no backtrace (%zu frames)",
        wasmplug_trap_frame_count(t));
  wasmplug_trap_delete(t);
  t = wasmplug_func_call(wasmplug_instance_func(in, "add"), a, 2, r, 1);
  CHECK(!t, "instance usable after traps");

  /* Multi-value results. */
  t = wasmplug_func_call(wasmplug_instance_func(in, "multi"), NULL, 0, r, 4);
  CHECK(!t && r[0].of.i32 == -1 && r[1].of.i64 == 0x100000000ll && r[2].of.f32 == 1.5f &&
            r[3].of.f64 == -2.25, "multi-value");

  /* Globals. */
  wasmplug_global_t *g = wasmplug_instance_global(in, "g");
  CHECK(g && wasmplug_global_get(g).of.i32 == 7, "global get");
  wasmplug_val_t nv = I32(9);
  CHECK(wasmplug_global_set(g, &nv), "global set");
  t = wasmplug_func_call(wasmplug_instance_func(in, "get_g"), NULL, 0, r, 1);
  CHECK(!t && r[0].of.i32 == 9, "guest sees the host's global write");
  wasmplug_global_t *k = wasmplug_instance_global(in, "k");
  CHECK(k && wasmplug_global_get(k).of.i64 == -5 && !wasmplug_global_set(k, &nv), "immutable global");

  /* Memory growth within the declared maximum only. */
  wasmplug_val_t one = I32(1), ten = I32(10);
  t = wasmplug_func_call(wasmplug_instance_func(in, "grow"), &one, 1, r, 1);
  CHECK(!t && r[0].of.i32 == 1 && wasmplug_memory_size(mem) == 2 * 65536, "memory.grow");
  t = wasmplug_func_call(wasmplug_instance_func(in, "grow"), &ten, 1, r, 1);
  CHECK(!t && r[0].of.i32 == -1, "memory.grow past max fails");
  uint64_t old;
  CHECK(wasmplug_memory_grow(mem, 1, &old) && old == 2, "host grow");
  CHECK(!wasmplug_memory_grow(mem, 5, &old), "host grow past max refused");
  wasmplug_val_t st[2] = {I32(3 * 65536 - 4), I32(1234)};
  t = wasmplug_func_call(wasmplug_instance_func(in, "store"), st, 2, r, 0);
  CHECK(!t, "store in grown memory");

  /* Instances are isolated. */
  wasmplug_instance_t *in2 = core_test_instance(l, m);
  wasmplug_val_t at = I32(3 * 65536 - 4);
  t = wasmplug_func_call(wasmplug_instance_func(in2, "load"), &at, 1, r, 1);
  CHECK(t && wasmplug_trap_kind(t) == WASMPLUG_TRAP_MEMORY_OUT_OF_BOUNDS, "second instance has its own memory");
  wasmplug_trap_delete(t);
  wasmplug_instance_delete(in2);

  wasmplug_instance_delete(in);
  wasmplug_linker_delete(l);
  CHECK(finalized == 1, "host function finalized once, after the last user (%d)", finalized);
  wasmplug_module_delete(m);
}

static void test_timeout(const char *cache) {
  wasmplug_config_t *c = wasmplug_config_new();
  wasmplug_config_cache_dir_set(c, cache);
  wasmplug_config_timeout_set(c, 200);
  wasmplug_engine_t *saved = engine;
  engine = core_test_engine(c);
  wasmplug_module_t *m = load("basic.wasm");
  wasmplug_linker_t *l = basic_linker();
  wasmplug_instance_t *in = core_test_instance(l, m);
  expect_trap(in, "spin", NULL, 0, WASMPLUG_TRAP_INTERRUPT, "time limit");
  wasmplug_val_t a[2] = {I32(1), I32(2)}, r[1];
  wasmplug_trap_t *t = wasmplug_func_call(wasmplug_instance_func(in, "add"), a, 2, r, 1);
  CHECK(!t && r[0].of.i32 == 3, "usable after interrupt");
  usleep(300 * 1000); /* a stale timer must not fire into later calls */
  t = wasmplug_func_call(wasmplug_instance_func(in, "add"), a, 2, r, 1);
  CHECK(!t, "no stale interrupt");
  wasmplug_instance_delete(in);
  wasmplug_linker_delete(l);
  wasmplug_module_delete(m);
  wasmplug_engine_delete(engine);
  engine = saved;
}

static void test_linking(void) {
  wasmplug_module_t *pm = load("provider.wasm"), *cm = load("consumer.wasm");
  wasmplug_linker_t *l = wasmplug_linker_new(engine);
  wasmplug_instance_t *p = core_test_instance(l, pm);
  wasmplug_error_t *e = wasmplug_linker_define_instance(l, "p", p);
  CHECK(!e, "define_instance");
  wasmplug_instance_t *c = core_test_instance(l, cm);
  wasmplug_val_t a = I32(5), r[1];
  wasmplug_trap_t *t = wasmplug_func_call(wasmplug_instance_func(c, "run"), &a, 1, r, 1);
  CHECK(!t && r[0].of.i32 == 15, "wasm-to-wasm import call");
  CHECK(wasmplug_global_get(wasmplug_instance_global(p, "counter")).of.i32 == 101, "shared global");
  wasmplug_val_t at = I32(16);
  t = wasmplug_func_call(wasmplug_instance_func(p, "peek"), &at, 1, r, 1);
  CHECK(!t && r[0].of.i32 == 5, "shared memory");
  wasmplug_instance_delete(c);

  /* Link errors name the import and its type. */
  wasmplug_linker_t *empty = wasmplug_linker_new(engine);
  wasmplug_instance_t *x = NULL;
  wasmplug_linker_instantiate(empty, cm, NULL, &x, &e, &t);
  CHECK(e && !x && strstr(wasmplug_error_message(e), "unknown import: p.mem"), "missing import: %s",
        e ? wasmplug_error_message(e) : "none");
  wasmplug_error_delete(e);
  wasmplug_linker_t *wrong = wasmplug_linker_new(engine);
  wasmplug_linker_define_memory(wrong, "p", "mem", wasmplug_instance_memory(p, "mem"));
  wasmplug_linker_define_table(wrong, "p", "tbl", wasmplug_instance_table(p, "tbl"));
  wasmplug_linker_define_global(wrong, "p", "counter", wasmplug_instance_global(p, "counter"));
  wasmplug_valkind_t i64 = WASMPLUG_I64;
  wasmplug_functype_t ft = {1, 1, &i64, &i64};
  wasmplug_linker_define_func(wrong, "p", "triple", &ft, fail_fn, NULL, NULL);
  wasmplug_linker_instantiate(wrong, cm, NULL, &x, &e, &t);
  CHECK(e && strstr(wasmplug_error_message(e), "p.triple: type mismatch: expected (func (param i32) "
                                               "(result i32)), found (func (param i64) (result i64))"),
        "mismatch: %s", e ? wasmplug_error_message(e) : "none");
  wasmplug_error_delete(e);
  e = wasmplug_linker_define_func(wrong, "p", "triple", &ft, fail_fn, NULL, NULL);
  CHECK(e && strstr(wasmplug_error_message(e), "already defined"), "duplicate definition refused");
  wasmplug_error_delete(e);
  wasmplug_linker_allow_unknown_imports(empty, true);
  wasmplug_linker_instantiate(empty, cm, NULL, &x, &e, &t);
  CHECK(e && strstr(wasmplug_error_message(e), "p.mem"), "unknown memory imports still fail");
  wasmplug_error_delete(e);
  wasmplug_linker_delete(wrong);
  wasmplug_linker_delete(empty);

  /* Start-function and data-segment traps fail instantiation cleanly. */
  wasmplug_module_t *sm = load("start_trap.wasm"), *dm = load("data_oob.wasm");
  wasmplug_linker_instantiate(l, sm, NULL, &x, &e, &t);
  CHECK(!x && !e && t && wasmplug_trap_kind(t) == WASMPLUG_TRAP_UNREACHABLE, "start trap");
  wasmplug_trap_delete(t);
  wasmplug_linker_instantiate(l, dm, NULL, &x, &e, &t);
  CHECK(!x && !e && t && wasmplug_trap_kind(t) == WASMPLUG_TRAP_MEMORY_OUT_OF_BOUNDS, "data segment trap");
  wasmplug_trap_delete(t);
  wasmplug_module_delete(sm);
  wasmplug_module_delete(dm);

  wasmplug_instance_delete(p);
  wasmplug_linker_delete(l);
  wasmplug_module_delete(pm);
  wasmplug_module_delete(cm);
}

/* wasmplug_linker_borrow_names: a linker copies the names it is given (the
** caller's buffer may change after), unless told to borrow them; a
** borrowing linker links, refuses duplicates and reports unknown imports
** the same way. */
static void test_borrow_names(void) {
  wasmplug_module_t *pm = load("provider.wasm"), *cm = load("consumer.wasm");
  wasmplug_linker_t *l = wasmplug_linker_new(engine);
  wasmplug_instance_t *p = core_test_instance(l, pm);
  char mod[8] = "p", name[16] = "triple";
  wasmplug_linker_t *copy = wasmplug_linker_new(engine), *borrow = wasmplug_linker_new(engine);
  wasmplug_linker_borrow_names(borrow, true);
  wasmplug_error_t *e = wasmplug_linker_define_instance(copy, mod, p);
  CHECK(!e, "define_instance (copied)");
  mod[0] = 'q'; /* the copying linker kept "p" */
  wasmplug_instance_t *x = NULL;
  wasmplug_trap_t *t = NULL;
  wasmplug_linker_instantiate(copy, cm, NULL, &x, &e, &t);
  wasmplug_val_t a = I32(5), r[1];
  CHECK(x && !e && !t, "copied names link after the caller's buffer changed");
  if (x) {
    t = wasmplug_func_call(wasmplug_instance_func(x, "run"), &a, 1, r, 1);
    CHECK(!t && r[0].of.i32 == 15, "call through copied names");
    wasmplug_instance_delete(x);
  }
  /* borrowed: "q" is what the borrowing linker defines */
  e = wasmplug_linker_define_instance(borrow, mod, p);
  CHECK(!e, "define_instance (borrowed)");
  wasmplug_linker_instantiate(borrow, cm, NULL, &x, &e, &t);
  CHECK(!x && e && strstr(wasmplug_error_message(e), "unknown import: p.mem"), "borrowed: missing import: %s",
        e ? wasmplug_error_message(e) : "none");
  wasmplug_error_delete(e);
  static const char pmod[] = "p";
  e = wasmplug_linker_define_instance(borrow, pmod, p);
  CHECK(!e, "define_instance (borrowed, p)");
  e = wasmplug_linker_define_func_ref(borrow, pmod, name, wasmplug_instance_func(p, "triple"));
  CHECK(e && strstr(wasmplug_error_message(e), "p.triple is already defined"), "borrowed: duplicate refused: %s",
        e ? wasmplug_error_message(e) : "none");
  wasmplug_error_delete(e);
  wasmplug_linker_instantiate(borrow, cm, NULL, &x, &e, &t);
  CHECK(x && !e && !t, "borrowed names link");
  if (x) {
    t = wasmplug_func_call(wasmplug_instance_func(x, "run"), &a, 1, r, 1);
    CHECK(!t && r[0].of.i32 == 15, "call through borrowed names");
    wasmplug_instance_delete(x);
  }
  /* a host function defined while borrowing (its type in one block with
  ** it) outlives the linker in the instance that imported it */
  wasmplug_linker_t *h = wasmplug_linker_new(engine);
  wasmplug_linker_borrow_names(h, true);
  wasmplug_linker_define_memory(h, pmod, "mem", wasmplug_instance_memory(p, "mem"));
  wasmplug_linker_define_table(h, pmod, "tbl", wasmplug_instance_table(p, "tbl"));
  wasmplug_linker_define_global(h, pmod, "counter", wasmplug_instance_global(p, "counter"));
  wasmplug_valkind_t i32 = WASMPLUG_I32;
  wasmplug_functype_t ft = {1, 1, &i32, &i32};
  e = wasmplug_linker_define_func(h, pmod, "triple", &ft, fail_fn, NULL, NULL);
  CHECK(!e, "define_func (borrowed)");
  wasmplug_linker_instantiate(h, cm, NULL, &x, &e, &t);
  CHECK(x && !e && !t, "host function linked with borrowed names");
  wasmplug_linker_delete(h);
  if (x) {
    t = wasmplug_func_call(wasmplug_instance_func(x, "run"), &a, 1, r, 1);
    CHECK(t != NULL, "the host function (which fails) ran after its linker was deleted");
    wasmplug_trap_delete(t);
    wasmplug_instance_delete(x);
  }
  wasmplug_linker_delete(borrow);
  wasmplug_linker_delete(copy);
  wasmplug_instance_delete(p);
  wasmplug_linker_delete(l);
  wasmplug_module_delete(pm);
  wasmplug_module_delete(cm);
}

static int32_t call_i32(wasmplug_instance_t *in, const char *name, const wasmplug_val_t *args, size_t nargs) {
  wasmplug_func_t *f = wasmplug_instance_func(in, name);
  wasmplug_val_t r = {WASMPLUG_I32, {.i32 = -1}};
  wasmplug_trap_t *t = f ? wasmplug_func_call(f, args, nargs, &r, wasmplug_func_type(f)->nresults) : NULL;
  CHECK(f && !t, "%s: %s", name, t ? wasmplug_trap_message(t) : "no such export");
  wasmplug_trap_delete(t);
  return r.of.i32;
}

/* A chain leaf <- a <- b of instances for the pinning tests: leaf of
** pin_leaf.wasm, a and b of `module`, each defining the one before it as
** "peer"; with `pokes`, a's host.poke has &pokes[0] as env and b's
** &pokes[1] (poke_fn). */
typedef struct chain {
  wasmplug_module_t *lm, *pm;
  wasmplug_linker_t *l[3];
  wasmplug_instance_t *leaf, *a, *b;
} chain_t;

static wasmplug_trap_t *poke_fn(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n);

static chain_t chain_new(const char *module, wasmplug_instance_t **pokes) {
  chain_t c;
  c.lm = load("pin_leaf.wasm");
  c.pm = load(module);
  for (int i = 0; i < 3; i++) c.l[i] = wasmplug_linker_new(engine);
  wasmplug_valkind_t i32 = WASMPLUG_I32;
  wasmplug_functype_t ft = {1, 1, &i32, &i32};
  c.leaf = core_test_instance(c.l[0], c.lm);
  CHECK(!wasmplug_linker_define_instance(c.l[1], "peer", c.leaf), "define leaf");
  if (pokes) wasmplug_linker_define_func(c.l[1], "host", "poke", &ft, poke_fn, &pokes[0], NULL);
  c.a = core_test_instance(c.l[1], c.pm);
  CHECK(!wasmplug_linker_define_instance(c.l[2], "peer", c.a), "define a");
  if (pokes) wasmplug_linker_define_func(c.l[2], "host", "poke", &ft, poke_fn, &pokes[1], NULL);
  c.b = core_test_instance(c.l[2], c.pm);
  return c;
}

static void chain_delete(chain_t *c) {
  wasmplug_instance_delete(c->b);
  wasmplug_instance_delete(c->a);
  wasmplug_instance_delete(c->leaf);
  for (int i = 2; i >= 0; i--) wasmplug_linker_delete(c->l[i]);
  wasmplug_module_delete(c->pm);
  wasmplug_module_delete(c->lm);
}

/* Memory 0's base, which the optimized tier keeps in a register
** (translate.c: pin_block): a chain leaf <- a <- b of instances, a and b
** of the same module (the same code), each with its own memory holding
** 7, 1, 2 at address 0.  Calls into the peer by import, call_indirect
** and return_call_indirect must see the peer's memory, and the caller's
** own again after them (pin.wat). */
static void test_memory_bases(void) {
  const char *tr = getenv("WASMPLUG_TRANSLATOR");
  if (tr && strcmp(tr, "own")) return; /* wasm2c 1.0.32 has no tail calls */
  chain_t c = chain_new("pin.wasm", NULL);
  wasmplug_instance_t *leaf = c.leaf, *a = c.a, *b = c.b;
  wasmplug_val_t v = I32(7);
  call_i32(leaf, "set", &v, 1);
  v = I32(1);
  call_i32(a, "set", &v, 1);
  v = I32(2);
  call_i32(b, "set", &v, 1);
  static const char *const ways[] = {"via_import", "via_table", "after_tail"};
  for (int i = 0; i < 3; i++) {
    int32_t ra = call_i32(a, ways[i], NULL, 0), rb = call_i32(b, ways[i], NULL, 0);
    CHECK(ra == 7001, "a.%s: %d, want 7001 (leaf's 7, then a's 1)", ways[i], ra);
    CHECK(rb == 1002, "b.%s: %d, want 1002 (a's 1, then b's 2)", ways[i], rb);
  }
  CHECK(call_i32(a, "via_tail", NULL, 0) == 7, "a's tail call reads leaf's memory");
  CHECK(call_i32(b, "via_tail", NULL, 0) == 1, "b's tail call reads a's memory");
  CHECK(call_i32(b, "grow_then_read", NULL, 0) == 2, "b's memory after memory.grow");
  CHECK(call_i32(b, "via_import", NULL, 0) == 1002, "b after growing");
  v = I32(0);
  CHECK(call_i32(a, "get", &v, 1) == 1 && call_i32(leaf, "get", &v, 1) == 7, "a and leaf untouched");
  chain_delete(&c);
}

/* The host function pin_inst.wat imports: calls `get` of the instance
** *env points to (another instance of the same module) and returns it. */
static wasmplug_trap_t *poke_fn(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n) {
  (void)c; (void)n;
  wasmplug_instance_t *other = *(wasmplug_instance_t **)env;
  v[0].i32 = other ? call_i32(other, "get", &(wasmplug_val_t){WASMPLUG_I32, {.i32 = 0}}, 1) : -1;
  return NULL;
}

/* The instance pointer, which the optimized tier keeps in a register
** beside memory 0's base (translate.c: pin_block, wp_xlate_pins_inst): a
** chain leaf <- a <- b as in test_memory_bases, a and b of pin_inst.wat,
** each with its own memory and global (get = mem[0] + $g).  Every way in
** (export entries, the start function, another instance's import, a
** table's funcref, a host function calling into another instance) must
** set it and every way back restore the caller's: a wrong instance reads
** another's global.  Both translators (wasm2c's C pins nothing). */
static void test_instance_pin(void) {
  static wasmplug_instance_t *others[2]; /* poke's targets: b for a, a for b */
  others[0] = others[1] = NULL;
  chain_t c = chain_new("pin_inst.wasm", others);
  wasmplug_instance_t *leaf = c.leaf, *a = c.a, *b = c.b;
  others[0] = b;
  others[1] = a;
  wasmplug_val_t v = I32(0);
  CHECK(call_i32(a, "get", &v, 1) == 5 && call_i32(b, "get", &v, 1) == 5, "the start function set $g");
  v = I32(7);
  call_i32(leaf, "set", &v, 1);
  v = I32(1);
  call_i32(a, "set", &v, 1); /* a: get = 1 + 10 */
  v = I32(2);
  call_i32(b, "set", &v, 1); /* b: get = 2 + 20 */
  for (int round = 0; round < 2; round++) {
    int32_t r;
    CHECK((r = call_i32(a, "via_import", NULL, 0)) == 7011, "a.via_import: %d, want 7011", r);
    CHECK((r = call_i32(b, "via_import", NULL, 0)) == 11022, "b.via_import: %d, want 11022", r);
    CHECK((r = call_i32(a, "via_table", NULL, 0)) == 7011, "a.via_table: %d, want 7011", r);
    CHECK((r = call_i32(b, "via_table", NULL, 0)) == 11022, "b.via_table: %d, want 11022", r);
    /* many(1..8) = 204 + get; plus 1000 * get */
    CHECK((r = call_i32(a, "via_own_table", NULL, 0)) == 204 + 11 + 11000, "a.via_own_table: %d", r);
    CHECK((r = call_i32(b, "via_own_table", NULL, 0)) == 204 + 22 + 22000, "b.via_own_table: %d", r);
    CHECK((r = call_i32(a, "many_direct", NULL, 0)) == 204 + 11, "a.many_direct: %d", r);
    CHECK((r = call_i32(b, "many_direct", NULL, 0)) == 204 + 22, "b.many_direct: %d", r);
    CHECK((r = call_i32(a, "via_host", NULL, 0)) == 22011, "a.via_host: %d, want 22011", r);
    CHECK((r = call_i32(b, "via_host", NULL, 0)) == 11022, "b.via_host: %d, want 11022", r);
  }
  wasmplug_val_t m8[8];
  for (int i = 0; i < 8; i++) m8[i] = I32(i + 1);
  CHECK(call_i32(b, "many", m8, 8) == 204 + 22, "b.many(1..8) from the host");
  v = I32(0);
  CHECK(call_i32(leaf, "get", &v, 1) == 7, "leaf untouched");
  chain_delete(&c);
}

static wasmplug_trap_t *inc_fn(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n) {
  (void)env; (void)c; (void)n;
  v[0].i32 += 1;
  return NULL;
}

/* Imported functions in a table; a bogus "name" section is ignored. */
static void test_table_imports(void) {
  size_t len;
  uint8_t *b = read_fixture(dir, "table_import.wasm", &len);
  /* Append a "name" section whose function-name map names 9 functions. */
  static const uint8_t names[] = {
      0, 35, 4, 'n', 'a', 'm', 'e', 1, 28, 9,
      0, 1, 'a', 1, 1, 'b', 2, 1, 'c', 3, 1, 'd', 4, 1, 'e',
      5, 1, 'f', 6, 1, 'g', 7, 1, 'h', 8, 1, 'i'};
  uint8_t *nb = malloc(len + sizeof names);
  memcpy(nb, b, len);
  memcpy(nb + len, names, sizeof names);
  wasmplug_module_t *m = NULL;
  wasmplug_error_t *e = wasmplug_module_new(engine, nb, len + sizeof names, "table_import.wasm", &m);
  CHECK(!e, "bogus name section ignored: %s", e ? wasmplug_error_message(e) : "");
  free(b);
  free(nb);
  if (e) { wasmplug_error_delete(e); return; }
  wasmplug_module_t *pm = load("provider.wasm");
  wasmplug_linker_t *l = wasmplug_linker_new(engine);
  wasmplug_instance_t *p = core_test_instance(l, pm);
  wasmplug_linker_define_instance(l, "p", p);
  wasmplug_valkind_t i32 = WASMPLUG_I32;
  wasmplug_functype_t ft = {1, 1, &i32, &i32};
  wasmplug_linker_define_func(l, "env", "inc", &ft, inc_fn, NULL, NULL);
  wasmplug_instance_t *in = core_test_instance(l, m);
  int32_t want[3] = {21, 8, 1007};
  for (int i = 0; i < 3; i++) {
    wasmplug_val_t a[2] = {I32(i), I32(7)}, r;
    wasmplug_trap_t *t = wasmplug_func_call(wasmplug_instance_func(in, "ci"), a, 2, &r, 1);
    CHECK(!t && r.of.i32 == want[i], "table entry %d: got %d, want %d (%s)", i, r.of.i32, want[i],
          t ? wasmplug_trap_message(t) : "");
    wasmplug_trap_delete(t);
  }
  wasmplug_instance_delete(in);
  wasmplug_instance_delete(p);
  wasmplug_linker_delete(l);
  wasmplug_module_delete(pm);
  wasmplug_module_delete(m);
}

/* ------------------------------------------- direct host functions */

/* wasmplug_linker_define_func_direct (issue 18): the code calls these as
** C functions of the import's own signature; what they run between
** wasmplug_direct_enter and _leave is host code. */
static int direct_calls, direct_slept_out, direct_finalized;
static wasmplug_instance_t *direct_expect;

static int32_t d_host(wasmplug_direct_call_t *c, int32_t a, int64_t b) {
  wasmplug_direct_enter();
  direct_calls++;
  wasmplug_memory_t *m = wasmplug_caller_memory(c->caller);
  wasmplug_trap_t *t = NULL;
  if (c->env != &direct_calls || wasmplug_caller_instance(c->caller) != direct_expect)
    t = wasmplug_trap_new(WASMPLUG_TRAP_HOST, "wrong env or caller");
  else if (!m || !wasmplug_memory_write(m, 100, "hi", 2))
    t = wasmplug_trap_new(WASMPLUG_TRAP_HOST, "no memory");
  wasmplug_direct_leave(t);
  return a * 2 + (int32_t)b;
}

static int32_t d_inc(wasmplug_direct_call_t *c, int32_t x) {
  (void)c;
  return x + 1; /* nothing but its own code: no bracket needed */
}

static void d_fail(wasmplug_direct_call_t *c) {
  (void)c;
  wasmplug_direct_enter();
  wasmplug_direct_leave(wasmplug_trap_new(WASMPLUG_TRAP_HOST, "the direct host said no"));
  direct_calls = -1000; /* not reached */
}

static void d_exit(wasmplug_direct_call_t *c, int32_t status) {
  (void)c;
  wasmplug_direct_enter();
  wasmplug_direct_leave(wasmplug_trap_new_exit(status));
}

/* Blocks past the call's time limit: the limit's signal must not unwind
** it (it may hold locks), only the return to the guest does. */
static void d_sleep(wasmplug_direct_call_t *c) {
  (void)c;
  wasmplug_direct_enter();
  struct timespec end, now;
  clock_gettime(CLOCK_MONOTONIC, &end);
  end.tv_nsec += 400 * 1000000L;
  if (end.tv_nsec >= 1000000000L) { end.tv_sec++; end.tv_nsec -= 1000000000L; }
  do {
    usleep(20 * 1000);
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while (now.tv_sec < end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
  direct_slept_out++;
  wasmplug_direct_leave(NULL);
  direct_slept_out += 100; /* not reached: the time limit unwinds */
}

static void direct_finalize(void *env) { direct_finalized += env == (void *)&direct_calls; }

static wasmplug_linker_t *direct_linker(bool sleeping) {
  wasmplug_linker_t *l = wasmplug_linker_new(engine);
  wasmplug_valkind_t i32 = WASMPLUG_I32, p2[2] = {WASMPLUG_I32, WASMPLUG_I64};
  wasmplug_functype_t t_host = {2, 1, p2, &i32}, t_re = {1, 1, &i32, &i32}, t_void = {0, 0, NULL, NULL},
                      t_exit = {1, 0, &i32, NULL};
  wasmplug_error_t *e = NULL;
  if (!e) e = wasmplug_linker_define_func_direct(l, "env", "host", &t_host, (void *)d_host, &direct_calls,
                                                 direct_finalize);
  if (!e) e = wasmplug_linker_define_func(l, "env", "reenter", &t_re, reenter_fn, NULL, NULL);
  if (!e) e = wasmplug_linker_define_func_direct(l, "env", "fail", &t_void, sleeping ? (void *)d_sleep : (void *)d_fail,
                                                 NULL, NULL);
  if (!e) e = wasmplug_linker_define_func_direct(l, "env", "exit", &t_exit, (void *)d_exit, NULL, NULL);
  if (e) { fprintf(stderr, "%s\n", wasmplug_error_message(e)); exit(2); }
  return l;
}

static void test_direct(const char *cache) {
  wasmplug_module_t *m = load("basic.wasm");
  wasmplug_linker_t *l = direct_linker(false);
  wasmplug_instance_t *in = core_test_instance(l, m);
  direct_expect = in;
  wasmplug_val_t a[2] = {I32(3), I32(4)}, r[1];
  wasmplug_trap_t *t = wasmplug_func_call(wasmplug_instance_func(in, "callhost"), a, 1, r, 1);
  CHECK(!t && r[0].of.i32 == 16 && direct_calls == 1, "direct host function: %d after %d calls (%s)", r[0].of.i32,
        direct_calls, t ? wasmplug_trap_message(t) : "");
  wasmplug_trap_delete(t);
  char hi[3] = {0};
  CHECK(wasmplug_memory_read(wasmplug_instance_memory(in, "memory"), 100, hi, 2) && !strcmp(hi, "hi"),
        "direct host function wrote the caller's memory");
  expect_trap(in, "fail", NULL, 0, WASMPLUG_TRAP_HOST, "the direct host said no");
  wasmplug_val_t code = I32(42);
  t = wasmplug_func_call(wasmplug_instance_func(in, "exit"), &code, 1, r, 0);
  int status = -1;
  CHECK(t && wasmplug_trap_exit_status(t, &status) && status == 42, "exit through a direct function: %d", status);
  CHECK(t && wasmplug_trap_frame_count(t) == 0, "an exit through a direct function has no backtrace (%zu frames)",
        wasmplug_trap_frame_count(t));
  wasmplug_trap_delete(t);
  t = wasmplug_func_call(wasmplug_instance_func(in, "callhost"), a, 1, r, 1);
  CHECK(!t && r[0].of.i32 == 16, "usable after a direct function's traps");
  wasmplug_trap_delete(t);
  /* A second instance gets its own caller. */
  wasmplug_instance_t *in2 = core_test_instance(l, m);
  direct_expect = in2;
  t = wasmplug_func_call(wasmplug_instance_func(in2, "callhost"), a, 1, r, 1);
  CHECK(!t && r[0].of.i32 == 16, "second instance: %s", t ? wasmplug_trap_message(t) : "");
  wasmplug_trap_delete(t);
  wasmplug_instance_delete(in2);
  wasmplug_instance_delete(in);
  CHECK(direct_finalized == 0, "finalized while the linker holds it");
  wasmplug_linker_delete(l);
  CHECK(direct_finalized == 1, "direct host function finalized once (%d)", direct_finalized);

  /* Only numbers, at most one result. */
  wasmplug_linker_t *bad = wasmplug_linker_new(engine);
  wasmplug_valkind_t two[2] = {WASMPLUG_I32, WASMPLUG_I32}, ref = WASMPLUG_EXTERNREF;
  wasmplug_functype_t t_two = {0, 2, NULL, two}, t_ref = {1, 0, &ref, NULL};
  wasmplug_error_t *e = wasmplug_linker_define_func_direct(bad, "env", "two", &t_two, (void *)d_fail, NULL, NULL);
  CHECK(e && strstr(wasmplug_error_message(e), "at most one result"), "two results refused");
  wasmplug_error_delete(e);
  e = wasmplug_linker_define_func_direct(bad, "env", "ref", &t_ref, (void *)d_fail, NULL, NULL);
  CHECK(e != NULL, "externref param refused");
  wasmplug_error_delete(e);
  wasmplug_linker_delete(bad);

  /* Called through a table (call_indirect of an imported direct function). */
  wasmplug_module_t *tm = load("table_import.wasm"), *pm = load("provider.wasm");
  wasmplug_linker_t *tl = wasmplug_linker_new(engine);
  wasmplug_instance_t *p = core_test_instance(tl, pm);
  wasmplug_linker_define_instance(tl, "p", p);
  wasmplug_valkind_t i32 = WASMPLUG_I32;
  wasmplug_functype_t ft = {1, 1, &i32, &i32};
  wasmplug_linker_define_func_direct(tl, "env", "inc", &ft, (void *)d_inc, NULL, NULL);
  wasmplug_instance_t *ti = core_test_instance(tl, tm);
  wasmplug_val_t ca[2] = {I32(1), I32(7)};
  t = wasmplug_func_call(wasmplug_instance_func(ti, "ci"), ca, 2, r, 1);
  CHECK(!t && r[0].of.i32 == 8, "direct function through a table: %d", r[0].of.i32);
  wasmplug_trap_delete(t);
  wasmplug_instance_delete(ti);
  wasmplug_instance_delete(p);
  wasmplug_linker_delete(tl);
  wasmplug_module_delete(tm);
  wasmplug_module_delete(pm);

  /* A time limit expiring inside one: the function runs to its end. */
  wasmplug_config_t *c = wasmplug_config_new();
  wasmplug_config_cache_dir_set(c, cache);
  wasmplug_config_timeout_set(c, 100);
  wasmplug_engine_t *saved = engine;
  engine = core_test_engine(c);
  wasmplug_module_t *m2 = load("basic.wasm");
  l = direct_linker(true);
  in = core_test_instance(l, m2);
  expect_trap(in, "fail", NULL, 0, WASMPLUG_TRAP_INTERRUPT, "time limit");
  CHECK(direct_slept_out == 1, "the direct function was not unwound mid-way, nor returned into (%d)",
        direct_slept_out);
  direct_expect = in;
  t = wasmplug_func_call(wasmplug_instance_func(in, "callhost"), a, 1, r, 1);
  CHECK(!t && r[0].of.i32 == 16, "usable after the time limit: %s", t ? wasmplug_trap_message(t) : "");
  wasmplug_trap_delete(t);
  wasmplug_instance_delete(in);
  wasmplug_linker_delete(l);
  wasmplug_module_delete(m2);
  wasmplug_engine_delete(engine);
  engine = saved;
  wasmplug_module_delete(m);
}

static void test_metadata(void) {
  wasmplug_module_t *m = load("consumer.wasm");
  CHECK(wasmplug_module_import_count(m) == 4 && wasmplug_module_export_count(m) == 1, "counts");
  const char *mod, *name;
  wasmplug_externtype_t t;
  CHECK(wasmplug_module_import(m, 3, &mod, &name, &t) && !strcmp(mod, "p") && !strcmp(name, "triple") &&
            t.kind == WASMPLUG_EXTERN_FUNC && t.func.nparams == 1 && t.func.params[0] == WASMPLUG_I32,
        "import metadata");
  CHECK(wasmplug_module_import(m, 0, &mod, &name, &t) && t.kind == WASMPLUG_EXTERN_MEMORY && t.limits.min == 1,
        "memory import metadata");
  CHECK(!wasmplug_module_import(m, 4, &mod, &name, &t), "import index bound");
  CHECK(wasmplug_module_export(m, 0, &name, &t) && !strcmp(name, "run"), "export metadata");
  wasmplug_module_delete(m);
}

static void test_invalid(void) {
  size_t len;
  uint8_t *b = read_fixture(dir, "basic.wasm", &len);
  char *msg = refuse_bytes((const uint8_t *)"\0asn\1\0\0\0", 8, "bad.wasm");
  CHECK(msg && strstr(msg, "bad.wasm: invalid module at offset 0x0: bad magic"), "bad magic: %s", msg);
  free(msg);
  msg = refuse_bytes((const uint8_t *)"\0asm\2\0\0\0", 8, "v2.wasm");
  CHECK(msg && strstr(msg, "unsupported version"), "bad version: %s", msg);
  free(msg);
  msg = refuse_bytes((const uint8_t *)"\0asm\x0d\0\1\0", 8, "c.wasm");
  CHECK(msg && strstr(msg, "component"), "component refused: %s", msg);
  free(msg);
  /* Every truncation of a valid module is refused with a message (and,
  ** under ASan, without a stray read). */
  /* (Cutting exactly between two sections leaves a valid, smaller module.) */
  int refused = 0, accepted = 0;
  for (size_t n = 0; n < len; n++) {
    msg = refuse_bytes(b, n, "cut.wasm");
    if (msg && !strncmp(msg, "cut.wasm: ", 10)) refused++;
    else if (!msg) accepted++;
    free(msg);
  }
  CHECK(refused + accepted == (int)len && accepted <= 12, "truncations: %d refused, %d accepted of %zu",
        refused, accepted, len);
  /* A section size larger than the file. */
  uint8_t *c = malloc(len);
  memcpy(c, b, len);
  c[9] = 0xff; /* the type section's size: now 2^21-ish, past the end */
  c[10] = 0xff;
  c[11] = 0x7f;
  msg = refuse_bytes(c, len, "size.wasm");
  CHECK(msg && strstr(msg, "size.wasm: invalid module at offset 0x8: section 1 size") &&
            strstr(msg, "exceeds"), "section size: %s", msg);
  free(msg);
  /* Random byte flips: refused or accepted, never a crash. */
  srand(1);
  for (int i = 0; i < 200; i++) {
    memcpy(c, b, len);
    for (int k = 0; k < 3; k++) c[8 + (size_t)rand() % (len - 8)] ^= (uint8_t)(1 + rand() % 255);
    wasmplug_module_t *m = NULL;
    wasmplug_error_t *e = wasmplug_module_new(engine, c, len, "flip.wasm", &m);
    wasmplug_error_delete(e);
    wasmplug_module_delete(m);
  }
  free(c);
  free(b);
  /* Proposals the engine's translator lacks are refused up front, naming
  ** the proposal (wasmplug's own translator has SIMD, tail calls, memory64, multiple
  ** memories and threads' atomics and shared memories; wasm2c 1.0.32 has none of them). */
  const char *tr = getenv("WASMPLUG_TRANSLATOR");
  bool own = tr && !strcmp(tr, "own");
  const struct { const char *file, *want; bool own_has; } unsupported[] = {
      {"simd.wasm", "SIMD", true}, {"mem64.wasm", "memory64", true},
      {"shared.wasm", "shared memory", true},
      {"simd_ops.wasm", "SIMD", true}, {"tailcall.wasm", "tail calls are not supported", true},
      {"atomics.wasm", "threads (atomic instructions) are not supported", true},
      {"multimem.wasm", "multiple memories are not supported", true}};
  for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
    if (own && unsupported[i].own_has) continue;
    uint8_t *u = read_fixture(dir, unsupported[i].file, &len);
    msg = refuse_bytes(u, len, unsupported[i].file);
    CHECK(msg && strstr(msg, unsupported[i].want) && strstr(msg, unsupported[i].file), "%s: %s",
          unsupported[i].file, msg ? msg : "accepted");
    free(msg);
    free(u);
  }
}

typedef struct thread_arg {
  wasmplug_module_t *m;
  int ok;
} thread_arg_t;

static void *thread_main(void *p) {
  thread_arg_t *ta = p;
  wasmplug_linker_t *l = basic_linker();
  wasmplug_instance_t *in = core_test_instance(l, ta->m);
  wasmplug_func_t *div = wasmplug_instance_func(in, "div");
  for (int i = 0; i < 2000; i++) {
    wasmplug_val_t a[2] = {I32(i), I32(i % 3)}, r[1];
    wasmplug_trap_t *t = wasmplug_func_call(div, a, 2, r, 1);
    bool good = (i % 3 == 0) ? (t && wasmplug_trap_kind(t) == WASMPLUG_TRAP_INTEGER_DIVIDE_BY_ZERO)
                             : (!t && r[0].of.i32 == i / (i % 3));
    ta->ok += good;
    wasmplug_trap_delete(t);
  }
  wasmplug_instance_delete(in);
  wasmplug_linker_delete(l);
  return NULL;
}

static void test_threads(void) {
  wasmplug_module_t *m = load("basic.wasm");
  pthread_t th[4];
  thread_arg_t args[4];
  for (int i = 0; i < 4; i++) {
    args[i].m = m;
    args[i].ok = 0;
    pthread_create(&th[i], NULL, thread_main, &args[i]);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    CHECK(args[i].ok == 2000, "thread %d: %d/2000 calls right", i, args[i].ok);
  }
  wasmplug_module_delete(m);
}

/* wasmplug_engine_call_limited runs host code (a host's event loop) under
** the time limit: the limit's signal must not unwind it (it may be inside
** malloc or hold a lock); it sees wasmplug_call_interrupted() and stops by
** itself, while guest code it reaches still traps. */
typedef struct {
  wasmplug_instance_t *in;
  bool finished, saw_interrupt;
  wasmplug_trap_t *guest;
} limited_t;

static void limited_host(void *arg) {
  limited_t *l = arg;
  struct timespec t0, now;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  do { /* host code spinning past the deadline, as a busy event loop */
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (wasmplug_call_interrupted()) {
      l->saw_interrupt = true;
      break;
    }
  } while ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 < 3000);
  /* guest code reached from here still traps at the limit */
  l->guest = wasmplug_func_call(wasmplug_instance_func(l->in, "spin"), NULL, 0, NULL, 0);
  l->finished = true;
}

static void test_call_limited(const char *cache) {
  wasmplug_config_t *c = wasmplug_config_new();
  wasmplug_config_cache_dir_set(c, cache);
  wasmplug_config_timeout_set(c, 100);
  wasmplug_engine_t *saved = engine, *limited;
  limited = core_test_engine(c);
  engine = limited;
  wasmplug_module_t *m = load("basic.wasm");
  wasmplug_linker_t *l = basic_linker();
  limited_t st = {core_test_instance(l, m), false, false, NULL};
  wasmplug_trap_t *t = wasmplug_engine_call_limited(limited, limited_host, &st);
  CHECK(!t, "call_limited: host code was unwound: %s", t ? wasmplug_trap_message(t) : "");
  CHECK(st.finished && st.saw_interrupt, "call_limited: host code ran to its end (%d) and saw the limit (%d)",
        st.finished, st.saw_interrupt);
  CHECK(st.guest && wasmplug_trap_kind(st.guest) == WASMPLUG_TRAP_INTERRUPT,
        "call_limited: guest code reached from it traps at the limit: %s",
        st.guest ? wasmplug_trap_message(st.guest) : "no trap");
  wasmplug_trap_delete(t);
  wasmplug_trap_delete(st.guest);
  wasmplug_instance_delete(st.in);
  wasmplug_linker_delete(l);
  wasmplug_module_delete(m);
  engine = saved;
  wasmplug_engine_delete(limited);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: test_engine WASM_DIR baseline|optimized CACHE_DIR\n");
    return 2;
  }
  dir = argv[1];
  baseline = strcmp(argv[2], "optimized") != 0;
  wasmplug_config_t *c = wasmplug_config_new();
  wasmplug_config_tier_set(c, !strcmp(argv[2], "optimized") ? WASMPLUG_TIER_OPTIMIZED
                                                            : WASMPLUG_TIER_BASELINE);
  wasmplug_config_cache_dir_set(c, argv[3]);
  engine = core_test_engine(c);
  test_metadata();
  test_calls_and_traps();
  test_linking();
  test_borrow_names();
  test_memory_bases();
  test_instance_pin();
  test_table_imports();
  test_invalid();
  test_threads();
  test_timeout(argv[3]);
  test_direct(argv[3]);
  test_call_limited(argv[3]);
  wasmplug_engine_delete(engine);
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
