/*
** backtrace.c — which wasm function a program counter is in, for the
** backtraces of traps (rt.c captures the program counters).
**
** Each module with compiled code registers with the code registry, a
** process-wide runtime object (the only state here), and is looked up by
** address when a trap is symbolized.  A module's function map — sorted
** address ranges, one per compiled wasm function — is built the first
** time a trap needs it:
**   - code loaded from a shared object (the optimized tier, artifacts, the
**     `tcc` program's output for libwasmplug.so): the object's ELF symbol
**     table (its dynamic symbol table when it has no other: tcc's), whose
**     F<N> symbols (the translator's name for function N) come with their
**     sizes; a compiler's split-off parts ("F12.cold",
**     "F12.part.0") count as F12, and so does F12_t (translate.c: the body
**     of a function that makes tail calls);
**   - baseline code compiled by libtcc in memory: the address of every
**     F<N>, each function ending where the next one (or the unit's
**     wp_end<K> sentinel) begins, which holds because tcc lays functions
**     out in the order they are defined.
** Code from the wasm2c translator has no F<N> symbols: no frames.
*/
#include <elf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

typedef struct fn_range {
  uintptr_t lo, hi; /* [lo, hi) */
  uint32_t func;    /* function index (imports first) */
} fn_range;

typedef struct code_entry {
  wasmplug_module_t *m;
  bool built;
  fn_range *r; /* sorted by lo */
  size_t n;
} code_entry;

static struct {
  pthread_mutex_t lock;
  code_entry *e;
  size_t n, cap;
} wp_code_registry = {.lock = PTHREAD_MUTEX_INITIALIZER};

void wp_backtrace_register(wasmplug_module_t *m) {
  pthread_mutex_lock(&wp_code_registry.lock);
  if (wp_code_registry.n == wp_code_registry.cap) {
    size_t cap = wp_code_registry.cap ? wp_code_registry.cap * 2 : 16;
    code_entry *n = realloc(wp_code_registry.e, cap * sizeof *n);
    if (n) {
      wp_code_registry.e = n;
      wp_code_registry.cap = cap;
    }
  }
  /* out of memory: the module's traps have no frames */
  if (wp_code_registry.n < wp_code_registry.cap)
    wp_code_registry.e[wp_code_registry.n++] = (code_entry){m, false, NULL, 0};
  pthread_mutex_unlock(&wp_code_registry.lock);
}

void wp_backtrace_unregister(wasmplug_module_t *m) {
  pthread_mutex_lock(&wp_code_registry.lock);
  for (size_t i = 0; i < wp_code_registry.n; i++)
    if (wp_code_registry.e[i].m == m) {
      free(wp_code_registry.e[i].r);
      wp_code_registry.e[i] = wp_code_registry.e[--wp_code_registry.n];
      break;
    }
  if (!wp_code_registry.n) { /* the last module went: nothing left over */
    free(wp_code_registry.e);
    wp_code_registry.e = NULL;
    wp_code_registry.cap = 0;
  }
  pthread_mutex_unlock(&wp_code_registry.lock);
}

/* ------------------------------------------------------- function maps */

static int by_lo(const void *a, const void *b) {
  uintptr_t x = ((const fn_range *)a)->lo, y = ((const fn_range *)b)->lo;
  return x < y ? -1 : x > y;
}

/* N when `name` is "F<N>", "F<N>.<suffix>" or "F<N>_<suffix>" (the body of
** a function making tail calls, F<N>_t), else -1. */
static long func_of(const char *name, const char *end) {
  if (name >= end || *name != 'F') return -1;
  long v = 0;
  const char *p = name + 1;
  if (p >= end || *p < '0' || *p > '9') return -1;
  for (; p < end && *p >= '0' && *p <= '9'; p++) {
    v = v * 10 + (*p - '0');
    if (v > 0x7fffffff) return -1;
  }
  return p < end && (*p == 0 || *p == '.' || *p == '_') ? v : -1;
}

static bool push(code_entry *c, size_t *cap, uintptr_t lo, uintptr_t hi, uint32_t f) {
  if (c->n == *cap) {
    size_t nc = *cap ? *cap * 2 : 64;
    fn_range *n = realloc(c->r, nc * sizeof *n);
    if (!n) return false;
    c->r = n;
    *cap = nc;
  }
  c->r[c->n++] = (fn_range){lo, hi, f};
  return true;
}

