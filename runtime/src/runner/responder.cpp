#include "carton/runner/responder.hpp"

#include "carton/runtime/log_forwarder.hpp"

namespace carton::runner {

namespace {
thread_local bool in_burst = false;
}  // namespace

detail::InBurst::InBurst() : previous_(in_burst) { in_burst = true; }
detail::InBurst::~InBurst() { in_burst = previous_; }
bool detail::InBurst::active() { return in_burst; }

wire::RPCResponseData error_response(std::string message) {
  // The message may carry bytes from anywhere (paths, library errors); the core
  // refuses a String that is not UTF-8, so repair it rather than lose the answer.
  return wire::ErrorResponse{runtime::lossy_utf8(std::move(message))};
}

void Exchange::complete(wire::RPCResponseData data) {
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) {
    throw std::logic_error("carton runner: request " + std::to_string(id_.value) +
                           " already has its final response; a second one would make the core panic");
  }
  done_ = true;
  sink_->send(id_, true, std::move(data));
}

void Exchange::partial(wire::RPCResponseData data) {
  if (!streaming_) {
    throw std::logic_error("carton runner: request " + std::to_string(id_.value) +
                           " is not streaming; a partial response would make the core panic");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) {
    throw std::logic_error("carton runner: request " + std::to_string(id_.value) +
                           " already has its final response; no partial response may follow");
  }
  sink_->send(id_, false, std::move(data));
}

void Exchange::fail_if_open(const std::string& message) noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) return;
  done_ = true;
  try {
    sink_->send(id_, true, error_response(message));
  } catch (...) {
    // The core is gone or the sink failed; nothing more can be done for this request.
  }
}

}  // namespace carton::runner
