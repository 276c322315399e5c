/*
** test_fiber.c — guest code on fibers (src/core/fiber.c): suspending in the
** middle of guest frames and resuming in any order, traps and stack
** overflow on a fiber's stack (its guard page), traps in one fiber while
** another is suspended mid-call, the thread's own stack afterwards, and
** stack reuse.  argv[1]: the folder of test modules; argv[2]: cache dir.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmplug.h"
#include "core_test.h" /* CHECK, core_test_engine */

static wasmplug_instance_t *inst;
static char order[256];
static size_t norder;

/* A task: calls export `fn` with `arg` on its fiber. */
typedef struct task {
  char name;
  const char *fn;
  int32_t arg, result;
  wasmplug_trap_kind_t trap; /* 0: none */
} task_t;

/* block(i): records who ran, suspends the fiber, returns i * 10. */
static wasmplug_trap_t *host_block(void *env, wasmplug_caller_t *c, wasmplug_val_raw_t *v, size_t n) {
  (void)env;
  (void)c;
  (void)n;
  wasmplug_fiber_t *f = wasmplug_fiber_current();
  if (!f) return wasmplug_trap_new(WASMPLUG_TRAP_HOST, "block called off a fiber");
  if (norder < sizeof order - 1) order[norder++] = (char)('0' + v[0].i32);
  wasmplug_fiber_suspend();
  v[0].i32 = v[0].i32 * 10;
  return NULL;
}

static void task_main(void *arg) {
  task_t *t = arg;
  wasmplug_val_t a = {.kind = WASMPLUG_I32, .of.i32 = t->arg}, r;
  wasmplug_func_t *fn = wasmplug_instance_func(inst, t->fn);
  size_t np = strcmp(t->fn, "unreach") && strcmp(t->fn, "oob") ? 1 : 0;
  size_t nr = strcmp(t->fn, "unreach") ? 1 : 0;
  wasmplug_trap_t *trap = wasmplug_func_call(fn, &a, np, &r, nr);
  if (trap) {
    t->trap = wasmplug_trap_kind(trap);
    if (getenv("FIBER_DEBUG")) fprintf(stderr, "%c: %s\n", t->name, wasmplug_trap_message(trap));
    wasmplug_trap_delete(trap);
  } else if (nr) {
    t->result = r.of.i32;
  }
}

