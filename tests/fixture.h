/*
** fixture.h — reading a test's input file whole: one reader for the C
** tests (host/host_test.h and core/core_test.h include it).
*/
#ifndef WASMPLUG_TEST_FIXTURE_H
#define WASMPLUG_TEST_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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
