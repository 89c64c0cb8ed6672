// The zygote's fork server: the per-test loop of lib/exec/python/zygote.py, in C, loaded by the zygote
// (a warm trusted Python) through ctypes and called once; it returns to Python only in a forked test
// process (after that process has isolated itself), when the environment must change, or to exit.
//
// Why in C: on fork every page of the zygote becomes copy-on-write in both processes, and Python writes
// to every object it touches (reference counts), so each step of a Python loop costs page faults in the
// zygote (about 200 per test were measured) and in the child before the program even starts (about
// 100 for the isolation step). This loop touches a few pages of its own: receiving a request, forking,
// applying the isolation plan (isolation_plan.cpp, the same code as the spawn path), waiting, ending
// the test's other processes and reporting make no Python object at all.
//
// Built into its own small library (verpo_zygote.so, beside verpo.node) with no Node and no Python
// headers: CPython's fork hooks (PyOS_BeforeFork and friends) are passed in as function pointers.
// The wire format is zygote_wire.hpp; the supervisor's side is zygote_run.cpp.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "core/exec/fd_passing.hpp"
#include "core/exec/isolation_plan.hpp"
#include "core/exec/zygote_wire.hpp"

using verpo::exec::ChildPlan;
using verpo::exec::ChildStage;
using verpo::exec::SendFd;
using verpo::exec::ZygoteFile;
using verpo::exec::ZygoteRange;
using verpo::exec::ZygoteReport;
using verpo::exec::ZygoteRequest;

extern "C" {

// CPython's fork hooks, called exactly as os.fork() calls them.
struct VerpoZygoteHooks {
  void (*before_fork)(void);
  void (*after_fork_parent)(void);
  void (*after_fork_child)(void);
};

constexpr int kMaxInlineFiles = 16;

// What a return hands to Python, as 32-bit words (Python reads them through a memoryview, with no ctypes
// call in the forked process): mode, report fd, then spans (offset, length) into the request buffer. A
// test process gets its inline files as (name, data) span pairs; "configure" gets one span, the
// environment block.
enum VerpoOutWord { kOutMode = 0, kOutReportFd, kOutSpanCount, kOutSpans };
constexpr int kOutWords = kOutSpans + 2 * 2 * kMaxInlineFiles;

enum VerpoServeResult { kServeExit = 0, kServeChild = 1, kServeConfigure = 2 };

int verpo_zygote_serve(int ctl, int is_init, const VerpoZygoteHooks* hooks, uint32_t* out);
// The request buffer (its address and size), for Python's zero-copy view of the spans.
const char* verpo_zygote_request(void);
size_t verpo_zygote_request_size(void);
int verpo_zygote_out_words(void);

}  // extern "C"

