// Reader: decodes bincode (fixint, little-endian) from one received frame, defensively.
//
// Every length is checked against the bytes that remain before anything is allocated,
// nesting is capped, and every failure throws DecodeError naming the message, the field
// path, the offset, the bad value and the limit. Generated decoders drive it field by
// field; the path is kept as a stack of static names so success costs no strings.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "carton/wire/bytes.hpp"
#include "carton/wire/common_types.hpp"
#include "carton/wire/decode_error.hpp"
#include "carton/wire/limits.hpp"
#include "carton/wire/map.hpp"
#include "carton/wire/wire_size.hpp"

namespace carton::wire {

class Reader {
 public:
  Reader(Bytes frame, const char* message_type, CoreRevision revision, const Limits& limits = {});

  CoreRevision revision() const { return revision_; }
  const Limits& limits() const { return limits_; }
  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return frame_.size() - pos_; }
  const Bytes& frame() const { return frame_; }

  // Fixed-width little-endian integer or IEEE float (bit-exact).
  template <class T>
  T fixed() {
    static_assert(std::is_arithmetic_v<T>);
    need(sizeof(T));
    T v;
    std::memcpy(&v, frame_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;  // hosts are little-endian (checked in reader.cpp)
  }
  std::uint64_t u64_big_endian();
  bool boolean();
  std::string string();
  // A u64 length then that many raw bytes, as a view into the frame (no copy).
  Bytes bytes();
  // A u64 element count, checked so that count * min_element_bytes fits in what remains.
  std::uint64_t count(std::size_t min_element_bytes);
  // A variant index of `width` bytes, checked against `variants`.
  std::uint32_t tag(std::size_t width, std::uint32_t variants, const char* union_name);
  // An Option tag: false for None (0), true for Some (1).
  bool option();
  // An Option the sender always fills: fails on None.
  void always_some();
  // Enum values are checked by the generated code, which knows the valid set.
  // `width` bytes were just read; the error points at them.
  [[noreturn]] void bad_enum(const char* enum_name, std::uint64_t value, std::uint64_t limit, std::size_t width);
  // A variant or field the selected core revision does not have.
  [[noreturn]] void not_in_revision(const char* what, std::uint64_t value);

  // Field path bookkeeping (static strings only).
  void push(const char* name) { path_.push_back({name, 0}); }
  void push_index(std::size_t i) { path_.push_back({nullptr, i}); }
  void set(const char* name) { path_.back() = {name, 0}; }
  void pop() { path_.pop_back(); }
  // Nesting depth for recursive types; fails past Limits::max_depth.
  void enter_nested();
  void leave_nested() { --depth_; }

  // Fails if bytes remain after the message.
  void finish();

  [[noreturn]] void fail(DecodeErrorKind kind, std::uint64_t value, std::uint64_t limit,
                         const std::string& detail);

 private:
  struct Segment {
    const char* name;  // nullptr: an index
    std::size_t index;
  };
  void need(std::size_t n) {
    if (n > remaining()) fail(DecodeErrorKind::kTruncated, n, remaining(), "needs more bytes than remain");
  }
  std::string path() const;

  Bytes frame_;
  std::size_t pos_ = 0;
  const char* message_type_;
  CoreRevision revision_;
  Limits limits_;
  std::size_t depth_ = 0;
  std::vector<Segment> path_;
};

// Leaf decoders. Generated decoders for records, unions and enums overload `decode`
// in their own namespaces; these cover the C++ types those records are built from.
inline void decode(Reader& r, bool& v) { v = r.boolean(); }
inline void decode(Reader& r, std::uint8_t& v) { v = r.fixed<std::uint8_t>(); }
inline void decode(Reader& r, std::uint16_t& v) { v = r.fixed<std::uint16_t>(); }
inline void decode(Reader& r, std::uint32_t& v) { v = r.fixed<std::uint32_t>(); }
inline void decode(Reader& r, std::uint64_t& v) { v = r.fixed<std::uint64_t>(); }
inline void decode(Reader& r, std::int8_t& v) { v = r.fixed<std::int8_t>(); }
inline void decode(Reader& r, std::int16_t& v) { v = r.fixed<std::int16_t>(); }
inline void decode(Reader& r, std::int32_t& v) { v = r.fixed<std::int32_t>(); }
inline void decode(Reader& r, std::int64_t& v) { v = r.fixed<std::int64_t>(); }
inline void decode(Reader& r, float& v) { v = r.fixed<float>(); }
inline void decode(Reader& r, double& v) { v = r.fixed<double>(); }
inline void decode(Reader& r, std::string& v) { v = r.string(); }
inline void decode(Reader& r, Bytes& v) { v = r.bytes(); }

template <class T>
void decode(Reader& r, std::optional<T>& v) {
  if (r.option()) {
    decode(r, v.emplace());
  } else {
    v.reset();
  }
}

template <class T>
void decode(Reader& r, std::vector<T>& v) {
  const std::uint64_t n = r.count(WireSize<T>::kMin);
  v.clear();
  v.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    r.push_index(i);
    decode(r, v.emplace_back());
    r.pop();
  }
}

// Fails on a repeated key: the sender's map cannot hold one, so it is malformed input,
// and accepting it would make the decoded value depend on which copy wins.
void check_unique_keys(Reader& r, const std::vector<const std::string*>& keys);

template <class K, class V>
void decode(Reader& r, Map<K, V>& m) {
  const std::uint64_t n = r.count(WireSize<K>::kMin + WireSize<V>::kMin);
  m.clear();
  m.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    r.push_index(i);
    K key{};
    decode(r, key);
    V value{};
    decode(r, value);
    m.append(std::move(key), std::move(value));
    r.pop();
  }
  if constexpr (std::is_same_v<K, std::string>) {
    std::vector<const std::string*> keys;
    keys.reserve(m.size());
    for (const auto& e : m) keys.push_back(&e.first);
    check_unique_keys(r, keys);
  }
}

}  // namespace carton::wire
