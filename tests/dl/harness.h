/*
** harness.h — drives the wasi:dl built-in plugin the way the runtime does:
** through wp_dl_plugin_entry, a fake host API table and the descriptor's
** function table, with parameter and result structs written here BY HAND
** from the native layout rules (src/cabi/cabi.h "Native layout"), never
** taken from the generated header — so these tests check the generated
** glue too.  _Static_asserts pin the offsets the rules give.
*/
#ifndef DL_HARNESS_H
#define DL_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>

#include "dl/dl.h"
#include "../check.h"

/* ---------------------------------------------------- native layouts */

typedef struct { uint8_t *ptr; size_t len; } h_string_t;
/* variant ffi-type { primitive(primitive-type), struct(own<struct-type>) } */
typedef struct { uint8_t tag; union { uint8_t prim; uint32_t rep; } val; } h_ffi_type_t;
/* variant outgoing-value / incoming-value { primitive(own), struct(own) } */
typedef struct { uint8_t tag; union { uint32_t rep; } val; } h_value_t;
typedef struct { h_ffi_type_t *ptr; size_t len; } h_types_t;
typedef struct { h_value_t *ptr; size_t len; } h_values_t;
typedef struct { bool is_some; h_ffi_type_t val; } h_opt_type_t;
typedef struct { bool is_err; } h_res_void_t;
typedef struct { bool is_err; union { uint32_t ok; } val; } h_res_rep_t;
typedef struct { bool is_err; union { uint32_t ok; h_string_t err; } val; } h_res_rep_string_t;
typedef struct { bool is_err; union { h_string_t ok; } val; } h_res_string_t;
typedef struct { bool is_err; union { struct { bool is_some; h_value_t val; } ok; } val; } h_res_opt_value_t;
typedef struct { uint32_t self; } h_self_t;
typedef struct { uint32_t self; uint32_t v; } h_self_rep_t;
typedef struct { uint32_t self; h_string_t v; } h_self_string_t;
typedef struct { uint32_t self; h_values_t args; } h_call_t;
typedef struct { uint32_t self; h_types_t args; h_opt_type_t ret; } h_sig_t;
typedef struct { uint32_t self; h_ffi_type_t ty; } h_self_type_t;
typedef struct { struct { bool is_some; h_string_t val; } name; uint8_t flags; } h_open_t;

_Static_assert(sizeof(h_ffi_type_t) == 8 && offsetof(h_ffi_type_t, val) == 4, "variant: u8 tag, u32 payload");
_Static_assert(offsetof(h_res_rep_string_t, val) == 8 && sizeof(h_res_rep_string_t) == 24, "result<own, string>");
_Static_assert(offsetof(h_sig_t, args) == 8 && offsetof(h_sig_t, ret) == 24 && sizeof(h_sig_t) == 40,
               "params {borrow, list, option<ffi-type>}");
_Static_assert(offsetof(h_open_t, flags) == 24, "params {option<string>, flags}");
_Static_assert(offsetof(h_res_opt_value_t, val.ok.val) == 8 && sizeof(h_res_opt_value_t) == 16,
               "result<option<incoming-value>>");
_Static_assert(offsetof(h_self_string_t, v) == 8, "params {borrow, string}");

/* primitive-type cases (WIT order) */
enum {
  P_SCHAR, P_UCHAR, P_SHORT, P_USHORT, P_INT, P_UINT, P_LONG, P_ULONG, P_LLONG, P_ULLONG, P_FLOAT, P_DOUBLE,
  P_I8, P_I16, P_I32, P_I64, P_U8, P_U16, P_U32, P_U64, P_POINTER
};
enum { F_LAZY = 1, F_NOW = 2, F_GLOBAL = 4, F_LOCAL = 8 };

/* ------------------------------------------------------------ the host */


/* Loads the plugin with `allow` as its option (NULL: the default) and
** makes one instance.  Returns false (with a message in h_last_log) when
** init refuses. */
bool h_start(const char *allow);
void h_stop(void);
/* The last trap message of a call ("" if none) and the last log line. */
extern char h_trap[1024];
extern char h_last_log[1024];

/* Calls "iface#func" (iface "ffi" or "dll"); result zeroed first.  Returns
** the plugin's status (0 ok, WASMPLUG_TRAP). */
int h_call(const char *iface, const char *func, const void *params, void *result, size_t rsize);
void h_drop(const char *iface, const char *resource, uint32_t rep);

/* ------------------------------------------------------------ helpers */

h_ffi_type_t h_prim(uint8_t p);
h_ffi_type_t h_struct(uint32_t rep);
uint32_t h_struct_type(const h_ffi_type_t *fields, size_t n); /* 0 on trap */
uint32_t h_out(uint8_t prim);                                /* outgoing-primitive */
bool h_set_s64(uint32_t o, int64_t v);                       /* true: ok */
bool h_set_u64(uint32_t o, uint64_t v);
bool h_set_f64(uint32_t o, double v);
bool h_set_f32(uint32_t o, float v);
bool h_set_addr(uint32_t o, uint32_t alloc);
h_value_t h_vprim(uint32_t rep);
h_value_t h_vstruct(uint32_t rep);
uint32_t h_out_struct(h_value_t *fields, size_t n);
uint32_t h_alloc(h_ffi_type_t ty); /* 0 on error */
uint32_t h_lib(const char *name, uint8_t flags, char *err, size_t cap); /* 0 and err */
uint32_t h_sym(uint32_t lib, const char *name, char *err, size_t cap);
uint32_t h_func(uint32_t sym, const h_ffi_type_t *args, size_t n, const h_ffi_type_t *ret); /* 0: trapped */
/* Calls; returns 0 ok (out set, out->tag 0xff when none), 1 WIT error, 2 trap. */
int h_invoke(uint32_t fn, h_value_t *args, size_t n, h_value_t *out);
bool h_get_s64(uint32_t in, int64_t *v);
bool h_get_u64(uint32_t in, uint64_t *v);
bool h_get_f64(uint32_t in, double *v);
bool h_get_f32(uint32_t in, float *v);
/* incoming-struct.fields: writes up to cap values; returns the count. */
size_t h_fields(uint32_t in, h_value_t *out, size_t cap);

#endif
