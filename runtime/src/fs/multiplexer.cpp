#include "carton/fs/multiplexer.hpp"

#include <boost/asio/io_context.hpp>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include "carton/runtime/frame_channel.hpp"
#include "carton/runtime/handler_scope.hpp"
#include "carton/wire/decode_error.hpp"
#include "carton/wire/fs_codec.hpp"
#include "carton/wire/message.hpp"
#include "fs_log.hpp"

namespace carton::fs {

namespace {

// (StreamID u64, rpc_id u64): the first 16 bytes of every frame in both directions.
constexpr std::size_t kFrameIdsBytes = 16;

struct FrameIds {
  std::uint64_t stream;
  std::uint64_t rpc_id;
};

std::optional<FrameIds> peek_ids(const wire::Bytes& frame) {
  if (frame.size() < kFrameIdsBytes) return std::nullopt;
  FrameIds ids;
  std::memcpy(&ids.stream, frame.data(), 8);  // little-endian host, as the wire reader
  std::memcpy(&ids.rpc_id, frame.data() + 8, 8);
  return ids;
}

}  // namespace

struct Multiplexer::Impl {
  Impl(boost::asio::io_context& io_, Side side_, MultiplexerOptions options_)
      : io(io_), side(side_), options(std::move(options_)) {}

  boost::asio::io_context& io;
  const Side side;
  const MultiplexerOptions options;
  std::shared_ptr<runtime::FrameChannel> channel;

  mutable std::mutex mu;
  bool started = false;
  bool closed = false;
  std::string close_reason;
  std::uint64_t next_stream = 0;
  // Only the map of this side is used.
  std::map<std::uint64_t, std::weak_ptr<ResponseEndpoint>> clients;
  std::map<std::uint64_t, std::weak_ptr<RequestEndpoint>> servers;

  template <class Endpoint>
  std::shared_ptr<Endpoint> find(std::map<std::uint64_t, std::weak_ptr<Endpoint>>& map, std::uint64_t stream) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = map.find(stream);
    if (it == map.end()) return nullptr;
    return it->second.lock();
  }

  void on_frame(const wire::Bytes& frame);
  void on_runner_frame(const wire::Bytes& frame);
  void on_core_frame(const wire::Bytes& frame);
  void report_peer_error(const std::string& what) const {
    if (options.on_peer_error) options.on_peer_error(what);
  }
  void on_close(std::string reason);
  void send(wire::Encoded payload) { channel->send(std::move(payload)); }
};

void Multiplexer::Impl::on_frame(const wire::Bytes& frame) {
  // Nothing here may throw into the channel (it would close it): failures are per frame.
  try {
    if (side == Side::kRunner) {
      on_runner_frame(frame);
    } else {
      on_core_frame(frame);
    }
  } catch (const std::exception& e) {
    CARTON_FS_LOG(error) << options.name << ": dropped a frame of " << frame.size() << " bytes: " << e.what();
  }
}

void Multiplexer::Impl::on_runner_frame(const wire::Bytes& frame) {
  wire::fs::FsResponseFrame decoded;
  try {
    decoded = wire::decode_message<wire::fs::FsResponseFrame>(frame, options.revision, options.limits);
  } catch (const wire::DecodeError& e) {
    CARTON_FS_LOG(error) << options.name << ": dropped an undecodable response frame of " << frame.size()
                         << " bytes: " << e.what();
    if (auto ids = peek_ids(frame)) {
      if (auto client = find(clients, ids->stream)) client->on_undecodable(ids->rpc_id, e.what());
    }
    return;
  }
  auto client = find(clients, decoded.stream.value);
  if (!client) {
    CARTON_FS_LOG(warning) << options.name << ": dropped a response for unknown stream " << decoded.stream.value
                           << " (rpc_id " << decoded.rpc_id << ")";
    return;
  }
  client->on_response(decoded.rpc_id, std::move(decoded.msg));
}

void Multiplexer::Impl::on_core_frame(const wire::Bytes& frame) {
  wire::fs::FsRequestFrame decoded;
  try {
    decoded = wire::decode_message<wire::fs::FsRequestFrame>(frame, options.revision, options.limits);
  } catch (const wire::DecodeError& e) {
    CARTON_FS_LOG(error) << options.name << ": dropped an undecodable request frame of " << frame.size()
                         << " bytes: " << e.what();
    report_peer_error("an undecodable filesystem request frame of " + std::to_string(frame.size()) +
                      " bytes: " + e.what());
    auto ids = peek_ids(frame);
    if (ids && find(servers, ids->stream)) {
      // Answer, so the client does not wait forever for a reply that will never come.
      wire::fs::FsResponseFrame reply{
          wire::StreamId{ids->stream}, ids->rpc_id,
          wire::fs::IoErrorResponse{{wire::fs::IoErrorKind::InvalidData,
                                     std::string("the server could not decode this request: ") + e.what()}}};
      send(wire::encode_message(reply, options.revision, options.limits));
    }
    return;
  }
  auto server = find(servers, decoded.stream.value);
  if (!server) {
    CARTON_FS_LOG(warning) << options.name << ": dropped a request for unknown stream " << decoded.stream.value
                           << " (rpc_id " << decoded.rpc_id << ")";
    report_peer_error("a filesystem request for stream " + std::to_string(decoded.stream.value) +
                      ", which the core never served");
    return;
  }
  server->on_request(decoded.rpc_id, std::move(decoded.msg));
}

