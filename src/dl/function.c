/*
** function.c — the function resource: a C function with a libffi call
** interface.  Every callable comes from a library this instance has open
** (a symbol, or a function pointer that lies in an executable segment of
** one), and every call first checks that the library is still open.
**
** Callbacks: C code can be handed a C function (function.get-alloc, then
** set-addr), but never a guest function: wasi:dl@0.2.0-draft has no way to
** make one, and function.from-alloc refuses any pointer that is not code
** of an open library (guest-written memory included).
*/
#include <dlfcn.h>
#include <link.h> /* struct link_map */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl/internal.h"

#define INST(cx) ((dl_instance_t *)(cx)->instance)
#define POLICY(cx) (((dl_plugin_t *)(cx)->plugin)->policy)
#define DL_MAX_ARGS 64

void dl_func_free(dl_func_t *f) {
  if (!f) return;
  for (uint32_t i = 0; i < f->nargs; i++) dl_type_unref(f->args[i]);
  free(f->args);
  free(f->atypes);
  dl_type_unref(f->ret);
  dl_lib_unref(f->lib);
  free(f->name);
  free(f);
}

dl_func_t *dl_func_new(void *addr, dl_lib_t *lib, const char *name, dl_type_t *const *args, uint32_t nargs,
                       dl_type_t *ret, char *err, size_t cap) {
  if (nargs > DL_MAX_ARGS) return snprintf(err, cap, "%u arguments (at most %d)", nargs, DL_MAX_ARGS), NULL;
  dl_func_t *f = calloc(1, sizeof *f);
  if (!f || !(f->args = calloc(nargs + 1, sizeof *f->args)) || !(f->atypes = calloc(nargs + 1, sizeof *f->atypes)) ||
      !(f->name = strdup(name))) {
    if (f) free(f->args), free(f->atypes);
    free(f);
    return snprintf(err, cap, "out of memory"), NULL;
  }
  f->addr = addr;
  f->lib = dl_lib_ref(lib);
  f->nargs = nargs;
  for (uint32_t i = 0; i < nargs; i++) {
    f->args[i] = dl_type_ref(args[i]);
    f->atypes[i] = dl_type_ffi(args[i]);
  }
  f->ret = dl_type_ref(ret);
  ffi_status st = ffi_prep_cif(&f->cif, FFI_DEFAULT_ABI, nargs, ret ? dl_type_ffi(ret) : &ffi_type_void, f->atypes);
  if (st != FFI_OK) {
    dl_func_free(f);
    return snprintf(err, cap, "libffi refused the signature (status %d)", (int)st), NULL;
  }
  return f;
}

/* ------------------------------------------------------ from-alloc */

/* The open library of this instance whose object holds p, or NULL. */
static dl_lib_t *owner(dl_instance_t *in, void *p, Dl_info *info) {
  if (!dladdr(p, info) || !info->dli_fname) return NULL;
  for (uint32_t i = 0; i < in->nslots; i++) {
    if (in->slots[i].kind != DLK_LIBRARY) continue;
    dl_lib_t *l = in->slots[i].obj;
    struct link_map *lm = NULL;
    if (!l->open || dlinfo(l->handle, RTLD_DI_LINKMAP, &lm) || !lm) continue;
    /* by load address (the main program's link map has an empty name;
    ** a non-PIE main program is not recognised: its l_addr is 0), else
    ** by file name */
    if ((void *)lm->l_addr == info->dli_fbase || (lm->l_name[0] && !strcmp(lm->l_name, info->dli_fname))) return l;
  }
  return NULL;
}

