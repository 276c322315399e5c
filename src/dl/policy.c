/*
** policy.c — the wasi:dl allowlist checks (grammar in dl.h; parsing in
** policy_parse.c).  Default deny: a library or symbol is allowed only by an
** entry naming it.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl/policy_internal.h"

wp_dl_policy_t *wp_dl_policy_new(void) { return calloc(1, sizeof(wp_dl_policy_t)); }

void dl_policy_clear(wp_dl_policy_t *p) {
  for (size_t i = 0; i < p->nlibs; i++) {
    dl_pol_lib_t *l = &p->libs[i];
    for (size_t j = 0; j < l->nsyms; j++) {
      free(l->syms[j].name);
      free(l->syms[j].args);
      free(l->syms[j].type);
    }
    free(l->syms);
    free(l->name);
  }
  free(p->libs);
  memset(p, 0, sizeof *p);
}

void wp_dl_policy_delete(wp_dl_policy_t *p) {
  if (!p) return;
  dl_policy_clear(p);
  free(p);
}

dl_pol_lib_t *dl_policy_find_lib(const wp_dl_policy_t *p, const char *name) {
  for (size_t i = 0; i < p->nlibs; i++)
    if (!strcmp(p->libs[i].name, name)) return &p->libs[i];
  return NULL;
}

dl_pol_sym_t *dl_policy_find_sym(const dl_pol_lib_t *l, const char *name) {
  for (size_t i = 0; i < l->nsyms; i++)
    if (!strcmp(l->syms[i].name, name)) return &l->syms[i];
  return NULL;
}

static void say(char *why, size_t cap, const char *fmt, const char *a, const char *b, const char *c,
                const char *d) {
  if (why && cap) snprintf(why, cap, fmt, a, b, c, d);
}

#define LIBNAME(lib) ((lib) ? (lib) : "self")

bool wp_dl_policy_allows_library(const wp_dl_policy_t *p, const char *lib, char *why, size_t whycap) {
  /* "self" names the main program in the allowlist; a library file called
  ** that must not ride on a `self` entry */
  if (lib && !strcmp(lib, "self")) {
    say(why, whycap, "wasi:dl: library name 'self' is reserved for the main program (open it with none)%s%s%s%s",
        "", "", "", "");
    return false;
  }
  if (p && dl_policy_find_lib(p, LIBNAME(lib))) return true;
  if (lib)
    say(why, whycap, "wasi:dl: library '%s' is not allowlisted (allow it with allow=%s)%s%s", lib, lib, "", "");
  else
    say(why, whycap, "wasi:dl: the main program is not allowlisted (allow it with the entry 'self')%s%s%s%s", "",
        "", "", "");
  return false;
}

/* The symbol's policy entry, or NULL with `why` said.  *all is set when
** the library is allowed as a whole (no entry for the symbol needed). */
static const dl_pol_sym_t *find(const wp_dl_policy_t *p, const char *lib, const char *sym, bool *ok, char *why,
                                size_t whycap) {
  *ok = false;
  if (!wp_dl_policy_allows_library(p, lib, why, whycap)) return NULL;
  const dl_pol_lib_t *l = dl_policy_find_lib(p, LIBNAME(lib));
  const dl_pol_sym_t *s = dl_policy_find_sym(l, sym);
  if (s || l->all) {
    *ok = true;
    return s;
  }
  say(why, whycap, "wasi:dl: symbol '%s' of library '%s' is not allowlisted (allow it with %s:%s)", sym,
      LIBNAME(lib), LIBNAME(lib), sym);
  return NULL;
}

bool wp_dl_policy_allows_symbol(const wp_dl_policy_t *p, const char *lib, const char *sym, char *why,
                                size_t whycap) {
  bool ok;
  (void)find(p, lib, sym, &ok, why, whycap);
  return ok;
}

static bool pin_ok(const dl_pol_sym_t *s, const char *lib, const char *args, const char *ret, char *why,
                   size_t whycap) {
  if (!s || s->pin == DL_PIN_NONE) return true;
  char want[512], got[512];
  if (s->pin == DL_PIN_VARIABLE) {
    say(why, whycap, "wasi:dl: symbol '%s' of library '%s' is pinned as a variable of type %s, not a function%s",
        s->name, LIBNAME(lib), s->type, "");
    return false;
  }
  snprintf(want, sizeof want, "(%s)->%s", s->args, s->type ? s->type : "void");
  snprintf(got, sizeof got, "(%s)->%s", args ? args : "", ret ? ret : "void");
  if (!strcmp(want, got)) return true;
  say(why, whycap, "wasi:dl: symbol '%s' of library '%s' is pinned to %s; refused signature %s", s->name,
      LIBNAME(lib), want, got);
  return false;
}

bool wp_dl_policy_allows_signature(const wp_dl_policy_t *p, const char *lib, const char *sym, const char *args,
                                   const char *ret, char *why, size_t whycap) {
  bool ok;
  const dl_pol_sym_t *s = find(p, lib, sym, &ok, why, whycap);
  return ok && pin_ok(s, lib, args, ret, why, whycap);
}

bool wp_dl_policy_pin_matches(const wp_dl_policy_t *p, const char *lib, const char *sym, const char *args,
                              const char *ret, char *why, size_t whycap) {
  const dl_pol_lib_t *l = p ? dl_policy_find_lib(p, LIBNAME(lib)) : NULL;
  if (!l || !sym) return true;
  return pin_ok(dl_policy_find_sym(l, sym), lib, args, ret, why, whycap);
}

bool wp_dl_policy_allows_variable(const wp_dl_policy_t *p, const char *lib, const char *sym, const char *type,
                                  char *why, size_t whycap) {
  bool ok;
  const dl_pol_sym_t *s = find(p, lib, sym, &ok, why, whycap);
  if (!ok) return false;
  if (!s || s->pin == DL_PIN_NONE) return true;
  if (s->pin == DL_PIN_FUNCTION) {
    say(why, whycap, "wasi:dl: symbol '%s' of library '%s' is pinned as a function (%s), not a variable%s",
        s->name, LIBNAME(lib), s->args, "");
    return false;
  }
  if (!strcmp(s->type, type)) return true;
  say(why, whycap, "wasi:dl: variable '%s' of library '%s' is pinned to type %s; refused type %s", s->name,
      LIBNAME(lib), s->type, type);
  return false;
}

bool wp_dl_policy_library_whole(const wp_dl_policy_t *p, const char *lib) {
  const dl_pol_lib_t *l = p ? dl_policy_find_lib(p, LIBNAME(lib)) : NULL;
  return l && l->all;
}

const char *wp_dl_policy_listed_symbol(const wp_dl_policy_t *p, const char *lib, size_t i, bool *pinned) {
  const dl_pol_lib_t *l = p ? dl_policy_find_lib(p, LIBNAME(lib)) : NULL;
  if (!l || i >= l->nsyms) return NULL;
  *pinned = l->syms[i].pin == DL_PIN_FUNCTION;
  return l->syms[i].name;
}

bool wp_dl_policy_library_pins(const wp_dl_policy_t *p, const char *lib) {
  const dl_pol_lib_t *l = p ? dl_policy_find_lib(p, LIBNAME(lib)) : NULL;
  for (size_t i = 0; l && i < l->nsyms; i++)
    if (l->syms[i].pin == DL_PIN_FUNCTION) return true;
  return false;
}
