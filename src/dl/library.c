/*
** library.c — the library and symbol resources: dlopen/dlsym behind the
** allowlist (dl.h).  A library's children (symbols, functions, globals,
** pointers C returned) keep the dl_lib_t alive by reference but check
** `open` before each use: dropping the library dlcloses it at once and
** every later use fails with a message instead of touching unmapped code.
*/
#include <dlfcn.h>
#include <link.h> /* ElfW */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl/internal.h"

#define INST(cx) ((dl_instance_t *)(cx)->instance)
#define POLICY(cx) (((dl_plugin_t *)(cx)->plugin)->policy)

dl_lib_t *dl_lib_ref(dl_lib_t *l) {
  if (l) l->refs++;
  return l;
}

void dl_lib_unref(dl_lib_t *l) {
  if (!l || --l->refs) return;
  if (l->handle) dlclose(l->handle);
  free(l->name);
  free(l);
}

void dl_lib_close(dl_lib_t *l) {
  if (!l) return;
  if (l->handle) dlclose(l->handle);
  l->handle = NULL;
  l->open = false;
  dl_lib_unref(l);
}

bool dl_lib_alive(const dl_lib_t *l, const char *what, char *err, size_t cap) {
  if (l->open) return true;
  snprintf(err, cap, "%s: library '%s' was closed (its library resource was dropped); its symbols, functions and memory are gone",
           what, l->name);
  return false;
}

/* result<_, string> errors carry the message to the guest. */
static int fail_string(wasi_dl_ctx_t *cx, wasi_dl_string_t *out, bool *is_err, const char *text) {
  char msg[DL_ERR + 64];
  snprintf(msg, sizeof msg, "%s", text);
  dl_utf8_sanitize(msg);
  *is_err = true;
  if (wasi_dl_string_set(cx, out, msg, strlen(msg))) return wasi_dl_trap(cx, "%s", msg);
  return 0;
}

int wasi_dl_dll_static_library_open(wasi_dl_ctx_t *cx, const wasi_dl_option_string_t *name,
                                    wasi_dl_dll_open_flags_t flag, wasi_dl_result_own_library_string_t *ret) {
  char msg[DL_ERR + 64];
  const char *lib = name->is_some ? (const char *)name->val.ptr : NULL;
  if (lib && memchr(name->val.ptr, 0, name->val.len))
    return fail_string(cx, &ret->val.err, &ret->is_err, "wasi:dl: library name contains a NUL byte");
  if (!wp_dl_policy_allows_library(POLICY(cx), lib, msg, sizeof msg))
    return fail_string(cx, &ret->val.err, &ret->is_err, msg);
  int mode;
  if ((flag & WASI_DL_DLL_OPEN_FLAGS_LAZY) && (flag & WASI_DL_DLL_OPEN_FLAGS_NOW))
    return fail_string(cx, &ret->val.err, &ret->is_err, "wasi:dl: open-flags lazy and now exclude each other");
  if ((flag & WASI_DL_DLL_OPEN_FLAGS_GLOBAL) && (flag & WASI_DL_DLL_OPEN_FLAGS_LOCAL))
    return fail_string(cx, &ret->val.err, &ret->is_err, "wasi:dl: open-flags global and local exclude each other");
  mode = (flag & WASI_DL_DLL_OPEN_FLAGS_LAZY) ? RTLD_LAZY : RTLD_NOW;
  mode |= (flag & WASI_DL_DLL_OPEN_FLAGS_GLOBAL) ? RTLD_GLOBAL : RTLD_LOCAL;
  dl_lib_t *l = calloc(1, sizeof *l);
  if (!l || !(l->name = strdup(lib ? lib : "self"))) {
    free(l);
    return wasi_dl_trap(cx, "library.open: out of memory");
  }
  dlerror();
  l->handle = dlopen(lib, mode);
  if (!l->handle) {
    const char *e = dlerror();
    snprintf(msg, sizeof msg, "wasi:dl: cannot open library '%s': %s", l->name, e ? e : "unknown error");
    free(l->name);
    free(l);
    return fail_string(cx, &ret->val.err, &ret->is_err, msg);
  }
  l->refs = 1;
  l->open = true;
  l->is_self = lib == NULL;
  if (!(ret->val.ok.rep = dl_table_put(INST(cx), DLK_LIBRARY, l))) {
    dl_lib_close(l);
    return wasi_dl_trap(cx, "library.open: too many wasi:dl objects");
  }
  return 0;
}

