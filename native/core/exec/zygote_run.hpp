// Zygote mode: one run per test, forked from warm interpreters instead of started fresh.
//
// Each supervisor slot (worker thread) keeps two long-lived TRUSTED processes of its own, started on
// first use and restarted whenever one dies or the request asks for a different one:
//   - the zygote (lib/exec/python/zygote.py): a Python with the harness and common modules loaded; per
//     test it forks the test's init (pid 1 of a fresh pid namespace), which isolates itself exactly as
//     the native path does (same plan: rlimits, setsid, uid drop, pdeathsig, no_new_privs, seccomp last,
//     listener fd sent here) and only then forks the program. It never runs candidate code and never
//     sees test data; it reports the init's host pid (and waits for our pidfd before it may reap it),
//     then the init's status and the program's status and rusage.
//   - the judge (lib/exec/python/judge.py, serve_forever): evaluates one test after another; each test
//     reaches it over its private control socket together with the test's channel socket.
//
// Why the orchestration is here, in C++, and not in TypeScript: the verdict-deciding facts (CPU, memory,
// wall, output, seccomp violations, the tree's death) must be observed from outside the program by the
// same epoll/pidfd/timerfd loop as the spawn path, off Node's event loop, and a run must end the same
// way (kill the tree through a pidfd, drain, remove the workdir) whichever mode started it.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <string>

#include "core/exec/policy.hpp"
#include "core/exec/run_result.hpp"
#include "core/exec/sandbox_run.hpp"

namespace verpo::exec {

// A trusted helper process of one slot, with its control socket.
struct WarmProcess {
  pid_t pid = -1;
  int pidfd = -1;
  int ctl = -1;
  size_t key = 0;  // hash of what it was started with
  uint64_t runs = 0;
  bool alive() const { return pid > 0; }
  void Stop();  // SIGKILL, reap, close; idempotent
};

// The warm processes of one slot; owned by its worker thread (so PR_SET_PDEATHSIG fires when it ends).
struct WarmSlot {
  WarmProcess zygote, judge;
  std::string filter;  // the seccomp program's bytes, built once
  bool filter_built = false;
  ~WarmSlot() {
    zygote.Stop();
    judge.Stop();
  }
};

// Same contract as RunSandboxed; request.zygote.enabled must be set.
RunResult RunInZygote(const RunRequest& request, int slot, const SandboxConfig& config, int cancel_fd, WarmSlot* warm);

}  // namespace verpo::exec
