// Zygote mode: each test's process is forked by the slot's warm zygote (warm_slot.cpp), which hands us a
// pidfd of it, reaps it, ends the rest of its tree and reports; a warm judge of the slot judges it.
// run_loop.cpp supervises the run.
#include "core/exec/zygote_run.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "core/exec/fd_passing.hpp"
#include "core/exec/isolation_plan.hpp"
#include "core/exec/process_tree.hpp"
#include "core/exec/run_loop.hpp"
#include "core/exec/run_util.hpp"
#include "core/exec/warm_slot.hpp"
#include "core/exec/workdir.hpp"
#include "core/exec/write_set.hpp"
#include "core/exec/zygote_wire.hpp"

namespace verpo::exec {
namespace {

// Numbers a rollout's processes (never 0, never reused in this process): the warm judge keeps the program's names
// from a process's last test for its next one, and must know which process a test continues.
std::atomic<uint64_t> g_process_serial{0};

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

// Ends a rollout's process that no run holds any more: SIGKILL through its pidfd, its report read off the zygote's
// socket (else a later fork would take that report for its own reply), the slot's files emptied. A zygote that
// does not report, or files that cannot be emptied, and the zygote goes (its namespace and tmpfs with it).
void EndLive(LiveTest* live, WarmSlot* warm, uint64_t file_kb) {
  if (!live->alive()) return;
  syscall(SYS_pidfd_send_signal, live->pidfd.fd, SIGKILL, nullptr, 0);
  bool ours = warm->zygote.alive() && warm->zygote.generation == live->zygote_generation;
  live->Drop();
  if (!ours) return;  // its zygote is gone: nothing reports
  std::string report;
  bool ok = RecvMessage(warm->zygote.ctl, &report, kReportWaitMs);
  bool ignored = false;
  for (Workdir* w : {&warm->tmp, &warm->shm, &warm->workdir})
    if (ok && w->active()) ok = w->Clear(file_kb * 1024, &ignored).empty();
  if (!ok) {
    warm->zygote.Stop();
    for (Workdir* w : {&warm->tmp, &warm->shm}) w->Remove(~0ull, &ignored);
  }
}

enum Tag : uint64_t { kTestExit = 64, kZygoteCtl, kZygoteExit, kJudgeCtl, kJudgeExit, kStdioCtl };

// The warm judge ends its verdict line with this when the channel is clean for the rollout's next test (no fault
// recorded, every request answered): judge.py's finish(). Only the judge writes the line; inside a JSON string a
// quote is escaped, so no value of the program's can spell it.
constexpr char kKeepMarker[] = ",\"keep\":true}\n";

// The judge's line when the runner found that the sources do not compile (judge.py wait_ready): every other test
// of the rollout would say the same, so none runs (the executor reports them all CE).
constexpr char kCompileErrorLine[] = "{\"verdict\":\"CE\"";
// ... and when the (trusted) setup code does not compile (judge.py judge compiles it before the program starts)
constexpr char kSetupErrorLine[] = "{\"verdict\":\"IE\",\"detail\":\"setup code does not compile: ";
constexpr char kAcceptedLine[] = "{\"verdict\":\"AC\"";

// stopAfterFailure: the test did not pass, as far as the supervisor can tell (a stdio program's wrong output is
// judged outside it: its later tests still run). An internal error is not a failure: the executor runs it again.
bool Failed(const RunResult& r) {
  if (!r.internal_error.empty()) return false;
  if (r.limit != LimitHit::kNone || r.violation.hit) return true;
  if (r.has_judge) return r.judge.stdout_data.rfind(kAcceptedLine, 0) != 0;
  return r.candidate.signal != 0 || r.candidate.exit_code != 0;
}

// Pages of a test process's mappings looked at when its write set is read (write_set.hpp): 1 GiB.
constexpr size_t kWriteSetScanPages = 1u << 18;

bool EndsWith(const std::string& s, const char* tail) {
  size_t n = strlen(tail);
  return s.size() >= n && s.compare(s.size() - n, n, tail) == 0;
}

class ZygoteRun final : public RunLoop {
 public:
  // live: rollout scope (the process may be running already, and may live on); last: the rollout's last test.
  ZygoteRun(const RunRequest& req, int slot, const SandboxConfig& cfg, int cancel_fd, WarmSlot* warm,
            LiveTest* live = nullptr, bool last = true, uint64_t cpu_budget_ms = 0)
      : RunLoop(req, slot, cfg, cancel_fd), warm_(warm), live_(live), last_(last), cpu_budget_ms_(cpu_budget_ms) {
    static_assert(kTestExit >= kModeTag, "mode tags start at kModeTag");
    defer_start_sockets_ = live != nullptr && live->alive();
    if (defer_start_sockets_) events_.Take(&live->events);  // (made anew in Start unless the test runs in it)
    tree_tmp_ = &warm->tmp;
    tree_shm_ = &warm->shm;
  }

