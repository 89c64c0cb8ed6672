// What a run waits on: an epoll set, the timer of its 10 ms ticks, and the registrations the set holds.
//
// A run makes its own set. In rollout scope the set of a process that lives on goes with that process to its next
// test, registrations and all: what the next test watches again (the process's pidfd, streams and listener, the warm
// helpers' sockets, the cancel eventfd, the timer) costs no system call. Making and filling a set was about 20 of
// the ~47 system calls a rollout's later test cost the supervisor.
//
// The set knows what the kernel holds only if a registration is removed before its descriptor is closed, or the set
// goes first: a registration belongs to the open file, not to its number, so one that outlived its number (the file
// still open elsewhere) would report events under a tag that now means another descriptor. Hence the owner of each
// registration (a warm helper's: which helper, and which of its starts), which a descriptor of a restarted helper
// never shares with its predecessor's whatever its number, and Retain, which removes everything the next test does
// not watch again (and makes the set anew to drop a helper's).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/exec/run_util.hpp"

namespace verpo::exec {

class EventSet {
 public:
  bool open() const { return epoll_.fd >= 0; }
  // A new set and timer; what the old ones held is gone. "" or why not.
  std::string Open();
  void Close();
  // Takes `other`'s set, timer and registrations (`other` is left closed); this one's are closed.
  void Take(EventSet* other);

  int epoll_fd() const { return epoll_.fd; }
  int timer_fd() const { return timer_.fd; }

  // Registers `fd` for `events` under `tag`; a registration that is there already as asked costs nothing. A
  // descriptor registered with another owner is another file under a number used again: the set is made anew.
  bool Watch(int fd, uint64_t tag, uint32_t events, uint64_t owner);
  void Unwatch(int fd);
  bool Watching(int fd, uint64_t tag) const;
  // Removes every registration for which keep(fd, owner) is false. One with an owner is a warm helper's, whose
  // descriptor may be closed already (the helper restarted), its number maybe another's: that one cannot be removed
  // by its number, so the set is made anew with the rest.
  template <class Keep>
  void Retain(Keep keep) {
    size_t kept = 0;
    bool renew = false;
    for (const Entry& e : entries_) {
      if (keep(e.fd, e.owner)) entries_[kept++] = e;
      else if (e.owner != 0) renew = true;
      else Remove(e.fd);
    }
    entries_.resize(kept);
    if (renew) Rebuild();
  }

  // Ticks every `period_ns` from now (a tick already due is dropped); none until armed again.
  void ArmTicks(uint64_t period_ns);
  void DisarmTicks();

 private:
  struct Entry {
    int fd;
    uint64_t tag;
    uint32_t events;
    uint64_t owner;
  };
  bool Add(const Entry& e);
  void Remove(int fd);
  bool Rebuild();  // a new set with the registrations this one holds

  Fd epoll_, timer_;
  std::vector<Entry> entries_;
};

}  // namespace verpo::exec
