// Replies in bursts (ServeOptions::max_reply_hold): the replies to requests read
// together leave in one write when their handlers say the work is cheap
// (respond_in_burst), and are never held for a read or past a handler that blocks.
//
// The core's end of the RPC channel is a SOCK_SEQPACKET socket, which keeps write
// boundaries: each recv() there is one write of the runner's, so the tests count writes.
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "carton/runner/infer_queue.hpp"
#include "carton/runner/responder.hpp"
#include "carton/runner/serve.hpp"
#include "carton/runtime/handler_scope.hpp"
#include "carton/wire/messages.hpp"

using namespace carton;
using namespace std::chrono_literals;

namespace {

// Generous, so a broken runner fails the test instead of hanging it.
constexpr auto kHangGuard = 60s;

class Served {
 public:
  using Dispatch = std::function<void(wire::RPCRequest, const std::shared_ptr<runner::ResponseSink>&)>;
  Served(std::chrono::microseconds max_reply_hold, Dispatch dispatch) {
    int rpc[2];
    BOOST_REQUIRE_EQUAL(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rpc), 0);
    rpc_ = runtime::UniqueFd(rpc[0]);
    auto [fs_core, fs_runner] = runtime::make_socketpair();
    fs_ = std::move(fs_core);
    runner::ServeOptions options;
    options.max_reply_hold = max_reply_hold;
    server_ = std::thread([dispatch = std::move(dispatch), options,
                           channels = runtime::Channels{runtime::UniqueFd(rpc[1]), std::move(fs_runner)}]() mutable {
      runner::detail::serve_with(std::move(channels), dispatch, [](runner::RunnerContext*) {}, options);
    });
  }
  ~Served() {
    rpc_.reset();
    fs_.reset();
    server_.join();
  }

  // Requests 0..n-1, all in one write, so the runner reads them in one go.
  void send_burst(std::uint64_t n) {
    std::string bytes;
    for (std::uint64_t id = 0; id < n; ++id) {
      const auto payload = wire::encode_message(wire::RPCRequest{{id}, wire::InferWithTensorsRequest{{}, false}},
                                                wire::CoreRevision::Carton0_0_1)
                               .flatten();
      for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>(payload.size() >> (56 - 8 * i)));
      bytes.append(payload.begin(), payload.end());
    }
    BOOST_REQUIRE_EQUAL(::send(rpc_.get(), bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  }
  // The ids of the frames in the runner's next write.
  std::vector<std::uint64_t> next_write() {
    pollfd p{rpc_.get(), POLLIN, 0};
    BOOST_REQUIRE_EQUAL(::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kHangGuard).count())), 1);
    std::vector<std::uint8_t> buffer(1 << 16);
    const ssize_t n = ::recv(rpc_.get(), buffer.data(), buffer.size(), 0);
    BOOST_REQUIRE(n > 0);
    std::vector<std::uint64_t> ids;
    for (std::size_t at = 0; at + 16 <= static_cast<std::size_t>(n);) {
      std::uint64_t size = 0;
      for (int i = 0; i < 8; ++i) size = size << 8 | buffer[at + i];
      std::uint64_t id;
      std::memcpy(&id, buffer.data() + at + 8, 8);
      ids.push_back(id);
      at += 8 + size;
    }
    return ids;
  }

 private:
  runtime::UniqueFd rpc_, fs_;
  std::thread server_;
};

void reply_in_burst(const wire::RPCRequest& request, const std::shared_ptr<runner::ResponseSink>& sink) {
  runner::detail::InBurst burst;
  sink->send(request.id, true, wire::InferResponse{});
}

using Writes = std::vector<std::vector<std::uint64_t>>;

