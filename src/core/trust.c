/*
** trust.c — what native code wasmplug agrees to load, and why.
**
** Two sources of native code come from disk: entries of the optimized
** tier's cache and artifacts written by `wasmplug compile`.  Neither may be
** a way for a guest (or whoever hands us a file) to run code of its own:
**
**   - Cache entries carry a MAC: HMAC-SHA256, under a per-user secret, of
**     the entry's key and the SHA-256 of its shared object.  A SHA-256
**     alone anyone can recompute (a guest given `--dir` over the cache
**     planted a .so and fixed up its .meta); the MAC needs the secret.  The
**     secret lives in the kernel's user keyring ("wasmplug:cache-key:v1"),
**     outside every file system: no preopen reaches it, no WASI call reads
**     it, an isolated plugin's filter forbids keyctl.  Where the keyring is
**     unavailable (containers whose seccomp profile forbids keyctl) it is
**     the file KEY_FILE in the cache directory, and the cache is "unsealed":
**     the host then refuses to give a guest a directory that covers the
**     cache (see wasmplug_engine_cache_sealed).
**   - Validation tickets: validating a large module's code is most of a
**     warm start (10 MB of code: 0.2 s), and a module whose code is in the
**     cache was validated when it was compiled.  A ticket, cache/valid/
**     <SHA-256 of the module>, holds the features the validator found and
**     a MAC, under the same secret, of the module's SHA-256, the
**     validator's identity (a digest of its sources) and those features.
**     A ticket that does not verify is ignored: the module is validated.
**     Forging one needs the secret, which also forges cache entries
**     (native code): tickets add nothing to what the secret protects.
**   - Artifacts are native code by definition: refused unless the user
**     opts in (wasmplug_config_allow_precompiled_set, --allow-precompiled),
**     as Wasmtime refuses them without --allow-precompiled.
**
** Whatever its source, a shared object is then checked before dlopen
** (wp_trust_check_elf): nothing in it may run while it is loaded.  Our
** compiles link with -nostartfiles, so a legitimate one has no
** constructors, no destructors, needs only libc and libm, and has no IFUNC
** (whose resolver runs during relocation).  This is defence in depth: the
** glue entry point is called after loading, so the MAC (or the user's
** consent) is what decides whether the code is ours.
*/
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "validator_id.h"

#define KEY_DESC "wasmplug:cache-key:v1"
#define KEY_FILE "key"
#define KEY_LEN 32
/* Key permissions (keyutils.h's names; linux/keyctl.h lacks them). */
#define PERM_POS_ALL 0x3f000000u
#define PERM_USR_VIEW 0x00010000u
#define PERM_USR_READ 0x00020000u
#define PERM_USR_SEARCH 0x00080000u

/* ------------------------------------------------------------- the secret */

static long key_search(void) {
  return syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", KEY_DESC, 0);
}

/* The secret from the user keyring, made on first use.  False when the
** keyring cannot be used. */
static bool keyring_secret(uint8_t out[KEY_LEN]) {
  long id = key_search();
  if (id < 0) {
    uint8_t fresh[KEY_LEN];
    if (getrandom(fresh, sizeof fresh, 0) != (ssize_t)sizeof fresh) return false;
    /* add_key replaces a key of the same description: two processes racing
    ** here would each think theirs won.  Search again after adding, and use
    ** whatever the keyring holds then. */
    id = syscall(SYS_add_key, "user", KEY_DESC, fresh, sizeof fresh, KEY_SPEC_USER_KEYRING);
    if (id < 0) return false;
    /* Any process of this user may read it (not only those possessing the
    ** keyring): the next wasmplug must find it. */
    syscall(SYS_keyctl, KEYCTL_SETPERM, id,
            PERM_POS_ALL | PERM_USR_VIEW | PERM_USR_READ | PERM_USR_SEARCH);
    id = key_search();
    if (id < 0) return false;
  }
  long n = syscall(SYS_keyctl, KEYCTL_READ, id, out, KEY_LEN);
  return n == KEY_LEN;
}

