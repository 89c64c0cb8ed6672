#include "core/exec/zygote_run.hpp"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/exec/child_launch.hpp"
#include "core/exec/fd_passing.hpp"
#include "core/exec/host_support.hpp"
#include "core/exec/isolation_plan.hpp"
#include "core/exec/process_tree.hpp"
#include "core/exec/run_policy.hpp"
#include "core/exec/run_io.hpp"
#include "core/exec/run_util.hpp"
#include "core/exec/seccomp_filter.hpp"
#include "core/exec/warm_slot.hpp"
#include "core/exec/workdir.hpp"
#include "core/exec/zygote_wire.hpp"

namespace verpo::exec {

namespace {

constexpr uint64_t kTickNs = 10 * 1000 * 1000;  // CPU/memory/wall checks every 10 ms, as the spawn path
constexpr uint64_t kDrainGraceMs = 200;
constexpr int kReportWaitMs = 3000;  // the zygote reaps a SIGKILLed test at once; longer means it is broken

// The host pid behind a pidfd (its fdinfo names it in our pid namespace); -1 if unknown.
pid_t PidOfPidfd(int pidfd) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
  Fd f(open(path, O_RDONLY | O_CLOEXEC));
  if (f.fd < 0) return -1;
  char buf[512];
  ssize_t n = read(f.fd, buf, sizeof buf - 1);
  if (n <= 0) return -1;
  buf[n] = '\0';
  const char* p = strstr(buf, "\nPid:");
  return p ? static_cast<pid_t>(strtol(p + 5, nullptr, 10)) : -1;
}

// Sources this small travel in the test's control message (no file is written or removed per test);
// larger ones are written into the slot's /tmp.
constexpr size_t kInlineFilesMax = 256 * 1024;

enum Tag : uint64_t { kTestExit = 1, kZygoteCtl, kZygoteExit, kJudgeCtl, kJudgeExit, kOut, kErr, kIn,
                      kListenerRx, kListener, kTimer, kCancel };

class ZRun {
 public:
  ZRun(const RunRequest& req, int slot, const SandboxConfig& cfg, int cancel_fd, WarmSlot* warm)
      : req_(req), slot_(slot), cfg_(cfg), cancel_fd_(cancel_fd), warm_(warm), host_(Host()) {}
  RunResult Execute();

 private:
  std::string Prepare();
  std::string Start();
  void Loop();
  void Finish();
  void KillTree();
  void OnReport();
  void OnJudge();
  void OnJudgeGone();
  void OnZygoteGone();
  void OnOutput(Stream& s);
  void OnStdin();
  void OnListenerRx();
  void OnViolation();
  void OnTick();
  bool Watch(int fd, uint64_t tag, uint32_t events = EPOLLIN) {
    epoll_event ev = {};
    ev.events = events;
    ev.data.u64 = tag;
    return epoll_ctl(epoll_.fd, EPOLL_CTL_ADD, fd, &ev) == 0;
  }
  void Unwatch(int fd) { epoll_ctl(epoll_.fd, EPOLL_CTL_DEL, fd, nullptr); }
  void LimitReached(LimitHit limit) {
    if (result_.limit == LimitHit::kNone && !result_.violation.hit) result_.limit = limit;
    KillTree();
  }

