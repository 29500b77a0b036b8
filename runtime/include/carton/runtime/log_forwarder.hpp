// LogForwarder: hands log records to the core over the RPC channel, whenever that is.
//
// Records exist before the channel does (startup, bootstrap, parent-death setup) and
// after it is gone (shutdown, the core died). The forwarder keeps the early ones, in
// order and bounded, delivers them when a sink is attached, and drops everything once
// detached, without blocking or throwing, so logging never takes a runner down.
//
// Usage (runner startup):
//   auto logs = std::make_shared<LogForwarder>();
//   install_log_bridge(logs);                           // boost_log_bridge.hpp
//   ... connect ...
//   logs->attach([rpc](wire::LogRecord&& r) { rpc->send(encode_log_message(r)); });
//   ... on channel close: logs->detach();
//
// The sink wraps the record as RPCResponse{id: 0, complete: true, LogMessage{record}}.
// It must only enqueue (FrameChannel::send does): it is called with the forwarder's lock
// held, which is what makes delivery ordered and detach() a barrier, so a sink that waits
// (for the I/O thread, a reply, a full socket) would stall every logging thread.
//
// Threading: every member is thread-safe. Sink calls are serialised, so the sink need
// not be thread-safe. A record published from inside the sink (directly or by logging
// through the bridge) is dropped and counted: forwarding it would recurse.
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "carton/wire/rpc_types.hpp"

namespace carton::runtime {

class LogForwarder {
 public:
  using Sink = std::function<void(wire::LogRecord&&)>;

  // Records kept until attach(). Startup logs a few dozen; the bound only matters when
  // the core never connects or something floods before it does. When full, the newest
  // record is dropped: the start of a run (versions, options, the first error) explains
  // a failure, and what floods after it is mostly repetition of that failure.
  static constexpr std::size_t kDefaultMaxBuffered = 1024;

  explicit LogForwarder(std::size_t max_buffered = kDefaultMaxBuffered);
  ~LogForwarder();
  LogForwarder(const LogForwarder&) = delete;
  LogForwarder& operator=(const LogForwarder&) = delete;

  // Buffers (before attach), forwards (attached) or drops (detached, buffer full, the
  // sink threw, or called from inside the sink). Strings are made valid UTF-8 first
  // (see lossy_utf8). Never throws.
  void publish(wire::LogRecord record) noexcept;

  // Delivers the buffered records in publish order, then (if any were dropped for lack
  // of room) one Warn record saying how many, then forwards each new record. Records
  // published meanwhile wait and follow. After detach() this is a no-op.
  void attach(Sink sink);

  // The core is gone. Drops (and counts) what is still buffered, releases the sink, and
  // drops every later record. Final. Once it returns the sink is not running and will
  // not be called again, unless detach() was called from inside the sink.
  void detach() noexcept;

  // Records that never reached a sink.
  std::size_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  enum class State { kBuffering, kAttached, kDetached };

  void deliver_locked(const std::shared_ptr<Sink>& sink, wire::LogRecord&& record) noexcept;

  const std::size_t max_buffered_;
  // Recursive: the sink runs under it and may call detach() (e.g. when its send fails).
  mutable std::recursive_mutex mutex_;
  State state_ = State::kBuffering;
  std::deque<wire::LogRecord> buffer_;
  std::size_t dropped_while_buffering_ = 0;
  std::shared_ptr<Sink> sink_;
  std::atomic<std::size_t> dropped_{0};
};

// `s` with every invalid UTF-8 sequence replaced by U+FFFD, as Rust's
// String::from_utf8_lossy does. Why: the core decodes each String with from_utf8 and
// panics on failure, and log text (paths, bytes, foreign messages) is not always UTF-8.
std::string lossy_utf8(std::string s);

}  // namespace carton::runtime