/* True when the object that defines `addr` is library `l` itself, not one
** of its dependencies: dlsym on a handle searches the library's whole
** dependency scope, so `allow=libz.so.1` would hand out libc's `system`.
** The main program ("self") is its global scope by definition (dl.h). */
static bool defined_by(const dl_lib_t *l, const void *addr, char *where, size_t cap) {
  if (l->is_self) return true;
  Dl_info info;
  struct link_map *found = NULL, *mine = NULL;
  if (dlinfo(l->handle, RTLD_DI_LINKMAP, &mine) || !mine) return false;
  if (!dladdr1(addr, &info, (void **)&found, RTLD_DL_LINKMAP) || !found) {
    snprintf(where, cap, "no loaded object");
    return false;
  }
  snprintf(where, cap, "%s", info.dli_fname && *info.dli_fname ? info.dli_fname : "the main program");
  return found == mine;
}

bool dl_pins_by_address(wasi_dl_ctx_t *cx, const dl_lib_t *l, const void *addr, const char *args, const char *ret,
                        bool *listed, bool *pinned, char *err, size_t cap) {
  *listed = *pinned = false;
  const char *libname = l->is_self ? NULL : l->name;
  const char *sym;
  bool pin;
  for (size_t i = 0; (sym = wp_dl_policy_listed_symbol(POLICY(cx), libname, i, &pin)); i++) {
    dlerror();
    void *a = dlsym(l->handle, sym);
    if (!a || a != addr) continue;
    *listed = true;
    *pinned |= pin;
    if (!wp_dl_policy_pin_matches(POLICY(cx), libname, sym, args, ret, err, cap)) return false;
  }
  return true;
}

int wasi_dl_dll_method_library_get(wasi_dl_ctx_t *cx, wasi_dl_dll_borrow_library_t self, const wasi_dl_string_t *name,
                                   wasi_dl_result_own_symbol_string_t *ret) {
  dl_lib_t *l = dl_table_get(INST(cx), self.rep, DLK_LIBRARY);
  if (!l) return wasi_dl_trap(cx, "library.get: rep %u is not a live library", self.rep);
  char msg[DL_ERR + 64];
  const char *sym = (const char *)name->ptr;
  if (memchr(name->ptr, 0, name->len))
    return fail_string(cx, &ret->val.err, &ret->is_err, "wasi:dl: symbol name contains a NUL byte");
  if (!wp_dl_policy_allows_symbol(POLICY(cx), l->is_self ? NULL : l->name, sym, msg, sizeof msg))
    return fail_string(cx, &ret->val.err, &ret->is_err, msg);
  dlerror();
  void *addr = dlsym(l->handle, sym);
  if (!addr) {
    const char *e = dlerror();
    snprintf(msg, sizeof msg, "wasi:dl: symbol '%s' not found in library '%s'%s%s", sym, l->name, e ? ": " : "",
             e ? e : "");
    return fail_string(cx, &ret->val.err, &ret->is_err, msg);
  }
  char where[100];
  if (!defined_by(l, addr, where, sizeof where)) {
    snprintf(msg, sizeof msg, "wasi:dl: symbol '%.60s' is not defined by library '%.60s' (found in %.90s): a grant "
             "covers a library's own symbols only", sym, l->name, where);
    return fail_string(cx, &ret->val.err, &ret->is_err, msg);
  }
  dl_symbol_t *s = calloc(1, sizeof *s);
  if (!s || !(s->name = strdup(sym))) {
    free(s);
    return wasi_dl_trap(cx, "library.get: out of memory");
  }
  s->lib = dl_lib_ref(l);
  s->addr = addr;
  if (!(ret->val.ok.rep = dl_table_put(INST(cx), DLK_SYMBOL, s))) {
    dl_object_free(DLK_SYMBOL, s);
    return wasi_dl_trap(cx, "library.get: too many wasi:dl objects");
  }
  return 0;
}

