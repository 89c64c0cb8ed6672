// The run loop's epoll set as a rollout's tests share it (event_set.hpp): a registration watched again costs nothing
// and still reports, a descriptor of another owner under a number used again never reports under the old tag, Retain
// keeps only what it is told, a disarmed timer does not tick, and Take moves everything.
#include <sys/epoll.h>
#include <unistd.h>

#include <vector>

#include "check.hpp"
#include "core/exec/event_set.hpp"

using namespace verpo::exec;

namespace {

// The tags epoll reports now (not waiting).
std::vector<uint64_t> Ready(const EventSet& set) {
  epoll_event ev[16];
  int n = epoll_wait(set.epoll_fd(), ev, 16, 0);
  std::vector<uint64_t> tags;
  for (int i = 0; i < n; ++i) tags.push_back(ev[i].data.u64);
  return tags;
}

bool Has(const std::vector<uint64_t>& tags, uint64_t tag) {
  for (uint64_t t : tags)
    if (t == tag) return true;
  return false;
}

struct Pipe {
  Fd r, w;
  Pipe() { MakePipe(&r, &w); }
};

}  // namespace

TEST_CASE("event set: watched again as asked, a registration stays and reports; a new tag is a modification") {
  EventSet set;
  CHECK(set.Open().empty());
  Pipe a;
  CHECK(set.Watch(a.r.fd, 5, EPOLLIN, 0));
  CHECK(write(a.w.fd, "x", 1) == 1);
  CHECK(Ready(set) == std::vector<uint64_t>{5});
  CHECK(set.Watch(a.r.fd, 5, EPOLLIN, 0));
  CHECK(Ready(set) == std::vector<uint64_t>{5});
  CHECK(set.Watch(a.r.fd, 6, EPOLLIN, 0));
  CHECK(set.Watching(a.r.fd, 6) && !set.Watching(a.r.fd, 5));
  CHECK(Ready(set) == std::vector<uint64_t>{6});
  set.Unwatch(a.r.fd);
  CHECK(Ready(set).empty());
}

TEST_CASE("event set: another owner's descriptor under a number used again never reports under the old tag") {
  EventSet set;
  CHECK(set.Open().empty());
  Pipe old_pipe, other;
  CHECK(set.Watch(other.r.fd, 9, EPOLLIN, 0));
  const int number = old_pipe.r.fd;
  CHECK(set.Watch(number, 1, EPOLLIN, 1));  // (owner 1: a helper's first start)
  // The old file outlives its number (a dup of it is open), as a registration would: then a new file takes the number.
  Fd keep(dup(number));
  old_pipe.r.Reset();
  Pipe fresh;
  CHECK(fresh.r.fd == number);  // (POSIX: the lowest free number)
  if (fresh.r.fd != number) return;
  CHECK(set.Watch(fresh.r.fd, 2, EPOLLIN, 2));  // the helper's second start
  CHECK(write(old_pipe.w.fd, "x", 1) == 1);
  CHECK(write(other.w.fd, "y", 1) == 1);
  std::vector<uint64_t> tags = Ready(set);
  CHECK(!Has(tags, 1));  // the old file's registration went with the old set
  CHECK(Has(tags, 9));   // what else was watched still is
  CHECK(!Has(tags, 2));
  CHECK(write(fresh.w.fd, "z", 1) == 1);
  CHECK(Has(Ready(set), 2));
}

TEST_CASE("event set: Retain removes what it is not told to keep; Take moves the set and its registrations") {
  EventSet set;
  CHECK(set.Open().empty());
  Pipe a, b;
  CHECK(set.Watch(a.r.fd, 1, EPOLLIN, 0));
  CHECK(set.Watch(b.r.fd, 2, EPOLLIN, 7));
  CHECK(write(a.w.fd, "x", 1) == 1 && write(b.w.fd, "y", 1) == 1);
  set.Retain([&](int fd, uint64_t owner) { return fd == b.r.fd && owner == 7; });
  CHECK(Ready(set) == std::vector<uint64_t>{2});
  CHECK(!set.Watching(a.r.fd, 1));
  EventSet next;
  next.Take(&set);
  CHECK(!set.open() && next.open());
  CHECK(next.Watching(b.r.fd, 2));
  CHECK(Ready(next) == std::vector<uint64_t>{2});
}

TEST_CASE("event set: a disarmed timer does not tick, and arming it drops a tick already due") {
  EventSet set;
  CHECK(set.Open().empty());
  CHECK(set.Watch(set.timer_fd(), 3, EPOLLIN, 0));
  set.ArmTicks(1000000);  // 1 ms
  usleep(5000);
  CHECK(Ready(set) == std::vector<uint64_t>{3});
  set.DisarmTicks();
  CHECK(Ready(set).empty());
  usleep(3000);
  CHECK(Ready(set).empty());
  set.ArmTicks(1000000000);  // 1 s: nothing due now
  CHECK(Ready(set).empty());
}

TEST_CASE("event set: Retain dropping a helper's registration makes the set anew; the rest still reports") {
  EventSet set;
  CHECK(set.Open().empty());
  Pipe mine, helper;
  CHECK(set.Watch(mine.r.fd, 1, EPOLLIN, 0));
  CHECK(set.Watch(helper.r.fd, 2, EPOLLIN, 4));
  const int before = set.epoll_fd();
  Fd alive(dup(helper.r.fd));  // the helper's file outlives its number: removal by number could not reach it
  helper.r.Reset();
  set.Retain([](int, uint64_t owner) { return owner == 0; });
  CHECK(set.open() && set.epoll_fd() != before);
  CHECK(write(helper.w.fd, "x", 1) == 1 && write(mine.w.fd, "y", 1) == 1);
  CHECK(Ready(set) == std::vector<uint64_t>{1});
}
