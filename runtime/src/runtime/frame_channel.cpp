#include "carton/runtime/frame_channel.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <climits>
#include <deque>
#include <exception>
#include <iterator>
#include <limits>
#include <mutex>
#include <optional>
#include <vector>

#include "carton/runtime/frame_header.hpp"
#include "carton/runtime/frame_reader.hpp"

namespace carton::runtime {

namespace asio = boost::asio;
using Strand = asio::strand<asio::io_context::executor_type>;
using Socket = asio::local::stream_protocol::socket;

// Members are touched only on `strand`, except those marked as guarded by `send_mu`.
struct FrameChannel::Impl {
  Impl(asio::io_context& io, UniqueFd fd, FrameChannelOptions opts)
      : strand(asio::make_strand(io)),
        socket(strand),
        options(std::move(opts)),
        reader(options.max_frame_bytes) {
    socket.assign(asio::local::stream_protocol(), fd.get());
    native_fd = fd.release();  // only once the socket owns it; on a throw `fd` still closes it
    if (options.send_buffer_bytes > 0) {
      // Best effort: the kernel caps it, and a smaller buffer is only slower.
      const int bytes = static_cast<int>(std::min<std::size_t>(options.send_buffer_bytes, INT_MAX / 2));
      ::setsockopt(native_fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
    }
  }

  struct Outgoing {
    std::array<std::uint8_t, kFrameHeaderBytes> header;
    wire::Encoded payload;
    std::size_t sent = 0;  // bytes of header + payload already written by send()
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
  bool in_flight = false;  // an async_write is pending on queue.front()

  // Guarded by send_mu. send() writes from the calling thread while no write is queued
  // (one hop fewer per frame: no wake-up of the I/O thread); everything else goes
  // through the queue and async_write on the strand. socket.close() also happens under
  // send_mu, so a direct write never meets a closed (or reused) fd.
  std::mutex send_mu;
  int native_fd = -1;
  bool send_closed = false;  // close() called or the channel closed: sends are dropped
  bool writing = false;      // queue.front() is being written (posted or in flight)
  std::deque<Outgoing> queue;  // deque: push_back keeps the front in place

  // Frames handed over by send() while another thread writes directly: that thread
  // writes them too, in order, before it returns, so a sender never sleeps on send_mu
  // behind another's sendmsg (two handler threads answering at once: each wait was a
  // futex sleep and wake-up, and an idle core meanwhile). Guarded by pending_mu, never
  // held with send_mu.
  std::mutex pending_mu;
  bool direct_writer = false;  // a thread is in send()'s write loop
  std::vector<Outgoing> pending;  // a vector: empty, it allocates nothing

  // Writes as much of `out` as the socket takes now, without blocking. Returns false
  // with errno set on an error other than EAGAIN.
  bool write_now(Outgoing& out);
  // send()'s work for one frame: written now, as far as the socket takes it, or queued
  // behind a write in progress. Takes send_mu; what stays in `out` (a frame fully
  // written or dropped) is freed by the caller, outside the lock.
  void write_frame(Outgoing& out, FrameChannel& channel);
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

namespace {

// The header and payload pieces of a frame, minus the first `skip` bytes.
std::vector<iovec> frame_pieces(std::array<std::uint8_t, kFrameHeaderBytes>& header,
                                const wire::Encoded& payload, std::size_t skip) {
  std::vector<iovec> pieces = payload.iovecs();
  pieces.insert(pieces.begin(), iovec{header.data(), header.size()});
  std::size_t first = 0;
  while (first < pieces.size() && skip >= pieces[first].iov_len) skip -= pieces[first++].iov_len;
  pieces.erase(pieces.begin(), pieces.begin() + static_cast<std::ptrdiff_t>(first));
  if (skip > 0) {
    pieces.front().iov_base = static_cast<std::uint8_t*>(pieces.front().iov_base) + skip;
    pieces.front().iov_len -= skip;
  }
  return pieces;
}

}  // namespace

bool FrameChannel::Impl::write_now(Outgoing& out) {
  std::vector<iovec> pieces = frame_pieces(out.header, out.payload, out.sent);
  std::size_t first = 0;
  while (first < pieces.size()) {
    msghdr msg{};
    msg.msg_iov = pieces.data() + first;
    msg.msg_iovlen = std::min<std::size_t>(pieces.size() - first, IOV_MAX);
    ssize_t n = ::sendmsg(native_fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    out.sent += static_cast<std::size_t>(n);
    while (first < pieces.size() && static_cast<std::size_t>(n) >= pieces[first].iov_len) {
      n -= static_cast<ssize_t>(pieces[first++].iov_len);
    }
    if (n > 0) {
      pieces[first].iov_base = static_cast<std::uint8_t*>(pieces[first].iov_base) + n;
      pieces[first].iov_len -= static_cast<std::size_t>(n);
      return true;  // the socket is full
    }
  }
  return true;
}

void FrameChannel::Impl::do_write(std::shared_ptr<FrameChannel> self) {
  std::vector<asio::const_buffer> buffers;
  {
    std::lock_guard<std::mutex> lock(send_mu);
    if (closed) {  // closed after this write was posted
      writing = false;
      return;
    }
    Outgoing& out = queue.front();
    for (const iovec& v : frame_pieces(out.header, out.payload, out.sent)) buffers.emplace_back(v.iov_base, v.iov_len);
  }
  in_flight = true;
  // Each writev takes all the socket will (asio's transfer_all would cap it at 64 KiB:
  // four times the syscalls and wake-ups for a large frame).
  auto as_much_as_fits = [](const boost::system::error_code& ec, std::size_t) -> std::size_t {
    return ec ? 0 : std::numeric_limits<std::size_t>::max();
  };
  asio::async_write(socket, buffers, as_much_as_fits,
                    asio::bind_executor(strand, [self](const boost::system::error_code& ec,
                                                       std::size_t) {
                      self->impl_->on_write(self, ec);
                    }));
}

void FrameChannel::Impl::on_write(std::shared_ptr<FrameChannel> self,
                                  const boost::system::error_code& ec) {
  in_flight = false;
  std::deque<Outgoing> done;  // freed outside the lock
  {
    std::lock_guard<std::mutex> lock(send_mu);
    if (closed) {
      writing = false;
      done.swap(queue);
      return;
    }
    if (!ec) {
      done.push_back(std::move(queue.front()));
      queue.pop_front();
      if (!queue.empty()) {
        // `writing` stays set: queued frames keep their order behind this one.
      } else {
        writing = false;
        return;
      }
    }
  }
  if (ec) {
    return close_with(self, peer_gone(ec) ? std::string()
                                          : options.name + ": write failed: " + ec.message());
  }
  do_write(std::move(self));
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

void FrameChannel::send(wire::Encoded payload) {
  Impl& impl = *impl_;
  Impl::Outgoing out{encode_frame_header(payload.size()), std::move(payload)};  // freed outside the locks
  {
    std::lock_guard<std::mutex> lock(impl.pending_mu);
    if (impl.direct_writer) {  // that thread writes it after its own (Impl::pending)
      impl.pending.push_back(std::move(out));
      return;
    }
    impl.direct_writer = true;
  }
  impl.write_frame(out, *this);
  std::vector<Impl::Outgoing> more;
  for (;;) {
    more.clear();
    {
      std::lock_guard<std::mutex> lock(impl.pending_mu);
      if (impl.pending.empty()) {
        impl.direct_writer = false;
        return;
      }
      more.swap(impl.pending);
    }
    for (Impl::Outgoing& frame : more) impl.write_frame(frame, *this);
  }
}

void FrameChannel::Impl::write_frame(Outgoing& out, FrameChannel& channel) {
  std::unique_lock<std::mutex> lock(send_mu);
  if (send_closed) return;
  if (writing) {
    queue.push_back(std::move(out));
    return;
  }
  // Nothing queued: write from this thread, as far as the socket takes it now.
  if (!write_now(out)) {
    const boost::system::error_code ec(errno, boost::system::system_category());
    send_closed = true;
    lock.unlock();
    asio::post(strand, [self = channel.shared_from_this(), ec] {
      Impl& i = *self->impl_;
      i.close_with(self, peer_gone(ec) ? std::string() : i.options.name + ": write failed: " + ec.message());
    });
    return;
  }
  if (out.sent == kFrameHeaderBytes + out.payload.size()) return;
  // The socket is full: the strand writes the rest, and whatever is queued behind it.
  queue.push_back(std::move(out));
  writing = true;
  lock.unlock();
  asio::post(strand, [self = channel.shared_from_this()] { self->impl_->do_write(self); });
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
