#include "carton/runner/compute_lanes.hpp"

#include <algorithm>

#include "carton/runner/cpu_pin.hpp"

namespace carton::runner {

ComputeLanes::ComputeLanes(std::size_t lanes) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, lanes); ++i) threads_.emplace_back([this] { lane_main(); });
}

ComputeLanes::~ComputeLanes() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (auto& t : threads_) t.join();
}

void ComputeLanes::run(const std::function<void()>& work) {
  Job job{&work, nullptr};
  std::unique_lock<std::mutex> lock(mu_);
  jobs_.push_back(&job);
  queued_.notify_one();
  finished_.wait(lock, [&] { return job.done; });
  if (job.error) std::rethrow_exception(job.error);
}

void ComputeLanes::lane_main() {
  CpuPin::use_process_cpus();  // made by a thread that may stay on one CPU
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    queued_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and nothing left to run
    Job* job = jobs_.front();
    jobs_.pop_front();
    lock.unlock();
    try {
      (*job->work)();
    } catch (...) {
      job->error = std::current_exception();
    }
    lock.lock();
    job->done = true;
    finished_.notify_all();  // few wait at once: at most one per handler thread
  }
}

}  // namespace carton::runner
