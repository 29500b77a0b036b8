// Bad models, bad options and bad inputs: each gets an Error that says what is wrong,
// and the runner stays up (a good Load and infer afterwards still work).
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <fstream>
#include <random>

#include "xgboost_models.hpp"

using namespace carton;
using namespace carton::xgboost_test;
using wire::Tensor;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

void still_serves(mock::MockCore& core) {
  const auto& c = Models::get().find("regression");
  load(core, c.model);
  check_output(infer(core, c.inputs).at("output"), c.name);
  BOOST_TEST(!core.runner_exit_status().has_value());
}

// The Load error for model directory `name` (with `o`), then a good Load and infer.
std::string load_error(const std::string& name, std::optional<RunnerOpts> o = std::nullopt) {
  mock::MockCore core(runner_options());
  const auto e = error_of([&] { load(core, name, o); });
  BOOST_TEST_MESSAGE(name << ": " << e);
  still_serves(core);
  return e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(no_model_file) {
  const auto e = load_error("empty");
  BOOST_TEST(contains(e, "Load: no model file: the model directory holds none of model.json, model.ubj, model.bin"), e);
  const auto named = load_error("regression", opts({{"model_file", wire::StringOpt{"nothere.json"}}}));
  BOOST_TEST(contains(named, "Load: cannot read nothere.json"), named);
}

BOOST_AUTO_TEST_CASE(truncated_corrupt_and_not_a_model) {
  const std::pair<const char*, const char*> cases[] = {
      {"truncated", "model.json ("},
      {"flipped", "model.ubj ("},
      {"not_a_model", "model.bin ("},
  };
  for (const auto& [name, file] : cases) {
    const auto e = load_error(name);
    BOOST_TEST(contains(e, std::string("Load: ") + file), e);
    BOOST_TEST(contains(e, "is not a model XGBoost 1.7"), e);
  }
}

BOOST_AUTO_TEST_CASE(trees_that_would_crash_xgboost_are_refused_in_a_child) {
  const auto child = load_error("bad_child");
  BOOST_TEST(contains(child, "Load: loading model.json in a child process first, the child was killed by "), child);
  const auto feature = load_error("bad_feature");
  BOOST_TEST(contains(feature, "Load: model.json has a tree that splits on a feature the model does not have"), feature);
}

BOOST_AUTO_TEST_CASE(a_model_of_a_later_major_version_is_refused_naming_both) {
  const auto e = load_error("newer_major");
  BOOST_TEST(contains(e, "model.json was saved by XGBoost 2.1.0; this runner's XGBoost 1.7."), e);
  BOOST_TEST(contains(e, "reads models of major version 1 and older"), e);
}

BOOST_AUTO_TEST_CASE(runner_options_are_checked) {
  const std::pair<const char*, RunnerOpts> cases[] = {
      {"unknown runner option 'nthreads'", opts({{"nthreads", wire::IntegerOpt{2}}})},
      {"'nthread' is a string", opts({{"nthread", wire::StringOpt{"2"}}})},
      {"'nthread' is -1; it takes 0 to 1024", opts({{"nthread", wire::IntegerOpt{-1}}})},
      {"'output_margin' is an integer", opts({{"output_margin", wire::IntegerOpt{1}}})},
      {"'missing' is a string", opts({{"missing", wire::StringOpt{"nan"}}})},
      {"'iteration_end' is 50; model.json has 12 boosting rounds", opts({{"iteration_end", wire::IntegerOpt{50}}})},
      {"'iteration_begin' (5) and 'iteration_end' (5) name no round",
       opts({{"iteration_begin", wire::IntegerOpt{5}}, {"iteration_end", wire::IntegerOpt{5}}})},
      {"'model_file' is empty", opts({{"model_file", wire::StringOpt{""}}})},
  };
  for (const auto& [want, o] : cases) {
    const auto e = load_error("regression", o);
    BOOST_TEST(contains(e, want), e);
  }
}

BOOST_AUTO_TEST_CASE(bad_inputs) {
  mock::MockCore core(runner_options());
  const auto& good = Models::get().find("regression").inputs.at("input");
  const auto no_model = error_of([&] { infer(core, {{"input", good}}); });
  BOOST_TEST(contains(no_model, "no model loaded (send Load with a model directory holding model.json"), no_model);
  load(core, "regression");
  const std::pair<const char*, Tensors> cases[] = {
      {"input 'input': is int32; this runner takes float32 or float64",
       {{"input", Tensor::from_values<std::int32_t>({1, 8}, std::vector<std::int32_t>(8, 1))}}},
      {"input 'input' has 1 dimensions [8]; this runner takes 2 ([N, F]",
       {{"input", Tensor::from_values<float>({8}, std::vector<float>(8, 1.0f))}}},
      {"input 'input': dimension 1 (features) is 6; the model takes 8",
       {{"input", Tensor::from_values<float>({5, 6}, std::vector<float>(30, 1.0f))}}},
      {"input 'input': it has no rows (N = 0)", {{"input", Tensor::from_values<float>({0, 8}, {0.0f})}}},
      {"input 'x': this runner takes 'input' and, optionally, 'base_margin'", {{"input", good}, {"x", good}}},
      {"input 'input'", {}},
      {"input 'base_margin': dimension 0 (rows, as in 'input') is 3; the model takes 50",
       {{"input", good}, {"base_margin", Tensor::from_values<float>({3}, {0.0f, 0.0f, 0.0f})}}},
  };
  for (const auto& [want, inputs] : cases) {
    const auto e = error_of([&] { infer(core, inputs); });
    BOOST_TEST(contains(e, want), e);
    BOOST_TEST(contains(e, "Infer: "), e);
  }
  check_output(infer(core, {{"input", good}}).at("output"), "regression");
  BOOST_TEST(core.violations().empty());
}

BOOST_AUTO_TEST_CASE(without_validate_features_xgboost_says_it) {
  mock::MockCore core(runner_options());
  load(core, "regression", opts({{"validate_features", wire::BooleanOpt{false}}}));
  const auto e = error_of([&] { infer(core, {{"input", Tensor::from_values<float>({5, 6}, std::vector<float>(30, 1.0f))}}); });
  BOOST_TEST(contains(e, "Infer: XGBoost cannot predict: "), e);
  BOOST_TEST(contains(e, "(6 vs. 8)"), e);
  BOOST_TEST(!contains(e, "Stack trace"), e);
  check_output(infer(core, Models::get().find("regression").inputs).at("output"), "regression");
}

BOOST_AUTO_TEST_CASE(damaged_models_never_take_the_runner_down) {
  // One to eight bytes changed, or the file cut, in each format, as a damaged
  // download would be: XGBoost crashes on a few of these (in the child, for the
  // runner), refuses most, and loads some whose changes it does not see. Every Load
  // and one infer after it must be answered, and the runner must stay up.
  namespace stdfs = std::filesystem;
  const stdfs::path root = stdfs::temp_directory_path() / ("carton-xgboost-mutants-" + std::to_string(::getpid()));
  std::mt19937 rng(19);
  mock::MockCore core(runner_options());
  const auto& rows = Models::get().find("regression").inputs;
  int loaded = 0, refused = 0;
  for (const char* model : {"regression/model.json", "regression_ubj/model.ubj", "regression_bin/model.bin"}) {
    std::ifstream in(Models::get().dir(model), std::ios::binary);
    const std::string good{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    for (int i = 0; i < 40; ++i) {
      BOOST_TEST_CHECKPOINT(model << " mutant " << i);
      std::string bad = good;
      if (i % 4 == 0) {
        bad.resize(rng() % bad.size());
      } else {
        for (unsigned k = 0, n = 1 + rng() % 8; k < n; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
      }
      stdfs::remove_all(root);
      stdfs::create_directories(root);
      std::ofstream(root / stdfs::path(model).filename(), std::ios::binary) << bad;
      const auto load = mock::testing::load_request(core.serve_directory(root.string(), false), "xgboost");
      if (error_of([&] { core.core().load(load); }) == "(no error)") {
        ++loaded;
        error_of([&] { infer(core, rows); });
      } else {
        ++refused;
      }
      BOOST_REQUIRE_MESSAGE(!core.runner_exit_status().has_value(), model << " mutant " << i << " killed the runner");
    }
  }
  stdfs::remove_all(root);
  std::printf("xgboost: 120 damaged models: %d refused, %d loaded, 0 took the runner down\n", refused, loaded);
  still_serves(core);
}
