// The SDK's overhead on a real model: carton-runner-torchscript driven by the MockCore
// (the core's side, as carton drives a runner), beside carton-runner-noop given the same
// requests, the runner's own LoadedModel called in this process (its tensor conversion
// without the transport), and the same TorchScript model called in this process with
// libtorch (torch::jit::load + forward on a from_blob tensor): the floor.
//
//   BM_Small_InProcess          forward({"x": float32[4]}) -> x * 2, libtorch only
//   BM_Small_Handler            LoadedModel::infer on the wire tensors, in this process
//   BM_Small_TorchRunner        MockCore + carton-runner-torchscript, InferWithTensors
//   BM_Small_NoopRunner         MockCore + carton-runner-noop, the same request (echo)
//   BM_64MiB_<row>/add...       one float32 tensor of 64 MiB; the model returns x + 1
//                               (a new 64 MiB tensor comes back)
//   BM_64MiB_<row>/sum...       the model returns x.sum() (4 bytes come back)
//   .../<model>_aligned         Handler and TorchRunner rows: the input's elements are
//   .../<model>_misaligned      aligned for float where the runner receives them, or
//                               not, so the runner copies them once (the input's name
//                               decides, see storage_offset())
//   BM_64MiB_NoopRunner         the noop runner echoing the 64 MiB tensor (64 MiB back,
//                               as for add)
//
// SDK overhead = TorchRunner - InProcess. Handler - InProcess is the conversion to and
// from torch tensors; TorchRunner - Handler the transport (frames, sockets, threads).
//
// The models are written at startup by make_torch_bench_models.py with the Python the
// build found (Debian's /usr/bin/python3 and python3-torch) into a temp dir removed at
// exit. Small rows run 10,000 timed iterations after 500 warm-up ones and report the
// median and p99 of the per-iteration wall times (p50_us, p99_us); 64 MiB rows report
// bytes_per_second of input tensor data. Runner rows also report the runner's page
// faults, CPU time and context switches per iteration, and 64 MiB rows its peak RSS.
// libtorch runs with its default thread counts in the runner and here alike.
//
// This is the only translation unit of the project's benchmarks that includes a torch
// header.
#include <benchmark/benchmark.h>
#include <torch/script.h>
#include <torch/version.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "carton/mock/mock_core.hpp"
#include "carton/wire/messages.hpp"
#include "carton/wire/revisions.hpp"
#include "loaded_model.hpp"
#include "process_stats.hpp"

#if !defined(CARTON_NOOP_RUNNER) || !defined(CARTON_TORCHSCRIPT_RUNNER) || !defined(CARTON_PYTHON) || \
    !defined(CARTON_TORCH_BENCH_MODELS_SCRIPT)
#error "bench/CMakeLists.txt defines the runner paths, CARTON_PYTHON and CARTON_TORCH_BENCH_MODELS_SCRIPT"
#endif

