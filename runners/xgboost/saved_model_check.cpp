#include "saved_model_check.hpp"

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "saved_tree_check.hpp"
#include "ubjson_reader.hpp"

namespace carton::runners::xgboost {

namespace {

using TypedArray = UbjsonReader::TypedArray;

// A count of nodes or trees: XGBoost holds them in int32.
constexpr std::uint64_t kMaxIndex = std::numeric_limits<std::int32_t>::max();

// Keys in one of the objects the check reads (a tree has 16): the duplicate search is
// quadratic in them.
constexpr std::size_t kMaxMembers = 256;

[[noreturn]] void refuse(const std::string& what) { throw std::invalid_argument(what); }

// A parameter XGBoost writes as a decimal string ("27").
std::uint64_t decimal(std::string_view s, const std::string& field) {
  std::uint64_t v = 0;
  bool ok = !s.empty() && s.size() <= 10;
  for (char c : s) {
    if (c < '0' || c > '9') ok = false;
    if (ok) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!ok || v > kMaxIndex) {
    refuse(field + " is \"" + std::string(s.substr(0, 32)) + "\", not a decimal integer in [0, " +
           std::to_string(kMaxIndex) + "]");
  }
  return v;
}

class ModelCheck {
 public:
  explicit ModelCheck(const wire::Bytes& b) : r_(b.data(), b.size()) {}

  void run() {
    if (r_.marker() != '{') r_.fail("the model is not a UBJSON object");
    members(1, [&](std::string_view key, char m, int depth) {
      if (key == "learner") {
        object(m, "learner");
        learner(depth);
      } else {
        r_.skip(m, depth);
      }
    });
    if (!r_.at_end()) r_.fail("bytes after the model's object");
    finish();
  }

 private:
  template <class F>
  void members(int depth, F&& f) {
    within_depth(depth);
    const auto c = r_.open();
    if (c.type != 0) r_.fail("a typed object");
    // A key twice: which one XGBoost's reader keeps is not this check's to guess, and
    // the one checked must be the one loaded. XGBoost never writes one twice.
    std::vector<std::string_view> seen;
    for (std::int64_t taken = 0; r_.more(c, taken, '}'); ++taken) {
      const std::string_view key = r_.string_body();
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        r_.fail("key \"" + std::string(key.substr(0, 64)) + "\" twice in one object");
      }
      if (seen.size() == kMaxMembers) r_.fail("an object of more than " + std::to_string(kMaxMembers) + " keys");
      seen.push_back(key);
      f(key, r_.marker(), depth + 1);
    }
  }

  // Elements of an array, typed or not: `integer(i, value)` for each (floats truncated).
  template <class F>
  std::uint64_t elements(char m, int depth, const std::string& field, F&& integer) {
    if (m != '[') refuse(field + " is not an array");
    within_depth(depth);
    const auto c = r_.open();
    if (c.type != 0) {
      const TypedArray a = r_.typed_elements(c);
      const bool integers = a.type != 'd' && a.type != 'D' && a.type != 'C';
      for (std::uint64_t i = 0; i < a.count; ++i) integer(i, integers ? a.integer(i) : 0);
      return a.count;
    }
    std::int64_t taken = 0;
    for (; r_.more(c, taken, ']'); ++taken) {
      const char e = r_.marker();
      if (e == 'd' || e == 'D' || e == 'S' || e == 'H') {
        r_.skip(e, depth);
        integer(taken, 0);
      } else {
        integer(taken, r_.integer_after(e));
      }
    }
    return static_cast<std::uint64_t>(taken);
  }

  void within_depth(int depth) const {
    if (depth > UbjsonReader::kMaxDepth) {
      r_.fail("containers nested deeper than " + std::to_string(UbjsonReader::kMaxDepth));
    }
  }

  void object(char m, const std::string& field) {
    if (m != '{') refuse(field + " is not an object");
  }

  std::string_view string(char m, const std::string& field) {
    if (m != 'S') refuse(field + " is not a string");
    return r_.string_body();
  }

