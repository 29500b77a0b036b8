#include "walked_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace carton::runners::xgboost {

namespace {

using wire::JsonValue;
using Transform = WalkedModel::Transform;

const JsonValue& member(const JsonValue& v, const char* key) {
  const JsonValue* m = v.find(key);
  if (!m) throw std::invalid_argument(std::string("the saved model has no '") + key + "'");
  return *m;
}

const std::vector<JsonValue>& items(const JsonValue& v, const char* key) { return member(v, key).items; }

// XGBoost writes its parameters as strings ("5E-1") and its arrays as numbers.
double number(const JsonValue& v) { return std::strtod(v.text.c_str(), nullptr); }
float float_of(const JsonValue& v) { return std::strtof(v.text.c_str(), nullptr); }

// An integer of an index array, or -2 (an index no check takes) when it is none.
std::int64_t index_of(const JsonValue& v) {
  if (!v.is_integer() || v.text.size() > 18) return -2;
  return std::strtoll(v.text.c_str(), nullptr, 10);
}

// The objective's transform, and the margins XGBoost 1.7 may have made of base_score
// (its ProbToMargin, in float or double; the first that agrees is kept).
void read_objective(const std::string& name, double base_score, WalkedModel& m) {
  const auto b = static_cast<float>(base_score);
  if (name == "reg:squarederror" || name == "reg:linear" || name == "reg:pseudohubererror" ||
      name == "reg:absoluteerror" || name == "reg:squaredlogerror" || name == "rank:pairwise" ||
      name == "rank:ndcg" || name == "rank:map") {
    m.base_candidates = {b};
  } else if (name == "binary:hinge") {
    m.transform = Transform::kStep;
    m.base_candidates = {b};
  } else if (name == "binary:logistic" || name == "reg:logistic" || name == "binary:logitraw") {
    if (name != "binary:logitraw") m.transform = Transform::kSigmoid;
    m.base_candidates = {-std::log(1.0f / b - 1.0f), static_cast<float>(-std::log(1.0 / base_score - 1.0)), b};
  } else if (name == "count:poisson" || name == "reg:gamma" || name == "reg:tweedie" || name == "survival:cox" ||
             name == "survival:aft") {
    m.transform = Transform::kExp;
    m.base_candidates = {std::log(b), static_cast<float>(std::log(base_score)), b};
  } else if (name == "multi:softprob" || name == "multi:softmax") {
    m.transform = name == "multi:softprob" ? Transform::kSoftmax : Transform::kLargest;
    m.base_candidates = {b};
  } else {
    throw std::invalid_argument("objective " + name);
  }
  // Several groups are classes (softmax, largest) or targets (any other transform, on
  // each value: XGBoost's PredTransform is element-wise for them).
  const bool per_class = m.transform == Transform::kSoftmax || m.transform == Transform::kLargest;
  if (m.groups > 1 && per_class == m.targets) {
    throw std::invalid_argument("several output groups with objective " + name);
  }
}

// One tree's categorical splits (XGBoost's categories, categories_nodes,
// categories_segments, categories_sizes) into m's sets, by node of the tree.
std::vector<std::uint32_t> read_categories(const JsonValue& tree, std::size_t n, WalkedModel& m) {
  std::vector<std::uint32_t> set_of(n, WalkedModel::kNumerical);
  const JsonValue* types = tree.find("split_type");
  if (!types) return set_of;
  if (types->items.size() != n) throw std::invalid_argument("a tree whose split_type differs in length");
  const auto& nodes = items(tree, "categories_nodes");
  const auto& segments = items(tree, "categories_segments");
  const auto& sizes = items(tree, "categories_sizes");
  const auto& categories = items(tree, "categories");
  if (segments.size() != nodes.size() || sizes.size() != nodes.size()) {
    throw std::invalid_argument("a tree whose category arrays differ in length");
  }
  std::int64_t last = -1;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    // XGBoost's loader pairs them with the nodes in ascending order; any other order
    // it reads in its own way, which is not the walker's to follow.
    const std::int64_t node = index_of(nodes[i]);
    const std::int64_t begin = index_of(segments[i]), size = index_of(sizes[i]);
    if (node <= last || node >= static_cast<std::int64_t>(n)) {
      throw std::invalid_argument("a categorical node out of order");
    }
    if (begin < 0 || size <= 0 || static_cast<std::uint64_t>(begin) > categories.size() ||
        static_cast<std::uint64_t>(size) > categories.size() - static_cast<std::uint64_t>(begin)) {
      throw std::invalid_argument("a categorical split with no categories or past them");
    }
    last = node;
    std::int64_t largest = 0;
    for (std::int64_t j = begin; j < begin + size; ++j) {
      const std::int64_t c = index_of(categories[static_cast<std::size_t>(j)]);
      if (c < 0 || c >= WalkedModel::kMaxCategory) throw std::invalid_argument("a category out of range");
      largest = std::max(largest, c);
    }
    const auto words = static_cast<std::uint32_t>(largest / 32 + 1);
    if (m.category_bits.size() + words > WalkedModel::kMaxCategoryWords) {
      throw std::invalid_argument("categorical splits past " + std::to_string(WalkedModel::kMaxCategoryWords) +
                                  " words of categories");
    }
    WalkedModel::CategorySet set{static_cast<std::uint32_t>(m.category_bits.size()), words};
    m.category_bits.resize(m.category_bits.size() + words, 0);
    for (std::int64_t j = begin; j < begin + size; ++j) {
      const auto c = static_cast<std::uint32_t>(index_of(categories[static_cast<std::size_t>(j)]));
      m.category_bits[set.begin + c / 32] |= std::uint32_t(1) << (c % 32);
    }
    set_of[static_cast<std::size_t>(node)] = static_cast<std::uint32_t>(m.category_sets.size());
    m.category_sets.push_back(set);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const double type = number(types->items[i]);
    // A categorical node without categories, or categories on a numerical node: XGBoost
    // would send every row one way, or ignore them; neither is a model worth walking.
    if ((type != 0) != (set_of[i] != WalkedModel::kNumerical) || (type != 0 && type != 1)) {
      throw std::invalid_argument("a split_type that does not match the tree's categories");
    }
  }
  return set_of;
}

