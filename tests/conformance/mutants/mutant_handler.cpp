#include "mutant_handler.hpp"

#include <cstdlib>
#include <cstring>
#include <string>

namespace carton::mutants {

namespace {

constexpr std::size_t kLeakBytes = 1 << 20;
constexpr std::uint64_t kFailFrom = 50;

}  // namespace

template <class Responder>
bool MutantHandler::misbehave(std::size_t variant, Responder& responder) {
  if (abort_in(fault_) == variant) std::abort();
  if (hang_in(fault_) == variant) {
    // Kept forever and never answered: destroying a responder would answer Error.
    (void)new Responder(std::move(responder));
    return true;
  }
  if (error_in(fault_) == variant) {
    responder.fail("mutant: an error where a result was due");
    return true;
  }
  return false;
}

bool MutantHandler::infer_fault(bool streaming, runner::InferResponder& responder) {
  if (fault_ == Fault::kFailAfter50 && ++infers_ >= kFailFrom) {
    responder.fail("mutant: infer number " + std::to_string(infers_.load()) + " fails");
    return true;
  }
  if (fault_ == Fault::kStreamingEmpty && streaming) {
    responder.finish();
    return true;
  }
  return false;
}

void MutantHandler::on_load(wire::LoadRequest request, runner::LoadResponder responder) {
  if (misbehave(0, responder)) return;
  if (fault_ == Fault::kLoadRejectsOptions && request.runner_opts && !request.runner_opts->empty()) {
    return responder.fail("mutant: unknown runner option");
  }
  if (fault_ == Fault::kLoadRejectsGpu && std::holds_alternative<wire::GpuDevice>(request.visible_device)) {
    return responder.fail("mutant: GPUs are not supported");
  }
  noop_.on_load(std::move(request), std::move(responder));
}

void MutantHandler::on_pack(wire::PackRequest request, runner::PackResponder responder) {
  if (misbehave(1, responder)) return;
  if (fault_ == Fault::kPackPathChanged) return responder.respond({request.temp_folder});
  if (fault_ == Fault::kPackPathMissing) return responder.respond({request.input_path + ".packed"});
  noop_.on_pack(std::move(request), std::move(responder));
}

void MutantHandler::on_seal(wire::SealRequest request, runner::SealResponder responder) {
  if (misbehave(2, responder)) return;
  if (!own_seals()) return noop_.on_seal(std::move(request), std::move(responder));
  std::lock_guard<std::mutex> lock(mu_);
  const std::uint64_t handle = fault_ == Fault::kSealSameHandle ? 0 : next_handle_++;
  seals_.insert_or_assign(handle, std::move(request.tensors));
  latest_ = handle;
  responder.respond({wire::SealHandle{handle}});
}

void MutantHandler::on_infer_with_tensors(wire::InferWithTensorsRequest request, runner::InferResponder responder) {
  if (misbehave(3, responder) || infer_fault(request.streaming, responder)) return;
  if (fault_ == Fault::kLeakPerInfer) {
    std::vector<std::uint8_t> kept(kLeakBytes);
    std::memset(kept.data(), 0x5a, kept.size());  // touched, so it is resident
    std::lock_guard<std::mutex> lock(mu_);
    leaked_.push_back(std::move(kept));
  }
  noop_.on_infer_with_tensors(std::move(request), std::move(responder));
}

void MutantHandler::on_infer_with_handle(wire::InferWithHandleRequest request, runner::InferResponder responder) {
  if (misbehave(4, responder) || infer_fault(request.streaming, responder)) return;
  if (!own_seals()) return noop_.on_infer_with_handle(std::move(request), std::move(responder));
  std::unique_lock<std::mutex> lock(mu_);
  const std::uint64_t handle = fault_ == Fault::kSealWrongSeal && latest_ ? *latest_ : request.handle.value;
  auto it = seals_.find(handle);
  if (it == seals_.end()) {
    lock.unlock();
    return responder.fail(runner::SealStore::unknown_handle_message(request.handle));
  }
  wire::InferResponse out{it->second};
  lock.unlock();
  responder.respond(std::move(out));
}

}  // namespace carton::mutants
