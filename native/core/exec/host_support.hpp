// What this host lets the sandbox do, probed once per process (each probe forks a throw-away
// child and tries the real operation) and cached.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace verpo::exec {

struct HostSupport {
  bool is_root = false;
  uint32_t uid = 0, gid = 0;
  // Namespaces: as root, pid/net/mount/ipc directly; otherwise only through a user namespace.
  bool namespaces = false;
  bool needs_user_namespace = false;
  bool mount_proc = false;      // a fresh /proc for the new pid namespace could be mounted
  bool read_only_view = false;  // the mount namespace can be made read-only but the workdir (mount_setattr)
  bool tmpfs = false;           // a tmpfs can be mounted there (the sandbox's own /tmp, size- and inode-limited)
  bool private_shm = false;     // /dev/shm is a directory: the sandbox gets a tmpfs of its own there too
  bool seccomp = false;         // SECCOMP_SET_MODE_FILTER works
  bool seccomp_notify = false;  // SECCOMP_FILTER_FLAG_NEW_LISTENER works (syscall-level reports)
  bool pidfd = false;           // pidfd_open (else the supervisor polls waitpid(pid, WNOHANG))
  bool close_range = false;
  std::string cgroup_v2_dir;    // a delegated, writable cgroup v2 with memory+pids, or ""
  // World-writable directories the candidate must not write to; covered by read-only empty tmpfs
  // in its mount namespace (/tmp itself is replaced by the private workdir, /dev/shm by its own tmpfs).
  std::vector<std::string> shared_writable_dirs;
  std::vector<std::string> notes;  // why a layer is missing
};

// A user namespace map of one id to itself ("id id 1\n"): a namespace of our own without privilege.
std::string SelfIdMap(uint32_t id);

// Probed on first call; thread-safe.
const HostSupport& Host();

}  // namespace verpo::exec
