#include "core/exec/child_launch.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "core/exec/fd_passing.hpp"
#include "core/exec/raw_clone.hpp"
#include "core/exec/run_util.hpp"

namespace verpo::exec {
namespace {

struct ChildFailure {
  int stage;
  int error;
};

[[noreturn]] void Fail(int report_fd, ChildStage stage) {
  ChildFailure f = {static_cast<int>(stage), errno};
  ssize_t ignored = write(report_fd, &f, sizeof f);
  (void)ignored;
  _exit(127);
}

bool WriteFileInChild(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  size_t len = strlen(text);
  bool ok = write(fd, text, len) == static_cast<ssize_t>(len);
  close(fd);
  return ok;
}

bool CloseFrom(int first) {
  if (syscall(SYS_close_range, first, ~0U, 0) == 0) return true;
  for (int fd = first; fd < 65536; ++fd) close(fd);  // pre-5.9 kernels
  return true;
}

// pid 1 of the sandbox's pid namespace, already under the full ChildPlan (same uid, limits and
// filter as the program). Forks the program, closes everything but the exit report, reaps.
// The namespace's ns_last_pid, writable, at `target` for the exec'd zygote. A file open for writing would
// keep the view from going read-only (EBUSY), and the view's /proc is read-only by now: a second proc goes on
// top of it, the file is opened there and that proc is detached at once (the open file keeps it). Best effort
// (without it pids follow on); but a proc that stayed writable in the view fails the launch.
void KeepLastPid(int target, int report_fd) {
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) return;
  int f = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);  // (no O_CLOEXEC: kept across the exec)
  if (umount2("/proc", MNT_DETACH) != 0) Fail(report_fd, ChildStage::kMounts);
  if (f >= 0 && f != target) {
    dup2(f, target);
    close(f);
  }
}

[[noreturn]] void RunInit(LaunchPlan& plan, int report_fd, int exit_report) {
  long program = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (program == 0) {
    ResetSignalsInChild();
    execve(plan.path, plan.argv.data(), plan.envp.data());
    Fail(report_fd, ChildStage::kExec);
  }
  if (program < 0) Fail(report_fd, ChildStage::kClone);
  // Holding none of the program's pipes (or the exec report) keeps EOF exact for the supervisor.
  for (int fd = 0; fd < exit_report; ++fd) close(fd);
  for (;;) {
    ExitReport report = {};
    pid_t pid = static_cast<pid_t>(syscall(SYS_wait4, -1, &report.status, __WALL, &report.usage));
    if (pid == program) {
      ssize_t ignored = write(exit_report, &report, sizeof report);
      (void)ignored;
      _exit(0);  // the kernel then kills whatever else lives in the namespace
    }
    if (pid < 0 && errno != EINTR) _exit(0);
  }
}

// Writes the program's files into the fresh /tmp (`dir`): read-only to the test, never through a link.
// Async-signal-safe: the names and bytes were made before the clone.
bool WriteFilesInChild(int dir, const FileList& files) {
  for (const auto& f : files) {
    int fd = openat(dir, f.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, f.Mode());
    if (fd < 0) return false;
    size_t done = 0;
    while (done < f.content.size()) {
      ssize_t n = write(fd, f.content.data() + done, f.content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(fd);
        return false;
      }
      done += static_cast<size_t>(n);
    }
    close(fd);
  }
  return true;
}

