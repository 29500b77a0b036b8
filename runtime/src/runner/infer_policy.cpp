#include "carton/runner/infer_policy.hpp"

namespace carton::runner {

InferPolicy read_batch_options(RunnerOptions& options, InferPolicy policy) {
  policy.max_batch_rows = static_cast<std::uint64_t>(
      options.integer_in(kBatchMaxRowsOption, static_cast<std::int64_t>(policy.max_batch_rows), 0, kMaxBatchRows,
                         "rows in one merged run; 0 or 1: no merging"));
  policy.max_queue_delay = std::chrono::microseconds(options.integer_in(
      kBatchMaxDelayOption, policy.max_queue_delay.count(), 0, kMaxBatchDelayMicros, "microseconds"));
  return policy;
}

}  // namespace carton::runner
