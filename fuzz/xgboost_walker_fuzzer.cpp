// The XGBoost runner's tree walker on arbitrary JSON as the model XGBoost saves:
// read_walked_model (runners/xgboost/walked_model.hpp), the packed layout
// (packed_trees.hpp) and walks of rows that take every kind of branch. The JSON comes
// from XGBoost after it loaded a checked model, but the walker must not rely on that:
// whatever XGBoost writes of a hostile model, the walker reads with bounds of its own.
//
// Input: the bytes, as JSON text (NaN and Infinity allowed, as XGBoost writes them).
// Finds: crashes and sanitizer reports (a node, feature, category or group index
// outside its array); hangs (a walk that does not end: every walk is bounded by its
// tree's depth); memory beyond libFuzzer's limit (the category sets are capped); any
// exception other than wire::JsonError and std::invalid_argument, which is how every
// refusal must leave it.
// Ignores: the sums (TreeWalker checks them against XGBoost at Load; that needs
// libxgboost, which the fuzz build does not link).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "carton/wire/json_value.hpp"
#include "packed_trees.hpp"
#include "walked_model.hpp"

namespace {
constexpr std::uint64_t kFeatures = 4;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace xgb = carton::runners::xgboost;
  xgb::WalkedModel m;
  try {
    const auto saved = carton::wire::parse_json(std::string_view(reinterpret_cast<const char*>(data), size),
                                                {/*non_finite_numbers=*/true});
    m = xgb::read_walked_model(saved, kFeatures);
  } catch (const carton::wire::JsonError&) {
    return 0;
  } catch (const std::invalid_argument&) {
    return 0;
  }
  xgb::PackedTrees trees;
  try {
    trees = xgb::PackedTrees(m, kFeatures);
  } catch (const std::invalid_argument&) {
    return 0;  // outside what it packs: left to XGBoost
  }
  trees.set_missing(-1.0f, /*nan_only=*/false);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // Rows with every kind of value: missing, the missing marker, categories, past the
  // category range, negative, fractional; walked as 1, 3 and 16 rows at once.
  std::vector<float> rows;
  const float values[] = {nan, -1.0f, 0.0f, 2.0f, 5.5f, 40.0f, 16777215.0f, 1e30f, -0.5f, 0.5f, 3.0f, 1.0f};
  for (std::size_t i = 0; i < 16 * kFeatures; ++i) rows.push_back(values[(i * 7 + i / kFeatures) % 12]);
  std::vector<float> sums(16 * m.groups);
  for (std::size_t n : {std::size_t(1), std::size_t(3), std::size_t(16)}) {
    trees.add_leaves(rows.data(), n, 0.5f, sums.data(), m.groups);
  }
  // The same rows with no missing value take the walk that tests for none (and a lone
  // row the one of whole blocks of trees).
  for (float& v : rows) v = std::isnan(v) || v == -1.0f ? 1.5f : v;
  for (std::size_t n : {std::size_t(1), std::size_t(16)}) trees.add_leaves(rows.data(), n, 0.5f, sums.data(), m.groups);
  return 0;
}