namespace {

// Descriptors of the test process, as the program finds them. 4 stays closed; the listener socket sits
// at 6 until the filter's listener is sent through it, then it is closed too.
constexpr int kChannelFd = 3, kReportFd = 5, kListenerFd = 6, kFirstFree = 7;
constexpr int kMaxFds = 5;  // stdin, stdout, stderr, channel, listener
constexpr size_t kEnvMax = 64 * 1024;

// One request, as received; kept across a "configure" return until it is forked.
struct Pending {
  size_t len = 0;
  int fds[kMaxFds];
  int nfds = 0;
  bool held = false;
};

alignas(16) char g_request[verpo::exec::kZygoteMaxRequest];
Pending g_pending;
char g_env_now[kEnvMax];  // the environment Python holds (what a fork inherits)
size_t g_env_now_len = 0;
bool g_env_known = false;

// A parsed request: views into g_request.
struct View {
  const ZygoteRequest* head;
  const char* cwd;
  const char* env;
  const char* bpf;
  int file_count;
  const char* names[kMaxInlineFiles];
  uint32_t name_lens[kMaxInlineFiles];
  const char* data[kMaxInlineFiles];
  uint32_t data_lens[kMaxInlineFiles];
  const char* ranges;  // the new write set (head->set_write_set), ZygoteRange each
};

const char* Parse(size_t len, int nfds, View* v) {
  if (len < sizeof(ZygoteRequest)) return "request too short";
  const ZygoteRequest* h = reinterpret_cast<const ZygoteRequest*>(g_request);
  if (h->magic != verpo::exec::kZygoteRequestMagic || h->size != sizeof(ZygoteRequest))
    return "request from a different build (magic/size mismatch)";
  if (h->rlimit_count > static_cast<uint32_t>(verpo::exec::kZygoteMaxRlimits)) return "too many rlimits";
  if (h->mode > static_cast<uint8_t>(verpo::exec::ZygoteMode::kStdioRollout)) return "unknown mode";
  if (h->file_count > static_cast<uint32_t>(kMaxInlineFiles)) return "too many inline files";
  if (h->bpf_len % 8 != 0 || h->bpf_len / 8 > 0xffff) return "bad seccomp program length";
  if (h->env_len > kEnvMax) return "environment block too large";
  if (h->write_set_count > verpo::exec::kZygoteMaxRanges || (!h->set_write_set && h->write_set_count))
    return "bad write set";
  if (nfds != 3 + (h->has_channel ? 1 : 0) + (h->has_listener ? 1 : 0)) return "descriptor count does not match the request";
  size_t at = sizeof(ZygoteRequest);
  auto take = [&](size_t n, const char** p) {
    if (n > len - at) return false;
    *p = g_request + at;
    at += n;
    return true;
  };
  if (!take(h->cwd_len, &v->cwd) || !take(h->env_len, &v->env) || !take(h->bpf_len, &v->bpf)) return "request truncated";
  if (h->cwd_len == 0 || v->cwd[h->cwd_len - 1] != '\0') return "bad cwd";
  if (h->env_len && v->env[h->env_len - 1] != '\0') return "bad environment block";
  v->head = h;
  v->file_count = static_cast<int>(h->file_count);
  for (int i = 0; i < v->file_count; ++i) {
    const char* raw;
    if (!take(sizeof(ZygoteFile), &raw)) return "request truncated";
    ZygoteFile f;
    memcpy(&f, raw, sizeof f);
    if (!take(f.name_len, &v->names[i])) return "request truncated";
    v->name_lens[i] = f.name_len;
    v->data_lens[i] = f.data_len;
  }
  for (int i = 0; i < v->file_count; ++i)
    if (!take(v->data_lens[i], &v->data[i])) return "request truncated";
  if (!take(h->write_set_count * sizeof(ZygoteRange), &v->ranges)) return "request truncated";
  if (at != len) return "request longer than its header says";
  return nullptr;
}

// False when nothing more will come: the supervisor is gone (or the socket is broken).
bool Receive(int ctl, Pending* p) {
  bool truncated = false;
  ssize_t n = verpo::exec::RecvFds(ctl, g_request, sizeof g_request, p->fds, kMaxFds, &p->nfds, -1, &truncated);
  if (n <= 0) return false;
  p->len = truncated ? 0 : static_cast<size_t>(n);  // refused below as "request too short"
  return true;
}

void CloseAll(Pending* p) {
  for (int i = 0; i < p->nfds; ++i) close(p->fds[i]);
  p->nfds = 0;
}

void SendError(int ctl, const char* why) {
  char buf[512];
  int n = snprintf(buf, sizeof buf, "E%s", why);
  SendFd(ctl, buf, static_cast<size_t>(n < 0 ? 1 : (n >= static_cast<int>(sizeof buf) ? sizeof buf - 1 : n)), -1);
}

// In the test process: a failure before the program runs goes to the report pipe (an internal error,
// never the program's fault), then we leave.
[[noreturn]] void ChildFail(int report_fd, const char* stage) {
  int e = errno;
  char buf[256];
  int n = snprintf(buf, sizeof buf, "%s: %s", stage, strerror(e));
  if (n > 0) {
    ssize_t ignored = write(report_fd, buf, static_cast<size_t>(n < static_cast<int>(sizeof buf) ? n : sizeof buf - 1));
    (void)ignored;
  }
  _exit(127);
}

// The test process, right after the fork: its descriptors, cwd and isolation plan, in ApplyIsolation's
// order (rlimits, setsid, uid drop, dumpable, pdeathsig, no_new_privs, seccomp last).
void BecomeTest(const View& v, const Pending& p, int report_w) {
  const ZygoteRequest& h = *v.head;
  // Every source goes above the targets first, so that no dup2 below clobbers a later source.
  int src[kMaxFds + 1];
  int n = 0;
  for (int i = 0; i < p.nfds; ++i) src[n++] = p.fds[i];
  src[n++] = report_w;
  for (int i = 0; i < n; ++i) {
    src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 10);
    if (src[i] < 0) ChildFail(report_w, "file descriptors");
  }
  report_w = src[n - 1];
  int k = 0;
  const int in = src[k++], outfd = src[k++], err = src[k++];
  const int chan = h.has_channel ? src[k++] : -1;
  const int listener = h.has_listener ? src[k++] : -1;
  if (dup2(in, 0) < 0 || dup2(outfd, 1) < 0 || dup2(err, 2) < 0 || dup2(report_w, kReportFd) < 0)
    ChildFail(report_w, "file descriptors");
  report_w = kReportFd;
  if (chan >= 0) {
    if (dup2(chan, kChannelFd) < 0) ChildFail(report_w, "file descriptors");
  } else {
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || (null != kChannelFd && (dup2(null, kChannelFd) < 0 || close(null) != 0)))
      ChildFail(report_w, "file descriptors");
  }
  if (listener >= 0 && dup2(listener, kListenerFd) < 0) ChildFail(report_w, "file descriptors");
  close(4);
  if (listener < 0) close(kListenerFd);
  if (syscall(SYS_close_range, kFirstFree, ~0U, 0) != 0) ChildFail(report_w, "close_range");
  if (chdir(v.cwd) != 0) ChildFail(report_w, "chdir");

  ChildPlan plan;
  for (uint32_t i = 0; i < h.rlimit_count; ++i) plan.AddRlimit(h.rlimits[i].resource, h.rlimits[i].soft, h.rlimits[i].hard);
  plan.new_session = true;
  plan.drop_uid = h.drop_uid != 0;
  plan.uid = h.uid;
  plan.gid = h.gid;
  // Not dumpable (a uid change clears it; the zygote is not, see verpo_zygote_serve), /proc/<pid> would be
  // root's: the supervisor reads the tree's usage there, and /proc/self should work as after an exec.
  plan.dumpable = true;
  plan.parent_death_kill = true;
  plan.no_new_privs = true;
  if (h.bpf_len) {
    plan.filter = reinterpret_cast<const sock_filter*>(v.bpf);  // the kernel copies it; alignment is moot
    plan.filter_len = static_cast<unsigned short>(h.bpf_len / 8);
    plan.filter_listener = listener >= 0;
  }
  plan.listener_socket = listener >= 0 ? kListenerFd : -1;
  ChildStage stage = ApplyIsolation(plan);
  if (stage != ChildStage::kNone) ChildFail(report_w, verpo::exec::ChildStageName(stage));
}

