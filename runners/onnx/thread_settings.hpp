// OpenCV's threads from the num_threads runner option: the count of the runner's own
// parallel_for backend (adaptive_threads.hpp, installed by main(); OpenCV's default
// until an option sets it). The count is process-wide: the last Load that sets it holds
// for every model; a Load without it leaves the count as it is.
#pragma once

#include "carton/runtime/log.hpp"
#include "options.hpp"

namespace carton::runners::onnx {

void apply_threads(const OnnxOptions& options, runtime::Logger& log);

}  // namespace carton::runners::onnx
