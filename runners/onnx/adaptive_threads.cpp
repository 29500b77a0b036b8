#include "adaptive_threads.hpp"

#include <opencv2/core.hpp>

#include <algorithm>

namespace carton::runners::onnx {

namespace {

thread_local int this_thread_number = 0;  // helpers are 1..threads - 1

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

}  // namespace

std::atomic<int> AdaptiveThreads::in_flight_{0};
std::atomic<std::int64_t> AdaptiveThreads::last_overlap_{INT64_MIN / 2};

int AdaptiveThreads::sharing() {
  const int now = in_flight();
  if (now >= 2) return now;
  return now_us() - last_overlap_.load(std::memory_order_relaxed) < kOverlapMemory.count() ? 2 : 1;
}

AdaptiveThreads::AdaptiveThreads(int threads) : threads_(std::max(1, threads)) {}

AdaptiveThreads::~AdaptiveThreads() {
  {
    std::lock_guard<std::mutex> lock(sleep_mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  std::lock_guard<std::mutex> caller(caller_mu_);
  for (auto& t : helpers_) t.join();
}

int AdaptiveThreads::setNumThreads(int threads) {
  const int previous = threads_.exchange(std::max(1, threads));
  return previous;
}

int AdaptiveThreads::getThreadNum() const { return this_thread_number; }

void AdaptiveThreads::run_tasks(Region& region) {
  for (;;) {
    const int task = region.next.fetch_add(1, std::memory_order_relaxed);
    if (task >= region.tasks) return;
    region.body(task, task + 1, region.data);
    region.done.fetch_add(1, std::memory_order_release);
  }
}

void AdaptiveThreads::parallel_for(int tasks, FN_parallel_for_body_cb_t body, void* data) {
  // The forwards in flight share the threads: each other one has a thread of its own
  // (OpenCV runs their layers on their callers while this region holds its lock).
  const int threads = threads_.load(std::memory_order_relaxed) / sharing();
  if (tasks <= 1 || threads <= 1 || !caller_mu_.try_lock()) {
    body(0, tasks, data);
    return;
  }
  std::lock_guard<std::mutex> caller(caller_mu_, std::adopt_lock);
  while (static_cast<int>(helpers_.size()) < threads_.load() - 1) {
    const int number = static_cast<int>(helpers_.size()) + 1;
    // Made before this region is published, it counts that as a new one.
    helpers_.emplace_back([this, number, seen = generation_.load()] { helper_main(number, seen); });
  }
  Region region;
  region.body = body;
  region.data = data;
  region.tasks = tasks;
  region.helpers = threads - 1;
  region_.store(&region);
  generation_.fetch_add(1);
  if (sleepers_.load() > 0) {
    std::lock_guard<std::mutex> lock(sleep_mu_);
    wake_.notify_all();
  }
  run_tasks(region);
  while (region.done.load(std::memory_order_acquire) < tasks) cpu_relax();
  region_.store(nullptr);
  while (inside_.load() > 0) cpu_relax();  // a helper may still be reading `region`
}

void AdaptiveThreads::helper_main(int number, std::uint64_t seen) {
  this_thread_number = number;
  for (;;) {
    const auto spin_until = std::chrono::steady_clock::now() + kSpin;
    // No spinning while several forwards run: their threads need the cores.
    while (generation_.load(std::memory_order_acquire) == seen && sharing() <= 1 &&
           std::chrono::steady_clock::now() < spin_until) {
      cpu_relax();
    }
    if (generation_.load() == seen) {
      std::unique_lock<std::mutex> lock(sleep_mu_);
      sleepers_.fetch_add(1);
      wake_.wait(lock, [&] { return stopping_ || generation_.load() != seen; });
      sleepers_.fetch_sub(1);
      if (stopping_) return;
    }
    inside_.fetch_add(1);
    // The generation first: a region published before it is then visible below.
    const std::uint64_t generation = generation_.load();
    Region* region = region_.load();
    if (region && region->joined.fetch_add(1, std::memory_order_relaxed) < region->helpers) run_tasks(*region);
    seen = generation;
    inside_.fetch_sub(1);
  }
}

namespace {
// Set once by install_adaptive_threads(), in main() before the runner starts its threads.
AdaptiveThreads* installed = nullptr;
}  // namespace

void install_adaptive_threads() {
  if (installed) return;
  auto backend = std::make_shared<AdaptiveThreads>(cv::getNumThreads());  // OpenCV's count: the CPUs
  installed = backend.get();
  cv::parallel::setParallelForBackend(backend, /*propagateNumThreads=*/true);
}

void set_adaptive_threads(int threads) {
  if (installed) installed->setNumThreads(threads);
  cv::setNumThreads(threads);
}

}  // namespace carton::runners::onnx
