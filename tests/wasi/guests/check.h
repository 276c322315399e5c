/* check.h — tiny assertion helpers for the WASI test guests: a failed check
** prints what and where on stdout and exits 1, so the driver sees both. */
#ifndef WASI_GUEST_CHECK_H
#define WASI_GUEST_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      printf("FAIL %s:%d: %s (errno %d: %s)\n", __FILE__, __LINE__, #cond, \
             errno, strerror(errno));                                      \
      exit(1);                                                             \
    }                                                                      \
  } while (0)

/* `expr` must fail (return -1 / NULL as `failed` says) with errno `e`. */
#define CHECK_ERRNO(failed, e)                                             \
  do {                                                                     \
    errno = 0;                                                             \
    if (!(failed) || errno != (e)) {                                       \
      printf("FAIL %s:%d: %s: expected errno %d (%s), got %d (%s)\n",      \
             __FILE__, __LINE__, #failed, (e), strerror(e), errno,         \
             strerror(errno));                                             \
      exit(1);                                                             \
    }                                                                      \
  } while (0)

#endif
