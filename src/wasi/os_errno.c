/*
** os_errno.c — host errno values to the OS layer's (WASI preview1) numbering.
**
** Anything the table does not know becomes EIO rather than leaking a host
** number the guest would misread.
*/
#include <errno.h>

#include "os.h"

wp_os_err_t wp_os_err_from_errno(int e) {
  switch (e) {
  case 0: return WP_OS_ESUCCESS;
  case E2BIG: return WP_OS_E2BIG;
  case EACCES: return WP_OS_EACCES;
  case EADDRINUSE: return WP_OS_EADDRINUSE;
  case EADDRNOTAVAIL: return WP_OS_EADDRNOTAVAIL;
  case EAFNOSUPPORT: return WP_OS_EAFNOSUPPORT;
  case EAGAIN: return WP_OS_EAGAIN;
  case EALREADY: return WP_OS_EALREADY;
  case EBADF: return WP_OS_EBADF;
  case EBADMSG: return WP_OS_EBADMSG;
  case EBUSY: return WP_OS_EBUSY;
  case ECANCELED: return WP_OS_ECANCELED;
  case ECHILD: return WP_OS_ECHILD;
  case ECONNABORTED: return WP_OS_ECONNABORTED;
  case ECONNREFUSED: return WP_OS_ECONNREFUSED;
  case ECONNRESET: return WP_OS_ECONNRESET;
  case EDEADLK: return WP_OS_EDEADLK;
  case EDESTADDRREQ: return WP_OS_EDESTADDRREQ;
  case EDOM: return WP_OS_EDOM;
  case EDQUOT: return WP_OS_EDQUOT;
  case EEXIST: return WP_OS_EEXIST;
  case EFAULT: return WP_OS_EFAULT;
  case EFBIG: return WP_OS_EFBIG;
  case EHOSTUNREACH: return WP_OS_EHOSTUNREACH;
  case EIDRM: return WP_OS_EIDRM;
  case EILSEQ: return WP_OS_EILSEQ;
  case EINPROGRESS: return WP_OS_EINPROGRESS;
  case EINTR: return WP_OS_EINTR;
  case EINVAL: return WP_OS_EINVAL;
  case EIO: return WP_OS_EIO;
  case EISCONN: return WP_OS_EISCONN;
  case EISDIR: return WP_OS_EISDIR;
  case ELOOP: return WP_OS_ELOOP;
  case EMFILE: return WP_OS_EMFILE;
  case EMLINK: return WP_OS_EMLINK;
  case EMSGSIZE: return WP_OS_EMSGSIZE;
  case EMULTIHOP: return WP_OS_EMULTIHOP;
  case ENAMETOOLONG: return WP_OS_ENAMETOOLONG;
  case ENETDOWN: return WP_OS_ENETDOWN;
  case ENETRESET: return WP_OS_ENETRESET;
  case ENETUNREACH: return WP_OS_ENETUNREACH;
  case ENFILE: return WP_OS_ENFILE;
  case ENOBUFS: return WP_OS_ENOBUFS;
  case ENODEV: return WP_OS_ENODEV;
  case ENOENT: return WP_OS_ENOENT;
  case ENOEXEC: return WP_OS_ENOEXEC;
  case ENOLCK: return WP_OS_ENOLCK;
  case ENOLINK: return WP_OS_ENOLINK;
  case ENOMEM: return WP_OS_ENOMEM;
  case ENOMSG: return WP_OS_ENOMSG;
  case ENOPROTOOPT: return WP_OS_ENOPROTOOPT;
  case ENOSPC: return WP_OS_ENOSPC;
  case ENOSYS: return WP_OS_ENOSYS;
  case ENOTCONN: return WP_OS_ENOTCONN;
  case ENOTDIR: return WP_OS_ENOTDIR;
  case ENOTEMPTY: return WP_OS_ENOTEMPTY;
  case ENOTRECOVERABLE: return WP_OS_ENOTRECOVERABLE;
  case ENOTSOCK: return WP_OS_ENOTSOCK;
  case ENOTSUP: return WP_OS_ENOTSUP; /* == EOPNOTSUPP on Linux */
  case ENOTTY: return WP_OS_ENOTTY;
  case ENXIO: return WP_OS_ENXIO;
  case EOVERFLOW: return WP_OS_EOVERFLOW;
  case EOWNERDEAD: return WP_OS_EOWNERDEAD;
  case EPERM: return WP_OS_EPERM;
  case EPIPE: return WP_OS_EPIPE;
  case EPROTO: return WP_OS_EPROTO;
  case EPROTONOSUPPORT: return WP_OS_EPROTONOSUPPORT;
  case EPROTOTYPE: return WP_OS_EPROTOTYPE;
  case ERANGE: return WP_OS_ERANGE;
  case EROFS: return WP_OS_EROFS;
  case ESPIPE: return WP_OS_ESPIPE;
  case ESRCH: return WP_OS_ESRCH;
  case ESTALE: return WP_OS_ESTALE;
  case ETIMEDOUT: return WP_OS_ETIMEDOUT;
  case ETXTBSY: return WP_OS_ETXTBSY;
  case EXDEV: return WP_OS_EXDEV;
  default: return WP_OS_EIO;
  }
}

static const char *const names[] = {
  "ESUCCESS", "E2BIG", "EACCES", "EADDRINUSE", "EADDRNOTAVAIL",
  "EAFNOSUPPORT", "EAGAIN", "EALREADY", "EBADF", "EBADMSG", "EBUSY",
  "ECANCELED", "ECHILD", "ECONNABORTED", "ECONNREFUSED", "ECONNRESET",
  "EDEADLK", "EDESTADDRREQ", "EDOM", "EDQUOT", "EEXIST", "EFAULT", "EFBIG",
  "EHOSTUNREACH", "EIDRM", "EILSEQ", "EINPROGRESS", "EINTR", "EINVAL", "EIO",
  "EISCONN", "EISDIR", "ELOOP", "EMFILE", "EMLINK", "EMSGSIZE", "EMULTIHOP",
  "ENAMETOOLONG", "ENETDOWN", "ENETRESET", "ENETUNREACH", "ENFILE",
  "ENOBUFS", "ENODEV", "ENOENT", "ENOEXEC", "ENOLCK", "ENOLINK", "ENOMEM",
  "ENOMSG", "ENOPROTOOPT", "ENOSPC", "ENOSYS", "ENOTCONN", "ENOTDIR",
  "ENOTEMPTY", "ENOTRECOVERABLE", "ENOTSOCK", "ENOTSUP", "ENOTTY", "ENXIO",
  "EOVERFLOW", "EOWNERDEAD", "EPERM", "EPIPE", "EPROTO", "EPROTONOSUPPORT",
  "EPROTOTYPE", "ERANGE", "EROFS", "ESPIPE", "ESRCH", "ESTALE", "ETIMEDOUT",
  "ETXTBSY", "EXDEV", "ENOTCAPABLE",
};

_Static_assert(sizeof names / sizeof names[0] == WP_OS_ENOTCAPABLE + 1,
               "one name per errno");

const char *wp_os_err_name(wp_os_err_t err) {
  if (err < sizeof names / sizeof names[0]) return names[err];
  return "E?";
}