[[noreturn]] void ChildMain(LaunchPlan& plan, int report_fd, int dir_socket) {
  ResetSignalsInChild();
  if (plan.user_ns_uid_map) {
    if (!WriteFileInChild("/proc/self/setgroups", "deny") ||
        !WriteFileInChild("/proc/self/uid_map", plan.user_ns_uid_map) ||
        !WriteFileInChild("/proc/self/gid_map", plan.user_ns_gid_map))
      Fail(report_fd, ChildStage::kUserNamespace);
  }

  // Move every source above the targets first, so a dup2 never clobbers a later source; then the
  // report pipe and the listener socket go right after the targets (close-on-exec) and every
  // other inherited fd is closed.
  constexpr int kHigh = 512;
  int moved[6];
  for (int i = 0; i < plan.fd_count; ++i) {
    moved[i] = fcntl(plan.fds[i].from, F_DUPFD_CLOEXEC, kHigh);
    if (moved[i] < 0) Fail(report_fd, ChildStage::kFds);
  }
  int report = fcntl(report_fd, F_DUPFD_CLOEXEC, kHigh);
  if (report < 0) Fail(report_fd, ChildStage::kFds);
  report_fd = report;
  int listener = -1;
  if (plan.isolation.listener_socket >= 0) {
    listener = fcntl(plan.isolation.listener_socket, F_DUPFD_CLOEXEC, kHigh);
    if (listener < 0) Fail(report_fd, ChildStage::kFds);
  }
  int exit_report = -1;
  if (plan.exit_report_fd >= 0) {
    exit_report = fcntl(plan.exit_report_fd, F_DUPFD_CLOEXEC, kHigh);
    if (exit_report < 0) Fail(report_fd, ChildStage::kFds);
  }
  if (dir_socket >= 0) {
    dir_socket = fcntl(dir_socket, F_DUPFD_CLOEXEC, kHigh);
    if (dir_socket < 0) Fail(report_fd, ChildStage::kFds);
  }
  for (int i = 0; i < plan.fd_count; ++i)
    if (dup2(moved[i], plan.fds[i].to) < 0) Fail(report_fd, ChildStage::kFds);
  int next = plan.fd_count;
  if (dup3(report_fd, next, O_CLOEXEC) < 0) Fail(report_fd, ChildStage::kFds);
  report_fd = next++;
  if (listener >= 0) {
    if (dup3(listener, next, O_CLOEXEC) < 0) Fail(report_fd, ChildStage::kFds);
    plan.isolation.listener_socket = next++;
  }
  if (exit_report >= 0) {
    if (dup3(exit_report, next, O_CLOEXEC) < 0) Fail(report_fd, ChildStage::kFds);
    exit_report = next++;
  }
  if (dir_socket >= 0) {
    if (dup3(dir_socket, next, O_CLOEXEC) < 0) Fail(report_fd, ChildStage::kFds);
    dir_socket = next++;
  }
  CloseFrom(next);

  if (plan.cwd && chdir(plan.cwd) != 0) Fail(report_fd, ChildStage::kChdir);
  if (plan.mounts.enabled) {
    const MountView& m = plan.mounts;
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) Fail(report_fd, ChildStage::kMounts);
    if (m.mount_proc && mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
      Fail(report_fd, ChildStage::kMounts);
    if (m.tmp_tmpfs) {
      // Its own /tmp and /dev/shm: size- and inode-limited, made in its own mount namespace (so without
      // privilege too, in a user namespace), gone with it.
      if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, m.tmp_tmpfs) != 0) Fail(report_fd, ChildStage::kTmpfs);
    } else if (m.workdir_bind && mount(m.workdir_bind, "/tmp", nullptr, MS_BIND, nullptr) != 0) {
      Fail(report_fd, ChildStage::kMounts);
    }
    if (m.shm_tmpfs && mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, m.shm_tmpfs) != 0)
      Fail(report_fd, ChildStage::kTmpfs);
    for (const char* dir : m.read_only_empty)
      if (mount("tmpfs", dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555") != 0)
        Fail(report_fd, ChildStage::kMounts);
    // Then the whole view read-only but the workdir: a test can write nothing else, whatever the file
    // permissions say (as non-root, a test shares the caller's uid and so its files).
    if (m.read_only_rest) {
      if (!SetMountReadOnly("/", true, true)) Fail(report_fd, ChildStage::kMounts);
      if ((m.tmp_tmpfs || m.workdir_bind) && !SetMountReadOnly("/tmp", false, false)) Fail(report_fd, ChildStage::kMounts);
      if (m.shm_tmpfs && !SetMountReadOnly("/dev/shm", false, false)) Fail(report_fd, ChildStage::kMounts);
    }
    if (m.mount_proc && m.last_pid_fd >= next) KeepLastPid(m.last_pid_fd, report_fd);
    if (m.tmp_tmpfs) {
      int tmp = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (tmp < 0) Fail(report_fd, ChildStage::kTmpfs);
      if (m.files && !WriteFilesInChild(tmp, *m.files)) Fail(report_fd, ChildStage::kFiles);
      int shm = m.shm_tmpfs ? open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
      if (m.shm_tmpfs && shm < 0) Fail(report_fd, ChildStage::kTmpfs);
      // The supervisor's handles on both (queued now; it reads them once the exec succeeded).
      if (dir_socket < 0 || !SendFd(dir_socket, "T", 1, tmp) || (shm >= 0 && !SendFd(dir_socket, "S", 1, shm)))
        Fail(report_fd, ChildStage::kSendDirs);
      close(tmp);
      if (shm >= 0) close(shm);
    }
  }
  if (dir_socket >= 0) close(dir_socket);
  if (plan.cwd_after && chdir(plan.cwd_after) != 0) Fail(report_fd, ChildStage::kChdir);

  ChildStage stage = ApplyIsolation(plan.isolation);
  if (stage != ChildStage::kNone) Fail(report_fd, stage);
  if (plan.init_reaper) RunInit(plan, report_fd, exit_report);
  execve(plan.path, plan.argv.data(), plan.envp.data());
  Fail(report_fd, ChildStage::kExec);
}

}  // namespace

