/*
** compose_internal.h — `wasmplug compose` (issue 8), internal to
** src/host/compose_*.c.
*/
#ifndef WASMPLUG_PLUGIN_COMPOSE_INTERNAL_H
#define WASMPLUG_PLUGIN_COMPOSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* compose_write.c: what the component encoders write (compose, component
** new): an unsigned LEB128, a name (length then bytes), and a section (id,
** size, then `count` followed by the body's entries; count < 0: the body
** alone, for sections without a vector). */
void wp_compose_leb(wp_buf_t *b, uint64_t v);
/* A signed LEB128 (s33 type indices, i32.const operands). */
void wp_compose_sleb(wp_buf_t *b, int64_t v);
void wp_compose_str(wp_buf_t *b, const char *s, size_t n);
void wp_compose_section(wp_buf_t *out, uint8_t id, long count, const wp_buf_t *body);

/* compose_skip.c: the byte length of the type definition at p (0 when
** malformed or using what an interface type never needs); *escapes is set
** when it aliases a type outside itself. */
size_t wp_compose_type_len(const uint8_t *p, size_t avail, bool *escapes);

#endif
