#include "handler_threads.hpp"

#include <optional>

#include <boost/asio/defer.hpp>
#include <boost/asio/post.hpp>

#include "carton/runner/cpu_pin.hpp"
#include "carton/runtime/handler_scope.hpp"
#include "held_replies.hpp"

namespace carton::runner::detail {
namespace {
thread_local std::size_t this_thread_index = SIZE_MAX;
}  // namespace

HandlerThreads::HandlerThreads(boost::asio::io_context& io, std::size_t slots,
                               std::chrono::microseconds max_reply_hold)
    : io_(io), slots_(slots == 0 ? 1 : slots), max_reply_hold_(max_reply_hold), states_(new ThreadState[slots_ + 1]) {}

HandlerThreads::~HandlerThreads() { join(); }

void HandlerThreads::start() {
  // Thread 0 leads first, not whichever thread reaches the wait first: leadership goes
  // back to the lowest index (reclaim_leadership), so sequential long handlers stay on
  // one thread from the first request on.
  leader_.store(0);
  for (std::size_t i = 0; i <= slots_; ++i) threads_.emplace_back([this, i] { thread_main(i); });
  watchdog_ = std::thread([this] { watchdog_main(); });
}

void HandlerThreads::join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  if (watchdog_.joinable()) watchdog_.join();
}

void HandlerThreads::thread_main(std::size_t index) {
  this_thread_index = index;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    // Leadership falls vacant, or is handed to this thread (hand_leadership_to).
    followers_.wait(lock, [this, index] {
      return finished_ || (leader_.load() == kNoLeader && aside_by_ != index) || leader_.load() == index;
    });
    if (finished_) return;
    leader_.store(index);
    aside_by_ = kNoLeader;
    ++leads_;
    lock.unlock();
    // One handler (or callback) per run_one(), so a thread that stepped down inside a
    // handler goes back to waiting as soon as that handler returns.
    while (leader_.load(std::memory_order_relaxed) == index) {
      if (io_.run_one() == 0) {  // out of work: serve() is over
        HeldReplies::release();
        lock.lock();
        finished_ = true;
        followers_.notify_all();
        watchdog_cv_.notify_all();
        return;
      }
    }
    HeldReplies::release();  // no longer reading: nothing of this thread's may wait
    lock.lock();
  }
}

void HandlerThreads::submit(Task task) {
  waiting_.fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (running_ == slots_) {
      queued_.push_back(std::move(task));
      return;
    }
    ++running_;
  }
  // defer: queued on this thread, run right after the read callback returns, no wake-up.
  boost::asio::defer(io_, [this, task = std::move(task)]() mutable { run_handlers(std::move(task)); });
}

