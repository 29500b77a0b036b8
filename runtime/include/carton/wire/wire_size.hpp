// WireSize<T>::kMin: the fewest bytes a T occupies on the wire.
//
// Decoders multiply a received element count by it and compare with the bytes that
// remain, so a count of 2^63 fails before anything is reserved. Generated code
// specializes it for every record, union and enum.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "carton/wire/bytes.hpp"

namespace carton::wire {

template <class K, class V>
class Map;

template <class T, class = void>
struct WireSize;  // deliberately undefined: a type without a wire size is a bug

#define CARTON_WIRE_FIXED_SIZE(T) \
  template <>                     \
  struct WireSize<T> {            \
    static constexpr std::size_t kMin = sizeof(T); \
  }
CARTON_WIRE_FIXED_SIZE(bool);
CARTON_WIRE_FIXED_SIZE(std::uint8_t);
CARTON_WIRE_FIXED_SIZE(std::uint16_t);
CARTON_WIRE_FIXED_SIZE(std::uint32_t);
CARTON_WIRE_FIXED_SIZE(std::uint64_t);
CARTON_WIRE_FIXED_SIZE(std::int8_t);
CARTON_WIRE_FIXED_SIZE(std::int16_t);
CARTON_WIRE_FIXED_SIZE(std::int32_t);
CARTON_WIRE_FIXED_SIZE(std::int64_t);
CARTON_WIRE_FIXED_SIZE(float);
CARTON_WIRE_FIXED_SIZE(double);
#undef CARTON_WIRE_FIXED_SIZE

// Strings, byte buffers, vectors and maps start with a u64 length.
template <> struct WireSize<std::string> { static constexpr std::size_t kMin = 8; };
template <> struct WireSize<Bytes> { static constexpr std::size_t kMin = 8; };
template <class T> struct WireSize<std::vector<T>> { static constexpr std::size_t kMin = 8; };
template <class K, class V> struct WireSize<Map<K, V>> { static constexpr std::size_t kMin = 8; };
// An Option is at least its tag byte.
template <class T> struct WireSize<std::optional<T>> { static constexpr std::size_t kMin = 1; };

}  // namespace carton::wire
