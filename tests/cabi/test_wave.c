/*
 * test_wave.c -- WAVE parsing and printing for every value type, call
 * syntax for --invoke, and precise parse errors.
 */
#include "harness.h"

#include <math.h>

static wp_cabi_types_t *T;
#define P(k) wp_cabi_type_prim(T, WP_CABI_##k)

/* Parses `in`, prints, and expects `out` (NULL: same as in). */
static void rt(const wp_cabi_type_t *ty, const char *in, const char *out, int line) {
  wp_cabi_val_t v;
  wp_cabi_error_t *e = wp_cabi_wave_parse(ty, in, strlen(in), &v);
  checks++;
  if (e) {
    failures++;
    fprintf(stderr, "line %d: parse '%s': %s\n", line, in, wp_cabi_error_message(e));
    wp_cabi_error_delete(e);
    return;
  }
  char *s = NULL;
  e = wp_cabi_wave_print(ty, &v, &s);
  checks++;
  if (e || strcmp(s, out ? out : in)) {
    failures++;
    fprintf(stderr, "line %d: '%s' printed as '%s', expected '%s'\n", line, in, s ? s : wp_cabi_error_message(e),
            out ? out : in);
  }
  wp_cabi_error_delete(e);
  free(s);
  wp_cabi_val_drop(&v);
}
#define RT(ty, in, out) rt(ty, in, out, __LINE__)

static void bad(const wp_cabi_type_t *ty, const char *in, const char *want, int line) {
  wp_cabi_val_t v;
  wp_cabi_error_t *e = wp_cabi_wave_parse(ty, in, strlen(in), &v);
  checks++;
  if (!e || !strstr(wp_cabi_error_message(e), want)) {
    failures++;
    fprintf(stderr, "line %d: parse '%s': got \"%s\", expected \"%s\"\n", line, in,
            e ? wp_cabi_error_message(e) : "(success)", want);
  }
  if (e) wp_cabi_error_delete(e);
  else wp_cabi_val_drop(&v);
}
#define BAD(ty, in, want) bad(ty, in, want, __LINE__)

