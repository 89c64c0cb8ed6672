// One run's supervision, the same in both modes, on the calling thread: the policy resolved once, an epoll
// loop over the candidate's output pipes and stdin (and a spawn-mode judge's), the seccomp listener, the
// cancel eventfd and a 10 ms timer that enforces CPU, memory (the tree's RSS + the bytes in its own tmpfs)
// and wall limits from outside; the drain after the exits; the limits the kernel enforced (rlimit
// backstops) read from the outcome; and the RunResult.
//
// A mode supplies only how its run starts, the events of its own descriptors, what the candidate's tree
// uses now, how the tree and the judge are stopped, and how the run ends: spawn mode (sandbox_run.cpp) a
// fresh clone per run, zygote mode (zygote_run.cpp) a fork of the slot's warm zygote.
#pragma once
#include <sys/epoll.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/exec/event_set.hpp"
#include "core/exec/host_support.hpp"
#include "core/exec/policy.hpp"
#include "core/exec/process_tree.hpp"
#include "core/exec/run_io.hpp"
#include "core/exec/run_policy.hpp"
#include "core/exec/run_result.hpp"
#include "core/exec/run_util.hpp"
#include "core/exec/workdir.hpp"

namespace verpo::exec {

// A process's standard streams as the loop serves them: stdout and stderr drained under the output cap, stdin
// fed from `stdin_data` (or given at once as a sealed read-only file). The child_* ends are the process's:
// the mode hands them over (launch plan or SCM_RIGHTS), then closes them here.
struct StdioPipes {
  Stream out, err;
  Fd stdin_w;
  std::string stdin_data;
  size_t stdin_done = 0;
  Fd child_in, child_out, child_err;
  void CloseChildEnds() {
    child_in.Reset();
    child_out.Reset();
    child_err.Reset();
  }
};

// How the candidate ended, as its parent reaped it: wait status, CPU time and peak RSS from its rusage.
struct CandidateExit {
  int status = 0;
  uint64_t cpu_ms = 0;
  uint64_t maxrss_kb = 0;
  uint64_t write_set_pages = 0;  // zygote mode: the write set it was forked with (write_set.hpp)
};

class RunLoop {
 public:
  RunLoop(const RunLoop&) = delete;
  RunLoop& operator=(const RunLoop&) = delete;
  // Start, the loop, the end, whatever fails on the way. Never throws.
  RunResult Execute();

 protected:
  // Epoll tags of a mode's own descriptors start here.
  static constexpr uint64_t kModeTag = 64;

  RunLoop(const RunRequest& req, int slot, const SandboxConfig& cfg, int cancel_fd);
  virtual ~RunLoop() = default;

  // ---- What a mode supplies.
  // Starts the run, after the loop's own setup (policy_, the channel's and the listener's sockets): makes the
  // stdio it hands over (OpenStdio), calls MarkStart() as the wall clock starts, sets started_ once the
  // candidate runs, and watches its own descriptors (tags from kModeTag). "" or an internal error.
  virtual std::string Start() = 0;
  virtual void OnModeEvent(uint64_t tag, uint32_t events) = 0;
  // Whether the candidate's tree is measured on this tick, and its usage now (false: not readable this time).
  virtual bool TreeAlive() const = 0;
  virtual bool SampleTree(ProcessUsage* usage) = 0;
  // Whether the program itself has ended (then the wall limit is no verdict of its own).
  virtual bool ProgramExited() const = 0;
  virtual void KillTree() = 0;    // SIGKILL to the candidate's tree; idempotent
  virtual void AbortJudge() = 0;  // at the wall limit, or cancelled: the judge is stopped too
  virtual void AfterTick() {}
  // Rollout scope (zygote_run.cpp): the candidate's process outlives this run (the next test of its rollout runs
  // in it). Then the run ends once ProcessesDone() without waiting for its streams' end-of-file (what is in them
  // is read at once) and nothing sweeps the slot's uid afterwards.
  virtual bool KeepsTree() const { return false; }
  // Every process the run waits for has ended (the drain of their pipes follows).
  virtual bool ProcessesDone() const = 0;
  // Whatever path got here: the candidate's tree dead and reaped (or reported), the judge ended or idle.
  virtual void Reap() = 0;
  // The program's files removed (or emptied for the next run): whether one had reached the file-size limit,
  // and "" or an error worth reporting.
  virtual std::string CleanFiles(bool* file_limit_hit) = 0;
  // Only when started_: how the candidate ended. May set *err (when it is still empty).
  virtual CandidateExit Exit(std::string* err) = 0;
  // Only with a judge: its outcome (`candidate`: the candidate's, filled already).
  virtual void FillJudge(ProcessOutcome* judge, const ProcessOutcome& candidate) = 0;

