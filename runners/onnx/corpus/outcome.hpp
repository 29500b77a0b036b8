// What running one corpus test gives, and the engines that run one.
#pragma once

#include <string>

#include "test_data.hpp"

namespace carton::onnx_corpus {

// The categories of the report, in its column order. A child process runs each test
// (see main.cpp): kCrash and kHang are what the parent saw happen to it.
enum class Verdict { kPassed, kRefused, kInferError, kWrong, kCrash, kHang, kToolError };
constexpr int kVerdicts = 7;
const char* verdict_name(Verdict v);  // "passed", "refused", ...

struct Outcome {
  Verdict verdict;
  std::string detail;  // the engine's error, or what differs; empty when passed
};

// OpenCV's DNN module in this process, used directly: the importer on model.onnx's
// bytes, every input as a float32 cv::Mat (the only input type the 4.6 importer's
// data layer computes with), forward() on the graph's output names, each output cast
// to the dtype the graph declares for it and given the expected shape when it has the
// expected number of elements (a cv::Mat has 2+ dimensions, so OpenCV answers [3, 1]
// for [3]): this judges OpenCV's numbers, the upper bound of what a runner can pass.
Outcome run_with_opencv(const TestCase& tc);

}  // namespace carton::onnx_corpus
