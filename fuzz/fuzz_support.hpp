// What the fuzz targets and the seed maker share: the revisions every decoder is fuzzed
// at, and the layouts the targets read their input in (the seed maker writes the same).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <dirent.h>
#include <unistd.h>

#include "carton/wire/bytes.hpp"
#include "carton/wire/common_types.hpp"
#include "carton/wire/revisions.hpp"

namespace carton::fuzz {

// Every core revision the generated codecs speak, from the schema's table: a new
// revision is fuzzed without touching the targets.
inline constexpr std::size_t kRevisionCount = wire::kCoreRevisions.size();
inline constexpr wire::CoreRevision revision_at(std::size_t i) { return wire::kCoreRevisions[i].revision; }

// The frame limit the targets decode with: far below the 4 GiB default so a length
// field the fuzzer writes is refused or completed, never allocated at gigabyte size.
inline constexpr std::uint64_t kFuzzMaxFrameBytes = 1 << 20;

// Frames (u64 big-endian length + payload) one after another, the layout of a channel's
// byte stream and of the dispatch and directory-server inputs.
inline void append_frame(std::vector<std::uint8_t>& out, const std::uint8_t* p, std::size_t n) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(std::uint64_t{n} >> (8 * i)));
  out.insert(out.end(), p, p + n);
}

// Splits a stream into complete frames; stops at the first frame that is truncated or
// longer than `max` (the rest is ignored). The reference the frame-reader target checks
// against, and how the other targets cut their input into messages.
inline std::vector<wire::Bytes> split_frames(const std::uint8_t* p, std::size_t n, std::uint64_t max) {
  std::vector<wire::Bytes> out;
  std::size_t pos = 0;
  while (n - pos >= 8) {
    std::uint64_t len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | p[pos + i];
    if (len > max || len > n - pos - 8) break;
    out.push_back(wire::Bytes::copy_of(p + pos + 8, static_cast<std::size_t>(len)));
    pos += 8 + static_cast<std::size_t>(len);
  }
  return out;
}

// How many of this process's fds point at something whose /proc/self/fd link starts with
// `prefix` ("/tmp/x", "socket:"). Targets check their own kind of fd only: libFuzzer's
// symbolizer keeps pipes open from the first time it prints a new function.
inline int count_fds(const std::string& prefix) {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return -1;
  while (const dirent* e = ::readdir(d)) {
    char target[4096];
    const std::string link = std::string("/proc/self/fd/") + e->d_name;
    const ssize_t len = ::readlink(link.c_str(), target, sizeof target);
    if (len > 0 && std::string(target, static_cast<std::size_t>(len)).rfind(prefix, 0) == 0) ++n;
  }
  ::closedir(d);
  return n;
}

// How many fds this process has open (one getdents pass, no readlink): the cheap
// check a target runs after every input, falling back to count_fds() when it changes.
inline int count_all_fds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return -1;
  while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n - 1;  // the directory stream's own fd
}

// A finding: print why and abort, so libFuzzer saves the input as a crash.
[[noreturn]] inline void finding(const char* what) {
  std::fprintf(stderr, "FUZZ FINDING: %s\n", what);
  std::abort();
}

}  // namespace carton::fuzz
