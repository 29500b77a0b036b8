#include "noop_handler.hpp"

namespace carton::examples {

void NoopHandler::on_load(wire::LoadRequest, runner::LoadResponder responder) { responder.respond({}); }

void NoopHandler::on_pack(wire::PackRequest request, runner::PackResponder responder) {
  responder.respond(wire::PackResponse{std::move(request.input_path)});
}

void NoopHandler::on_seal(wire::SealRequest request, runner::SealResponder responder) {
  std::uint64_t handle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    handle = next_handle_++;
    sealed_.emplace(handle, std::move(request.tensors));
  }
  responder.respond(wire::SealResponse{wire::SealHandle{handle}});
}

void NoopHandler::on_infer_with_tensors(wire::InferWithTensorsRequest request, runner::InferResponder responder) {
  // Like carton's noop runner: one complete answer, streaming or not. The inputs are
  // views into the request frame, so echoing them copies no tensor data.
  responder.respond(wire::InferResponse{std::move(request.tensors)});
}

void NoopHandler::on_infer_with_handle(wire::InferWithHandleRequest request, runner::InferResponder responder) {
  Tensors tensors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sealed_.find(request.handle.value);
    if (it == sealed_.end()) {
      responder.fail("unknown seal handle " + std::to_string(request.handle.value) +
                     " (never returned by Seal, or already used)");
      return;
    }
    tensors = std::move(it->second);
    sealed_.erase(it);
  }
  responder.respond(wire::InferResponse{std::move(tensors)});
}

}  // namespace carton::examples
