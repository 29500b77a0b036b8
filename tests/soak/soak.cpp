// carton-soak: drives one runner through many mixed requests and watches its RSS and
// open fds for growth after warm-up.
//
//   carton-soak --runner PATH [--requests N] [--callers C] [--model-dir DIR] [--phases P]
//
// The mix, per caller, cycling: Load and Pack (through the served read-only and
// read-write filesystems: the file runner reads model.txt and writes packed.txt),
// InferWithTensors with one float32 tensor of 0 B, 1 KiB, 64 KiB, 1 MiB or (every
// kBigEvery-th) 16 MiB, the same streaming, Seal then InferWithHandle (streaming
// or not) of what was sealed, and an InferWithHandle of a handle that does not exist.
// C callers share one MockCore, so requests are in flight concurrently. A runner that
// does not implement a request answers Error: counted, not a failure; a protocol error
// (a reply the core would reject, or none) fails the soak.
//
// Samples: the runner's VmRSS and open fds after each of P phases (callers idle). The
// first kWarmupPhases phases are warm-up (pools, caches, the allocator's arenas fill).
// Fails if, after warm-up, the fd count changes, or the last sample's RSS exceeds the
// highest of the first half of post-warm-up samples by more than kRssSlackKib: a leak
// grows with the request count, noise does not.
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "carton/mock/mock_core.hpp"
#include "suite/process_usage.hpp"

using namespace carton;
namespace stdfs = std::filesystem;

