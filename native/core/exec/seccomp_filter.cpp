#include "core/exec/seccomp_filter.hpp"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cstring>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace verpo::exec {
namespace {

#if defined(__x86_64__)
constexpr uint32_t kNativeArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kNativeArch = AUDIT_ARCH_AARCH64;
#else
#error "the sandbox filter supports x86-64 and aarch64 only"
#endif

struct NamedSyscall {
  const char* name;
  int nr;
};

#define VERPO_SYSCALL(n) {#n, __NR_##n}
// Calls whose use is a sandbox violation. Each group says why it is here.
const NamedSyscall kViolations[] = {
    // reading or steering other processes
    VERPO_SYSCALL(ptrace), VERPO_SYSCALL(process_vm_readv), VERPO_SYSCALL(process_vm_writev),
    VERPO_SYSCALL(kcmp),
#ifdef __NR_pidfd_getfd
    VERPO_SYSCALL(pidfd_getfd),
#endif
    // changing the filesystem view or namespaces
    VERPO_SYSCALL(mount), VERPO_SYSCALL(umount2), VERPO_SYSCALL(pivot_root), VERPO_SYSCALL(chroot),
    VERPO_SYSCALL(unshare), VERPO_SYSCALL(setns),
#ifdef __NR_open_tree
    VERPO_SYSCALL(open_tree), VERPO_SYSCALL(move_mount), VERPO_SYSCALL(fsopen),
    VERPO_SYSCALL(fsconfig), VERPO_SYSCALL(fsmount), VERPO_SYSCALL(fspick),
#endif
#ifdef __NR_mount_setattr
    VERPO_SYSCALL(mount_setattr),
#endif
    VERPO_SYSCALL(name_to_handle_at), VERPO_SYSCALL(open_by_handle_at),
    // large kernel attack surface, never needed by a test program
    VERPO_SYSCALL(bpf), VERPO_SYSCALL(perf_event_open), VERPO_SYSCALL(userfaultfd),
    VERPO_SYSCALL(keyctl), VERPO_SYSCALL(add_key), VERPO_SYSCALL(request_key),
#ifdef __NR_io_uring_setup
    VERPO_SYSCALL(io_uring_setup), VERPO_SYSCALL(io_uring_enter), VERPO_SYSCALL(io_uring_register),
#endif
    VERPO_SYSCALL(fanotify_init), VERPO_SYSCALL(lookup_dcookie),
    // host administration
    VERPO_SYSCALL(kexec_load),
#ifdef __NR_kexec_file_load
    VERPO_SYSCALL(kexec_file_load),
#endif
    VERPO_SYSCALL(init_module), VERPO_SYSCALL(finit_module), VERPO_SYSCALL(delete_module),
    VERPO_SYSCALL(reboot), VERPO_SYSCALL(swapon), VERPO_SYSCALL(swapoff), VERPO_SYSCALL(acct),
    VERPO_SYSCALL(quotactl), VERPO_SYSCALL(syslog), VERPO_SYSCALL(settimeofday),
    VERPO_SYSCALL(clock_settime), VERPO_SYSCALL(clock_adjtime), VERPO_SYSCALL(adjtimex),
    VERPO_SYSCALL(vhangup), VERPO_SYSCALL(personality),
#if defined(__x86_64__)
    VERPO_SYSCALL(iopl), VERPO_SYSCALL(ioperm), VERPO_SYSCALL(uselib), VERPO_SYSCALL(modify_ldt),
#endif
};

// Calls inspected by argument; listed for names only.
const NamedSyscall kInspected[] = {
    VERPO_SYSCALL(socket), VERPO_SYSCALL(clone), VERPO_SYSCALL(clone3),
    VERPO_SYSCALL(prlimit64), VERPO_SYSCALL(ioctl),
#if defined(__x86_64__)
    VERPO_SYSCALL(setrlimit),
#endif
};
#undef VERPO_SYSCALL

constexpr uint32_t kNamespaceCloneFlags = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |
                                          CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
                                          CLONE_NEWNET | CLONE_NEWTIME;

constexpr uint32_t kArgLow(int i) { return offsetof(struct seccomp_data, args) + 8 * i; }
constexpr uint32_t kArgHigh(int i) { return kArgLow(i) + 4; }
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "argument offsets assume little-endian");

class Emitter {
 public:
  void Stmt(uint16_t code, uint32_t k) { prog_.push_back(BPF_STMT(code, k)); }
  void Jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) { prog_.push_back(BPF_JUMP(code, k, jt, jf)); }
  void Ret(uint32_t action) { Stmt(BPF_RET | BPF_K, action); }
  void LoadAbs(uint32_t off) { Stmt(BPF_LD | BPF_W | BPF_ABS, off); }
  // "if nr != k skip the next `body` instructions" (the accumulator holds the syscall number).
  void IfNr(int nr, uint8_t body) { Jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nr), 0, body); }
  std::vector<sock_filter> Take() { return std::move(prog_); }

 private:
  std::vector<sock_filter> prog_;
};

}  // namespace

