/*
** sandbox.c — the confinement of an isolated plugin's helper process
** (docs/plugin-rpc.md, "The helper's sandbox").  The isolated plugin is
** hostile: it is confined *before* any of its code runs — the sandbox is
** complete when the helper dlopen()s the .so, so its ELF constructors and
** its init run inside it like everything else.  In order:
**
**   1. PR_SET_PDEATHSIG: the helper dies with the host;
**   2. namespaces (unshare): a new user namespace (the helper's uid mapped
**      to itself), mount, network, IPC and UTS namespaces.  The mount
**      namespace gets an empty root (a tmpfs) holding only: the system
**      library directories and /etc/ld.so.cache read-only (the dynamic
**      loader needs them), the plugin file read-only, /dev/null, /dev/zero,
**      /dev/random and /dev/urandom, and the directories the user granted
**      (isolate-dir=) read-write at their own paths.  The network namespace
**      has no interface up: no network at all;
**   3. stdin and stdout become a read-only /dev/null (writes fail), every
**      other descriptor but stderr (the log) and the socket is closed;
**   4. rlimits (rlimit-as=), PR_SET_NO_NEW_PRIVS;
**   5. Landlock: file access beneath "/" read-only, the granted directories
**      read-write; no TCP bind or connect; no signals to processes outside
**      the sandbox and no abstract unix sockets (as far as the kernel's
**      Landlock ABI goes);
**   6. seccomp (default: kill the process) with argument filters: open
**      read-only unless isolate-allow=files, no mapping or mprotect that is
**      writable and executable at once, tgkill only of its own threads, no
**      kill/tkill, no sendmsg (no SCM_RIGHTS), no fork, exec, socket, ptrace,
**      mount... unless isolate-allow= names them.
**
** Where the kernel refuses a layer (no user namespaces, no Landlock), the
** helper says so on stderr, once, and goes on with the others: never
** silently.  The PID namespace is not used: its init process cannot be
** killed by its own signals (abort() would turn into a fault), and the
** helper's signals are confined by seccomp and Landlock instead.
*/
#include "isolate/rpc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <signal.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* What serving frames, loading a shared object and running ordinary plugin
** code take.  mmap, mprotect, openat, tgkill: with argument filters below. */
static const char *const base_syscalls[] = {
    "read", "write", "readv", "writev", "pread64", "recvfrom", "sendto", "poll", "ppoll", "futex", "munmap",
    "mremap", "madvise", "brk", "exit", "exit_group", "rt_sigreturn", "rt_sigprocmask", "rt_sigaction",
    "clock_gettime", "clock_nanosleep", "nanosleep", "gettimeofday", "getrandom", "close", "fstat",
    "newfstatat", "statx", "lseek", "getpid", "gettid", "getppid", "sched_yield", "restart_syscall",
    "clock_getres", "set_robust_list", "rseq", "sigaltstack", "getcwd", "readlink", "readlinkat",
    "access", "faccessat", "faccessat2", "getdents64", "geteuid", "getuid", "getegid", "getgid", NULL};

/* "files": writing files (in the granted directories: nothing else is
** writable), what a file-backed plugin such as SQLite needs. */
static const char *const file_syscalls[] = {
    "open", "stat", "lstat", "pwrite64", "fsync", "fdatasync", "fcntl", "ftruncate", "unlink", "unlinkat",
    "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir", "fchown", "fchmod", "flock", "utimensat",
    "fallocate", NULL};

/* The system's library directories the dynamic loader searches. */
static const char *const lib_paths[] = {"/lib", "/lib64", "/lib32", "/libx32", "/usr/lib", "/usr/lib64",
                                        "/usr/lib32", "/usr/libx32", "/usr/local/lib", "/etc/ld.so.cache",
                                        NULL};
static const char *const dev_files[] = {"/dev/null", "/dev/zero", "/dev/random", "/dev/urandom", NULL};

