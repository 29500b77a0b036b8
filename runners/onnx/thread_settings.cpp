#include "thread_settings.hpp"

#include <opencv2/core.hpp>

#include "adaptive_threads.hpp"

namespace carton::runners::onnx {

void apply_threads(const OnnxOptions& options, runtime::Logger& log) {
  if (!options.num_threads) return;
  set_adaptive_threads(*options.num_threads);
  CARTON_LOG(log, info) << "num_threads = " << *options.num_threads << ": OpenCV now uses " << cv::getNumThreads()
                        << " threads while one forward() is in flight, one while several are";
}

}  // namespace carton::runners::onnx
