#include "options.hpp"

#include <stdexcept>

#include "carton/runner/child_check.hpp"
#include "carton/runner/infer_policy.hpp"
#include "carton/runner/runner_options.hpp"

namespace carton::runners::xgboost {

XGBoostOptions read_options(const std::optional<wire::Map<std::string, wire::RunnerOpt>>& runner_opts) {
  runner::RunnerOptions opts(runner_opts);
  XGBoostOptions out;
  out.model_file = opts.string("model_file");
  if (out.model_file && out.model_file->empty()) {
    throw std::invalid_argument("runner option 'model_file' is empty; it names a file in the model directory");
  }
  out.nthread = static_cast<int>(opts.integer_in("nthread", 0, 0, kMaxThreads, "0 is OpenMP's default"));
  out.missing = opts.number("missing", out.missing);
  out.output_margin = opts.boolean("output_margin", out.output_margin);
  // XGBoost counts rounds in an int.
  constexpr std::int64_t kMaxRound = std::numeric_limits<int>::max();
  out.iteration_begin = opts.integer_in("iteration_begin", 0, 0, kMaxRound, "a boosting round");
  out.iteration_end = opts.integer_in("iteration_end", 0, 0, kMaxRound, "a boosting round; 0 is all");
  if (out.iteration_end != 0 && out.iteration_end <= out.iteration_begin) {
    throw std::invalid_argument("runner options 'iteration_begin' (" + std::to_string(out.iteration_begin) +
                                ") and 'iteration_end' (" + std::to_string(out.iteration_end) +
                                ") name no round; iteration_end is past the last round used, or 0 for all");
  }
  out.validate_features = opts.boolean("validate_features", out.validate_features);
  // A model may ask for the check, not skip it (runner::read_check_in_child).
  out.check_in_child = runner::read_check_in_child(opts);
  out.infer = runner::read_batch_options(opts, out.infer);
  out.infer.instances = static_cast<std::size_t>(
      opts.integer_in("instances", 1, 1, kMaxInstances, "predictions at once"));
  opts.refuse_unknown();
  return out;
}

}  // namespace carton::runners::xgboost
