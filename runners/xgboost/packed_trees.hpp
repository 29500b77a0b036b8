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
// A node is 8 bytes: the key it compares with, then its feature and its left child's
// offset, 16 bits each (loaded as they are, no shift or mask); its flags (default
// left, categorical) lie in an array of their own, read only by walks of rows with a
// missing value or of models with categories. Values are compared as keys: unsigned
// integers in the order of the floats (ordered_key()), a node's one below its
// threshold's, so that `key < x` is `x >= threshold` and a step is `at + left +
// (key < x)`: a compare and an add with carry, seven instructions where a float
// compare and a packed word took twelve. Missing is one key too (kMissingKey, however
// the value was missing: NaN or `missing`), turned once per row, so a row with
// missing values tests one integer, which the compiler makes branch-free: 250 trees of
// a 5-class model on rows with a fifth missing, 6.5 to 3.6 us a row. Rows without go
// from 2.05 to 1.90 us: a step costs ~1 ns here however few its instructions (a
// synthetic walk of 16 trees in L1 the same), the rest is each block's set-up and sums.
// A leaf has offset 0 and reads a slot past the row's last, kSentinelKey, above no
// key: it never moves, without a test for being one, whatever its value. Hence the
// limits: kMaxFeatures features, kMaxTreeNodes nodes a tree.
//
// Sums are the same bits as a walk row by row: each row still adds its trees' leaves
// in tree order, one float addition at a time (and dart's weighting, walked_model.hpp).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "walked_model.hpp"

namespace carton::runners::xgboost {

class PackedTrees {
 public:
  // Walks that go together (rows x trees), and the most rows add_leaves() takes.
  static constexpr std::size_t kBlock = 16;
  // What a node's 16-bit fields hold: a leaf's feature is the row's last + 1; a left
  // child's offset is below the tree's nodes.
  static constexpr std::uint64_t kMaxFeatures = (std::uint64_t(1) << 16) - 1;
  static constexpr std::uint64_t kMaxTreeNodes = std::uint64_t(1) << 16;

  PackedTrees() = default;
  // Throws std::invalid_argument for a model outside the limits above, naming it.
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
  // The rule above, for TreeWalker's gblinear sums and the walk's keys.
  bool is_missing(float v) const { return std::isnan(v) || (!nan_only_ && v == missing_); }

  static std::uint32_t bits_of(float v) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return bits;
  }
  static float float_of(std::uint32_t bits) {
    float v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  // An unsigned integer in the order of `v`, not NaN: a < b exactly when
  // ordered_key(a) < ordered_key(b) (-0 and 0 have one key). The keys of -inf and inf
  // are 0x007fffff and 0xff800000: 0 and ~0 are no value's.
  static std::uint32_t ordered_key(float v) {
    const auto bits = bits_of(v);
    if (bits == 0x80000000u) return 0x80000000u;  // -0: 0's key
    return (bits >> 31) ? ~bits : bits | 0x80000000u;
  }
  static float from_ordered_key(std::uint32_t key) {
    return float_of((key >> 31) ? key & 0x7fffffffu : ~key);
  }

 private:
  // A row's missing value (no value's key); what a leaf reads (no key is below it).
  static constexpr std::uint32_t kMissingKey = ~0u, kSentinelKey = 0;

  struct Node {
    // A split's threshold's ordered key - 1 (a NaN threshold: 0, below every value's),
    // a leaf's value's bits, or a categorical split's set index.
    std::uint32_t key;
    std::uint16_t feature;
    std::uint16_t left;  // the left child's offset; the right child is the next node
  };
  static constexpr std::uint8_t kDefaultLeft = 1, kCategorical = 2;

  struct Tree {
    std::uint32_t root, depth, group;
    float weight;  // dart's; 1 for gbtree (unused)
  };

  // 1 when key `x` takes node `at` to its right child. Compiled for each kind of model
  // and rows, so that a walk pays no test for what cannot occur.
  template <bool kCategories, bool kMissing>
  std::uint32_t goes_right(std::uint32_t at, std::uint32_t x) const {
    if (kMissing && x == kMissingKey) return (flags_[at] & kDefaultLeft) ? 0 : 1;
    if (kCategories && (flags_[at] & kCategorical)) return in_set(nodes_[at], x);
    return nodes_[at].key < x;
  }
  // Where a walk at node `at` reading `row` (keys, its sentinel set) goes next; a leaf
  // stays.
  template <bool kCategories, bool kMissing>
  std::uint32_t step(std::uint32_t at, const std::uint32_t* row) const {
    const Node& node = nodes_[at];
    return at + node.left + goes_right<kCategories, kMissing>(at, row[node.feature]);
  }
  float leaf(std::uint32_t at) const { return float_of(nodes_[at].key); }
  // `sum` with tree `tree`'s `leaf` added (kDart: dart_, decided once a block).
  template <bool kDart>
  float add_leaf(float sum, float leaf, float base, std::size_t tree) const {
    if (!kDart) return sum + leaf;
    // Dart's in-place prediction: each tree predicted alone from the base margin, then
    // (that - the base margin) x the tree's weight added.
    const float alone = base + leaf;
    return sum + (alone - base) * trees_[tree].weight;
  }
  std::uint32_t in_set(const Node& node, std::uint32_t x) const;
  // Adds the leaves lanes `at` reached, of trees [t, t + trees), to one row's `sums`.
  template <bool kDart>
  void add_row_leaves(const std::uint32_t* at, std::size_t t, std::size_t trees, float base, float* sums,
                      std::uint64_t groups) const;
  template <bool kCategories, bool kMissing>
  void walk(const std::uint32_t* rows, std::size_t n, float base, float* sums, std::uint64_t groups) const;

  std::vector<Node> nodes_;
  std::vector<std::uint8_t> flags_;  // per node
  std::vector<Tree> trees_;
  std::vector<std::uint32_t> lone_depth_;  // of each whole block of kBlock trees
  std::vector<WalkedModel::CategorySet> sets_;
  std::vector<std::uint32_t> bits_;
  std::uint64_t features_ = 0;
  bool dart_ = false;
  float missing_ = 0;
  bool nan_only_ = true;
};

}  // namespace carton::runners::xgboost
