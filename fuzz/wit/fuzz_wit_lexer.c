/*
** fuzz_wit_lexer.c — libFuzzer target: the WIT lexer on any bytes.
** Tokenizes the whole input (validating identifiers and decoding string
** literals like the parser does); must never crash, hang or leak.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wit/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wp_wit_resolve_t *r = wp_wit_resolve_new();
  if (!r) return 0;
  wp_wit_ctx_t cx;
  memset(&cx, 0, sizeof cx);
  cx.r = r;
  cx.perm = r->arena;
  cx.tmp = wp_wit_arena_new();
  if (cx.tmp && !setjmp(cx.jb)) {
    uint32_t base = wp_wit_source_add(&cx, "fuzz.wit", (const char *)data, size);
    wp_wit_lexer_t lx;
    wp_wit_lexer_init(&lx, &cx, (const char *)data, (uint32_t)size, base);
    for (;;) {
      wp_wit_span_t sp;
      wp_wit_tok_t t = wp_wit_lex_raw(&lx, &sp);
      if (t == TK_EOF) break;
      if (sp.end < sp.start || sp.end - base > size) abort();
      if (t == TK_ID)
        wp_wit_validate_id(&cx, sp.start, (const char *)data + (sp.start - base), sp.end - sp.start);
      if (t == TK_STRING_LIT) wp_wit_lex_string(&lx, sp);
    }
  }
  wp_wit_error_delete(cx.err);
  wp_wit_arena_delete(cx.tmp);
  wp_wit_resolve_delete(r);
  return 0;
}
