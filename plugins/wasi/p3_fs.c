/*
** p3_fs.c — wasi:filesystem@0.3 (types, preopens) on the shared OS layer,
** with the same sandbox and flag rules as WASI 0.2's (p2_fs.c, which this
** follows function for function where the interfaces agree).  The path
** operations are async functions that complete at once (metadata calls on
** local files); reads, writes and directory listings are stream pumps
** (p3_cli.c) on a dup of the descriptor's fd.
**
** Every path goes through os.h's sandboxed *_at functions beneath the
** descriptor's directory fd, so a guest can reach nothing outside its
** preopens (absolute paths, ".." above the root and escaping symlinks fail
** with not-permitted).  Read-only preopens pass `readonly` to everything
** opened beneath them.  Descriptor flags (read/write) are checked here, as
** the OS would only check them against the host fd's own mode.
*/
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p3.h"

#define FS(x) WASI_FILESYSTEM_TYPES_ERROR_CODE_##x
#define DF(x) WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_##x

static uint8_t fs_code(wp_os_err_t e) {
  switch (e) {
  case WP_OS_EACCES: return FS(ACCESS);
  case WP_OS_EALREADY: return FS(ALREADY);
  case WP_OS_EBADF: return FS(BAD_DESCRIPTOR);
  case WP_OS_EBUSY: return FS(BUSY);
  case WP_OS_EDEADLK: return FS(DEADLOCK);
  case WP_OS_EDQUOT: return FS(QUOTA);
  case WP_OS_EEXIST: return FS(EXIST);
  case WP_OS_EFBIG: return FS(FILE_TOO_LARGE);
  case WP_OS_EILSEQ: return FS(ILLEGAL_BYTE_SEQUENCE);
  case WP_OS_EINPROGRESS: return FS(IN_PROGRESS);
  case WP_OS_EINTR: return FS(INTERRUPTED);
  case WP_OS_EINVAL: return FS(INVALID);
  case WP_OS_EIO: return FS(IO);
  case WP_OS_EISDIR: return FS(IS_DIRECTORY);
  case WP_OS_ELOOP: return FS(LOOP);
  case WP_OS_EMLINK: return FS(TOO_MANY_LINKS);
  case WP_OS_EMSGSIZE: return FS(MESSAGE_SIZE);
  case WP_OS_ENAMETOOLONG: return FS(NAME_TOO_LONG);
  case WP_OS_ENODEV: return FS(NO_DEVICE);
  case WP_OS_ENOENT: return FS(NO_ENTRY);
  case WP_OS_ENOLCK: return FS(NO_LOCK);
  case WP_OS_ENOMEM: return FS(INSUFFICIENT_MEMORY);
  case WP_OS_ENOSPC: return FS(INSUFFICIENT_SPACE);
  case WP_OS_ENOTDIR: return FS(NOT_DIRECTORY);
  case WP_OS_ENOTEMPTY: return FS(NOT_EMPTY);
  case WP_OS_ENOTRECOVERABLE: return FS(NOT_RECOVERABLE);
  case WP_OS_ENOSYS: case WP_OS_ENOTSUP: return FS(UNSUPPORTED);
  case WP_OS_ENOTTY: return FS(NO_TTY);
  case WP_OS_ENXIO: return FS(NO_SUCH_DEVICE);
  case WP_OS_EOVERFLOW: return FS(OVERFLOW);
  case WP_OS_EPERM: case WP_OS_ENOTCAPABLE: return FS(NOT_PERMITTED);
  case WP_OS_EPIPE: return FS(PIPE);
  case WP_OS_EROFS: return FS(READ_ONLY);
  case WP_OS_ESPIPE: return FS(INVALID_SEEK);
  case WP_OS_ETXTBSY: return FS(TEXT_FILE_BUSY);
  case WP_OS_EXDEV: return FS(CROSS_DEVICE);
  default: return FS(IO);
  }
}

wasi_filesystem_types_error_code_t wp3_fs_error(wp_os_err_t e) {
  wasi_filesystem_types_error_code_t c;
  memset(&c, 0, sizeof c);
  c.tag = fs_code(e);
  return c;
}

