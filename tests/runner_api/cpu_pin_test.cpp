// CpuPin: a thread that stays keeps one CPU (the one it ran on) until it is let go; a
// handler that did not ask to stay lets its thread go; ComputeLanes' threads take the
// process's CPUs even when a staying thread made them (a plain thread would inherit
// the one CPU: why lanes reset theirs).
#include <boost/test/unit_test.hpp>

#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "carton/runner/compute_lanes.hpp"
#include "carton/runner/cpu_pin.hpp"
#include "carton/runner/model_handler.hpp"
#include "in_process_core.hpp"

using carton::runner::CpuPin;

namespace {

int cpus_of_this_thread() {
  cpu_set_t set;
  CPU_ZERO(&set);
  BOOST_REQUIRE(sched_getaffinity(0, sizeof set, &set) == 0);
  return CPU_COUNT(&set);
}

// Those of thread `tid` (0: the caller), without Boost.Test (in a handler, where an
// assertion would take microseconds).
int cpus_of(pid_t tid) {
  cpu_set_t set;
  CPU_ZERO(&set);
  return sched_getaffinity(tid, sizeof set, &set) == 0 ? CPU_COUNT(&set) : -1;
}

// Runs `body` on a thread of its own, so the test's thread keeps its CPUs.
void on_a_thread(const std::function<void()>& body) {
  std::thread t(body);
  t.join();
}

// A model whose every infer runs at once and takes `spin` (and notes its thread, so
// the test can read that thread's CPUs); each Load notes the CPUs its thread may use.
struct Spin {
  std::chrono::nanoseconds spin;
};
class SpinHandler : public carton::runner::ModelHandler<Spin> {
 public:
  SpinHandler() : ModelHandler("a spin", {"spin.txt"}) {}
  std::atomic<pid_t> infer_thread{0};
  std::atomic<int> load_cpus{0};
  std::chrono::nanoseconds spin{0};