/* The fallback: KEY_FILE in the cache directory, made on first use. */
static bool file_secret(const char *cache_dir, uint8_t out[KEY_LEN]) {
  char *path = wp_format("%s/" KEY_FILE, cache_dir);
  if (!path) return false;
  bool ok = false;
  for (int attempt = 0; attempt < 2 && !ok; attempt++) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
      ok = read(fd, out, KEY_LEN) == KEY_LEN;
      close(fd);
      break;
    }
    uint8_t fresh[KEY_LEN];
    if (getrandom(fresh, sizeof fresh, 0) != (ssize_t)sizeof fresh) break;
    free(wp_mkdir_p(cache_dir));
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) continue; /* another process made it: read theirs */
    ok = write(fd, fresh, sizeof fresh) == (ssize_t)sizeof fresh;
    close(fd);
    if (ok) memcpy(out, fresh, KEY_LEN);
    else unlink(path);
  }
  free(path);
  return ok;
}

/* Fetches the secret once per engine (engines are shared between
** threads: the first compile on any of them fetches it).
** WASMPLUG_CACHE_KEYRING=off skips the keyring (tests of the fallback). */
static bool secret(wasmplug_engine_t *e, uint8_t out[KEY_LEN]) {
  pthread_mutex_lock(&e->trust.lock);
  if (!e->trust.have_key) {
    const char *kr = getenv("WASMPLUG_CACHE_KEYRING");
    bool use_keyring = !kr || strcmp(kr, "off");
    if (use_keyring && keyring_secret(e->trust.key)) {
      e->trust.have_key = true;
      e->trust.sealed = true;
    } else if (file_secret(e->cache_dir, e->trust.key)) {
      e->trust.have_key = true;
      e->trust.sealed = false;
    }
  }
  bool ok = e->trust.have_key;
  if (ok) memcpy(out, e->trust.key, KEY_LEN);
  pthread_mutex_unlock(&e->trust.lock);
  return ok;
}

bool wasmplug_engine_cache_sealed(wasmplug_engine_t *e) {
  uint8_t k[KEY_LEN];
  bool ok = secret(e, k);
  memset(k, 0, sizeof k);
  return ok && e->trust.sealed;
}

const char *wasmplug_engine_cache_dir(const wasmplug_engine_t *e) { return e->cache_dir; }

/* ------------------------------------------------------------------ HMAC */

static void hmac_sha256(const uint8_t key[KEY_LEN], const void *msg, size_t len, uint8_t out[32]) {
  uint8_t pad[64];
  wp_sha256_t s;
  memset(pad, 0x36, sizeof pad);
  for (int i = 0; i < KEY_LEN; i++) pad[i] ^= key[i];
  wp_sha256_init(&s);
  wp_sha256_update(&s, pad, sizeof pad);
  wp_sha256_update(&s, msg, len);
  uint8_t inner[32];
  wp_sha256_final(&s, inner);
  memset(pad, 0x5c, sizeof pad);
  for (int i = 0; i < KEY_LEN; i++) pad[i] ^= key[i];
  wp_sha256_init(&s);
  wp_sha256_update(&s, pad, sizeof pad);
  wp_sha256_update(&s, inner, sizeof inner);
  wp_sha256_final(&s, out);
}

bool wp_trust_mac(wasmplug_engine_t *e, const char *entry_key, const char *so_sha256, char hex[65]) {
  uint8_t k[KEY_LEN], d[32];
  if (!secret(e, k)) return false;
  char *msg = wp_format("wasmplug-cache-mac 1\nkey %s\nsha256 %s\n", entry_key, so_sha256);
  if (!msg) return false;
  hmac_sha256(k, msg, strlen(msg), d);
  memset(k, 0, sizeof k);
  free(msg);
  wp_sha256_hex(d, hex);
  return true;
}

/* ------------------------------------------------------ validation tickets */

#define TICKET_MAX 256 /* bytes: a longer file is not a ticket */

static char *ticket_path(wasmplug_engine_t *e, const uint8_t digest[32]) {
  char hex[65];
  wp_sha256_hex(digest, hex);
  return wp_format("%s/valid/%s", e->cache_dir, hex);
}

/* The text a ticket for (digest, features) holds; NULL without a secret. */
static char *ticket_text(wasmplug_engine_t *e, const uint8_t digest[32], uint32_t features) {
  uint8_t k[KEY_LEN], d[32];
  char hex[65], mac[65];
  if (!secret(e, k)) return NULL;
  wp_sha256_hex(digest, hex);
  char *msg = wp_format("wasmplug-validated 1\nvalidator %s\nmodule %s\nfeatures %u\n", WP_VALIDATOR_ID, hex,
                        features);
  if (msg) hmac_sha256(k, msg, strlen(msg), d);
  memset(k, 0, sizeof k);
  if (!msg) return NULL;
  free(msg);
  wp_sha256_hex(d, mac);
  return wp_format("wasmplug-validated 1\nfeatures %u\nmac %s\n", features, mac);
}

