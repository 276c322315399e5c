/*
** internal.h — the wasi:dl plugin's objects (not part of the layer's API).
**
** Every resource the guest holds is a slot of the instance's table (table.c):
** the rep is (generation << DL_REP_BITS | index + 1), so a stale or foreign
** rep is recognised instead of reaching freed memory.  Objects shared
** across resources are reference counted:
**   dl_type_t  an ffi type description (primitive or struct);
**   dl_lib_t   an opened library: symbols, functions, globals and pointers
**              C returned hold a reference and check `open` before each use,
**              so dropping the library (which dlcloses it) makes them fail
**              cleanly instead of touching unmapped memory;
**   dl_alloc_t a memory region: the table holds one reference, an
**              outgoing pointer made by set-addr another, so the memory
**              lives as long as a value that points to it.
** Provenance: the only place wasi:dl itself follows a pointer is
** read-string.  So that it never follows one into memory it freed, every
** pointer the guest stores keeps its target alive (the storing alloc's
** `kept` list: set-addr targets, string copies), and every value derived
** from memory (read-*, call results, get-alloc) keeps its source alive
** (`src`).  A pointer found in such a chain (or in a live alloc) is read
** within that region's bounds; any other pointer came from C and is
** trusted to be a C string, as C itself would.
*/
#ifndef WP_DL_INTERNAL_H
#define WP_DL_INTERNAL_H

#include <ffi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dl/dl.h"
#include "wasi_dl.h"

/* ------------------------------------------------------------ plugin */

typedef struct dl_plugin {
  const wasmplug_host_api_t *host;
  const wasmplug_plugin_config_t *config;
  wp_dl_policy_t *policy; /* immutable after init: shared by instances */
} dl_plugin_t;

/* ------------------------------------------------------------- types */

/* Struct limits: generous for real C APIs, small enough that a hostile
** description cannot make the host allocate without bound. */
#define DL_MAX_FIELDS 256
#define DL_MAX_DEPTH 16
#define DL_MAX_SIZE ((size_t)1 << 24)

typedef struct dl_type {
  uint32_t refs;
  bool is_struct;
  uint8_t prim; /* WASI_DL_FFI_PRIMITIVE_TYPE_* (when !is_struct) */
  uint32_t nfields;
  struct dl_type **fields;
  size_t *offsets;
  ffi_type ffi;     /* struct: its libffi description */
  ffi_type **elems; /* struct: NULL-terminated element list */
  size_t size, align;
  uint32_t depth;
} dl_type_t;

/* Value classes of primitives: what a value may be converted from/to. */
typedef enum { DL_SIGNED, DL_UNSIGNED, DL_FLOAT, DL_POINTER } dl_class_t;

bool dl_prim_valid(uint8_t prim);
dl_class_t dl_prim_class(uint8_t prim);
size_t dl_prim_size(uint8_t prim);
const char *dl_prim_name(uint8_t prim);
ffi_type *dl_prim_ffi(uint8_t prim);

dl_type_t *dl_type_prim(uint8_t prim); /* NULL on OOM */
/* Builds a struct from field types (takes no references: adds its own).
** NULL with a message in err. */
dl_type_t *dl_type_struct(dl_type_t *const *fields, uint32_t n, char *err, size_t errcap);
dl_type_t *dl_type_ref(dl_type_t *t);
void dl_type_unref(dl_type_t *t);
ffi_type *dl_type_ffi(dl_type_t *t);
/* Same C representation (class and size, recursively for structs). */
bool dl_type_compatible(const dl_type_t *a, const dl_type_t *b);
/* Canonical spelling (dl.h): "c-int", "{c-int,pointer}".  Returns false
** when it does not fit in cap. */
bool dl_type_spell(const dl_type_t *t, char *buf, size_t cap);

/* ----------------------------------------------------------- scalars */

typedef union dl_scalar {
  int64_t i;
  uint64_t u;
  double d; /* c-float values are kept as the exact double of the float */
  void *p;
} dl_scalar_t;

/* Stores / loads a primitive of type prim at mem (mem is aligned). */
void dl_scalar_store(uint8_t prim, void *mem, dl_scalar_t v);
dl_scalar_t dl_scalar_load(uint8_t prim, const void *mem);
/* Converts an s64/u64/f64 given through a typed setter into a value of
** prim; false (with err) when it does not fit or the kinds differ. */
bool dl_scalar_from_int(uint8_t prim, bool is_signed, uint64_t bits, dl_scalar_t *out, char *err, size_t cap);
bool dl_scalar_from_float(uint8_t prim, double v, bool was_f32, dl_scalar_t *out, char *err, size_t cap);
/* Reads a value of prim as the integer type of `bits` width and
** signedness (range checked), or as a float. */
bool dl_scalar_to_int(uint8_t prim, dl_scalar_t v, bool want_signed, unsigned bits, uint64_t *out, char *err,
                      size_t cap);
