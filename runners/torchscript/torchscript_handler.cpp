#include "torchscript_handler.hpp"

#include <exception>
#include <stdexcept>

#include "carton/fs/file_system.hpp"
#include "thread_settings.hpp"

namespace carton::runners::torchscript {

namespace {
// Relative to the served model directory, as carton's runner reads it.
constexpr char kModelFile[] = "model.pt";
}  // namespace

TorchScriptHandler::TorchScriptHandler()
    : ModelHandler("a model directory holding model.pt"), cuda_(cuda_available()),
      log_(runtime::make_logger("torchscript")) {}

std::shared_ptr<const LoadedModel> TorchScriptHandler::load_served_model(const wire::LoadRequest& request) {
  apply_thread_options(thread_options_from(request.runner_opts), log_);
  wire::Bytes bytes;
  try {
    bytes = context().filesystem(request.fs, /*writable=*/false)->read(kModelFile);
  } catch (const std::exception& e) {
    // Not runner::read_model_file: this runner's Error has always said where it looked.
    throw std::runtime_error(std::string("cannot read ") + kModelFile + " from the model directory: " + e.what());
  }
  const std::size_t size = bytes.size();
  auto model = LoadedModel::load(std::move(bytes), cuda_);
  CARTON_LOG(log_, info) << "loaded " << kModelFile << " (" << size << " bytes) on " << (cuda_ ? "CUDA" : "CPU");
  return model;
}

std::string TorchScriptHandler::pack_file_name(const wire::PackRequest&) { return kModelFile; }

TorchScriptHandler::Tensors TorchScriptHandler::infer(const LoadedModel& model, Tensors inputs) {
  return model.infer(std::move(inputs));
}

}  // namespace carton::runners::torchscript
