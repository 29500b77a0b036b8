// serve()'s threads: a request runs on the thread that read it, and the sockets move to
// another thread when that handler runs long or is about to block, so the next request
// is still read and answered.
#include <boost/test/unit_test.hpp>

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <thread>

#include "carton/runner/serve.hpp"
#include "carton/runtime/handler_scope.hpp"
#include "carton/wire/messages.hpp"

using namespace carton;

namespace {

void write_frame(int fd, const wire::RPCRequest& r) {
  const auto payload = wire::encode_message(r, wire::CoreRevision::Carton0_0_1).flatten();
  std::uint8_t header[8];
  for (int i = 0; i < 8; ++i) header[i] = static_cast<std::uint8_t>(payload.size() >> (56 - 8 * i));
  BOOST_REQUIRE(::write(fd, header, 8) == 8);
  BOOST_REQUIRE(::write(fd, payload.data(), payload.size()) == static_cast<ssize_t>(payload.size()));
}

// The id of the next response frame (ids come first in the payload).
std::uint64_t read_response_id(int fd) {
  std::uint8_t header[8];
  BOOST_REQUIRE(::read(fd, header, 8) == 8);
  std::uint64_t size = 0;
  for (int i = 0; i < 8; ++i) size = size << 8 | header[i];
  std::vector<std::uint8_t> payload(size);
  std::size_t have = 0;
  while (have < size) {
    const ssize_t n = ::read(fd, payload.data() + have, size - have);
    BOOST_REQUIRE(n > 0);
    have += static_cast<std::size_t>(n);
  }
  std::uint64_t id;
  std::memcpy(&id, payload.data(), 8);
  return id;
}

// serve() on a socketpair in a thread of its own, with `dispatch` as the handler; the
// test writes requests to and reads answers from rpc(). finish() closes the core's
// ends, which ends serve(), and joins.
class Served {
 public:
  using Dispatch = std::function<void(wire::RPCRequest, const std::shared_ptr<runner::ResponseSink>&)>;
  Served(std::size_t handler_threads, Dispatch dispatch) {
    auto [rpc_core, rpc_runner] = runtime::make_socketpair();
    auto [fs_core, fs_runner] = runtime::make_socketpair();
    rpc_ = std::move(rpc_core);
    fs_ = std::move(fs_core);
    runner::ServeOptions options;
    options.handler_threads = handler_threads;
    server_ = std::thread([dispatch = std::move(dispatch), options,
                           channels = runtime::Channels{std::move(rpc_runner), std::move(fs_runner)}]() mutable {
      runner::detail::serve_with(std::move(channels), dispatch, [](runner::RunnerContext*) {}, options);
    });
  }
  ~Served() { finish(); }
  int rpc() const { return rpc_.get(); }
  void finish() {
    rpc_.reset();
    fs_.reset();
    if (server_.joinable()) server_.join();
  }

