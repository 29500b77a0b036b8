// check_saved_model: the runner's own check of a UBJSON model, made before XGBoost's
// loader sees a byte of it, of everything that loader and XGBoost's predictor index
// by without a bound.
//
// Why: XGBoost 1.7 takes a model's indices on trust. A tree's parent index is read
// through at load (RegTree::LoadModel), a child index, a split feature and a tree's
// output group at every prediction, a categorical split's segment of the category
// list at load; `num_trees` above the trees present reads past the array, and a
// `num_parallel_tree` of 0 divides by zero. With any of them damaged XGBoost reads out
// of bounds, which crashes one process and not another, so a child that survived the
// load proves nothing for the runner. The runner loads only what the child saved
// (model_file.hpp, CheckedModel), and this check of it makes the child's output, which
// is no more trusted than the model, safe to parse.
//
// What it requires, for gbtree and dart (gblinear: its weights' count):
//   - num_trees (gbtree_model_param) = the trees present = tree_info's entries; every
//     tree's id in [0, num_trees) and used once; num_parallel_tree >= 1; dart's
//     weight_drop one per tree;
//   - per tree (saved_tree_check.hpp), num_nodes (tree_param) in [1, 2^31) and each
//     per-node array of exactly that many elements, of the type XGBoost writes;
//   - from the root, each split's two children in (0, num_nodes), each node reached
//     once (no cycle, so no prediction loops forever); every node's parent in
//     [0, num_nodes); each split's feature below the learner's num_feature;
//   - split_type 0 or 1; categories_nodes exactly the nodes typed 1, in order; each
//     one's segment inside `categories`, non-empty, of categories in [0, 2^24) (XGBoost's
//     own bound), and the bit sets XGBoost makes of them within kMaxCategoryBitBytes;
//   - every tree_info group below the learner's output groups (num_class, num_target);
//   - no key twice in an object it reads (the one checked must be the one loaded).
// It does not judge what XGBoost itself refuses with an error (a missing key, a wrong
// type elsewhere): XGBoost's own message then says why.
#pragma once

#include <cstdint>

#include "carton/wire/bytes.hpp"

namespace carton::runners::xgboost {

// XGBoost keeps a bit per category up to each categorical split's largest; a 4-byte
// category near 2^24 asks for 2 MiB. A model asking for more than this in all is
// refused: no real model's splits span that many categories.
constexpr std::uint64_t kMaxCategoryBitBytes = std::uint64_t(1) << 30;

// Throws std::invalid_argument naming the field, the value and the bound it breaks
// ("tree 10, node 20: parent 2080374795 is not one of the tree's 23 nodes").
void check_saved_model(const wire::Bytes& ubjson);

}  // namespace carton::runners::xgboost
