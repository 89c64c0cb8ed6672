#include "core/exec/workdir.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace verpo::exec {
namespace {

std::string Errno(const std::string& what) { return what + ": " + strerror(errno); }

int OpenDirNoFollow(int at, const char* name) {
  int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == EACCES) {
    // A directory the candidate chmod'ed 000 (only matters without a uid switch).
    fchmodat(at, name, 0700, 0);
    fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  }
  return fd;
}

// Deletes every non-directory entry of `dir`; returns the name of one subdirectory, or "".
std::string ClearFilesFindSubdir(int dir, uint64_t limit, bool* hit, int* error) {
  int scan = dup(dir);
  if (scan < 0) return *error = errno, "";
  DIR* d = fdopendir(scan);
  if (!d) {
    *error = errno;
    close(scan);
    return "";
  }
  rewinddir(d);  // the dup shares the position: `dir` may have been listed before (it is again after a removal)
  std::string subdir;
  bool writable = false;
  while (dirent* e = readdir(d)) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    struct stat st;
    if (fstatat(dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (subdir.empty()) subdir = e->d_name;
      continue;
    }
    if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) >= limit) *hit = true;
    int rc = unlinkat(dir, e->d_name, 0);
    if (rc != 0 && errno == EACCES && !writable) {
      // A directory the candidate made read-only (only matters without a uid switch: root writes anyway).
      writable = fchmod(dir, 0700) == 0;
      rc = unlinkat(dir, e->d_name, 0);
    }
    if (rc != 0 && errno != ENOENT) *error = errno;
  }
  closedir(d);
  return subdir;
}

// 1: the directory lists nothing but . and ..; 0: something; -1: it cannot be listed (errno set).
int ListsNothing(int dir) {
  int scan = fcntl(dir, F_DUPFD_CLOEXEC, 0);
  DIR* d = scan >= 0 ? fdopendir(scan) : nullptr;
  if (!d) {
    if (scan >= 0) close(scan);
    return -1;
  }
  rewinddir(d);  // an adopted fd shares its position with every earlier listing
  int empty = 1;
  while (dirent* e = readdir(d))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      empty = 0;
      break;
    }
  closedir(d);
  return empty;
}

// The inodes a filesystem has in use, or -1 when it does not count them (a tmpfs mounted nr_inodes=0).
int64_t InodesInUse(int dir) {
  struct statfs fs;
  if (fstatfs(dir, &fs) != 0 || fs.f_files == 0 || fs.f_ffree > fs.f_files) return -1;
  return static_cast<int64_t>(fs.f_files - fs.f_ffree);
}

// Removes the extended attributes the program set on the directory itself (user.*, and POSIX ACLs, which would
// also decide what the next program's files may be): they outlive its files and would reach the next program.
// security.* is the host's and stays. Returns 0 or an errno.
int ClearRootAttributes(int dir) {
  std::vector<char> names(1024);
  ssize_t n;
  for (;;) {
    n = flistxattr(dir, names.data(), names.size());
    if (n >= 0) break;
    if (errno == ENOTSUP) return 0;  // no xattrs on this filesystem: nothing can have been set
    if (errno != ERANGE || names.size() >= XATTR_LIST_MAX) return errno;
    names.resize(XATTR_LIST_MAX);
  }
  for (ssize_t i = 0; i < n;) {
    const char* name = names.data() + i;
    size_t len = strnlen(name, static_cast<size_t>(n - i));
    if (strncmp(name, "security.", 9) != 0 && fremovexattr(dir, name) != 0 && errno != ENODATA) return errno;
    i += static_cast<ssize_t>(len) + 1;
  }
  return 0;
}

// Sets the directory's access and modification times to now unless they are still the ones set last time
// (`*set`): a time the program chose (os.utime) would carry its value to the next program.
void ResetTimes(int dir, const struct stat& st, struct timespec* set) {
  if (st.st_atim.tv_sec == set->tv_sec && st.st_atim.tv_nsec == set->tv_nsec && st.st_mtim.tv_sec == set->tv_sec &&
      st.st_mtim.tv_nsec == set->tv_nsec)
    return;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  const struct timespec times[2] = {now, now};
  if (futimens(dir, times) == 0) *set = now;
}

}  // namespace

std::string EnsureWorkRoot(const std::string& root) {
  if (mkdir(root.c_str(), 0711) != 0 && errno != EEXIST) return Errno("cannot create work root " + root);
  struct stat st;
  if (lstat(root.c_str(), &st) != 0) return Errno("cannot stat work root " + root);
  if (!S_ISDIR(st.st_mode)) return "work root " + root + " is not a directory";
  if (st.st_uid != geteuid()) return "work root " + root + " is not owned by this user";
  return "";
}

std::string Workdir::Create(const std::string& root, uid_t owner_uid, gid_t owner_gid, const char* prefix) {
  std::string tmpl = root + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) return Errno("cannot create a workdir under " + root);
  path_ = buf.data();
  if (owner_uid != geteuid() && chown(path_.c_str(), owner_uid, owner_gid) != 0) return Errno("chown workdir");
  if (chmod(path_.c_str(), 0700) != 0) return Errno("chmod workdir");
  return "";
}

std::string Workdir::WriteFile(const std::string& name, const std::string& content, unsigned mode) {
  if (!IsPlainFileName(name)) return "file name '" + name + "' is not a plain name";
  int dir = fd_ >= 0 ? fd_ : open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return Errno("open workdir");
  int fd = openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (dir != fd_) close(dir);
  if (fd < 0) return Errno("create " + name);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string err = Errno("write " + name);
      close(fd);
      return err;
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
  return "";
}