void Multiplexer::Impl::on_close(std::string reason) {
  if (reason.empty()) reason = options.name + ": channel closed (peer closed the connection or local close)";
  std::vector<std::shared_ptr<ResponseEndpoint>> c;
  std::vector<std::shared_ptr<RequestEndpoint>> s;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (closed) return;
    closed = true;
    close_reason = reason;
    for (auto& [id, w] : clients) {
      if (auto p = w.lock()) c.push_back(std::move(p));
    }
    for (auto& [id, w] : servers) {
      if (auto p = w.lock()) s.push_back(std::move(p));
    }
    clients.clear();
    servers.clear();
  }
  for (auto& p : c) p->on_channel_closed(reason);
  for (auto& p : s) p->on_channel_closed(reason);
}

std::shared_ptr<Multiplexer> Multiplexer::create(boost::asio::io_context& io, runtime::UniqueFd fd, Side side,
                                                 MultiplexerOptions options) {
  return std::make_shared<Multiplexer>(Key{}, io, std::move(fd), side, std::move(options));
}

Multiplexer::Multiplexer(Key, boost::asio::io_context& io, runtime::UniqueFd fd, Side side,
                         MultiplexerOptions options)
    : impl_(std::make_unique<Impl>(io, side, std::move(options))) {
  impl_->channel = runtime::FrameChannel::create(
      io, std::move(fd), runtime::FrameChannelOptions{impl_->options.limits.max_frame_bytes, impl_->options.name});
}

Multiplexer::~Multiplexer() {
  // The channel's callbacks hold only a weak reference to us; closing releases them.
  impl_->channel->close();
}

void Multiplexer::start() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->started) return;
    impl_->started = true;
  }
  std::weak_ptr<Multiplexer> weak = weak_from_this();
  impl_->channel->start(
      [weak](wire::Bytes frame) {
        if (auto self = weak.lock()) self->impl_->on_frame(frame);
      },
      [weak](std::string reason) {
        if (auto self = weak.lock()) self->impl_->on_close(std::move(reason));
      });
}

void Multiplexer::close() {
  impl_->channel->close();
  // A channel closed before start() never reports it; report it ourselves.
  bool started;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    started = impl_->started;
  }
  if (!started) impl_->on_close(impl_->options.name + ": closed before it was started");
}

Side Multiplexer::side() const { return impl_->side; }
const MultiplexerOptions& Multiplexer::options() const { return impl_->options; }
boost::asio::io_context& Multiplexer::io_context() const { return impl_->io; }
bool Multiplexer::on_io_thread() const {
  // A handler on an I/O thread may block: serve() keeps another thread for the I/O.
  return impl_->io.get_executor().running_in_this_thread() && !runtime::HandlerScope::active();
}

bool Multiplexer::closed() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->closed;
}

std::string Multiplexer::close_reason() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->close_reason;
}

wire::StreamId Multiplexer::new_stream_id() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return wire::StreamId{impl_->next_stream++};
}

namespace {

template <class Endpoint>
bool attach_to(bool closed, std::map<std::uint64_t, std::weak_ptr<Endpoint>>& map,
               std::uint64_t stream, std::weak_ptr<Endpoint> endpoint) {
  if (closed) return false;
  auto it = map.find(stream);
  if (it != map.end() && !it->second.expired()) {
    throw std::logic_error("carton::fs::Multiplexer: stream " + std::to_string(stream) +
                           " already has an endpoint");
  }
  map[stream] = std::move(endpoint);
  return true;
}

}  // namespace

bool Multiplexer::attach(wire::StreamId stream, std::weak_ptr<ResponseEndpoint> endpoint) {
  if (impl_->side != Side::kRunner) {
    throw std::logic_error("carton::fs::Multiplexer: a filesystem client needs a runner-side multiplexer");
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  return attach_to(impl_->closed, impl_->clients, stream.value, std::move(endpoint));
}

bool Multiplexer::attach(wire::StreamId stream, std::weak_ptr<RequestEndpoint> endpoint) {
  if (impl_->side != Side::kCore) {
    throw std::logic_error("carton::fs::Multiplexer: a filesystem server needs a core-side multiplexer");
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  return attach_to(impl_->closed, impl_->servers, stream.value, std::move(endpoint));
}

namespace {

// Removes `stream`'s entry if it is `endpoint` or has expired (the endpoint is usually
// being destroyed when it detaches); a live successor stays.
template <class Endpoint>
void detach_from(std::map<std::uint64_t, std::weak_ptr<Endpoint>>& map, std::uint64_t stream,
                 const Endpoint* endpoint) {
  auto it = map.find(stream);
  if (it == map.end()) return;
  auto live = it->second.lock();
  if (!live || live.get() == endpoint) map.erase(it);
}

}  // namespace

void Multiplexer::detach(wire::StreamId stream, const ResponseEndpoint* endpoint) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  detach_from(impl_->clients, stream.value, endpoint);
}

void Multiplexer::detach(wire::StreamId stream, const RequestEndpoint* endpoint) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  detach_from(impl_->servers, stream.value, endpoint);
}

void Multiplexer::send(const wire::fs::FsRequestFrame& frame) {
  impl_->send(wire::encode_message(frame, impl_->options.revision, impl_->options.limits));
}

void Multiplexer::send(const wire::fs::FsResponseFrame& frame) {
  impl_->send(wire::encode_message(frame, impl_->options.revision, impl_->options.limits));
}

void Multiplexer::send_raw(wire::Encoded payload) { impl_->send(std::move(payload)); }

}  // namespace carton::fs
