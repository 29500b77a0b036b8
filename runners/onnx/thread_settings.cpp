#include "thread_settings.hpp"

#include <opencv2/core.hpp>

namespace carton::runners::onnx {

void apply_threads(const OnnxOptions& options, runtime::Logger& log) {
  if (!options.num_threads) return;
  cv::setNumThreads(*options.num_threads);
  CARTON_LOG(log, info) << "num_threads = " << *options.num_threads << ": OpenCV now uses " << cv::getNumThreads()
                        << " threads";
}

}  // namespace carton::runners::onnx
