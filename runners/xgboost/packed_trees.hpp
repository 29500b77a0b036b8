// PackedTrees: a WalkedModel's trees laid out for walking several rows at once.
//
// Why: walking a row down a tree branch by branch, a deep model costs a mispredicted
// branch per level (about 5 us a row for 200 trees of depth 8, ~3 ns a level). Here
// each tree is renumbered breadth first with siblings side by side (the right child is
// the left + 1), and a step is arithmetic: child = node + offset + (goes right), no
// branch on the row's value. kBlock walks go together, level by level for their trees'
// depth: a block of rows down one tree, or fewer rows each down several consecutive
// trees (a lone row down 16), so the steps are independent work the CPU overlaps, and
// the trees stay in cache while they do.
//
// A node is 8 bytes (its value, and one word: the offset to its left child, two flags
// and its feature): the walk is bound by its instructions (~12 a step), and a model's
// nodes take two thirds of the cache 12-byte nodes took. A leaf has offset 0 and reads
// a feature past the row's last, which the walk sets to -inf: -inf < value for any
// leaf value but NaN and -inf (refused), so a leaf never moves, without a test for
// being one. Hence the limits: kMaxFeatures features, kMaxTreeNodes nodes a tree.
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
  // What a node's word holds: the leaf's sentinel feature is the row's last + 1.
  static constexpr std::uint64_t kMaxFeatures = (std::uint64_t(1) << 14) - 1;
  static constexpr std::uint64_t kMaxTreeNodes = std::uint64_t(1) << 16;

  PackedTrees() = default;
  // Throws std::invalid_argument for a model outside the limits above, or with a leaf
  // of NaN or -inf, naming it.
  explicit PackedTrees(const WalkedModel& m, std::uint64_t features);

  // Adds each tree's leaf for rows [0, n) (n <= kBlock, `features` floats each, the
  // count given at construction) to `sums` (n x groups, started at the base margin),
  // `base` being that margin (dart).
  void add_leaves(const float* rows, std::size_t n, float base, float* sums, std::uint64_t groups) const;

  // NaN always means missing; with `nan_only` false, so does `missing`.
  void set_missing(float missing, bool nan_only) {
    missing_ = missing;
    nan_only_ = nan_only;
  }
  // The rule above, for TreeWalker's gblinear sums (the walk compiles it per model).
  bool is_missing(float v) const { return std::isnan(v) || (!nan_only_ && v == missing_); }

 private:
  struct Node {
    float value;         // the threshold, the leaf's value, or (categorical) bit_cast set index
    std::uint32_t word;  // left child's offset << 16 | kCategorical | kDefaultLeft | feature
  };
  static constexpr std::uint32_t kCategorical = 1u << 15, kDefaultLeft = 1u << 14;
  static constexpr std::uint32_t kFeature = kDefaultLeft - 1;

  struct Tree {
    std::uint32_t root, depth, group;
    float weight;  // dart's; 1 for gbtree (unused)
  };

  // What a walk tests for: rows with no missing value; NaN the only missing value; NaN
  // and `missing`.
  enum Missing { kNoneMissing, kNanMissing, kValueMissing };
  // 1 when `v` takes `node` to its right child. Compiled for each kind of model and
  // row, so that a walk pays no test for what cannot occur.
  template <bool kCategories, Missing kMissing>
  std::uint32_t goes_right(const Node& node, float v) const {
    if (kMissing != kNoneMissing && (std::isnan(v) || (kMissing == kValueMissing && v == missing_))) {
      return (node.word & kDefaultLeft) ? 0 : 1;
    }
    if (kCategories && (node.word & kCategorical)) return in_set(node, v);
    return !(v < node.value);
  }
  // Where a walk at node `at` reading `row` (padded: its sentinel set) goes next; a
  // leaf stays.
  template <bool kCategories, Missing kMissing>
  std::uint32_t step(std::uint32_t at, const float* row) const {
    const Node& node = nodes_[at];
    return at + (node.word >> 16) + goes_right<kCategories, kMissing>(node, row[node.word & kFeature]);
  }
  // `sum` with tree `tree`'s `leaf` added.
  float add_leaf(float sum, float leaf, float base, std::size_t tree) const {
    if (!dart_) return sum + leaf;
    // Dart's in-place prediction: each tree predicted alone from the base margin, then
    // (that - the base margin) x the tree's weight added.
    const float alone = base + leaf;
    return sum + (alone - base) * trees_[tree].weight;
  }
  std::uint32_t in_set(const Node& node, float v) const;
  template <bool kCategories, Missing kMissing>
  void walk(const float* rows, std::size_t n, float base, float* sums, std::uint64_t groups) const;

  std::vector<Node> nodes_;
  std::vector<Tree> trees_;
  std::vector<WalkedModel::CategorySet> sets_;
  std::vector<std::uint32_t> bits_;
  std::uint64_t features_ = 0;
  bool dart_ = false;
  float missing_ = 0;
  bool nan_only_ = true;
};

}  // namespace carton::runners::xgboost
