// HeldReplies: final replies that the reading thread keeps back while requests read
// with them still wait to be handled, then writes together.
//
// Why: with many clients, carton's core sends requests in bursts and the reading thread
// gets a dozen in one read; each reply written alone costs a sendmsg and a wake-up of
// the core's reader, a third of that thread's time when a request's work is a
// microsecond or two (the noop, the XGBoost runner's walked rows), and that thread sets
// the runner's rate. Written together, a burst's replies cost one of each.
//
// What is held: only final replies sent with Responder::respond_in_burst (the runner
// says the work is as cheap as the reply: ModelHandler for runs_at_once requests), only
// by a thread that reads (HandlerThreads' leader), and not the first of a burst, which
// leaves at once so that carton's core works on it while the rest are handled. A
// partial reply is never held, nor is one of more than kMaxHeldBytes (its copy into the
// socket outweighs a syscall).
//
// When held replies leave, in one write: when no submitted handler waits to start (the
// burst is done), when the oldest has waited ServeOptions::max_reply_hold (20 us), when
// the thread stops reading, is about to block (HandlerScope::will_block) or steps aside,
// and before InferQueue runs a computation that may be long. So a held reply waits for the cheap handlers read with
// it, never for a read; what else could follow it on this thread is a handler of the
// same runner, and the SDK's handlers release before any long work.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "carton/runtime/frame_channel.hpp"
#include "carton/wire/encoded.hpp"

namespace carton::runner::detail {

class HeldReplies {
 public:
  static constexpr std::size_t kMaxHeldBytes = std::size_t{64} << 10;

  // Writes `frame` to `channel`, or holds it (see above). Never blocks.
  static void send(const std::shared_ptr<runtime::FrameChannel>& channel, wire::Encoded frame, bool final_reply);
  // The calling thread reads and may hold replies (HandlerThreads, as a handler starts).
  static void begin();
  // Writes what the calling thread holds, in one write; it holds nothing more until
  // the next begin().
  static void release();
  // Whether the calling thread holds a reply that has waited `limit`
  // (ServeOptions::max_reply_hold).
  static bool overdue(std::chrono::microseconds limit);
};

}  // namespace carton::runner::detail
