// carton-runner-tinylinear under the SDK's mock core, with the SDK's runner test
// helpers: each test writes its model folder, serves it as carton serves a model
// directory, and checks outputs by name and Errors by what they say.
#define BOOST_TEST_MODULE tinylinear
#include <boost/test/unit_test.hpp>

#include "carton/mock/mock_core.hpp"
#include "carton/mock/runner_test_support.hpp"

using namespace carton;
namespace mt = carton::mock::testing;

namespace {

constexpr char kName[] = "example/tinylinear";

mock::MockCoreOptions runner() {
  mock::MockCoreOptions options;
  options.runner_path = RUNNER_PATH;
  return options;
}

mt::Tensors rows(std::vector<float> x, std::uint64_t n, std::uint64_t d) {
  mt::Tensors in;
  in.insert_or_assign("x", wire::Tensor::from_values<float>({n, d}, std::move(x)));
  return in;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_path_only_loader_loads_the_served_model) {
  mock::MockCore core(runner());
  mt::ModelFolder model;
  model.write("model.txt", "weights 1 2 -1\nbias 0.5\n");
  mt::load(core, model.path(), kName);
  const auto out = mt::infer(core, rows({1, 1, 1, 0, 0, 2}, 2, 3));
  const auto& y = mt::output(out, "y");
  BOOST_TEST(y.value<float>(0) == 2.5f);
  BOOST_TEST(y.value<float>(1) == -1.5f);
  // The loader was handed a memory file's path, not one on disk.
  BOOST_TEST(mt::logged(core, "loaded model.txt through /proc/self/fd/"));
  BOOST_TEST(core.violations().empty());
}

BOOST_AUTO_TEST_CASE(the_loaders_refusal_is_the_loads_error_and_keeps_the_old_model) {
  mock::MockCore core(runner());
  mt::ModelFolder good, bad, empty;
  good.write("model.txt", "weights 2\nbias 0\n");
  bad.write("model.txt", "weights 1 2\n");
  mt::load(core, good.path(), kName);
  BOOST_TEST(mt::expect_error([&] { mt::load(core, bad.path(), kName); }, "model.txt: no 'bias' line") ==
             "Load: model.txt: no 'bias' line after the weights");
  mt::expect_error([&] { mt::load(core, empty.path(), kName); }, "cannot read model.txt");
  BOOST_TEST(mt::output(mt::infer(core, rows({3}, 1, 1)), "y").value<float>(0) == 6.0f);
}

BOOST_AUTO_TEST_CASE(infer_checks_its_input_against_the_model) {
  mock::MockCore core(runner());
  mt::expect_error([&] { mt::infer(core, rows({1}, 1, 1)); }, "no model loaded");
  mt::ModelFolder model;
  model.write("model.txt", "weights 1 2\nbias 0\n");
  mt::load(core, model.path(), kName);
  mt::expect_error([&] { mt::infer(core, rows({1, 2, 3}, 1, 3)); }, "features");
  mt::expect_error([&] { mt::load(core, model.path(), kName, mt::opts({{"C", wire::IntegerOpt{1}}})); }, "C");
}