// After the test's process is reaped: end every other process of the test and reap them all.
void EndTest(pid_t pid, bool is_init) {
  if (is_init) {
    // pid 1 of a namespace holding only us and this test: kill(-1) reaches every process but us (a fork
    // racing with it gets the signal too); orphans are ours to reap, until none is left.
    kill(-1, SIGKILL);
    for (;;) {
      pid_t r = waitpid(-1, nullptr, __WALL);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return;
    }
  }
  // No pid namespace: the test's session now (the supervisor kills the slot uid's leftovers after the
  // report); as a subreaper we reap what it leaves, now and before each later test.
  kill(-pid, SIGKILL);
  while (waitpid(-1, nullptr, WNOHANG | __WALL) > 0) {
  }
}

uint32_t Offset(const char* p) { return static_cast<uint32_t>(p - g_request); }

int64_t Micros(const timeval& t) { return static_cast<int64_t>(t.tv_sec) * 1000000 + t.tv_usec; }

// Tests may run as the zygote's own uid (not root: there is no other uid to drop to), so the zygote guards
// itself once: not dumpable (nothing of the same uid may ptrace it or open its /proc/<pid>/mem or environ),
// and every signal it catches (CPython's SIGINT, and any a module installed) ignored instead: as pid 1 of the
// slot's pid namespace it then takes no signal from a test at all (init gets only the signals it catches).
// SIGCHLD stays as it is (ignoring it would reap the tests behind wait4's back). Each test process gets the
// handlers back. False if a step failed: the zygote then does not serve.
struct sigaction g_handlers[NSIG];
bool g_caught[NSIG];
bool g_guarded = false;

