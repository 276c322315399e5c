/* Writes one line to stdout and one to stderr. */
#include <stdio.h>

int main(void) {
  printf("hello, world\n");
  fprintf(stderr, "hello, stderr\n");
  return 0;
}