static uint8_t fs_type_tag(wp_os_filetype_t t) {
  switch (t) {
  case WP_OS_FT_BLOCK_DEVICE: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_BLOCK_DEVICE;
  case WP_OS_FT_CHARACTER_DEVICE: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_CHARACTER_DEVICE;
  case WP_OS_FT_DIRECTORY: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_DIRECTORY;
  case WP_OS_FT_REGULAR_FILE: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_REGULAR_FILE;
  case WP_OS_FT_SOCKET_DGRAM: case WP_OS_FT_SOCKET_STREAM: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_SOCKET;
  case WP_OS_FT_SYMBOLIC_LINK: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_SYMBOLIC_LINK;
  case WP_OS_FT_FIFO: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_FIFO;
  default: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_OTHER; /* other(none) */
  }
}

static wasi_filesystem_types_descriptor_type_t fs_type(wp_os_filetype_t t) {
  wasi_filesystem_types_descriptor_type_t d;
  memset(&d, 0, sizeof d);
  d.tag = fs_type_tag(t);
  return d;
}

/* The descriptor `rep` (a trap when the rep is not one). */
#define DESC(cx, rep, d)                                                                            \
  wp3_obj_t *d = wp3_obj_get(wp3_inst(cx), (rep), WP3_DESCRIPTOR);                                  \
  if (!d) return wp3_trap((cx), "wasi:filesystem: unknown descriptor rep %u", (unsigned)(rep))

/* Sets ret->is_err/val.err when e is an error; returns e. */
static wp_os_err_t fail_set(bool *is_err, wasi_filesystem_types_error_code_t *err, wp_os_err_t e) {
  *is_err = e != 0;
  if (e) *err = wp3_fs_error(e);
  return e;
}
#define FAIL(ret, e) fail_set(&(ret)->is_err, &(ret)->val.err, (e))

/* A path from the guest, checked (UTF-8 was checked by the cabi layer;
** this refuses absolute paths and NULs). */
static wp_os_err_t path_ok(const wp3_string_t *p) { return wp_os_check_path((const char *)p->ptr, p->len); }

/* Directories only: path operations on a file fail with not-directory. */
static wp_os_err_t dir_ok(const wp3_obj_t *d) { return d->u.desc.type == WP_OS_FT_DIRECTORY ? 0 : WP_OS_ENOTDIR; }

static wp_os_err_t at_ok(const wp3_obj_t *d, const wp3_string_t *p) {
  wp_os_err_t e = dir_ok(d);
  return e ? e : path_ok(p);
}

/* A new descriptor object owning fd. */
static wp_os_err_t desc_new(wp3_inst_t *in, int fd, bool readonly, uint8_t flags, bool mutate, uint32_t *rep) {
  wp_os_stat_t st;
  wp_os_err_t e = wp_os_fstat(fd, &st);
  wp3_obj_t *o = e ? NULL : wp3_obj_new(in, WP3_DESCRIPTOR, rep);
  if (!o) {
    close(fd);
    return e ? e : WP_OS_EMFILE;
  }
  o->u.desc.h.fd = fd;
  o->u.desc.h.readonly = readonly;
  o->u.desc.type = st.type;
  o->u.desc.flags = flags;
  o->u.desc.mutate = mutate && st.type == WP_OS_FT_DIRECTORY;
  return 0;
}

/* ---------------------------------------------------------- preopens */

int wasi_filesystem_preopens_get_directories(wp3_ctx_t *cx, wp3_list_tuple2_own_descriptor_string_t *ret) {
  wp3_inst_t *in = wp3_inst(cx);
  ret->ptr = wp3_alloc(cx, in->npreopens * sizeof *ret->ptr, _Alignof(wp3_tuple2_own_descriptor_string_t));
  if (!ret->ptr) return wp3_trap(cx, "out of memory");
  for (size_t i = 0; i < in->npreopens; i++) {
    wp3_preopen_t *p = &in->preopens[i];
    /* Each call hands out new descriptors (dups): the guest may drop them
    ** without closing our preopen. */
    int fd = fcntl(p->h.fd, F_DUPFD_CLOEXEC, 0);
    uint8_t flags = DF(READ) | (p->h.readonly ? 0 : DF(MUTATE_DIRECTORY));
    wp_os_err_t e = fd < 0 ? WP_OS_EMFILE : desc_new(in, fd, p->h.readonly, flags, !p->h.readonly, &ret->ptr[i].f0.rep);
    if (e) return wp3_trap(cx, "wasi:filesystem/preopens: %s", wp_os_err_name(e));
    ret->len = i + 1;
    if (wp3_string_set(cx, &ret->ptr[i].f1, p->guest, strlen(p->guest))) return wp3_trap(cx, "out of memory");
  }
  return 0;
}

