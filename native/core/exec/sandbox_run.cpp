#include "core/exec/sandbox_run.hpp"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/exec/child_launch.hpp"
#include "core/exec/fd_passing.hpp"
#include "core/exec/host_support.hpp"
#include "core/exec/process_tree.hpp"
#include "core/exec/run_policy.hpp"
#include "core/exec/run_io.hpp"
#include "core/exec/run_util.hpp"
#include "core/exec/seccomp_filter.hpp"
#include "core/exec/workdir.hpp"

namespace verpo::exec {

const char* LimitName(LimitHit limit) {
  switch (limit) {
    case LimitHit::kNone: return nullptr;
    case LimitHit::kCpu: return "cpu";
    case LimitHit::kWall: return "wall";
    case LimitHit::kMemory: return "memory";
    case LimitHit::kOutput: return "output";
    case LimitHit::kFile: return "file";
  }
  return nullptr;
}

const char* SignalName(int sig) {
  switch (sig) {
    case SIGHUP: return "SIGHUP"; case SIGINT: return "SIGINT"; case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL"; case SIGTRAP: return "SIGTRAP"; case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS"; case SIGFPE: return "SIGFPE"; case SIGKILL: return "SIGKILL";
    case SIGUSR1: return "SIGUSR1"; case SIGSEGV: return "SIGSEGV"; case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE"; case SIGALRM: return "SIGALRM"; case SIGTERM: return "SIGTERM";
    case SIGCHLD: return "SIGCHLD"; case SIGCONT: return "SIGCONT"; case SIGSTOP: return "SIGSTOP";
    case SIGTSTP: return "SIGTSTP"; case SIGTTIN: return "SIGTTIN"; case SIGTTOU: return "SIGTTOU";
    case SIGURG: return "SIGURG"; case SIGXCPU: return "SIGXCPU"; case SIGXFSZ: return "SIGXFSZ";
    case SIGVTALRM: return "SIGVTALRM"; case SIGPROF: return "SIGPROF"; case SIGWINCH: return "SIGWINCH";
    case SIGIO: return "SIGIO"; case SIGPWR: return "SIGPWR"; case SIGSYS: return "SIGSYS";
  }
  return nullptr;
}

namespace {

constexpr uint64_t kTickNs = 10 * 1000 * 1000;  // CPU/memory/wall checks every 10 ms
constexpr uint64_t kDrainGraceMs = 200;         // output still in pipes after the exits

// Everything the loop tracks for one process.
struct Tracked {
  pid_t pid = -1;
  Fd pidfd;
  Fd stat_fd;   // /proc/<pid>/stat, opened once, pread each tick
  bool reaped = false;
  int status = 0;
  rusage usage = {};
  uint64_t start_ns = 0, end_ns = 0;
  uint64_t polled_cpu_ms = 0, peak_rss_kb = 0;
  Stream out, err;
  Fd stdin_fd;
  std::string stdin_data;
  size_t stdin_done = 0;
};

ProcessOutcome Summarize(Tracked& t) {
  ProcessOutcome o;
  o.started = t.pid > 0;
  if (!o.started) return o;
  if (WIFSIGNALED(t.status)) o.signal = WTERMSIG(t.status);
  else o.exit_code = WEXITSTATUS(t.status);
  uint64_t ru_ms = static_cast<uint64_t>(t.usage.ru_utime.tv_sec + t.usage.ru_stime.tv_sec) * 1000 +
                   static_cast<uint64_t>(t.usage.ru_utime.tv_usec + t.usage.ru_stime.tv_usec) / 1000;
  o.cpu_ms = std::max(ru_ms, t.polled_cpu_ms);
  o.wall_ms = (t.end_ns - t.start_ns) / 1000000;
  o.memory_kb = std::max(static_cast<uint64_t>(t.usage.ru_maxrss), t.peak_rss_kb);
  o.stdout_data = std::move(t.out.data);
  o.stderr_data = std::move(t.err.data);
  o.stdout_truncated = t.out.truncated;
  o.stderr_truncated = t.err.truncated;
  return o;
}

enum Tag : uint64_t { kCandidateExit = 1, kJudgeExit, kCandOut, kCandErr, kJudgeOut, kJudgeErr,
                      kCandIn, kJudgeIn, kListener, kTimer, kCancel };

class Run {
 public:
  Run(const RunRequest& req, int slot, const SandboxConfig& cfg, int cancel_fd)
      : req_(req), slot_(slot), cfg_(cfg), cancel_fd_(cancel_fd), host_(Host()) {}

