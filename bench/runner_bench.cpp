// Runner round trips against the plain-socket limit: carton-runner-noop driven over real
// sockets, started exactly as carton starts runners, next to a forked echo process that
// bounces the same number of bytes over a bare socketpair.
//
//   BM_PlainPingPong_Small     the limit: one length-prefixed frame of the small
//                              request's size, to a forked echo child and back
//   BM_RunnerRoundTrip_Small   MockCore + noop, InferWithTensors with one float32[4]
//   BM_RunnerDirect_Small      the same runner, driven by a blocking, single-threaded
//                              client (no MockCore threads): splits runner cost from
//                              mock-core cost
//   BM_PlainEcho/<MiB>         the limit for a float32 tensor of <MiB> MiB
//   BM_RunnerEcho/<MiB>        MockCore + noop echoing that tensor; also reports the
//                              runner's peak RSS (VmHWM) relative to the tensor size
//   BM_RunnerDirectEcho/<MiB>  the blocking client again
//
// Small round trips run 10,000 timed iterations each and report the median and p99 of
// the per-iteration wall times (counters p50_us, p99_us; real_time is their mean).
// Echo benchmarks report tensor bytes per second (bytes_per_second). Every benchmark
// starts its own runner or echo child, outside the timed loop, and warms it up first.
// bench/ratios.py turns a JSON report into the ratios table with the targets.
#include <benchmark/benchmark.h>

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "carton/mock/mock_core.hpp"
#include "carton/runtime/bootstrap.hpp"
#include "carton/runtime/frame_header.hpp"
#include "carton/runtime/frame_reader.hpp"
#include "carton/wire/messages.hpp"
#include "carton/wire/revisions.hpp"
#include "echo_peer.hpp"
#include "process_stats.hpp"

#ifndef CARTON_NOOP_RUNNER
#error "CARTON_NOOP_RUNNER (the path of carton-runner-noop) must be defined"
#endif

extern char** environ;

