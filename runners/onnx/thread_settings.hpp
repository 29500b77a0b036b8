// OpenCV's worker threads from the num_threads runner option. cv::setNumThreads is
// process-wide (one TBB arena in Debian's build), so the last Load that sets it holds
// for every model; a Load without it leaves the count as it is.
#pragma once

#include "carton/runtime/log.hpp"
#include "options.hpp"

namespace carton::runners::onnx {

void apply_threads(const OnnxOptions& options, runtime::Logger& log);

}  // namespace carton::runners::onnx