/* ----------------------------------------------------- streams, I/O */

/* A pump of the descriptor's file (p3_cli.c) on a dup of its fd, or the
** error it cannot have (which the future reports). */
static wp3_op_t *file_op(wp3_ctx_t *cx, uint32_t self, bool write, wp_os_err_t *e) {
  wp3_op_t *op = wp3_op_new(cx);
  if (!op) return NULL;
  op->domain = WP3_FS;
  op->to_fd = write;
  op->positioned = true;
  wp3_obj_t *d = wp3_obj_get(wp3_inst(cx), self, WP3_DESCRIPTOR);
  *e = 0;
  /* as WASI 0.2: reading a directory is is-directory, writing one
  ** bad-descriptor, and the descriptor's flags must allow it */
  if (!d) *e = WP_OS_EBADF;
  else if (d->u.desc.type == WP_OS_FT_DIRECTORY) *e = write ? WP_OS_EBADF : WP_OS_EISDIR;
  else if (!(d->u.desc.flags & (write ? DF(WRITE) : DF(READ)))) *e = WP_OS_EBADF;
  else if ((op->fd = fcntl(d->u.desc.h.fd, F_DUPFD_CLOEXEC, 0)) < 0) *e = WP_OS_EMFILE;
  else op->own_fd = true;
  return op;
}

int wasi_filesystem_types_method_descriptor_read_via_stream(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                            wasi_filesystem_types_filesize_t offset,
                                                            wp3_tuple2_stream_u8_future_result_void_error_code_t *ret) {
  wp_os_err_t e;
  wp3_op_t *op = file_op(cx, self.rep, false, &e);
  if (!op) return wp3_trap(cx, "wasi:filesystem: too many operations in flight");
  op->offset = offset;
  /* 0: the stream<u8>, 1: the future */
  if (cx->host->stream_new(cx->call, 0, &ret->f0, &op->data) || cx->host->stream_new(cx->call, 1, &ret->f1, &op->fut)) {
    wp3_op_free(op);
    return wp3_trap(cx, "wasi:filesystem: cannot make a stream");
  }
  if (e) wp3_pump_finish(op, e);
  else wp3_pump_start(op);
  return 0;
}

static int write_via(wp3_ctx_t *cx, uint32_t self, wp3_stream_u8_t data, uint64_t offset, bool append, uint32_t *ret) {
  wp_os_err_t e;
  wp3_op_t *op = file_op(cx, self, true, &e);
  if (!op) {
    cx->host->stream_drop(wp3_instance(cx), data);
    return wp3_trap(cx, "wasi:filesystem: too many operations in flight");
  }
  op->data = data;
  op->offset = offset;
  op->append = append;
  /* 0 is the stream<u8> parameter, 1 the future */
  if (cx->host->stream_new(cx->call, 1, ret, &op->fut)) {
    op->fut = 0;
    wp3_pump_finish(op, WP_OS_EIO);
    return wp3_trap(cx, "wasi:filesystem: cannot make a future");
  }
  if (e) wp3_pump_finish(op, e);
  else wp3_pump_start(op);
  return 0;
}

int wasi_filesystem_types_method_descriptor_write_via_stream(wp3_ctx_t *cx,
                                                             wasi_filesystem_types_borrow_descriptor_t self,
                                                             wp3_stream_u8_t data,
                                                             wasi_filesystem_types_filesize_t offset,
                                                             wp3_future_result_void_error_code_t *ret) {
  return write_via(cx, self.rep, data, offset, false, ret);
}

int wasi_filesystem_types_method_descriptor_append_via_stream(wp3_ctx_t *cx,
                                                              wasi_filesystem_types_borrow_descriptor_t self,
                                                              wp3_stream_u8_t data,
                                                              wp3_future_result_void_error_code_t *ret) {
  return write_via(cx, self.rep, data, 0, true, ret);
}


