// The sandbox seen from inside: carton-runner-sandbox-probe, started by the mock core as
// carton starts a runner, performs every hostile act of probe_acts.hpp in its handler
// and in its child check. Each must be refused (EPERM from seccomp, EACCES from
// Landlock or a sealed memfd), the runner must live on and answer, and the core must
// hear which calls were refused.
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>

#include "carton/mock/mock_core.hpp"
#include "probe_acts.hpp"

using namespace carton;
using mock::MockCore;

namespace {

mock::MockCoreOptions probe_options(std::map<std::string, std::string> env = {}) {
  mock::MockCoreOptions o;
  o.runner_path = CARTON_PROBE_RUNNER;
  o.environment = std::move(env);
  return o;
}

wire::InferWithTensorsRequest request_of(const std::string& name) {
  wire::Map<std::string, wire::Tensor> in;
  in.insert_or_assign(name, wire::Tensor::from_values<float>({1}, {0.0f}));
  return wire::InferWithTensorsRequest{std::move(in), false};
}

std::string table(const wire::InferResponse& r, const std::string& name) {
  return r.tensors.at(name).strings().at(0);
}

void expect_all_refused(const std::string& where, const std::string& text) {
  const auto results = sandbox_test::parse_results(text);
  BOOST_TEST_MESSAGE(where << ":\n" << text);
  BOOST_TEST(results.size() >= 30u);
  for (const auto& r : results) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    // Sanitizer builds allow prctl and ptrace (docs/sandbox.md).
    if (r.act == "prctl_set_ptracer_any") continue;
#endif
    BOOST_TEST_CONTEXT(where << ": " << r.act << " met " << r.error << " (" << std::strerror(r.error) << ")") {
      BOOST_TEST((r.error == EPERM || r.error == EACCES));
    }
  }
}

bool logged(const MockCore& core, const std::string& needle) {
  for (const auto& r : core.logs()) {
    if (r.args.find(needle) != std::string::npos) return true;
  }
  return false;
}

// Log records travel on their own channel: give them a moment after the reply.
bool eventually_logged(const MockCore& core, const std::string& needle) {
  for (int i = 0; i < 100 && !logged(core, needle); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return logged(core, needle);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sandbox_probe)

BOOST_AUTO_TEST_CASE(every_hostile_act_is_refused_in_the_runner_and_its_child_check) {
  MockCore core(probe_options());
  core.core().load({});
  const auto out = core.core().infer_with_tensors(request_of("acts"));
  BOOST_REQUIRE(out.final.has_value());
  expect_all_refused("runner", table(*out.final, "runner"));
  expect_all_refused("child check", table(*out.final, "child"));
  // The runner lived through every refusal and still answers.
  const auto again = core.core().infer_with_tensors(request_of("status"));
  BOOST_REQUIRE(again.final.has_value());
  BOOST_TEST(table(*again.final, "status").find("Seccomp:\t2") != std::string::npos);
  BOOST_TEST(eventually_logged(core, "sandbox: denied socket"));
  BOOST_TEST(eventually_logged(core, "sandbox: enforced:"));
  BOOST_TEST(core.violations().empty());
}

BOOST_AUTO_TEST_CASE(required_sandbox_starts_where_the_kernel_has_every_layer) {
  MockCore core(probe_options({{"CARTON_RUNNER_SANDBOX", "require"}}));
  core.core().load({});
  const auto out = core.core().infer_with_tensors(request_of("status"));
  BOOST_REQUIRE(out.final.has_value());
  const std::string status = table(*out.final, "status");
  BOOST_TEST(status.find("NoNewPrivs:\t1") != std::string::npos);
  BOOST_TEST(status.find("Seccomp:\t2") != std::string::npos);
  BOOST_TEST(status.find("CapEff:\t0000000000000000") != std::string::npos);
  BOOST_TEST(!eventually_logged(core, "NOT enforced"));
}

BOOST_AUTO_TEST_CASE(off_runs_unconfined_and_says_so) {
  MockCore core(probe_options({{"CARTON_RUNNER_SANDBOX", "off"}}));
  core.core().load({});
  const auto out = core.core().infer_with_tensors(request_of("status"));
  BOOST_REQUIRE(out.final.has_value());
  BOOST_TEST(table(*out.final, "status").find("Seccomp:\t0") != std::string::npos);
  BOOST_TEST(eventually_logged(core, "sandbox: OFF"));
}

BOOST_AUTO_TEST_CASE(an_unknown_mode_refuses_to_start) {
  BOOST_CHECK_THROW(MockCore(probe_options({{"CARTON_RUNNER_SANDBOX", "maybe"}})), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
