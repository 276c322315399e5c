/*
** p3abi.h — what the hand-written WASI 0.3 guests share (p3guest.c here,
** tests/http/p3handler.c): the import/export attributes, the C library
** bits clang calls for struct initialisers, a bump allocator as
** cabi_realloc, and the async built-ins with the way to wait for one
** waitable.  Included once per guest (it defines, not only declares): no
** C toolchain emits WASI 0.3 yet, so both write the canonical ABI out.
*/
#ifndef P3ABI_H
#define P3ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMPORT(m, n) __attribute__((import_module(m), import_name(n)))
#define EXPORT(n) __attribute__((export_name(n)))

#define BLOCKED 0xffffffffu
#define COPY_COMPLETED 0
#define COPY_DROPPED 1

/* ------------------------------------------------------------ memory */

/* clang emits calls to these for struct initializers */
void *memset(void *d, int c, size_t n) {
  uint8_t *p = d;
  while (n--) *p++ = (uint8_t)c;
  return d;
}
void *memcpy(void *d, const void *s, size_t n) {
  uint8_t *p = d;
  const uint8_t *q = s;
  while (n--) *p++ = *q++;
  return d;
}

static uint8_t heap[1 << 20];
static size_t heap_at;

EXPORT("cabi_realloc") void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  heap_at = (heap_at + align - 1) & ~(align - 1);
  if (heap_at + new_size > sizeof heap) __builtin_trap();
  uint8_t *p = heap + heap_at;
  heap_at += new_size;
  for (size_t i = 0; old && i < old_size && i < new_size; i++) p[i] = ((uint8_t *)old)[i];
  return p;
}

static size_t slen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

/* ------------------------------------------------------ async built-ins */

IMPORT("$root", "[waitable-set-new]") uint32_t waitable_set_new(void);
IMPORT("$root", "[waitable-set-wait]") uint32_t waitable_set_wait(uint32_t set, uint32_t *ev);
IMPORT("$root", "[waitable-set-drop]") void waitable_set_drop(uint32_t set);
IMPORT("$root", "[waitable-join]") void waitable_join(uint32_t w, uint32_t set);

/* The task's waitable set (made at the start of the export). */
static uint32_t ws;

/* Waits for the one event of waitable w; returns its payload. */
static uint32_t wait_on(uint32_t w) {
  uint32_t ev[2];
  waitable_join(w, ws);
  waitable_set_wait(ws, ev);
  waitable_join(w, 0);
  return ev[1];
}

/* A copy's answer, waited for when it blocked. */
static uint32_t copied(uint32_t end, uint32_t r) { return r == BLOCKED ? wait_on(end) : r; }

#endif
