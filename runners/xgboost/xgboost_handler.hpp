// XGBoostHandler: carton-runner-xgboost (runner_name "xgboost"), serving XGBoost
// models through XGBoost's C API, on the SDK's ModelHandler (which carries the model
// slot, Seal, the infer flow and Pack's reply).
//
//   Load   runner_opts (options.hpp) are read strictly; the model file (model_file.hpp:
//          model.json, model.ubj or model.bin, or the model_file option) is read through
//          the core's filesystem in one read, its saved version checked, loaded once in
//          a child process, then loaded here; iteration_end is checked against the
//          model's rounds. A failed Load keeps the previous model.
//   Pack   input_path is a model file or a folder holding one (found as Load finds
//          it); it is checked as Load would (default options). A file is linked into
//          temp_folder as model.json, model.ubj or model.bin by its format; a folder
//          is packed as it is (ModelHandler).
//   Infer  tensor_mapping.hpp: `input` [N, F] (and `base_margin`) in, `output` out, the
//          prediction of python's Booster.predict for the same model, rows and options.
//
// Concurrency: XGBoost's in-place prediction is safe on several threads at once; the
// `instances` option (1 by default) says how many run at once, each with up to nthread
// threads (fewer for few rows: Booster::threads_for). Requests that arrive while
// predictions run are merged into one prediction (batch_max_rows, options.hpp): a
// row's prediction does not depend on the other rows, so each gets exactly its answer
// alone (tests: test_xgboost's batching tests).
#pragma once

#include <memory>
#include <string>

#include "booster.hpp"
#include "carton/runner/model_handler.hpp"
#include "carton/runtime/log.hpp"
#include "model_file.hpp"
#include "tree_walker.hpp"

namespace carton::runners::xgboost {

struct XGBoostOptions;

// A loaded model with what its manifest fixed for every prediction.
struct XGBoostModel {
  XGBoostModel(const wire::Bytes& bytes, const XGBoostOptions& options);
  Booster booster;
  std::string config;  // Booster::predict_config
  bool validate_features;
  runner::InferPolicy policy;
  // Predicts few rows in the runner when it agrees with XGBoost (tree_walker.hpp);
  // null otherwise.
  std::unique_ptr<const TreeWalker> walker;
  std::string walker_refusal;  // why there is none
};

class XGBoostHandler : public runner::ModelHandler<XGBoostModel> {
 public:
  // `self` is the binary that runs the child load check: the runner's own.
  explicit XGBoostHandler(std::string self = "/proc/self/exe");

 protected:
  std::shared_ptr<const XGBoostModel> load_served_model(const wire::LoadRequest& request) override;
  std::string pack_file_name(const wire::PackRequest& request, const std::string& file) override;
  Tensors infer(const XGBoostModel& model, Tensors inputs) override;
  runner::InferPolicy infer_policy(const XGBoostModel& model) const override { return model.policy; }
  bool mergeable(const XGBoostModel& model, const Tensors& inputs) const override;
  // Rows the walker takes (walks()) run at once: walking them costs about what the
  // reply does, and the walker is safe on several threads.
  bool runs_at_once(const XGBoostModel& model, const Tensors& inputs) const override;

 private:
  // Reads, checks and loads the model `file` of `fs`.
  std::shared_ptr<const XGBoostModel> open(wire::FsToken fs, bool writable, const std::string& file,
                                           const XGBoostOptions& options, ModelFormat* format = nullptr);

  const std::string self_;
  runtime::Logger log_;
};

}  // namespace carton::runners::xgboost
