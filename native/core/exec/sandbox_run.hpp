// Spawn mode: one run, start to finish, on the calling thread: workdir, candidate (and judge) started
// fresh, supervised by the run loop (run_loop.hpp: pidfds, output pipes, the seccomp listener and a
// 10 ms timer that enforces CPU, memory and wall limits from outside, summed over the candidate's
// process tree); then the whole candidate tree is killed and reaped and the workdir removed, whatever
// happened.
//
// Killing the tree: with a pid namespace, SIGKILL to its init (ours, pid 1; the program is pid 2)
// ends every process in it. Without one: the process group, then every process of the slot's
// own uid (a setsid'd daemon included); with neither a namespace nor a uid of our own, only the
// process group (reported in the isolation notes).
#pragma once
#include <string>
#include <vector>

#include "core/exec/policy.hpp"
#include "core/exec/run_policy.hpp"
#include "core/exec/run_result.hpp"

namespace verpo::exec {

// `cancel_fd` (an eventfd, or -1): readable => kill everything and return with
// internal_error = "cancelled". Never throws.
RunResult RunSandboxed(const RunRequest& request, int slot, const SandboxConfig& config, int cancel_fd);

// The substitution token for the workdir path in argv and env values.
constexpr const char* kWorkdirToken = "{workdir}";

}  // namespace verpo::exec
