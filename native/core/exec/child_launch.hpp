// Starting one sandboxed (or trusted) process: everything is prepared in a LaunchPlan before the
// clone, so the child only moves fds, sets up its mount view, applies the ChildPlan and execs.
// A failure in the child is written as {stage, errno} to a close-on-exec pipe; EOF on that pipe
// means the exec succeeded.
#pragma once
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/exec/isolation_plan.hpp"
#include "core/exec/policy.hpp"

namespace verpo::exec {

struct FdMapping {
  int from;
  int to;
};

// The candidate's view of the filesystem inside its own mount namespace.
// mount_setattr(2) (Linux >= 5.12), spelled out here: older C library headers lack it. 442 on x86-64 and
// aarch64, the sandbox's only targets (seccomp_filter.cpp).
struct MountAttr {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};
#ifdef SYS_mount_setattr
constexpr long kSysMountSetattr = SYS_mount_setattr;
#else
constexpr long kSysMountSetattr = 442;
#endif
constexpr unsigned kAtRecursive = 0x8000;
constexpr uint64_t kMountAttrRdonly = 0x1;

// Makes the mount at `path` (and, recursive, every mount under it) read-only, or writable again.
// Async-signal-safe (one syscall); true on success.
inline bool SetMountReadOnly(const char* path, bool read_only, bool recursive) {
  MountAttr attr = {read_only ? kMountAttrRdonly : 0, read_only ? 0 : kMountAttrRdonly, 0, 0};
  return syscall(kSysMountSetattr, AT_FDCWD, path, recursive ? kAtRecursive : 0, &attr, sizeof attr) == 0;
}

struct MountView {
  bool enabled = false;
  bool mount_proc = false;             // fresh /proc for the new pid namespace
  // With mount_proc, >= 0: the new namespace's /proc/sys/kernel/ns_last_pid, opened for writing before the view
  // goes read-only and kept across the exec at this number (a zygote resets its pids with it; best effort).
  int last_pid_fd = -1;
  // /tmp (its cwd): a tmpfs of its own, mounted with these options ("size=..,nr_inodes=..,mode=..,uid=..,gid=.."),
  // or else (nullptr) the host path `workdir_bind` bound there.
  const char* tmp_tmpfs = nullptr;
  const char* workdir_bind = nullptr;
  const char* shm_tmpfs = nullptr;     // a tmpfs of its own on /dev/shm with these options, or nullptr
  // With tmp_tmpfs: written into the fresh /tmp before the exec (mode 0444 or 0555, by the launching uid). The child
  // then sends the supervisor its /tmp and /dev/shm as directory fds (LaunchResult::tmp_fd, shm_fd), which
  // keep both filesystems alive, and measurable, after the namespace dies.
  const FileList* files = nullptr;
  std::vector<const char*> read_only_empty;  // shared world-writable dirs, hidden by empty ro tmpfs
  bool read_only_rest = false;  // every mount but /tmp (and /dev/shm) read-only (mount_setattr, Linux >= 5.12)
};

// The tmpfs options for one of the sandbox's own filesystems (built before the clone: the child allocates nothing).
std::string TmpfsOptions(uint64_t size_bytes, uint64_t inodes, unsigned mode, uint32_t uid, uint32_t gid);

struct LaunchPlan {
  const char* path = nullptr;
  std::vector<char*> argv;  // null-terminated
  std::vector<char*> envp;  // null-terminated
  FdMapping fds[6];
  int fd_count = 0;  // targets must be 0..fd_count-1 in order
  unsigned long clone_flags = 0;
  const char* user_ns_uid_map = nullptr;  // "inside outside 1\n", written by the child itself
  const char* user_ns_gid_map = nullptr;
  MountView mounts;
  const char* cwd = nullptr;      // chdir before the mount view (a host path)
  const char* cwd_after = nullptr;  // chdir after the mount view ("/tmp"), or nullptr
  ChildPlan isolation;
  // In a new pid namespace, a tiny init of ours (pid 1) forks the program (pid 2) and reaps
  // orphans: the program then gets ordinary signal semantics (pid 1 ignores default-action
  // signals sent from inside) and no zombies pile up. Init writes the program's ExitReport to
  // `exit_report_fd` and exits; its exit tears the namespace down.
  bool init_reaper = false;
  int exit_report_fd = -1;
};

// What the namespace init reports about the program (pid 2) when it exits.
struct ExitReport {
  int status;
  struct rusage usage;
};

struct LaunchResult {
  pid_t pid = -1;
  int tmp_fd = -1, shm_fd = -1;  // with a private tmpfs: its /tmp and /dev/shm (ours to close)
  int error = 0;                 // errno of the failure
  ChildStage stage = ChildStage::kNone;
  std::string message() const;
};

// Clones, waits until the child has exec'd (or failed). Never throws.
LaunchResult Launch(LaunchPlan& plan);

// Builds a null-terminated char* vector over strings that outlive it.
std::vector<char*> CStrings(std::vector<std::string>& owned);

}  // namespace verpo::exec
