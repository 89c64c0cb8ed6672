// A hand-built seccomp-BPF deny-list for untrusted programs (no libseccomp dependency).
//
// Why a deny-list: the candidate is a full CPython (plus numpy & co.), whose syscall set is large
// and version-dependent; an allow-list would turn library upgrades into false SV verdicts. The
// list below targets every class of syscall that reaches outside the sandbox or widens the kernel
// attack surface (executor-anchors §2.1 item 5); the other layers (uid, namespaces, rlimits) bound
// the rest.
//
// What a denied call does:
//  - Violation (reported as SV with the syscall, the run is killed): sockets other than AF_UNIX,
//    ptrace, process_vm_readv/writev, mount family, unshare/setns, clone with namespace flags,
//    bpf, perf_event_open, keyctl/add_key/request_key, io_uring_*, userfaultfd, kexec_*, module
//    calls, and other admin-only calls; any syscall of a foreign ABI (i386, x32).
//    With a listener (SECCOMP_RET_USER_NOTIF) the supervisor reads the syscall number; without
//    one (kernels < 5.0) the same calls are SECCOMP_RET_KILL_PROCESS and show as SIGSYS.
//  - Plain error, the program goes on: clone3 -> ENOSYS (glibc falls back to clone, whose flags
//    the filter can inspect), memfd_create / memfd_secret -> ENOSYS (their pages live in no
//    filesystem the supervisor can measure and, unmapped, in no process's RSS: without a memory
//    cgroup they could be counted nowhere; programs fall back to files), SysV IPC and POSIX
//    message queues -> EPERM, ioctl TIOCSTI / TIOCLINUX -> EPERM, and rlimits (below).
//  - rlimits: with `own_rlimits` (the test holds no CAP_SYS_RESOURCE: a dropped uid, or a non-root
//    caller), setrlimit and prlimit64 on itself (pid 0) are allowed: the kernel itself then refuses
//    any raise of a hard limit, so a test may only lower its limits or raise a soft one up to its
//    hard one (the competitive-programming "unlimited stack" idiom). prlimit64 setting another
//    process's limits (a sibling, the zygote of the same uid) -> EPERM. Without `own_rlimits` (a
//    test running as root by request) every rlimit change -> EPERM, as root could raise them all.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace verpo::exec {

enum class ViolationAction { kNotify, kKillProcess };

struct SeccompProgram {
  std::vector<uint8_t> bytes;  // struct sock_filter[], native endianness, for SECCOMP_SET_MODE_FILTER
  size_t instructions() const { return bytes.size() / 8; }
};

// The filter for the architecture this code was compiled for (x86-64 or aarch64).
SeccompProgram BuildSeccompFilter(ViolationAction action, bool own_rlimits);

// Name of a syscall number of the native ABI as the filter reports it ("ptrace"), or "" if unknown.
std::string SyscallName(int nr);

// Whether the native audit arch matches (seccomp_data.arch).
bool IsNativeAuditArch(uint32_t arch);

}  // namespace verpo::exec
