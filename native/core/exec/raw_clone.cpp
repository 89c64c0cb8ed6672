#include "core/exec/raw_clone.hpp"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace verpo::exec {

pid_t RawClone(unsigned long namespace_flags) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  // Raw syscall rather than fork(): no atfork handlers run, and namespace flags are allowed.
  // SIGCHLD as exit signal keeps the child an ordinary child for wait4(pid).
  long pid = syscall(SYS_clone, namespace_flags | SIGCHLD, 0, 0, 0, 0);
  int err = errno;
  if (pid != 0) pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) return -err;
  return static_cast<pid_t>(pid);
}

void ResetSignalsInChild() {
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    sigaction(sig, &dfl, nullptr);  // fails harmlessly for glibc-reserved signals
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace verpo::exec
