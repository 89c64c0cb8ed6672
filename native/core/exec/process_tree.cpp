#include "core/exec/process_tree.hpp"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace verpo::exec {
namespace {

struct StatFields {
  char state = '?';
  long session = 0;
  long threads = 0;
  uint64_t utime = 0, stime = 0, cutime = 0, cstime = 0, rss_pages = 0;
};

bool ParseStat(char* buf, StatFields* f) {
  char* p = strrchr(buf, ')');  // the command may contain spaces and parentheses
  if (!p) return false;
  int field = 2;
  for (char* tok = p + 1; *tok;) {
    while (*tok == ' ') ++tok;
    if (!*tok) break;
    ++field;
    switch (field) {
      case 3: f->state = *tok; break;
      case 6: f->session = strtol(tok, nullptr, 10); break;
      case 14: f->utime = strtoull(tok, nullptr, 10); break;
      case 15: f->stime = strtoull(tok, nullptr, 10); break;
      case 16: f->cutime = strtoull(tok, nullptr, 10); break;
      case 17: f->cstime = strtoull(tok, nullptr, 10); break;
      case 20: f->threads = strtol(tok, nullptr, 10); break;
      case 24: f->rss_pages = strtoull(tok, nullptr, 10); return true;
    }
    while (*tok && *tok != ' ') ++tok;
  }
  return false;
}

uint64_t TicksToMs(uint64_t ticks) {
  static const long hz = sysconf(_SC_CLK_TCK);
  return ticks * 1000ull / static_cast<uint64_t>(hz > 0 ? hz : 100);
}

uint64_t PagesToKb(uint64_t pages) {
  static const long page = sysconf(_SC_PAGESIZE);
  return pages * static_cast<uint64_t>(page) / 1024;
}

// Kills every process running as `uid` (a per-slot uid nobody else uses), from a helper that
// takes that uid: kill(-1) then reaches exactly those processes, including setsid'd daemons.
// The helper shares our memory (CLONE_VM | CLONE_VFORK, like posix_spawn): no page-table copy of
// a large host, and this thread simply waits until it is done. Credentials are per task, so the
// helper's uid change never touches ours.
struct UidKill {
  uid_t uid;
  gid_t gid;
};

int UidKillHelper(void* arg) {
  const UidKill* k = static_cast<const UidKill*>(arg);
  syscall(SYS_close_range, 0, ~0U, 0);  // its own fd table copy: hold nothing of a concurrent launch
  if (syscall(SYS_setresgid, k->gid, k->gid, k->gid) != 0 || syscall(SYS_setresuid, k->uid, k->uid, k->uid) != 0) return 1;
  // kill(-1) reports success whenever any other process exists, so "none left" cannot be
  // read from it. A few passes suffice: fork() fails once SIGKILL is pending, so no new
  // process of this uid appears after the first pass.
  for (int pass = 0; pass < 3; ++pass) {
    syscall(SYS_kill, -1, SIGKILL);
    timespec pause = {0, 500000};
    syscall(SYS_nanosleep, &pause, nullptr);
  }
  return 0;
}

bool ReadStat(int fd, StatFields* f) {
  char buf[1024];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return false;
  buf[n] = '\0';
  return ParseStat(buf, f);
}

}  // namespace

bool ReadProcessUsage(int stat_fd, bool with_children, ProcessUsage* out) {
  StatFields f;
  if (!ReadStat(stat_fd, &f)) return false;
  out->cpu_ms = TicksToMs(f.utime + f.stime + (with_children ? f.cutime + f.cstime : 0));
  out->rss_kb = PagesToKb(f.rss_pages);
  return true;
}

ProcessUsage ScanTree(bool by_uid, uid_t uid, pid_t session, pid_t main_pid) {
  ProcessUsage sum;
  int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc < 0) return sum;
  DIR* d = fdopendir(proc);
  if (!d) {
    close(proc);
    return sum;
  }
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    pid_t pid = static_cast<pid_t>(strtol(e->d_name, nullptr, 10));
    if (pid == main_pid) continue;
    if (by_uid) {
      struct stat st;  // /proc/<pid> is owned by the process's effective uid
      if (fstatat(proc, e->d_name, &st, 0) != 0 || st.st_uid != uid) continue;
    }
    char path[sizeof e->d_name + 8];
    snprintf(path, sizeof path, "%s/stat", e->d_name);
    int fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    StatFields f;
    bool ok = ReadStat(fd, &f);
    close(fd);
    if (!ok || f.state == 'Z') continue;
    if (!by_uid && f.session != session) continue;
    ++sum.processes;
    sum.cpu_ms += TicksToMs(f.utime + f.stime);
    sum.rss_kb += PagesToKb(f.rss_pages);
  }
  closedir(d);
  return sum;
}

