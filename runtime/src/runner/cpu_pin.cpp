#include "carton/runner/cpu_pin.hpp"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>

namespace carton::runner {
namespace {

std::atomic<bool> g_enabled{false};
std::once_flag g_mask_once;
cpu_set_t g_process_cpus;  // written once, before any thread reads it (g_mask_once)
bool g_have_mask = false;

thread_local bool t_stays = false;
thread_local bool t_asked = false;  // this handler ran cheap work
thread_local std::int64_t t_average_ns = 0;  // of this thread's cheap runs, weighing the last 1/16

void remember_process_cpus() {
  std::call_once(g_mask_once, [] {
    CPU_ZERO(&g_process_cpus);
    g_have_mask = sched_getaffinity(0, sizeof g_process_cpus, &g_process_cpus) == 0;
  });
}

}  // namespace

void CpuPin::configure(bool enabled) {
  remember_process_cpus();
  // Release: a thread that sees it on sees the CPUs remembered.
  g_enabled.store(enabled && g_have_mask && CPU_COUNT(&g_process_cpus) > 1, std::memory_order_release);
}

void CpuPin::cheap_run(std::chrono::nanoseconds took) {
  t_asked = true;
  // A run the thread was preempted in, or the first of a model (cold caches, page
  // faults), counts as 2 us at most, so no outlier pins a thread of short runs.
  const std::int64_t sample = std::min<std::int64_t>(took.count(), 2 * kStayFrom.count());
  t_average_ns += (sample - t_average_ns) / 16;
  if (t_average_ns >= kStayFrom.count()) {
    stay();
  } else if (t_average_ns < kStayFrom.count() * 3 / 4) {
    release();
  }
}

void CpuPin::stay() {
  t_asked = true;
  if (t_stays || !g_enabled.load(std::memory_order_acquire)) return;
  const int cpu = sched_getcpu();
  if (cpu < 0 || cpu >= CPU_SETSIZE) return;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  // Marked even when refused (a filter, a cpuset that changed): it is not retried per
  // request; release() restores the process's CPUs either way.
  t_stays = true;
  sched_setaffinity(0, sizeof one, &one);
}

void CpuPin::release() {
  if (!t_stays) return;
  t_stays = false;
  sched_setaffinity(0, sizeof g_process_cpus, &g_process_cpus);
}

void CpuPin::use_process_cpus() {
  remember_process_cpus();
  t_stays = false;
  if (g_have_mask) sched_setaffinity(0, sizeof g_process_cpus, &g_process_cpus);
}

void CpuPin::begin_handler() { t_asked = false; }

void CpuPin::end_handler() {
  if (!t_asked) release();
}

}  // namespace carton::runner
