#include "core/exec/event_set.hpp"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include <cstring>

namespace verpo::exec {

std::string EventSet::Open() {
  Close();
  epoll_.Reset(epoll_create1(EPOLL_CLOEXEC));
  timer_.Reset(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (epoll_.fd < 0 || timer_.fd < 0) {
    std::string err = std::string("epoll/timerfd: ") + strerror(errno);
    Close();
    return err;
  }
  return "";
}

void EventSet::Close() {
  epoll_.Reset();  // (its registrations go with it)
  timer_.Reset();
  entries_.clear();
}

void EventSet::Take(EventSet* other) {
  Close();
  epoll_.Reset(other->epoll_.Release());
  timer_.Reset(other->timer_.Release());
  entries_.swap(other->entries_);
  other->entries_.clear();
}

bool EventSet::Add(const Entry& e) {
  epoll_event ev = {};
  ev.events = e.events;
  ev.data.u64 = e.tag;
  return epoll_ctl(epoll_.fd, EPOLL_CTL_ADD, e.fd, &ev) == 0;
}

void EventSet::Remove(int fd) { epoll_ctl(epoll_.fd, EPOLL_CTL_DEL, fd, nullptr); }

bool EventSet::Rebuild() {
  std::vector<Entry> entries;
  entries.swap(entries_);
  epoll_.Reset(epoll_create1(EPOLL_CLOEXEC));  // the old set goes, and every registration in it
  if (epoll_.fd < 0) return false;  // (closed: the run's wait fails, an internal error)
  for (const Entry& e : entries)
    if (Add(e)) entries_.push_back(e);
  return true;
}

bool EventSet::Watch(int fd, uint64_t tag, uint32_t events, uint64_t owner) {
  if (fd < 0 || epoll_.fd < 0) return false;
  for (Entry& e : entries_) {
    if (e.fd != fd) continue;
    if (e.owner != owner) {
      // Another file under this number: the old registration may outlive the old file's number. A new set.
      e = {fd, tag, events, owner};
      return Rebuild() && Watching(fd, tag);
    }
    if (e.tag == tag && e.events == events) return true;
    epoll_event ev = {};
    ev.events = events;
    ev.data.u64 = tag;
    if (epoll_ctl(epoll_.fd, EPOLL_CTL_MOD, fd, &ev) != 0) return false;
    e.tag = tag;
    e.events = events;
    return true;
  }
  Entry e = {fd, tag, events, owner};
  if (!Add(e)) return false;
  entries_.push_back(e);
  return true;
}

void EventSet::Unwatch(int fd) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].fd != fd) continue;
    Remove(fd);
    entries_[i] = entries_.back();
    entries_.pop_back();
    return;
  }
}

bool EventSet::Watching(int fd, uint64_t tag) const {
  for (const Entry& e : entries_)
    if (e.fd == fd) return e.tag == tag;
  return false;
}

void EventSet::ArmTicks(uint64_t period_ns) {
  itimerspec its = {};
  its.it_interval.tv_sec = static_cast<time_t>(period_ns / 1000000000ull);
  its.it_interval.tv_nsec = static_cast<long>(period_ns % 1000000000ull);
  its.it_value = its.it_interval;
  timerfd_settime(timer_.fd, 0, &its, nullptr);  // (setting it drops the expirations not read yet)
}

void EventSet::DisarmTicks() {
  itimerspec its = {};
  timerfd_settime(timer_.fd, 0, &its, nullptr);
}

}  // namespace verpo::exec
