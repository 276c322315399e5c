/*
** validate.h — shared by the module validator (validate.c) and the
** function body validator (validate_code.c).
*/
#ifndef WP_CORE_VALIDATE_H
#define WP_CORE_VALIDATE_H

#include "reader.h"

/* Implementation limits (the same as the JavaScript embedding's, so a
** module a browser accepts is accepted here too). */
#define WP_MAX_LOCALS 50000u
#define WP_MAX_PARAMS 1000u
#define WP_MAX_RESULTS 1000u
#define WP_MAX_BR_TABLE 65520u
#define WP_MAX_FUNCTIONS 1000000u
#define WP_MAX_BODY_SIZE 7654321u
#define WP_MAX_TABLE_SIZE 10000000u

typedef struct wp_validator {
  const wp_modinfo_t *m;
  wp_reader_t *r;
  const bool *declared; /* functions ref.func may name (C.refs) */
  uint32_t features;    /* out: WP_FEAT_* found in bodies */
} wp_validator_t;

/* Validates defined function `i`'s body (locals and code). */
bool wp_validate_body(wp_validator_t *v, uint32_t i);

/* A block type's parameters and results; `one` holds a single result. */
bool wp_blocktype(const wp_modinfo_t *m, int64_t bt, wasmplug_valkind_t *one,
                  const wasmplug_valkind_t **params, uint32_t *np,
                  const wasmplug_valkind_t **results, uint32_t *nr);

/* The value type a signature letter of the opcode table stands for
** (`addr`: the memory's address type for 'a'). */
wasmplug_valkind_t wp_sig_type(char c, wasmplug_valkind_t addr);

#endif
