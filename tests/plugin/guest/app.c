/*
** app.c — a C guest (wasm32-wasi command) using test:plugin/api@0.1.0 the
** way wit-bindgen's C output does before componentization: each function
** imported from module "test:plugin/api@0.1.0" with its canonical-ABI-
** lowered signature, return areas for results that do not fit in one core
** value, and `cabi_realloc` exported for the host to allocate results.
** Run: wasmplug run --plugin test_plugin.so app.wasm — it prints what the
** plugin returned and exits 0 when every answer was right.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT(name) __attribute__((import_module("test:plugin/api@0.1.0"), import_name(name)))

typedef struct { uint8_t *ptr; size_t len; } wit_string_t;
typedef struct { wit_string_t *ptr; size_t len; } wit_list_string_t;

IMPORT("echo") extern void api_echo(uint8_t *ptr, size_t len, wit_string_t *ret);
IMPORT("join") extern void api_join(wit_string_t *ptr, size_t len, uint8_t *sep, size_t sep_len, wit_string_t *ret);
IMPORT("divide") extern void api_divide(uint32_t a, uint32_t b, uint8_t *ret);
IMPORT("add") extern uint32_t api_add(uint32_t a, uint32_t b);
IMPORT("reverse") extern void api_reverse(uint32_t *ptr, size_t len, void *ret);
IMPORT("get-config") extern void api_get_config(uint8_t *ptr, size_t len, uint8_t *ret);
IMPORT("[constructor]counter") extern int32_t api_counter_new(uint32_t start);
IMPORT("[method]counter.add") extern uint32_t api_counter_add(int32_t self, uint32_t n);
IMPORT("[resource-drop]counter") extern void api_counter_drop(int32_t self);
IMPORT("live-counters") extern uint32_t api_live_counters(void);

/* The host allocates results in guest memory through this (wit-bindgen
** emits the same function). */
__attribute__((export_name("cabi_realloc"))) void *cabi_realloc(void *old, size_t old_size, size_t align,
                                                                 size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void *)align;
  void *p = realloc(old, new_size); /* malloc aligns to 16 >= any WIT alignment */
  if (!p) abort();
  return p;
}

static int failures;
static void expect(int ok, const char *what) {
  printf("%s: %s\n", ok ? "ok" : "FAIL", what);
  failures += !ok;
}

static wit_string_t str(const char *s) { return (wit_string_t){(uint8_t *)s, strlen(s)}; }

int main(void) {
  wit_string_t r;
  api_echo((uint8_t *)"grüße", strlen("grüße"), &r);
  printf("echo: %.*s\n", (int)r.len, (const char *)r.ptr);
  expect(r.len == strlen("grüße") && !memcmp(r.ptr, "grüße", r.len), "echo returns the string");
  free(r.ptr);

  wit_string_t parts[3] = {str("a"), str("b"), str("c")};
  api_join(parts, 3, (uint8_t *)"-", 1, &r);
  printf("join: %.*s\n", (int)r.len, (const char *)r.ptr);
  expect(r.len == 5 && !memcmp(r.ptr, "a-b-c", 5), "join of list<string>");
  free(r.ptr);

  /* result<u32, string>: tag u8 at 0, payload at 4 */
  _Alignas(4) uint8_t ret[12];
  api_divide(7, 2, ret);
  expect(ret[0] == 0 && *(uint32_t *)(ret + 4) == 3, "divide ok");
  api_divide(1, 0, ret);
  wit_string_t *err = (wit_string_t *)(ret + 4);
  printf("divide error: %.*s\n", (int)err->len, (const char *)err->ptr);
  expect(ret[0] == 1 && err->len == 16, "divide returns a WIT error");
  free(err->ptr);

  expect(api_add(40, 2) == 42, "add");

  uint32_t nums[4] = {1, 2, 3, 4};
  struct { uint32_t *ptr; size_t len; } rl;
  api_reverse(nums, 4, &rl);
  expect(rl.len == 4 && rl.ptr[0] == 4 && rl.ptr[3] == 1, "reverse list<u32>");
  free(rl.ptr);

  api_get_config((uint8_t *)"greeting", 8, ret);
  wit_string_t *val = (wit_string_t *)(ret + 4);
  printf("greeting: %.*s\n", ret[0] ? (int)val->len : 4, ret[0] ? (const char *)val->ptr : "none");
  expect(ret[0] == 1, "config value visible to the plugin");

  int32_t c = api_counter_new(10);
  api_counter_add(c, 5);
  expect(api_counter_add(c, 1) == 16, "counter methods");
  int32_t d = api_counter_new(1);
  expect(api_live_counters() == 2, "two counters alive");
  api_counter_drop(c);
  expect(api_live_counters() == 1, "drop ran the destructor");
  (void)d; /* left alive: destroyed when the instance dies */

  printf("%s\n", failures ? "FAILED" : "all good");
  return failures ? 1 : 0;
}
