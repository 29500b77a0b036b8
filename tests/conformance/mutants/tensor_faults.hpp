// The tensor faults: what carton-runner-mutant does to the tensors of an Infer reply.
#pragma once

#include <string>

#include "carton/wire/map.hpp"
#include "carton/wire/tensor.hpp"
#include "faults.hpp"

namespace carton::mutants {

using Tensors = wire::Map<std::string, wire::Tensor>;

// Applies `fault` to the tensors of one reply; a fault that is not about tensors, or
// does not apply to these (one tensor where it takes two), leaves them as they are.
void apply_tensor_fault(Fault fault, Tensors& tensors);

}  // namespace carton::mutants