// Deletes everything under the directory `cur` (not the directory itself), without following links; takes
// `cur` over (closes it).
static std::string EmptyTree(int cur, uint64_t file_limit_bytes, bool* file_limit_hit) {
  int error = 0;
  std::vector<std::string> stack;  // names from the workdir down to `cur`
  for (size_t guard = 0; guard < (1u << 24); ++guard) {
    std::string sub = ClearFilesFindSubdir(cur, file_limit_bytes, file_limit_hit, &error);
    if (!sub.empty()) {
      int next = OpenDirNoFollow(cur, sub.c_str());
      if (next < 0) {  // cannot enter: try removing it as an (empty) dir, then move on
        if (unlinkat(cur, sub.c_str(), AT_REMOVEDIR) != 0) {
          error = errno;
          break;
        }
        continue;
      }
      close(cur);
      cur = next;
      stack.push_back(sub);
      continue;
    }
    if (stack.empty()) break;
    int parent = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    close(cur);
    if (parent < 0) return Errno("reopen parent during removal");
    cur = parent;
    if (unlinkat(cur, stack.back().c_str(), AT_REMOVEDIR) != 0) {
      error = errno;
      break;
    }
    stack.pop_back();
  }
  close(cur);
  if (error) return std::string("emptying the workdir: ") + strerror(error);
  return "";
}

void Workdir::Adopt(int dir_fd, unsigned mode) {
  bool ignored = false;
  Remove(~0ull, &ignored);
  fd_ = dir_fd;
  mode_ = mode;
  // A new tmpfs that lists nothing and counts one inode in use counts its root: from now on, one inode in use
  // means nothing else is there (any entry, hard link, orphan or, on kernels since 6.6, xattr is one more).
  root_only_inodes_ = InodesInUse(fd_) == 1 && ListsNothing(fd_) == 1;
}

uint64_t Workdir::UsedKb() const {
  struct statfs fs;
  if (fd_ < 0 || fstatfs(fd_, &fs) != 0 || fs.f_blocks < fs.f_bfree) return 0;
  return static_cast<uint64_t>(fs.f_blocks - fs.f_bfree) * static_cast<uint64_t>(fs.f_bsize) / 1024;
}

std::string Workdir::Remove(uint64_t file_limit_bytes, bool* file_limit_hit) {
  if (fd_ >= 0) {
    // The tmpfs goes with its last reference; emptying it first tells whether a file reached the size limit.
    std::string err = Clear(file_limit_bytes, file_limit_hit);
    close(fd_);
    fd_ = -1;
    return err;
  }
  if (path_.empty()) return "";
  std::string root = path_;
  path_.clear();
  int cur = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  std::string err = cur < 0 ? Errno("open workdir " + root) : EmptyTree(cur, file_limit_bytes, file_limit_hit);
  if (rmdir(root.c_str()) != 0 && errno != ENOENT) return Errno("remove workdir " + root);
  return err;
}

std::string Workdir::Clear(uint64_t file_limit_bytes, bool* file_limit_hit) {
  if (fd_ < 0 && path_.empty()) return "";
  int fd = fd_ >= 0 ? fd_ : open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  std::string what = fd_ >= 0 ? std::string("the sandbox's tmpfs") : "workdir " + path_;
  if (fd < 0) return Errno("open " + what);
  // The program owns its cwd: a mode it set (say 0) must not reach the next test, nor keep us out of it; nor may
  // the attributes or times it set on it.
  struct stat st;
  bool have_stat = fstat(fd, &st) == 0;
  if (have_stat && (st.st_mode & 07777) != mode_) fchmod(fd, mode_);
  std::string err;
  if (int e = ClearRootAttributes(fd)) {
    errno = e;
    err = Errno("remove the attributes of " + what);
  }
  // Most tests leave nothing: an adopted tmpfs that counts only its root holds nothing (no listing needed);
  // else one listing says so without walking anything.
  bool counted = root_only_inodes_ && InodesInUse(fd) == 1;
  int empty = counted ? 1 : ListsNothing(fd);
  if (empty < 0) {
    if (err.empty()) err = Errno("list " + what);
  } else if (!empty) {
    int walk = fcntl(fd, F_DUPFD_CLOEXEC, 0);  // (EmptyTree takes it over)
    std::string e = walk < 0 ? Errno("open " + what) : EmptyTree(walk, file_limit_bytes, file_limit_hit);
    if (err.empty()) err = e;
  }
  // The times last (a listing may set the access time, an unlink the modification time): the first stat still
  // holds them when nothing was listed.
  if (err.empty() && (counted ? have_stat : fstat(fd, &st) == 0)) ResetTimes(fd, st, &times_set_);
  if (fd != fd_) close(fd);
  return err;
}

bool Workdir::Empty() const {
  if (fd_ < 0 && path_.empty()) return true;
  int fd = fd_ >= 0 ? fcntl(fd_, F_DUPFD_CLOEXEC, 0) : open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  int empty = ListsNothing(fd);
  close(fd);
  return empty == 1;
}

Workdir::~Workdir() {
  bool ignored = false;
  Remove(~0ull, &ignored);
}

bool IsPlainFileName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos && name.size() < 256;
}

}  // namespace verpo::exec
