// CpuPin: a thread serving cheap requests stays on the CPU it runs on.
//
// Why: a request the runner answers in a microsecond or two (ModelHandler's
// runs_at_once, the XGBoost runner's walked rows) leaves the thread that read it the
// runner's busiest, and under concurrent clients the one that sets its rate. Left to
// the scheduler, each time that thread wakes (the core sent a request) it tends to
// wake beside the core's thread that sent it and waits for that CPU while the other
// one idles: at 16 clients on 2 cores it waited ~17% of the time, the machine ~35%
// idle. Kept on one CPU, the core's threads move to the others and the reading thread
// runs when it is woken: through carton's core, models whose walk takes 1.5 us or more
// served 1.00 to 1.17 times the requests a second (bench/README.md, "One CPU for the
// reading thread").
//
// Only a thread whose cheap runs (InferQueue::run_now) take kStayFrom or more on
// average stays: staying has a price, paid when another process's thread takes that
// CPU and the pinned thread cannot move (regression32's 0.1 us walks at 64 clients: no
// more requests a second, p99 580 to 1,389 us), and it pays only when the thread's own
// work sets the runner's rate (walks of ~2 us: 5 to 10% more requests a second at 16
// clients, p99 no worse at 64). A thread is let go (release()) before it runs anything
// else: ModelHandler's Load, Pack and queued infers, and after any handler that did not
// run cheap work, or when its runs' average falls under 3/4 of kStayFrom. A run counts
// as 2 x kStayFrom at most, and weighs 1/16 in the average: a thread preempted inside a
// run must not pin on that alone. Why: a thread inherits
// its creator's CPUs, and a framework makes its thread pools from the thread that first
// needs them; pinned, a pool would share one CPU. ComputeLanes' threads take the
// process's CPUs when they start (use_process_cpus), whoever made them.
//
// Off with ServeOptions::pin_cheap_work = false (the runner flag --no-cpu-pin), and
// when the process may run on one CPU only.
#pragma once

#include <chrono>

namespace carton::runner {

class CpuPin {
 public:
  static constexpr std::chrono::nanoseconds kStayFrom{1000};

  // serve(): remembers the process's CPUs and turns staying on or off.
  static void configure(bool enabled);
  // A cheap run of `took` ended on the calling thread: it stays on the CPU it runs on
  // while its runs average kStayFrom or more (a thread-local average and flag).
  static void cheap_run(std::chrono::nanoseconds took);
  // The calling thread stays on the CPU it runs on, until release().
  static void stay();
  // The calling thread may run on the process's CPUs again. Cheap when it stays on none.
  static void release();
  // For a new thread: the process's CPUs, whatever its creator stayed on.
  static void use_process_cpus();

  // HandlerThreads, around each handler: a thread that stays, but whose handler did not
  // ask to (a handler other than a cheap infer), is let go after it.
  static void begin_handler();
  static void end_handler();
};

}  // namespace carton::runner
