// Limits that bound what a decoder will accept from untrusted bytes.
//
// carton 0.0.1 itself has no limits (it allocates whatever a length says). We do, so
// that a hostile or broken peer cannot exhaust memory or the stack.
#pragma once

#include <cstddef>
#include <cstdint>

namespace carton::wire {

// Nested tensors are the only recursive wire type. Real models nest a handful of
// levels; 64 leaves ample room while keeping recursive decode far from the stack limit
// of a handler thread.
inline constexpr std::size_t kDefaultMaxDepth = 64;

// 4 GiB: larger than any single tensor a runner should receive in one frame, small
// enough that a corrupted length prefix fails fast instead of allocating.
// Configurable per connection (runtime::ConnectionOptions) and per decode.
inline constexpr std::uint64_t kDefaultMaxFrameBytes = std::uint64_t{4} << 30;

struct Limits {
  std::size_t max_depth = kDefaultMaxDepth;
  std::uint64_t max_frame_bytes = kDefaultMaxFrameBytes;
};

}  // namespace carton::wire