  const RunRequest& req_;
  int slot_;
  const SandboxConfig& cfg_;
  int cancel_fd_;
  WarmSlot* warm_;
  const HostSupport& host_;
  RunResult result_;
  RunPolicy policy_;
  bool use_ns_ = false, drop_uid_ = false, use_seccomp_ = false;
  uid_t run_uid_ = 0;
  gid_t run_gid_ = 0;
  bool files_inline_ = true;
  Fd epoll_, timer_, listener_, listener_rx_, listener_tx_, chan_cand_, chan_judge_;
  Fd in_r_, in_w_, out_w_, err_w_;
  Stream out_, err_;
  std::string stdin_data_;
  size_t stdin_done_ = 0;
  Fd test_pidfd_;  // the test's process (forked by the zygote, which handed us this pidfd)
  pid_t test_host_pid_ = 0;  // looked up only if a tick needs it
  bool started_ = false, test_exited_ = false, reported_ = false;
  std::string report_;
  bool judge_done_ = false;
  std::string judge_line_;
  bool zygote_broken_ = false;
  uint64_t start_ns_ = 0, end_ns_ = 0, deadline_ns_ = 0;
  uint64_t polled_cpu_ms_ = 0, peak_rss_kb_ = 0;
  uint64_t last_rss_kb_ = 0;  // the tree's RSS at the last tick
  bool use_tmpfs_ = false;
  bool judge_cpu_known_ = false;
  uint64_t judge_cpu_start_ms_ = 0;
  uint64_t TmpfsKb() const { return warm_->tmp.UsedKb() + warm_->shm.UsedKb(); }
  Workdir& Files() { return use_tmpfs_ ? warm_->tmp : warm_->workdir; }
  bool wall_hit_ = false, cancelled_ = false;
  std::string error_;
};

std::string ZRun::Prepare() {
  policy_ = ResolvePolicy(req_.layers, req_.limits, slot_, cfg_);
  result_.isolation = policy_.isolation;
  use_ns_ = policy_.namespaces;
  use_tmpfs_ = policy_.private_tmpfs;
  drop_uid_ = policy_.drop_uid;
  use_seccomp_ = policy_.seccomp;
  run_uid_ = policy_.uid;
  run_gid_ = policy_.gid;
  if (!host_.pidfd) return "zygote mode needs pidfd_open (Linux >= 5.3)";

  epoll_.Reset(epoll_create1(EPOLL_CLOEXEC));
  timer_.Reset(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (epoll_.fd < 0 || timer_.fd < 0) return std::string("epoll/timerfd: ") + strerror(errno);
  if (cancel_fd_ >= 0 && !Watch(cancel_fd_, kCancel)) return std::string("epoll_ctl: ") + strerror(errno);
  if (policy_.seccomp_listener) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return std::string("socketpair: ") + strerror(errno);
    listener_rx_.Reset(sv[0]);
    listener_tx_.Reset(sv[1]);
  }
  if (req_.has_judge && req_.channel) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return std::string("socketpair: ") + strerror(errno);
    chan_cand_.Reset(sv[0]);
    chan_judge_.Reset(sv[1]);
  }
  if (!MakePipe(&in_r_, &in_w_) || !MakePipe(&out_.fd, &out_w_) || !MakePipe(&err_.fd, &err_w_))
    return std::string("pipe: ") + strerror(errno);
  out_.cap = err_.cap = static_cast<size_t>(req_.limits.output_kb * 1024);
  stdin_data_ = req_.candidate.stdin_data;
  // stdin as a read-only regular file when the kernel allows (run_io.hpp); else the pipe just made is fed.
  if (int file = MakeStdinFile(stdin_data_); file >= 0) {
    in_r_.Reset(file);
    in_w_.Reset();
    stdin_data_.clear();
  }
  if (use_seccomp_) warm_->Filter(policy_);
  std::string err = EnsureWarm(warm_, req_, policy_, cfg_);
  if (!err.empty()) return err;
  size_t total = 0;
  for (const auto& f : req_.files) {
    if (!IsPlainFileName(f.first)) return "file name '" + f.first + "' is not a plain name";
    total += f.second.size();
  }
  files_inline_ = total <= kInlineFilesMax;
  if (!files_inline_) {
    for (const auto& f : req_.files) {
      err = Files().WriteFile(f.first, f.second);
      if (!err.empty()) return err;
    }
  }
  return "";
}

