#include "core/exec/warm_slot.hpp"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>

#include "core/exec/fd_passing.hpp"
#include "core/exec/run_util.hpp"
#include "core/exec/zygote_wire.hpp"

namespace verpo::exec {

void WarmProcess::Stop() {
  if (pid > 0) {
    if (pidfd >= 0) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
    else kill(pid, SIGKILL);
    int status;
    while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR) {
    }
  }
  if (pidfd >= 0) close(pidfd);
  if (ctl >= 0) close(ctl);
  if (stat_fd >= 0) close(stat_fd);
  if (children_fd >= 0) close(children_fd);
  pid = -1;
  pidfd = -1;
  ctl = -1;
  stat_fd = -1;
  children_fd = -1;
  key = 0;
  runs = 0;
}

const std::string& WarmSlot::Filter(const RunPolicy& policy) {
  if (!filter_built || filter_own_rlimits != policy.isolation.own_rlimits) {
    SeccompProgram p = policy.BuildFilter();
    filter.assign(reinterpret_cast<const char*>(p.bytes.data()), p.bytes.size());
    filter_built = true;
    filter_own_rlimits = policy.isolation.own_rlimits;
  }
  return filter;
}

// The zygote's fork server library: built with the addon and shipped beside it (binding.gyp,
// CMakeLists.txt), found from where this code was loaded. Empty if it is not there.
const std::string& ZygoteLibrary() {
  static const std::string path = [] {
    Dl_info info = {};
    if (!dladdr(reinterpret_cast<void*>(&ZygoteLibrary), &info) || !info.dli_fname) return std::string();
    std::string self = info.dli_fname;
    size_t slash = self.rfind('/');
    std::string lib = (slash == std::string::npos ? std::string(".") : self.substr(0, slash)) + "/verpo_zygote.so";
    return access(lib.c_str(), R_OK) == 0 ? lib : std::string();
  }();
  return path;
}

bool SendMessage(int sock, const std::string& data, const int* fds, int nfds) {
  return SendFds(sock, data.data(), data.size(), fds, nfds);
}

bool RecvMessageFd(int sock, std::string* out, int* fd, int timeout_ms) {
  char buf[4096];
  ssize_t n = RecvFd(sock, buf, sizeof buf, fd, timeout_ms);
  if (n <= 0) return false;
  out->assign(buf, static_cast<size_t>(n));
  return true;
}

bool RecvMessage(int sock, std::string* out, int timeout_ms) {
  int fd = -1;
  bool ok = RecvMessageFd(sock, out, &fd, timeout_ms);
  if (fd >= 0) close(fd);
  return ok;
}

namespace {

size_t KeyOf(const ProcessSpec& p, const SharedBytes& init, const std::string& extra) {
  std::string all;
  for (const auto& a : p.argv) all += a + '\0';
  all += '\1';
  for (const auto& e : p.env) all += e + '\0';
  all += std::to_string(init.hash) + ':' + std::to_string(init.str().size());
  all += '\2';
  all += extra;
  return std::hash<std::string>{}(all);
}

}  // namespace

