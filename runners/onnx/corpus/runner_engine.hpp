// The corpus through carton-runner-onnx: the mock core starts the runner as carton
// does, serves the test directory to Load (runner_name "onnx"), sends each data set's
// inputs by the model's input names in one InferWithTensors, and compares the reply.
#pragma once

#include <string>

#include "outcome.hpp"

namespace carton::onnx_corpus {

struct RunnerConfig {
  std::string binary;
};

Outcome run_with_runner(const TestCase& tc, const RunnerConfig& config);

}  // namespace carton::onnx_corpus
