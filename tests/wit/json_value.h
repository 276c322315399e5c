/*
** json_value.h — a tiny JSON reader for the tests: parse to a tree and
** compare two trees as values (object key order does not matter).
*/
#ifndef WP_TEST_JSON_VALUE_H
#define WP_TEST_JSON_VALUE_H

#include <stddef.h>

typedef enum { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ } jv_kind_t;

typedef struct jv {
  jv_kind_t kind;
  double num;
  int b;
  char *str;          /* JV_STR */
  char **keys;        /* JV_OBJ */
  struct jv **items;  /* JV_ARR, JV_OBJ values */
  size_t n;
} jv_t;

/* NULL on syntax error. */
jv_t *jv_parse(const char *text);
void jv_free(jv_t *v);
/* 1 if equal; otherwise 0 and a short description of the first
   difference in `why` (a path like `.types[3].kind`). */
int jv_equal(const jv_t *a, const jv_t *b, char *why, size_t why_len);

#endif