namespace {

using namespace carton;
using bench::ProcCounters;
using Clock = std::chrono::steady_clock;
namespace stdfs = std::filesystem;

constexpr std::size_t kMiB = std::size_t{1} << 20;
constexpr std::size_t kSmallElements = 4;
constexpr std::size_t kLargeBytes = 64 * kMiB;
constexpr int kSmallIterations = 10000;
constexpr int kSmallWarmup = 500;
// TorchScript's profiling executor optimises a graph after its first runs.
constexpr int kLargeWarmup = 3;
// Loading libtorch and a first 64 MiB forward() take longer than the mock core's default.
constexpr std::chrono::milliseconds kCallTimeout{120000};

// Where make_torch_bench_models.py wrote small/, add/ and sum/ (set in main()).
stdfs::path g_models;

stdfs::path model_pt(const std::string& name) { return g_models / name / "model.pt"; }

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// --- inputs ------------------------------------------------------------------------

// Values 0, 0.5, ..., 499.5 repeated: exact in float32, so x * 2 and x + 1 are exact.
std::vector<float> input_values(std::size_t elements) {
  std::vector<float> v(elements);
  for (std::size_t i = 0; i < elements; ++i) v[i] = static_cast<float>(i % 1000) * 0.5f;
  return v;
}

wire::InferWithTensorsRequest request_of(const std::vector<float>& values, const std::string& key = "x") {
  wire::InferWithTensorsRequest r;
  r.tensors.insert_or_assign(key, wire::Tensor::from_bytes(wire::DType::kFloat32, {values.size()},
                                                           wire::Bytes::copy_of(values.data(), values.size() * 4)));
  return r;
}

// Whether a 64 MiB input's elements sit at addresses aligned for float. The runner
// hands torch the received frame's memory only when they do; otherwise it copies them
// once into torch's memory (runners/torchscript/tensor_conversion.hpp).
enum class Alignment { kAligned, kMisaligned };

// Where the input's storage starts in the request frame's payload. The runner receives
// a large payload into a buffer aligned to 2 MiB (runtime's FrameReader), so this
// offset decides the alignment. It follows from the request's layout: with carton's
// encoding, the input's name length moves it.
std::size_t storage_offset(const wire::InferWithTensorsRequest& r) {
  const wire::Encoded e = wire::encode_message(wire::RPCRequest{{0}, r}, wire::kDefaultCoreRevision);
  return e.segments.empty() ? 0 : e.segments.front().at;
}

// The request for the runner rows: one input named "x", "xx", ..., the first name
// that gives the wanted alignment.
wire::InferWithTensorsRequest runner_request(const std::vector<float>& values, Alignment a) {
  for (std::string key = "x"; key.size() <= sizeof(float); key += 'x') {
    auto r = request_of(values, key);
    if ((storage_offset(r) % alignof(float) == 0) == (a == Alignment::kAligned)) return r;
  }
  throw std::logic_error("no input name of 1 to 4 characters gives the wanted alignment");
}

// The request for the in-process LoadedModel rows: the same input, its storage at an
// address aligned for float or one byte past one.
wire::InferWithTensorsRequest handler_request(const std::vector<float>& values, Alignment a) {
  const std::size_t n = values.size() * sizeof(float);
  const std::size_t skew = a == Alignment::kAligned ? 0 : 1;
  auto buffer = std::make_shared<std::vector<std::uint8_t>>(n + sizeof(float));
  std::memcpy(buffer->data() + skew, values.data(), n);
  const std::uint8_t* data = buffer->data() + skew;
  wire::InferWithTensorsRequest r;
  r.tensors.insert_or_assign(
      "x", wire::Tensor::from_bytes(wire::DType::kFloat32, {values.size()}, wire::Bytes(std::move(buffer), data, n)));
  return r;
}

// --- checking what came back (outside the timed loops) -------------------------------

// What `model` must answer for the input values `x`: the output key and its first
// element (small: x[1] * 2, add: x[1] + 1, sum: the sum).
struct Expected {
  std::string key;
  float value;
};

Expected expected_for(const std::string& model, const std::vector<float>& x) {
  if (model == "small") return {"x", x.at(1) * 2};
  if (model == "add") return {"y", x.at(1) + 1};
  // Each block of 1000 values sums to 249,750; a float32 sum of 16 Mi of them is
  // not exact, so the check below allows 1e-3 relative error.
  double sum = 0;
  for (float v : x) sum += v;
  return {"y", static_cast<float>(sum)};
}

bool matches(const std::string& model, const wire::Map<std::string, wire::Tensor>& out, const Expected& want) {
  auto it = out.find(want.key);
  if (it == out.end() || it->second.dtype() != wire::DType::kFloat32) return false;
  const wire::Bytes& b = it->second.bytes();
  const std::size_t index = model == "sum" ? 0 : 1;
  if (b.size() < (index + 1) * sizeof(float)) return false;
  float got;
  std::memcpy(&got, b.data() + index * sizeof(float), sizeof got);
  return model == "sum" ? std::abs(got - want.value) <= 1e-3f * std::abs(want.value) : got == want.value;
}

// --- the ways of running the model --------------------------------------------------

// libtorch only: the module, called as the runner calls it (one Dict[str, Tensor]
// argument, under InferenceMode), on a tensor over the caller's buffer.
class InProcessModel {
 public:
  explicit InProcessModel(const std::string& name) : module_(torch::jit::load(model_pt(name).string())) {}

