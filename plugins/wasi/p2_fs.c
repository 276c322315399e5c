/*
** p2_fs.c — wasi:filesystem (types, preopens) on the shared OS layer.
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

#include "p2.h"

#define FS(x) WASI_FILESYSTEM_TYPES_ERROR_CODE_##x
#define DF(x) WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_##x

wasi_filesystem_types_error_code_t wp2_fs_error(wp_os_err_t e) {
  switch (e) {
  case WP_OS_EACCES: return FS(ACCESS);
  case WP_OS_EAGAIN: return FS(WOULD_BLOCK);
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

static wasi_filesystem_types_descriptor_type_t fs_type(wp_os_filetype_t t) {
  switch (t) {
  case WP_OS_FT_BLOCK_DEVICE: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_BLOCK_DEVICE;
  case WP_OS_FT_CHARACTER_DEVICE: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_CHARACTER_DEVICE;
  case WP_OS_FT_DIRECTORY: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_DIRECTORY;
  case WP_OS_FT_REGULAR_FILE: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_REGULAR_FILE;
  case WP_OS_FT_SOCKET_DGRAM: case WP_OS_FT_SOCKET_STREAM: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_SOCKET;
  case WP_OS_FT_SYMBOLIC_LINK: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_SYMBOLIC_LINK;
  case WP_OS_FT_FIFO: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_FIFO;
  default: return WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_UNKNOWN;
  }
}

/* The descriptor `rep` (a trap when the rep is not one). */
#define DESC(cx, rep, d)                                                                            \
  wp2_obj_t *d = wp2_obj_get(wp2_inst(cx), (rep), WP2_DESCRIPTOR);                                  \
  if (!d) return wp2_trap((cx), "wasi:filesystem: unknown descriptor rep %u", (unsigned)(rep))

/* Sets ret->is_err/val.err when e is an error; returns e. */
static wp_os_err_t fail_set(bool *is_err, wasi_filesystem_types_error_code_t *err, wp_os_err_t e) {
  *is_err = e != 0;
  if (e) *err = wp2_fs_error(e);
  return e;
}
#define FAIL(ret, e) fail_set(&(ret)->is_err, &(ret)->val.err, (e))

/* A path from the guest, checked (UTF-8 was checked by the cabi layer;
** this refuses absolute paths and NULs). */
static wp_os_err_t path_ok(const wp2_string_t *p) { return wp_os_check_path((const char *)p->ptr, p->len); }

/* Directories only: path operations on a file fail with not-directory. */
static wp_os_err_t dir_ok(const wp2_obj_t *d) { return d->u.desc.type == WP_OS_FT_DIRECTORY ? 0 : WP_OS_ENOTDIR; }

static wp_os_err_t at_ok(const wp2_obj_t *d, const wp2_string_t *p) {
  wp_os_err_t e = dir_ok(d);
  return e ? e : path_ok(p);
}

/* A new descriptor object owning fd. */
static wp_os_err_t desc_new(wp2_inst_t *in, int fd, bool readonly, uint8_t flags, uint32_t *rep) {
  wp_os_stat_t st;
  wp_os_err_t e = wp_os_fstat(fd, &st);
  wp2_obj_t *o = e ? NULL : wp2_obj_new(in, WP2_DESCRIPTOR, rep);
  if (!o) {
    close(fd);
    return e ? e : WP_OS_EMFILE;
  }
  o->u.desc.h.fd = fd;
  o->u.desc.h.readonly = readonly;
  o->u.desc.type = st.type;
  o->u.desc.flags = flags;
  return 0;
}

/* ---------------------------------------------------------- preopens */

