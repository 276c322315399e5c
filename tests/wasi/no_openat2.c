/*
** no_openat2.c — `no_openat2 CMD [ARGS...]` runs CMD where openat2(2)
** fails with ENOSYS, as on kernels before 5.6.
**
** The WASI OS layer then resolves every guest path with its portable
** component-by-component walk, so running the file-system and sandbox
** tests under this wrapper checks that fallback end to end.  A seccomp
** filter (inherited across exec) does it without privileges.
*/
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "no_openat2: add this architecture's AUDIT_ARCH"
#endif

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: no_openat2 CMD [ARGS...]\n");
    return 2;
  }
  struct sock_filter prog[] = {
    /* Other architectures' syscall numbers mean other things: allow. */
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 0, 3),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog fprog = {sizeof prog / sizeof prog[0], prog};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) < 0) {
    fprintf(stderr, "no_openat2: cannot install the filter: %s\n",
            strerror(errno));
    return 1;
  }
  /* Make sure it took: a test that silently used openat2 would prove
  ** nothing about the fallback. */
  if (syscall(SYS_openat2, AT_FDCWD, ".", NULL, 0) != -1 || errno != ENOSYS) {
    fprintf(stderr, "no_openat2: openat2 is still reachable\n");
    return 1;
  }
  execvp(argv[1], argv + 1);
  fprintf(stderr, "no_openat2: cannot run %s: %s\n", argv[1], strerror(errno));
  return 127;
}
