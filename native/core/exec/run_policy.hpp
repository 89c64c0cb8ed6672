// A run's policy, resolved once: which of the requested layers this host gives (the IsolationReport, with
// its notes), and what follows from them for the test's processes: the uid and gid it runs as, the
// namespaces made for it (and a user namespace's id maps), its own tmpfs' mount options, its rlimits and its
// seccomp program. Both run modes read it (sandbox_run.cpp, zygote_run.cpp); the binding reads the report.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/exec/child_launch.hpp"
#include "core/exec/isolation_plan.hpp"
#include "core/exec/policy.hpp"
#include "core/exec/run_result.hpp"
#include "core/exec/seccomp_filter.hpp"

namespace verpo::exec {

struct SandboxConfig {
  std::string work_root;
  int slots = 1;                    // concurrency
  std::vector<uint32_t> slot_uids;  // leased by the Supervisor when root (uid_lease.hpp)
  uint32_t SlotUid(int slot) const {
    return static_cast<size_t>(slot) < slot_uids.size() ? slot_uids[slot] : kDefaultUidBase + static_cast<uint32_t>(slot);
  }
};

// The layers a run with `requested` layers gets on this host (and why others are missing).
IsolationReport EffectiveIsolation(const Layers& requested, int slot, const SandboxConfig& config);

struct RunPolicy {
  IsolationReport isolation;
  Limits limits;
  bool namespaces = false;      // pid, net, mount, ipc of its own (`clone_flags`)
  bool user_namespace = false;  // not root: they hang off a user namespace of our own, our ids mapped to themselves
  bool private_tmpfs = false;   // its /tmp (and /dev/shm, when the host has that directory) a tmpfs of its own
  bool drop_uid = false;        // root: the test runs as the slot's uid (gid likewise)
  bool seccomp = false;
  bool seccomp_listener = false;  // violations arrive through a user-notification listener (else SIGSYS)
  bool address_space_limit = false;
  uid_t uid = 0;  // what the test runs as
  gid_t gid = 0;
  unsigned long clone_flags = 0;
  std::string uid_map, gid_map;          // with user_namespace
  std::string tmp_options, shm_options;  // with private_tmpfs ("" for /dev/shm without the directory)

  // What the candidate's own process applies (isolation_plan.hpp): its rlimits (RLIMIT_NPROC counts per uid and
  // per user namespace, so it is set only with a uid or a user namespace of the test's own), a new session, the
  // uid/gid drop, no_new_privs. The seccomp program is the caller's to attach (its bytes live where it keeps them).
  ChildPlan CandidatePlan() const;
  // The candidate's seccomp program (a listener's variant when seccomp_listener; its rlimit rule from
  // isolation.own_rlimits). Only with `seccomp`.
  SeccompProgram BuildFilter() const;
  // The test's view in its mount namespace: a fresh /proc, the shared writable dirs hidden, the rest read-only,
  // and /tmp its own tmpfs (with /dev/shm) or else `workdir` bound there. Points into this policy.
  MountView Mounts(const std::string& workdir) const;
};

RunPolicy ResolvePolicy(const Layers& layers, const Limits& limits, int slot, const SandboxConfig& config);

}  // namespace verpo::exec