  RunResult Execute();

 private:
  std::string Prepare();
  std::string StartCandidate();
  std::string StartJudge();
  void Loop();
  void OnExit(Tracked& t, bool block);
  void OnOutput(Stream& s, bool candidate);
  void OnStdin(Tracked& t, uint64_t tag);
  void OnViolation();
  void OnTick();
  void KillCandidateTree();
  void KillJudgeTree();
  void Finish();
  bool Watch(int fd, uint64_t tag, uint32_t events = EPOLLIN);
  void Unwatch(int fd) { epoll_ctl(epoll_.fd, EPOLL_CTL_DEL, fd, nullptr); }
  void LimitReached(LimitHit limit) {
    if (result_.limit == LimitHit::kNone && !result_.violation.hit) result_.limit = limit;
    KillCandidateTree();
  }

  const RunRequest& req_;
  int slot_;
  const SandboxConfig& cfg_;
  int cancel_fd_;
  const HostSupport& host_;
  RunResult result_;
  Workdir workdir_;                // a host directory (bound on /tmp, or the cwd without namespaces), or
  Workdir tmp_, shm_;              // the sandbox's own tmpfs on /tmp and /dev/shm (adopted after the launch)
  std::string candidate_workdir_;  // the workdir as the candidate sees it
  RunPolicy policy_;
  bool use_ns_ = false, use_tmpfs_ = false, drop_uid_ = false, use_seccomp_ = false;
  uid_t run_uid_ = 0;
  gid_t run_gid_ = 0;
  SeccompProgram filter_;
  Fd epoll_, timer_, listener_, listener_rx_, listener_tx_;
  Fd chan_cand_, chan_judge_;
  Fd exit_report_r_, exit_report_w_;  // the namespace init's report on the program (pid 2)
  Fd cand_in_r_, cand_out_w_, cand_err_w_, judge_in_r_, judge_out_w_, judge_err_w_;
  Tracked cand_, judge_;
  uint64_t start_ns_ = 0, deadline_ns_ = 0;
  bool cancelled_ = false;
  bool wall_hit_ = false;
  uint64_t ticks_ = 0;
  ProcessUsage tree_;  // the candidate's tree minus its main process, as of the last scan
  uint64_t last_rss_kb_ = 0;  // the tree's RSS at the last tick it was alive
  uint64_t TmpfsKb() const { return tmp_.UsedKb() + shm_.UsedKb(); }
};

bool Run::Watch(int fd, uint64_t tag, uint32_t events) {
  epoll_event ev = {};
  ev.events = events;
  ev.data.u64 = tag;
  return epoll_ctl(epoll_.fd, EPOLL_CTL_ADD, fd, &ev) == 0;
}

std::string Run::Prepare() {
  policy_ = ResolvePolicy(req_.layers, req_.limits, slot_, cfg_);
  result_.isolation = policy_.isolation;
  use_ns_ = policy_.namespaces;
  drop_uid_ = policy_.drop_uid;
  use_seccomp_ = policy_.seccomp;
  run_uid_ = policy_.uid;
  run_gid_ = policy_.gid;
  use_tmpfs_ = policy_.private_tmpfs;
  std::string err = EnsureWorkRoot(cfg_.work_root);
  if (!err.empty()) return err;
  if (use_tmpfs_) {
    // Its own tmpfs: the child mounts it and writes the files there before its exec (it has the plan's data).
    for (const auto& f : req_.files)
      if (!IsPlainFileName(f.first)) return "file name '" + f.first + "' is not a plain name";
  } else {
    err = workdir_.Create(cfg_.work_root, run_uid_, run_gid_);
    if (!err.empty()) return err;
    for (const auto& f : req_.files) {
      err = workdir_.WriteFile(f.first, f.second);
      if (!err.empty()) return err;
    }
  }
  candidate_workdir_ = use_ns_ ? "/tmp" : workdir_.path();

  epoll_.Reset(epoll_create1(EPOLL_CLOEXEC));
  timer_.Reset(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (epoll_.fd < 0 || timer_.fd < 0) return std::string("epoll/timerfd: ") + strerror(errno);
  if (cancel_fd_ >= 0 && !Watch(cancel_fd_, kCancel)) return std::string("epoll_ctl: ") + strerror(errno);
  if (use_seccomp_) {
    filter_ = policy_.BuildFilter();
    if (policy_.seccomp_listener) {
      int sv[2];
      if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return std::string("socketpair: ") + strerror(errno);
      listener_rx_.Reset(sv[0]);
      listener_tx_.Reset(sv[1]);
    }
  }
  if (use_ns_) {
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return std::string("pipe: ") + strerror(errno);
    exit_report_r_.Reset(p[0]);
    exit_report_w_.Reset(p[1]);
  }
  if (req_.has_judge && req_.channel) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return std::string("socketpair: ") + strerror(errno);
    chan_cand_.Reset(sv[0]);
    chan_judge_.Reset(sv[1]);
  }
  return "";
}

std::string Run::StartCandidate() {
  Tracked& t = cand_;
  if (!MakePipe(&cand_in_r_, &t.stdin_fd) || !MakePipe(&t.out.fd, &cand_out_w_) || !MakePipe(&t.err.fd, &cand_err_w_))
    return std::string("pipe: ") + strerror(errno);
  t.out.cap = t.err.cap = static_cast<size_t>(req_.limits.output_kb * 1024);
  t.stdin_data = req_.candidate.stdin_data;
  // stdin as a read-only regular file when the kernel allows (run_io.hpp); else the pipe just made is fed.
  if (int file = MakeStdinFile(t.stdin_data); file >= 0) {
    cand_in_r_.Reset(file);
    t.stdin_fd.Reset();
    t.stdin_data.clear();
  }

  std::vector<std::string> argv, env;
  for (const auto& a : req_.candidate.argv) argv.push_back(Substitute(a, candidate_workdir_));
  for (const auto& e : req_.candidate.env) env.push_back(Substitute(e, candidate_workdir_));
  LaunchPlan plan;
  plan.path = argv[0].c_str();
  plan.argv = CStrings(argv);
  plan.envp = CStrings(env);
  plan.fds[plan.fd_count++] = {cand_in_r_.fd, 0};
  plan.fds[plan.fd_count++] = {cand_out_w_.fd, 1};
  plan.fds[plan.fd_count++] = {cand_err_w_.fd, 2};
  if (chan_cand_.fd >= 0) plan.fds[plan.fd_count++] = {chan_cand_.fd, 3};

  ChildPlan& iso = plan.isolation;
  policy_.AddRlimits(&iso);
  iso.new_session = true;
  iso.drop_uid = drop_uid_;
  iso.uid = run_uid_;
  iso.gid = run_gid_;
  iso.no_new_privs = true;
  if (use_seccomp_) {
    iso.filter = reinterpret_cast<const sock_filter*>(filter_.bytes.data());
    iso.filter_len = static_cast<unsigned short>(filter_.instructions());
    iso.filter_listener = policy_.seccomp_listener;
    iso.listener_socket = listener_tx_.fd;
  }

  plan.cwd = use_tmpfs_ ? cfg_.work_root.c_str() : workdir_.path().c_str();
  if (use_ns_) {
    plan.clone_flags = policy_.clone_flags;
    if (policy_.user_namespace) {
      plan.user_ns_uid_map = policy_.uid_map.c_str();
      plan.user_ns_gid_map = policy_.gid_map.c_str();
    }
    plan.mounts = policy_.Mounts(workdir_.path());
    if (use_tmpfs_) plan.mounts.files = &req_.files;
    plan.cwd_after = "/tmp";
    plan.init_reaper = true;
    plan.exit_report_fd = exit_report_w_.fd;
  }

  t.start_ns = start_ns_ = NowNs();
  deadline_ns_ = start_ns_ + req_.limits.wall_ms * 1000000ull;
  LaunchResult lr = Launch(plan);
  cand_in_r_.Reset();
  cand_out_w_.Reset();
  cand_err_w_.Reset();
  chan_cand_.Reset();
  listener_tx_.Reset();
  exit_report_w_.Reset();
  if (lr.pid < 0) return "starting the candidate failed at " + lr.message();
  t.pid = lr.pid;
  if (lr.tmp_fd >= 0) tmp_.Adopt(lr.tmp_fd, 0700);
  if (lr.shm_fd >= 0) shm_.Adopt(lr.shm_fd, 01777);

  if (listener_rx_.fd >= 0) {
    // The child sent it before exec, and exec has happened: it is already queued.
    char byte;
    int fd = -1;
    RecvFd(listener_rx_.fd, &byte, 1, &fd, 0);
    listener_.Reset(fd);
    listener_rx_.Reset();
    if (listener_.fd < 0) return "the seccomp listener did not arrive";
    Watch(listener_.fd, kListener);
  }
  return "";
}

std::string Run::StartJudge() {
  Tracked& t = judge_;
  if (!MakePipe(&judge_in_r_, &t.stdin_fd) || !MakePipe(&t.out.fd, &judge_out_w_) || !MakePipe(&t.err.fd, &judge_err_w_))
    return std::string("pipe: ") + strerror(errno);
  t.out.cap = t.err.cap = static_cast<size_t>(req_.limits.output_kb * 1024);
  t.stdin_data = req_.judge.stdin_data;
  std::vector<std::string> argv, env;
  // The judge runs on the host: it sees the real workdir path (the work root when the candidate's is a tmpfs).
  const std::string& judge_dir = use_tmpfs_ ? cfg_.work_root : workdir_.path();
  for (const auto& a : req_.judge.argv) argv.push_back(Substitute(a, judge_dir));
  for (const auto& e : req_.judge.env) env.push_back(Substitute(e, judge_dir));
  LaunchPlan plan;
  plan.path = argv[0].c_str();
  plan.argv = CStrings(argv);
  plan.envp = CStrings(env);
  plan.fds[plan.fd_count++] = {judge_in_r_.fd, 0};
  plan.fds[plan.fd_count++] = {judge_out_w_.fd, 1};
  plan.fds[plan.fd_count++] = {judge_err_w_.fd, 2};
  if (chan_judge_.fd >= 0) plan.fds[plan.fd_count++] = {chan_judge_.fd, 3};
  plan.cwd = judge_dir.c_str();
  plan.isolation.new_session = true;  // its own group, killed as a whole at the end
  plan.isolation.no_new_privs = false;
  t.start_ns = NowNs();
  LaunchResult lr = Launch(plan);
  judge_in_r_.Reset();
  judge_out_w_.Reset();
  judge_err_w_.Reset();
  chan_judge_.Reset();
  if (lr.pid < 0) return "starting the judge failed at " + lr.message();
  t.pid = lr.pid;
  return "";
}

void Run::KillCandidateTree() {
  if (cand_.pid <= 0) return;
  // In a pid namespace the candidate is its init: SIGKILL to it kills the whole namespace.
  if (!cand_.reaped) kill(cand_.pid, SIGKILL);
  // Without a pid namespace: the group now; after the reap (OnExit/Finish) every process of the
  // slot's uid, which catches setsid'd daemons. Not before: the unreaped candidate counts.
  if (!use_ns_ && !cand_.reaped) killpg(cand_.pid, SIGKILL);  // its id is still ours until the reap
}

void Run::KillJudgeTree() {
  if (judge_.pid <= 0 || judge_.reaped) return;
  killpg(judge_.pid, SIGKILL);
  kill(judge_.pid, SIGKILL);
}

void Run::OnExit(Tracked& t, bool block) {
  if (t.reaped) return;
  bool is_candidate = &t == &cand_;
  if (!is_candidate) killpg(t.pid, SIGKILL);  // helpers the judge left behind (trusted, its group)
  else if (!use_ns_) {
    killpg(t.pid, SIGKILL);  // before reaping, while the group id is still ours
  }
  int status = 0;
  rusage ru = {};
  pid_t got;
  do got = wait4(t.pid, &status, __WALL | (block ? 0 : WNOHANG), &ru);
  while (got < 0 && errno == EINTR);
  if (got != t.pid) return;
  t.reaped = true;
  t.status = status;
  t.usage = ru;
  t.end_ns = NowNs();
  if (t.pidfd.fd >= 0) Unwatch(t.pidfd.fd);
  t.pidfd.Reset();
  t.stat_fd.Reset();
  if (is_candidate) {
    ExitReport report;
    // With an init, what we reaped is the init: the program's own status and usage come from it
    // (absent when we killed the namespace first, then the init's SIGKILL is the program's too).
    if (exit_report_r_.fd >= 0 && read(exit_report_r_.fd, &report, sizeof report) == static_cast<ssize_t>(sizeof report)) {
      t.status = report.status;
      t.usage = report.usage;
    }
    if (!use_ns_ && drop_uid_) KillAllOfUid(run_uid_, run_gid_);  // daemons that left the group
  } else {
    KillCandidateTree();  // the judge is done: the run is over
  }
}

void Run::OnOutput(Stream& s, bool candidate) {
  bool overflow = false;
  Drained d = DrainStream(s, &overflow);
  if (overflow && candidate) LimitReached(LimitHit::kOutput);
  if (d == Drained::kClosed) {
    Unwatch(s.fd.fd);
    s.fd.Reset();
  }
}

void Run::OnStdin(Tracked& t, uint64_t) {
  if (!FeedStdin(t.stdin_fd.fd, t.stdin_data, &t.stdin_done)) return;
  Unwatch(t.stdin_fd.fd);
  t.stdin_fd.Reset();  // EOF for the reader
}

void Run::OnViolation() {
  switch (ReceiveViolation(listener_.fd, &result_.violation)) {
    case Notice::kNone: return;  // the caller died meanwhile
    case Notice::kListenerGone:
      Unwatch(listener_.fd);
      listener_.Reset();
      return;
    case Notice::kViolation: KillCandidateTree(); return;
  }
}

void Run::OnTick() {
  uint64_t expirations;
  while (read(timer_.fd, &expirations, sizeof expirations) > 0) {
  }
  if (!cand_.reaped && cand_.pid > 0) {
    ProcessUsage main, rest;
    if (cand_.stat_fd.fd >= 0 && ReadProcessUsage(cand_.stat_fd.fd, true, &main)) {
      // The rest of the tree every 5th tick (a /proc scan costs ~0.1 ms), the main process always.
      // With an init the program is not the main process: scan every tick then.
      if (use_ns_ || ++ticks_ % 5 == 0) tree_ = ScanTree(drop_uid_, run_uid_, cand_.pid, cand_.pid);
      rest = tree_;
      cand_.polled_cpu_ms = std::max(cand_.polled_cpu_ms, main.cpu_ms + rest.cpu_ms);
      // Memory: the tree's resident pages plus what its own tmpfs hold (files count as memory there).
      last_rss_kb_ = main.rss_kb + rest.rss_kb;
      cand_.peak_rss_kb = std::max(cand_.peak_rss_kb, last_rss_kb_ + TmpfsKb());
    }
    if (cand_.polled_cpu_ms >= req_.limits.cpu_ms) LimitReached(LimitHit::kCpu);
    else if (cand_.peak_rss_kb > req_.limits.memory_mb * 1024) LimitReached(LimitHit::kMemory);
  }
  if (!wall_hit_ && NowNs() >= deadline_ns_) {
    wall_hit_ = true;
    if (!cand_.reaped) LimitReached(LimitHit::kWall);
    KillJudgeTree();
  }
  // Without pidfds, exits are found here.
  if (cand_.pid > 0 && !cand_.reaped && cand_.pidfd.fd < 0) OnExit(cand_, false);
  if (judge_.pid > 0 && !judge_.reaped && judge_.pidfd.fd < 0) OnExit(judge_, false);
}

void Run::Loop() {
  for (Tracked* t : {&cand_, &judge_}) {
    if (t->pid <= 0) continue;
    uint64_t tag = t == &cand_ ? kCandidateExit : kJudgeExit;
    if (host_.pidfd) {
      t->pidfd.Reset(static_cast<int>(syscall(SYS_pidfd_open, t->pid, 0)));
      if (t->pidfd.fd >= 0) Watch(t->pidfd.fd, tag);
    }
    std::string proc = "/proc/" + std::to_string(t->pid);
    t->stat_fd.Reset(open((proc + "/stat").c_str(), O_RDONLY | O_CLOEXEC));
    bool cand = t == &cand_;
    for (Stream* s : {&t->out, &t->err}) {
      fcntl(s->fd.fd, F_SETFL, O_NONBLOCK);
      uint64_t stag = s == &t->out ? (cand ? kCandOut : kJudgeOut) : (cand ? kCandErr : kJudgeErr);
      Watch(s->fd.fd, stag);
    }
    fcntl(t->stdin_fd.fd, F_SETFL, O_NONBLOCK);
    if (t->stdin_data.empty()) t->stdin_fd.Reset();
    else Watch(t->stdin_fd.fd, cand ? kCandIn : kJudgeIn, EPOLLOUT);
  }
  itimerspec its = {};
  its.it_interval.tv_nsec = static_cast<long>(kTickNs);
  its.it_value.tv_nsec = static_cast<long>(kTickNs);
  timerfd_settime(timer_.fd, 0, &its, nullptr);
  Watch(timer_.fd, kTimer);

  uint64_t drain_deadline = 0;
  for (;;) {
    bool cand_done = cand_.reaped;
    bool judge_done = judge_.pid <= 0 || judge_.reaped;
    bool processes_done = req_.has_judge ? (judge_done && cand_done) : cand_done;
    if (processes_done) {
      bool streams_open = cand_.out.fd.fd >= 0 || cand_.err.fd.fd >= 0 || judge_.out.fd.fd >= 0 || judge_.err.fd.fd >= 0;
      if (!streams_open) break;
      if (!drain_deadline) drain_deadline = NowNs() + kDrainGraceMs * 1000000ull;
      else if (NowNs() >= drain_deadline) break;
    }
    epoll_event events[16];
    int n = epoll_wait(epoll_.fd, events, 16, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < n; ++i) {
      switch (events[i].data.u64) {
        case kCandidateExit: OnExit(cand_, true); break;
        case kJudgeExit: OnExit(judge_, true); break;
        case kCandOut: OnOutput(cand_.out, true); break;
        case kCandErr: OnOutput(cand_.err, true); break;
        case kJudgeOut: OnOutput(judge_.out, false); break;
        case kJudgeErr: OnOutput(judge_.err, false); break;
        case kCandIn: OnStdin(cand_, kCandIn); break;
        case kJudgeIn: OnStdin(judge_, kJudgeIn); break;
        case kListener:
          if (events[i].events & EPOLLIN) OnViolation();
          else if (listener_.fd >= 0) {  // every filtered process is gone
            Unwatch(listener_.fd);
            listener_.Reset();
          }
          break;
        case kTimer: OnTick(); break;
        case kCancel:
          cancelled_ = true;
          Unwatch(cancel_fd_);
          KillCandidateTree();
          KillJudgeTree();
          break;
      }
    }
  }
}

// Both trees dead and reaped whatever path got here; then the limits read from the outcome.
void Run::Finish() {
  for (Tracked* t : {&cand_, &judge_}) {
    if (t->pid <= 0 || t->reaped) continue;
    if (t == &cand_) KillCandidateTree();
    else KillJudgeTree();
    if (t->pidfd.fd >= 0) Unwatch(t->pidfd.fd);
    t->pidfd.Reset();
    OnExit(*t, true);
  }
  if (cand_.pid > 0 && !use_ns_ && drop_uid_) KillAllOfUid(run_uid_, run_gid_);
}

RunResult Run::Execute() {
  std::string err = Prepare();
  if (err.empty()) err = StartCandidate();
  if (err.empty() && req_.has_judge) err = StartJudge();
  if (err.empty()) Loop();
  Finish();
  // Nothing of the tree runs any more. What its tmpfs still hold was written while it lived, beside (at least)
  // the RSS the last tick saw: that is its memory at the end.
  if (tmp_.active()) cand_.peak_rss_kb = std::max(cand_.peak_rss_kb, last_rss_kb_ + TmpfsKb());
  bool file_hit = false;
  std::string cleanup = workdir_.Remove(req_.limits.file_kb * 1024, &file_hit);
  // The tmpfs go with our descriptors; emptied first for the file-size check. An error there concerns nothing
  // that survives the run (the filesystem is freed anyway), so it is no internal error.
  tmp_.Remove(req_.limits.file_kb * 1024, &file_hit);
  shm_.Remove(req_.limits.file_kb * 1024, &file_hit);

  result_.has_judge = req_.has_judge;
  result_.candidate = Summarize(cand_);
  if (req_.has_judge) result_.judge = Summarize(judge_);
  const ProcessOutcome& c = result_.candidate;
  if (result_.limit == LimitHit::kNone && !result_.violation.hit && c.started) {
    // Limits the kernel enforced (rlimit backstops), read from the outcome.
    if (c.signal == SIGXFSZ || file_hit) result_.limit = LimitHit::kFile;
    else if (c.signal == SIGXCPU || ((c.signal == SIGKILL) && c.cpu_ms >= req_.limits.cpu_ms)) result_.limit = LimitHit::kCpu;
    else if (c.memory_kb > req_.limits.memory_mb * 1024) result_.limit = LimitHit::kMemory;
  }
  if (!result_.violation.hit && c.signal == SIGSYS && use_seccomp_ && !policy_.seccomp_listener) {
    result_.violation.hit = true;
    result_.violation.syscall = "unknown";
  }
  if (cancelled_) err = "cancelled";
  if (err.empty() && !cleanup.empty()) err = cleanup;
  result_.internal_error = err;
  return std::move(result_);
}

}  // namespace

RunResult RunSandboxed(const RunRequest& request, int slot, const SandboxConfig& config, int cancel_fd) {
  Run run(request, slot, config, cancel_fd);
  return run.Execute();
}

}  // namespace verpo::exec
