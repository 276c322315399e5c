/*
** test_snapshot.c — wasmplug_instance_snapshot/_reset (the pool behind
** `wasmplug serve`: a fresh instance per request without instantiating):
** after a reset, memory contents and size, globals and tables are those
** of the snapshot, every time, and a snapshot can be retaken.  Twice: a
** small memory (snapshot.wasm) and a large one (snapshot_big.wasm), each
** a copy-on-write image of itself; a reset copies back the pages written,
** or drops them all when many were (both are checked with the large one).
** Freed memories' reservations are reused by the next instantiation
** (issue 18): what the next instance sees is a new memory's state (zeros
** past its data segments, nothing accessible past its size), also after
** a snapshot had mapped the memory from a copy-on-write image.
**   test_snapshot WASM_DIR TIER CACHE_DIR
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmplug.h"
#include "core_test.h" /* CHECK, core_test_engine */

static wasmplug_instance_t *inst;
static int32_t pages0; /* the memory's size at instantiation */
static bool big;       /* snapshot_big.wasm */

static int32_t call(const char *name, int n, int32_t a, int32_t b) {
  wasmplug_func_t *f = wasmplug_instance_func(inst, name);
  wasmplug_val_t args[2] = {{.kind = WASMPLUG_I32, .of.i32 = a}, {.kind = WASMPLUG_I32, .of.i32 = b}};
  wasmplug_val_t r = {.kind = WASMPLUG_I32, .of.i32 = -12345};
  const wasmplug_functype_t *t = f ? wasmplug_func_type(f) : NULL;
  wasmplug_trap_t *tr = f ? wasmplug_func_call(f, args, (size_t)n, &r, t->nresults) : NULL;
  if (!f || tr) {
    printf("FAIL: calling %s: %s\n", name, tr ? wasmplug_trap_message(tr) : "no such export");
    wasmplug_trap_delete(tr);
    failures++;
    return -1;
  }
  return t->nresults ? r.of.i32 : 0;
}

/* Changes everything the module has. */
static void dirty(void) {
  call("poke", 2, 16, 'j');
  call("poke", 2, 1000, 99);
  call("set", 1, 42, 0);
  CHECK(call("grow", 1, 2, 0) == pages0, "memory.grow");
  call("poke", 2, pages0 * 65536 + 5, 77); /* in a grown page */
  if (big) {
    call("poke", 2, 1048676 + 1, 'X'); /* in the second data segment's page */
    call("poke", 2, 700000, 3);         /* a page nobody read */
    CHECK(call("peek", 1, 300000, 0) == 0, "a page only read"); /* stays the image's */
  }
  call("swap", 0, 0, 0);
  CHECK(call("tgrow", 0, 0, 0) == 2, "table.grow");
  CHECK(call("call0", 0, 0, 0) == 2, "the table changed");
}

static void pristine(const char *when) {
  CHECK(call("peek", 1, 16, 0) == 'h', "%s: the data segment is back", when);
  CHECK(call("peek", 1, 1000, 0) == 0, "%s: a written byte is zero again", when);
  CHECK(call("size", 0, 0, 0) == pages0, "%s: memory.grow is undone", when);
  if (big) {
    CHECK(call("peek", 1, 1048676, 0) == 'w' && call("peek", 1, 1048677, 0) == 'o',
          "%s: the second data segment is back", when);
    CHECK(call("peek", 1, 700000, 0) == 0 && call("peek", 1, 300000, 0) == 0, "%s: written pages are zero again",
          when);
    CHECK(call("peek", 1, 8, 0) == 0 && call("peek", 1, 4096 * 300 + 8, 0) == 0 &&
              call("peek", 1, 4096 * 383 + 8, 0) == 0,
          "%s: every page filled is zero again", when);
  }
  CHECK(call("get", 0, 0, 0) == 7, "%s: the global is back", when);
  CHECK(call("tsize", 0, 0, 0) == 2, "%s: table.grow is undone", when);
  CHECK(call("call0", 0, 0, 0) == 1, "%s: the table element is back", when);
}

