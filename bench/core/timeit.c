/*
** timeit.c — wall time of a whole process, median of N runs.
**
** usage: timeit N OUTFILE COMMAND [ARGS...]
**
** Runs COMMAND N times (fork + execvp, so no shell is timed), each time with
** its stdout written to OUTFILE (truncated) and its stderr to OUTFILE.err,
** and prints "MEDIAN MIN MAX CPU RSS" (seconds; RSS in MiB) on one line: the median,
** fastest and slowest wall time, and the median CPU time (user + system of
** the child and everything it waited for), then the peak resident size in
** MiB of the largest single process among the child and its descendants
** (maxrss, the largest over the runs).  CPU time is shown because the
** bench machine may be shared: wall time then includes waiting for a core.  Fails (status 1,
** message on stderr) as soon as a run exits non-zero or dies, so a benchmark
** never reports the time of a run that did not do its work.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../bench_util.h"

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: timeit N OUTFILE COMMAND [ARGS...]\n");
    return 2;
  }
  int n = atoi(argv[1]);
  if (n < 1 || n > 1000) {
    fprintf(stderr, "timeit: N must be 1..1000, got '%s'\n", argv[1]);
    return 2;
  }
  const char *out = argv[2];
  char err[4096];
  snprintf(err, sizeof err, "%s.err", out);
  double *t = malloc((size_t)n * sizeof *t), *cpu = malloc((size_t)n * sizeof *cpu);
  if (!t || !cpu) return 1;
  long maxrss = 0;
  for (int i = 0; i < n; i++) {
    double t0 = bench_clock(CLOCK_MONOTONIC);
    pid_t pid = fork();
    if (pid < 0) {
      fprintf(stderr, "timeit: fork: %s\n", strerror(errno));
      return 1;
    }
    if (pid == 0) {
      int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fo < 0 || fe < 0) _exit(126);
      dup2(fo, 1);
      dup2(fe, 2);
      close(fo);
      close(fe);
      execvp(argv[3], argv + 3);
      _exit(127);
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
      if (errno != EINTR) {
        fprintf(stderr, "timeit: waitpid: %s\n", strerror(errno));
        return 1;
      }
    t[i] = bench_clock(CLOCK_MONOTONIC) - t0;
    cpu[i] = bench_rusage_cpu(&ru);
    if (ru.ru_maxrss > maxrss) maxrss = ru.ru_maxrss;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      if (WIFEXITED(status))
        fprintf(stderr, "timeit: %s exited with status %d (stderr in %s)\n", argv[3],
                WEXITSTATUS(status), err);
      else
        fprintf(stderr, "timeit: %s died with signal %d (stderr in %s)\n", argv[3],
                WTERMSIG(status), err);
      return 1;
    }
  }
  double median = bench_median(t, (size_t)n), cmedian = bench_median(cpu, (size_t)n);
  printf("%.4f %.4f %.4f %.4f %.1f\n", median, t[0], t[n - 1], cmedian, (double)maxrss / 1024);
  free(t);
  free(cpu);
  return 0;
}
