#include "echo_handler.hpp"

namespace standalone {

void EchoHandler::on_load(carton::wire::LoadRequest, carton::runner::LoadResponder responder) {
  responder.respond({});
}

void EchoHandler::on_pack(carton::wire::PackRequest request, carton::runner::PackResponder responder) {
  responder.respond(carton::wire::PackResponse{std::move(request.input_path)});
}

void EchoHandler::on_infer_with_tensors(carton::wire::InferWithTensorsRequest request,
                                        carton::runner::InferResponder responder) {
  // The tensors are views into the request frame: answering them copies no data.
  responder.respond(carton::wire::InferResponse{std::move(request.tensors)});
}

}  // namespace standalone