int wasi_dl_dll_static_function_from_alloc(wasi_dl_ctx_t *cx, wasi_dl_ffi_own_alloc_t alloc,
                                           const wasi_dl_list_ffi_type_t *args, const wasi_dl_option_ffi_type_t *ret_,
                                           wasi_dl_result_own_function_void_t *ret) {
  char err[DL_ERR * 2];
  dl_alloc_t *a = dl_table_take(INST(cx), alloc.rep, DLK_ALLOC);
  dl_type_t **argt, *rett;
  bool sig_ok = dl_signature_take(INST(cx), args, ret_, &argt, &rett, err, sizeof err);
  if (!a || !sig_ok) {
    dl_alloc_unref(a);
    if (sig_ok) dl_signature_free(argt, args->len, rett);
    if (!a) return wasi_dl_trap(cx, "function.from-alloc: rep %u is not a live alloc", alloc.rep);
    return wasi_dl_trap(cx, "function.from-alloc: %s", err);
  }
  int rc = 0;
  void *p = NULL;
  Dl_info info;
  dl_lib_t *lib = NULL;
  if (a->ty->is_struct || a->ty->prim != WASI_DL_FFI_PRIMITIVE_TYPE_POINTER) {
    dl_note(cx, "function.from-alloc: the alloc's type is not pointer");
    ret->is_err = true;
    goto out;
  }
  if (a->lib && !dl_lib_alive(a->lib, "function.from-alloc", err, sizeof err)) {
    rc = wasi_dl_trap(cx, "%s", err);
    goto out;
  }
  p = a->opaque ? a->ptr : dl_scalar_load(WASI_DL_FFI_PRIMITIVE_TYPE_POINTER, a->mem).p;
  bool exec = false;
  if (!p || !dl_segment_of(p, 1, &exec, NULL) || !exec || !(lib = owner(INST(cx), p, &info))) {
    dl_note(cx, "function.from-alloc: %p is not code of a library this instance has open (callbacks into the guest "
                "or its memory are not supported)", p);
    ret->is_err = true;
    goto out;
  }
  char as[1024], rs[256];
  if (!dl_signature_spell(argt, args->len, rett, as, sizeof as, rs, sizeof rs)) {
    dl_note(cx, "function.from-alloc: signature too long");
    ret->is_err = true;
    goto out;
  }
  /* The pointer must be a function the grant names, and keep its pins.
  ** Compared by address, not by the name dladdr reports (write is
  ** reported as __write; an IFUNC's pointer is its implementation's).
  ** Where the library's entry pins functions, only pinned ones may be
  ** called through a pointer; where it lists symbols, only those. */
  bool listed, pinned;
  const char *libname = lib->is_self ? NULL : lib->name;
  if (!dl_pins_by_address(cx, lib, p, as, rett ? rs : NULL, &listed, &pinned, err, sizeof err)) {
    dl_note(cx, "function.from-alloc: %s", err);
    ret->is_err = true;
    goto out;
  }
  if (wp_dl_policy_library_pins(POLICY(cx), libname) ? !pinned
                                                     : !listed && !wp_dl_policy_library_whole(POLICY(cx), libname)) {
    dl_note(cx, "function.from-alloc: %p is not a function the allowlist grants for library '%s' (%s)", p,
            lib->name,
            wp_dl_policy_library_pins(POLICY(cx), libname) ? "it pins functions: only those may be called through "
                                                             "a pointer"
                                                           : "it lists symbols: only those may be called");
    ret->is_err = true;
    goto out;
  }
  const char *sname = info.dli_saddr == p ? info.dli_sname : NULL;
  char name[128];
  if (sname) snprintf(name, sizeof name, "%s", sname);
  else snprintf(name, sizeof name, "function pointer %p", p);
  dl_func_t *f = dl_func_new(p, lib, name, argt, (uint32_t)args->len, rett, err, sizeof err);
  if (!f) {
    dl_note(cx, "function.from-alloc: %s", err);
    ret->is_err = true;
    goto out;
  }
  if (!(ret->val.ok.rep = dl_table_put(INST(cx), DLK_FUNCTION, f))) {
    dl_func_free(f);
    rc = wasi_dl_trap(cx, "function.from-alloc: too many wasi:dl objects");
  }
out:
  dl_alloc_unref(a);
  dl_signature_free(argt, args->len, rett);
  return rc;
}

/* ------------------------------------------------------------ call */

static bool has_targets(const dl_oval_t *v) {
  if (!v->is_struct) return v->prim.target != NULL;
  for (uint32_t i = 0; i < v->nfields; i++)
    if (has_targets(&v->fields[i])) return true;
  return false;
}

