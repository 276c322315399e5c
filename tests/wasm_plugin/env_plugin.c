/*
** env_plugin.c — a wasm plugin using WASI (world `env-plugin` of kv.wit),
** built with wasi-libc and the reactor adapter, to show capability
** attenuation: what it sees is what its --plugin spec granted (env=,
** dir=), never the guest's --env/--dir.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env_plugin.h"

uint32_t exports_test_kv_counter_bump(uint32_t by) {
  const char *b = getenv("KV_BONUS");
  return by + (b ? (uint32_t)strtoul(b, NULL, 10) : 0);
}

void exports_test_kv_counter_nop(void) {}

/* The size of file `s`, or UINT32_MAX when it cannot be opened. */
uint32_t exports_test_kv_counter_text(env_plugin_string_t *s) {
  char path[512];
  size_t n = s->len < sizeof path - 1 ? s->len : sizeof path - 1;
  memcpy(path, s->ptr, n);
  path[n] = 0;
  env_plugin_string_free(s);
  FILE *f = fopen(path, "rb");
  if (!f) return UINT32_MAX;
  uint32_t size = 0;
  while (fgetc(f) != EOF) size++;
  fclose(f);
  return size;
}

uint32_t exports_test_kv_counter_crash(uint32_t how) {
  if (how) abort();
  return how;
}
