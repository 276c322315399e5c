/*
** layout.h — THE canonical ABI layout and flattening rules (CanonicalABI.md:
** alignment, elem_size, discriminant_type, flatten_type and its join),
** applied to facts already known for a type's children.
**
** Every representation of a component-level type computes its facts once,
** bottom-up, with these and nothing else: the canonical ABI's descriptors
** (cabi/types.c: wasm32 and native layouts) and the component validator's
** decoded types (component/abi.c: 32- and 64-bit pointers); bindgen asks a
** descriptor (cabi/wit.h).  Header-only, with no dependency, so the
** component layer's objects still link alone.
*/
#ifndef WASMPLUG_CABI_LAYOUT_H
#define WASMPLUG_CABI_LAYOUT_H

#include <stdint.h>

/* Core value types of the flattening. */
typedef enum wp_cabi_core {
  WP_CABI_I32 = 0, WP_CABI_I64 = 1, WP_CABI_CF32 = 2, WP_CABI_CF64 = 3
} wp_cabi_core_t;

/* Flattening longer than this is never needed: it only matters whether a
 * type flattens to <= 16 values; flattenings store at most this many types
 * (their count is kept exactly, saturating at UINT32_MAX). */
#define WP_CABI_FLAT_CAP 17

/* ---------------------------------------------------------------- layout */

static inline uint64_t wp_layout_align_up(uint64_t x, uint64_t align) { return (x + align - 1) & ~(align - 1); }

/* discriminant_type: the bytes of a variant's or enum's case index. */
static inline uint32_t wp_layout_disc_size(uint64_t ncases) {
  return ncases <= 256 ? 1 : ncases <= 65536 ? 2 : 4;
}
/* The bytes of a flags value (at most 32 labels). */
static inline uint32_t wp_layout_flags_size(uint64_t nlabels) {
  return nlabels <= 8 ? 1 : nlabels <= 16 ? 2 : 4;
}

/* Size and alignment, 64-bit so that sums of hostile sizes do not wrap. */
typedef struct wp_layout {
  uint64_t size;
  uint32_t align;
} wp_layout_t;

/* A record or tuple: start from WP_LAYOUT_EMPTY, add the fields in order
** (each returns the field's offset), then end. */
#define WP_LAYOUT_EMPTY ((wp_layout_t){0, 1})
static inline uint64_t wp_layout_field(wp_layout_t *l, uint64_t size, uint32_t align) {
  uint64_t at = wp_layout_align_up(l->size, align);
  l->size = at + size;
  if (align > l->align) l->align = align;
  return at;
}
static inline void wp_layout_fields_end(wp_layout_t *l) { l->size = wp_layout_align_up(l->size, l->align); }

/* A variant-like (variant, option, result): start from WP_LAYOUT_EMPTY,
** add each case's payload (none: skip it), then end, which gives the
** variant's layout and where every payload starts. */
static inline void wp_layout_case(wp_layout_t *max, uint64_t size, uint32_t align) {
  if (size > max->size) max->size = size;
  if (align > max->align) max->align = align;
}
static inline wp_layout_t wp_layout_cases_end(const wp_layout_t *max, uint64_t ncases, uint64_t *payload_offset) {
  uint32_t ds = wp_layout_disc_size(ncases);
  wp_layout_t l = {0, max->align > ds ? max->align : ds};
  uint64_t at = wp_layout_align_up(ds, max->align);
  if (payload_offset) *payload_offset = at;
  l.size = wp_layout_align_up(at + max->size, l.align);
  return l;
}

/* ------------------------------------------------------------ flattening */

/* A flattening under construction: the first WP_CABI_FLAT_CAP types in
** `flat`, the exact count in *n. */
static inline void wp_flat_push(wp_cabi_core_t *flat, uint32_t *n, wp_cabi_core_t t) {
  if (*n < WP_CABI_FLAT_CAP) flat[*n] = t;
  if (*n < UINT32_MAX) (*n)++;
}
/* Appends a child's flattening (its stored types and its count). */
static inline void wp_flat_append(wp_cabi_core_t *flat, uint32_t *n, const wp_cabi_core_t *sub, uint32_t nsub) {
  if (*n < WP_CABI_FLAT_CAP)
    for (uint32_t i = 0; i < nsub && *n + i < WP_CABI_FLAT_CAP; i++) flat[*n + i] = sub[i];
  *n = *n > UINT32_MAX - nsub ? UINT32_MAX : *n + nsub;
}

/* Two cases' types at one position share the narrowest type holding both. */
static inline wp_cabi_core_t wp_flat_join(wp_cabi_core_t a, wp_cabi_core_t b) {
  if (a == b) return a;
  if ((a == WP_CABI_I32 && b == WP_CABI_CF32) || (a == WP_CABI_CF32 && b == WP_CABI_I32)) return WP_CABI_I32;
  return WP_CABI_I64;
}

/* A variant-like: the discriminant, then at each position the join of the
** cases' types there.  Start an empty flattening with *widest = 0, add each
** case with a payload, then end. */
static inline void wp_flat_cases_begin(wp_cabi_core_t *flat, uint32_t *n, uint32_t *widest) {
  *n = 0;
  *widest = 0;
  wp_flat_push(flat, n, WP_CABI_I32);
}
static inline void wp_flat_case(wp_cabi_core_t *flat, uint32_t *n, uint32_t *widest, const wp_cabi_core_t *sub,
                                uint32_t nsub) {
  for (uint32_t k = 0; k < nsub && k + 1 < WP_CABI_FLAT_CAP; k++) {
    if (k + 1 < *n) flat[k + 1] = wp_flat_join(flat[k + 1], sub[k]);
    else flat[(*n)++] = sub[k];
  }
  if (nsub > *widest) *widest = nsub;
}
static inline void wp_flat_cases_end(uint32_t *n, uint32_t widest) {
  *n = widest == UINT32_MAX ? UINT32_MAX : 1 + widest;
}

#endif
