// OnnxModel: one ONNX model imported into OpenCV's DNN module (checked first, see
// model_check.hpp), served by a NetPool, and its inference.
//
// This header includes no OpenCV header, so the handler compiles without them.
//
// Thread safety: infer() may run on several threads at once; each call leases a
// network of its own (net_pool.hpp says why and what that costs).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "carton/wire/bytes.hpp"
#include "carton/wire/map.hpp"
#include "carton/wire/tensor.hpp"
#include "model_check.hpp"
#include "options.hpp"

namespace carton::runners::onnx {

class NetPool;

class OnnxModel {
 public:
  // Imports the model `options.networks` times. Throws ModelError naming why: the
  // importer refused it (naming the node, see import_error.hpp), or it made no layer.
  static std::shared_ptr<const OnnxModel> load(const wire::Bytes& bytes, ModelInfo info, const OnnxOptions& options);

  // The outputs for `inputs`, by the model's input and output names. Throws
  // runner::TensorError for inputs that do not fit the model (tensor_mapping.hpp),
  // std::runtime_error naming OpenCV's error when forward() fails. The inputs are let
  // go once OpenCV holds its copy, before the reply goes out.
  wire::Map<std::string, wire::Tensor> infer(wire::Map<std::string, wire::Tensor> inputs) const;

  const ModelInfo& info() const { return info_; }
  // How its infers run: one at a time per network, merged as the options ask.
  const runner::InferPolicy& policy() const { return policy_; }
  // Throws what infer() would throw for `inputs` before it runs the network.
  void check_inputs(const wire::Map<std::string, wire::Tensor>& inputs) const;
  ~OnnxModel();

 private:
  OnnxModel(ModelInfo info, std::unique_ptr<NetPool> pool, runner::InferPolicy policy);
  // The networks for a batch of `rows`: with merging, a pool per batch size met, made on
  // first use. Why: OpenCV re-plans a network whose input shape changed (setUpNet:
  // allocation and layer fusion) on its next forward(), which cost more than merging
  // saved when batches of every size took turns on one network.
  NetPool& pool_for(std::int64_t rows) const;

  ModelInfo info_;
  runner::InferPolicy policy_;
  wire::Bytes bytes_;     // kept for pool_for() when merging
  OnnxOptions options_;
  mutable std::mutex sized_mu_;
  mutable std::map<std::int64_t, std::unique_ptr<NetPool>> sized_;
  std::vector<std::string> output_names_;
  std::unique_ptr<NetPool> pool_;
};

// "4.6.0": the OpenCV the runner is built with.
std::string opencv_version();

}  // namespace carton::runners::onnx
