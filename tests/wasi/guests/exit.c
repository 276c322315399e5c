/* exit.wasm exit|proc_exit|return N: leaves with status N the given way.
** Output written before exiting must not be lost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

int main(int argc, char **argv) {
  if (argc != 3) return 100;
  int n = atoi(argv[2]);
  printf("leaving with %d via %s\n", n, argv[1]);
  if (!strcmp(argv[1], "exit")) exit(n);
  fflush(stdout);
  if (!strcmp(argv[1], "proc_exit")) __wasi_proc_exit((__wasi_exitcode_t)n);
  if (!strcmp(argv[1], "return")) return n;
  return 101;
}
