#include "packed_trees.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace carton::runners::xgboost {

PackedTrees::PackedTrees(const WalkedModel& m, std::uint64_t features)
    : sets_(m.category_sets), bits_(m.category_bits), features_(features), dart_(!m.tree_weights.empty()) {
  if (!m.roots.empty() && features > kMaxFeatures) {  // gblinear has no trees to pack
    throw std::invalid_argument(std::to_string(features) + " features, more than the " +
                                std::to_string(kMaxFeatures) + " a packed node names");
  }
  // A leaf reads the row's sentinel, past its features (see the header).
  const auto sentinel = static_cast<std::uint32_t>(features);
  nodes_.reserve(m.nodes.size());
  // Each tree breadth first: (its index in m.nodes, its depth). read_walked_model made
  // sure every node is the child of at most one and every child is inside its tree, so
  // each node is met once and the renumbering ends.
  std::vector<std::pair<std::int32_t, std::uint32_t>> queue;
  for (std::size_t t = 0; t < m.roots.size(); ++t) {
    Tree tree{static_cast<std::uint32_t>(nodes_.size()), 0, m.group_of[t], dart_ ? m.tree_weights[t] : 1.0f};
    queue.assign(1, {static_cast<std::int32_t>(m.roots[t]), 0});
    nodes_.push_back({});
    for (std::size_t i = 0; i < queue.size(); ++i) {
      const auto [from, depth] = queue[i];
      const WalkedModel::Node& in = m.nodes[static_cast<std::size_t>(from)];
      const auto at = static_cast<std::uint32_t>(tree.root + i);  // breadth first: the queue's order
      if (in.left < 0) {
        // -inf < value must hold for the leaf to stay (and NaN < anything never does).
        if (!(in.value > -INFINITY)) throw std::invalid_argument("a leaf whose value is NaN or -inf");
        nodes_[at] = {in.value, kDefaultLeft | sentinel};
        continue;
      }
      if (in.feature >= features) throw std::invalid_argument("a split past the features");
      const auto offset = static_cast<std::uint64_t>(nodes_.size()) - at;
      if (offset >= kMaxTreeNodes) {
        throw std::invalid_argument("a tree of more than " + std::to_string(kMaxTreeNodes) + " nodes");
      }
      Node out{in.value, static_cast<std::uint32_t>(offset << 16) | in.feature | (in.default_left ? kDefaultLeft : 0)};
      if (in.categories != WalkedModel::kNumerical) {
        out.word |= kCategorical;
        std::memcpy(&out.value, &in.categories, sizeof out.value);
      }
      nodes_[at] = out;
      nodes_.push_back({});
      nodes_.push_back({});
      queue.push_back({in.left, depth + 1});
      queue.push_back({in.right, depth + 1});
      if (depth + 1 > tree.depth) tree.depth = depth + 1;
    }
    trees_.push_back(tree);
  }
}

std::uint32_t PackedTrees::in_set(const Node& node, float v) const {
  // XGBoost 1.7's common::Decision: right only for a valid category in the set; values
  // below 0 or from 2^24 - 1 on are invalid and go left.
  if (!(v >= 0 && v < 16777215.0f)) return 0;
  std::uint32_t index;
  std::memcpy(&index, &node.value, sizeof index);
  const WalkedModel::CategorySet& set = sets_[index];
  const auto c = static_cast<std::uint32_t>(v);
  return c / 32 < set.words && (bits_[set.begin + c / 32] >> (c % 32) & 1);
}

void PackedTrees::add_leaves(const float* rows, std::size_t n, float base, float* sums, std::uint64_t groups) const {
  // The rows with their sentinels: a copy of the few rows a request walks, in memory
  // the thread reuses.
  // Rows without a missing value (the usual ones) take a walk that tests for none: a
  // step is then a load, a compare and two adds (a third fewer instructions).
  thread_local std::vector<float> padded;
  const std::size_t stride = features_ + 1;
  padded.resize(n * stride);
  bool missing = false;
  for (std::size_t r = 0; r < n; ++r) {
    float* row = padded.data() + r * stride;
    std::memcpy(row, rows + r * features_, features_ * sizeof(float));
    row[features_] = -INFINITY;
    for (std::size_t j = 0; j < features_; ++j) missing |= is_missing(row[j]);
  }
  const bool categories = !sets_.empty();
  if (!missing) {
    return categories ? walk<true, kNoneMissing>(padded.data(), n, base, sums, groups)
                      : walk<false, kNoneMissing>(padded.data(), n, base, sums, groups);
  }
  if (categories && nan_only_) return walk<true, kNanMissing>(padded.data(), n, base, sums, groups);
  if (categories) return walk<true, kValueMissing>(padded.data(), n, base, sums, groups);
  if (nan_only_) return walk<false, kNanMissing>(padded.data(), n, base, sums, groups);
  walk<false, kValueMissing>(padded.data(), n, base, sums, groups);
}

template <bool kCategories, PackedTrees::Missing kMissing>
void PackedTrees::walk(const float* rows, std::size_t n, float base, float* sums, std::uint64_t groups) const {
  // kBlock walks at once: the n rows, each down `per_row` consecutive trees (fewer rows,
  // more trees each), so that a lone row has independent walks to overlap as well.
  const std::size_t per_row = kBlock / n;
  std::uint32_t at[kBlock];
  const float* row_of[kBlock];
  for (std::size_t t = 0; t < trees_.size(); t += per_row) {
    const std::size_t trees = std::min(per_row, trees_.size() - t);
    const std::size_t lanes = n * trees;
    std::uint32_t depth = 0;
    for (std::size_t j = 0; j < trees; ++j) depth = std::max(depth, trees_[t + j].depth);
    // Lane r * trees + j: row r down tree t + j.
    for (std::size_t r = 0, k = 0; r < n; ++r) {
      for (std::size_t j = 0; j < trees; ++j, ++k) {
        at[k] = trees_[t + j].root;
        row_of[k] = rows + r * (features_ + 1);
      }
    }
    // A lane whose tree is shallower than `depth` stays on its leaf (a leaf's child is
    // itself).
    if (n == 1 && lanes == kBlock) {
      // A lone row down 16 trees, the usual one-row request: one row pointer, and a
      // loop of constant length the compiler unrolls: 13 to 16% less time a row than
      // the loop below (100 trees of depth 6: 0.84 us against 0.99; 200 of depth 8:
      // 1.78 against 2.08).
      for (std::uint32_t level = 0; level < depth; ++level) {
#pragma GCC unroll 16
        for (std::size_t k = 0; k < kBlock; ++k) at[k] = step<kCategories, kMissing>(at[k], rows);
      }
    } else {
      for (std::uint32_t level = 0; level < depth; ++level) {
        for (std::size_t k = 0; k < lanes; ++k) at[k] = step<kCategories, kMissing>(at[k], row_of[k]);
      }
    }
    // Each row adds its leaves in tree order, in a register when there is one group:
    // through memory, each addition waits for the last one's store (~10 cycles a tree,
    // most of a small tree's walk), and the order of the additions is fixed.
    for (std::size_t r = 0, k = 0; r < n; ++r) {
      if (groups == 1) {
        float sum = sums[r];
        for (std::size_t j = 0; j < trees; ++j, ++k) sum = add_leaf(sum, nodes_[at[k]].value, base, t + j);
        sums[r] = sum;
        continue;
      }
      for (std::size_t j = 0; j < trees; ++j, ++k) {
        float& sum = sums[r * groups + trees_[t + j].group];
        sum = add_leaf(sum, nodes_[at[k]].value, base, t + j);
      }
    }
  }
}

}  // namespace carton::runners::xgboost
