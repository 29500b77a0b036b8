// Helpers shared by the wire tests: where the captured vectors are, and byte patching.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "carton/conformance/vector_index.hpp"
#include "carton/wire/bytes.hpp"

namespace carton::test {

inline std::string vectors_dir(const std::string& version) {
  return std::string(CARTON_SOURCE_DIR) + "/conformance/vectors/carton-" + version;
}

inline std::vector<std::uint8_t> load_payload(const std::string& version, const std::string& name) {
  return conformance::read_file(vectors_dir(version) + "/" + name + ".bin").to_vector();
}

inline wire::Bytes bytes_of(std::vector<std::uint8_t> v) { return wire::Bytes::adopt(std::move(v)); }

template <class T>
void put(std::vector<std::uint8_t>& v, std::size_t at, T value) {
  std::memcpy(v.data() + at, &value, sizeof(T));
}

}  // namespace carton::test
