/*
** p1_mem.c — checked access to the calling guest's memory.
**
** The guest is hostile: every pointer and length it passes is checked
** against the memory's current size with overflow-free arithmetic before
** any byte is touched, and structured values must be naturally aligned, as
** the witx ABI promises.  Failures are errno values, never host faults.
*/
#include <stdlib.h>

#include "p1.h"

uint8_t *p1_ptr(p1_call_t *c, uint32_t ptr, uint64_t len, uint32_t align,
                wp_os_err_t *err) {
  if (!c->mem || (uint64_t)ptr > c->mem_size || len > c->mem_size - ptr) {
    *err = WP_OS_EFAULT;
    return NULL;
  }
  if (align > 1 && ptr % align != 0) {
    *err = WP_OS_EINVAL;
    return NULL;
  }
  return c->mem + ptr;
}

wp_os_err_t p1_out32(p1_call_t *c, uint32_t ptr, uint32_t v) {
  wp_os_err_t err;
  uint8_t *p = p1_ptr(c, ptr, 4, 4, &err);
  if (!p) return err;
  p1_st32(p, v);
  return 0;
}

wp_os_err_t p1_out64(p1_call_t *c, uint32_t ptr, uint64_t v) {
  wp_os_err_t err;
  uint8_t *p = p1_ptr(c, ptr, 8, 8, &err);
  if (!p) return err;
  p1_st64(p, v);
  return 0;
}

wp_os_err_t p1_path(p1_call_t *c, uint32_t ptr, uint32_t len, char **out) {
  wp_os_err_t err;
  /* Longer than PATH_MAX cannot name anything; refuse before copying. */
  if (len >= 4096) return WP_OS_ENAMETOOLONG;
  const uint8_t *p = p1_ptr(c, ptr, len, 1, &err);
  if (!p) return err;
  char *s = malloc((size_t)len + 1);
  if (!s) return WP_OS_ENOMEM;
  memcpy(s, p, len);
  s[len] = 0;
  /* Check the copy, not guest memory: nothing can change it after. */
  err = wp_os_check_path(s, len);
  if (err) {
    free(s);
    return err;
  }
  *out = s;
  return 0;
}

wp_os_err_t p1_iovecs(p1_call_t *c, uint32_t iovs, uint32_t n,
                      struct iovec *out, int *nout) {
  wp_os_err_t err;
  /* The whole array must be the guest's... */
  const uint8_t *v = p1_ptr(c, iovs, (uint64_t)n * 8, 4, &err);
  if (!v) return err;
  /* ...but vectors past the first P1_MAX_IOVS are ignored: a short
  ** transfer is always allowed, and it bounds the host's work per call. */
  if (n > P1_MAX_IOVS) n = P1_MAX_IOVS;
  size_t total = 0;
  int k = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t buf = p1_ld32(v + 8 * i), len = p1_ld32(v + 8 * i + 4);
    uint8_t *p = p1_ptr(c, buf, len, 1, &err);
    if (!p) return err;
    /* A transfer's total must fit ssize_t and the u32 result. */
    if (len > UINT32_MAX - total) break;
    total += len;
    if (len == 0) continue;
    out[k].iov_base = p;
    out[k].iov_len = len;
    k++;
  }
  *nout = k;
  return 0;
}

wp_wasi_fd_t *p1_fd(p1_call_t *c, uint32_t fd, wp_os_err_t *err) {
  wp_wasi_fd_t *e = wp_wasi_fd_get(c->ctx, fd);
  if (!e) *err = WP_OS_EBADF;
  return e;
}

uint8_t p1_filetype(wp_os_filetype_t t) {
  /* The OS layer numbers the preview1 types the same; fifo has no
  ** preview1 equivalent. */
  return t == WP_OS_FT_FIFO ? 0 : (uint8_t)t;
}

void p1_store_filestat(uint8_t *p, const wp_os_stat_t *st) {
  memset(p, 0, 64);
  p1_st64(p + 0, st->dev);
  p1_st64(p + 8, st->ino);
  p[16] = p1_filetype(st->type);
  p1_st64(p + 24, st->nlink);
  p1_st64(p + 32, st->size);
  p1_st64(p + 40, st->atim);
  p1_st64(p + 48, st->mtim);
  p1_st64(p + 56, st->ctim);
}
