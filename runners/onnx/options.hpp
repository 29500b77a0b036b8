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
//   networks          integer  auto         networks built from the model; requests in
//                                            flight beyond this many wait (net_pool.hpp).
//                                            Unset: one per core the runner may use, at
//                                            most kAutoNetworks, and fewer when their
//                                            copies of the model would pass
//                                            kAutoNetworksBytes (auto_networks())
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

// Why a network per core by default: carton's core sends a model's requests
// concurrently, and one network runs one forward at a time. With one per core, 16
// clients of the test CNN get 0.95-0.97 of OpenCV's in-process one-stream rate, against
// 0.86-0.90 with one network (docs/runners/onnx.md, Numbers), for 4-8% on a lone
// client's p50. Why at most 4, and within 512 MiB of model bytes: each network holds a
// copy of the weights, and past a few networks the cores are what limits, not them.
constexpr int kAutoNetworks = 4;
constexpr std::uint64_t kAutoNetworksBytes = std::uint64_t(512) << 20;

struct OnnxOptions {
  std::optional<std::string> model_file;  // nullopt: model.onnx
  std::optional<int> num_threads;
  int networks = 0;  // 0: auto_networks() of the model, once its size is known
  bool fusion = true;
  bool check_in_child = true;
  // instances is `networks` (set by resolved()); merging is off unless asked for.
  runner::InferPolicy infer{1, 0, std::chrono::microseconds(0)};

  // These options with `networks` decided for a model of `model_bytes` bytes.
  OnnxOptions resolved(std::uint64_t model_bytes) const;
};

// The networks an unset `networks` gives a model of `model_bytes` bytes on `cores` cores:
// min(cores, kAutoNetworks), fewer while their copies would pass kAutoNetworksBytes, at
// least 1.
int auto_networks(std::uint64_t model_bytes, int cores);
// The cores this process may run on (its affinity mask).
int usable_cores();

// Throws std::invalid_argument naming the option.
OnnxOptions read_options(const std::optional<wire::Map<std::string, wire::RunnerOpt>>& runner_opts);

}  // namespace carton::runners::onnx
