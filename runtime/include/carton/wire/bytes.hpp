// Bytes: an immutable byte range that shares ownership of the buffer it points into.
//
// Why: a received frame is read into one buffer; decoded tensors and byte fields are
// views into it, so a 64 MiB tensor is never copied by the SDK. Whoever keeps a Bytes
// keeps the whole frame alive. The pointer has no alignment guarantee.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace carton::wire {

class Bytes {
 public:
  Bytes() = default;
  Bytes(std::shared_ptr<const void> owner, const std::uint8_t* data, std::size_t size)
      : owner_(std::move(owner)), data_(data), size_(size) {}

  // Takes the vector over without copying its contents.
  static Bytes adopt(std::vector<std::uint8_t>&& v) {
    auto owner = std::make_shared<const std::vector<std::uint8_t>>(std::move(v));
    const std::uint8_t* p = owner->data();
    std::size_t n = owner->size();
    return Bytes(std::move(owner), p, n);
  }
  // A copy it owns, aligned for every element type.
  static Bytes copy_of(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    if (n <= kSmallCopyBytes) {
      // One allocation, not two (the vector's and the owner's): a reply's few values
      // are copied once per request, and two allocations cost more than the copy.
      auto owner = std::make_shared<SmallBlock>();
      if (n != 0) std::memcpy(owner->bytes, b, n);
      return Bytes(owner, owner->bytes, n);
    }
    return adopt(std::vector<std::uint8_t>(b, b + n));
  }
  static Bytes copy_of(std::string_view s) { return copy_of(s.data(), s.size()); }

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::uint8_t* begin() const { return data_; }
  const std::uint8_t* end() const { return data_ + size_; }
  std::uint8_t operator[](std::size_t i) const { return data_[i]; }

  // A sub-range sharing the same owner. The caller guarantees off + n <= size().
  Bytes slice(std::size_t off, std::size_t n) const { return Bytes(owner_, data_ + off, n); }
  const std::shared_ptr<const void>& owner() const { return owner_; }
  std::vector<std::uint8_t> to_vector() const { return {begin(), end()}; }
  std::string_view as_string_view() const {
    return {reinterpret_cast<const char*>(data_), size_};
  }

  // Content equality, byte for byte (so NaN payloads compare as bits).
  friend bool operator==(const Bytes& a, const Bytes& b) {
    return a.size_ == b.size_ && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
  }
  friend bool operator!=(const Bytes& a, const Bytes& b) { return !(a == b); }

 private:
  // Copies up to this size live in the owner's own block: a row's outputs, or a small
  // batch's, fit.
  static constexpr std::size_t kSmallCopyBytes = 256;
  struct alignas(16) SmallBlock {
    SmallBlock() {}  // not value-initialized: make_shared would zero what the copy fills
    std::uint8_t bytes[kSmallCopyBytes];
  };

  std::shared_ptr<const void> owner_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace carton::wire
