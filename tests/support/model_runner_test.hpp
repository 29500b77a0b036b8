// What the framework runners' tests (runners/torchscript/tests, runners/onnx/tests, runners/xgboost/tests) and the
// ModelHandler tests share: the Error text of a call, runner options from a list, a
// wait for a log record, and a Load request as carton's core sends one.
#pragma once

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "carton/mock/mock_core.hpp"

namespace carton::test_support {

using RunnerOpts = wire::Map<std::string, wire::RunnerOpt>;

// The Error message `call` gets from the runner; "(no error)" if it succeeds.
template <class F>
std::string error_of(F&& call) {
  try {
    call();
  } catch (const mock::RunnerError& e) {
    return e.what();
  }
  return "(no error)";
}

inline RunnerOpts opts(std::initializer_list<std::pair<const char*, wire::RunnerOpt>> list) {
  RunnerOpts out;
  for (const auto& [k, v] : list) out.insert_or_assign(k, v);
  return out;
}

// Waits for a log record containing `part`: records travel beside replies, not before
// them.
inline bool logged(mock::MockCore& core, const std::string& part,
                   std::chrono::milliseconds wait = std::chrono::milliseconds(3000)) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  do {
    for (const auto& r : core.logs()) {
      if (r.args.find(part) != std::string::npos) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

// A Load of the model directory served as `fs`, for any framework version, on the CPU.
inline wire::LoadRequest load_request(wire::FsToken fs, std::string runner_name,
                                      std::optional<RunnerOpts> runner_opts = std::nullopt) {
  wire::LoadRequest load;
  load.fs = fs;
  load.runner_name = std::move(runner_name);
  load.required_framework_version = "*";
  load.runner_compat_version = 1;
  load.runner_opts = std::move(runner_opts);
  load.visible_device = wire::CpuDevice{};
  return load;
}

}  // namespace carton::test_support