/* The F<N> symbols of the ELF image in memfd, loaded at `bias` (added to
** the file's addresses). */
static void map_elf(code_entry *c, uintptr_t bias, int memfd) {
  struct stat st;
  if (memfd < 0 || fstat(memfd, &st) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) return;
  size_t len = (size_t)st.st_size;
  uint8_t *b = malloc(len);
  if (!b) return;
  size_t got = 0;
  while (got < len) {
    ssize_t k = pread(memfd, b + got, len - got, (off_t)got);
    if (k <= 0) break;
    got += (size_t)k;
  }
  Elf64_Ehdr eh;
  memcpy(&eh, b, sizeof eh);
  uint32_t nimp = c->m->info.nimported_funcs, total = wp_nfuncs(&c->m->info);
  size_t cap = c->n; /* after another map: push grows what is there */
  if (got != len || eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff > len ||
      (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) > len - eh.e_shoff)
    goto out;
  /* The symbol table; an object without one (the tcc program's output
  ** for libwasmplug.so has only the dynamic symbols, where its F<N> are)
  ** is read from its dynamic symbol table. */
  uint32_t want = SHT_DYNSYM;
  for (unsigned i = 0; i < eh.e_shnum; i++) {
    Elf64_Shdr sh;
    memcpy(&sh, b + eh.e_shoff + i * sizeof sh, sizeof sh);
    if (sh.sh_type == SHT_SYMTAB) want = SHT_SYMTAB;
  }
  for (unsigned i = 0; i < eh.e_shnum; i++) {
    Elf64_Shdr sh, str;
    memcpy(&sh, b + eh.e_shoff + i * sizeof sh, sizeof sh);
    if (sh.sh_type != want || sh.sh_link >= eh.e_shnum) continue;
    memcpy(&str, b + eh.e_shoff + sh.sh_link * sizeof str, sizeof str);
    if (sh.sh_offset > len || sh.sh_size > len - sh.sh_offset || str.sh_offset > len ||
        str.sh_size > len - str.sh_offset)
      continue;
    const char *strs = (const char *)b + str.sh_offset, *strend = strs + str.sh_size;
    for (uint64_t k = 0; k + sizeof(Elf64_Sym) <= sh.sh_size; k += sizeof(Elf64_Sym)) {
      Elf64_Sym s;
      memcpy(&s, b + sh.sh_offset + k, sizeof s);
      if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || !s.st_size || s.st_name >= str.sh_size) continue;
      long f = func_of(strs + s.st_name, strend);
      if (f < (long)nimp || f >= (long)total) continue; /* import trampolines are not wasm code */
      uintptr_t lo = bias + s.st_value;
      if (!push(c, &cap, lo, lo + s.st_size, (uint32_t)f)) goto out;
    }
  }
out:
  free(b);
}

/* Baseline code compiled in memory: function starts, and unit ends. */
static void map_tcc(code_entry *c, void *state) {
  const wp_modinfo_t *info = &c->m->info;
  uint32_t nimp = info->nimported_funcs, total = wp_nfuncs(info);
  size_t cap = 0;
  char name[32];
  for (uint32_t f = nimp; f < total; f++) {
    snprintf(name, sizeof name, "F%u", f);
    void *a = wp_tcc_symbol(state, name);
    if (a && !push(c, &cap, (uintptr_t)a, 0, f)) return;
  }
  /* sentinels mark where the last function of a unit ends */
  for (uint32_t k = 0;; k++) {
    snprintf(name, sizeof name, "wp_end%u", k);
    void *a = wp_tcc_symbol(state, name);
    if (!a || !push(c, &cap, (uintptr_t)a, 0, UINT32_MAX)) break;
  }
  if (c->n) qsort(c->r, c->n, sizeof *c->r, by_lo);
  size_t w = 0;
  for (size_t i = 0; i < c->n; i++) {
    if (c->r[i].func == UINT32_MAX) continue;
    if (i + 1 == c->n) break; /* no end known */
    c->r[w] = c->r[i];
    c->r[w++].hi = c->r[i + 1].lo;
  }
  c->n = w;
}

static void build(code_entry *c) {
  c->built = true;
  wp_code_t *code = &c->m->code;
  uintptr_t bias;
  int memfd;
  if (code->tcc && wp_tcc_image(code->tcc, &bias, &memfd)) map_elf(c, bias, memfd);
  else if (code->tcc) map_tcc(c, code->tcc);
  else if (code->image) map_elf(c, wp_image_bias(code->image), wp_image_fd(code->image));
  /* hot-first: the hot object's functions (its F<N> symbols) too */
  if (code->hot_image) map_elf(c, wp_image_bias(code->hot_image), wp_image_fd(code->hot_image));
  if (c->n) qsort(c->r, c->n, sizeof *c->r, by_lo);
}

