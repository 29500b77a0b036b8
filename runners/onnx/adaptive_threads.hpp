// AdaptiveThreads: OpenCV's parallel_for backend in the runner, which splits a layer's
// work across threads only while one forward() is in flight.
//
// Why: OpenCV's own backend (TBB in Debian's build) always splits. One forward of the
// test CNN then takes 141 us on two cores but about 290 us of CPU, against 246-252 us on
// one thread; at one request at a time the split is what makes it fast, but once
// several requests run at once on several networks (`networks`), every core already
// has a forward of its own and the split only costs CPU: at 16 clients through
// carton's core, two networks on OpenCV's threads served 0.9x OpenCV's one in-process
// stream, two networks of one thread each 1x. This backend gives both: the forwards in
// flight (ForwardScope counts them) share the threads, so a layer runs split over all
// of them while its forward is alone, and on its calling thread alone once as many
// forwards run as there are threads.
//
// OpenCV runs one parallel region at a time in the process (a nested or concurrent
// parallel_for_ runs its body on the calling thread without reaching the backend), so
// parallel_for() has one caller at a time; a lock makes sure of it anyway.
//
// The helpers spin for kSpin after a region before they sleep: a forward opens one
// region per layer, back to back, and a futex wake-up per layer would cost more than a
// small layer's work.
#pragma once

#include <opencv2/core/parallel/parallel_backend.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace carton::runners::onnx {

class AdaptiveThreads : public cv::parallel::ParallelForAPI {
 public:
  // A helper's busy wait for the next region before it sleeps.
  static constexpr std::chrono::microseconds kSpin{100};
  // How long after two forwards overlapped a lone one still shares the threads as if
  // another ran: under steady load forwards overlap nearly always, and the moments one
  // runs alone (its neighbour between requests) are too short to split a layer without
  // taking a core the neighbour is about to need again.
  static constexpr std::chrono::microseconds kOverlapMemory{2000};

  // Marks a forward() in flight for as long as it lives.
  class ForwardScope {
   public:
    ForwardScope() {
      if (in_flight_.fetch_add(1, std::memory_order_relaxed) > 0) last_overlap_.store(now_us(), std::memory_order_relaxed);
    }
    ~ForwardScope() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
    ForwardScope(const ForwardScope&) = delete;
    ForwardScope& operator=(const ForwardScope&) = delete;
  };

  // `threads`: the calling thread and threads - 1 helpers (at least 1).
  explicit AdaptiveThreads(int threads);
  ~AdaptiveThreads() override;

  void parallel_for(int tasks, FN_parallel_for_body_cb_t body, void* data) override;
  int getThreadNum() const override;
  int getNumThreads() const override { return threads_; }
  // Takes effect for the next region; helpers are made as needed and never removed.
  int setNumThreads(int threads) override;
  const char* getName() const override { return "carton-adaptive"; }

  // Forwards in flight in this process now.
  static int in_flight() { return in_flight_.load(std::memory_order_relaxed); }

 private:
  struct Region {
    FN_parallel_for_body_cb_t body;
    void* data;
    int tasks;
    int helpers;  // how many helpers may take tasks
    std::atomic<int> joined{0};
    std::atomic<int> next{0};
    std::atomic<int> done{0};
  };
  static void run_tasks(Region& region);
  // `seen`: the last region generation it need not join.
  void helper_main(int number, std::uint64_t seen);

  static std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  // The forwards sharing the threads now: those in flight, at least two within
  // kOverlapMemory of an overlap.
  static int sharing();

  static std::atomic<int> in_flight_;
  static std::atomic<std::int64_t> last_overlap_;
  std::atomic<int> threads_;
  std::mutex caller_mu_;  // one region at a time; guards helpers_
  // The region in progress, nullptr between regions. A helper counts itself in inside_
  // before it reads region_, and the caller clears region_ and waits for inside_ to fall
  // to 0 before the region (on its stack) goes away.
  std::atomic<Region*> region_{nullptr};
  std::atomic<int> inside_{0};
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> sleepers_{0};
  std::mutex sleep_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // under sleep_mu_
  std::vector<std::thread> helpers_;
};

// Makes an AdaptiveThreads with OpenCV's default count (the CPUs this process may use)
// OpenCV's backend for this process. Call from main() before the runner starts its
// threads: OpenCV's setParallelForBackend is not thread-safe, and a backend replaced
// while a forward runs on it would be destroyed under it.
void install_adaptive_threads();
// Sets the installed backend's thread count (and OpenCV's, which gates splitting at all).
void set_adaptive_threads(int threads);

}  // namespace carton::runners::onnx
