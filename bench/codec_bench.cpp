// Codec throughput against memcpy: one 64 MiB float32 tensor, and 1,000 small ones,
// in an RPCRequest InferWithTensors, encoded and decoded the way the runtime does it.
//
// Every benchmark of a family reports bytes processed over the same byte count (the
// 64 MiB of tensor storage, or the small request's payload size), so the MB/s columns
// and bench/ratios.py compare like with like. Inputs are built once, outside the timed
// loops; whatever the runtime would also pay (building and freeing the Encoded, the
// decoded message) is inside them.
#include <benchmark/benchmark.h>
#include <malloc.h>  // mallopt (glibc)

#include <cstdint>
#include <cstring>
#include <string>
#include <variant>
#include <vector>

#include "carton/wire/messages.hpp"
#include "carton/wire/revisions.hpp"

namespace {

using namespace carton;

constexpr std::size_t k64MiB = std::size_t{64} << 20;
constexpr std::size_t kSmallTensors = 1000;
constexpr std::size_t kSmallElements = 16;  // float32 [16]: 64 bytes of storage each
constexpr auto kRevision = wire::kDefaultCoreRevision;

struct Fixture {
  wire::RPCRequest request;
  wire::Bytes frame;  // the encoded payload, as the transport hands it to the decoder
};

wire::Bytes float_storage(std::size_t elements, float first) {
  std::vector<std::uint8_t> raw(elements * sizeof(float));
  for (std::size_t i = 0; i < elements; ++i) {
    const float v = first + static_cast<float>(i);
    std::memcpy(raw.data() + i * sizeof(float), &v, sizeof v);
  }
  return wire::Bytes::adopt(std::move(raw));
}

Fixture make_fixture(wire::InferWithTensorsRequest body) {
  Fixture f;
  f.request = wire::RPCRequest{{42}, std::move(body)};
  f.frame = wire::Bytes::adopt(wire::encode_message(f.request, kRevision).flatten());
  return f;
}

const Fixture& big() {
  static const Fixture f = [] {
    wire::InferWithTensorsRequest body;
    const std::size_t n = k64MiB / sizeof(float);
    body.tensors.append("input", wire::Tensor::from_bytes(wire::DType::kFloat32, {n}, float_storage(n, 0.0f)));
    return make_fixture(std::move(body));
  }();
  return f;
}

const Fixture& small() {
  static const Fixture f = [] {
    wire::InferWithTensorsRequest body;
    body.tensors.reserve(kSmallTensors);
    for (std::size_t i = 0; i < kSmallTensors; ++i) {
      body.tensors.append("t" + std::to_string(i),
                          wire::Tensor::from_bytes(wire::DType::kFloat32, {kSmallElements},
                                                   float_storage(kSmallElements, static_cast<float>(i))));
    }
    return make_fixture(std::move(body));
  }();
  return f;
}

const wire::Tensor& only_tensor(const wire::RPCRequest& m) {
  return std::get<wire::InferWithTensorsRequest>(m.data).tensors.begin()->second;
}

// Source and destination, written once so that no page faults land in the loop.
std::vector<std::uint8_t> filled(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 131);
  return v;
}