#define ROOT "/tmp/.wasmplug-root"
/* open_tree/move_mount flags (linux/mount.h, whose definitions clash
** with sys/mount.h on older systems) */
#define OPEN_TREE_CLONE_ 1
#define OPEN_TREE_CLOEXEC_ O_CLOEXEC
#define MOVE_MOUNT_F_EMPTY_PATH_ 0x00000004
#ifndef SYS_open_tree
#define SYS_open_tree 428
#define SYS_move_mount 429
#endif

/* Landlock's ABI is stable; the system's header may predate the parts we
** use (Debian 12's knows ABI 2), so they are spelled out here. */
typedef struct {
  uint64_t handled_access_fs, handled_access_net, scoped;
} ll_ruleset_attr_t;
#define LL_FS_REFER (1ull << 13)    /* ABI 2 */
#define LL_FS_TRUNCATE (1ull << 14) /* ABI 3 */
#define LL_NET_BIND_TCP (1ull << 0) /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ull << 1)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ull << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ull << 1)

static void warn(const char *plugin, const char *what) {
  fprintf(stderr, "wasmplug: warning: plugin %s: %s\n", plugin, what);
}

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  close(fd);
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* mkdir -p below ROOT for the absolute path `p` (its last component too
** when `last`; else only its parents). */
static int make_parents(const char *p, bool last) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s%s", ROOT, p) >= (int)sizeof buf) return -1;
  size_t start = strlen(ROOT) + 1;
  for (size_t i = start; buf[i]; i++) {
    if (buf[i] != '/') continue;
    buf[i] = 0;
    if (mkdir(buf, 0755) && errno != EEXIST) return -1;
    buf[i] = '/';
  }
  if (last && mkdir(buf, 0755) && errno != EEXIST) return -1;
  return 0;
}

/* Puts the detached mount `fd` at `p` inside ROOT; read-only unless `rw`. */
static int bind_at(int fd, const char *p, bool dir, bool rw, char *why, size_t cap) {
  char dst[4096];
  snprintf(dst, sizeof dst, "%s%s", ROOT, p);
  if (make_parents(p, dir)) return snprintf(why, cap, "cannot make %s in the sandbox root: %s", p, strerror(errno)), -1;
  if (!dir) {
    int f = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0) return snprintf(why, cap, "cannot make %s in the sandbox root: %s", p, strerror(errno)), -1;
    close(f);
  }
  if (syscall(SYS_move_mount, fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH_))
    return snprintf(why, cap, "cannot bind %s into the sandbox: %s", p, strerror(errno)), -1;
  unsigned long fl = MS_BIND | MS_REMOUNT | MS_NOSUID | (rw ? 0 : MS_RDONLY) | (strncmp(p, "/dev/", 5) ? MS_NODEV : 0);
  if (mount(NULL, dst, NULL, fl, NULL))
    return snprintf(why, cap, "cannot remount %s in the sandbox: %s", p, strerror(errno)), -1;
  return 0;
}

typedef struct src_t {
  char *path; /* absolute, as seen inside */
  char *from; /* the host path (NULL: the same) */
  int fd;     /* a detached copy of its mount (open_tree), made before /tmp is covered */
  bool dir, rw, link;
  char *target; /* a symlink's target (merged /usr: /lib -> usr/lib) */
} src_t;

static void srcs_free(src_t *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i].fd >= 0) close(s[i].fd);
    free(s[i].path);
    free(s[i].from);
    free(s[i].target);
  }
  free(s);
}

