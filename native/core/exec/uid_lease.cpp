#include "core/exec/uid_lease.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace verpo::exec {
namespace {

// Root-only (0700): a sandboxed uid can neither take nor block a lease.
std::string LockDir(std::string* err) {
  for (const char* dir : {"/run/verpo-sandbox-uids", "/tmp/.verpo-sandbox-uids"}) {
    mkdir(dir, 0700);
    struct stat st;
    if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 077) == 0) return dir;
  }
  *err = "no private directory for uid leases (/run/verpo-sandbox-uids, /tmp/.verpo-sandbox-uids)";
  return "";
}

}  // namespace

std::string UidLease::Acquire(int count, uint32_t first, uint32_t last) {
  std::string err;
  std::string dir = LockDir(&err);
  if (dir.empty()) return err;
  for (uint32_t uid = first; uid < last && static_cast<int>(uids_.size()) < count; ++uid) {
    std::string path = dir + "/" + std::to_string(uid);
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) continue;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      close(fd);
      continue;
    }
    uids_.push_back(uid);
    fds_.push_back(fd);
  }
  if (static_cast<int>(uids_.size()) < count) {
    Release();
    return "not enough free sandbox uids in " + std::to_string(first) + ".." + std::to_string(last);
  }
  return "";
}

void UidLease::Release() {
  for (int fd : fds_) close(fd);
  fds_.clear();
  uids_.clear();
}

}  // namespace verpo::exec
