/*
** p1_fd.c — preview1 functions on an open fd: read/write (plain and
** positioned), seek/tell, stat and set-stat, flags, sync, advice, prestat,
** readdir, close and renumber.
*/
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "p1.h"

wp_os_err_t p1_times(uint64_t atim, uint64_t mtim, uint32_t flags,
                     wp_os_time_t *a, wp_os_time_t *m) {
  if ((flags & ~15u) ||
      ((flags & P1_FST_ATIM) && (flags & P1_FST_ATIM_NOW)) ||
      ((flags & P1_FST_MTIM) && (flags & P1_FST_MTIM_NOW)))
    return WP_OS_EINVAL;
  a->how = (flags & P1_FST_ATIM_NOW) ? WP_OS_TIME_NOW
           : (flags & P1_FST_ATIM)   ? WP_OS_TIME_SET
                                     : WP_OS_TIME_OMIT;
  a->ns = atim;
  m->how = (flags & P1_FST_MTIM_NOW) ? WP_OS_TIME_NOW
           : (flags & P1_FST_MTIM)   ? WP_OS_TIME_SET
                                     : WP_OS_TIME_OMIT;
  m->ns = mtim;
  return 0;
}

/* Common shape of read/write/pread/pwrite: gather, transfer, store count. */
typedef enum { XFER_READ, XFER_WRITE, XFER_PREAD, XFER_PWRITE } xfer_t;

static wp_os_err_t transfer(p1_call_t *c, uint32_t fd, uint32_t iovs,
                            uint32_t niovs, uint64_t offset, uint32_t nptr,
                            xfer_t how) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd(c, fd, &err);
  if (!e) return err;
  if (e->type == WP_OS_FT_DIRECTORY) return WP_OS_EISDIR;
  static const uint64_t need[4] = {
      P1_RIGHT_FD_READ, P1_RIGHT_FD_WRITE, P1_RIGHT_FD_READ | P1_RIGHT_FD_SEEK,
      P1_RIGHT_FD_WRITE | P1_RIGHT_FD_SEEK};
  if (!p1_fd_right(c, fd, need[how], &err)) return err;
  /* Check the result pointer first: data must not move if it can't be
  ** reported. */
  if (!p1_ptr(c, nptr, 4, 4, &err)) return err;
  /* Most calls pass one or two vectors: only many need the heap. */
  struct iovec local[16];
  struct iovec *iov = local;
  if (niovs > 16) {
    iov = malloc(P1_MAX_IOVS * sizeof *iov);
    if (!iov) return WP_OS_ENOMEM;
  }
  int n = 0;
  size_t done = 0;
  err = p1_iovecs(c, iovs, niovs, iov, &n);
  if (!err && n > 0) {
    switch (how) {
    case XFER_READ: err = wp_os_readv(e->h.fd, iov, n, &done); break;
    case XFER_WRITE: err = wp_os_writev(e->h.fd, e->type, iov, n, &done); break;
    case XFER_PREAD: err = wp_os_preadv(e->h.fd, iov, n, offset, &done); break;
    case XFER_PWRITE:
      err = wp_os_pwritev(e->h.fd, iov, n, offset, &done);
      break;
    }
  }
  if (iov != local) free(iov);
  if (!err) err = p1_out32(c, nptr, (uint32_t)done);
  return err;
}

wp_os_err_t wp_p1_fd_read(p1_call_t *c, const wasmplug_val_raw_t *a) {
  return transfer(c, p1_u32(a, 0), p1_u32(a, 1), p1_u32(a, 2), 0,
                  p1_u32(a, 3), XFER_READ);
}

wp_os_err_t wp_p1_fd_write(p1_call_t *c, const wasmplug_val_raw_t *a) {
  return transfer(c, p1_u32(a, 0), p1_u32(a, 1), p1_u32(a, 2), 0,
                  p1_u32(a, 3), XFER_WRITE);
}

