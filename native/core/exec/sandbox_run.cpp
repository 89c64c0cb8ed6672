// Spawn mode: the candidate is a fresh clone of the supervisor per run (with a pid namespace, our init as
// its pid 1 and the program as pid 2), the judge likewise; run_loop.cpp supervises both.
#include "core/exec/sandbox_run.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/exec/child_launch.hpp"
#include "core/exec/process_tree.hpp"
#include "core/exec/run_loop.hpp"
#include "core/exec/run_util.hpp"
#include "core/exec/seccomp_filter.hpp"
#include "core/exec/workdir.hpp"

namespace verpo::exec {
namespace {

// One process this mode started and reaps.
struct Tracked {
  pid_t pid = -1;
  Fd pidfd;
  Fd stat_fd;  // /proc/<pid>/stat, opened once, pread each tick
  bool reaped = false;
  int status = 0;
  rusage usage = {};
  uint64_t start_ns = 0, end_ns = 0;
};

uint64_t RusageCpuMs(const rusage& u) {
  return static_cast<uint64_t>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000 +
         static_cast<uint64_t>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000;
}

// A process's command line with the workdir token replaced, and a launch plan's view of it (the strings
// must outlive the plan).
struct Command {
  std::vector<std::string> argv, env;
  Command(const ProcessSpec& spec, const std::string& workdir) {
    for (const auto& a : spec.argv) argv.push_back(Substitute(a, workdir));
    for (const auto& e : spec.env) env.push_back(Substitute(e, workdir));
  }
  void Into(LaunchPlan* plan, const StdioPipes& io, int channel) {
    plan->path = argv[0].c_str();
    plan->argv = CStrings(argv);
    plan->envp = CStrings(env);
    plan->fds[plan->fd_count++] = {io.child_in.fd, 0};
    plan->fds[plan->fd_count++] = {io.child_out.fd, 1};
    plan->fds[plan->fd_count++] = {io.child_err.fd, 2};
    if (channel >= 0) plan->fds[plan->fd_count++] = {channel, 3};
  }
};

enum Tag : uint64_t { kCandidateExit = 64, kJudgeExit };

class SpawnRun final : public RunLoop {
 public:
  SpawnRun(const RunRequest& req, int slot, const SandboxConfig& cfg, int cancel_fd) : RunLoop(req, slot, cfg, cancel_fd) {
    static_assert(kCandidateExit >= kModeTag, "mode tags start at kModeTag");
    tree_tmp_ = &tmp_;
    tree_shm_ = &shm_;
  }

 private:
  std::string Start() override;
  void OnModeEvent(uint64_t tag, uint32_t) override {
    if (tag == kCandidateExit) OnExit(cand_, true);
    else if (tag == kJudgeExit) OnExit(judge_, true);
  }
  bool TreeAlive() const override { return cand_.pid > 0 && !cand_.reaped; }
  bool SampleTree(ProcessUsage* usage) override;
  bool ProgramExited() const override { return cand_.reaped; }
  void KillTree() override;
  void AbortJudge() override;
  void AfterTick() override;
  bool ProcessesDone() const override {
    bool judge_done = judge_.pid <= 0 || judge_.reaped;
    return req_.has_judge ? judge_done && cand_.reaped : cand_.reaped;
  }
  void Reap() override;
  std::string CleanFiles(bool* file_limit_hit) override;
  CandidateExit Exit(std::string*) override {
    return {cand_.status, RusageCpuMs(cand_.usage), static_cast<uint64_t>(cand_.usage.ru_maxrss)};
  }
  void FillJudge(ProcessOutcome* judge, const ProcessOutcome&) override;

  std::string PrepareFiles();
  std::string StartCandidate();
  std::string StartJudge();
  void Track(Tracked& t, uint64_t tag);
  void OnExit(Tracked& t, bool block);

