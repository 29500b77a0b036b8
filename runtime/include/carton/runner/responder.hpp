// Responders: how a handler answers one request, exactly once.
//
// The real carton core panics on a response for an unknown id, a second final
// response, `complete: false` to a non-streaming request, or a variant that does not
// fit the request. Responders make those unsendable: each is bound to one request id,
// typed to the variant that answers it, and sends one final response. A responder that
// is destroyed without responding sends an Error instead, so the core never waits.
#pragma once

#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "carton/wire/rpc_types.hpp"

namespace carton::runner {

// Where responses go; the runtime implements it on the RPC channel, tests on a vector.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void send(wire::RpcId id, bool complete, wire::RPCResponseData data) = 0;
};

// An Error response whose text is valid UTF-8 (invalid sequences become U+FFFD).
wire::RPCResponseData error_response(std::string message);

namespace detail {
// While one lives, final responses sent from this thread may be held for a burst
// (Responder::respond_in_burst).
class InBurst {
 public:
  InBurst();
  ~InBurst();
  InBurst(const InBurst&) = delete;
  InBurst& operator=(const InBurst&) = delete;
  static bool active();

 private:
  bool previous_;
};
}  // namespace detail

// The state of one request, shared by its responder and the dispatcher.
class Exchange {
 public:
  Exchange(std::shared_ptr<ResponseSink> sink, wire::RpcId id, bool streaming)
      : sink_(std::move(sink)), id_(id), streaming_(streaming) {}

  wire::RpcId id() const { return id_; }
  bool streaming() const { return streaming_; }
  bool done() const {
    std::lock_guard<std::mutex> lock(mu_);
    return done_;
  }

  // The final response; a second one is a programming error (std::logic_error).
  void complete(wire::RPCResponseData data);
  // A partial result; only for streaming requests, before the final response.
  void partial(wire::RPCResponseData data);
  // Sends Error{message} unless a final response went out already. Never throws.
  void fail_if_open(const std::string& message) noexcept;

 private:
  std::shared_ptr<ResponseSink> sink_;
  wire::RpcId id_;
  bool streaming_;
  // Held while sending, so a partial response can never overtake the final one.
  mutable std::mutex mu_;
  bool done_ = false;
};

template <class Response>
class Responder {
 public:
  explicit Responder(std::shared_ptr<Exchange> exchange)
      : exchange_(std::move(exchange)), exceptions_at_start_(std::uncaught_exceptions()) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&& other) noexcept {
    if (this != &other) {
      drop();
      exchange_ = std::move(other.exchange_);
      exceptions_at_start_ = other.exceptions_at_start_;
    }
    return *this;
  }
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder() { drop(); }

  wire::RpcId id() const { return exchange().id(); }
  // True once a final response (or error) was sent.
  bool done() const { return exchange().done(); }

  // The final response.
  void respond(Response response) { exchange().complete(wire::RPCResponseData{std::move(response)}); }
  // The final response, which may wait on this thread for the replies to the requests
  // read with this one and leave with them in one write (docs/runtime.md, "Replies in
  // bursts"). For handlers whose work is as cheap as the reply (a microsecond or two):
  // held, a reply waits for the handlers that run after it on this thread, 20 us at
  // most unless one of them computes long on it.
  void respond_in_burst(Response response) {
    detail::InBurst burst;
    respond(std::move(response));
  }
  // The final response is an Error with this message.
  // Invalid UTF-8 in the message is replaced (U+FFFD), as the core requires UTF-8.
  void fail(std::string message) { exchange().complete(error_response(std::move(message))); }

 protected:
  Exchange& exchange() const {
    if (!exchange_) throw std::logic_error("carton::runner::Responder used after being moved from");
    return *exchange_;
  }

 private:
  void drop() noexcept {
    // While a handler's exception unwinds, the dispatcher reports that exception
    // instead of this generic message.
    // done() first: the message costs two allocations, and nearly every responder has
    // answered by now.
    if (exchange_ && std::uncaught_exceptions() == exceptions_at_start_ && !exchange_->done()) {
      exchange_->fail_if_open("the runner's handler for request " + std::to_string(exchange_->id().value) +
                              " returned without responding");
    }
    exchange_.reset();
  }

  std::shared_ptr<Exchange> exchange_;
  int exceptions_at_start_;
};

// For requests that may stream (`streaming` in the schema): partial results first,
// then one final response, Error, or finish().
template <class Response>
class StreamingResponder : public Responder<Response> {
 public:
  using Responder<Response>::Responder;

  // Whether the core asked for partial results (false: partial() is not allowed).
  bool streaming() const { return this->exchange().streaming(); }
  // A partial result (complete: false). Throws std::logic_error if !streaming().
  void partial(Response response) { this->exchange().partial(wire::RPCResponseData{std::move(response)}); }
  // Ends a stream whose results were all partial (the Empty response).
  void finish() { this->exchange().complete(wire::RPCResponseData{wire::EmptyResponse{}}); }
};

}  // namespace carton::runner
