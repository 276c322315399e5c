/* trap.wasm KIND: makes the guest trap in the named way. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

typedef int (*fn1_t)(int);
typedef int (*fn2_t)(int, int);

__attribute__((noinline)) int one_arg(int x) { return x + 1; }

volatile int zero = 0, minus_one = -1, int_min = INT_MIN;
volatile float not_a_number = __builtin_nanf("");
void *volatile fnptr = (void *)one_arg;
void *volatile nullfn = 0;
volatile int sink;

/* Recursion that clang cannot turn into a loop (the result is used
** twice) and that keeps no frame in linear memory, so it exhausts the
** native call stack rather than wrapping __stack_pointer. */
__attribute__((noinline)) int recurse(int n) {
  if (n == -1) return 0;
  int r = recurse(n + 1);
  sink = r;
  return r ^ n;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  const char *k = argv[1];
  printf("about to trap: %s\n", k);
  fflush(stdout);
  if (!strcmp(k, "unreachable")) __builtin_trap();
  if (!strcmp(k, "divzero")) sink = 7 / zero;
  if (!strcmp(k, "overflow")) sink = int_min / minus_one;
  if (!strcmp(k, "conversion"))
    sink = __builtin_wasm_trunc_s_i32_f32(not_a_number);
  if (!strcmp(k, "oob")) *(volatile int *)0xFFFFFFF0u = 1;
  if (!strcmp(k, "stack")) sink = recurse(0);
  if (!strcmp(k, "indirect")) sink = ((fn2_t)fnptr)(1, 2);
  if (!strcmp(k, "null")) sink = ((fn1_t)nullfn)(1);
  printf("did not trap\n");
  return 0;
}
