// Seeds for xgboost_model_check_fuzzer: small models in the UBJSON layout XGBoost 1.7
// saves (keys sorted, per-node arrays typed, lengths as 'L'), written here so that no
// binary model is checked in: a gbtree of two trees and one with a categorical split.
// And for xgboost_walker_fuzzer, the same kinds of model in XGBoost's JSON.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace carton::fuzz {

class UbjsonSeed {
 public:
  std::vector<std::uint8_t> bytes;

  UbjsonSeed& raw(char c) {
    bytes.push_back(static_cast<std::uint8_t>(c));
    return *this;
  }
  UbjsonSeed& big_endian(std::uint64_t v, int width) {
    for (int b = width - 1; b >= 0; --b) bytes.push_back(static_cast<std::uint8_t>(v >> (8 * b)));
    return *this;
  }
  UbjsonSeed& key(const std::string& k) {
    raw('L').big_endian(k.size(), 8);
    bytes.insert(bytes.end(), k.begin(), k.end());
    return *this;
  }
  UbjsonSeed& string(const std::string& s) { return raw('S').key(s); }
  // A typed array of `type` ('l' int32, 'L' int64, 'U' uint8, 'd' float32 bits).
  UbjsonSeed& typed(char type, const std::vector<std::int64_t>& values) {
    const int width = type == 'l' || type == 'd' ? 4 : type == 'L' ? 8 : 1;
    raw('[').raw('$').raw(type).raw('#').raw('L').big_endian(values.size(), 8);
    for (auto v : values) big_endian(static_cast<std::uint64_t>(v), width);
    return *this;
  }
};

// A tree of three nodes: a root split on `feature` (categorical, on `categories`, when
// there are any) and two leaves.
inline void seed_tree(UbjsonSeed& s, int id, int feature, const std::vector<std::int64_t>& categories) {
  const bool cat = !categories.empty();
  const std::vector<std::int64_t> floats(3, 0x3f800000);  // 1.0f
  s.raw('{');
  s.key("base_weights").typed('d', floats);
  s.key("categories").typed('l', categories);
  s.key("categories_nodes").typed('l', cat ? std::vector<std::int64_t>{0} : std::vector<std::int64_t>{});
  s.key("categories_segments").typed('L', cat ? std::vector<std::int64_t>{0} : std::vector<std::int64_t>{});
  s.key("categories_sizes")
      .typed('L', cat ? std::vector<std::int64_t>{static_cast<std::int64_t>(categories.size())}
                      : std::vector<std::int64_t>{});
  s.key("default_left").typed('U', {1, 0, 0});
  s.key("id").raw('i').raw(static_cast<char>(id));
  s.key("left_children").typed('l', {1, -1, -1});
  s.key("loss_changes").typed('d', floats);
  s.key("parents").typed('l', {0x7fffffff, 0, 0});
  s.key("right_children").typed('l', {2, -1, -1});
  s.key("split_conditions").typed('d', floats);
  s.key("split_indices").typed('l', {feature, 0, 0});
  s.key("split_type").typed('U', {cat ? 1 : 0, 0, 0});
  s.key("sum_hessian").typed('d', floats);
  s.key("tree_param").raw('{');
  s.key("num_deleted").string("0").key("num_feature").string("4").key("num_nodes").string("3");
  s.key("size_leaf_vector").string("0").raw('}');
  s.raw('}');
}

// The whole model: trees given as (feature, categories) pairs.
inline std::vector<std::uint8_t> seed_model(const std::vector<std::pair<int, std::vector<std::int64_t>>>& trees) {
  UbjsonSeed s;
  s.raw('{').key("learner").raw('{');
  s.key("attributes").raw('{').raw('}');
  s.key("feature_names").raw('[').raw('#').raw('L').big_endian(0, 8);
  s.key("gradient_booster").raw('{').key("model").raw('{');
  s.key("gbtree_model_param").raw('{');
  s.key("num_parallel_tree").string("1").key("num_trees").string(std::to_string(trees.size())).raw('}');
  s.key("tree_info").raw('[').raw('#').raw('L').big_endian(trees.size(), 8);
  for (std::size_t t = 0; t < trees.size(); ++t) s.raw('i').raw(0);
  s.key("trees").raw('[').raw('#').raw('L').big_endian(trees.size(), 8);
  for (std::size_t t = 0; t < trees.size(); ++t) seed_tree(s, static_cast<int>(t), trees[t].first, trees[t].second);
  s.raw('}').key("name").string("gbtree").raw('}');
  s.key("learner_model_param").raw('{');
  s.key("base_score").string("5E-1").key("num_class").string("0").key("num_feature").string("4");
  s.key("num_target").string("1").raw('}');
  s.key("objective").raw('{').key("name").string("reg:squarederror");
  s.key("reg_loss_param").raw('{').key("scale_pos_weight").string("1").raw('}').raw('}');
  s.raw('}');
  s.key("version").raw('[').raw('#').raw('L').big_endian(3, 8).raw('i').raw(1).raw('i').raw(7).raw('i').raw(4);
  s.raw('}');
  return s.bytes;
}

// The same kind of model as XGBoost's JSON (what the runner's tree walker reads,
// walked_model.hpp): `booster` gbtree or dart, trees as (feature, categories) pairs, a
// categorical node's threshold NaN as XGBoost writes it.
inline std::string seed_json_model(const std::string& booster, const std::string& objective,
                                   const std::vector<std::pair<int, std::vector<std::int64_t>>>& trees) {
  auto list = [](const std::vector<std::int64_t>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
    return out + "]";
  };
  std::string tree_list, info, weights;
  for (std::size_t t = 0; t < trees.size(); ++t) {
    const auto& [feature, cats] = trees[t];
    const bool cat = !cats.empty();
    tree_list += std::string(t ? "," : "") + "{\"categories\":" + list(cats) +
                 ",\"categories_nodes\":" + (cat ? "[0]" : "[]") + ",\"categories_segments\":" + (cat ? "[0]" : "[]") +
                 ",\"categories_sizes\":" + (cat ? "[" + std::to_string(cats.size()) + "]" : "[]") +
                 ",\"default_left\":[1,0,0],\"id\":" + std::to_string(t) +
                 ",\"left_children\":[1,-1,-1],\"right_children\":[2,-1,-1]" +
                 ",\"split_conditions\":[" + (cat ? "NaN" : "5E-1") + ",-1E0,1E0]" +
                 ",\"split_indices\":[" + std::to_string(feature) + ",0,0],\"split_type\":[" + (cat ? "1" : "0") +
                 ",0,0],\"tree_param\":{\"num_feature\":\"4\",\"num_nodes\":\"3\",\"size_leaf_vector\":\"0\"}}";
    info += std::string(t ? "," : "") + "0";
    weights += std::string(t ? "," : "") + "5E-1";
  }
  std::string model = "{\"tree_info\":[" + info + "],\"trees\":[" + tree_list + "]}";
  const std::string gb =
      booster == "dart" ? "{\"gbtree\":{\"model\":" + model + "},\"name\":\"dart\",\"weight_drop\":[" + weights + "]}"
                        : "{\"model\":" + model + ",\"name\":\"gbtree\"}";
  return "{\"learner\":{\"gradient_booster\":" + gb +
         ",\"learner_model_param\":{\"base_score\":\"5E-1\",\"num_class\":\"0\",\"num_feature\":\"4\","
         "\"num_target\":\"1\"},\"objective\":{\"name\":\"" + objective + "\"}}}";
}

}  // namespace carton::fuzz
