/*
** host_test.h — what the host tests share: CHECK and reading a file.
*/
#ifndef WASMPLUG_HOST_TEST_H
#define WASMPLUG_HOST_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int failures;

#define CHECK(cond, ...)                                                      \
  do {                                                                        \
    if (!(cond)) {                                                            \
      failures++;                                                             \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);         \
      fprintf(stderr, __VA_ARGS__);                                           \
      fputc('\n', stderr);                                                    \
    }                                                                         \
  } while (0)

/* The whole file `dir`/`name` (`name` alone when dir is NULL); exits on
** failure (a missing fixture). */
static inline uint8_t *read_fixture(const char *dir, const char *name, size_t *len) {
  char p[1024];
  if (dir) snprintf(p, sizeof p, "%s/%s", dir, name);
  else snprintf(p, sizeof p, "%s", name);
  FILE *f = fopen(p, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", p);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n + 1);
  if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) exit(1);
  fclose(f);
  *len = (size_t)n;
  return b;
}

#endif
