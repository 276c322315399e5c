/*
** test_trap_stores.c — a trapping store or load ends the stores at the
** point the wasm puts it: what the stores before it wrote is in memory
** after the trap, nothing after it is, on both tiers and at every
** optimization level the optimized tier uses (wat/trap_stores.wat at -O1,
** wat/trap_stores_simd.wat, with a v128 operation, at SIMD's -O2; the
** compiler's dead-store elimination, store merging and store motion are
** off for this: build.c, cc_flags).
**
** usage: test_trap_stores WASM_DIR baseline|optimized CACHE_DIR
*/
#include <stdint.h>
#include <string.h>

#include "core_test.h"

/* Calls NAME(65536) in a fresh instance of `module`: true when it trapped
** out of bounds; the instance's memory is copied to mem (one page). */
static int trapped_oob(wasmplug_engine_t *engine, wasmplug_module_t *module, const char *name, uint8_t *mem) {
  wasmplug_linker_t *linker = wasmplug_linker_new(engine);
  wasmplug_instance_t *instance = core_test_instance(linker, module);
  wasmplug_val_t x = {WASMPLUG_I32, {.i32 = 65536}};
  wasmplug_trap_t *trap = wasmplug_func_call(wasmplug_instance_func(instance, name), &x, 1, NULL, 0);
  int oob = trap && wasmplug_trap_kind(trap) == WASMPLUG_TRAP_MEMORY_OUT_OF_BOUNDS;
  if (trap) wasmplug_trap_delete(trap);
  memcpy(mem, wasmplug_memory_data(wasmplug_instance_memory(instance, "memory")), 65536);
  wasmplug_instance_delete(instance);
  wasmplug_linker_delete(linker);
  return oob;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: test_trap_stores WASM_DIR baseline|optimized CACHE_DIR\n");
    return 2;
  }
  wasmplug_config_t *c = wasmplug_config_new();
  wasmplug_config_cache_dir_set(c, argv[3]);
  wasmplug_config_tier_set(c, !strcmp(argv[2], "optimized") ? WASMPLUG_TIER_OPTIMIZED : WASMPLUG_TIER_BASELINE);
  wasmplug_engine_t *engine = core_test_engine(c);
  static uint8_t mem[65536];
  const char *const files[] = {"trap_stores.wasm", "trap_stores_simd.wasm"};
  for (int k = 0; k < 2; k++) {
    wasmplug_module_t *m = core_test_module(engine, argv[1], files[k]);
    uint32_t v;
    CHECK(trapped_oob(engine, m, "dse", mem), "%s dse: an out-of-bounds trap", files[k]);
    memcpy(&v, mem, 4);
    CHECK(v == 0, "%s dse: the store after the trapping one landed (%u at 0)", files[k], v);
    CHECK(trapped_oob(engine, m, "merge", mem), "%s merge: an out-of-bounds trap", files[k]);
    CHECK(mem[65535] == 7, "%s merge: the last byte, stored before the trap, is %u", files[k], mem[65535]);
    CHECK(trapped_oob(engine, m, "motion", mem), "%s motion: an out-of-bounds trap", files[k]);
    memcpy(&v, mem + 16, 4);
    CHECK(v == 4, "%s motion: the loop's last store before the trap is missing (%u at 16)", files[k], v);
    wasmplug_module_delete(m);
  }
  wasmplug_engine_delete(engine);
  printf("%s trap_stores: %d passed, %d failed\n", argv[2], checks - failures, failures);
  return failures ? 1 : 0;
}
