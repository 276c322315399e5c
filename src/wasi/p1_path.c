/*
** p1_path.c — preview1 functions that name a path beneath a directory fd:
** open, stat, set-times, mkdir, rmdir, unlink, rename, link, symlink,
** readlink.  The sandbox lives in the OS layer (os_path.c); this file only
** copies and checks what the guest passes and encodes the answers.
*/
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "p1.h"

/* The directory entry for `fd`, which must hold the rights `need`, and a
** checked host copy of the path. */
static wp_wasi_fd_t *dir_and_path(p1_call_t *c, uint32_t fd, uint64_t need,
                                  uint32_t ptr, uint32_t len, char **path,
                                  wp_os_err_t *err) {
  wp_wasi_fd_t *e = p1_fd(c, fd, err);
  if (!e) return NULL;
  if (e->type != WP_OS_FT_DIRECTORY) {
    *err = WP_OS_ENOTDIR;
    return NULL;
  }
  if (!p1_fd_right(c, fd, need, err)) return NULL;
  *err = p1_path(c, ptr, len, path);
  return *err ? NULL : e;
}

wp_os_err_t wp_p1_path_open(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  char *path;
  uint32_t dirflags = p1_u32(a, 1), oflags = p1_u32(a, 4);
  uint64_t rights = p1_u64(a, 5), inh = p1_u64(a, 6);
  uint32_t fdflags = p1_u32(a, 7), out = p1_u32(a, 8);
  if (!p1_ptr(c, out, 4, 4, &err)) return err;
  if (oflags & ~15u) return WP_OS_EINVAL;
  /* Creating needs the directory's create-file right, truncating its
  ** set-size right. */
  uint64_t need = P1_RIGHT_PATH_OPEN;
  if (oflags & P1_OFLAG_CREAT) need |= P1_RIGHT_PATH_CREATE_FILE;
  if (oflags & P1_OFLAG_TRUNC) need |= P1_RIGHT_PATH_FILESTAT_SET_SIZE;
  wp_wasi_fd_t *dir = dir_and_path(c, p1_u32(a, 0), need, p1_u32(a, 2),
                                   p1_u32(a, 3), &path, &err);
  if (!dir) return err;

  /* The access mode follows FD_READ / FD_WRITE in the rights asked for,
  ** as wasi-libc encodes O_RDONLY/O_WRONLY/O_RDWR in them (and as the
  ** reference does).  Other rights (datasync, allocate, set-size...) are
  ** not open modes: a directory's own rights hold several of them, and a
  ** program that reopens "." with those rights must get a directory, not
  ** EISDIR.  Truncation needs write access whatever the rights say. */
  bool read = rights & P1_RIGHT_FD_READ;
  bool write = (rights & P1_RIGHT_FD_WRITE) || (oflags & P1_OFLAG_TRUNC);
  if ((oflags & P1_OFLAG_DIRECTORY) &&
      (oflags & (P1_OFLAG_CREAT | P1_OFLAG_EXCL | P1_OFLAG_TRUNC))) {
    free(path);
    return WP_OS_EINVAL;
  }
  int flags = write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY;
  flags |= O_NOCTTY;
  if (oflags & P1_OFLAG_CREAT) flags |= O_CREAT;
  if (oflags & P1_OFLAG_DIRECTORY) flags |= O_DIRECTORY;
  if (oflags & P1_OFLAG_EXCL) flags |= O_EXCL;
  if (oflags & P1_OFLAG_TRUNC) flags |= O_TRUNC;
  if (fdflags & P1_FDFLAG_APPEND) flags |= O_APPEND;
  if (fdflags & P1_FDFLAG_NONBLOCK) flags |= O_NONBLOCK;
  if (fdflags & P1_FDFLAG_DSYNC) flags |= O_DSYNC;
  if (fdflags & (P1_FDFLAG_SYNC | P1_FDFLAG_RSYNC)) flags |= O_SYNC;

  wp_wasi_fd_t e;
  memset(&e, 0, sizeof e);
  e.h.readonly = dir->h.readonly;
  err = wp_os_openat(&dir->h, path, flags, 0666,
                     (dirflags & P1_LOOKUP_SYMLINK_FOLLOW) != 0, &e.h.fd);
  free(path);
  if (err) return err;
  wp_os_stat_t st;
  err = wp_os_fstat(e.h.fd, &st);
  if (err) {
    close(e.h.fd);
    return err;
  }
  e.type = st.type;
  e.kind = st.type == WP_OS_FT_DIRECTORY ? WP_WASI_FD_DIR : WP_WASI_FD_FILE;
  uint64_t inh_max, pos;
  bool seekable = wp_os_seek(e.h.fd, 0, SEEK_CUR, &pos) == 0;
  uint64_t base_max = wp_p1_rights(e.kind, e.type, read || !write, write,
                                   e.h.readonly, seekable, &inh_max);
  /* A new fd has at most the rights asked for, and never more than the
  ** directory it came from may hand down. */
  e.rights_base = base_max & rights & dir->rights_inheriting;
  e.rights_inheriting = inh_max & inh & dir->rights_inheriting;
  uint32_t fd;
  err = wp_wasi_fd_add(c->ctx, &e, &fd);
  if (err) {
    close(e.h.fd);
    return err;
  }
  return p1_out32(c, out, fd);
}