int wasi_filesystem_preopens_get_directories(wp2_ctx_t *cx, wp2_list_tuple2_own_descriptor_string_t *ret) {
  wp2_inst_t *in = wp2_inst(cx);
  ret->ptr = wp2_alloc(cx, in->npreopens * sizeof *ret->ptr, _Alignof(wp2_tuple2_own_descriptor_string_t));
  if (!ret->ptr) return wp2_trap(cx, "out of memory");
  for (size_t i = 0; i < in->npreopens; i++) {
    wp2_preopen_t *p = &in->preopens[i];
    /* Each call hands out new descriptors (dups): the guest may drop them
    ** without closing our preopen. */
    int fd = fcntl(p->h.fd, F_DUPFD_CLOEXEC, 0);
    uint8_t flags = DF(READ) | (p->h.readonly ? 0 : DF(MUTATE_DIRECTORY));
    wp_os_err_t e = fd < 0 ? WP_OS_EMFILE : desc_new(in, fd, p->h.readonly, flags, &ret->ptr[i].f0.rep);
    if (e) return wp2_trap(cx, "wasi:filesystem/preopens: %s", wp_os_err_name(e));
    ret->len = i + 1;
    if (wp2_string_set(cx, &ret->ptr[i].f1, p->guest, strlen(p->guest))) return wp2_trap(cx, "out of memory");
  }
  return 0;
}

/* ----------------------------------------------------- streams, I/O */

static int stream_of(wp2_ctx_t *cx, uint32_t self, wp2_kind_t kind, uint64_t offset, bool append, uint32_t *rep,
                     bool *is_err, wasi_filesystem_types_error_code_t *err) {
  DESC(cx, self, d);
  wp_os_err_t e = 0;
  uint8_t need = kind == WP2_INSTREAM ? DF(READ) : DF(WRITE);
  /* the reference: reading a directory is is-directory, writing one
  ** (like every other file-only operation) bad-descriptor */
  if (d->u.desc.type == WP_OS_FT_DIRECTORY) e = kind == WP2_INSTREAM ? WP_OS_EISDIR : WP_OS_EBADF;
  else if (!(d->u.desc.flags & need)) e = WP_OS_EBADF;
  int fd = -1;
  if (!e && (fd = fcntl(d->u.desc.h.fd, F_DUPFD_CLOEXEC, 0)) < 0) e = WP_OS_EMFILE;
  wp2_obj_t *s = NULL;
  if (!e && !(s = wp2_stream_new(wp2_inst(cx), kind, fd, true, rep))) {
    close(fd);
    e = WP_OS_EMFILE;
  }
  if (s) {
    s->u.stream.positioned = !append;
    s->u.stream.append = append;
    s->u.stream.offset = offset;
  }
  fail_set(is_err, err, e); /* err shares storage with the ok rep */
  return 0;
}

int wasi_filesystem_types_method_descriptor_read_via_stream(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                            wasi_filesystem_types_filesize_t offset,
                                                            wp2_result_own_input_stream_error_code_t *ret) {
  return stream_of(cx, self.rep, WP2_INSTREAM, offset, false, &ret->val.ok.rep, &ret->is_err, &ret->val.err);
}

int wasi_filesystem_types_method_descriptor_write_via_stream(wp2_ctx_t *cx,
                                                             wasi_filesystem_types_borrow_descriptor_t self,
                                                             wasi_filesystem_types_filesize_t offset,
                                                             wp2_result_own_output_stream_error_code_t *ret) {
  return stream_of(cx, self.rep, WP2_OUTSTREAM, offset, false, &ret->val.ok.rep, &ret->is_err, &ret->val.err);
}

int wasi_filesystem_types_method_descriptor_append_via_stream(wp2_ctx_t *cx,
                                                              wasi_filesystem_types_borrow_descriptor_t self,
                                                              wp2_result_own_output_stream_error_code_t *ret) {
  return stream_of(cx, self.rep, WP2_OUTSTREAM, 0, true, &ret->val.ok.rep, &ret->is_err, &ret->val.err);
}