std::string LaunchResult::message() const {
  return std::string(ChildStageName(stage)) + ": " + strerror(error);
}

std::vector<char*> CStrings(std::vector<std::string>& owned) {
  std::vector<char*> out;
  out.reserve(owned.size() + 1);
  for (std::string& s : owned) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string TmpfsOptions(uint64_t size_bytes, uint64_t inodes, unsigned mode, uint32_t uid, uint32_t gid) {
  char buf[160];
  snprintf(buf, sizeof buf, "size=%llu,nr_inodes=%llu,mode=%o,uid=%u,gid=%u", static_cast<unsigned long long>(size_bytes),
           static_cast<unsigned long long>(inodes), mode, uid, gid);
  return buf;
}

// The child's /tmp and /dev/shm, as it sent them (already queued: it sent them before its exec).
static bool ReceiveDirs(int sock, bool with_shm, LaunchResult* r) {
  for (int i = 0; i < (with_shm ? 2 : 1); ++i) {
    char tag = 0;
    int fd = -1;
    ssize_t n = RecvFd(sock, &tag, 1, &fd, 0);
    if (n != 1 || tag != (i == 0 ? 'T' : 'S') || fd < 0) {
      if (fd >= 0) close(fd);
      return false;
    }
    (i == 0 ? r->tmp_fd : r->shm_fd) = fd;
  }
  return true;
}

LaunchResult Launch(LaunchPlan& plan) {
  LaunchResult r;
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    r.error = errno;
    r.stage = ChildStage::kFds;
    return r;
  }
  int dirs[2] = {-1, -1};
  bool want_dirs = plan.mounts.enabled && plan.mounts.tmp_tmpfs;
  if (want_dirs && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, dirs) != 0) {
    r.error = errno;
    r.stage = ChildStage::kFds;
    close(report[0]);
    close(report[1]);
    return r;
  }
  pid_t pid = RawClone(plan.clone_flags);
  if (pid == 0) {
    close(report[0]);
    if (dirs[0] >= 0) close(dirs[0]);
    ChildMain(plan, report[1], dirs[1]);
  }
  close(report[1]);
  if (dirs[1] >= 0) close(dirs[1]);
  Fd dir_rx(dirs[0]);
  if (pid < 0) {
    close(report[0]);
    r.error = -pid;
    r.stage = ChildStage::kClone;
    return r;
  }
  r.pid = pid;
  // The child reaches exec in microseconds; a bounded wait guards against a wedged child.
  ChildFailure failure = {};
  pollfd p = {report[0], POLLIN, 0};
  int ready;
  do ready = poll(&p, 1, 10000);
  while (ready < 0 && errno == EINTR);
  ssize_t n = ready > 0 ? read(report[0], &failure, sizeof failure) : -1;
  close(report[0]);
  if (n == 0) {  // EOF: exec succeeded
    if (!want_dirs || ReceiveDirs(dir_rx.fd, plan.mounts.shm_tmpfs != nullptr, &r)) return r;
    r.stage = ChildStage::kSendDirs;
    r.error = EPROTO;
    for (int* fd : {&r.tmp_fd, &r.shm_fd}) {
      if (*fd >= 0) close(*fd);
      *fd = -1;
    }
  } else if (n == static_cast<ssize_t>(sizeof failure)) {
    r.stage = static_cast<ChildStage>(failure.stage);
    r.error = failure.error;
  } else {
    r.stage = ChildStage::kExec;
    r.error = ready == 0 ? ETIMEDOUT : EIO;
  }
  kill(pid, SIGKILL);
  int status;
  while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR) {
  }
  r.pid = -1;
  return r;
}

}  // namespace verpo::exec
