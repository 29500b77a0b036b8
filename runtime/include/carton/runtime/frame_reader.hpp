// FrameReader: turns a byte stream into frames (u64 big-endian length + payload).
//
// Which problem it solves: a socket delivers bytes in arbitrary pieces; one read may hold
// several frames, one frame may take many reads. The reader reassembles them, and it
// refuses a length over the limit before allocating anything, because upstream carton
// has no limit and a corrupted length would otherwise allocate whatever it says.
//
// Usage (zero-copy):
//   auto [p, n] = reader.writable();   // recv() at most n bytes into p
//   reader.commit(received);
//   while (auto frame = reader.next()) handle(std::move(*frame));
//   if (reader.failed()) close(reader.error());
// or reader.feed(data, n) for bytes already in memory.
//
// Design: each payload gets exactly one buffer, allocated once its length has passed the
// limit check, and the returned wire::Bytes owns it. While a large payload is pending,
// writable() points straight into that buffer, so its bytes cross user space once.
// Headers and small payloads go through a scratch buffer (one recv can then pick up many
// small frames) and are copied out of it. Failure is sticky: after an error the reader
// accepts nothing more; frames completed before the error can still be taken.
//
// Large payloads (kHugePayloadBytes and up) come from the reader's LargeBufferPool
// (large_buffer_pool.hpp): when the last Bytes over one is dropped, its mapping goes
// back to the pool for the next large frame. Why: on the reference VM a 256 MiB frame in
// fresh memory took 65,536 first-touch faults, 1.2 s; and even huge pages cost ~3.5 ms
// per MiB once the host has taken freed memory back. Between large frames the pool's
// one spare stays resident until reused or reclaimed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "carton/runtime/frame_header.hpp"
#include "carton/runtime/large_buffer_pool.hpp"
#include "carton/wire/bytes.hpp"
#include "carton/wire/limits.hpp"

namespace carton::runtime {

class FrameReader {
 public:
  // Reads go through scratch space of this size. A pending payload with at least this many
  // bytes still to come is read into its own buffer directly instead.
  static constexpr std::size_t kScratchBytes = 64 * 1024;
  // Payloads at least this large are mapped for huge pages (see above).
  static constexpr std::uint64_t kHugePayloadBytes = 4 * 1024 * 1024;

  explicit FrameReader(std::uint64_t max_frame_bytes = wire::kDefaultMaxFrameBytes);

  // Copies `n` bytes in. Returns false once the reader has failed.
  bool feed(const void* data, std::size_t n);

  // Where the next read may put its bytes, and at most how many. Follow with commit().
  // {nullptr, 0} once failed.
  std::pair<std::uint8_t*, std::size_t> writable();
  // Accounts for `n` bytes written into the last writable() region (n may be 0).
  // Returns false once the reader has failed.
  bool commit(std::size_t n);

  // The oldest complete payload, if any. An empty payload is an empty Bytes.
  std::optional<wire::Bytes> next();

  bool failed() const { return !error_.empty(); }
  // Why the reader failed, e.g. "frame of 9223372036854775808 bytes exceeds the limit of
  // 4294967296 bytes"; empty while healthy.
  const std::string& error() const { return error_; }
  std::uint64_t max_frame_bytes() const { return max_frame_bytes_; }

 private:
  void header_complete();
  void payload_complete();
  std::uint64_t payload_missing() const { return payload_size_ - payload_have_; }

  enum class Lent { kNone, kScratch, kPayload };

  std::uint64_t max_frame_bytes_;
  std::uint8_t header_[kFrameHeaderBytes] = {};
  std::size_t header_have_ = 0;
  bool in_payload_ = false;
  std::shared_ptr<std::uint8_t> payload_;  // new[] for small payloads, the pool for large
  std::shared_ptr<LargeBufferPool> pool_;  // created with the first large payload
  std::uint64_t payload_size_ = 0;
  std::uint64_t payload_have_ = 0;
  std::unique_ptr<std::uint8_t[]> scratch_;  // allocated on first writable()
  Lent lent_ = Lent::kNone;
  std::deque<wire::Bytes> ready_;
  std::string error_;
};

}  // namespace carton::runtime
