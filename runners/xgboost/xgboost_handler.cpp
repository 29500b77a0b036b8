#include "xgboost_handler.hpp"

#include <iterator>
#include <stdexcept>
#include <vector>

#include "options.hpp"
#include "tensor_mapping.hpp"

namespace carton::runners::xgboost {

XGBoostModel::XGBoostModel(const wire::Bytes& bytes, const XGBoostOptions& options)
    : booster(bytes, options.nthread),
      config(Booster::predict_config({options.output_margin, options.iteration_begin, options.iteration_end,
                                      options.missing})),
      validate_features(options.validate_features),
      policy(options.infer) {
  booster.warm_up(config);
  walker = TreeWalker::make(booster, {options.output_margin, options.iteration_begin, options.iteration_end,
                                      options.missing}, config, &walker_refusal);
}

namespace {
const std::vector<std::string> kCandidates(std::begin(kModelFiles), std::end(kModelFiles));
}  // namespace

XGBoostHandler::XGBoostHandler(std::string self)
    : ModelHandler("a model directory holding " + runner::list_model_files(kCandidates), kCandidates),
      self_(std::move(self)), log_(runtime::make_logger("xgboost")) {}

std::shared_ptr<const XGBoostModel> XGBoostHandler::open(wire::FsToken fs, bool writable, const std::string& file,
                                                         const XGBoostOptions& options, ModelFormat* format_out) {
  const wire::Bytes bytes = runner::read_model_file(context(), fs, writable, file);
  const ModelFormat format = model_format(bytes);
  const auto saved = check_saved_version(bytes, format, file);
  auto refused = [&](const std::string& why) {
    return std::invalid_argument(file + " (" + std::to_string(bytes.size()) + " bytes, " + format_name(format) +
                                 " by its first bytes) is not a model XGBoost " + library_version() + " loads: " + why);
  };
  // With the check, the runner loads what XGBoost saved in the child (CheckedModel).
  wire::Bytes to_load = bytes;
  if (options.check_in_child) {
    CheckedModel checked = check_load_in_child(bytes, file, self_);
    if (checked.refusal) throw refused(*checked.refusal);
    to_load = std::move(checked.rewritten);
  }
  std::shared_ptr<const XGBoostModel> model;
  try {
    model = std::make_shared<const XGBoostModel>(to_load, options);
  } catch (const XGBoostError& e) {
    throw refused(e.what());
  }
  const int rounds = model->booster.boosted_rounds();
  if (options.iteration_end > rounds) {
    throw std::invalid_argument("runner option 'iteration_end' is " + std::to_string(options.iteration_end) + "; " +
                                file + " has " + std::to_string(rounds) + " boosting rounds");
  }
  CARTON_LOG(log_, info) << "loaded " << file << " (" << format_name(format) << ", " << bytes.size() << " bytes"
                         << (saved ? ", saved by XGBoost " + version_string(*saved) : std::string())
                         << ") with XGBoost " << library_version() << ": " << model->booster.num_features()
                         << " features, " << rounds << " rounds; "
                         << (model->walker ? std::string("the runner walks its trees for up to 64 rows")
                                           : model->walker_refusal);
  if (format_out) *format_out = format;
  return model;
}

std::shared_ptr<const XGBoostModel> XGBoostHandler::load_served_model(const wire::LoadRequest& request) {
  const XGBoostOptions options = read_options(request.runner_opts);
  const std::string file = options.model_file ? *options.model_file
                                               : find_model_file(request.fs, /*writable=*/false,
                                                                 "the runner option model_file names another");
  return open(request.fs, /*writable=*/false, file, options);
}

std::string XGBoostHandler::pack_file_name(const wire::PackRequest& request, const std::string& file) {
  // Pack takes no runner options: the defaults, with the child check.
  ModelFormat format = ModelFormat::json;
  open(request.fs, /*writable=*/true, file, XGBoostOptions{}, &format);
  return file_name(format);
}

bool XGBoostHandler::mergeable(const XGBoostModel& model, const Tensors& inputs) const {
  check_inputs(model.booster, model.validate_features, inputs);
  return true;
}

bool XGBoostHandler::runs_at_once(const XGBoostModel& model, const Tensors& inputs) const {
  return walks(model.walker.get(), model.booster, inputs);
}

Tensors XGBoostHandler::infer(const XGBoostModel& model, Tensors inputs) {
  return predict(model.booster, model.config, model.validate_features, inputs, model.walker.get());
}

}  // namespace carton::runners::xgboost
