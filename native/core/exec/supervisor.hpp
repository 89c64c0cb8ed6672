// Bounded concurrency for sandboxed runs: `concurrency` worker threads, each owning one slot (and
// so one unprivileged uid), take runs from a FIFO queue. Callbacks fire on the worker thread.
// Close() cancels: queued runs are dropped (callback with cancelled = true, never started),
// running ones are killed (callback with cancelled = true after their cleanup).
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>
#include <vector>

#include "core/exec/sandbox_run.hpp"
#include "core/exec/uid_lease.hpp"

namespace verpo::exec {

class Supervisor {
 public:
  using Callback = std::function<void(RunResult&& result, bool cancelled)>;
  // Rollout scope: one result per test, in order.
  using RolloutCallback = std::function<void(std::vector<RunResult>&& results, bool cancelled)>;

  // When root, leases one uid per slot first; `error()` says why construction failed.
  explicit Supervisor(const SandboxConfig& config);
  const std::string& error() const { return error_; }
  ~Supervisor();  // Close() + Join()
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // False (callback not kept) after Close().
  bool Submit(RunRequest request, Callback done);
  // One program's tests in one process (RunRolloutInZygote, zygote_run.hpp), on one slot. False after Close().
  bool SubmitRollout(std::vector<RunRequest> requests, RolloutCallback done);
  // Non-blocking: refuses new runs, cancels queued and running ones. `all_stopped` runs on the
  // last worker thread to exit (or right here when none is running).
  void Close(std::function<void()> all_stopped = nullptr);
  void Join();  // blocks until every worker thread has exited

  int active() const;
  int queued() const;
  int peak_active() const;
  const SandboxConfig& config() const { return config_; }

 private:
  struct Job {
    std::vector<RunRequest> requests;  // one, or a rollout's tests
    bool rollout = false;
    RolloutCallback done;
  };
  void Worker(int slot, int cancel_fd);
  bool Enqueue(Job job);

  SandboxConfig config_;
  UidLease lease_;
  std::string error_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  std::vector<std::thread> threads_;
  std::vector<int> cancel_fds_;
  int active_ = 0, peak_ = 0, running_threads_ = 0;
  bool closing_ = false;
  std::function<void()> all_stopped_;
};

}  // namespace verpo::exec
