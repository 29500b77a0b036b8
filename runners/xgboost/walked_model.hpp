// WalkedModel: what TreeWalker (tree_walker.hpp) reads of the JSON XGBoost saves of a
// loaded booster, in the form it walks: the trees' nodes (numerical and categorical
// splits), dart's tree weights, or gblinear's weights; the objective's transform; and
// the base margins XGBoost may have made of base_score.
//
// Each rule below is XGBoost 1.7's, read from its source; nothing here is trusted on
// its own (TreeWalker::make checks the walk against XGBoost's own predictions), but a
// model outside what is written here is refused by name rather than walked wrong.
//
// The JSON is XGBoost's rendering of a model file the runner got from the internet:
// every index is bounded before it is kept (children inside their tree, features below
// num_feature, categories below kMaxCategory), so no walk can leave its arrays or loop.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "carton/wire/json_value.hpp"

namespace carton::runners::xgboost {

struct WalkedModel {
  // What the objective does to a row's margins (XGBoost's PredTransform).
  enum class Transform {
    kIdentity,  // reg:squarederror, reg:absoluteerror, binary:logitraw, rank:*, ...
    kSigmoid,   // binary:logistic, reg:logistic
    kExp,       // count:poisson, reg:gamma, reg:tweedie, survival:cox, survival:aft
    kStep,      // binary:hinge: 1 when the margin is above 0, else 0
    kSoftmax,   // multi:softprob
    kLargest,   // multi:softmax: the index of the largest margin
  };
  static constexpr std::uint32_t kNumerical = ~std::uint32_t(0);

  struct Node {
    std::int32_t left = -1, right = -1;  // -1: a leaf; else indices into nodes
    std::uint32_t feature = 0;
    float value = 0;  // a numerical split's threshold, or the leaf's value
    // kNumerical, or the index in category_sets of the categories that go right.
    std::uint32_t categories = kNumerical;
    bool default_left = false;
  };
  // Bits [begin, begin + words) of category_bits: category c is bit c % 32 of word
  // c / 32; a category past the words is not in the set.
  struct CategorySet {
    std::uint32_t begin = 0, words = 0;
  };

  // A category value a model may name, exclusive: XGBoost 1.7 sends any value at or
  // above 2^24 - 1 left as invalid, and 2^20 keeps one node's set at 128 KiB.
  static constexpr std::int64_t kMaxCategory = std::int64_t(1) << 20;
  // category_bits' words in all, past which the model is left to XGBoost: the sets
  // are the model file's word, and the walker must not be what exhausts memory.
  static constexpr std::size_t kMaxCategoryWords = std::size_t(1) << 22;

  std::uint64_t groups = 1;  // output groups: classes or targets, else 1
  bool targets = false;      // the groups are targets (num_target > 1)
  Transform transform = Transform::kIdentity;
  // The margins XGBoost may start a row from, by how it may have turned base_score
  // into a margin (in float or in double): TreeWalker::make keeps the one that agrees.
  std::vector<float> base_candidates;

  // gbtree and dart:
  std::vector<Node> nodes;
  std::vector<std::uint32_t> roots;     // per tree, its root's index in nodes
  std::vector<std::uint32_t> group_of;  // per tree
  std::vector<float> tree_weights;      // dart's weight_drop per tree; empty for gbtree
  std::vector<CategorySet> category_sets;
  std::vector<std::uint32_t> category_bits;

  // gblinear: (num_feature + 1) x groups weights, the bias row last; empty otherwise.
  std::vector<float> linear;
};

// Reads `saved` (XGBoost's JSON of the model, non-finite numbers allowed) for a booster
// of `num_features` features. Throws std::invalid_argument naming what it does not
// walk: "objective reg:quantileerror", "a categorical split with no categories", ...
WalkedModel read_walked_model(const wire::JsonValue& saved, std::uint64_t num_features);

}  // namespace carton::runners::xgboost
