// Usage of a candidate's whole process tree, read from /proc by the supervisor: the CPU and
// memory limits apply to the tree (a child that allocates or spins counts), not only to the
// process we started. Members are found by their uid when the slot has a uid of its own, else by
// session (a setsid'd daemon escapes that count, but not the pid namespace kill).
#pragma once
#include <sys/types.h>

#include <cstdint>

#include "core/exec/run_util.hpp"

namespace verpo::exec {

struct ProcessUsage {
  uint64_t cpu_ms = 0;  // utime + stime (+ cutime + cstime for the main process)
  uint64_t rss_kb = 0;
  uint32_t processes = 0;  // the tree's members counted (ScanDescendants: zombies too)
};

// One process, from /proc/<pid>/stat read through an fd opened once.
bool ReadProcessUsage(int stat_fd, bool with_children, ProcessUsage* out);

// Sum over the live members of the tree other than `main_pid` (host pid view).
ProcessUsage ScanTree(bool by_uid, uid_t uid, pid_t session, pid_t main_pid);

// Sum over the live descendants of `root` (not root itself; each one's CPU with its reaped children's),
// found through /proc/<pid>/task/*/children:
// a handful of reads instead of a scan of all of /proc. With a pid namespace whose init is `root`,
// every process of the namespace is a descendant (orphans are reparented to the init). False when the
// kernel has no children lists (CONFIG_PROC_CHILDREN) or the tree is too large: use ScanTree then.
// `root`'s /proc/<pid>/stat and /proc/<pid>/task/<pid>/children, when the caller holds them open, are read
// through those fds (a warm zygote's, opened once).
// `held`: one descendant's /proc files kept open from scan to scan (a rollout's process, over its tests): taken for
// the first descendant a scan meets while it holds none, read through from then on. The file of a process that
// has ended reads as an error, never as another's whose pid is the same: then the pid's files are opened again.
struct ProcFiles {
  pid_t pid = 0;
  Fd stat, children;
  void Reset() {
    pid = 0;
    stat.Reset();
    children.Reset();
  }
  void Take(ProcFiles* other) {  // (`other` is left holding none)
    pid = other->pid;
    other->pid = 0;
    stat.Reset(other->stat.Release());
    children.Reset(other->children.Release());
  }
};
bool ScanDescendants(pid_t root, ProcessUsage* out, int root_stat_fd = -1, int root_children_fd = -1,
                     ProcFiles* held = nullptr);

// Kills every process running as `uid` (a per-slot uid nobody else uses, gid likewise), from a
// helper that takes that uid, so kill(-1) reaches exactly those processes (setsid'd daemons too).
void KillAllOfUid(uid_t uid, gid_t gid);

}  // namespace verpo::exec