static void test_scalars(void) {
  RT(P(BOOL), "true", NULL);
  RT(P(BOOL), "  false // comment\n", "false");
  RT(P(U8), "255", NULL);
  BAD(P(U8), "256", "at offset 0: 256 is out of range for u8");
  BAD(P(U8), "-1", "-1 is out of range for u8");
  RT(P(S8), "-128", NULL);
  BAD(P(S8), "-129", "out of range for s8");
  RT(P(S16), "-32768", NULL);
  RT(P(U16), "65535", NULL);
  RT(P(S32), "-2147483648", NULL);
  RT(P(U32), "4294967295", NULL);
  RT(P(S64), "-9223372036854775808", NULL);
  RT(P(S64), "9223372036854775807", NULL);
  BAD(P(S64), "9223372036854775808", "out of range for s64");
  RT(P(U64), "18446744073709551615", NULL);
  BAD(P(U64), "18446744073709551616", "out of range for u64");
  BAD(P(U32), "1.5", "expected an integer");
  BAD(P(U32), "x", "at offset 0: expected an integer");
  RT(P(F64), "3.14", NULL);
  RT(P(F64), "6.022e+23", NULL);
  RT(P(F64), "-0", NULL);
  RT(P(F64), "nan", NULL);
  RT(P(F64), "inf", NULL);
  RT(P(F64), "-inf", NULL);
  RT(P(F32), "0.1", NULL);
  RT(P(F32), "16777216", NULL);
  RT(P(F64), "1e-300", NULL);
  BAD(P(F64), "1.", "expected digits after '.'");
  BAD(P(F64), "0x10", "unexpected text after the value");
  BAD(P(F64), "infinity", "expected a number");
  RT(P(CHAR), "'x'", NULL);
  RT(P(CHAR), "'\xe2\x98\x83'", NULL); /* snowman as UTF-8 text */
  RT(P(CHAR), "'\\''", NULL);
  RT(P(CHAR), "'\\u{0}'", NULL);
  RT(P(CHAR), "'\\u{1F600}'", "'\xf0\x9f\x98\x80'");
  RT(P(CHAR), "'\"'", NULL);
  BAD(P(CHAR), "''", "empty char literal");
  BAD(P(CHAR), "'ab'", "expected closing");
  BAD(P(CHAR), "'\\u{d800}'", "not a Unicode scalar value");
  BAD(P(CHAR), "'\\q'", "unknown escape");
  RT(P(STRING), "\"abc\\t123\"", NULL);
  RT(P(STRING), "\"quote \\\" backslash \\\\ nl \\n cr \\r\"", NULL);
  RT(P(STRING), "\"it's\"", NULL);
  RT(P(STRING), "\"\\u{7f}\\u{1}\"", NULL);
  RT(P(STRING), "\"\xf0\x9f\x91\x8b hi\"", NULL);
  BAD(P(STRING), "\"abc", "unterminated string");
  BAD(P(STRING), "\"a\nb\"", "newline in string");
  /* multiline strings */
  RT(P(STRING), "\"\"\"\nA single line\n\"\"\"", "\"A single line\"");
  RT(P(STRING), "\"\"\"\n    Indentation determined\n      by ending delimiter\n  \"\"\"",
     "\"  Indentation determined\\n    by ending delimiter\"");
  RT(P(STRING), "\"\"\"\r\n  cr \\r\r\n  quotes \"\"\\\"\"\r\n  \"\"\"", "\"cr \\r\\nquotes \\\"\\\"\\\"\\\"\"");
  RT(P(STRING), "\"\"\"\n  a\n\n  b\n  \"\"\"", "\"a\\n\\nb\"");
  BAD(P(STRING), "\"\"\"x\n\"\"\"", "must start with a line break");
  BAD(P(STRING), "\"\"\"\n  a\n b\n  \"\"\"", "indented less than the closing quotes");
  BAD(P(STRING), "\"\"\"\n  a \"\"\"", "closing quotes of a multiline string must be on their own line");
  BAD(P(STRING), "\"\"\"\n  a", "unterminated multiline string");
  BAD(P(CHAR), "'\n'", "newline in char literal must be escaped");
  BAD(P(STRING), "\"\xff\"", "invalid UTF-8");
}