/* Step 2: the namespaces and the empty root.  *inside gets the plugin's
** path in it.  Returns 1 when namespaces are unavailable (told on stderr),
** -1 on an error (why), 0 when done. */
static int empty_root(const char *plugin, const wp_sandbox_opts_t *o, char **inside, char *why, size_t cap) {
  /* Everything to expose is opened first: /tmp (where the root is built)
  ** may hold some of it. */
  size_t n = 0, max = 32;
  for (const char *d = o->dirs; d && *d; d++) max += *d == ':';
  src_t *s = calloc(max, sizeof *s);
  if (!s) return snprintf(why, cap, "out of memory"), -1;
  char *real = realpath(o->plugin_path, NULL);
  if (!real) {
    free(s);
    return snprintf(why, cap, "%s: %s", o->plugin_path, strerror(errno)), -1;
  }
  const char *base = strrchr(real, '/');
  *inside = wp_format("/plugin/%s", base ? base + 1 : real);
  s[n] = (src_t){*inside ? strdup(*inside) : NULL, real, -1, false, false, false, NULL};
  if (!*inside || !s[n].path) {
    srcs_free(s, n + 1);
    return snprintf(why, cap, "out of memory"), -1;
  }
  n++;
  for (int k = 0; lib_paths[k]; k++) {
    struct stat st;
    if (lstat(lib_paths[k], &st)) continue;
    src_t e = {strdup(lib_paths[k]), NULL, -1, S_ISDIR(st.st_mode), false, S_ISLNK(st.st_mode), NULL};
    if (e.link) {
      char t[4096];
      ssize_t l = readlink(lib_paths[k], t, sizeof t - 1);
      if (l <= 0) { free(e.path); continue; }
      t[l] = 0;
      e.target = strdup(t);
    }
    s[n++] = e;
  }
  for (int k = 0; dev_files[k]; k++) {
    if (!access(dev_files[k], F_OK)) s[n++] = (src_t){strdup(dev_files[k]), NULL, -1, false, false, false, NULL};
  }
  char *dirs = o->dirs ? strdup(o->dirs) : NULL;
  for (char *t = dirs, *save = NULL, *d; dirs && (d = strtok_r(t, ":", &save)); t = NULL) {
    char *r = realpath(d, NULL);
    struct stat st;
    if (!r || stat(r, &st) || !S_ISDIR(st.st_mode)) {
      snprintf(why, cap, "isolate-dir %s: %s", d, r ? "not a directory" : strerror(errno));
      free(r);
      free(dirs);
      srcs_free(s, n);
      return -1;
    }
    s[n++] = (src_t){r, NULL, -1, true, true, false, NULL};
  }
  free(dirs);

  uid_t uid = geteuid();
  gid_t gid = getegid();
  char *cwd = getcwd(NULL, 0); /* kept when a granted directory holds it */
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)) {
    char w[300];
    snprintf(w, sizeof w,
             "no namespaces for its helper (unshare: %s): it runs without an empty root and a private network; "
             "seccomp and Landlock still confine it",
             strerror(errno));
    warn(plugin, w);
    srcs_free(s, n);
    free(*inside);
    free(cwd);
    *inside = NULL;
    return 1;
  }
  char map[64];
  snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
  int rc = write_file("/proc/self/setgroups", "deny");
  if (!rc) rc = write_file("/proc/self/uid_map", map);
  snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
  if (!rc) rc = write_file("/proc/self/gid_map", map);
  if (rc) {
    snprintf(why, cap, "cannot map the helper's user in its namespace: %s", strerror(errno));
    srcs_free(s, n);
    free(cwd);
    return -1;
  }
  /* A private copy of the mounts; detached copies of what the root will
  ** show (the new namespace still sees every path); then a tmpfs over /tmp
  ** holding the root (nothing of it appears in the host's /tmp). */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
    snprintf(why, cap, "cannot make the mounts private: %s", strerror(errno));
    srcs_free(s, n);
    free(cwd);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    if (s[i].link) continue;
    const char *from = s[i].from ? s[i].from : s[i].path;
    s[i].fd = (int)syscall(SYS_open_tree, AT_FDCWD, from, OPEN_TREE_CLONE_ | OPEN_TREE_CLOEXEC_ | (s[i].dir ? AT_RECURSIVE : 0));
    if (s[i].fd < 0) {
      snprintf(why, cap, "cannot take %s into the sandbox: %s", from, strerror(errno));
      srcs_free(s, n);
      free(cwd);
      return -1;
    }
  }
  if (
      mount("wasmplug-tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") ||
      mkdir(ROOT, 0755) || mount("wasmplug-root", ROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")) {
    snprintf(why, cap, "cannot make the sandbox root: %s", strerror(errno));
    srcs_free(s, n);
    free(cwd);
    return -1;
  }
  rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    if (s[i].link) {
      char dst[4096];
      snprintf(dst, sizeof dst, "%s%s", ROOT, s[i].path);
      if (make_parents(s[i].path, false) || symlink(s[i].target, dst))
        rc = (snprintf(why, cap, "cannot link %s in the sandbox root: %s", s[i].path, strerror(errno)), -1);
    } else if (s[i].fd >= 0) {
      rc = bind_at(s[i].fd, s[i].path, s[i].dir, s[i].rw, why, cap);
    }
  }
  srcs_free(s, n);
  if (rc) {
    free(cwd);
    return -1;
  }
  if (mkdir(ROOT "/.old", 0700) || syscall(SYS_pivot_root, ROOT, ROOT "/.old") || chdir("/") ||
      umount2("/.old", MNT_DETACH) || rmdir("/.old")) {
    snprintf(why, cap, "cannot enter the sandbox root: %s", strerror(errno));
    free(cwd);
    return -1;
  }
  /* The root itself read-only: nothing can be created outside the granted
  ** directories. */
  if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL)) {
    snprintf(why, cap, "cannot make the sandbox root read-only: %s", strerror(errno));
    free(cwd);
    return -1;
  }
  /* relative paths in the plugin's config mean what they meant to the user */
  if (cwd && chdir(cwd)) (void)!chdir("/");
  free(cwd);
  return 0;
}