  // forward({"x": x}); returns the output tensor `key` (kept, so nothing is elided).
  at::Tensor run(std::vector<float>& x, const std::string& key) {
    c10::InferenceMode guard;
    c10::Dict<std::string, at::Tensor> inputs;
    inputs.insert("x", torch::from_blob(x.data(), {static_cast<std::int64_t>(x.size())}, at::kFloat));
    return module_.forward({inputs}).toGenericDict().at(key).toTensor();
  }

 private:
  torch::jit::Module module_;
};

std::shared_ptr<const runners::torchscript::LoadedModel> load_handler_model(const std::string& name) {
  std::ifstream in(model_pt(name), std::ios::binary);
  std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return runners::torchscript::LoadedModel::load(wire::Bytes::adopt(std::move(bytes)), /*cuda=*/false);
}

mock::MockCoreOptions options(const char* runner) {
  mock::MockCoreOptions o;
  o.runner_path = runner;
  o.call_timeout = kCallTimeout;
  return o;
}

// Serves the model directory and sends Load as carton does for a TorchScript model.
void load_torch(mock::MockCore& core, const std::string& name) {
  wire::LoadRequest load;
  load.fs = core.serve_directory((g_models / name).string(), /*writable=*/false);
  load.runner_name = "torchscript";
  load.required_framework_version = "*";
  load.runner_compat_version = 1;
  load.visible_device = wire::CpuDevice{};
  core.core().load(std::move(load));
}

wire::Map<std::string, wire::Tensor> final_tensors(mock::StreamResult<wire::InferResponse> out) {
  if (!out.final) throw std::runtime_error("the runner sent no final response");
  return std::move(out.final->tensors);
}

void report_runner_memory(benchmark::State& state, pid_t runner, double idle_hwm_kb) {
  const double hwm_kb = bench::status_kb(runner, "VmHWM");
  state.counters["runner_idle_MiB"] = idle_hwm_kb / 1024.0;
  state.counters["runner_peak_MiB"] = hwm_kb / 1024.0;
  // Peak RSS above the idle footprint, in tensor sizes: the input frame, plus the
  // output for add.
  state.counters["runner_extra_x_tensor"] = (hwm_kb - idle_hwm_kb) * 1024.0 / static_cast<double>(kLargeBytes);
}

// --- small: one float32[4] -----------------------------------------------------------

// Times `call` kSmallIterations times after kSmallWarmup untimed calls, reporting the
// per-iteration median and p99.
template <class Call>
void time_small(benchmark::State& state, Call&& call) {
  for (int i = 0; i < kSmallWarmup; ++i) call();
  std::vector<double> lat;
  lat.reserve(static_cast<std::size_t>(state.max_iterations));
  for (auto _ : state) {
    const auto t0 = Clock::now();
    auto out = call();
    const double s = seconds_since(t0);
    state.SetIterationTime(s);
    lat.push_back(s);
    benchmark::DoNotOptimize(out);
  }
  bench::report_latencies(state, lat);
}

void BM_Small_InProcess(benchmark::State& state) {
  InProcessModel model("small");
  auto x = input_values(kSmallElements);
  const float want = x[1] * 2;
  if (model.run(x, "x")[1].item<float>() != want) return state.SkipWithError("wrong result from forward()");
  time_small(state, [&] { return model.run(x, "x"); });
}

void BM_Small_Handler(benchmark::State& state) {
  const auto model = load_handler_model("small");
  const auto x = input_values(kSmallElements);
  const auto request = request_of(x);
  if (!matches("small", model->infer(request.tensors), expected_for("small", x))) {
    return state.SkipWithError("wrong result from LoadedModel::infer");
  }
  time_small(state, [&] { return model->infer(request.tensors); });
}

// One runner (torch or noop) behind the MockCore, infer_with_tensors on the small request.
void small_through_core(benchmark::State& state, mock::MockCore& core, bool torch) {
  const auto x = input_values(kSmallElements);
  const auto request = request_of(x);
  const Expected want = torch ? expected_for("small", x) : Expected{"x", x[1]};
  if (!matches("small", final_tensors(core.core().infer_with_tensors(request)), want)) {
    return state.SkipWithError("wrong result from the runner");
  }
  const auto before = ProcCounters::read(core.runner_pid()), self_before = ProcCounters::read(::getpid());
  // The copy of the request shares its storage; it is made inside the timed call, as
  // in runner_bench (a map of one entry).
  time_small(state, [&] { return core.core().infer_with_tensors(request); });
  bench::report_costs(state, "runner", core.runner_pid(), before);
  bench::report_costs(state, "core", ::getpid(), self_before);
  if (!core.violations().empty()) state.SkipWithError(core.violations().front().c_str());
}

void BM_Small_TorchRunner(benchmark::State& state) {
  mock::MockCore core(options(CARTON_TORCHSCRIPT_RUNNER));
  load_torch(core, "small");
  small_through_core(state, core, true);
}

void BM_Small_NoopRunner(benchmark::State& state) {
  mock::MockCore core(options(CARTON_NOOP_RUNNER));
  core.core().load({});
  small_through_core(state, core, false);
}

// --- 64 MiB: one float32[16 Mi] ------------------------------------------------------

void BM_64MiB_InProcess(benchmark::State& state, const std::string& model_name) {
  InProcessModel model(model_name);
  auto x = input_values(kLargeBytes / sizeof(float));  // touched: no page faults timed
  const Expected want = expected_for(model_name, x);
  for (int i = 0; i < kLargeWarmup; ++i) model.run(x, want.key);
  const auto self_before = ProcCounters::read(::getpid());
  for (auto _ : state) {
    auto y = model.run(x, want.key);
    benchmark::DoNotOptimize(y.data_ptr());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kLargeBytes));
  bench::report_costs(state, "core", ::getpid(), self_before);
}

