// ComputeLanes: a few fixed threads that run a framework's parallel work for the
// handlers, which wait for it.
//
// Why: OpenMP (XGBoost's, libtorch's) gives every thread that opens a parallel region
// a team of worker threads of its own, and the runner's handlers run on several
// threads. Once teams made that way hold more threads than the machine has cores,
// libgomp cuts its spinning between regions for all of them, and parallel work loses
// most of its speed: on two cores, XGBoost at 100,000 rows takes 249 ms in-process
// with that cut spinning (GOMP_SPINCOUNT=1000) against 119 ms, and runner processes
// in which a second handler thread had made a team took 196 to 216 ms a request
// against 127. Running such work on lanes fixed at start keeps the teams at one per
// lane, so lanes x threads per team can be held to the cores.
//
// Work that runs on one thread needs no lane (and no hand-over: two wake-ups).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace carton::runner {

class ComputeLanes {
 public:
  explicit ComputeLanes(std::size_t lanes);  // at least 1
  ~ComputeLanes();                          // runs what is queued, then joins
  ComputeLanes(const ComputeLanes&) = delete;
  ComputeLanes& operator=(const ComputeLanes&) = delete;

  // Runs `work` on the first free lane, in order of arrival, and waits for it; what it
  // throws is rethrown here. Must not be called from a lane (it would wait on itself
  // when every lane is busy).
  void run(const std::function<void()>& work);
  std::size_t lanes() const { return threads_.size(); }

 private:
  struct Job {
    const std::function<void()>* work;
    std::exception_ptr error;
    bool done = false;
  };
  void lane_main();

  std::mutex mu_;
  std::condition_variable queued_, finished_;
  std::deque<Job*> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace carton::runner