wp_os_err_t wp_p1_fd_pread(p1_call_t *c, const wasmplug_val_raw_t *a) {
  return transfer(c, p1_u32(a, 0), p1_u32(a, 1), p1_u32(a, 2), p1_u64(a, 3),
                  p1_u32(a, 4), XFER_PREAD);
}

wp_os_err_t wp_p1_fd_pwrite(p1_call_t *c, const wasmplug_val_raw_t *a) {
  return transfer(c, p1_u32(a, 0), p1_u32(a, 1), p1_u32(a, 2), p1_u64(a, 3),
                  p1_u32(a, 4), XFER_PWRITE);
}

/* The seek/tell right: a pipe, terminal or socket never has it, and for
** those the answer POSIX and the reference give is ESPIPE. */
static wp_os_err_t seek_right(p1_call_t *c, uint32_t fd, const wp_wasi_fd_t *e,
                              uint64_t need) {
  wp_os_err_t err;
  if (p1_fd_right(c, fd, need, &err)) return 0;
  uint64_t pos;
  if (err == WP_OS_ENOTCAPABLE &&
      wp_os_seek(e->h.fd, 0, SEEK_CUR, &pos) == WP_OS_ESPIPE)
    return WP_OS_ESPIPE;
  return err;
}

wp_os_err_t wp_p1_fd_seek(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd(c, p1_u32(a, 0), &err);
  if (!e) return err;
  uint32_t whence = p1_u32(a, 2), out = p1_u32(a, 3);
  if (e->type == WP_OS_FT_DIRECTORY) return WP_OS_EBADF;
  if (whence > 2) return WP_OS_EINVAL;
  /* Asking where we are is telling, not seeking. */
  uint64_t need = (a[1].i64 == 0 && whence == 1) ? P1_RIGHT_FD_TELL
                                                 : P1_RIGHT_FD_SEEK;
  if ((err = seek_right(c, p1_u32(a, 0), e, need))) return err;
  if (!p1_ptr(c, out, 8, 8, &err)) return err;
  static const int host_whence[3] = {SEEK_SET, SEEK_CUR, SEEK_END};
  uint64_t pos;
  err = wp_os_seek(e->h.fd, a[1].i64, host_whence[whence], &pos);
  if (!err) err = p1_out64(c, out, pos);
  return err;
}

wp_os_err_t wp_p1_fd_tell(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd(c, p1_u32(a, 0), &err);
  if (!e) return err;
  if (e->type == WP_OS_FT_DIRECTORY) return WP_OS_EBADF;
  if ((err = seek_right(c, p1_u32(a, 0), e, P1_RIGHT_FD_TELL))) return err;
  if (!p1_ptr(c, p1_u32(a, 1), 8, 8, &err)) return err;
  uint64_t pos;
  err = wp_os_seek(e->h.fd, 0, SEEK_CUR, &pos);
  if (!err) err = p1_out64(c, p1_u32(a, 1), pos);
  return err;
}

wp_os_err_t wp_p1_fd_close(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd(c, p1_u32(a, 0), &err);
  if (!e) return err;
  wp_wasi_fd_release(e);
  return 0;
}

wp_os_err_t wp_p1_fd_renumber(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *from = p1_fd(c, p1_u32(a, 0), &err);
  if (!from) return err;
  wp_wasi_fd_t *to = p1_fd(c, p1_u32(a, 1), &err);
  if (!to) return err;
  if (from == to) return 0;
  wp_wasi_fd_release(to);
  *to = *from;
  memset(from, 0, sizeof *from); /* ownership moved: nothing to close */
  from->h.fd = -1;
  return 0;
}

