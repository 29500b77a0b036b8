// The 8-byte frame header: the payload length as u64 big-endian (FACTS.md, "Framing").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace carton::runtime {

inline constexpr std::size_t kFrameHeaderBytes = 8;

inline std::array<std::uint8_t, kFrameHeaderBytes> encode_frame_header(std::uint64_t payload_size) {
  std::array<std::uint8_t, kFrameHeaderBytes> h{};
  for (std::size_t i = 0; i < kFrameHeaderBytes; ++i) {
    h[i] = static_cast<std::uint8_t>(payload_size >> (8 * (kFrameHeaderBytes - 1 - i)));
  }
  return h;
}

inline std::uint64_t decode_frame_header(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < kFrameHeaderBytes; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace carton::runtime
