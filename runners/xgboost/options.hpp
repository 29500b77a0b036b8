// The runner options a model's manifest may give (Load's runner_opts), read strictly:
// an unknown option or one of the wrong type fails the Load, naming it. They are the
// arguments of xgboost's Booster.predict / inplace_predict that a model fixes:
//
//   model_file         string   (searched)  the model file in the model directory; by
//                                            default the first of model.json, model.ubj,
//                                            model.bin that exists (model_file.hpp)
//   nthread            integer  0           the most threads one prediction uses; 0:
//                                            OpenMP's default (OMP_NUM_THREADS, else
//                                            every core); a request of few rows uses
//                                            fewer, one per 64 (Booster::threads_for)
//   missing            number   NaN         the input value that means "missing"; NaN
//                                            is always missing too, as in xgboost
//   output_margin      bool     false       the raw margin instead of the transformed
//                                            prediction (predict's output_margin)
//   iteration_begin    integer  0           predict's iteration_range = (begin, end):
//   iteration_end      integer  0           the boosting rounds used; end 0 is all
//   validate_features  bool     true        the runner checks the input's feature count
//                                            against the model's and names both; false
//                                            leaves the check to XGBoost (1.7's in-place
//                                            prediction refuses a mismatch either way)
//   check_in_child     bool     true        load the model once in a child process
//                                            first, so that a model which crashes
//                                            XGBoost fails the Load instead of killing
//                                            the runner (model_file.hpp); false is
//                                            refused: the model may not skip its own
//                                            check, the operator can
//                                            (CARTON_RUNNER_CHILD_CHECK=off)
//   batch_max_rows     integer  64          concurrent requests are merged into one
//                                            prediction of at most this many rows
//                                            (runner::InferPolicy); 0 or 1: never.
//                                            Rows are predicted independently, so a
//                                            merged request's answer is bit-identical
//                                            to its answer alone. 64 is the block one
//                                            thread predicts: larger batches go to
//                                            ComputeLanes, a hand-off per batch.
//                                            Requests the walker takes run at once,
//                                            unmerged (tensor_mapping.hpp walks())
//   batch_max_delay_us integer  0           how long a prediction may wait for more
//                                            requests to merge; 0: never waits, takes
//                                            what is queued when the instance is free
//   instances          integer  1           predictions at once. One leaves the other
//                                            core to the sockets and the core's process
//                                            while requests queue and merge; more let a
//                                            small request pass a long one. Walked
//                                            requests are not counted: they run at once
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "carton/runner/infer_policy.hpp"
#include "carton/wire/map.hpp"
#include "carton/wire/rpc_types.hpp"

namespace carton::runners::xgboost {

// More threads than any machine this serves has cores is a typo, not a wish.
constexpr std::int64_t kMaxThreads = 1024;
// As many instances as threads: each runs on a handler thread of its own.
constexpr std::int64_t kMaxInstances = 1024;
// One thread's block of rows in XGBoost's CPU predictor (Booster::threads_for).
constexpr std::uint64_t kDefaultBatchRows = 64;

struct XGBoostOptions {
  std::optional<std::string> model_file;  // nullopt: search kModelFiles
  int nthread = 0;
  double missing = std::numeric_limits<double>::quiet_NaN();
  bool output_margin = false;
  std::int64_t iteration_begin = 0;
  std::int64_t iteration_end = 0;
  bool validate_features = true;
  bool check_in_child = true;
  runner::InferPolicy infer{1, kDefaultBatchRows, std::chrono::microseconds(0)};
};

// Throws std::invalid_argument naming the option.
XGBoostOptions read_options(const std::optional<wire::Map<std::string, wire::RunnerOpt>>& runner_opts);

}  // namespace carton::runners::xgboost