namespace {

using namespace carton;
using Clock = std::chrono::steady_clock;
using bench::EchoPeer;
using bench::read_exact;
using bench::write_all;

constexpr std::size_t kMiB = std::size_t{1} << 20;
constexpr auto kRevision = wire::kDefaultCoreRevision;
constexpr int kSmallIterations = 10000;
constexpr int kSmallWarmup = 500;

// --- requests ----------------------------------------------------------------------

wire::InferWithTensorsRequest float_request(std::size_t elements) {
  std::vector<std::uint8_t> raw(elements * sizeof(float));
  for (std::size_t i = 0; i < elements; ++i) {
    const float v = static_cast<float>(i % 1000) * 0.5f;
    std::memcpy(raw.data() + i * sizeof(float), &v, sizeof v);
  }
  wire::InferWithTensorsRequest r;
  r.tensors.insert_or_assign(
      "x", wire::Tensor::from_bytes(wire::DType::kFloat32, {elements}, wire::Bytes::adopt(std::move(raw))));
  return r;
}

wire::InferWithTensorsRequest small_request() { return float_request(4); }

// The request's frame payload size, so the plain ping-pong moves the same bytes.
std::size_t payload_size(const wire::InferWithTensorsRequest& r) {
  return wire::encode_message(wire::RPCRequest{{0}, r}, kRevision).size();
}

const wire::Tensor& echoed(const mock::StreamResult<wire::InferResponse>& out) {
  if (!out.final) throw std::runtime_error("the runner sent no final response");
  return out.final->tensors.at("x");
}

// CARTON_BENCH_RUNNER overrides the runner (e.g. a wrapper script that starts the noop
// runner under valgrind or strace, passing its arguments on).
std::string runner_path() {
  const char* env = std::getenv("CARTON_BENCH_RUNNER");
  return env && *env ? env : CARTON_NOOP_RUNNER;
}

// --- a blocking, single-threaded core: the runner without MockCore's threads ---------

class DirectCore {
 public:
  DirectCore() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "carton-runner-bench-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    dir_ = tmpl;
    const std::string uds = dir_ + "/bootstrap";
    runtime::UniqueFd listener = runtime::listen_unix(uds);
    std::string path = runner_path();
    std::string flag = "--uds-path";
    std::string uds_arg = uds;
    char* argv[] = {path.data(), flag.data(), uds_arg.data(), nullptr};
    if (::posix_spawn(&pid_, path.c_str(), nullptr, nullptr, argv, environ) != 0) {
      throw std::runtime_error("cannot start " + path);
    }
    runtime::UniqueFd conn = runtime::accept_unix(listener.get(), std::chrono::milliseconds(10000));
    auto [rpc_core, rpc_runner] = runtime::make_socketpair();
    auto [fs_core, fs_runner] = runtime::make_socketpair();
    runtime::send_channel(conn.get(), 0, rpc_runner.get());
    runtime::send_channel(conn.get(), 1, fs_runner.get());
    rpc_ = std::move(rpc_core);
    fs_ = std::move(fs_core);
  }
  ~DirectCore() {
    rpc_.reset();
    fs_.reset();
    ::waitpid(pid_, nullptr, 0);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  DirectCore(const DirectCore&) = delete;
  DirectCore& operator=(const DirectCore&) = delete;

  pid_t pid() const { return pid_; }

  // One request, then frames until its complete response (log records are skipped).
  wire::RPCResponse call(wire::RPCRequestData data) {
    const wire::RpcId id{next_id_++};
    const wire::Encoded payload = wire::encode_message(wire::RPCRequest{id, std::move(data)}, kRevision);
    auto header = runtime::encode_frame_header(payload.size());
    std::vector<iovec> iov{{header.data(), header.size()}};
    for (const iovec& v : payload.iovecs()) iov.push_back(v);
    write_all(rpc_.get(), iov.data(), static_cast<int>(iov.size()));
    for (;;) {
      while (auto frame = reader_.next()) {
        auto response = wire::decode_message<wire::RPCResponse>(*frame, kRevision);
        if (response.id.value == id.value && response.complete) return response;
      }
      auto [p, n] = reader_.writable();
      const ssize_t got = ::read(rpc_.get(), p, n);
      if (got < 0 && errno == EINTR) {
        reader_.commit(0);
        continue;
      }
      if (got <= 0) throw std::runtime_error("the runner closed the channel");
      if (!reader_.commit(static_cast<std::size_t>(got))) throw std::runtime_error(reader_.error());
    }
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  runtime::UniqueFd rpc_, fs_;
  runtime::FrameReader reader_;
  std::uint64_t next_id_ = 1;
};

mock::MockCoreOptions noop_options() {
  mock::MockCoreOptions o;
  o.runner_path = runner_path();
  o.call_timeout = std::chrono::milliseconds(120000);
  return o;
}

// --- reporting ---------------------------------------------------------------------

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

using carton::bench::ProcCounters;
using carton::bench::report_latencies;
using carton::bench::status_kb;

// Per-iteration faults, CPU time and context switches of the runner and of this process
// (the core side: MockCore's threads, or the blocking client, or the ping-pong parent).
void report_costs(benchmark::State& state, pid_t runner, const ProcCounters& runner_before,
                  const ProcCounters& self_before) {
  carton::bench::report_costs(state, "runner", runner, runner_before);
  carton::bench::report_costs(state, "core", ::getpid(), self_before);
}

void report_runner_memory(benchmark::State& state, pid_t runner, double idle_hwm_kb, std::size_t tensor_bytes) {
  const double hwm_kb = status_kb(runner, "VmHWM");
  state.counters["runner_idle_MiB"] = idle_hwm_kb / 1024.0;
  state.counters["runner_peak_MiB"] = hwm_kb / 1024.0;
  // Peak RSS over the tensor size, whole process (idle footprint included).
  state.counters["peak_rss_x_tensor"] = hwm_kb * 1024.0 / static_cast<double>(tensor_bytes);
}

// --- small round trips -------------------------------------------------------------

void BM_PlainPingPong_Small(benchmark::State& state) {
  const std::size_t n = payload_size(small_request());
  std::vector<std::uint8_t> out(n, 0x5a), in(n);
  EchoPeer peer;
  for (int i = 0; i < kSmallWarmup; ++i) peer.round_trip(out.data(), n, in.data());
  std::vector<double> lat;
  lat.reserve(static_cast<std::size_t>(state.max_iterations));
  const auto runner_before = ProcCounters::read(peer.pid()), self_before = ProcCounters::read(::getpid());
  for (auto _ : state) {
    const auto t0 = Clock::now();
    peer.round_trip(out.data(), n, in.data());
    const double s = seconds_since(t0);
    state.SetIterationTime(s);
    lat.push_back(s);
  }
  report_costs(state, peer.pid(), runner_before, self_before);
  benchmark::DoNotOptimize(in.data());
  state.counters["frame_bytes"] = static_cast<double>(n);
  report_latencies(state, lat);
}

void BM_RunnerRoundTrip_Small(benchmark::State& state) {
  mock::MockCore core(noop_options());
  core.core().load({});
  const auto request = small_request();
  const wire::Tensor expected = request.tensors.at("x");
  for (int i = 0; i < kSmallWarmup; ++i) {
    if (!(echoed(core.core().infer_with_tensors(request)) == expected)) {
      state.SkipWithError("the runner did not echo the tensor");
      return;
    }
  }
  std::vector<double> lat;
  lat.reserve(static_cast<std::size_t>(state.max_iterations));
  const auto runner_before = ProcCounters::read(core.runner_pid()), self_before = ProcCounters::read(::getpid());
  for (auto _ : state) {
    wire::InferWithTensorsRequest copy = request;  // shares the storage; not timed
    const auto t0 = Clock::now();
    auto out = core.core().infer_with_tensors(std::move(copy));
    const double s = seconds_since(t0);
    state.SetIterationTime(s);
    lat.push_back(s);
    benchmark::DoNotOptimize(out);
  }
  report_costs(state, core.runner_pid(), runner_before, self_before);
  state.counters["frame_bytes"] = static_cast<double>(payload_size(request));
  report_latencies(state, lat);
  if (!core.violations().empty()) state.SkipWithError(core.violations().front().c_str());
}

void BM_RunnerDirect_Small(benchmark::State& state) {
  DirectCore core;
  core.call(wire::LoadRequest{});
  const auto request = small_request();
  for (int i = 0; i < kSmallWarmup; ++i) core.call(request);
  std::vector<double> lat;
  lat.reserve(static_cast<std::size_t>(state.max_iterations));
  const auto runner_before = ProcCounters::read(core.pid()), self_before = ProcCounters::read(::getpid());
  for (auto _ : state) {
    wire::InferWithTensorsRequest copy = request;
    const auto t0 = Clock::now();
    auto out = core.call(std::move(copy));
    const double s = seconds_since(t0);
    state.SetIterationTime(s);
    lat.push_back(s);
    benchmark::DoNotOptimize(out);
  }
  report_costs(state, core.pid(), runner_before, self_before);
  report_latencies(state, lat);
}

// --- large echoes ------------------------------------------------------------------

void BM_PlainEcho(benchmark::State& state) {
  const std::size_t tensor = static_cast<std::size_t>(state.range(0)) * kMiB;
  const std::size_t n = payload_size(float_request(tensor / sizeof(float)));
  std::vector<std::uint8_t> out(n, 0x5a), in(n, 0);  // both touched: no page faults timed
  EchoPeer peer;
  peer.round_trip(out.data(), n, in.data());
  const auto runner_before = ProcCounters::read(peer.pid()), self_before = ProcCounters::read(::getpid());
  for (auto _ : state) peer.round_trip(out.data(), n, in.data());
  report_costs(state, peer.pid(), runner_before, self_before);
  benchmark::DoNotOptimize(in.data());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * tensor));
}

