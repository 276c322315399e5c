/*
** os_pathops.c — operations on a name beneath a directory handle: stat,
** times, mkdir, rmdir, unlink, rename, link, symlink, readlink.
**
** Each resolves the parent directory through the sandbox
** (wp_os_resolve_parent) and then acts on the last component with an *at()
** call that does not follow it, so a final symlink is only ever followed by
** wp_os_openat() (which stays inside).  Read-only handles refuse every
** change with EROFS before touching the file system.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os.h"

void wp_os_stat_from_host(const struct stat *st, wp_os_stat_t *out) {
  memset(out, 0, sizeof *out);
  out->dev = (uint64_t)st->st_dev;
  out->ino = (uint64_t)st->st_ino;
  switch (st->st_mode & S_IFMT) {
  case S_IFBLK: out->type = WP_OS_FT_BLOCK_DEVICE; break;
  case S_IFCHR: out->type = WP_OS_FT_CHARACTER_DEVICE; break;
  case S_IFDIR: out->type = WP_OS_FT_DIRECTORY; break;
  case S_IFREG: out->type = WP_OS_FT_REGULAR_FILE; break;
  case S_IFLNK: out->type = WP_OS_FT_SYMBOLIC_LINK; break;
  case S_IFSOCK: out->type = WP_OS_FT_SOCKET_STREAM; break;
  case S_IFIFO: out->type = WP_OS_FT_FIFO; break;
  default: out->type = WP_OS_FT_UNKNOWN; break;
  }
  out->nlink = (uint64_t)st->st_nlink;
  out->size = (uint64_t)st->st_size;
  out->atim = wp_os_ns_from_timespec(&st->st_atim);
  out->mtim = wp_os_ns_from_timespec(&st->st_mtim);
  out->ctim = wp_os_ns_from_timespec(&st->st_ctim);
}

/* The parent fd and leaf of `path`, for an operation on the leaf itself. */
typedef struct target {
  int fd;
  char leaf[WP_OS_LEAF_MAX];
  bool slash;
} target_t;

static wp_os_err_t target_open(const wp_os_handle_t *dir, const char *path,
                               target_t *t) {
  t->fd = -1;
  return wp_os_resolve_parent(dir, path, &t->fd, t->leaf, &t->slash);
}

static void target_close(target_t *t) {
  if (t->fd >= 0) close(t->fd);
}