  // ---- What the loop offers a mode.
  // `owner`: what the descriptor belongs to when that can change under the same number (event_set.hpp).
  bool Watch(int fd, uint64_t tag, uint32_t events = EPOLLIN, uint64_t owner = 0);
  void Unwatch(int fd);
  // The set this run waits on is made anew (whatever it was handed holds nothing of this run), the cancel fd in it.
  std::string RenewEvents();
  // Pipes for a process's stdio; with `stdin_file`, stdin is a sealed read-only file when the kernel allows.
  std::string OpenStdio(StdioPipes* io, const std::string& stdin_data, bool stdin_file);
  void MarkStart();  // the wall clock starts now
  // The listener the candidate sent before its exec, already queued (spawn mode; zygote mode's arrives later,
  // watched by the loop). "" or an internal error.
  std::string ReceiveListenerNow();
  void LimitReached(LimitHit limit);
  uint64_t TmpfsKb() const;
  // The sockets a new candidate needs (its seccomp listener's way back; the channel, with a judge). Setup makes
  // them unless the mode said it may not need them (a rollout's next test, which usually runs in the process
  // the last one left): then the mode calls this when it does start one.
  std::string MakeStartSockets();
  bool defer_start_sockets_ = false;  // what the tree's own tmpfs hold now
  int cancel_fd() const { return cancel_fd_; }
  // Rollout scope: the seccomp listener of a process that is already running (watched from now on), and back.
  void AdoptListener(Fd* listener);
  void ReturnListener(Fd* listener);

  const RunRequest& req_;
  const int slot_;
  const SandboxConfig& cfg_;
  const HostSupport& host_;
  RunPolicy policy_;
  RunResult result_;
  StdioPipes cand_io_, judge_io_;  // judge_io_: a spawn-mode judge's (a warm judge talks over its control socket)
  Fd chan_cand_, chan_judge_;      // the channel's ends, with a judge (and `channel`)
  Fd listener_tx_;                 // the candidate's end of the socket its seccomp listener comes back over
  const Workdir* tree_tmp_ = nullptr;  // the tree's own tmpfs (/tmp, /dev/shm): what they hold is its memory
  const Workdir* tree_shm_ = nullptr;
  bool started_ = false;
  // How much the outcome's CPU may overstate the test's (a mode whose start is read in clock ticks): past the limit
  // by more than this is TLE however the test ended.
  uint64_t cpu_slack_ms_ = 0;
  uint64_t start_ns_ = 0, end_ns_ = 0;  // the candidate's wall clock
  std::string error_;                   // an internal error met during the run
  // What the run waits on: its own, or (rollout scope) the one its process's earlier test left, taken before Setup.
  EventSet events_;
  // Rollout scope: the tree's tmpfs as the mode read them when the test ended and the process lives on (-1: not read).
  int64_t tmpfs_kb_at_end_ = -1;

 private:
  std::string Setup();
  void Loop();
  void OnTick();
  void OnOutput(Stream& s, bool candidate);
  void OnStdin(StdioPipes& io);
  void OnListenerRx();
  void OnListener(uint32_t events);
  RunResult Finish(std::string err);

  const int cancel_fd_;
  Fd listener_, listener_rx_;
  uint64_t deadline_ns_ = 0;
  bool wall_hit_ = false, cancelled_ = false;
  uint64_t polled_cpu_ms_ = 0, peak_rss_kb_ = 0;
  uint64_t last_rss_kb_ = 0;  // the tree's RSS at the last tick that read it
};

// The outcome's exit code or signal from a wait status.
void SetWaitStatus(ProcessOutcome* o, int status);

}  // namespace verpo::exec
