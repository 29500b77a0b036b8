// Thread settings: libtorch's thread counts from a Load request's runner_opts, read as
// carton's TorchScript runner reads them: `num_threads` sets the intra-op threads and
// `num_interop_threads` the inter-op threads; only RunnerOpt::Integer values count,
// other variants are ignored (as in carton).
//
// Both counts are process-wide in libtorch. The inter-op count can be set once per
// process, and not at all once inter-op work has started (libtorch throws). carton
// would crash there; this sets it at most once and, when a later Load asks for a
// different count or the pool already runs, logs a warning and keeps the count in
// force, so the Load still succeeds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "carton/runtime/log.hpp"
#include "carton/wire/map.hpp"
#include "carton/wire/rpc_types.hpp"

namespace carton::runners::torchscript {

struct ThreadOptions {
  std::optional<std::int64_t> num_threads;
  std::optional<std::int64_t> num_interop_threads;
};

ThreadOptions thread_options_from(const std::optional<wire::Map<std::string, wire::RunnerOpt>>& runner_opts);

// Applies the options that are set. Throws std::invalid_argument, before changing
// anything, for a count below 1 or above INT_MAX (libtorch takes an int > 0).
void apply_thread_options(const ThreadOptions& options, runtime::Logger& log);

}  // namespace carton::runners::torchscript
