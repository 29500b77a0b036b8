#include "options.hpp"

#include <sched.h>

#include <algorithm>
#include <stdexcept>

#include "carton/runner/child_check.hpp"
#include "carton/runner/runner_options.hpp"

namespace carton::runners::onnx {

OnnxOptions read_options(const std::optional<wire::Map<std::string, wire::RunnerOpt>>& runner_opts) {
  runner::RunnerOptions opts(runner_opts);
  OnnxOptions out;
  out.model_file = opts.string("model_file");
  if (out.model_file && out.model_file->empty()) throw std::invalid_argument("runner option 'model_file' is empty; it names a file");
  if (auto n = opts.integer_in("num_threads", 1, kMaxThreads, "threads")) out.num_threads = static_cast<int>(*n);
  if (auto n = opts.integer_in("networks", 1, kMaxNetworks, "each network holds its own weights")) {
    out.networks = static_cast<int>(*n);
  }
  out.fusion = opts.boolean("fusion", out.fusion);
  // A model may ask for the check, not skip it (runner::read_check_in_child).
  out.check_in_child = runner::read_check_in_child(opts);
  out.infer = runner::read_batch_options(opts, out.infer);
  opts.refuse_unknown();
  return out;
}

OnnxOptions OnnxOptions::resolved(std::uint64_t model_bytes) const {
  OnnxOptions out = *this;
  if (out.networks == 0) out.networks = auto_networks(model_bytes, usable_cores());
  out.infer.instances = static_cast<std::size_t>(out.networks);  // one run per network at once
  return out;
}

int auto_networks(std::uint64_t model_bytes, int cores) {
  int n = std::clamp(cores, 1, kAutoNetworks);
  while (n > 1 && static_cast<std::uint64_t>(n) * model_bytes > kAutoNetworksBytes) --n;
  return n;
}

int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

}  // namespace carton::runners::onnx
