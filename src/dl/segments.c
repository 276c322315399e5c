/*
** segments.c — where an address lies in the loaded objects' memory: the
** checks that keep wasi:dl from faulting on a guest's mistake.  A global
** reached by symbol.get-alloc must lie wholly inside one loadable segment
** (writes only where the segment is writable and not RELRO, which the
** loader made read-only); a function pointer must lie in executable code.
*/
#include <link.h>

#include "dl/internal.h"

typedef struct {
  uintptr_t lo, hi; /* [lo, hi) */
  bool found;
  bool exec, writable;
} probe_t;

static int probe(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  probe_t *pr = data;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
    if (ph->p_type != PT_LOAD || pr->lo < lo || pr->hi > hi) continue;
    pr->found = true;
    pr->exec = (ph->p_flags & PF_X) != 0;
    pr->writable = (ph->p_flags & PF_W) != 0;
    /* RELRO: writable in the program header, read-only once relocated */
    for (int j = 0; pr->writable && j < info->dlpi_phnum; j++) {
      const ElfW(Phdr) *r = &info->dlpi_phdr[j];
      uintptr_t rlo = info->dlpi_addr + r->p_vaddr, rhi = rlo + r->p_memsz;
      if (r->p_type == PT_GNU_RELRO && pr->lo < rhi && pr->hi > rlo) pr->writable = false;
    }
    return 1;
  }
  return 0;
}

bool dl_segment_of(const void *p, size_t len, bool *exec, bool *writable) {
  probe_t pr = {(uintptr_t)p, (uintptr_t)p + (len ? len : 1), false, false, false};
  if (pr.hi < pr.lo) return false;
  dl_iterate_phdr(probe, &pr);
  if (exec) *exec = pr.exec;
  if (writable) *writable = pr.writable;
  return pr.found;
}