/* Takes every ffi-type of a signature out of the guest's hands (struct
** types are own<>), even after a failure.  *rett is NULL for void. */
bool dl_signature_take(dl_instance_t *in, const wasi_dl_list_ffi_type_t *args, const wasi_dl_option_ffi_type_t *ret,
                       dl_type_t ***argt, dl_type_t **rett, char *err, size_t cap) {
  bool ok = true;
  *argt = calloc(args->len ? args->len : 1, sizeof **argt);
  *rett = NULL;
  if (!*argt) ok = false, snprintf(err, cap, "out of memory");
  for (size_t i = 0; i < args->len; i++) {
    char e2[DL_ERR];
    dl_type_t *t = dl_type_from_wit(in, &args->ptr[i], e2, sizeof e2);
    if (!t && ok) ok = false, snprintf(err, cap, "argument %zu: %s", i, e2);
    if (*argt) (*argt)[i] = t;
    else dl_type_unref(t);
  }
  if (ret->is_some) {
    char e2[DL_ERR];
    *rett = dl_type_from_wit(in, &ret->val, e2, sizeof e2);
    if (!*rett && ok) ok = false, snprintf(err, cap, "return type: %s", e2);
  }
  if (!ok) dl_signature_free(*argt, args->len, *rett), *argt = NULL, *rett = NULL;
  return ok;
}

void dl_signature_free(dl_type_t **argt, size_t n, dl_type_t *rett) {
  for (size_t i = 0; argt && i < n; i++) dl_type_unref(argt[i]);
  free(argt);
  dl_type_unref(rett);
}

bool dl_signature_spell(dl_type_t *const *argt, size_t n, const dl_type_t *rett, char *args, size_t acap, char *ret,
                        size_t rcap) {
  size_t len = 0;
  args[0] = 0;
  for (size_t i = 0; i < n; i++) {
    char t[256];
    if (!dl_type_spell(argt[i], t, sizeof t)) return false;
    int k = snprintf(args + len, acap - len, "%s%s", i ? "," : "", t);
    if (k < 0 || (size_t)k >= acap - len) return false;
    len += (size_t)k;
  }
  if (rett) return dl_type_spell(rett, ret, rcap);
  return true;
}

int wasi_dl_dll_method_symbol_get_function(wasi_dl_ctx_t *cx, wasi_dl_dll_borrow_symbol_t self,
                                           const wasi_dl_list_ffi_type_t *args, const wasi_dl_option_ffi_type_t *ret_,
                                           wasi_dl_dll_own_function_t *ret) {
  char err[DL_ERR * 2];
  dl_type_t **argt, *rett;
  if (!dl_signature_take(INST(cx), args, ret_, &argt, &rett, err, sizeof err))
    return wasi_dl_trap(cx, "symbol.get-function: %s", err);
  dl_symbol_t *s = dl_table_get(INST(cx), self.rep, DLK_SYMBOL);
  int rc = 0;
  if (!s) {
    rc = wasi_dl_trap(cx, "symbol.get-function: rep %u is not a live symbol", self.rep);
    goto out;
  }
  if (!dl_lib_alive(s->lib, "symbol.get-function", err, sizeof err)) {
    rc = wasi_dl_trap(cx, "%s", err);
    goto out;
  }
  char as[1024], rs[256];
  if (!dl_signature_spell(argt, args->len, rett, as, sizeof as, rs, sizeof rs)) {
    rc = wasi_dl_trap(cx, "symbol.get-function '%s': signature too long to check", s->name);
    goto out;
  }
  if (!wp_dl_policy_allows_signature(POLICY(cx), s->lib->is_self ? NULL : s->lib->name, s->name, as,
                                     rett ? rs : NULL, err, sizeof err)) {
    rc = wasi_dl_trap(cx, "%s", err);
    goto out;
  }
  /* Pins hold for the function, not the name: another name of it (an
  ** alias such as __write for write) keeps the pin. */
  bool listed, pinned;
  if (!dl_pins_by_address(cx, s->lib, s->addr, as, rett ? rs : NULL, &listed, &pinned, err, sizeof err)) {
    rc = wasi_dl_trap(cx, "%s", err);
    goto out;
  }
  dl_func_t *f = dl_func_new(s->addr, s->lib, s->name, argt, (uint32_t)args->len, rett, err, sizeof err);
  if (!f) {
    rc = wasi_dl_trap(cx, "symbol.get-function '%s': %s", s->name, err);
    goto out;
  }
  if (!(ret->rep = dl_table_put(INST(cx), DLK_FUNCTION, f))) {
    dl_func_free(f);
    rc = wasi_dl_trap(cx, "symbol.get-function: too many wasi:dl objects");
  }
out:
  dl_signature_free(argt, args->len, rett);
  return rc;
}

