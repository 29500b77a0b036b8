#include "net_pool.hpp"

namespace carton::runners::onnx {

NetPool::NetPool(std::vector<cv::dnn::Net> nets) : state_(std::make_shared<State>()) {
  state_->nets = std::move(nets);
  for (std::size_t i = state_->nets.size(); i-- > 0;) state_->free.push_back(i);
}

std::shared_ptr<cv::dnn::Net> NetPool::lease() {
  std::unique_lock<std::mutex> lock(state_->mu);
  state_->cv.wait(lock, [&] { return !state_->free.empty(); });
  const std::size_t i = state_->free.back();
  state_->free.pop_back();
  // The deleter keeps the state alive: a lease may outlive the pool (a reply still
  // being written when a Load replaced the model).
  auto state = state_;
  return std::shared_ptr<cv::dnn::Net>(&state->nets[i], [state, i](cv::dnn::Net*) {
    {
      std::lock_guard<std::mutex> g(state->mu);
      state->free.push_back(i);
    }
    state->cv.notify_one();
  });
}

}  // namespace carton::runners::onnx
