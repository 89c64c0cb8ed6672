// Native tests for the sandbox core: the filter's shape, workdir hygiene, and real runs of small
// programs (/bin/sh, and python3 when present) under every layer the host allows.
#include <dirent.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <signal.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "check.hpp"
#include "core/exec/host_support.hpp"
#include "core/exec/isolation_plan.hpp"
#include "core/exec/raw_clone.hpp"
#include "core/exec/sandbox_run.hpp"
#include "core/exec/seccomp_filter.hpp"
#include "core/exec/supervisor.hpp"
#include "core/exec/workdir.hpp"

using namespace verpo::exec;

namespace {

std::string TestRoot() {
  static std::string root = "/tmp/verpo-exec-test-" + std::to_string(getpid());
  return root;
}

SandboxConfig Config(int slots = 1) {
  SandboxConfig c;
  c.work_root = TestRoot();
  c.slots = slots;
  return c;
}

int CountOpenFds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n - 1;  // the DIR's own fd
}

int EntriesIn(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return 0;
  int n = 0;
  while (dirent* e = readdir(d)) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  closedir(d);
  return n;
}

const char* Python() {
  static const char* candidates[] = {"/usr/bin/python3", "/usr/local/bin/python3"};
  for (const char* p : candidates)
    if (access(p, X_OK) == 0) return p;
  return nullptr;
}

RunRequest Shell(const std::string& script) {
  RunRequest r;
  r.candidate.argv = {"/bin/sh", "-c", script};
  r.candidate.env = {"PATH=/usr/bin:/bin", "HOME={workdir}"};
  r.limits.cpu_ms = 1000;
  r.limits.wall_ms = 3000;
  return r;
}

RunRequest PythonRun(const std::string& code) {
  RunRequest r;
  r.candidate.argv = {Python(), "-I", "-S", "-c", code};
  r.candidate.env = {"PYTHONHASHSEED=0", "HOME={workdir}", "LANG=C.UTF-8"};
  r.limits.cpu_ms = 1000;
  r.limits.wall_ms = 3000;
  return r;
}

}  // namespace

TEST_CASE("exec: seccomp filter is well-formed and names denied syscalls") {
  SeccompProgram p = BuildSeccompFilter(ViolationAction::kNotify, true);
  CHECK(p.bytes.size() % sizeof(sock_filter) == 0);
  CHECK(p.instructions() > 40 && p.instructions() < 4096);
  CHECK(SyscallName(__NR_ptrace) == "ptrace");
  CHECK(SyscallName(__NR_process_vm_readv) == "process_vm_readv");
  CHECK(SyscallName(__NR_socket) == "socket");
  CHECK(SyscallName(__NR_read).empty());
  // The last instruction allows; the program never falls off its end.
  sock_filter last;
  std::memcpy(&last, p.bytes.data() + p.bytes.size() - sizeof last, sizeof last);
  CHECK(last.code == (BPF_RET | BPF_K));
}

TEST_CASE("exec: the isolation plan applies to a freshly forked process on its own (zygote path)") {
  if (!Host().seccomp) return;
  static SeccompProgram filter = BuildSeccompFilter(ViolationAction::kKillProcess, false);  // root here: refused
  static ChildPlan plan;
  plan = ChildPlan{};
  Limits limits;
  limits.cpu_ms = 1500;
  limits.nofile = 32;
  AddCandidateRlimits(&plan, limits, false, false);
  plan.filter = reinterpret_cast<const sock_filter*>(filter.bytes.data());
  plan.filter_len = static_cast<unsigned short>(filter.instructions());
  pid_t pid = RawClone(0);
  if (pid == 0) {
    ResetSignalsInChild();
    if (ApplyIsolation(plan) != ChildStage::kNone) _exit(10);
    rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur != 32 || r.rlim_max != 32) _exit(11);
    if (getrlimit(RLIMIT_CPU, &r) != 0 || r.rlim_cur != 3 || r.rlim_max != 3) _exit(12);
    r.rlim_cur = r.rlim_max = 100;
    if (setrlimit(RLIMIT_CPU, &r) == 0 || errno != EPERM) _exit(13);  // denied with EPERM, not killed
    if (getsid(0) != getpid()) _exit(14);
    syscall(__NR_ptrace, 16, 0, 0, 0);  // a violation: killed here
    _exit(0);
  }
  CHECK(pid > 0);
  int status = 0;
  waitpid(pid, &status, __WALL);
  CHECK(WIFSIGNALED(status));
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
  if (WIFEXITED(status)) std::fprintf(stderr, "  child exited with %d\n", WEXITSTATUS(status));
}