wp_os_err_t wp_p1_fd_fdstat_get(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd(c, p1_u32(a, 0), &err);
  if (!e) return err;
  uint8_t *p = p1_ptr(c, p1_u32(a, 1), 24, 8, &err);
  if (!p) return err;
  int fl = 0;
  err = wp_os_get_flags(e->h.fd, &fl);
  if (err) return err;
  uint16_t flags = 0;
  if (fl & O_APPEND) flags |= P1_FDFLAG_APPEND;
  if (fl & O_NONBLOCK) flags |= P1_FDFLAG_NONBLOCK;
  if ((fl & O_SYNC) == O_SYNC) flags |= P1_FDFLAG_SYNC;
  else if (fl & O_DSYNC) flags |= P1_FDFLAG_DSYNC;
  memset(p, 0, 24);
  p[0] = p1_filetype(e->type);
  p1_st16(p + 2, flags);
  p1_st64(p + 8, e->rights_base);
  p1_st64(p + 16, e->rights_inheriting);
  return 0;
}

wp_os_err_t wp_p1_fd_fdstat_set_flags(p1_call_t *c,
                                      const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd_right(c, p1_u32(a, 0), P1_RIGHT_FD_FDSTAT_SET_FLAGS, &err);
  if (!e) return err;
  uint32_t flags = p1_u32(a, 1) & 0xFFFF;
  /* Linux cannot switch synchronous I/O on or off for an open file: the
  ** reference answers EINVAL. */
  if (flags & (P1_FDFLAG_DSYNC | P1_FDFLAG_RSYNC | P1_FDFLAG_SYNC))
    return WP_OS_EINVAL;
  if (flags & ~31u) return WP_OS_EINVAL;
  int fl = 0;
  if (flags & P1_FDFLAG_APPEND) fl |= O_APPEND;
  if (flags & P1_FDFLAG_NONBLOCK) fl |= O_NONBLOCK;
  if (e->kind == WP_WASI_FD_STDIO) e->stdio_flags_set = true; /* put back at the end */
  return wp_os_set_flags(e->h.fd, fl);
}

wp_os_err_t wp_p1_fd_fdstat_set_rights(p1_call_t *c,
                                       const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd(c, p1_u32(a, 0), &err);
  if (!e) return err;
  uint64_t base = p1_u64(a, 1), inh = p1_u64(a, 2);
  /* Rights may only ever shrink. */
  if ((base & ~e->rights_base) || (inh & ~e->rights_inheriting))
    return WP_OS_ENOTCAPABLE;
  e->rights_base = base;
  e->rights_inheriting = inh;
  return 0;
}

wp_os_err_t wp_p1_fd_filestat_get(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd_right(c, p1_u32(a, 0), P1_RIGHT_FD_FILESTAT_GET, &err);
  if (!e) return err;
  uint8_t *p = p1_ptr(c, p1_u32(a, 1), 64, 8, &err);
  if (!p) return err;
  wp_os_stat_t st;
  err = wp_os_fstat(e->h.fd, &st);
  if (!err) p1_store_filestat(p, &st);
  return err;
}

wp_os_err_t wp_p1_fd_filestat_set_size(p1_call_t *c,
                                       const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd_right(c, p1_u32(a, 0), P1_RIGHT_FD_FILESTAT_SET_SIZE, &err);
  if (!e) return err;
  return wp_os_ftruncate(&e->h, p1_u64(a, 1));
}

wp_os_err_t wp_p1_fd_filestat_set_times(p1_call_t *c,
                                        const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd_right(c, p1_u32(a, 0), P1_RIGHT_FD_FILESTAT_SET_TIMES, &err);
  if (!e) return err;
  wp_os_time_t at, mt;
  err = p1_times(p1_u64(a, 1), p1_u64(a, 2), p1_u32(a, 3), &at, &mt);
  if (!err) err = wp_os_futimes(&e->h, at, mt);
  return err;
}

wp_os_err_t wp_p1_fd_advise(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd_right(c, p1_u32(a, 0), P1_RIGHT_FD_ADVISE, &err);
  if (!e) return err;
  static const int advice[6] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL,
                                POSIX_FADV_RANDOM,   POSIX_FADV_WILLNEED,
                                POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
  uint32_t adv = p1_u32(a, 3);
  if (adv > 5) return WP_OS_EINVAL;
  return wp_os_fadvise(e->h.fd, p1_u64(a, 1), p1_u64(a, 2), advice[adv]);
}

