#include "carton/runtime/frame_channel.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <exception>
#include <iterator>

#include "frame_channel_impl.hpp"

namespace carton::runtime {

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

void FrameChannel::Impl::close_with(std::shared_ptr<FrameChannel> self, std::string reason) {
  if (closed) return;
  closed = true;
  close_reason = std::move(reason);
  std::deque<Outgoing> dropped;  // freed outside the lock
  {
    std::lock_guard<std::mutex> lock(send_mu);
    send_closed = true;
    boost::system::error_code ignored;
    socket.close(ignored);  // cancels pending reads/writes; their handlers see `closed`
    // The in-flight write's buffers stay alive until its (aborted) handler has run.
    if (in_flight) {
      std::move(queue.begin() + 1, queue.end(), std::back_inserter(dropped));
      queue.erase(queue.begin() + 1, queue.end());
    } else {
      dropped.swap(queue);
      writing = false;
    }
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

void FrameChannel::close() {
  {
    // Sends from now on are dropped, even before the strand has closed the socket.
    std::lock_guard<std::mutex> lock(impl_->send_mu);
    impl_->send_closed = true;
  }
  asio::dispatch(impl_->strand, [self = shared_from_this()] { self->impl_->close_with(self, {}); });
}

const std::string& FrameChannel::name() const { return impl_->options.name; }

}  // namespace carton::runtime
