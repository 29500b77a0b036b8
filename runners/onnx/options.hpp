// The runner options a model's manifest may give (Load's runner_opts), read strictly:
// an unknown option or one of the wrong type fails the Load, naming it.
//
//   model_file        string   model.onnx    the ONNX file in the model directory
//                                            (unset: model.onnx, found as Pack finds
//                                            it, runner::find_model_file)
//   num_threads       integer  OpenCV's     the threads layers are split over, shared
//                              default       by the forwards in flight
//                                            (adaptive_threads.hpp; process-wide: the
//                                            last Load's value holds)
//   networks          integer  1            networks built from the model; requests in
//                                            flight beyond this many wait (net_pool.hpp)
//   batch_max_rows    integer  0            concurrent requests are merged along the
//                                            first dimension into one forward() of at
//                                            most this many rows (runner::InferPolicy);
//                                            0 or 1: never. Only for a model whose
//                                            inputs and outputs all have a dynamic
//                                            first dimension (else the Load fails).
//                                            Off by default: OpenCV's convolutions
//                                            block their work by batch size, so a row's
//                                            result may differ in the last bits with the
//                                            rows it runs beside (docs/runners/onnx.md).
//                                            Each batch size met gets networks of its
//                                            own (OpenCV re-plans a network whose input
//                                            shape changes): up to this many sets
//   batch_max_delay_us integer 0            how long a forward() may wait for more
//                                            requests to merge; 0: never waits
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

#include "carton/runner/infer_policy.hpp"
#include "carton/wire/map.hpp"
#include "carton/wire/rpc_types.hpp"

namespace carton::runners::onnx {

// More threads than any machine this serves has cores is a typo, not a wish.
constexpr std::int64_t kMaxThreads = 1024;
// Each network holds its own copy of the weights and activations: 64 is more memory
// than parallelism anyone gains.
constexpr std::int64_t kMaxNetworks = 64;

struct OnnxOptions {
  std::optional<std::string> model_file;  // nullopt: model.onnx
  std::optional<int> num_threads;
  int networks = 1;
  bool fusion = true;
  bool check_in_child = true;
  // instances is `networks`; merging is off unless asked for.
  runner::InferPolicy infer{1, 0, std::chrono::microseconds(0)};
};

// Throws std::invalid_argument naming the option.
OnnxOptions read_options(const std::optional<wire::Map<std::string, wire::RunnerOpt>>& runner_opts);

}  // namespace carton::runners::onnx