bool GuardZygote() {
  if (g_guarded) return true;
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return false;
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD) continue;
    struct sigaction now = {};
    if (sigaction(sig, nullptr, &now) != 0) continue;  // (the C library's own real-time signals)
    if (now.sa_handler == SIG_DFL || now.sa_handler == SIG_IGN) continue;
    g_handlers[sig] = now;
    g_caught[sig] = true;
    if (sigaction(sig, &ignore, nullptr) != 0) return false;
  }
  g_guarded = true;
  return true;
}

// As pid 1 of the slot's pid namespace, the zygote sets the namespace's last pid back to 1 before each fork,
// so that every test process is pid 2 and its children follow from 3: otherwise the pid a program gets
// tells how many processes the programs before it in this slot made (a rollout forking 300 children moved
// the next rollout's pid from 2 to 303), a channel from one rollout to the next. Every other process of the
// namespace is gone by then (EndTest), so pid 2 is free. Writing needs CAP_SYS_ADMIN (or
// CAP_CHECKPOINT_RESTORE) over the namespace: the zygote holds it as root, not as a non-root uid under a user
// namespace (no capability survives its exec there). The file comes open at kZygoteLastPidFd (the zygote's
// /proc is read-only by then); without it, or without the capability, pids follow on as they would with no
// pid namespace (the isolation notes say so).
int g_last_pid_fd = -1;

// (Its proc is detached: the link reads from that proc's root, "/sys/kernel/ns_last_pid".)
bool IsLastPid(int fd) {
  char link[64], got[64];
  const char want[] = "/sys/kernel/ns_last_pid";
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, got, sizeof got);
  const ssize_t w = static_cast<ssize_t>(sizeof want - 1);
  return n >= w && n < static_cast<ssize_t>(sizeof got) && memcmp(got + n - w, want, w) == 0;
}

void OpenLastPid(bool is_init) {
  if (!is_init || g_last_pid_fd >= 0) return;
  int fd = verpo::exec::kZygoteLastPidFd;
  if (!IsLastPid(fd)) fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  if (pwrite(fd, "1", 1, 0) != 1) {
    close(fd);
    return;
  }
  g_last_pid_fd = fd;
}

void RestoreHandlers() {
  for (int sig = 1; sig < NSIG; ++sig)
    if (g_caught[sig]) sigaction(sig, &g_handlers[sig], nullptr);
}

// Gives each read-only private file mapping of the zygote (the interpreter's and libraries' code and
// constants) an anonymous side, so that fork copies its page-table entries. Without one, fork leaves them
// out (the kernel refills them on demand) and every test process takes its own page faults for the
// code it runs: ~90 a process were measured, each a full fault (~15 us on a paravirtual host), against
// a copy of the same entries at fork that costs far less. The side is one private copy of one page
// with the same bytes, made by writing a byte back to itself while the mapping is writable for that
// moment; the protection is then what it was. A step that fails leaves that mapping as it is. Made
// writable once, a private mapping stays charged as writable memory (VM_ACCOUNT): under strict
// overcommit (vm.overcommit_memory = 2) that would charge each test process for the libraries' size,
// so there it is not done.
char g_maps[256 * 1024];
bool g_shared_files = false;