std::string ZRun::Start() {
  const std::string cwd = use_ns_ ? "/tmp" : warm_->workdir.path();
  ZygoteRequest head = {};
  head.magic = kZygoteRequestMagic;
  head.size = sizeof head;
  const std::string& mode = req_.zygote.mode;
  head.mode = static_cast<uint8_t>(mode == "serve" ? ZygoteMode::kServe : mode == "stdio" ? ZygoteMode::kStdio : ZygoteMode::kCompile);
  int fds[5] = {in_r_.fd, out_w_.fd, err_w_.fd, -1, -1};
  int nfds = 3;
  if (chan_cand_.fd >= 0) {
    head.has_channel = 1;
    fds[nfds++] = chan_cand_.fd;
  }
  if (listener_tx_.fd >= 0) {
    head.has_listener = 1;
    fds[nfds++] = listener_tx_.fd;
  }
  ChildPlan plan;
  // RLIMIT_NPROC counts per uid, and per user namespace: meaningful with a slot uid or our own user namespace.
  policy_.AddRlimits(&plan);
  static_assert(sizeof plan.rlimits / sizeof plan.rlimits[0] <= kZygoteMaxRlimits, "the wire carries every rlimit");
  head.rlimit_count = static_cast<uint32_t>(plan.rlimit_count);
  for (int i = 0; i < plan.rlimit_count; ++i) head.rlimits[i] = {plan.rlimits[i].resource, 0, plan.rlimits[i].soft, plan.rlimits[i].hard};
  head.drop_uid = drop_uid_ ? 1 : 0;
  head.uid = run_uid_;
  head.gid = run_gid_;
  std::string env;
  for (const auto& e : req_.candidate.env) {
    env += Substitute(e, cwd);
    env += '\0';
  }
  const std::string& bpf = use_seccomp_ ? warm_->filter : std::string();
  head.cwd_len = static_cast<uint32_t>(cwd.size() + 1);
  head.env_len = static_cast<uint32_t>(env.size());
  head.bpf_len = static_cast<uint32_t>(bpf.size());
  head.file_count = files_inline_ ? static_cast<uint32_t>(req_.files.size()) : 0;
  std::string h(reinterpret_cast<const char*>(&head), sizeof head);
  h.append(cwd.c_str(), cwd.size() + 1);
  h += env;
  h += bpf;
  if (files_inline_) {
    for (const auto& f : req_.files) {
      ZygoteFile zf = {static_cast<uint32_t>(f.first.size()), static_cast<uint32_t>(f.second.size())};
      h.append(reinterpret_cast<const char*>(&zf), sizeof zf);
      h += f.first;
    }
    for (const auto& f : req_.files) h += f.second;
  }
  if (h.size() > kZygoteMaxRequest) return "the test's request is larger than the zygote accepts";

  // The judge first: it parses and compiles the test and runs its setup while the zygote forks. Should the
  // fork fail, the judge, still waiting for the program, is stopped with the run (Finish).
  if (req_.has_judge) {
    WarmProcess& j = warm_->judge;
    // Its CPU time so far: the test's share is what it adds until it answers.
    ProcessUsage before;
    judge_cpu_known_ = j.stat_fd >= 0 && ReadProcessUsage(j.stat_fd, true, &before);
    judge_cpu_start_ms_ = before.cpu_ms;
    std::string msg = std::to_string(req_.judge.stdin_data.size()) + "\n" + req_.judge.stdin_data;
    int jfds[1] = {chan_judge_.fd};
    if (!SendMessage(j.ctl, msg, jfds, chan_judge_.fd >= 0 ? 1 : 0)) {
      j.Stop();
      return std::string("sending the test to the judge: ") + strerror(errno);
    }
    chan_judge_.Reset();
    ++j.runs;
  }
  WarmProcess& z = warm_->zygote;
  start_ns_ = NowNs();
  deadline_ns_ = start_ns_ + req_.limits.wall_ms * 1000000ull;
  if (!SendMessage(z.ctl, h, fds, nfds)) {
    zygote_broken_ = true;
    return std::string("sending the test to the zygote: ") + strerror(errno);
  }
  in_r_.Reset();
  out_w_.Reset();
  err_w_.Reset();
  chan_cand_.Reset();
  listener_tx_.Reset();
  std::string reply;
  int pidfd = -1;
  if (!RecvMessageFd(z.ctl, &reply, &pidfd, static_cast<int>(req_.limits.wall_ms) + kReportWaitMs)) {
    zygote_broken_ = true;
    return "the zygote did not answer";
  }
  test_pidfd_.Reset(pidfd);
  ++z.runs;
  if (test_pidfd_.fd < 0 || reply != "K") {
    test_pidfd_.Reset();
    return "the zygote could not fork: " + (reply.size() > 1 && reply[0] == 'E' ? reply.substr(1) : "malformed reply");
  }
  started_ = true;
  return "";
}

void ZRun::KillTree() {
  // The test's process, through its pidfd. The zygote then ends the rest of the test (kill(-1) in the
  // slot's pid namespace, else the test's session) before it reports.
  if (!started_ || test_exited_) return;
  syscall(SYS_pidfd_send_signal, test_pidfd_.fd, SIGKILL, nullptr, 0);
}

void ZRun::OnReport() {
  std::string msg;
  if (!RecvMessage(warm_->zygote.ctl, &msg, 0)) {
    OnZygoteGone();
    return;
  }
  reported_ = true;
  report_ = msg;
  if (!end_ns_) end_ns_ = NowNs();
  Unwatch(warm_->zygote.ctl);
  if (warm_->zygote.pidfd >= 0) Unwatch(warm_->zygote.pidfd);
}

void ZRun::OnZygoteGone() {
  if (reported_) return;
  zygote_broken_ = true;
  if (error_.empty()) error_ = "the zygote died during the test";
  KillTree();
  reported_ = true;  // nothing more will come
  Unwatch(warm_->zygote.ctl);
  if (warm_->zygote.pidfd >= 0) Unwatch(warm_->zygote.pidfd);
}