int wasi_filesystem_types_method_descriptor_advise(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                   wasi_filesystem_types_filesize_t offset,
                                                   wasi_filesystem_types_filesize_t length,
                                                   wasi_filesystem_types_advice_t advice,
                                                   wp2_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  static const int how[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                            POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
  wp_os_err_t e = d->u.desc.type == WP_OS_FT_DIRECTORY ? WP_OS_EBADF
                  : advice < 6 ? wp_os_fadvise(d->u.desc.h.fd, offset, length, how[advice])
                               : WP_OS_EINVAL;
  FAIL(ret, e);
  return 0;
}

int wasi_filesystem_types_method_descriptor_sync_data(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                      wp2_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  FAIL(ret, wp_os_fdatasync(d->u.desc.h.fd));
  return 0;
}

int wasi_filesystem_types_method_descriptor_sync(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                 wp2_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  FAIL(ret, wp_os_fsync(d->u.desc.h.fd));
  return 0;
}

int wasi_filesystem_types_method_descriptor_get_flags(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                      wp2_result_descriptor_flags_error_code_t *ret) {
  DESC(cx, self.rep, d);
  ret->val.ok = d->u.desc.flags;
  return 0;
}

int wasi_filesystem_types_method_descriptor_get_type(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                     wp2_result_descriptor_type_error_code_t *ret) {
  DESC(cx, self.rep, d);
  ret->val.ok = fs_type(d->u.desc.type);
  return 0;
}

int wasi_filesystem_types_method_descriptor_set_size(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                     wasi_filesystem_types_filesize_t size,
                                                     wp2_result_void_error_code_t *ret) {
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
    uint64_t s = t->val.timestamp.seconds;
    /* nanoseconds since the epoch must fit in 64 bits */
    r.ns = s > UINT64_MAX / 1000000000u - 1 ? UINT64_MAX : s * 1000000000u + t->val.timestamp.nanoseconds % 1000000000u;
  }
  return r;
}

int wasi_filesystem_types_method_descriptor_set_times(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                      const wasi_filesystem_types_new_timestamp_t *atim,
                                                      const wasi_filesystem_types_new_timestamp_t *mtim,
                                                      wp2_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  FAIL(ret, wp_os_futimes(&d->u.desc.h, os_time(atim), os_time(mtim)));
  return 0;
}

int wasi_filesystem_types_method_descriptor_read(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                 wasi_filesystem_types_filesize_t length,
                                                 wasi_filesystem_types_filesize_t offset,
                                                 wp2_result_tuple2_list_u8_bool_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_err_t e = d->u.desc.type == WP_OS_FT_DIRECTORY || !(d->u.desc.flags & DF(READ)) ? WP_OS_EBADF : 0;
  if (FAIL(ret, e)) return 0;
  if (length > (1u << 20)) length = 1u << 20; /* the call's memory budget is finite */
  uint8_t *buf = wp2_alloc(cx, length, 1);
  if (!buf) return wp2_trap(cx, "out of memory");
  struct iovec iov = {buf, length};
  size_t done = 0;
  if (FAIL(ret, wp_os_preadv(d->u.desc.h.fd, &iov, 1, offset, &done))) return 0;
  ret->val.ok.f0.ptr = buf;
  ret->val.ok.f0.len = done;
  /* As the reference: end of file is a read that returned nothing (a
  ** short read is not reported as the end). */
  ret->val.ok.f1 = done == 0;
  return 0;
}

int wasi_filesystem_types_method_descriptor_write(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                  const wp2_list_u8_t *buffer, wasi_filesystem_types_filesize_t offset,
                                                  wp2_result_filesize_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_err_t e = d->u.desc.type == WP_OS_FT_DIRECTORY || !(d->u.desc.flags & DF(WRITE)) ? WP_OS_EBADF : 0;
  if (FAIL(ret, e)) return 0;
  struct iovec iov = {buffer->ptr, buffer->len};
  size_t done = 0;
  if (FAIL(ret, wp_os_pwritev(d->u.desc.h.fd, &iov, 1, offset, &done))) return 0;
  ret->val.ok = done;
  return 0;
}

