#include "tree_walker.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "carton/wire/json_value.hpp"

namespace carton::runners::xgboost {

namespace {

using wire::JsonValue;

// Rows of the agreement check, at most: each split's threshold gives three.
constexpr std::size_t kMaxCheckRows = 4096;
// The check's rows hold at most this many values (16 MiB), and a model with more
// features than half of it is left to XGBoost: its feature count is the model file's
// word, and the check must not be what exhausts the runner's memory.
constexpr std::size_t kMaxCheckValues = std::size_t(1) << 22;

const JsonValue& member(const JsonValue& v, const char* key) {
  const JsonValue* m = v.find(key);
  if (!m) throw std::invalid_argument(std::string("the saved model has no '") + key + "'");
  return *m;
}

// XGBoost writes its parameters as strings ("5E-1") and its arrays as numbers.
double number(const JsonValue& v) { return std::strtod(v.text.c_str(), nullptr); }
float float_of(const JsonValue& v) { return std::strtof(v.text.c_str(), nullptr); }

float sigmoid(float x) {
  // XGBoost 1.7's common::Sigmoid, which clamps before expf so that it cannot overflow.
  constexpr float kEps = 1e-16f;
  x = std::min(-x, 88.7f);
  const float denom = std::exp(x) + 1.0f + kEps;
  return 1.0f / denom;
}

}  // namespace

std::unique_ptr<const TreeWalker> TreeWalker::make(const Booster& booster, const PredictConfig& config,
                                                   const std::string& predict_config, std::string* why) {
  std::unique_ptr<TreeWalker> w(new TreeWalker);
  std::vector<float> base_candidates;
  try {
    if (config.iteration_begin != 0 || config.iteration_end != 0) throw std::invalid_argument("an iteration range");
    const JsonValue saved = wire::parse_json(booster.saved_json());
    const JsonValue& learner = member(saved, "learner");
    const JsonValue& param = member(learner, "learner_model_param");
    const double classes = number(member(param, "num_class"));
    if (classes > 1) w->groups_ = static_cast<std::uint64_t>(classes);
    if (const JsonValue* t = param.find("num_target"); t && number(*t) > 1) {
      throw std::invalid_argument("a multi-target model");
    }
    const std::string objective = member(member(learner, "objective"), "name").text;
    const double base_score = number(member(param, "base_score"));
    const JsonValue& gb = member(learner, "gradient_booster");
    if (member(gb, "name").text != "gbtree") throw std::invalid_argument("booster " + member(gb, "name").text);
    w->output_margin_ = config.output_margin;
    if (objective == "reg:squarederror" || objective == "reg:pseudohubererror" ||
        objective == "reg:absoluteerror") {
      base_candidates = {static_cast<float>(base_score)};
    } else if (objective == "binary:logistic" || objective == "reg:logistic" || objective == "binary:logitraw") {
      if (objective != "binary:logitraw") w->transform_ = Transform::kSigmoid;
      const float b = static_cast<float>(base_score);
      base_candidates = {-std::log(1.0f / b - 1.0f), static_cast<float>(-std::log(1.0 / base_score - 1.0)), b};
    } else if (objective == "multi:softprob" || objective == "multi:softmax") {
      w->transform_ = objective == "multi:softprob" ? Transform::kSoftmax : Transform::kLargest;
      base_candidates = {static_cast<float>(base_score)};
    } else {
      throw std::invalid_argument("objective " + objective);
    }
    if (w->groups_ > 1 && w->transform_ != Transform::kSoftmax && w->transform_ != Transform::kLargest) {
      throw std::invalid_argument("several output groups with objective " + objective);
    }
    w->per_row_ = w->transform_ == Transform::kLargest && !config.output_margin ? 1 : w->groups_;
    const JsonValue& model = member(gb, "model");
    for (const JsonValue& group : member(model, "tree_info").items) {
      const double g = number(group);
      if (g < 0 || g >= static_cast<double>(w->groups_)) throw std::invalid_argument("a tree of no output group");
      w->group_of_.push_back(static_cast<std::uint32_t>(g));
    }
    for (const JsonValue& tree : member(model, "trees").items) {
      if (number(member(member(tree, "tree_param"), "size_leaf_vector")) != 0) {
        throw std::invalid_argument("vector leaves");
      }
      if (const JsonValue* types = tree.find("split_type")) {
        for (const JsonValue& t : types->items) {
          if (number(t) != 0) throw std::invalid_argument("a categorical split");
        }
      }
      const auto& left = member(tree, "left_children").items;
      const auto& right = member(tree, "right_children").items;
      const auto& feature = member(tree, "split_indices").items;
      const auto& value = member(tree, "split_conditions").items;
      const auto& default_left = member(tree, "default_left").items;
      const std::size_t n = left.size();
      if (n == 0 || right.size() != n || feature.size() != n || value.size() != n || default_left.size() != n) {
        throw std::invalid_argument("a tree whose node arrays differ in length");
      }
      const auto first = static_cast<std::int32_t>(w->nodes_.size());
      w->roots_.push_back(static_cast<std::uint32_t>(first));
      // A walk must end: with the root no node's child and every other node the child
      // of at most one, a path from the root never meets a node twice (a node's one
      // parent is the step before it), so it takes at most n steps. A model file that
      // links a child back to its ancestor is hostile input, and is left to XGBoost,
      // whose child check at Load bounds it.
      std::vector<std::uint8_t> parents(n, 0);
      for (std::size_t i = 0; i < n; ++i) {
        Node node;
        const long l = std::strtol(left[i].text.c_str(), nullptr, 10);
        const long r = std::strtol(right[i].text.c_str(), nullptr, 10);
        if (l != -1) {
          if (l <= 0 || r <= 0 || std::size_t(l) >= n || std::size_t(r) >= n) {
            throw std::invalid_argument("a child index out of range");
          }
          if (l == r || ++parents[std::size_t(l)] > 1 || ++parents[std::size_t(r)] > 1) {
            throw std::invalid_argument("a node that is the child of two (not a tree)");
          }
          node.left = first + static_cast<std::int32_t>(l);
          node.right = first + static_cast<std::int32_t>(r);
          node.feature = static_cast<std::uint32_t>(std::strtoul(feature[i].text.c_str(), nullptr, 10));
          if (node.feature >= booster.num_features()) throw std::invalid_argument("a split past the features");
        }
        node.value = float_of(value[i]);
        node.default_left = default_left[i].kind == JsonValue::Kind::kBool ? default_left[i].boolean
                                                                           : number(default_left[i]) != 0;
        w->nodes_.push_back(node);
      }
    }
    if (w->group_of_.size() != w->roots_.size()) throw std::invalid_argument("tree_info and trees differ in length");
  } catch (const std::exception& e) {
    if (why) *why = std::string("the runner does not walk this model's trees: ") + e.what();
    return nullptr;
  }
  w->features_ = booster.num_features();
  w->missing_ = static_cast<float>(config.missing);
  w->missing_is_nan_ = std::isnan(config.missing);

  // Rows that reach every branch: for each split, its feature at the threshold, just
  // below and just above it (other features missing), then a row of all missing.
  const std::uint64_t f = w->features_;
  if (f == 0 || f > kMaxCheckValues / 2) {
    if (why) *why = "the runner does not walk this model's trees: " + std::to_string(f) + " features, more than " +
                    std::to_string(kMaxCheckValues / 2) + " (its check would hold too many values)";
    return nullptr;
  }
  std::vector<float> rows;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const Node& node : w->nodes_) {
    if (node.left < 0) continue;
    for (float v : {node.value, std::nextafter(node.value, -INFINITY), std::nextafter(node.value, INFINITY)}) {
      if (rows.size() / f >= kMaxCheckRows || rows.size() + 2 * f > kMaxCheckValues) break;
      // Other features take this row's index pattern: some missing, some the threshold.
      const std::size_t at = rows.size();
      rows.resize(at + f, nan);
      for (std::uint64_t j = 0; j < f; ++j) {
        if ((at / f + j) % 3 == 0) rows[at + j] = v;
      }
      rows[at + node.feature] = v;
    }
  }
  rows.resize(rows.size() + f, w->missing_is_nan_ ? nan : w->missing_);
  const std::uint64_t n = rows.size() / f;
  std::vector<float> expected;
  try {
    booster.predict(DenseRows::packed(rows.data(), n, f), predict_config, nullptr, [&](const Prediction& p) {
      if (p.size() != n * w->per_row_) throw std::invalid_argument("XGBoost gives another number of values per row");
      expected.assign(p.values, p.values + p.size());
    });
  } catch (const std::exception& e) {
    if (why) *why = std::string("the runner does not walk this model's trees: XGBoost's check failed: ") + e.what();
    return nullptr;
  }
  std::vector<float> got(n * w->per_row_);
  for (float base : base_candidates) {
    w->base_margin_ = base;
    w->predict(rows.data(), n, got.data());
    if (std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)) == 0) return w;
  }
  if (why) *why = "the runner does not walk this model's trees: its sums differ from XGBoost's";
  return nullptr;
}

