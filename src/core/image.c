/*
** image.c — a loader of our own for the shared objects wasmplug compiled
** (optimized code from the cache, artifacts, hot objects).
**
** Why not dlopen: these objects are small and plain — linked by us with
** -nostartfiles, no constructors, no TLS, libc as the only library, a few
** hundred relative relocations and one or two symbols (memcpy, memset) —
** and by the time one is loaded it is a sealed memfd whose bytes the MAC
** and wp_trust_check_elf have already read.  dlopen then looked it up
** again through /proc/self/fd/N, read and checked its headers, recorded it
** in the loader's lists and scopes (and undid all that at exit): a few
** percent of a warm start of a small module, under a hypervisor where
** every system call and page fault is costly (issue 18).  Here the
** segments of the memfd are mapped as the loader maps them, relocated,
** and the RELRO part protected; nothing of the object runs while loading.
**
** Anything this loader does not know (a relocation type, TLS, text
** relocations, segments out of order) is refused with an error, never
** guessed at: the cache then rebuilds, an artifact fails to load.
*/
#include <dlfcn.h>
#include <elf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "image.h"
#include "load.h"
#include "internal.h"

#define MAX_LOADS 16
#define MAX_NEEDED 4

struct wp_image {
  uint8_t *base; /* the reservation: span bytes from the lowest page */
  size_t span;
  uintptr_t bias; /* base - the lowest segment's page: file address + bias = address */
  int memfd;
  const Elf64_Sym *syms;
  size_t nsyms;
  const char *strs;
  size_t strsz;
  /* the libraries it needs (DT_NEEDED: libc, libm), opened only when the
  ** process's global scope lacks a symbol (wasm2c's C needs libm, which
  ** the wasmplug program does not link) */
  uint64_t needed[MAX_NEEDED];
  int nneeded;
  void *libs[MAX_NEEDED];
};

#define POPULATE_MAX (256u << 10) /* bytes: segments up to this are mapped populated */

typedef struct seg {
  uint64_t vaddr, memsz, filesz, off;
  uint32_t flags;
} seg_t;

/* [a, a + n) inside a loaded segment of the image (write: a writable
** one); its address, or NULL. */
static void *in_image(const wp_image_t *im, const seg_t *s, int ns, uint64_t a, uint64_t n, bool write) {
  for (int i = 0; i < ns; i++) {
    if (write && !(s[i].flags & PF_W)) continue;
    if (a >= s[i].vaddr && a - s[i].vaddr <= s[i].memsz && n <= s[i].memsz - (a - s[i].vaddr))
      return (void *)(a + im->bias);
  }
  return NULL;
}

