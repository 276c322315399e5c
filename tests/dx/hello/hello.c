/* hello.c — a plain C command for `wasmplug component new` with the
** preview1 command adapter. */
#include <stdio.h>

int main(int argc, char **argv) {
  printf("hello from a C command:");
  for (int i = 1; i < argc; i++) printf(" %s", argv[i]);
  printf("\n");
  return argc > 1 ? 0 : 3;
}
