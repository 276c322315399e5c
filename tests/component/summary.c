/*
** summary.c — a textual summary of a decoded component that the tests assert
** on: section counts, index space sizes, imports and exports in WIT syntax,
** canon definitions and custom sections.
*/
#include "summary.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct out {
  char *buf;
  size_t len, cap;
} out;

static void put(out *o, const char *s) {
  size_t n = strlen(s);
  if (o->len + n + 1 > o->cap) {
    size_t cap = (o->cap + n + 1) * 2;
    char *b = realloc(o->buf, cap);
    if (!b) abort();
    o->buf = b;
    o->cap = cap;
  }
  memcpy(o->buf + o->len, s, n + 1);
  o->len += n;
}

static void putf(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(out *o, const char *fmt, ...) {
  char tmp[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  put(o, tmp);
}

static void summarize(out *o, const wp_comp *c, int indent) {
  static const char *const secs[] = {"custom", "core-module", "core-instance", "core-type",
                                     "component", "instance", "alias", "type", "canon",
                                     "start", "import", "export", "value"};
  char pad[64];
  memset(pad, ' ', sizeof pad);
  pad[indent < 60 ? indent : 60] = 0;
  putf(o, "%ssections:", pad);
  for (int i = 0; i < WP_COMP_SEC_COUNT; i++)
    if (c->section_count[i]) putf(o, " %s=%u", secs[i], (unsigned)c->section_count[i]);
  put(o, "\n");
  putf(o, "%sspaces:", pad);
  for (int i = 0; i < WP_COMP_SORT_COUNT; i++)
    if (c->space[i].len) putf(o, " %s=%u", wp_comp_sort_name(i), (unsigned)c->space[i].len);
  put(o, "\n");
  char buf[4096];
  for (uint32_t i = 0; i < c->nimports; i++) {
    wp_comp_extern_wit(&c->imports[i], 1, buf, sizeof buf);
    putf(o, "%s%s\n", pad, buf);
  }
  for (uint32_t i = 0; i < c->nexports; i++) {
    wp_comp_extern_wit(&c->exports[i].ext, 0, buf, sizeof buf);
    putf(o, "%s%s\n", pad, buf);
  }
  for (uint32_t i = 0; i < c->ncanons; i++) {
    const wp_comp_canon *cn = &c->canons[i];
    putf(o, "%scanon %s", pad, wp_comp_canon_name(cn->op));
    if (cn->functype) {
      wp_comp_type_wit(cn->functype, buf, sizeof buf);
      putf(o, " `%s`", buf);
    }
    if (cn->opts.has_memory) putf(o, " memory=%u", (unsigned)cn->opts.memory);
    if (cn->opts.has_realloc) putf(o, " realloc=%u", (unsigned)cn->opts.realloc);
    if (cn->opts.has_post_return) putf(o, " post-return=%u", (unsigned)cn->opts.post_return);
    if (cn->opts.string_encoding) putf(o, " encoding=%u", cn->opts.string_encoding);
    if (cn->opts.is_async) put(o, " async");
    put(o, "\n");
  }
  for (uint32_t i = 0; i < c->ncustoms; i++)
    putf(o, "%scustom %.*s (%u bytes)\n", pad, (int)c->customs[i].name.len,
         c->customs[i].name.ptr, (unsigned)c->customs[i].size);
  if (c->names.present && c->names.component.len)
    putf(o, "%sname %.*s\n", pad, (int)c->names.component.len, c->names.component.ptr);
  for (uint32_t i = 0; i < c->ncomponents; i++) {
    putf(o, "%scomponent %u {\n", pad, (unsigned)i);
    summarize(o, c->components[i], indent + 2);
    putf(o, "%s}\n", pad);
  }
}

char *comp_summary(const wp_comp *c) {
  out o = {NULL, 0, 0};
  put(&o, "");
  summarize(&o, c, 0);
  return o.buf;
}
