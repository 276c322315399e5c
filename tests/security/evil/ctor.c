/* A shared object that runs code as soon as it is loaded (issue 12, item
** 1): its constructor creates the file named by $WP_PWNED.  It must never
** run, whether it comes as an artifact or planted in the cache. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void pwn(void) {
  const char *p = getenv("WP_PWNED");
  if (p) close(open(p, O_WRONLY | O_CREAT, 0600));
}

__attribute__((visibility("default"))) const void *wasmplug_glue_v1(void) {
  pwn();
  return NULL;
}
