#include "noop_handler.hpp"

namespace carton::examples {

void NoopHandler::on_load(wire::LoadRequest, runner::LoadResponder responder) { responder.respond({}); }

void NoopHandler::on_pack(wire::PackRequest request, runner::PackResponder responder) {
  responder.respond(wire::PackResponse{std::move(request.input_path)});
}

void NoopHandler::on_seal(wire::SealRequest request, runner::SealResponder responder) {
  responder.respond(wire::SealResponse{sealed_.put(std::move(request.tensors))});
}

void NoopHandler::on_infer_with_tensors(wire::InferWithTensorsRequest request, runner::InferResponder responder) {
  // Like carton's noop runner: one complete answer, streaming or not. The inputs are
  // views into the request frame, so echoing them copies no tensor data; nothing is
  // computed, so the answer may leave with those of the requests read with it.
  responder.respond_in_burst(wire::InferResponse{std::move(request.tensors)});
}

void NoopHandler::on_infer_with_handle(wire::InferWithHandleRequest request, runner::InferResponder responder) {
  auto tensors = sealed_.take(request.handle);
  if (!tensors) return responder.fail(runner::SealStore::unknown_handle_message(request.handle));
  responder.respond_in_burst(wire::InferResponse{std::move(*tensors)});
}

}  // namespace carton::examples
