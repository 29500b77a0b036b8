// The runner options a model's manifest may give (Load's runner_opts), read strictly:
// an unknown option or one of the wrong type fails the Load, naming it.
//
//   model_file        string   "model.onnx"  the ONNX file in the model directory
//   num_threads       integer  OpenCV's     OpenCV's worker threads (cv::setNumThreads;
//                              default       process-wide: the last Load's value holds)
//   networks          integer  1            networks built from the model; requests in
//                                            flight beyond this many wait (net_pool.hpp)
//   fusion            bool     true         OpenCV's layer fusion (conv + batch norm +
//                                            activation into one): faster, and results
//                                            differ from the unfused graph in the last bits
//   check_in_child    bool     true         import the model once in a child process
//                                            first, so that an importer crash fails the
//                                            Load instead of killing the runner
//                                            (import_check.hpp); false is refused: the
//                                            model may not skip its own check, the
//                                            operator can (CARTON_RUNNER_CHILD_CHECK=off)
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "carton/wire/map.hpp"
#include "carton/wire/rpc_types.hpp"

namespace carton::runners::onnx {

// More threads than any machine this serves has cores is a typo, not a wish.
constexpr std::int64_t kMaxThreads = 1024;
// Each network holds its own copy of the weights and activations: 64 is more memory
// than parallelism anyone gains.
constexpr std::int64_t kMaxNetworks = 64;

struct OnnxOptions {
  std::string model_file = "model.onnx";
  std::optional<int> num_threads;
  int networks = 1;
  bool fusion = true;
  bool check_in_child = true;
};

// Throws std::invalid_argument naming the option.
OnnxOptions read_options(const std::optional<wire::Map<std::string, wire::RunnerOpt>>& runner_opts);

}  // namespace carton::runners::onnx
