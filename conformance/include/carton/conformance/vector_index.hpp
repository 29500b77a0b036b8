// The index of captured wire vectors (index.tsv): one row per vector, as carton's
// capture tool writes it: name, channel, direction, description, payload_len, frame_file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "carton/wire/bytes.hpp"

namespace carton::conformance {

struct VectorEntry {
  std::string name;
  std::string channel;    // rpc, filesystem, fragment
  std::string direction;  // core->runner, runner->core, n/a
  std::string description;
  std::uint64_t payload_len = 0;
  std::string frame_file;  // "-" when there is none
  // The capture says a map's entry order was arbitrary: compare by value.
  bool arbitrary_order = false;
};

// Reads DIR/index.tsv; throws std::runtime_error naming the line on a malformed row.
std::vector<VectorEntry> read_vector_index(const std::string& dir);

// The carton-wire --type of a vector ("rpc-request", "fs-response", "tensor", ...), or
// "" when no codec type fits (e.g. a tuple fragment).
std::string vector_type(const VectorEntry& e);

// The whole contents of a file; throws std::runtime_error if it cannot be read.
wire::Bytes read_file(const std::string& path);

}  // namespace carton::conformance
