#include "carton/runtime/handler_scope.hpp"

namespace carton::runtime {
namespace {
thread_local HandlerScope* current = nullptr;
}  // namespace

HandlerScope::HandlerScope(BlockHook hook, void* context, LaterHook later, AsideHook aside)
    : hook_(hook), later_(later), aside_(aside), context_(context), previous_(current) {
  current = this;
}
HandlerScope::~HandlerScope() { current = previous_; }
bool HandlerScope::active() { return current != nullptr; }

void HandlerScope::will_block() {
  if (current && current->hook_) current->hook_(current->context_);
}

void HandlerScope::step_aside(bool retake) {
  if (current && current->aside_) current->aside_(current->context_, retake);
}

bool HandlerScope::run_after_pending(std::function<void()>& task) {
  return current && current->later_ && current->later_(current->context_, task);
}

}  // namespace carton::runtime
