/*
** dl.h — wasi:dl (the dl layer's one public header).
**
** wasi:dl@0.2.0-draft lets a trusted plugin call C libraries through
** dlopen/dlsym and libffi.  It is a *built-in native plugin*: the same ABI
** as third-party plugins (include/wasmplug/plugin.h), so the runtime core
** knows nothing about it; the loader registers wp_dl_plugin_entry as a
** built-in and hands it its configuration like any plugin's.
**
** Policy.  Nothing can be opened unless allowlisted: the plugin reads its
** allowlist from its config option `allow` (default empty: deny all).
** Grammar (docs/wasi-dl.md has examples):
**
**   allow    = [ entry *( ";" entry ) ]            empty entries are skipped
**   entry    = library [ ":" symspec *( LISTSEP symspec ) ]
**   library  = "self" | NAME      "self": library.open(none), the main program;
**                                 NAME: exactly the string given to open,
**                                 e.g. libsqlite3.so.0 or /opt/lib/libx.so
**   symspec  = SYMBOL [ ":" pin ]
**   pin      = "(" [ type *( LISTSEP type ) ] ")" "->" ( type | "void" )
**                                 a function: get-function / from-alloc
**                                 must use exactly this signature
**            | type               a variable: get-alloc must use this type
**   type     = primitive | "{" type *( LISTSEP type ) "}"   (a struct)
**   primitive= c-schar | c-uchar | c-short | c-ushort | c-int | c-uint |
**              c-long | c-ulong | c-long-long | c-ulong-long | c-float |
**              c-double | int8-t | int16-t | int32-t | int64-t | uint8-t |
**              uint16-t | uint32-t | uint64-t | pointer      (the WIT names)
**   LISTSEP  = "," | "+"          '+' exists because `--plugin P,k=v` config
**                                 values cannot contain ','
**
** A library entry without symbols allows every symbol of it; with symbols,
** only those.  Entries for the same library merge (a bare entry wins); the
** same symbol pinned twice differently is an error.  Blanks around tokens
** are ignored.  NAME and SYMBOL are runs of characters other than blanks
** and : ; , + ( ) { }.
**
** Signatures are compared by spelling in canonical form: types as above,
** no blanks, ',' between list items, e.g. "(pointer,pointer)->c-int".
**
** Ownership: wp_dl_policy_new/_delete.  A policy is immutable once built,
** so one policy may be read by many threads.  No global state.
*/
#ifndef WASMPLUG_DL_H
#define WASMPLUG_DL_H

#include <stdbool.h>
#include <stddef.h>

#include "wasmplug/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The built-in plugin's entry point (the shape of wasmplug_plugin_entry_fn).
** Its descriptor is named "wasi-dl", implements wasi:dl/ffi and wasi:dl/dll
** and declares one option, `allow` (a string in the grammar above). */
const wasmplug_plugin_t *wp_dl_plugin_entry(const wasmplug_host_api_t *host);

/* The name of the config option holding the allowlist. */
#define WP_DL_OPTION_ALLOW "allow"

typedef struct wp_dl_policy wp_dl_policy_t;

wp_dl_policy_t *wp_dl_policy_new(void); /* denies everything; NULL on OOM */
void wp_dl_policy_delete(wp_dl_policy_t *p);

/* Adds the entries of `text` (the grammar above; NULL or "" adds nothing).
** Returns 0, or -1 with a one-line message in err (e.g. "allow entry 2
** 'libx.so:f:(c-int': expected ',' or ')' at offset 16") and the policy
** unchanged. */
int wp_dl_policy_add(wp_dl_policy_t *p, const char *text, char *err, size_t errcap);

/* The checks.  `lib` is the library name as given to library.open, or NULL
** for the main program ("self").  Each returns true when allowed; else
** false with a one-line reason naming the library/symbol in `why` (may be
** NULL). */
bool wp_dl_policy_allows_library(const wp_dl_policy_t *p, const char *lib, char *why, size_t whycap);
bool wp_dl_policy_allows_symbol(const wp_dl_policy_t *p, const char *lib, const char *sym, char *why,
                                size_t whycap);
/* `args` is the canonical argument list without parentheses ("c-int,pointer",
** "" for none); `ret` the canonical return type, or NULL for void.  True
** when the symbol is allowed and not pinned, or pinned to this signature. */
bool wp_dl_policy_allows_signature(const wp_dl_policy_t *p, const char *lib, const char *sym, const char *args,
                                   const char *ret, char *why, size_t whycap);
/* A variable reached by symbol.get-alloc(type): the symbol is allowed and
** not pinned, or pinned to this (canonical) type. */
bool wp_dl_policy_allows_variable(const wp_dl_policy_t *p, const char *lib, const char *sym, const char *type,
                                  char *why, size_t whycap);
/* Only the pins: true unless `sym` of `lib` is pinned to something other
** than this signature (used for function pointers C handed out, which the
** symbol allowlist does not cover but a pin still does). */
bool wp_dl_policy_pin_matches(const wp_dl_policy_t *p, const char *lib, const char *sym, const char *args,
                              const char *ret, char *why, size_t whycap);
/* Whether `lib` ("self": NULL) is granted whole (a bare entry), and the
** i-th symbol its entries list (NULL past the last; *pinned: whether it is
** pinned as a function): what an address must
** be compared with, since one function has several names (write and
** __write) and an IFUNC's pointer is its resolved implementation's. */
bool wp_dl_policy_library_whole(const wp_dl_policy_t *p, const char *lib);
const char *wp_dl_policy_listed_symbol(const wp_dl_policy_t *p, const char *lib, size_t i, bool *pinned);
/* Whether any symbol of `lib` is pinned as a function. */
bool wp_dl_policy_library_pins(const wp_dl_policy_t *p, const char *lib);

#ifdef __cplusplus
}
#endif

#endif