wp_os_err_t wp_p1_path_filestat_get(p1_call_t *c,
                                    const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  char *path;
  uint8_t *p = p1_ptr(c, p1_u32(a, 4), 64, 8, &err);
  if (!p) return err;
  wp_wasi_fd_t *dir =
      dir_and_path(c, p1_u32(a, 0), P1_RIGHT_PATH_FILESTAT_GET, p1_u32(a, 2),
                   p1_u32(a, 3), &path, &err);
  if (!dir) return err;
  wp_os_stat_t st;
  err = wp_os_stat_at(&dir->h, path,
                      (p1_u32(a, 1) & P1_LOOKUP_SYMLINK_FOLLOW) != 0, &st);
  free(path);
  if (!err) p1_store_filestat(p, &st);
  return err;
}

wp_os_err_t wp_p1_path_filestat_set_times(p1_call_t *c,
                                          const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  char *path;
  wp_os_time_t at, mt;
  err = p1_times(p1_u64(a, 4), p1_u64(a, 5), p1_u32(a, 6), &at, &mt);
  if (err) return err;
  wp_wasi_fd_t *dir =
      dir_and_path(c, p1_u32(a, 0), P1_RIGHT_PATH_FILESTAT_SET_TIMES,
                   p1_u32(a, 2), p1_u32(a, 3), &path, &err);
  if (!dir) return err;
  err = wp_os_utimes_at(&dir->h, path,
                        (p1_u32(a, 1) & P1_LOOKUP_SYMLINK_FOLLOW) != 0, at,
                        mt);
  free(path);
  return err;
}

/* The shape of mkdir, rmdir and unlink: (fd, path, path_len). */
static wp_os_err_t one_path(p1_call_t *c, const wasmplug_val_raw_t *a,
                            uint64_t need,
                            wp_os_err_t (*op)(const wp_os_handle_t *,
                                              const char *)) {
  wp_os_err_t err;
  char *path;
  wp_wasi_fd_t *dir = dir_and_path(c, p1_u32(a, 0), need, p1_u32(a, 1),
                                   p1_u32(a, 2), &path, &err);
  if (!dir) return err;
  err = op(&dir->h, path);
  free(path);
  return err;
}

wp_os_err_t wp_p1_path_create_directory(p1_call_t *c,
                                        const wasmplug_val_raw_t *a) {
  return one_path(c, a, P1_RIGHT_PATH_CREATE_DIRECTORY, wp_os_mkdir_at);
}

