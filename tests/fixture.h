/*
** fixture.h — reading a test's input file whole: the one reader of the C
** tests (wasm guests excepted).
*/
#ifndef WASMPLUG_TEST_FIXTURE_H
#define WASMPLUG_TEST_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The whole file at `path`, NUL-terminated one byte past *len (so text
** files can be used as strings); NULL when it cannot be opened or read. */
static inline uint8_t *try_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *b = NULL;
  long n = -1;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
    b = malloc((size_t)n + 1);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  if (!b) return NULL;
  b[n] = 0;
  *len = (size_t)n;
  return b;
}

/* The whole file `dir`/`name` (`name` alone when dir is NULL); exits with
** a message when it cannot be read (a missing fixture is not what a test
** checks). */
static inline uint8_t *read_fixture(const char *dir, const char *name, size_t *len) {
  char p[4096];
  if (dir) snprintf(p, sizeof p, "%s/%s", dir, name);
  else snprintf(p, sizeof p, "%s", name);
  uint8_t *b = try_read_file(p, len);
  if (!b) {
    fprintf(stderr, "cannot read %s\n", p);
    exit(2);
  }
  return b;
}

#endif
