// The built runner under the SDK's mock core, over real sockets as carton starts it.
#define BOOST_TEST_MODULE standalone_echo
#include <boost/test/unit_test.hpp>

#include "carton/mock/mock_core.hpp"

using namespace carton;

namespace {

mock::MockCoreOptions echo_runner() {
  mock::MockCoreOptions options;
  options.runner_path = ECHO_RUNNER;
  return options;
}

}  // namespace

BOOST_AUTO_TEST_CASE(infer_answers_the_inputs) {
  mock::MockCore core(echo_runner());
  core.core().load({});
  wire::Map<std::string, wire::Tensor> inputs;
  inputs.insert_or_assign("x", wire::Tensor::from_values<float>({2}, {1.5f, -2.0f}));
  inputs.insert_or_assign("s", wire::Tensor::from_strings({1}, {"carton"}));
  const auto out = core.core().infer_with_tensors({inputs, false});
  BOOST_REQUIRE(out.final.has_value());
  BOOST_TEST((out.final->tensors == inputs));
  BOOST_TEST(core.violations().empty());
}

BOOST_AUTO_TEST_CASE(unimplemented_requests_answer_an_error) {
  mock::MockCore core(echo_runner());
  BOOST_CHECK_THROW(core.core().seal({}), mock::RunnerError);
  BOOST_TEST(core.violations().empty());
}