// The writes that carry replies 0..n-1, each write's ids in order.
Writes writes_of(Served& served, std::uint64_t n) {
  Writes writes;
  for (std::uint64_t seen = 0; seen < n;) {
    writes.push_back(served.next_write());
    seen += writes.back().size();
    // Handlers beyond the slots run in another order (HandlerThreads' queue).
    std::sort(writes.back().begin(), writes.back().end());
  }
  return writes;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(held_replies)

BOOST_AUTO_TEST_CASE(a_burst_of_cheap_replies_leaves_in_two_writes) {
  // The first at once, so the core starts on it; the rest when the last handler is done
  // (the hold is long here, so only the end of the burst releases them).
  Served served(10s, reply_in_burst);
  served.send_burst(8);
  BOOST_TEST(writes_of(served, 8) == (Writes{{0}, {1, 2, 3, 4, 5, 6, 7}}));
}

BOOST_AUTO_TEST_CASE(replies_leave_alone_without_a_hold_or_without_respond_in_burst) {
  const Writes alone{{0}, {1}, {2}, {3}};
  {
    Served served(0us, reply_in_burst);
    served.send_burst(4);
    BOOST_TEST(writes_of(served, 4) == alone);
  }
  Served served(10s, [](wire::RPCRequest request, const std::shared_ptr<runner::ResponseSink>& sink) {
    sink->send(request.id, true, wire::InferResponse{});
  });
  served.send_burst(4);
  BOOST_TEST(writes_of(served, 4) == alone);
}

BOOST_AUTO_TEST_CASE(a_held_reply_leaves_before_a_handler_blocks) {
  // Request 2's handler is about to block (as on the filesystem): reply 1, held, goes
  // then, while that handler still waits; the rest follow once it is done.
  std::promise<void> go;
  auto released = go.get_future().share();
  Served served(10s, [&](wire::RPCRequest request, const std::shared_ptr<runner::ResponseSink>& sink) {
    if (request.id.value == 2) {
      runtime::HandlerScope::will_block();
      released.wait_for(kHangGuard);
    }
    reply_in_burst(request, sink);
  });
  served.send_burst(4);
  BOOST_TEST(served.next_write() == std::vector<std::uint64_t>{0});
  BOOST_TEST(served.next_write() == std::vector<std::uint64_t>{1});
  go.set_value();
  std::vector<std::uint64_t> rest;
  while (rest.size() < 2) {
    for (std::uint64_t id : served.next_write()) rest.push_back(id);
  }
  std::sort(rest.begin(), rest.end());
  BOOST_TEST(rest == (std::vector<std::uint64_t>{2, 3}));
}

BOOST_AUTO_TEST_CASE(a_held_reply_leaves_before_a_queued_run_starts) {
  // Requests 0 and 1 run at once, in a burst (walked XGBoost rows): 0 leaves at once, 1
  // is held. Requests 2 and 3 go through the queue, whose run waits for the test (5 s at
  // most): reply 1 must arrive while it waits, so the queue releases held replies
  // before a run that may be long.
  std::promise<void> go;
  auto released = go.get_future().share();
  std::atomic<bool> run_ended{false};
  runner::InferQueue queue([&](const void*, runner::Tensors inputs) {
    if (!inputs.empty()) {
      released.wait_for(5s);
      run_ended = true;
    }
    return runner::Tensors{};
  });
  auto model = std::make_shared<int>(0);
  Served served(10s, [&](wire::RPCRequest request, const std::shared_ptr<runner::ResponseSink>& sink) {
    runner::InferResponder responder(std::make_shared<runner::Exchange>(sink, request.id, false));
    if (request.id.value < 2) return queue.run_now({{}, std::move(responder), model, std::nullopt});
    runner::Tensors slow;
    slow.insert_or_assign("slow", wire::Tensor::from_values<float>({1}, std::vector<float>{0}));
    queue.submit({std::move(slow), std::move(responder), model, std::nullopt}, runner::InferPolicy{1});
  });
  served.send_burst(4);
  std::vector<std::uint64_t> seen;
  while (seen.size() < 2) {
    for (std::uint64_t id : served.next_write()) seen.push_back(id);
  }
  BOOST_TEST(!run_ended.load());
  BOOST_TEST(seen == (std::vector<std::uint64_t>{0, 1}));
  go.set_value();
  while (seen.size() < 4) {
    for (std::uint64_t id : served.next_write()) seen.push_back(id);
  }
  std::sort(seen.begin(), seen.end());
  BOOST_TEST(seen == (std::vector<std::uint64_t>{0, 1, 2, 3}));
}

BOOST_AUTO_TEST_CASE(partial_replies_are_never_held) {
  // A partial reply leaves at once, after what the thread holds, so a final reply from
  // another thread can never overtake it.
  Served served(10s, [](wire::RPCRequest request, const std::shared_ptr<runner::ResponseSink>& sink) {
    runner::detail::InBurst burst;
    sink->send(request.id, false, wire::InferResponse{});
    sink->send(request.id, true, wire::InferResponse{});
  });
  served.send_burst(3);
  // 0's partial and final (the burst's first reply, at once); then 1's partial, with it
  // nothing held before it; 1's final is held, and leaves before 2's partial.
  BOOST_TEST(writes_of(served, 6) == (Writes{{0}, {0}, {1}, {1}, {2}, {2}}));
}

BOOST_AUTO_TEST_SUITE_END()
