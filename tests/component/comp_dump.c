/*
** comp_dump.c — loads a component file and prints its summary (or the one-
** line error).  A debugging aid for test authors and the fuzz corpus.
*/
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: comp_dump FILE.wasm\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  size_t cap = 1 << 16, len = 0;
  unsigned char *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  if (!buf) return 2;
  char err[1024];
  wp_comp *c;
  if (wp_comp_load(buf, len, argv[1], &c, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    free(buf);
    return 1;
  }
  char *s = comp_summary(c);
  fputs(s, stdout);
  free(s);
  wp_comp_delete(c);
  free(buf);
  return 0;
}
