#include "torchscript_handler.hpp"

#include "carton/runner/runner_options.hpp"
#include "thread_settings.hpp"

namespace carton::runners::torchscript {

namespace {
// Relative to the served model directory, as carton's runner reads it.
constexpr char kModelFile[] = "model.pt";
}  // namespace

TorchScriptHandler::TorchScriptHandler()
    : ModelHandler("a model directory holding model.pt", {kModelFile}), cuda_(cuda_available()),
      log_(runtime::make_logger("torchscript")) {}

runner::InferPolicy torchscript_infer_policy(const std::optional<wire::Map<std::string, wire::RunnerOpt>>& runner_opts) {
  runner::RunnerOptions opts(runner_opts);
  runner::InferPolicy policy = runner::read_batch_options(opts, {});
  if (policy.merges()) policy.instances = 1;
  return policy;
}

std::shared_ptr<const TorchScriptModel> TorchScriptHandler::load_served_model(const wire::LoadRequest& request) {
  const runner::InferPolicy policy = torchscript_infer_policy(request.runner_opts);
  apply_thread_options(thread_options_from(request.runner_opts), log_);
  const std::string file = find_model_file(request.fs, /*writable=*/false);
  wire::Bytes bytes = runner::read_model_file(context(), request.fs, /*writable=*/false, file);
  const std::size_t size = bytes.size();
  auto model = std::make_shared<const TorchScriptModel>(TorchScriptModel{LoadedModel::load(std::move(bytes), cuda_), policy});
  CARTON_LOG(log_, info) << "loaded " << file << " (" << size << " bytes) on " << (cuda_ ? "CUDA" : "CPU")
                         << (policy.merges() ? "; concurrent requests merged up to " +
                                                   std::to_string(policy.max_batch_rows) + " rows"
                                             : std::string());
  return model;
}

// Not loaded here, unlike the ONNX and XGBoost runners: this runner never did, and a
// Pack of a file that succeeded before still must.
std::string TorchScriptHandler::pack_file_name(const wire::PackRequest&, const std::string&) { return kModelFile; }

TorchScriptHandler::Tensors TorchScriptHandler::infer(const TorchScriptModel& model, Tensors inputs) {
  return model.module->infer(std::move(inputs));
}

}  // namespace carton::runners::torchscript
