// Multiplexer: the filesystem channel (id 1) shared by every served filesystem.
//
// Which problem it solves: carton runs every filesystem it serves (one per Load or Pack,
// named by the request's FsToken) over one socket. Each frame starts with the StreamID;
// the multiplexer owns that socket's FrameChannel and routes each decoded frame to the
// stream's endpoint. The runner side decodes FsResponseFrame and routes to the stream's
// client (a FileSystem); the core side decodes FsRequestFrame and routes to the stream's
// server (a DirectoryServer). Both sides are the same class with a Side.
//
// Differences from carton (RI/multiplexer.rs), on purpose: a frame for an unknown stream
// or one that does not decode is logged and dropped, never fatal (carton panics its
// router, which stalls every filesystem). When an undecodable frame still starts with a
// readable (stream, rpc_id) of a live stream, that one call is failed too (runner side:
// the pending call gets IoError InvalidData; core side: the client gets an IoError
// InvalidData reply), so nobody waits forever for an answer that will never come.
//
// Threading: frames are decoded and routed on the io_context (the I/O thread); endpoint
// callbacks run there and must not block. attach/detach/send are thread-safe.
//
// Lifetime: create() returns a shared_ptr. Endpoints are held weakly; an endpoint
// detaches itself when it is destroyed. Destroying the multiplexer closes the channel,
// and a closed channel is reported to every endpoint once (on_channel_closed).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "carton/runtime/unique_fd.hpp"
#include "carton/wire/encoded.hpp"
#include "carton/wire/fs_types.hpp"
#include "carton/wire/limits.hpp"
#include "carton/wire/revisions.hpp"

namespace boost::asio {
class io_context;
}

namespace carton::fs {

enum class Side {
  kRunner,  // sends requests, receives responses (FileSystem clients)
  kCore,    // receives requests, sends responses (DirectoryServer)
};

struct MultiplexerOptions {
  // Which carton the peer is; the filesystem channel is identical in both revisions
  // (FACTS.md), so this only matters for symmetry with the RPC channel.
  wire::CoreRevision revision = wire::kDefaultCoreRevision;
  wire::Limits limits{};              // frame size and nesting limits for this channel
  std::string name = "filesystem";    // prefixes log lines and close reasons
  // Called on the I/O thread, besides the log line, for each frame carton's own
  // multiplexer would panic on (undecodable, or for a stream nobody serves): the mock
  // core records these as violations.
  std::function<void(const std::string& what)> on_peer_error;
};

// Runner side: a client of one stream.
class ResponseEndpoint {
 public:
  virtual ~ResponseEndpoint() = default;
  virtual void on_response(std::uint64_t rpc_id, wire::fs::Response response) = 0;
  // A frame for this stream that did not decode, but whose rpc_id could be read.
  virtual void on_undecodable(std::uint64_t rpc_id, const std::string& why) = 0;
  // `reason` is never empty: it says why ("peer closed the connection", a read error...).
  virtual void on_channel_closed(const std::string& reason) = 0;
};

// Core side: the server of one stream.
class RequestEndpoint {
 public:
  virtual ~RequestEndpoint() = default;
  virtual void on_request(std::uint64_t rpc_id, wire::fs::Request request) = 0;
  virtual void on_channel_closed(const std::string& reason) = 0;
};

class Multiplexer : public std::enable_shared_from_this<Multiplexer> {
 public:
  // Adopts `fd` (a connected SOCK_STREAM Unix socket: the FileSystem channel). Reading
  // starts with start(); attach the endpoints that should see the first frames before.
  static std::shared_ptr<Multiplexer> create(boost::asio::io_context& io, runtime::UniqueFd fd, Side side,
                                             MultiplexerOptions options = {});
  ~Multiplexer();
  Multiplexer(const Multiplexer&) = delete;
  Multiplexer& operator=(const Multiplexer&) = delete;

  void start();
  // Closes the channel; every endpoint then gets on_channel_closed.
  void close();

  Side side() const;
  const MultiplexerOptions& options() const;
  boost::asio::io_context& io_context() const;
  // True on a thread that is running this multiplexer's io_context outside a request
  // handler (runtime::HandlerScope): blocking there on a filesystem answer could deadlock.
  bool on_io_thread() const;
  bool closed() const;
  // Why the channel closed; empty while open.
  std::string close_reason() const;

  // Core side: the next stream id, 0, 1, 2, ... (one per served filesystem, as carton's
  // get_new_stream does).
  wire::StreamId new_stream_id();

  // Registers the endpoint of `stream`. Throws std::logic_error if the side does not
  // match or the stream already has a live endpoint. Returns false (and registers
  // nothing) if the channel has already closed: the caller treats itself as closed.
  bool attach(wire::StreamId stream, std::weak_ptr<ResponseEndpoint> endpoint);
  bool attach(wire::StreamId stream, std::weak_ptr<RequestEndpoint> endpoint);
  // Removes the stream's endpoint if it is `endpoint` or has expired (a live successor
  // is left alone).
  void detach(wire::StreamId stream, const ResponseEndpoint* endpoint);
  void detach(wire::StreamId stream, const RequestEndpoint* endpoint);

  // Encode and queue one frame. Thread-safe; never blocks. Throw wire::EncodeError for a
  // value the wire cannot carry. A frame sent after the channel closed is dropped.
  void send(const wire::fs::FsRequestFrame& frame);
  void send(const wire::fs::FsResponseFrame& frame);
  // A payload that is already encoded (tests, replay tools).
  void send_raw(wire::Encoded payload);

 private:
  struct Impl;
  struct Key {
    explicit Key() = default;
  };

 public:
  Multiplexer(Key, boost::asio::io_context& io, runtime::UniqueFd fd, Side side, MultiplexerOptions options);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace carton::fs
