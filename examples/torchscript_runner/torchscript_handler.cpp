#include "torchscript_handler.hpp"

#include <exception>
#include <string>

#include "carton/fs/file_system.hpp"
#include "loaded_model.hpp"
#include "thread_settings.hpp"

namespace carton::examples::torchscript {

namespace {
// Relative to the served model directory, as carton's runner reads it.
constexpr char kModelFile[] = "model.pt";
constexpr char kNoModel[] = "Infer: no model loaded (send Load with a model directory holding model.pt first)";
}  // namespace

TorchScriptHandler::TorchScriptHandler() : cuda_(cuda_available()), log_(runtime::make_logger("torchscript")) {}
TorchScriptHandler::~TorchScriptHandler() = default;

void TorchScriptHandler::on_load(wire::LoadRequest request, runner::LoadResponder responder) {
  try {
    apply_thread_options(thread_options_from(request.runner_opts), log_);
  } catch (const std::exception& e) {
    return responder.fail(std::string("Load: ") + e.what());
  }
  wire::Bytes bytes;
  try {
    bytes = context().filesystem(request.fs, /*writable=*/false)->read(kModelFile);
  } catch (const std::exception& e) {
    return responder.fail(std::string("Load: cannot read ") + kModelFile + " from the model directory: " + e.what());
  }
  const std::size_t size = bytes.size();
  std::shared_ptr<const LoadedModel> loaded;
  try {
    loaded = LoadedModel::load(std::move(bytes), cuda_);
  } catch (const std::exception& e) {
    return responder.fail(std::string("Load: ") + e.what());
  }
  {
    std::lock_guard<std::mutex> lock(model_mu_);
    model_ = std::move(loaded);
  }
  CARTON_LOG(log_, info) << "loaded " << kModelFile << " (" << size << " bytes) on " << (cuda_ ? "CUDA" : "CPU");
  responder.respond({});
}

void TorchScriptHandler::on_pack(wire::PackRequest request, runner::PackResponder responder) {
  std::string link = request.temp_folder;
  if (link.empty() || link.back() != '/') link += '/';
  link += kModelFile;
  try {
    // A link, not a copy: when carton saves the packed model it stores a link that
    // leads outside the model directory as a regular file holding its target.
    context().filesystem(request.fs, /*writable=*/true)->symlink(request.input_path, link);
  } catch (const std::exception& e) {
    return responder.fail("Pack: cannot link " + link + " to " + request.input_path + ": " + e.what());
  }
  responder.respond(wire::PackResponse{std::move(request.temp_folder)});
}

void TorchScriptHandler::on_seal(wire::SealRequest request, runner::SealResponder responder) {
  responder.respond(wire::SealResponse{sealed_.put(std::move(request.tensors))});
}

void TorchScriptHandler::on_infer_with_tensors(wire::InferWithTensorsRequest request, runner::InferResponder responder) {
  const auto model = this->model();
  if (!model) return responder.fail(kNoModel);
  infer(*model, std::move(request.tensors), responder);
}

void TorchScriptHandler::on_infer_with_handle(wire::InferWithHandleRequest request, runner::InferResponder responder) {
  // The handle is consumed whatever the outcome, as in carton (which takes it before
  // looking at the model): sealed tensors never outlive their one InferWithHandle.
  auto tensors = sealed_.take(request.handle);
  if (!tensors) return responder.fail("InferWithHandle: " + runner::SealStore::unknown_handle_message(request.handle));
  const auto model = this->model();
  if (!model) return responder.fail(kNoModel);
  infer(*model, std::move(*tensors), responder);
}

std::shared_ptr<const LoadedModel> TorchScriptHandler::model() const {
  std::lock_guard<std::mutex> lock(model_mu_);
  return model_;
}

void TorchScriptHandler::infer(const LoadedModel& model, Tensors inputs, runner::InferResponder& responder) {
  Tensors outputs;
  try {
    outputs = model.infer(std::move(inputs));
  } catch (const std::exception& e) {
    return responder.fail(std::string("Infer: ") + e.what());
  }
  // Like carton's runner: one complete reply, whether or not the core asked to stream.
  responder.respond(wire::InferResponse{std::move(outputs)});
}

}  // namespace carton::examples::torchscript
