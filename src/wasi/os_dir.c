/*
** os_dir.c — listing a directory from a cookie.
**
** The cookie is the kernel's own directory offset (d_off of the previous
** entry): getdents64() after lseek() to it resumes exactly there even when
** entries are added or removed in between, and the listing keeps no state
** of its own — so preview1's fd_readdir (which passes a cookie every call)
** and a 0.2 directory stream can both use it.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os.h"

static wp_os_filetype_t from_dtype(int fd, const char *name, unsigned char t) {
  switch (t) {
  case DT_BLK: return WP_OS_FT_BLOCK_DEVICE;
  case DT_CHR: return WP_OS_FT_CHARACTER_DEVICE;
  case DT_DIR: return WP_OS_FT_DIRECTORY;
  case DT_REG: return WP_OS_FT_REGULAR_FILE;
  case DT_LNK: return WP_OS_FT_SYMBOLIC_LINK;
  case DT_SOCK: return WP_OS_FT_SOCKET_STREAM;
  case DT_FIFO: return WP_OS_FT_FIFO;
  default: break;
  }
  /* Some file systems do not fill d_type: ask (never following links). */
  struct stat st;
  wp_os_stat_t s;
  if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return WP_OS_FT_UNKNOWN;
  wp_os_stat_from_host(&st, &s);
  return s.type;
}

wp_os_err_t wp_os_readdir(int fd, uint64_t cookie, wp_os_dirent_cb cb,
                          void *data) {
  if (cookie > INT64_MAX) return WP_OS_EINVAL;
  if (lseek(fd, (off_t)cookie, SEEK_SET) < 0)
    return wp_os_err_from_errno(errno);
  /* 8 KiB holds many entries and is fine on the stack of a host call. */
  _Alignas(8) char buf[8192];
  for (;;) {
    ssize_t n = getdents64(fd, buf, sizeof buf);
    if (n < 0) return wp_os_err_from_errno(errno);
    if (n == 0) return 0;
    for (ssize_t off = 0; off < n;) {
      const struct dirent64 *d = (const struct dirent64 *)(buf + off);
      wp_os_dirent_t ent;
      ent.next = (uint64_t)d->d_off;
      ent.ino = (uint64_t)d->d_ino;
      ent.name = d->d_name;
      ent.namelen = strlen(d->d_name);
      ent.type = from_dtype(fd, d->d_name, d->d_type);
      if (!cb(data, &ent)) return 0;
      off += d->d_reclen;
    }
  }
}