static void test_compound(void) {
  RT(wp_cabi_type_list(T, P(U32)), "[1, 2, 3]", NULL);
  RT(wp_cabi_type_list(T, P(U32)), "[ 1 ,2,3, ]", "[1, 2, 3]");
  RT(wp_cabi_type_list(T, P(U32)), "[]", NULL);
  BAD(wp_cabi_type_list(T, P(U32)), "[1, 2", "at offset 5: expected ']'");
  const wp_cabi_type_t *tu = wp_cabi_type_tuple(T, 2, (const wp_cabi_type_t *[]){P(STRING), P(U8)});
  RT(tu, "(\"abc\", 123)", NULL);
  BAD(tu, "(\"abc\")", "too few tuple elements");
  BAD(tu, "(\"abc\", 1, 2)", "too many tuple elements");
  const wp_cabi_type_t *r = wp_cabi_type_record(
      T, 3, (const char *[]){"field-a", "field-b", "opt"},
      (const wp_cabi_type_t *[]){P(U8), P(STRING), wp_cabi_type_option(T, P(U8))});
  RT(r, "{field-a: 1, field-b: \"two\", opt: some(3)}", NULL);
  RT(r, "{field-b: \"two\", field-a: 1}", "{field-a: 1, field-b: \"two\", opt: none}");
  BAD(r, "{field-a: 1}", "missing field 'field-b'");
  BAD(r, "{field-a: 1, nope: 2}", "at offset 13: unknown field 'nope'");
  BAD(r, "{field-a: 1, field-a: 2, field-b: \"\"}", "duplicate field 'field-a'");
  const char *vn[] = {"days", "forever", "none"};
  const wp_cabi_type_t *v = wp_cabi_type_variant(T, 3, vn, (const wp_cabi_type_t *[]){P(U32), NULL, NULL});
  RT(v, "days(30)", NULL);
  RT(v, "forever", NULL);
  RT(v, "%none", NULL); /* a case named like a keyword */
  BAD(v, "days", "case 'days' needs a payload in parentheses");
  BAD(v, "forever(1)", "case 'forever' takes no payload");
  BAD(v, "weeks(1)", "unknown case 'weeks'");
  const wp_cabi_type_t *en = wp_cabi_type_enum(T, 4, (const char *[]){"north", "south", "west", "ok"});
  RT(en, "south", NULL);
  RT(en, "%ok", NULL);
  const wp_cabi_type_t *o = wp_cabi_type_option(T, P(STRING));
  RT(o, "some(\"explicit some\")", NULL);
  RT(o, "\"flat some\"", "some(\"flat some\")");
  RT(o, "none", NULL);
  const wp_cabi_type_t *oo = wp_cabi_type_option(T, wp_cabi_type_option(T, P(U8)));
  RT(oo, "some(none)", NULL);
  RT(oo, "some(some(1))", NULL);
  BAD(oo, "1", "expected 'some' or 'none'"); /* no flat form for nested options */
  BAD(wp_cabi_type_result(T, wp_cabi_type_option(T, P(U8)), NULL), "none", "expected 'ok' or 'err'");
  const wp_cabi_type_t *allopt = wp_cabi_type_record(T, 1, (const char *[]){"optional"},
                                                     (const wp_cabi_type_t *[]){wp_cabi_type_option(T, P(U8))});
  RT(allopt, "{:}", "{optional: none}");
  RT(allopt, "{%optional: 5,}", "{optional: some(5)}");
  BAD(r, "{:}", "missing field 'field-a'");
  const wp_cabi_type_t *res = wp_cabi_type_result(T, P(STRING), P(STRING));
  RT(res, "ok(\"explicit ok\")", NULL);
  RT(res, "\"flat ok\"", "ok(\"flat ok\")");
  RT(res, "err(\"oops\")", NULL);
  RT(wp_cabi_type_result(T, NULL, NULL), "ok", NULL);
  RT(wp_cabi_type_result(T, NULL, P(U8)), "err(2)", NULL);
  BAD(wp_cabi_type_result(T, NULL, NULL), "ok(1)", "case 'ok' takes no payload");
  const wp_cabi_type_t *fl = wp_cabi_type_flags(T, 3, (const char *[]){"read", "write", "exec"});
  RT(fl, "{read, write}", NULL);
  RT(fl, "{exec, read}", "{read, exec}");
  RT(fl, "{}", NULL);
  BAD(fl, "{read, read}", "duplicate flag 'read'");
  BAD(fl, "{delete}", "unknown flag 'delete'");
  /* nested */
  const wp_cabi_type_t *n = wp_cabi_type_list(T, wp_cabi_type_record(T, 2, (const char *[]){"k", "v"},
      (const wp_cabi_type_t *[]){P(STRING), wp_cabi_type_list(T, v)}));
  RT(n, "[{k: \"a\", v: [days(1), forever]}, {k: \"\", v: []}]", NULL);
  BAD(P(U8), "1 2", "at offset 2: unexpected text after the value");
  const wp_cabi_resource_t *rr = wp_cabi_resource_type(T, "r", NULL, NULL, NULL);
  BAD(wp_cabi_type_own(T, rr), "1", "resource handles have no WAVE encoding");
  /* deep nesting is refused, not a stack overflow */
  const wp_cabi_type_t *deep = P(U8);
  for (int i = 0; i < 99; i++) deep = wp_cabi_type_option(T, deep);
  char buf[2000] = "";
  for (int i = 0; i < 99; i++) strcat(buf, "some(");
  strcat(buf, "1");
  for (int i = 0; i < 99; i++) strcat(buf, ")");
  RT(deep, buf, NULL);
}