 private:
  std::string Start() override;
  void OnModeEvent(uint64_t tag, uint32_t events) override;
  // The test's tree is measured until the zygote reports it gone; the program has ended once its process has.
  bool TreeAlive() const override { return !reported_; }
  bool SampleTree(ProcessUsage* usage) override;
  bool ProgramExited() const override { return test_exited_ || stdio_done_; }
  void KillTree() override;
  void AbortJudge() override {
    if (req_.has_judge && !judge_done_) OnJudgeGone();  // a judge still busy is restarted
  }
  bool ProcessesDone() const override { return keep_ || (reported_ && (!req_.has_judge || judge_done_)); }
  bool KeepsTree() const override { return keep_; }
  void Reap() override;
  std::string CleanFiles(bool* file_limit_hit) override;
  CandidateExit Exit(std::string* err) override;
  void FillJudge(ProcessOutcome* judge, const ProcessOutcome& candidate) override;

 public:
  // After Execute: a process that lives on goes back to the rollout (else the rollout's is ended).
  void HandBack(const RunResult& result);

 private:

  std::string Request(std::string* out, bool with_write_set) const;
  ZygoteMode Mode() const {
    const std::string& mode = req_.zygote.mode;
    return mode == "serve"   ? ZygoteMode::kServe
           : mode == "stdio" ? (StdioRollout() ? ZygoteMode::kStdioRollout : ZygoteMode::kStdio)
                             : ZygoteMode::kCompile;
  }
  // The process's test is over, it is alive and ends now (its rollout's last test, or scope test): maybe read
  // which of the zygote's pages it wrote (write_set.hpp).
  void LearnWrites();
  std::string SendTest();
  std::string SendToJudge();
  std::string Attach();
  void WatchRun();  // the test's process, the zygote and the judge, for this run's loop
  void OnStdioCtl();
  // The test is over and the process may go on (rollout scope, not the last test, nothing went wrong).
  // And the process must be alone (no child, no zombie: a test's CPU is the tree's since its start, and a child
  // that exits unreaped in a later test would take CPU out of that sum), with both output streams open.
  bool MayKeep() {
    if (live_ == nullptr || last_ || !started_ || test_exited_ || result_.limit != LimitHit::kNone ||
        result_.violation.hit || !error_.empty())
      return false;
    // No file of the process's may have reached the file-size limit (an OLE that only the files show: Python
    // ignores SIGXFSZ, and the write fails with EFBIG): its own tmpfs hold less than the limit (read once: Finish
    // takes them as read here if the process goes on), or (a host directory as its workdir) nothing at all. Else
    // it ends, and CleanFiles decides.
    if (policy_.private_tmpfs) {
      tmpfs_kb_at_end_ = static_cast<int64_t>(TmpfsKb());
      if (static_cast<uint64_t>(tmpfs_kb_at_end_) >= req_.limits.file_kb) return false;
    } else if (!Files().Empty()) {
      return false;
    }
    if (!StdioRollout() && (cand_io_.out.fd.fd < 0 || cand_io_.err.fd.fd < 0)) return false;
    RawSample(&end_);
    return end_.processes == 1;
  }
  void RawSample(ProcessUsage* usage);  // the tree now, its CPU since the process started
  ProcessUsage end_;  // the tree when the test ended (MayKeep): the next test's start, if the process goes on
  bool StdioRollout() const { return live_ != nullptr && req_.zygote.mode == "stdio"; }
  void OnReport();
  void OnJudge();
  void OnJudgeGone();
  void UnwatchJudge();
  // The owner of a warm helper's registrations (event_set.hpp): which helper, and which of its starts.
  uint64_t OwnerOf(const WarmProcess& w) const { return w.generation << 1 | (&w == &warm_->judge ? 1 : 0); }
  // A registration of a warm helper's descriptor that names the helper's start running now.
  bool WarmCurrent(int fd, uint64_t owner) const {
    const WarmProcess &z = warm_->zygote, &j = warm_->judge;
    return (z.alive() && owner == OwnerOf(z) && (fd == z.ctl || fd == z.pidfd)) ||
           (j.alive() && owner == OwnerOf(j) && (fd == j.ctl || fd == j.pidfd));
  }
  void OnZygoteGone();
  Workdir& Files() { return policy_.private_tmpfs ? warm_->tmp : warm_->workdir; }