static int prot_of(uint32_t flags) {
  return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

/* The name of version `ndx` (from .gnu.version) in the object's
** .gnu.version_r, or NULL. */
static const char *version_of(const wp_image_t *im, const seg_t *s, int ns, uint64_t verneed, uint64_t nverneed,
                              uint16_t ndx) {
  uint64_t at = verneed;
  for (uint64_t i = 0; i < nverneed && at; i++) {
    const Elf64_Verneed *vn = in_image(im, s, ns, at, sizeof *vn, false);
    if (!vn) return NULL;
    uint64_t aux = at + vn->vn_aux;
    for (unsigned k = 0; k < vn->vn_cnt && aux; k++) {
      const Elf64_Vernaux *va = in_image(im, s, ns, aux, sizeof *va, false);
      if (!va) return NULL;
      if ((va->vna_other & 0x7fff) == ndx) return va->vna_name < im->strsz ? im->strs + va->vna_name : NULL;
      if (!va->vna_next) break;
      aux += va->vna_next;
    }
    if (!vn->vn_next) break;
    at += vn->vn_next;
  }
  return NULL;
}

/* Whether this process has no dynamic loader: its program has no
** PT_INTERP (the `wasmplug` command where it is linked -static-pie,
** cli/CMakeLists.txt).  Then there is no global scope to ask, and dlopen()
** of an object's libc would load a second C library into the process. */
static bool process_is_static(void) {
  const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
  unsigned long n = getauxval(AT_PHNUM);
  for (unsigned long i = 0; ph && i < n; i++)
    if (ph[i].p_type == PT_INTERP) return false;
  return ph != NULL;
}

/* An undefined symbol as dlopen binds it: the process's global scope
** first, then the object's own libraries. */
static void *lookup(wp_image_t *im, const char *sym, const char *ver) {
  /* a static program: the C functions generated code calls, from the
  ** table the baseline's libtcc links against (tcc_mem.c), and no others */
  if (process_is_static()) return wp_libc_symbol(sym);
  void *v = ver ? dlvsym(RTLD_DEFAULT, sym, ver) : dlsym(RTLD_DEFAULT, sym);
  for (int k = 0; !v && k < im->nneeded; k++) {
    if (!im->libs[k]) im->libs[k] = dlopen(im->strs + im->needed[k], RTLD_NOW | RTLD_LOCAL);
    if (im->libs[k]) v = ver ? dlvsym(im->libs[k], sym, ver) : dlsym(im->libs[k], sym);
  }
  return v;
}

char *wp_image_load(const char *name, int memfd, const uint8_t *b, size_t len, wp_image_t **out) {
#define BAD(...) (err = wp_format("%s: cannot load compiled code: " __VA_ARGS__))
  *out = NULL;
  char *err = NULL;
  long pgl = sysconf(_SC_PAGESIZE);
  uint64_t pg = pgl > 0 ? (uint64_t)pgl : 4096;
  Elf64_Ehdr eh;
  if (len < sizeof eh) return wp_format("%s: cannot load compiled code: not an ELF file", name);
  memcpy(&eh, b, sizeof eh);
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > len ||
      (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > len - eh.e_phoff)
    return wp_format("%s: cannot load compiled code: truncated program headers", name);
  seg_t s[MAX_LOADS];
  int ns = 0;
  uint64_t dyn = 0, relro = 0, relro_size = 0;
  bool have_dyn = false;
  for (unsigned i = 0; i < eh.e_phnum; i++) {
    Elf64_Phdr ph;
    memcpy(&ph, b + eh.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type == PT_TLS) return wp_format("%s: cannot load compiled code: it has thread-local storage", name);
    if (ph.p_type == PT_DYNAMIC) dyn = ph.p_vaddr, have_dyn = true;
    if (ph.p_type == PT_GNU_RELRO) relro = ph.p_vaddr, relro_size = ph.p_memsz;
    if (ph.p_type != PT_LOAD || !ph.p_memsz) continue;
    /* in ascending order, each mappable from the file (offset and address
    ** alike modulo the page), its file part inside the file */
    if (ns == MAX_LOADS || ph.p_filesz > ph.p_memsz || ph.p_offset > len || ph.p_filesz > len - ph.p_offset ||
        ph.p_vaddr % pg != ph.p_offset % pg || ph.p_vaddr > (1ull << 40) || ph.p_memsz > (1ull << 40) ||
        (ns && ph.p_vaddr < s[ns - 1].vaddr + s[ns - 1].memsz))
      return wp_format("%s: cannot load compiled code: unexpected segment layout", name);
    s[ns++] = (seg_t){ph.p_vaddr, ph.p_memsz, ph.p_filesz, ph.p_offset, ph.p_flags};
  }
  if (!ns || !have_dyn) return wp_format("%s: cannot load compiled code: no loadable segments", name);
  uint64_t lo = s[0].vaddr & ~(pg - 1), hi = (s[ns - 1].vaddr + s[ns - 1].memsz + pg - 1) & ~(pg - 1);
  wp_image_t *im = calloc(1, sizeof *im);
  if (!im) return wp_strdup("out of memory");
  im->memfd = -1;
  im->span = hi - lo;
  /* one reservation, then each segment over it: nothing else can land in
  ** the gaps between segments, which stay inaccessible */
  void *r = mmap(NULL, im->span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (r == MAP_FAILED) {
    free(im);
    return wp_format("%s: cannot load compiled code: out of address space", name);
  }
  im->base = r;
  im->bias = (uintptr_t)im->base - lo;
  for (int i = 0; i < ns && !err; i++) {
    uint64_t start = s[i].vaddr & ~(pg - 1), fend = s[i].vaddr + s[i].filesz, mend = s[i].vaddr + s[i].memsz;
    uint64_t fpages = (fend + pg - 1) & ~(pg - 1), mpages = (mend + pg - 1) & ~(pg - 1);
    if (!s[i].filesz) fpages = fend = start; /* all of it zero pages */
    /* relocations write into writable segments only (no text
    ** relocations), so each is mapped with its own protection at once.
    ** A small segment's pages are mapped in the same call (a writable
    ** one's copied, as relocating would): one page fault costs more than
    ** mapping a dozen pages under a hypervisor, and a small module's code
    ** is mostly run; a large one's is faulted in as used. */
    int prot = prot_of(s[i].flags);
    int populate = fpages - start <= POPULATE_MAX ? MAP_POPULATE : 0;
    if (s[i].filesz && mmap((void *)(start + im->bias), fpages - start, prot, MAP_PRIVATE | MAP_FIXED | populate,
                            memfd, (off_t)(s[i].off & ~(pg - 1))) == MAP_FAILED) {
      BAD("cannot map a segment", name);
      break;
    }
    if (mend > fend) { /* .bss: the file page's tail, then zero pages */
      if (!(s[i].flags & PF_W)) {
        BAD("a read-only segment larger than its file part", name);
        break;
      }
      if (fpages > fend) memset((void *)(fend + im->bias), 0, fpages - fend);
      if (mpages > fpages && mmap((void *)(fpages + im->bias), mpages - fpages, prot,
                                  MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
        BAD("cannot map a segment", name);
    }
  }
  /* the dynamic section, as mapped */
  uint64_t rela[2] = {0, 0}, relasz[2] = {0, 0}, relr = 0, relrsz = 0, symtab = 0, strtab = 0, strsz = 0;
  uint64_t verneed = 0, nverneed = 0, versym = 0;
  const Elf64_Dyn *d = err ? NULL : in_image(im, s, ns, dyn, sizeof *d, false);
  if (!err && !d) BAD("no dynamic section", name);
  for (; d && !err; d++) {
    if (!in_image(im, s, ns, (uint64_t)((uintptr_t)d - im->bias), sizeof *d, false)) {
      BAD("an unterminated dynamic section", name);
      break;
    }
    if (d->d_tag == DT_NULL) break;
    switch (d->d_tag) {
    case DT_RELA: rela[0] = d->d_un.d_ptr; break;
    case DT_RELASZ: relasz[0] = d->d_un.d_val; break;
    case DT_JMPREL: rela[1] = d->d_un.d_ptr; break;
    case DT_PLTRELSZ: relasz[1] = d->d_un.d_val; break;
#ifdef DT_RELR
    case DT_RELR: relr = d->d_un.d_ptr; break;
    case DT_RELRSZ: relrsz = d->d_un.d_val; break;
#endif
    case DT_SYMTAB: symtab = d->d_un.d_ptr; break;
    case DT_STRTAB: strtab = d->d_un.d_ptr; break;
    case DT_STRSZ: strsz = d->d_un.d_val; break;
    case DT_VERNEED: verneed = d->d_un.d_ptr; break;
    case DT_VERNEEDNUM: nverneed = d->d_un.d_val; break;
    case DT_VERSYM: versym = d->d_un.d_ptr; break;
    case DT_NEEDED:
      if (im->nneeded == MAX_NEEDED) BAD("it needs too many libraries", name);
      else im->needed[im->nneeded++] = d->d_un.d_val;
      break;
    case DT_TEXTREL: BAD("it has text relocations", name); break;
    case DT_FLAGS:
      if (d->d_un.d_val & DF_TEXTREL) BAD("it has text relocations", name);
      else if (d->d_un.d_val & DF_STATIC_TLS) BAD("it uses thread-local storage", name);
      break;
    default: break;
    }
  }
  /* the symbols: as many as fit before the string table (glibc's and
  ** binutils' layout; wp_trust_check_elf counts them so too) */
  if (!err) {
    im->strs = in_image(im, s, ns, strtab, strsz, false);
    im->strsz = strsz;
    if (!im->strs || !strsz || im->strs[strsz - 1]) BAD("no string table", name);
    for (int k = 0; k < im->nneeded && !err; k++)
      if (im->needed[k] >= strsz) BAD("a library name outside the string table", name);
  }
  if (!err && symtab && strtab > symtab) {
    im->nsyms = (strtab - symtab) / sizeof(Elf64_Sym);
    if (!(im->syms = in_image(im, s, ns, symtab, im->nsyms * sizeof(Elf64_Sym), false)))
      BAD("a symbol table outside the image", name);
  }
  const uint16_t *vs = versym && !err ? in_image(im, s, ns, versym, im->nsyms * 2, false) : NULL;
  /* relocations: the two RELA tables, then RELR */
  void **resolved = !err && im->nsyms ? calloc(im->nsyms, sizeof *resolved) : NULL;
  if (!err && im->nsyms && !resolved) err = wp_strdup("out of memory");
  for (int k = 0; k < 2 && !err; k++) {
    if (!relasz[k]) continue;
    const Elf64_Rela *rl = in_image(im, s, ns, rela[k], relasz[k], false);
    if (!rl) {
      BAD("relocations outside the image", name);
      break;
    }
    for (size_t i = 0; i < relasz[k] / sizeof *rl && !err; i++) {
      uint32_t type = (uint32_t)ELF64_R_TYPE(rl[i].r_info), si = (uint32_t)ELF64_R_SYM(rl[i].r_info);
      if (type == R_X86_64_NONE) continue;
      uint64_t *at = in_image(im, s, ns, rl[i].r_offset, 8, true);
      if (!at) {
        BAD("a relocation outside its writable segments", name);
        break;
      }
      if (type == R_X86_64_RELATIVE) {
        *at = im->bias + (uint64_t)rl[i].r_addend;
        continue;
      }
      if (type != R_X86_64_GLOB_DAT && type != R_X86_64_JUMP_SLOT && type != R_X86_64_64) {
        BAD("relocation type %u", name, type);
        break;
      }
      if (si == 0 || si >= im->nsyms) {
        BAD("a relocation against no symbol", name);
        break;
      }
      const Elf64_Sym *sym = &im->syms[si];
      void *v = resolved[si];
      if (!v && sym->st_shndx != SHN_UNDEF) {
        v = (void *)(im->bias + sym->st_value);
      } else if (!v) {
        /* an undefined symbol: from the process's global scope (libc), in
        ** the version the object was linked against, as dlopen binds it */
        const char *sn = sym->st_name < im->strsz ? im->strs + sym->st_name : NULL;
        const char *ver = vs ? version_of(im, s, ns, verneed, nverneed, vs[si] & 0x7fff) : NULL;
        v = sn ? lookup(im, sn, ver) : NULL;
        if (!v && ELF64_ST_BIND(sym->st_info) != STB_WEAK) {
          BAD("undefined symbol %.100s", name, sn ? sn : "?");
          break;
        }
      }
      resolved[si] = v;
      *at = (uint64_t)(uintptr_t)v + (type == R_X86_64_64 ? (uint64_t)rl[i].r_addend : 0);
    }
  }
  free(resolved);
  if (!err && relrsz) {
    const uint64_t *rr = in_image(im, s, ns, relr, relrsz, false);
    uint64_t where = 0;
    if (!rr) BAD("relocations outside the image", name);
    for (size_t i = 0; rr && !err && i < relrsz / 8; i++) {
      if (!(rr[i] & 1)) { /* an address: relocate it, continue after it */
        uint64_t *at = in_image(im, s, ns, rr[i], 8, true);
        if (!at) {
          BAD("a relocation outside its writable segments", name);
          break;
        }
        *at += im->bias;
        where = rr[i] + 8;
      } else { /* a bitmap of the 63 words from `where` */
        for (unsigned bit = 1; bit < 64 && !err; bit++) {
          if (!((rr[i] >> bit) & 1)) continue;
          uint64_t *at = in_image(im, s, ns, where + (bit - 1) * 8, 8, true);
          if (!at) BAD("a relocation outside its writable segments", name);
          else *at += im->bias;
        }
        where += 63 * 8;
      }
    }
  }
  /* RELRO: read-only from now on, as the dynamic loader leaves it */
  if (!err && relro_size) {
    uint64_t a = relro & ~(pg - 1), e = (relro + relro_size) & ~(pg - 1);
    if (e > a && (!in_image(im, s, ns, relro, relro_size, true) || mprotect((void *)(a + im->bias), e - a, PROT_READ)))
      BAD("cannot protect its relocated data", name);
  }
  if (err) {
    wp_image_unload(im);
    return err;
  }
  im->memfd = memfd;
  *out = im;
  return NULL;
#undef BAD
}

void *wp_image_symbol(const wp_image_t *im, const char *sym) {
  for (size_t i = 1; i < im->nsyms; i++) {
    const Elf64_Sym *s = &im->syms[i];
    if (s->st_shndx == SHN_UNDEF || s->st_name >= im->strsz) continue;
    int t = ELF64_ST_TYPE(s->st_info);
    if ((t == STT_FUNC || t == STT_OBJECT || t == STT_NOTYPE) && !strcmp(im->strs + s->st_name, sym))
      return (void *)(im->bias + s->st_value);
  }
  return NULL;
}

uintptr_t wp_image_bias(const wp_image_t *im) { return im->bias; }
int wp_image_fd(const wp_image_t *im) { return im->memfd; }

void wp_image_unload(wp_image_t *im) {
  if (!im) return;
  munmap(im->base, im->span);
  for (int k = 0; k < im->nneeded; k++)
    if (im->libs[k]) dlclose(im->libs[k]);
  free(im);
}

void wp_image_delete(wp_image_t *im) {
  if (!im) return;
  int fd = im->memfd;
  wp_image_unload(im);
  if (fd >= 0) close(fd);
}