static void test_calls(void) {
  const char *text = "f(1, \"x\", [some(2), none])";
  size_t nl, al;
  const char *args;
  OK(wp_cabi_wave_split_call(text, strlen(text), &nl, &args, &al));
  CHECK_EQ(nl, 1);
  CHECK(al == strlen("1, \"x\", [some(2), none]") && !memcmp(args, "1, \"x\"", 6));
  const wp_cabi_type_t *ps[3] = {P(U32), P(STRING), wp_cabi_type_list(T, wp_cabi_type_option(T, P(U8)))};
  wp_cabi_func_t f = {3, NULL, ps, NULL};
  wp_cabi_val_t vals[3];
  OK(wp_cabi_wave_parse_args(&f, args, al, 0, vals));
  CHECK_EQ(vals[0].of.u32, 1);
  CHECK(vals[1].of.str.len == 1 && vals[1].of.str.ptr[0] == 'x');
  CHECK_EQ(vals[2].of.list.len, 2);
  CHECK(vals[2].of.list.items[0].of.var.disc == 1 && vals[2].of.list.items[0].of.var.payload->of.u8 == 2);
  CHECK(vals[2].of.list.items[1].of.var.disc == 0);
  for (int i = 0; i < 3; i++) wp_cabi_val_drop(&vals[i]);
  const char *t2 = "wasi:cli/run@0.2.0#run()";
  OK(wp_cabi_wave_split_call(t2, strlen(t2), &nl, &args, &al));
  CHECK_EQ(nl, strlen("wasi:cli/run@0.2.0#run"));
  CHECK_EQ(al, 0);
  wp_cabi_func_t f0 = {0, NULL, NULL, NULL};
  OK(wp_cabi_wave_parse_args(&f0, args, al, 0, NULL));
  FAILS(wp_cabi_wave_parse_args(&f0, "1", 1, 0, NULL), "the function takes no arguments");
  FAILS(wp_cabi_wave_parse_args(&f, "1, \"x\"", 6, 0, vals), "at offset 6: expected ','");
  /* offsets count from the call's start (base: where the args begin) */
  FAILS(wp_cabi_wave_parse_args(&f, "1, \"x\"", 6, 2, vals), "at offset 8: expected ','");
  /* trailing option params may be omitted */
  const wp_cabi_type_t *op = wp_cabi_type_option(T, P(U8));
  wp_cabi_func_t fo = {3, NULL, (const wp_cabi_type_t *[]){op, op, op}, NULL};
  OK(wp_cabi_wave_parse_args(&fo, "some(1)", 7, 0, vals));
  CHECK(vals[0].of.var.disc == 1 && vals[1].kind == WP_CABI_OPTION && vals[1].of.var.disc == 0 && vals[2].of.var.disc == 0);
  for (int i = 0; i < 3; i++) wp_cabi_val_drop(&vals[i]);
  OK(wp_cabi_wave_parse_args(&fo, " ", 1, 0, vals));
  CHECK(vals[0].kind == WP_CABI_OPTION && vals[0].of.var.disc == 0 && vals[2].of.var.disc == 0);
  for (int i = 0; i < 3; i++) wp_cabi_val_drop(&vals[i]);
  FAILS(wp_cabi_wave_parse_args(&f, "1, \"x\", [], 4", 13, 0, vals), "too many arguments");
  FAILS(wp_cabi_wave_split_call("f(1", 3, &nl, &args, &al), "expected ')' at the end of the call");
  FAILS(wp_cabi_wave_split_call("noparens", 8, &nl, &args, &al), "expected a call like 'name(args)'");
  FAILS(wp_cabi_wave_split_call("f x(1)", 6, &nl, &args, &al), "unexpected character in function name");
}

int main(void) {
  T = wp_cabi_types_new();
  test_scalars();
  test_compound();
  test_calls();
  wp_cabi_types_delete(T);
  return t_done("cabi_wave");
}
