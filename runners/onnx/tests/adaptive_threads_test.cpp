// AdaptiveThreads (adaptive_threads.hpp) on its own, not installed as OpenCV's backend:
// every task of every region runs exactly once, on threads numbered 0..threads-1; a
// lone forward's layers are split; with another forward in flight they run on the
// calling thread alone.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "adaptive_threads.hpp"

using carton::runners::onnx::AdaptiveThreads;

namespace {

struct Record {
  std::vector<std::atomic<int>> runs;
  std::mutex mu;
  std::set<std::thread::id> threads;
  std::set<int> numbers;
  const AdaptiveThreads* backend;
  std::chrono::microseconds work{0};
  explicit Record(int tasks, const AdaptiveThreads* b) : runs(tasks), backend(b) {}
};

void body(int start, int end, void* data) {
  auto& r = *static_cast<Record*>(data);
  for (int i = start; i < end; ++i) {
    ++r.runs[i];
    if (r.work.count() > 0) std::this_thread::sleep_for(r.work);
  }
  std::lock_guard<std::mutex> lock(r.mu);
  r.threads.insert(std::this_thread::get_id());
  r.numbers.insert(r.backend->getThreadNum());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(adaptive_threads)

BOOST_AUTO_TEST_CASE(every_task_of_every_region_runs_once_on_a_numbered_thread) {
  AdaptiveThreads backend(3);
  const AdaptiveThreads::ForwardScope forward;
  for (int region = 0; region < 2000; ++region) {
    const int tasks = 1 + region % 17;
    Record r(tasks, &backend);
    backend.parallel_for(tasks, body, &r);
    for (int i = 0; i < tasks; ++i) BOOST_REQUIRE_MESSAGE(r.runs[i].load() == 1, "region " << region << " task " << i);
    for (int n : r.numbers) BOOST_REQUIRE(n >= 0 && n < 3);
  }
}

BOOST_AUTO_TEST_CASE(a_lone_forward_is_split_and_one_beside_another_is_not) {
  AdaptiveThreads backend(2);
  {
    // Another forward in flight: the two share two threads, one each.
    const AdaptiveThreads::ForwardScope other, self;
    Record r(20, &backend);
    r.work = std::chrono::milliseconds(1);
    backend.parallel_for(20, body, &r);
    BOOST_TEST(r.threads.size() == 1u);
    BOOST_TEST((*r.threads.begin() == std::this_thread::get_id()));
  }
  // Alone, once the overlap is past: 50 tasks of 1 ms give the helper time to take some.
  std::this_thread::sleep_for(AdaptiveThreads::kOverlapMemory + std::chrono::milliseconds(5));
  const AdaptiveThreads::ForwardScope self;
  Record r(50, &backend);
  r.work = std::chrono::milliseconds(1);
  backend.parallel_for(50, body, &r);
  for (int i = 0; i < 50; ++i) BOOST_TEST(r.runs[i].load() == 1);
  BOOST_TEST(r.threads.size() == 2u);
  BOOST_TEST((r.numbers == std::set<int>{0, 1}));
}

BOOST_AUTO_TEST_SUITE_END()
