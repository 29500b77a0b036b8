// CoreTransport: sends one request the way the core does and collects its replies.
// The generated TypedCore builds typed calls on it; MockCore and the conformance
// suite implement it over real sockets.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "carton/wire/rpc_types.hpp"

namespace carton::mock {

// The runner answered with an Error response.
class RunnerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The runner broke the protocol (a reply the real core would panic on, or none).
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The runner answered in the other core revision's layout (it was started for the
// wrong core). The message names the revision it speaks and how to start it right.
class RevisionMismatch : public ProtocolError {
 public:
  using ProtocolError::ProtocolError;
};

class CoreTransport {
 public:
  virtual ~CoreTransport() = default;
  // Sends the request with the next id and returns every response for that id, the
  // last one complete. Throws ProtocolError if the runner goes away or times out.
  virtual std::vector<wire::RPCResponse> call(wire::RPCRequestData request) = 0;
};

template <class Response>
struct StreamResult {
  std::vector<Response> partial;    // complete: false responses, in order
  std::optional<Response> final;    // the complete response, unless the stream ended Empty
};

// Checks a non-streaming request's replies: exactly one, complete, of the expected variant.
template <class Response>
Response expect_final(const char* request, std::vector<wire::RPCResponse> replies) {
  if (replies.size() != 1 || !replies[0].complete) {
    throw ProtocolError(std::string(request) + ": a non-streaming request must get exactly one complete response, got " +
                        std::to_string(replies.size()) + " response(s)" +
                        (replies.empty() || replies[0].complete ? "" : " starting with complete: false"));
  }
  auto& data = replies[0].data;
  if (auto* err = std::get_if<wire::ErrorResponse>(&data)) throw RunnerError(err->e);
  if (auto* ok = std::get_if<Response>(&data)) return std::move(*ok);
  throw ProtocolError(std::string(request) + ": the runner replied with variant " + std::to_string(data.index()) +
                      ", which the core does not accept for this request");
}

// Checks a streaming-capable request's replies: partials (only when streaming) then one
// complete Response, Error or Empty.
template <class Response>
StreamResult<Response> expect_stream(const char* request, bool streaming, std::vector<wire::RPCResponse> replies) {
  StreamResult<Response> out;
  if (replies.empty() || !replies.back().complete) {
    throw ProtocolError(std::string(request) + ": the stream did not end with a complete response");
  }
  for (std::size_t i = 0; i + 1 < replies.size(); ++i) {
    if (replies[i].complete) throw ProtocolError(std::string(request) + ": a complete response before the last");
    if (!streaming) {
      throw ProtocolError(std::string(request) + ": complete: false sent to a non-streaming request");
    }
    auto* part = std::get_if<Response>(&replies[i].data);
    if (!part) throw ProtocolError(std::string(request) + ": a partial response of the wrong variant");
    out.partial.push_back(std::move(*part));
  }
  auto& last = replies.back().data;
  if (auto* err = std::get_if<wire::ErrorResponse>(&last)) throw RunnerError(err->e);
  if (auto* ok = std::get_if<Response>(&last)) {
    out.final = std::move(*ok);
  } else if (!std::holds_alternative<wire::EmptyResponse>(last) || !streaming) {
    throw ProtocolError(std::string(request) + ": the runner replied with variant " + std::to_string(last.index()) +
                        ", which the core does not accept for this request");
  }
  return out;
}

}  // namespace carton::mock
