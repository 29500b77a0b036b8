// protocol/log_forwarded: the runner sends its log records to the core.
//
// carton's core prints every LogMessage a runner sends through its own logger (its
// client.rs hands each record to `log`), and carton's runners forward theirs: the Rust
// runner interface installs a logger that sends every record of the runner process as
// {id: 0, complete: true, LogMessage}, and ref-core's smoke fails a runner that sends
// none. To pass, a runner forwards at least one record between its start and its exit.
// A runner on this SDK does without trying: run() bridges Boost.Log to the core and
// the runtime logs when it starts serving; one of its own must send its log records as
// LogMessage responses.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "carton/wire/messages.hpp"
#include "suite/case_support.hpp"

namespace carton::conformance::suite {

namespace {

// Records sent at start-up come before the Load's reply (the channel keeps order);
// ones a runner sends from another thread get this long, then the runner's exit.
constexpr std::chrono::milliseconds kLogWait{1000};

void log_forwarded(const CaseContext& ctx) {
  auto core = start(ctx);
  load_model(*core, ctx);
  TensorMap x{{"x", Tensor::from_values<float>({2}, {1, 2})}};
  expect_ok_or_error<wire::InferResponse>("InferWithTensors", core->call(wire::InferWithTensorsRequest{x, false}));
  const auto deadline = std::chrono::steady_clock::now() + std::min(kLogWait, ctx.timeout);
  while (core->logs().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  require_no_violations(*core);
  if (!core->logs().empty()) return;
  // The core reads what a runner sends while it exits, too (how it exits is clean_exit's).
  core->close_and_wait(kExitTimeout);
  if (!core->logs().empty()) return;
  throw Failure(
      "expected at least one log record (a response with id 0 and LogMessage) between the runner's start and its exit, "
      "after a Load and an InferWithTensors, got none: carton's core prints the records its runners forward and "
      "carton's runners forward every record they log; on this SDK run() forwards Boost.Log records once connected, "
      "a runner of its own must send them as LogMessage responses");
}

}  // namespace

void add_log_cases(std::vector<Case>& r) {
  const CaseAdder add{r, "protocol"};
  add("log_forwarded",
      "the runner forwards at least one log record (id 0, LogMessage) between its start and its exit",
      log_forwarded);
}

}  // namespace carton::conformance::suite
