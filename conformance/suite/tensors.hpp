// The tensors the dtype and echo cases send: one per kind the core may send, with the
// edge values that garble a careless decoder (NaN payloads, -0.0, shape [], shape [0],
// strides, nesting), and whole sets of them for the many-tensor echo cases.
#pragma once

#include <string>
#include <vector>

#include "carton/wire/map.hpp"
#include "carton/wire/tensor.hpp"

namespace carton::conformance::suite {

struct NamedTensor {
  std::string name;
  wire::Tensor tensor;
  bool padding_only = false;  // shape [0]: the stored element's value is unspecified
};

const std::vector<NamedTensor>& dtype_tensors();

// Bit-exact equality (for shape [0] only dtype, shape and strides).
bool same_tensor(const NamedTensor& sent, const wire::Tensor& got);

// Every kind of dtype_tensors() plus 3-d, 4-d, [1, 1], [2, 0, 3] and empty string
// tensors and names with non-ASCII characters and none at all, in one set whose
// insertion order is not the sorted order of the names. Every value depends on `seed`,
// so two sets of different seeds share every name and (but for padding) no tensor.
std::vector<NamedTensor> tensor_set(int seed);
// A 4 MiB float32 tensor and a [100, 100] string tensor (multi-byte characters, some
// strings of 2 KiB), both depending on `seed`: what a runner may cut or copy wrongly
// only past some size.
std::vector<NamedTensor> large_tensors(int seed);

wire::Map<std::string, wire::Tensor> as_map(const std::vector<NamedTensor>& tensors);

// How `got` differs from the set that was sent, naming the tensor and what changed
// (missing, extra, dtype, shape, strides, the first differing element); "" when it is
// the same set bit-exactly.
std::string echo_difference(const std::vector<NamedTensor>& sent, const wire::Map<std::string, wire::Tensor>& got);

}  // namespace carton::conformance::suite