void run_memcpy(benchmark::State& state, std::size_t n) {
  auto src = filled(n, 1);
  auto dst = filled(n, 2);
  for (auto _ : state) {
    benchmark::DoNotOptimize(src.data());
    std::memcpy(dst.data(), src.data(), n);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

// --- 64 MiB ------------------------------------------------------------------------

void BM_Memcpy64MiB(benchmark::State& state) { run_memcpy(state, k64MiB); }

// (a) What the runtime sends: an Encoded (small head + one segment over the tensor's
// storage), handed to writev. No copy of the storage.
void BM_Encode64MiB(benchmark::State& state) {
  const auto& req = big().request;
  for (auto _ : state) {
    wire::Encoded enc = wire::encode_message(req, kRevision);
    benchmark::DoNotOptimize(enc.head.data());
    benchmark::DoNotOptimize(enc.segments.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * k64MiB));
}

// (b) Encode, then Encoded::flatten() into one new contiguous vector (one copy, plus
// a fresh 64 MiB allocation and its page faults every time).
void BM_Encode64MiB_Flatten(benchmark::State& state) {
  const auto& req = big().request;
  for (auto _ : state) {
    std::vector<std::uint8_t> flat = wire::encode_message(req, kRevision).flatten();
    benchmark::DoNotOptimize(flat.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * k64MiB));
}

// (b') Encode, then copy the pieces into a buffer reused across iterations: the copy
// alone, without the allocator, i.e. what a caller with its own buffer pays.
void BM_Encode64MiB_CopyIntoBuffer(benchmark::State& state) {
  const auto& req = big().request;
  auto dst = filled(big().frame.size(), 3);
  for (auto _ : state) {
    const wire::Encoded enc = wire::encode_message(req, kRevision);
    std::uint8_t* out = dst.data();
    enc.for_each_piece([&](const std::uint8_t* p, std::size_t n) {
      std::memcpy(out, p, n);
      out += n;
    });
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * k64MiB));
}

// Zero copy: the decoded tensor's storage is a view into the frame.
void BM_Decode64MiB(benchmark::State& state) {
  const auto& frame = big().frame;
  for (auto _ : state) {
    const auto m = wire::decode_message<wire::RPCRequest>(frame, kRevision);
    benchmark::DoNotOptimize(only_tensor(m).bytes().data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * k64MiB));
}

// Decode, then take the elements out once with Tensor::values<float>() (a new
// std::vector<float>): "at most one copy".
void BM_Decode64MiB_ValuesCopy(benchmark::State& state) {
  const auto& frame = big().frame;
  for (auto _ : state) {
    const auto m = wire::decode_message<wire::RPCRequest>(frame, kRevision);
    std::vector<float> v = only_tensor(m).values<float>();
    benchmark::DoNotOptimize(v.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * k64MiB));
}

// Decode, then copy the elements once into a buffer reused across iterations: the
// one copy alone, without the allocator and its page faults.
void BM_Decode64MiB_CopyIntoBuffer(benchmark::State& state) {
  const auto& frame = big().frame;
  auto dst = filled(k64MiB, 4);
  for (auto _ : state) {
    const auto m = wire::decode_message<wire::RPCRequest>(frame, kRevision);
    const wire::Bytes& storage = only_tensor(m).bytes();
    std::memcpy(dst.data(), storage.data(), storage.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * k64MiB));
}

// The allocating-copy baseline for the two benchmarks above that allocate: a new
// 64 MiB std::vector filled straight from the source (no zeroing first).
void BM_Memcpy64MiB_NewVector(benchmark::State& state) {
  const auto src = filled(k64MiB, 1);
  for (auto _ : state) {
    std::vector<std::uint8_t> dst(src.begin(), src.end());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * k64MiB));
}

// --- 1,000 small tensors -----------------------------------------------------------

void BM_Memcpy1000Small(benchmark::State& state) { run_memcpy(state, small().frame.size()); }

void BM_Encode1000Small(benchmark::State& state) {
  const auto& req = small().request;
  for (auto _ : state) {
    wire::Encoded enc = wire::encode_message(req, kRevision);
    benchmark::DoNotOptimize(enc.head.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * small().frame.size()));
}

void BM_Decode1000Small(benchmark::State& state) {
  const auto& frame = small().frame;
  for (auto _ : state) {
    const auto m = wire::decode_message<wire::RPCRequest>(frame, kRevision);
    benchmark::DoNotOptimize(&m);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
}

}  // namespace

BENCHMARK(BM_Memcpy64MiB)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Encode64MiB)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Encode64MiB_Flatten)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Encode64MiB_CopyIntoBuffer)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Decode64MiB)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Decode64MiB_ValuesCopy)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Decode64MiB_CopyIntoBuffer)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Memcpy64MiB_NewVector)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Memcpy1000Small)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Encode1000Small)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Decode1000Small)->Unit(benchmark::kMicrosecond);

// Unless --glibc_malloc_defaults is given, glibc's malloc is pinned so that freed
// memory stays mapped between iterations: with its defaults, whether the 1,000-tensor
// request's ~100 KiB header lands in fresh pages each time (mmap, or brk then trim)
// depends on earlier allocations, which makes BM_Encode1000Small bimodal (15 us or
// 500+ us on the reference VM, where a page fault costs ~10 us). Allocations of 64 MiB
// are above glibc's largest mmap threshold either way, so they always take fresh pages.
int main(int argc, char** argv) {
  bool glibc_defaults = false;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--glibc_malloc_defaults") == 0) {
      glibc_defaults = true;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  if (!glibc_defaults) {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
  }
  benchmark::AddCustomContext("malloc", glibc_defaults ? "glibc defaults" : "pinned: mmap 32 MiB, trim 256 MiB");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
