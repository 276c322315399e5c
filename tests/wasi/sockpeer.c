/*
** sockpeer.c — `sockpeer CMD [ARGS...]` runs CMD with its stdin one end of
** a connected Unix stream socket pair and plays the other end: it waits
** for "ping", answers "pong!", then expects the end of the stream (CMD
** shuts down its sending side) and closes.  Exits with CMD's status, or 1
** (with a message) when the conversation went otherwise.
**
** It lets the preview1 tests exercise sock_recv/sock_send/sock_shutdown
** on a real socket, as a guest started by an inetd-style service sees.
*/
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: sockpeer CMD [ARGS...]\n");
    return 2;
  }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
    perror("sockpeer: socketpair");
    return 1;
  }
  alarm(120); /* never hang a test run */
  pid_t pid = fork();
  if (pid < 0) {
    perror("sockpeer: fork");
    return 1;
  }
  if (pid == 0) {
    dup2(sv[1], 0);
    execvp(argv[1], argv + 1);
    perror("sockpeer: exec");
    _exit(127);
  }
  close(sv[1]);
  char buf[16];
  size_t got = 0;
  int bad = 0;
  while (got < 4) {
    ssize_t n = read(sv[0], buf + got, 4 - got);
    if (n <= 0) break;
    got += (size_t)n;
  }
  if (got != 4 || memcmp(buf, "ping", 4)) {
    fprintf(stderr, "sockpeer: expected ping, got %zu bytes\n", got);
    bad = 1;
  } else if (write(sv[0], "pong!", 5) != 5) {
    perror("sockpeer: write");
    bad = 1;
  } else {
    ssize_t n = read(sv[0], buf, sizeof buf); /* the guest's shutdown */
    if (n != 0) {
      fprintf(stderr, "sockpeer: expected the end of the stream, got %zd\n", n);
      bad = 1;
    }
  }
  close(sv[0]);
  int status;
  if (waitpid(pid, &status, 0) < 0) return 1;
  if (bad) return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
