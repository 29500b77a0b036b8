// The C++ noop runner, started by the mock core exactly as carton starts runners, over
// real sockets: every tensor kind round-trips bit-exactly, ids pair up under load, a
// malformed frame is answered and survived, and the runner dies with its core.
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <limits>
#include <thread>

#include "carton/mock/mock_core.hpp"

using namespace carton;
using mock::MockCore;
using wire::Tensor;

namespace {

mock::MockCoreOptions noop_options() {
  mock::MockCoreOptions o;
  o.runner_path = CARTON_NOOP_RUNNER;
  return o;
}

wire::InferWithTensorsRequest infer_of(wire::Map<std::string, Tensor> tensors, bool streaming = false) {
  return wire::InferWithTensorsRequest{std::move(tensors), streaming};
}

std::vector<Tensor> every_kind_of_tensor() {
  std::vector<Tensor> t;
  t.push_back(Tensor::from_values<float>({5}, {1.5f, -0.0f, std::numeric_limits<float>::infinity(),
                                               std::numeric_limits<float>::quiet_NaN(), -1e-45f}));
  std::uint32_t nan_bits = 0x7fc00001;
  float payload_nan;
  std::memcpy(&payload_nan, &nan_bits, 4);
  t.push_back(Tensor::from_values<float>({1}, {payload_nan}));
  t.push_back(Tensor::from_values<double>({3}, {3.141592653589793, -1e-310, -0.0}));
  t.push_back(Tensor::from_values<std::int8_t>({3}, {-128, 0, 127}));
  t.push_back(Tensor::from_values<std::int16_t>({3}, {-32768, 1, 32767}));
  t.push_back(Tensor::from_values<std::int32_t>({2, 2}, {std::numeric_limits<std::int32_t>::min(), -1, 1, 2147483647}));
  t.push_back(Tensor::from_values<std::int64_t>({2}, {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}));
  t.push_back(Tensor::from_values<std::uint8_t>({4}, {0, 1, 254, 255}));
  t.push_back(Tensor::from_values<std::uint16_t>({2}, {0x0102, 0xffff}));
  t.push_back(Tensor::from_values<std::uint32_t>({2}, {0x01020304, 0xffffffff}));
  t.push_back(Tensor::from_values<std::uint64_t>({1, 2}, {0x0102030405060708ull, ~0ull}));
  t.push_back(Tensor::from_strings({2}, {"héllo", ""}));
  t.push_back(Tensor::from_strings({}, {"scalar"}));
  t.push_back(Tensor::from_values<float>({}, {42.0f}));
  t.push_back(Tensor::from_values<float>({0}, {0.0f}));
  t.push_back(Tensor::from_values<float>({2, 3}, {0, 1, 2, 3, 4, 5}, wire::Shape{1, 2}));
  t.push_back(Tensor::nested({Tensor::from_values<float>({2}, {1, 2}), Tensor::nested({Tensor::from_values<std::int32_t>({1}, {-7})})}));
  return t;
}


}  // namespace

BOOST_AUTO_TEST_CASE(every_tensor_kind_round_trips_bit_exactly) {
  MockCore core(noop_options());
  core.core().load({});
  const auto tensors = every_kind_of_tensor();
  wire::Map<std::string, Tensor> all;
  for (std::size_t i = 0; i < tensors.size(); ++i) all.insert_or_assign("t" + std::to_string(i), tensors[i]);
  const auto out = core.core().infer_with_tensors(infer_of(all));
  BOOST_REQUIRE(out.final.has_value());
  BOOST_TEST(out.partial.empty());
  BOOST_REQUIRE(out.final->tensors.size() == tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    BOOST_TEST_CONTEXT("tensor " << i << " (" << tensors[i].dtype() << ")") {
      BOOST_TEST((out.final->tensors.at("t" + std::to_string(i)) == tensors[i]));
    }
  }
  BOOST_TEST(core.violations().empty());
}

BOOST_AUTO_TEST_CASE(pack_seal_and_infer_with_handle) {
  MockCore core(noop_options());
  BOOST_TEST(core.core().pack({{0}, "/models/m", "/tmp/pack"}).output_path == "/models/m");
  wire::Map<std::string, Tensor> sealed{{"a", Tensor::from_values<std::int64_t>({2}, {5, 6})}};
  const auto handle = core.core().seal({sealed}).handle;
  const auto out = core.core().infer_with_handle({handle, false});
  BOOST_TEST((out.final->tensors == sealed));
  // The handle is consumed, as in carton; an unknown handle is an Error, not a crash.
  BOOST_CHECK_THROW(core.core().infer_with_handle({handle, false}), mock::RunnerError);
  BOOST_CHECK_THROW(core.core().infer_with_handle({{12345}, false}), mock::RunnerError);
  BOOST_TEST(core.core().seal({sealed}).handle.value == handle.value + 1);
}

