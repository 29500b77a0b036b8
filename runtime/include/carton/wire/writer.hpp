// Writer: encodes bincode (fixint, little-endian) into an Encoded frame.
//
// Small values go into one growing header buffer; byte ranges of at least
// kGatherThreshold bytes (tensor storage, file contents) are not copied but recorded as
// segments, so the socket write gathers them straight from where they live.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "carton/wire/bytes.hpp"
#include "carton/wire/common_types.hpp"
#include "carton/wire/decode_error.hpp"
#include "carton/wire/encoded.hpp"
#include "carton/wire/limits.hpp"
#include "carton/wire/map.hpp"

namespace carton::wire {

// Below this, copying into the header is cheaper than an extra iovec.
inline constexpr std::size_t kGatherThreshold = 16 * 1024;

class Writer {
 public:
  explicit Writer(CoreRevision revision, const Limits& limits = {}) : revision_(revision), limits_(limits) {}

  CoreRevision revision() const { return revision_; }

  template <class T>
  void fixed(T v) {
    static_assert(std::is_arithmetic_v<T>);
    std::memcpy(extend(sizeof(T)), &v, sizeof(T));
  }
  void u64_big_endian(std::uint64_t v);
  void boolean(bool v) { fixed<std::uint8_t>(v ? 1 : 0); }
  void string(std::string_view s);
  void bytes(const Bytes& b);  // u64 length + contents (gathered when large)
  void count(std::uint64_t n) { fixed<std::uint64_t>(n); }
  void tag(std::size_t width, std::uint32_t index);
  void option(bool some) { fixed<std::uint8_t>(some ? 1 : 0); }

  // Nesting depth for recursive types, capped like the decoder's so that whatever we
  // send, a peer with the same limits accepts.
  void enter_nested();
  void leave_nested() { --depth_; }
  // A variant or field the selected core revision cannot carry.
  [[noreturn]] void not_in_revision(const char* what);

  Encoded finish() && {
    out_.head.resize(used_);
    return std::move(out_);
  }

 private:
  // Appends n bytes to the header and returns where they go. The header vector runs
  // ahead of what is written (used_) and is cut to size by finish(), so that appending
  // a scalar is a bounds check and a memcpy, not a vector resize.
  std::uint8_t* extend(std::size_t n) {
    if (out_.head.size() - used_ < n) grow(n);
    std::uint8_t* p = out_.head.data() + used_;
    used_ += n;
    return p;
  }
  void grow(std::size_t n);

  CoreRevision revision_;
  Limits limits_;
  std::size_t depth_ = 0;
  Encoded out_;
  std::size_t used_ = 0;  // bytes of out_.head written so far
};

inline void encode(Writer& w, bool v) { w.boolean(v); }
inline void encode(Writer& w, std::uint8_t v) { w.fixed(v); }
inline void encode(Writer& w, std::uint16_t v) { w.fixed(v); }
inline void encode(Writer& w, std::uint32_t v) { w.fixed(v); }
inline void encode(Writer& w, std::uint64_t v) { w.fixed(v); }
inline void encode(Writer& w, std::int8_t v) { w.fixed(v); }
inline void encode(Writer& w, std::int16_t v) { w.fixed(v); }
inline void encode(Writer& w, std::int32_t v) { w.fixed(v); }
inline void encode(Writer& w, std::int64_t v) { w.fixed(v); }
inline void encode(Writer& w, float v) { w.fixed(v); }
inline void encode(Writer& w, double v) { w.fixed(v); }
inline void encode(Writer& w, const std::string& v) { w.string(v); }
inline void encode(Writer& w, const Bytes& v) { w.bytes(v); }

template <class T>
void encode(Writer& w, const std::optional<T>& v) {
  w.option(v.has_value());
  if (v) encode(w, *v);
}

template <class T>
void encode(Writer& w, const std::vector<T>& v) {
  w.count(v.size());
  for (const auto& e : v) encode(w, e);
}

template <class K, class V>
void encode(Writer& w, const Map<K, V>& m) {
  w.count(m.size());
  for (const auto& e : m) {
    encode(w, e.first);
    encode(w, e.second);
  }
}

}  // namespace carton::wire
