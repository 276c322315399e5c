/* pollin.wasm: poll_oneoff on stdin.  The driver feeds stdin from a pipe
** that stays empty for a while, then carries "ping\n" and closes.  First a
** stdin subscription with a 100 ms clock must time out, then one without a
** clock must report stdin readable with the bytes waiting. */
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

int main(void) {
  __wasi_subscription_t sub[2];
  __wasi_event_t ev[2];
  __wasi_size_t n = 0;
  memset(sub, 0, sizeof sub);
  sub[0].userdata = 1;
  sub[0].u.tag = __WASI_EVENTTYPE_FD_READ;
  sub[0].u.u.fd_read.file_descriptor = 0;
  sub[1].userdata = 2;
  sub[1].u.tag = __WASI_EVENTTYPE_CLOCK;
  sub[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  sub[1].u.u.clock.timeout = 100 * 1000000ull;
  CHECK(__wasi_poll_oneoff(sub, ev, 2, &n) == 0);
  CHECK(n == 1 && ev[0].userdata == 2 && ev[0].type == __WASI_EVENTTYPE_CLOCK);
  printf("timed out first\n");
  fflush(stdout);

  CHECK(__wasi_poll_oneoff(sub, ev, 1, &n) == 0);
  CHECK(n == 1 && ev[0].userdata == 1 && ev[0].error == 0 &&
        ev[0].type == __WASI_EVENTTYPE_FD_READ);
  /* the writer sends everything at once, but may be split by the pipe */
  CHECK(ev[0].fd_readwrite.nbytes >= 1 && ev[0].fd_readwrite.nbytes <= 5);
  char buf[16] = {0};
  CHECK(read(0, buf, sizeof buf - 1) >= 1);
  printf("stdin ready: %s", buf);

  /* a subscription on a bad fd fails the whole call with EBADF, as in the
  ** reference (Wasmtime): it could never become ready */
  sub[0].u.u.fd_read.file_descriptor = 77;
  CHECK(__wasi_poll_oneoff(sub, ev, 2, &n) == __WASI_ERRNO_BADF);
  printf("pollin: all checks passed\n");
  return 0;
}
