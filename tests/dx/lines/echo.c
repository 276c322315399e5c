/* echo.c — the plugin of lines.wit: only the function; the hooks are the
** bindings' defaults (bindgen c --plugin), the state a counter kept by the
** guest's instance... there is none: the count is a per-load static. */
#include <stdio.h>
#include <string.h>

#include "lines.h"

static unsigned calls; /* one guest at a time in this test */

int echo_echo(lines_ctx_t *cx, const lines_string_t *s, lines_string_t *ret) {
  char buf[256];
  int n = snprintf(buf, sizeof buf, "%.*s #%u", (int)s->len, (const char *)s->ptr, ++calls);
  return lines_string_set(cx, ret, buf, (size_t)n) ? lines_trap(cx, "out of memory") : 0;
}