void HandlerThreads::run_handlers(Task task) {
  const std::size_t index = this_thread_index;
  ThreadState* const state = state_of(index);
  if (state) state->in_handler.store(true);
  runtime::HandlerScope scope(&HandlerThreads::step_down_hook, this, &HandlerThreads::later_hook,
                              &HandlerThreads::step_aside_hook);
  for (;;) {
    waiting_.fetch_sub(1);
    std::uint64_t start = 0;
    if (leader_.load(std::memory_order_relaxed) == index) {
      if (max_reply_hold_.count() > 0) HeldReplies::begin();
      start = starts_.fetch_add(1) + 1;
      leader_in_.store(start);
      // Sequentially consistent with the watchdog's "asleep, then check starts_": one of
      // the two sees the other, so a handler never runs unwatched.
      if (watchdog_asleep_.load()) {
        std::lock_guard<std::mutex> lock(mu_);
        wake_watchdog();
      }
    }
    CpuPin::begin_handler();
    task();
    task = nullptr;  // what the handler captured is freed before the next one starts
    CpuPin::end_handler();
    if (start != 0) leader_in_.compare_exchange_strong(start, 0);  // unless a newer leader's
    // Replies wait only for handlers already submitted, on a thread that reads on.
    if (waiting_.load() == 0 || leader_.load(std::memory_order_relaxed) != index ||
        HeldReplies::overdue(max_reply_hold_)) {
      HeldReplies::release();
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (queued_.empty()) {
      if (--running_ == 0) idle_.notify_all();
      if (state) state->in_handler.store(false);
      reclaim_leadership(index);
      return;
    }
    task = std::move(queued_.front());
    queued_.pop_front();
  }
}

void HandlerThreads::step_down_hook(void* self) {
  HeldReplies::release();  // this thread is about to wait
  auto* threads = static_cast<HandlerThreads*>(self);
  threads->step_down(this_thread_index);
}

void HandlerThreads::step_aside_hook(void* self, bool retake) {
  HeldReplies::release();  // this thread computes for long now
  auto* threads = static_cast<HandlerThreads*>(self);
  std::lock_guard<std::mutex> lock(threads->mu_);
  if (threads->leader_.load() != this_thread_index) return;
  // Vacant, and nobody woken: the next thread to finish its handlers takes it
  // (thread_main), or the watchdog wakes one after a period.
  threads->vacate_leadership(/*wake_follower=*/false);
  if (!retake) threads->aside_by_ = this_thread_index;
  threads->wake_watchdog();
}

bool HandlerThreads::later_hook(void* self, std::function<void()>& task) {
  auto* threads = static_cast<HandlerThreads*>(self);
  {
    std::lock_guard<std::mutex> lock(threads->mu_);
    if (threads->running_ <= 1) return false;  // queued handlers count as running
  }
  // Deferred (or queued, when every slot is taken) behind the handlers already
  // submitted, so it runs after them, on this thread when it leads: no wake-up.
  threads->submit(std::move(task));
  return true;
}

void HandlerThreads::step_down(std::size_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  if (leader_.load() == index) vacate_leadership();
}

void HandlerThreads::reclaim_leadership(std::size_t index) {
  ThreadState* const state = state_of(index);
  if (!state || !state->outran) return;
  state->outran = false;
  const std::size_t leader = leader_.load();
  if (leader == kNoLeader || leader <= index || leader_in_.load() != 0) return;
  boost::asio::post(io_, [this, index] { hand_leadership_to(index); });
}

void HandlerThreads::hand_leadership_to(std::size_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::size_t self = this_thread_index;
  // Still wanted: this thread leads, the other one has a lower index and has not begun
  // another handler since it asked.
  if (finished_ || leader_.load() != self || self <= index || states_[index].in_handler.load()) return;
  leader_.store(index);
  leader_in_.store(0, std::memory_order_relaxed);
  followers_.notify_all();  // the one named wakes; any other waits on
}

void HandlerThreads::vacate_leadership(bool wake_follower) {
  leader_.store(kNoLeader);
  aside_by_ = kNoLeader;  // whoever is woken may take it
  leader_in_.store(0, std::memory_order_relaxed);
  if (wake_follower) followers_.notify_one();
}

void HandlerThreads::wake_watchdog() {
  if (!watchdog_asleep_.load()) return;
  watchdog_asleep_.store(false);
  watchdog_cv_.notify_one();
}

void HandlerThreads::watchdog_main() {
  std::unique_lock<std::mutex> lock(mu_);
  std::uint64_t seen_in = 0, seen_starts = starts_.load();
  int quiet_periods = 0;
  // The vacancy seen at the last check, as the count of leaderships taken then: the
  // same count now means leadership has been vacant all along since.
  std::optional<std::uint64_t> vacant_since;
  while (!finished_) {
    if (watchdog_asleep_.load()) {
      watchdog_cv_.wait(lock, [this] { return finished_ || !watchdog_asleep_.load(); });
      quiet_periods = 0;
      continue;
    }
    watchdog_cv_.wait_for(lock, kTakeoverAfter);
    const std::uint64_t in = leader_in_.load(std::memory_order_relaxed);
    const std::uint64_t starts = starts_.load(std::memory_order_relaxed);
    if (in != 0 && in == seen_in) {
      // The leader has been in one handler for a whole period.
      if (ThreadState* const leader = state_of(leader_.load())) leader->outran = true;
      vacate_leadership();
    }
    seen_in = in;
    // Leadership set aside (step_aside_hook) and still vacant a period later: every
    // thread is still computing, so one that waits reads meanwhile.
    const bool vacant = leader_.load() == kNoLeader;
    if (vacant && vacant_since == leads_) {
      aside_by_ = kNoLeader;
      followers_.notify_all();  // the first to wake takes it, even the one that set it aside
    }
    vacant_since = vacant ? std::optional<std::uint64_t>(leads_) : std::nullopt;
    quiet_periods = starts == seen_starts && in == 0 && !vacant ? quiet_periods + 1 : 0;
    seen_starts = starts;
    if (quiet_periods >= 2) {
      watchdog_asleep_.store(true);
      if (starts_.load() != seen_starts) watchdog_asleep_.store(false);  // a handler began meanwhile
    }
  }
}

void HandlerThreads::drain() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return running_ == 0; });
}

}  // namespace carton::runner::detail
