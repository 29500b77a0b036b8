// The handler-level faults: carton's noop handler (examples/noop_runner) with what it
// answers, or whether it answers at all, changed.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "carton/runner/runner_handler.hpp"
#include "faults.hpp"
#include "noop_handler.hpp"
#include "tensor_faults.hpp"

namespace carton::mutants {

class MutantHandler : public runner::RunnerHandler {
 public:
  explicit MutantHandler(Fault fault) : fault_(fault) {}

  void on_load(wire::LoadRequest request, runner::LoadResponder responder) override;
  void on_pack(wire::PackRequest request, runner::PackResponder responder) override;
  void on_seal(wire::SealRequest request, runner::SealResponder responder) override;
  void on_infer_with_tensors(wire::InferWithTensorsRequest request, runner::InferResponder responder) override;
  void on_infer_with_handle(wire::InferWithHandleRequest request, runner::InferResponder responder) override;

 private:
  // Error, abort or hang for request variant `variant`; true when the request is taken care of.
  template <class Responder>
  bool misbehave(std::size_t variant, Responder& responder);
  // fail_after_50 and streaming_empty; true when the infer is answered.
  bool infer_fault(bool streaming, runner::InferResponder& responder);
  bool own_seals() const { return fault_ == Fault::kSealSameHandle || fault_ == Fault::kSealWrongSeal; }

  const Fault fault_;
  examples::NoopHandler noop_;
  std::atomic<std::uint64_t> infers_{0};
  std::vector<std::vector<std::uint8_t>> leaked_;  // leak_per_infer
  // The seal faults keep their own seals: handle -> tensors, and the latest handle.
  std::mutex mu_;
  std::map<std::uint64_t, Tensors> seals_;
  std::uint64_t next_handle_ = 0;
  std::optional<std::uint64_t> latest_;
};

}  // namespace carton::mutants