int wasi_dl_dll_method_function_call(wasi_dl_ctx_t *cx, wasi_dl_dll_borrow_function_t self,
                                     const wasi_dl_list_outgoing_value_t *args,
                                     wasi_dl_result_option_incoming_value_void_t *ret) {
  size_t n = args->len;
  dl_oval_t *vals = calloc(n ? n : 1, sizeof *vals);
  /* libffi may replace avalues[i] (it copies large structs passed by
  ** value), so the buffers we own are kept apart in bufs */
  void **bufs = calloc(n ? n : 1, sizeof *bufs);
  void **avalues = calloc(n ? n : 1, sizeof *avalues);
  char err[DL_ERR * 2] = "";
  bool ok = vals && avalues && bufs;
  int rc = 0;
  if (!ok) snprintf(err, sizeof err, "out of memory");
  /* the arguments were moved to us: take every one of them first */
  for (size_t i = 0; i < n; i++) {
    char e2[DL_ERR];
    dl_oval_t v;
    if (!dl_oval_take(INST(cx), &args->ptr[i], &v, e2, sizeof e2)) {
      if (ok) ok = false, snprintf(err, sizeof err, "argument %zu: %s", i, e2);
      continue;
    }
    if (vals) vals[i] = v;
    else dl_oval_clear(&v);
  }
  dl_func_t *f = dl_table_get(INST(cx), self.rep, DLK_FUNCTION);
  void *rbuf = NULL;
  dl_alloc_t *holder = NULL;
  if (!ok) {
    rc = wasi_dl_trap(cx, "function.call: %s", err);
    goto out;
  }
  if (!f) {
    rc = wasi_dl_trap(cx, "function.call: rep %u is not a live function", self.rep);
    goto out;
  }
  if (!dl_lib_alive(f->lib, "function.call", err, sizeof err)) {
    rc = wasi_dl_trap(cx, "%s (calling '%s')", err, f->name);
    goto out;
  }
  if (n != f->nargs) {
    dl_note(cx, "function.call '%s': %zu arguments given, the signature has %u", f->name, n, f->nargs);
    ret->is_err = true;
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    const dl_type_t *t = f->args[i];
    if (!(bufs[i] = avalues[i] = aligned_alloc(16, (t->size + 15) / 16 * 16))) {
      rc = wasi_dl_trap(cx, "function.call: out of memory");
      goto out;
    }
    memset(bufs[i], 0, (t->size + 15) / 16 * 16);
    if (!dl_oval_store(&vals[i], t, avalues[i], err, sizeof err)) {
      dl_note(cx, "function.call '%s': argument %zu: %s", f->name, i, err);
      ret->is_err = true;
      goto out;
    }
  }
  /* libffi writes small integer results as a whole ffi_arg */
  size_t rsize = f->ret ? f->ret->size : 0;
  if (rsize < 2 * sizeof(ffi_arg)) rsize = 2 * sizeof(ffi_arg);
  if (!(rbuf = aligned_alloc(16, (rsize + 15) / 16 * 16))) {
    rc = wasi_dl_trap(cx, "function.call: out of memory");
    goto out;
  }
  memset(rbuf, 0, (rsize + 15) / 16 * 16);
  ffi_call(&f->cif, FFI_FN(f->addr), rbuf, avalues);
  if (!f->ret) goto out; /* ok(none) */
  /* a pointer C returns may point into memory passed to it: the result
  ** keeps those allocs alive (its provenance) */
  for (size_t i = 0; i < n; i++) {
    if (!has_targets(&vals[i])) continue;
    if ((!holder && !(holder = dl_alloc_new(INST(cx)))) || !dl_oval_keep_targets(&vals[i], holder)) {
      rc = wasi_dl_trap(cx, "function.call: out of memory");
      goto out;
    }
  }
  const void *res = rbuf;
  uint64_t narrow[2];
  const dl_type_t *rt = f->ret;
  if (!rt->is_struct && rt->size < sizeof(ffi_arg)) {
    dl_scalar_t v;
    if (dl_prim_class(rt->prim) == DL_SIGNED) v.i = (int64_t) * (ffi_sarg *)rbuf;
    else v.u = (uint64_t) * (ffi_arg *)rbuf;
    if (dl_prim_class(rt->prim) == DL_FLOAT) v.d = *(float *)rbuf; /* float results are not widened */
    dl_scalar_store(rt->prim, narrow, v);
    res = narrow;
  }
  if (!dl_ival_make(INST(cx), rt, res, f->lib, holder, &ret->val.ok.val, err, sizeof err)) {
    rc = wasi_dl_trap(cx, "function.call '%s': %s", f->name, err);
    goto out;
  }
  ret->val.ok.is_some = true;
out:
  for (size_t i = 0; vals && i < n; i++) dl_oval_clear(&vals[i]);
  for (size_t i = 0; bufs && i < n; i++) free(bufs[i]);
  free(bufs);
  free(vals);
  free(avalues);
  free(rbuf);
  dl_alloc_unref(holder);
  return rc;
}

int wasi_dl_dll_method_function_get_alloc(wasi_dl_ctx_t *cx, wasi_dl_dll_borrow_function_t self,
                                          wasi_dl_ffi_own_alloc_t *ret) {
  dl_func_t *f = dl_table_get(INST(cx), self.rep, DLK_FUNCTION);
  if (!f) return wasi_dl_trap(cx, "function.get-alloc: rep %u is not a live function", self.rep);
  char err[DL_ERR];
  if (!dl_lib_alive(f->lib, "function.get-alloc", err, sizeof err)) return wasi_dl_trap(cx, "%s", err);
  dl_alloc_t *a = dl_alloc_opaque(INST(cx), f->addr, f->lib, NULL);
  if (!a) return wasi_dl_trap(cx, "function.get-alloc: out of memory");
  if (!(ret->rep = dl_table_put(INST(cx), DLK_ALLOC, a))) {
    dl_alloc_unref(a);
    return wasi_dl_trap(cx, "function.get-alloc: too many wasi:dl objects");
  }
  return 0;
}
