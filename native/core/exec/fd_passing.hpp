// Descriptors over a unix socket (SCM_RIGHTS), sent and received in one place for every side: the
// supervisor (the run loop, zygote mode, the launch of a sandboxed child), a child between its clone and
// its exec (the seccomp listener, its tmpfs directories), and the zygote's fork server. Async-signal-safe
// and libc only (no allocation, no C++ runtime): this file is built into verpo_zygote.so too.
#pragma once
#include <sys/types.h>

#include <cstddef>

namespace verpo::exec {

// The most descriptors one message carries (the zygote's request: stdin, stdout, stderr, channel, listener).
constexpr int kMaxPassedFds = 8;

// Sends data[0..len) as one message with fds[0..nfds) attached (nfds == 0: none). On a stream socket that
// takes only part of it, the rest follows without descriptors. MSG_NOSIGNAL. True when all of it was sent.
bool SendFds(int sock, const void* data, size_t len, const int* fds, int nfds);

// The same with one descriptor, or none when fd < 0.
inline bool SendFd(int sock, const void* data, size_t len, int fd) { return SendFds(sock, data, len, &fd, fd >= 0 ? 1 : 0); }

// One message into buf[0..len), and up to max_fds of the descriptors it carries into fds (close-on-exec;
// *nfds: how many; any further ones are closed). wait_ms: -1 blocks, 0 does not wait, > 0 waits at most that
// long. Returns the byte count (0 at EOF) or -1 (errno set; EAGAIN: nothing came in time). With `truncated`:
// whether the message, or its descriptors, did not fit.
ssize_t RecvFds(int sock, void* buf, size_t len, int* fds, int max_fds, int* nfds, int wait_ms, bool* truncated = nullptr);

// The same for a message with at most one descriptor (*fd = -1 when none came).
inline ssize_t RecvFd(int sock, void* buf, size_t len, int* fd, int wait_ms) {
  int n = 0;
  *fd = -1;
  return RecvFds(sock, buf, len, fd, 1, &n, wait_ms);
}

}  // namespace verpo::exec