  // An object of parameters XGBoost writes as decimal strings: those in `wanted` are
  // read into their targets, the others skipped.
  void decimals(char m, int depth, const std::string& path,
                std::initializer_list<std::pair<std::string_view, std::optional<std::uint64_t>*>> wanted) {
    object(m, path);
    members(depth, [&](std::string_view k, char v, int d) {
      for (const auto& [key, target] : wanted) {
        if (k != key) continue;
        const std::string field = path + "." + std::string(k);
        *target = decimal(string(v, field), field);
        return;
      }
      r_.skip(v, d);
    });
  }

  void learner(int depth) {
    members(depth, [&](std::string_view key, char m, int d) {
      if (key == "gradient_booster") {
        object(m, "gradient_booster");
        booster(d, "gradient_booster");
      } else if (key == "learner_model_param") {
        decimals(m, d, "learner_model_param",
                 {{"num_feature", &num_feature_}, {"num_class", &num_class_}, {"num_target", &num_target_}});
      } else {
        r_.skip(m, d);
      }
    });
  }

  // gbtree: {model, name}; dart: {gbtree: {model, name}, name, weight_drop}; gblinear:
  // {model: {weights, ...}, name}.
  void booster(int depth, const std::string& path) {
    members(depth, [&](std::string_view key, char m, int d) {
      const std::string field = path + "." + std::string(key);
      if (key == "name") {
        const std::string_view name = string(m, field);
        if (name != "gbtree" && name != "dart" && name != "gblinear") {
          refuse(field + " is \"" + std::string(name.substr(0, 32)) + "\"; XGBoost's are gbtree, dart, gblinear");
        }
        if (name == "dart") dart_ = true;
        if (name == "gblinear") linear_ = true;
      } else if (key == "gbtree") {
        object(m, field);
        booster(d, field);
      } else if (key == "weight_drop") {
        weight_drop_ = elements(m, d, field, [](std::uint64_t, std::int64_t) {});
      } else if (key == "model") {
        object(m, field);
        model(d, field);
      } else {
        r_.skip(m, d);
      }
    });
  }

  void model(int depth, const std::string& path) {
    members(depth, [&](std::string_view key, char m, int d) {
      const std::string field = path + "." + std::string(key);
      if (key == "gbtree_model_param") {
        decimals(m, d, field, {{"num_trees", &num_trees_}, {"num_parallel_tree", &num_parallel_tree_}});
      } else if (key == "tree_info") {
        tree_info_ = elements(m, d, field, [&](std::uint64_t i, std::int64_t group) {
          if (group < 0 || group > static_cast<std::int64_t>(kMaxIndex)) {
            refuse(field + "[" + std::to_string(i) + "] is " + std::to_string(group) + ", not an output group");
          }
          max_group_ = std::max(max_group_, group);
        });
      } else if (key == "trees") {
        trees(m, d, field);
      } else if (key == "weights") {
        weights_ = elements(m, d, field, [](std::uint64_t, std::int64_t) {});
      } else {
        r_.skip(m, d);
      }
    });
  }

  void trees(char m, int depth, const std::string& field) {
    if (m != '[') refuse(field + " is not an array");
    const auto c = r_.open();
    if (c.type != 0) refuse(field + " is a typed array, not one of tree objects");
    std::int64_t t = 0;
    for (; r_.more(c, t, ']'); ++t) {
      const std::string name = "tree " + std::to_string(t);
      object(r_.marker(), name);
      tree(depth + 1, name);
    }
    tree_count_ = static_cast<std::uint64_t>(t);
  }

