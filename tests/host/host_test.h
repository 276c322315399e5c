/*
** host_test.h — what the host tests share: CHECK and reading a file.
*/
#ifndef WASMPLUG_HOST_TEST_H
#define WASMPLUG_HOST_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../fixture.h" /* read_fixture */

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

#endif
