#include "io_driver.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace carton::mock {

IoDriver::IoDriver(boost::asio::io_context& io, std::mutex& mu, std::condition_variable& cv)
    : io_(io), mu_(mu), cv_(cv) {}

IoDriver::~IoDriver() { finish(); }

void IoDriver::start() { thread_ = std::thread([this] { background(); }); }

bool IoDriver::wait(std::unique_lock<std::mutex>& lock, const std::function<bool()>& done,
                    Clock::time_point deadline) {
  ++waiting_;
  while (!done() && Clock::now() < deadline) {
    if (!driving_ && !finishing_ && !io_.stopped()) {
      driving_ = true;
      lock.unlock();
      io_.run_one_until(deadline);
      lock.lock();
      driving_ = false;
      cv_.notify_all();  // another caller may want to drive now
      continue;
    }
    if (background_driving_ && !interrupted_) {
      interrupted_ = true;
      boost::asio::post(io_, [] {});  // the background thread's run_one() returns
    }
    cv_.wait_until(lock, deadline);
  }
  --waiting_;
  last_wait_ = Clock::now();
  if (finishing_) background_cv_.notify_one();  // finish() waits for the io_context to be free
  return done();
}

void IoDriver::background() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (finishing_) {
      if (driving_) {  // a caller is inside; it lets go when its reply or deadline comes
        background_cv_.wait(lock);
        continue;
      }
      driving_ = background_driving_ = true;
      lock.unlock();
      io_.restart();
      io_.run();
      lock.lock();
      driving_ = background_driving_ = false;
      cv_.notify_all();
      return;
    }
    const auto now = Clock::now();
    if (waiting_ > 0 || driving_ || now < last_wait_ + kGrace) {
      // Callers are driving: look again a grace period after the last one waited.
      background_cv_.wait_until(lock, std::max(now, last_wait_) + kGrace);
      continue;
    }
    driving_ = background_driving_ = true;
    interrupted_ = false;
    lock.unlock();
    io_.run_one();
    lock.lock();
    driving_ = background_driving_ = false;
    cv_.notify_all();
    if (io_.stopped()) background_cv_.wait_for(lock, kGrace);  // out of work until finish()
  }
}

void IoDriver::finish() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    finishing_ = true;
  }
  background_cv_.notify_one();
  cv_.notify_all();
  thread_.join();
}

}  // namespace carton::mock