wp_os_err_t wp_p1_path_remove_directory(p1_call_t *c,
                                        const wasmplug_val_raw_t *a) {
  return one_path(c, a, P1_RIGHT_PATH_REMOVE_DIRECTORY, wp_os_rmdir_at);
}

wp_os_err_t wp_p1_path_unlink_file(p1_call_t *c,
                                   const wasmplug_val_raw_t *a) {
  return one_path(c, a, P1_RIGHT_PATH_UNLINK_FILE, wp_os_unlink_at);
}

wp_os_err_t wp_p1_path_rename(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  char *from, *to;
  wp_wasi_fd_t *d1 =
      dir_and_path(c, p1_u32(a, 0), P1_RIGHT_PATH_RENAME_SOURCE, p1_u32(a, 1),
                   p1_u32(a, 2), &from, &err);
  if (!d1) return err;
  wp_wasi_fd_t *d2 =
      dir_and_path(c, p1_u32(a, 3), P1_RIGHT_PATH_RENAME_TARGET, p1_u32(a, 4),
                   p1_u32(a, 5), &to, &err);
  if (!d2) {
    free(from);
    return err;
  }
  err = wp_os_rename_at(&d1->h, from, &d2->h, to);
  free(from);
  free(to);
  return err;
}

wp_os_err_t wp_p1_path_link(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  char *from, *to;
  wp_wasi_fd_t *d1 =
      dir_and_path(c, p1_u32(a, 0), P1_RIGHT_PATH_LINK_SOURCE, p1_u32(a, 2),
                   p1_u32(a, 3), &from, &err);
  if (!d1) return err;
  wp_wasi_fd_t *d2 =
      dir_and_path(c, p1_u32(a, 4), P1_RIGHT_PATH_LINK_TARGET, p1_u32(a, 5),
                   p1_u32(a, 6), &to, &err);
  if (!d2) {
    free(from);
    return err;
  }
  /* The reference refuses to follow a final symlink here (EINVAL), so a
  ** hard link always names what the path itself names. */
  if (p1_u32(a, 1) & P1_LOOKUP_SYMLINK_FOLLOW) err = WP_OS_EINVAL;
  else err = wp_os_link_at(&d1->h, from, false, &d2->h, to);
  free(from);
  free(to);
  return err;
}

wp_os_err_t wp_p1_path_symlink(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  char *target, *path;
  /* The target is stored, not resolved, but it is still guest text: it
  ** gets the same UTF-8/NUL checks, and absolute ones are refused. */
  err = p1_path(c, p1_u32(a, 0), p1_u32(a, 1), &target);
  if (err) return err;
  wp_wasi_fd_t *dir =
      dir_and_path(c, p1_u32(a, 2), P1_RIGHT_PATH_SYMLINK, p1_u32(a, 3),
                   p1_u32(a, 4), &path, &err);
  if (!dir) {
    free(target);
    return err;
  }
  err = wp_os_symlink_at(target, &dir->h, path);
  free(target);
  free(path);
  return err;
}

wp_os_err_t wp_p1_path_readlink(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  char *path;
  uint32_t cap = p1_u32(a, 4), out = p1_u32(a, 5);
  uint8_t *buf = p1_ptr(c, p1_u32(a, 3), cap, 1, &err);
  if (!buf) return err;
  if (!p1_ptr(c, out, 4, 4, &err)) return err;
  wp_wasi_fd_t *dir =
      dir_and_path(c, p1_u32(a, 0), P1_RIGHT_PATH_READLINK, p1_u32(a, 1),
                   p1_u32(a, 2), &path, &err);
  if (!dir) return err;
  /* Read into a host buffer: the guest's is only written once we know
  ** the call succeeded. */
  char tmp[4096];
  size_t len = 0;
  err = wp_os_readlink_at(&dir->h, path, tmp, sizeof tmp, &len);
  free(path);
  if (err) return err;
  if (len > cap) len = cap;
  memcpy(buf, tmp, len);
  return p1_out32(c, out, (uint32_t)len);
}
