#include "linear_handler.hpp"

#include <stdexcept>
#include <vector>

#include "carton/runner/model_path.hpp"
#include "carton/runner/runner_options.hpp"
#include "carton/runner/tensor_access.hpp"

namespace linear_runner {

namespace {
constexpr char kModelFile[] = "model.txt";
}  // namespace

LinearHandler::LinearHandler()
    : ModelHandler("a model directory holding model.txt", {kModelFile}), log_(carton::runtime::make_logger("linear")) {}

std::shared_ptr<const LinearModel> LinearHandler::load_served_model(const carton::wire::LoadRequest& request) {
  carton::runner::RunnerOptions opts(request.runner_opts);
  opts.refuse_unknown();
  // The model directory is served by the core, not a path the runner may open; the
  // loader takes only a path, so the bytes go behind one, in memory and sealed.
  const auto bytes = carton::runner::read_model_file(context(), request.fs, /*writable=*/false, kModelFile);
  const carton::runner::ModelPath file(bytes, kModelFile);
  auto loaded = std::make_shared<LinearModel>();
  loaded->model.reset(tinylinear_load(file.path().c_str()));
  if (!loaded->model) throw std::runtime_error(std::string(kModelFile) + ": " + tinylinear_error());
  CARTON_LOG(log_, info) << "loaded " << kModelFile << " through " << file.path() << " ("
                         << tinylinear_features(loaded->model.get()) << " features)";
  return loaded;  // the memory file goes with `file`: the loader has read it
}

std::string LinearHandler::pack_file_name(const carton::wire::PackRequest& request, const std::string& file) {
  // The SDK found `file` (input_path itself, or model.txt in the folder input_path);
  // the loader checks it as Load will, so a carton is never saved that Load refuses.
  const auto bytes = carton::runner::read_model_file(context(), request.fs, /*writable=*/true, file);
  const carton::runner::ModelPath path(bytes, kModelFile);
  LinearModel checked;
  checked.model.reset(tinylinear_load(path.path().c_str()));
  if (!checked.model) throw std::runtime_error(tinylinear_error());
  return kModelFile;  // a single file is packed under the name Load looks for
}

LinearHandler::Tensors LinearHandler::infer(const LinearModel& model, Tensors inputs) {
  const auto& x = carton::runner::require_tensor(inputs, "x");
  carton::runner::require_dtype("x", x, {carton::wire::DType::kFloat32});
  const std::size_t d = tinylinear_features(model.model.get());
  carton::runner::require_rank("x", x, 2, "[rows, features]");
  carton::runner::require_dim("x", x, 1, d, "the model's features");
  const auto rows = carton::runner::c_order("x", x);
  const std::size_t n = std::size_t(rows.sizes()[0]);
  std::vector<float> y(n);
  for (std::size_t i = 0; i < n; ++i) y[i] = tinylinear_predict(model.model.get(), rows.data_as<float>() + i * d);
  Tensors out;
  out.insert_or_assign("y", carton::wire::Tensor::from_values<float>({n}, std::move(y)));
  return out;
}

}  // namespace linear_runner
