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

  // `hook(context)` runs on will_block() from this thread while the scope is open, and
  // `later(context, task)` on run_after_pending(task).
  explicit HandlerScope(BlockHook hook = nullptr, void* context = nullptr, LaterHook later = nullptr);
  ~HandlerScope();
  HandlerScope(const HandlerScope&) = delete;
  HandlerScope& operator=(const HandlerScope&) = delete;

  // True inside a HandlerScope on this thread.
  static bool active();
  // The calling thread is about to block on the I/O side; a no-op outside a scope.
  static void will_block();
  // When other handlers are waiting to run (requests already read), queues `task` to
  // run as a handler after them and returns true; else returns false and leaves `task`
  // to the caller. For work that serves several requests at once (runner::InferQueue):
  // run after the requests read with this one, it finds them all. False outside a scope.
  static bool run_after_pending(std::function<void()>& task);

 private:
  BlockHook hook_;
  LaterHook later_;
  void* context_;
  HandlerScope* previous_;
};

}  // namespace carton::runtime
