/*
** policy_internal.h — the allowlist's representation, shared by the parser
** (policy_parse.c) and the checks (policy.c).  Not part of the layer's API.
*/
#ifndef WP_DL_POLICY_INTERNAL_H
#define WP_DL_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "dl/dl.h"

typedef enum { DL_PIN_NONE = 0, DL_PIN_FUNCTION, DL_PIN_VARIABLE } dl_pin_kind_t;

typedef struct dl_pol_sym {
  char *name;
  dl_pin_kind_t pin;
  char *args; /* function: canonical argument list ("" for none) */
  char *type; /* function: return type (NULL: void); variable: its type */
} dl_pol_sym_t;

typedef struct dl_pol_lib {
  char *name; /* "self" for the main program */
  bool all;   /* a bare entry: every symbol */
  dl_pol_sym_t *syms;
  size_t nsyms, capsyms;
} dl_pol_lib_t;

struct wp_dl_policy {
  dl_pol_lib_t *libs;
  size_t nlibs, caplibs;
};

/* Frees what a policy owns (not p itself). */
void dl_policy_clear(wp_dl_policy_t *p);
dl_pol_lib_t *dl_policy_find_lib(const wp_dl_policy_t *p, const char *name);
dl_pol_sym_t *dl_policy_find_sym(const dl_pol_lib_t *l, const char *name);

/* True when `name` is a primitive-type name of wasi:dl/ffi. */
bool dl_policy_is_primitive(const char *name, size_t len);

#endif