void BM_RunnerEcho(benchmark::State& state) {
  const std::size_t tensor = static_cast<std::size_t>(state.range(0)) * kMiB;
  mock::MockCore core(noop_options());
  core.core().load({});
  const double idle_hwm = status_kb(core.runner_pid(), "VmHWM");
  const auto request = float_request(tensor / sizeof(float));
  if (!(echoed(core.core().infer_with_tensors(request)) == request.tensors.at("x"))) {
    state.SkipWithError("the runner did not echo the tensor bit-exactly");
    return;
  }
  const auto runner_before = ProcCounters::read(core.runner_pid()), self_before = ProcCounters::read(::getpid());
  for (auto _ : state) {
    auto out = core.core().infer_with_tensors(request);
    if (echoed(out).bytes().size() != tensor) state.SkipWithError("short echo");
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * tensor));
  report_costs(state, core.runner_pid(), runner_before, self_before);
  report_runner_memory(state, core.runner_pid(), idle_hwm, tensor);
}

void BM_RunnerDirectEcho(benchmark::State& state) {
  const std::size_t tensor = static_cast<std::size_t>(state.range(0)) * kMiB;
  DirectCore core;
  core.call(wire::LoadRequest{});
  const double idle_hwm = status_kb(core.pid(), "VmHWM");
  const auto request = float_request(tensor / sizeof(float));
  core.call(request);
  const auto runner_before = ProcCounters::read(core.pid()), self_before = ProcCounters::read(::getpid());
  for (auto _ : state) {
    auto out = core.call(request);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * tensor));
  report_costs(state, core.pid(), runner_before, self_before);
  report_runner_memory(state, core.pid(), idle_hwm, tensor);
}

}  // namespace

BENCHMARK(BM_PlainPingPong_Small)->Iterations(kSmallIterations)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RunnerRoundTrip_Small)->Iterations(kSmallIterations)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RunnerDirect_Small)->Iterations(kSmallIterations)->UseManualTime()->Unit(benchmark::kMicrosecond);

// 1 and 16 MiB: as many iterations as fit in 1 s; 256 MiB: a fixed 5 (a cold runner
// echo of 256 MiB can take seconds on a VM with expensive page faults).
#define CARTON_ECHO_SIZES(b)                                                              \
  BENCHMARK(b)->Arg(1)->Arg(16)->MinTime(1.0)->UseRealTime()->Unit(benchmark::kMillisecond); \
  BENCHMARK(b)->Arg(256)->Iterations(5)->UseRealTime()->Unit(benchmark::kMillisecond)
CARTON_ECHO_SIZES(BM_PlainEcho);
CARTON_ECHO_SIZES(BM_RunnerEcho);
CARTON_ECHO_SIZES(BM_RunnerDirectEcho);

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);  // a dying peer shows up as EPIPE, not as our death
  benchmark::AddCustomContext("runner", CARTON_NOOP_RUNNER);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