int wasi_filesystem_types_method_descriptor_advise(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                   wasi_filesystem_types_filesize_t offset,
                                                   wasi_filesystem_types_filesize_t length,
                                                   wasi_filesystem_types_advice_t advice,
                                                   wp3_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  static const int how[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                            POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
  wp_os_err_t e = d->u.desc.type == WP_OS_FT_DIRECTORY ? WP_OS_EBADF
                  : advice < 6 ? wp_os_fadvise(d->u.desc.h.fd, offset, length, how[advice])
                               : WP_OS_EINVAL;
  FAIL(ret, e);
  return 0;
}

int wasi_filesystem_types_method_descriptor_sync_data(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                      wp3_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  FAIL(ret, wp_os_fdatasync(d->u.desc.h.fd));
  return 0;
}

int wasi_filesystem_types_method_descriptor_sync(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                 wp3_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  FAIL(ret, wp_os_fsync(d->u.desc.h.fd));
  return 0;
}

int wasi_filesystem_types_method_descriptor_get_flags(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                      wp3_result_descriptor_flags_error_code_t *ret) {
  DESC(cx, self.rep, d);
  ret->val.ok = d->u.desc.flags;
  return 0;
}

int wasi_filesystem_types_method_descriptor_get_type(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                     wp3_result_descriptor_type_error_code_t *ret) {
  DESC(cx, self.rep, d);
  ret->val.ok = fs_type(d->u.desc.type);
  return 0;
}

int wasi_filesystem_types_method_descriptor_set_size(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                     wasi_filesystem_types_filesize_t size,
                                                     wp3_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  FAIL(ret, d->u.desc.type == WP_OS_FT_DIRECTORY || !(d->u.desc.flags & DF(WRITE)) ? WP_OS_EBADF
                                                                                   : wp_os_ftruncate(&d->u.desc.h, size));
  return 0;
}

static wp_os_time_t os_time(const wasi_filesystem_types_new_timestamp_t *t) {
  wp_os_time_t r = {WP_OS_TIME_OMIT, 0};
  if (t->tag == WASI_FILESYSTEM_TYPES_NEW_TIMESTAMP_NOW) r.how = WP_OS_TIME_NOW;
  if (t->tag == WASI_FILESYSTEM_TYPES_NEW_TIMESTAMP_TIMESTAMP) {
    r.how = WP_OS_TIME_SET;
    if (t->val.timestamp.seconds < 0) { /* before the epoch: not representable here */
      r.how = WP_OS_TIME_SET;
      r.ns = 0;
      return r;
    }
    uint64_t s = (uint64_t)t->val.timestamp.seconds;
    /* nanoseconds since the epoch must fit in 64 bits */
    r.ns = s > UINT64_MAX / 1000000000u - 1 ? UINT64_MAX : s * 1000000000u + t->val.timestamp.nanoseconds % 1000000000u;
  }
  return r;
}

int wasi_filesystem_types_method_descriptor_set_times(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                      const wasi_filesystem_types_new_timestamp_t *atim,
                                                      const wasi_filesystem_types_new_timestamp_t *mtim,
                                                      wp3_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  FAIL(ret, wp_os_futimes(&d->u.desc.h, os_time(atim), os_time(mtim)));
  return 0;
}

/* --------------------------------------------------------- directories */

/* The listing of a directory, read at once (local metadata) and written
** to the guest's stream<directory-entry> as fast as it reads. */
typedef struct dir_list {
  wasi_filesystem_types_directory_entry_t *ents;
  size_t n, cap;
  bool oom;
} dir_list_t;

static void dir_list_free(void *p) {
  dir_list_t *l = p;
  if (!l) return;
  for (size_t i = 0; i < l->n; i++) free(l->ents[i].name.ptr);
  free(l->ents);
  free(l);
}

/* Every entry but "." and ".." (WASI omits them). */
static bool collect(void *data, const wp_os_dirent_t *ent) {
  dir_list_t *l = data;
  if ((ent->namelen == 1 && ent->name[0] == '.') || (ent->namelen == 2 && !memcmp(ent->name, "..", 2))) return true;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    wasi_filesystem_types_directory_entry_t *n = cap <= WP3_MAX_OBJS * 16 ? realloc(l->ents, cap * sizeof *n) : NULL;
    if (!n) {
      l->oom = true;
      return false;
    }
    l->ents = n;
    l->cap = cap;
  }
  wasi_filesystem_types_directory_entry_t *e = &l->ents[l->n];
  memset(e, 0, sizeof *e);
  e->type = fs_type(ent->type);
  if (!(e->name.ptr = malloc(ent->namelen + 1))) {
    l->oom = true;
    return false;
  }
  memcpy(e->name.ptr, ent->name, ent->namelen);
  e->name.ptr[ent->namelen] = 0;
  e->name.len = ent->namelen;
  l->n++;
  return true;
}

static void dir_next(wp3_op_t *op);

