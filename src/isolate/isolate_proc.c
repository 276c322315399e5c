/*
** isolate_proc.c — the helper process of an isolated plugin: finding the
** wasmplug executable, starting it on a socketpair and its shared-memory
** ring, and reaping it with a one-line account of how it ended (for the
** guest's trap message).
*/
#include "isolate/rpc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static bool executable(const char *path) {
  struct stat st;
  return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

char *wp_rpc_helper_exe(void) {
  const char *env = getenv("WASMPLUG_EXE");
  if (env && *env) return wp_plugin_strdup(env);
  /* The `wasmplug` command itself: its hidden plugin-host subcommand is
  ** the helper.  Other embedders (tests, libwasmplug users) set
  ** WASMPLUG_EXE or have wasmplug on $PATH. */
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = 0;
    const char *base = strrchr(self, '/');
    base = base ? base + 1 : self;
    /* (wasmplug-dynamic: the dynamically linked twin of a static
    ** `wasmplug`, cli/CMakeLists.txt, which runs every plugin) */
    if (!strcmp(base, "wasmplug") || !strcmp(base, "wasmplug-dynamic")) return wp_plugin_strdup(self);
  }
  const char *path = getenv("PATH");
  while (path && *path) {
    const char *colon = strchr(path, ':');
    size_t len = colon ? (size_t)(colon - path) : strlen(path);
    char *cand = wp_format("%.*s/wasmplug", (int)len, path);
    if (cand && len && executable(cand)) return cand;
    free(cand);
    if (!colon) break;
    path = colon + 1;
  }
  return NULL;
}

/* What of the host's environment the helper gets: only what tunes the
** runtime (sanitizer options, the log level).  Anything else — tokens,
** keys, paths — is the host's and stays there. */
static char **helper_env(void) {
  static const char *const keep[] = {"ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LSAN_OPTIONS=", "WASMPLUG_LOG=", NULL};
  extern char **environ;
  size_t n = 0;
  for (char **e = environ; e && *e; e++) n++;
  char **env = calloc(n + 1, sizeof *env);
  size_t k = 0;
  for (char **e = environ; env && e && *e; e++)
    for (int i = 0; keep[i]; i++)
      if (!strncmp(*e, keep[i], strlen(keep[i]))) env[k++] = *e;
  return env;
}

pid_t wp_rpc_spawn(char *const argv[], int ring_fd, int *fd, char *why, size_t whylen) {
  int sv[2];
  char **env = helper_env(); /* before fork: the child may not allocate */
  if (!env) {
    snprintf(why, whylen, "out of memory");
    return -1;
  }
  /* CLOEXEC on both ends: no other child (another helper, a guest's
  ** subprocess) may hold our socket open, or a crash would not read as EOF. */
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
    snprintf(why, whylen, "socketpair: %s", strerror(errno));
    free(env);
    return -1;
  }
  /* The child's ends numbered above 4, so that moving them to 3 and 4
  ** cannot overwrite one with the other. */
  int child_sock = fcntl(sv[1], F_DUPFD_CLOEXEC, 5);
  int child_ring = ring_fd >= 0 ? fcntl(ring_fd, F_DUPFD_CLOEXEC, 5) : -1;
  close(sv[1]);
  if (child_sock < 0 || (ring_fd >= 0 && child_ring < 0)) {
    snprintf(why, whylen, "fcntl: %s", strerror(errno));
    close(sv[0]);
    if (child_sock >= 0) close(child_sock);
    if (child_ring >= 0) close(child_ring);
    free(env);
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(why, whylen, "fork: %s", strerror(errno));
    close(sv[0]);
    close(child_sock);
    if (child_ring >= 0) close(child_ring);
    free(env);
    return -1;
  }
  if (pid == 0) {
    /* Only async-signal-safe calls from here to exec: the host may have
    ** other threads, whose locks are frozen in this copy.  dup2 leaves
    ** the copies without CLOEXEC; the originals close at exec. */
    if (dup2(child_sock, 3) != 3) _exit(127);
    if (child_ring >= 0 && dup2(child_ring, 4) != 4) _exit(127);
    /* The plugin gets no stdin of the host's (stdout/stderr stay: logs). */
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0 && null != 0) {
      dup2(null, 0);
      close(null);
    }
    execve(argv[0], argv, env);
    _exit(127);
  }
  free(env);
  close(child_sock);
  if (child_ring >= 0) close(child_ring);
  *fd = sv[0];
  return pid;
}

static void describe(int status, char *how, size_t howlen) {
  if (WIFEXITED(status)) {
    if (WEXITSTATUS(status) == 127)
      snprintf(how, howlen, "the plugin process exited with status 127 (could not start the helper?)");
    else
      snprintf(how, howlen, "the plugin process exited with status %d", WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    snprintf(how, howlen, "the plugin process crashed: killed by signal %d (%s)%s", sig, strsignal(sig),
             sig == SIGSYS ? ": it made a system call its seccomp filter does not allow (see isolate-allow=)" : "");
  } else {
    snprintf(how, howlen, "the plugin process ended (status 0x%x)", status);
  }
}

void wp_rpc_reap(pid_t pid, bool kill_it, char *how, size_t howlen) {
  int status = 0;
  if (pid <= 0) {
    snprintf(how, howlen, "no plugin process");
    return;
  }
  if (kill_it) kill(pid, SIGKILL);
  /* EOF on the socket can arrive a moment before the exit is reapable. */
  for (int i = 0; i < 1000; i++) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      /* killed by us: the caller's reason says so, not a crash */
      if (kill_it && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        *how = 0;
      else
        describe(status, how, howlen);
      return;
    }
    if (r < 0 && errno != EINTR) {
      snprintf(how, howlen, "the plugin process is gone (waitpid: %s)", strerror(errno));
      return;
    }
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  snprintf(how, howlen, "the plugin process closed its connection and was killed");
}