/* --------------------------------------------------------- directories */

int wasi_filesystem_types_method_descriptor_read_directory(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                           wp2_result_own_directory_entry_stream_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_err_t e = dir_ok(d);
  int fd = -1;
  if (!e && (fd = fcntl(d->u.desc.h.fd, F_DUPFD_CLOEXEC, 0)) < 0) e = WP_OS_EMFILE;
  wp2_obj_t *s = NULL;
  if (!e && !(s = wp2_obj_new(wp2_inst(cx), WP2_DIRSTREAM, &ret->val.ok.rep))) {
    close(fd);
    e = WP_OS_EMFILE;
  }
  if (s) s->u.dir.fd = fd;
  FAIL(ret, e);
  return 0;
}

typedef struct {
  wp_os_dirent_t ent;
  char name[WP_OS_LEAF_MAX];
  bool found;
  uint64_t next;
} dir_pick_t;

/* Takes the first entry that is not "." or ".." (WASI 0.2 omits them). */
static bool pick(void *data, const wp_os_dirent_t *ent) {
  dir_pick_t *p = data;
  p->next = ent->next;
  if ((ent->namelen == 1 && ent->name[0] == '.') || (ent->namelen == 2 && !memcmp(ent->name, "..", 2))) return true;
  if (ent->namelen >= sizeof p->name) return true; /* cannot happen on Linux (NAME_MAX) */
  p->ent = *ent;
  memcpy(p->name, ent->name, ent->namelen);
  p->found = true;
  return false;
}

int wasi_filesystem_types_method_directory_entry_stream_read_directory_entry(
    wp2_ctx_t *cx, wasi_filesystem_types_borrow_directory_entry_stream_t self,
    wp2_result_option_directory_entry_error_code_t *ret) {
  wp2_obj_t *s = wp2_obj_get(wp2_inst(cx), self.rep, WP2_DIRSTREAM);
  if (!s) return wp2_trap(cx, "wasi:filesystem: unknown directory-entry-stream rep %u", self.rep);
  if (s->u.dir.done) return 0; /* ok(none) */
  dir_pick_t p;
  memset(&p, 0, sizeof p);
  p.next = s->u.dir.cookie;
  if (FAIL(ret, wp_os_readdir(s->u.dir.fd, s->u.dir.cookie, pick, &p))) return 0;
  s->u.dir.cookie = p.next;
  if (!p.found) {
    s->u.dir.done = true;
    return 0;
  }
  ret->val.ok.is_some = true;
  ret->val.ok.val.type = fs_type(p.ent.type);
  if (wp2_string_set(cx, &ret->val.ok.val.name, p.name, p.ent.namelen)) return wp2_trap(cx, "out of memory");
  return 0;
}

void wasi_filesystem_types_directory_entry_stream_destructor(wp2_ctx_t *cx, uint32_t rep) {
  wp2_obj_free(wp2_inst(cx), rep, WP2_DIRSTREAM);
}

/* --------------------------------------------------- path operations */

int wasi_filesystem_types_method_descriptor_create_directory_at(wp2_ctx_t *cx,
                                                                wasi_filesystem_types_borrow_descriptor_t self,
                                                                const wp2_string_t *path,
                                                                wp2_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_err_t e = at_ok(d, path);
  FAIL(ret, e ? e : wp_os_mkdir_at(&d->u.desc.h, (const char *)path->ptr));
  return 0;
}

int wasi_filesystem_types_method_descriptor_remove_directory_at(wp2_ctx_t *cx,
                                                                wasi_filesystem_types_borrow_descriptor_t self,
                                                                const wp2_string_t *path,
                                                                wp2_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_err_t e = at_ok(d, path);
  FAIL(ret, e ? e : wp_os_rmdir_at(&d->u.desc.h, (const char *)path->ptr));
  return 0;
}

