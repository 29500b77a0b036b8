#include "carton/runtime/log_forwarder.hpp"

#include <cstdint>
#include <utility>

#include "../wire/utf8.hpp"
#include "carton/runtime/log.hpp"

namespace carton::runtime {

namespace {

// The forwarders whose sink is running on this thread, innermost first. A chain rather
// than a flag: one forwarder's sink may legitimately publish to another.
struct Delivering {
  const LogForwarder* forwarder;
  const Delivering* outer;
};
thread_local const Delivering* t_delivering = nullptr;

bool delivering_on_this_thread(const LogForwarder* forwarder) {
  for (const Delivering* d = t_delivering; d != nullptr; d = d->outer) {
    if (d->forwarder == forwarder) return true;
  }
  return false;
}

// Length of the maximal invalid subpart at p[0] (Unicode's rule, which Rust's
// from_utf8_lossy follows): a truncated or broken sequence becomes one U+FFFD.
std::size_t invalid_sequence_length(const std::uint8_t* p, std::size_t n) {
  const std::uint8_t c = p[0];
  std::size_t len = 0;
  std::uint8_t lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 1;
  }
  std::size_t k = 1;
  if (k < n && p[k] >= lo && p[k] <= hi) {
    ++k;
    while (k < len && k < n && (p[k] & 0xC0) == 0x80) ++k;
  }
  return k;
}

void make_valid(std::string& s) { s = lossy_utf8(std::move(s)); }

void make_valid(wire::LogRecord& r) {
  make_valid(r.metadata.target);
  make_valid(r.args);
  if (r.module_path) make_valid(*r.module_path);
  if (r.file) make_valid(*r.file);
}

}  // namespace

std::string lossy_utf8(std::string s) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const std::size_t n = s.size();
  std::size_t bad = wire::detail::utf8_invalid_at(p, n);
  if (bad == n) return s;
  std::string out;
  out.reserve(n + 8);
  std::size_t i = 0;
  for (;;) {
    out.append(s, i, bad - i);
    if (bad == n) break;
    out += "\xEF\xBF\xBD";
    i = bad + invalid_sequence_length(p + bad, n - bad);
    bad = i + wire::detail::utf8_invalid_at(p + i, n - i);
  }
  return out;
}

LogForwarder::LogForwarder(std::size_t max_buffered) : max_buffered_(max_buffered) {}

LogForwarder::~LogForwarder() = default;

void LogForwarder::publish(wire::LogRecord record) noexcept {
  if (delivering_on_this_thread(this)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  try {
    make_valid(record);  // outside the lock: it may copy the message
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    switch (state_) {
      case State::kDetached:
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return;
      case State::kBuffering:
        if (buffer_.size() >= max_buffered_) {
          ++dropped_while_buffering_;
          dropped_.fetch_add(1, std::memory_order_relaxed);
          return;
        }
        buffer_.push_back(std::move(record));
        return;
      case State::kAttached: {
        const std::shared_ptr<Sink> sink = sink_;  // survives a detach() from the sink
        deliver_locked(sink, std::move(record));
        return;
      }
    }
  } catch (...) {  // bad_alloc while copying or buffering
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
}

void LogForwarder::attach(Sink sink) {
  auto shared = std::make_shared<Sink>(std::move(sink));
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (state_ == State::kDetached) return;
  sink_ = shared;
  if (state_ == State::kAttached) return;  // a replacement sink
  // The lock is held throughout, so records published meanwhile by other threads queue
  // behind the backlog; the sink's own records are dropped, so the buffer cannot grow.
  while (!buffer_.empty() && state_ == State::kBuffering) {
    wire::LogRecord record = std::move(buffer_.front());
    buffer_.pop_front();
    deliver_locked(shared, std::move(record));
  }
  if (state_ != State::kBuffering) return;  // the sink called detach()
  if (dropped_while_buffering_ > 0) {
    wire::LogRecord note;
    note.metadata.level = wire::Level::Warn;
    note.metadata.target = kSdkChannel;
    note.args = std::to_string(dropped_while_buffering_) +
                " log records were dropped before the core connected: more than " +
                std::to_string(max_buffered_) + " were waiting";
    dropped_while_buffering_ = 0;
    deliver_locked(shared, std::move(note));
    if (state_ != State::kBuffering) return;
  }
  state_ = State::kAttached;
}

void LogForwarder::detach() noexcept {
  std::shared_ptr<Sink> released;
  {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    if (state_ == State::kDetached) return;
    state_ = State::kDetached;
    dropped_.fetch_add(buffer_.size(), std::memory_order_relaxed);
    buffer_.clear();
    released = std::move(sink_);
  }
  // `released` is destroyed here, outside the lock: the sink's captures (a channel, say)
  // may log from their destructors, and those records are now simply dropped.
}

void LogForwarder::deliver_locked(const std::shared_ptr<Sink>& sink, wire::LogRecord&& record) noexcept {
  const Delivering frame{this, t_delivering};
  t_delivering = &frame;
  try {
    (*sink)(std::move(record));
  } catch (...) {  // includes bad_function_call from an empty sink
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
  t_delivering = frame.outer;
}

}  // namespace carton::runtime
