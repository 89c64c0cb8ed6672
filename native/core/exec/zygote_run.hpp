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
#include <vector>

#include "core/exec/event_set.hpp"
#include "core/exec/policy.hpp"
#include "core/exec/process_tree.hpp"
#include "core/exec/run_result.hpp"
#include "core/exec/run_util.hpp"
#include "core/exec/sandbox_run.hpp"
#include "core/exec/warm_slot.hpp"
#include "core/exec/workdir.hpp"

namespace verpo::exec {

// Same contract as RunSandboxed; request.zygote.enabled must be set.
RunResult RunInZygote(const RunRequest& request, int slot, const SandboxConfig& config, int cancel_fd, WarmSlot* warm);

// Rollout scope: one program's tests, in order, with one result each (same contract per test). They run in one
// process forked from the zygote, which runs the program's top level once: assert/call tests are judged one after
// another against it (the warm judge asks it again for its names), stdio tests run its compiled top level again
// as __main__ with each test's own stdin, stdout and stderr (pipes handed over its control socket, fd 3). Every
// test keeps its own verdict and limits, measured from outside: CPU of the tree from the test's start, memory of
// the tree while it runs, wall from its start, output per test. A test after which the process cannot go on (it
// ended, met a limit, a violation, a judge that saw a fault, a cancel) gets its verdict, and the next test starts
// in a fresh fork. The process's RLIMIT_CPU backstop is the CPU of the tests it may still run. Nothing carries over
// between rollouts: after the last test the process is killed and the slot's files emptied, as after a test.
// Every request must be a zygote request of the same program, mode and limits.
std::vector<RunResult> RunRolloutInZygote(const std::vector<RunRequest>& requests, int slot, const SandboxConfig& config,
                                          int cancel_fd, WarmSlot* warm);

// The internal error of a test a rollout did not run because an earlier one failed (RunRequest::stop_after_failure).
constexpr char kNotRunAfterFailure[] = "not run: an earlier test of the rollout failed (stopAfterFailure)";

// Why a rollout's tests cannot share `shared` ("" when they can): a zygote run in mode serve or stdio. That its tests are
// runs of one program (files, argv, environment, harness, limits, layers) holds by construction: the binding builds
// each from `shared` and the test's stdins (sandbox.ts checked the specs it was given).
std::string CheckRollout(const RunRequest& shared);

// The rollout's process between two of its tests (zygote_run.cpp fills and empties it).
struct LiveTest {
  Fd pidfd;          // the test process (the zygote's child)
  pid_t host_pid = 0;
  uint64_t zygote_generation = 0;  // the zygote that forked it (WarmProcess::generation)
  Fd out, err;       // serve mode: its stdout and stderr, read per test
  Fd peer;           // our end of its fd 3: the judge channel (serve) or the control socket (stdio)
  Fd listener;       // its seccomp listener
  uint64_t cpu_ms = 0;  // the tree's CPU (utime + stime + reaped children's, from /proc) when its last test ended
  uint64_t serial = 0;  // its number among the rollouts' processes (what the warm judge knows it by)
  // What its tests wait on, with the registrations its next test watches again (event_set.hpp), and its /proc files.
  EventSet events;
  ProcFiles proc;
  bool alive() const { return pidfd.fd >= 0; }
  void Drop() {
    for (Fd* f : {&pidfd, &out, &err, &peer, &listener}) f->Reset();
    events.Close();
    proc.Reset();
    host_pid = 0;
    zygote_generation = 0;
    serial = 0;
  }
};

}  // namespace verpo::exec
