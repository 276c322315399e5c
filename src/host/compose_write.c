/*
** compose_write.c — the few encodings every component writer needs
** (compose_encode.c, compose_new.c): LEB128, names, sections.
*/
#include "host/compose_internal.h"

void wp_compose_leb(wp_buf_t *b, uint64_t v) {
  do {
    uint8_t c = v & 0x7f;
    v >>= 7;
    wp_buf_byte(b, v ? c | 0x80 : c);
  } while (v);
}

void wp_compose_sleb(wp_buf_t *b, int64_t v) {
  for (;;) {
    uint8_t c = v & 0x7f;
    v >>= 7; /* arithmetic: the sign is kept */
    bool done = (v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40));
    wp_buf_byte(b, done ? c : c | 0x80);
    if (done) return;
  }
}

void wp_compose_str(wp_buf_t *b, const char *s, size_t n) {
  wp_compose_leb(b, n);
  wp_buf_put(b, s, n);
}

void wp_compose_section(wp_buf_t *out, uint8_t id, long count, const wp_buf_t *body) {
  wp_buf_t tmp = {0};
  if (count >= 0) wp_compose_leb(&tmp, (uint64_t)count);
  wp_buf_put(&tmp, body->s, body->len);
  wp_buf_byte(out, id);
  wp_compose_leb(out, tmp.len);
  wp_buf_put(out, tmp.s, tmp.len);
  if (tmp.oom || body->oom) out->oom = true;
  free(tmp.s);
}
