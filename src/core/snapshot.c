/*
** snapshot.c — an instance brought back to an earlier state: what a pool
** of instances (`wasmplug serve`: a fresh instance per request) needs to
** hand out an instance in microseconds instead of instantiating anew.
**
** The state of an instance is (a) the instance structure the compiled code
** keeps its globals, memory and table descriptors in (one block of
** glue->instance_size bytes), (b) the contents of the memories it defines
** and (c) of the tables it defines.  Imports are pointers the block holds
** and do not change.  A snapshot copies (a) and (c).  A memory
** becomes a copy-on-write image of itself: its pages are remapped,
** private, from a memfd holding the snapshot, so the pages the guest only
** reads stay the image's and the ones it writes become private copies.
** A reset asks the kernel which pages are private copies
** (/proc/self/pagemap: present and not a file page) and copies just those
** back from a second, read-only mapping of the image: no page is unmapped,
** so there is no TLB shootdown and no page fault on the next request.  The
** set of private pages is the pages written by any request so far; when
** it grows past DROP_PAGES, they go back to the image by
** madvise(MADV_DONTNEED) instead, once.  Without pagemap, every reset is
** that madvise (the cost: a TLB shootdown and a fault per page touched
** after).  Small memories too: copying a 128 KiB memory back whole on
** every reset was a sixth of `wasmplug serve`'s CPU time per request
** (memcpy at 16.6 % in perf; the copy also evicts what the next request
** needs from the caches), asking pagemap and copying the few pages written
** cut the CPU time per request by a fifth (bench/README.md, "HTTP
** serving", w25-serve).
*/
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define WASM_PAGE 65536u
/* More private pages than this in a memory: dropped, not copied. */
#define DROP_PAGES 256u

typedef struct snap_mem {
  wp_rt_memory_t *m;
  uint32_t pages; /* at the snapshot */
  size_t bytes;
  uint8_t *image; /* the memory's image, mapped read-only */
} snap_mem_t;

typedef struct snap_table {
  wp_rt_table_t *t;
  size_t elem;
  uint32_t size;
  void *data; /* a copy of the elements */
} snap_table_t;

struct wp_snapshot {
  void *block; /* the instance structure */
  size_t block_size;
  snap_mem_t *mems;
  size_t nmems;
  snap_table_t *tables;
  size_t ntables;
};

void wp_snapshot_free(struct wp_snapshot *s) {
  if (!s) return;
  for (size_t i = 0; i < s->ntables; i++) free(s->tables[i].data);
  for (size_t i = 0; i < s->nmems; i++)
    if (s->mems[i].image) munmap(s->mems[i].image, s->mems[i].bytes);
  free(s->tables);
  free(s->mems);
  free(s->block);
  free(s);
}

/* Turns memory m's first `bytes` into a private mapping of an image of
** themselves: same address, same contents, copy-on-write from then on;
** *image: the image mapped read-only elsewhere. */
static char *make_image(wp_rt_memory_t *m, size_t bytes, uint8_t **image) {
  int fd = memfd_create("wasmplug-memory", MFD_CLOEXEC);
  if (fd < 0) return wp_format("memfd_create: %s", strerror(errno));
  char *err = NULL;
  if (ftruncate(fd, (off_t)bytes)) err = wp_format("ftruncate: %s", strerror(errno));
  for (size_t done = 0; !err && done < bytes;) {
    ssize_t w = pwrite(fd, m->data + done, bytes - done, (off_t)done);
    if (w <= 0) err = wp_format("writing the memory image: %s", strerror(errno));
    else done += (size_t)w;
  }
  void *ro = err ? MAP_FAILED : mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
  if (!err && ro == MAP_FAILED) err = wp_format("mapping the memory image: %s", strerror(errno));
  if (!err && mmap(m->data, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED)
    err = wp_format("mapping the memory image: %s", strerror(errno));
  if (err && ro != MAP_FAILED) munmap(ro, bytes);
  else if (!err) *image = ro;
  close(fd); /* the mapping keeps the image */
  return err;
}

void wp_snapshot_drop_images(wasmplug_instance_t *in) {
  if (!in->imaged) return;
  for (size_t i = 0; i < in->defined.nmems; i++) {
    wp_rt_memory_t *m = in->defined.mems[i];
    size_t bytes = (size_t)m->pages * WASM_PAGE;
    if (m->data && bytes &&
        mmap(m->data, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
             0) == MAP_FAILED)
      wp_rt_memory_discard(m); /* never to be reused with the image in it */
  }
  in->imaged = false;
}

wasmplug_error_t *wasmplug_instance_snapshot(wasmplug_instance_t *in) {
  if (!in || !in->instantiated) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "no instance to snapshot");
  if (in->defined.oom) return wasmplug_error_new_kind(WASMPLUG_ERROR_OUT_OF_MEMORY, "out of memory");
  wp_snapshot_free(in->snapshot);
  in->snapshot = NULL;
  struct wp_snapshot *s = calloc(1, sizeof *s);
  const wp_glue_t *g = in->module->code.glue;
  char *err = NULL;
  if (!s || !(s->block = malloc(g->instance_size)) ||
      !(s->mems = calloc(in->defined.nmems + 1, sizeof *s->mems)) ||
      !(s->tables = calloc(in->defined.ntables + 1, sizeof *s->tables))) {
    wp_snapshot_free(s);
    return wasmplug_error_new_kind(WASMPLUG_ERROR_OUT_OF_MEMORY, "out of memory");
  }
  s->block_size = g->instance_size;
  memcpy(s->block, in->inst, g->instance_size);
  for (size_t i = 0; i < in->defined.ntables && !err; i++) {
    snap_table_t *t = &s->tables[s->ntables];
    t->t = in->defined.tables[i];
    t->elem = in->defined.elem_sizes[i];
    t->size = t->t->size;
    t->data = malloc(t->size ? (size_t)t->size * t->elem : 1);
    if (!t->data) err = wp_format("out of memory");
    else memcpy(t->data, t->t->data, (size_t)t->size * t->elem);
    s->ntables++;
  }
  for (size_t i = 0; i < in->defined.nmems && !err; i++) {
    snap_mem_t *sm = &s->mems[s->nmems++];
    sm->m = in->defined.mems[i];
    sm->pages = sm->m->pages;
    sm->bytes = (size_t)sm->pages * WASM_PAGE;
    if (sm->bytes) {
      in->imaged = true; /* even if it fails half way */
      err = make_image(sm->m, sm->bytes, &sm->image);
    }
  }
  if (err) {
    wasmplug_error_t *e = wasmplug_error_new("snapshot of %s: %s", in->module->name, err);
    free(err);
    wp_snapshot_free(s);
    return e;
  }
  in->snapshot = s;
  return NULL;
}

