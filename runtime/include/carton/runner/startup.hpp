// The start of a runner's life shared by run() and RequestLoop: the command line,
// parent-death handling, the log bridge, and the channels from the core.
#pragma once

#include <optional>

#include "carton/runner/run.hpp"
#include "carton/runner/serve.hpp"

namespace carton::runner::detail {

struct Startup {
  std::optional<int> exit_code;  // set when the process should exit now (--help, errors)
  runtime::Channels channels;
  ServeOptions options;
};

Startup start(int argc, char** argv, const RunnerInfo& info);

}  // namespace carton::runner::detail