void ZRun::OnJudge() {
  char buf[65536];
  for (;;) {
    ssize_t n = recv(warm_->judge.ctl, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      OnJudgeGone();
      return;
    }
    judge_line_.append(buf, static_cast<size_t>(n));
    if (judge_line_.size() > (64u << 20)) {
      OnJudgeGone();
      return;
    }
    if (!judge_line_.empty() && judge_line_.back() == '\n') {
      judge_done_ = true;
      Unwatch(warm_->judge.ctl);
      if (warm_->judge.pidfd >= 0) Unwatch(warm_->judge.pidfd);
      KillTree();  // the judge has its verdict: the run is over
      return;
    }
  }
}

void ZRun::OnJudgeGone() {
  if (judge_done_) return;
  judge_done_ = true;
  judge_line_.clear();
  Unwatch(warm_->judge.ctl);
  if (warm_->judge.pidfd >= 0) Unwatch(warm_->judge.pidfd);
  warm_->judge.Stop();  // restarted for the next test
  result_.judge.signal = SIGKILL;
  KillTree();
}

void ZRun::OnOutput(Stream& s) {
  bool overflow = false;
  Drained d = DrainStream(s, &overflow);
  if (overflow) LimitReached(LimitHit::kOutput);
  if (d == Drained::kClosed) {
    Unwatch(s.fd.fd);
    s.fd.Reset();
  }
}

void ZRun::OnStdin() {
  if (!FeedStdin(in_w_.fd, stdin_data_, &stdin_done_)) return;
  Unwatch(in_w_.fd);
  in_w_.Reset();
}

void ZRun::OnListenerRx() {
  char byte;
  int fd = -1;
  ssize_t n = RecvFd(listener_rx_.fd, &byte, 1, &fd, 0);
  if (fd >= 0) {
    listener_.Reset(fd);
    Watch(listener_.fd, kListener);
  }
  if (n < 0 && errno == EAGAIN) return;
  Unwatch(listener_rx_.fd);
  listener_rx_.Reset();
}

void ZRun::OnViolation() {
  switch (ReceiveViolation(listener_.fd, &result_.violation)) {
    case Notice::kNone: return;
    case Notice::kListenerGone:
      Unwatch(listener_.fd);
      listener_.Reset();
      return;
    case Notice::kViolation: KillTree(); return;  // never answered: blocked until the SIGKILL lands
  }
}

void ZRun::OnTick() {
  uint64_t expirations;
  while (read(timer_.fd, &expirations, sizeof expirations) > 0) {
  }
  if (!reported_) {
    // The test's tree is the zygote's descendants (one test at a time; orphans are reparented to it, as
    // pid 1 of the slot's namespace or as a subreaper). Memory: the tree's resident pages; its processes
    // share the zygote's copy-on-write, which counts once per process, as for any forked program.
    ProcessUsage tree;
    if (!ScanDescendants(warm_->zygote.pid, &tree)) {
      if (!test_host_pid_) test_host_pid_ = PidOfPidfd(test_pidfd_.fd);
      tree = ScanTree(drop_uid_, run_uid_, test_host_pid_, -1);
    }
    polled_cpu_ms_ = std::max(polled_cpu_ms_, tree.cpu_ms);
    // Memory: the tree's resident pages plus what the slot's tmpfs hold (emptied before every test).
    last_rss_kb_ = tree.rss_kb;
    peak_rss_kb_ = std::max(peak_rss_kb_, last_rss_kb_ + TmpfsKb());
    if (polled_cpu_ms_ >= req_.limits.cpu_ms) LimitReached(LimitHit::kCpu);
    else if (peak_rss_kb_ > req_.limits.memory_mb * 1024) LimitReached(LimitHit::kMemory);
  }
  if (!wall_hit_ && NowNs() >= deadline_ns_) {
    wall_hit_ = true;
    if (!test_exited_) LimitReached(LimitHit::kWall);
    if (req_.has_judge && !judge_done_) OnJudgeGone();  // a judge still busy at the wall limit is restarted
  }
}

