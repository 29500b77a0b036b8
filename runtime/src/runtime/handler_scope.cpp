#include "carton/runtime/handler_scope.hpp"

namespace carton::runtime {
namespace {
thread_local HandlerScope* current = nullptr;
}  // namespace

HandlerScope::HandlerScope(BlockHook hook, void* context, LaterHook later)
    : hook_(hook), later_(later), context_(context), previous_(current) {
  current = this;
}
HandlerScope::~HandlerScope() { current = previous_; }
bool HandlerScope::active() { return current != nullptr; }

void HandlerScope::will_block() {
  if (current && current->hook_) current->hook_(current->context_);
}

bool HandlerScope::run_after_pending(std::function<void()>& task) {
  return current && current->later_ && current->later_(current->context_, task);
}

}  // namespace carton::runtime
