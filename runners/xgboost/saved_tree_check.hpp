// check_saved_tree: one tree of a saved XGBoost model (saved_model_check.hpp reads its
// per-node arrays as views of the UBJSON bytes), checked for what XGBoost follows in it
// without a bound: parents, children, split types, categorical segments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ubjson_reader.hpp"

namespace carton::runners::xgboost {

// A tree's per-node arrays, as XGBoost 1.7 writes them (RegTree::SaveModel).
struct SavedTree {
  using Array = std::optional<UbjsonReader::TypedArray>;
  Array left, right, parent, split_index, split_type, categories, categories_nodes, categories_segments,
      categories_sizes;
  std::optional<std::uint64_t> num_nodes;
  std::int64_t id = -1;
};

// What the model-wide checks need of a tree that passed.
struct TreeFacts {
  std::int64_t max_feature = -1;  // the largest split feature of a node reached, or -1
  std::string max_feature_at;     // "tree 3, node 5"
  std::uint64_t category_bytes = 0;  // the bit sets XGBoost makes of its categorical splits
};

// Throws std::invalid_argument naming `name` ("tree 3"), the node, the value and the
// bound. Requires num_nodes in [1, 2^31) and the node arrays of that many elements; from
// the root, each split's children in (0, num_nodes) and each node reached once; every
// node's parent in [0, num_nodes); split_type 0 or 1, categories_nodes exactly the
// nodes typed 1 in order, each segment inside `categories`, non-empty, of categories
// in [0, 2^24).
TreeFacts check_saved_tree(const SavedTree& tree, const std::string& name);

}  // namespace carton::runners::xgboost
