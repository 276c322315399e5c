/*
** check.h — the one CHECK of the C tests (wasm guests keep their own: they
** build against wasi-libc with no include path into tests/).
**
**   CHECK(cond);                      counts a check; on failure prints
**   CHECK(cond, "fmt", args...);      "FAIL file:line: cond: message"
**
** The counters `checks` and `failures` are per translation unit (static):
** the test's main prints them and exits non-zero when `failures`.
*/
#ifndef WASMPLUG_TEST_CHECK_H
#define WASMPLUG_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int checks, failures;

/* Counts one check; a failed one starts its line "FAIL file:line: cond". */
static inline int check_at(int ok, const char *file, int line, const char *cond) {
  checks++;
  if (ok) return 1;
  failures++;
  fprintf(stderr, "FAIL %s:%d: %s", file, line, cond);
  return 0;
}

/* Ends a failed check's line with its message. */
__attribute__((format(printf, 1, 2))) static inline void check_message(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

/* The message's arguments are evaluated only when the check fails (they
** may be valid only then: an error's text).  The message, when given, must
** be a string literal: it is appended to ": " so that a CHECK without one
** still has a format. */
#define CHECK(cond, ...)                                      \
  do {                                                        \
    if (!check_at((cond) ? 1 : 0, __FILE__, __LINE__, #cond)) \
      check_message(": " __VA_ARGS__);                        \
  } while (0)

#endif