BOOST_AUTO_TEST_CASE(streaming_requests_on_both_infer_kinds) {
  MockCore core(noop_options());
  wire::Map<std::string, Tensor> x{{"x", Tensor::from_values<float>({4}, {1, 2, 3, 4})}};
  const auto a = core.core().infer_with_tensors(infer_of(x, true));
  BOOST_TEST((a.final->tensors == x));
  const auto handle = core.core().seal({x}).handle;
  const auto b = core.core().infer_with_handle({handle, true});
  BOOST_TEST((b.final->tensors == x));
}

BOOST_AUTO_TEST_CASE(sixty_four_requests_in_flight_pair_with_their_ids) {
  MockCore core(noop_options());
  std::vector<std::pair<wire::RpcId, float>> sent;
  for (int i = 0; i < 64; ++i) {
    wire::Map<std::string, Tensor> x{{"x", Tensor::from_values<float>({1}, {static_cast<float>(i)})}};
    sent.emplace_back(core.send(infer_of(x)), static_cast<float>(i));
  }
  for (const auto& [id, value] : sent) {
    const auto replies = core.wait(id);
    BOOST_REQUIRE(replies.size() == 1u);
    BOOST_TEST(replies[0].id.value == id.value);
    const auto& t = std::get<wire::InferResponse>(replies[0].data).tensors.at("x");
    BOOST_TEST(t.value<float>(0) == value);
  }
  BOOST_TEST(core.violations().empty());
}

BOOST_AUTO_TEST_CASE(a_malformed_request_gets_an_error_and_the_runner_keeps_serving) {
  MockCore core(noop_options());
  core.core().load({});
  // id 999, then variant 9 (no such request).
  std::vector<std::uint8_t> bad = {0xe7, 0x03, 0, 0, 0, 0, 0, 0};
  bad.insert(bad.end(), {9, 0, 0, 0});
  const auto bad_id = core.send_raw_payload(bad);
  BOOST_REQUIRE(bad_id.has_value());
  BOOST_TEST(bad_id->value == 999u);
  // The runner answers the request it could not decode with an Error, by its id, which
  // the mock core registered: a reply to a request it sent, not a violation.
  const auto replies = core.wait(*bad_id);
  BOOST_REQUIRE(replies.size() == 1u);
  BOOST_TEST(std::holds_alternative<wire::ErrorResponse>(replies[0].data));
  // The next real request is still served.
  wire::Map<std::string, Tensor> x{{"x", Tensor::from_values<float>({1}, {3.0f})}};
  const auto out = core.core().infer_with_tensors(infer_of(x));
  BOOST_TEST((out.final->tensors == x));
  BOOST_TEST(core.violations().empty());
  // The runner logged why, and the log reached the core.
  bool logged = false;
  for (const auto& r : core.logs()) logged |= r.args.find("malformed request") != std::string::npos;
  BOOST_TEST(logged);
}

BOOST_AUTO_TEST_CASE(bootstrap_in_either_order_with_split_receives) {
  for (bool fs_first : {false, true}) {
    for (bool split : {false, true}) {
      auto o = noop_options();
      o.filesystem_channel_first = fs_first;
      o.split_id_and_fd = split;
      MockCore core(o);
      BOOST_TEST(core.core().pack({{0}, "/p", "/t"}).output_path == "/p");
    }
  }
}

BOOST_AUTO_TEST_CASE(closing_the_channels_makes_the_runner_exit_0) {
  MockCore core(noop_options());
  core.core().load({});
  const int status = core.close_and_wait(std::chrono::milliseconds(5000));
  BOOST_REQUIRE(status != -1);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
}

BOOST_AUTO_TEST_CASE(a_core_killed_with_sigkill_leaves_no_runner_behind) {
  int fds[2];
  BOOST_REQUIRE(pipe(fds) == 0);
  const pid_t core_pid = fork();
  BOOST_REQUIRE(core_pid >= 0);
  if (core_pid == 0) {
    close(fds[0]);
    MockCore core(noop_options());
    core.core().load({});
    const pid_t runner = core.runner_pid();
    (void)!write(fds[1], &runner, sizeof runner);
    pause();
    _exit(0);
  }
  close(fds[1]);
  pid_t runner = 0;
  BOOST_REQUIRE(read(fds[0], &runner, sizeof runner) == static_cast<ssize_t>(sizeof runner));
  close(fds[0]);
  BOOST_TEST(!mock::process_gone(runner));
  kill(core_pid, SIGKILL);
  waitpid(core_pid, nullptr, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!mock::process_gone(runner) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  BOOST_TEST(mock::process_gone(runner));
}

BOOST_AUTO_TEST_CASE(the_2023_09_revision_is_chosen_at_startup) {
  auto o = noop_options();
  o.revision = wire::CoreRevision::Carton2023_09;
  o.environment["CARTON_CORE_REVISION"] = "2023-09";
  MockCore core(o);
  wire::Map<std::string, Tensor> x{{"x", Tensor::from_values<float>({1}, {3.0f})}};
  BOOST_TEST((core.core().infer_with_tensors(infer_of(x)).final->tensors == x));
}
