/* Prints the whole environment, in order, then whether HOME leaked in. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(void) {
  int n = 0;
  for (char **e = environ; e && *e; e++, n++) printf("%s\n", *e);
  printf("count=%d\n", n);
  printf("HOME is %s\n", getenv("HOME") ? "set" : "unset");
  return 0;
}
