// EchoHandler: Load accepts any model, Pack keeps the model where it is (carton then
// packs `input_path` as given) and InferWithTensors answers its inputs. Seal and
// InferWithHandle keep RunnerHandler's default, an Error saying they are not implemented.
#pragma once

#include "carton/runner/runner_handler.hpp"

namespace standalone {

class EchoHandler : public carton::runner::RunnerHandler {
 public:
  void on_load(carton::wire::LoadRequest request, carton::runner::LoadResponder responder) override;
  void on_pack(carton::wire::PackRequest request, carton::runner::PackResponder responder) override;
  void on_infer_with_tensors(carton::wire::InferWithTensorsRequest request,
                             carton::runner::InferResponder responder) override;
};

}  // namespace standalone
