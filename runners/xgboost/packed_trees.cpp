#include "packed_trees.hpp"

#include <algorithm>
#include <cmath>
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
  // A leaf reads the row's sentinel key, past its features (see the header).
  const auto sentinel = static_cast<std::uint16_t>(features);
  nodes_.reserve(m.nodes.size());
  flags_.reserve(m.nodes.size());
  // Each tree breadth first: (its index in m.nodes, its depth). read_walked_model made
  // sure every node is the child of at most one and every child is inside its tree, so
  // each node is met once and the renumbering ends.
  std::vector<std::pair<std::int32_t, std::uint32_t>> queue;
  for (std::size_t t = 0; t < m.roots.size(); ++t) {
    Tree tree{static_cast<std::uint32_t>(nodes_.size()), 0, m.group_of[t], dart_ ? m.tree_weights[t] : 1.0f};
    queue.assign(1, {static_cast<std::int32_t>(m.roots[t]), 0});
    nodes_.push_back({});
    flags_.push_back(0);
    for (std::size_t i = 0; i < queue.size(); ++i) {
      const auto [from, depth] = queue[i];
      const WalkedModel::Node& in = m.nodes[static_cast<std::size_t>(from)];
      const auto at = static_cast<std::uint32_t>(tree.root + i);  // breadth first: the queue's order
      if (in.left < 0) {
        nodes_[at] = {bits_of(in.value), sentinel, 0};
        continue;
      }
      if (in.feature >= features) throw std::invalid_argument("a split past the features");
      const auto offset = static_cast<std::uint64_t>(nodes_.size()) - at;
      if (offset >= kMaxTreeNodes) {
        throw std::invalid_argument("a tree of more than " + std::to_string(kMaxTreeNodes) + " nodes");
      }
      Node out{std::isnan(in.value) ? 0 : ordered_key(in.value) - 1, static_cast<std::uint16_t>(in.feature),
               static_cast<std::uint16_t>(offset)};
      flags_[at] = in.default_left ? kDefaultLeft : 0;
      if (in.categories != WalkedModel::kNumerical) {
        flags_[at] |= kCategorical;
        out.key = in.categories;
      }
      nodes_[at] = out;
      nodes_.resize(nodes_.size() + 2);
      flags_.resize(flags_.size() + 2, 0);
      queue.push_back({in.left, depth + 1});
      queue.push_back({in.right, depth + 1});
      if (depth + 1 > tree.depth) tree.depth = depth + 1;
    }
    trees_.push_back(tree);
    if (trees_.size() % kBlock == 0) {
      std::uint32_t depth = 0;
      for (std::size_t j = trees_.size() - kBlock; j < trees_.size(); ++j) depth = std::max(depth, trees_[j].depth);
      lone_depth_.push_back(depth);
    }
  }
}

std::uint32_t PackedTrees::in_set(const Node& node, std::uint32_t x) const {
  // XGBoost 1.7's common::Decision: right only for a valid category in the set; values
  // below 0 or from 2^24 - 1 on are invalid and go left.
  const float v = from_ordered_key(x);
  if (!(v >= 0 && v < 16777215.0f)) return 0;
  const WalkedModel::CategorySet& set = sets_[node.key];
  const auto c = static_cast<std::uint32_t>(v);
  return c / 32 < set.words && (bits_[set.begin + c / 32] >> (c % 32) & 1);
}

