// run(): the whole life of a runner process, for main().
//
//   int main(int argc, char** argv) {
//     MyHandler handler;
//     return carton::runner::run(argc, argv, handler, {"my-runner", "1.0.0"});
//   }
//
// It parses the command line carton passes (--uds-path PATH), arms parent-death
// handling, connects to the core's bootstrap socket, receives the channels, forwards
// Boost.Log records to the core and serves requests until the core goes away.
#pragma once

#include <string>

#include "carton/runner/runner_handler.hpp"

namespace carton::runner {

struct RunnerInfo {
  std::string name;     // shown by --help and --version
  std::string version;  // the runner's own version
};

// Returns the process exit code.
int run(int argc, char** argv, RunnerHandler& handler, const RunnerInfo& info);

}  // namespace carton::runner
