#include "thread_settings.hpp"

#include <ATen/Parallel.h>
#include <c10/util/Exception.h>

#include <limits>
#include <mutex>
#include <stdexcept>

namespace carton::runners::torchscript {

namespace {

std::optional<std::int64_t> integer_opt(const wire::Map<std::string, wire::RunnerOpt>& opts, const std::string& key) {
  auto it = opts.find(key);
  if (it == opts.end()) return std::nullopt;
  if (const auto* v = std::get_if<wire::IntegerOpt>(&it->second)) return v->value;
  return std::nullopt;
}

int checked_count(const char* key, std::int64_t value) {
  if (value < 1 || value > std::numeric_limits<int>::max()) {
    throw std::invalid_argument(std::string("runner_opts ") + key + " = " + std::to_string(value) +
                                ": libtorch needs a thread count from 1 to " +
                                std::to_string(std::numeric_limits<int>::max()));
  }
  return static_cast<int>(value);
}

// The inter-op count in force once this process tried to set it (see the header).
std::mutex interop_mu;
std::optional<int> interop_fixed;

}  // namespace

ThreadOptions thread_options_from(const std::optional<wire::Map<std::string, wire::RunnerOpt>>& runner_opts) {
  ThreadOptions out;
  if (!runner_opts) return out;
  out.num_threads = integer_opt(*runner_opts, "num_threads");
  out.num_interop_threads = integer_opt(*runner_opts, "num_interop_threads");
  return out;
}

void apply_thread_options(const ThreadOptions& options, runtime::Logger& log) {
  std::optional<int> intra, inter;
  if (options.num_threads) intra = checked_count("num_threads", *options.num_threads);
  if (options.num_interop_threads) inter = checked_count("num_interop_threads", *options.num_interop_threads);

  if (intra) {
    at::set_num_threads(*intra);
    CARTON_LOG(log, info) << "num_threads = " << *intra << ": libtorch now uses " << at::get_num_threads()
                          << " intra-op threads";
  }
  if (!inter) return;
  std::lock_guard<std::mutex> lock(interop_mu);
  if (interop_fixed) {
    if (*interop_fixed != *inter) {
      CARTON_LOG(log, warning) << "num_interop_threads = " << *inter << " ignored: libtorch sets its inter-op "
                               << "thread count once per process, and it is already " << *interop_fixed;
    }
    return;
  }
  try {
    at::set_num_interop_threads(*inter);
    CARTON_LOG(log, info) << "num_interop_threads = " << *inter << ": libtorch now uses "
                          << at::get_num_interop_threads() << " inter-op threads";
  } catch (const c10::Error& e) {
    CARTON_LOG(log, warning) << "num_interop_threads = " << *inter << " ignored: libtorch refused it ("
                             << e.what_without_backtrace() << ")";
  }
  interop_fixed = at::get_num_interop_threads();
}

}  // namespace carton::runners::torchscript
