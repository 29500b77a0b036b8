// RequestLoop: the Rust crate's shape, for porting runners written against it.
//
//   carton::runner::RequestLoop loop(argc, argv, {"my-runner", "1.0.0"});
//   while (auto request = loop.next_request()) {
//     ... loop.send_response(request->id, wire::LoadResponse{});
//   }
//   return loop.exit_code();
//
// Requests arrive in order on the calling thread; answer them in any order, from any
// thread. send_response() refuses (std::logic_error) what the real core panics on: an
// id with no open request, a second final response, `complete: false` to a request
// that does not stream, a variant that does not answer the request.
#pragma once

#include <memory>
#include <optional>

#include "carton/runner/run.hpp"
#include "carton/runner/serve.hpp"

namespace carton::runner {

class RequestLoop {
 public:
  // Starts like run(): parses the command line carton passes and connects. On --help,
  // --version or a startup error it exits the process as run() would return.
  RequestLoop(int argc, char** argv, const RunnerInfo& info);
  // Serves already-connected channels (tests, custom launchers).
  RequestLoop(runtime::Channels channels, ServeOptions options);
  ~RequestLoop();
  RequestLoop(const RequestLoop&) = delete;
  RequestLoop& operator=(const RequestLoop&) = delete;

  // The next request, or nullopt once the core closed the channel and all requests
  // were taken.
  std::optional<wire::RPCRequest> next_request();
  void send_response(wire::RpcId id, wire::RPCResponseData data, bool complete = true);
  // The runtime's context (revision, filesystems); valid until next_request() ends.
  RunnerContext& context();
  // What run() would return, once next_request() has returned nullopt.
  int exit_code() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace carton::runner
