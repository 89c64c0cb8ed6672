// fork() for a multi-threaded host (Node): a raw clone with every signal blocked around it, so
// no handler of the host (libuv's SIGCHLD pipe, for one) can run in the child before it resets
// them. The child may only make async-signal-safe calls until it execs or _exits.
#pragma once
#include <sys/types.h>

namespace verpo::exec {

// Returns the child's pid in the parent (or -errno), 0 in the child. In the child, signals stay
// blocked until ResetSignalsInChild().
pid_t RawClone(unsigned long namespace_flags);

// Child side: every disposition back to SIG_DFL (SIG_IGN survives exec, e.g. Node's SIGPIPE) and
// an empty signal mask. Async-signal-safe.
void ResetSignalsInChild();

}  // namespace verpo::exec