/* The features a ticket's text claims: the decimal number after its
** "features " line's prefix, as ticket_text prints it.  Not sscanf: its
** first call in a process sets up the locale's tables, a few percent of a
** warm start of a small module.  Anything else is no ticket; what the
** number is worth is then decided by the MAC over the whole text. */
static bool ticket_features(const char *t, uint32_t *out) {
  static const char head[] = "wasmplug-validated 1\nfeatures ";
  if (strncmp(t, head, sizeof head - 1)) return false;
  const char *p = t + sizeof head - 1;
  uint64_t v = 0;
  const char *digits = p;
  for (; *p >= '0' && *p <= '9'; p++) {
    v = v * 10 + (uint64_t)(*p - '0');
    if (v > UINT32_MAX) return false;
  }
  if (p == digits || *p != '\n') return false;
  *out = (uint32_t)v;
  return true;
}

bool wp_ticket_read(wasmplug_engine_t *e, const uint8_t digest[32], uint32_t *features) {
  char *path = ticket_path(e, digest);
  uint8_t *b = NULL;
  size_t len = 0;
  bool ok = path && wp_read_all(path, &b, &len) && len < TICKET_MAX;
  free(path);
  char got[TICKET_MAX] = {0};
  uint32_t f = 0;
  if (ok) {
    memcpy(got, b, len);
    got[len] = 0;
    ok = strlen(got) == len && ticket_features(got, &f);
  }
  free(b);
  char *want = ok ? ticket_text(e, digest, f) : NULL;
  ok = want && wp_trust_mac_equal(got, want);
  free(want);
  if (ok) *features = f;
  return ok;
}

void wp_ticket_write(wasmplug_engine_t *e, const uint8_t digest[32], uint32_t features) {
  char *text = ticket_text(e, digest, features);
  char *dir = text ? wp_format("%s/valid", e->cache_dir) : NULL;
  char *path = dir ? ticket_path(e, digest) : NULL;
  char *err = path ? wp_mkdir_p(dir) : NULL;
  if (path && !err) err = wp_write_atomic(path, (const uint8_t *)text, strlen(text));
  free(err);
  free(path);
  free(dir);
  free(text);
}

bool wp_trust_mac_equal(const char *a, const char *b) {
  /* Constant time: the comparison must not tell a forger how far it got. */
  unsigned char diff = 0;
  size_t n = strlen(a);
  if (n != strlen(b)) return false;
  for (size_t i = 0; i < n; i++) diff |= (unsigned char)(a[i] ^ b[i]);
  return diff == 0;
}

/* ---------------------------------------------------------- the ELF check */

/* What the dynamic section of a shared object we compiled may contain:
** tags the dynamic loader only reads to find and bind symbols.  Any other
** (constructors, destructors, audit libraries, search paths, filters,
** unknown tags) is refused. */
static bool allowed_tag(int64_t tag) {
  switch (tag) {
  case DT_NULL: case DT_NEEDED: case DT_HASH: case DT_GNU_HASH: case DT_STRTAB: case DT_SYMTAB:
  case DT_STRSZ: case DT_SYMENT: case DT_RELA: case DT_RELASZ: case DT_RELAENT: case DT_REL:
  case DT_RELSZ: case DT_RELENT: case DT_PLTGOT: case DT_PLTRELSZ: case DT_PLTREL: case DT_JMPREL:
  case DT_RELACOUNT: case DT_RELCOUNT: case DT_FLAGS: case DT_FLAGS_1: case DT_BIND_NOW:
  case DT_VERSYM: case DT_VERNEED: case DT_VERNEEDNUM: case DT_VERDEF: case DT_VERDEFNUM:
  case DT_SONAME: case DT_DEBUG:
#ifdef DT_RELR
  case DT_RELR: case DT_RELRSZ: case DT_RELRENT:
#endif
#ifdef DT_X86_64_PLT
  case DT_X86_64_PLT: case DT_X86_64_PLTSZ: case DT_X86_64_PLTENT:
#endif
    return true;
  default:
    return false;
  }
}

