// Small helpers of the run loop and its two modes (run_loop.cpp; sandbox_run.cpp: a fresh clone per
// run; zygote_run.cpp: a fork of a warm interpreter per run).
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace verpo::exec {

inline uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// An owned file descriptor.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }
  void Reset(int f = -1) {
    if (fd >= 0) close(fd);
    fd = f;
  }
  int Release() {
    int f = fd;
    fd = -1;
    return f;
  }
};

inline bool MakePipe(Fd* read_end, Fd* write_end) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return false;
  read_end->Reset(p[0]);
  write_end->Reset(p[1]);
  return true;
}

// "{workdir}" in argv/env values -> the workdir path as the process sees it.
inline std::string Substitute(std::string s, const std::string& workdir, const char* token = "{workdir}") {
  const std::string t = token;
  for (size_t at = s.find(t); at != std::string::npos; at = s.find(t, at + workdir.size()))
    s.replace(at, t.size(), workdir);
  return s;
}

}  // namespace verpo::exec