bool dl_scalar_to_float(uint8_t prim, dl_scalar_t v, bool want_f32, double *out, char *err, size_t cap);

/* ---------------------------------------------------------- libraries */

typedef struct dl_lib {
  uint32_t refs;
  void *handle;  /* NULL once closed */
  bool open;     /* false once the guest dropped the library */
  char *name;    /* as allowlisted; "self" for the main program */
  bool is_self;
} dl_lib_t;

dl_lib_t *dl_lib_ref(dl_lib_t *l);
void dl_lib_unref(dl_lib_t *l);
/* dlcloses, marks closed, drops the table's reference. */
void dl_lib_close(dl_lib_t *l);

typedef struct dl_symbol {
  dl_lib_t *lib;
  char *name;
  void *addr;
} dl_symbol_t;

/* -------------------------------------------------------------- allocs */

struct dl_instance;

typedef struct dl_alloc {
  uint32_t refs;
  dl_type_t *ty;  /* NULL for string copies and provenance holders */
  uint8_t *mem;   /* the region, NULL when opaque or a holder */
  size_t size;    /* its bytes */
  bool owned;     /* mem is ours (freed with the last reference) */
  bool opaque;    /* a pointer C handed out: `ptr`, no accessible region */
  bool read_only; /* a global in read-only memory (const, RELRO) */
  void *ptr;      /* opaque: the pointer */
  dl_lib_t *lib;  /* globals and pointers from a library: must stay open */
  struct dl_alloc *src;    /* opaque: what its pointer may point into */
  struct dl_alloc **kept;  /* allocs whose addresses were stored in this one */
  size_t nkept, capkept;
  /* every alloc of an instance is on its list, so teardown can free
  ** reference cycles (an alloc storing a pointer to another and back) */
  struct dl_instance *inst;
  struct dl_alloc *prev, *next;
} dl_alloc_t;

dl_alloc_t *dl_alloc_ref(dl_alloc_t *a);
void dl_alloc_unref(dl_alloc_t *a);
/* New objects (one reference each), NULL on OOM. */
dl_alloc_t *dl_alloc_new(struct dl_instance *in); /* empty: fill the fields */
dl_alloc_t *dl_alloc_owned(struct dl_instance *in, dl_type_t *ty);
dl_alloc_t *dl_alloc_opaque(struct dl_instance *in, void *ptr, dl_lib_t *lib, dl_alloc_t *src);
/* a keeps t alive (no-op for t == a or NULL); false on OOM. */
bool dl_alloc_keep(dl_alloc_t *a, dl_alloc_t *t);
/* Frees every alloc still on the instance's list (teardown). */
void dl_alloc_free_all(struct dl_instance *in);
/* The address an outgoing pointer made from `a` passes: the region, or
** for an opaque alloc the pointer itself. */
void *dl_alloc_address(const dl_alloc_t *a);

/* -------------------------------------------------------------- values */

typedef struct dl_oprim {
  uint8_t prim;
  bool set;
  dl_scalar_t v;
  dl_alloc_t *target; /* set-addr: the alloc pointed to (a reference) */
} dl_oprim_t;

typedef struct dl_oval {
  bool is_struct;
  dl_oprim_t prim;
  uint32_t nfields;
  struct dl_oval *fields;
} dl_oval_t;

void dl_oval_clear(dl_oval_t *v);
/* dest keeps every alloc v points to (set-addr targets); false on OOM. */
bool dl_oval_keep_targets(const dl_oval_t *v, dl_alloc_t *dest);
/* Checks v against ty and writes it at mem (ty's layout).  false with err
** when shapes differ, a primitive is unset or a pointee is gone. */
bool dl_oval_store(const dl_oval_t *v, const dl_type_t *ty, void *mem, char *err, size_t cap);

typedef struct dl_iprim {
  uint8_t prim;
  dl_scalar_t v;
  dl_lib_t *lib;   /* where a pointer came from (may be NULL) */
  dl_alloc_t *src; /* what a pointer may point into (may be NULL) */
} dl_iprim_t;

typedef struct dl_istruct {
  dl_type_t *ty;
  uint8_t *bytes; /* a copy of the struct */
  dl_lib_t *lib;
  dl_alloc_t *src;
} dl_istruct_t;

typedef struct dl_func {
  void *addr;
  dl_lib_t *lib; /* NULL never: every callable comes from an open library */
  char *name;    /* for messages */
  ffi_cif cif;
  uint32_t nargs;
  dl_type_t **args;
  ffi_type **atypes;
  dl_type_t *ret; /* NULL: void */
} dl_func_t;

