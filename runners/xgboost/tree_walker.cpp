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

// Rows of the agreement check, at most: each split's threshold gives three.
constexpr std::size_t kMaxCheckRows = 4096;
// The check's rows hold at most this many values (16 MiB), and a model with more
// features than half of it is left to XGBoost: its feature count is the model file's
// word, and the check must not be what exhausts the runner's memory.
constexpr std::size_t kMaxCheckValues = std::size_t(1) << 22;

// The pseudo-random rows of the check, beside the rows made to reach each branch.
constexpr std::size_t kRandomCheckRows = 96;

float sigmoid(float x) {
  // XGBoost 1.7's common::Sigmoid, which clamps before expf so that it cannot overflow.
  constexpr float kEps = 1e-16f;
  x = std::min(-x, 88.7f);
  const float denom = std::exp(x) + 1.0f + kEps;
  return 1.0f / denom;
}

// The values a check row gives `node`'s feature so that every branch of it is taken:
// a numerical split's threshold and the floats either side of it; a categorical split's
// first categories, a value between two, the first past its words, and invalid ones.
std::vector<float> check_values(const WalkedModel& m, const WalkedModel::Node& node) {
  if (node.categories == WalkedModel::kNumerical) {
    return {node.value, std::nextafter(node.value, -INFINITY), std::nextafter(node.value, INFINITY)};
  }
  const WalkedModel::CategorySet& set = m.category_sets[node.categories];
  std::vector<float> values = {-1.0f, -0.5f, static_cast<float>(set.words * 32), 16777215.0f, 16777214.0f};
  for (std::uint32_t c = 0, taken = 0; c < set.words * 32 && taken < 4; ++c) {
    if (m.category_bits[set.begin + c / 32] >> (c % 32) & 1) {
      values.push_back(static_cast<float>(c));
      values.push_back(static_cast<float>(c) + 0.5f);
      ++taken;
    }
  }
  return values;
}

// Rows that reach every branch, then pseudo-random ones, then a row of all missing
// (`f` features, at most kMaxCheckValues values in all).
std::vector<float> check_rows(const WalkedModel& m, std::uint64_t f, float missing) {
  std::vector<float> rows;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto room = [&] { return rows.size() / f < kMaxCheckRows && rows.size() + 2 * f <= kMaxCheckValues; };
  for (const WalkedModel::Node& node : m.nodes) {
    if (!room()) break;
    if (node.left < 0) continue;
    for (float v : check_values(m, node)) {
      if (!room()) break;
      // Other features take this row's index pattern: some missing, some the value.
      const std::size_t at = rows.size();
      rows.resize(at + f, nan);
      for (std::uint64_t j = 0; j < f; ++j) {
        if ((at / f + j) % 3 == 0) rows[at + j] = v;
      }
      rows[at + node.feature] = v;
    }
  }
  std::uint32_t state = 12345;
  for (std::size_t i = 0; i < kRandomCheckRows && room(); ++i) {
    for (std::uint64_t j = 0; j < f; ++j) {
      state = state * 1664525u + 1013904223u;  // a linear congruential sequence: the same rows every run
      const std::uint32_t r = state >> 8;
      // The first half has no missing value: a block of rows without one takes a walk
      // of its own (packed_trees.hpp), checked here as the other is.
      const bool absent = i >= kRandomCheckRows / 2 && r % 11 == 0;
      rows.push_back(absent ? nan : static_cast<float>(static_cast<double>(r % 4001) / 400.0 - 5.0));
    }
  }
  rows.resize(rows.size() + f, missing);
  return rows;
}

}  // namespace