void BM_64MiB_Handler(benchmark::State& state, const std::string& model_name, Alignment alignment) {
  const auto model = load_handler_model(model_name);
  const auto x = input_values(kLargeBytes / sizeof(float));
  const auto request = handler_request(x, alignment);
  if (!matches(model_name, model->infer(request.tensors), expected_for(model_name, x))) {
    return state.SkipWithError("wrong result from LoadedModel::infer");
  }
  for (int i = 1; i < kLargeWarmup; ++i) model->infer(request.tensors);
  const auto self_before = ProcCounters::read(::getpid());
  for (auto _ : state) {
    auto out = model->infer(request.tensors);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kLargeBytes));
  bench::report_costs(state, "core", ::getpid(), self_before);
}

// `model_name` "noop": the echo, "x" comes back unchanged.
void large_through_core(benchmark::State& state, mock::MockCore& core, const std::string& model_name,
                        Alignment alignment, double idle_hwm_kb) {
  const auto x = input_values(kLargeBytes / sizeof(float));
  const auto request = model_name == "noop" ? request_of(x) : runner_request(x, alignment);
  const Expected want = model_name == "noop" ? Expected{"x", x[1]} : expected_for(model_name, x);
  state.counters["storage_offset"] = static_cast<double>(storage_offset(request));
  if (!matches(model_name, final_tensors(core.core().infer_with_tensors(request)), want)) {
    return state.SkipWithError("wrong result from the runner");
  }
  for (int i = 1; i < kLargeWarmup; ++i) core.core().infer_with_tensors(request);
  const auto before = ProcCounters::read(core.runner_pid()), self_before = ProcCounters::read(::getpid());
  for (auto _ : state) {
    auto out = core.core().infer_with_tensors(request);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kLargeBytes));
  bench::report_costs(state, "runner", core.runner_pid(), before);
  bench::report_costs(state, "core", ::getpid(), self_before);
  report_runner_memory(state, core.runner_pid(), idle_hwm_kb);
  if (!core.violations().empty()) state.SkipWithError(core.violations().front().c_str());
}