void PackedTrees::add_leaves(const float* rows, std::size_t n, float base, float* sums, std::uint64_t groups) const {
  // The rows as keys with their sentinels, in memory the thread reuses. Rows without a
  // missing value (the usual ones) take a walk that tests for none.
  thread_local std::vector<std::uint32_t> keys;
  const std::size_t stride = features_ + 1;
  keys.resize(n * stride);
  bool missing = false;
  for (std::size_t r = 0; r < n; ++r) {
    const float* row = rows + r * features_;
    std::uint32_t* out = keys.data() + r * stride;
    for (std::size_t j = 0; j < features_; ++j) {
      const bool absent = is_missing(row[j]);
      missing |= absent;
      out[j] = absent ? kMissingKey : ordered_key(row[j]);
    }
    out[features_] = kSentinelKey;
  }
  const bool categories = !sets_.empty();
  if (categories) {
    return missing ? walk<true, true>(keys.data(), n, base, sums, groups)
                   : walk<true, false>(keys.data(), n, base, sums, groups);
  }
  return missing ? walk<false, true>(keys.data(), n, base, sums, groups)
                 : walk<false, false>(keys.data(), n, base, sums, groups);
}

template <bool kCategories, bool kMissing>
void PackedTrees::walk(const std::uint32_t* rows, std::size_t n, float base, float* sums,
                       std::uint64_t groups) const {
  // kBlock walks at once: the n rows, each down `per_row` consecutive trees (fewer rows,
  // more trees each), so that a lone row has independent walks to overlap as well.
  const std::size_t per_row = kBlock / n;
  std::uint32_t at[kBlock];
  const std::uint32_t* row_of[kBlock];
  for (std::size_t t = 0; t < trees_.size(); t += per_row) {
    const std::size_t trees = std::min(per_row, trees_.size() - t);
    const std::size_t lanes = n * trees;
    // A lane whose tree is shallower than its block's depth stays on its leaf (a
    // leaf's child is itself).
    if (n == 1 && trees == kBlock) {
      // A lone row down 16 trees, the usual one-row request: one row pointer, the
      // block's depth found at construction, and a loop of constant length the
      // compiler unrolls: 13 to 16% less time a row than the loop below (100 trees of
      // depth 6: 0.84 us against 0.99; 200 of depth 8: 1.78 against 2.08).
      for (std::size_t k = 0; k < kBlock; ++k) at[k] = trees_[t + k].root;
      for (std::uint32_t level = 0, depth = lone_depth_[t / kBlock]; level < depth; ++level) {
#pragma GCC unroll 16
        for (std::size_t k = 0; k < kBlock; ++k) at[k] = step<kCategories, kMissing>(at[k], rows);
      }
    } else {
      std::uint32_t depth = 0;
      for (std::size_t j = 0; j < trees; ++j) depth = std::max(depth, trees_[t + j].depth);
      // Lane r * trees + j: row r down tree t + j.
      for (std::size_t r = 0, k = 0; r < n; ++r) {
        for (std::size_t j = 0; j < trees; ++j, ++k) {
          at[k] = trees_[t + j].root;
          row_of[k] = rows + r * (features_ + 1);
        }
      }
      for (std::uint32_t level = 0; level < depth; ++level) {
        for (std::size_t k = 0; k < lanes; ++k) at[k] = step<kCategories, kMissing>(at[k], row_of[k]);
      }
    }
    for (std::size_t r = 0; r < n; ++r) {
      if (dart_) {
        add_row_leaves<true>(at + r * trees, t, trees, base, sums + r * groups, groups);
      } else {
        add_row_leaves<false>(at + r * trees, t, trees, base, sums + r * groups, groups);
      }
    }
  }
}

template <bool kDart>
void PackedTrees::add_row_leaves(const std::uint32_t* at, std::size_t t, std::size_t trees, float base, float* sums,
                                 std::uint64_t groups) const {
  // In tree order, in a register when there is one group: through memory, each
  // addition waits for the last one's store (~10 cycles a tree, most of a small tree's
  // walk), and the order of the additions is fixed.
  if (groups == 1) {
    float sum = *sums;
    for (std::size_t j = 0; j < trees; ++j) sum = add_leaf<kDart>(sum, leaf(at[j]), base, t + j);
    *sums = sum;
    return;
  }
  for (std::size_t j = 0; j < trees; ++j) {
    float& sum = sums[trees_[t + j].group];
    sum = add_leaf<kDart>(sum, leaf(at[j]), base, t + j);
  }
}

}  // namespace carton::runners::xgboost
