#include "onnx_handler.hpp"

#include <exception>

#include "carton/fs/file_system.hpp"
#include "import_check.hpp"
#include "model_check.hpp"
#include "onnx_model.hpp"
#include "options.hpp"
#include "thread_settings.hpp"

namespace carton::examples::onnx {

namespace {
constexpr char kPackedFile[] = "model.onnx";  // the name a packed model holds its graph under
constexpr char kNoModel[] = "Infer: no model loaded (send Load with a model directory holding model.onnx first)";
}  // namespace

OnnxHandler::OnnxHandler(std::string self) : self_(std::move(self)), log_(runtime::make_logger("onnx")) {}
OnnxHandler::~OnnxHandler() = default;

std::shared_ptr<const OnnxModel> OnnxHandler::open(wire::FsToken fs, bool writable, const std::string& file,
                                                   const OnnxOptions& options) {
  wire::Bytes bytes;
  try {
    bytes = context().filesystem(fs, writable)->read(file);
  } catch (const std::exception& e) {
    throw ModelError("cannot read " + file + ": " + e.what());
  }
  ModelInfo info = check_model(bytes, file);
  if (options.check_in_child) check_import_in_child(bytes, file, self_);
  auto model = OnnxModel::load(bytes, std::move(info), options);
  CARTON_LOG(log_, info) << "imported " << file << " (" << bytes.size() << " bytes, producer '"
                         << model->info().producer << "', " << model->info().inputs.size() << " inputs, "
                         << model->info().outputs.size() << " outputs) with OpenCV " << opencv_version() << ", "
                         << options.networks << " network(s)";
  return model;
}

void OnnxHandler::on_load(wire::LoadRequest request, runner::LoadResponder responder) {
  std::shared_ptr<const OnnxModel> loaded;
  try {
    const OnnxOptions options = read_options(request.runner_opts);
    apply_threads(options, log_);
    loaded = open(request.fs, /*writable=*/false, options.model_file, options);
  } catch (const std::exception& e) {
    return responder.fail(std::string("Load: ") + e.what());
  }
  {
    std::lock_guard<std::mutex> lock(model_mu_);
    model_ = std::move(loaded);
  }
  responder.respond({});
}

void OnnxHandler::on_pack(wire::PackRequest request, runner::PackResponder responder) {
  try {
    // Pack takes no runner options: the defaults, with the import check.
    open(request.fs, /*writable=*/true, request.input_path, OnnxOptions{});
  } catch (const std::exception& e) {
    return responder.fail("Pack: " + request.input_path + " is not a model this runner loads: " + e.what());
  }
  std::string link = request.temp_folder;
  if (link.empty() || link.back() != '/') link += '/';
  link += kPackedFile;
  try {
    // A link, not a copy: when carton saves the packed model it stores a link that
    // leads outside the model directory as a regular file holding its target.
    context().filesystem(request.fs, /*writable=*/true)->symlink(request.input_path, link);
  } catch (const std::exception& e) {
    return responder.fail("Pack: cannot link " + link + " to " + request.input_path + ": " + e.what());
  }
  responder.respond(wire::PackResponse{std::move(request.temp_folder)});
}

void OnnxHandler::on_seal(wire::SealRequest request, runner::SealResponder responder) {
  responder.respond(wire::SealResponse{sealed_.put(std::move(request.tensors))});
}

void OnnxHandler::on_infer_with_tensors(wire::InferWithTensorsRequest request, runner::InferResponder responder) {
  const auto model = this->model();
  if (!model) return responder.fail(kNoModel);
  infer(*model, std::move(request.tensors), responder);
}

void OnnxHandler::on_infer_with_handle(wire::InferWithHandleRequest request, runner::InferResponder responder) {
  // The handle is consumed whatever the outcome, as in carton.
  auto tensors = sealed_.take(request.handle);
  if (!tensors) return responder.fail("InferWithHandle: " + runner::SealStore::unknown_handle_message(request.handle));
  const auto model = this->model();
  if (!model) return responder.fail(kNoModel);
  infer(*model, std::move(*tensors), responder);
}

std::shared_ptr<const OnnxModel> OnnxHandler::model() const {
  std::lock_guard<std::mutex> lock(model_mu_);
  return model_;
}

void OnnxHandler::infer(const OnnxModel& model, Tensors inputs, runner::InferResponder& responder) {
  Tensors outputs;
  try {
    outputs = model.infer(std::move(inputs));
  } catch (const std::exception& e) {
    return responder.fail(std::string("Infer: ") + e.what());
  }
  responder.respond(wire::InferResponse{std::move(outputs)});
}

}  // namespace carton::examples::onnx