void BM_64MiB_TorchRunner(benchmark::State& state, const std::string& model_name, Alignment alignment) {
  mock::MockCore core(options(CARTON_TORCHSCRIPT_RUNNER));
  load_torch(core, model_name);
  const double idle = bench::status_kb(core.runner_pid(), "VmHWM");
  large_through_core(state, core, model_name, alignment, idle);
}

void BM_64MiB_NoopRunner(benchmark::State& state) {
  mock::MockCore core(options(CARTON_NOOP_RUNNER));
  core.core().load({});
  const double idle = bench::status_kb(core.runner_pid(), "VmHWM");
  large_through_core(state, core, "noop", Alignment::kAligned, idle);
}

// Runs make_torch_bench_models.py into a fresh temp dir, removed on destruction.
struct ModelDir {
  ModelDir() {
    std::string tmpl = (stdfs::temp_directory_path() / "carton-torch-bench-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    g_models = tmpl;
    const std::string command =
        std::string("'") + CARTON_PYTHON + "' '" + CARTON_TORCH_BENCH_MODELS_SCRIPT + "' '" + tmpl + "'";
    if (std::system(command.c_str()) != 0) {
      throw std::runtime_error("cannot make the benchmark's models (" + command +
                               "): python3-torch must be installed for " + CARTON_PYTHON);
    }
  }
  ~ModelDir() {
    std::error_code ignored;
    stdfs::remove_all(g_models, ignored);
  }
};

}  // namespace

BENCHMARK(BM_Small_InProcess)->Iterations(kSmallIterations)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Small_Handler)->Iterations(kSmallIterations)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Small_TorchRunner)->Iterations(kSmallIterations)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Small_NoopRunner)->Iterations(kSmallIterations)->UseManualTime()->Unit(benchmark::kMicrosecond);

// 64 MiB rows: as many iterations as fit in 1 s (at least one), wall time.
void large_settings(benchmark::internal::Benchmark* b) {
  b->MinTime(1.0)->UseRealTime()->Unit(benchmark::kMillisecond);
}
BENCHMARK(BM_64MiB_NoopRunner)->Apply(large_settings);
#define CARTON_LARGE_ROWS(model)                                                                                 \
  BENCHMARK_CAPTURE(BM_64MiB_InProcess, model, std::string(#model))->Apply(large_settings);                     \
  BENCHMARK_CAPTURE(BM_64MiB_Handler, model##_aligned, std::string(#model), Alignment::kAligned)                \
      ->Apply(large_settings);                                                                                  \
  BENCHMARK_CAPTURE(BM_64MiB_Handler, model##_misaligned, std::string(#model), Alignment::kMisaligned)          \
      ->Apply(large_settings);                                                                                  \
  BENCHMARK_CAPTURE(BM_64MiB_TorchRunner, model##_aligned, std::string(#model), Alignment::kAligned)            \
      ->Apply(large_settings);                                                                                  \
  BENCHMARK_CAPTURE(BM_64MiB_TorchRunner, model##_misaligned, std::string(#model), Alignment::kMisaligned)      \
      ->Apply(large_settings)
CARTON_LARGE_ROWS(add);
CARTON_LARGE_ROWS(sum);

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);  // a dying runner shows up as EPIPE, not as our death
  benchmark::AddCustomContext("torchscript_runner", CARTON_TORCHSCRIPT_RUNNER);
  benchmark::AddCustomContext("noop_runner", CARTON_NOOP_RUNNER);
  benchmark::AddCustomContext("libtorch", TORCH_VERSION);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ModelDir models;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