TEST_CASE("exec: workdir removal survives hostile trees and reports the file limit") {
  CHECK(EnsureWorkRoot(TestRoot()).empty());
  Workdir w;
  CHECK(w.Create(TestRoot(), geteuid(), getegid()).empty());
  std::string base = w.path();
  CHECK(w.WriteFile("prog.py", "print(1)").empty());
  CHECK(!w.WriteFile("../escape", "x").empty());
  std::string deep = base;
  for (int i = 0; i < 300; ++i) {
    deep += "/d";
    mkdir(deep.c_str(), 0700);
  }
  int fd = open((deep + "/big").c_str(), O_CREAT | O_WRONLY, 0600);
  CHECK(ftruncate(fd, 4096) == 0);
  close(fd);
  CHECK(symlink("/etc", (base + "/link").c_str()) == 0);
  chmod((base + "/d").c_str(), 0);
  bool hit = false;
  CHECK(w.Remove(4096, &hit).empty());
  CHECK(hit);
  CHECK(access(base.c_str(), F_OK) != 0);
  CHECK(access("/etc/passwd", F_OK) == 0);  // the symlink was removed, not followed
}

namespace {
// What a program may set on its workdir's root, which outlives the files Clear removes.
void MarkRoot(int dir) {
  fsetxattr(dir, "user.leak", "answer", 6, 0);
  const struct timespec t[2] = {{123456789, 0}, {123456789, 0}};
  futimens(dir, t);
  fchmod(dir, 0);
}

bool WriteText(const char* path, const std::string& text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  bool ok = fd >= 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (fd >= 0) close(fd);
  return ok;
}
// Whether Clear took every mark off (mode back to `mode`, no user xattr, neither time the one MarkRoot wrote).
bool RootIsClean(int dir, unsigned mode) {
  struct stat st;
  char names[256];
  return fstat(dir, &st) == 0 && (st.st_mode & 07777) == mode && st.st_mtim.tv_sec != 123456789 &&
         st.st_atim.tv_sec != 123456789 && flistxattr(dir, names, sizeof names) == 0;
}
}  // namespace

