// Tensor mapping: carton tensors to the cv::Mat inputs OpenCV's DNN takes, and its
// outputs back, by the types and shapes the model declares (model_check.hpp).
//
//   ONNX            carton     through OpenCV 4.6
//   float           float32    as is
//   float16,        float32    carton has no 16-bit float; OpenCV computes these in
//   bfloat16                   float32 anyway (its importer widens such weights)
//   double          float64    computed in float32 (OpenCV's importer converts every
//                              double weight to float too): ~7 significant digits
//   int8..int64     same       computed in float32: integers beyond 2^24 lose digits
//   uint8..uint64   same       likewise
//   bool            uint8      0 or 1 (carton has no bool dtype)
//   string, complex: refused at Load, naming the input or output (OpenCV's DNN
//                              computes neither, carton has no complex dtype)
//
// Inputs: each must have the model's dtype and rank, and the size of every dimension
// the model fixes (a named one is free: the dynamic batch). An input with no element
// is refused (OpenCV's layers assert or divide by zero on empty blobs). A float32
// input in C order is handed to OpenCV as a cv::Mat header over the received frame:
// no copy by the runner (OpenCV's setInput copies it into the network's own blob,
// which the runner cannot avoid). Other dtypes, or a strided float32 input, are
// converted to float32 once.
//
// Outputs: OpenCV returns float32 blobs of at least 2 dimensions (a cv::Mat cannot be
// 1-d or 0-d), so each output gets the shape the model declares where it fixes one
// (or the declared rank, by dropping or adding dimensions of size 1), else OpenCV's.
// A float32 output is sent from the network's own blob (wire::Tensor::adopt; the
// network is not used again until the reply is written, see net_pool.hpp): no copy.
// Other dtypes are converted once (integers rounded to nearest).
#pragma once

#include <opencv2/core.hpp>

#include <memory>
#include <string>
#include <vector>

#include "carton/wire/map.hpp"
#include "carton/wire/tensor.hpp"
#include "model_check.hpp"

namespace carton::runners::onnx {

// The model's inputs in declaration order, as float32 Mats, and what their memory
// belongs to (the received frames, or a copy): `keep` must outlive the Mats' use.
struct InputMats {
  std::vector<cv::Mat> mats;
  std::vector<std::shared_ptr<const void>> keep;
};
// Throws runner::TensorError: an input missing, one the model does not have, a wrong
// dtype, rank or size, no element.
InputMats to_mats(const std::vector<ValueSpec>& specs, const wire::Map<std::string, wire::Tensor>& tensors);

// One output of the network. `keep` holds what the Mat's memory belongs to (the
// network's lease) and goes into the tensor's owner when no copy is made.
wire::Tensor to_tensor(const ValueSpec& spec, const cv::Mat& mat, std::shared_ptr<const void> keep);

// The shape `spec` gives a result of OpenCV's shape `mat_shape` (see the header comment).
wire::Shape output_shape(const ValueSpec& spec, const std::vector<int>& mat_shape);

}  // namespace carton::runners::onnx
