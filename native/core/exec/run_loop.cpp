#include "core/exec/run_loop.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/exec/fd_passing.hpp"

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

void SetWaitStatus(ProcessOutcome* o, int status) {
  if (WIFSIGNALED(status)) o->signal = WTERMSIG(status);
  else o->exit_code = WEXITSTATUS(status);
}

namespace {

constexpr uint64_t kTickNs = 10 * 1000 * 1000;  // CPU/memory/wall checks every 10 ms
constexpr uint64_t kDrainGraceMs = 200;         // output still in pipes after the exits

enum Tag : uint64_t { kCancel = 1, kTimer, kCandOut, kCandErr, kCandIn, kJudgeOut, kJudgeErr, kJudgeIn,
                      kListenerRx, kListener };

}  // namespace

RunLoop::RunLoop(const RunRequest& req, int slot, const SandboxConfig& cfg, int cancel_fd)
    : req_(req), slot_(slot), cfg_(cfg), host_(Host()), cancel_fd_(cancel_fd) {}

bool RunLoop::Watch(int fd, uint64_t tag, uint32_t events, uint64_t owner) {
  return events_.Watch(fd, tag, events, owner);
}

void RunLoop::Unwatch(int fd) { events_.Unwatch(fd); }

std::string RunLoop::RenewEvents() {
  std::string err = events_.Open();
  if (err.empty() && cancel_fd_ >= 0 && !Watch(cancel_fd_, kCancel)) err = std::string("epoll_ctl: ") + strerror(errno);
  return err;
}

void RunLoop::LimitReached(LimitHit limit) {
  if (result_.limit == LimitHit::kNone && !result_.violation.hit) result_.limit = limit;
  KillTree();
}

void RunLoop::MarkStart() {
  start_ns_ = NowNs();
  deadline_ns_ = start_ns_ + req_.limits.wall_ms * 1000000ull;
}

uint64_t RunLoop::TmpfsKb() const {
  return (tree_tmp_ ? tree_tmp_->UsedKb() : 0) + (tree_shm_ ? tree_shm_->UsedKb() : 0);
}

std::string RunLoop::Setup() {
  policy_ = ResolvePolicy(req_.layers, req_.limits, slot_, cfg_);
  result_.isolation = policy_.isolation;
  if (!events_.open()) {
    std::string err = RenewEvents();
    if (!err.empty()) return err;
  } else if (cancel_fd_ >= 0 && !Watch(cancel_fd_, kCancel)) {
    return std::string("epoll_ctl: ") + strerror(errno);
  }
  return defer_start_sockets_ ? "" : MakeStartSockets();
}

std::string RunLoop::MakeStartSockets() {
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
  return "";
}

std::string RunLoop::OpenStdio(StdioPipes* io, const std::string& stdin_data, bool stdin_file) {
  if (!MakePipe(&io->child_in, &io->stdin_w) || !MakePipe(&io->out.fd, &io->child_out) || !MakePipe(&io->err.fd, &io->child_err))
    return std::string("pipe: ") + strerror(errno);
  io->out.cap = io->err.cap = static_cast<size_t>(req_.limits.output_kb * 1024);
  // stdin as a read-only regular file when the kernel allows (run_io.hpp); else the pipe just made is fed.
  if (stdin_file) {
    if (int file = MakeStdinFile(stdin_data); file >= 0) {
      io->child_in.Reset(file);
      io->stdin_w.Reset();
      return "";
    }
  }
  io->stdin_data = stdin_data;
  return "";
}

void RunLoop::AdoptListener(Fd* listener) {
  listener_rx_.Reset();  // no new listener comes: the process has its filter
  listener_tx_.Reset();
  listener_.Reset(listener->Release());
  if (listener_.fd >= 0) Watch(listener_.fd, kListener);
}

void RunLoop::ReturnListener(Fd* listener) {
  listener->Reset(listener_.Release());  // (still watched: its registration goes with the set the process keeps)
}

std::string RunLoop::ReceiveListenerNow() {
  if (listener_rx_.fd < 0) return "";
  // The child sent it before its exec, and the exec has happened: it is already queued.
  char byte;
  int fd = -1;
  RecvFd(listener_rx_.fd, &byte, 1, &fd, 0);
  listener_.Reset(fd);
  listener_rx_.Reset();
  if (listener_.fd < 0) return "the seccomp listener did not arrive";
  Watch(listener_.fd, kListener);
  return "";
}

