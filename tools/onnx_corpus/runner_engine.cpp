#include "runner_engine.hpp"

namespace carton::onnx_corpus {

Outcome run_with_runner(const TestCase& tc, const RunnerConfig& config) {
  return {Verdict::kToolError, "not yet"};
}

}  // namespace carton::onnx_corpus
