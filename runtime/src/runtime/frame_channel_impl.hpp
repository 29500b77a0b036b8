// FrameChannel's state, shared by its read side and lifecycle (frame_channel.cpp) and
// its write side (frame_channel_write.cpp). Private to the runtime.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/strand.hpp>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "carton/runtime/frame_channel.hpp"
#include "carton/runtime/frame_header.hpp"
#include "carton/runtime/frame_reader.hpp"

namespace carton::runtime {

namespace asio = boost::asio;  // in this private header only
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

  // Writes as much of `frames` as the socket takes now, in order, in gathered writes
  // without blocking; returns how many frames were written whole. Returns nullopt with
  // errno set on an error other than EAGAIN.
  std::optional<std::size_t> write_now(std::vector<Outgoing>& frames);
  // send()'s work for some frames: written now, as far as the socket takes them, the
  // rest queued behind a write in progress. Takes send_mu; what stays in `frames`
  // (written whole or dropped) is freed by the caller, outside the lock.
  void write_frames(std::vector<Outgoing>& frames, FrameChannel& channel);
  // send()'s: hands `frames` to the thread writing directly, or writes them and then
  // whatever other threads handed over meanwhile.
  void send_frames(std::vector<Outgoing> frames, FrameChannel& channel);
  void do_read(std::shared_ptr<FrameChannel> self);
  void on_read(std::shared_ptr<FrameChannel> self, const boost::system::error_code& ec, std::size_t n);
  void do_write(std::shared_ptr<FrameChannel> self);
  void on_write(std::shared_ptr<FrameChannel> self, const boost::system::error_code& ec);
  void close_with(std::shared_ptr<FrameChannel> self, std::string reason);
  void deliver_close();
};

// The peer going away is how a carton session ends, not a failure.
inline bool peer_gone(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::broken_pipe || ec == asio::error::connection_reset;
}

}  // namespace carton::runtime
