// Zygote mode: one run per test, forked from warm interpreters instead of started fresh.
//
// Each supervisor slot (worker thread) keeps two long-lived TRUSTED processes of its own, started on
// first use and restarted whenever one dies or the request asks for a different one (warm_slot.hpp):
//   - the zygote (lib/exec/python/zygote.py): a Python with the harness and common modules loaded. With
//     namespaces it is started as pid 1 of the slot's own pid namespace, in the slot's own mount, ipc and
//     net namespaces (made once, here; when not root, inside a user namespace of its own with our uid mapped
//     to itself, and the tests run as that uid), with its own size- and inode-limited tmpfs on /tmp and
//     /dev/shm, whose bytes count as each test's memory. Its per-test loop is the C fork server (native/zygote/fork_server.cpp; wire format zygote_wire.hpp). Per test it forks ONE
//     process, which isolates itself exactly as the native path does (same plan and code: rlimits, setsid, uid
//     drop, pdeathsig, no_new_privs, seccomp last, listener fd sent here) and only then runs the program.
//     It never runs candidate code and never sees test data; it hands us a pidfd of the test's process,
//     and once that process is reaped it kills every other process of the namespace (kill(-1) from its
//     pid 1: the test's whole tree, daemons included), reaps them, and reports the test's status.
//   - the judge (lib/exec/python/judge.py, serve_forever): evaluates one test after another; each test
//     reaches it over its private control socket together with the test's channel socket.
// Between tests the slot's /tmp and /dev/shm are emptied (and their mode reset), SysV IPC is refused by the filter,
// and no process of the test survives: a test finds the slot as the previous one found it.
//
// Why the orchestration is here, in C++, and not in TypeScript: the verdict-deciding facts (CPU, memory,
// wall, output, seccomp violations, the tree's death) must be observed from outside the program by the
// same epoll/pidfd/timerfd loop as the spawn path (run_loop.hpp: this mode supplies only how a test
// starts and ends), off Node's event loop, and a run must end the same way (kill the tree through a
// pidfd, drain, clean the workdir) whichever mode started it.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <string>

#include "core/exec/policy.hpp"
#include "core/exec/run_result.hpp"
#include "core/exec/sandbox_run.hpp"
#include "core/exec/warm_slot.hpp"
#include "core/exec/workdir.hpp"

namespace verpo::exec {

// Same contract as RunSandboxed; request.zygote.enabled must be set.
RunResult RunInZygote(const RunRequest& request, int slot, const SandboxConfig& config, int cancel_fd, WarmSlot* warm);

}  // namespace verpo::exec
