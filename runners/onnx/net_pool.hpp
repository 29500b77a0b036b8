// NetPool: the networks one model is served with, handed out one request at a time.
//
// Why: cv::dnn::Net::forward is not safe to call on one Net from two threads. A Net
// keeps its input blobs, every layer's output blobs and its allocation state in
// itself, and forward() writes them all; two requests at once on one Net overwrite
// each other's inputs and outputs (measured: two threads sharing one Net, 2,000
// forward()s each of the test CNN, get 31-35% wrong answers and no error; see
// docs/runners/onnx.md). So each request leases a Net of its own: with
// `networks` = 1 (the default) requests run one after another on one Net, each using
// OpenCV's worker threads inside its layers; with N, up to N run at once, each on its
// own Net, at the cost of N copies of the weights and activations.
//
// A lease is a shared_ptr: the Net returns to the pool when the last copy is dropped.
// Float32 outputs are sent from the Net's own output blobs (no copy), so the reply's
// tensors hold the lease, and the Net is not used again until the reply is written.
#pragma once

#include <opencv2/dnn.hpp>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace carton::runners::onnx {

class NetPool {
 public:
  explicit NetPool(std::vector<cv::dnn::Net> nets);
  // Waits until a network is free.
  std::shared_ptr<cv::dnn::Net> lease();
  std::size_t size() const { return state_->nets.size(); }

 private:
  struct State {
    std::vector<cv::dnn::Net> nets;
    std::vector<std::size_t> free;
    std::mutex mu;
    std::condition_variable cv;
  };
  std::shared_ptr<State> state_;
};

}  // namespace carton::runners::onnx
