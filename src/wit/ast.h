/*
** ast.h — the syntax tree of one WIT file (parser.c builds it,
** unresolved.c turns it into an unresolved package).  All nodes live in
** the context's scratch arena.
*/
#ifndef WASMPLUG_WIT_AST_H
#define WASMPLUG_WIT_AST_H

#include "internal.h"

typedef struct {
  const char *name; /* NULL when absent */
  wp_wit_span_t span;
} ast_id_t;

typedef struct {
  const char **lines; /* raw comment texts, in order */
  uint32_t n_lines;
  wp_wit_span_t span;
} ast_docs_t;

typedef enum { ATTR_SINCE, ATTR_UNSTABLE, ATTR_DEPRECATED, ATTR_EXTERNAL_ID } ast_attr_kind_t;

typedef struct {
  ast_attr_kind_t kind;
  wp_wit_span_t span;
  const char *value; /* version text, feature name or external id */
} ast_attr_t;

typedef struct {
  ast_attr_t *items;
  uint32_t n;
} ast_attrs_t;

typedef struct {
  ast_id_t ns, name;
  const char *version; /* NULL if none */
  wp_wit_span_t span;
  ast_docs_t docs;
} ast_pkgname_t;

/* `foo` or `ns:pkg/foo@1.0.0` */
typedef struct {
  int is_pkg;
  ast_pkgname_t pkg;
  ast_id_t name;
} ast_path_t;

typedef enum {
  AT_BOOL, AT_U8, AT_U16, AT_U32, AT_U64, AT_S8, AT_S16, AT_S32, AT_S64, AT_F32, AT_F64,
  AT_CHAR, AT_STRING, AT_ERROR_CONTEXT,
  AT_NAME, AT_LIST, AT_MAP, AT_FIXED_LIST, AT_OWN, AT_BORROW, AT_RESOURCE, AT_RECORD,
  AT_FLAGS, AT_VARIANT, AT_TUPLE, AT_ENUM, AT_OPTION, AT_RESULT, AT_FUTURE, AT_STREAM
} ast_type_kind_t;

typedef struct ast_type ast_type_t;
typedef struct ast_func ast_func_t;

typedef struct {
  ast_docs_t docs;
  ast_id_t name;
  ast_type_t *type; /* NULL for flags, enum cases, payload-less cases */
} ast_field_t;

typedef struct {
  ast_id_t name;
  ast_type_t *type;
} ast_param_t;

struct ast_func {
  wp_wit_span_t span;
  int async;
  ast_param_t *params;
  uint32_t n_params;
  ast_type_t *result; /* NULL if none */
};

typedef enum { RF_METHOD, RF_STATIC, RF_CONSTRUCTOR } ast_rfunc_kind_t;

typedef struct {
  ast_docs_t docs;
  ast_attrs_t attrs;
  ast_id_t name;
  ast_func_t func;
} ast_named_func_t;

typedef struct {
  ast_rfunc_kind_t kind;
  ast_named_func_t f;
} ast_rfunc_t;

struct ast_type {
  ast_type_kind_t kind;
  wp_wit_span_t span;
  ast_id_t name;          /* NAME, OWN, BORROW */
  ast_type_t *a, *b;      /* elem / key+value / ok+err; NULL when absent */
  uint32_t size;          /* FIXED_LIST */
  ast_field_t *fields;    /* RECORD, FLAGS, VARIANT, ENUM */
  uint32_t n_fields;
  ast_type_t **types;     /* TUPLE */
  uint32_t n_types;
  ast_rfunc_t *funcs;     /* RESOURCE */
  uint32_t n_funcs;
};

typedef struct {
  ast_docs_t docs;
  ast_attrs_t attrs;
  ast_id_t name;
  ast_type_t *type;
} ast_typedef_t;

typedef struct {
  ast_id_t name, as; /* as.name NULL if absent */
} ast_use_name_t;

typedef struct {
  ast_attrs_t attrs;
  ast_path_t from;
  ast_use_name_t *names;
  uint32_t n_names;
} ast_use_t;

typedef enum { II_TYPEDEF, II_FUNC, II_USE } ast_iitem_kind_t;

typedef struct {
  ast_iitem_kind_t kind;
  ast_typedef_t td;
  ast_named_func_t func;
  ast_use_t use;
} ast_iitem_t;

