// What one sandboxed run reports: per-process measurements, the limit the candidate hit (if
// any), a seccomp violation with its syscall, and the isolation layers that were really active.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace verpo::exec {

struct ProcessOutcome {
  bool started = false;
  int exit_code = -1;  // valid when signal == 0 and started
  int signal = 0;
  uint64_t cpu_ms = 0, wall_ms = 0, memory_kb = 0;
  uint64_t write_set_pages = 0;  // zygote mode: pages its process copied at once after the fork (write_set.hpp)
  std::string stdout_data, stderr_data;
  bool stdout_truncated = false, stderr_truncated = false;
};

enum class LimitHit { kNone, kCpu, kWall, kMemory, kOutput, kFile };
const char* LimitName(LimitHit limit);  // "cpu", ... or nullptr for kNone

struct Violation {
  bool hit = false;
  int nr = -1;
  std::string syscall;  // name, "unknown(nr)", or "foreign-abi(arch:nr)"
};

struct IsolationReport {
  bool rlimits = true;
  bool seccomp = false;
  bool no_new_privs = false;
  std::vector<std::string> namespaces;  // "user", "pid", "net", "mount", "ipc"
  bool drop_uid = false;
  uint32_t uid = 0;  // the uid the candidate runs as (host view); per slot when dropped
  bool cgroup = false;
  // The test may change its own rlimits (lower them, raise a soft one up to its hard one): it holds no
  // CAP_SYS_RESOURCE (a dropped uid, or a non-root caller). Root without the uid drop: every change refused.
  bool own_rlimits = false;
  // Its /tmp and /dev/shm are tmpfs of its own (size and inode limits), counted as its memory.
  bool private_tmpfs = false;
  bool private_workdir = true;
  bool clean_env = true;
  std::vector<std::string> notes;

  bool operator==(const IsolationReport& o) const {
    return rlimits == o.rlimits && seccomp == o.seccomp && no_new_privs == o.no_new_privs && namespaces == o.namespaces &&
           drop_uid == o.drop_uid && uid == o.uid && cgroup == o.cgroup && own_rlimits == o.own_rlimits &&
           private_tmpfs == o.private_tmpfs && private_workdir == o.private_workdir && clean_env == o.clean_env &&
           notes == o.notes;
  }
};

struct RunResult {
  ProcessOutcome candidate;
  LimitHit limit = LimitHit::kNone;
  Violation violation;
  bool has_judge = false;
  ProcessOutcome judge;
  IsolationReport isolation;
  bool judge_recycled = false;  // zygote mode: the warm judge outgrew its memory bound and was stopped after the test
  std::string internal_error;  // never the program's fault (fork EAGAIN, no workdir, ...)
  // zygote mode, stdio: "program" or "setup" when the harness found, before any of it ran, that it does not
  // compile (the compiler's message is the candidate's stderr); "" otherwise
  std::string compile_error;
};

const char* SignalName(int sig);  // "SIGKILL", or nullptr for an unnamed signal

}  // namespace verpo::exec
