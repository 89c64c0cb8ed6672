#include "core/exec/fd_passing.hpp"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace verpo::exec {

bool SendFds(int sock, const void* data, size_t len, const int* fds, int nfds) {
  if (nfds < 0 || nfds > kMaxPassedFds) {
    errno = EINVAL;
    return false;
  }
  iovec iov = {const_cast<void*>(data), len};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxPassedFds)];
  msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (nfds > 0) {
    memset(control, 0, sizeof control);
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
  }
  ssize_t n;
  do n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return false;
  // A stream socket may take a long message in pieces (a datagram socket takes all or nothing).
  size_t done = static_cast<size_t>(n);
  while (done < len) {
    ssize_t m = send(sock, static_cast<const char*>(data) + done, len - done, MSG_NOSIGNAL);
    if (m < 0 && errno == EINTR) continue;
    if (m < 0) return false;
    done += static_cast<size_t>(m);
  }
  return true;
}

ssize_t RecvFds(int sock, void* buf, size_t len, int* fds, int max_fds, int* nfds, int wait_ms, bool* truncated) {
  *nfds = 0;
  if (truncated) *truncated = false;
  if (wait_ms > 0) {
    pollfd p = {sock, POLLIN, 0};
    int r;
    do r = poll(&p, 1, wait_ms);
    while (r < 0 && errno == EINTR);
    if (r < 0) return -1;
    if (r == 0) {
      errno = EAGAIN;
      return -1;
    }
  }
  iovec iov = {buf, len};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxPassedFds)];
  memset(control, 0, sizeof control);
  msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  int flags = MSG_CMSG_CLOEXEC | (wait_ms < 0 ? 0 : MSG_DONTWAIT);
  ssize_t n;
  do n = recvmsg(sock, &msg, flags);
  while (n < 0 && errno == EINTR);
  if (n < 0) return n;
  bool dropped = false;
  for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
    int count = static_cast<int>((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < count; ++i) {
      int fd;
      memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
      if (*nfds < max_fds) {
        fds[(*nfds)++] = fd;
      } else {
        close(fd);
        dropped = true;
      }
    }
  }
  if (truncated) *truncated = dropped || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
  return n;
}

}  // namespace verpo::exec