  Workdir workdir_;                // a host directory (bound on /tmp, or the cwd without namespaces), or
  Workdir tmp_, shm_;              // the sandbox's own tmpfs on /tmp and /dev/shm (adopted after the launch)
  std::string candidate_workdir_;  // the workdir as the candidate sees it
  SeccompProgram filter_;
  Fd exit_report_r_, exit_report_w_;  // the namespace init's report on the program (pid 2)
  Tracked cand_, judge_;
  uint64_t ticks_ = 0;
  ProcessUsage tree_;  // the candidate's tree minus its main process, as of the last scan
};

std::string SpawnRun::PrepareFiles() {
  std::string err = EnsureWorkRoot(cfg_.work_root);
  if (!err.empty()) return err;
  if (policy_.private_tmpfs) {
    // Its own tmpfs: the child mounts it and writes the files there before its exec (it has the plan's data).
    for (const auto& f : req_.files)
      if (!IsPlainFileName(f.name)) return "file name '" + f.name + "' is not a plain name";
  } else {
    err = workdir_.Create(cfg_.work_root, policy_.uid, policy_.gid);
    if (!err.empty()) return err;
    for (const auto& f : req_.files) {
      err = workdir_.WriteFile(f.name, f.content, f.Mode());
      if (!err.empty()) return err;
    }
  }
  candidate_workdir_ = policy_.namespaces ? "/tmp" : workdir_.path();
  return "";
}

std::string SpawnRun::Start() {
  std::string err = PrepareFiles();
  if (!err.empty()) return err;
  if (policy_.seccomp) filter_ = policy_.BuildFilter();
  if (policy_.namespaces) {
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return std::string("pipe: ") + strerror(errno);
    exit_report_r_.Reset(p[0]);
    exit_report_w_.Reset(p[1]);
  }
  err = StartCandidate();
  if (err.empty() && req_.has_judge) err = StartJudge();
  if (!err.empty()) return err;
  Track(cand_, kCandidateExit);
  if (judge_.pid > 0) Track(judge_, kJudgeExit);
  return "";
}

std::string SpawnRun::StartCandidate() {
  std::string err = OpenStdio(&cand_io_, req_.candidate.stdin_data, true);
  if (!err.empty()) return err;
  Command cmd(req_.candidate, candidate_workdir_);
  LaunchPlan plan;
  cmd.Into(&plan, cand_io_, chan_cand_.fd);
  plan.isolation = policy_.CandidatePlan();
  ChildPlan& iso = plan.isolation;
  if (policy_.seccomp) {
    iso.filter = reinterpret_cast<const sock_filter*>(filter_.bytes.data());
    iso.filter_len = static_cast<unsigned short>(filter_.instructions());
    iso.filter_listener = policy_.seccomp_listener;
    iso.listener_socket = listener_tx_.fd;
  }
  plan.cwd = policy_.private_tmpfs ? cfg_.work_root.c_str() : workdir_.path().c_str();
  if (policy_.namespaces) {
    plan.clone_flags = policy_.clone_flags;
    if (policy_.user_namespace) {
      plan.user_ns_uid_map = policy_.uid_map.c_str();
      plan.user_ns_gid_map = policy_.gid_map.c_str();
    }
    plan.mounts = policy_.Mounts(workdir_.path());
    if (policy_.private_tmpfs) plan.mounts.files = &req_.files;
    plan.cwd_after = "/tmp";
    plan.init_reaper = true;
    plan.exit_report_fd = exit_report_w_.fd;
  }

  MarkStart();
  LaunchResult lr = Launch(plan);
  cand_io_.CloseChildEnds();
  chan_cand_.Reset();
  listener_tx_.Reset();
  exit_report_w_.Reset();
  if (lr.pid < 0) return "starting the candidate failed at " + lr.message();
  cand_.pid = lr.pid;
  started_ = true;
  if (lr.tmp_fd >= 0) tmp_.Adopt(lr.tmp_fd, 0700);
  if (lr.shm_fd >= 0) shm_.Adopt(lr.shm_fd, 01777);
  return ReceiveListenerNow();
}

std::string SpawnRun::StartJudge() {
  std::string err = OpenStdio(&judge_io_, req_.judge.stdin_data, false);
  if (!err.empty()) return err;
  // The judge runs on the host: it sees the real workdir path (the work root when the candidate's is a tmpfs).
  const std::string& judge_dir = policy_.private_tmpfs ? cfg_.work_root : workdir_.path();
  Command cmd(req_.judge, judge_dir);
  LaunchPlan plan;
  cmd.Into(&plan, judge_io_, chan_judge_.fd);
  plan.cwd = judge_dir.c_str();
  plan.isolation.new_session = true;  // its own group, killed as a whole at the end
  plan.isolation.no_new_privs = false;
  judge_.start_ns = NowNs();
  LaunchResult lr = Launch(plan);
  judge_io_.CloseChildEnds();
  chan_judge_.Reset();
  if (lr.pid < 0) return "starting the judge failed at " + lr.message();
  judge_.pid = lr.pid;
  return "";
}

void SpawnRun::Track(Tracked& t, uint64_t tag) {
  if (host_.pidfd) {
    t.pidfd.Reset(static_cast<int>(syscall(SYS_pidfd_open, t.pid, 0)));
    if (t.pidfd.fd >= 0) Watch(t.pidfd.fd, tag);
  }
  std::string proc = "/proc/" + std::to_string(t.pid);
  t.stat_fd.Reset(open((proc + "/stat").c_str(), O_RDONLY | O_CLOEXEC));
}

void SpawnRun::KillTree() {
  if (cand_.pid <= 0) return;
  // In a pid namespace the candidate is its init: SIGKILL to it kills the whole namespace.
  if (!cand_.reaped) kill(cand_.pid, SIGKILL);
  // Without a pid namespace: the group now; after the reap (OnExit, then the run loop) every process of the
  // slot's uid, which catches setsid'd daemons. Not before: the unreaped candidate counts.
  if (!policy_.namespaces && !cand_.reaped) killpg(cand_.pid, SIGKILL);  // its id is still ours until the reap
}

void SpawnRun::AbortJudge() {
  if (judge_.pid <= 0 || judge_.reaped) return;
  killpg(judge_.pid, SIGKILL);
  kill(judge_.pid, SIGKILL);
}

void SpawnRun::OnExit(Tracked& t, bool block) {
  if (t.reaped) return;
  bool is_candidate = &t == &cand_;
  if (!is_candidate) killpg(t.pid, SIGKILL);  // helpers the judge left behind (trusted, its group)
  else if (!policy_.namespaces) {
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
    end_ns_ = t.end_ns;
    ExitReport report;
    // With an init, what we reaped is the init: the program's own status and usage come from it
    // (absent when we killed the namespace first, then the init's SIGKILL is the program's too).
    if (exit_report_r_.fd >= 0 && read(exit_report_r_.fd, &report, sizeof report) == static_cast<ssize_t>(sizeof report)) {
      t.status = report.status;
      t.usage = report.usage;
    }
    if (!policy_.namespaces && policy_.drop_uid) KillAllOfUid(policy_.uid, policy_.gid);  // daemons that left the group
  } else {
    KillTree();  // the judge is done: the run is over
  }
}

bool SpawnRun::SampleTree(ProcessUsage* usage) {
  ProcessUsage main;
  if (cand_.stat_fd.fd < 0 || !ReadProcessUsage(cand_.stat_fd.fd, true, &main)) return false;
  // The rest of the tree every 5th tick (a /proc scan costs ~0.1 ms), the main process always.
  // With an init the program is not the main process: scan every tick then.
  if (policy_.namespaces || ++ticks_ % 5 == 0) tree_ = ScanTree(policy_.drop_uid, policy_.uid, cand_.pid, cand_.pid);
  usage->cpu_ms = main.cpu_ms + tree_.cpu_ms;
  usage->rss_kb = main.rss_kb + tree_.rss_kb;
  return true;
}

void SpawnRun::AfterTick() {
  // Without pidfds, exits are found here.
  if (cand_.pid > 0 && !cand_.reaped && cand_.pidfd.fd < 0) OnExit(cand_, false);
  if (judge_.pid > 0 && !judge_.reaped && judge_.pidfd.fd < 0) OnExit(judge_, false);
}

// Both trees dead and reaped whatever path got here.
void SpawnRun::Reap() {
  for (Tracked* t : {&cand_, &judge_}) {
    if (t->pid <= 0 || t->reaped) continue;
    if (t == &cand_) KillTree();
    else AbortJudge();
    if (t->pidfd.fd >= 0) Unwatch(t->pidfd.fd);
    t->pidfd.Reset();
    OnExit(*t, true);
  }
}

std::string SpawnRun::CleanFiles(bool* file_limit_hit) {
  uint64_t limit = req_.limits.file_kb * 1024;
  std::string err = workdir_.Remove(limit, file_limit_hit);
  // The tmpfs go with our descriptors; emptied first for the file-size check. An error there concerns nothing
  // that survives the run (the filesystem is freed anyway), so it is no internal error.
  tmp_.Remove(limit, file_limit_hit);
  shm_.Remove(limit, file_limit_hit);
  return err;
}

void SpawnRun::FillJudge(ProcessOutcome* o, const ProcessOutcome&) {
  o->started = judge_.pid > 0;
  if (!o->started) return;
  SetWaitStatus(o, judge_.status);
  o->cpu_ms = RusageCpuMs(judge_.usage);
  o->wall_ms = (judge_.end_ns - judge_.start_ns) / 1000000;
  o->memory_kb = static_cast<uint64_t>(judge_.usage.ru_maxrss);
  o->stdout_data = std::move(judge_io_.out.data);
  o->stderr_data = std::move(judge_io_.err.data);
  o->stdout_truncated = judge_io_.out.truncated;
  o->stderr_truncated = judge_io_.err.truncated;
}

}  // namespace

RunResult RunSandboxed(const RunRequest& request, int slot, const SandboxConfig& config, int cancel_fd) {
  SpawnRun run(request, slot, config, cancel_fd);
  return run.Execute();
}

}  // namespace verpo::exec
