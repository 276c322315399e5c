/*
** version.c — semantic versions (semver 2.0) as used in package names and
** @since/@deprecated gates: validation and precedence.
*/
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int is_alnum_h(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* Parses one numeric core component; no leading zeros. */
static const char *core_num(const char *p, const char **why) {
  if (!(*p >= '0' && *p <= '9')) {
    *why = "expected a number";
    return NULL;
  }
  if (*p == '0' && p[1] >= '0' && p[1] <= '9') {
    *why = "invalid leading zero";
    return NULL;
  }
  int digits = 0;
  while (*p >= '0' && *p <= '9') p++, digits++;
  if (digits > 19) {
    *why = "value out of range";
    return NULL;
  }
  return p;
}

/* Dot-separated identifiers; numeric ones must not have leading zeros
   when `pre` is set. */
static const char *idents(const char *p, int pre, const char **why) {
  for (;;) {
    const char *s = p;
    int numeric = 1;
    while (is_alnum_h(*p)) {
      if (!(*p >= '0' && *p <= '9')) numeric = 0;
      p++;
    }
    if (p == s) {
      *why = "empty identifier segment";
      return NULL;
    }
    if (pre && numeric && *s == '0' && p - s > 1) {
      *why = "invalid leading zero in pre-release identifier";
      return NULL;
    }
    if (*p != '.') return p;
    p++;
  }
}

int wp_wit_version_check(const char *s, const char **why) {
  const char *p = s;
  for (int i = 0; i < 3; i++) {
    p = core_num(p, why);
    if (!p) return -1;
    if (i < 2) {
      if (*p != '.') {
        *why = "unexpected end of input while parsing version";
        return -1;
      }
      p++;
    }
  }
  if (*p == '-') {
    p = idents(p + 1, 1, why);
    if (!p) return -1;
  }
  if (*p == '+') {
    p = idents(p + 1, 0, why);
    if (!p) return -1;
  }
  if (*p) {
    *why = "unexpected character after version";
    return -1;
  }
  return 0;
}

static int cmp_num(const char **a, const char **b) {
  unsigned long long x = strtoull(*a, (char **)a, 10), y = strtoull(*b, (char **)b, 10);
  return x < y ? -1 : x > y;
}

/* Compares dot-separated identifier lists ending at '+' or NUL. */
static int cmp_idents(const char *a, const char *b) {
  for (;;) {
    int ea = !*a || *a == '+', eb = !*b || *b == '+';
    if (ea || eb) return ea && eb ? 0 : ea ? -1 : 1;
    size_t la = strcspn(a, ".+"), lb = strcspn(b, ".+");
    int na = strspn(a, "0123456789") == la, nb = strspn(b, "0123456789") == lb;
    int c;
    if (na && nb) {
      c = la != lb ? (la < lb ? -1 : 1) : strncmp(a, b, la);
    } else if (na != nb) {
      c = na ? -1 : 1;
    } else {
      size_t m = la < lb ? la : lb;
      c = strncmp(a, b, m);
      if (!c && la != lb) c = la < lb ? -1 : 1;
    }
    if (c) return c < 0 ? -1 : 1;
    a += la;
    b += lb;
    if (*a == '.') a++;
    if (*b == '.') b++;
  }
}

int wp_wit_version_cmp(const char *a, const char *b) {
  for (int i = 0; i < 3; i++) {
    int c = cmp_num(&a, &b);
    if (c) return c;
    if (*a == '.') a++;
    if (*b == '.') b++;
  }
  int pa = *a == '-', pb = *b == '-';
  if (pa != pb) return pa ? -1 : 1; /* a pre-release precedes the release */
  if (pa) {
    int c = cmp_idents(a + 1, b + 1);
    if (c) return c;
    a += strcspn(a, "+");
    b += strcspn(b, "+");
  }
  int ba = *a == '+', bb = *b == '+';
  if (ba != bb) return ba ? 1 : -1;
  if (ba) return cmp_idents(a + 1, b + 1);
  return 0;
}
