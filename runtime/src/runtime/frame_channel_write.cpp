// FrameChannel's write side: frames written from the sending thread while nothing is
// queued (several in one gathered write when sent together), the rest by the I/O thread.
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <sys/uio.h>

#include <cerrno>
#include <iterator>
#include <limits>

#include "frame_channel_impl.hpp"

namespace carton::runtime {

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

std::optional<std::size_t> FrameChannel::Impl::write_now(std::vector<Outgoing>& frames) {
  std::vector<iovec> pieces;
  std::vector<std::size_t> ends;  // pieces.size() after each frame's pieces
  for (Outgoing& out : frames) {
    std::vector<iovec> own = frame_pieces(out.header, out.payload, out.sent);
    pieces.insert(pieces.end(), own.begin(), own.end());
    ends.push_back(pieces.size());
  }
  std::size_t first = 0, whole = 0;
  // Counts the frames whose last piece has gone.
  auto count_whole = [&] {
    while (whole < frames.size() && ends[whole] <= first) {
      frames[whole].sent = kFrameHeaderBytes + frames[whole].payload.size();
      ++whole;
    }
  };
  count_whole();  // frames with nothing left (none, unless a caller passes them)
  while (first < pieces.size()) {
    msghdr msg{};
    msg.msg_iov = pieces.data() + first;
    msg.msg_iovlen = std::min<std::size_t>(pieces.size() - first, IOV_MAX);
    ssize_t n = ::sendmsg(native_fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return whole;
      return std::nullopt;
    }
    const std::size_t asked_end = first + msg.msg_iovlen;  // the pieces this sendmsg was given
    // Empty pieces count as written, so the loop ends.
    while (first < pieces.size() && (n > 0 || pieces[first].iov_len == 0)) {
      // Bytes of the frame being written (frames[whole]) are counted as they go.
      const std::size_t take = std::min<std::size_t>(static_cast<std::size_t>(n), pieces[first].iov_len);
      frames[whole].sent += take;
      n -= static_cast<ssize_t>(take);
      pieces[first].iov_base = static_cast<std::uint8_t*>(pieces[first].iov_base) + take;
      pieces[first].iov_len -= take;
      if (pieces[first].iov_len == 0) {
        ++first;
        count_whole();
      }
    }
    if (first < asked_end) return whole;  // it took less than it was given: the socket is full
  }
  return whole;
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

void FrameChannel::send(wire::Encoded payload) {
  std::vector<Impl::Outgoing> frames;
  frames.push_back({encode_frame_header(payload.size()), std::move(payload)});
  impl_->send_frames(std::move(frames), *this);
}

void FrameChannel::send(std::vector<wire::Encoded> payloads) {
  std::vector<Impl::Outgoing> frames;
  frames.reserve(payloads.size());
  for (wire::Encoded& payload : payloads) frames.push_back({encode_frame_header(payload.size()), std::move(payload)});
  if (!frames.empty()) impl_->send_frames(std::move(frames), *this);
}

void FrameChannel::Impl::send_frames(std::vector<Outgoing> frames, FrameChannel& channel) {
  {
    std::lock_guard<std::mutex> lock(pending_mu);
    if (direct_writer) {  // that thread writes them after its own (Impl::pending)
      std::move(frames.begin(), frames.end(), std::back_inserter(pending));
      return;
    }
    direct_writer = true;
  }
  for (;;) {
    write_frames(frames, channel);
    frames.clear();  // written or queued: freed outside the locks
    std::lock_guard<std::mutex> lock(pending_mu);
    if (pending.empty()) {
      direct_writer = false;
      return;
    }
    frames.swap(pending);
  }
}

void FrameChannel::Impl::write_frames(std::vector<Outgoing>& frames, FrameChannel& channel) {
  std::unique_lock<std::mutex> lock(send_mu);
  if (send_closed) return;
  if (writing) {
    std::move(frames.begin(), frames.end(), std::back_inserter(queue));
    return;
  }
  // Nothing queued: write from this thread, as far as the socket takes it now.
  const std::optional<std::size_t> whole = write_now(frames);
  if (!whole) {
    const boost::system::error_code ec(errno, boost::system::system_category());
    send_closed = true;
    lock.unlock();
    asio::post(strand, [self = channel.shared_from_this(), ec] {
      Impl& i = *self->impl_;
      i.close_with(self, peer_gone(ec) ? std::string() : i.options.name + ": write failed: " + ec.message());
    });
    return;
  }
  if (*whole == frames.size()) return;
  // The socket is full: the strand writes the rest, and whatever is queued behind it.
  std::move(frames.begin() + static_cast<std::ptrdiff_t>(*whole), frames.end(), std::back_inserter(queue));
  writing = true;
  lock.unlock();
  asio::post(strand, [self = channel.shared_from_this()] { self->impl_->do_write(self); });
}

}  // namespace carton::runtime