/* Step 5: Landlock, as far as this kernel's ABI goes (0: applied). */
static int landlock(const char *plugin, const char *dirs, char *why, size_t cap) {
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 1) {
    char w[200];
    snprintf(w, sizeof w, "no Landlock in this kernel (%s): its helper's file access is confined by its empty "
                          "root and seccomp only", strerror(errno));
    warn(plugin, w);
    return 0;
  }
  ll_ruleset_attr_t attr;
  memset(&attr, 0, sizeof attr);
  uint64_t fs = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
                LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
                LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
                LANDLOCK_ACCESS_FS_MAKE_SYM;
  if (abi >= 2) fs |= LL_FS_REFER;
  if (abi >= 3) fs |= LL_FS_TRUNCATE;
  attr.handled_access_fs = fs;
  size_t size = sizeof(uint64_t);
  if (abi >= 4) {
    attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
    size = 2 * sizeof(uint64_t);
  }
  if (abi >= 6) {
    attr.scoped = LL_SCOPE_SIGNAL | LL_SCOPE_ABSTRACT_UNIX_SOCKET;
    size = sizeof attr;
  }
  int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
  if (rs < 0) return snprintf(why, cap, "Landlock: %s", strerror(errno)), -1;
  struct landlock_path_beneath_attr pb;
  pb.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_EXECUTE;
  pb.parent_fd = open("/", O_PATH | O_CLOEXEC);
  int rc = pb.parent_fd < 0 || syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
  if (pb.parent_fd >= 0) close(pb.parent_fd);
  char *copy = dirs ? strdup(dirs) : NULL;
  for (char *t = copy, *save = NULL, *d; !rc && copy && (d = strtok_r(t, ":", &save)); t = NULL) {
    char *r = realpath(d, NULL); /* inside the new root, at the same path */
    pb.allowed_access = fs;
    pb.parent_fd = r ? open(r, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
    free(r);
    rc = pb.parent_fd < 0 || syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
    if (pb.parent_fd >= 0) close(pb.parent_fd);
  }
  free(copy);
  if (!rc) rc = syscall(SYS_landlock_restrict_self, rs, 0) != 0;
  int e = errno;
  close(rs);
  if (rc) return snprintf(why, cap, "Landlock: %s", strerror(e)), -1;
  return 0;
}

