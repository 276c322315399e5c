/* trap.c — a guest that traps, to show wasmplug's backtraces: `average`
** divides by the number of values it was given, and gets none. */
#include <stdio.h>

__attribute__((noinline)) static int average(const int *v, int n) {
  int sum = 0;
  for (int i = 0; i < n; i++) sum += v[i];
  return sum / n; /* n == 0: integer divide by zero, a trap */
}

__attribute__((noinline)) static int report(const int *v, int n) {
  int a = average(v, n);
  printf("average of %d values: %d\n", n, a);
  return a;
}

int main(int argc, char **argv) {
  (void)argv;
  int values[] = {3, 5, 7};
  report(values, 3);
  return report(values, argc - 1) == 0; /* no arguments: no values */
}
