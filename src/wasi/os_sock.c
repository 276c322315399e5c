/*
** os_sock.c — the socket operations preview1 has (sock_recv, sock_send,
** sock_shutdown, sock_accept), for sockets the host handed the guest as
** stdio (inetd-style services, socket activation).  The guest cannot
** create sockets through preview1, so these only ever act on such fds and
** on connections accepted from them.
**
** Like readv/writev, the calls that may block do not retry EINTR: only the
** watchdog interrupts them, at the guest call's deadline (os.h,
** "Deadlines").
*/
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "os.h"

wp_os_err_t wp_os_recv(int fd, const struct iovec *iov, int n, bool peek,
                       bool waitall, size_t *done, bool *truncated) {
  struct msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_iov = (struct iovec *)iov;
  m.msg_iovlen = (size_t)n;
  int flags = (peek ? MSG_PEEK : 0) | (waitall ? MSG_WAITALL : 0);
  ssize_t r = recvmsg(fd, &m, flags);
  if (r < 0) return wp_os_err_from_errno(errno);
  *done = (size_t)r;
  *truncated = (m.msg_flags & MSG_TRUNC) != 0;
  return 0;
}

wp_os_err_t wp_os_send(int fd, const struct iovec *iov, int n, size_t *done) {
  struct msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_iov = (struct iovec *)iov;
  m.msg_iovlen = (size_t)n;
  /* MSG_NOSIGNAL: a peer that left is EPIPE, never SIGPIPE. */
  ssize_t r = sendmsg(fd, &m, MSG_NOSIGNAL);
  if (r < 0) return wp_os_err_from_errno(errno);
  *done = (size_t)r;
  return 0;
}

wp_os_err_t wp_os_shutdown(int fd, bool rd, bool wr) {
  int how = rd && wr ? SHUT_RDWR : rd ? SHUT_RD : SHUT_WR;
  return shutdown(fd, how) < 0 ? wp_os_err_from_errno(errno) : 0;
}

wp_os_err_t wp_os_accept(int fd, bool nonblock, int *out) {
  int r = accept4(fd, NULL, NULL, SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
  if (r < 0) return wp_os_err_from_errno(errno);
  *out = r;
  return 0;
}