static int allow_list(scmp_filter_ctx ctx, const char *const *names) {
  for (; *names; names++) {
    int nr = seccomp_syscall_resolve_name(*names);
    /* Names this architecture lacks (open on aarch64) resolve negative. */
    if (nr >= 0 && seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) return -1;
  }
  return 0;
}

/* Step 6: the seccomp filter. */
static int filter(const char *allow, char *why, size_t cap) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
  if (!ctx) return snprintf(why, cap, "seccomp_init failed"), -1;
  int rc = allow_list(ctx, base_syscalls);
  bool files = false;
  char *copy = allow ? strdup(allow) : NULL;
  for (char *s = copy, *save = NULL, *tok; !rc && copy && (tok = strtok_r(s, ":+", &save)); s = NULL) {
    if (!strcmp(tok, "files")) {
      files = true;
      rc = allow_list(ctx, file_syscalls);
      continue;
    }
    int nr = seccomp_syscall_resolve_name(tok);
    if (nr < 0) {
      snprintf(why, cap, "isolate-allow: unknown system call '%s'", tok);
      free(copy);
      seccomp_release(ctx);
      return -1;
    }
    /* the filtered ones: isolate-allow lifts their filter */
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
  }
  free(copy);
  const uint64_t wx = PROT_WRITE | PROT_EXEC;
  /* no memory writable and executable at once (a mapping the plugin could
  ** fill with code as it runs) */
  for (int k = 0; !rc && k < 3; k++) {
    uint64_t v = k == 0 ? 0 : k == 1 ? PROT_WRITE : PROT_EXEC;
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, wx, v));
    if (!rc) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, wx, v));
  }
  /* open: read-only, unless the plugin may write files */
  if (!rc && files) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 0);
  else if (!rc)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
                          SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY));
  /* the server's receive timeout on its socket (rpc_frame.c) */
  if (!rc)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2, SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
                          SCMP_A2(SCMP_CMP_EQ, SO_RCVTIMEO));
  /* signals: only to its own threads (abort and raise use tgkill) */
  if (!rc)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_EQ, (uint64_t)getpid()));
  if (!rc) rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc) return snprintf(why, cap, "installing the seccomp filter failed (%s)", strerror(-rc)), -1;
  return 0;
}

/* Every descriptor but stderr and the socket; stdin and stdout become a
** read-only /dev/null: reads see end of file, writes fail (EBADF), and the
** numbers are not reused by a later open. */
static void fds(int keep) {
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    if (null > 2) close(null);
  }
  if (keep > 3 && close_range(3, (unsigned)keep - 1, 0)) {
    for (int fd = 3; fd < keep; fd++) close(fd);
  }
  if (close_range((unsigned)keep + 1, ~0u, 0)) {
    struct rlimit rl;
    int max = !getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < 1048576 ? (int)rl.rlim_cur : 65536;
    for (int fd = keep + 1; fd < max; fd++) close(fd);
  }
}

char *wp_sandbox_enter(const wp_sandbox_opts_t *o, char **plugin_inside) {
  char why[400] = "";
  *plugin_inside = NULL;
  const char *name = strrchr(o->plugin_path, '/');
  name = name ? name + 1 : o->plugin_path;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  int ns = empty_root(name, o, plugin_inside, why, sizeof why);
  if (ns < 0) return wp_plugin_strdup(why);
  fds(o->keep_fd);
  if (o->rlimit_as) {
    struct rlimit rl = {strtoull(o->rlimit_as, NULL, 10), strtoull(o->rlimit_as, NULL, 10)};
    if (setrlimit(RLIMIT_AS, &rl)) return wp_format("rlimit-as: %s", strerror(errno));
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) return wp_format("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
  if (landlock(name, o->dirs, why, sizeof why) || filter(o->allow, why, sizeof why)) return wp_plugin_strdup(why);
  return NULL;
}
