#include "carton/runner/serve.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <cstring>
#include <future>
#include <map>
#include <mutex>

#include "carton/fs/file_system.hpp"
#include "carton/fs/multiplexer.hpp"
#include "carton/runtime/frame_channel.hpp"
#include "carton/runtime/log.hpp"
#include "carton/wire/core_revision.hpp"
#include "carton/wire/messages.hpp"
#include "carton/runner/cpu_pin.hpp"
#include "handler_threads.hpp"
#include "held_replies.hpp"

namespace carton::runner {
namespace {

using runtime::FrameChannel;

// Encodes responses onto the RPC channel. Sending never blocks: the channel queues.
class ChannelSink : public ResponseSink {
 public:
  ChannelSink(std::shared_ptr<FrameChannel> channel, wire::CoreRevision revision, wire::Limits limits)
      : channel_(std::move(channel)), revision_(revision), limits_(limits) {}

  void send(wire::RpcId id, bool complete, wire::RPCResponseData data) override {
    wire::Encoded frame;
    try {
      frame = wire::encode_message(wire::RPCResponse{id, complete, std::move(data)}, revision_, limits_);
    } catch (const wire::EncodeError& e) {
      if (!complete) throw;  // a partial result the handler can still replace
      if (std::holds_alternative<wire::LogMessageResponse>(data)) return;  // id 0 is not a request
      // The core waits for a final answer: send the reason instead of going silent.
      CARTON_LOG(runtime::sdk_logger(), error) << "request " << id.value << ": " << e.what();
      frame = wire::encode_message(wire::RPCResponse{id, true, wire::ErrorResponse{e.what()}}, revision_, limits_);
    }
    detail::HeldReplies::send(channel_, std::move(frame), complete);
  }

 private:
  std::shared_ptr<FrameChannel> channel_;
  wire::CoreRevision revision_;
  wire::Limits limits_;
};

class Context : public RunnerContext {
 public:
  Context(wire::CoreRevision revision, std::shared_ptr<fs::Multiplexer> mux)
      : revision_(revision), mux_(std::move(mux)) {}
  wire::CoreRevision revision() const override { return revision_; }

  // One client per served filesystem while anyone holds it: a stream has one client.
  // The core serves a new stream for every Load and Pack, so clients nobody holds are
  // forgotten; kept, a long-lived runner would hold one per request forever (~400 KiB
  // each with the TorchScript runner, which robustness/no_leak catches).
  std::shared_ptr<fs::FileSystem> filesystem(wire::FsToken token, bool writable) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = filesystems_.begin(); it != filesystems_.end();) {
      it = it->second.expired() ? filesystems_.erase(it) : std::next(it);
    }
    auto& weak = filesystems_[token.value];
    std::shared_ptr<fs::FileSystem> fs = weak.lock();
    if (!fs) {
      fs = fs::FileSystem::connect(mux_, token, writable ? fs::Access::kReadWrite : fs::Access::kReadOnly);
      weak = fs;
    }
    return fs;
  }

 private:
  wire::CoreRevision revision_;
  std::shared_ptr<fs::Multiplexer> mux_;
  std::mutex mu_;
  std::map<std::uint64_t, std::weak_ptr<fs::FileSystem>> filesystems_;
};

}  // namespace

int serve(runtime::Channels channels, RunnerHandler& handler, const ServeOptions& options) {
  return detail::serve_with(
      std::move(channels),
      [&handler](wire::RPCRequest request, const std::shared_ptr<ResponseSink>& sink) {
        dispatch(handler, std::move(request), sink);
      },
      [&handler](RunnerContext* context) { handler.attach_context(context); }, options);
}

int detail::serve_with(runtime::Channels channels, const RequestDispatch& dispatch, const AttachContext& attach,
                       const ServeOptions& options) {
  wire::Limits limits;
  limits.max_frame_bytes = options.max_frame_bytes;

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  CpuPin::configure(options.pin_cheap_work);
  HandlerThreads threads(io, options.handler_threads, options.max_reply_hold);

  auto rpc = FrameChannel::create(io, std::move(channels.rpc), {options.max_frame_bytes, "rpc"});
  auto sink = std::make_shared<ChannelSink>(rpc, options.revision, limits);
  fs::MultiplexerOptions fs_options;
  fs_options.revision = options.revision;
  fs_options.limits = limits;
  auto fs_mux = fs::Multiplexer::create(io, std::move(channels.filesystem), fs::Side::kRunner, fs_options);
  fs_mux->start();
  Context context(options.revision, fs_mux);
  attach(&context);

  std::promise<std::string> closed;
  rpc->start(
      [&](wire::Bytes frame) {
        try {
          auto request = std::make_shared<wire::RPCRequest>(
              wire::decode_message<wire::RPCRequest>(frame, options.revision, limits));
          threads.submit([&dispatch, &options, sink, request] {
            runtime::TraceWriter::Span span;
            if (options.trace) span = options.trace->span(request_name(request->data), request->id.value);
            dispatch(std::move(*request), sink);
          });
        } catch (const wire::DecodeError& e) {
          CARTON_LOG(runtime::sdk_logger(), error) << "dropping a malformed request: " << e.what();
          if (frame.size() >= 8) {
            // The id comes first, so the core's waiting call can still be answered.
            std::uint64_t id;
            std::memcpy(&id, frame.data(), 8);
            sink->send(wire::RpcId{id}, true,
                       wire::ErrorResponse{kUndecodableRequestError + std::string(e.what())});
          }
        }
      },
      [&](std::string reason) { closed.set_value(std::move(reason)); });

  if (options.logs) {
    // Log records travel as {id: 0, complete: true, LogMessage}, at any time.
    options.logs->attach([sink](wire::LogRecord&& record) {
      sink->send(wire::RpcId{0}, true, wire::LogMessageResponse{std::move(record)});
    });
  }
  CARTON_LOG(runtime::sdk_logger(), debug)
      << "serving requests on " << options.handler_threads << " handler threads (core revision "
      << wire::core_revision_name(options.revision) << ")";

  threads.start();
  const std::string reason = closed.get_future().get();
  if (options.logs) options.logs->detach();  // the core is gone: drop, never block
  if (!reason.empty()) CARTON_LOG(runtime::sdk_logger(), error) << "closing: " << reason;

  threads.drain();  // requests in flight finish; their responses are dropped if the core is gone
  attach(nullptr);
  work.reset();
  boost::asio::post(io, [rpc, fs_mux] {
    rpc->close();
    fs_mux->close();  // pending filesystem calls fail at once instead of waiting
  });
  threads.join();
  return reason.empty() ? 0 : 1;
}

}  // namespace carton::runner
