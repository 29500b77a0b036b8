// Runtime support for the generated dispatch(): one place that turns a handler's
// exception into an Error response, so generated code stays one call per variant.
#pragma once

#include <exception>
#include <memory>

#include "carton/runner/responder.hpp"

namespace carton::runner::detail {

template <class Fn>
void invoke_handler(const std::shared_ptr<ResponseSink>& sink, wire::RpcId id, bool streaming, Fn&& fn) {
  auto exchange = std::make_shared<Exchange>(sink, id, streaming);
  try {
    fn(exchange);
  } catch (const std::exception& e) {
    exchange->fail_if_open(e.what());
  } catch (...) {
    exchange->fail_if_open("the runner's handler threw a non-standard exception");
  }
}

}  // namespace carton::runner::detail