static int run(char **argv, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", argv[1], name);
  big = !strcmp(name, "snapshot_big.wasm");
  pages0 = big ? 24 : 1;
  FILE *f = fopen(path, "rb");
  if (!f) return printf("FAIL: cannot open %s\n", path), 1;
  static uint8_t buf[1 << 16];
  size_t len = fread(buf, 1, sizeof buf, f);
  fclose(f);
  wasmplug_config_t *cfg = wasmplug_config_new();
  wasmplug_config_tier_set(cfg, !strcmp(argv[2], "optimized") ? WASMPLUG_TIER_OPTIMIZED : WASMPLUG_TIER_BASELINE);
  wasmplug_config_cache_dir_set(cfg, argv[3]);
  wasmplug_engine_t *eng = core_test_engine(cfg);
  wasmplug_module_t *m = NULL;
  wasmplug_error_t *e = wasmplug_module_new(eng, buf, len, "snapshot.wasm", &m);
  wasmplug_linker_t *l = e ? NULL : wasmplug_linker_new(eng);
  wasmplug_trap_t *tr = NULL;
  if (!e) wasmplug_linker_instantiate(l, m, NULL, &inst, &e, &tr);
  if (e || tr) return printf("FAIL: %s\n", e ? wasmplug_error_message(e) : wasmplug_trap_message(tr)), 1;

  e = wasmplug_instance_reset(inst);
  CHECK(e != NULL, "a reset without a snapshot is refused");
  wasmplug_error_delete(e);
  CHECK(!(e = wasmplug_instance_snapshot(inst)), "snapshot: %s", e ? wasmplug_error_message(e) : "");
  pristine("after the snapshot");
  for (int round = 1; round <= 4; round++) {
    dirty();
    if (big && round == 2) { /* every page written: more than are copied back */
      call("fill", 1, 0x5a, 0);
      CHECK(call("peek", 1, 4096 * 300 + 8, 0) == 0x5a, "filled");
    }
    CHECK(call("get", 0, 0, 0) == 42, "dirty");
    CHECK(!(e = wasmplug_instance_reset(inst)), "reset: %s", e ? wasmplug_error_message(e) : "");
    char when[32];
    snprintf(when, sizeof when, "reset %d", round);
    pristine(when);
  }
  /* a new snapshot of a changed state is what later resets go back to */
  call("set", 1, 9, 0);
  call("poke", 2, 20, 5);
  CHECK(!(e = wasmplug_instance_snapshot(inst)), "second snapshot");
  dirty();
  CHECK(!(e = wasmplug_instance_reset(inst)), "reset to the second snapshot");
  CHECK(call("get", 0, 0, 0) == 9 && call("peek", 1, 20, 0) == 5 && call("peek", 1, 1000, 0) == 0,
        "the second snapshot's state");
  if (big) { /* the second image: a page written before it is part of it */
    call("poke", 2, 20, 6);
    call("fill", 1, 1, 0);
    CHECK(!(e = wasmplug_instance_reset(inst)), "reset after a fill");
    CHECK(call("peek", 1, 20, 0) == 5 && call("peek", 1, 4096 * 100 + 8, 0) == 0, "the second image after a fill");
  }
  wasmplug_instance_delete(inst);

  /* Reused reservations (snapshot.wasm: 1 page, at most 10).  Round 0: a
  ** plain memory grown and written; round 1: the same after a snapshot of
  ** 10 pages (a copy-on-write image of the memory) and a reset. */
  for (int round = 0; round < 2 && !big; round++) {
    wasmplug_linker_instantiate(l, m, NULL, &inst, &e, &tr);
    if (e || tr) return printf("FAIL: %s\n", e ? wasmplug_error_message(e) : wasmplug_trap_message(tr)), 1;
    CHECK(call("grow", 1, 9, 0) == 1, "grown to 10 pages");
    for (int32_t at = 1000; at < 10 * 65536; at += 65536) call("poke", 2, at, 0x5a);
    if (round) {
      CHECK(!(e = wasmplug_instance_snapshot(inst)), "snapshot of 10 pages");
      call("poke", 2, 2000, 0x33);
      CHECK(!(e = wasmplug_instance_reset(inst)), "reset");
      call("poke", 2, 3000, 0x44);
    }
    uint8_t *base = wasmplug_memory_data(wasmplug_instance_memory(inst, "mem"));
    wasmplug_instance_delete(inst);
    wasmplug_linker_instantiate(l, m, NULL, &inst, &e, &tr);
    if (e || tr) return printf("FAIL: %s\n", e ? wasmplug_error_message(e) : wasmplug_trap_message(tr)), 1;
    CHECK(wasmplug_memory_data(wasmplug_instance_memory(inst, "mem")) == base,
          "round %d: the freed reservation is reused", round);
    CHECK(call("size", 0, 0, 0) == 1, "round %d: one page, as declared", round);
    CHECK(call("peek", 1, 16, 0) == 'h', "round %d: the data segment", round);
    CHECK(call("peek", 1, 1000, 0) == 0 && call("peek", 1, 3000, 0) == 0, "round %d: zeros", round);
    /* past the size: out of bounds, not the old pages */
    wasmplug_func_t *peek = wasmplug_instance_func(inst, "peek");
    wasmplug_val_t arg = {.kind = WASMPLUG_I32, .of.i32 = 65536 + 1000}, r;
    wasmplug_trap_t *oob = wasmplug_func_call(peek, &arg, 1, &r, 1);
    CHECK(oob != NULL, "round %d: a byte past the memory's size traps", round);
    wasmplug_trap_delete(oob);
    CHECK(call("grow", 1, 9, 0) == 1, "round %d: grown again", round);
    int nonzero = 0;
    for (int32_t at = 1000; at < 10 * 65536; at += 65536) nonzero += call("peek", 1, at, 0) != 0;
    CHECK(nonzero == 0 && call("peek", 1, 2000, 0) == 0, "round %d: grown pages are zero (%d were not)", round,
          nonzero);
    wasmplug_instance_delete(inst);
  }
  wasmplug_linker_delete(l);
  wasmplug_module_delete(m);
  wasmplug_engine_delete(eng);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4) return 2;
  if (run(argv, "snapshot.wasm") || run(argv, "snapshot_big.wasm")) return 1;
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures != 0;
}
