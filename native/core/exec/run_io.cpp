#include "core/exec/run_io.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/exec/seccomp_filter.hpp"

namespace verpo::exec {

Drained DrainStream(Stream& s, bool* overflow) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(s.fd.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return Drained::kMore;
    if (n <= 0) return Drained::kClosed;  // EOF or error: this stream is done
    size_t room = s.cap > s.data.size() ? s.cap - s.data.size() : 0;
    size_t take = std::min(room, static_cast<size_t>(n));
    s.data.append(buf, take);
    if (take < static_cast<size_t>(n) && !s.truncated) {
      s.truncated = true;
      *overflow = true;
    }
  }
}

bool FeedStdin(int fd, const std::string& data, size_t* done) {
  while (*done < data.size()) {
    ssize_t n = write(fd, data.data() + *done, data.size() - *done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return false;
    if (n < 0) {
      // EPIPE: the reader is gone. SIGPIPE is blocked on this thread; consume it.
      sigset_t pipe_set;
      sigemptyset(&pipe_set);
      sigaddset(&pipe_set, SIGPIPE);
      timespec zero = {0, 0};
      sigtimedwait(&pipe_set, nullptr, &zero);
      return true;
    }
    *done += static_cast<size_t>(n);
  }
  return true;
}

int MakeStdinFile(const std::string& data) {
  int fd = static_cast<int>(syscall(SYS_memfd_create, "verpo-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (fd < 0) return -1;
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      close(fd);
      errno = e;
      return -1;
    }
    done += static_cast<size_t>(n);
  }
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  // A read-only description of the same file, at offset 0 (the one written to is O_RDWR).
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int ro = open(path, O_RDONLY | O_CLOEXEC);
  int e = errno;
  close(fd);
  errno = e;
  return ro;
}

Notice ReceiveViolation(int listener, Violation* v) {
  seccomp_notif req;
  memset(&req, 0, sizeof req);
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0)
    return errno == ENOENT || errno == EINTR ? Notice::kNone : Notice::kListenerGone;
  if (!v->hit) {
    v->hit = true;
    v->nr = req.data.nr;
    if (!IsNativeAuditArch(req.data.arch)) {
      v->syscall = "foreign-abi(" + std::to_string(req.data.arch) + ":" + std::to_string(req.data.nr) + ")";
    } else {
      std::string name = SyscallName(req.data.nr);
      v->syscall = name.empty() ? "unknown(" + std::to_string(req.data.nr) + ")" : name;
    }
  }
  return Notice::kViolation;
}

}  // namespace verpo::exec
