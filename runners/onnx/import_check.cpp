#include "import_check.hpp"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <cstring>
#include <vector>

#include "carton/runner/child_check.hpp"
#include "model_check.hpp"

namespace carton::runners::onnx {

namespace {

// The check's forward() is skipped when the declared inputs hold more elements than
// this (1 GiB of float32), so that a model declaring huge inputs is not refused for
// what its zeros would cost: then only the import is checked.
constexpr std::uint64_t kCheckForwardMaxElements = std::uint64_t(1) << 28;

}  // namespace

void check_import_in_child(const wire::Bytes& bytes, const std::string& file, const std::string& binary,
                           std::chrono::seconds deadline) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline);
  const runner::ChildExit exit = runner::run_child_check(bytes, binary, kImportCheckFlag, ms);
  switch (exit.how) {
    case runner::ChildExit::How::timed_out:
      throw ModelError("OpenCV " CV_VERSION " did not finish importing " + file + " and running it once within " +
                       std::to_string(deadline.count()) + " s (in a child process, which was killed); the model " +
                       "is refused");
    case runner::ChildExit::How::signaled:
      throw ModelError("OpenCV " CV_VERSION " crashed (" + std::string(::strsignal(exit.value)) + ") importing " +
                       file + " or running it once on zeros, in a child process; the model is refused " +
                       "(it is damaged, or uses what OpenCV's importer mishandles)");
    case runner::ChildExit::How::exited:
      if (exit.value != 0) {
        throw ModelError("the import check of " + file + " exited with status " + std::to_string(exit.value));
      }
  }
}

int run_import_check() {
  const std::vector<char> model = runner::read_child_input();
  cv::dnn::Net net;
  try {
    net = cv::dnn::readNetFromONNX(model.data(), model.size());
  } catch (const cv::Exception&) {
    return 0;  // a refusal, not a crash: the runner's own import reports it
  }
  if (net.empty()) return 0;
  try {
    const ModelInfo info = check_model(wire::Bytes::copy_of(model.data(), model.size()), "model");
    std::uint64_t total = 0;
    for (const auto& in : info.inputs) {
      std::uint64_t n = 1;
      for (const auto& d : in.dims) n *= d ? static_cast<std::uint64_t>(*d) : 1;
      total += n;
      if (n > kCheckForwardMaxElements || total > kCheckForwardMaxElements) return 0;
    }
    for (const auto& in : info.inputs) {
      std::vector<int> sizes;
      for (const auto& d : in.dims) sizes.push_back(d ? static_cast<int>(*d) : 1);
      if (sizes.empty()) sizes.push_back(1);
      if (sizes.size() == 1) sizes.push_back(1);
      net.setInput(cv::Mat(static_cast<int>(sizes.size()), sizes.data(), CV_32F, cv::Scalar(0)), in.name);
    }
    std::vector<cv::Mat> outs;
    std::vector<std::string> names;
    for (const auto& o : info.outputs) names.push_back(o.name);
    net.forward(outs, names);
  } catch (const std::exception&) {
    // Zeros at the declared shapes may not suit the model (an index input, a shape
    // OpenCV wants otherwise); only a crash matters here.
  }
  return 0;
}

}  // namespace carton::runners::onnx
