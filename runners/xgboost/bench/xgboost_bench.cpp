// carton-runner-xgboost against XGBoost itself: make_xgboost_bench_model.py's model
// (32 features, 200 rounds of depth 6) predicting N = 1, 1,000 and 100,000 rows.
//
//   BM_Xgb_InProcess/<N>   XGBoosterPredictFromDense in this process on the same
//                          model and rows (the handler's Booster): the floor
//   BM_Xgb_InProcessFirst/<N>  a booster's first prediction, just after its load: what
//                          a one-shot request through carton's core (one Load, one
//                          request) is compared with (bench/README.md)
//   BM_Xgb_Runner/<N>      MockCore + carton-runner-xgboost, InferWithTensors with the
//                          same rows; also the runner's RSS idle, after the Load and at
//                          its peak
//   BM_Xgb_RunnerCpu/<N>   the same requests, for the runner's CPU per request
//   BM_PlainPingPong/<N>   the request's bytes to a forked echo child and back over a
//                          socketpair: the plain round trip
//
// runners/xgboost/bench/xgboost_overhead.py checks the targets: at N = 1 the runner adds at
// most 2x the plain ping-pong to in-process; at N = 100,000 the round trip is within
// 1.10x of in-process; the runner's peak RSS at N = 100,000 is at most its RSS with the
// model loaded plus 1.5x (input + output).
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "booster.hpp"
#include "carton/mock/mock_core.hpp"
#include "carton/wire/messages.hpp"
#include "carton/wire/revisions.hpp"
#include "echo_peer.hpp"
#include "process_stats.hpp"

