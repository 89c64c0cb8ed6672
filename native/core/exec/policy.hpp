// The sandbox policy in one place: every isolation layer a run asks for, and the limits it runs
// under. The supervisor turns a policy into a ChildPlan (isolation_plan.hpp), which is plain data
// that a freshly forked child applies to itself.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace verpo::exec {

// Which layers to use. A layer the host cannot provide is skipped and the run's IsolationReport
// says so; asking for it never fails a run.
struct Layers {
  bool seccomp = true;
  bool namespaces = true;          // user (when not root), pid, net, mount, ipc
  bool drop_uid = true;            // when root: run as an unprivileged per-slot uid
  bool cgroup = true;              // cgroup v2 memory/pids when a delegated one is writable
  bool address_space_limit = false;  // RLIMIT_AS = memory limit; off: it breaks BLAS/JIT heaps
};

// The defaults of the limits not every caller sets (the TypeScript side leaves them to these).
constexpr uint64_t kDefaultTmpfsInodes = 4096;   // files + directories in each of /tmp and /dev/shm
constexpr uint64_t kDefaultJudgeMaxRssMb = 256;  // a warm judge grown past this is recycled after its test

struct Limits {
  uint64_t cpu_ms = 1000;
  uint64_t wall_ms = 3000;
  uint64_t memory_mb = 256;
  uint64_t output_kb = 64;    // per stream (stdout, stderr)
  uint64_t file_kb = 16384;   // RLIMIT_FSIZE: the largest file the candidate may write
  uint64_t nofile = 64;       // RLIMIT_NOFILE
  uint64_t nproc = 64;        // RLIMIT_NPROC (per uid; meaningful when the uid is not root)
  uint64_t stack_mb = 256;    // RLIMIT_STACK soft limit (the hard one is unlimited): deep recursion needs a big stack
  // The sandbox's own tmpfs on /tmp (its cwd) and on /dev/shm, with a mount namespace: each at most this many
  // MiB (0: the memory limit) and inodes. What they hold counts as the test's memory (tree RSS + their bytes).
  uint64_t tmpfs_mb = 0;
  uint64_t inodes = kDefaultTmpfsInodes;
  // Default: past the memory limit (by 1/8 + 16 MiB), so that files filling it are MLE, decided by the memory
  // figure, before the program can meet ENOSPC at exactly the limit and die of it first (an RE).
  uint64_t TmpfsBytes() const { return (tmpfs_mb ? tmpfs_mb : memory_mb + memory_mb / 8 + 16) * 1024 * 1024; }
};

// Slot i of a root supervisor runs as its own leased uid (gid likewise; uid_lease.hpp), so that
// RLIMIT_NPROC and "kill every process of this uid" are per slot, never shared between runs.
// This base is used only by callers that run a slot without a Supervisor (native tests).
constexpr uint32_t kDefaultUidBase = 61000;

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is an absolute path (resolved by the caller)
  std::vector<std::string> env;   // "KEY=value", exactly what the child gets
  std::string stdin_data;
};

// Zygote mode (zygote_run.hpp): the candidate is forked from a warm trusted interpreter of the slot
// (started with candidate.argv, fed `init` once) instead of started fresh; `mode` tells it what to
// run ("serve", "stdio", "compile"). With a judge, the judge is a warm server of the slot too
// (started with judge.argv, fed `judge_init` once); judge.stdin_data is then the test it gets.
// The harness bytes are the same for every test of an executor: shared, with their hash computed once.
struct SharedBytes {
  std::shared_ptr<const std::string> data;
  size_t hash = 0;
  const std::string& str() const {
    static const std::string empty;
    return data ? *data : empty;
  }
};

struct ZygoteSpec {
  bool enabled = false;
  SharedBytes init;
  std::string mode;
  SharedBytes judge_init;
};

// A file of the test's workdir, written before the program starts: read-only (0444), or read-only and
// executable (0555: a compiled program or checker).
struct SandboxFile {
  std::string name, content;
  bool executable = false;
  unsigned Mode() const { return executable ? 0555 : 0444; }
};
using FileList = std::vector<SandboxFile>;

struct RunRequest {
  ProcessSpec candidate;
  ZygoteSpec zygote;
  bool has_judge = false;
  ProcessSpec judge;
  bool channel = true;  // socketpair: candidate fd 3 <-> judge fd 3 (only with a judge)
  FileList files;
  Limits limits;
  Layers layers;
  // Zygote mode: the slot's warm judge is killed after the test (and restarted on next use) when its resident
  // memory has grown past this (0: never). A spawn-mode judge lives for one test anyway.
  uint64_t judge_max_rss_mb = kDefaultJudgeMaxRssMb;
  // Rollout scope: after a test that did not pass (as the supervisor and the judge see it: a limit, a violation,
  // a judge verdict other than AC, a stdio program that failed), the rollout's later tests are not run.
  bool stop_after_failure = false;
};

}  // namespace verpo::exec
