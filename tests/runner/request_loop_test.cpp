// RequestLoop over real sockets: requests in order, answers by id, and refusal of
// every reply the real core would panic on.
#include <boost/test/unit_test.hpp>

#include <thread>

#include "carton/runner/request_loop.hpp"
#include "carton/runtime/frame_channel.hpp"
#include "carton/wire/messages.hpp"

using namespace carton;

BOOST_AUTO_TEST_CASE(request_loop_answers_by_id_and_refuses_what_the_core_rejects) {
  auto [rpc_core, rpc_runner] = runtime::make_socketpair();
  auto [fs_core, fs_runner] = runtime::make_socketpair();
  runtime::Channels channels{std::move(rpc_runner), std::move(fs_runner)};
  runner::RequestLoop loop(std::move(channels), runner::ServeOptions{});

  auto send = [fd = rpc_core.get()](const wire::RPCRequest& r) {
    const auto payload = wire::encode_message(r, wire::CoreRevision::Carton0_0_1).flatten();
    std::uint8_t header[8];
    for (int i = 0; i < 8; ++i) header[i] = static_cast<std::uint8_t>(payload.size() >> (56 - 8 * i));
    BOOST_REQUIRE(::write(fd, header, 8) == 8);
    BOOST_REQUIRE(::write(fd, payload.data(), payload.size()) == static_cast<ssize_t>(payload.size()));
  };
  send({{0}, wire::LoadRequest{}});
  send({{1}, wire::InferWithTensorsRequest{{}, false}});

  auto first = loop.next_request();
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(first->id.value == 0u);
  auto second = loop.next_request();
  BOOST_REQUIRE(second.has_value());
  BOOST_TEST(second->id.value == 1u);

  // Wrong variant, partial to a non-streaming request, unknown id: all refused.
  BOOST_CHECK_THROW(loop.send_response({0}, wire::PackResponse{"/x"}), std::logic_error);
  BOOST_CHECK_THROW(loop.send_response({1}, wire::InferResponse{}, false), std::logic_error);
  BOOST_CHECK_THROW(loop.send_response({7}, wire::LoadResponse{}), std::logic_error);
  BOOST_CHECK_THROW(loop.send_response({1}, wire::EmptyResponse{}), std::logic_error);
  loop.send_response({1}, wire::InferResponse{});
  loop.send_response({0}, wire::LoadResponse{});
  BOOST_CHECK_THROW(loop.send_response({0}, wire::LoadResponse{}), std::logic_error);

  // The core sees exactly the two answers, in the order they were sent.
  std::vector<std::uint8_t> got;
  std::uint8_t buf[4096];
  while (got.size() < 2 * 8 + 13 + 21) {
    const ssize_t n = ::read(rpc_core.get(), buf, sizeof buf);
    BOOST_REQUIRE(n > 0);
    got.insert(got.end(), buf, buf + n);
  }
  BOOST_TEST(got[8] == 1u);        // id 1 first
  BOOST_TEST(got[16] == 1u);       // complete
  BOOST_TEST(got[17] == 3u);       // Infer

  rpc_core.reset();
  fs_core.reset();
  BOOST_TEST(!loop.next_request().has_value());
  BOOST_TEST(loop.exit_code() == 0);
}
