#include "carton/runner/request_loop.hpp"

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "carton/runner/startup.hpp"

namespace carton::runner {

struct RequestLoop::Impl {
  struct Open {
    std::shared_ptr<Exchange> exchange;
    std::size_t variant;
    bool streaming;
  };

  std::mutex mu;
  std::condition_variable cv;
  std::deque<wire::RPCRequest> queue;
  std::map<std::uint64_t, Open> open;
  RunnerContext* context = nullptr;
  bool finished = false;
  int exit_code = 0;
  std::thread server;

  void start(runtime::Channels channels, ServeOptions options) {
    // The dispatch below only enqueues; one thread keeps requests in arrival order.
    options.handler_threads = 1;
    server = std::thread([this, channels = std::move(channels), options]() mutable {
      const int code = detail::serve_with(
          std::move(channels),
          [this](wire::RPCRequest request, const std::shared_ptr<ResponseSink>& sink) {
            std::lock_guard<std::mutex> lock(mu);
            const bool streaming = request_streams(request.data);
            open[request.id.value] = {std::make_shared<Exchange>(sink, request.id, streaming),
                                      request.data.index(), streaming};
            queue.push_back(std::move(request));
            cv.notify_all();
          },
          [this](RunnerContext* c) {
            std::lock_guard<std::mutex> lock(mu);
            context = c;
          },
          options);
      std::lock_guard<std::mutex> lock(mu);
      exit_code = code;
      finished = true;
      cv.notify_all();
    });
  }
};

RequestLoop::RequestLoop(int argc, char** argv, const RunnerInfo& info) : impl_(std::make_shared<Impl>()) {
  detail::Startup s = detail::start(argc, argv, info);
  if (s.exit_code) std::exit(*s.exit_code);
  impl_->start(std::move(s.channels), std::move(s.options));
}

RequestLoop::RequestLoop(runtime::Channels channels, ServeOptions options) : impl_(std::make_shared<Impl>()) {
  impl_->start(std::move(channels), std::move(options));
}

RequestLoop::~RequestLoop() {
  {
    // Requests never answered get an Error, as a dropped responder's would.
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (auto& kv : impl_->open) kv.second.exchange->fail_if_open("the runner did not answer this request");
    impl_->open.clear();
  }
  if (impl_->server.joinable()) impl_->server.join();
}

std::optional<wire::RPCRequest> RequestLoop::next_request() {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->cv.wait(lock, [&] { return !impl_->queue.empty() || impl_->finished; });
  if (impl_->queue.empty()) return std::nullopt;
  wire::RPCRequest r = std::move(impl_->queue.front());
  impl_->queue.pop_front();
  return r;
}

void RequestLoop::send_response(wire::RpcId id, wire::RPCResponseData data, bool complete) {
  std::shared_ptr<Exchange> exchange;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    auto it = impl_->open.find(id.value);
    if (it == impl_->open.end()) {
      throw std::logic_error("send_response: request " + std::to_string(id.value) +
                             " is not open (never received, or already answered); the core would panic");
    }
    if (!response_fits(it->second.variant, it->second.streaming, data, !complete)) {
      throw std::logic_error("send_response: this response does not fit request " + std::to_string(id.value) +
                             (complete ? "" : " as a partial result") + "; the core would panic");
    }
    exchange = it->second.exchange;
    if (complete) impl_->open.erase(it);
  }
  if (complete) {
    exchange->complete(std::move(data));
  } else {
    exchange->partial(std::move(data));
  }
}

RunnerContext& RequestLoop::context() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->context) throw std::logic_error("RequestLoop::context() is only available while serving");
  return *impl_->context;
}

int RequestLoop::exit_code() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->exit_code;
}

}  // namespace carton::runner
