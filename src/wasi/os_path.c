/*
** os_path.c — resolving guest paths beneath a directory handle.
**
** This file is the sandbox.  Every path a guest names goes through
** wp_os_openat() or wp_os_resolve_parent(), which only ever yield fds of
** things inside the handle's directory tree:
**
**  - On Linux >= 5.6, openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) makes
**    the kernel refuse absolute paths, ".." above the start directory and
**    symlinks leading out, atomically.
**  - Elsewhere wp_os_openat_walk() does the same in user space.  It never
**    lets the kernel follow a symlink or a "..": each directory is opened
**    with O_NOFOLLOW relative to the fd of its parent, symlink targets are
**    read with readlinkat() and spliced into the remaining path, and ".."
**    pops a stack of the fds already walked through.  A concurrent rename
**    can therefore make a lookup fail but never leave the tree, because
**    nothing is ever looked up by a name that reaches above an fd we hold.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os.h"

#define MAX_SYMLINKS 40 /* as Linux's own limit: then ELOOP */

wp_os_err_t wp_os_check_path(const char *path, size_t len) {
  if (len == 0) return WP_OS_ENOENT;
  if (path[0] == '/') return WP_OS_ENOTCAPABLE;
  /* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
  const unsigned char *s = (const unsigned char *)path;
  for (size_t i = 0; i < len;) {
    unsigned c = s[i];
    if (c == 0) return WP_OS_EINVAL;
    if (c < 0x80) { i++; continue; }
    size_t n;
    unsigned min, cp;
    if ((c & 0xE0) == 0xC0) { n = 2; min = 0x80; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 3; min = 0x800; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 4; min = 0x10000; cp = c & 0x07; }
    else return WP_OS_EILSEQ;
    if (len - i < n) return WP_OS_EILSEQ;
    for (size_t k = 1; k < n; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return WP_OS_EILSEQ;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return WP_OS_EILSEQ;
    i += n;
  }
  return 0;
}

wp_os_err_t wp_os_open_root(const char *host_path, bool readonly,
                            wp_os_handle_t *out) {
  int fd = open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return wp_os_err_from_errno(errno);
  out->fd = fd;
  out->readonly = readonly;
  return 0;
}

void wp_os_close(wp_os_handle_t *h) {
  if (h->fd >= 0) close(h->fd);
  h->fd = -1;
}

/* O_TMPFILE contains the O_DIRECTORY bit: test for all of its bits. */
static bool creates(int flags) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

/* Write access, creation or truncation through a read-only handle. */
static bool writes(int flags) {
  return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) ||
         creates(flags);
}

/* ----------------------------------------------------- the portable walk */

/* The fds of the directories walked through; fds[0] is borrowed. */
typedef struct walk_stack {
  int *fds;
  size_t depth, cap;
} walk_stack_t;

static bool stack_push(walk_stack_t *st, int fd) {
  if (st->depth + 1 == st->cap) {
    size_t cap = st->cap * 2;
    int *nf = realloc(st->fds, cap * sizeof *nf);
    if (!nf) return false;
    st->fds = nf;
    st->cap = cap;
  }
  st->fds[++st->depth] = fd;
  return true;
}

static void stack_free(walk_stack_t *st) {
  for (size_t i = 1; i <= st->depth; i++) close(st->fds[i]);
  free(st->fds);
}

/* Makes *buf the rest of the walk after meeting a symlink: its target,
** then `rest` (what followed the link's component), to be walked from the
** directory holding the link. */
static wp_os_err_t splice_link(char **buf, const char *target, size_t tlen,
                               const char *rest) {
  if (tlen == 0) return WP_OS_ENOENT;
  if (target[0] == '/') return WP_OS_ENOTCAPABLE;
  size_t rlen = strlen(rest);
  char *nb = malloc(tlen + 1 + rlen + 1);
  if (!nb) return WP_OS_ENOMEM;
  memcpy(nb, target, tlen);
  size_t n = tlen;
  if (rlen) {
    nb[n++] = '/';
    memcpy(nb + n, rest, rlen);
    n += rlen;
  }
  nb[n] = 0;
  free(*buf);
  *buf = nb;
  return 0;
}

