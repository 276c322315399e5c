/*
** fuzz_wit_resolver.c — libFuzzer target: resolve any bytes and, when
** they resolve, check the printer and JSON: the printed WIT must parse
** again and print identically (a fixpoint), the JSON must be produced.
** With all features on so that gated items are exercised too.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wit/wit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wp_wit_resolve_t *r = wp_wit_resolve_new();
  if (!r) return 0;
  r->all_features = 1;
  uint32_t pkg;
  wp_wit_error_t *err = NULL;
  if (wp_wit_push_str(r, "fuzz.wit", (const char *)data, size, &pkg, &err)) {
    wp_wit_error_delete(err);
    wp_wit_resolve_delete(r);
    return 0;
  }
  char *json = wp_wit_to_json(r);
  char *text = wp_wit_print(r, pkg);
  if (!json || !text) abort();
  wp_wit_resolve_t *r2 = wp_wit_resolve_new();
  if (!r2) abort();
  r2->all_features = 1;
  uint32_t pkg2;
  if (wp_wit_push_str(r2, "printed.wit", text, strlen(text), &pkg2, &err)) {
    fprintf(stderr, "printed WIT does not parse: %s\n%s\n", err ? err->rendered : "?", text);
    abort();
  }
  char *text2 = wp_wit_print(r2, pkg2);
  if (!text2 || strcmp(text, text2)) {
    fprintf(stderr, "printer is not a fixpoint:\n%s\n----\n%s\n", text, text2 ? text2 : "");
    abort();
  }
  free(text2);
  free(text);
  free(json);
  wp_wit_resolve_delete(r2);
  wp_wit_resolve_delete(r);
  return 0;
}