int wasi_filesystem_types_method_descriptor_unlink_file_at(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                           const wp2_string_t *path, wp2_result_void_error_code_t *ret) {
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
  wp2_option_datetime_t *o[3] = {&out->data_access_timestamp, &out->data_modification_timestamp,
                                 &out->status_change_timestamp};
  for (int i = 0; i < 3; i++) {
    o[i]->is_some = true;
    o[i]->val.seconds = *t[i] / 1000000000u;
    o[i]->val.nanoseconds = (uint32_t)(*t[i] % 1000000000u);
  }
}

int wasi_filesystem_types_method_descriptor_stat(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                 wp2_result_descriptor_stat_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_stat_t st;
  if (!FAIL(ret, wp_os_fstat(d->u.desc.h.fd, &st))) fill_stat(&st, &ret->val.ok);
  return 0;
}

static bool follow(wasi_filesystem_types_path_flags_t f) {
  return (f & WASI_FILESYSTEM_TYPES_PATH_FLAGS_SYMLINK_FOLLOW) != 0;
}

int wasi_filesystem_types_method_descriptor_stat_at(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                    wasi_filesystem_types_path_flags_t path_flags,
                                                    const wp2_string_t *path,
                                                    wp2_result_descriptor_stat_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_stat_t st;
  wp_os_err_t e = at_ok(d, path);
  if (!e) e = wp_os_stat_at(&d->u.desc.h, (const char *)path->ptr, follow(path_flags), &st);
  if (!FAIL(ret, e)) fill_stat(&st, &ret->val.ok);
  return 0;
}

int wasi_filesystem_types_method_descriptor_set_times_at(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                         wasi_filesystem_types_path_flags_t path_flags,
                                                         const wp2_string_t *path,
                                                         const wasi_filesystem_types_new_timestamp_t *atim,
                                                         const wasi_filesystem_types_new_timestamp_t *mtim,
                                                         wp2_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_err_t e = at_ok(d, path);
  if (!e) e = wp_os_utimes_at(&d->u.desc.h, (const char *)path->ptr, follow(path_flags), os_time(atim), os_time(mtim));
  FAIL(ret, e);
  return 0;
}

