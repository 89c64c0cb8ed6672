// Unprivileged uids for the slots of a root supervisor, leased exclusively across every process
// on the host: one flock'ed file per uid in a root-only directory. RLIMIT_NPROC and the uid-wide
// kill at the end of a run are per uid, so two sandboxes (in this process or another one, e.g.
// parallel test workers) must never share one. A lease dies with its holder (the fd closes).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace verpo::exec {

class UidLease {
 public:
  // Leases `count` uids from [first, last). Returns "" or why not.
  std::string Acquire(int count, uint32_t first, uint32_t last);
  const std::vector<uint32_t>& uids() const { return uids_; }
  void Release();
  ~UidLease() { Release(); }

 private:
  std::vector<uint32_t> uids_;
  std::vector<int> fds_;
};

constexpr uint32_t kLeaseUidFirst = 61000;
constexpr uint32_t kLeaseUidLast = 65000;

}  // namespace verpo::exec
