// ModelCheck: a model's inputs and the outputs the runner must give for them, read from
// the file `carton-conformance --model-check FILE` names (docs/conformance.md, "Model
// checks"), and the comparison the model cases run. The tensors are in the JSON form
// of carton's ref-core (carton/wire/json_tensors.hpp):
//
//   {"description": "doubler: x * 2",                    optional, for people
//    "inputs":  {"x": {"dtype": "float32", "shape": [3], "data": [1.0, -3.0, 0.5]}},
//    "outputs": {"x": {"dtype": "float32", "shape": [3], "data": [2.0, -6.0, 1.0],
//                      "rtol": 0, "atol": 0}},           optional, per output
//    "rtol": 1e-5, "atol": 1e-8,                         optional, for every float output
//    "runner_opts": {"num_threads": 1}}                  optional, for the Load
//
// "inputs" and "outputs" may instead name a JSON file holding that object, relative to
// the check file (`"inputs": "doubler_input.json"`): the file ref-core's `load-infer
// --input` reads, or its OUTPUT line.
//
// A float element passes when |got - expected| <= atol + rtol * |expected| (NaN matches
// NaN, an infinity only itself); integers and strings must be equal. dtype and shape
// must be the expected ones; outputs the file does not list are not checked.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "carton/wire/rpc_types.hpp"

namespace carton::conformance::suite {

// numpy.allclose's defaults, which the people writing expected outputs (in Python,
// from the framework itself) know; a file sets its own for float32 models.
inline constexpr double kDefaultRtol = 1e-5;
inline constexpr double kDefaultAtol = 1e-8;
// A check file is a handful of tensors; a bigger one is a wrong path, not a check.
inline constexpr std::size_t kMaxModelCheckBytes = 256u << 20;

struct ExpectedOutput {
  std::string name;
  wire::Tensor tensor;
  double rtol = kDefaultRtol;
  double atol = kDefaultAtol;
};

struct ModelCheck {
  std::string file;  // as given on the command line, for messages
  std::string description;
  wire::Map<std::string, wire::Tensor> inputs;
  std::vector<ExpectedOutput> outputs;  // in file order
  std::optional<wire::Map<std::string, wire::RunnerOpt>> runner_opts;
};

// Throws std::runtime_error naming the file and what is wrong in it.
ModelCheck read_model_check(const std::string& path);

// Empty when `got` holds every expected output; else the first difference as an
// "expected ..., got ..." message naming the output, the element's index, both values
// and the tolerance, and how many elements differ.
std::optional<std::string> compare_outputs(const ModelCheck& check, const wire::Map<std::string, wire::Tensor>& got);

}  // namespace carton::conformance::suite
