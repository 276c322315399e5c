/* nonblock.wasm: makes stdin non-blocking and stdout append-only, and
** exits.  The driver checks that the host's shared open files got their
** flags back. */
#include <fcntl.h>

#include "check.h"

int main(void) {
  CHECK(fcntl(0, F_SETFL, O_NONBLOCK) == 0);
  CHECK(fcntl(0, F_GETFL) & O_NONBLOCK);
  CHECK(fcntl(1, F_SETFL, O_APPEND) == 0);
  CHECK(fcntl(1, F_GETFL) & O_APPEND);
  printf("flags changed\n");
  return 0;
}
