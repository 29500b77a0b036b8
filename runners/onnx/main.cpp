// carton-runner-onnx: ONNX models in carton, on OpenCV's DNN module. carton starts it
// with --uds-path; see docs/runners/onnx.md. With --check-import it is the child that
// imports a model before the runner does (import_check.hpp).
#include <opencv2/core/utils/logger.hpp>

#include <cstring>

#include "adaptive_threads.hpp"
#include "carton/runner/run.hpp"
#include "import_check.hpp"
#include "onnx_handler.hpp"

int main(int argc, char** argv) {
  namespace onnx = carton::runners::onnx;
  if (argc == 2 && std::strcmp(argv[1], onnx::kImportCheckFlag) == 0) return onnx::run_import_check();

  // OpenCV logs an importer failure to stderr before it throws; the runner's Error
  // reply carries the same message, so the stderr copy is noise in carton's output.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  // Before the runner starts its threads and before OpenCV runs anything
  // (adaptive_threads.hpp); the import check keeps OpenCV's own backend.
  onnx::install_adaptive_threads();
  onnx::OnnxHandler handler;
  return carton::runner::run(argc, argv, handler, {"carton-runner-onnx", "0.1.0"});
}