void ZRun::Loop() {
  Watch(test_pidfd_.fd, kTestExit);
  Watch(warm_->zygote.ctl, kZygoteCtl);
  if (warm_->zygote.pidfd >= 0) Watch(warm_->zygote.pidfd, kZygoteExit);
  if (req_.has_judge) {
    Watch(warm_->judge.ctl, kJudgeCtl);
    if (warm_->judge.pidfd >= 0) Watch(warm_->judge.pidfd, kJudgeExit);
  }
  for (Stream* s : {&out_, &err_}) {
    fcntl(s->fd.fd, F_SETFL, O_NONBLOCK);
    Watch(s->fd.fd, s == &out_ ? kOut : kErr);
  }
  fcntl(in_w_.fd, F_SETFL, O_NONBLOCK);
  if (stdin_data_.empty()) in_w_.Reset();
  else Watch(in_w_.fd, kIn, EPOLLOUT);
  if (listener_rx_.fd >= 0) Watch(listener_rx_.fd, kListenerRx);
  itimerspec its = {};
  its.it_interval.tv_nsec = static_cast<long>(kTickNs);
  its.it_value.tv_nsec = static_cast<long>(kTickNs);
  timerfd_settime(timer_.fd, 0, &its, nullptr);
  Watch(timer_.fd, kTimer);

  uint64_t drain_deadline = 0;
  for (;;) {
    bool done = reported_ && (!req_.has_judge || judge_done_);
    if (done) {
      bool streams_open = out_.fd.fd >= 0 || err_.fd.fd >= 0;
      if (!streams_open) break;
      if (!drain_deadline) drain_deadline = NowNs() + kDrainGraceMs * 1000000ull;
      else if (NowNs() >= drain_deadline) break;
    }
    epoll_event events[16];
    int n = epoll_wait(epoll_.fd, events, 16, done ? static_cast<int>(kDrainGraceMs) : -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < n; ++i) {
      switch (events[i].data.u64) {
        case kTestExit:
          test_exited_ = true;
          if (!end_ns_) end_ns_ = NowNs();
          Unwatch(test_pidfd_.fd);
          break;
        case kZygoteCtl: OnReport(); break;
        case kZygoteExit: OnZygoteGone(); break;
        case kJudgeCtl: OnJudge(); break;
        case kJudgeExit: OnJudgeGone(); break;
        case kOut: OnOutput(out_); break;
        case kErr: OnOutput(err_); break;
        case kIn: OnStdin(); break;
        case kListenerRx: OnListenerRx(); break;
        case kListener:
          if (events[i].events & EPOLLIN) OnViolation();
          else if (listener_.fd >= 0) {
            Unwatch(listener_.fd);
            listener_.Reset();
          }
          break;
        case kTimer: OnTick(); break;
        case kCancel:
          cancelled_ = true;
          Unwatch(cancel_fd_);
          KillTree();
          if (req_.has_judge && !judge_done_) OnJudgeGone();
          break;
      }
    }
  }
}

// Whatever path got here: the tree is dead and reported, the judge idle or restarted.
void ZRun::Finish() {
  if (started_ && !reported_) {
    KillTree();
    std::string msg;
    if (RecvMessage(warm_->zygote.ctl, &msg, kReportWaitMs)) {
      reported_ = true;
      report_ = msg;
    } else {
      zygote_broken_ = true;
    }
  }
  if (!end_ns_) end_ns_ = NowNs();
  if (zygote_broken_) warm_->zygote.Stop();  // and, with namespaces, every process of its slot with it
  if (req_.has_judge && !judge_done_ && warm_->judge.alive()) warm_->judge.Stop();
  // Without a pid namespace a setsid'd daemon escapes the test's session: the slot uid's sweep ends it.
  if (started_ && !use_ns_ && drop_uid_) KillAllOfUid(run_uid_, run_gid_);
}

