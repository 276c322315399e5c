/*
** test_policy.c — the wasi:dl allowlist: grammar (every production, blanks,
** both list separators, merging), one-line parse errors naming the entry
** and offset, and the four checks with their refusal messages.
*/
#include <stdio.h>
#include <string.h>

#include "harness.h"

static wp_dl_policy_t *parse(const char *text, char *err, size_t cap) {
  wp_dl_policy_t *p = wp_dl_policy_new();
  if (wp_dl_policy_add(p, text, err, cap)) {
    wp_dl_policy_delete(p);
    return NULL;
  }
  return p;
}

static void bad(const char *text, const char *want) {
  char err[256];
  wp_dl_policy_t *p = parse(text, err, sizeof err);
  CHECK(p == NULL);
  if (!strstr(err, want)) fprintf(stderr, "  '%s': got \"%s\", want \"%s\"\n", text, err, want);
  CHECK(strstr(err, want) != NULL);
  CHECK(strchr(err, '\n') == NULL);
  wp_dl_policy_delete(p);
}

int main(void) {
  char why[256], err[256];

  /* default: deny everything */
  wp_dl_policy_t *p = wp_dl_policy_new();
  CHECK(!wp_dl_policy_allows_library(p, "libc.so.6", why, sizeof why) &&
        !strcmp(why, "wasi:dl: library 'libc.so.6' is not allowlisted (allow it with allow=libc.so.6)"));
  CHECK(!wp_dl_policy_allows_library(p, NULL, why, sizeof why) && strstr(why, "main program is not allowlisted"));
  CHECK(!wp_dl_policy_allows_symbol(p, "libc.so.6", "puts", NULL, 0));
  CHECK(wp_dl_policy_add(p, "", err, sizeof err) == 0 && wp_dl_policy_add(p, NULL, err, sizeof err) == 0);
  CHECK(wp_dl_policy_add(p, " ; ;", err, sizeof err) == 0);
  CHECK(!wp_dl_policy_allows_library(p, "", NULL, 0));
  wp_dl_policy_delete(p);

  /* a bare library allows every symbol of it, nothing of others */
  p = parse("libsqlite3.so.0", err, sizeof err);
  CHECK(p && wp_dl_policy_allows_library(p, "libsqlite3.so.0", NULL, 0));
  CHECK(wp_dl_policy_allows_symbol(p, "libsqlite3.so.0", "sqlite3_open", NULL, 0));
  CHECK(wp_dl_policy_allows_signature(p, "libsqlite3.so.0", "sqlite3_open", "pointer", NULL, NULL, 0));
  CHECK(!wp_dl_policy_allows_library(p, "libsqlite3.so", NULL, 0)); /* names match exactly */
  CHECK(!wp_dl_policy_allows_library(p, NULL, NULL, 0));
  wp_dl_policy_delete(p);

  /* symbols, pins, blanks, both separators, self */
  p = parse(" libx.so : a , b:(c-int + pointer)->  void , c:{c-int,{uint8-t,pointer}}, d:()->c-double ;self:getpid",
            err, sizeof err);
  CHECK(p != NULL);
  if (!p) fprintf(stderr, "  %s\n", err);
  CHECK(wp_dl_policy_allows_symbol(p, "libx.so", "a", NULL, 0));
  CHECK(!wp_dl_policy_allows_symbol(p, "libx.so", "z", why, sizeof why) &&
        !strcmp(why, "wasi:dl: symbol 'z' of library 'libx.so' is not allowlisted (allow it with libx.so:z)"));
  CHECK(wp_dl_policy_allows_signature(p, "libx.so", "a", "c-double,c-int", "pointer", NULL, 0));
  CHECK(wp_dl_policy_allows_signature(p, "libx.so", "b", "c-int,pointer", NULL, NULL, 0));
  CHECK(!wp_dl_policy_allows_signature(p, "libx.so", "b", "c-int,pointer", "c-int", why, sizeof why) &&
        !strcmp(why, "wasi:dl: symbol 'b' of library 'libx.so' is pinned to (c-int,pointer)->void; refused "
                     "signature (c-int,pointer)->c-int"));
  CHECK(!wp_dl_policy_allows_signature(p, "libx.so", "b", "int32-t,pointer", NULL, NULL, 0)); /* by spelling */
  CHECK(wp_dl_policy_allows_variable(p, "libx.so", "c", "{c-int,{uint8-t,pointer}}", NULL, 0));
  CHECK(!wp_dl_policy_allows_variable(p, "libx.so", "c", "c-int", why, sizeof why) && strstr(why, "pinned to type"));
  CHECK(!wp_dl_policy_allows_signature(p, "libx.so", "c", "", NULL, why, sizeof why) &&
        strstr(why, "pinned as a variable"));
  CHECK(!wp_dl_policy_allows_variable(p, "libx.so", "d", "c-double", why, sizeof why) &&
        strstr(why, "pinned as a function"));
  CHECK(wp_dl_policy_allows_signature(p, "libx.so", "d", "", "c-double", NULL, 0));
  CHECK(wp_dl_policy_allows_symbol(p, NULL, "getpid", NULL, 0));
  CHECK(wp_dl_policy_allows_library(p, NULL, NULL, 0));
  CHECK(!wp_dl_policy_allows_library(p, "self", why, sizeof why) && strstr(why, "reserved for the main program"));
  CHECK(!wp_dl_policy_allows_symbol(p, "self", "getpid", NULL, 0));
  CHECK(!wp_dl_policy_allows_symbol(p, NULL, "system", why, sizeof why) && strstr(why, "library 'self'"));
  /* pins only: a pointer to a pinned function keeps the pin; others pass */
  CHECK(wp_dl_policy_pin_matches(p, "libx.so", "zzz", "c-int", NULL, NULL, 0));
  CHECK(!wp_dl_policy_pin_matches(p, "libx.so", "b", "", NULL, NULL, 0));
  CHECK(wp_dl_policy_pin_matches(p, "libother.so", "b", "", NULL, NULL, 0));

  /* merging: more symbols, a bare entry, the same pin again; a different
  ** pin is refused and leaves the policy unchanged */
  CHECK(wp_dl_policy_add(p, "libx.so:e;libx.so:b:(c-int,pointer)->void", err, sizeof err) == 0);
  CHECK(wp_dl_policy_allows_symbol(p, "libx.so", "e", NULL, 0));
  CHECK(wp_dl_policy_add(p, "liby.so;libx.so:b:(c-int)->void", err, sizeof err) == -1 &&
        strstr(err, "symbol 'b' of library 'libx.so' is already pinned differently"));
  CHECK(!wp_dl_policy_allows_library(p, "liby.so", NULL, 0));
  CHECK(wp_dl_policy_add(p, "libx.so", err, sizeof err) == 0);
  CHECK(wp_dl_policy_allows_symbol(p, "libx.so", "anything", NULL, 0));
  CHECK(!wp_dl_policy_allows_signature(p, "libx.so", "b", "", NULL, NULL, 0)); /* pins survive */
  wp_dl_policy_delete(p);

  /* parse errors: one line, the entry, what, where */
  bad("libx.so:", "allow entry 1 'libx.so:': expected a symbol name at offset 8");
  bad("a;libx.so:f:(c-int", "allow entry 2 'libx.so:f:(c-int': expected ',' or ')' at offset 16");
  bad("libx.so:f:(c-int)", "expected '->' after the argument list");
  bad("libx.so:f:(c-int)->", "allow entry 1 'libx.so:f:(c-int)->': expected a type at offset 19");
  bad("libx.so:f:(int)->void", "unknown type 'int' (expected c-int, uint8-t, pointer, ... or {...}) at offset 11");
  bad("libx.so:f:{}", "a struct needs at least one field");
  bad("libx.so:f:{c-int", "expected ',' or '}'");
  bad("libx.so:f:c-int:x", "unexpected ':'");
  bad("libx.so f", "unexpected 'f'");
  bad(":f", "expected a library name or 'self'");
  bad("libx.so:f:(c-int)->c-int,f:(c-uint)->c-int", "pinned twice, differently");
  bad("libx.so:v:{{{{{{{{{{{{{{{{{c-int}}}}}}}}}}}}}}}}}", "structs nested deeper than 16");
  bad("libx.so:a,,b", "expected a symbol name at offset 10");

  printf("dl policy: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