size_t ReadAll(const char* path, char* buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t len = 0;
  for (;;) {
    ssize_t n = read(fd, buf + len, cap - 1 - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += static_cast<size_t>(n);
  }
  close(fd);
  buf[len] = '\0';
  return len;
}

void CopyFilePagesAtFork() {
  if (g_shared_files) return;
  g_shared_files = true;
  char mode[8];
  if (ReadAll("/proc/sys/vm/overcommit_memory", mode, sizeof mode) == 0 || mode[0] == '2') return;
  // The whole table first: it changes (in flags only) as we go.
  if (ReadAll("/proc/self/maps", g_maps, sizeof g_maps) == 0) return;
  const long page = sysconf(_SC_PAGESIZE);
  for (char* line = g_maps; line && *line;) {
    char* next = strchr(line, '\n');
    if (next) *next++ = '\0';
    unsigned long start = 0, end = 0, inode = 0;
    char perms[5] = {};
    // start-end perms offset dev inode path
    if (sscanf(line, "%lx-%lx %4s %*s %*s %lu", &start, &end, perms, &inode) == 4 && inode != 0 &&
        perms[1] != 'w' && perms[3] == 'p' && end > start) {
      int prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[2] == 'x' ? PROT_EXEC : 0);
      // A page the file really has (in the page cache), so that touching it cannot fault past its end.
      unsigned char in_core = 0;
      void* at = reinterpret_cast<void*>(start);
      if ((prot & PROT_READ) && mincore(at, static_cast<size_t>(page), &in_core) == 0 && (in_core & 1) &&
          mprotect(at, end - start, prot | PROT_WRITE) == 0) {
        volatile char* b = static_cast<volatile char*>(at);
        *b = *b;
        mprotect(at, end - start, prot);
      }
    }
    line = next;
  }
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux >= 5.14
#endif

// The write sets (core/exec/write_set.hpp), one per mode: pages of ours that test processes write, as the
// supervisor learned them. Each test process copies its mode's set right after the fork, a range per call,
// instead of faulting the pages in one by one. A range is kept only when it lies inside a private writable
// mapping of ours (checked against our maps when the set arrives) and for the pages of it we hold, and only
// where the kernel has MADV_POPULATE_WRITE.
constexpr int kModes = static_cast<int>(verpo::exec::ZygoteMode::kStdioRollout) + 1;
struct WriteSet {
  ZygoteRange ranges[verpo::exec::kZygoteMaxRanges];
  uint32_t count = 0;
  uint32_t pages = 0;
};
WriteSet g_write_sets[kModes];
unsigned char g_resident[4096];  // mincore's answer for one range (no range is longer: write_set.hpp's cap)
constexpr size_t kMaxWritable = 4096;
struct Span {
  uint64_t start, end;
};
Span g_writable[kMaxWritable];  // our private writable mappings when a set arrives
int g_populate = -1;  // MADV_POPULATE_WRITE works here: -1 not known yet

void SetWriteSet(const View& v) {
  WriteSet& ws = g_write_sets[v.head->mode];
  ws.count = ws.pages = 0;
  const uint32_t n = v.head->write_set_count;
  if (n == 0) return;
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  if (g_populate < 0) {  // tried on a page of ours (writable, in the request buffer)
    const uint64_t own = (reinterpret_cast<uint64_t>(g_request) + page - 1) & ~(page - 1);
    g_populate = madvise(reinterpret_cast<void*>(own), page, MADV_POPULATE_WRITE) == 0 ? 1 : 0;
  }
  if (!g_populate || ReadAll("/proc/self/maps", g_maps, sizeof g_maps) == 0) return;
  // Our private writable mappings, in address order (as the maps list them), parsed once for the whole set.
  size_t writable = 0;
  for (const char* line = g_maps; *line && writable < kMaxWritable;) {
    unsigned long start = 0, end = 0;
    char perms[5] = {};
    if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) == 3 && strcmp(perms, "rw-p") == 0)
      g_writable[writable++] = {start, end};
    const char* next = strchr(line, '\n');
    if (!next) break;
    line = next + 1;
  }
  for (uint32_t i = 0; i < n; ++i) {
    ZygoteRange r;
    memcpy(&r, v.ranges + i * sizeof r, sizeof r);
    if (r.pages == 0 || r.first_page > (~0ull / page) - r.pages) continue;
    const uint64_t lo = r.first_page * page, hi = lo + r.pages * page;
    bool inside = false;
    for (size_t m = 0; m < writable && !inside; ++m) inside = lo >= g_writable[m].start && hi <= g_writable[m].end;
    if (!inside || r.pages > sizeof g_resident) continue;
    // Only pages we hold: a test process already maps (and counts in its RSS) each of them, so copying one
    // changes its memory by nothing; a page we never touched stays for the process to fault in, or not.
    if (mincore(reinterpret_cast<void*>(lo), r.pages * page, g_resident) != 0) continue;
    for (uint64_t j = 0; j < r.pages && ws.count < verpo::exec::kZygoteMaxRanges;) {
      if (!(g_resident[j] & 1)) {
        ++j;
        continue;
      }
      uint64_t k = j;
      while (k < r.pages && (g_resident[k] & 1)) ++k;
      ws.ranges[ws.count++] = {r.first_page + j, k - j};
      ws.pages += static_cast<uint32_t>(k - j);
      j = k;
    }
  }
}

// In a test process, first thing after the fork. A range that fails (a page the kernel will not populate) is
// left to the faults.
void CopyWriteSet(const WriteSet& ws) {
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  for (uint32_t i = 0; i < ws.count; ++i)
    madvise(reinterpret_cast<void*>(ws.ranges[i].first_page * page), ws.ranges[i].pages * page, MADV_POPULATE_WRITE);
}

}  // namespace

