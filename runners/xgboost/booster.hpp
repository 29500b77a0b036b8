// Booster: one loaded XGBoost model, over XGBoost's C API (libxgboost, Debian's
// libxgboost-dev), as the handler uses it: loaded from bytes, then predicting from
// dense rows in place.
//
// Why the in-place prediction (XGBoosterPredictFromDense, python's inplace_predict): it
// reads the rows where they are, through an array interface (a pointer, the shape and
// the strides), so the runner predicts from the received frame without copying the
// input, and XGBoost documents it as safe to call from several threads at once without
// a lock. Its results equal Booster.predict's on a DMatrix of the same rows, shapes
// included (strict_shape false); runners/xgboost/tests checks that against python's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "carton/runner/compute_lanes.hpp"
#include "carton/wire/bytes.hpp"

namespace carton::runners::xgboost {

// XGBoost refused something; what() is XGBoost's own message (its first line, without
// the timestamp and the stack trace).
class XGBoostError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// XGBoost's last error on this thread as one line: "[07:02:21] src/x.cc:377: Check
// failed: ...\nStack trace: ..." becomes "src/x.cc:377: Check failed: ...".
std::string last_error();
// What a load XGBoost refuses is prefixed with.
constexpr char kCannotLoad[] = "XGBoost cannot load the model";

// "1.7.4": the library the runner is linked with (XGBoostVersion()).
std::string library_version();

// Dense float rows as XGBoost's array interface describes them.
struct DenseRows {
  const void* data = nullptr;
  bool float64 = false;                // else float32
  std::uint64_t rows = 0, columns = 0;
  std::uint64_t row_stride = 0, column_stride = 0;  // in bytes

  // `rows` float32 rows of `columns` values each, packed in C order at `data`.
  static DenseRows packed(const float* data, std::uint64_t rows, std::uint64_t columns);
};

// What one prediction asks for (the Load's options, fixed per model).
struct PredictConfig {
  bool output_margin = false;
  std::int64_t iteration_begin = 0, iteration_end = 0;
  double missing = 0;
};

// The prediction: a view of XGBoost's result buffer, which is the predicting thread's
// own: valid only inside Booster::predict's `take`.
struct Prediction {
  const float* values = nullptr;
  std::vector<std::uint64_t> shape;
  std::uint64_t size() const;
};

class Booster {
 public:
  // Loads a model in any format XGBoost's loader takes (JSON, UBJSON, legacy binary).
  // `max_threads` bounds the threads of one prediction; 0: OpenMP's default (its
  // OMP_NUM_THREADS, else every core). Throws XGBoostError.
  Booster(const wire::Bytes& model, int max_threads);
  ~Booster();
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;

  std::uint64_t num_features() const { return num_features_; }
  int boosted_rounds() const { return boosted_rounds_; }
  // False when a tree splits on a feature past num_features(). XGBoost's text dump,
  // which this reads, walks every node from each root through the child indices, so a
  // child index out of range crashes here: call it only where a crash is a verdict
  // (the child of model_file.hpp). True when XGBoost cannot dump the model.
  bool splits_within_features() const;

  // The threads a prediction of `rows` rows uses: one per 64 rows, the block XGBoost's
  // CPU predictor hands each thread, at most max_threads. Why not always max_threads:
  // a block is ~250 us of work for a model of 200 trees, and below two blocks the other
  // threads have none, but waking them costs more than a whole small prediction and,
  // once woken, OpenMP's threads spin for milliseconds on cores the runner's I/O and
  // the core's process need (at one row, 1.6x the round trip on two cores).
  int threads_for(std::uint64_t rows) const;

  // Predicts rows of zeros once on each path a request takes (this thread, one thread;
  // a lane, every thread), so that XGBoost's configuration, which it makes on the first
  // prediction, and OpenMP's team are made during the Load, not in the first request
  // (through carton's core that request took 4.5 ms at 1,000 rows, against 1.4 ms
  // warm). Errors are left for a real request to meet.
  void warm_up(const std::string& config) const;

  // The model as XGBoost saves it in JSON, or in UBJSON (XGBoosterSaveModelToBuffer).
  std::string saved_json() const;
  std::string saved_ubjson() const;

  // The JSON config XGBoosterPredictFromDense takes, made once per model.
  static std::string predict_config(const PredictConfig& config);
  // Predicts `rows` (with `base_margin` rows when given: float32, as XGBoost takes it)
  // and hands the result to `take`, on the thread that predicted: this one when the
  // rows need one thread, else a lane of the booster's (runner::ComputeLanes), so that
  // OpenMP's teams stay at one per lane. Safe on several threads at once; not from
  // inside `take`. Throws XGBoostError, and what `take` throws.
  void predict(const DenseRows& rows, const std::string& config, const DenseRows* base_margin,
               const std::function<void(const Prediction&)>& take) const;

 private:
  void* handle_ = nullptr;  // BoosterHandle
  int max_threads_ = 1;
  // Lanes for predictions of more than one thread: as many as teams of max_threads_
  // fit in OpenMP's default (the cores), at least one; none when max_threads_ is 1.
  std::unique_ptr<runner::ComputeLanes> lanes_;
  std::uint64_t num_features_ = 0;
  int boosted_rounds_ = 0;
  // gblinear: XGBoost 1.7 predicts it from a DMatrix only ("Inplace predict is not
  // supported by current booster"), so its rows go through one made per prediction.
  bool linear_ = false;
};

}  // namespace carton::runners::xgboost