wp_os_err_t wp_os_openat_walk(int dirfd, const char *path, int flags,
                              unsigned mode, bool follow, int *out_fd) {
  if (path[0] == '/') return WP_OS_ENOTCAPABLE;
  if (path[0] == 0) return WP_OS_ENOENT;
  walk_stack_t st = {malloc(16 * sizeof(int)), 0, 16};
  char *buf = strdup(path);
  if (!st.fds || !buf) {
    free(st.fds);
    free(buf);
    return WP_OS_ENOMEM;
  }
  st.fds[0] = dirfd;
  wp_os_err_t err = 0;
  int links = 0;
  char *p = buf;
  char name[NAME_MAX + 1];
  for (;;) {
    int cur = st.fds[st.depth];
    while (*p == '/') p++;
    if (*p == 0) {
      /* The path named the current directory itself ("a/", "a/."). */
      int fd = openat(cur, ".", flags | O_CLOEXEC, mode);
      if (fd < 0) err = wp_os_err_from_errno(errno);
      else *out_fd = fd;
      break;
    }
    const char *comp = p;
    size_t clen = strcspn(p, "/");
    p += clen;
    if (clen > NAME_MAX) { err = WP_OS_ENAMETOOLONG; break; }
    memcpy(name, comp, clen);
    name[clen] = 0;
    bool last = (*p == 0); /* "a/" is not last: it must be a directory */
    if (!strcmp(name, ".")) continue;
    if (!strcmp(name, "..")) {
      if (st.depth == 0) { err = WP_OS_ENOTCAPABLE; break; }
      close(st.fds[st.depth--]);
      continue;
    }
    int fd;
    if (!last)
      fd = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    else
      fd = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd >= 0 && last && follow && (flags & O_PATH)) {
      /* O_PATH | O_NOFOLLOW opens a final symlink itself instead of
      ** failing: notice, and expand it like any other. */
      struct stat ls;
      if (fstat(fd, &ls) < 0) {
        err = wp_os_err_from_errno(errno);
        close(fd);
        break;
      }
      if (S_ISLNK(ls.st_mode)) {
        close(fd);
        fd = -1;
        errno = ELOOP;
      }
    }
    if (fd >= 0) {
      if (last) { *out_fd = fd; break; }
      if (!stack_push(&st, fd)) { close(fd); err = WP_OS_ENOMEM; break; }
      continue;
    }
    int e = errno;
    /* O_NOFOLLOW on a symlink fails with ELOOP, or ENOTDIR when
    ** O_DIRECTORY was asked; only then can this be a link to expand. */
    if ((e == ELOOP || e == ENOTDIR) && (!last || follow)) {
      char target[PATH_MAX];
      ssize_t n = readlinkat(cur, name, target, sizeof target);
      if (n >= 0) {
        if ((size_t)n == sizeof target) { err = WP_OS_ENAMETOOLONG; break; }
        if (++links > MAX_SYMLINKS) { err = WP_OS_ELOOP; break; }
        size_t off = (size_t)(p - buf);
        char *rest = strdup(buf + off);
        if (!rest) { err = WP_OS_ENOMEM; break; }
        err = splice_link(&buf, target, (size_t)n, rest);
        free(rest);
        if (err) break;
        p = buf;
        continue;
      }
    }
    err = wp_os_err_from_errno(e);
    break;
  }
  stack_free(&st);
  free(buf);
  return err;
}

/* ------------------------------------------------------------- openat2 */

/* Returns -1 (errno ENOSYS) when the kernel cannot do it. */
static int openat2_beneath(int dirfd, const char *path, int flags,
                           unsigned mode, bool follow) {
#ifdef SYS_openat2
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (uint64_t)(flags | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
  how.mode = creates(flags) ? mode : 0; /* else openat2 says EINVAL */
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (int tries = 0;; tries++) {
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    /* EAGAIN: a concurrent rename made the kernel unsure ".." stayed
    ** beneath; retry a little, then let the walk decide. */
    if (fd < 0 && errno == EAGAIN && tries < 4) continue;
    if (fd < 0 && errno == EAGAIN) errno = ENOSYS;
    return (int)fd;
  }
#else
  (void)dirfd; (void)path; (void)flags; (void)mode; (void)follow;
  errno = ENOSYS;
  return -1;
#endif
}

wp_os_err_t wp_os_openat(const wp_os_handle_t *dir, const char *path,
                         int flags, unsigned mode, bool follow, int *out_fd) {
  if (dir->readonly && writes(flags)) return WP_OS_EROFS;
  if (path[0] == '/') return WP_OS_ENOTCAPABLE;
  if (path[0] == 0) return WP_OS_ENOENT;
  int fd = openat2_beneath(dir->fd, path, flags, mode, follow);
  if (fd >= 0) {
    *out_fd = fd;
    return 0;
  }
  /* ENOSYS: kernel before 5.6.  EPERM/E2BIG: some seccomp filters refuse
  ** syscalls they do not know that way.  The walk is just as strict, so
  ** trying it costs nothing but time; a real EPERM comes back from it. */
  if (errno == ENOSYS || errno == EPERM || errno == E2BIG)
    return wp_os_openat_walk(dir->fd, path, flags, mode, follow, out_fd);
  /* EXDEV is openat2's "that would leave the tree" */
  if (errno == EXDEV) return WP_OS_ENOTCAPABLE;
  return wp_os_err_from_errno(errno);
}

wp_os_err_t wp_os_resolve_parent(const wp_os_handle_t *dir, const char *path,
                                 int *parent_fd, char leaf[WP_OS_LEAF_MAX],
                                 bool *trailing_slash) {
  if (path[0] == '/') return WP_OS_ENOTCAPABLE;
  size_t len = strlen(path);
  if (len == 0) return WP_OS_ENOENT;
  bool slash = false;
  while (len > 0 && path[len - 1] == '/') {
    len--;
    slash = true;
  }
  size_t start = len;
  while (start > 0 && path[start - 1] != '/') start--;
  size_t llen = len - start;
  char *dirpart;
  if (llen == 2 && !memcmp(path + start, "..", 2)) {
    /* "a/.." names a directory whose parent we cannot name: operate on
    ** it as "." inside itself. */
    dirpart = strndup(path, len);
    llen = 1;
    start = 0;
    path = ".";
  } else {
    if (llen > NAME_MAX) return WP_OS_ENAMETOOLONG;
    dirpart = start ? strndup(path, start) : strdup(".");
  }
  if (!dirpart) return WP_OS_ENOMEM;
  memcpy(leaf, path + start, llen);
  leaf[llen] = 0;
  wp_os_handle_t ro = {dir->fd, false}; /* opening a parent writes nothing */
  wp_os_err_t err =
      wp_os_openat(&ro, dirpart, O_PATH | O_DIRECTORY, 0, true, parent_fd);
  free(dirpart);
  if (trailing_slash) *trailing_slash = slash;
  return err;
}
