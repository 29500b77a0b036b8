#include "thread_settings.hpp"

#include <opencv2/core.hpp>

#include "adaptive_threads.hpp"

namespace carton::runners::onnx {

void apply_threads(const OnnxOptions& options, runtime::Logger& log) {
  // OpenCV's own count (the CPUs this process may use) until an option sets another.
  static const int default_threads = cv::getNumThreads();
  static bool applied = false;
  if (applied && !options.num_threads) return;
  applied = true;
  use_adaptive_threads(options.num_threads.value_or(default_threads));
  if (options.num_threads) {
    CARTON_LOG(log, info) << "num_threads = " << *options.num_threads << ": OpenCV now uses " << cv::getNumThreads()
                          << " threads while one forward() is in flight, one while several are";
  } else {
    CARTON_LOG(log, info) << "OpenCV uses " << cv::getNumThreads()
                          << " threads while one forward() is in flight, one while several are";
  }
}

}  // namespace carton::runners::onnx
