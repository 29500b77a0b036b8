#include "carton/runtime/frame_channel.hpp"

#include <array>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <exception>
#include <optional>
#include <vector>

#include "carton/runtime/frame_header.hpp"
#include "carton/runtime/frame_reader.hpp"

namespace carton::runtime {

namespace asio = boost::asio;
using Strand = asio::strand<asio::io_context::executor_type>;
using Socket = asio::local::stream_protocol::socket;

// All members are touched only on `strand`.
struct FrameChannel::Impl {
  Impl(asio::io_context& io, UniqueFd fd, FrameChannelOptions opts)
      : strand(asio::make_strand(io)),
        socket(strand),
        options(std::move(opts)),
        reader(options.max_frame_bytes) {
    socket.assign(asio::local::stream_protocol(), fd.get());
    fd.release();  // only once the socket owns it; on a throw `fd` still closes it
  }

  struct Outgoing {
    std::array<std::uint8_t, kFrameHeaderBytes> header;
    wire::Encoded payload;
  };

  Strand strand;
  Socket socket;
  FrameChannelOptions options;
  FrameReader reader;
  FrameHandler on_frame;
  CloseHandler on_close;
  bool started = false;
  bool closed = false;
  bool close_delivered = false;
  std::string close_reason;
  bool writing = false;
  std::deque<Outgoing> queue;  // front is being written while `writing`; deque keeps it in place

  void do_read(std::shared_ptr<FrameChannel> self);
  void on_read(std::shared_ptr<FrameChannel> self, const boost::system::error_code& ec, std::size_t n);
  void do_write(std::shared_ptr<FrameChannel> self);
  void on_write(std::shared_ptr<FrameChannel> self, const boost::system::error_code& ec);
  void close_with(std::shared_ptr<FrameChannel> self, std::string reason);
  void deliver_close();
};

namespace {

// The peer going away is how a carton session ends, not a failure.
bool peer_gone(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_reset;
}

}  // namespace

void FrameChannel::Impl::do_read(std::shared_ptr<FrameChannel> self) {
  auto [data, size] = reader.writable();
  socket.async_read_some(asio::buffer(data, size),
                         asio::bind_executor(strand, [self](const boost::system::error_code& ec,
                                                            std::size_t n) {
                           self->impl_->on_read(self, ec, n);
                         }));
}

void FrameChannel::Impl::on_read(std::shared_ptr<FrameChannel> self,
                                 const boost::system::error_code& ec, std::size_t n) {
  if (closed) return;
  reader.commit(n);
  while (!closed) {
    std::optional<wire::Bytes> frame = reader.next();
    if (!frame) break;
    try {
      on_frame(std::move(*frame));
    } catch (const std::exception& e) {
      // Nothing may throw across the io_context; a failing handler ends this channel.
      close_with(self, options.name + ": frame handler threw: " + e.what());
    } catch (...) {
      close_with(self, options.name + ": frame handler threw a non-std exception");
    }
  }
  if (closed) return;
  if (reader.failed()) return close_with(self, options.name + ": " + reader.error());
  if (ec) {
    return close_with(self, peer_gone(ec) ? std::string()
                                          : options.name + ": read failed: " + ec.message());
  }
  do_read(std::move(self));
}

void FrameChannel::Impl::do_write(std::shared_ptr<FrameChannel> self) {
  writing = true;
  Outgoing& out = queue.front();
  std::vector<iovec> pieces = out.payload.iovecs();
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(pieces.size() + 1);
  buffers.emplace_back(out.header.data(), out.header.size());
  for (const iovec& v : pieces) buffers.emplace_back(v.iov_base, v.iov_len);
  asio::async_write(socket, buffers,
                    asio::bind_executor(strand, [self](const boost::system::error_code& ec,
                                                       std::size_t) {
                      self->impl_->on_write(self, ec);
                    }));
}

void FrameChannel::Impl::on_write(std::shared_ptr<FrameChannel> self,
                                  const boost::system::error_code& ec) {
  writing = false;
  if (closed) {
    queue.clear();
    return;
  }
  if (ec) {
    return close_with(self, peer_gone(ec) ? std::string()
                                          : options.name + ": write failed: " + ec.message());
  }
  queue.pop_front();
  if (!queue.empty()) do_write(std::move(self));
}

void FrameChannel::Impl::close_with(std::shared_ptr<FrameChannel> self, std::string reason) {
  if (closed) return;
  closed = true;
  close_reason = std::move(reason);
  boost::system::error_code ignored;
  socket.close(ignored);  // cancels pending reads/writes; their handlers see `closed`
  // The in-flight write's buffers stay alive until its (aborted) handler has run.
  if (writing) {
    queue.erase(queue.begin() + 1, queue.end());
  } else {
    queue.clear();
  }
  // Posted, so on_close never runs inside on_frame or inside close().
  if (started) asio::post(strand, [self] { self->impl_->deliver_close(); });
}

void FrameChannel::Impl::deliver_close() {
  if (close_delivered) return;
  close_delivered = true;
  CloseHandler cb = std::move(on_close);
  on_close = nullptr;
  on_frame = nullptr;
  if (!cb) return;
  try {
    cb(close_reason);
  } catch (...) {
    // Nothing may throw across the io_context; the channel is already closed.
  }
}

std::shared_ptr<FrameChannel> FrameChannel::create(asio::io_context& io, UniqueFd fd,
                                                   FrameChannelOptions options) {
  return std::make_shared<FrameChannel>(Key{}, io, std::move(fd), std::move(options));
}

FrameChannel::FrameChannel(Key, asio::io_context& io, UniqueFd fd, FrameChannelOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(fd), std::move(options))) {}

FrameChannel::~FrameChannel() = default;

void FrameChannel::start(FrameHandler on_frame, CloseHandler on_close) {
  asio::post(impl_->strand, [self = shared_from_this(), on_frame = std::move(on_frame),
                             on_close = std::move(on_close)]() mutable {
    Impl& impl = *self->impl_;
    if (impl.started) return;
    impl.started = true;
    impl.on_frame = std::move(on_frame);
    impl.on_close = std::move(on_close);
    if (impl.closed) {
      impl.deliver_close();  // a write failed before start()
    } else {
      impl.do_read(self);
    }
  });
}

void FrameChannel::send(wire::Encoded payload) {
  asio::post(impl_->strand, [self = shared_from_this(), payload = std::move(payload)]() mutable {
    Impl& impl = *self->impl_;
    if (impl.closed) return;
    impl.queue.push_back(Impl::Outgoing{encode_frame_header(payload.size()), std::move(payload)});
    if (!impl.writing) impl.do_write(self);
  });
}

void FrameChannel::close() {
  asio::dispatch(impl_->strand, [self = shared_from_this()] { self->impl_->close_with(self, {}); });
}

const std::string& FrameChannel::name() const { return impl_->options.name; }

}  // namespace carton::runtime
