// TreeWalker: a model's trees (or gblinear's weights) walked by the runner itself, for
// predictions of few rows, where XGBoost's own per-call cost dominates.
//
// Why: XGBoosterPredictFromDense costs ~12 us however few the rows (it parses its
// config and the array interface as JSON, then opens two OpenMP regions), where walking
// 12 trees of depth 4 for one row takes well under a microsecond. Through carton's
// core that per-call cost was most of what a one-row request paid over the noop runner
// (and gblinear's prediction, through a DMatrix, costs more still).
//
// The trees are walked in the layout of packed_trees.hpp (several walks at once, no
// branch on a row's value): 200 trees of depth 8 cost 2.0 to 2.3 us for one row and
// 1.4 us a row in blocks, where a walk node by node cost 5 us.
//
// What it walks (walked_model.hpp reads it): a gbtree or dart booster of trees with
// numerical and categorical splits, or a gblinear booster, of classes or targets,
// every tree used (iteration_begin and iteration_end 0), predicting float32 rows
// (tensor_mapping.hpp narrows float64 ones); the objective's transform is the
// identity, the sigmoid of binary:logistic and reg:logistic, the exp of
// count:poisson, reg:gamma, reg:tweedie and the survival objectives, binary:hinge's
// step, or multi:softprob's softmax and multi:softmax's index of the largest. It sums
// like XGBoost's CPU predictor: per output group, the base margin, then each of the
// group's trees' leaf in tree order, in float (dart: each leaf as XGBoost's in-place
// prediction adds it, less the base margin it was predicted from and times the tree's
// weight); a value that is NaN or equals `missing` takes the node's default branch; a
// categorical split sends a row right when its value, cut to an integer, is one of the
// node's categories, and left otherwise or when the value is negative or past 2^24 - 2.
// gblinear: per group, its bias plus the base margin, then weight times value over the
// row's present features in order.
//
// Trusted only after it agrees, bit for bit, with XGBoost's own prediction of rows
// made to reach every branch (each split's threshold, just below and above it, each
// category and values beside them, missing values) and of pseudo-random rows at
// construction; any model outside the above, or any disagreement, leaves every
// prediction to XGBoost (make() returns null and says why).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "booster.hpp"
#include "packed_trees.hpp"
#include "walked_model.hpp"

namespace carton::runners::xgboost {

class TreeWalker {
 public:
  // Rows up to this many are walked; more go to XGBoost, whose block of 64 rows per
  // thread (and its threads, Booster::threads_for) then pays for its per-call cost.
  static constexpr std::uint64_t kMaxRows = 64;

  // Null (with *why set) when the model is outside what it walks, or when it disagrees
  // with `booster.predict(..., predict_config, ...)`.
  static std::unique_ptr<const TreeWalker> make(const Booster& booster, const PredictConfig& config,
                                                const std::string& predict_config, std::string* why);

  // Values per row: the groups (classes), or 1 (one group, or multi:softmax's index).
  std::uint64_t outputs_per_row() const { return per_row_; }
  // `rows` float32 rows of num_features values each, C order; writes outputs_per_row()
  // values per row, as XGBoost's prediction lays them out.
  void predict(const float* rows, std::uint64_t n, float* out) const;

 private:
  explicit TreeWalker(WalkedModel model) : m_(std::move(model)) {}
  // gblinear's margins for `row` into `sums` (groups values, the base margin on entry).
  void walk_linear(const float* row, float* sums) const;

  WalkedModel m_;  // its nodes emptied once packed into trees_
  PackedTrees trees_;
  std::uint64_t per_row_ = 1;
  std::uint64_t features_ = 0;
  float base_margin_ = 0;
  bool output_margin_ = false;
};

}  // namespace carton::runners::xgboost