std::string StartWarm(WarmProcess* w, const WarmStart& s) {
  int sv[2];
  if (socketpair(AF_UNIX, s.sock_type | SOCK_CLOEXEC, 0, sv) != 0) return std::string("socketpair: ") + strerror(errno);
  Fd mine(sv[0]), theirs(sv[1]);
  if (s.sock_type == SOCK_SEQPACKET) {
    int size = static_cast<int>(s.init->size() + 65536);
    if (setsockopt(mine.fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
      setsockopt(mine.fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  Fd devnull(open("/dev/null", O_RDWR | O_CLOEXEC));
  std::vector<std::string> argv = *s.argv, envv = s.env;
  LaunchPlan plan;
  plan.path = argv[0].c_str();
  plan.argv = CStrings(argv);
  plan.envp = CStrings(envv);
  plan.fds[plan.fd_count++] = {theirs.fd, 0};
  plan.fds[plan.fd_count++] = {devnull.fd, 1};
  plan.fds[plan.fd_count++] = {devnull.fd, 2};
  plan.cwd = "/";
  plan.clone_flags = s.clone_flags;
  plan.user_ns_uid_map = s.uid_map;
  plan.user_ns_gid_map = s.gid_map;
  if (s.mounts) {
    plan.mounts = *s.mounts;
    plan.cwd_after = "/tmp";
  }
  plan.isolation.new_session = true;
  plan.isolation.no_new_privs = false;
  LaunchResult lr = Launch(plan);
  if (lr.pid < 0) return "starting a warm helper failed at " + lr.message();
  w->pid = lr.pid;
  ++w->generation;
  // Its own tmpfs (a zygote's /tmp and /dev/shm), as its namespace's first process sent them.
  if (lr.tmp_fd >= 0) {
    if (s.tmp) s.tmp->Adopt(lr.tmp_fd, 0700);
    else close(lr.tmp_fd);
  }
  if (lr.shm_fd >= 0) {
    if (s.shm) s.shm->Adopt(lr.shm_fd, 01777);
    else close(lr.shm_fd);
  }
  w->pidfd = static_cast<int>(syscall(SYS_pidfd_open, lr.pid, 0));
  w->stat_fd = open(("/proc/" + std::to_string(lr.pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
  w->children_fd = open(("/proc/" + std::to_string(lr.pid) + "/task/" + std::to_string(lr.pid) + "/children").c_str(), O_RDONLY | O_CLOEXEC);
  w->ctl = mine.Release();
  std::string first = s.length_prefix ? std::to_string(s.init->size()) + "\n" + *s.init : *s.init;
  if (!SendMessage(w->ctl, first, nullptr, 0) ||
      (s.then && !SendMessage(w->ctl, *s.then, &s.then_fd, s.then_fd >= 0 ? 1 : 0))) {
    std::string why = std::string("sending the warm helper its code: ") + strerror(errno);
    w->Stop();
    return why;
  }
  return "";
}

std::string EnsureWarm(WarmSlot* warm, const RunRequest& req, const RunPolicy& policy, const SandboxConfig& config) {
  // What the zygote's namespaces and workdir were made for: a different answer needs a new zygote (its tmpfs'
  // size and inode limits are set when they are mounted, in its namespace).
  const Limits& L = req.limits;
  std::string made_for = std::string(policy.namespaces ? "ns" : "-") + (policy.drop_uid ? "uid" : "-") +
                         std::to_string(policy.uid) + ':' + std::to_string(policy.gid) + ':' + config.work_root;
  if (policy.private_tmpfs) made_for += ":tmpfs " + std::to_string(L.TmpfsBytes()) + " " + std::to_string(L.inodes);
  size_t zkey = KeyOf(req.candidate, req.zygote.init, made_for);
  WarmProcess& z = warm->zygote;
  if (z.alive() && z.key != zkey) z.Stop();
  if (!z.alive()) {
    bool ignored = false;
    for (Workdir* w : {&warm->workdir, &warm->tmp, &warm->shm}) w->Remove(~0ull, &ignored);
    std::string err = EnsureWorkRoot(config.work_root);
    if (err.empty() && !policy.private_tmpfs) err = warm->workdir.Create(config.work_root, policy.uid, policy.gid, "slot");
    if (!err.empty()) return err;
    WarmStart start;
    start.argv = &req.candidate.argv;
    for (const auto& e : req.candidate.env) start.env.push_back(Substitute(e, policy.namespaces ? "/tmp" : warm->workdir.path()));
    // Every symbol bound when the zygote loads its libraries, not on first call: else each test process resolves
    // (and writes into a copy-on-write GOT page) every library function it is first to call. The dynamic loader
    // reads it once, at the exec; the first test's environment replaces the zygote's, so no test sees it.
    bool bind_set = false;
    for (const auto& e : start.env) bind_set = bind_set || e.rfind("LD_BIND_NOW=", 0) == 0;
    if (!bind_set) start.env.push_back("LD_BIND_NOW=1");
    start.sock_type = SOCK_SEQPACKET;
    // Its slot's namespaces (not root: under a user namespace of our own, our uid mapped to itself; the zygote
    // keeps no capability past its exec, and its tests run as that uid, as in spawn mode) and its mount view.
    start.clone_flags = policy.clone_flags;
    if (policy.user_namespace) {
      start.uid_map = policy.uid_map.c_str();
      start.gid_map = policy.gid_map.c_str();
    }
    MountView view;
    if (policy.namespaces) {
      view = policy.Mounts(warm->workdir.path());
      view.last_pid_fd = kZygoteLastPidFd;
      start.mounts = &view;
    }
    start.tmp = &warm->tmp;
    start.shm = &warm->shm;
    // Its first message is the harness code, its second the fork server library: its path, and the file
    // open, because the zygote's mount view may hide the path (an addon installed under /tmp).
    const std::string& lib = ZygoteLibrary();
    if (lib.empty()) return "zygote mode needs verpo_zygote.so beside the native addon (not found; rebuild the addon)";
    Fd lib_fd(open(lib.c_str(), O_RDONLY | O_CLOEXEC));
    if (lib_fd.fd < 0) return "opening " + lib + ": " + strerror(errno);
    start.init = &req.zygote.init.str();
    start.then = &lib;
    start.then_fd = lib_fd.fd;
    err = StartWarm(&z, start);
    if (!err.empty()) return err;
    z.key = zkey;
  }
  if (req.has_judge) {
    size_t jkey = KeyOf(req.judge, req.zygote.judge_init, "");
    WarmProcess& j = warm->judge;
    if (j.alive() && j.key != jkey) j.Stop();
    if (!j.alive()) {
      WarmStart start;
      start.argv = &req.judge.argv;
      start.env = req.judge.env;
      start.sock_type = SOCK_STREAM;
      start.init = &req.zygote.judge_init.str();
      start.length_prefix = true;
      std::string err = StartWarm(&j, start);
      if (!err.empty()) return err;
      j.key = jkey;
    }
  }
  return "";
}

}  // namespace verpo::exec