/* /proc/self/pagemap, opened once (-1: not readable here). */
static int pagemap_fd(void) {
  static _Atomic int fd = -2;
  int f = fd;
  if (f == -2) {
    int o = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    int expect = -2;
    if (!atomic_compare_exchange_strong(&fd, &expect, o) && o >= 0) close(o);
    f = fd;
  }
  return f;
}

/* Puts the private pages of a memory back from its image; false when
** the kernel could not say which they are (or there are too many: then
** the caller drops them all). */
static bool copy_back_written(snap_mem_t *sm) {
  int fd = pagemap_fd();
  long ps = sysconf(_SC_PAGESIZE); /* pagemap has an entry per page of the system's */
  size_t pg = ps > 0 ? (size_t)ps : 0;
  if (fd < 0 || !pg || sm->bytes % pg || (uintptr_t)sm->m->data % pg) return false;
  size_t npages = sm->bytes / pg, first = (uintptr_t)sm->m->data / pg;
  uint64_t e[512];
  size_t todo[DROP_PAGES], n = 0;
  for (size_t at = 0; at < npages;) {
    size_t k = npages - at < 512 ? npages - at : 512;
    ssize_t got = pread(fd, e, k * sizeof *e, (off_t)((first + at) * sizeof *e));
    if (got != (ssize_t)(k * sizeof *e)) return false;
    for (size_t j = 0; j < k; j++) {
      /* bit 63 present, 62 swapped, 61 a file page (the image's) */
      bool private = ((e[j] >> 63) & 1 && !((e[j] >> 61) & 1)) || ((e[j] >> 62) & 1);
      if (!private) continue;
      if (n == DROP_PAGES) return false;
      todo[n++] = at + j;
    }
    at += k;
  }
  for (size_t i = 0; i < n; i++) { /* pages next to each other: one copy */
    size_t j = i;
    while (j + 1 < n && todo[j + 1] == todo[j] + 1) j++;
    memcpy(sm->m->data + todo[i] * pg, sm->image + todo[i] * pg, (j - i + 1) * pg);
    i = j;
  }
  return true;
}

wasmplug_error_t *wasmplug_instance_reset(wasmplug_instance_t *in) {
  struct wp_snapshot *s = in ? in->snapshot : NULL;
  if (!s) return wasmplug_error_new_kind(WASMPLUG_ERROR_INVALID, "the instance has no snapshot to go back to");
  for (size_t i = 0; i < s->nmems; i++) {
    snap_mem_t *sm = &s->mems[i];
    wp_rt_memory_t *m = sm->m;
    size_t now = (size_t)m->pages * WASM_PAGE;
    if (now > sm->bytes) { /* undo memory.grow: inaccessible and zero again */
      if (mprotect(m->data + sm->bytes, now - sm->bytes, PROT_NONE) ||
          madvise(m->data + sm->bytes, now - sm->bytes, MADV_DONTNEED))
        return wasmplug_error_new("reset of %s: cannot shrink a memory back: %s", in->module->name, strerror(errno));
    }
    /* the pages written since go back to the image */
    if (sm->bytes && !copy_back_written(sm) && madvise(m->data, sm->bytes, MADV_DONTNEED))
      return wasmplug_error_new("reset of %s: %s", in->module->name, strerror(errno));
  }
  /* tables: their elements (the block holds their data pointers, which a
  ** table.grow may have moved: keep the live ones) */
  void **live = s->ntables ? calloc(s->ntables, sizeof *live) : NULL;
  if (s->ntables && !live) return wasmplug_error_new_kind(WASMPLUG_ERROR_OUT_OF_MEMORY, "out of memory");
  for (size_t i = 0; i < s->ntables; i++) {
    snap_table_t *st = &s->tables[i];
    wp_rt_table_t *t = st->t;
    if (t->size != st->size) {
      void *n = realloc(t->data, st->size ? (size_t)st->size * st->elem : 1);
      if (!n) {
        free(live);
        return wasmplug_error_new_kind(WASMPLUG_ERROR_OUT_OF_MEMORY, "out of memory");
      }
      t->data = n;
    }
    memcpy(t->data, st->data, (size_t)st->size * st->elem);
    live[i] = t->data;
  }
  /* globals, memory sizes, table sizes, dropped segments: the block */
  memcpy(in->inst, s->block, s->block_size);
  for (size_t i = 0; i < s->ntables; i++) s->tables[i].t->data = live[i];
  free(live);
  return NULL;
}
