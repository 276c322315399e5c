/*
** read_module.c — reads the file `wasmplug run` is given, leaving out what
** nothing in a run reads: the payloads of a core module's large custom
** sections (DWARF above all: 185 KB of hello.wasm's 220 KB), which stay
** zero in the buffer.
**
** Why this is sound: a core module's identity (the cache key, validation
** tickets: wp_module_digest, docs/security.md) hashes every custom
** section's header, name, length and place but never its payload, and
** neither the decoder, the validator nor the translators read a custom
** payload but that of "name" (function names for backtraces), which is
** always read.  So the buffer behaves as the file would, in every check
** and in every byte of code and data: what is skipped are pages never
** read, copied or faulted in (each page fault costs microseconds under a
** hypervisor: issue 18's warm start).  Components, artifacts and anything
** that does not walk as a core module's sections are read whole, as is a
** file that changes size while it is read.  Only `run` uses this: `compile
** -o` writes the module's bytes into its artifact, so it reads them all.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum {
  SKIP_MIN = 8 << 10,   /* a payload shorter than this is read: few whole pages to save */
  FIRST = 16 << 10,     /* read first: the header and the first sections */
  WINDOW = 256,         /* read at a section's start to see its header and name */
  SMALL_FILE = 128 << 10 /* smaller files are read whole: little to save */
};

/* Reads [off, off + n) of fd into b + off; false on an error or a short
** read (the file shrank: the caller reads it whole instead). */
static bool read_at(int fd, uint8_t *b, size_t off, size_t n) {
  wp_cli_populate(b + off, n);
  while (n) {
    ssize_t got = pread(fd, b + off, n, (off_t)off);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    off += (size_t)got;
    n -= (size_t)got;
  }
  return true;
}

/* A LEB128 u32 at b[*p] within [.., end); false if malformed or cut off. */
static bool leb_u32(const uint8_t *b, size_t end, size_t *p, uint64_t *out) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 35; shift += 7) {
    if (*p >= end) return false;
    uint8_t c = b[(*p)++];
    v |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80)) {
      *out = v;
      return v <= UINT32_MAX;
    }
  }
  return false;
}

/* Fills buf (calloc'ed, len bytes: zero wherever nothing is read) from fd,
** skipping large custom payloads; false when the file is not read as
** planned (the caller then reads it whole). */
static bool read_sections(int fd, uint8_t *buf, size_t len) {
  static const uint8_t core_magic[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  size_t avail = len < FIRST ? len : FIRST; /* [p, avail) is read */
  if (!read_at(fd, buf, 0, avail)) return false;
  if (memcmp(buf, core_magic, 8)) return read_at(fd, buf, avail, len - avail);
  size_t p = 8;
  while (p < len) {
    if (avail < len && avail - p < 32) { /* the header and a short name */
      size_t want = (len - avail < WINDOW ? len - avail : WINDOW);
      if (!read_at(fd, buf, avail, want)) return false;
      avail += want;
    }
    size_t q = p + 1;
    uint64_t size, nlen;
    /* anything malformed: the rest as it is, for the decoder to report */
    if (!leb_u32(buf, avail, &q, &size) || size > len - q) return read_at(fd, buf, avail, len - avail);
    size_t next = q + (size_t)size;
    size_t name_at = q;
    if (buf[p] == 0 && size >= SKIP_MIN && leb_u32(buf, avail, &name_at, &nlen) && nlen <= avail - name_at &&
        nlen <= next - name_at && !(nlen == 4 && !memcmp(buf + name_at, "name", 4))) {
      /* a large custom section: header and name read, the payload left zero */
      p = next;
      if (avail < p) avail = p;
      continue;
    }
    if (avail < next) {
      size_t want = next - avail + (len - next < WINDOW ? len - next : WINDOW); /* and the next header */
      if (!read_at(fd, buf, avail, want)) return false;
      avail += want;
    }
    p = next;
  }
  return true;
}

uint8_t *wp_cli_read_module(const char *path, size_t *len) {
  struct stat st;
  int fd = wp_cli_open_file(path, &st); /* a regular file, or the error said */
  if (fd < 0) return NULL;
  if (st.st_size < SMALL_FILE || st.st_size > (1ll << 32) + 64)
    return wp_cli_read_fd(fd, path, &st, len); /* small or huge: read whole */
  size_t n = (size_t)st.st_size;
  /* calloc: memory from mmap is known to be zero and is not touched */
  uint8_t *buf = calloc(n + 1, 1);
  bool ok = buf && read_sections(fd, buf, n);
  /* grown since fstat: not the whole file; read it whole */
  uint8_t extra;
  if (ok && pread(fd, &extra, 1, (off_t)n) != 0) ok = false;
  if (ok) {
    close(fd);
    *len = n;
    return buf;
  }
  free(buf);
  return wp_cli_read_fd(fd, path, &st, len); /* (pread left the position at 0) */
}