std::unique_ptr<const TreeWalker> TreeWalker::make(const Booster& booster, const PredictConfig& config,
                                                   const std::string& predict_config, std::string* why) {
  std::unique_ptr<TreeWalker> w;
  const std::uint64_t f = booster.num_features();
  try {
    if (config.iteration_begin != 0 || config.iteration_end != 0) throw std::invalid_argument("an iteration range");
    // The check's rows must not be what exhausts the runner's memory (kMaxCheckValues).
    if (f == 0 || f > kMaxCheckValues / 2) {
      throw std::invalid_argument(std::to_string(f) + " features, more than " + std::to_string(kMaxCheckValues / 2) +
                                  " (its check would hold too many values)");
    }
    const wire::JsonValue saved = wire::parse_json(booster.saved_json(), {/*non_finite_numbers=*/true});
    w.reset(new TreeWalker(read_walked_model(saved, f)));
  } catch (const std::exception& e) {
    if (why) *why = std::string("the runner does not walk this model's trees: ") + e.what();
    return nullptr;
  }
  const WalkedModel::Transform t = w->m_.transform;
  w->output_margin_ = config.output_margin;
  w->per_row_ = t == WalkedModel::Transform::kLargest && !config.output_margin ? 1 : w->m_.groups;
  w->features_ = f;

  try {
    w->trees_ = PackedTrees(w->m_, f);
  } catch (const std::exception& e) {
    if (why) *why = std::string("the runner does not walk this model's trees: ") + e.what();
    return nullptr;
  }
  w->trees_.set_missing(static_cast<float>(config.missing), std::isnan(config.missing));
  const std::vector<float> rows = check_rows(w->m_, f, static_cast<float>(config.missing));
  // The walk reads the packed trees only; the nodes as read were for the check's rows.
  w->m_.nodes = {};
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
  for (float base : w->m_.base_candidates) {
    w->base_margin_ = base;
    w->predict(rows.data(), n, got.data());
    if (std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)) == 0) return w;
  }
  if (why) *why = "the runner does not walk this model's trees: its sums differ from XGBoost's";
  return nullptr;
}

void TreeWalker::walk_linear(const float* row, float* sums) const {
  const std::uint64_t groups = m_.groups;
  const float* bias = m_.linear.data() + features_ * groups;
  for (std::uint64_t g = 0; g < groups; ++g) {
    // sums[g] is the base margin: XGBoost 1.7's GBLinear::Pred adds the bias to it.
    float sum = bias[g] + sums[g];
    for (std::uint64_t j = 0; j < features_; ++j) {
      if (!trees_.is_missing(row[j])) sum += row[j] * m_.linear[j * groups + g];
    }
    sums[g] = sum;
  }
}

void TreeWalker::predict(const float* rows, std::uint64_t n, float* out) const {
  using Transform = WalkedModel::Transform;
  const std::uint64_t groups = m_.groups;
  // A block's sums: on the stack for up to kStackGroups groups (a request walks a few
  // rows, and an allocation would cost as much as a small model's walk).
  constexpr std::uint64_t kStackGroups = 16;
  float on_stack[PackedTrees::kBlock * kStackGroups];
  std::vector<float> on_heap(groups > kStackGroups ? PackedTrees::kBlock * groups : 0);
  float* const block = on_heap.empty() ? on_stack : on_heap.data();
  for (std::uint64_t first = 0; first < n; first += PackedTrees::kBlock) {
    const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(PackedTrees::kBlock, n - first));
    const float* in = rows + first * features_;
    std::fill(block, block + PackedTrees::kBlock * groups, base_margin_);
    if (m_.linear.empty()) {
      trees_.add_leaves(in, count, base_margin_, block, groups);
    } else {
      for (std::size_t k = 0; k < count; ++k) walk_linear(in + k * features_, block + k * groups);
    }
    for (std::size_t k = 0; k < count; ++k) {
      const float* sums = block + k * groups;
      float* o = out + (first + k) * per_row_;
      if (output_margin_ || m_.transform == Transform::kIdentity) {
        std::copy(sums, sums + groups, o);
      } else if (m_.transform == Transform::kSigmoid) {
        for (std::uint64_t g = 0; g < groups; ++g) o[g] = sigmoid(sums[g]);
      } else if (m_.transform == Transform::kExp) {
        for (std::uint64_t g = 0; g < groups; ++g) o[g] = std::exp(sums[g]);  // expf, as XGBoost calls it
      } else if (m_.transform == Transform::kStep) {
        for (std::uint64_t g = 0; g < groups; ++g) o[g] = sums[g] > 0.0f ? 1.0f : 0.0f;
      } else if (m_.transform == Transform::kSoftmax) {
        // XGBoost 1.7's common::Softmax: exp of each less the largest, summed in double.
        float largest = sums[0];
        for (std::uint64_t g = 0; g < groups; ++g) largest = std::fmax(sums[g], largest);
        double total = 0;
        for (std::uint64_t g = 0; g < groups; ++g) {
          o[g] = std::exp(sums[g] - largest);
          total += o[g];
        }
        for (std::uint64_t g = 0; g < groups; ++g) o[g] /= static_cast<float>(total);
      } else {
        o[0] = static_cast<float>(std::max_element(sums, sums + groups) - sums);
      }
    }
  }
}

}  // namespace carton::runners::xgboost
