#include "core/exec/supervisor.hpp"

#include "core/exec/zygote_run.hpp"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

namespace verpo::exec {

Supervisor::Supervisor(const SandboxConfig& config) : config_(config) {
  config_.slots = std::max(1, config_.slots);
  if (geteuid() == 0) {
    error_ = lease_.Acquire(config_.slots, kLeaseUidFirst, kLeaseUidLast);
    config_.slot_uids = lease_.uids();
    if (!error_.empty()) {
      closing_ = true;
      running_threads_ = 0;
      return;
    }
  }
  running_threads_ = config_.slots;
  for (int slot = 0; slot < config_.slots; ++slot) {
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    cancel_fds_.push_back(fd);
    threads_.emplace_back(&Supervisor::Worker, this, slot, fd);
  }
}

Supervisor::~Supervisor() {
  Close();
  Join();
  for (int fd : cancel_fds_)
    if (fd >= 0) close(fd);
}

bool Supervisor::Submit(RunRequest request, Callback done) {
  Job job;
  job.requests.push_back(std::move(request));
  job.done = [done = std::move(done)](std::vector<RunResult>&& results, bool cancelled) {
    done(results.empty() ? RunResult{} : std::move(results[0]), cancelled);
  };
  return Enqueue(std::move(job));
}

bool Supervisor::SubmitRollout(std::vector<RunRequest> requests, RolloutCallback done) {
  Job job;
  job.requests = std::move(requests);
  job.rollout = true;
  job.done = std::move(done);
  return Enqueue(std::move(job));
}

bool Supervisor::Enqueue(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return false;
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void Supervisor::Close(std::function<void()> all_stopped) {
  std::deque<Job> dropped;
  bool none_running = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!closing_) {
      closing_ = true;
      dropped.swap(queue_);
      all_stopped_ = std::move(all_stopped);
      none_running = running_threads_ == 0;
      for (int fd : cancel_fds_) {
        uint64_t one = 1;
        if (fd >= 0 && write(fd, &one, sizeof one) < 0) {
        }
      }
    }
  }
  wake_.notify_all();
  for (Job& job : dropped) job.done(std::vector<RunResult>(job.requests.size()), true);
  if (none_running && all_stopped_) all_stopped_();
}

void Supervisor::Join() {
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
}

int Supervisor::active() const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_;
}
int Supervisor::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(queue_.size());
}
int Supervisor::peak_active() const {
  std::lock_guard<std::mutex> lock(mu_);
  return peak_;
}

void Supervisor::Worker(int slot, int cancel_fd) {
  // Signals for the process go to Node's threads, never here; a write to a dead reader's pipe
  // then gives EPIPE instead of killing the host.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, nullptr);
  // This slot's warm zygote and judge (zygote mode): started on first use, ended with this thread.
  WarmSlot warm;
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
      if (closing_) break;
      job = std::move(queue_.front());
      queue_.pop_front();
      ++active_;
      peak_ = std::max(peak_, active_);
    }
    std::vector<RunResult> results;
    if (job.rollout) {
      results = RunRolloutInZygote(job.requests, slot, config_, cancel_fd, &warm);
    } else {
      const RunRequest& r = job.requests[0];
      results.push_back(r.zygote.enabled ? RunInZygote(r, slot, config_, cancel_fd, &warm) : RunSandboxed(r, slot, config_, cancel_fd));
    }
    bool cancelled = false;
    for (const RunResult& r : results) cancelled = cancelled || r.internal_error == "cancelled";
    {
      std::lock_guard<std::mutex> lock(mu_);
      --active_;
    }
    job.done(std::move(results), cancelled);
  }
  // Before this slot counts as stopped: close() resolves only once no warm process of the slot is left.
  warm.zygote.Stop();
  warm.judge.Stop();
  bool ignored = false;
  // the slot's workdir and tmpfs too: close() may then remove the work root
  for (Workdir* w : {&warm.workdir, &warm.tmp, &warm.shm}) w->Remove(~0ull, &ignored);
  std::function<void()> last;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (--running_threads_ == 0) last = all_stopped_;
  }
  if (last) last();
}

}  // namespace verpo::exec
