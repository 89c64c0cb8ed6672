// The pages of a slot's zygote that its test processes write, learned from some of those processes, so that
// the fork server can copy them in one step per range right after each fork (MADV_POPULATE_WRITE) instead of
// taking a copy-on-write fault for each. A fault costs a trap per page, and on a paravirtual host a trap costs
// about twice what the same copy costs made in bulk (~14 vs ~8 us a page measured here; more under load);
// a HumanEval rollout's process writes ~330 of the zygote's pages, almost all the same ones every time.
//
// Only a hint: a page in the set is copied with the bytes it has, so no process can see anything but its own
// memory; a process that writes other pages still faults them in; a set that is wrong costs a few copies.
// Learned per zygote (its layout is its own) and per mode (serve and stdio touch different code); a page
// joins only when most of the last sampled processes wrote it (in scope rollout one a rollout), and the set is
// capped: what later processes copy is what most earlier ones wrote.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace verpo::exec {

// A run of pages, as the fork server receives it (zygote_wire.hpp): its first page number (address / page size)
// and its length in pages.
struct PageRange {
  uint64_t start;
  uint64_t pages;
};

// Every page that the process `pid` holds alone now (present and mapped by no other process) in its private
// writable mappings, as page numbers, ascending; at most `max_scan` pages are looked at. False when its
// /proc/<pid>/maps or pagemap cannot be read (it is gone, or not ours to read).
bool ReadPrivatePages(pid_t pid, std::vector<uint64_t>* pages, size_t max_scan);

class WriteSet {
 public:
  static constexpr int kModes = 4;          // ZygoteMode's values
  static constexpr size_t kWindow = 8;      // samples kept per mode
  static constexpr size_t kMinSamples = 3;  // no set before this many
  static constexpr uint64_t kEvery = 16;    // once the window is full, one run in this many is sampled
  static constexpr size_t kMaxPages = 4096; // the set's cap (16 MiB of 4 KiB pages)
  static constexpr size_t kMaxRanges = 512;

  // Whether the process of this run (its `mode`) should be read when its test ends; counts the run.
  bool WantSample(int mode);
  // One sample: the pages a process of `mode` held alone at its end (ReadPrivatePages).
  void Add(int mode, std::vector<uint64_t> pages);
  const std::vector<PageRange>& Ranges(int mode) const { return modes_[Index(mode)].ranges; }
  // Changes whenever Ranges(mode) does (0: never set).
  uint64_t Version(int mode) const { return modes_[Index(mode)].version; }
  void Reset();  // a new zygote: its pages are others

 private:
  struct Mode {
    std::vector<std::vector<uint64_t>> window;
    size_t next = 0;  // the slot of window to overwrite once it is full
    uint64_t runs = 0;
    uint64_t version = 0;
    std::vector<PageRange> ranges;
  };
  static int Index(int mode) { return mode >= 0 && mode < kModes ? mode : 0; }
  Mode modes_[kModes];
};

}  // namespace verpo::exec
