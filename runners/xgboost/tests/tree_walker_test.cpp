// The runner's own walk of a model's trees (tree_walker.hpp), which answers requests of
// up to 64 rows in place of XGBoost: it must give XGBoost's bits on rows it was never
// checked on, and it must stay out of the way of any model it cannot walk exactly,
// a hostile one included.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "booster.hpp"
#include "tree_walker.hpp"
#include "xgboost_models.hpp"

using namespace carton;
using namespace carton::xgboost_test;
namespace xgb = carton::runners::xgboost;

namespace {

std::string file_text(const std::string& file) {
  std::ifstream in(Models::get().dir(file), std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

xgb::Booster booster_from(const std::string& text) {
  return xgb::Booster(wire::Bytes::copy_of(text.data(), text.size()), 1);
}

std::vector<float> xgboost_predicts(const xgb::Booster& booster, const std::string& config,
                                    const std::vector<float>& rows, std::uint64_t n) {
  std::vector<float> out;
  booster.predict(xgb::DenseRows::packed(rows.data(), n, booster.num_features()), config, nullptr,
                  [&](const xgb::Prediction& p) { out.assign(p.values, p.values + p.size()); });
  return out;
}

// `n` rows of the model's features: normal values, about one in seven missing and one
// in three a small whole number (a category, for categorical splits).
std::vector<float> random_rows(std::uint64_t n, std::uint64_t features, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> value(0.f, 1.5f);
  std::vector<float> rows(n * features);
  for (float& v : rows) {
    const unsigned pick = gen() % 21;
    v = pick < 3 ? std::nanf("") : pick < 10 ? static_cast<float>(gen() % 48) : value(gen);
  }
  return rows;
}


}  // namespace

BOOST_AUTO_TEST_CASE(walked_trees_give_xgboost_bits_on_rows_never_checked) {
  // Every booster, split and transform it walks: gbtree, dart, gblinear, a forest,
  // categorical splits; identity, sigmoid, softmax, largest, exp (poisson, gamma,
  // tweedie, cox), hinge's step, ranking; several targets.
  for (const char* model :
       {"regression/model.json", "binary/model.json", "multiclass/model.json", "softmax/model.json",
        "regression32/model.json", "dart/model.ubj", "linear/model.ubj", "forest/model.ubj", "categorical/model.ubj",
        "poisson/model.json", "gamma/model.json", "tweedie/model.json", "cox/model.json", "hinge/model.json",
        "rank/model.json", "missing/model.json", "multitarget/model.json"}) {
    BOOST_TEST_CONTEXT(model) {
      const auto booster = booster_from(file_text(model));
      for (bool margin : {false, true}) {
        const xgb::PredictConfig config{margin, 0, 0, std::nan("")};
        const std::string predict_config = xgb::Booster::predict_config(config);
        std::string why;
        const auto walker = xgb::TreeWalker::make(booster, config, predict_config, &why);
        BOOST_REQUIRE_MESSAGE(walker, why);
        const std::uint64_t n = 256;
        const auto rows = random_rows(n, booster.num_features(), margin ? 11 : 7);
        const auto expected = xgboost_predicts(booster, predict_config, rows, n);
        const std::uint64_t per_row = walker->outputs_per_row();
        std::vector<float> got(n * per_row);
        BOOST_REQUIRE_EQUAL(got.size(), expected.size());
        walker->predict(rows.data(), n, got.data());
        BOOST_TEST(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)) == 0);
        // In calls of every size up to a block and past it: a call of few rows walks
        // several trees per row at once (packed_trees.hpp), with the same sums.
        std::fill(got.begin(), got.end(), 0.0f);
        for (std::uint64_t first = 0, size = 1; first < n; first += size, size = size % 19 + 1) {
          const std::uint64_t count = std::min(size, n - first);
          walker->predict(rows.data() + first * booster.num_features(), count, got.data() + first * per_row);
        }
        BOOST_TEST(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)) == 0);
        // Rows without a missing value, which take a walk that tests for none.
        auto present = rows;
        for (float& v : present) v = std::isnan(v) ? 0.25f : v;
        const auto expected_present = xgboost_predicts(booster, predict_config, present, n);
        for (std::uint64_t first = 0, size = 1; first < n; first += size, size = size % 19 + 1) {
          const std::uint64_t count = std::min(size, n - first);
          walker->predict(present.data() + first * booster.num_features(), count, got.data() + first * per_row);
        }
        BOOST_TEST(std::memcmp(got.data(), expected_present.data(), got.size() * sizeof(float)) == 0);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_model_whose_nodes_share_a_child_is_left_to_xgboost) {
  // The first tree's root gets the same node as its left and right child: XGBoost
  // loads and predicts it (a walk still ends), but it is no tree, and a model file that
  // can do this can also link a child back to its ancestor, which no walk survives.
  std::string text = file_text("regression/model.json");
  const std::string right = "\"right_children\":[";
  const auto at = text.find(right);
  BOOST_REQUIRE(at != std::string::npos);
  const auto first_end = text.find_first_of(",]", at + right.size());
  const auto left_at = text.find("\"left_children\":[");
  BOOST_REQUIRE(left_at != std::string::npos);
  const auto left_end = text.find_first_of(",]", left_at + 17);
  const std::string root_left = text.substr(left_at + 17, left_end - left_at - 17);
  text.replace(at + right.size(), first_end - at - right.size(), root_left);

  const auto booster = booster_from(text);
  const xgb::PredictConfig config{false, 0, 0, std::nan("")};
  std::string why;
  BOOST_TEST(!xgb::TreeWalker::make(booster, config, xgb::Booster::predict_config(config), &why));
  BOOST_TEST(why.find("the child of two") != std::string::npos, why);
}

BOOST_AUTO_TEST_CASE(models_outside_what_it_walks_are_left_to_xgboost) {
  const auto booster = booster_from(file_text("regression/model.json"));
  std::string why;
  const xgb::PredictConfig ranged{false, 0, 3, std::nan("")};
  BOOST_TEST(!xgb::TreeWalker::make(booster, ranged, xgb::Booster::predict_config(ranged), &why));
  BOOST_TEST(why.find("an iteration range") != std::string::npos, why);

}

BOOST_AUTO_TEST_CASE(a_category_past_its_limit_is_left_to_xgboost) {
  // The categorical model as XGBoost saves it in JSON (categorical nodes' thresholds are
  // NaN there), walked; then with 2^20 put first in a tree's categories: XGBoost loads
  // it (a set may hold any category), the walker leaves it to XGBoost rather than give
  // one node a set of 2^20 bits.
  const std::string json = booster_from(file_text("categorical/model.ubj")).saved_json();
  const xgb::PredictConfig config{false, 0, 0, std::nan("")};
  const std::string predict_config = xgb::Booster::predict_config(config);
  std::string why;
  BOOST_TEST(static_cast<bool>(xgb::TreeWalker::make(booster_from(json), config, predict_config, &why)), why);

  const std::string key = "\"categories\":[";
  std::size_t at = json.find(key);
  while (at != std::string::npos && json.compare(at + key.size(), 1, "]") == 0) at = json.find(key, at + 1);
  BOOST_REQUIRE(at != std::string::npos);
  std::string big = json;
  big.insert(at + key.size(), "1048576,");
  BOOST_TEST(!xgb::TreeWalker::make(booster_from(big), config, predict_config, &why));
  BOOST_TEST(why.find("a category out of range") != std::string::npos, why);
}

BOOST_AUTO_TEST_CASE(packed_trees_walk_any_leaf_and_refuse_what_a_node_word_cannot_hold) {
  // One split on feature 0 with two leaves: packed, walked with leaves of any value
  // (a leaf stays whatever its bits), and refused past the limits.
  auto model = [](float leaf, float threshold = 0.5f) {
    xgb::WalkedModel m;
    m.nodes = {{1, 2, 0, threshold, xgb::WalkedModel::kNumerical, true}, {-1, -1, 0, leaf}, {-1, -1, 0, 2.0f}};
    m.roots = {0};
    m.group_of = {0};
    return m;
  };
  const xgb::PackedTrees trees(model(1.0f), 3);
  const float rows[] = {0.25f, 9.0f, 9.0f, 0.75f, 9.0f, 9.0f, std::nanf(""), 9.0f, 9.0f};
  float sums[3] = {0, 0, 0};
  trees.add_leaves(rows, 3, 0.0f, sums, 1);
  BOOST_TEST(sums[0] == 1.0f);
  BOOST_TEST(sums[1] == 2.0f);
  BOOST_TEST(sums[2] == 1.0f);  // missing: the default, left
  for (const float leaf : {std::nanf(""), -INFINITY, INFINITY, -0.0f}) {
    float sum[1] = {-0.0f};  // -0 + leaf is the leaf, bit for bit
    xgb::PackedTrees(model(leaf), 3).add_leaves(rows, 1, 0.0f, sum, 1);
    BOOST_TEST(std::memcmp(&sum[0], &leaf, sizeof leaf) == 0, leaf);
  }
  // XGBoost's `value < NaN` is false: every present value goes right.
  float right[3] = {0, 0, 0};
  xgb::PackedTrees(model(1.0f, std::nanf("")), 3).add_leaves(rows, 3, 0.0f, right, 1);
  BOOST_TEST(right[0] == 2.0f);
  BOOST_TEST(right[1] == 2.0f);
  BOOST_TEST(right[2] == 1.0f);  // missing: still the default
  BOOST_CHECK_EXCEPTION(xgb::PackedTrees(model(1.0f), xgb::PackedTrees::kMaxFeatures + 1), std::invalid_argument,
                        [](const std::invalid_argument& e) {
                          return std::string(e.what()) == "65536 features, more than the 65535 a packed node names";
                        });
  // A full tree (heap order is breadth first): its last split's left child lies
  // 2^depth - 1 nodes on, which 16 bits hold up to depth 16.
  auto full = [](std::int32_t depth) {
    xgb::WalkedModel m;
    const std::int32_t splits = (1 << depth) - 1;
    for (std::int32_t i = 0; i < 2 * splits + 1; ++i) {
      if (i < splits) {
        m.nodes.push_back({2 * i + 1, 2 * i + 2, 0, 0.5f, xgb::WalkedModel::kNumerical, true});
      } else {
        m.nodes.push_back({-1, -1, 0, 1.0f});
      }
    }
    m.roots = {0};
    m.group_of = {0};
    return m;
  };
  BOOST_CHECK_NO_THROW(xgb::PackedTrees(full(16), 3));
  BOOST_CHECK_EXCEPTION(xgb::PackedTrees(full(17), 3), std::invalid_argument, [](const std::invalid_argument& e) {
    return std::string(e.what()) == "a tree of more than 65536 nodes";
  });
}
BOOST_AUTO_TEST_CASE(ordered_keys_compare_as_their_floats) {
  const float values[] = {-INFINITY, -3.4e38f, -1.5f, -1.0e-45f, -0.0f, 0.0f, 1.0e-45f, 1.0e-38f, 0.5f, 1.0f,
                          3.4e38f,   INFINITY};
  for (const float a : values) {
    const std::uint32_t key = xgb::PackedTrees::ordered_key(a);
    BOOST_TEST(key != 0u);  // kMissingKey and kSentinelKey are no value's
    BOOST_TEST(key != ~0u);
    BOOST_TEST(xgb::PackedTrees::from_ordered_key(key) == a);
    for (const float b : values) BOOST_TEST((a < b) == (key < xgb::PackedTrees::ordered_key(b)), a << " " << b);
  }
}