wp_os_err_t wp_p1_fd_allocate(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd_right(c, p1_u32(a, 0), P1_RIGHT_FD_ALLOCATE, &err);
  if (!e) return err;
  return wp_os_fallocate(&e->h, p1_u64(a, 1), p1_u64(a, 2));
}

wp_os_err_t wp_p1_fd_datasync(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd_right(c, p1_u32(a, 0), P1_RIGHT_FD_DATASYNC, &err);
  if (!e) return err;
  return wp_os_fdatasync(e->h.fd);
}

wp_os_err_t wp_p1_fd_sync(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd_right(c, p1_u32(a, 0), P1_RIGHT_FD_SYNC, &err);
  if (!e) return err;
  return wp_os_fsync(e->h.fd);
}

wp_os_err_t wp_p1_fd_prestat_get(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd(c, p1_u32(a, 0), &err);
  if (!e) return err;
  if (!e->preopen) return WP_OS_EBADF;
  uint8_t *p = p1_ptr(c, p1_u32(a, 1), 8, 4, &err);
  if (!p) return err;
  memset(p, 0, 8); /* tag 0: a directory */
  p1_st32(p + 4, (uint32_t)strlen(e->preopen));
  return 0;
}

wp_os_err_t wp_p1_fd_prestat_dir_name(p1_call_t *c,
                                      const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd(c, p1_u32(a, 0), &err);
  if (!e) return err;
  if (!e->preopen) return WP_OS_EBADF;
  size_t len = strlen(e->preopen);
  if (p1_u32(a, 2) < len) return WP_OS_ENAMETOOLONG;
  uint8_t *p = p1_ptr(c, p1_u32(a, 1), len, 1, &err);
  if (!p) return err;
  memcpy(p, e->preopen, len);
  return 0;
}

/* fd_readdir fills the guest buffer with 24-byte dirent headers, each
** followed by its name, and cuts the last one short when it does not fit:
** the guest sees a full buffer and asks again with a bigger one. */
typedef struct readdir_out {
  uint8_t *buf;
  uint32_t cap, used;
} readdir_out_t;

static bool put_dirent(void *data, const wp_os_dirent_t *d) {
  readdir_out_t *o = data;
  uint8_t head[24];
  memset(head, 0, sizeof head);
  p1_st64(head, d->next);
  p1_st64(head + 8, d->ino);
  p1_st32(head + 16, (uint32_t)d->namelen);
  head[20] = p1_filetype(d->type);
  uint32_t n = o->cap - o->used < 24 ? o->cap - o->used : 24;
  memcpy(o->buf + o->used, head, n);
  o->used += n;
  size_t m = o->cap - o->used < d->namelen ? o->cap - o->used : d->namelen;
  memcpy(o->buf + o->used, d->name, m);
  o->used += (uint32_t)m;
  return o->used < o->cap;
}

wp_os_err_t wp_p1_fd_readdir(p1_call_t *c, const wasmplug_val_raw_t *a) {
  wp_os_err_t err;
  wp_wasi_fd_t *e = p1_fd(c, p1_u32(a, 0), &err);
  if (!e) return err;
  if (e->type != WP_OS_FT_DIRECTORY) return WP_OS_ENOTDIR;
  if (!p1_fd_right(c, p1_u32(a, 0), P1_RIGHT_FD_READDIR, &err)) return err;
  uint32_t len = p1_u32(a, 2), out = p1_u32(a, 4);
  readdir_out_t o = {p1_ptr(c, p1_u32(a, 1), len, 1, &err), len, 0};
  if (!o.buf) return err;
  if (!p1_ptr(c, out, 4, 4, &err)) return err;
  if (len > 0) err = wp_os_readdir(e->h.fd, p1_u64(a, 3), put_dirent, &o);
  if (!err) err = p1_out32(c, out, o.used);
  return err;
}
