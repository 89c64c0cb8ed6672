// The write set (core/exec/write_set.hpp): which pages a forked process holds alone, read from its pagemap, and
// how samples become the set a zygote's later processes copy at once.
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "check.hpp"
#include "core/exec/write_set.hpp"

using namespace verpo::exec;

namespace {

bool Has(const std::vector<uint64_t>& pages, uint64_t p) { return std::binary_search(pages.begin(), pages.end(), p); }

uint64_t Covered(const std::vector<PageRange>& ranges) {
  uint64_t n = 0;
  for (const auto& r : ranges) n += r.pages;
  return n;
}

}  // namespace

TEST_CASE("write set: a forked child's pages of its own are the ones it wrote (pagemap), not the ones it shares") {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t n = 64;
  char* mem = static_cast<char*>(mmap(nullptr, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  CHECK(mem != MAP_FAILED);
  if (mem == MAP_FAILED) return;
  memset(mem, 1, n * page);  // present in the parent: shared copy-on-write after the fork
  int ready[2], go[2];
  CHECK(pipe(ready) == 0 && pipe(go) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    for (size_t i = 0; i < n; i += 4) mem[i * page] = 2;  // every fourth page copied
    char b = 0;
    (void)!write(ready[1], &b, 1);
    (void)!read(go[0], &b, 1);
    _exit(0);
  }
  char b;
  CHECK(read(ready[0], &b, 1) == 1);
  std::vector<uint64_t> pages;
  CHECK(ReadPrivatePages(pid, &pages, 1u << 20));
  const uint64_t first = reinterpret_cast<uint64_t>(mem) / page;
  size_t written = 0, shared = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i % 4 == 0) written += Has(pages, first + i) ? 1 : 0;
    else shared += Has(pages, first + i) ? 1 : 0;
  }
  CHECK(written == n / 4);
  CHECK(shared == 0);
  CHECK(std::is_sorted(pages.begin(), pages.end()));
  (void)!write(go[1], &b, 1);
  waitpid(pid, nullptr, 0);
  std::vector<uint64_t> gone;
  CHECK(!ReadPrivatePages(pid, &gone, 1u << 20));  // reaped: nothing to read
  for (int fd : {ready[0], ready[1], go[0], go[1]}) close(fd);
  munmap(mem, n * page);
}

TEST_CASE("write set: a page joins when three quarters of the last samples have it; ranges are contiguous runs") {
  WriteSet ws;
  const int serve = 2, stdio = 1;
  CHECK(ws.Version(serve) == 0);
  // Pages 100-109 in every sample, 200 in one only, 300-301 in three of four.
  auto sample = [](bool odd, bool three) {
    std::vector<uint64_t> p;
    for (uint64_t i = 100; i < 110; ++i) p.push_back(i);
    if (odd) p.push_back(200);
    if (three) {
      p.push_back(300);
      p.push_back(301);
    }
    return p;
  };
  ws.Add(serve, sample(true, true));
  ws.Add(serve, sample(false, true));
  CHECK(ws.Ranges(serve).empty());  // fewer than kMinSamples: no set yet
  ws.Add(serve, sample(false, true));
  ws.Add(serve, sample(false, false));
  const auto& r = ws.Ranges(serve);
  CHECK(r.size() == 2);
  if (r.size() == 2) {
    CHECK(r[0].start == 100 && r[0].pages == 10);
    CHECK(r[1].start == 300 && r[1].pages == 2);
  }
  const uint64_t v = ws.Version(serve);
  CHECK(v > 0);
  ws.Add(serve, sample(false, true));  // the same set: the version stays
  CHECK(ws.Version(serve) == v);
  CHECK(ws.Ranges(stdio).empty());  // per mode
  CHECK(ws.Version(stdio) == 0);
  ws.Reset();
  CHECK(ws.Ranges(serve).empty());
}

TEST_CASE("write set: the window forgets old samples; the set is capped; sampling thins out once the window is full") {
  WriteSet ws;
  const int mode = 3;
  std::vector<uint64_t> old_pages = {1, 2, 3};
  for (size_t i = 0; i < WriteSet::kWindow; ++i) ws.Add(mode, old_pages);
  CHECK(Covered(ws.Ranges(mode)) == 3);
  for (size_t i = 0; i < WriteSet::kWindow; ++i) ws.Add(mode, {7, 8});
  CHECK(Covered(ws.Ranges(mode)) == 2);  // 1-3 are no longer in any sample
  CHECK(ws.Ranges(mode)[0].start == 7);
  std::vector<uint64_t> many;
  for (uint64_t i = 0; i < 3 * WriteSet::kMaxPages; i += 2) many.push_back(1000 + i);  // every other page
  for (size_t i = 0; i < WriteSet::kWindow; ++i) ws.Add(mode, many);
  CHECK(ws.Ranges(mode).size() <= WriteSet::kMaxRanges);
  CHECK(Covered(ws.Ranges(mode)) <= WriteSet::kMaxPages);
  WriteSet fresh;
  size_t sampled = 0;
  for (int i = 0; i < 200; ++i) {
    bool want = fresh.WantSample(0);
    sampled += want ? 1 : 0;
    if (want) fresh.Add(0, {5});
  }
  CHECK(sampled >= WriteSet::kWindow);
  CHECK(sampled <= WriteSet::kWindow + 200 / WriteSet::kEvery + 1);
}
