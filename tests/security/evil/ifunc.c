/* No constructor (linked -nostartfiles), but an IFUNC: its resolver runs
** while the dynamic loader binds the reference below (issue 12, item 1). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static int real(void) { return 1; }
static int (*resolve(void))(void) {
  const char *p = getenv("WP_PWNED");
  if (p) close(open(p, O_WRONLY | O_CREAT, 0600));
  return real;
}
__attribute__((visibility("default"))) int evil(void) __attribute__((ifunc("resolve")));
__attribute__((visibility("default"))) int (*use)(void) = evil;
