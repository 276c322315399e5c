/*
** calc.c — a reactor guest for the component decoder tests, written against
** the Canonical ABI by hand (no bindings generator): it imports
** test:guest/host@0.1.0 and exports add, greet and sum (see calc.wit).
** printf pulls in WASI through the preview1 adapter, so the componentized
** result imports the wasi:cli/io/filesystem interfaces too.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST(name) \
  __attribute__((import_module("test:guest/host@0.1.0"), import_name(name)))

HOST("log") void host_log(const char *msg, size_t len);
/* option<entry> is returned through a pointer (more than one flat result) */
HOST("lookup") void host_lookup(const char *key, size_t len, void *ret);

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  (void)align;
  return realloc(old, new_size);
}

__attribute__((export_name("add"))) int32_t add(int32_t a, int32_t b) {
  host_log("add", 3);
  return a + b;
}

static uint32_t ret_area[2];

__attribute__((export_name("greet"))) uint32_t *greet(const char *name, size_t len) {
  struct { uint32_t is_some; const char *key; size_t key_len; uint32_t value; } found;
  host_lookup(name, len, &found);
  char *s = malloc(len + 6);
  memcpy(s, "hello ", 6);
  memcpy(s + 6, name, len);
  printf("greeting %.*s\n", (int)len, name);
  ret_area[0] = (uint32_t)(uintptr_t)s;
  ret_area[1] = (uint32_t)(len + 6);
  return ret_area;
}

__attribute__((export_name("sum"))) uint64_t sum(const uint32_t *xs, size_t n) {
  uint64_t t = 0;
  for (size_t i = 0; i < n; i++) t += xs[i];
  return t;
}
