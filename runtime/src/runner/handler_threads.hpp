// HandlerThreads: the runner's threads. Each request runs on the thread that read it;
// another thread takes over the sockets only when that handler blocks or runs long.
//
// Why: handing every request from the I/O thread to a handler pool cost a wake-up and a
// context switch per round trip, the largest part of a small request's latency. Letting
// every thread run the io_context (plain leader/follower on a multi-threaded
// io_context) removes the hop but not the wake-ups: Asio wakes an idle thread to take
// the reactor whenever one starts a handler, and on two cores that thread competes with
// the core process for the CPU.
//
// How: exactly one thread, the leader, runs the io_context (reads, callbacks, and the
// handlers of the requests it reads, each after its read callback has returned and the
// next read is armed). The others wait outside Asio, so Asio has nobody to wake. The
// leader steps down, and a waiting thread becomes leader, when its handler
//  - is about to block on the I/O side (runtime::HandlerScope::will_block(), called by
//    the filesystem client), at once; or
//  - has run for kTakeoverAfter (5 ms), noticed by a watchdog that wakes once per period
//    while requests arrive and sleeps when none have for two periods.
// So a handler blocking on the filesystem never stalls the channels, and one computing
// for long delays the next request's reading by at most two periods.
//
// At most `slots` handlers run at once on `slots + 1` threads, so a thread is always
// free to lead; requests beyond that queue and the finishing handlers run them in
// arrival order (one slot keeps requests in order, as RequestLoop needs).
//
// A thread whose handler outran the watchdog asks for leadership back when it finishes,
// if the leader it gave way to has a higher index and runs no handler. Why: frameworks
// keep per-thread state, above all OpenMP, which gives every thread that opens a
// parallel region a team of its own; without this, long requests sent one after
// another alternate between two threads and two teams (XGBoost at 100,000 rows, before
// its predictions moved to runner::ComputeLanes: 2.5% slower than on one thread). The hand-over is a completion posted to the io_context,
// so the leader runs it and leaves the io_context only between completions: never is
// a completion (a deferred handler, an Asio continuation) queued by a thread that
// then stops running the io_context while another sleeps in the reactor. It costs one
// wake-up per long handler, nothing beside 5 ms; handlers that only blocked on the
// filesystem do not pay it.
#pragma once

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace carton::runner::detail {

class HandlerThreads {
 public:
  using Task = std::function<void()>;
  // Long enough that a small request never pays a hand-over and that the watchdog's
  // wake-up (once per period while requests arrive) touches under 0.3% of round trips
  // (at 1 ms it touched ~1% and set the p99); short enough that a request arriving
  // behind a long handler is read within 10 ms.
  static constexpr std::chrono::microseconds kTakeoverAfter{5000};

  // `max_reply_hold`: ServeOptions'.
  HandlerThreads(boost::asio::io_context& io, std::size_t slots,
                 std::chrono::microseconds max_reply_hold = std::chrono::microseconds{0});
  ~HandlerThreads();  // joins; call after the io_context has run out of work
  HandlerThreads(const HandlerThreads&) = delete;
  HandlerThreads& operator=(const HandlerThreads&) = delete;

  // Starts the threads; one of them runs the io_context until it runs out of work.
  void start();
  // Runs `task` as a handler. Call on the io_context (the RPC channel's read callback)
  // or from a handler.
  void submit(Task task);
  // Waits until every submitted task has run.
  void drain();
  // Waits until the io_context has run out of work and every thread has ended.
  void join();

 private:
  static constexpr std::size_t kNoLeader = SIZE_MAX;

  void thread_main(std::size_t index);
  void watchdog_main();
  void run_handlers(Task task);
  // Hands leadership to a waiting thread if `index` still leads.
  void step_down(std::size_t index);
  // With mu_ held: leadership falls vacant and, with `wake_follower`, a waiting thread
  // takes it; the old leader waits after its handler.
  void vacate_leadership(bool wake_follower = true);
  // With mu_ held: wakes the watchdog if it sleeps.
  void wake_watchdog();
  static void step_down_hook(void* self);
  // runtime::HandlerScope::step_aside(): leaves leadership vacant without waking anyone.
  static void step_aside_hook(void* self, bool retake);
  // runtime::HandlerScope::run_after_pending(): submits `task` if another handler runs
  // or waits.
  static bool later_hook(void* self, std::function<void()>& task);
  // With mu_ held, after `index`'s handlers are done: asks to lead again if it should.
  void reclaim_leadership(std::size_t index);
  // Run by the leader, as a completion: hands leadership to `index` if still wanted.
  void hand_leadership_to(std::size_t index);

  boost::asio::io_context& io_;
  const std::size_t slots_;
  const std::chrono::microseconds max_reply_hold_;
  std::vector<std::thread> threads_;
  std::thread watchdog_;

  std::mutex mu_;
  std::condition_variable followers_;  // wait for leadership to fall vacant
  std::condition_variable watchdog_cv_;
  std::condition_variable idle_;       // drain()
  std::atomic<std::size_t> leader_{kNoLeader};
  // Under mu_: the thread that set leadership aside and may not take it back itself
  // (step_aside without retake); kNoLeader otherwise.
  std::size_t aside_by_ = kNoLeader;
  std::uint64_t leads_ = 0;            // under mu_: times a waiting thread took leadership
  bool finished_ = false;              // the io_context ran out of work
  std::size_t running_ = 0;            // handlers running, queued ones included
  // Handlers submitted and not yet begun (deferred or queued): while there are some, a
  // leading thread holds its replies to write them with theirs (held_replies.hpp).
  std::atomic<std::size_t> waiting_{0};
  std::deque<Task> queued_;
  // What leadership's hand-back needs to know of each thread.
  struct ThreadState {
    bool outran = false;                // under mu_: the watchdog took over from its handler
    std::atomic<bool> in_handler{false};  // running handlers
  };
  // Thread `index`'s state; nullptr for a thread that is not one of these.
  ThreadState* state_of(std::size_t index) const { return index <= slots_ ? &states_[index] : nullptr; }
  std::unique_ptr<ThreadState[]> states_;

  // Written by the leader, read by the watchdog: a count of handler starts, and the
  // number of the start the leader is running now (0 while it runs none).
  std::atomic<std::uint64_t> starts_{0};
  std::atomic<std::uint64_t> leader_in_{0};
  std::atomic<bool> watchdog_asleep_{false};
};

}  // namespace carton::runner::detail