static const char *tag_name(int64_t tag) {
  switch (tag) {
  case DT_INIT: return "DT_INIT (a constructor)";
  case DT_FINI: return "DT_FINI (a destructor)";
  case DT_INIT_ARRAY: case DT_INIT_ARRAYSZ: return "DT_INIT_ARRAY (constructors)";
  case DT_FINI_ARRAY: case DT_FINI_ARRAYSZ: return "DT_FINI_ARRAY (destructors)";
  case DT_PREINIT_ARRAY: case DT_PREINIT_ARRAYSZ: return "DT_PREINIT_ARRAY (constructors)";
  case DT_RPATH: case DT_RUNPATH: return "a library search path";
  case DT_AUDIT: case DT_DEPAUDIT: return "an audit library";
  case DT_AUXILIARY: case DT_FILTER: return "a filter library";
  default: return NULL;
  }
}

/* Maps a virtual address to a file offset through the PT_LOAD headers. */
static bool vaddr_to_off(const Elf64_Phdr *ph, int n, uint64_t va, uint64_t size, size_t len, uint64_t *off) {
  for (int i = 0; i < n; i++) {
    if (ph[i].p_type != PT_LOAD) continue;
    if (va >= ph[i].p_vaddr && va - ph[i].p_vaddr <= ph[i].p_filesz &&
        size <= ph[i].p_filesz - (va - ph[i].p_vaddr)) {
      uint64_t o = ph[i].p_offset + (va - ph[i].p_vaddr);
      if (o > len || size > len - o) return false;
      *off = o;
      return true;
    }
  }
  return false;
}

