/* json_value.c — see json_value.h. */
#include "json_value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *p;
  int depth;
} jp_t;

static void ws(jp_t *j) {
  while (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r') j->p++;
}

static jv_t *jnew(jv_kind_t k) {
  jv_t *v = calloc(1, sizeof *v);
  if (v) v->kind = k;
  return v;
}

static void put_utf8(char **o, unsigned cp) {
  char *s = *o;
  if (cp < 0x80) {
    *s++ = (char)cp;
  } else if (cp < 0x800) {
    *s++ = (char)(0xC0 | (cp >> 6));
    *s++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *s++ = (char)(0xE0 | (cp >> 12));
    *s++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *s++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *s++ = (char)(0xF0 | (cp >> 18));
    *s++ = (char)(0x80 | ((cp >> 12) & 0x3F));
    *s++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *s++ = (char)(0x80 | (cp & 0x3F));
  }
  *o = s;
}

static char *jstring(jp_t *j) {
  if (*j->p != '"') return NULL;
  j->p++;
  size_t cap = strlen(j->p) + 1;
  char *out = malloc(cap), *o = out;
  if (!out) return NULL;
  while (*j->p && *j->p != '"') {
    if (*j->p == '\\') {
      j->p++;
      char c = *j->p++;
      switch (c) {
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        case 'r': *o++ = '\r'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'u': {
          unsigned cp = 0;
          for (int i = 0; i < 4; i++) {
            char h = *j->p++;
            cp = cp * 16 + (unsigned)(h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
          }
          if (cp >= 0xD800 && cp < 0xDC00 && j->p[0] == '\\' && j->p[1] == 'u') {
            unsigned lo = 0;
            j->p += 2;
            for (int i = 0; i < 4; i++) {
              char h = *j->p++;
              lo = lo * 16 + (unsigned)(h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(&o, cp);
          break;
        }
        case 0: free(out); return NULL;
        default: *o++ = c;
      }
    } else {
      *o++ = *j->p++;
    }
  }
  if (*j->p != '"') {
    free(out);
    return NULL;
  }
  j->p++;
  *o = 0;
  return out;
}

static jv_t *jvalue(jp_t *j);

static int push(jv_t *v, jv_t *item, char *key) {
  jv_t **ni = realloc(v->items, (v->n + 1) * sizeof *ni);
  if (!ni) return -1;
  v->items = ni;
  if (v->kind == JV_OBJ) {
    char **nk = realloc(v->keys, (v->n + 1) * sizeof *nk);
    if (!nk) return -1;
    v->keys = nk;
    v->keys[v->n] = key;
  }
  v->items[v->n++] = item;
  return 0;
}

static jv_t *jvalue(jp_t *j) {
  ws(j);
  if (++j->depth > 500) return NULL;
  jv_t *v = NULL;
  if (*j->p == '{' || *j->p == '[') {
    int obj = *j->p == '{';
    v = jnew(obj ? JV_OBJ : JV_ARR);
    if (!v) return NULL;
    j->p++;
    ws(j);
    if (*j->p == (obj ? '}' : ']')) {
      j->p++;
      j->depth--;
      return v;
    }
    for (;;) {
      char *key = NULL;
      ws(j);
      if (obj) {
        key = jstring(j);
        ws(j);
        if (!key || *j->p != ':') {
          free(key);
          jv_free(v);
          return NULL;
        }
        j->p++;
      }
      jv_t *item = jvalue(j);
      if (!item || push(v, item, key)) {
        free(key);
        jv_free(item);
        jv_free(v);
        return NULL;
      }
      ws(j);
      if (*j->p == ',') {
        j->p++;
        continue;
      }
      if (*j->p == (obj ? '}' : ']')) {
        j->p++;
        break;
      }
      jv_free(v);
      return NULL;
    }
  } else if (*j->p == '"') {
    v = jnew(JV_STR);
    if (v && !(v->str = jstring(j))) {
      free(v);
      v = NULL;
    }
  } else if (!strncmp(j->p, "null", 4)) {
    v = jnew(JV_NULL);
    j->p += 4;
  } else if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "false", 5)) {
    v = jnew(JV_BOOL);
    if (v) v->b = *j->p == 't';
    j->p += *j->p == 't' ? 4 : 5;
  } else {
    char *end;
    double d = strtod(j->p, &end);
    if (end == j->p) return NULL;
    v = jnew(JV_NUM);
    if (v) v->num = d;
    j->p = end;
  }
  j->depth--;
  return v;
}

jv_t *jv_parse(const char *text) {
  jp_t j = {text, 0};
  jv_t *v = jvalue(&j);
  if (!v) return NULL;
  ws(&j);
  if (*j.p) {
    jv_free(v);
    return NULL;
  }
  return v;
}

void jv_free(jv_t *v) {
  if (!v) return;
  for (size_t i = 0; i < v->n; i++) {
    jv_free(v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->str);
  free(v);
}

static int eq(const jv_t *a, const jv_t *b, char *path, size_t plen, size_t cap) {
  if (a->kind != b->kind) return 0;
  switch (a->kind) {
    case JV_NULL: return 1;
    case JV_BOOL: return a->b == b->b;
    case JV_NUM: return a->num == b->num;
    case JV_STR: return !strcmp(a->str, b->str);
    case JV_ARR:
      if (a->n != b->n) return 0;
      for (size_t i = 0; i < a->n; i++) {
        snprintf(path + plen, cap - plen, "[%zu]", i);
        if (!eq(a->items[i], b->items[i], path, strlen(path), cap)) return 0;
      }
      path[plen] = 0;
      return 1;
    case JV_OBJ:
      if (a->n != b->n) return 0;
      for (size_t i = 0; i < a->n; i++) {
        size_t k;
        for (k = 0; k < b->n; k++)
          if (!strcmp(a->keys[i], b->keys[k])) break;
        snprintf(path + plen, cap - plen, ".%s", a->keys[i]);
        if (k == b->n) return 0;
        if (!eq(a->items[i], b->items[k], path, strlen(path), cap)) return 0;
      }
      path[plen] = 0;
      return 1;
  }
  return 0;
}

int jv_equal(const jv_t *a, const jv_t *b, char *why, size_t why_len) {
  char path[512];
  path[0] = 0;
  int r = eq(a, b, path, 0, sizeof path);
  if (!r && why) snprintf(why, why_len, "differs at %s", path[0] ? path : "(root)");
  return r;
}
