// Tensor mapping: the request's tensors to the dense rows XGBoost predicts from, and
// its prediction back.
//
// Inputs, by name:
//   input        float32 [N, F], F the model's feature count, N >= 1. NaN is a missing
//                value, and so is the `missing` option's value. float64 is accepted and
//                read by XGBoost itself, each value rounded to the nearest float32, as
//                python's predict does (a DMatrix stores float32): the same
//                predictions. Every other dtype is refused by name: XGBoost computes in
//                float32, and an integer tensor's meaning (a category? a count?) is
//                the caller's to convert.
//   base_margin  optional, float32 or float64, [N] or [N, G] (G the model's output
//                groups, e.g. classes): the margin each row starts from, as
//                DMatrix(base_margin=...) gives it.
//   Any other name is refused, so that a misspelt "base_margins" is not ignored.
// No copy when the rows are aligned for their type: XGBoost reads them where they are
// in the received frame, through the array interface (strides included). XGBoost 1.7
// refuses a misaligned pointer, and carton puts a tensor's elements at any offset in its
// frame, so misaligned rows (three times in four for float32) are copied to aligned
// memory 1 MiB at a time and predicted block by block: the time of a memcpy, and 1 MiB
// of memory instead of a second copy of the rows.
//
// Output `output`: float32 with the shape Booster.predict returns for the same model
// and rows: [N] for regression, binary and multi:softmax, [N, classes] for
// multi:softprob (and any margin of a multiclass model), [N, targets] for a
// multi-target model. One copy, from XGBoost's result buffer into the reply (per block
// for blocks).
#pragma once

#include <string>

#include "booster.hpp"
#include "tree_walker.hpp"
#include "carton/wire/map.hpp"
#include "carton/wire/tensor.hpp"

namespace carton::runners::xgboost {

using Tensors = wire::Map<std::string, wire::Tensor>;

// One infer: checks `inputs` against `booster` (feature count when validate_features),
// predicts with `config` (Booster::predict_config) and returns {"output": ...}. Throws
// runner::TensorError for a bad input, XGBoostError for what XGBoost refuses.
// With `walker`, requests of up to TreeWalker::kMaxRows rows without a base margin are
// predicted by it instead of XGBoost (the same bits, tree_walker.hpp; float64 rows
// narrowed to float32 first, as XGBoost reads them).
Tensors predict(const Booster& booster, const std::string& config, bool validate_features, const Tensors& inputs,
                const TreeWalker* walker = nullptr);
// Whether predict() with `walker` would give `inputs` to the walker: up to
// TreeWalker::kMaxRows rows of float32 or float64, of the model's features, without a
// base margin. Does not check them otherwise.
bool walks(const TreeWalker* walker, const Booster& booster, const Tensors& inputs);
// The checks predict() makes of `inputs` before it predicts; throws as it does.
void check_inputs(const Booster& booster, bool validate_features, const Tensors& inputs);

}  // namespace carton::runners::xgboost
