// OpenCV's threads: the runner's own parallel_for backend (adaptive_threads.hpp), with
// as many threads as the num_threads runner option says, else OpenCV's default (the
// CPUs this process may use). The count is process-wide: the last Load that sets it
// holds for every model; a Load without it leaves the count as it is.
#pragma once

#include "carton/runtime/log.hpp"
#include "options.hpp"

namespace carton::runners::onnx {

void apply_threads(const OnnxOptions& options, runtime::Logger& log);

}  // namespace carton::runners::onnx
