/*
** source.c — the resolve's source map and error rendering.
**
** Every source pushed into a resolve gets a range of global offsets, so a
** span (two u32 offsets) identifies file, line and column on its own.  Each
** source is followed by one virtual '\n' so that an end-of-file span still
** maps to its file.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

uint32_t wp_wit_source_add(wp_wit_ctx_t *cx, const char *path, const char *text, size_t len) {
  wp_wit_resolve_t *r = cx->r;
  if (len > UINT32_MAX / 2 || (uint64_t)r->source_end + len + 1 > UINT32_MAX / 2)
    wp_wit_fail(cx, wp_wit_span_unknown(), "%s: source too large", path);
  struct wp_wit_source *s =
      wp_wit_vpush(cx, cx->perm, &r->sources, &r->n_sources, sizeof *s);
  s->offset = r->source_end;
  s->path = wp_wit_strdup(cx, cx->perm, path);
  s->contents = wp_wit_strndup(cx, cx->perm, text, len);
  s->len = (uint32_t)len;
  r->source_end += (uint32_t)len + 1;
  return s->offset;
}

static const struct wp_wit_source *source_for(const wp_wit_resolve_t *r, uint32_t off) {
  const struct wp_wit_source *best = NULL;
  for (uint32_t i = 0; i < r->n_sources; i++)
    if (r->sources[i].offset <= off) best = &r->sources[i];
  return best;
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s);
  char *p = malloc(n + 1);
  if (p) memcpy(p, s, n + 1);
  return p;
}

char *wp_wit_location(wp_wit_ctx_t *cx, wp_wit_span_t span) {
  const wp_wit_resolve_t *r = cx->r;
  const struct wp_wit_source *s =
      span.start != WP_WIT_NONE && span.start <= r->source_end ? source_for(r, span.start) : NULL;
  if (!s) return wp_wit_strdup(cx, cx->tmp, "<unknown>");
  uint32_t rel = span.start - s->offset, line = 1, col = 1;
  if (rel > s->len) rel = s->len;
  for (uint32_t i = 0; i < rel; i++) {
    col++;
    if (s->contents[i] == '\n') {
      line++;
      col = 1;
    }
  }
  return wp_wit_fmt(cx, cx->tmp, "%s:%u:%u", s->path, line, col);
}

void wp_wit_error_delete(wp_wit_error_t *e) {
  if (!e) return;
  free(e->message);
  free(e->rendered);
  free(e->file);
  free(e);
}

/* Builds the error value.  Returns NULL only if malloc fails. */
static wp_wit_error_t *make_error(const wp_wit_resolve_t *r, wp_wit_span_t span,
                                  const char *msg) {
  wp_wit_error_t *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  wp_buf_t one = {0}, full = {0};
  const struct wp_wit_source *s =
      span.start != WP_WIT_NONE && span.start <= r->source_end ? source_for(r, span.start) : NULL;
  if (!s) {
    wp_buf_puts(&one, msg);
    wp_buf_puts(&full, msg);
  } else {
    uint32_t rel = span.start - s->offset;
    if (rel > s->len) rel = s->len;
    /* Line and byte column, 0-based, and the line's extent. */
    uint32_t line = 0, ls = 0;
    for (uint32_t i = 0; i < rel; i++)
      if (s->contents[i] == '\n') {
        line++;
        ls = i + 1;
      }
    uint32_t le = ls;
    while (le < s->len && s->contents[le] != '\n') le++;
    uint32_t snip_end = le;
    if (snip_end > ls && s->contents[snip_end - 1] == '\r') snip_end--;
    uint32_t col = rel - ls;
    e->file = xstrdup(s->path);
    e->line = line + 1;
    e->col = col + 1;
    wp_buf_printf(&one, "%s:%u:%u: %s", s->path, line + 1, col + 1, msg);
    if (snip_end - ls > 500) {
      wp_buf_printf(&full, "%s:%u:%u: %s", s->path, line + 1, col + 1, msg);
    } else {
      wp_buf_printf(&full, "%s\n     --> %s:%u:%u\n      |\n %4u | ", msg, s->path,
                        line + 1, col + 1, line + 1);
      wp_buf_put(&full, s->contents + ls, snip_end - ls);
      wp_buf_puts(&full, "\n      | ");
      for (uint32_t i = 0; i < col; i++) wp_buf_put(&full, " ", 1);
      wp_buf_puts(&full, "^");
      /* One '-' per further character (not byte) of the span. */
      if (span.end != WP_WIT_NONE && span.end > span.start) {
        uint32_t end = span.end - s->offset;
        if (end > s->len) end = s->len;
        int first = 1;
        for (uint32_t i = rel; i < end; i++) {
          unsigned char c = (unsigned char)s->contents[i];
          if ((c & 0xC0) == 0x80) continue;
          if (!first) wp_buf_puts(&full, "-");
          first = 0;
        }
      }
    }
  }
  e->message = wp_buf_take(&one);
  e->rendered = wp_buf_take(&full);
  if (!e->message || !e->rendered || (s && !e->file)) {
    wp_wit_error_delete(e);
    return NULL;
  }
  return e;
}

static _Noreturn void vfail(wp_wit_ctx_t *cx, wp_wit_span_t span, bool io, const char *fmt, va_list ap) {
  char *msg = wp_vformat(fmt, ap);
  cx->err = make_error(cx->r, span, msg ? msg : "out of memory");
  if (cx->err) cx->err->io = io;
  free(msg);
  longjmp(cx->jb, 1);
}

_Noreturn void wp_wit_fail(wp_wit_ctx_t *cx, wp_wit_span_t span, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(cx, span, false, fmt, ap);
}

_Noreturn void wp_wit_fail_io(wp_wit_ctx_t *cx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(cx, wp_wit_span_unknown(), true, fmt, ap);
}
