// Encoded: one encoded frame as a small owned header buffer plus borrowed large spans.
//
// Why: a response carrying a 256 MiB tensor must reach the socket without being copied
// into one contiguous buffer. The encoder writes tags, lengths, shapes and strings into
// `head` and records each large byte range (tensor storage, file contents) as a segment
// that is spliced in at a given offset of `head`. A socket write gathers them (writev).
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "carton/wire/bytes.hpp"

namespace carton::wire {

struct Encoded {
  struct Segment {
    std::size_t at;  // offset in `head` before which `bytes` is spliced
    Bytes bytes;
  };

  std::vector<std::uint8_t> head;
  std::vector<Segment> segments;  // ordered by `at`

  std::size_t size() const {
    std::size_t n = head.size();
    for (const auto& s : segments) n += s.bytes.size();
    return n;
  }

  // The bytes in order, for each contiguous piece; empty pieces are skipped.
  template <class Fn>
  void for_each_piece(Fn&& fn) const {
    std::size_t pos = 0;
    for (const auto& s : segments) {
      if (s.at > pos) fn(head.data() + pos, s.at - pos);
      if (!s.bytes.empty()) fn(s.bytes.data(), s.bytes.size());
      pos = s.at;
    }
    if (head.size() > pos) fn(head.data() + pos, head.size() - pos);
  }

  std::vector<iovec> iovecs() const {
    std::vector<iovec> out;
    out.reserve(2 * segments.size() + 1);
    for_each_piece([&](const std::uint8_t* p, std::size_t n) {
      out.push_back(iovec{const_cast<std::uint8_t*>(p), n});
    });
    return out;
  }

  // One contiguous copy; for tests, tools and small messages.
  std::vector<std::uint8_t> flatten() const {
    std::vector<std::uint8_t> out;
    out.reserve(size());
    for_each_piece([&](const std::uint8_t* p, std::size_t n) { out.insert(out.end(), p, p + n); });
    return out;
  }
};

}  // namespace carton::wire
