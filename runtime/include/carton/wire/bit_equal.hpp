// Bitwise equality for floating-point fields: the wire carries floats as raw bits, and
// a round trip must preserve NaN payloads and -0.0, which operator== cannot see.
#pragma once

#include <cstring>
#include <type_traits>

namespace carton::wire {

template <class T>
bool bit_equal(const T& a, const T& b) {
  static_assert(std::is_floating_point_v<T>);
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

}  // namespace carton::wire
