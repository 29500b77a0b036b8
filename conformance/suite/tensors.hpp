// The tensors the dtype and echo cases send: one per kind the core may send, with the
// edge values that garble a careless decoder (NaN payloads, -0.0, shape [], shape [0],
// strides, nesting).
#pragma once

#include <string>
#include <vector>

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

}  // namespace carton::conformance::suite
