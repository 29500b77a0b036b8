#include "onnx_handler.hpp"

#include "import_check.hpp"
#include "model_check.hpp"
#include "options.hpp"
#include "thread_settings.hpp"

namespace carton::runners::onnx {

namespace {
// What Load looks for without the model_file option, and a packed model holds its
// graph under.
constexpr char kModelFile[] = "model.onnx";
}  // namespace

OnnxHandler::OnnxHandler(std::string self)
    : ModelHandler("a model directory holding model.onnx", {kModelFile}), self_(std::move(self)),
      log_(runtime::make_logger("onnx")) {}

std::shared_ptr<const OnnxModel> OnnxHandler::open(wire::FsToken fs, bool writable, const std::string& file,
                                                   const OnnxOptions& asked) {
  const wire::Bytes bytes = runner::read_model_file(context(), fs, writable, file);
  const OnnxOptions options = asked.resolved(bytes.size());
  ModelInfo info = check_model(bytes, file);
  if (options.check_in_child) check_import_in_child(bytes, file, self_);
  auto model = OnnxModel::load(bytes, std::move(info), options);
  CARTON_LOG(log_, info) << "imported " << file << " (" << bytes.size() << " bytes, producer '"
                         << model->info().producer << "', " << model->info().inputs.size() << " inputs, "
                         << model->info().outputs.size() << " outputs) with OpenCV " << opencv_version() << ", "
                         << options.networks << " network(s)";
  return model;
}

std::shared_ptr<const OnnxModel> OnnxHandler::load_served_model(const wire::LoadRequest& request) {
  const OnnxOptions options = read_options(request.runner_opts);
  apply_threads(options, log_);
  const std::string file = options.model_file ? *options.model_file
                                               : find_model_file(request.fs, /*writable=*/false,
                                                                 "the runner option model_file names another");
  return open(request.fs, /*writable=*/false, file, options);
}

std::string OnnxHandler::pack_file_name(const wire::PackRequest& request, const std::string& file) {
  // Pack takes no runner options: the defaults, with the import check, and one network
  // (it serves no request).
  OnnxOptions options;
  options.networks = 1;
  open(request.fs, /*writable=*/true, file, options);
  return kModelFile;
}

OnnxHandler::Tensors OnnxHandler::infer(const OnnxModel& model, Tensors inputs) {
  return model.infer(std::move(inputs));
}

}  // namespace carton::runners::onnx
