// What a running process holds, read from /proc: the robustness suite compares two
// readings to tell a runner that leaks from one whose usage is flat.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace carton::conformance::suite {

struct ProcessUsage {
  std::size_t open_fds = 0;   // entries of /proc/<pid>/fd
  std::uint64_t rss_kib = 0;  // VmRSS of /proc/<pid>/status
};

// Throws std::runtime_error naming the file when the process is gone or /proc unreadable.
ProcessUsage process_usage(pid_t pid);

}  // namespace carton::conformance::suite