int wasi_filesystem_types_method_descriptor_link_at(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                    wasi_filesystem_types_path_flags_t old_path_flags,
                                                    const wp2_string_t *old_path,
                                                    wasi_filesystem_types_borrow_descriptor_t new_descriptor,
                                                    const wp2_string_t *new_path, wp2_result_void_error_code_t *ret) {
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

int wasi_filesystem_types_method_descriptor_open_at(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                    wasi_filesystem_types_path_flags_t path_flags,
                                                    const wp2_string_t *path, wasi_filesystem_types_open_flags_t oflags,
                                                    wasi_filesystem_types_descriptor_flags_t flags,
                                                    wp2_result_own_descriptor_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_err_t e = at_ok(d, path);
  bool rd = flags & DF(READ), wr = flags & DF(WRITE);
  int of = wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY;
  if (oflags & WASI_FILESYSTEM_TYPES_OPEN_FLAGS_CREATE) of |= O_CREAT;
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
  /* Creating or changing anything beneath a directory opened without
  ** mutate-directory (or a read-only preopen) is refused. */
  if (!e && (of & (O_CREAT | O_TRUNC) || wr || (flags & DF(MUTATE_DIRECTORY))) &&
      !(d->u.desc.flags & DF(MUTATE_DIRECTORY)))
    e = d->u.desc.h.readonly ? WP_OS_EROFS : WP_OS_EPERM;
  int fd = -1;
  if (!e) e = wp_os_openat(&d->u.desc.h, (const char *)path->ptr, of, 0666, follow(path_flags), &fd);
  if (!e) {
    uint8_t keep = flags & (DF(READ) | DF(WRITE) | DF(FILE_INTEGRITY_SYNC) | DF(DATA_INTEGRITY_SYNC) |
                            DF(REQUESTED_WRITE_SYNC) | DF(MUTATE_DIRECTORY));
    /* a directory opened from a mutable directory may mutate beneath it */
    e = desc_new(wp2_inst(cx), fd, d->u.desc.h.readonly, keep, &ret->val.ok.rep);
    if (!e) {
      wp2_obj_t *n = wp2_obj_get(wp2_inst(cx), ret->val.ok.rep, WP2_DESCRIPTOR);
      if (n->u.desc.type == WP_OS_FT_DIRECTORY && (d->u.desc.flags & DF(MUTATE_DIRECTORY)))
        n->u.desc.flags |= DF(MUTATE_DIRECTORY);
    }
  }
  FAIL(ret, e);
  return 0;
}

int wasi_filesystem_types_method_descriptor_readlink_at(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                        const wp2_string_t *path, wp2_result_string_error_code_t *ret) {
  DESC(cx, self.rep, d);
  char buf[4096];
  size_t len = 0;
  wp_os_err_t e = at_ok(d, path);
  if (!e) e = wp_os_readlink_at(&d->u.desc.h, (const char *)path->ptr, buf, sizeof buf, &len);
  if (FAIL(ret, e)) return 0;
  if (wp2_string_set(cx, &ret->val.ok, buf, len)) return wp2_trap(cx, "out of memory");
  return 0;
}

int wasi_filesystem_types_method_descriptor_rename_at(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                      const wp2_string_t *old_path,
                                                      wasi_filesystem_types_borrow_descriptor_t new_descriptor,
                                                      const wp2_string_t *new_path, wp2_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  DESC(cx, new_descriptor.rep, nd);
  wp_os_err_t e = at_ok(d, old_path);
  if (!e) e = at_ok(nd, new_path);
  if (!e) e = wp_os_rename_at(&d->u.desc.h, (const char *)old_path->ptr, &nd->u.desc.h, (const char *)new_path->ptr);
  FAIL(ret, e);
  return 0;
}

int wasi_filesystem_types_method_descriptor_symlink_at(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                       const wp2_string_t *old_path, const wp2_string_t *new_path,
                                                       wp2_result_void_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_err_t e = at_ok(d, new_path);
  if (!e && memchr(old_path->ptr, 0, old_path->len)) e = WP_OS_EINVAL;
  if (!e) e = wp_os_symlink_at((const char *)old_path->ptr, &d->u.desc.h, (const char *)new_path->ptr);
  FAIL(ret, e);
  return 0;
}

int wasi_filesystem_types_method_descriptor_is_same_object(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
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

int wasi_filesystem_types_method_descriptor_metadata_hash(wp2_ctx_t *cx, wasi_filesystem_types_borrow_descriptor_t self,
                                                          wp2_result_metadata_hash_value_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_stat_t st;
  if (!FAIL(ret, wp_os_fstat(d->u.desc.h.fd, &st))) hash_stat(&st, &ret->val.ok);
  return 0;
}

int wasi_filesystem_types_method_descriptor_metadata_hash_at(wp2_ctx_t *cx,
                                                             wasi_filesystem_types_borrow_descriptor_t self,
                                                             wasi_filesystem_types_path_flags_t path_flags,
                                                             const wp2_string_t *path,
                                                             wp2_result_metadata_hash_value_error_code_t *ret) {
  DESC(cx, self.rep, d);
  wp_os_stat_t st;
  wp_os_err_t e = at_ok(d, path);
  if (!e) e = wp_os_stat_at(&d->u.desc.h, (const char *)path->ptr, follow(path_flags), &st);
  if (!FAIL(ret, e)) hash_stat(&st, &ret->val.ok);
  return 0;
}

void wasi_filesystem_types_descriptor_destructor(wp2_ctx_t *cx, uint32_t rep) {
  wp2_obj_free(wp2_inst(cx), rep, WP2_DESCRIPTOR);
}