static void dir_written(void *arg, int result, uint32_t count) {
  wp3_op_t *op = arg;
  op->at += count;
  if (result == WASMPLUG_COPY_DROPPED) wp3_pump_finish(op, 0);
  else dir_next(op);
}

static void dir_next(wp3_op_t *op) {
  dir_list_t *l = op->extra;
  if (op->at >= l->n) {
    wp3_pump_finish(op, 0);
    return;
  }
  if (op->host->stream_write(op->pi, op->data, l->ents + op->at, (uint32_t)(l->n - op->at), dir_written, op))
    wp3_pump_finish(op, WP_OS_EIO);
}

int wasi_filesystem_types_method_descriptor_read_directory(
    wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
    wp3_tuple2_stream_directory_entry_future_result_void_error_code_t *ret) {
  wp3_op_t *op = wp3_op_new(cx);
  if (!op) return wp3_trap(cx, "wasi:filesystem: too many operations in flight");
  op->domain = WP3_FS;
  /* 0: the stream<directory-entry>, 1: the future */
  if (cx->host->stream_new(cx->call, 0, &ret->f0, &op->data) || cx->host->stream_new(cx->call, 1, &ret->f1, &op->fut)) {
    wp3_op_free(op);
    return wp3_trap(cx, "wasi:filesystem: cannot make a stream");
  }
  wp3_obj_t *d = wp3_obj_get(wp3_inst(cx), self.rep, WP3_DESCRIPTOR);
  dir_list_t *l = calloc(1, sizeof *l);
  op->extra = l;
  op->extra_free = dir_list_free;
  wp_os_err_t e = !l ? WP_OS_ENOMEM : !d ? WP_OS_EBADF : dir_ok(d);
  int fd = -1;
  if (!e && (fd = fcntl(d->u.desc.h.fd, F_DUPFD_CLOEXEC, 0)) < 0) e = WP_OS_EMFILE;
  if (!e) e = wp_os_readdir(fd, 0, collect, l);
  if (fd >= 0) close(fd);
  if (!e && l->oom) e = WP_OS_ENOMEM;
  if (e) wp3_pump_finish(op, e);
  else dir_next(op);
  return 0;
}


/* --------------------------------------------------- path operations */

int wasi_filesystem_types_method_descriptor_create_directory_at(wp3_ctx_t *cx,
                                                                wasi_filesystem_types_borrow_descriptor_t self,
                                                                const wp3_string_t *path,
                                                                wp3_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_err_t e = at_ok(d, path);
  FAIL(ret, e ? e : wp_os_mkdir_at(&d->u.desc.h, (const char *)path->ptr));
  return 0;
}

int wasi_filesystem_types_method_descriptor_remove_directory_at(wp3_ctx_t *cx,
                                                                wasi_filesystem_types_borrow_descriptor_t self,
                                                                const wp3_string_t *path,
                                                                wp3_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_err_t e = at_ok(d, path);
  FAIL(ret, e ? e : wp_os_rmdir_at(&d->u.desc.h, (const char *)path->ptr));
  return 0;
}

int wasi_filesystem_types_method_descriptor_unlink_file_at(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                           const wp3_string_t *path, wp3_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_err_t e = at_ok(d, path);
  FAIL(ret, e ? e : wp_os_unlink_at(&d->u.desc.h, (const char *)path->ptr));
  return 0;
}

static void fill_stat(const wp_os_stat_t *st, wasi_filesystem_types_descriptor_stat_t *out) {
  out->type = fs_type(st->type);
  out->link_count = st->nlink;
  out->size = st->size;
  const uint64_t *t[3] = {&st->atim, &st->mtim, &st->ctim};
  wp3_option_instant_t *o[3] = {&out->data_access_timestamp, &out->data_modification_timestamp,
                                 &out->status_change_timestamp};
  for (int i = 0; i < 3; i++) {
    o[i]->is_some = true;
    o[i]->val.seconds = (int64_t)(*t[i] / 1000000000u);
    o[i]->val.nanoseconds = (uint32_t)(*t[i] % 1000000000u);
  }
}

int wasi_filesystem_types_method_descriptor_stat(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                 wp3_result_descriptor_stat_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_stat_t st;
  if (!FAIL(ret, wp_os_fstat(d->u.desc.h.fd, &st))) fill_stat(&st, &ret->val.ok);
  return 0;
}

