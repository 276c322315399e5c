/*
** mini.c — the few libc functions the test components need, so their core
** modules import nothing (no WASI, no adapter): the fewer imports a test
** component has, the less of the host it needs.  malloc is a size-class
** free-list allocator (the bench makes millions of calls: memory must be
** reused); free'd blocks go back to their class.
*/
#include <stddef.h>
#include <stdint.h>

extern unsigned char __heap_base;

typedef struct block {
  struct block *next;
} block;

/* Header before each block: its size class (16 << class bytes). */
typedef struct {
  uint32_t cls, pad[3];
} hdr;

static uintptr_t heap_top;
static block *free_lists[28];

static void *grow(size_t n) {
  if (!heap_top) heap_top = ((uintptr_t)&__heap_base + 15) & ~(uintptr_t)15;
  uintptr_t end = heap_top + n, have = __builtin_wasm_memory_size(0) * 65536u;
  if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (size_t)-1) return NULL;
  void *p = (void *)heap_top;
  heap_top = end;
  return p;
}

void *malloc(size_t n) {
  uint32_t c = 0;
  while (((size_t)16 << c) < n) c++;
  if (c >= 28) return NULL;
  block *b = free_lists[c];
  if (b) {
    free_lists[c] = b->next;
    return b;
  }
  hdr *h = grow(sizeof(hdr) + ((size_t)16 << c));
  if (!h) return NULL;
  h->cls = c;
  return h + 1;
}

void free(void *p) {
  if (!p) return;
  hdr *h = (hdr *)p - 1;
  block *b = p;
  b->next = free_lists[h->cls];
  free_lists[h->cls] = b;
}

void *memcpy(void *d, const void *s, size_t n) {
  unsigned char *dd = d;
  const unsigned char *ss = s;
  while (n--) *dd++ = *ss++;
  return d;
}

void *memmove(void *d, const void *s, size_t n) {
  unsigned char *dd = d;
  const unsigned char *ss = s;
  if (dd < ss) return memcpy(d, s, n);
  while (n--) dd[n] = ss[n];
  return d;
}

void *memset(void *d, int c, size_t n) {
  unsigned char *dd = d;
  while (n--) *dd++ = (unsigned char)c;
  return d;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x - *y;
  return 0;
}

void *realloc(void *p, size_t n) {
  if (!p) return malloc(n);
  hdr *h = (hdr *)p - 1;
  size_t have = (size_t)16 << h->cls;
  if (n <= have) return p;
  void *q = malloc(n);
  if (q) {
    memcpy(q, p, have);
    free(p);
  }
  return q;
}

void *calloc(size_t a, size_t b) {
  void *p = malloc(a * b);
  if (p) memset(p, 0, a * b);
  return p;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

void abort(void) { __builtin_trap(); }
