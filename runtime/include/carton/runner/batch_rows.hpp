// Merging requests along dimension 0 and handing each its rows of the outputs back:
// what dynamic batching (infer_queue.hpp) does to the tensors.
//
// Requests merge when their tensors agree in names, dtypes and every dimension but the
// first, and every tensor of a request has the same first dimension (its rows). The
// merged inputs are one owned, C-order buffer per name (the received tensors are views
// into their frames, at any alignment and with any strides). String and nested tensors
// and scalars do not merge: such a request runs alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "carton/wire/map.hpp"
#include "carton/wire/tensor.hpp"

namespace carton::runner {

using Tensors = wire::Map<std::string, wire::Tensor>;

// What requests must share to merge, and the rows this one brings.
struct RowSignature {
  std::string key;  // names, dtypes and trailing dimensions, encoded
  std::uint64_t rows = 0;
};
// nullopt when `inputs` cannot merge with anything (see above, or no tensors, or rows 0).
std::optional<RowSignature> row_signature(const Tensors& inputs);

// The requests' tensors, which share a row_signature key, stacked along dimension 0.
Tensors merge_rows(const std::vector<const Tensors*>& requests);

// `outputs` cut into one set per request of `rows[i]` rows each, as views of the merged
// outputs. nullopt when an output's first dimension is not the sum of `rows` (an
// output that is not per row, which only a run alone can answer), or when an output is
// a string, nested or scalar tensor.
std::optional<std::vector<Tensors>> split_rows(const Tensors& outputs, const std::vector<std::uint64_t>& rows);

}  // namespace carton::runner