/* A variable's memory must hold the type the guest declares: the ELF
** symbol says how large the variable is and that it is data, not code;
** failing that (no size recorded), the region must at least lie inside one
** mapped segment.  So a wrong type is refused instead of faulting later. */
static bool variable_fits(const dl_symbol_t *s, const dl_type_t *t, bool *read_only, char *err, size_t cap) {
  Dl_info info;
  const ElfW(Sym) *sym = NULL;
  if (dladdr1(s->addr, &info, (void **)&sym, RTLD_DL_SYMENT) && sym && info.dli_saddr == s->addr) {
    int type = ELF64_ST_TYPE(sym->st_info);
    if (type == STT_FUNC || type == STT_GNU_IFUNC) {
      snprintf(err, cap, "'%s' of library '%s' is a function, not a variable", s->name, s->lib->name);
      return false;
    }
    if (sym->st_size && t->size > sym->st_size) {
      snprintf(err, cap, "the type (%zu bytes) is larger than variable '%s' of library '%s' (%zu bytes)", t->size,
               s->name, s->lib->name, (size_t)sym->st_size);
      return false;
    }
  }
  bool exec = false, writable = false;
  if (!dl_segment_of(s->addr, t->size, &exec, &writable) || exec) {
    snprintf(err, cap, "'%s' of library '%s' does not hold %zu bytes of data", s->name, s->lib->name, t->size);
    return false;
  }
  *read_only = !writable;
  return true;
}

int wasi_dl_dll_method_symbol_get_alloc(wasi_dl_ctx_t *cx, wasi_dl_dll_borrow_symbol_t self,
                                        const wasi_dl_dll_ffi_type_t *ty, wasi_dl_ffi_own_alloc_t *ret) {
  char err[DL_ERR * 2];
  dl_type_t *t = dl_type_from_wit(INST(cx), ty, err, sizeof err);
  if (!t) return wasi_dl_trap(cx, "symbol.get-alloc: %s", err);
  int rc = 0;
  dl_symbol_t *s = dl_table_get(INST(cx), self.rep, DLK_SYMBOL);
  char ts[256];
  bool read_only = false;
  dl_alloc_t *a = NULL;
  if (!s) {
    rc = wasi_dl_trap(cx, "symbol.get-alloc: rep %u is not a live symbol", self.rep);
  } else if (!dl_lib_alive(s->lib, "symbol.get-alloc", err, sizeof err)) {
    rc = wasi_dl_trap(cx, "%s", err);
  } else if (!dl_type_spell(t, ts, sizeof ts)) {
    rc = wasi_dl_trap(cx, "symbol.get-alloc '%s': type too long to check", s->name);
  } else if (!wp_dl_policy_allows_variable(POLICY(cx), s->lib->is_self ? NULL : s->lib->name, s->name, ts, err,
                                           sizeof err)) {
    rc = wasi_dl_trap(cx, "%s", err);
  } else if (!variable_fits(s, t, &read_only, err, sizeof err)) {
    rc = wasi_dl_trap(cx, "symbol.get-alloc: %s", err);
  } else if (!(a = dl_alloc_new(INST(cx)))) {
    rc = wasi_dl_trap(cx, "symbol.get-alloc: out of memory");
  } else {
    /* the variable's memory: as large as the type the guest declared (the
    ** allowlist can pin that type) and usable while the library is open */
    a->ty = dl_type_ref(t);
    a->mem = s->addr;
    a->size = t->size;
    a->read_only = read_only;
    a->lib = dl_lib_ref(s->lib);
    if (!(ret->rep = dl_table_put(INST(cx), DLK_ALLOC, a))) {
      dl_alloc_unref(a);
      rc = wasi_dl_trap(cx, "symbol.get-alloc: too many wasi:dl objects");
    }
  }
  dl_type_unref(t);
  return rc;
}
