#include "saved_tree_check.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>
#include <vector>

namespace carton::runners::xgboost {

namespace {

using TypedArray = UbjsonReader::TypedArray;

// XGBoost's bound on a category (common::OutOfRangeCat): floats hold integers exactly
// up to 2^24, and categories reach the predictor as floats.
constexpr std::int64_t kMaxCategory = std::int64_t(1) << 24;
// A tree id: XGBoost holds it in int32.
constexpr std::int64_t kMaxIndex = 0x7fffffff;
// RegTree::Node keeps default_left in a split index's top bit, and a parent's
// left-child flag in the parent index's.
constexpr std::uint32_t kLow31 = 0x7fffffffu;

[[noreturn]] void refuse(const std::string& what) { throw std::invalid_argument(what); }

// The bytes of the bit sets XGBoost makes of the tree's categorical splits, once they
// check out.
std::uint64_t category_bytes(const SavedTree& a, const std::string& name, std::uint64_t n, const TypedArray& split_type,
                             std::uint64_t categorical) {
  if (categorical == 0 && !a.categories_nodes) return 0;
  auto need = [&](const std::optional<TypedArray>& x, const char* field) -> const TypedArray& {
    if (!x) refuse(name + ": categorical splits without a " + field + " array");
    return *x;
  };
  const TypedArray& nodes = need(a.categories_nodes, "categories_nodes");
  const TypedArray& segments = need(a.categories_segments, "categories_segments");
  const TypedArray& sizes = need(a.categories_sizes, "categories_sizes");
  const TypedArray& categories = need(a.categories, "categories");
  if (nodes.count != categorical || segments.count != categorical || sizes.count != categorical) {
    refuse(name + ": " + std::to_string(categorical) + " nodes of split_type 1, and " +
           std::to_string(nodes.count) + " categories_nodes, " + std::to_string(segments.count) +
           " categories_segments, " + std::to_string(sizes.count) + " categories_sizes");
  }
  std::uint64_t bytes = 0;
  std::int64_t previous = -1;
  for (std::uint64_t k = 0; k < nodes.count; ++k) {
    const std::int64_t node = nodes.integer(k);
    const std::string at = name + ", categories_nodes[" + std::to_string(k) + "] " + std::to_string(node);
    if (node <= previous || static_cast<std::uint64_t>(node) >= n || split_type.integer(node) != 1) {
      refuse(at + ": not a node of split_type 1 after the one before");
    }
    previous = node;
    const std::int64_t begin = segments.integer(k), size = sizes.integer(k);
    if (begin < 0 || size < 1 || static_cast<std::uint64_t>(begin) > categories.count ||
        static_cast<std::uint64_t>(size) > categories.count - static_cast<std::uint64_t>(begin)) {
      refuse(at + ": segment of " + std::to_string(size) + " categories at " + std::to_string(begin) +
             " is not inside the " + std::to_string(categories.count) + " categories");
    }
    std::int64_t largest = 0;
    for (std::int64_t j = begin; j < begin + size; ++j) {
      const std::int64_t c = categories.integer(static_cast<std::uint64_t>(j));
      if (c < 0 || c >= kMaxCategory) {
        refuse(at + ": category " + std::to_string(c) + " is outside [0, " + std::to_string(kMaxCategory) + ")");
      }
      largest = std::max(largest, c);
    }
    bytes += (static_cast<std::uint64_t>(largest) / 32 + 1) * 4;
  }
  return bytes;
}

}  // namespace

TreeFacts check_saved_tree(const SavedTree& a, const std::string& name) {
  TreeFacts facts;
  auto need = [&](const std::optional<TypedArray>& x, const char* field) -> const TypedArray& {
    if (!x) refuse(name + ": no " + field + " array");
    return *x;
  };
  if (!a.num_nodes) refuse(name + ": tree_param has no num_nodes");
  if (*a.num_nodes == 0) refuse(name + ": tree_param.num_nodes is 0, not at least 1 (the root)");
  const std::uint64_t n = *a.num_nodes;
  const TypedArray& left = need(a.left, "left_children");
  const TypedArray& right = need(a.right, "right_children");
  const TypedArray& parent = need(a.parent, "parents");
  const TypedArray& split_index = need(a.split_index, "split_indices");
  const TypedArray& split_type = need(a.split_type, "split_type");
  for (auto [arr, field] : {std::pair{&left, "left_children"}, {&right, "right_children"}, {&parent, "parents"},
                            {&split_index, "split_indices"}, {&split_type, "split_type"}}) {
    if (arr->count != n) {
      refuse(name + ": " + field + " has " + std::to_string(arr->count) + " elements, not num_nodes " +
             std::to_string(n));
    }
  }
  if (a.id < 0 || a.id > kMaxIndex) refuse(name + ": id " + std::to_string(a.id));

  std::uint64_t categorical = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::int64_t type = split_type.integer(i);
    if (type != 0 && type != 1) {
      refuse(name + ", node " + std::to_string(i) + ": split_type " + std::to_string(type) + ", not 0 or 1");
    }
    categorical += static_cast<std::uint64_t>(type);
    const auto p = static_cast<std::uint32_t>(parent.integer(i)) & kLow31;
    if (i > 0 && p >= n) {
      refuse(name + ", node " + std::to_string(i) + ": parent " + std::to_string(p) + " is not one of the tree's " +
             std::to_string(n) + " nodes");
    }
  }

  // From the root: each node once, each split's children inside the tree.
  std::vector<bool> reached(n, false);
  std::vector<std::uint32_t> stack{0};
  while (!stack.empty()) {
    const std::uint32_t node = stack.back();
    stack.pop_back();
    const std::string at = name + ", node " + std::to_string(node);
    if (reached[node]) refuse(at + " is reached twice from the root (the tree has a cycle or a shared node)");
    reached[node] = true;
    const std::int64_t l = left.integer(node), r = right.integer(node);
    if (l == -1) continue;  // a leaf: XGBoost tells them by the left child alone
    for (std::int64_t child : {l, r}) {
      if (child < 1 || static_cast<std::uint64_t>(child) >= n) {
        refuse(at + ": child " + std::to_string(child) + " is not one of the tree's " + std::to_string(n) +
               " nodes past the root");
      }
    }
    const std::int64_t feature = split_index.integer(node);
    if (feature < 0 || feature > static_cast<std::int64_t>(kLow31)) {
      refuse(at + ": split feature " + std::to_string(feature));
    }
    if (feature > facts.max_feature) {
      facts.max_feature = feature;
      facts.max_feature_at = at;
    }
    stack.push_back(static_cast<std::uint32_t>(r));
    stack.push_back(static_cast<std::uint32_t>(l));
  }
  facts.category_bytes = category_bytes(a, name, n, split_type, categorical);
  return facts;
}

}  // namespace carton::runners::xgboost