void TreeWalker::walk(const float* row, float* sums) const {
  std::fill(sums, sums + groups_, base_margin_);
  for (std::size_t t = 0; t < roots_.size(); ++t) {
    const Node* node = &nodes_[roots_[t]];
    while (node->left >= 0) {
      const float v = row[node->feature];
      const bool missing = std::isnan(v) || (!missing_is_nan_ && v == missing_);
      const std::int32_t next = missing ? (node->default_left ? node->left : node->right)
                                        : (v < node->value ? node->left : node->right);
      node = &nodes_[static_cast<std::size_t>(next)];
    }
    sums[group_of_[t]] += node->value;
  }
}

void TreeWalker::predict(const float* rows, std::uint64_t n, float* out) const {
  std::vector<float> sums(groups_);
  for (std::uint64_t i = 0; i < n; ++i) {
    walk(rows + i * features_, sums.data());
    float* o = out + i * per_row_;
    if (output_margin_ || transform_ == Transform::kIdentity) {
      std::copy(sums.begin(), sums.end(), o);
    } else if (transform_ == Transform::kSigmoid) {
      o[0] = sigmoid(sums[0]);
    } else if (transform_ == Transform::kSoftmax) {
      // XGBoost 1.7's common::Softmax: exp of each less the largest, summed in double.
      float largest = sums[0];
      for (float v : sums) largest = std::fmax(v, largest);
      double total = 0;
      for (std::uint64_t g = 0; g < groups_; ++g) {
        o[g] = std::exp(sums[g] - largest);
        total += o[g];
      }
      for (std::uint64_t g = 0; g < groups_; ++g) o[g] /= static_cast<float>(total);
    } else {
      o[0] = static_cast<float>(std::max_element(sums.begin(), sums.end()) - sums.begin());
    }
  }
}

}  // namespace carton::runners::xgboost
