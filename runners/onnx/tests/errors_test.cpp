// Bad models and bad inputs: each gets an Error that says what is wrong, and the
// runner stays up (a good request afterwards still works).
#include <boost/test/unit_test.hpp>

#include "onnx_models.hpp"

using namespace carton;
using namespace carton::onnx_test;
using wire::Tensor;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The Load error for model directory `name` (with `o`), then a good Load and infer.
std::string load_error(const std::string& name, std::optional<RunnerOpts> o = std::nullopt) {
  mock::MockCore core(runner_options());
  const auto e = error_of([&] { load(core, name, o); });
  BOOST_TEST_MESSAGE(name << ": " << e);
  load(core, "mlp");
  check_close(infer(core, inputs_of("mlp", 1, {"x"})).at("y"), "mlp.b1.y.out");
  BOOST_TEST(!core.runner_exit_status().has_value());
  return e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(no_model_file) {
  const auto e = load_error("expected");  // a directory without model.onnx
  BOOST_TEST(contains(e, "Load: no model file: the model directory holds no model.onnx; the runner option model_file "
                         "names another"), e);
}

BOOST_AUTO_TEST_CASE(truncated_corrupt_and_not_onnx_files) {
  for (const char* name : {"truncated", "not_onnx"}) {
    const auto e = load_error(name);
    BOOST_TEST(contains(e, "is not an ONNX model: it does not parse as an onnx.ModelProto"), e);
  }
  // 20 bytes flipped in the header: it may parse, then the checker or the parser says no.
  const auto e = load_error("flipped");
  BOOST_TEST(contains(e, "Load: model.onnx"), e);
}

BOOST_AUTO_TEST_CASE(empty_graph) {
  const auto e = load_error("empty_graph");
  BOOST_TEST(contains(e, "the graph has no nodes"), e);
}

BOOST_AUTO_TEST_CASE(unsupported_operator_names_the_node_its_op_and_opset) {
  const auto e = load_error("unsupported_op");
  BOOST_TEST(contains(e, "cannot import node 'the_mod' (Mod, ai.onnx opset 13): it has no layer for Mod"), e);
}

BOOST_AUTO_TEST_CASE(runner_options_are_checked) {
  BOOST_TEST(contains(load_error("mlp", opts({{"num_thread", wire::IntegerOpt{2}}})), "unknown runner option 'num_thread'"));
  BOOST_TEST(contains(load_error("mlp", opts({{"num_threads", wire::StringOpt{"2"}}})), "'num_threads' is a string"));
  BOOST_TEST(contains(load_error("mlp", opts({{"networks", wire::IntegerOpt{0}}})), "'networks' is 0; it takes 1 to 64"));
  BOOST_TEST(contains(load_error("mlp", opts({{"model_file", wire::StringOpt{"other.onnx"}}})), "cannot read other.onnx"));
}

BOOST_AUTO_TEST_CASE(bad_inputs) {
  mock::MockCore core(runner_options());
  const auto no_model = error_of([&] { infer(core, inputs_of("mlp", 1, {"x"})); });
  BOOST_TEST(contains(no_model, "no model loaded"), no_model);
  load(core, "mlp");
  const auto x = Models::get().tensor("mlp.b5.x.in");
  const std::pair<const char*, Tensors> cases[] = {
      {"input 'z': the model has no such input (its inputs: x)", {{"x", x}, {"z", x}}},
      {"input 'x'", {}},  // missing: the SDK names it and the names given
      {"input 'x': is float64", {{"x", Tensor::from_values<double>({1, 16}, std::vector<double>(16, 1.0))}}},
      {"input 'x' has 1 dimensions", {{"x", Tensor::from_values<float>({16}, std::vector<float>(16, 1.0f))}}},
      {"dimension 1 (fixed by the model; a dynamic axis at export lets it vary) is 15; the model takes 16",
       {{"x", Tensor::from_values<float>({1, 15}, std::vector<float>(15, 1.0f))}}},
      {"input 'x': it has no element", {{"x", Tensor::from_values<float>({0, 16}, {0.0f})}}},
  };
  for (const auto& [want, inputs] : cases) {
    const auto e = error_of([&] { infer(core, inputs); });
    BOOST_TEST(contains(e, want), e);
    BOOST_TEST(contains(e, "Infer: "), e);
  }
  check_close(infer(core, inputs_of("mlp", 5, {"x"})).at("y"), "mlp.b5.y.out");
  BOOST_TEST(core.violations().empty());
}

BOOST_AUTO_TEST_CASE(a_fixed_batch_is_named) {
  mock::MockCore core(runner_options());
  load(core, "mlp_static");
  const auto e = error_of([&] { infer(core, inputs_of("mlp", 5, {"x"})); });
  BOOST_TEST(contains(e, "input 'x': dimension 0 (fixed by the model; a dynamic axis at export lets it vary) is 5; "
                         "the model takes 1"), e);
  check_close(infer(core, inputs_of("mlp", 1, {"x"})).at("y"), "mlp.b1.y.out");
}