/* "name/" must be a directory (or a symlink the caller will follow). */
static wp_os_err_t check_slash(const target_t *t) {
  struct stat st;
  if (!t->slash) return 0;
  if (fstatat(t->fd, t->leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return wp_os_err_from_errno(errno);
  return S_ISDIR(st.st_mode) ? 0 : WP_OS_ENOTDIR;
}

/* A name to be created ("new/") with a trailing slash: only a directory
** could ever have that name.  If something is there already the answer is
** EEXIST for a directory and ENOTDIR otherwise; if nothing is, ENOENT
** (links and symlinks cannot create directories), as on Linux. */
static wp_os_err_t check_new_slash(const target_t *t) {
  struct stat st;
  if (!t->slash) return 0;
  if (fstatat(t->fd, t->leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return wp_os_err_from_errno(errno);
  return S_ISDIR(st.st_mode) ? WP_OS_EEXIST : WP_OS_ENOTDIR;
}

wp_os_err_t wp_os_stat_at(const wp_os_handle_t *dir, const char *path,
                          bool follow, wp_os_stat_t *out) {
  struct stat st;
  if (follow) {
    int fd;
    wp_os_err_t err = wp_os_openat(dir, path, O_PATH, 0, true, &fd);
    if (err) return err;
    int r = fstat(fd, &st);
    int e = errno;
    close(fd);
    if (r < 0) return wp_os_err_from_errno(e);
  } else {
    target_t t;
    wp_os_err_t err = target_open(dir, path, &t);
    if (!err && fstatat(t.fd, t.leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
      err = wp_os_err_from_errno(errno);
    if (!err && t.slash && !S_ISDIR(st.st_mode)) err = WP_OS_ENOTDIR;
    target_close(&t);
    if (err) return err;
  }
  wp_os_stat_from_host(&st, out);
  return 0;
}

wp_os_err_t wp_os_utimes_at(const wp_os_handle_t *dir, const char *path,
                            bool follow, wp_os_time_t atim,
                            wp_os_time_t mtim) {
  if (dir->readonly) return WP_OS_EROFS;
  struct timespec ts[2];
  wp_os_time_to_timespec(atim, &ts[0]);
  wp_os_time_to_timespec(mtim, &ts[1]);
  if (follow) {
    /* Open the (sandbox-resolved) file itself, then futimens it: the
    ** kernel never re-resolves the name. */
    int fd;
    wp_os_err_t err =
        wp_os_openat(dir, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, true, &fd);
    if (err) return err;
    int r = futimens(fd, ts);
    int e = errno;
    close(fd);
    return r < 0 ? wp_os_err_from_errno(e) : 0;
  }
  target_t t;
  wp_os_err_t err = target_open(dir, path, &t);
  if (!err) err = check_slash(&t);
  if (!err && utimensat(t.fd, t.leaf, ts, AT_SYMLINK_NOFOLLOW) < 0)
    err = wp_os_err_from_errno(errno);
  target_close(&t);
  return err;
}

wp_os_err_t wp_os_mkdir_at(const wp_os_handle_t *dir, const char *path) {
  if (dir->readonly) return WP_OS_EROFS;
  target_t t;
  wp_os_err_t err = target_open(dir, path, &t);
  if (!err && mkdirat(t.fd, t.leaf, 0777) < 0)
    err = wp_os_err_from_errno(errno);
  target_close(&t);
  return err;
}

wp_os_err_t wp_os_rmdir_at(const wp_os_handle_t *dir, const char *path) {
  if (dir->readonly) return WP_OS_EROFS;
  target_t t;
  wp_os_err_t err = target_open(dir, path, &t);
  if (!err && unlinkat(t.fd, t.leaf, AT_REMOVEDIR) < 0)
    err = wp_os_err_from_errno(errno);
  target_close(&t);
  return err;
}

wp_os_err_t wp_os_unlink_at(const wp_os_handle_t *dir, const char *path) {
  if (dir->readonly) return WP_OS_EROFS;
  target_t t;
  wp_os_err_t err = target_open(dir, path, &t);
  if (!err) err = check_slash(&t);
  if (!err && unlinkat(t.fd, t.leaf, 0) < 0) {
    /* POSIX says EPERM for directories, Linux EISDIR; WASI wants EISDIR. */
    err = wp_os_err_from_errno(errno == EPERM ? EISDIR : errno);
  }
  target_close(&t);
  return err;
}

wp_os_err_t wp_os_rename_at(const wp_os_handle_t *from_dir,
                            const char *from_path,
                            const wp_os_handle_t *to_dir,
                            const char *to_path) {
  if (from_dir->readonly || to_dir->readonly) return WP_OS_EROFS;
  target_t a, b;
  b.fd = -1;
  wp_os_err_t err = target_open(from_dir, from_path, &a);
  if (!err) err = check_slash(&a);
  if (!err) err = target_open(to_dir, to_path, &b);
  if (!err && b.slash) {
    /* "file" renamed to "new/": the new name could only be a directory. */
    struct stat st;
    if (fstatat(a.fd, a.leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
      err = wp_os_err_from_errno(errno);
    else if (!S_ISDIR(st.st_mode))
      err = WP_OS_ENOTDIR;
  }
  if (!err && renameat(a.fd, a.leaf, b.fd, b.leaf) < 0)
    err = wp_os_err_from_errno(errno);
  target_close(&a);
  target_close(&b);
  return err;
}

wp_os_err_t wp_os_link_at(const wp_os_handle_t *from_dir,
                          const char *from_path, bool follow,
                          const wp_os_handle_t *to_dir, const char *to_path) {
  /* A new name in a writable tree for a file of a read-only one would let
  ** the guest write that file: both sides must be writable. */
  if (from_dir->readonly || to_dir->readonly) return WP_OS_EROFS;
  target_t a, b;
  b.fd = -1;
  wp_os_err_t err = target_open(from_dir, from_path, &a);
  if (!err && !follow) err = check_slash(&a);
  if (!err && follow) {
    /* Following a final symlink is the sandbox's job, not linkat()'s:
    ** resolve the link inside, then hard-link what it names. */
    target_close(&a);
    a.fd = -1;
    int fd;
    err = wp_os_openat(from_dir, from_path, O_PATH, 0, true, &fd);
    if (!err) {
      a.fd = fd;
      a.leaf[0] = 0;
    }
  }
  if (!err) err = target_open(to_dir, to_path, &b);
  if (!err) err = check_new_slash(&b);
  if (!err) {
    int r;
    if (a.leaf[0]) {
      r = linkat(a.fd, a.leaf, b.fd, b.leaf, 0);
    } else {
      /* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc/self/fd/N names
      ** the very inode we hold, so following that magic link is safe. */
      r = linkat(a.fd, "", b.fd, b.leaf, AT_EMPTY_PATH);
      if (r < 0 && errno == ENOENT) {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", a.fd);
        r = linkat(AT_FDCWD, proc, b.fd, b.leaf, AT_SYMLINK_FOLLOW);
      }
    }
    if (r < 0) err = wp_os_err_from_errno(errno);
  }
  target_close(&a);
  target_close(&b);
  return err;
}

wp_os_err_t wp_os_symlink_at(const char *target, const wp_os_handle_t *dir,
                             const char *path) {
  if (dir->readonly) return WP_OS_EROFS;
  if (target[0] == '/') return WP_OS_ENOTCAPABLE;
  target_t t;
  wp_os_err_t err = target_open(dir, path, &t);
  if (!err) err = check_new_slash(&t);
  if (!err && symlinkat(target, t.fd, t.leaf) < 0)
    err = wp_os_err_from_errno(errno);
  target_close(&t);
  return err;
}

wp_os_err_t wp_os_readlink_at(const wp_os_handle_t *dir, const char *path,
                              char *buf, size_t cap, size_t *len) {
  target_t t;
  wp_os_err_t err = target_open(dir, path, &t);
  if (!err) {
    ssize_t n = readlinkat(t.fd, t.leaf, buf, cap);
    if (n < 0) err = wp_os_err_from_errno(errno);
    else *len = (size_t)n;
  }
  target_close(&t);
  return err;
}
