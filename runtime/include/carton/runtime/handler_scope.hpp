// HandlerScope: marks the current thread as running a request handler.
//
// serve() runs a request on the I/O thread that read it, and hands the sockets to
// another thread when that handler blocks or runs long (docs/runtime.md, "Threads").
// Code that is about to wait for something only the I/O side can deliver (the
// filesystem client's synchronous calls) calls will_block() first, so the hand-over
// happens at once instead of after the takeover delay. Outside a HandlerScope, waiting
// on the I/O thread has no such escape: Multiplexer::on_io_thread() refuses it.
#pragma once

#include <functional>

namespace carton::runtime {

class HandlerScope {
 public:
  using BlockHook = void (*)(void* context);
  using LaterHook = bool (*)(void* context, std::function<void()>& task);
  using AsideHook = void (*)(void* context, bool retake);

  // `hook(context)` runs on will_block() from this thread while the scope is open,
  // `later(context, task)` on run_after_pending(task) and `aside(context, retake)` on
  // step_aside(retake).
  explicit HandlerScope(BlockHook hook = nullptr, void* context = nullptr, LaterHook later = nullptr,
                        AsideHook aside = nullptr);
  ~HandlerScope();
  HandlerScope(const HandlerScope&) = delete;
  HandlerScope& operator=(const HandlerScope&) = delete;

  // True inside a HandlerScope on this thread.
  static bool active();
  // The calling thread is about to block on the I/O side; a no-op outside a scope.
  static void will_block();
  // Every core this work may use is taken by long computations (runner::InferQueue with
  // all its instances running): the calling thread stops reading, and the sockets wait
  // for the next thread whose handler ends instead of waking a waiting one now. With
  // `retake`, this thread's own handler ending counts (a computation about to start: it
  // reads when it is done); without, it does not (a handler that only queued work).
  // Why: a thread woken to read each arriving request takes a core from the
  // computations for every one, while nothing could run that request before one of them
  // ends; read then, requests come several at a time (docs/design.md, "Threads", has
  // the numbers). A no-op outside a scope.
  static void step_aside(bool retake);
  // When other handlers are waiting to run (requests already read), queues `task` to
  // run as a handler after them and returns true; else returns false and leaves `task`
  // to the caller. For work that serves several requests at once (runner::InferQueue):
  // run after the requests read with this one, it finds them all. False outside a scope.
  static bool run_after_pending(std::function<void()>& task);

 private:
  BlockHook hook_;
  LaterHook later_;
  AsideHook aside_;
  void* context_;
  HandlerScope* previous_;
};

}  // namespace carton::runtime
