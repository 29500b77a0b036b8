// LinearHandler: serves tinylinear models. ModelHandler does the protocol (Load swaps
// the model, Seal and InferWithHandle, the Errors); this class only loads a model,
// names what Pack stores, and runs one infer.
#pragma once

#include <memory>
#include <string>

#include "carton/runner/model_handler.hpp"
#include "carton/runtime/log.hpp"
#include "tinylinear.h"

namespace linear_runner {

struct LinearModel {
  std::unique_ptr<tinylinear_model, void (*)(tinylinear_model*)> model{nullptr, tinylinear_free};
};

class LinearHandler : public carton::runner::ModelHandler<LinearModel> {
 public:
  LinearHandler();

 protected:
  std::shared_ptr<const LinearModel> load_served_model(const carton::wire::LoadRequest& request) override;
  std::string pack_file_name(const carton::wire::PackRequest& request, const std::string& file) override;
  Tensors infer(const LinearModel& model, Tensors inputs) override;

 private:
  carton::runtime::Logger log_;
};

}  // namespace linear_runner