  WarmSlot* warm_;
  bool files_inline_ = true;
  Fd test_pidfd_;  // the test's process (forked by the zygote, which handed us this pidfd)
  pid_t test_host_pid_ = 0;  // looked up only if a tick needs it
  bool test_exited_ = false, reported_ = false;
  std::string report_;
  bool judge_done_ = false;
  std::string judge_line_;
  bool zygote_broken_ = false;
  bool judge_cpu_known_ = false;
  uint64_t judge_cpu_start_ms_ = 0;
  // Rollout scope.
  LiveTest* live_;
  const bool last_;
  const uint64_t cpu_budget_ms_;  // the process's RLIMIT_CPU backstop: the CPU of the tests it may run
  bool attached_ = false;         // this test runs in the process an earlier test left
  bool keep_ = false;             // it lives on after this test
  uint64_t cpu_base_ms_ = 0;      // the tree's CPU when the test started
  uint64_t serial_ = 0;           // rollout scope: the process's number (LiveTest::serial)
  Fd peer_;                       // our end of the process's fd 3, kept for the next test
  ProcFiles proc_;                // its /proc files, held over its tests (ScanDescendants)
  bool stdio_done_ = false;       // stdio rollout: the runner said the test's program has ended
  int stdio_status_ = 0;
  std::string ctl_buf_;
};

std::string ZygoteRun::Start() {
  if (!host_.pidfd) return "zygote mode needs pidfd_open (Linux >= 5.3)";
  if (policy_.seccomp) warm_->Filter(policy_);
  std::string err = EnsureWarm(warm_, req_, policy_, cfg_);
  if (!err.empty()) return err;
  if (live_ != nullptr && live_->alive()) {
    // The process the last test left, unless its zygote was restarted meanwhile or it has ended since (a thread
    // of the program's may end it after its test's last answer): then it is ended and reported, and this test
    // forks a fresh one.
    pollfd ended = {live_->pidfd.fd, POLLIN, 0};
    bool same = warm_->zygote.alive() && warm_->zygote.generation == live_->zygote_generation;
    if (same && poll(&ended, 1, 0) == 0) return Attach();
    // Nothing of that process may report here (its pidfd, streams and listener are in the set it left): a new set.
    err = RenewEvents();
    EndLive(live_, warm_, req_.limits.file_kb);
    if (!err.empty()) return err;
  }
  if (defer_start_sockets_) {
    err = MakeStartSockets();
    if (!err.empty()) return err;
  }
  err = OpenStdio(&cand_io_, req_.candidate.stdin_data, true);
  if (!err.empty()) return err;
  if (StdioRollout()) {
    // the control socket of a stdio rollout: the runner says on it when each test's program has ended
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return std::string("socketpair: ") + strerror(errno);
    chan_cand_.Reset(sv[0]);
    peer_.Reset(sv[1]);
  }
  size_t total = 0;
  bool executable = false;  // the fork server writes inline files 0444: an executable one goes through the workdir
  for (const auto& f : req_.files) {
    if (!IsPlainFileName(f.name)) return "file name '" + f.name + "' is not a plain name";
    total += f.content.size();
    executable = executable || f.executable;
  }
  files_inline_ = total <= kInlineFilesMax && !executable;
  if (!files_inline_) {
    for (const auto& f : req_.files) {
      err = Files().WriteFile(f.name, f.content, f.Mode());
      if (!err.empty()) return err;
    }
  }
  err = SendTest();
  if (!err.empty()) return err;
  WatchRun();
  if (peer_.fd >= 0 && StdioRollout()) Watch(peer_.fd, kStdioCtl);
  return "";
}

// The next test of a rollout, in the process the last one left: its descriptors adopted, the test handed to the
// judge (which asks the program for its names again) or, for stdio, the test's own stdin, stdout and stderr sent
// to the runner, which runs the program's top level again with them.
std::string ZygoteRun::Attach() {
  attached_ = true;
  // A warm helper restarted since the last test (EnsureWarm) took its descriptors' registrations with it.
  events_.Retain([&](int fd, uint64_t owner) { return owner == 0 || WarmCurrent(fd, owner); });
  test_pidfd_.Reset(live_->pidfd.Release());
  test_host_pid_ = live_->host_pid;
  peer_.Reset(live_->peer.Release());
  proc_.Take(&live_->proc);
  AdoptListener(&live_->listener);
  chan_cand_.Reset();
  chan_judge_.Reset();
  started_ = true;  // (from here on, whatever fails ends the process: Reap kills it and waits for its report)
  cpu_base_ms_ = live_->cpu_ms;  // (the process was idle since: its tree's CPU then is its CPU now)
  // (read from /proc in clock ticks, rounded down: the test's CPU may read up to a tick over its own)
  cpu_slack_ms_ = static_cast<uint64_t>(1000 / sysconf(_SC_CLK_TCK));
  serial_ = live_->serial;
  std::string err;
  if (StdioRollout()) {
    live_->Drop();
    err = OpenStdio(&cand_io_, req_.candidate.stdin_data, true);
    if (!err.empty()) return err;
    int fds[3] = {cand_io_.child_in.fd, cand_io_.child_out.fd, cand_io_.child_err.fd};
    MarkStart();
    // A runner that cannot take it (the program closed its fd 3): an internal error, and the test runs again in a
    // fresh process (the executor retries it in scope test). One that took it and never answers meets the wall limit.
    if (!SendFds(peer_.fd, "T", 1, fds, 3)) return "the rollout's process cannot take another test (its fd 3 is gone)";
    cand_io_.CloseChildEnds();
    Watch(peer_.fd, kStdioCtl);
  } else {
    cand_io_.out.fd.Reset(live_->out.Release());
    cand_io_.err.fd.Reset(live_->err.Release());
    cand_io_.out.cap = cand_io_.err.cap = static_cast<size_t>(req_.limits.output_kb * 1024);
    live_->Drop();
    if (req_.has_judge) {
      chan_judge_.Reset(fcntl(peer_.fd, F_DUPFD_CLOEXEC, 0));
      if (chan_judge_.fd < 0) return std::string("dup: ") + strerror(errno);
      err = SendToJudge();
      if (!err.empty()) return err;
    }
    MarkStart();
  }
  WatchRun();
  return "";
}

void ZygoteRun::WatchRun() {
  const WarmProcess &z = warm_->zygote, &j = warm_->judge;
  Watch(test_pidfd_.fd, kTestExit);
  Watch(z.ctl, kZygoteCtl, EPOLLIN, OwnerOf(z));
  if (z.pidfd >= 0) Watch(z.pidfd, kZygoteExit, EPOLLIN, OwnerOf(z));
  if (req_.has_judge) {
    Watch(j.ctl, kJudgeCtl, EPOLLIN, OwnerOf(j));
    if (j.pidfd >= 0) Watch(j.pidfd, kJudgeExit, EPOLLIN, OwnerOf(j));
  }
}

void ZygoteRun::HandBack(const RunResult& result) {
  if (live_ == nullptr) return;
  if (!keep_) {
    EndLive(live_, warm_, req_.limits.file_kb);  // a process this run never took (it failed before): ended
    return;
  }
  live_->pidfd.Reset(test_pidfd_.Release());
  live_->host_pid = test_host_pid_;
  live_->zygote_generation = warm_->zygote.generation;
  live_->cpu_ms = end_.cpu_ms;
  live_->serial = serial_;
  live_->peer.Reset(peer_.Release());
  if (!StdioRollout()) {
    live_->out.Reset(cand_io_.out.fd.Release());
    live_->err.Reset(cand_io_.err.fd.Release());
  }
  ReturnListener(&live_->listener);
  live_->proc.Take(&proc_);
  // The set goes with the process, holding only what its next test watches again: its descriptors, the warm
  // helpers' (of the starts that are running now), the cancel fd and the timer (stopped until that test starts).
  const int timer = events_.timer_fd();
  events_.Retain([&](int fd, uint64_t owner) {
    if (owner != 0) return WarmCurrent(fd, owner);
    return fd == live_->pidfd.fd || fd == live_->out.fd || fd == live_->err.fd || fd == live_->listener.fd ||
           fd == live_->peer.fd || fd == timer || fd == cancel_fd();
  });
  events_.DisarmTicks();
  live_->events.Take(&events_);
  // (a limit can also be read from the outcome after the loop: then the process does not go on either)
  if (result.limit != LimitHit::kNone || result.violation.hit || !result.internal_error.empty()) EndLive(live_, warm_, req_.limits.file_kb);
}

// stdio rollout: "D<status>\n" from the runner once the test's program has ended (and its output is flushed).
void ZygoteRun::OnStdioCtl() {
  if (stdio_done_) {  // (still watched because the process was to live on, then did not)
    Unwatch(peer_.fd);
    return;
  }
  char buf[64];
  ssize_t n = recv(peer_.fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    Unwatch(peer_.fd);  // the process closed its end: it cannot run another test; it ends by itself
    peer_.Reset();
    return;
  }
  ctl_buf_.append(buf, static_cast<size_t>(n));
  size_t nl = ctl_buf_.find('\n');
  if (nl == std::string::npos) {
    if (ctl_buf_.size() > 32) KillTree();  // not the runner's message
    return;
  }
  stdio_done_ = true;
  if (!end_ns_) end_ns_ = NowNs();
  // D: the program ended and the process may run the next test; E: it ended as a process ends (threads it left
  // were joined, the interpreter's exit work done): it goes.
  const char kind = ctl_buf_[0];
  stdio_status_ = kind == 'D' || kind == 'E' ? atoi(ctl_buf_.c_str() + 1) & 0xff : 1;
  if (kind == 'D' && nl + 1 == ctl_buf_.size() && MayKeep()) {
    keep_ = true;  // (the socket stays watched, for the next test)
  } else {
    Unwatch(peer_.fd);
    if (kind == 'D') LearnWrites();
    KillTree();
  }
}

void ZygoteRun::LearnWrites() {
  // Only a process that ran its tests to their end the usual way: not one a limit, a violation or an error ends.
  if ((live_ != nullptr && !last_) || !started_ || test_exited_ || result_.limit != LimitHit::kNone ||
      result_.violation.hit || !error_.empty())
    return;
  const int mode = static_cast<int>(Mode());
  if (!warm_->write_set.WantSample(mode)) return;
  if (!test_host_pid_) test_host_pid_ = PidOfPidfd(test_pidfd_.fd);
  std::vector<uint64_t> pages;
  if (test_host_pid_ > 0 && ReadPrivatePages(test_host_pid_, &pages, kWriteSetScanPages))
    warm_->write_set.Add(mode, std::move(pages));
}

// The test's request to the fork server (zygote_wire.hpp): its isolation plan, cwd, environment, seccomp
// program and inline files.
std::string ZygoteRun::Request(std::string* out, bool with_write_set) const {
  const std::string cwd = policy_.namespaces ? "/tmp" : warm_->workdir.path();
  ZygoteRequest head = {};
  head.magic = kZygoteRequestMagic;
  head.size = sizeof head;
  head.mode = static_cast<uint8_t>(Mode());
  head.has_channel = chan_cand_.fd >= 0 ? 1 : 0;
  head.has_listener = listener_tx_.fd >= 0 ? 1 : 0;
  // The plan the test process applies after the fork (the fork server rebuilds it from these fields: a new
  // session and no_new_privs always, the filter from the program below).
  const ChildPlan plan = policy_.CandidatePlan();
  static_assert(sizeof plan.rlimits / sizeof plan.rlimits[0] <= kZygoteMaxRlimits, "the wire carries every rlimit");
  head.rlimit_count = static_cast<uint32_t>(plan.rlimit_count);
  for (int i = 0; i < plan.rlimit_count; ++i) {
    head.rlimits[i] = {plan.rlimits[i].resource, 0, plan.rlimits[i].soft, plan.rlimits[i].hard};
    // A rollout's process runs several tests: its backstop is their CPU together (each test's own limit is ours).
    if (cpu_budget_ms_ && plan.rlimits[i].resource == RLIMIT_CPU)
      head.rlimits[i].soft = head.rlimits[i].hard = (cpu_budget_ms_ + 999) / 1000 + 1;
  }
  head.drop_uid = plan.drop_uid ? 1 : 0;
  head.uid = plan.uid;
  head.gid = plan.gid;
  std::string env;
  for (const auto& e : req_.candidate.env) {
    env += Substitute(e, cwd);
    env += '\0';
  }
  static const std::string kNoFilter;
  const std::string& bpf = policy_.seccomp ? warm_->filter : kNoFilter;
  head.cwd_len = static_cast<uint32_t>(cwd.size() + 1);
  head.env_len = static_cast<uint32_t>(env.size());
  head.bpf_len = static_cast<uint32_t>(bpf.size());
  head.file_count = files_inline_ ? static_cast<uint32_t>(req_.files.size()) : 0;
  const std::vector<PageRange>& ranges = warm_->write_set.Ranges(static_cast<int>(head.mode));
  static_assert(WriteSet::kMaxRanges <= kZygoteMaxRanges, "the wire carries a whole write set");
  head.set_write_set = with_write_set ? 1 : 0;
  head.write_set_count = with_write_set ? static_cast<uint32_t>(ranges.size()) : 0;
  std::string& h = *out;
  h.assign(reinterpret_cast<const char*>(&head), sizeof head);
  h.append(cwd.c_str(), cwd.size() + 1);
  h += env;
  h += bpf;
  if (files_inline_) {
    for (const auto& f : req_.files) {
      ZygoteFile zf = {static_cast<uint32_t>(f.name.size()), static_cast<uint32_t>(f.content.size())};
      h.append(reinterpret_cast<const char*>(&zf), sizeof zf);
      h += f.name;
    }
    for (const auto& f : req_.files) h += f.content;
  }
  for (uint32_t i = 0; i < head.write_set_count; ++i) {
    ZygoteRange r = {ranges[i].start, ranges[i].pages};
    h.append(reinterpret_cast<const char*>(&r), sizeof r);
  }
  if (h.size() > kZygoteMaxRequest) return "the test's request is larger than the zygote accepts";
  return "";
}

// The test to the warm judge with its end of the channel. In a rollout, " f<k>" or " c<k>" after the length: the test
// runs in the rollout's process k, new or running already (an earlier test of its rollout started it). Then the
// judge takes the program's names from that test instead of waiting for `ready` (or asks the program for them).
std::string ZygoteRun::SendToJudge() {
  WarmProcess& j = warm_->judge;
  // Its CPU time so far: the test's share is what it adds until it answers.
  ProcessUsage before;
  judge_cpu_known_ = j.stat_fd >= 0 && ReadProcessUsage(j.stat_fd, true, &before);
  judge_cpu_start_ms_ = before.cpu_ms;
  std::string msg = std::to_string(req_.judge.stdin_data.size());
  if (live_ != nullptr) {
    if (!attached_) serial_ = ++g_process_serial;
    msg += (attached_ ? " c" : " f") + std::to_string(serial_);
  }
  msg += '\n';
  msg += req_.judge.stdin_data;
  int jfds[1] = {chan_judge_.fd};
  if (!SendMessage(j.ctl, msg, jfds, chan_judge_.fd >= 0 ? 1 : 0)) {
    j.Stop();
    return std::string("sending the test to the judge: ") + strerror(errno);
  }
  chan_judge_.Reset();
  ++j.runs;
  return "";
}

std::string ZygoteRun::SendTest() {
  // The zygote holds the write set of this mode as it was last sent to it; a new zygote holds none.
  if (warm_->write_set_generation != warm_->zygote.generation) {
    warm_->write_set.Reset();
    for (uint64_t& v : warm_->write_set_sent) v = 0;
    warm_->write_set_generation = warm_->zygote.generation;
  }
  const int mode = static_cast<int>(Mode());
  const uint64_t version = warm_->write_set.Version(mode);
  const bool with_write_set = version != warm_->write_set_sent[mode];
  std::string h;
  std::string err = Request(&h, with_write_set);
  if (!err.empty()) return err;
  // The judge first: it parses and compiles the test and runs its setup while the zygote forks. Should the
  // fork fail, the judge, still waiting for the program, is stopped with the run (Reap).
  if (req_.has_judge) {
    // a rollout keeps its own end of the channel for the tests after this one
    if (live_ != nullptr && !last_ && chan_judge_.fd >= 0) peer_.Reset(fcntl(chan_judge_.fd, F_DUPFD_CLOEXEC, 0));
    err = SendToJudge();
    if (!err.empty()) return err;
  }
  WarmProcess& z = warm_->zygote;
  int fds[5] = {cand_io_.child_in.fd, cand_io_.child_out.fd, cand_io_.child_err.fd, -1, -1};
  int nfds = 3;
  if (chan_cand_.fd >= 0) fds[nfds++] = chan_cand_.fd;
  if (listener_tx_.fd >= 0) fds[nfds++] = listener_tx_.fd;
  MarkStart();
  if (!SendMessage(z.ctl, h, fds, nfds)) {
    zygote_broken_ = true;
    return std::string("sending the test to the zygote: ") + strerror(errno);
  }
  if (with_write_set) warm_->write_set_sent[mode] = version;
  cand_io_.CloseChildEnds();
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

void ZygoteRun::OnModeEvent(uint64_t tag, uint32_t) {
  switch (tag) {
    case kTestExit:
      test_exited_ = true;
      keep_ = false;  // (it ended after its test's answer, in the same batch of events)
      if (!end_ns_) end_ns_ = NowNs();
      Unwatch(test_pidfd_.fd);
      break;
    case kZygoteCtl: OnReport(); break;
    case kZygoteExit: OnZygoteGone(); break;
    case kJudgeCtl: OnJudge(); break;
    case kJudgeExit: OnJudgeGone(); break;
    case kStdioCtl: OnStdioCtl(); break;
  }
}

void ZygoteRun::KillTree() {
  // The test's process, through its pidfd. The zygote then ends the rest of the test (kill(-1) in the
  // slot's pid namespace, else the test's session) before it reports.
  keep_ = false;
  if (!started_ || test_exited_) return;
  syscall(SYS_pidfd_send_signal, test_pidfd_.fd, SIGKILL, nullptr, 0);
}

void ZygoteRun::OnReport() {
  std::string msg;
  if (!RecvMessage(warm_->zygote.ctl, &msg, 0)) {
    OnZygoteGone();
    return;
  }
  reported_ = true;
  keep_ = false;
  report_ = msg;
  if (!end_ns_) end_ns_ = NowNs();
  Unwatch(warm_->zygote.ctl);
  if (warm_->zygote.pidfd >= 0) Unwatch(warm_->zygote.pidfd);
}

void ZygoteRun::OnZygoteGone() {
  if (reported_) return;
  keep_ = false;
  zygote_broken_ = true;
  if (error_.empty()) error_ = "the zygote died during the test";
  KillTree();
  reported_ = true;  // nothing more will come
  Unwatch(warm_->zygote.ctl);
  if (warm_->zygote.pidfd >= 0) Unwatch(warm_->zygote.pidfd);
}

void ZygoteRun::OnJudge() {
  if (judge_done_) {  // (its line is in: still watched because the process was to live on, then did not)
    UnwatchJudge();
    return;
  }
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
      // The judge has its verdict: the test is over. The rollout's next test may run in the same process (which
      // keeps the judge's registrations for it).
      if (MayKeep() && EndsWith(judge_line_, kKeepMarker)) {
        keep_ = true;
      } else {
        UnwatchJudge();
        LearnWrites();
        KillTree();
      }
      return;
    }
  }
}

void ZygoteRun::UnwatchJudge() {
  Unwatch(warm_->judge.ctl);
  if (warm_->judge.pidfd >= 0) Unwatch(warm_->judge.pidfd);
}

void ZygoteRun::OnJudgeGone() {
  if (judge_done_) {  // its pidfd says it ended after its verdict: the next test starts another
    UnwatchJudge();
    warm_->judge.Stop();
    return;
  }
  judge_done_ = true;
  judge_line_.clear();
  UnwatchJudge();
  warm_->judge.Stop();  // restarted for the next test
  result_.judge.signal = SIGKILL;
  KillTree();
}

bool ZygoteRun::SampleTree(ProcessUsage* usage) {
  RawSample(usage);
  // this test's share: what the tree used since it started (rollout scope; 0 for a fresh fork)
  usage->cpu_ms = usage->cpu_ms > cpu_base_ms_ ? usage->cpu_ms - cpu_base_ms_ : 0;
  return true;
}

void ZygoteRun::RawSample(ProcessUsage* usage) {
  // The test's tree is the zygote's descendants (one test at a time; orphans are reparented to it, as
  // pid 1 of the slot's namespace or as a subreaper). Memory: the tree's resident pages; its processes
  // share the zygote's copy-on-write, which counts once per process, as for any forked program.
  if (!ScanDescendants(warm_->zygote.pid, usage, warm_->zygote.stat_fd, warm_->zygote.children_fd, &proc_)) {
    if (!test_host_pid_) test_host_pid_ = PidOfPidfd(test_pidfd_.fd);
    *usage = ScanTree(policy_.drop_uid, policy_.uid, test_host_pid_, -1);
  }
}

// Whatever path got here: the tree is dead and reported, the judge idle or restarted.
void ZygoteRun::Reap() {
  if (keep_) {
    if (!end_ns_) end_ns_ = NowNs();
    return;  // it lives on (HandBack)
  }
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
}

std::string ZygoteRun::CleanFiles(bool* file_limit_hit) {
  if (keep_) return "";  // the rollout's process lives on: its files are its own until it ends
  // Emptied for the slot's next test (nothing of this one runs any more: reported, or the zygote and its
  // namespace are gone).
  uint64_t limit = req_.limits.file_kb * 1024;
  std::string cleanup = Files().Clear(limit, file_limit_hit);
  if (policy_.private_tmpfs && warm_->shm.active()) {
    std::string shm = warm_->shm.Clear(limit, file_limit_hit);
    if (cleanup.empty()) cleanup = shm;
  }
  if (!cleanup.empty()) {
    warm_->zygote.Stop();  // a workdir we cannot empty is never handed to a later test
    if (policy_.private_tmpfs) {
      // The slot's tmpfs go with the zygote (the next one mounts new ones): nothing of this test is handed on.
      bool ignored = false;
      for (Workdir* w : {&warm_->tmp, &warm_->shm}) w->Remove(~0ull, &ignored);
      cleanup.clear();
    }
  }
  return cleanup;
}

CandidateExit ZygoteRun::Exit(std::string* err) {
  if (keep_) {
    // The process lives on: stdio, the status the runner gave for the program; serve, as a test process the judge
    // is done with (killed); its CPU and memory as the tree shows them now.
    CandidateExit e;
    e.status = StdioRollout() ? (stdio_status_ & 0xff) << 8 : SIGKILL;
    e.cpu_ms = end_.cpu_ms > cpu_base_ms_ ? end_.cpu_ms - cpu_base_ms_ : 0;  // (keep_: MayKeep sampled it)
    e.maxrss_kb = end_.rss_kb;
    return e;
  }
  // The test process's status and rusage, as its parent (the zygote) reaped it. No report: we killed it.
  ZygoteReport rep = {};
  bool have = reported_ && report_.size() >= sizeof rep;
  if (have) memcpy(&rep, report_.data(), sizeof rep);
  if (have && (rep.magic != kZygoteReportMagic || report_.size() != sizeof rep + rep.setup_len)) {
    have = false;
    if (err->empty()) *err = "malformed report from the zygote";
  }
  if (have && rep.setup_len && err->empty()) {
    std::string setup = report_.substr(sizeof rep, rep.setup_len);
    // A stdio process's harness compiled the sources before any of them ran, and they do not compile (zygote.py
    // _precompile_stdio): the program's verdict, not an internal error. The pipe closes before the program's
    // first line, so only the harness can write this.
    if (setup == "compile:program" || setup == "compile:setup") result_.compile_error = setup.substr(8);
    else *err = "the test process's isolation failed at " + setup;
  }
  CandidateExit e;
  e.status = have ? rep.status : SIGKILL;
  // stdio rollout: the runner said how the program ended before we ended the process
  if (stdio_done_) e.status = (stdio_status_ & 0xff) << 8;
  double utime = have ? rep.utime_us / 1e6 : 0, stime = have ? rep.stime_us / 1e6 : 0;
  double maxrss = have ? static_cast<double>(rep.maxrss_kb) : 0;
  e.cpu_ms = static_cast<uint64_t>((utime + stime) * 1000.0);
  e.cpu_ms = e.cpu_ms > cpu_base_ms_ ? e.cpu_ms - cpu_base_ms_ : 0;  // (its lifetime's, in a rollout)
  e.maxrss_kb = static_cast<uint64_t>(maxrss);
  e.write_set_pages = have ? rep.write_set_pages : 0;
  return e;
}

void ZygoteRun::FillJudge(ProcessOutcome* j, const ProcessOutcome& c) {
  j->started = true;
  j->wall_ms = c.wall_ms;
  // The warm judge's CPU over this test (utime + stime from /proc/<pid>/stat, in clock ticks: per test it moves
  // in steps of 10 ms, and the steps add up to the judge's real time over many tests), and its size now: one that
  // has grown past the bound (a cache of a program's classes, leaks in setup code) is recycled after its test.
  WarmProcess& wj = warm_->judge;
  ProcessUsage after;
  if (judge_done_ && wj.alive() && wj.stat_fd >= 0 && ReadProcessUsage(wj.stat_fd, true, &after)) {
    if (judge_cpu_known_ && after.cpu_ms >= judge_cpu_start_ms_) j->cpu_ms = after.cpu_ms - judge_cpu_start_ms_;
    j->memory_kb = after.rss_kb;
    if (req_.judge_max_rss_mb && after.rss_kb > req_.judge_max_rss_mb * 1024) {
      UnwatchJudge();  // (a kept process's set still holds its descriptors: removed before they close)
      wj.Stop();  // restarted on next use
      result_.judge_recycled = true;
    }
  }
  if (!judge_line_.empty()) {
    j->exit_code = 0;  // the warm judge answered: as a one-shot judge that printed its line and exited 0
    j->stdout_data = judge_line_;
  } else {
    j->signal = SIGKILL;
  }
}

}  // namespace