  void tree(int depth, const std::string& name) {
    SavedTree a;
    members(depth, [&](std::string_view key, char m, int d) {
      auto typed = [&](char type, char other = 0) {
        const std::string field = name + ": " + std::string(key);
        if (m != '[') refuse(field + " is not an array");
        const auto c = r_.open();
        if (c.type != type && (other == 0 || c.type != other)) {
          refuse(field + " is not a typed array of '" + std::string(1, type) + "' elements, as XGBoost writes it");
        }
        return r_.typed_elements(c);
      };
      if (key == "left_children") a.left = typed('l');
      else if (key == "right_children") a.right = typed('l');
      else if (key == "parents") a.parent = typed('l');
      else if (key == "split_indices") a.split_index = typed('l', 'L');
      else if (key == "split_type") a.split_type = typed('U');
      else if (key == "categories") a.categories = typed('l');
      else if (key == "categories_nodes") a.categories_nodes = typed('l');
      else if (key == "categories_segments") a.categories_segments = typed('L');
      else if (key == "categories_sizes") a.categories_sizes = typed('L');
      else if (key == "id") a.id = r_.integer_after(m);
      else if (key == "tree_param") decimals(m, d, name + ": tree_param", {{"num_nodes", &a.num_nodes}});
      else {
        // The float arrays: XGBoost checks their counts itself and indexes nothing by them.
        r_.skip(m, d);
      }
    });
    const TreeFacts facts = check_saved_tree(a, name);
    ids_.push_back(a.id);
    if (facts.max_feature > max_feature_) {
      max_feature_ = facts.max_feature;
      max_feature_at_ = facts.max_feature_at;
    }
    category_bytes_ += facts.category_bytes;
    if (category_bytes_ > kMaxCategoryBitBytes) {
      refuse(name + ": with it, the categorical splits' bit sets would take more than " +
             std::to_string(kMaxCategoryBitBytes >> 20) + " MiB");
    }
  }

  void finish() const {
    if (!num_feature_) refuse("learner.learner_model_param has no num_feature");
    const std::uint64_t groups =
        std::max<std::uint64_t>({1, num_class_.value_or(0), num_target_.value_or(0)});
    if (linear_) {
      if (weights_ != (*num_feature_ + 1) * groups) {
        refuse("gblinear's weights has " + std::to_string(weights_) + " elements, not (num_feature " +
               std::to_string(*num_feature_) + " + 1) x " + std::to_string(groups) + " output groups");
      }
      return;
    }
    if (!num_trees_) refuse("gbtree_model_param has no num_trees");
    if (!num_parallel_tree_) refuse("gbtree_model_param has no num_parallel_tree");
    if (*num_parallel_tree_ == 0) {
      refuse("gbtree_model_param.num_parallel_tree is 0, not at least 1 (XGBoost divides the trees by it)");
    }
    if (tree_count_ != *num_trees_ || tree_info_ != *num_trees_) {
      refuse("gbtree_model_param.num_trees is " + std::to_string(*num_trees_) + "; the model has " +
             std::to_string(tree_count_) + " trees and " + std::to_string(tree_info_) + " tree_info entries");
    }
    if (dart_ && weight_drop_ != *num_trees_) {
      refuse("dart's weight_drop has " + std::to_string(weight_drop_) + " elements for " +
             std::to_string(*num_trees_) + " trees");
    }
    std::vector<bool> used(*num_trees_, false);
    for (std::int64_t id : ids_) {
      if (static_cast<std::uint64_t>(id) >= *num_trees_ || used[static_cast<std::uint64_t>(id)]) {
        refuse("tree id " + std::to_string(id) + " is outside the " + std::to_string(*num_trees_) +
               " trees or used twice");
      }
      used[static_cast<std::uint64_t>(id)] = true;
    }
    if (tree_info_ > 0 && static_cast<std::uint64_t>(max_group_) >= groups) {
      refuse("tree_info names output group " + std::to_string(max_group_) + "; the model has " +
             std::to_string(groups));
    }
    if (max_feature_ >= 0 && static_cast<std::uint64_t>(max_feature_) >= *num_feature_) {
      refuse(max_feature_at_ + ": split feature " + std::to_string(max_feature_) + " is not below num_feature " +
             std::to_string(*num_feature_));
    }
  }

  UbjsonReader r_;
  std::optional<std::uint64_t> num_feature_, num_class_, num_target_, num_trees_, num_parallel_tree_;
  bool dart_ = false, linear_ = false;
  std::uint64_t tree_count_ = 0, tree_info_ = 0, weight_drop_ = 0, weights_ = 0;
  std::int64_t max_group_ = -1, max_feature_ = -1;
  std::string max_feature_at_;
  std::uint64_t category_bytes_ = 0;
  std::vector<std::int64_t> ids_;
};

}  // namespace

void check_saved_model(const wire::Bytes& ubjson) { ModelCheck(ubjson).run(); }

}  // namespace carton::runners::xgboost