namespace {

constexpr int kWarmupPhases = 2;
// Allocator arenas and the frame reader's large-buffer pool settle at slightly
// different sizes from phase to phase; a leak of even 100 bytes a request exceeds this
// within 100,000 requests.
constexpr long kRssSlackKib = 8 * 1024;
constexpr std::size_t kTensorBytes[] = {0, 1 << 10, 64 << 10, 1 << 20};
constexpr std::size_t kBigTensorBytes = 16 << 20;
constexpr int kBigEvery = 200;  // 16 MiB tensors: one request in this many

struct Options {
  std::string runner;
  long requests = 100000;
  int callers = 4;
  int phases = 10;
  std::string model_dir;
};


wire::Map<std::string, wire::Tensor> tensor_of(std::size_t bytes) {
  std::vector<float> values(bytes / sizeof(float), 1.5f);
  return {{"x", wire::Tensor::from_values<float>({values.size()}, values)}};
}

struct Counters {
  std::atomic<long> ok{0}, runner_errors{0};
};

// One request of the mix; `i` picks which.
void one_request(mock::MockCore& core, long i, wire::FsToken ro, wire::FsToken rw, Counters& c) {
  auto& t = core.core();
  try {
    switch (i % 8) {
      case 0:
        t.load({ro, "soak", "*", 1, std::nullopt, wire::CpuDevice{}, std::nullopt});
        break;
      case 1:
        t.pack({rw, "/", "/"});
        break;
      case 2:
      case 3: {
        const std::size_t bytes =
            (i % kBigEvery == 2) ? kBigTensorBytes : kTensorBytes[(i / 8) % std::size(kTensorBytes)];
        t.infer_with_tensors({tensor_of(bytes), i % 8 == 3});
        break;
      }
      case 4:
      case 5: {
        const auto handle = t.seal({tensor_of(kTensorBytes[(i / 8) % std::size(kTensorBytes)])}).handle;
        t.infer_with_handle({handle, i % 8 == 5});
        break;
      }
      case 6:
        t.infer_with_handle({wire::SealHandle{~std::uint64_t{0} - static_cast<std::uint64_t>(i)}, false});
        break;
      default:
        t.infer_with_tensors({{}, false});
        break;
    }
    ++c.ok;
  } catch (const mock::RunnerError&) {
    ++c.runner_errors;
  }
}

int usage() {
  std::cerr << "usage: carton-soak --runner PATH [--requests N] [--callers C] [--phases P] [--model-dir DIR]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--runner") o.runner = v;
    else if (a == "--requests") o.requests = std::stol(v);
    else if (a == "--callers") o.callers = std::stoi(v);
    else if (a == "--phases") o.phases = std::stoi(v);
    else if (a == "--model-dir") o.model_dir = v;
    else return usage();
  }
  if (o.runner.empty() || argc % 2 == 0 || o.phases <= kWarmupPhases + 1 || o.callers < 1) return usage();

  const stdfs::path work = stdfs::temp_directory_path() / ("carton-soak-" + std::to_string(::getpid()));
  stdfs::create_directories(work / "model");
  stdfs::create_directories(work / "sandbox");
  std::ofstream(work / "model" / "model.txt") << "soak model";
  const std::string model_dir = o.model_dir.empty() ? (work / "model").string() : o.model_dir;

  int status = 0;
  try {
    mock::MockCoreOptions mo;
    mo.runner_path = o.runner;
    mock::MockCore core(mo);
    const auto ro = core.serve_directory(model_dir, false);
    const auto rw = core.serve_directory((work / "sandbox").string(), true);
    const pid_t pid = core.runner_pid();
    Counters counters;
    struct Sample {
      long requests, rss_kib, fds;
    };
    std::vector<Sample> samples;
    const long per_phase = o.requests / o.phases;
    const auto start = std::chrono::steady_clock::now();
    std::printf("phase  requests  rss_kib  fds\n");
    for (int phase = 0; phase < o.phases; ++phase) {
      std::vector<std::thread> callers;
      for (int c = 0; c < o.callers; ++c) {
        callers.emplace_back([&, c] {
          for (long i = c; i < per_phase; i += o.callers) one_request(core, phase * per_phase + i, ro, rw, counters);
        });
      }
      for (auto& t : callers) t.join();
      const auto usage = conformance::suite::process_usage(pid);  // the suite's reading of /proc
      samples.push_back({(phase + 1) * per_phase, static_cast<long>(usage.rss_kib), static_cast<long>(usage.open_fds)});
      std::printf("%5d  %8ld  %7ld  %3ld%s\n", phase, samples.back().requests, samples.back().rss_kib,
                  samples.back().fds, phase < kWarmupPhases ? "  (warm-up)" : "");
      std::fflush(stdout);
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%ld requests (%ld answered, %ld runner errors) by %d callers in %.1f s\n",
                counters.ok + counters.runner_errors, counters.ok.load(), counters.runner_errors.load(), o.callers,
                secs);

    const Sample& warm = samples[kWarmupPhases];
    const auto half_end = samples.begin() + kWarmupPhases + (o.phases - kWarmupPhases + 1) / 2;
    const long early_max =
        std::max_element(samples.begin() + kWarmupPhases, half_end, [](auto& a, auto& b) { return a.rss_kib < b.rss_kib; })
            ->rss_kib;
    for (std::size_t i = kWarmupPhases; i < samples.size(); ++i) {
      if (samples[i].fds != warm.fds) {
        std::printf("FAIL: open fds went from %ld to %ld after warm-up\n", warm.fds, samples[i].fds);
        status = 1;
        break;
      }
    }
    if (samples.back().rss_kib > early_max + kRssSlackKib) {
      std::printf("FAIL: RSS grew from %ld KiB (highest of the first half) to %ld KiB (end), over the %ld KiB slack\n",
                  early_max, samples.back().rss_kib, kRssSlackKib);
      status = 1;
    }
    if (counters.ok == 0) {
      std::printf("FAIL: no request was answered without an error\n");
      status = 1;
    }
    core.close_and_wait(std::chrono::milliseconds(5000));
  } catch (const std::exception& e) {
    std::printf("FAIL: %s\n", e.what());
    status = 1;
  }
  std::error_code ec;
  stdfs::remove_all(work, ec);
  if (status == 0) std::printf("soak: no growth in RSS or open fds after warm-up\n");
  return status;
}