typedef enum { EK_INTERFACE, EK_PATH, EK_FUNC, EK_NAMED_PATH } ast_extern_kind_t;

typedef struct {
  ast_extern_kind_t kind;
  ast_id_t id; /* INTERFACE, FUNC, NAMED_PATH label */
  ast_iitem_t *items;
  uint32_t n_items;
  ast_path_t path;
  ast_func_t func;
} ast_extern_t;

typedef enum { WI_IMPORT, WI_EXPORT, WI_USE, WI_TYPE, WI_INCLUDE } ast_witem_kind_t;

typedef struct {
  ast_witem_kind_t kind;
  ast_docs_t docs;
  ast_attrs_t attrs;
  ast_extern_t ext;   /* IMPORT, EXPORT */
  ast_use_t use;      /* USE */
  ast_typedef_t td;   /* TYPE */
  ast_path_t from;    /* INCLUDE */
  ast_use_name_t *names; /* INCLUDE `with { a as b }` */
  uint32_t n_names;
} ast_witem_t;

typedef struct {
  ast_docs_t docs;
  ast_attrs_t attrs;
  ast_id_t name;
  ast_iitem_t *items;
  uint32_t n_items;
} ast_interface_t;

typedef struct {
  ast_docs_t docs;
  ast_attrs_t attrs;
  ast_id_t name;
  ast_witem_t *items;
  uint32_t n_items;
} ast_world_t;

typedef struct ast_file ast_file_t;

typedef enum { AI_INTERFACE, AI_WORLD, AI_USE, AI_PACKAGE } ast_item_kind_t;

typedef struct {
  ast_item_kind_t kind;
  ast_interface_t iface;
  ast_world_t world;
  /* top-level use */
  wp_wit_span_t use_span;
  ast_attrs_t use_attrs;
  ast_path_t use_path;
  ast_id_t use_as;
  ast_file_t *pkg; /* nested package */
} ast_item_t;

struct ast_file {
  int has_pkg;
  ast_pkgname_t pkg;
  ast_item_t *items;
  uint32_t n_items;
};

/* Parses one source into a file (nested packages included as items). */
ast_file_t *wp_wit_parse_file(wp_wit_ctx_t *cx, const char *src, uint32_t len, uint32_t base);

/* ---- unresolved packages (unresolved.c) ---- */
typedef struct {
  const char *name;
  int is_world;
  uint32_t id;
  wp_wit_stability_t *stabs;
  uint32_t n_stabs;
} wp_wit_fdep_item_t;

typedef struct {
  wp_wit_package_name_t name;
  wp_wit_span_t span;
  wp_wit_fdep_item_t *items;
  uint32_t n_items;
} wp_wit_fdep_t;

typedef struct {
  uint32_t id;
  wp_wit_span_t span;
} wp_wit_req_res_t;

struct wp_wit_include {
  wp_wit_stability_t stability;
  uint32_t world;
  ast_use_name_t *names; /* name -> as */
  uint32_t n_names;
  wp_wit_span_t span;
};

struct wp_wit_unresolved {
  wp_wit_package_name_t name;
  wp_wit_span_t name_span;
  const char *docs;
  wp_wit_typedef_t *types;
  uint32_t n_types;
  wp_wit_interface_t *interfaces;
  uint32_t n_interfaces;
  wp_wit_world_t *worlds;
  uint32_t n_worlds;
  wp_wit_fdep_t *fdeps;
  uint32_t n_fdeps;
  wp_wit_span_t *unknown_spans; /* per leading Unknown type */
  uint32_t n_unknown_spans;
  wp_wit_req_res_t *req_res;
  uint32_t n_req_res;
};

/* Resolves the files of one package into an unresolved package. */
wp_wit_unresolved_t *wp_wit_ast_resolve(wp_wit_ctx_t *cx, ast_file_t **files, uint32_t n);

int wp_wit_pkgname_eq(const wp_wit_package_name_t *a, const wp_wit_package_name_t *b);
int wp_wit_pkgname_cmp(const wp_wit_package_name_t *a, const wp_wit_package_name_t *b);
char *wp_wit_pkgname_str(wp_wit_ctx_t *cx, const wp_wit_package_name_t *n);

#endif
