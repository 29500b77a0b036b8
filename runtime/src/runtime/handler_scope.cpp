#include "carton/runtime/handler_scope.hpp"

namespace carton::runtime {
namespace {
thread_local HandlerScope* current = nullptr;
}  // namespace

HandlerScope::HandlerScope(BlockHook hook, void* context) : hook_(hook), context_(context), previous_(current) {
  current = this;
}
HandlerScope::~HandlerScope() { current = previous_; }
bool HandlerScope::active() { return current != nullptr; }

void HandlerScope::will_block() {
  if (current && current->hook_) current->hook_(current->context_);
}

}  // namespace carton::runtime
