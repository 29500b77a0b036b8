#include "options.hpp"

#include <stdexcept>

#include "carton/runner/runner_options.hpp"

namespace carton::examples::onnx {

namespace {

int in_range(const char* key, std::int64_t v, std::int64_t max, const char* why) {
  if (v < 1 || v > max) {
    throw std::invalid_argument(std::string("runner option '") + key + "' is " + std::to_string(v) +
                                "; it takes 1 to " + std::to_string(max) + " (" + why + ")");
  }
  return static_cast<int>(v);
}

}  // namespace

OnnxOptions read_options(const std::optional<wire::Map<std::string, wire::RunnerOpt>>& runner_opts) {
  runner::RunnerOptions opts(runner_opts);
  OnnxOptions out;
  out.model_file = opts.string("model_file", out.model_file);
  if (out.model_file.empty()) throw std::invalid_argument("runner option 'model_file' is empty; it names a file");
  if (auto n = opts.integer("num_threads")) out.num_threads = in_range("num_threads", *n, kMaxThreads, "threads");
  out.networks = in_range("networks", opts.integer("networks", out.networks), kMaxNetworks,
                          "each network holds its own weights");
  out.fusion = opts.boolean("fusion", out.fusion);
  out.check_in_child = opts.boolean("check_in_child", out.check_in_child);
  opts.refuse_unknown();
  return out;
}

}  // namespace carton::examples::onnx
