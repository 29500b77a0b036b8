#include "held_replies.hpp"

#include <utility>
#include <vector>

#include "carton/runner/responder.hpp"

namespace carton::runner::detail {
namespace {

struct Held {
  bool may_hold = false;    // between begin() and release()
  bool sent_first = false;  // this burst's first reply has gone
  std::shared_ptr<runtime::FrameChannel> channel;
  std::vector<wire::Encoded> frames;
  std::size_t bytes = 0;
  std::chrono::steady_clock::time_point first;
};

thread_local Held held;

void write_held() {
  if (held.frames.empty()) return;
  std::vector<wire::Encoded> frames;
  frames.swap(held.frames);
  held.bytes = 0;
  const std::shared_ptr<runtime::FrameChannel> channel = std::move(held.channel);
  held.channel.reset();
  channel->send(std::move(frames));
}

}  // namespace

void HeldReplies::send(const std::shared_ptr<runtime::FrameChannel>& channel, wire::Encoded frame, bool final_reply) {
  if (held.may_hold && final_reply && InBurst::active() && frame.size() <= kMaxHeldBytes) {
    if (held.sent_first) {
      if (held.channel && held.channel != channel) write_held();
      if (held.frames.empty()) {
        held.channel = channel;
        held.first = std::chrono::steady_clock::now();
      }
      held.bytes += frame.size();
      held.frames.push_back(std::move(frame));
      if (held.bytes > kMaxHeldBytes) write_held();
      return;
    }
    held.sent_first = true;  // and it leaves now
  }
  write_held();  // this thread's replies keep their order
  channel->send(std::move(frame));
}

void HeldReplies::begin() { held.may_hold = true; }

void HeldReplies::release() {
  held.may_hold = false;
  held.sent_first = false;
  write_held();
}

bool HeldReplies::overdue(std::chrono::microseconds limit) {
  return !held.frames.empty() && std::chrono::steady_clock::now() - held.first >= limit;
}

}  // namespace carton::runner::detail
