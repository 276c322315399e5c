/*
** image.h — wasmplug's own loader for the shared objects it compiled
** (image.c): cache entries of the optimized tier, artifacts, hot objects.
*/
#ifndef WASMPLUG_CORE_IMAGE_H
#define WASMPLUG_CORE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct wp_image wp_image_t;

/* Maps the ELF shared object held by the sealed memfd `memfd` (len bytes,
** seen at `view`: the same bytes, already passed by wp_trust_check_elf),
** relocates it and protects its segments.  On success *out owns memfd;
** on failure (an error naming `name`) memfd is still the caller's. */
char *wp_image_load(const char *name, int memfd, const uint8_t *view, size_t len, wp_image_t **out);
/* The address of the object's defined dynamic symbol `sym`, or NULL. */
void *wp_image_symbol(const wp_image_t *im, const char *sym);
/* What backtraces need: the load bias (added to the file's addresses) and
** the memfd holding the file (its symbol table). */
uintptr_t wp_image_bias(const wp_image_t *im);
int wp_image_fd(const wp_image_t *im);
void wp_image_delete(wp_image_t *im); /* and closes the memfd */
void wp_image_unload(wp_image_t *im); /* the memfd goes back to wp_image_load's caller */

#endif
