/*
** p1_rights.c — the preview1 rights an fd reports.
**
** Rights are advisory in wasmplug, as in current runtimes: what a guest can
** really do is decided by how the host fd was opened and by read-only
** preopens.  They are still reported faithfully because wasi-libc reads
** them (isatty() looks for a character device without seek/tell rights).
*/
#include "p1.h"

#define FILE_READ                                                          \
  (P1_RIGHT_FD_READ | P1_RIGHT_FD_SEEK | P1_RIGHT_FD_TELL |                \
   P1_RIGHT_FD_FDSTAT_SET_FLAGS | P1_RIGHT_FD_SYNC | P1_RIGHT_FD_ADVISE |  \
   P1_RIGHT_FD_FILESTAT_GET | P1_RIGHT_POLL_FD_READWRITE)
#define FILE_WRITE                                                         \
  (P1_RIGHT_FD_WRITE | P1_RIGHT_FD_DATASYNC | P1_RIGHT_FD_ALLOCATE |       \
   P1_RIGHT_FD_FILESTAT_SET_SIZE | P1_RIGHT_FD_FILESTAT_SET_TIMES)
#define DIR_READ                                                           \
  (P1_RIGHT_FD_FDSTAT_SET_FLAGS | P1_RIGHT_FD_SYNC | P1_RIGHT_PATH_OPEN |  \
   P1_RIGHT_FD_READDIR | P1_RIGHT_PATH_READLINK |                          \
   P1_RIGHT_PATH_FILESTAT_GET | P1_RIGHT_FD_FILESTAT_GET |                 \
   P1_RIGHT_PATH_LINK_SOURCE | P1_RIGHT_PATH_RENAME_SOURCE)
#define DIR_WRITE                                                          \
  (P1_RIGHT_FD_DATASYNC | P1_RIGHT_PATH_CREATE_DIRECTORY |                 \
   P1_RIGHT_PATH_CREATE_FILE | P1_RIGHT_PATH_LINK_TARGET |                 \
   P1_RIGHT_PATH_RENAME_TARGET | P1_RIGHT_PATH_FILESTAT_SET_SIZE |         \
   P1_RIGHT_PATH_FILESTAT_SET_TIMES | P1_RIGHT_FD_FILESTAT_SET_TIMES |     \
   P1_RIGHT_PATH_SYMLINK | P1_RIGHT_PATH_REMOVE_DIRECTORY |                \
   P1_RIGHT_PATH_UNLINK_FILE)

uint64_t wp_p1_rights(wp_wasi_fd_kind_t kind, wp_os_filetype_t type,
                      bool readable, bool writable, bool readonly,
                      uint64_t *inh) {
  if (readonly) writable = false;
  if (kind == WP_WASI_FD_DIR || type == WP_OS_FT_DIRECTORY) {
    /* Write rights stay inheritable even when read-only, so that a write
    ** open reaches the OS layer and fails there with EROFS instead of
    ** silently becoming a read-only open. */
    *inh = DIR_READ | FILE_READ | DIR_WRITE | FILE_WRITE;
    return DIR_READ | (readonly ? 0 : DIR_WRITE);
  }
  *inh = 0;
  uint64_t r = P1_RIGHT_FD_FDSTAT_SET_FLAGS | P1_RIGHT_FD_FILESTAT_GET |
               P1_RIGHT_POLL_FD_READWRITE;
  if (readable) r |= FILE_READ;
  if (writable) r |= FILE_WRITE;
  /* Terminals, pipes and sockets cannot seek: leaving the rights out is
  ** how preview1 says so. */
  if (type != WP_OS_FT_REGULAR_FILE && type != WP_OS_FT_BLOCK_DEVICE)
    r &= ~(P1_RIGHT_FD_SEEK | P1_RIGHT_FD_TELL);
  return r;
}
