// HandlerScope: marks the current thread as running a request handler.
//
// serve() runs a request on the I/O thread that read it, and hands the sockets to
// another thread when that handler blocks or runs long (docs/runtime.md, "Threads").
// Code that is about to wait for something only the I/O side can deliver (the
// filesystem client's synchronous calls) calls will_block() first, so the hand-over
// happens at once instead of after the takeover delay. Outside a HandlerScope, waiting
// on the I/O thread has no such escape: Multiplexer::on_io_thread() refuses it.
#pragma once

namespace carton::runtime {

class HandlerScope {
 public:
  using BlockHook = void (*)(void* context);

  // `hook(context)` runs on will_block() from this thread while the scope is open.
  explicit HandlerScope(BlockHook hook = nullptr, void* context = nullptr);
  ~HandlerScope();
  HandlerScope(const HandlerScope&) = delete;
  HandlerScope& operator=(const HandlerScope&) = delete;

  // True inside a HandlerScope on this thread.
  static bool active();
  // The calling thread is about to block on the I/O side; a no-op outside a scope.
  static void will_block();

 private:
  BlockHook hook_;
  void* context_;
  HandlerScope* previous_;
};

}  // namespace carton::runtime
