// The private, empty working directory of one run: created by the supervisor under a work root (or the
// root of the sandbox's own tmpfs, adopted as a descriptor), seeded with the caller's files (read-only),
// and removed afterwards without following any link the candidate planted. Removal never recurses on the C++ stack and holds one directory fd at a
// time, so a deeply nested tree the candidate built cannot exhaust the supervisor.
#pragma once
#include <sys/types.h>
#include <time.h>

#include <cstdint>
#include <string>

namespace verpo::exec {

// Makes `root` (mode 0711: traversable, not listable) if missing. Returns "" or an error.
std::string EnsureWorkRoot(const std::string& root);

class Workdir {
 public:
  // mkdtemp under root, named <prefix>-XXXXXX; owned by owner_uid/gid with mode 0700. Returns "" or an error.
  std::string Create(const std::string& root, uid_t owner_uid, gid_t owner_gid, const char* prefix = "run");
  // Takes over a directory opened elsewhere: the root of one of the sandbox's own tmpfs (its /tmp or /dev/shm,
  // opened inside its mount namespace). Everything goes through the descriptor (*at() calls), which also keeps
  // the tmpfs alive after the namespace is gone; Clear resets its mode to `mode`; Remove empties and closes it.
  void Adopt(int dir_fd, unsigned mode);
  // A file the candidate may read but not write (owned by the supervisor's uid, mode 0444).
  std::string WriteFile(const std::string& name, const std::string& content, unsigned mode = 0444);
  const std::string& path() const { return path_; }  // "" when adopted
  bool active() const { return fd_ >= 0 || !path_.empty(); }
  // Adopted: the bytes its filesystem holds now (fstatfs; a tmpfs counts the pages of its files), KiB. 0 else.
  uint64_t UsedKb() const;
  // Removes the tree. Reports whether some regular file had reached `file_limit_bytes` (the
  // RLIMIT_FSIZE cap), i.e. the program hit the file-size limit. Returns "" or an error.
  std::string Remove(uint64_t file_limit_bytes, bool* file_limit_hit);
  // Empties it for the next run (a zygote slot's workdir serves all the slot's tests) and resets its
  // mode; same report as Remove.
  std::string Clear(uint64_t file_limit_bytes, bool* file_limit_hit);
  // Whether it holds nothing (one listing; false when it cannot be listed).
  bool Empty() const;
  ~Workdir();

 private:
  std::string path_;
  int fd_ = -1;  // adopted directory
  unsigned mode_ = 0700;
  bool root_only_inodes_ = false;  // adopted tmpfs: one inode in use means it holds nothing (Adopt checked)
  struct timespec times_set_ = {0, 0};  // the times Clear last gave the directory
};

// Whether a relative file name is a plain name inside the workdir (no '/', not '.' or '..').
bool IsPlainFileName(const std::string& name);

}  // namespace verpo::exec
