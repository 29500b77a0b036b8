// InferPolicy: how a ModelHandler runs a model's infers, as its runner declares it per
// model (ModelHandler::infer_policy): how many run at once, and whether concurrent
// requests are merged into one run (dynamic batching, after Triton's dynamic batcher:
// max_batch_size and max_queue_delay_microseconds).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace carton::runner {

struct InferPolicy {
  // Runs of infer() at once: 1 for a framework whose predict is not thread-safe
  // (serialized), N for N instances, kConcurrent for no limit. Requests beyond it wait
  // in the queue; their handler threads go on reading other requests meanwhile.
  static constexpr std::size_t kConcurrent = SIZE_MAX;
  std::size_t instances = kConcurrent;
  // The most rows (the sum of the merged requests' first dimensions) one merged run
  // takes; 1 or less turns merging off. A request with more rows runs alone.
  std::uint64_t max_batch_rows = 0;
  // How long a run may wait for more requests to join it, from the arrival of its first.
  // 0, the default: never wait; a run takes what is queued when an instance comes free,
  // so batches form only when requests arrive faster than they are run, and a lone
  // request pays no added latency.
  std::chrono::microseconds max_queue_delay{0};

  bool merges() const { return max_batch_rows > 1; }
};

// The runner options that set max_batch_rows and max_queue_delay, the same in every
// framework runner that batches (docs/runners/*.md).
inline constexpr char kBatchMaxRowsOption[] = "batch_max_rows";
inline constexpr char kBatchMaxDelayOption[] = "batch_max_delay_us";
// A wait longer than this is a typo, not a wish: the core's callers time out in seconds.
inline constexpr std::int64_t kMaxBatchDelayMicros = 1000000;
// More rows than this in one merged run would only grow the merged copy; no framework
// here gains from larger batches.
inline constexpr std::int64_t kMaxBatchRows = 1 << 20;

}  // namespace carton::runner

#include "carton/runner/runner_options.hpp"

namespace carton::runner {

// Reads kBatchMaxRowsOption and kBatchMaxDelayOption (integers) into `policy`, whose
// values are the defaults; throws std::invalid_argument naming the option.
InferPolicy read_batch_options(RunnerOptions& options, InferPolicy policy);

}  // namespace carton::runner
