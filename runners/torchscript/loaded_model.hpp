// LoadedModel: one TorchScript module loaded from model.pt bytes, and its forward().
//
// This header includes no torch header, so the handler and anything that uses it
// compile without libtorch's (slow) headers.
//
// Thread safety: infer() may run on several threads at once; a TorchScript module's
// methods are safe to call concurrently. Each call runs under c10::InferenceMode: no
// autograd graph is recorded, which carton's runner (calling forward() with grad mode
// on) would build and throw away.
#pragma once

#include <memory>
#include <string>

#include "carton/wire/bytes.hpp"
#include "carton/wire/map.hpp"
#include "carton/wire/tensor.hpp"

namespace carton::runners::torchscript {

class LoadedModel {
 public:
  // Loads a TorchScript archive held in memory onto the CUDA device when `cuda`, else
  // the CPU. Throws std::runtime_error naming why (not a TorchScript archive, no
  // forward() method, ...).
  static std::shared_ptr<const LoadedModel> load(wire::Bytes model_pt, bool cuda);

  // forward(inputs) with the inputs as one dict (see tensor_conversion.hpp); the
  // returned dict as carton tensors. Throws std::runtime_error naming why: an input or
  // output it cannot convert, or the model's own exception. Takes the inputs by value
  // and lets them go once torch holds them, so a request's frame is freed when
  // forward() returns, before the reply goes out: the core's next request, sent as soon
  // as the reply arrives, can then reuse the frame's memory instead of needing a second
  // buffer (64 MiB inputs: idle + 1 frame of peak RSS, not 2).
  wire::Map<std::string, wire::Tensor> infer(wire::Map<std::string, wire::Tensor> inputs) const;

  ~LoadedModel();

 private:
  struct Impl;
  explicit LoadedModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Whether libtorch sees a CUDA device (after CUDA_VISIBLE_DEVICES, which carton's core
// sets from the Device it starts the runner for). Debian's libtorch is CPU-only.
bool cuda_available();

}  // namespace carton::runners::torchscript