/* A frame larger than the fiber's guard (and than the 1 MiB around a
** stack's end the fault handler takes for the stack): big(n) has 50,000
** funcref locals (1.2 MB under tcc), writes the last one (the bottom of the
** frame) and recurses.  Without stack probes the write lands beyond the
** guard, in whatever is mapped there or in a fault the handler does not
** recognise; with them the overflow traps. */
static void test_big_frames(wasmplug_engine_t *engine) {
  static const uint8_t wasm[] = {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, /* type (i32) -> i32 */
      0x03, 0x02, 0x01, 0x00,                         /* func 0 */
      0x07, 0x07, 0x01, 0x03, 'b', 'i', 'g', 0x00, 0x00, /* export "big" */
      0x0a, 0x24, 0x01, 0x22,                         /* code: one body of 0x22 bytes */
      0x01, 0xcf, 0x86, 0x03, 0x70,                   /* 49999 funcref locals */
      0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, /* if (n == 0) 0 else */
      0xd0, 0x70, 0x21, 0xcf, 0x86, 0x03,             /*   local 49999 = null */
      0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x00,       /*   big(n - 1) */
      0x20, 0xcf, 0x86, 0x03, 0xd1, 0x6a,             /*   + is_null(local 49999) */
      0x0b, 0x0b};
  wasmplug_module_t *m = NULL;
  wasmplug_error_t *e = wasmplug_module_new(engine, wasm, sizeof wasm, "big.wasm", &m);
  CHECK(!e, "big.wasm: %s", e ? wasmplug_error_message(e) : "");
  if (e) {
    wasmplug_error_delete(e);
    return;
  }
  wasmplug_linker_t *l = wasmplug_linker_new(engine);
  wasmplug_instance_t *saved = inst;
  wasmplug_trap_t *trap = NULL;
  wasmplug_linker_instantiate(l, m, NULL, &inst, &e, &trap);
  CHECK(!e && !trap, "big.wasm instantiates");
  if (!e && !trap) {
    task_t ok = {'k', "big", 1, 0, 0}, deep = {'b', "big", 100000, 0, 0};
    wasmplug_fiber_t *f = wasmplug_fiber_new(8u << 20, task_main, &ok);
    CHECK(f && wasmplug_fiber_resume(f) && ok.trap == 0 && ok.result == 1, "two big frames: %d trap %d",
          ok.result, (int)ok.trap);
    wasmplug_fiber_delete(f);
    /* the second frame's bottom is 1.1 MB below the stack's end */
    f = wasmplug_fiber_new(1280u << 10, task_main, &deep);
    CHECK(f && wasmplug_fiber_resume(f) && deep.trap == WASMPLUG_TRAP_STACK_OVERFLOW,
          "big frames overflow a fiber's stack: trap %d", (int)deep.trap);
    wasmplug_fiber_delete(f);
    /* one frame 1.1 MB deeper than a 64 KiB stack: far past a guard page
    ** and the 1 MiB the handler took around a stack's end; a frame that is
    ** not probed (wasm2c's C on tcc) faults in the fiber's guard, anywhere
    ** in which is a stack overflow (it was "out of bounds", or a write
    ** into whatever was mapped below) */
    task_t one = {'1', "big", 1, 0, 0};
    f = wasmplug_fiber_new(64u << 10, task_main, &one);
    CHECK(f && wasmplug_fiber_resume(f) && one.trap == WASMPLUG_TRAP_STACK_OVERFLOW,
          "one big frame on a small fiber: trap %d", (int)one.trap);
    wasmplug_fiber_delete(f);
    wasmplug_instance_delete(inst);
  }
  wasmplug_error_delete(e);
  wasmplug_trap_delete(trap);
  inst = saved;
  wasmplug_linker_delete(l);
  wasmplug_module_delete(m);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: test_fiber WASM_DIR CACHE_DIR\n");
    return 2;
  }
  char path[1024];
  snprintf(path, sizeof path, "%s/fiber.wasm", argv[1]);
  FILE *fp = fopen(path, "rb");
  if (!fp) { perror(path); return 2; }
  uint8_t buf[4096];
  size_t len = fread(buf, 1, sizeof buf, fp);
  fclose(fp);
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, WASMPLUG_TIER_BASELINE);
  wasmplug_config_cache_dir_set(cfg, argv[2]);
  wasmplug_engine_t *engine = core_test_engine(cfg);
  wasmplug_module_t *m = NULL;
  wasmplug_error_t *e = wasmplug_module_new(engine, buf, len, "fiber.wasm", &m);
  wasmplug_linker_t *l = NULL;
  if (!e) {
    l = wasmplug_linker_new(engine);
    static const wasmplug_valkind_t i32[1] = {WASMPLUG_I32};
    wasmplug_functype_t ft = {1, 1, i32, i32};
    e = wasmplug_linker_define_func(l, "env", "block", &ft, host_block, NULL, NULL);
  }
  wasmplug_trap_t *trap = NULL;
  if (!e) wasmplug_linker_instantiate(l, m, NULL, &inst, &e, &trap);
  if (e || trap) {
    fprintf(stderr, "setup: %s\n", e ? wasmplug_error_message(e) : wasmplug_trap_message(trap));
    return 2;
  }

  /* Two tasks interleave, each suspended inside its own guest frames. */
  task_t a = {'a', "count", 3, 0, 0}, b = {'b', "count", 2, 0, 0};
  wasmplug_fiber_t *fa = wasmplug_fiber_new(0, task_main, &a), *fb = wasmplug_fiber_new(0, task_main, &b);
  CHECK(fa && fb, "fibers");
  int steps = 0;
  bool da = false, db = false;
  while ((!da || !db) && steps < 20) {
    if (!da) da = wasmplug_fiber_resume(fa);
    if (!db) db = wasmplug_fiber_resume(fb);
    steps++;
  }
  order[norder] = 0;
  CHECK(da && db && a.result == 30 && b.result == 10, "results %d %d", a.result, b.result);
  CHECK(!strcmp(order, "00112"), "interleaving %s", order);
  CHECK(wasmplug_fiber_current() == NULL, "back on the thread's stack");
  CHECK(wasmplug_fiber_resume(fa), "resuming a finished fiber is a no-op");
  wasmplug_fiber_delete(fa);
  wasmplug_fiber_delete(fb);

  /* A stack overflow and a trap on one fiber while another is suspended
  ** in the middle of a guest call: the suspended one finishes normally. */
  norder = 0;
  task_t c = {'c', "count", 2, 0, 0}, d = {'d', "rec", 1000000000, 0, 0}, u = {'u', "unreach", 0, 0, 0},
         o = {'o', "oob", 0, 0, 0};
  wasmplug_fiber_t *fc = wasmplug_fiber_new(0, task_main, &c);
  wasmplug_fiber_t *fd = wasmplug_fiber_new(256 * 1024, task_main, &d);
  wasmplug_fiber_t *fu = wasmplug_fiber_new(0, task_main, &u);
  wasmplug_fiber_t *fo = wasmplug_fiber_new(0, task_main, &o);
  CHECK(!wasmplug_fiber_resume(fc), "c suspends");
  CHECK(wasmplug_fiber_resume(fd), "d ends with its trap");
  CHECK(d.trap == WASMPLUG_TRAP_STACK_OVERFLOW, "overflow on a fiber: kind %d", (int)d.trap);
  CHECK(wasmplug_fiber_resume(fu) && u.trap == WASMPLUG_TRAP_UNREACHABLE, "unreachable on a fiber: %d",
        (int)u.trap);
  CHECK(wasmplug_fiber_resume(fo) && o.trap == WASMPLUG_TRAP_MEMORY_OUT_OF_BOUNDS, "oob on a fiber: %d",
        (int)o.trap);
  CHECK(!wasmplug_fiber_resume(fc), "c suspends again");
  CHECK(wasmplug_fiber_resume(fc) && c.trap == 0 && c.result == 10, "c completes: %d trap %d", c.result,
        (int)c.trap);
  wasmplug_fiber_delete(fc);
  wasmplug_fiber_delete(fd);
  wasmplug_fiber_delete(fu);
  wasmplug_fiber_delete(fo);

  /* The thread's own stack still detects overflow and traps. */
  wasmplug_val_t big = {.kind = WASMPLUG_I32, .of.i32 = 1000000000}, r;
  trap = wasmplug_func_call(wasmplug_instance_func(inst, "rec"), &big, 1, &r, 1);
  CHECK(trap && wasmplug_trap_kind(trap) == WASMPLUG_TRAP_STACK_OVERFLOW, "overflow on the thread's stack");
  wasmplug_trap_delete(trap);

  /* Many short-lived fibers reuse stacks. */
  for (int i = 0; i < 200; i++) {
    task_t t = {'t', "rec", 10, 0, 0};
    wasmplug_fiber_t *f = wasmplug_fiber_new(0, task_main, &t);
    CHECK(f && wasmplug_fiber_resume(f) && t.result == 0, "fiber %d", i);
    wasmplug_fiber_delete(f);
  }

  /* A fiber suspended and deleted before it finished. */
  task_t z = {'z', "count", 5, 0, 0};
  wasmplug_fiber_t *fz = wasmplug_fiber_new(0, task_main, &z);
  CHECK(!wasmplug_fiber_resume(fz) && !wasmplug_fiber_done(fz), "z suspended");
  wasmplug_fiber_delete(fz);

  test_big_frames(engine);

  wasmplug_instance_delete(inst);
  wasmplug_linker_delete(l);
  wasmplug_module_delete(m);
  wasmplug_engine_delete(engine);
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
