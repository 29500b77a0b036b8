// check_saved_model on what XGBoost saves of every test model (all pass), on those
// bytes with one index damaged the way the mutants of errors_test.cpp damage them (each
// refused, naming the tree, node, value and bound), and on cut and randomly changed
// bytes (refused with std::invalid_argument, never a crash, a hang or another error).
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>

#include "booster.hpp"
#include "saved_model_check.hpp"
#include "xgboost_models.hpp"

using namespace carton;
using namespace carton::runners::xgboost;
using carton::xgboost_test::Models;

namespace {

wire::Bytes bytes_of(const std::string& s) { return wire::Bytes::copy_of(s.data(), s.size()); }

// What the runner's child hands back for model directory `name`'s `file`.
std::string saved_again(const std::string& name, const std::string& file) {
  std::ifstream in(Models::get().dir(name) / file, std::ios::binary);
  const std::string original{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  BOOST_REQUIRE_MESSAGE(!original.empty(), name << "/" << file);
  return Booster(bytes_of(original), 1).saved_ubjson();
}

// The error check_saved_model throws, or "(accepted)".
std::string verdict(const std::string& model) {
  try {
    check_saved_model(bytes_of(model));
    return "(accepted)";
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}

std::size_t nth(const std::string& model, const std::string& needle, int n) {
  std::size_t at = 0;
  for (int k = 0; k <= n; ++k) {
    at = model.find(needle, k == 0 ? 0 : at + 1);
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, needle << " #" << n);
  }
  return at;
}

// Element `i` of the `tree`-th typed array `key` (as XGBoost writes it: [$<t>#L<count>).
void set_element(std::string& model, const std::string& key, int tree, std::uint64_t i, std::int64_t value) {
  const std::size_t at = nth(model, key + "[$", tree) + key.size() + 2;
  const char type = model[at];
  const std::size_t width = type == 'l' ? 4 : type == 'L' ? 8 : type == 'U' ? 1 : 0;
  BOOST_REQUIRE(width != 0);
  const std::size_t first = at + 1 + 1 + 1 + 8;  // type, '#', 'L', the count
  const auto u = static_cast<std::uint64_t>(value);
  for (std::size_t b = 0; b < width; ++b) model[first + i * width + b] = static_cast<char>(u >> (8 * (width - 1 - b)));
}

std::int64_t element(const std::string& model, const std::string& key, int tree, std::uint64_t i) {
  const std::size_t first = nth(model, key + "[$l#L", 0 + tree) + key.size() + 5 + 8;
  std::uint32_t u = 0;
  for (std::size_t b = 0; b < 4; ++b) u = (u << 8) | static_cast<unsigned char>(model[first + i * 4 + b]);
  return static_cast<std::int32_t>(u);
}

// The count of the `tree`-th typed array `key`.
std::uint64_t count_of(const std::string& model, const std::string& key, int tree) {
  const std::size_t at = nth(model, key + "[$", tree) + key.size() + 5;
  std::uint64_t n = 0;
  for (std::size_t b = 0; b < 8; ++b) n = (n << 8) | static_cast<unsigned char>(model[at + b]);
  return n;
}

// The first tree with a categorical split.
int first_categorical_tree(const std::string& model) {
  for (int t = 0;; ++t) {
    if (count_of(model, "categories_nodes", t) > 0) return t;
  }
}

// The string value of `key` (S, L, 8-byte length), replaced by one of the same length.
void set_string(std::string& model, const std::string& key, const std::string& value) {
  const std::size_t at = nth(model, key + "SL", 0) + key.size() + 2 + 8;
  model.replace(at, value.size(), value);
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(saved_model_check)

BOOST_AUTO_TEST_CASE(every_model_xgboost_saves_passes) {
  for (const auto& [name, file] : std::initializer_list<std::pair<const char*, const char*>>{
           {"regression", "model.json"}, {"regression_ubj", "model.ubj"}, {"regression_bin", "model.bin"},
           {"binary", "model.json"}, {"multiclass", "model.json"}, {"softmax", "model.json"},
           {"multitarget", "model.json"}, {"missing", "model.json"}, {"dart", "model.ubj"},
           {"linear", "model.ubj"}, {"forest", "model.ubj"}, {"categorical", "model.ubj"}}) {
    BOOST_TEST_CONTEXT(name) { BOOST_TEST(verdict(saved_again(name, file)) == "(accepted)"); }
  }
}

BOOST_AUTO_TEST_CASE(indices_xgboost_follows_without_a_bound_are_refused) {
  const std::string good = saved_again("regression", "model.json");
  const std::int64_t root_left = element(good, "left_children", 0, 0);
  const std::int64_t root_right = element(good, "right_children", 0, 0);
  struct Damage {
    const char* what;
    std::function<void(std::string&)> apply;
    const char* says;
  };
  const Damage damages[] = {
      {"a parent past the tree", [](std::string& m) { set_element(m, "parents", 3, 5, 2080374795); },
       "tree 3, node 5: parent 2080374795 is not one of the tree's"},
      {"a child past the tree", [](std::string& m) { set_element(m, "left_children", 0, 0, 5000); },
       "tree 0, node 0: child 5000 is not one of the tree's"},
      {"a negative child", [](std::string& m) { set_element(m, "right_children", 2, 0, -144); },
       "tree 2, node 0: child -144"},
      {"a node reached twice", [&](std::string& m) { set_element(m, "right_children", 0, 0, root_left); },
       "is reached twice from the root"},
      {"a child back to the root", [&](std::string& m) { set_element(m, "left_children", 0, root_right, 0); },
       "child 0 is not one of the tree's"},
      {"a split past the features", [](std::string& m) { set_element(m, "split_indices", 1, 0, 8); },
       "tree 1, node 0: split feature 8 is not below num_feature 8"},
      {"a split type of 2", [](std::string& m) { set_element(m, "split_type", 0, 3, 2); },
       "tree 0, node 3: split_type 2, not 0 or 1"},
      {"num_trees above the trees", [](std::string& m) { set_string(m, "num_trees", "13"); },
       "num_trees is 13; the model has 12 trees and 12 tree_info entries"},
      {"num_parallel_tree 0", [](std::string& m) { set_string(m, "num_parallel_tree", "0"); },
       "num_parallel_tree is 0, not at least 1"},
      // "27" -> "97"
      {"num_nodes above the arrays", [](std::string& m) { m[nth(m, "num_nodesSL", 0) + 11 + 8] = '9'; },
       "has 27 elements, not num_nodes 97"},
      // loss_changes renamed base_weights (the same length): one key twice in tree 0.
      {"a key twice", [](std::string& m) { m.replace(nth(m, "loss_changes[$", 0), 12, "base_weights"); },
       "key \"base_weights\" twice in one object"},
      // The count's top byte: 2^62 and more.
      {"a lying typed count", [](std::string& m) { m[nth(m, "parents[$l#L", 0) + 12] = 0x40; },
       "elements of 4 bytes in"},
  };
  BOOST_REQUIRE(verdict(good) == "(accepted)");
  for (const auto& d : damages) {
    BOOST_TEST_CONTEXT(d.what) {
      std::string bad = good;
      d.apply(bad);
      const std::string said = verdict(bad);
      BOOST_TEST_MESSAGE(d.what << ": " << said);
      BOOST_TEST(contains(said, d.says), said);
    }
  }
}

BOOST_AUTO_TEST_CASE(output_groups_and_categories_are_bounded) {
  std::string one_group = saved_again("regression", "model.json");
  // tree_info is [#L<12> then i<group> per tree: the fourth tree's group becomes 1.
  one_group[nth(one_group, "tree_info[#L", 0) + 12 + 8 + 3 * 2 + 1] = 1;
  BOOST_TEST(contains(verdict(one_group), "tree_info names output group 1; the model has 1"));

  const std::string cat = saved_again("categorical", "model.ubj");
  BOOST_REQUIRE(verdict(cat) == "(accepted)");
  const int t = first_categorical_tree(cat);
  std::string segment = cat;
  set_element(segment, "categories_segments", t, 0, 100000);
  BOOST_TEST(contains(verdict(segment), "is not inside the"), verdict(segment));
  std::string huge = cat;
  set_element(huge, "categories", t, 0, std::int64_t(1) << 24);
  BOOST_TEST(contains(verdict(huge), "category 16777216 is outside [0, 16777216)"), verdict(huge));
  // A categorical node typed numerical: categories_nodes then names a node it should not.
  std::string numerical = cat;
  set_element(numerical, "split_type", t, static_cast<std::uint64_t>(element(cat, "categories_nodes", t, 0)), 0);
  BOOST_TEST(contains(verdict(numerical), "nodes of split_type 1, and"), verdict(numerical));
}

BOOST_AUTO_TEST_CASE(cut_nested_and_random_bytes_are_refused_cleanly) {
  const std::string good = saved_again("categorical", "model.ubj");
  for (std::size_t n = 0; n < good.size(); n += 37) {
    const std::string said = verdict(good.substr(0, n));
    if (said == "(accepted)") BOOST_FAIL("a model cut to " << n << " of " << good.size() << " bytes was accepted");
  }
  // {"other": [[[[...: deeper than any model, in a member the check only skips.
  const std::string deep = std::string("{L\0\0\0\0\0\0\0\x05other", 1 + 1 + 8 + 5) + std::string(100000, '[');
  BOOST_TEST(contains(verdict(deep), "nested deeper than 32"), verdict(deep));
  // Random damage: accepted or refused with std::invalid_argument (verdict() lets
  // every other exception through, and a crash ends the test).
  std::mt19937 rng(23);
  int refused = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string bad = good;
    for (unsigned k = 0, n = 1 + rng() % 8; k < n; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
    refused += verdict(bad) != "(accepted)";
  }
  BOOST_TEST_MESSAGE("2000 randomly damaged models: " << refused << " refused");
  BOOST_TEST(refused > 0);
}

BOOST_AUTO_TEST_SUITE_END()
