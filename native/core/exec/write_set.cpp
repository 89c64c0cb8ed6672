#include "core/exec/write_set.hpp"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/exec/run_util.hpp"

namespace verpo::exec {
namespace {

constexpr uint64_t kPresent = 1ull << 63;    // pagemap: the page is in memory
constexpr uint64_t kExclusive = 1ull << 56;  // pagemap: mapped by this process only (a copy of its own)

bool ReadText(const char* path, std::string* out) {
  Fd f(open(path, O_RDONLY | O_CLOEXEC));
  if (f.fd < 0) return false;
  char buf[16384];
  for (;;) {
    ssize_t n = read(f.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
    if (out->size() > (4u << 20)) return false;  // not a process's map we can afford to walk
  }
}

}  // namespace

bool ReadPrivatePages(pid_t pid, std::vector<uint64_t>* pages, size_t max_scan) {
  pages->clear();
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/maps", static_cast<int>(pid));
  std::string maps;
  if (!ReadText(path, &maps)) return false;
  snprintf(path, sizeof path, "/proc/%d/pagemap", static_cast<int>(pid));
  Fd pagemap(open(path, O_RDONLY | O_CLOEXEC));
  if (pagemap.fd < 0) return false;
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  size_t scanned = 0;
  uint64_t entries[512];
  for (size_t at = 0; at < maps.size();) {
    size_t nl = maps.find('\n', at);
    if (nl == std::string::npos) nl = maps.size();
    unsigned long start = 0, end = 0;
    char perms[5] = {};
    bool ok = sscanf(maps.c_str() + at, "%lx-%lx %4s", &start, &end, perms) == 3;
    at = nl + 1;
    // Private writable mappings only: what a fork shares copy-on-write.
    if (!ok || strcmp(perms, "rw-p") != 0 || end <= start) continue;
    for (uint64_t p = start / page; p < end / page && scanned < max_scan;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>({end / page - p, 512, max_scan - scanned}));
      ssize_t got = pread(pagemap.fd, entries, n * sizeof entries[0], static_cast<off_t>(p * sizeof entries[0]));
      if (got <= 0) break;
      n = static_cast<size_t>(got) / sizeof entries[0];
      for (size_t i = 0; i < n; ++i)
        if ((entries[i] & kPresent) && (entries[i] & kExclusive)) pages->push_back(p + i);
      p += n;
      scanned += n;
    }
  }
  std::sort(pages->begin(), pages->end());
  return true;
}

bool WriteSet::WantSample(int mode) {
  Mode& m = modes_[Index(mode)];
  uint64_t run = m.runs++;
  return m.window.size() < kWindow || run % kEvery == 0;
}

void WriteSet::Add(int mode, std::vector<uint64_t> pages) {
  Mode& m = modes_[Index(mode)];
  if (m.window.size() < kWindow) {
    m.window.push_back(std::move(pages));
  } else {
    m.window[m.next] = std::move(pages);
    m.next = (m.next + 1) % kWindow;
  }
  const size_t n = m.window.size();
  if (n < kMinSamples) return;
  // A page is in the set when at least three quarters of the samples have it.
  const size_t need = (3 * n + 3) / 4;
  std::vector<uint64_t> all;
  for (const auto& s : m.window) all.insert(all.end(), s.begin(), s.end());
  std::sort(all.begin(), all.end());
  std::vector<PageRange> ranges;
  size_t total = 0;
  for (size_t i = 0; i < all.size() && total < kMaxPages;) {
    size_t j = i;
    while (j < all.size() && all[j] == all[i]) ++j;
    if (j - i >= need) {
      const uint64_t pg = all[i];
      if (!ranges.empty() && ranges.back().start + ranges.back().pages == pg) {
        ++ranges.back().pages;
      } else if (ranges.size() < kMaxRanges) {
        ranges.push_back({pg, 1});
      } else {
        break;
      }
      ++total;
    }
    i = j;
  }
  auto same = [](const std::vector<PageRange>& a, const std::vector<PageRange>& b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](const PageRange& x, const PageRange& y) {
             return x.start == y.start && x.pages == y.pages;
           });
  };
  if (same(ranges, m.ranges)) return;
  m.ranges = std::move(ranges);
  ++m.version;
}

void WriteSet::Reset() {
  for (Mode& m : modes_) m = Mode();
}

}  // namespace verpo::exec
