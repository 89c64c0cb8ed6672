#include "core/exec/host_support.hpp"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/exec/child_launch.hpp"
#include "core/exec/raw_clone.hpp"

namespace verpo::exec {
namespace {

// Runs `body` in a forked child (only raw syscalls inside) and returns its exit code, or -1.
template <typename Body>
int InChild(unsigned long clone_flags, Body body) {
  pid_t pid = RawClone(clone_flags);
  if (pid == 0) _exit(body());
  if (pid < 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool WriteAll(const char* path, const char* text, size_t len) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text, len) == static_cast<ssize_t>(len);
  close(fd);
  return ok;
}

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A cgroup v2 directory we may create children in, with memory and pids controllers enabled for
// them: only when the whole hierarchy is v2 (or the hybrid "unified" mount carries them).
std::string FindDelegatedCgroup(std::vector<std::string>* notes) {
  std::string mountpoint;
  std::istringstream mounts(ReadSmallFile("/proc/self/mounts"));
  for (std::string line; std::getline(mounts, line);) {
    std::istringstream f(line);
    std::string dev, dir, type;
    f >> dev >> dir >> type;
    if (type == "cgroup2") mountpoint = dir;
  }
  if (mountpoint.empty()) {
    notes->push_back("cgroup: no cgroup v2 mount");
    return "";
  }
  std::string rel;
  std::istringstream self(ReadSmallFile("/proc/self/cgroup"));
  for (std::string line; std::getline(self, line);)
    if (line.rfind("0::", 0) == 0) rel = line.substr(3);
  std::string dir = mountpoint + rel;
  std::string controllers = ReadSmallFile(dir + "/cgroup.controllers");
  bool has = controllers.find("memory") != std::string::npos && controllers.find("pids") != std::string::npos;
  if (!has) {
    notes->push_back("cgroup: v2 at " + dir + " lacks memory/pids controllers (have: " +
                     (controllers.empty() ? std::string("none") : controllers.substr(0, controllers.find('\n'))) + ")");
    return "";
  }
  if (access(dir.c_str(), W_OK) != 0 || access((dir + "/cgroup.subtree_control").c_str(), W_OK) != 0) {
    notes->push_back("cgroup: v2 at " + dir + " is not writable (not delegated)");
    return "";
  }
  return dir;
}

HostSupport Probe() {
  HostSupport h;
  h.uid = geteuid();
  h.gid = getegid();
  h.is_root = h.uid == 0;

  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0));
  h.pidfd = pidfd >= 0;
  if (pidfd >= 0) close(pidfd);
  h.close_range = syscall(SYS_close_range, ~0U, ~0U, 0) == 0;

  // seccomp with a listener: install an allow-all filter in a child.
  static sock_filter allow_all[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  static sock_fprog prog = {1, allow_all};
  h.seccomp = InChild(0, [] {
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 1;
                return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0 ? 0 : 2;
              }) == 0;
  h.seccomp_notify = h.seccomp && InChild(0, [] {
                       if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 1;
                       long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
                       return fd >= 0 ? 0 : 2;
                     }) == 0;
  if (!h.seccomp) h.notes.push_back("seccomp: SECCOMP_SET_MODE_FILTER is unavailable");
  else if (!h.seccomp_notify) h.notes.push_back("seccomp: no user notification; violations kill with SIGSYS, syscall unknown");

  // Namespaces, tried the way a run uses them (a private mount tree and a fresh /proc).
  h.needs_user_namespace = !h.is_root;
  unsigned long ns = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC;
  if (h.needs_user_namespace) ns |= CLONE_NEWUSER;
  static std::string uid_map, gid_map;  // made before the fork: the child only writes them
  uid_map = SelfIdMap(h.uid);
  gid_map = SelfIdMap(h.gid);
  static bool with_user;
  with_user = h.needs_user_namespace;
  auto enter = [] {
    if (with_user) {
      if (!WriteAll("/proc/self/setgroups", "deny", 4)) return 10;
      if (!WriteAll("/proc/self/uid_map", uid_map.data(), uid_map.size())) return 11;
      if (!WriteAll("/proc/self/gid_map", gid_map.data(), gid_map.size())) return 12;
    }
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 13;
    int missing = 0;  // bits: 1 no read-only view (mount_setattr), 2 no fresh /proc, 4 no tmpfs of its own
    if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,nr_inodes=16,mode=0700") != 0) missing |= 4;
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) missing |= 2;
    if (!SetMountReadOnly("/", true, true)) missing |= 1;
    return 64 + missing;
  };
  int rc = InChild(ns, enter);
  h.namespaces = rc >= 64 && rc < 72;
  h.mount_proc = h.namespaces && !(rc & 2);
  h.read_only_view = h.namespaces && !(rc & 1);
  h.tmpfs = h.namespaces && !(rc & 4);
  if (!h.namespaces)
    h.notes.push_back(std::string("namespaces: unavailable (") +
                      (h.needs_user_namespace ? "unprivileged user namespaces refused" : "clone failed") + ")");
  else if (!h.mount_proc)
    h.notes.push_back("namespaces: cannot mount a fresh /proc; host /proc stays visible");
  if (h.namespaces && !h.read_only_view)
    h.notes.push_back("filesystem: no read-only view (mount_setattr unavailable: Linux < 5.12, or refused): what the "
                      "test's uid may write outside its workdir stays writable");

  if (h.namespaces && !h.tmpfs)
    h.notes.push_back("filesystem: no tmpfs of its own (mount refused): the test's /tmp is a host directory, its files "
                      "bounded only by RLIMIT_FSIZE each and by the host's disk, and not counted as memory");
  struct stat shm;
  h.private_shm = h.tmpfs && lstat("/dev/shm", &shm) == 0 && S_ISDIR(shm.st_mode);
  const char* candidates[] = {"/var/tmp", "/dev/shm", "/run/shm", "/run/lock", "/var/lock", "/dev/mqueue", "/var/crash"};
  for (const char* d : candidates) {
    if (h.private_shm && !strcmp(d, "/dev/shm")) continue;  // its own tmpfs there instead
    struct stat st;
    if (lstat(d, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & S_IWOTH)) h.shared_writable_dirs.push_back(d);
  }

  h.cgroup_v2_dir = FindDelegatedCgroup(&h.notes);
  if (!h.pidfd) h.notes.push_back("pidfd_open unavailable: exits are found by polling waitpid(pid)");
  return h;
}

}  // namespace

std::string SelfIdMap(uint32_t id) {
  return std::to_string(id) + " " + std::to_string(id) + " 1\n";
}

const HostSupport& Host() {
  static std::once_flag once;
  static HostSupport host;
  std::call_once(once, [] { host = Probe(); });
  return host;
}

}  // namespace verpo::exec
