/*
** flat.h — flattening and flat lower/lift code generation (flat.c), used
** by the guest side.
*/
#ifndef WASMPLUG_BINDGEN_FLAT_H
#define WASMPLUG_BINDGEN_FLAT_H

#include "bindgen/internal.h"
#include "cabi/wit.h"

/* Flat core types are the canonical ABI layer's: every type's flattening
** comes from its descriptor (cabi/wit.h), the one layout/flatten module. */
typedef wp_cabi_core_t bg_core_t;
#define BG_I32 WP_CABI_I32
#define BG_I64 WP_CABI_I64
#define BG_F32 WP_CABI_CF32
#define BG_F64 WP_CABI_CF64

/* Only whether a signature has more than 16 flat params matters, so
** flattenings are stored and counted up to 17 values. */
#define BG_FLAT_CAP WP_CABI_FLAT_CAP
#define BG_MAX_FLAT_PARAMS WP_CABI_MAX_FLAT_PARAMS

/* Stores up to BG_FLAT_CAP core types of t's flattening; returns their
** count, at most BG_FLAT_CAP (0 after bg_fail when t has no descriptor). */
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
