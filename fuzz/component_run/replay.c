/*
** replay.c — runs fuzz_component_run's input function over the files
** named on the command line, without libFuzzer: the security tests
** (tests/security, `security.component_run_seeds`) replay the seed corpus
** and the regression inputs with it on every `make test`, so the harness
** builds and its inputs stay clean in the ordinary build too.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  int n = 0;
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) { perror(argv[i]); return 2; }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(len > 0 ? (size_t)len : 1);
    if (!b || fread(b, 1, (size_t)len, f) != (size_t)len) { perror(argv[i]); return 2; }
    fclose(f);
    LLVMFuzzerTestOneInput(b, (size_t)len);
    free(b);
    n++;
  }
  printf("replayed %d inputs\n", n);
  return 0;
}
