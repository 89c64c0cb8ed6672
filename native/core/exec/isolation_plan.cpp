#include "core/exec/isolation_plan.hpp"

#include <errno.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "core/exec/fd_passing.hpp"

namespace verpo::exec {

const char* ChildStageName(ChildStage stage) {
  switch (stage) {
    case ChildStage::kNone: return "none";
    case ChildStage::kClone: return "clone";
    case ChildStage::kSignals: return "signals";
    case ChildStage::kUserNamespace: return "user namespace maps";
    case ChildStage::kFds: return "file descriptors";
    case ChildStage::kMounts: return "mounts";
    case ChildStage::kChdir: return "chdir to the workdir";
    case ChildStage::kRlimit: return "setrlimit";
    case ChildStage::kSession: return "setsid";
    case ChildStage::kUid: return "uid/gid drop";
    case ChildStage::kPdeathsig: return "PR_SET_PDEATHSIG";
    case ChildStage::kNoNewPrivs: return "PR_SET_NO_NEW_PRIVS";
    case ChildStage::kSeccomp: return "seccomp filter";
    case ChildStage::kSendListener: return "sending the seccomp listener";
    case ChildStage::kExec: return "execve";
    case ChildStage::kDumpable: return "PR_SET_DUMPABLE";
    case ChildStage::kTmpfs: return "mounting the private tmpfs";
    case ChildStage::kFiles: return "writing the program's files";
    case ChildStage::kSendDirs: return "sending the tmpfs directories";
  }
  return "unknown";
}

void AddCandidateRlimits(ChildPlan* plan, const Limits& L, bool with_nproc, bool with_address_space) {
  plan->AddRlimit(RLIMIT_CPU, (L.cpu_ms + 999) / 1000 + 1);
  plan->AddRlimit(RLIMIT_FSIZE, L.file_kb * 1024);
  plan->AddRlimit(RLIMIT_NOFILE, L.nofile);
  plan->AddRlimit(RLIMIT_CORE, 0);
  plan->AddRlimit(RLIMIT_STACK, L.stack_mb * 1024 * 1024, RLIM_INFINITY);
  plan->AddRlimit(RLIMIT_MEMLOCK, 0);
  plan->AddRlimit(RLIMIT_MSGQUEUE, 0);
  plan->AddRlimit(RLIMIT_RTPRIO, 0);
  if (with_nproc) plan->AddRlimit(RLIMIT_NPROC, L.nproc);
  if (with_address_space) plan->AddRlimit(RLIMIT_AS, L.memory_mb * 1024 * 1024);
}

ChildStage ApplyIsolation(const ChildPlan& plan) {
  for (int i = 0; i < plan.rlimit_count; ++i) {
    rlimit lim = {static_cast<rlim_t>(plan.rlimits[i].soft), static_cast<rlim_t>(plan.rlimits[i].hard)};
    if (setrlimit(plan.rlimits[i].resource, &lim) != 0) return ChildStage::kRlimit;
  }
  if (plan.new_session && setsid() < 0) return ChildStage::kSession;
  if (plan.drop_uid) {
    // Raw syscalls: glibc's wrappers broadcast the change to every thread it believes exists,
    // and after a raw clone of a multi-threaded host that list is the parent's.
    if (syscall(SYS_setgroups, 0, nullptr) != 0) return ChildStage::kUid;
    if (syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0) return ChildStage::kUid;
    if (syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0) return ChildStage::kUid;
  }
  if (plan.dumpable && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) return ChildStage::kDumpable;
  if (plan.parent_death_kill && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return ChildStage::kPdeathsig;
  if (plan.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return ChildStage::kNoNewPrivs;
  if (plan.filter) {
    sock_fprog prog = {plan.filter_len, const_cast<sock_filter*>(plan.filter)};
    unsigned flags = plan.filter_listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (fd < 0) return ChildStage::kSeccomp;
    if (plan.filter_listener) {
      bool sent = SendFd(plan.listener_socket, "L", 1, static_cast<int>(fd));
      close(static_cast<int>(fd));
      if (!sent) return ChildStage::kSendListener;
    }
  }
  if (plan.listener_socket >= 0) close(plan.listener_socket);
  return ChildStage::kNone;
}

}  // namespace verpo::exec
