// ComputeLanes: work runs on the lanes fixed at start (so each framework's per-thread
// teams stay at one per lane), one job per lane at a time, and its exceptions reach
// the caller.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "carton/runner/compute_lanes.hpp"

using carton::runner::ComputeLanes;

BOOST_AUTO_TEST_CASE(work_from_many_threads_runs_on_the_lanes_only) {
  ComputeLanes lanes(2);
  std::mutex mu;
  std::set<std::thread::id> ran_on, callers;
  std::atomic<int> running{0}, most{0};
  std::vector<std::thread> handlers;
  for (int h = 0; h < 6; ++h) {
    handlers.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        lanes.run([&] {
          const int now = ++running;
          for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
          }
          {
            std::lock_guard<std::mutex> lock(mu);
            ran_on.insert(std::this_thread::get_id());
          }
          std::this_thread::sleep_for(std::chrono::microseconds(200));
          --running;
        });
      }
      std::lock_guard<std::mutex> lock(mu);
      callers.insert(std::this_thread::get_id());
    });
  }
  for (auto& t : handlers) t.join();
  BOOST_TEST(ran_on.size() <= 2u);
  BOOST_TEST(most.load() <= 2);
  for (const auto& id : ran_on) BOOST_TEST(callers.count(id) == 0u);
}

BOOST_AUTO_TEST_CASE(what_the_work_throws_reaches_the_caller_and_the_lane_goes_on) {
  ComputeLanes lanes(1);
  BOOST_CHECK_EXCEPTION(lanes.run([] { throw std::invalid_argument("bad rows"); }), std::invalid_argument,
                        [](const std::invalid_argument& e) { return std::string(e.what()) == "bad rows"; });
  int ran = 0;
  lanes.run([&] { ++ran; });
  BOOST_TEST(ran == 1);
  BOOST_TEST(lanes.lanes() == 1u);
  BOOST_TEST(ComputeLanes(0).lanes() == 1u);  // at least one
}
