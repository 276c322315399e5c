/* hello.c — a command guest: main() becomes the export wasi:cli/run. */
#include <stdio.h>

int main(int argc, char **argv) {
  printf("hello from a component (%d args)\n", argc);
  (void)argv;
  return 0;
}
