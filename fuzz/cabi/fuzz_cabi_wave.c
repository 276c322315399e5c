/*
 * fuzz_cabi_wave.c -- WAVE parsing of arbitrary text (what `--invoke`
 * feeds it) against random types.  Input: a type (fuzz_types.h grammar),
 * then a 0xFF separator-free remainder used as the text.  Parsing must
 * succeed or fail with an error; whatever parses must be well-formed, and
 * print to text that parses back to an equal value and prints identically.
 */
#include "cabi/cabi.h"
#include "fuzz_types.h"

#include <stdlib.h>
#include <string.h>

static void die(const char *what, const char *text) {
  fprintf(stderr, "fuzz_cabi_wave: invariant broken: %s: %s\n", what, text ? text : "");
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_init_names();
  rd_t r = {data, size, 0};
  ctx_t c = {wp_cabi_types_new(), {NULL, NULL}, false};
  c.res[0] = wp_cabi_resource_type(c.T, "r0", NULL, NULL, NULL);
  c.res[1] = wp_cabi_resource_type(c.T, "r1", NULL, NULL, NULL);
  const wp_cabi_type_t *ty = build(&c, &r, 0);
  if (ty) {
    size_t n = r.n - r.i;
    char *text = malloc(n ? n : 1); /* exact size: over-reads hit the redzone */
    if (n) memcpy(text, data + r.i, n);
    wp_cabi_val_t v;
    wp_cabi_error_t *e = wp_cabi_wave_parse(ty, text, n, &v);
    if (!e) {
      wp_cabi_error_t *ce = wp_cabi_val_check(ty, &v);
      if (ce) die("parsed value is malformed", wp_cabi_error_message(ce));
      char *s1 = NULL, *s2 = NULL;
      if ((e = wp_cabi_wave_print(ty, &v, &s1))) die("print", wp_cabi_error_message(e));
      wp_cabi_val_t w;
      if ((e = wp_cabi_wave_parse(ty, s1, strlen(s1), &w))) die("re-parse of printed text", s1);
      if (!wp_cabi_val_equal(&v, &w)) die("round trip changed the value", s1);
      if ((e = wp_cabi_wave_print(ty, &w, &s2))) die("second print", wp_cabi_error_message(e));
      if (strcmp(s1, s2)) die("printing is not a fixpoint", s1);
      free(s1);
      free(s2);
      wp_cabi_val_drop(&w);
      wp_cabi_val_drop(&v);
    }
    wp_cabi_error_delete(e);
    /* The same bytes as a call's argument list against a 2-param function. */
    const wp_cabi_type_t *ps[2] = {ty, ty};
    wp_cabi_func_t f = {2, NULL, ps, NULL};
    wp_cabi_val_t args[2];
    e = wp_cabi_wave_parse_args(&f, text, n, 0, args);
    if (!e) {
      wp_cabi_val_drop(&args[0]);
      wp_cabi_val_drop(&args[1]);
    }
    wp_cabi_error_delete(e);
    size_t nl, al;
    const char *a;
    wp_cabi_error_delete(wp_cabi_wave_split_call(text, n, &nl, &a, &al));
    free(text);
  }
  wp_cabi_types_delete(c.T);
  return 0;
}
