/*
** load.h — the start path's internal interfaces: loading core modules from
** bytes the caller owns, and code from the cache without copies.  Kept out
** of internal.h, which is part of the translator's identity (a digest of
** its sources, in every cache key): what only changes how a module is
** loaded must not make every cache entry stale.
**
** Bytes the caller owns, for the layers above the core (src/host's
** programs, src/component/rt): the public wasmplug_module_new copies its
** bytes and digests the copy, since an embedder's buffer may change under
** it (a shared mapping of a file); a program's own copy of a file never
** does, so a 10 MB core module of a component need not be copied and
** hashed again (14 MB JavaScript component, warm start: two copies and two
** SHA-256 passes of 13 MB were a third of its CPU time).
*/
#ifndef WASMPLUG_CORE_LOAD_H
#define WASMPLUG_CORE_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* compile.c: the regular file at `path` (not followed if a symbolic link,
** never waited on if a FIFO) copied into a new memfd through a small
** buffer, hashed on the way (`sum`: its SHA-256 in hex), then sealed
** against writes and resizing: what is verified afterwards is what is
** used, whatever happens to the file.  With `map`, *map is a read-only
** view of the copy's *len bytes (a private mapping of the memfd, or for a
** small file the buffer it was copied through), released with
** wp_sealed_view_free.  Returns the memfd, or -1. */
int wp_sealed_copy(const char *path, char sum[65], const uint8_t **map, size_t *len);
void wp_sealed_view_free(const uint8_t *map, size_t len);

/* build.c: wp_build_baseline, but a cached large module's objects are
** sealed memfds (*fds, *nfds; the caller closes them once linked) named
** "/proc/self/fd/N" in *files, not copies written into `dir`: 34 MB of
** objects per start of a 14 MB component were copied through the file
** system.  Only for a tcc in this process (wp_tcc_in_process). */
char *wp_build_baseline_fds(wasmplug_module_t *m, const char *dir, char ***files, int **fds, size_t *nfds);

/* tcc_mem.c: true (libtcc in this process, which can open our
** /proc/self/fd/N); tcc_exec.c: false (the tcc program). */
bool wp_tcc_in_process(void);

/* tcc_mem.c: the C library function `name` that generated code may call
** (translate_rt.c's prelude: memcpy, memmove, memset, malloc, calloc,
** free, the rounding functions, sqrt, _setjmp, longjmp), from this
** program's own libc, or NULL; tcc_exec.c: NULL.  image.c binds a
** statically linked program's objects with it. */
void *wp_libc_symbol(const char *name);

/* A memfd (close-on-exec) holding a copy of `data`, sealed against any
** change when `seal`; -1 on failure (compile.c). */
int wp_memfd_copy(const uint8_t *data, size_t len, bool seal);

#endif
