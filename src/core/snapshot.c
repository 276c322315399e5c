/*
** snapshot.c — an instance brought back to an earlier state: what a pool
** of instances (`wasmplug serve`: a fresh instance per request) needs to
** hand out an instance in microseconds instead of instantiating anew.
**
** The state of an instance is (a) the instance structure the compiled code
** keeps its globals, memory and table descriptors in (one block of
** glue->instance_size bytes), (b) the contents of the memories it defines
** and (c) of the tables it defines.  Imports are pointers the block holds
** and do not change.  A snapshot copies (a) and (c).  A large memory
** becomes a copy-on-write image of itself: its pages are remapped,
** private, from a memfd holding the snapshot, so a reset is
** madvise(MADV_DONTNEED) — the pages the guest wrote go back to the image,
** the rest were never copied — plus undoing memory.grow: the cost is what
** the guest touched.  A small one (COPY_MAX) is copied back instead: the
** madvise would cost more, in TLB shootdowns to every core that runs a
** thread of the process and in page faults on the next use, than copying
** a few pages does.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define WASM_PAGE 65536u
/* Memories up to this size are restored by copying them back. */
#define COPY_MAX (512u << 10)

typedef struct snap_mem {
  wp_rt_memory_t *m;
  uint32_t pages; /* at the snapshot */
  size_t bytes;
  uint8_t *copy;  /* a small memory's contents, or NULL: a CoW image */
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
  for (size_t i = 0; i < s->nmems; i++) free(s->mems[i].copy);
  free(s->tables);
  free(s->mems);
  free(s->block);
  free(s);
}

/* Turns memory m's first `bytes` into a private mapping of an image of
** themselves: same address, same contents, copy-on-write from then on. */
static char *make_image(wp_rt_memory_t *m, size_t bytes) {
  int fd = memfd_create("wasmplug-memory", MFD_CLOEXEC);
  if (fd < 0) return wp_format("memfd_create: %s", strerror(errno));
  char *err = NULL;
  if (ftruncate(fd, (off_t)bytes)) err = wp_format("ftruncate: %s", strerror(errno));
  for (size_t done = 0; !err && done < bytes;) {
    ssize_t w = pwrite(fd, m->data + done, bytes - done, (off_t)done);
    if (w <= 0) err = wp_format("writing the memory image: %s", strerror(errno));
    else done += (size_t)w;
  }
  if (!err && mmap(m->data, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED)
    err = wp_format("mapping the memory image: %s", strerror(errno));
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
    if (sm->bytes && sm->bytes <= COPY_MAX) {
      if (!(sm->copy = malloc(sm->bytes))) err = wp_format("out of memory");
      else memcpy(sm->copy, sm->m->data, sm->bytes);
    } else if (sm->bytes) {
      in->imaged = true; /* even if it fails half way */
      err = make_image(sm->m, sm->bytes);
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
    /* the pages written since go back to the image (or the copy back) */
    if (sm->copy) memcpy(m->data, sm->copy, sm->bytes);
    else if (sm->bytes && madvise(m->data, sm->bytes, MADV_DONTNEED))
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