SeccompProgram BuildSeccompFilter(ViolationAction action, bool own_rlimits) {
  const uint32_t violate = action == ViolationAction::kNotify ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_KILL_PROCESS;
  const uint32_t allow = SECCOMP_RET_ALLOW;
  const uint32_t eperm = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
  const uint32_t enosys = SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA);
  Emitter e;

  // A foreign ABI (int 0x80 on x86-64, x32) would bypass every number below.
  e.LoadAbs(offsetof(struct seccomp_data, arch));
  e.Jump(BPF_JMP | BPF_JEQ | BPF_K, kNativeArch, 1, 0);
  e.Ret(violate);
  e.LoadAbs(offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
  e.Jump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1);  // __X32_SYSCALL_BIT
  e.Ret(violate);
#endif

  for (const NamedSyscall& s : kViolations) {
    e.IfNr(s.nr, 1);
    e.Ret(violate);
  }

  // socket(domain, ...): only AF_UNIX (multiprocessing, the judge channel's peers).
  e.IfNr(__NR_socket, 4);
  e.LoadAbs(kArgLow(0));
  e.Jump(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1);
  e.Ret(allow);
  e.Ret(violate);

  // SysV IPC and POSIX message queues: refused (EPERM, as a host without them would). Their objects
  // outlive the process that made them, and a zygote slot keeps one ipc namespace for all its tests:
  // a segment or queue left by one test would be there for the next.
  for (int nr : {__NR_shmget, __NR_shmat, __NR_semget, __NR_msgget, __NR_mq_open}) {
    e.IfNr(nr, 1);
    e.Ret(eperm);
  }

  // clone(flags, ...): threads and fork are fine, new namespaces are not.
  e.IfNr(__NR_clone, 4);
  e.LoadAbs(kArgLow(0));
  e.Jump(BPF_JMP | BPF_JSET | BPF_K, kNamespaceCloneFlags, 0, 1);
  e.Ret(violate);
  e.Ret(allow);

  // clone3 passes its flags in memory the filter cannot read: ENOSYS makes glibc use clone.
  e.IfNr(__NR_clone3, 1);
  e.Ret(enosys);

  // Anonymous memory files: without a memory cgroup their pages are counted nowhere (no filesystem of the
  // sandbox holds them, and unmapped or untouched they are in no RSS). ENOSYS: programs fall back to files.
  e.IfNr(__NR_memfd_create, 1);
  e.Ret(enosys);
#ifdef __NR_memfd_secret
  e.IfNr(__NR_memfd_secret, 1);
  e.Ret(enosys);
#endif

  // prlimit64(pid, resource, new_limit, old_limit): reading is fine; setting only the caller's own limits
  // (pid 0), and only with own_rlimits (no CAP_SYS_RESOURCE: the kernel refuses every hard raise itself).
  // The kernel takes pid as an int: its low 32 bits are exactly what it uses.
  if (own_rlimits) {
    e.IfNr(__NR_prlimit64, 8);
    e.LoadAbs(kArgLow(2));
    e.Jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2);  // new_limit low word 0: look at the high word
    e.LoadAbs(kArgHigh(2));
    e.Jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0);  // new_limit == NULL: a read, allowed
    e.LoadAbs(kArgLow(0));
    e.Jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);  // pid 0: itself
    e.Ret(allow);
    e.Ret(eperm);
  } else {
    e.IfNr(__NR_prlimit64, 6);
    e.LoadAbs(kArgLow(2));
    e.Jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3);
    e.LoadAbs(kArgHigh(2));
    e.Jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);
    e.Ret(allow);
    e.Ret(eperm);
#if defined(__x86_64__)
    e.IfNr(__NR_setrlimit, 1);  // always the caller's own
    e.Ret(eperm);
#endif
  }

  // ioctl(fd, cmd, ...): no typing into a terminal (stdin is a file or a pipe, but belt and braces).
  e.IfNr(__NR_ioctl, 5);
  e.LoadAbs(kArgLow(1));
  e.Jump(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 2, 0);
  e.Jump(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 1, 0);
  e.Ret(allow);
  e.Ret(eperm);

  e.Ret(allow);

  std::vector<sock_filter> prog = e.Take();
  SeccompProgram out;
  out.bytes.resize(prog.size() * sizeof(sock_filter));
  std::memcpy(out.bytes.data(), prog.data(), out.bytes.size());
  return out;
}

std::string SyscallName(int nr) {
  for (const NamedSyscall& s : kViolations)
    if (s.nr == nr) return s.name;
  for (const NamedSyscall& s : kInspected)
    if (s.nr == nr) return s.name;
  return "";
}

bool IsNativeAuditArch(uint32_t arch) { return arch == kNativeArch; }

}  // namespace verpo::exec
