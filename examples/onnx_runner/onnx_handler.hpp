// OnnxHandler: carton-runner-onnx (runner_name "onnx") as a RunnerHandler, serving
// ONNX models with OpenCV's DNN module.
//
//   Load      runner_opts (options.hpp) are read strictly; reads model.onnx (or
//             model_file) from the model directory through the core's filesystem with
//             one whole-file read, checks it (model_check.hpp), imports it once in a
//             child process (import_check.hpp), then builds its networks and records
//             the graph's input and output names, dtypes and shapes. A later Load
//             replaces the model; a failed one keeps the previous model.
//   Pack      checks that input_path is a model the runner loads (the same steps as
//             Load), then links <temp_folder>/model.onnx to it through the writable
//             filesystem and answers temp_folder.
//   Seal      keeps the tensors under handles 0, 1, 2, ...
//   Infer     inputs by the model's input names, outputs by its output names
//             (tensor_mapping.hpp: dtypes, shapes, copies); InferWithHandle consumes
//             its handle whatever the outcome. One complete reply even when streaming
//             is asked for.
//
// Every failure is an Error that says what and why: no model loaded, no or an
// unreadable model file, a model that is damaged or that OpenCV refuses (naming the
// node, its op type and opset), an unknown or missing input, a wrong dtype, rank or
// size, an empty input, an unknown or used seal handle, an OpenCV forward() error.
//
// Concurrency: handlers run on several threads (--handler-threads, default 4); each
// infer leases a network of the model's pool (net_pool.hpp: OpenCV's Net is not safe
// for concurrent forward()). The model is a shared_ptr swapped under a mutex: an
// infer keeps the model it started with even if a Load replaces it.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "carton/runner/runner_handler.hpp"
#include "carton/runner/seal_store.hpp"
#include "carton/runtime/log.hpp"

namespace carton::examples::onnx {

class OnnxModel;
struct OnnxOptions;

class OnnxHandler : public runner::RunnerHandler {
 public:
  // `self` is the binary that runs the import check (import_check.hpp): the runner's
  // own, which main() passes as /proc/self/exe.
  explicit OnnxHandler(std::string self = "/proc/self/exe");
  ~OnnxHandler() override;

  void on_load(wire::LoadRequest request, runner::LoadResponder responder) override;
  void on_pack(wire::PackRequest request, runner::PackResponder responder) override;
  void on_seal(wire::SealRequest request, runner::SealResponder responder) override;
  void on_infer_with_tensors(wire::InferWithTensorsRequest request, runner::InferResponder responder) override;
  void on_infer_with_handle(wire::InferWithHandleRequest request, runner::InferResponder responder) override;

 private:
  using Tensors = wire::Map<std::string, wire::Tensor>;
  std::shared_ptr<const OnnxModel> model() const;
  // Reads, checks and imports `file` of filesystem `fs`; throws naming what failed.
  std::shared_ptr<const OnnxModel> open(wire::FsToken fs, bool writable, const std::string& file,
                                        const OnnxOptions& options);
  void infer(const OnnxModel& model, Tensors inputs, runner::InferResponder& responder);

  const std::string self_;
  runtime::Logger log_;

  mutable std::mutex model_mu_;
  std::shared_ptr<const OnnxModel> model_;

  runner::SealStore sealed_;
};

}  // namespace carton::examples::onnx
