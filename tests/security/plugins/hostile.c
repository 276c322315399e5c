/*
** hostile.c — an isolated plugin that tries what it must not (issue 12,
** item 4).  Each function attempts one thing; the tests run it isolated
** and check the attempt fails — either the helper is killed by its
** seccomp filter (the guest call traps, the host lives on) or the call
** returns the errno of the refusal.  Variants built with -DCTOR=... or
** -DINIT=... try from an ELF constructor or from init, which must already
** run inside the complete sandbox.
*/
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasmplug/plugin.h"

/* Where the constructor/init variants try to leave a mark in the host's
** file system (the test checks it is absent).  The build gives each build
** directory its own path (tests/security/CMakeLists.txt). */
#ifdef HOSTILE_MARK
#define MARK HOSTILE_MARK
#else
#define MARK "/tmp/wasmplug-hostile-mark"
#endif

static const char wit[] =
    "package test:hostile@1.0.0;\n"
    "interface api {\n"
    "  kill-host: func() -> s32;\n"
    "  tgkill-host: func() -> s32;\n"
    "  stat-host: func() -> s32;\n"
    "  open-host: func() -> s32;\n"
    "  write-stdout: func() -> s32;\n"
    "  map-rwx: func() -> s32;\n"
    "  mprotect-rwx: func() -> s32;\n"
    "  send-fd: func() -> s32;\n"
    "  fork-child: func() -> s32;\n"
    "  connect-out: func(port: u32) -> s32;\n"
    "  write-file: func() -> s32;\n"
    "  secret-env: func() -> s32;\n"
    "  ok: func() -> s32;\n"
    "}\n"
    "world provider { export api; }\n";

static const wasmplug_host_api_t *host;

#if defined(CTOR_FORK) || defined(CTOR_MARK) || defined(INIT_FORK) || defined(INIT_MARK)
static void leave_mark(void) {
#if defined(CTOR_FORK) || defined(INIT_FORK)
  if (fork() == 0) _exit(0);
#endif
  int fd = open(MARK, O_WRONLY | O_CREAT, 0600);
  if (fd >= 0) close(fd);
}
#endif

#if defined(CTOR_FORK) || defined(CTOR_MARK)
__attribute__((constructor)) static void ctor(void) { leave_mark(); }
#endif

static int p_init(const wasmplug_host_api_t *h, const wasmplug_plugin_config_t *c, void **st, const char **err) {
  (void)err;
  /* for security.small_answers: debug lines print only when asked for */
  h->log(c, WASMPLUG_LOG_DEBUG, "hostile: a debug line");
  h->log(c, WASMPLUG_LOG_INFO, "hostile: an info line");
#if defined(INIT_FORK) || defined(INIT_MARK)
  leave_mark();
#endif
  *st = NULL;
  return 0;
}

#define RET(x) (*(int32_t *)result = (x), WASMPLUG_OK)
#define UNUSED (void)s, (void)c, (void)params

static int f_kill_host(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  UNUSED;
  return RET(kill(getppid(), SIGKILL) ? errno : 0);
}
static int f_tgkill_host(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  UNUSED;
  pid_t p = getppid();
  return RET(syscall(SYS_tgkill, p, p, SIGKILL) ? errno : 0);
}
static int f_stat_host(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  UNUSED;
  /* both system calls that stat a path: newfstatat and statx; 0 when
  ** either saw the host's file */
  struct stat st;
  int r1 = fstatat(AT_FDCWD, "/etc/passwd", &st, 0) ? errno : 0;
  struct statx sx;
  int r2 = syscall(SYS_statx, AT_FDCWD, "/etc/passwd", 0, STATX_BASIC_STATS, &sx) ? errno : 0;
  return RET(r1 && r2 ? r1 : 0);
}
static int f_open_host(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  UNUSED;
  int fd = open("/etc/passwd", O_RDONLY);
  if (fd < 0) return RET(errno);
  close(fd);
  return RET(0);
}
static int f_write_stdout(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  UNUSED;
  static const char m[] = "PWNED-STDOUT\n";
  return RET(write(1, m, sizeof m - 1) < 0 ? errno : 0);
}
static int f_map_rwx(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  UNUSED;
  void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return RET(p == MAP_FAILED ? errno : 0);
}
static int f_mprotect_rwx(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  UNUSED;
  void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return RET(errno);
  return RET(mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC) ? errno : 0);
}
static int f_send_fd(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  UNUSED;
  int fd = 0; /* any descriptor: stdin */
  char byte = 'x';
  struct iovec iov = {&byte, 1};
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = u.buf;
  m.msg_controllen = sizeof u.buf;
  struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &fd, sizeof fd);
  return RET(sendmsg(3, &m, 0) < 0 ? errno : 0); /* 3: the socket to the host */
}
static int f_fork_child(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  UNUSED;
  pid_t p = fork();
  if (p == 0) _exit(0);
  return RET(p < 0 ? errno : 0);
}
static int f_connect_out(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  (void)s, (void)c;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return RET(errno);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)*(const uint32_t *)params);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int r = connect(fd, (struct sockaddr *)&a, sizeof a) ? errno : 0;
  close(fd);
  return RET(r);
}
static int f_write_file(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  UNUSED;
  int fd = open(MARK, O_WRONLY | O_CREAT, 0600);
  if (fd < 0) return RET(errno);
  close(fd);
  return RET(0);
}
/* 1 when the host's environment reached the helper ($WP_SECRET) */
static int f_secret_env(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  UNUSED;
  return RET(getenv("WP_SECRET") != NULL);
}
static int f_ok(void *s, wasmplug_plugin_call_t *c, const void *params, void *result) {
  UNUSED;
  return RET(42);
}

#define F(n, f) {"test:hostile/api#" n, f}
static const wasmplug_plugin_func_t funcs[] = {
    F("kill-host", f_kill_host),       F("tgkill-host", f_tgkill_host), F("stat-host", f_stat_host),
    F("open-host", f_open_host),       F("write-stdout", f_write_stdout), F("map-rwx", f_map_rwx),
    F("mprotect-rwx", f_mprotect_rwx), F("send-fd", f_send_fd),         F("fork-child", f_fork_child),
    F("connect-out", f_connect_out),   F("write-file", f_write_file),   F("secret-env", f_secret_env),
    F("ok", f_ok),
};

static const wasmplug_plugin_t desc = {
    .magic = WASMPLUG_PLUGIN_MAGIC,
    .abi_major = WASMPLUG_PLUGIN_ABI_MAJOR,
    .abi_minor = WASMPLUG_PLUGIN_ABI_MINOR,
    .size = sizeof(wasmplug_plugin_t),
    .name = "hostile",
    .version = "1.0.0",
    .wit = wit,
    .world = "provider",
    .funcs = funcs,
    .nfuncs = sizeof funcs / sizeof funcs[0],
    .init = p_init,
};

WASMPLUG_PLUGIN_ENTRY(h) {
  host = h;
  return &desc;
}
