/*
** cmd_plugin_host.c — `wasmplug plugin-host --fd N [options] PATH [CONFIG]`
** (hidden): the helper process of an isolated plugin (--plugin x.so,isolate).
**
** It loads the unchanged .so with the loader's checks and runs its init,
** then gives up what it does not need before serving a single frame:
** every fd but stdio and the socket is closed, an optional chroot and
** address-space limit apply, PR_SET_NO_NEW_PRIVS is set and a seccomp
** filter allows only the syscalls a plugin server needs plus those the
** user allowed (--allow, from isolate-allow=).  A forbidden syscall kills
** the process with SIGSYS; the host reports it as such.
** Options:
**   --fd N            the connected socket (the host passes 3)
**   --allow A:B:...   extra syscalls by name, or "files" (what a
**                     file-backed plugin such as SQLite needs)
**   --rlimit-as N     RLIMIT_AS in bytes
**   --chroot DIR      chroot there (after loading; needs privilege)
*/
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"
#include "wasmplug/host.h"

/* What serving frames and running ordinary plugin code takes: I/O on the
** socket and stdio (logs), memory, threads' futexes, time, exit. */
static const char *const base_syscalls[] = {
    "read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg", "sendmsg", "poll", "ppoll",
    "futex", "mmap", "munmap", "mremap", "mprotect", "madvise", "brk", "exit", "exit_group",
    "rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "clock_gettime", "clock_nanosleep", "nanosleep",
    "gettimeofday", "getrandom", "close", "fstat", "newfstatat", "lseek", "getpid", "gettid", "sched_yield",
    "restart_syscall", "clock_getres", "tgkill", "set_robust_list", "rseq", "statx", "sigaltstack", NULL};

/* "files": what a file-backed plugin (SQLite, a cache) needs. */
static const char *const file_syscalls[] = {
    "openat", "open", "stat", "lstat", "access", "faccessat", "faccessat2", "pread64", "pwrite64", "fsync",
    "fdatasync", "fcntl", "ftruncate", "unlink", "unlinkat", "rename", "renameat", "mkdir", "mkdirat",
    "rmdir", "getcwd", "readlink", "readlinkat", "geteuid", "getuid", "fchown", "fchmod", "flock",
    "getdents64", "utimensat", NULL};

static int add_list(scmp_filter_ctx ctx, const char *const *names) {
  for (; *names; names++) {
    int nr = seccomp_syscall_resolve_name(*names);
    /* Names of syscalls this architecture lacks (open on aarch64) resolve
    ** to a negative number: nothing to allow. */
    if (nr >= 0 && seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) return -1;
  }
  return 0;
}

static int sandbox(const char *allow, char *why, size_t whylen) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
    snprintf(why, whylen, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
    return -1;
  }
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
  if (!ctx) {
    snprintf(why, whylen, "seccomp_init failed");
    return -1;
  }
  int rc = add_list(ctx, base_syscalls);
  char *copy = allow ? strdup(allow) : NULL;
  for (char *s = copy, *save = NULL, *tok; !rc && copy && (tok = strtok_r(s, ":+", &save)); s = NULL) {
    if (!strcmp(tok, "files")) {
      rc = add_list(ctx, file_syscalls);
      continue;
    }
    int nr = seccomp_syscall_resolve_name(tok);
    if (nr < 0) {
      snprintf(why, whylen, "isolate-allow: unknown system call '%s'", tok);
      free(copy);
      seccomp_release(ctx);
      return -1;
    }
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
  }
  free(copy);
  if (!rc) rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc) snprintf(why, whylen, "installing the seccomp filter failed (%s)", strerror(-rc));
  return rc ? -1 : 0;
}

/* Every fd but stdio and the socket: nothing the host had open (files,
** other sockets) is reachable from plugin code. */
static void close_others(int keep) {
  if (!(keep > 3 && close_range(3, (unsigned)keep - 1, 0)) && !close_range((unsigned)keep + 1, ~0u, 0)) return;
  /* A kernel without close_range (before 5.9): one by one, up to the limit. */
  struct rlimit rl;
  int max = !getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 1048576
                ? (int)rl.rlim_cur
                : 65536;
  for (int fd = 3; fd < max; fd++)
    if (fd != keep) close(fd);
}

int wp_cmd_plugin_host(int argc, char **argv) {
  int fd = -1;
  const char *allow = NULL, *rlimit_as = NULL, *chroot_dir = NULL, *spec = NULL, *config = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--fd") && i + 1 < argc) fd = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--allow") && i + 1 < argc) allow = argv[++i];
    else if (!strcmp(argv[i], "--rlimit-as") && i + 1 < argc) rlimit_as = argv[++i];
    else if (!strcmp(argv[i], "--chroot") && i + 1 < argc) chroot_dir = argv[++i];
    else if (!spec) spec = argv[i];
    else if (!config) config = argv[i];
    else {
      wp_cli_error("plugin-host: unexpected argument '%s'", argv[i]);
      return 2;
    }
  }
  if (fd < 3 || !spec) {
    wp_cli_error("plugin-host: usage: wasmplug plugin-host --fd N [--allow L] [--rlimit-as N] [--chroot D] "
                 "PATH [CONFIG] (started by the host for --plugin PATH,isolate)");
    return 2;
  }
  char *full = config ? malloc(strlen(spec) + strlen(config) + 2) : strdup(spec);
  if (!full) return 1;
  if (config) sprintf(full, "%s,%s", spec, config);
  wasmplug_plugin_server_t *s = NULL;
  wasmplug_error_t *e = wasmplug_plugin_server_new(full, &s);
  free(full);
  char why[300] = "";
  if (!e) {
    close_others(fd);
    if (chroot_dir && (chroot(chroot_dir) || chdir("/")))
      snprintf(why, sizeof why, "chroot %s: %s", chroot_dir, strerror(errno));
    if (!*why && rlimit_as) {
      struct rlimit rl = {strtoull(rlimit_as, NULL, 10), strtoull(rlimit_as, NULL, 10)};
      if (setrlimit(RLIMIT_AS, &rl)) snprintf(why, sizeof why, "rlimit-as: %s", strerror(errno));
    }
    if (!*why) sandbox(allow, why, sizeof why);
    if (*why) e = wasmplug_error_new("plugin %s: cannot sandbox its helper process: %s", spec, why);
  }
  if (e) {
    wasmplug_plugin_server_refuse(fd, wasmplug_error_message(e));
    wasmplug_error_delete(e);
    /* fini may need syscalls the filter now forbids: skip it, the
    ** process is ending anyway. */
    _exit(1);
  }
  wasmplug_plugin_server_run_fd(s, fd);
  wasmplug_plugin_server_delete(s);
  return 0;
}
