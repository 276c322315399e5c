/*
** p1_sock.c — sock_recv, sock_send, sock_shutdown, sock_accept.
**
** Preview1 cannot create sockets: these act on sockets the host handed
** the guest (stdio of an inetd-style service, socket activation) and on
** connections accepted from them.  On anything that is not a socket they
** answer ENOTSOCK, as POSIX and the reference do (EBADF for a closed fd).
*/
#include <stdlib.h>

#include "p1.h"

#define RIFLAG_PEEK 1u
#define RIFLAG_WAITALL 2u
#define ROFLAG_DATA_TRUNCATED 1u
#define SDFLAG_RD 1u
#define SDFLAG_WR 2u

static bool is_socket(const wp_wasi_fd_t *e) {
  return e->type == WP_OS_FT_SOCKET_STREAM || e->type == WP_OS_FT_SOCKET_DGRAM;
}

/* The socket fd `fd` holding `need`, or NULL with *err set. */
static wp_wasi_fd_t *sock(p1_call_t *c, uint32_t fd, uint64_t need,
                          wp_os_err_t *err) {
  wp_wasi_fd_t *e = p1_fd(c, fd, err);
  if (!e) return NULL;
  if (!is_socket(e)) {
    *err = WP_OS_ENOTSOCK;
    return NULL;
  }
  return p1_fd_right(c, fd, need, err);
}

/* sock_recv and sock_send: gather the iovecs, transfer, store the count. */
static wp_os_err_t xfer(p1_call_t *c, int fd, uint32_t iovs, uint32_t niovs,
                        bool recv, uint32_t riflags, uint32_t nptr,
                        uint32_t roptr) {
  wp_os_err_t err;
  if (!p1_ptr(c, nptr, 4, 4, &err)) return err;
  if (recv && !p1_ptr(c, roptr, 2, 2, &err)) return err;
  struct iovec local[16];
  struct iovec *iov = local;
  if (niovs > 16 && !(iov = malloc(P1_MAX_IOVS * sizeof *iov)))
    return WP_OS_ENOMEM;
  int n = 0;
  size_t done = 0;
  bool truncated = false;
  err = p1_iovecs(c, iovs, niovs, iov, &n);
  if (!err && n > 0) {
    if (recv)
      err = wp_os_recv(fd, iov, n, riflags & RIFLAG_PEEK,
                       riflags & RIFLAG_WAITALL, &done, &truncated);
    else
      err = wp_os_send(fd, iov, n, &done);
  }
  if (iov != local) free(iov);
  if (!err) err = p1_out32(c, nptr, (uint32_t)done);
  if (!err && recv) {
    uint8_t *p = p1_ptr(c, roptr, 2, 2, &err);
    if (p) p1_st16(p, truncated ? ROFLAG_DATA_TRUNCATED : 0);
  }
  return err;
}

wp_os_err_t wp_p1_sock_recv(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = sock(c, p1_u32(a, 0), P1_RIGHT_FD_READ, &err);
  if (!e) return err;
  uint32_t flags = p1_u32(a, 3) & 0xFFFF;
  if (flags & ~(RIFLAG_PEEK | RIFLAG_WAITALL)) return WP_OS_EINVAL;
  return xfer(c, e->h.fd, p1_u32(a, 1), p1_u32(a, 2), true, flags,
              p1_u32(a, 4), p1_u32(a, 5));
}

wp_os_err_t wp_p1_sock_send(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = sock(c, p1_u32(a, 0), P1_RIGHT_FD_WRITE, &err);
  if (!e) return err;
  if (p1_u32(a, 3) & 0xFFFF) return WP_OS_EINVAL; /* no siflags exist */
  return xfer(c, e->h.fd, p1_u32(a, 1), p1_u32(a, 2), false, 0, p1_u32(a, 4),
              0);
}

wp_os_err_t wp_p1_sock_shutdown(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = sock(c, p1_u32(a, 0), P1_RIGHT_SOCK_SHUTDOWN, &err);
  if (!e) return err;
  uint32_t how = p1_u32(a, 1) & 0xFF;
  if (!how || (how & ~(SDFLAG_RD | SDFLAG_WR))) return WP_OS_EINVAL;
  return wp_os_shutdown(e->h.fd, how & SDFLAG_RD, how & SDFLAG_WR);
}

wp_os_err_t wp_p1_sock_accept(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *l = sock(c, p1_u32(a, 0), P1_RIGHT_SOCK_ACCEPT, &err);
  if (!l) return err;
  uint32_t flags = p1_u32(a, 1) & 0xFFFF, out = p1_u32(a, 2);
  if (flags & ~P1_FDFLAG_NONBLOCK) return WP_OS_EINVAL;
  if (!p1_ptr(c, out, 4, 4, &err)) return err;
  wp_wasi_fd_t e;
  memset(&e, 0, sizeof e);
  err = wp_os_accept(l->h.fd, flags & P1_FDFLAG_NONBLOCK, &e.h.fd);
  if (err) return err;
  e.kind = WP_WASI_FD_FILE;
  e.type = l->type;
  /* a connection may do what its listener's connections may */
  e.rights_base = wp_p1_rights(e.kind, e.type, true, true, false, false,
                               &e.rights_inheriting) &
                  l->rights_inheriting;
  uint32_t fd;
  if ((err = wp_wasi_fd_add(c->ctx, &e, &fd))) {
    wp_os_close(&e.h);
    return err;
  }
  return p1_out32(c, out, fd);
}
