// What the runner benchmarks read about a process from /proc, and the latency counters
// they report: per-iteration page faults, CPU time and context switches, peak RSS, and
// the median and 99th percentile of recorded iteration times.
#pragma once

#include <benchmark/benchmark.h>

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

namespace carton::bench {

// Sets the counters p50_us and p99_us from per-iteration wall times in seconds.
inline void report_latencies(benchmark::State& state, std::vector<double>& seconds) {
  if (seconds.empty()) return;
  std::sort(seconds.begin(), seconds.end());
  auto at = [&](double q) {
    const std::size_t i = std::min(seconds.size() - 1, static_cast<std::size_t>(q * static_cast<double>(seconds.size())));
    return seconds[i] * 1e6;
  };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
}

// Runs `once` `warmup` times, then once per iteration timed by hand (the benchmark
// uses UseManualTime()), and reports the latencies.
template <class F>
void timed(benchmark::State& state, int warmup, F&& once) {
  for (int i = 0; i < warmup; ++i) once();
  std::vector<double> seconds;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    once();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(s);
    seconds.push_back(s);
  }
  report_latencies(state, seconds);
}

// kB value of a "Name:   123 kB" line of /proc/<pid>/status; -1 if absent.
inline double status_kb(pid_t pid, const char* name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const std::string key = std::string(name) + ":";
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) == 0) return std::stod(line.substr(key.size()));
  }
  return -1;
}

// Per-process counters summed over all threads: minor faults and CPU time from
// /proc/<pid>/stat, context switches from each /proc/<pid>/task/*/status.
struct ProcCounters {
  double minflt = 0, cpu_s = 0, cswitch = 0;

  static ProcCounters read(pid_t pid) {
    ProcCounters c;
    const std::string base = "/proc/" + std::to_string(pid);
    std::ifstream stat(base + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close != std::string::npos) {
      std::istringstream rest(text.substr(close + 2));
      std::vector<std::string> f{std::istream_iterator<std::string>(rest), std::istream_iterator<std::string>()};
      // Fields from 3 (state) on: minflt is field 10, utime 14, stime 15.
      if (f.size() > 12) {
        c.minflt = std::stod(f[10 - 3]);
        c.cpu_s = (std::stod(f[14 - 3]) + std::stod(f[15 - 3])) / static_cast<double>(::sysconf(_SC_CLK_TCK));
      }
    }
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator(base + "/task", ec)) {
      std::ifstream st(task.path() / "status");
      std::string line;
      while (std::getline(st, line)) {
        if (line.rfind("voluntary_ctxt_switches:", 0) == 0 || line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) {
          c.cswitch += std::stod(line.substr(line.find(':') + 1));
        }
      }
    }
    return c;
  }
};

// Per-iteration minor faults, CPU time and context switches of `pid` since `before`, as
// counters <prefix>_faults, <prefix>_cpu_us and <prefix>_cswitch.
inline void report_costs(benchmark::State& state, const char* prefix, pid_t pid, const ProcCounters& before) {
  const double n = static_cast<double>(state.iterations());
  if (n == 0) return;
  const ProcCounters now = ProcCounters::read(pid);
  const std::string p = prefix;
  state.counters[p + "_faults"] = (now.minflt - before.minflt) / n;
  state.counters[p + "_cpu_us"] = (now.cpu_s - before.cpu_s) * 1e6 / n;
  state.counters[p + "_cswitch"] = (now.cswitch - before.cswitch) / n;
}

}  // namespace carton::bench