void read_tree(const JsonValue& tree, std::uint64_t num_features, WalkedModel& m) {
  if (number(member(member(tree, "tree_param"), "size_leaf_vector")) != 0) {
    throw std::invalid_argument("vector leaves");
  }
  const auto& left = items(tree, "left_children");
  const auto& right = items(tree, "right_children");
  const auto& feature = items(tree, "split_indices");
  const auto& value = items(tree, "split_conditions");
  const auto& default_left = items(tree, "default_left");
  const std::size_t n = left.size();
  if (n == 0 || right.size() != n || feature.size() != n || value.size() != n || default_left.size() != n) {
    throw std::invalid_argument("a tree whose node arrays differ in length");
  }
  if (m.nodes.size() + n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    throw std::invalid_argument("more nodes than an int32 counts");
  }
  const std::vector<std::uint32_t> set_of = read_categories(tree, n, m);
  const auto first = static_cast<std::int32_t>(m.nodes.size());
  m.roots.push_back(static_cast<std::uint32_t>(first));
  // A walk must end: with the root no node's child and every other node the child of
  // at most one, a path from the root never meets a node twice (a node's one parent is
  // the step before it), so it takes at most n steps. A model file that links a child
  // back to its ancestor is hostile input, and is left to XGBoost, whose child check at
  // Load bounds it.
  std::vector<std::uint8_t> parents(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    WalkedModel::Node node;
    const std::int64_t l = index_of(left[i]), r = index_of(right[i]);
    if (l != -1) {
      if (l <= 0 || r <= 0 || static_cast<std::uint64_t>(l) >= n || static_cast<std::uint64_t>(r) >= n) {
        throw std::invalid_argument("a child index out of range");
      }
      if (l == r || ++parents[std::size_t(l)] > 1 || ++parents[std::size_t(r)] > 1) {
        throw std::invalid_argument("a node that is the child of two (not a tree)");
      }
      node.left = first + static_cast<std::int32_t>(l);
      node.right = first + static_cast<std::int32_t>(r);
      const std::int64_t f = index_of(feature[i]);
      if (f < 0 || static_cast<std::uint64_t>(f) >= num_features) {
        throw std::invalid_argument("a split past the features");
      }
      node.feature = static_cast<std::uint32_t>(f);
      node.categories = set_of[i];
    } else if (set_of[i] != WalkedModel::kNumerical) {
      throw std::invalid_argument("a leaf with categories");
    }
    node.value = float_of(value[i]);
    node.default_left = default_left[i].kind == JsonValue::Kind::kBool ? default_left[i].boolean
                                                                       : number(default_left[i]) != 0;
    m.nodes.push_back(node);
  }
}

void read_trees(const JsonValue& model, std::uint64_t num_features, WalkedModel& m) {
  for (const JsonValue& group : items(model, "tree_info")) {
    const double g = number(group);
    if (!(g >= 0 && g < static_cast<double>(m.groups))) throw std::invalid_argument("a tree of no output group");
    m.group_of.push_back(static_cast<std::uint32_t>(g));
  }
  for (const JsonValue& tree : items(model, "trees")) read_tree(tree, num_features, m);
  if (m.group_of.size() != m.roots.size()) throw std::invalid_argument("tree_info and trees differ in length");
}

}  // namespace

WalkedModel read_walked_model(const JsonValue& saved, std::uint64_t num_features) {
  WalkedModel m;
  const JsonValue& learner = member(saved, "learner");
  const JsonValue& param = member(learner, "learner_model_param");
  const double classes = number(member(param, "num_class"));
  if (classes > 1) {
    if (classes > 1e6) throw std::invalid_argument("more than a million classes");
    m.groups = static_cast<std::uint64_t>(classes);
  }
  // XGBoost 1.7: num_output_group = max(num_class, num_target), a tree's group in
  // tree_info its class or its target.
  if (const JsonValue* t = param.find("num_target"); t && number(*t) > 1) {
    if (classes > 1) throw std::invalid_argument("a multi-target model with classes");
    if (number(*t) > 1e6) throw std::invalid_argument("more than a million targets");
    m.groups = static_cast<std::uint64_t>(number(*t));
    m.targets = true;
  }
  read_objective(member(member(learner, "objective"), "name").text, number(member(param, "base_score")), m);
  const JsonValue& gb = member(learner, "gradient_booster");
  const std::string booster = member(gb, "name").text;
  if (booster == "gbtree") {
    read_trees(member(gb, "model"), num_features, m);
  } else if (booster == "dart") {
    read_trees(member(member(gb, "gbtree"), "model"), num_features, m);
    for (const JsonValue& w : items(gb, "weight_drop")) m.tree_weights.push_back(float_of(w));
    if (m.tree_weights.size() != m.roots.size()) throw std::invalid_argument("weight_drop and trees differ in length");
  } else if (booster == "gblinear") {
    const auto& weights = items(member(gb, "model"), "weights");
    if (weights.size() != (num_features + 1) * m.groups) {
      throw std::invalid_argument("gblinear weights that are not (features + 1) x groups");
    }
    for (const JsonValue& w : weights) m.linear.push_back(float_of(w));
  } else {
    throw std::invalid_argument("booster " + booster);
  }
  return m;
}

}  // namespace carton::runners::xgboost
