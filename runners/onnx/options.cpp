#include "options.hpp"

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
  out.networks = static_cast<int>(
      opts.integer_in("networks", out.networks, 1, kMaxNetworks, "each network holds its own weights"));
  out.fusion = opts.boolean("fusion", out.fusion);
  // A model may ask for the check, not skip it (runner::read_check_in_child).
  out.check_in_child = runner::read_check_in_child(opts);
  out.infer = runner::read_batch_options(opts, out.infer);
  out.infer.instances = static_cast<std::size_t>(out.networks);  // one run per network at once
  opts.refuse_unknown();
  return out;
}

}  // namespace carton::runners::onnx