 protected:
  std::shared_ptr<const Spin> load_served_model(const carton::wire::LoadRequest&) override {
    load_cpus = cpus_of(0);
    return std::make_shared<const Spin>(Spin{spin});
  }
  std::string pack_file_name(const carton::wire::PackRequest&, const std::string&) override { return "spin.txt"; }
  Tensors infer(const Spin& model, Tensors inputs) override {
    const auto until = std::chrono::steady_clock::now() + model.spin;
    while (std::chrono::steady_clock::now() < until) {
    }
    thread_local const pid_t self = gettid();
    infer_thread = self;
    return inputs;
  }
  bool runs_at_once(const Spin&, const Tensors&) const override { return true; }
};

struct Enabled {
  Enabled() { CpuPin::configure(true); }
  ~Enabled() { CpuPin::configure(false); }
};

// Runs `body(the process's CPU count)` on a thread of its own with staying on; nothing
// to check with one CPU.
void staying_on_a_thread(const std::function<void(int)>& body) {
  const int process = cpus_of_this_thread();
  if (process < 2) {
    BOOST_TEST_MESSAGE("one CPU: nothing to stay on");
    return;
  }
  Enabled enabled;
  on_a_thread([&] { body(process); });
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_thread_stays_on_its_cpu_until_released) {
  staying_on_a_thread([](int process) {
    CpuPin::stay();
    BOOST_TEST(cpus_of_this_thread() == 1);
    BOOST_TEST(sched_getcpu() >= 0);
    CpuPin::stay();  // already: no change
    BOOST_TEST(cpus_of_this_thread() == 1);
    CpuPin::release();
    BOOST_TEST(cpus_of_this_thread() == process);
  });
}

BOOST_AUTO_TEST_CASE(a_handler_that_did_not_ask_lets_its_thread_go) {
  staying_on_a_thread([](int process) {
    CpuPin::begin_handler();
    CpuPin::stay();  // a cheap infer
    CpuPin::end_handler();
    BOOST_TEST(cpus_of_this_thread() == 1);  // stays while it waits for the next request
    CpuPin::begin_handler();
    CpuPin::stay();
    CpuPin::end_handler();
    BOOST_TEST(cpus_of_this_thread() == 1);
    CpuPin::begin_handler();  // anything else: a Load, a queued infer
    CpuPin::end_handler();
    BOOST_TEST(cpus_of_this_thread() == process);
  });
}

BOOST_AUTO_TEST_CASE(a_thread_stays_while_its_cheap_runs_average_a_microsecond) {
  staying_on_a_thread([](int process) {
    using std::chrono::nanoseconds;
    for (int i = 0; i < 100; ++i) CpuPin::cheap_run(nanoseconds(200));  // regression32's walks
    BOOST_TEST(cpus_of_this_thread() == process);
    int runs = 0;
    while (cpus_of_this_thread() == process && runs < 100) {
      CpuPin::cheap_run(nanoseconds(3000));  // 200 trees to depth 8
      ++runs;
    }
    BOOST_TEST(cpus_of_this_thread() == 1);
    BOOST_TEST(runs > 1);  // an average, not one run
    BOOST_TEST(runs < 20);
    CpuPin::cheap_run(nanoseconds(900));  // the average stays over 3/4 of kStayFrom
    BOOST_TEST(cpus_of_this_thread() == 1);
    for (int i = 0; i < 100; ++i) CpuPin::cheap_run(nanoseconds(600));  // logistic's runs
    BOOST_TEST(cpus_of_this_thread() == process);
    // A run preempted for 3 ms among short ones counts as 2 us: not enough to stay.
    CpuPin::cheap_run(std::chrono::milliseconds(3));
    BOOST_TEST(cpus_of_this_thread() == process);
  });
}

BOOST_AUTO_TEST_CASE(compute_lanes_made_by_a_staying_thread_use_every_cpu) {
  staying_on_a_thread([](int process) {
    CpuPin::stay();
    int plain = 0, lane = 0;
    std::thread([&] { plain = cpus_of_this_thread(); }).join();
    BOOST_TEST(plain == 1);  // what a framework's pool made here would get
    carton::runner::ComputeLanes lanes(1);
    lanes.run([&] { lane = cpus_of_this_thread(); });
    BOOST_TEST(lane == process);
    CpuPin::release();
  });
}

BOOST_AUTO_TEST_CASE(staying_turned_off_changes_nothing) {
  const int process = cpus_of_this_thread();
  CpuPin::configure(false);
  on_a_thread([&] {
    CpuPin::stay();
    BOOST_TEST(cpus_of_this_thread() == process);
    CpuPin::release();
    BOOST_TEST(cpus_of_this_thread() == process);
  });
}

// Through serve() and ModelHandler, as a runner runs: the thread of 3 us infers stays
// after a few of them and is let go for a Load; infers of nothing never pin it.
BOOST_AUTO_TEST_CASE(served_cheap_infers_of_microseconds_pin_their_thread_and_a_load_lets_it_go) {
  const int process = cpus_of_this_thread();
  if (process < 2) {
    BOOST_TEST_MESSAGE("one CPU: nothing to stay on");
    return;
  }
  const carton::wire::Map<std::string, carton::wire::Tensor> x{
      {"x", carton::wire::Tensor::from_values<float>({1}, {1.0f})}};
  for (const auto spin : {std::chrono::nanoseconds(0), std::chrono::nanoseconds(3000)}) {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    // Instrumented, a run of nothing may take a microsecond: only the long one counts.
    if (spin.count() < 1000) continue;
#endif
    SpinHandler handler;
    handler.spin = spin;
    carton::test_support::InProcessCore core(handler);  // serve() turns staying on, as by default
    core.core().load({});
    for (int i = 0; i < 64; ++i) core.core().infer_with_tensors({x, false});
    BOOST_TEST(cpus_of(handler.infer_thread.load()) == (spin.count() >= 1000 ? 1 : process), spin.count());
    core.core().load({});
    BOOST_TEST(handler.load_cpus.load() == process);
  }
  CpuPin::configure(false);
}