static const fn_range *find(const code_entry *c, uintptr_t pc) {
  size_t lo = 0, hi = c->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (c->r[mid].hi <= pc) lo = mid + 1;
    else if (c->r[mid].lo > pc) hi = mid;
    else return &c->r[mid];
  }
  return NULL;
}

/* The mapped function containing pc, or NULL (lock held). */
static const fn_range *lookup(uintptr_t pc, const code_entry **where) {
  for (size_t k = 0; k < wp_code_registry.n; k++) {
    code_entry *c = &wp_code_registry.e[k];
    if (!c->built) build(c);
    const fn_range *r = find(c, pc);
    if (r) {
      *where = c;
      return r;
    }
  }
  return NULL;
}

/* Whether `ret` is the return address of a call to function `callee`:
** a direct call to its first byte, or an indirect call (ff /2, register
** or memory operand) the target of which cannot be read back.  Only
** bytes inside the caller's mapped code are read. */
static bool returns_from_call(const fn_range *caller, uintptr_t ret, const fn_range *callee) {
  if (ret >= caller->lo + 5 && ret <= caller->hi) {
    const uint8_t *p = (const uint8_t *)(ret - 5);
    int32_t rel;
    memcpy(&rel, p + 1, 4);
    if (p[0] == 0xe8 && ret + (uintptr_t)(intptr_t)rel == callee->lo) return true;
  }
  /* ff /2 with a ModRM of mod 3 (2 bytes), mod 1 (3, 4 with a SIB),
  ** mod 2 (6, 7 with a SIB), with or without a REX prefix */
  static const struct { uint8_t len, mod; bool sib; } forms[] = {{2, 3, 0}, {3, 1, 0}, {4, 1, 1}, {6, 2, 0}, {7, 2, 1}};
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    if (ret < caller->lo + forms[i].len || ret > caller->hi) continue;
    const uint8_t *p = (const uint8_t *)(ret - forms[i].len);
    uint8_t modrm = p[1];
    if (p[0] == 0xff && (modrm >> 6) == forms[i].mod && ((modrm >> 3) & 7) == 2 &&
        (forms[i].mod == 3 || ((modrm & 7) == 4) == forms[i].sib))
      return true;
  }
  return false;
}

static void add_frame(wasmplug_frame_t *f, const code_entry *c, const fn_range *r) {
  const wp_modinfo_t *info = &c->m->info;
  /* the name section's module name, else the file name it came from */
  const char *slash = info->module_name ? NULL : strrchr(c->m->name, '/');
  f->module = info->module_name ? info->module_name : slash ? slash + 1 : c->m->name;
  f->func = info->func_names ? info->func_names[r->func] : NULL;
  f->func_index = r->func;
  f->offset = info->bodies[r->func - info->nimported_funcs].off;
}

void wp_backtrace_attach(wasmplug_trap_t *t, const uintptr_t *pcs, uint32_t n, uintptr_t leaf_ret,
                         bool truncated) {
  /* An exit (proc_exit, wasi:cli/exit, a plugin's host->exit) is not a
  ** failure: nobody prints its frames, and naming them costs the whole
  ** function map (the first lookup reads the module's cached .so: 23 ms
  ** for SQLite's, 8x the rest of such a run). */
  if (!t || !n || wasmplug_trap_exit_status(t, NULL)) return;
  wasmplug_frame_t frames[WP_BT_MAX + 1];
  size_t nf = 0;
  pthread_mutex_lock(&wp_code_registry.lock);
  for (uint32_t i = 0; i < n && nf < WP_BT_MAX; i++) {
    const code_entry *c;
    const fn_range *r = lookup(pcs[i], &c);
    if (!r) continue;
    add_frame(&frames[nf++], c, r);
    /* After the faulting function: its caller, when it kept no frame and
    ** the frame-pointer chain skipped that caller. */
    const code_entry *lc;
    const fn_range *lr;
    if (i == 0 && leaf_ret && (n < 2 || pcs[1] != leaf_ret - 1) && (lr = lookup(leaf_ret - 1, &lc)) &&
        returns_from_call(lr, leaf_ret, r))
      add_frame(&frames[nf++], lc, lr);
  }
  /* copied while the modules cannot go */
  wp_trap_add_frames(t, frames, nf, truncated);
  pthread_mutex_unlock(&wp_code_registry.lock);
}
