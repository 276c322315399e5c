/*
** inplace.h — loading core modules from bytes the caller owns, for the
** layers above the core (src/host's programs, src/component/rt): the
** public wasmplug_module_new copies its bytes and digests the copy, since an
** embedder's buffer may change under it (a shared mapping of a file); a
** program's own copy of a file never does, so a 10 MB core module of a
** component need not be copied and hashed again (14 MB JavaScript
** component, warm start: two copies and two SHA-256 passes of 13 MB were a
** third of its CPU time).
*/
#ifndef WASMPLUG_CORE_INPLACE_H
#define WASMPLUG_CORE_INPLACE_H

#include "wasmplug.h"

/* wasmplug_module_new for `bytes` that outlive the module and that nothing
** changes while it lives: used where they are, not copied.  `digest`, when
** not NULL, is their module digest, computed already from these very bytes
** by wp_engine_validate_digest (so validated or vouched for by a ticket in
** this process); NULL: computed here. */
wasmplug_error_t *wp_module_new_inplace(wasmplug_engine_t *engine, const uint8_t *bytes, size_t len,
                                        const char *name, const uint8_t digest[32], wasmplug_module_t **out);

/* wasmplug_engine_validate_module, also giving the digest of the bytes
** it validated (or whose ticket it verified). */
wasmplug_error_t *wp_engine_validate_digest(wasmplug_engine_t *engine, const uint8_t *bytes, size_t len,
                                            const char *name, uint8_t digest[32]);

/* wasmplug_module_validate of bytes whose digest `d` the caller computed
** (check.c). */
wasmplug_error_t *wp_module_validate_digested(const uint8_t *bytes, size_t len, const char *name,
                                              const uint8_t d[32]);

#endif
