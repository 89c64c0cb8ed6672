// "Apply isolation to the current process": the data a freshly forked child needs, prepared
// before the fork, and the async-signal-safe function that applies it. The supervisor uses it
// between clone and execve; the pre-warmed-interpreter path of the next issue applies the same
// plan right after forking a zygote (the plan is plain data; the filter is plain bytes from
// BuildSeccompFilter, so a Python caller can reproduce it through ctypes).
//
// Order matters and is fixed here: rlimits (while still privileged, so hard limits can be set),
// new session, groups/gid/uid drop, parent-death signal (a uid change clears it), no_new_privs,
// then the seccomp filter last (it refuses rlimit changes to a test that would hold CAP_SYS_RESOURCE). With a listener, the filter's
// notification fd is sent to the supervisor over `listener_socket` and closed here.
#pragma once
#include <linux/filter.h>
#include <sys/resource.h>

#include <cstddef>
#include <cstdint>

#include "core/exec/policy.hpp"

namespace verpo::exec {

struct RlimitSetting {
  int resource;
  uint64_t soft, hard;
};

struct ChildPlan {
  RlimitSetting rlimits[12];
  int rlimit_count = 0;
  bool new_session = true;
  bool drop_uid = false;  // setgroups({}), setresgid(gid), setresuid(uid)
  uint32_t uid = 0, gid = 0;
  // PR_SET_DUMPABLE 1 after the uid step, as an exec would leave it: for a forked process that will not exec
  // (the zygote path), whose dumpable flag a uid drop cleared or the (non-dumpable) zygote passed on, so that
  // /proc/<pid> is the test uid's for the supervisor's accounting and /proc/self works.
  bool dumpable = false;
  bool parent_death_kill = true;  // PR_SET_PDEATHSIG(SIGKILL): supervisor thread gone => child gone
  bool no_new_privs = true;
  const sock_filter* filter = nullptr;  // nullptr: no seccomp
  unsigned short filter_len = 0;
  bool filter_listener = false;  // install with SECCOMP_FILTER_FLAG_NEW_LISTENER
  int listener_socket = -1;      // AF_UNIX socket to send the listener fd over (SCM_RIGHTS)

  void AddRlimit(int resource, uint64_t value) { rlimits[rlimit_count++] = {resource, value, value}; }
  void AddRlimit(int resource, uint64_t soft, uint64_t hard) { rlimits[rlimit_count++] = {resource, soft, hard}; }
};

// The candidate's rlimits for `limits`, hard = soft but for STACK: CPU as a backstop (the supervisor kills at
// cpu_ms; at the hard limit the kernel sends SIGKILL), FSIZE, NOFILE, CORE = 0, STACK (soft = stack_mb, hard
// unlimited: the competitive-programming idiom setrlimit(RLIMIT_STACK, (RLIM_INFINITY, RLIM_INFINITY)) must
// succeed; stack pages are resident memory, bounded by the memory limit), MEMLOCK = 0, MSGQUEUE = 0; NPROC only
// when the uid is the slot's own or the test has its own user namespace (it counts every process of the real
// uid there); AS only on request; RTPRIO = 0 (no realtime scheduling that could starve the supervisor, whatever
// the host's hard limit). A test without CAP_SYS_RESOURCE may lower any of them and raise a soft limit up to its
// hard one (the filter lets it change its own limits then; the kernel refuses every hard raise); the limits not
// set here keep the supervisor's values.
void AddCandidateRlimits(ChildPlan* plan, const Limits& limits, bool with_nproc, bool with_address_space);

// Which step failed (reported to the supervisor with errno).
enum class ChildStage : int {
  kNone = 0, kClone, kSignals, kUserNamespace, kFds, kMounts, kChdir, kRlimit, kSession, kUid,
  kPdeathsig, kNoNewPrivs, kSeccomp, kSendListener, kExec, kDumpable, kTmpfs, kFiles, kSendDirs,
};
const char* ChildStageName(ChildStage stage);

// Async-signal-safe. Returns kNone on success, else the failing stage (errno is set).
ChildStage ApplyIsolation(const ChildPlan& plan);

}  // namespace verpo::exec
