// OnnxHandler: carton-runner-onnx (runner_name "onnx"), serving ONNX models with
// OpenCV's DNN module, on the SDK's ModelHandler (which carries the model slot, Seal,
// the infer flow and Pack's reply).
//
//   Load      runner_opts (options.hpp) are read strictly; reads model.onnx (or
//             model_file) from the model directory through the core's filesystem with
//             one whole-file read, checks it (model_check.hpp), imports it once in a
//             child process (import_check.hpp), then builds its networks and records
//             the graph's input and output names, dtypes and shapes. A failed Load
//             keeps the previous model.
//   Pack      input_path is a model file, or a folder holding model.onnx (packed as
//             it is); the model file is checked as Load would (the same steps, default
//             options), then a file is linked as <temp_folder>/model.onnx
//             (ModelHandler).
//   Infer     inputs by the model's input names, outputs by its output names
//             (tensor_mapping.hpp: dtypes, shapes, copies).
//
// Every failure is an Error that says what and why: no model loaded, no or an
// unreadable model file, a model that is damaged or that OpenCV refuses (naming the
// node, its op type and opset), an unknown or missing input, a wrong dtype, rank or
// size, an empty input, an unknown or used seal handle, an OpenCV forward() error.
//
// Concurrency: each infer leases a network of the model's pool (net_pool.hpp), because
// OpenCV's Net is not safe for concurrent forward(); the policy runs at most `networks`
// at once, so none waits for a lease. With batch_max_rows, requests that arrive while
// the networks are busy are merged into one forward() (options.hpp).
#pragma once

#include <memory>
#include <string>

#include "carton/runner/model_handler.hpp"
#include "carton/runtime/log.hpp"
#include "onnx_model.hpp"

namespace carton::runners::onnx {

class OnnxHandler : public runner::ModelHandler<OnnxModel> {
 public:
  // `self` is the binary that runs the import check (import_check.hpp): the runner's
  // own, which main() passes as /proc/self/exe.
  explicit OnnxHandler(std::string self = "/proc/self/exe");

 protected:
  std::shared_ptr<const OnnxModel> load_served_model(const wire::LoadRequest& request) override;
  std::string pack_file_name(const wire::PackRequest& request, const std::string& file) override;
  Tensors infer(const OnnxModel& model, Tensors inputs) override;
  runner::InferPolicy infer_policy(const OnnxModel& model) const override { return model.policy(); }
  bool mergeable(const OnnxModel& model, const Tensors& inputs) const override {
    model.check_inputs(inputs);
    return true;
  }

 private:
  // Reads, checks and imports `file` of filesystem `fs`; throws naming what failed.
  std::shared_ptr<const OnnxModel> open(wire::FsToken fs, bool writable, const std::string& file,
                                        const OnnxOptions& options);

  const std::string self_;
  runtime::Logger log_;
};

}  // namespace carton::runners::onnx