namespace {

using namespace carton;
namespace stdfs = std::filesystem;

constexpr int kWarmup = 10;
constexpr std::uint64_t kFeatures = 32;

stdfs::path g_dir;  // make_xgboost_bench_model.py's output (main())

std::vector<float> rows(std::int64_t n) {
  std::ifstream in(g_dir / "rows.f32", std::ios::binary);
  std::vector<float> v(static_cast<std::size_t>(n) * kFeatures);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
  if (!in) throw std::runtime_error("cannot read rows.f32");
  return v;
}

wire::InferWithTensorsRequest request(std::int64_t n) {
  wire::InferWithTensorsRequest r;
  r.tensors.insert_or_assign("input", wire::Tensor::from_values<float>({std::uint64_t(n), kFeatures}, rows(n)));
  return r;
}

mock::MockCoreOptions runner_options() {
  mock::MockCoreOptions o;
  o.runner_path = CARTON_XGBOOST_RUNNER;
  o.call_timeout = std::chrono::milliseconds(120000);
  return o;
}

void load(mock::MockCore& core) {
  wire::LoadRequest load;
  load.fs = core.serve_directory((g_dir / "model").string(), false);
  load.runner_name = "xgboost";
  load.required_framework_version = "*";
  load.runner_compat_version = 1;
  load.visible_device = wire::CpuDevice{};
  core.core().load(load);
}

template <class F>
void timed(benchmark::State& state, F&& once) {
  bench::timed(state, kWarmup, std::forward<F>(once));
}

// What the in-process benchmarks predict from: the model's bytes, its predict config,
// and `n` of the rows as XGBoost's dense rows.
struct InProcess {
  explicit InProcess(std::int64_t n)
      : values(rows(n)), r(runners::xgboost::DenseRows::packed(values.data(), static_cast<std::uint64_t>(n), kFeatures)) {
    std::ifstream in(g_dir / "model" / "model.ubj", std::ios::binary);
    model.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  runners::xgboost::Booster booster() const {
    return runners::xgboost::Booster(wire::Bytes::copy_of(model.data(), model.size()), 0);
  }
  std::vector<std::uint8_t> model;
  const std::string config = runners::xgboost::Booster::predict_config({false, 0, 0, std::nan("")});
  std::vector<float> values;
  runners::xgboost::DenseRows r;
};

void BM_Xgb_InProcess(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  const InProcess in(n);
  const auto booster = in.booster();
  const auto& r = in.r;
  const auto& config = in.config;
  std::uint64_t outputs = 0;
  // The runner sends a copy of the prediction; so does this.
  std::vector<float> out;
  timed(state, [&] {
    booster.predict(r, config, nullptr, [&](const runners::xgboost::Prediction& p) {
      out.assign(p.values, p.values + p.size());
      outputs = p.size();
    });
  });
  if (outputs != static_cast<std::uint64_t>(n)) state.SkipWithError("wrong output size");
}

void BM_Xgb_InProcessFirst(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  const InProcess in(n);
  const auto& r = in.r;
  const auto& config = in.config;
  std::vector<float> out;
  for (auto _ : state) {
    const auto booster = in.booster();
    const auto start = std::chrono::steady_clock::now();
    booster.predict(r, config, nullptr, [&](const runners::xgboost::Prediction& p) {
      out.assign(p.values, p.values + p.size());
    });
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (out.size() != static_cast<std::size_t>(n)) state.SkipWithError("wrong output size");
}

void BM_Xgb_Runner(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  mock::MockCore core(runner_options());
  const double idle_kb = bench::status_kb(core.runner_pid(), "VmRSS");
  load(core);
  const double loaded_kb = bench::status_kb(core.runner_pid(), "VmHWM");
  const auto req = request(n);
  std::uint64_t outputs = 0;
  timed(state, [&] {
    auto reply = core.core().infer_with_tensors({req.tensors, false});
    outputs = reply.final ? reply.final->tensors.at("output").numel() : 0;
  });
  if (outputs != static_cast<std::uint64_t>(n)) state.SkipWithError("wrong output size");
  state.counters["runner_idle_MiB"] = idle_kb / 1024.0;
  state.counters["runner_loaded_MiB"] = loaded_kb / 1024.0;
  state.counters["runner_peak_MiB"] = bench::status_kb(core.runner_pid(), "VmHWM") / 1024.0;
  state.counters["request_MiB"] = double(n) * (kFeatures + 1) * sizeof(float) / (1 << 20);
}

void BM_Xgb_RunnerCpu(benchmark::State& state) {
  mock::MockCore core(runner_options());
  load(core);
  const auto req = request(state.range(0));
  for (int i = 0; i < kWarmup; ++i) core.core().infer_with_tensors({req.tensors, false});
  const auto runner_before = bench::ProcCounters::read(core.runner_pid());
  const auto self_before = bench::ProcCounters::read(::getpid());
  for (auto _ : state) core.core().infer_with_tensors({req.tensors, false});
  bench::report_costs(state, "runner", core.runner_pid(), runner_before);
  bench::report_costs(state, "core", ::getpid(), self_before);
}

void BM_PlainPingPong(benchmark::State& state) {
  const auto req = request(state.range(0));
  const std::size_t n = wire::encode_message(wire::RPCRequest{{0}, req}, wire::kDefaultCoreRevision).size();
  std::vector<std::uint8_t> out(n, 0x5a), in(n);
  bench::EchoPeer peer;
  timed(state, [&] { peer.round_trip(out.data(), n, in.data()); });
  state.counters["frame_bytes"] = static_cast<double>(n);
}

}  // namespace

// Iterations() is per registration, so each size is its own: 300 timed requests of 1
// and 1,000 rows, 40 of 100,000 (a tenth of a second each).
#define CARTON_XGB_BENCH(fn, n, iterations, ...) BENCHMARK(fn)->Arg(n)->Iterations(iterations) __VA_ARGS__
#define CARTON_XGB_TIMED(fn)                                                                    \
  CARTON_XGB_BENCH(fn, 1, 300, ->UseManualTime()->Unit(benchmark::kMicrosecond));             \
  CARTON_XGB_BENCH(fn, 1000, 300, ->UseManualTime()->Unit(benchmark::kMicrosecond));          \
  CARTON_XGB_BENCH(fn, 100000, 40, ->UseManualTime()->Unit(benchmark::kMicrosecond))
CARTON_XGB_TIMED(BM_Xgb_InProcess);
CARTON_XGB_TIMED(BM_Xgb_Runner);
// Each iteration loads the model again (untimed): 20 first predictions per size.
CARTON_XGB_BENCH(BM_Xgb_InProcessFirst, 1, 20, ->UseManualTime()->Unit(benchmark::kMicrosecond));
CARTON_XGB_BENCH(BM_Xgb_InProcessFirst, 1000, 20, ->UseManualTime()->Unit(benchmark::kMicrosecond));
CARTON_XGB_BENCH(BM_Xgb_InProcessFirst, 100000, 20, ->UseManualTime()->Unit(benchmark::kMicrosecond));
CARTON_XGB_TIMED(BM_PlainPingPong);
// /proc counts CPU time in 10 ms ticks: these run long enough for 1% resolution.
CARTON_XGB_BENCH(BM_Xgb_RunnerCpu, 1, 20000, ->Unit(benchmark::kMicrosecond));
CARTON_XGB_BENCH(BM_Xgb_RunnerCpu, 1000, 1000, ->Unit(benchmark::kMicrosecond));
CARTON_XGB_BENCH(BM_Xgb_RunnerCpu, 100000, 40, ->Unit(benchmark::kMicrosecond));

int main(int argc, char** argv) {
  g_dir = stdfs::temp_directory_path() / ("carton-xgboost-bench-" + std::to_string(::getpid()));
  stdfs::create_directories(g_dir);
  const std::string cmd = std::string("'") + CARTON_PYTHON + "' '" + CARTON_XGBOOST_BENCH_MODEL + "' '" +
                          g_dir.string() + "' > /dev/null";
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "xgboost_bench: %s failed\n", cmd.c_str());
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ignored;
  stdfs::remove_all(g_dir, ignored);
  return 0;
}
