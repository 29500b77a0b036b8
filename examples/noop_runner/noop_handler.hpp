// NoopHandler: carton's noop runner in C++. Load and Pack do nothing (Pack answers the
// input path), Seal keeps tensors under handles 0, 1, 2, ..., InferWithTensors echoes
// its inputs and InferWithHandle answers the sealed tensors once (the handle is
// consumed, as in carton). An unknown handle is an Error, where carton's panics.
#pragma once

#include "carton/runner/runner_handler.hpp"
#include "carton/runner/seal_store.hpp"

namespace carton::examples {

class NoopHandler : public runner::RunnerHandler {
 public:
  void on_load(wire::LoadRequest request, runner::LoadResponder responder) override;
  void on_pack(wire::PackRequest request, runner::PackResponder responder) override;
  void on_seal(wire::SealRequest request, runner::SealResponder responder) override;
  void on_infer_with_tensors(wire::InferWithTensorsRequest request, runner::InferResponder responder) override;
  void on_infer_with_handle(wire::InferWithHandleRequest request, runner::InferResponder responder) override;

 private:
  runner::SealStore sealed_;
};

}  // namespace carton::examples