void RunLoop::OnOutput(Stream& s, bool candidate) {
  bool overflow = false;
  Drained d = DrainStream(s, &overflow);
  if (overflow && candidate) LimitReached(LimitHit::kOutput);
  if (d == Drained::kClosed) {
    Unwatch(s.fd.fd);
    s.fd.Reset();
  }
}

void RunLoop::OnStdin(StdioPipes& io) {
  if (!FeedStdin(io.stdin_w.fd, io.stdin_data, &io.stdin_done)) return;
  Unwatch(io.stdin_w.fd);
  io.stdin_w.Reset();  // EOF for the reader
}

// The listener a forked test process sends once its filter is installed (zygote mode).
void RunLoop::OnListenerRx() {
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

void RunLoop::OnListener(uint32_t events) {
  if (listener_.fd < 0) return;
  if (events & EPOLLIN) {
    switch (ReceiveViolation(listener_.fd, &result_.violation)) {
      case Notice::kNone: return;  // the caller died meanwhile
      case Notice::kListenerGone: break;
      case Notice::kViolation: KillTree(); return;  // never answered: blocked until the SIGKILL lands
    }
  }
  // The listener failed, or every filtered process is gone.
  Unwatch(listener_.fd);
  listener_.Reset();
}

void RunLoop::OnTick() {
  uint64_t expirations;
  while (read(events_.timer_fd(), &expirations, sizeof expirations) > 0) {
  }
  if (TreeAlive()) {
    ProcessUsage tree;
    if (SampleTree(&tree)) {
      polled_cpu_ms_ = std::max(polled_cpu_ms_, tree.cpu_ms);
      // Memory: the tree's resident pages plus what its own tmpfs hold (files count as memory there).
      last_rss_kb_ = tree.rss_kb;
      peak_rss_kb_ = std::max(peak_rss_kb_, last_rss_kb_ + TmpfsKb());
    }
    if (polled_cpu_ms_ >= req_.limits.cpu_ms) LimitReached(LimitHit::kCpu);
    else if (peak_rss_kb_ > req_.limits.memory_mb * 1024) LimitReached(LimitHit::kMemory);
  }
  if (!wall_hit_ && NowNs() >= deadline_ns_) {
    wall_hit_ = true;
    if (!ProgramExited()) LimitReached(LimitHit::kWall);
    AbortJudge();
  }
  AfterTick();
}

void RunLoop::Loop() {
  for (StdioPipes* io : {&cand_io_, &judge_io_}) {
    bool cand = io == &cand_io_;
    if (io->out.fd.fd < 0) continue;  // not used in this run (a warm judge)
    for (Stream* s : {&io->out, &io->err}) {
      const uint64_t tag = s == &io->out ? (cand ? kCandOut : kJudgeOut) : (cand ? kCandErr : kJudgeErr);
      if (events_.Watching(s->fd.fd, tag)) continue;  // a rollout's process's stream, made non-blocking before
      fcntl(s->fd.fd, F_SETFL, O_NONBLOCK);
      Watch(s->fd.fd, tag);
    }
    if (io->stdin_w.fd < 0) continue;
    fcntl(io->stdin_w.fd, F_SETFL, O_NONBLOCK);
    if (io->stdin_data.empty()) io->stdin_w.Reset();
    else Watch(io->stdin_w.fd, cand ? kCandIn : kJudgeIn, EPOLLOUT);
  }
  if (listener_rx_.fd >= 0) Watch(listener_rx_.fd, kListenerRx);
  events_.ArmTicks(kTickNs);
  Watch(events_.timer_fd(), kTimer);

  uint64_t drain_deadline = 0;
  for (;;) {
    bool done = ProcessesDone();
    if (done && KeepsTree()) {
      // The process lives on: what it wrote before it answered is in the pipes now.
      for (Stream* s : {&cand_io_.out, &cand_io_.err})
        if (s->fd.fd >= 0) OnOutput(*s, true);
      break;
    }
    if (done) {
      bool streams_open = cand_io_.out.fd.fd >= 0 || cand_io_.err.fd.fd >= 0 || judge_io_.out.fd.fd >= 0 ||
                          judge_io_.err.fd.fd >= 0;
      if (!streams_open) break;
      if (!drain_deadline) drain_deadline = NowNs() + kDrainGraceMs * 1000000ull;
      else if (NowNs() >= drain_deadline) break;
    }
    epoll_event events[16];
    int n = epoll_wait(events_.epoll_fd(), events, 16, done ? static_cast<int>(kDrainGraceMs) : -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (error_.empty()) error_ = std::string("epoll_wait: ") + strerror(errno);
      KillTree();
      AbortJudge();
      break;
    }
    for (int i = 0; i < n; ++i) {
      switch (events[i].data.u64) {
        case kCandOut: OnOutput(cand_io_.out, true); break;
        case kCandErr: OnOutput(cand_io_.err, true); break;
        case kJudgeOut: OnOutput(judge_io_.out, false); break;
        case kJudgeErr: OnOutput(judge_io_.err, false); break;
        case kCandIn: OnStdin(cand_io_); break;
        case kJudgeIn: OnStdin(judge_io_); break;
        case kListenerRx: OnListenerRx(); break;
        case kListener: OnListener(events[i].events); break;
        case kTimer: OnTick(); break;
        case kCancel:
          cancelled_ = true;
          Unwatch(cancel_fd_);
          KillTree();
          AbortJudge();
          break;
        default: OnModeEvent(events[i].data.u64, events[i].events); break;
      }
    }
  }
}

RunResult RunLoop::Execute() {
  std::string err = Setup();
  if (err.empty()) err = Start();
  if (err.empty()) Loop();
  Reap();
  // Without a pid namespace a setsid'd daemon escapes the test's session and group: the slot uid's sweep ends it.
  if (started_ && !KeepsTree() && !policy_.namespaces && policy_.drop_uid) KillAllOfUid(policy_.uid, policy_.gid);
  return Finish(std::move(err));
}

RunResult RunLoop::Finish(std::string err) {
  // Nothing of the tree runs any more. What its tmpfs still hold was written while it lived, beside (at least)
  // the RSS the last tick saw: that is its memory at the end.
  if (started_) {
    // (a process that lives on: its tmpfs as read when its test ended, a moment ago)
    uint64_t tmpfs = KeepsTree() && tmpfs_kb_at_end_ >= 0 ? static_cast<uint64_t>(tmpfs_kb_at_end_) : TmpfsKb();
    peak_rss_kb_ = std::max(peak_rss_kb_, last_rss_kb_ + tmpfs);
  }
  bool file_hit = false;
  std::string cleanup = CleanFiles(&file_hit);

  ProcessOutcome& c = result_.candidate;
  c.started = started_;
  if (c.started) {
    CandidateExit e = Exit(&err);
    SetWaitStatus(&c, e.status);
    c.cpu_ms = std::max(e.cpu_ms, polled_cpu_ms_);
    c.wall_ms = (end_ns_ - start_ns_) / 1000000;
    c.memory_kb = std::max(e.maxrss_kb, peak_rss_kb_);
    c.write_set_pages = e.write_set_pages;
  }
  c.stdout_data = std::move(cand_io_.out.data);
  c.stderr_data = std::move(cand_io_.err.data);
  c.stdout_truncated = cand_io_.out.truncated;
  c.stderr_truncated = cand_io_.err.truncated;
  result_.has_judge = req_.has_judge;
  if (req_.has_judge) FillJudge(&result_.judge, c);
  if (result_.limit == LimitHit::kNone && !result_.violation.hit && c.started) {
    // Limits the kernel enforced (rlimit backstops), read from the outcome; and CPU past the limit however the
    // test ended: a tree that used more than its limit and ended between two ticks is TLE as one a tick caught
    // (the verdict must not depend on when the poll ran; memory is judged the same way, by its peak).
    if (c.signal == SIGXFSZ || file_hit) result_.limit = LimitHit::kFile;
    else if (c.signal == SIGXCPU || c.cpu_ms > req_.limits.cpu_ms + cpu_slack_ms_ || (c.signal == SIGKILL && c.cpu_ms >= req_.limits.cpu_ms))
      result_.limit = LimitHit::kCpu;
    else if (c.memory_kb > req_.limits.memory_mb * 1024) result_.limit = LimitHit::kMemory;
  }
  // A filter without a listener (kernels < 5.0) kills with SIGSYS: a violation whose syscall is not known.
  if (!result_.violation.hit && c.signal == SIGSYS && policy_.seccomp && !policy_.seccomp_listener) {
    result_.violation.hit = true;
    result_.violation.syscall = "unknown";
  }
  if (err.empty()) err = error_;
  if (cancelled_) err = "cancelled";
  if (err.empty() && !cleanup.empty()) err = cleanup;
  result_.internal_error = err;
  return std::move(result_);
}

}  // namespace verpo::exec
