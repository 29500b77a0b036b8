// Tensor conversion: carton tensors to the dict a TorchScript forward() takes, and the
// dict it returns back to carton tensors, with the mapping of carton's TorchScript
// runner:
//
//   carton                        torch
//   float32, float64              Float, Double tensor
//   int8, int16, int32, int64     Char, Short, Int, Long tensor
//   uint8                         Byte tensor
//   string, 0 dims                str            (out: str -> 0-d string tensor)
//   string, 1 dim                 List[str]      (out: List[str], or a list of only strs)
//
// Anything else (uint16/32/64, nested tensors, strings of 2+ dims in; other dtypes,
// layouts or value types out) is a ConversionError naming the key and the reason:
// carton's runner crashes on these, this one answers an Error.
//
// Where data is copied:
//   in   A numeric tensor is a torch tensor over the received frame (from_blob with
//        the tensor's element strides; the deleter holds the frame until torch drops
//        the tensor): no copy. One copy when its elements are not aligned for their
//        type, or when the model runs on a CUDA device. The SDK's runner::aligned()
//        (carton/runner/tensor_access.hpp) checks the layout against the storage and
//        makes that copy. Strings are copied into torch strings.
//   out  A contiguous CPU tensor is sent from torch's own buffer (wire::Tensor::adopt
//        holds a reference to the at::Tensor until the response is written): no copy.
//        One copy for a non-contiguous tensor (.contiguous()) or one on another
//        device. Strings are copied.
//
// Inputs are handed to torch as writable memory, although wire::Bytes is read-only: a
// model may write into an input in place. That is safe because the runner owns the
// frame (a heap buffer or a private anonymous mapping) and nothing else reads it
// afterwards: an InferWithTensors frame holds only that request, and a sealed frame is
// referenced only by its Seal entry, which InferWithHandle removes before inference.
// A model that keeps an input (say, in an attribute) keeps the frame alive through the
// deleter. So no defensive copy is made.
#pragma once

#include <ATen/core/Dict.h>
#include <ATen/core/ivalue.h>
#include <c10/core/Device.h>

#include <stdexcept>
#include <string>

#include "carton/wire/map.hpp"
#include "carton/wire/tensor.hpp"

namespace carton::runners::torchscript {

class ConversionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The one argument forward() gets: a dict with str keys whose value type is
// `value_type` (the model's declared one, e.g. Tensor or Any). A null `value_type`
// means Tensor when every input is numeric, Any otherwise. Each value must fit the
// dict's value type, or a ConversionError says which does not.
c10::impl::GenericDict to_torch_inputs(const wire::Map<std::string, wire::Tensor>& inputs,
                                       const c10::TypePtr& value_type, c10::Device device);

// The outputs of forward(), which must be a dict with str keys.
wire::Map<std::string, wire::Tensor> from_torch_outputs(const c10::IValue& output);

}  // namespace carton::runners::torchscript