 private:
  runtime::UniqueFd rpc_, fs_;
  std::thread server_;
};

// Request 0's handler waits (how, `block` says) until request 1 has been answered; it
// can only be answered if another thread read it while the first handler waits.
void second_request_overtakes_a_waiting_handler(std::size_t handler_threads, void (*block)()) {
  std::promise<void> second_answered;
  auto released = second_answered.get_future().share();
  Served served(handler_threads, [&](wire::RPCRequest request, const std::shared_ptr<runner::ResponseSink>& sink) {
    if (request.id.value == 0) {
      block();
      released.wait_for(std::chrono::seconds(20));
    }
    sink->send(request.id, true, wire::InferResponse{});
  });
  write_frame(served.rpc(), {{0}, wire::InferWithTensorsRequest{{}, false}});
  write_frame(served.rpc(), {{1}, wire::InferWithTensorsRequest{{}, false}});
  BOOST_TEST(read_response_id(served.rpc()) == 1u);
  second_answered.set_value();
  BOOST_TEST(read_response_id(served.rpc()) == 0u);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_handler_that_runs_long_hands_the_sockets_to_another_thread) {
  // No hint: the watchdog notices the handler has run for a whole takeover period.
  second_request_overtakes_a_waiting_handler(2, [] {});
}

BOOST_AUTO_TEST_CASE(a_handler_about_to_block_hands_the_sockets_over_at_once) {
  second_request_overtakes_a_waiting_handler(2, [] { runtime::HandlerScope::will_block(); });
}

BOOST_AUTO_TEST_CASE(one_handler_slot_still_reads_while_its_handler_waits) {
  // With one slot request 1 queues behind request 0, so its answer cannot come first;
  // but the queue is fed by another thread reading: request 0 is released by a third
  // request's arrival being observed.
  std::promise<void> third_read;
  auto released = third_read.get_future().share();
  std::vector<std::uint64_t> order;
  Served served(1, [&](wire::RPCRequest request, const std::shared_ptr<runner::ResponseSink>& sink) {
    order.push_back(request.id.value);  // one slot: never two at once
    if (request.id.value == 0) released.wait_for(std::chrono::seconds(20));
    sink->send(request.id, true, wire::InferResponse{});
  });
  for (std::uint64_t id = 0; id < 3; ++id) write_frame(served.rpc(), {{id}, wire::InferWithTensorsRequest{{}, false}});
  // Every byte sent has been taken off the socket once the runner has read all three.
  for (int i = 0; i < 2000; ++i) {
    int queued = 0;
    BOOST_REQUIRE(::ioctl(served.rpc(), TIOCOUTQ, &queued) == 0);
    if (queued == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  third_read.set_value();
  for (std::uint64_t id = 0; id < 3; ++id) BOOST_TEST(read_response_id(served.rpc()) == id);
  served.finish();
  BOOST_TEST(order == (std::vector<std::uint64_t>{0, 1, 2}));
}

BOOST_AUTO_TEST_CASE(long_handlers_sent_one_after_another_stay_on_one_thread) {
  // Each handler outruns the watchdog, so another thread reads the next request; the
  // finished thread takes the sockets back, and the next handler runs where the last
  // one did (OpenMP's per-thread teams, and other per-thread state, stay warm).
  std::vector<std::thread::id> ran_on;
  Served served(2, [&](wire::RPCRequest request, const std::shared_ptr<runner::ResponseSink>& sink) {
    ran_on.push_back(std::this_thread::get_id());  // one request at a time
    std::this_thread::sleep_for(std::chrono::milliseconds(25));  // 5x the takeover period
    sink->send(request.id, true, wire::InferResponse{});
  });
  for (std::uint64_t id = 0; id < 4; ++id) {
    write_frame(served.rpc(), {{id}, wire::InferWithTensorsRequest{{}, false}});
    BOOST_TEST(read_response_id(served.rpc()) == id);
    // The answer goes out before the handler returns; let it return, as the core's
    // next request (a large one, when handlers run this long) would.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  served.finish();
  BOOST_REQUIRE(ran_on.size() == 4u);
  for (const auto& id : ran_on) BOOST_TEST((id == ran_on[0]));
}

BOOST_AUTO_TEST_CASE(a_handler_that_steps_aside_still_lets_the_next_request_be_read) {
  // Leadership set aside and no handler ending: the watchdog wakes a waiting thread.
  second_request_overtakes_a_waiting_handler(2, [] { runtime::HandlerScope::step_aside(/*retake=*/true); });
}

BOOST_AUTO_TEST_CASE(sockets_set_aside_by_a_handler_that_ends_at_once_are_still_read) {
  // step_aside without retake, and no other handler running whose end would read: the
  // watchdog hands the sockets to a waiting thread, so every request is still answered.
  Served served(2, [&](wire::RPCRequest request, const std::shared_ptr<runner::ResponseSink>& sink) {
    runtime::HandlerScope::step_aside(/*retake=*/false);
    sink->send(request.id, true, wire::InferResponse{});
  });
  for (std::uint64_t id = 0; id < 3; ++id) {
    write_frame(served.rpc(), {{id}, wire::InferWithTensorsRequest{{}, false}});
    BOOST_TEST(read_response_id(served.rpc()) == id);
  }
}

BOOST_AUTO_TEST_CASE(sockets_set_aside_go_to_the_next_thread_whose_handler_ends) {
  // Request 0 hands the sockets over (will_block) and waits; request 1, on the thread
  // that took them, sets them aside and waits. Request 2 then sits unread until
  // request 0's thread ends its handler: that thread reads it and runs it, while the
  // third thread, which nobody woke, goes on waiting.
  // Requests 10 to 12 come first and hold until the next has begun, so that all three
  // threads have started and led once: a thread that only reaches its first wait while
  // the sockets are set aside would take them, unwoken, as any free thread may.
  using Clock = std::chrono::steady_clock;
  std::promise<void> release0, release1, started0, started1, warm[3];
  auto r0 = release0.get_future().share(), r1 = release1.get_future().share();
  std::shared_future<void> warmed[3] = {warm[0].get_future().share(), warm[1].get_future().share(),
                                        warm[2].get_future().share()};
  std::thread::id ran_on[3];
  Clock::time_point aside_at, third_at;
  Served served(2, [&](wire::RPCRequest request, const std::shared_ptr<runner::ResponseSink>& sink) {
    const auto id = request.id.value;
    if (id >= 10) {
      const auto k = id - 10;
      warm[k].set_value();
      if (k < 2) {
        runtime::HandlerScope::will_block();
        warmed[k + 1].wait_for(std::chrono::seconds(20));
      }
      return sink->send(request.id, true, wire::InferResponse{});
    }
    ran_on[id] = std::this_thread::get_id();
    if (id == 0) {
      runtime::HandlerScope::will_block();
      started0.set_value();
      r0.wait_for(std::chrono::seconds(20));
    } else if (id == 1) {
      runtime::HandlerScope::step_aside(/*retake=*/true);
      aside_at = Clock::now();
      started1.set_value();
      r1.wait_for(std::chrono::seconds(20));
    } else {
      third_at = Clock::now();
    }
    sink->send(request.id, true, wire::InferResponse{});
  });
  for (std::uint64_t id = 10; id < 13; ++id) {
    write_frame(served.rpc(), {{id}, wire::InferWithTensorsRequest{{}, false}});
    BOOST_REQUIRE(warmed[id - 10].wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  }
  for (int i = 0; i < 3; ++i) read_response_id(served.rpc());
  // Time for the two threads whose handlers ended to be back waiting.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  write_frame(served.rpc(), {{0}, wire::InferWithTensorsRequest{{}, false}});
  BOOST_REQUIRE(started0.get_future().wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  write_frame(served.rpc(), {{1}, wire::InferWithTensorsRequest{{}, false}});
  BOOST_REQUIRE(started1.get_future().wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  write_frame(served.rpc(), {{2}, wire::InferWithTensorsRequest{{}, false}});
  release0.set_value();
  BOOST_TEST(read_response_id(served.rpc()) == 0u);
  BOOST_TEST(read_response_id(served.rpc()) == 2u);
  release1.set_value();
  BOOST_TEST(read_response_id(served.rpc()) == 1u);
  served.finish();
  BOOST_TEST((ran_on[1] != ran_on[0]));
  // The watchdog may wake the third thread once the sockets have been vacant for a
  // whole takeover period (HandlerThreads::kTakeoverAfter, 5 ms); within it, only the
  // thread that ended its handler can have read request 2.
  const auto waited = std::chrono::duration_cast<std::chrono::microseconds>(third_at - aside_at);
  if (waited < std::chrono::milliseconds(5)) {
    BOOST_TEST((ran_on[2] == ran_on[0]));
  } else {
    BOOST_TEST_MESSAGE("request 2 ran " << waited.count()
                                        << " us after the sockets were set aside: the watchdog may have read it");
  }
}
