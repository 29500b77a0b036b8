// Booster: one loaded XGBoost model, over XGBoost's C API (libxgboost, Debian's
// libxgboost-dev), as the handler uses it: loaded from bytes, then predicting from
// dense rows in place.
//
// Why the in-place prediction (XGBoosterPredictFromDense, python's inplace_predict): it
// reads the rows where they are, through an array interface (a pointer, the shape and
// the strides), so the runner predicts from the received frame without copying the
// input, and XGBoost documents it as safe to call from several threads at once without
// a lock. Its results equal Booster.predict's on a DMatrix of the same rows, shapes
// included (strict_shape false); tests/xgboost checks that against python's.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "carton/wire/bytes.hpp"

namespace carton::examples::xgboost {

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
};

// What one prediction asks for (the Load's options, fixed per model).
struct PredictConfig {
  bool output_margin = false;
  std::int64_t iteration_begin = 0, iteration_end = 0;
  double missing = 0;
};

// The prediction: a view of XGBoost's thread-local result buffer, valid until the next
// prediction with this booster on this thread.
struct Prediction {
  const float* values = nullptr;
  std::vector<std::uint64_t> shape;
  std::uint64_t size() const;
};

class Booster {
 public:
  // Loads a model in any format XGBoost's loader takes (JSON, UBJSON, legacy binary).
  // `nthread` 0 keeps XGBoost's default. Throws XGBoostError.
  Booster(const wire::Bytes& model, int nthread);
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

  // The JSON config XGBoosterPredictFromDense takes, made once per model.
  static std::string predict_config(const PredictConfig& config);
  // Predicts `rows` (with `base_margin` rows when given: float32, as XGBoost takes it).
  // Safe on several threads at once. Throws XGBoostError.
  Prediction predict(const DenseRows& rows, const std::string& config, const DenseRows* base_margin) const;

 private:
  void* handle_ = nullptr;  // BoosterHandle
  std::uint64_t num_features_ = 0;
  int boosted_rounds_ = 0;
};

}  // namespace carton::examples::xgboost
