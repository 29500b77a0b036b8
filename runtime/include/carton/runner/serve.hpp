// serve(): the runner's request loop on already-connected channels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <chrono>
#include <memory>

#include "carton/runner/runner_handler.hpp"
#include "carton/runtime/bootstrap.hpp"
#include "carton/runtime/log_forwarder.hpp"
#include "carton/runtime/trace.hpp"
#include "carton/wire/common_types.hpp"
#include "carton/wire/limits.hpp"
#include "carton/wire/revisions.hpp"

namespace carton::runner {

// The start of the Error a runner answers to a request it cannot decode but whose id it
// can read; the DecodeError follows. The conformance suite tells it apart from a runner
// refusing a request it understood (a runner started for another core revision says this).
inline constexpr char kUndecodableRequestError[] = "the runner could not decode this request: ";

struct ServeOptions {
  // Neither side can detect the other's revision; it has to be chosen (docs/runtime.md).
  wire::CoreRevision revision = wire::kDefaultCoreRevision;
  // A frame larger than this closes its channel with an error naming size and limit.
  std::uint64_t max_frame_bytes = wire::kDefaultMaxFrameBytes;
  // At most this many handlers run at once, so that several requests can be in flight
  // and a handler may block (for example on the filesystem) without stalling the others.
  // They run on the I/O threads (one more than this), where the request was read.
  // 0 runs each handler inside the read, on the one I/O thread: the lowest latency, for
  // handlers that never block (no filesystem calls, nothing long).
  std::size_t handler_threads = 4;
  // The longest a reply sent with Responder::respond_in_burst waits for the replies of
  // the requests read with it, to leave with them in one write (docs/runtime.md,
  // "Replies in bursts"); 0: every reply leaves at once. 20 us lets a burst of cheap
  // replies leave in a few writes and is small beside a round trip through the core.
  std::chrono::microseconds max_reply_hold{20};
  // A thread serving cheap requests (ModelHandler::runs_at_once) stays on the CPU it
  // runs on while it does (carton/runner/cpu_pin.hpp); ignored with one CPU.
  bool pin_cheap_work = true;
  // When set, log records go to the core as LogMessage responses while it is there.
  std::shared_ptr<runtime::LogForwarder> logs;
  // When set, each request's handler time is a span in this Chrome trace.
  std::shared_ptr<runtime::TraceWriter> trace;
};

// Serves requests until the core closes the RPC channel, then lets the handlers in
// flight finish (their answers go out while the channel still takes them) and returns:
// 0 after the core closed the channel, 1 after a protocol error closed it.
int serve(runtime::Channels channels, RunnerHandler& handler, const ServeOptions& options = {});

namespace detail {
// What serve() does with each decoded request (called on a handler thread).
using RequestDispatch = std::function<void(wire::RPCRequest, const std::shared_ptr<ResponseSink>&)>;
// Receives the runtime's context before the first request and nullptr after the last.
using AttachContext = std::function<void(RunnerContext*)>;
// serve() with any dispatch; RunnerHandler and RequestLoop are built on it.
int serve_with(runtime::Channels channels, const RequestDispatch& dispatch, const AttachContext& attach,
               const ServeOptions& options);
}  // namespace detail

}  // namespace carton::runner
