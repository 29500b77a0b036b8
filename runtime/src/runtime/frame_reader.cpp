#include "carton/runtime/frame_reader.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <new>

namespace carton::runtime {
FrameReader::FrameReader(std::uint64_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

bool FrameReader::feed(const void* data, std::size_t n) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (n > 0 && !failed()) {
    if (!in_payload_) {
      std::size_t take = std::min(kFrameHeaderBytes - header_have_, n);
      std::memcpy(header_ + header_have_, p, take);
      header_have_ += take;
      p += take;
      n -= take;
      if (header_have_ == kFrameHeaderBytes) header_complete();
    } else {
      // payload_missing() may exceed SIZE_MAX on 32-bit targets; compare in 64 bits.
      std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(payload_missing(), n));
      std::memcpy(payload_.get() + payload_have_, p, take);
      payload_have_ += take;
      p += take;
      n -= take;
      if (payload_missing() == 0) payload_complete();
    }
  }
  return !failed();
}

void FrameReader::header_complete() {
  header_have_ = 0;
  const std::uint64_t size = decode_frame_header(header_);
  // Checked before anything adds to or allocates from `size`: it is untrusted.
  if (size > max_frame_bytes_) {
    error_ = "frame of " + std::to_string(size) + " bytes exceeds the limit of " +
             std::to_string(max_frame_bytes_) + " bytes";
    return;
  }
  if (size == 0) {
    ready_.emplace_back();
    return;
  }
  if constexpr (sizeof(std::size_t) < sizeof(std::uint64_t)) {
    if (size > SIZE_MAX) {
      error_ = "frame of " + std::to_string(size) + " bytes does not fit in this address space";
      return;
    }
  }
  // No value-initialisation: a 4 GiB payload is not zeroed only to be overwritten.
  if (size >= kHugePayloadBytes) {
    if (!pool_) pool_ = LargeBufferPool::create();
    payload_ = pool_->acquire(static_cast<std::size_t>(size));
  } else if (auto* p = new (std::nothrow) std::uint8_t[static_cast<std::size_t>(size)]) {
    payload_ = std::shared_ptr<std::uint8_t>(p, std::default_delete<std::uint8_t[]>());
  }
  if (!payload_) {
    error_ = "cannot allocate a frame of " + std::to_string(size) + " bytes (limit " +
             std::to_string(max_frame_bytes_) + " bytes)";
    return;
  }
  payload_size_ = size;
  payload_have_ = 0;
  in_payload_ = true;
}

void FrameReader::payload_complete() {
  std::uint8_t* data = payload_.get();
  ready_.emplace_back(std::move(payload_), data, static_cast<std::size_t>(payload_size_));
  in_payload_ = false;
  payload_size_ = payload_have_ = 0;
}

std::pair<std::uint8_t*, std::size_t> FrameReader::writable() {
  if (failed()) {
    lent_ = Lent::kNone;
    return {nullptr, 0};
  }
  if (in_payload_ && payload_missing() >= kScratchBytes) {
    lent_ = Lent::kPayload;
    return {payload_.get() + payload_have_, static_cast<std::size_t>(payload_missing())};
  }
  if (!scratch_) scratch_.reset(new std::uint8_t[kScratchBytes]);
  lent_ = Lent::kScratch;
  return {scratch_.get(), kScratchBytes};
}

bool FrameReader::commit(std::size_t n) {
  const Lent lent = std::exchange(lent_, Lent::kNone);
  switch (lent) {
    case Lent::kNone:
      assert(n == 0 && "commit() without writable()");
      break;
    case Lent::kScratch:
      assert(n <= kScratchBytes);
      return feed(scratch_.get(), n);
    case Lent::kPayload:
      assert(n <= payload_missing());
      payload_have_ += n;
      if (payload_missing() == 0) payload_complete();
      break;
  }
  return !failed();
}

std::optional<wire::Bytes> FrameReader::next() {
  if (ready_.empty()) return std::nullopt;
  wire::Bytes b = std::move(ready_.front());
  ready_.pop_front();
  return b;
}

}  // namespace carton::runtime
