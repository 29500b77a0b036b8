// IoDriver: runs the mock core's io_context on the thread that waits for a reply, and on
// a background thread only when no caller has waited for a while.
//
// Why: with a dedicated I/O thread, every reply woke two threads on the core side (the
// I/O thread, then the caller it notified), which made the mock core cost more per
// round trip than the runner it measures. Here a caller in wait() runs the io_context
// itself, so its reply is read by the thread that wants it: one wake-up, as for a plain
// blocking client. Whatever arrives while nobody waits (log records, filesystem
// requests, the core's own queued writes) is served by the background thread once no
// caller has waited for kGrace; a caller that then waits interrupts it with a posted
// no-op and takes over.
//
// One thread at a time runs the io_context. All state is guarded by the owner's mutex,
// and the owner's condition variable is notified whenever a thread stops running it.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>

namespace carton::mock {

class IoDriver {
 public:
  using Clock = std::chrono::steady_clock;
  // Long enough that back-to-back calls never hand the io_context to the background
  // thread, and that its look (once per period while callers drive) touches few round
  // trips (at 1 ms it set the p99); short enough that frames arriving while nobody
  // waits are read within two periods.
  static constexpr std::chrono::milliseconds kGrace{10};

  IoDriver(boost::asio::io_context& io, std::mutex& mu, std::condition_variable& cv);
  ~IoDriver();
  IoDriver(const IoDriver&) = delete;
  IoDriver& operator=(const IoDriver&) = delete;

  void start();
  // With `lock` held on the owner's mutex: waits until done() (checked under the lock)
  // or `deadline`, running the io_context on this thread while no other thread does.
  // Returns done().
  bool wait(std::unique_lock<std::mutex>& lock, const std::function<bool()>& done, Clock::time_point deadline);
  // Runs the io_context on the background thread until it is out of work, and joins it.
  // Call once its work guard is gone and its channels are closing.
  void finish();
  bool running() const { return thread_.joinable(); }

 private:
  void background();

  boost::asio::io_context& io_;
  std::mutex& mu_;
  std::condition_variable& cv_;
  std::condition_variable background_cv_;
  std::thread thread_;
  bool driving_ = false;             // a thread is inside the io_context
  bool background_driving_ = false;  // ... and it is the background thread
  bool interrupted_ = false;         // a no-op was posted to make it let go
  bool finishing_ = false;
  std::size_t waiting_ = 0;          // callers inside wait()
  Clock::time_point last_wait_ = Clock::now();
};

}  // namespace carton::mock