static bool follow(wasi_filesystem_types_path_flags_t f) {
  return (f & WASI_FILESYSTEM_TYPES_PATH_FLAGS_SYMLINK_FOLLOW) != 0;
}

int wasi_filesystem_types_method_descriptor_stat_at(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                    wasi_filesystem_types_path_flags_t path_flags,
                                                    const wp3_string_t *path,
                                                    wp3_result_descriptor_stat_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_stat_t st;
  wp_os_err_t e = at_ok(d, path);
  if (!e) e = wp_os_stat_at(&d->u.desc.h, (const char *)path->ptr, follow(path_flags), &st);
  if (!FAIL(ret, e)) fill_stat(&st, &ret->val.ok);
  return 0;
}

int wasi_filesystem_types_method_descriptor_set_times_at(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                         wasi_filesystem_types_path_flags_t path_flags,
                                                         const wp3_string_t *path,
                                                         const wasi_filesystem_types_new_timestamp_t *atim,
                                                         const wasi_filesystem_types_new_timestamp_t *mtim,
                                                         wp3_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_err_t e = at_ok(d, path);
  if (!e) e = wp_os_utimes_at(&d->u.desc.h, (const char *)path->ptr, follow(path_flags), os_time(atim), os_time(mtim));
  FAIL(ret, e);
  return 0;
}

int wasi_filesystem_types_method_descriptor_link_at(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                    wasi_filesystem_types_path_flags_t old_path_flags,
                                                    const wp3_string_t *old_path,
                                                    wasi_filesystem_types_borrow_descriptor_t new_descriptor,
                                                    const wp3_string_t *new_path, wp3_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  DESC(cx, new_descriptor.rep, nd);
  wp_os_err_t e = at_ok(d, old_path);
  if (!e) e = at_ok(nd, new_path);
  /* as the reference: a hard link never follows a final symlink */
  if (!e && follow(old_path_flags)) e = WP_OS_EINVAL;
  if (!e) e = wp_os_link_at(&d->u.desc.h, (const char *)old_path->ptr, false, &nd->u.desc.h, (const char *)new_path->ptr);
  FAIL(ret, e);
  return 0;
}

int wasi_filesystem_types_method_descriptor_open_at(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                    wasi_filesystem_types_path_flags_t path_flags,
                                                    const wp3_string_t *path, wasi_filesystem_types_open_flags_t oflags,
                                                    wasi_filesystem_types_descriptor_flags_t flags,
                                                    wp3_result_own_descriptor_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_err_t e = at_ok(d, path);
  /* As Wasmtime: create implies write; neither read nor write means read */
  bool create = oflags & WASI_FILESYSTEM_TYPES_OPEN_FLAGS_CREATE;
  bool wr = (flags & DF(WRITE)) || create, rd = (flags & DF(READ)) || !(flags & DF(WRITE));
  int of = wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY;
  if (create) of |= O_CREAT;
  if (oflags & WASI_FILESYSTEM_TYPES_OPEN_FLAGS_DIRECTORY) of |= O_DIRECTORY;
  if (oflags & WASI_FILESYSTEM_TYPES_OPEN_FLAGS_EXCLUSIVE) of |= O_EXCL;
  if (oflags & WASI_FILESYSTEM_TYPES_OPEN_FLAGS_TRUNCATE) of |= O_TRUNC;
  /* directory with create/exclusive/truncate: invalid, whatever the
  ** kernel would make of it */
  if (!e && (oflags & WASI_FILESYSTEM_TYPES_OPEN_FLAGS_DIRECTORY) &&
      (oflags & (WASI_FILESYSTEM_TYPES_OPEN_FLAGS_CREATE | WASI_FILESYSTEM_TYPES_OPEN_FLAGS_EXCLUSIVE |
                 WASI_FILESYSTEM_TYPES_OPEN_FLAGS_TRUNCATE)))
    e = WP_OS_EINVAL;
  if (flags & DF(FILE_INTEGRITY_SYNC)) of |= O_SYNC;
  else if (flags & DF(DATA_INTEGRITY_SYNC)) of |= O_DSYNC;
  /* Creating or changing anything beneath a directory the guest may not
  ** change (a read-only preopen) is refused. */
  if (!e && (of & (O_CREAT | O_TRUNC) || wr || (flags & DF(MUTATE_DIRECTORY))) && !d->u.desc.mutate)
    e = d->u.desc.h.readonly ? WP_OS_EROFS : WP_OS_EPERM;
  int fd = -1;
  if (!e) e = wp_os_openat(&d->u.desc.h, (const char *)path->ptr, of, 0666, follow(path_flags), &fd);
  if (!e) {
    uint8_t keep = (rd ? DF(READ) : 0) | (wr ? DF(WRITE) : 0) |
                   (flags & (DF(FILE_INTEGRITY_SYNC) | DF(DATA_INTEGRITY_SYNC) | DF(REQUESTED_WRITE_SYNC) |
                             DF(MUTATE_DIRECTORY)));
    /* a directory opened from a mutable directory may mutate beneath it
    ** (get-flags shows mutate-directory only when it was asked for) */
    e = desc_new(wp3_inst(cx), fd, d->u.desc.h.readonly, keep, d->u.desc.mutate, &ret->val.ok.rep);
  }
  FAIL(ret, e);
  return 0;
}

