// PackedTrees: a WalkedModel's trees laid out for walking several rows at once.
//
// Why: walking a row down a tree branch by branch, a deep model costs a mispredicted
// branch per level (about 5 us a row for 200 trees of depth 8, ~3 ns a level). Here
// each tree is renumbered breadth first with siblings side by side (the right child is
// the left + 1), a leaf's child is itself, and a step is arithmetic: child = left +
// (goes right), no branch on the row's value. kBlock walks go together, level by level
// for their trees' depth: a block of rows down one tree, or fewer rows each down
// several consecutive trees (a lone row down 16), so the steps are independent work the
// CPU overlaps, and the trees stay in cache while they do.
//
// Sums are the same bits as a walk row by row: each row still adds its trees' leaves
// in tree order, one float addition at a time (and dart's weighting, walked_model.hpp).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "walked_model.hpp"

namespace carton::runners::xgboost {

class PackedTrees {
 public:
  // Walks that go together (rows x trees), and the most rows add_leaves() takes.
  static constexpr std::size_t kBlock = 16;

  PackedTrees() = default;
  explicit PackedTrees(const WalkedModel& m);

  // Adds each tree's leaf for rows [0, n) (n <= kBlock, `features` floats each) to
  // `sums` (n x groups, started at the base margin), `base` being that margin (dart).
  void add_leaves(const float* rows, std::size_t n, std::uint64_t features, float base, float* sums,
                  std::uint64_t groups) const;

  // NaN always means missing; with `nan_only` false, so does `missing`.
  void set_missing(float missing, bool nan_only) {
    missing_ = missing;
    nan_only_ = nan_only;
  }
  // The rule above, for TreeWalker's gblinear sums (the walk compiles it per model).
  bool is_missing(float v) const { return std::isnan(v) || (!nan_only_ && v == missing_); }

 private:
  struct Node {
    float value;          // the threshold, the leaf's value, or (categorical) bit_cast set index
    std::uint32_t left;   // the left child (the right is left + 1); a leaf's is itself
    std::uint32_t meta;   // feature | kLeaf | kCategorical | kDefaultLeft
  };
  static constexpr std::uint32_t kDefaultLeft = 1u << 31, kCategorical = 1u << 30, kLeaf = 1u << 29;
  static constexpr std::uint32_t kFeature = kLeaf - 1;

  struct Tree {
    std::uint32_t root, depth, group;
    float weight;  // dart's; 1 for gbtree (unused)
  };

  // 1 when `v` takes `node` to its right child. Compiled for each kind of model, so
  // that a model without categories or a missing value of its own pays no test for them.
  template <bool kCategories, bool kNanOnly>
  std::uint32_t goes_right(const Node& node, float v) const {
    if (std::isnan(v) || (!kNanOnly && v == missing_)) return (node.meta & kDefaultLeft) ? 0 : 1;
    if (kCategories && (node.meta & kCategorical)) return in_set(node, v);
    return !(v < node.value);
  }
  // Where a walk at `node` reading `row` goes next (a leaf stays).
  template <bool kCategories, bool kNanOnly>
  std::uint32_t step(const Node& node, const float* row) const {
    const std::uint32_t right = goes_right<kCategories, kNanOnly>(node, row[node.meta & kFeature]);
    return node.left + (right & ((node.meta & kLeaf) ? 0u : 1u));
  }
  std::uint32_t in_set(const Node& node, float v) const;
  template <bool kCategories, bool kNanOnly>
  void walk(const float* rows, std::size_t n, std::uint64_t features, float base, float* sums,
            std::uint64_t groups) const;

  std::vector<Node> nodes_;
  std::vector<Tree> trees_;
  std::vector<WalkedModel::CategorySet> sets_;
  std::vector<std::uint32_t> bits_;
  bool dart_ = false;
  float missing_ = 0;
  bool nan_only_ = true;
};

}  // namespace carton::runners::xgboost
