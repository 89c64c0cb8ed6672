// The descriptor work of the run loop (run_loop.cpp): draining a capped output pipe, feeding stdin
// (or making it a sealed file), and reading a seccomp violation off the listener. The loop keeps the
// epoll bookkeeping and decides what a result means for the run.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <string>

#include "core/exec/run_result.hpp"
#include "core/exec/run_util.hpp"

namespace verpo::exec {

// A pipe the supervisor drains while the process runs, keeping at most `cap` bytes.
struct Stream {
  Fd fd;
  std::string data;
  size_t cap = 0;
  bool truncated = false;
};

enum class Drained { kMore, kClosed };
// Reads until the pipe would block (kMore) or reaches EOF or an error (kClosed: the caller stops
// watching and closes it). *overflow is set the first time bytes past the cap arrive.
Drained DrainStream(Stream& s, bool* overflow);

// Writes what the pipe takes of data[*done..]. True when it is finished (all written, or the reader
// is gone: the SIGPIPE this thread blocks is consumed); the caller then closes fd for EOF.
bool FeedStdin(int fd, const std::string& data, size_t* done);

// The program's stdin as judges and the datasets' graders give it: a regular, seekable, read-only file
// holding `data` (a sealed memfd reopened O_RDONLY), so os.fstat(0).st_size, mmap and seeking work as they
// do on a file, and nothing can write it. -1 (errno set) where the kernel has no sealable memfds; the caller
// then feeds a pipe as before.
int MakeStdinFile(const std::string& data);

enum class Notice { kNone, kListenerGone, kViolation };
// One seccomp user notification: kViolation with *v filled (the first one only; the call is never
// answered, so the caller stays blocked until it is killed), kNone when the caller died meanwhile,
// kListenerGone when the listener failed (stop watching it).
Notice ReceiveViolation(int listener, Violation* v);

}  // namespace verpo::exec