void dl_func_free(dl_func_t *f);
/* Makes a function (cif prepared); NULL with err. Takes references. */
dl_func_t *dl_func_new(void *addr, dl_lib_t *lib, const char *name, dl_type_t *const *args, uint32_t nargs,
                       dl_type_t *ret, char *err, size_t cap);

/* -------------------------------------------------------------- table */

typedef enum {
  DLK_FREE = 0,
  DLK_ALLOC,
  DLK_STRUCT_TYPE,
  DLK_OUT_PRIM,
  DLK_OUT_STRUCT,
  DLK_IN_PRIM,
  DLK_IN_STRUCT,
  DLK_FUNCTION,
  DLK_SYMBOL,
  DLK_LIBRARY,
} dl_kind_t;

#define DL_REP_BITS 20
#define DL_MAX_OBJECTS ((1u << DL_REP_BITS) - 1)

typedef struct dl_slot {
  dl_kind_t kind;
  uint32_t gen;
  void *obj;
} dl_slot_t;

typedef struct dl_instance {
  dl_plugin_t *plugin;
  dl_slot_t *slots;
  uint32_t nslots, cap;
  uint32_t free_head; /* index+1 of a free slot chained through obj; 0: none */
  dl_alloc_t *allocs; /* every live alloc (see dl_alloc_t) */
} dl_instance_t;

/* Stores obj; returns its rep, or 0 when the table is full / OOM. */
uint32_t dl_table_put(dl_instance_t *in, dl_kind_t kind, void *obj);
/* The object of a live rep of that kind, else NULL. */
void *dl_table_get(dl_instance_t *in, uint32_t rep, dl_kind_t kind);
/* Removes a live rep and returns its object (NULL if stale/foreign). */
void *dl_table_take(dl_instance_t *in, uint32_t rep, dl_kind_t kind);
/* Frees the object of any kind (what a destructor does). */
void dl_object_free(dl_kind_t kind, void *obj);
/* Destroys every object left (instance teardown). */
void dl_table_clear(dl_instance_t *in);
const char *dl_kind_name(dl_kind_t kind);

/* ------------------------------------------------------------ helpers */

/* Resolves a WIT ffi-type to a type, consuming any own<struct-type> in it
** (the WIT passes them by ownership).  NULL with err. */
dl_type_t *dl_type_from_wit(dl_instance_t *in, const wasi_dl_ffi_ffi_type_t *t, char *err, size_t cap);
/* Takes an own<outgoing-value> out of the table into v. */
bool dl_oval_take(dl_instance_t *in, const wasi_dl_ffi_outgoing_value_t *w, dl_oval_t *v, char *err, size_t cap);
/* Makes an incoming-value for a value of type ty at mem, keeping lib and
** src (its provenance, may be NULL). */
bool dl_ival_make(dl_instance_t *in, const dl_type_t *ty, const void *mem, dl_lib_t *lib, dl_alloc_t *src,
                  wasi_dl_ffi_incoming_value_t *out, char *err, size_t cap);
/* Logs why a payload-less WIT error was returned (debug level). */
void dl_note(wasi_dl_ctx_t *cx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* True when the library is still open; else a message in err. */
bool dl_lib_alive(const dl_lib_t *l, const char *what, char *err, size_t cap);
/* The allowlist's pins that apply to code address `addr` of library `l`:
** those of every listed symbol that resolves to it (by address, so
** aliases and IFUNCs cannot step around a pin).  *listed tells whether
** any listed symbol resolves there, *pinned whether a pinned one does.
** False (err set) when a pin refuses the signature (`args`, `ret` as for
** wp_dl_policy_pin_matches). */
bool dl_pins_by_address(wasi_dl_ctx_t *cx, const dl_lib_t *l, const void *addr, const char *args, const char *ret,
                        bool *listed, bool *pinned, char *err, size_t cap);

/* Signatures (library.c): takes the ffi-types of args/ret (consuming
** struct-type handles, all of them even on failure); frees; spells them in
** the policy's canonical form. */
bool dl_signature_take(dl_instance_t *in, const wasi_dl_list_ffi_type_t *args, const wasi_dl_option_ffi_type_t *ret,
                       dl_type_t ***argt, dl_type_t **rett, char *err, size_t cap);
void dl_signature_free(dl_type_t **argt, size_t n, dl_type_t *rett);
bool dl_signature_spell(dl_type_t *const *argt, size_t n, const dl_type_t *rett, char *args, size_t acap, char *ret,
                        size_t rcap);

/* True when [p, p+len) lies inside one loadable segment of a loaded
** object; says whether that segment is executable / writable now. */
bool dl_segment_of(const void *p, size_t len, bool *exec, bool *writable);

/* Replaces bytes that are not valid UTF-8 (a truncated message, a file
** name from dlerror) by '?': strings given to the guest must be UTF-8. */
void dl_utf8_sanitize(char *s);

#define DL_ERR 256

#endif
