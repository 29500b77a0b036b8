// TorchScriptHandler: carton's TorchScript runner (runner_name "torchscript"), on the
// SDK's ModelHandler (which carries the model slot, Seal, the infer flow and Pack's
// link and reply).
//
//   Load      runner_opts num_threads / num_interop_threads (Integer) set libtorch's
//             thread counts (thread_settings.hpp); reads model.pt from the model
//             directory with one whole-file read and loads it from memory onto CUDA
//             when libtorch sees a device, else the CPU. A failed Load keeps the
//             previous model.
//   Pack      a model file is linked as <temp_folder>/model.pt and temp_folder
//             answered; a folder holding model.pt is answered as it is (ModelHandler).
//             The file is not loaded first, unlike the ONNX and XGBoost runners: this
//             runner never did, and a Pack that succeeded before still must.
//   Infer     forward() with one Dict[str, ...] argument.
//   Batching  off unless the model asks for it with runner_opts batch_max_rows (> 1)
//             and, optionally, batch_max_delay_us: a script need not be
//             batch-polymorphic (it may mix rows, or return an output of another first
//             dimension), which only its author knows. Merged requests then run one
//             forward() at a time, with libtorch's intra-op threads doing the parallel
//             work; an output whose first dimension is not the merged rows, or an
//             exception, reruns the requests alone (runner::InferQueue).
//
// Where carton's runner panics (and its core then hangs), this answers an Error that
// says what and why: uint16/32/64 or nested inputs, strings of 2+ dimensions, infer
// before Load, an unknown or used seal handle, a model that throws, an output it cannot
// convert, a missing or invalid model.pt.
//
// Copies: none for numeric tensors in or out in the common case; see
// tensor_conversion.hpp for when one copy happens (misaligned input, CUDA device,
// non-contiguous output, strings). Sealed tensors keep their request frame alive until
// their InferWithHandle.
//
// Concurrency: a TorchScript module's methods are safe to call on several threads at
// once, so requests in flight (--handler-threads) run forward() in parallel.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "carton/runner/model_handler.hpp"
#include "carton/runtime/log.hpp"
#include "loaded_model.hpp"

namespace carton::runners::torchscript {

// The loaded module and how its infers run, fixed at its Load.
struct TorchScriptModel {
  std::shared_ptr<const LoadedModel> module;
  runner::InferPolicy policy;
};

// The infer policy runner_opts ask for: any number of forward()s at once and no
// merging by default; with batch_max_rows > 1, merged requests run one at a time.
// Throws std::invalid_argument naming a batching option out of range. Other options
// are left alone, as carton's runner ignores what it does not know.
runner::InferPolicy torchscript_infer_policy(const std::optional<wire::Map<std::string, wire::RunnerOpt>>& runner_opts);

class TorchScriptHandler : public runner::ModelHandler<TorchScriptModel> {
 public:
  TorchScriptHandler();

 protected:
  std::shared_ptr<const TorchScriptModel> load_served_model(const wire::LoadRequest& request) override;
  std::string pack_file_name(const wire::PackRequest& request, const std::string& file) override;
  Tensors infer(const TorchScriptModel& model, Tensors inputs) override;
  runner::InferPolicy infer_policy(const TorchScriptModel& model) const override { return model.policy; }

 private:
  // Chosen once at startup, as carton does: CUDA_VISIBLE_DEVICES is fixed by then.
  const bool cuda_;
  runtime::Logger log_;
};

}  // namespace carton::runners::torchscript
