// FrameChannel: one framed, bidirectional channel (Rpc or FileSystem) on the I/O thread.
//
// Reads frames with a FrameReader straight into each frame's own buffer and hands them
// to on_frame; writes each Encoded payload with one gathered write (8-byte header, then
// payload.iovecs()), so tensor storage reaches the socket without being copied.
//
// Threading: every callback runs on the io_context, serialised by a strand. send() and
// close() may be called from any thread. Sends from one thread go out in call order.
// While nothing is queued, send() writes the frame itself, non-blocking, from the calling
// thread (a small response then leaves without waking the I/O thread); whatever the
// socket does not take at once is queued and written by the I/O thread. A send() that
// finds another thread writing leaves its frame to that thread and returns at once.
//
// Lifetime: create() returns a shared_ptr; pending I/O keeps the channel alive until it
// is closed. The io_context must outlive the channel. Callbacks are released after
// on_close, so they may capture the channel's shared_ptr without leaking it.
//
// Closing: on_close(reason) runs exactly once after start(), never from inside on_frame.
// reason is empty for a clean end: peer EOF, the peer gone (EPIPE/ECONNRESET: the core
// dropped us, which the runner treats as EOF), or a local close(). Otherwise it names the
// channel and the failure, e.g. "rpc: frame of 9223372036854775808 bytes exceeds the
// limit of 4294967296 bytes". close() is immediate: queued, unsent frames are dropped,
// and so is any send() after the channel closed (the core may already be gone).
//
// SIGPIPE: writes go through Asio, which sends with MSG_NOSIGNAL on Linux, so a write to
// a closed peer yields EPIPE instead of killing the process; no signal disposition is
// changed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "carton/runtime/unique_fd.hpp"
#include "carton/wire/bytes.hpp"
#include "carton/wire/encoded.hpp"
#include "carton/wire/limits.hpp"

namespace boost::asio {
class io_context;
}

namespace carton::runtime {

// What the channel asks for as its socket's send buffer (SO_SNDBUF; Linux caps it at
// net.core.wmem_max). A Unix stream socket's send buffer bounds the bytes in flight to
// the peer; at the default ~208 KiB a 1 MiB reply is five writes, each waiting for the
// peer to drain the last and for an I/O wake-up. At 4 MiB a reply up to ~2 MiB leaves
// in one write. The memory is the kernel's, and only while the peer has not read.
inline constexpr std::size_t kDefaultSendBufferBytes = std::size_t{4} << 20;

struct FrameChannelOptions {
  std::uint64_t max_frame_bytes = wire::kDefaultMaxFrameBytes;
  std::string name = "channel";  // prefixes error reasons, e.g. "rpc", "filesystem"
  std::size_t send_buffer_bytes = kDefaultSendBufferBytes;  // 0: the system's default
};

class FrameChannel : public std::enable_shared_from_this<FrameChannel> {
 public:
  using FrameHandler = std::function<void(wire::Bytes frame)>;
  using CloseHandler = std::function<void(std::string reason)>;

  // Adopts `fd` (a connected SOCK_STREAM Unix socket). Throws if Asio cannot register it.
  static std::shared_ptr<FrameChannel> create(boost::asio::io_context& io, UniqueFd fd,
                                              FrameChannelOptions options = {});

  // Begins reading. Call once.
  void start(FrameHandler on_frame, CloseHandler on_close);
  // Queues one frame. The segments' Bytes keep their buffers alive until written.
  void send(wire::Encoded payload);
  // Queues several frames, in order, written together: one gathered write where one
  // used to go per frame (a syscall and a wake-up of the peer's reader each).
  void send(std::vector<wire::Encoded> payloads);
  void close();

  const std::string& name() const;

  ~FrameChannel();
  FrameChannel(const FrameChannel&) = delete;
  FrameChannel& operator=(const FrameChannel&) = delete;

 private:
  struct Impl;
  // Lets create() use make_shared while nobody else can construct (explicit: `{}` from
  // outside would otherwise make one).
  struct Key {
    explicit Key() = default;
  };

 public:
  FrameChannel(Key, boost::asio::io_context& io, UniqueFd fd, FrameChannelOptions options);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace carton::runtime