char *wp_trust_check_elf(const char *name, const uint8_t *b, size_t len) {
#define BAD(...) wp_format("%s: refusing to load its native code: " __VA_ARGS__)
  if (len < sizeof(Elf64_Ehdr) || memcmp(b, ELFMAG, SELFMAG)) return BAD("not an ELF file", name);
  Elf64_Ehdr eh;
  memcpy(&eh, b, sizeof eh);
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_DYN ||
      eh.e_machine != EM_X86_64 || eh.e_phentsize != sizeof(Elf64_Phdr))
    return BAD("not an x86-64 shared object", name);
  if (eh.e_phoff > len || (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > len - eh.e_phoff)
    return BAD("truncated program headers", name);
  Elf64_Phdr *ph = malloc(eh.e_phnum * sizeof *ph + 1);
  if (!ph) return wp_strdup("out of memory");
  memcpy(ph, b + eh.e_phoff, eh.e_phnum * sizeof *ph);
  char *err = NULL;
  const Elf64_Phdr *dyn = NULL;
  for (int i = 0; i < eh.e_phnum; i++) {
    if (ph[i].p_type == PT_DYNAMIC) dyn = &ph[i];
    if (ph[i].p_type == PT_INTERP) { err = BAD("it names a program interpreter", name); goto out; }
    if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_W) && (ph[i].p_flags & PF_X)) {
      err = BAD("a segment is writable and executable", name);
      goto out;
    }
  }
  if (!dyn || dyn->p_offset > len || dyn->p_filesz > len - dyn->p_offset) {
    err = BAD("no dynamic section", name);
    goto out;
  }
  uint64_t strtab = 0, strsz = 0, symtab = 0, syment = 0, rela[2] = {0, 0}, relasz[2] = {0, 0}, hash = 0;
  uint64_t gnuhash = 0;
  size_t ndyn = dyn->p_filesz / sizeof(Elf64_Dyn);
  for (size_t i = 0; i < ndyn; i++) {
    Elf64_Dyn d;
    memcpy(&d, b + dyn->p_offset + i * sizeof d, sizeof d);
    if (d.d_tag == DT_NULL) break;
    if (!allowed_tag(d.d_tag)) {
      const char *what = tag_name(d.d_tag);
      err = what ? BAD("it has %s", name, what) : BAD("unexpected dynamic tag 0x%llx", name, (unsigned long long)d.d_tag);
      goto out;
    }
    switch (d.d_tag) {
    case DT_STRTAB: strtab = d.d_un.d_ptr; break;
    case DT_STRSZ: strsz = d.d_un.d_val; break;
    case DT_SYMTAB: symtab = d.d_un.d_ptr; break;
    case DT_SYMENT: syment = d.d_un.d_val; break;
    case DT_RELA: rela[0] = d.d_un.d_ptr; break;
    case DT_RELASZ: relasz[0] = d.d_un.d_val; break;
    case DT_JMPREL: rela[1] = d.d_un.d_ptr; break;
    case DT_PLTRELSZ: relasz[1] = d.d_un.d_val; break;
    case DT_HASH: hash = d.d_un.d_ptr; break;
    case DT_GNU_HASH: gnuhash = d.d_un.d_ptr; break;
    case DT_PLTREL:
      if (d.d_un.d_val != DT_RELA) { err = BAD("REL-style PLT relocations", name); goto out; }
      break;
    case DT_REL: case DT_RELSZ:
      err = BAD("REL relocations (x86-64 code uses RELA)", name);
      goto out;
    default: break;
    }
  }
  uint64_t stroff;
  if (!strtab || !vaddr_to_off(ph, eh.e_phnum, strtab, strsz, len, &stroff)) {
    err = BAD("no readable string table", name);
    goto out;
  }
  /* Libraries it needs: only those our compiles link (libc, libm). */
  for (size_t i = 0; i < ndyn; i++) {
    Elf64_Dyn d;
    memcpy(&d, b + dyn->p_offset + i * sizeof d, sizeof d);
    if (d.d_tag == DT_NULL) break;
    if (d.d_tag != DT_NEEDED) continue;
    if (d.d_un.d_val >= strsz) { err = BAD("a DT_NEEDED name outside the string table", name); goto out; }
    const char *lib = (const char *)b + stroff + d.d_un.d_val;
    size_t max = (size_t)(strsz - d.d_un.d_val);
    if (!memchr(lib, 0, max)) { err = BAD("an unterminated DT_NEEDED name", name); goto out; }
    if (strcmp(lib, "libc.so.6") && strcmp(lib, "libm.so.6")) {
      err = BAD("it needs library '%.100s' (only libc and libm are expected)", name, lib);
      goto out;
    }
  }
  /* No relocation whose resolution runs code of the object (IRELATIVE:
  ** an IFUNC resolver, run while dlopen binds). */
  for (int k = 0; k < 2; k++) {
    if (!relasz[k]) continue;
    uint64_t off;
    if (!vaddr_to_off(ph, eh.e_phnum, rela[k], relasz[k], len, &off)) {
      err = BAD("relocations outside the file", name);
      goto out;
    }
    for (uint64_t i = 0; i + sizeof(Elf64_Rela) <= relasz[k]; i += sizeof(Elf64_Rela)) {
      Elf64_Rela r;
      memcpy(&r, b + off + i, sizeof r);
      if (ELF64_R_TYPE(r.r_info) == R_X86_64_IRELATIVE) {
        err = BAD("an IRELATIVE relocation (its resolver would run while loading)", name);
        goto out;
      }
    }
  }
  /* No IFUNC among its own symbols: binding a reference to one runs its
  ** resolver.  The symbol count comes from the hash table when there is a
  ** SysV one; otherwise every symbol up to the string table (glibc lays
  ** .dynsym out just before .dynstr). */
  if (symtab && syment == sizeof(Elf64_Sym)) {
    uint64_t nsyms = 0, symoff;
    uint64_t hoff;
    if (hash && vaddr_to_off(ph, eh.e_phnum, hash, 8, len, &hoff)) {
      uint32_t nchain;
      memcpy(&nchain, b + hoff + 4, 4);
      nsyms = nchain;
    } else if (strtab > symtab) {
      nsyms = (strtab - symtab) / sizeof(Elf64_Sym);
    }
    (void)gnuhash;
    if (nsyms && !vaddr_to_off(ph, eh.e_phnum, symtab, nsyms * sizeof(Elf64_Sym), len, &symoff)) {
      err = BAD("a symbol table outside the file", name);
      goto out;
    }
    for (uint64_t i = 0; i < nsyms; i++) {
      Elf64_Sym s;
      memcpy(&s, b + symoff + i * sizeof s, sizeof s);
      if (ELF64_ST_TYPE(s.st_info) == STT_GNU_IFUNC && s.st_shndx != SHN_UNDEF) {
        err = BAD("it defines an IFUNC symbol (its resolver would run while loading)", name);
        goto out;
      }
    }
  }
out:
  free(ph);
  return err;
#undef BAD
}