int wasi_filesystem_types_method_descriptor_readlink_at(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                        const wp3_string_t *path, wp3_result_string_error_code_t *ret) {
  DESC(cx, self.rep, d);
  char buf[4096];
  size_t len = 0;
  wp_os_err_t e = at_ok(d, path);
  if (!e) e = wp_os_readlink_at(&d->u.desc.h, (const char *)path->ptr, buf, sizeof buf, &len);
  if (FAIL(ret, e)) return 0;
  if (wp3_string_set(cx, &ret->val.ok, buf, len)) return wp3_trap(cx, "out of memory");
  return 0;
}

int wasi_filesystem_types_method_descriptor_rename_at(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                      const wp3_string_t *old_path,
                                                      wasi_filesystem_types_borrow_descriptor_t new_descriptor,
                                                      const wp3_string_t *new_path, wp3_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  DESC(cx, new_descriptor.rep, nd);
  wp_os_err_t e = at_ok(d, old_path);
  if (!e) e = at_ok(nd, new_path);
  if (!e) e = wp_os_rename_at(&d->u.desc.h, (const char *)old_path->ptr, &nd->u.desc.h, (const char *)new_path->ptr);
  FAIL(ret, e);
  return 0;
}

int wasi_filesystem_types_method_descriptor_symlink_at(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                       const wp3_string_t *old_path, const wp3_string_t *new_path,
                                                       wp3_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_err_t e = at_ok(d, new_path);
  if (!e && memchr(old_path->ptr, 0, old_path->len)) e = WP_OS_EINVAL;
  if (!e) e = wp_os_symlink_at((const char *)old_path->ptr, &d->u.desc.h, (const char *)new_path->ptr);
  FAIL(ret, e);
  return 0;
}

int wasi_filesystem_types_method_descriptor_is_same_object(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                           wasi_filesystem_types_borrow_descriptor_t other, bool *ret) {
  DESC(cx, self.rep, d);
  DESC(cx, other.rep, o);
  wp_os_stat_t a, b;
  *ret = !wp_os_fstat(d->u.desc.h.fd, &a) && !wp_os_fstat(o->u.desc.h.fd, &b) && a.dev == b.dev && a.ino == b.ino;
  return 0;
}

static void hash_stat(const wp_os_stat_t *st, wasi_filesystem_types_metadata_hash_value_t *h) {
  wp_os_stat_identity(st, &h->lower, &h->upper);
}

int wasi_filesystem_types_method_descriptor_metadata_hash(wp3_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                          wp3_result_metadata_hash_value_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_stat_t st;
  if (!FAIL(ret, wp_os_fstat(d->u.desc.h.fd, &st))) hash_stat(&st, &ret->val.ok);
  return 0;
}

int wasi_filesystem_types_method_descriptor_metadata_hash_at(wp3_ctx_t *cx,
                                                             wasi_filesystem_types_borrow_descriptor_t self,
                                                             wasi_filesystem_types_path_flags_t path_flags,
                                                             const wp3_string_t *path,
                                                             wp3_result_metadata_hash_value_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_stat_t st;
  wp_os_err_t e = at_ok(d, path);
  if (!e) e = wp_os_stat_at(&d->u.desc.h, (const char *)path->ptr, follow(path_flags), &st);
  if (!FAIL(ret, e)) hash_stat(&st, &ret->val.ok);
  return 0;
}

void wasi_filesystem_types_descriptor_destructor(wp3_ctx_t *cx, uint32_t rep) {
  wp3_obj_free(wp3_inst(cx), rep, WP3_DESCRIPTOR);
}
