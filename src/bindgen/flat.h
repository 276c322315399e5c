/*
** flat.h — flattening and flat lower/lift code generation (flat.c), used
** by the guest side.
*/
#ifndef WASMPLUG_BINDGEN_FLAT_H
#define WASMPLUG_BINDGEN_FLAT_H

#include "bindgen/internal.h"

typedef enum { BG_I32 = 0, BG_I64, BG_F32, BG_F64 } bg_core_t;

/* Only whether a signature has more than 16 flat params matters, so
** flattenings are stored up to 17 values; the count is exact. */
#define BG_FLAT_CAP 17
#define BG_MAX_FLAT_PARAMS 16

/* Stores up to BG_FLAT_CAP core types of t's flattening; returns the count. */
int bg_flat(bg_t *g, wp_wit_type_t t, bg_core_t *out);
const char *bg_core_ctype(bg_core_t c);
/* Emits code storing the C value `expr` of type t into slots f<k>..;
** returns the next free slot. */
int bg_lower(bg_t *g, wp_buf_t *c, wp_wit_type_t t, const char *expr, const bg_core_t *slots, int k,
             const char *ind);
/* Emits code setting the C lvalue `dest` of type t from slots f<k>..;
** returns the next slot. */
int bg_lift(bg_t *g, wp_buf_t *c, wp_wit_type_t t, const char *dest, const bg_core_t *slots, int k,
            const char *ind);

#endif
