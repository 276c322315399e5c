/*
** compose_internal.h — `wasmplug compose` (issue 8), internal to
** src/host/compose_*.c.
*/
#ifndef WASMPLUG_PLUGIN_COMPOSE_INTERNAL_H
#define WASMPLUG_PLUGIN_COMPOSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* compose_skip.c: the byte length of the type definition at p (0 when
** malformed or using what an interface type never needs); *escapes is set
** when it aliases a type outside itself. */
size_t wp_compose_type_len(const uint8_t *p, size_t avail, bool *escapes);

#endif