RunResult ZRun::Execute() {
  std::string err = Prepare();
  if (err.empty()) err = Start();
  if (err.empty()) Loop();
  Finish();
  bool file_hit = false;
  // Nothing of the test runs any more (reported, or the zygote and its namespace are gone).
  // What the tmpfs still hold was written by the test while it lived, beside (at least) the RSS the last tick saw.
  if (use_tmpfs_ && started_) peak_rss_kb_ = std::max(peak_rss_kb_, last_rss_kb_ + TmpfsKb());
  std::string cleanup = Files().Clear(req_.limits.file_kb * 1024, &file_hit);
  if (use_tmpfs_ && warm_->shm.active()) {
    std::string shm = warm_->shm.Clear(req_.limits.file_kb * 1024, &file_hit);
    if (cleanup.empty()) cleanup = shm;
  }
  if (!cleanup.empty()) {
    warm_->zygote.Stop();  // a workdir we cannot empty is never handed to a later test
    if (use_tmpfs_) {
      // The slot's tmpfs go with the zygote (the next one mounts new ones): nothing of this test is handed on.
      bool ignored = false;
      for (Workdir* w : {&warm_->tmp, &warm_->shm}) w->Remove(~0ull, &ignored);
      cleanup.clear();
    }
  }

  ProcessOutcome& c = result_.candidate;
  c.started = started_;
  if (c.started) {
    // The test process's status and rusage, as its parent (the zygote) reaped it. No report: we killed it.
    ZygoteReport rep = {};
    bool have = reported_ && report_.size() >= sizeof rep;
    if (have) memcpy(&rep, report_.data(), sizeof rep);
    if (have && (rep.magic != kZygoteReportMagic || report_.size() != sizeof rep + rep.setup_len)) {
      have = false;
      if (err.empty()) err = "malformed report from the zygote";
    }
    if (have && rep.setup_len && err.empty())
      err = "the test process's isolation failed at " + report_.substr(sizeof rep, rep.setup_len);
    int st = have ? rep.status : SIGKILL;
    double utime = have ? rep.utime_us / 1e6 : 0, stime = have ? rep.stime_us / 1e6 : 0;
    double maxrss = have ? static_cast<double>(rep.maxrss_kb) : 0;
    if (WIFSIGNALED(st)) c.signal = WTERMSIG(st);
    else c.exit_code = WEXITSTATUS(st);
    c.cpu_ms = std::max(static_cast<uint64_t>((utime + stime) * 1000.0), polled_cpu_ms_);
    c.wall_ms = (end_ns_ - start_ns_) / 1000000;
    c.memory_kb = std::max(static_cast<uint64_t>(maxrss), peak_rss_kb_);
  }
  c.stdout_data = std::move(out_.data);
  c.stderr_data = std::move(err_.data);
  c.stdout_truncated = out_.truncated;
  c.stderr_truncated = err_.truncated;
  result_.has_judge = req_.has_judge;
  if (req_.has_judge) {
    ProcessOutcome& j = result_.judge;
    j.started = true;
    j.wall_ms = c.wall_ms;
    // The warm judge's CPU over this test (utime + stime from /proc/<pid>/stat, in clock ticks: per test it moves
    // in steps of 10 ms, and the steps add up to the judge's real time over many tests), and its size now: one that
    // has grown past the bound (a cache of a program's classes, leaks in setup code) is recycled after its test.
    WarmProcess& wj = warm_->judge;
    ProcessUsage after;
    if (judge_done_ && wj.alive() && wj.stat_fd >= 0 && ReadProcessUsage(wj.stat_fd, true, &after)) {
      if (judge_cpu_known_ && after.cpu_ms >= judge_cpu_start_ms_) j.cpu_ms = after.cpu_ms - judge_cpu_start_ms_;
      j.memory_kb = after.rss_kb;
      if (req_.judge_max_rss_mb && after.rss_kb > req_.judge_max_rss_mb * 1024) {
        wj.Stop();  // restarted on next use
        result_.judge_recycled = true;
      }
    }
    if (!judge_line_.empty()) {
      j.exit_code = 0;  // the warm judge answered: as a one-shot judge that printed its line and exited 0
      j.stdout_data = judge_line_;
    } else {
      j.signal = SIGKILL;
    }
  }
  if (result_.limit == LimitHit::kNone && !result_.violation.hit && c.started) {
    if (c.signal == SIGXFSZ || file_hit) result_.limit = LimitHit::kFile;
    else if (c.signal == SIGXCPU || ((c.signal == SIGKILL) && c.cpu_ms >= req_.limits.cpu_ms)) result_.limit = LimitHit::kCpu;
    else if (c.memory_kb > req_.limits.memory_mb * 1024) result_.limit = LimitHit::kMemory;
  }
  if (!result_.violation.hit && c.signal == SIGSYS && use_seccomp_ && !policy_.seccomp_listener) {
    result_.violation.hit = true;
    result_.violation.syscall = "unknown";
  }
  if (err.empty()) err = error_;
  if (cancelled_) err = "cancelled";
  if (err.empty() && !cleanup.empty()) err = cleanup;
  result_.internal_error = err;
  return std::move(result_);
}

}  // namespace

RunResult RunInZygote(const RunRequest& request, int slot, const SandboxConfig& config, int cancel_fd, WarmSlot* warm) {
  ZRun run(request, slot, config, cancel_fd, warm);
  return run.Execute();
}

}  // namespace verpo::exec
