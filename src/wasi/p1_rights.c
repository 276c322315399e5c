/*
** p1_rights.c — the preview1 rights of an fd: what it reports, and what
** every function checks before acting (p1_fd_right).
**
** Rights follow the preview1 spec: a new fd gets at most what its open
** mode and type allow, intersected with what the program asked for and
** what the directory it came from may hand down; fd_fdstat_set_rights can
** only take rights away; a function called without the right it needs
** fails with ENOTCAPABLE.  What the host fd really allows (its open mode,
** read-only preopens) is still enforced underneath: rights only ever
** narrow it.  wasi-libc relies on the reported rights too: isatty() is
** "a character device without the seek/tell rights".
*/
#include "p1.h"

/* Rights a file may have whatever its open mode. */
#define FILE_ANY                                                           \
  (P1_RIGHT_FD_FDSTAT_SET_FLAGS | P1_RIGHT_FD_FILESTAT_GET |               \
   P1_RIGHT_POLL_FD_READWRITE | P1_RIGHT_FD_SEEK | P1_RIGHT_FD_TELL |      \
   P1_RIGHT_FD_SYNC | P1_RIGHT_FD_DATASYNC | P1_RIGHT_FD_ADVISE)
/* ...only when it was opened for writing (the kernel refuses the rest). */
#define FILE_WRITE                                                         \
  (P1_RIGHT_FD_WRITE | P1_RIGHT_FD_ALLOCATE | P1_RIGHT_FD_FILESTAT_SET_SIZE)
#define FILE_ALL                                                           \
  (FILE_ANY | FILE_WRITE | P1_RIGHT_FD_READ | P1_RIGHT_FD_FILESTAT_SET_TIMES)
/* Rights that only make sense on a file. */
#define FILE_ONLY                                                          \
  (P1_RIGHT_FD_READ | P1_RIGHT_FD_WRITE | P1_RIGHT_FD_SEEK |               \
   P1_RIGHT_FD_TELL | P1_RIGHT_FD_ADVISE | P1_RIGHT_FD_ALLOCATE |          \
   P1_RIGHT_FD_FILESTAT_SET_SIZE)
/* A directory's rights that change nothing... */
#define DIR_READ                                                           \
  (P1_RIGHT_FD_FDSTAT_SET_FLAGS | P1_RIGHT_FD_SYNC | P1_RIGHT_PATH_OPEN |  \
   P1_RIGHT_FD_READDIR | P1_RIGHT_PATH_READLINK |                          \
   P1_RIGHT_PATH_FILESTAT_GET | P1_RIGHT_FD_FILESTAT_GET |                 \
   P1_RIGHT_PATH_LINK_SOURCE | P1_RIGHT_PATH_RENAME_SOURCE |               \
   P1_RIGHT_POLL_FD_READWRITE)
/* ...and those that do (none under a read-only preopen). */
#define DIR_WRITE                                                          \
  (P1_RIGHT_FD_DATASYNC | P1_RIGHT_PATH_CREATE_DIRECTORY |                 \
   P1_RIGHT_PATH_CREATE_FILE | P1_RIGHT_PATH_LINK_TARGET |                 \
   P1_RIGHT_PATH_RENAME_TARGET | P1_RIGHT_PATH_FILESTAT_SET_SIZE |         \
   P1_RIGHT_PATH_FILESTAT_SET_TIMES | P1_RIGHT_FD_FILESTAT_SET_TIMES |     \
   P1_RIGHT_PATH_SYMLINK | P1_RIGHT_PATH_REMOVE_DIRECTORY |                \
   P1_RIGHT_PATH_UNLINK_FILE)
/* Rights whose absence under a read-only preopen is reported as EROFS:
** the program asked to change something it may never change. */
#define CHANGES                                                            \
  (DIR_WRITE | P1_RIGHT_FD_ALLOCATE | P1_RIGHT_FD_FILESTAT_SET_SIZE |      \
   P1_RIGHT_FD_FILESTAT_SET_TIMES)

uint64_t wp_p1_rights(wp_wasi_fd_kind_t kind, wp_os_filetype_t type,
                      bool readable, bool writable, bool readonly,
                      bool seekable, uint64_t *inh) {
  if (readonly) writable = false;
  if (kind == WP_WASI_FD_DIR || type == WP_OS_FT_DIRECTORY) {
    /* Write rights stay inheritable even when read-only, so that a write
    ** open reaches the OS layer and fails there with EROFS instead of
    ** silently becoming a read-only open. */
    *inh = DIR_READ | DIR_WRITE | FILE_ALL;
    return DIR_READ | (readonly ? 0 : DIR_WRITE);
  }
  *inh = 0;
  uint64_t r = FILE_ANY;
  if (readable) r |= P1_RIGHT_FD_READ;
  if (writable) r |= FILE_WRITE;
  if (!readonly) r |= P1_RIGHT_FD_FILESTAT_SET_TIMES;
  if (type == WP_OS_FT_SOCKET_STREAM || type == WP_OS_FT_SOCKET_DGRAM) {
    /* accepted connections may be shut down, read and written */
    r |= P1_RIGHT_SOCK_SHUTDOWN | P1_RIGHT_SOCK_ACCEPT;
    *inh = FILE_ANY | P1_RIGHT_FD_READ | FILE_WRITE | P1_RIGHT_SOCK_SHUTDOWN;
  }
  /* Terminals, pipes and sockets cannot seek: leaving the rights out is
  ** how preview1 says so (and how wasi-libc's isatty() tells a terminal
  ** from /dev/null, both character devices). */
  if (!seekable) r &= ~(P1_RIGHT_FD_SEEK | P1_RIGHT_FD_TELL);
  return r;
}

wp_wasi_fd_t *p1_fd_right(p1_call_t *c, uint32_t fd, uint64_t need,
                          wp_os_err_t *err) {
  wp_wasi_fd_t *e = p1_fd(c, fd, err);
  if (!e) return NULL;
  uint64_t missing = need & ~e->rights_base;
  if (missing) {
    /* Reading or writing an fd not open for it is EBADF, as POSIX says;
    ** so is a file operation on a directory (as the reference has it). */
    if ((missing & (P1_RIGHT_FD_READ | P1_RIGHT_FD_WRITE)) ||
        (e->type == WP_OS_FT_DIRECTORY && (missing & FILE_ONLY)))
      *err = WP_OS_EBADF;
    else if (e->h.readonly && (missing & CHANGES)) *err = WP_OS_EROFS;
    else *err = WP_OS_ENOTCAPABLE;
    return NULL;
  }
  return e;
}