extern "C" const char* verpo_zygote_request(void) { return g_request; }
extern "C" size_t verpo_zygote_request_size(void) { return sizeof g_request; }
extern "C" int verpo_zygote_out_words(void) { return kOutWords; }

extern "C" int verpo_zygote_serve(int ctl, int is_init, const VerpoZygoteHooks* hooks, uint32_t* out) {
  if (!GuardZygote()) return kServeExit;
  OpenLastPid(is_init != 0);
  CopyFilePagesAtFork();
  for (;;) {
    Pending& p = g_pending;
    const bool again = p.held;
    if (!p.held && !Receive(ctl, &p)) return kServeExit;
    p.held = false;
    View v;
    const char* bad = Parse(p.len, p.nfds, &v);
    if (bad) {
      CloseAll(&p);
      SendError(ctl, bad);
      continue;
    }
    const ZygoteRequest& h = *v.head;
    if (h.set_write_set && !again) SetWriteSet(v);  // (a held request's set was taken when it came)
    // The same for every test of an executor: Python sets it once, and each fork inherits it.
    if (!g_env_known || h.env_len != g_env_now_len || memcmp(v.env, g_env_now, h.env_len) != 0) {
      memcpy(g_env_now, v.env, h.env_len);
      g_env_now_len = h.env_len;
      g_env_known = true;
      p.held = true;
      out[kOutSpanCount] = 2;
      out[kOutSpans] = Offset(v.env);
      out[kOutSpans + 1] = h.env_len;
      return kServeConfigure;
    }
    int report[2];
    if (pipe2(report, O_CLOEXEC | O_NONBLOCK) != 0) {
      CloseAll(&p);
      SendError(ctl, "pipe failed");
      continue;
    }
    if (g_last_pid_fd >= 0) (void)!pwrite(g_last_pid_fd, "1", 1, 0);
    hooks->before_fork();
    const WriteSet& ws = g_write_sets[h.mode];
    pid_t pid = fork();
    if (pid == 0) {
      CopyWriteSet(ws);
      hooks->after_fork_child();
      RestoreHandlers();
      close(report[0]);
      BecomeTest(v, p, report[1]);
      out[kOutMode] = h.mode;
      out[kOutReportFd] = kReportFd;
      out[kOutSpanCount] = static_cast<uint32_t>(4 * v.file_count);
      for (int i = 0; i < v.file_count; ++i) {
        uint32_t* span = out + kOutSpans + 4 * i;
        span[0] = Offset(v.names[i]);
        span[1] = v.name_lens[i];
        span[2] = Offset(v.data[i]);
        span[3] = v.data_lens[i];
      }
      return kServeChild;
    }
    int fork_errno = errno;
    hooks->after_fork_parent();
    // The child has its copies: ours go now, so the supervisor's pipes see EOF exactly when the test's
    // processes are gone.
    CloseAll(&p);
    close(report[1]);
    if (pid < 0) {
      close(report[0]);
      SendError(ctl, strerror(fork_errno));
      continue;
    }
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
      int e = errno;
      kill(pid, SIGKILL);
      EndTest(pid, is_init != 0);
      waitpid(pid, nullptr, 0);
      close(report[0]);
      SendError(ctl, strerror(e));
      continue;
    }
    SendFd(ctl, "K", 1, pidfd);  // (a failed send: the supervisor is gone; the next receive says so)
    close(pidfd);
    int status = 0;
    rusage ru = {};
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    EndTest(pid, is_init != 0);
    struct {
      ZygoteReport r;
      char setup[1024];
    } msg = {};
    ssize_t got;
    do got = read(report[0], msg.setup, sizeof msg.setup);
    while (got < 0 && errno == EINTR);
    close(report[0]);
    msg.r.magic = verpo::exec::kZygoteReportMagic;
    msg.r.status = status;
    msg.r.utime_us = Micros(ru.ru_utime);
    msg.r.stime_us = Micros(ru.ru_stime);
    msg.r.maxrss_kb = ru.ru_maxrss;
    msg.r.setup_len = got > 0 ? static_cast<uint32_t>(got) : 0;
    msg.r.write_set_pages = ws.pages;
    SendFd(ctl, &msg, sizeof msg.r + msg.r.setup_len, -1);
  }
}
