/*
** timeit.c — wall time of a whole process, median of N runs.
**
** usage: timeit N OUTFILE COMMAND [ARGS...]
**
** Runs COMMAND N times (fork + execvp, so no shell is timed), each time with
** its stdout written to OUTFILE (truncated) and its stderr to OUTFILE.err
** (both opened and truncated before the clock starts: see run_once),
** and prints "MEDIAN MIN MAX CPU RSS" (seconds; RSS in MiB) on one line: the median,
** fastest and slowest wall time, and the median CPU time (user + system of
** the child and everything it waited for), then the peak resident size in
** MiB of the largest single process among the child and its descendants
** (maxrss, the largest over the runs).  CPU time is shown because the
** bench machine may be shared: wall time then includes waiting for a core.  Fails (status 1,
** message on stderr) as soon as a run exits non-zero or dies, so a benchmark
** never reports the time of a run that did not do its work.
**
** usage: timeit --pair N OUT_A OUT_B COMMAND_A... ::: COMMAND_B...
**
** Runs A and B alternately, N times each (A, B, A, B...), and prints one
** such line for A, then one for B: a ratio of the two is then measured
** under the same load, moment by moment (the machine may be shared).
**
** usage: timeit --reap OUTFILE COMMAND [ARGS...]
**
** Runs COMMAND once as a subreaper (PR_SET_CHILD_SUBREAPER), so the
** detached processes it leaves (a tier-up builder) become timeit's to wait
** for, and prints "FIRST ALL CPU RSS": the command's wall time, the wall
** time until its last descendant ended, the CPU time of all of them, the
** peak resident size in MiB of the largest.
*/
#include <sys/prctl.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../bench_util.h"

typedef struct series {
  const char *out;
  char err[4096];
  char **argv;
  double *t, *cpu;
  long maxrss;
} series_t;

/* One run of s's command; false (message printed) if it failed.
**
** The output files are the timer's: opened (truncated) before the clock
** starts and closed after it stops, the command given copies of them.
** Truncating a file the previous run wrote frees its blocks (on a file
** system mounted with `discard`, ext4 waits for the device's discard
** there) and marks it for a write-back at its last close (ext4's
** auto_da_alloc); opened in the child, that was timed as the command's
** own wall and CPU time — paid by every command that writes output, never
** by /bin/true, whose file stays empty. */
static bool run_once(series_t *s, int i) {
  int fo = open(s->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int fe = open(s->err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fo < 0 || fe < 0) {
    fprintf(stderr, "timeit: cannot open %s: %s\n", fo < 0 ? s->out : s->err, strerror(errno));
    if (fo >= 0) close(fo);
    if (fe >= 0) close(fe);
    return false;
  }
  double t0 = bench_clock(CLOCK_MONOTONIC);
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "timeit: fork: %s\n", strerror(errno));
    close(fo);
    close(fe);
    return false;
  }
  if (pid == 0) {
    /* (dup2's copies lose O_CLOEXEC, the originals close at exec; a
    ** descriptor that was 1 or 2 already keeps it, hence F_SETFD) */
    if (dup2(fo, 1) < 0 || dup2(fe, 2) < 0 || fcntl(1, F_SETFD, 0) < 0 || fcntl(2, F_SETFD, 0) < 0) _exit(126);
    execvp(s->argv[0], s->argv);
    _exit(127);
  }
  int status;
  struct rusage ru;
  while (wait4(pid, &status, 0, &ru) < 0)
    if (errno != EINTR) {
      fprintf(stderr, "timeit: waitpid: %s\n", strerror(errno));
      close(fo);
      close(fe);
      return false;
    }
  s->t[i] = bench_clock(CLOCK_MONOTONIC) - t0;
  close(fo);
  close(fe);
  s->cpu[i] = bench_rusage_cpu(&ru);
  if (ru.ru_maxrss > s->maxrss) s->maxrss = ru.ru_maxrss;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (WIFEXITED(status))
      fprintf(stderr, "timeit: %s exited with status %d (stderr in %s)\n", s->argv[0], WEXITSTATUS(status),
              s->err);
    else
      fprintf(stderr, "timeit: %s died with signal %d (stderr in %s)\n", s->argv[0], WTERMSIG(status), s->err);
    return false;
  }
  return true;
}

static void report(series_t *s, int n) {
  double median = bench_median(s->t, (size_t)n), cmedian = bench_median(s->cpu, (size_t)n);
  printf("%.4f %.4f %.4f %.4f %.1f\n", median, s->t[0], s->t[n - 1], cmedian, (double)s->maxrss / 1024);
}

static bool series_init(series_t *s, const char *out, char **argv, int n) {
  memset(s, 0, sizeof *s);
  s->out = out;
  snprintf(s->err, sizeof s->err, "%s.err", out);
  s->argv = argv;
  s->t = malloc((size_t)n * sizeof *s->t);
  s->cpu = malloc((size_t)n * sizeof *s->cpu);
  return s->t && s->cpu;
}

static int reap(const char *out, char **argv) {
  series_t s;
  double t[1], cpu[1];
  memset(&s, 0, sizeof s);
  s.out = out;
  snprintf(s.err, sizeof s.err, "%s.err", out);
  s.argv = argv;
  s.t = t;
  s.cpu = cpu;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    fprintf(stderr, "timeit --reap: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
    return 1;
  }
  double t0 = bench_clock(CLOCK_MONOTONIC);
  if (!run_once(&s, 0)) return 1;
  int status;
  while (wait(&status) >= 0 || errno == EINTR) {}
  double all = bench_clock(CLOCK_MONOTONIC) - t0;
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  printf("%.4f %.4f %.4f %.1f\n", t[0], all, bench_rusage_cpu(&ru), (double)ru.ru_maxrss / 1024);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 3 && !strcmp(argv[1], "--reap")) return reap(argv[2], argv + 3);
  bool pair = argc > 1 && !strcmp(argv[1], "--pair");
  if (pair) {
    argv++;
    argc--;
  }
  if (argc < (pair ? 7 : 4)) {
    fprintf(stderr, "usage: timeit N OUTFILE COMMAND [ARGS...]\n"
                    "       timeit --pair N OUT_A OUT_B COMMAND_A [ARGS...] ::: COMMAND_B [ARGS...]\n");
    return 2;
  }
  int n = atoi(argv[1]);
  if (n < 1 || n > 1000) {
    fprintf(stderr, "timeit: N must be 1..1000, got '%s'\n", argv[1]);
    return 2;
  }
  series_t a, b;
  if (!pair) {
    if (!series_init(&a, argv[2], argv + 3, n)) return 1;
    for (int i = 0; i < n; i++)
      if (!run_once(&a, i)) return 1;
    report(&a, n);
    return 0;
  }
  int sep = 5;
  while (sep < argc && strcmp(argv[sep], ":::")) sep++;
  if (sep >= argc - 1 || sep == 5) {
    fprintf(stderr, "timeit --pair: expected COMMAND_A ... ::: COMMAND_B ...\n");
    return 2;
  }
  argv[sep] = NULL;
  if (!series_init(&a, argv[2], argv + 4, n) || !series_init(&b, argv[3], argv + sep + 1, n)) return 1;
  for (int i = 0; i < n; i++)
    if (!run_once(&a, i) || !run_once(&b, i)) return 1;
  report(&a, n);
  report(&b, n);
  return 0;
}
