// TorchScriptHandler: carton's TorchScript runner (runner_name "torchscript") as a
// RunnerHandler.
//
//   Load      runner_opts num_threads / num_interop_threads (Integer) set libtorch's
//             thread counts (thread_settings.hpp); reads model.pt from the model
//             directory with one whole-file read and loads it from memory onto CUDA
//             when libtorch sees a device, else the CPU. A later Load replaces the
//             model; a failed one keeps the previous model.
//   Pack      links <temp_folder>/model.pt to input_path through the writable
//             filesystem and answers temp_folder.
//   Seal      keeps the tensors under handles 0, 1, 2, ...
//   Infer     forward() with one Dict[str, ...] argument; InferWithHandle consumes its
//             handle, whether or not the infer succeeds. One complete reply even when
//             streaming is asked for, as carton.
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
// Concurrency: handlers run on several threads (--handler-threads, default 4), so
// several infers run at once on the same model. The model is a shared_ptr swapped
// under a mutex: an infer keeps the model it started with even if a Load replaces it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "carton/runner/runner_handler.hpp"
#include "carton/runner/seal_store.hpp"
#include "carton/runtime/log.hpp"

namespace carton::examples::torchscript {

class LoadedModel;

class TorchScriptHandler : public runner::RunnerHandler {
 public:
  TorchScriptHandler();
  ~TorchScriptHandler() override;

  void on_load(wire::LoadRequest request, runner::LoadResponder responder) override;
  void on_pack(wire::PackRequest request, runner::PackResponder responder) override;
  void on_seal(wire::SealRequest request, runner::SealResponder responder) override;
  void on_infer_with_tensors(wire::InferWithTensorsRequest request, runner::InferResponder responder) override;
  void on_infer_with_handle(wire::InferWithHandleRequest request, runner::InferResponder responder) override;

 private:
  using Tensors = wire::Map<std::string, wire::Tensor>;
  std::shared_ptr<const LoadedModel> model() const;
  // The model is held by the caller for the whole call (a Load may replace it meanwhile).
  void infer(const LoadedModel& model, Tensors inputs, runner::InferResponder& responder);

  // Chosen once at startup, as carton does: CUDA_VISIBLE_DEVICES is fixed by then.
  const bool cuda_;
  runtime::Logger log_;

  mutable std::mutex model_mu_;
  std::shared_ptr<const LoadedModel> model_;

  runner::SealStore sealed_;
};

}  // namespace carton::examples::torchscript
