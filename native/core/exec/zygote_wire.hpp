// The zygote's control protocol: what the supervisor (zygote_run.cpp) and the fork server inside the
// zygote (native/zygote/fork_server.cpp) send each other over the slot's SOCK_SEQPACKET control socket,
// one message per step. Both ends are built from this header into the same package and run on the
// same host, so the structs travel as native-endian bytes; `magic` catches a stale peer.
//
//   supervisor -> zygote   ZygoteRequest + cwd + env block ("K=V\0"...) + seccomp BPF + file table
//                          (ZygoteFile each, then the name) + the files' bytes + the write set when it
//                          changed (ZygoteRange each, write_set.hpp); SCM_RIGHTS: stdin,
//                          stdout, stderr, then the channel and the listener socket when flagged
//   zygote -> supervisor   'K' with a pidfd of the test's process, or 'E' + why it could not fork
//   zygote -> supervisor   ZygoteReport + setup text: once the test's process is reaped and every other
//                          process of the test is gone. A non-empty setup text means the isolation step
//                          failed before the program ran ("<stage>: <error>"): an internal error.
#pragma once
#include <cstdint>

namespace verpo::exec {

constexpr uint32_t kZygoteRequestMagic = 0x335a5956;  // "VYZ3"
constexpr uint32_t kZygoteReportMagic = 0x525a5956;   // "VYZR"
constexpr int kZygoteMaxRlimits = 12;
// The largest request the zygote accepts (its receive buffer): inline sources are capped well below.
constexpr uint32_t kZygoteMaxRequest = 1u << 20;

enum class ZygoteMode : uint8_t { kCompile = 0, kStdio = 1, kServe = 2, kStdioRollout = 3 };

struct ZygoteRlimit {
  int32_t resource;
  uint32_t pad;
  uint64_t soft, hard;
};

struct ZygoteRequest {
  uint32_t magic;
  uint32_t size;  // sizeof(ZygoteRequest): a peer built from another header is refused
  uint8_t mode;   // ZygoteMode
  uint8_t has_channel;
  uint8_t has_listener;
  uint8_t drop_uid;
  uint32_t uid, gid;
  uint32_t rlimit_count;
  ZygoteRlimit rlimits[kZygoteMaxRlimits];
  uint32_t cwd_len;
  uint32_t env_len;  // bytes of "KEY=value\0" strings
  uint32_t bpf_len;
  uint32_t file_count;
  // The pages the test's process copies at once after the fork (write_set.hpp), for this request and the
  // ones after it: sent only when it changed (set_write_set 1, then write_set_count ranges; 0 ranges: none).
  uint32_t set_write_set;
  uint32_t write_set_count;
};

constexpr uint32_t kZygoteMaxRanges = 512;

// Where a zygote that is pid 1 of its slot's namespace finds that namespace's ns_last_pid, open for writing
// (MountView::last_pid_fd): its /proc is read-only once it runs.
constexpr int kZygoteLastPidFd = 10;

struct ZygoteRange {
  uint64_t first_page;  // address / page size
  uint64_t pages;
};

struct ZygoteFile {
  uint32_t name_len;
  uint32_t data_len;
};

struct ZygoteReport {
  uint32_t magic;
  int32_t status;  // wait status of the test's process
  int64_t utime_us, stime_us;
  int64_t maxrss_kb;
  uint32_t setup_len;  // bytes of setup text that follow
  uint32_t write_set_pages;  // pages of the write set the process was forked with
};

}  // namespace verpo::exec
