// One stream of OpenCV in-process: the model's forward() called back to back on one
// network with OpenCV's default threads, batch 1, as an application that links OpenCV
// and serves one caller would. What issue 30 compares the runner at 16 clients
// against; bench/bench_infer.py runs it in each round (IN_PROCESS) so both see the same
// machine.
//
//   onnx_stream MODEL.onnx INPUT_NAME C H W [FORWARDS]
//
// Prints "rps=<forwards a second>". The input's values are fixed and varied (a dense
// float convolution's time does not depend on them, short of denormals, which these
// are not).
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: onnx_stream MODEL.onnx INPUT_NAME C H W [FORWARDS]\n");
    return 2;
  }
  const int dims[] = {1, std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5])};
  const int forwards = argc > 6 ? std::atoi(argv[6]) : 6000;
  // As many as timed, untimed first: OpenCV plans the network on the first forward().
  constexpr int kWarmup = 200;
  cv::dnn::Net net = cv::dnn::readNetFromONNX(argv[1]);
  net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  std::vector<float> values(static_cast<std::size_t>(dims[1]) * dims[2] * dims[3]);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i % 17) / 17.0f - 0.5f;
  const cv::Mat input(4, dims, CV_32F, values.data());
  const std::string name = argv[2];
  for (int i = 0; i < kWarmup; ++i) {
    net.setInput(input, name);
    net.forward();
  }
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < forwards; ++i) {
    net.setInput(input, name);
    net.forward();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("rps=%.1f\n", forwards / seconds);
  return 0;
}
