// Zygote mode's long-lived trusted processes: each supervisor slot's warm zygote and warm judge, started
// on first use and restarted whenever one dies or a request needs a different one (EnsureWarm), and the
// messages on their control sockets. The run itself (one test) is zygote_run.cpp.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/exec/child_launch.hpp"
#include "core/exec/policy.hpp"
#include "core/exec/run_policy.hpp"
#include "core/exec/workdir.hpp"
#include "core/exec/write_set.hpp"

namespace verpo::exec {

// A trusted helper process of one slot, with its control socket.
struct WarmProcess {
  pid_t pid = -1;
  int pidfd = -1;
  int ctl = -1;
  int stat_fd = -1;  // /proc/<pid>/stat (its CPU time and size)
  int children_fd = -1;  // /proc/<pid>/task/<pid>/children (the tests it forked, and orphans it took in)
  size_t key = 0;  // hash of what it was started with
  uint64_t runs = 0;
  uint64_t generation = 0;  // counts its starts: a restarted helper is never taken for the one before
  bool alive() const { return pid > 0; }
  void Stop();  // SIGKILL, reap, close; idempotent
};

// The warm processes of one slot; owned by its worker thread (so PR_SET_PDEATHSIG fires when it ends).
struct WarmSlot {
  WarmProcess zygote, judge;
  // The tests' files: with a mount namespace, the slot's own tmpfs on /tmp and /dev/shm (made with the zygote,
  // in its namespace; held here as directory fds); without one, a host directory (`workdir`). Made with the
  // zygote, emptied (and their mode reset) after every test, removed with the slot or a new zygote.
  Workdir workdir, tmp, shm;
  // What the zygote's test processes write (learned from some of them) and which version of it, per mode, the
  // zygote of `write_set_generation` holds.
  WriteSet write_set;
  uint64_t write_set_generation = 0;
  uint64_t write_set_sent[WriteSet::kModes] = {};
  std::string filter;  // the seccomp program's bytes, built once (per variant)
  bool filter_built = false, filter_own_rlimits = false;
  // The seccomp program for `policy` (built on first use and when its variant changes).
  const std::string& Filter(const RunPolicy& policy);
  ~WarmSlot() {
    zygote.Stop();  // first: nothing of a test may still write into the workdir
    judge.Stop();
  }
};

// How a warm helper starts: fd 0 its end of a control socket, fds 1 and 2 /dev/null, its own session, SIGKILL
// when the worker thread ends; then it is sent `init` (length-prefixed for a stream socket's reader) and, if
// set, `then` with `then_fd`.
struct WarmStart {
  const std::vector<std::string>* argv = nullptr;
  std::vector<std::string> env;
  int sock_type = 0;  // SOCK_SEQPACKET (the zygote's fork server) or SOCK_STREAM (the judge)
  // The namespaces the helper lives in for good (a zygote's slot namespaces), the user namespace's id maps,
  // its filesystem view there (and then /tmp its cwd), and where its own tmpfs are adopted.
  unsigned long clone_flags = 0;
  const char* uid_map = nullptr;
  const char* gid_map = nullptr;
  const MountView* mounts = nullptr;
  Workdir* tmp = nullptr;
  Workdir* shm = nullptr;
  const std::string* init = nullptr;
  bool length_prefix = false;
  const std::string* then = nullptr;
  int then_fd = -1;
};

std::string StartWarm(WarmProcess* w, const WarmStart& start);

// The slot's zygote (and its judge, with one) as this request needs them: kept when they were started with
// the same harness, environment, namespaces, uid and tmpfs limits; else (re)started. Returns "" or why not.
std::string EnsureWarm(WarmSlot* warm, const RunRequest& req, const RunPolicy& policy, const SandboxConfig& config);

// Messages on a warm helper's control socket (fd_passing.hpp): one message with descriptors; one message and
// the descriptor it carries (-1: none), waiting at most `timeout_ms` (0: not at all); one without (a stray
// descriptor is closed).
bool SendMessage(int sock, const std::string& data, const int* fds, int nfds);
bool RecvMessageFd(int sock, std::string* out, int* fd, int timeout_ms);
bool RecvMessage(int sock, std::string* out, int timeout_ms);

// The fork server library (verpo_zygote.so) beside this code's own binary, or "" when it is missing:
// zygote mode cannot run without it (the Executor then uses spawn mode unless zygote mode was asked for).
const std::string& ZygoteLibrary();

}  // namespace verpo::exec