RunResult RunInZygote(const RunRequest& request, int slot, const SandboxConfig& config, int cancel_fd, WarmSlot* warm) {
  ZygoteRun run(request, slot, config, cancel_fd, warm);
  return run.Execute();
}

std::string CheckRollout(const RunRequest& shared) {
  if (!shared.zygote.enabled) return "every test of a rollout must be a zygote run";
  if (shared.zygote.mode != "serve" && shared.zygote.mode != "stdio") return "a rollout runs serve or stdio tests";
  return "";
}

std::vector<RunResult> RunRolloutInZygote(const std::vector<RunRequest>& requests, int slot, const SandboxConfig& config,
                                          int cancel_fd, WarmSlot* warm) {
  std::vector<RunResult> results;
  results.reserve(requests.size());
  uint64_t budget = 0;
  for (const RunRequest& r : requests) budget += r.limits.cpu_ms;
  LiveTest live;
  bool cancelled = false, compile_error = false, failed = false;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (cancelled || compile_error || failed) {
      RunResult r;
      r.internal_error = cancelled ? "cancelled" : compile_error ? "not run: the program does not compile" : kNotRunAfterFailure;
      results.push_back(std::move(r));
      continue;
    }
    ZygoteRun run(requests[i], slot, config, cancel_fd, warm, &live, i + 1 == requests.size(), budget);
    results.push_back(run.Execute());
    run.HandBack(results.back());
    budget -= requests[i].limits.cpu_ms;
    cancelled = results.back().internal_error == "cancelled";
    const std::string& line = results.back().judge.stdout_data;
    compile_error = !results.back().compile_error.empty() ||
                    (results.back().has_judge && (line.rfind(kCompileErrorLine, 0) == 0 || line.rfind(kSetupErrorLine, 0) == 0));
    failed = requests[i].stop_after_failure && Failed(results.back());
  }
  // Every test but the last hands the process on, and the last ends it; should a run have stopped between
  // (it never does unless a bug), the slot's zygote goes, and with it the process, its namespace and its files.
  if (live.alive()) {
    syscall(SYS_pidfd_send_signal, live.pidfd.fd, SIGKILL, nullptr, 0);
    live.Drop();
    warm->zygote.Stop();
    bool ignored = false;
    for (Workdir* w : {&warm->tmp, &warm->shm}) w->Remove(~0ull, &ignored);
    warm->workdir.Clear(~0ull, &ignored);
  }
  return results;
}

}  // namespace verpo::exec
