/*
** os_random.c — random bytes from the kernel's CSPRNG.
*/
#include <errno.h>
#include <sys/random.h>

#include "os.h"

wp_os_err_t wp_os_random(void *buf, size_t len) {
  unsigned char *p = buf;
  while (len > 0) {
    /* getrandom returns at most 32 MiB - 1 per call, and may be
    ** interrupted: loop until everything is filled. */
    ssize_t n = getrandom(p, len, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return wp_os_err_from_errno(errno);
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}