namespace {

constexpr size_t kMaxProcesses = 4096;  // a larger tree is a failed scan (ScanTree then)

// Appends the pids of a children list ("12 34 ") to the queue; false when it is full.
bool AppendPids(char* buf, pid_t* queue, size_t* tail) {
  for (char* tok = buf; *tok;) {
    while (*tok == ' ' || *tok == '\n') ++tok;
    if (!*tok) break;
    if (*tail == kMaxProcesses) return false;
    queue[(*tail)++] = static_cast<pid_t>(strtol(tok, &tok, 10));
  }
  return true;
}

// A whole children list, read from its start (pread: an fd kept open serves every scan); -1 when it cannot be
// read, -2 when it is larger than any tree we measure.
ssize_t ReadList(int fd, char* buf, size_t cap) {
  size_t len = 0;
  for (;;) {
    ssize_t n = pread(fd, buf + len, cap - 1 - len, static_cast<off_t>(len));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    len += static_cast<size_t>(n);
    if (len == cap - 1) return -2;
  }
  buf[len] = '\0';
  return static_cast<ssize_t>(len);
}

// Room for kMaxProcesses pids with their separators.
thread_local char g_list[kMaxProcesses * 12];

}  // namespace

bool ScanDescendants(pid_t root, ProcessUsage* out, int root_stat_fd, int root_children_fd, ProcFiles* held) {
  // Breadth-first over the children lists. A process with one thread has one list,
  // /proc/<pid>/task/<pid>/children (read at once); one with more has one per thread (a child forked by a
  // thread is listed under that thread), found through its task directory.
  ProcessUsage sum;
  pid_t queue[kMaxProcesses];
  size_t head = 0, tail = 0;
  queue[tail++] = root;
  while (head < tail) {
    pid_t pid = queue[head++];
    const bool is_root = head == 1;
    char path[96];
    StatFields f;
    bool have_stat = false;
    // this process's files held open (held), or to be held from now on
    ProcFiles* mine = !is_root && held != nullptr && (held->pid == pid || held->pid == 0) ? held : nullptr;
    if (is_root && root_stat_fd >= 0) {
      have_stat = ReadStat(root_stat_fd, &f);
    } else {
      if (mine != nullptr && mine->pid == pid) have_stat = ReadStat(mine->stat.fd, &f);
      if (!have_stat) {
        if (mine != nullptr) mine->Reset();  // (another process under that pid, or none)
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
          have_stat = ReadStat(fd, &f);
          if (have_stat && mine != nullptr) {
            mine->pid = pid;
            mine->stat.Reset(fd);
          } else {
            close(fd);
          }
        }
      }
    }
    if (!is_root) {
      ++sum.processes;  // a zombie too: it is still a member until its parent reaps it
      if (have_stat && f.state != 'Z') {
        // with what its reaped children used: a member that forks short-lived workers pays for them
        sum.cpu_ms += TicksToMs(f.utime + f.stime + f.cutime + f.cstime);
        sum.rss_kb += PagesToKb(f.rss_pages);
      }
    }
    if (have_stat && f.threads == 1) {
      const bool held_list = mine != nullptr && mine->pid == pid;
      int fd = is_root ? root_children_fd : held_list ? mine->children.fd : -1;
      bool own = fd < 0;
      if (own) {
        snprintf(path, sizeof path, "/proc/%d/task/%d/children", pid, pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
      }
      ssize_t n = fd >= 0 ? ReadList(fd, g_list, sizeof g_list) : -1;
      if (own && fd >= 0) {
        if (held_list && n >= 0) mine->children.Reset(fd);  // (its stat read just now: the same process)
        else close(fd);
      }
      if (n == -2 || (n >= 0 && !AppendPids(g_list, queue, &tail))) return false;
      if (n >= 0) continue;
      // unreadable: the thread walk below says whether the process is gone or the kernel has no lists
    }
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    int dfd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
    if (dfd < 0) {
      if (is_root) return false;  // no such root: nothing to report
      continue;
    }
    DIR* d = fdopendir(dfd);
    if (!d) {
      close(dfd);
      continue;
    }
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      char cpath[sizeof e->d_name + 16];
      snprintf(cpath, sizeof cpath, "%s/children", e->d_name);
      int cfd = openat(dfd, cpath, O_RDONLY | O_CLOEXEC);
      if (cfd < 0) {
        if (errno == ENOENT && is_root) {
          closedir(d);
          return false;  // kernel without CONFIG_PROC_CHILDREN
        }
        continue;
      }
      ssize_t n = ReadList(cfd, g_list, sizeof g_list);
      close(cfd);
      if (n == -2 || (n > 0 && !AppendPids(g_list, queue, &tail))) {
        closedir(d);
        return false;
      }
    }
    closedir(d);
  }
  *out = sum;
  return true;
}

void KillAllOfUid(uid_t uid, gid_t gid) {
  alignas(16) static thread_local char stack[64 * 1024];
  UidKill k = {uid, gid};
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t helper = clone(UidKillHelper, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &k);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (helper < 0) return;
  int status;
  while (waitpid(helper, &status, __WALL) < 0 && errno == EINTR) {
  }
}


}  // namespace verpo::exec