TEST_CASE("exec: clearing a workdir resets its root (mode, xattrs, times), and a counted tmpfs needs no listing") {
  CHECK(EnsureWorkRoot(TestRoot()).empty());
  Workdir w;
  CHECK(w.Create(TestRoot(), geteuid(), getegid()).empty());
  int dir = open(w.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK(dir >= 0);
  MarkRoot(dir);
  bool hit = false;
  CHECK(w.Clear(1 << 20, &hit).empty());
  CHECK(RootIsClean(dir, 0700));
  close(dir);
  CHECK(w.Remove(1 << 20, &hit).empty());
  // An adopted tmpfs, in a child with its own mount namespace (root, or a user namespace of its own).
  pid_t pid = fork();
  if (pid == 0) {
    if (unshare(CLONE_NEWNS) != 0) {
      uid_t uid = geteuid();
      gid_t gid = getegid();
      if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0 || !WriteText("/proc/self/setgroups", "deny") ||
          !WriteText("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
          !WriteText("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"))
        _exit(77);
    }
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(77);
    std::string at = TestRoot() + "/tmpfs-probe";
    mkdir(at.c_str(), 0700);
    if (mount("tmpfs", at.c_str(), "tmpfs", 0, "size=1m,nr_inodes=64") != 0) _exit(77);
    int fd = open(at.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    umount2(at.c_str(), MNT_DETACH);  // (the descriptor keeps it alive, as the sandbox's does)
    rmdir(at.c_str());
    int probe = dup(fd);
    Workdir t;
    t.Adopt(fd, 0700);
    int code = 0;
    for (int round = 0; round < 2; ++round) {
      // round 0: files and a directory to remove; round 1: nothing but the marks (the counted path)
      if (round == 0) {
        close(openat(probe, "a", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
        mkdirat(probe, "d", 0700);
        close(openat(probe, "d/b", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
      }
      MarkRoot(probe);
      bool h = false;
      if (!t.Clear(1 << 20, &h).empty()) code |= 1 << (2 * round);
      if (!RootIsClean(probe, 0700) || faccessat(probe, "a", F_OK, 0) == 0 || faccessat(probe, "d", F_OK, 0) == 0)
        code |= 2 << (2 * round);
    }
    _exit(code);
  }
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) std::fprintf(stderr, "  (no mount namespace here: the tmpfs half was skipped)\n");
  else CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("exec: a shell program runs with a clean env, stdin, and a private cwd") {
  int fds_before = CountOpenFds();
  RunRequest r = Shell("cat; echo; env | sort; pwd; echo err >&2; exit 3");
  r.candidate.stdin_data = "hello";
  RunResult res = RunSandboxed(r, 0, Config(), -1);
  CHECK(res.internal_error.empty());
  CHECK(res.candidate.exit_code == 3);
  CHECK(res.candidate.signal == 0);
  CHECK(res.candidate.stdout_data.find("hello\n") == 0);
  CHECK(res.candidate.stdout_data.find("PATH=/usr/bin:/bin") != std::string::npos);
  CHECK(res.candidate.stderr_data == "err\n");
  // exactly the variables given (sh adds PWD and maybe SHLVL/_ itself, never host ones)
  CHECK(res.candidate.stdout_data.find("LD_PRELOAD") == std::string::npos);
  CHECK(res.candidate.stdout_data.find("USER=") == std::string::npos);
  CHECK(res.limit == LimitHit::kNone);
  CHECK(EntriesIn(TestRoot()) == 0);
  CHECK(CountOpenFds() == fds_before);
}

TEST_CASE("exec: wall, cpu and output limits are enforced from outside") {
  RunResult sleep = RunSandboxed(Shell("sleep 30"), 0, Config(), -1);
  CHECK(sleep.limit == LimitHit::kWall);
  CHECK(sleep.candidate.signal == SIGKILL);

  RunRequest spin = Shell("trap '' XCPU TERM; while :; do :; done");
  spin.limits.cpu_ms = 300;
  RunResult cpu = RunSandboxed(spin, 0, Config(), -1);
  CHECK(cpu.limit == LimitHit::kCpu);
  CHECK(cpu.candidate.cpu_ms >= 300);

  RunRequest flood = Shell("yes xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  flood.limits.output_kb = 16;
  RunResult out = RunSandboxed(flood, 0, Config(), -1);
  CHECK(out.limit == LimitHit::kOutput);
  CHECK(out.candidate.stdout_truncated);
  CHECK(out.candidate.stdout_data.size() == 16 * 1024);
}

TEST_CASE("exec: seccomp violations are reported with the syscall") {
  const HostSupport& h = Host();
  if (!h.seccomp || !h.seccomp_notify || !Python()) return;
  RunResult res = RunSandboxed(PythonRun("import ctypes; ctypes.CDLL(None).syscall(101, 16, 0, 0, 0)"), 0, Config(), -1);
#if defined(__x86_64__)
  CHECK(res.violation.hit);
  CHECK(res.violation.syscall == "ptrace");
  CHECK(res.candidate.signal == SIGKILL);
#endif
  RunResult sock = RunSandboxed(PythonRun("import socket; socket.socket(socket.AF_INET)"), 0, Config(), -1);
  CHECK(sock.violation.hit);
  CHECK(sock.violation.syscall == "socket");
  RunResult unix_ok = RunSandboxed(PythonRun("import socket; socket.socketpair(); print('ok')"), 0, Config(), -1);
  CHECK(!unix_ok.violation.hit);
  CHECK(unix_ok.candidate.stdout_data == "ok\n");
  // Its own limits: lowering is allowed, and so is the unlimited-stack idiom (the hard limit is unlimited); the
  // kernel refuses a raise, the filter another process's limits (EPERM); memfd_create is ENOSYS.
  RunResult rl = RunSandboxed(PythonRun(
      "import os, resource as r\n"
      "r.setrlimit(r.RLIMIT_NOFILE, (8, 8))\n"
      "try:\n r.setrlimit(r.RLIMIT_NOFILE, (64, 64))\nexcept (OSError, ValueError): print('raise denied')\n"
      "r.setrlimit(r.RLIMIT_STACK, (r.RLIM_INFINITY, r.RLIM_INFINITY))\n"
      "try:\n r.prlimit(1, r.RLIMIT_NOFILE, (4, 4))\nexcept OSError as e: print('other', e.errno)\n"
      "try:\n os.memfd_create('x')\nexcept OSError as e: print('memfd', e.errno)\n"
      "print(r.getrlimit(r.RLIMIT_NOFILE), r.getrlimit(r.RLIMIT_STACK)[0] == r.RLIM_INFINITY)"), 0, Config(), -1);
  CHECK(!rl.violation.hit);
  CHECK(rl.isolation.own_rlimits);
  CHECK(rl.candidate.stdout_data == "raise denied\nother 1\nmemfd 38\n(8, 8) True\n");
  if (rl.candidate.stdout_data != "raise denied\nother 1\nmemfd 38\n(8, 8) True\n")
    std::fprintf(stderr, "  got %s / %s\n", rl.candidate.stdout_data.c_str(), rl.candidate.stderr_data.c_str());
}

TEST_CASE("exec: the sandbox's own tmpfs on /tmp and /dev/shm: size and inode limits, counted as memory") {
  const HostSupport& h = Host();
  if (!h.namespaces || !h.tmpfs || !Python()) return;
  // Files past the memory limit: ENOSPC at the tmpfs size, and the run is over the memory limit.
  RunRequest big = PythonRun(
      "import os\nf = open('/tmp/big', 'wb')\nchunk = b'x' * (1 << 20)\n"
      "try:\n for i in range(200): f.write(chunk); f.flush()\nexcept OSError as e: print('full', e.errno)\n"
      "import time; time.sleep(0.3)");
  big.limits.memory_mb = 64;
  big.limits.file_kb = 1 << 20;
  RunResult b = RunSandboxed(big, 0, Config(), -1);
  CHECK(b.internal_error.empty());
  CHECK(b.isolation.private_tmpfs);
  CHECK(b.limit == LimitHit::kMemory);
  CHECK(b.candidate.memory_kb > 64 * 1024);
  // Inodes: many small files end in ENOSPC, nothing reaches the host.
  RunRequest many = PythonRun(
      "n = 0\ntry:\n while n < 100000: open('/dev/shm/f%d' % n, 'w').close(); n += 1\nexcept OSError as e: print(e.errno, n < 100)");
  many.limits.inodes = 64;
  RunResult m = RunSandboxed(many, 0, Config(), -1);
  CHECK(m.internal_error.empty());
  CHECK(m.candidate.stdout_data == "28 True\n");
  CHECK(EntriesIn(TestRoot()) == 0);
}

TEST_CASE("exec: a judge talks to the candidate over fd 3 and its exit ends the run") {
  if (!Python()) return;
  RunRequest r = PythonRun("import os\nos.write(3, b'ping')\nimport time\ntime.sleep(30)");
  r.has_judge = true;
  r.judge.argv = {Python(), "-I", "-S", "-c", "import os; print(os.read(3, 4).decode())"};
  r.judge.env = {"LANG=C.UTF-8"};
  r.limits.wall_ms = 5000;
  auto t0 = std::chrono::steady_clock::now();
  RunResult res = RunSandboxed(r, 0, Config(), -1);
  CHECK(res.internal_error.empty());
  CHECK(res.has_judge);
  CHECK(res.judge.exit_code == 0);
  CHECK(res.judge.stdout_data == "ping\n");
  CHECK(res.candidate.signal == SIGKILL);  // killed because the judge was done
  CHECK(res.limit == LimitHit::kNone);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
}

TEST_CASE("exec: supervisor bounds concurrency and close cancels queued and running runs") {
  Supervisor sup(Config(2));
  std::mutex mu;
  int done = 0, cancelled = 0;
  for (int i = 0; i < 5; ++i)
    CHECK(sup.Submit(Shell("echo hi"), [&](RunResult&& r, bool c) {
      std::lock_guard<std::mutex> lock(mu);
      ++done;
      cancelled += c;
      CHECK(c || r.candidate.stdout_data == "hi\n");
    }));
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (done == 5) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(cancelled == 0);
  CHECK(sup.peak_active() <= 2);
  for (int i = 0; i < 4; ++i)
    sup.Submit(Shell("sleep 30"), [&](RunResult&&, bool c) {
      std::lock_guard<std::mutex> lock(mu);
      ++done;
      cancelled += c;
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::atomic<bool> stopped{false};
  sup.Close([&] { stopped = true; });
  sup.Join();
  CHECK(stopped.load());
  CHECK(done == 9);
  CHECK(cancelled == 4);
  CHECK(!sup.Submit(Shell("true"), [](RunResult&&, bool) {}));
  CHECK(EntriesIn(TestRoot()) == 0);
  rmdir(TestRoot().c_str());
}
